"""The query parameters the public site understands, and the links built
from them: one list for every cache key that depends on a request (pages,
counts, search pages), and one way to change a query string.

A parameter not in this list changes nothing on any page, so it must not
make a new cache entry either: with it, a client adding ?zz=<random> to
each request was served every page uncached and recounted every facet.
tests/test_parameters.py checks the list against the FilterSets and views.
"""

from django.http import QueryDict
from django.urls import reverse

# The FilterSets' filters (claims/public/filters.py, relationfilters.py): what
# narrows or orders a list.
FILTERS = frozenset(
    {
        "q",
        "company",
        "topic",
        "source",
        "source_kind",
        "kind",
        "metric",
        "year",
        "period_from",
        "period_to",
        "country",
        "sort",
        "relation",
        "type",
    }
)
# What the views and the API read besides: facets shown, cursors, sizes,
# the topic tree's focus, DRF's format override, the citation style of references.
VIEWS = frozenset({"show", "after", "before", "page_size", "within", "all", "format", "style"})

PUBLIC_PARAMS = FILTERS | VIEWS


def known(params):
    """(key, value) pairs of a QueryDict whose key the site understands, in order."""
    return [(key, value) for key, values in params.lists() if key in PUBLIC_PARAMS for value in values]


# Parameters that point into one ordering of one result list: any change of
# filter starts again at the first page.
PAGE_PARAMS = ("after", "before")
# Parameters that do not narrow the list.
IGNORED_PARAMS = ("show", "sort", *PAGE_PARAMS)


def query_string(params, remove=(), **changes):
    """'?…' for params (a QueryDict) without the page cursor or empty values,
    with each key in changes set to a list of values and each (key, value) in
    remove taken out."""
    params = params.copy()
    for name in PAGE_PARAMS:
        params.pop(name, None)
    for name, values in changes.items():
        params.setlist(name, [str(v) for v in values])
    for name, value in remove:
        params.setlist(name, [v for v in params.getlist(name) if v != str(value)])
    # The search form sends its empty fields too: links leave them out.
    for name in list(params):
        params.setlist(name, [v for v in params.getlist(name) if v.strip()])
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def narrowing(params):
    """The (key, value) pairs of params that narrow a list (not its sort or
    page, nor empty values), sorted."""
    return sorted((key, value) for key, value in known(params) if key not in IGNORED_PARAMS and value.strip())


def claim_list_url(**filters):
    """The claim list filtered by filters, e.g. claim_list_url(company=["alibaba"])."""
    return reverse("claims:claim-list") + query_string(QueryDict(), **filters)


def toggled(params, name, value):
    """The query string with value added to or, if it is there, removed from parameter name."""
    values = params.getlist(name)
    if str(value) in values:
        return query_string(params, remove=[(name, value)])
    return query_string(params, **{name: [*values, value]})


# The claim list's filters that the relations page reads too: the link from
# the claim list to the pairs among its claims carries them over.
SHARED_FILTERS = ("company", "topic", "source")


def relations_url(params):
    """The relations page narrowed by the company, topic and source filters of params (a QueryDict)."""
    shared = QueryDict(mutable=True)
    for name in SHARED_FILTERS:
        shared.setlist(name, params.getlist(name))
    query = query_string(shared)
    return reverse("claims:relation-list") + (query if query != "?" else "")
