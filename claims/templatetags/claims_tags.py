"""Template tags for the public pages: links into the claim list, counts,
the page's description and canonical link."""

from urllib.parse import urlencode

from django import template
from django.utils.text import Truncator

from claims.models import Author, Claim, Company, Source, Topic
from claims.parameters import claim_list_url as _claim_list_url
from claims.parameters import narrowing

register = template.Library()


@register.simple_tag
def claim_list_url(**filters):
    """{% claim_list_url company=company.slug kind="event" %}: the claim list with those filters."""
    return _claim_list_url(**{name: value if isinstance(value, list) else [value] for name, value in filters.items()})


@register.simple_tag
def count_label(count, capped, singular, plural):
    """'1 claim', '1,234 claims', '10,000+ claims'."""
    return f"{count:,}{'+' if capped else ''} {singular if count == 1 and not capped else plural}"


@register.filter
def author_list(authors):
    """'Sacks, Samm', 'Sacks, Samm and Li, Wei (ed.)': names in byline order, roles other than author noted."""
    names = [
        str(author) if author.role == Author.Role.AUTHOR else f"{author} ({author.get_role_display()})"
        for author in authors
    ]
    if len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return "".join(names)


# -- what a search engine reads in <head> ---------------------------------------------------

SITE_DESCRIPTION = "What published sources say about companies, each claim checked against the source's exact words."
SECTION_DESCRIPTIONS = {
    "claims": "Claims from published sources about companies, each backed by the source's exact words.",
    "sources": "The published sources the corpus takes its claims from.",
    "companies": "The companies published sources make claims about.",
    "topics": "The topics of the claims in the corpus, as a tree.",
    "coverage": "Companies by topic: where the corpus has many claims, and where one source is all there is.",
    "disagreements": "Figures for which published sources give different values, side by side.",
}
# Search engines show about this many characters of a description.
DESCRIPTION_LENGTH = 160
# Parameters that page or order a list, or pick its format: not another page.
NOT_CANONICAL = ("page_size", "format")


@register.simple_tag(takes_context=True)
def page_description(context):
    """The page's meta description: the claim's own words, the object's
    description, else what the section holds."""
    obj = context.get("object")
    if isinstance(obj, Claim):
        text = obj.text
    elif isinstance(obj, Source):
        text = f"Claims taken from “{obj.title}” ({obj.published_display}), each with its exact words."
    elif isinstance(obj, Company | Topic):
        text = obj.description or f"What published sources say about {obj.name}, each claim with its exact words."
    else:
        text = SECTION_DESCRIPTIONS.get(context.get("section"), SITE_DESCRIPTION)
    return Truncator(" ".join(text.split())).chars(DESCRIPTION_LENGTH)


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """The page's one address: an object's get_absolute_url() (a claim's
    permalink), or a list's path with only the parameters that narrow it —
    no cursor, sort, facets shown or page size. Absolute, as search engines
    want it; "" without a request (an error page rendered on its own)."""
    request = context.get("request")
    if request is None:
        return ""
    obj = context.get("object")
    if obj is not None and hasattr(obj, "get_absolute_url"):
        return request.build_absolute_uri(obj.get_absolute_url())
    query = urlencode([(key, value) for key, value in narrowing(request.GET) if key not in NOT_CANONICAL])
    return request.build_absolute_uri(request.path + (f"?{query}" if query else ""))
