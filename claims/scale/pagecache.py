"""Whole-page cache for anonymous readers, invalidated by the corpus version.

A public page depends only on its URL and the published corpus, so an
anonymous GET is answered from the cache when the same URL was rendered
since the corpus last changed (pages are kept through claims/scale/cache.py,
keyed by the corpus version, so no page outlives the data it shows). Logged-in users,
non-GET requests, streamed responses, responses marked no-store (a summary
still being computed) and anything but a 200 are never cached.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponsePermanentRedirect
from django.utils.cache import patch_vary_headers

from claims.parameters import known
from claims.scale import cache

CACHED_TYPES = ("text/html", "application/json")


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def cacheable(self, request):
        return (
            settings.PAGE_CACHE_SECONDS
            and request.method == "GET"
            and not request.path.startswith("/" + settings.ADMIN_URL)
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        )

    def __call__(self, request):
        if not self.cacheable(request):
            return self.get_response(request)
        pairs = known(request.GET)
        if len(pairs) != sum(len(values) for _, values in request.GET.lists()):
            # Parameters no page reads: send the reader to the page without
            # them, so that junk never mints a cache entry of its own.
            return HttpResponsePermanentRedirect(request.path + (f"?{urlencode(pairs)}" if pairs else ""))
        # The canonical request: host (pages carry absolute URLs), path and the
        # known parameters, sorted.
        canonical = ("page", request.scheme, request.get_host(), request.path, sorted(pairs))
        response = cache.lookup(*canonical)
        if response is not None:
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if (
            response.status_code == 200
            and not response.streaming
            and response.get("Content-Type", "").startswith(CACHED_TYPES)
            and not response.cookies
            and "no-store" not in response.get("Cache-Control", "")
        ):
            patch_vary_headers(response, ["Cookie"])
            cache.keep(canonical, response, settings.PAGE_CACHE_SECONDS)
        return response
