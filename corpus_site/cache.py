"""The shared cache, failing open for readers and closed for the version.

Everything cached (pages, counts, summaries) can be computed again, so a
cache that cannot be reached must not take the site down: every read is a
miss, every write is dropped, the failure is logged, and for a few seconds
this process does not try again (an unreachable host would otherwise cost
each request a timeout per cache call). `/healthz` says the cache is down.

The one write that guards correctness is the corpus version
(claims/scale/corpusversion.py): a change the public may see must make every
cached page older than it unreadable. That write goes through `strict`,
which raises: a change whose version cannot move is refused, rather than
leaving pages from before it to be served once the cache is back.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache

log = logging.getLogger("corpus.cache")

# After a failure, this process treats the cache as down for this long.
RETRY_SECONDS = 5.0


class FailOpenRedisCache(RedisCache):
    """Django's RedisCache whose reads miss and writes drop while Redis is down."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._down_until = 0.0

    @property
    def strict(self):
        """The same cache, raising on failure: for the corpus version."""
        return super()

    def is_down(self):
        return time.monotonic() < self._down_until

    def _failed(self, operation, error):
        if not self.is_down():
            log.error("cache %s failed, serving uncached for %.0f s: %r", operation, RETRY_SECONDS, error)
        self._down_until = time.monotonic() + RETRY_SECONDS

    def _attempt(self, operation, fallback, *args, **kwargs):
        if self.is_down():
            return fallback
        try:
            return getattr(super(), operation)(*args, **kwargs)
        except Exception as error:  # redis-py raises ConnectionError, TimeoutError, ResponseError…
            self._failed(operation, error)
            return fallback

    def get(self, key, default=None, version=None):
        return self._attempt("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._attempt("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._attempt("has_key", False, key, version)

    def set(self, key, value, timeout=None, version=None, **kwargs):
        return self._attempt("set", None, key, value, timeout, version, **kwargs)

    def set_many(self, data, timeout=None, version=None, **kwargs):
        return self._attempt("set_many", [], data, timeout, version, **kwargs)

    def add(self, key, value, timeout=None, version=None, **kwargs):
        # True: with no cache there is nobody to coordinate with, so the
        # caller goes ahead (computes the count itself) instead of waiting.
        return self._attempt("add", True, key, value, timeout, version, **kwargs)

    def delete(self, key, version=None):
        return self._attempt("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._attempt("delete_many", None, keys, version)

    def touch(self, key, timeout=None, version=None):
        return self._attempt("touch", False, key, timeout, version)

    def incr(self, key, delta=1, version=None):
        return self._attempt("incr", None, key, delta, version)

    def clear(self):
        return self._attempt("clear", None)

    def get_or_set(self, key, default, timeout=None, version=None):
        value = self.get(key, version=version)
        if value is not None:
            return value
        value = default() if callable(default) else default
        if not self.is_down():
            self.add(key, value, timeout, version)
            stored = self.get(key, version=version)
            return value if stored is None else stored
        return value

    def health(self):
        """'ok' or why not, trying the server now (for /healthz)."""
        try:
            super().get("corpus:healthz")
        except Exception as error:
            self._failed("health check", error)
            return f"down ({error.__class__.__name__})"
        self._down_until = 0.0
        return "ok"
