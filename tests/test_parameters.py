"""The one list of query parameters the public site reads (claims/parameters.py)."""

import re
from pathlib import Path

from claims import parameters
from claims.public.filters import ClaimFilterSet, CompanyFilterSet, SourceFilterSet, TopicFilterSet
from claims.public.relationfilters import RelationFilterSet

CLAIMS = Path(parameters.__file__).parent


def test_the_filters_are_exactly_the_filtersets_filters():
    declared = set()
    for filterset in (ClaimFilterSet, SourceFilterSet, CompanyFilterSet, TopicFilterSet, RelationFilterSet):
        declared |= set(filterset.base_filters)
    assert declared == parameters.FILTERS


def test_every_parameter_a_view_reads_is_listed():
    # Every module that answers a public request.
    modules = [path for package in ("public", "api", "dataout") for path in (CLAIMS / package).glob("*.py")]
    source = "".join(path.read_text() for path in modules)
    read = set(re.findall(r'(?:GET|query_params)\.get(?:list)?\(\s*"([a-z_]+)"', source))
    assert read <= parameters.PUBLIC_PARAMS, read - parameters.PUBLIC_PARAMS
