"""Site-wide endpoints that are not about the corpus."""

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """200 when the site can answer from its database, 503 when it cannot.
    The cache is reported, never a reason to fail: without it pages are
    served uncached (corpus_site/cache.py)."""
    health = getattr(cache, "health", None)
    cache_state = health() if health else "per process"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return JsonResponse(
            {"status": "error", "database": str(error.__class__.__name__), "cache": cache_state}, status=503
        )
    return JsonResponse({"status": "ok", "database": connection.vendor, "cache": cache_state})
