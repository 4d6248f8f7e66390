"""Template tags for the ways data leaves the site: download links that keep
the page's filters, and schema.org JSON-LD."""

from django import template
from django.urls import reverse

from claims.dataout import linkeddata
from claims.dataout.downloads import base_url
from claims.parameters import query_string

register = template.Library()


@register.simple_tag(takes_context=True)
def filtered_url(context, url_name, *args):
    """{% filtered_url "claims:claim-download" "csv" %}: the URL with the page's
    own filters (its query string without the page cursor)."""
    query = query_string(context["request"].GET)
    return reverse(url_name, args=args) + (query if query != "?" else "")


@register.simple_tag(takes_context=True)
def claim_json_ld(context, claim):
    """The claim as schema.org JSON-LD, in a <script type="application/ld+json"> data block."""
    return linkeddata.json_ld(linkeddata.claim_data(claim, base_url(context["request"])))


@register.simple_tag(takes_context=True)
def source_json_ld(context, source):
    """The source as schema.org JSON-LD, in a <script type="application/ld+json"> data block."""
    data = {"@context": "https://schema.org", **linkeddata.source_data(source, base_url(context["request"]))}
    return linkeddata.json_ld(data)
