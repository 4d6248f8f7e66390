"""A version stamp of the public corpus, for caches that must never serve
counts from before a change.

Cached facet counts are keyed by this stamp. Anything that can change what
the public sees — a claim saved or deleted (the admin's publish and retract
included), its tags or citations changed, a load_corpus run — calls bump(),
and every cached count made before it stops being read at once, in every
process sharing the cache. A lost stamp (cache restart, eviction) is replaced
by a new, never-used one, so old entries can never come back.
"""

import contextvars
import time
from contextlib import contextmanager

from django.core.cache import cache
from django.db import transaction

KEY = "claims:corpus-version"

# The version a request reads, pinned by pinned() (claims/scale/cache.py's
# middleware) so that one page never mixes two versions; None outside one.
_pinned = contextvars.ContextVar("corpus_version", default=None)


def current():
    """The version of the corpus: the request's pinned one, else the cache's."""
    pin = _pinned.get()
    if pin is not None:
        if pin[0] is None:
            pin[0] = _read()
        return pin[0]
    return _read()


def _read():
    return cache.get_or_set(KEY, time.time_ns, timeout=None)


@contextmanager
def pinned():
    """Within this, current() reads the cache once and then repeats itself,
    until this request moves the version itself (_new())."""
    token = _pinned.set([None])
    try:
        yield
    finally:
        _pinned.reset(token)


def bump(**kwargs):
    """A new version now, for readers inside this transaction, and again when
    it commits: a reader that counted the old rows between the two then
    cached them under a version that is already gone."""
    _new()
    transaction.on_commit(_new)


def bump_on_commit():
    """A new version when the transaction commits: for a writer, like
    load_corpus, that reads nothing cached before then. Bumping now as well
    would send every reader to recount the old corpus just before the
    commit sends them to count it again."""
    transaction.on_commit(_new)


class CacheUnreachable(Exception):
    """The version cannot move: a change made now would leave cached pages
    from before it readable once the cache is back."""


def check_movable():
    """Raise CacheUnreachable unless the shared cache answers now: for a bulk
    change to call before it commits (its bump comes after the commit)."""
    try:
        getattr(cache, "strict", cache).get(KEY)
    except Exception as error:
        raise CacheUnreachable(f"the shared cache (CACHE_URL) is unreachable: {error}") from error


def _new():
    # Strict where the cache fails open (corpus_site/cache.py): a version that
    # cannot move must stop the change, or pages from before it outlive it.
    version = time.time_ns()
    try:
        getattr(cache, "strict", cache).set(KEY, version, timeout=None)
    except Exception as error:  # redis-py's ConnectionError, TimeoutError…
        raise CacheUnreachable(f"the shared cache (CACHE_URL) is unreachable: {error}") from error
    pin = _pinned.get()
    if pin is not None:
        pin[0] = version  # this request reads what it has just changed
