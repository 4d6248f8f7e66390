"""The one list of query parameters the public site reads (claims/parameters.py)."""

import re
from pathlib import Path

from claims import parameters
from claims.filters import ClaimFilterSet, CompanyFilterSet, SourceFilterSet, TopicFilterSet

CLAIMS = Path(parameters.__file__).parent


def test_the_filters_are_exactly_the_filtersets_filters():
    declared = set()
    for filterset in (ClaimFilterSet, SourceFilterSet, CompanyFilterSet, TopicFilterSet):
        declared |= set(filterset.base_filters)
    assert declared == parameters.FILTERS


def test_every_parameter_a_view_reads_is_listed():
    source = "".join((CLAIMS / name).read_text() for name in ("views.py", "api.py", "downloads.py"))
    read = set(re.findall(r'(?:GET|query_params)\.get(?:list)?\(\s*"([a-z_]+)"', source))
    assert read <= parameters.PUBLIC_PARAMS, read - parameters.PUBLIC_PARAMS
