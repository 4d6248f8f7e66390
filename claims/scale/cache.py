"""The one read door: everything cached about the public corpus.

Whole pages, facet counts, list totals, search pages, a company's topics and
the whole-corpus summaries are all kept in the shared cache through this
module, and only through it: no other module of the app builds a cache key
or reads the corpus version (an import-linter contract in setup.cfg keeps it
so). Two kinds of entry:

- for_corpus(parts, compute): keyed by the corpus version
  (claims/scale/corpusversion.py), so that a change makes every entry made
  before it unreadable at once, in every process sharing the cache. Used for
  anything a reader must never see stale: pages, counts, search pages.
- latest(name, compute): one entry per name that remembers the version it
  was computed at; when the corpus has moved on, one request recomputes it
  while the others are served the previous value. Used for the summaries
  that take seconds at a million claims and only hold aggregates.
- for_content(parts, compute): parts say everything the value depends on
  (a source's reference: its CSL-JSON record and the style), so the entry
  needs no version and outlives changes to the rest of the corpus.

The version is read once per request (OneVersionPerRequest pins it), so
every part of a page comes from the same version of the corpus, at the cost
of one cache read; a request that changes the corpus moves its own pin.

The cache fails open (corpus_site/cache.py): while Redis is down every read
misses and every write is dropped, so pages are computed each time and served.
"""

import hashlib
import json
from contextlib import contextmanager

from django.core.cache import cache
from django.db import OperationalError

from claims.scale import corpusversion
from claims.scale.querylimits import is_timeout, limited

# What an entry holds when computing it ran past its time limit: for this
# long, requests for it do without rather than spend the limit again.
UNAVAILABLE = "unavailable"
UNAVAILABLE_SECONDS = 300
# How long a request may hold the right to compute an entry (alone=True,
# latest()) before another may try.
COMPUTING_SECONDS = 120
# Set while a load recomputes the summaries (refreshing()).
REFRESHING = "claims:summary:refreshing"


class Pending(Exception):
    """latest() has no value of this name yet, and another request is computing it."""


def key(*parts):
    """The cache key of parts (strings, numbers, lists of pairs) at the
    version of the corpus this request reads: '<kind>:<version>:<digest>'."""
    digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]
    return f"claims:{parts[0]}:{corpusversion.current()}:{digest}"


def lookup(*parts):
    """The entry kept for parts at this version, or None."""
    return cache.get(key(*parts))


def keep(parts, value, seconds=None):
    """Keep value for parts at this version (for seconds, or until evicted)."""
    cache.set(key(*parts), value, seconds)


def for_corpus(parts, compute, *, time_limit=None, remember_unavailable=True, alone=False, on_timeout=None):
    """compute()'s value for parts at this version of the corpus: from the
    cache, else computed now and kept. None when it is unavailable:

    - time_limit (seconds): compute() runs with that statement time limit;
      past it, None, and (remember_unavailable) None at once for every
      request for UNAVAILABLE_SECONDS; on_timeout() is called.
    - alone: one request at a time computes it; the others get None meanwhile
      rather than compute it twice.

    compute() returns None to do without this time: nothing is kept."""
    entry = key(*parts)
    found = cache.get(entry)
    if found == UNAVAILABLE:
        return None
    if found is not None:
        return found
    if alone and not cache.add(f"{entry}:computing", 1, timeout=int(time_limit or COMPUTING_SECONDS) + 1):
        return None
    try:
        if time_limit is None:
            value = compute()
        else:
            with limited(time_limit * 1000):
                value = compute()
    except OperationalError as error:
        if not is_timeout(error):
            raise
        if remember_unavailable:
            cache.set(entry, UNAVAILABLE, UNAVAILABLE_SECONDS)
        if on_timeout is not None:
            on_timeout()
        return None
    finally:
        if alone:
            cache.delete(f"{entry}:computing")
    if value is not None:
        cache.set(entry, value)
    return value


def for_content(parts, compute):
    """compute()'s value for parts, which hold all it depends on: from the
    cache, else computed now and kept (not keyed by the corpus version)."""
    digest = hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()[:32]
    entry = f"claims:{parts[0]}:content:{digest}"
    found = cache.get(entry)
    if found is None:
        found = compute()
        cache.set(entry, found)
    return found


def latest(name, compute, *, refresh=False):
    """The value called name, computed by compute() without a time limit
    when missing or out of date — unless a load is about to recompute it
    (refreshing()) or another request is computing it: then the previous
    value. Raises Pending when there is none at all and another request is
    computing it: the caller says so rather than hold a worker waiting."""
    entry = f"claims:summary:{name}"
    version = corpusversion.current()
    found = cache.get(entry)
    if found is not None and found[0] == version:
        return found[1]
    if found is not None and not refresh and cache.get(REFRESHING):
        return found[1]
    lock = f"{entry}:computing"
    if not cache.add(lock, version, timeout=COMPUTING_SECONDS):
        if found is not None:
            return found[1]  # being recomputed: the previous one meanwhile
        raise Pending(name)
    try:
        with limited(None):
            value = compute()
        cache.set(entry, (version, value), timeout=None)
    finally:
        cache.delete(lock)
    return value


@contextmanager
def refreshing():
    """While this runs, latest() serves what it finds, however old: a load
    holds it from before its commit until it has recomputed the summaries."""
    cache.set(REFRESHING, 1, timeout=COMPUTING_SECONDS)
    try:
        yield
    finally:
        cache.delete(REFRESHING)


def take_slot(name, slots, seconds):
    """One of `slots` places called name, shared by every process: the number
    taken, or None when all are in use. Held for at most seconds."""
    for slot in range(slots):
        if cache.add(f"claims:{name}:{slot}", 1, timeout=int(seconds) + 1):
            return slot
    return None


def release_slot(name, slot):
    cache.delete(f"claims:{name}:{slot}")


class OneVersionPerRequest:
    """Pins the corpus version for the whole request: every entry a page
    reads comes from the same version, read from the cache once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with corpusversion.pinned():
            return self.get_response(request)
