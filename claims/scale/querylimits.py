"""A time limit on every query the web server runs.

On a million claims one unlucky filter combination can make a facet count or
a search scan a large part of a table. A per-query limit turns that into a
degraded page — "counts unavailable" for a facet, or a 503 that says the
query was too slow — instead of a worker stuck for minutes:

- PostgreSQL: statement_timeout, set once when the connection opens.
- SQLite: a progress handler that interrupts a statement running past the
  limit (an execute wrapper notes when each statement starts).

The limit is DATABASE_STATEMENT_TIMEOUT_MS. corpus_site/wsgi.py turns it on
for web servers (default 3000 ms); management commands such as migrate and
load_corpus, which may legitimately run long statements, have none.
"""

import time
from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError
from django.db import connection as default_connection
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.connection import ConnectionProxy

from claims.scale import corpusversion


def is_timeout(error):
    """Whether a database error is a cancelled slow statement."""
    if not isinstance(error, OperationalError):
        return False
    text = str(error)
    return "statement timeout" in text or "interrupted" in text or type(error.__cause__).__name__ == "QueryCanceled"


def is_busy(error):
    """Whether a database error is a write that waited too long for another
    (load_corpus holds SQLite's write lock, or PostgreSQL rows, until it commits)."""
    if not isinstance(error, OperationalError):
        return False
    return "database is locked" in str(error) or type(error.__cause__).__name__ == "LockNotAvailable"


@receiver(connection_created)
def limit_statement_time(sender, connection, **kwargs):
    install(connection, settings.DATABASE_STATEMENT_TIMEOUT_MS)


def _wrapper(connection):
    """The DatabaseWrapper itself. django.db.connection is a ConnectionProxy:
    state kept in its __dict__ would not be the state of the connection that
    connection_created hands to install()."""
    if isinstance(connection, ConnectionProxy):
        return connection._connections[connection._alias]
    return connection


def install(connection, milliseconds):
    connection = _wrapper(connection)
    if not milliseconds:
        return
    if connection.vendor == "postgresql":
        with connection.connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(milliseconds)}")
            # A write waiting for rows a load holds gives up sooner, and says why.
            cursor.execute(f"SET lock_timeout = {int(milliseconds)}")
    elif connection.vendor == "sqlite":
        # One clock per DatabaseWrapper, kept across reconnections (SQLite
        # reconnects every request); each new sqlite3 connection gets a handler.
        clock = connection.__dict__.get("_statement_clock")
        if clock is None:
            clock = connection.__dict__["_statement_clock"] = [time.monotonic()]

            def note_start(execute, sql, params, many, context):
                clock[0] = time.monotonic()
                return execute(sql, params, many, context)

            connection.execute_wrappers.append(note_start)
        limit = connection.__dict__["_statement_limit"] = [milliseconds / 1000]
        connection.connection.set_progress_handler(lambda: int(time.monotonic() - clock[0] > limit[0]), 10_000)


@contextmanager
def unlimited():
    """No statement time limit inside: for the one request that recounts a
    shared summary while the others are served the previous one
    (claims/scale/summaries.py)."""
    with limited(None):
        yield


@contextmanager
def limited(milliseconds):
    """A different statement time limit inside (None: none at all), where
    the web's limit is on: e.g. a shorter one for optional facet counts.
    Outside web servers (no limit configured) it changes nothing."""
    configured = settings.DATABASE_STATEMENT_TIMEOUT_MS
    if not configured:
        yield
        return
    connection = _wrapper(default_connection)
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(milliseconds or 0)}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {int(configured)}")
        return
    limit = connection.__dict__.get("_statement_limit", [configured / 1000])
    limit[0] = float("inf") if milliseconds is None else milliseconds / 1000
    try:
        yield
    finally:
        limit[0] = configured / 1000


class SlowQueryMiddleware:
    """A public page whose query ran out of time answers 503, saying so."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, corpusversion.CacheUnreachable):
            # A change whose version cannot move is refused (claims/scale/corpusversion.py).
            body = render_to_string("claims/cache_down.html", request=request)
            return HttpResponse(body, status=503, headers={"Retry-After": "60"})
        if is_busy(exception):
            body = render_to_string("claims/busy.html", request=request)
            return HttpResponse(body, status=503, headers={"Retry-After": "60"})
        if is_timeout(exception):
            body = render_to_string("claims/too_slow.html", request=request)
            return HttpResponse(body, status=503, headers={"Retry-After": "30"})
        return None
