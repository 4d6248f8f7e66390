"""Keyset pagination: every row once, in order, forwards and back, with NULLs and ties."""

import pytest
from django.http import QueryDict

from claims.models import Claim
from claims.public.filters import SORTS, ClaimFilterSet
from claims.scale.pagination import InvalidCursor, SortKey, capped_count, encode_cursor, paginate

from .conftest import add_published_claims

pytestmark = pytest.mark.django_db


def walk(queryset, ordering, per_page):
    """Every page forwards, then every page back from the last: both lists of pages."""
    page = paginate(queryset, ordering, per_page)
    forward = [[row.pk for row in page]]
    while page.next_cursor:
        page = paginate(queryset, ordering, per_page, after=page.next_cursor)
        forward.append([row.pk for row in page])
        assert len(forward) <= 100, "the cursor does not move forward"
    backward = [[row.pk for row in page]]
    while page.previous_cursor:
        page = paginate(queryset, ordering, per_page, before=page.previous_cursor)
        backward.append([row.pk for row in page])
        assert len(backward) <= 100, "the cursor does not move back"
    return forward, backward[::-1]


@pytest.fixture
def many(corpus):
    add_published_claims(corpus, 12)
    # Ties and gaps in every sort key: shared periods, and claims without one.
    Claim.objects.filter(key__in=["more-1", "more-2", "more-3", "fintech-rivalry"]).update(
        period_start=None, period_end=None, period_start_precision="", period_end_precision=""
    )
    return corpus


@pytest.mark.parametrize("sort", ["newest", "oldest", "source-newest"])
@pytest.mark.parametrize("per_page", [1, 4, 5, 100])
def test_pages_cover_every_row_once_in_order(many, sort, per_page):
    ordering = SORTS[sort][1]
    queryset = Claim.objects.public().select_related("source")
    expected = [claim.pk for claim in queryset.order_by(*(key.order_by() for key in ordering))]
    forward, backward = walk(queryset, ordering, per_page)
    assert [pk for page in forward for pk in page] == expected
    assert backward == forward
    assert all(len(page) == per_page for page in forward[:-1])


@pytest.mark.parametrize("per_page", [1, 2, 50])
def test_relevance_pages(many, per_page):
    filterset = ClaimFilterSet(QueryDict("q=payments"), queryset=Claim.objects.public())
    expected = [claim.pk for claim in filterset.qs]
    assert len(expected) > 10
    forward, backward = walk(filterset.qs, filterset.ordering, per_page)
    assert [pk for page in forward for pk in page] == expected
    assert backward == forward


def test_first_and_last_page_links(corpus):
    ordering = SORTS["newest"][1]
    first = paginate(Claim.objects.public(), ordering, 2)
    assert first.previous_cursor is None and first.next_cursor
    last = paginate(Claim.objects.public(), ordering, 10)
    assert last.previous_cursor is None and last.next_cursor is None
    assert not last.has_other_pages


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "W10",  # []
        "eyJ4IjoxfQ",  # {"x":1}
        "WyJhIiwgW11d",  # ["a", []]
        "WzEsMiwzXQ",  # [1,2,3]
        "WyJhIiwxXQ",  # ["a",1]: a word for a date
        "W3siZCI6IjIwMTgtMDEtMDEifSwiYiJd",  # [{"d":"2018-01-01"},"b"]: a word for an id
    ],
)
def test_damaged_cursors_are_refused(corpus, cursor):
    with pytest.raises(InvalidCursor):
        paginate(Claim.objects.public(), SORTS["newest"][1], 2, after=cursor)


def test_cursor_round_trips_dates_and_none(corpus):
    ordering = [SortKey("period_start", descending=True, nullable=True), SortKey("pk")]
    claim = corpus.rivalry
    page = paginate(Claim.objects.public(), ordering, 10, after=encode_cursor(ordering, claim))
    assert claim not in page.rows
    claim.period_start = None
    assert paginate(Claim.objects.public(), ordering, 10, after=encode_cursor(ordering, claim)).rows == []


def test_capped_count(corpus):
    assert capped_count(Claim.objects.public()) == (5, False)
    assert capped_count(Claim.objects.public(), cap=3) == (3, True)
    assert capped_count(Claim.objects.public(), cap=5) == (5, False)
