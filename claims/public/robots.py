"""/robots.txt: where crawlers are welcome, and the sitemap that lists every
public page.

Crawlers are kept out of what is not a page of its own: the admin, the API
(data for programs, with its own docs), downloads and feeds asked for with a
query string (a filtered list as a file: endless combinations), and list
pages that differ from another only by cursor, sort, facets shown or page
size (their canonical link names the page without them).
"""

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

# Download and feed suffixes (claims/urls.py): with a query string, a filtered copy of a list.
DOWNLOADS = (".csv", ".json", ".jsonl", ".atom")
# Parameters that page or order a list rather than narrow it (claims/parameters.py).
NOISE = ("after", "before", "sort", "show", "page_size")


def robots_lines(sitemap_url):
    """The lines of robots.txt, with the sitemap's absolute URL."""
    lines = ["User-agent: *", "Disallow: /api/", "Disallow: /healthz"]
    # A deploy that moves the admin (DJANGO_ADMIN_URL) keeps its address to
    # itself: robots.txt is public, and would publish it.
    if settings.ADMIN_URL == "admin/":
        lines.insert(1, "Disallow: /admin/")
    lines += [f"Disallow: /*{suffix}?" for suffix in DOWNLOADS]
    for name in NOISE:
        lines += [f"Disallow: /*?{name}=", f"Disallow: /*&{name}="]
    return [*lines, "", f"Sitemap: {sitemap_url}"]


@require_safe
def robots_txt(request):
    """robots.txt, pointing to the sitemap at this host."""
    lines = robots_lines(request.build_absolute_uri(reverse("claims:sitemap")))
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
