"""Template tags for the ways data leaves the site: download links that keep
the page's filters, schema.org JSON-LD, and references in a citation style."""

from django import template
from django.urls import reverse

from claims.dataout import linkeddata, references
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


@register.simple_tag(takes_context=True)
def cited_reference(context, source, link=False):
    """{% cited_reference source link=True %}: the source's reference in the
    style the reader chose (claims/dataout/references.py), its title a link
    to the source's page with link."""
    return references.source_reference(source, references.requested_style(context["request"]), link=link)


@register.inclusion_tag("claims/includes/reference_styles.html", takes_context=True)
def reference_styles(context):
    """The switch between citation styles: (label, link, current) for each,
    the default style's link without ?style."""
    request = context["request"]
    current = references.requested_style(request)
    styles = []
    for key, style in references.STYLES.items():
        link = query_string(request.GET, style=[] if key == references.DEFAULT_STYLE else [key])
        styles.append((style.label, link, key == current))
    return {"styles": styles}
