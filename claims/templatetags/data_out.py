"""Template tags for the ways data leaves the site: download links that keep
the page's filters."""

from django import template
from django.urls import reverse

from ..facets import query_string

register = template.Library()


@register.simple_tag(takes_context=True)
def filtered_url(context, url_name, *args):
    """{% filtered_url "claims:claim-download" "csv" %}: the URL with the page's
    own filters (its query string without the page cursor)."""
    query = query_string(context["request"].GET)
    return reverse(url_name, args=args) + (query if query != "?" else "")
