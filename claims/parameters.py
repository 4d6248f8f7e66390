"""The query parameters the public site understands: one list for every
cache key that depends on a request (pages, counts, search pages).

A parameter not in this list changes nothing on any page, so it must not
make a new cache entry either: with it, a client adding ?zz=<random> to
each request was served every page uncached and recounted every facet.
tests/test_parameters.py checks the list against the FilterSets and views.
"""

# The FilterSets' filters (claims/public/filters.py): what narrows or orders a list.
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
    }
)
# What the views and the API read besides: facets shown, cursors, sizes,
# the topic tree's focus, DRF's format override.
VIEWS = frozenset({"show", "after", "before", "page_size", "within", "all", "format"})

PUBLIC_PARAMS = FILTERS | VIEWS


def known(params):
    """(key, value) pairs of a QueryDict whose key the site understands, in order."""
    return [(key, value) for key, values in params.lists() if key in PUBLIC_PARAMS for value in values]
