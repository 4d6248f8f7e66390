"""Tests for claims/scale/cache.py: the one read door to the shared cache."""

import pytest
from django.core.cache import cache
from django.db import OperationalError

from claims.scale import cache as scale_cache
from claims.scale import corpusversion

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def timed_out():
    raise OperationalError("canceling statement due to statement timeout")


def test_an_entry_is_computed_once_per_version():
    calls = []
    compute = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert scale_cache.for_corpus(("count", "x"), compute) == 1
    assert scale_cache.for_corpus(("count", "x"), compute) == 1
    assert scale_cache.for_corpus(("count", "y"), compute) == 2  # other parts, other entry
    corpusversion.bump()
    assert scale_cache.for_corpus(("count", "x"), compute) == 3


def test_past_its_time_limit_an_entry_is_unavailable_for_a_while():
    assert scale_cache.for_corpus(("facet", "slow"), timed_out, time_limit=0.5) is None
    # The next request does not spend the time limit again.
    assert scale_cache.for_corpus(("facet", "slow"), lambda: pytest.fail("counted again"), time_limit=0.5) is None
    corpusversion.bump()
    assert scale_cache.for_corpus(("facet", "slow"), lambda: [1], time_limit=0.5) == [1]


def test_a_timeout_with_less_than_the_whole_limit_is_not_remembered():
    stopped = []
    found = scale_cache.for_corpus(
        ("facet", "rushed"), timed_out, time_limit=0.1, remember_unavailable=False, on_timeout=lambda: stopped.append(1)
    )
    assert found is None and stopped == [1]
    assert scale_cache.for_corpus(("facet", "rushed"), lambda: [2], time_limit=1) == [2]


def test_other_database_errors_are_not_swallowed():
    def broken():
        raise OperationalError("no such table: claims_claim")

    with pytest.raises(OperationalError):
        scale_cache.for_corpus(("facet", "broken"), broken, time_limit=1)


def test_alone_one_request_computes_an_entry_at_a_time():
    cache.add(scale_cache.key("facet", "busy") + ":computing", 1)  # another request is computing it
    assert scale_cache.for_corpus(("facet", "busy"), lambda: pytest.fail("computed twice"), alone=True) is None
    cache.delete(scale_cache.key("facet", "busy") + ":computing")
    assert scale_cache.for_corpus(("facet", "busy"), lambda: [3], alone=True) == [3]
    assert cache.add(scale_cache.key("facet", "busy") + ":computing", 1)  # released


def test_doing_without_keeps_nothing():
    assert scale_cache.for_corpus(("facet", "skipped"), lambda: None) is None
    assert scale_cache.for_corpus(("facet", "skipped"), lambda: [4]) == [4]


def test_keys_name_the_kind_and_the_version_and_hide_the_rest():
    key = scale_cache.key("page", "https", "example.org", "/claims/", [("q", "x" * 5000)])
    assert key.startswith(f"claims:page:{corpusversion.current()}:")
    assert len(key) < 100  # a URL can be kilobytes long; the key is not


def test_latest_serves_the_previous_value_while_another_request_recomputes():
    assert scale_cache.latest("grid", lambda: "old") == "old"
    corpusversion.bump()
    cache.add("claims:summary:grid:computing", 1)
    assert scale_cache.latest("grid", lambda: pytest.fail("computed twice")) == "old"
    cache.delete("claims:summary:grid:computing")
    assert scale_cache.latest("grid", lambda: "new") == "new"


def test_latest_with_nothing_at_all_says_pending():
    cache.add("claims:summary:empty:computing", 1)
    with pytest.raises(scale_cache.Pending):
        scale_cache.latest("empty", lambda: pytest.fail("computed twice"))


def test_within_a_request_the_version_is_read_once(monkeypatch):
    reads = []
    real = corpusversion._read
    monkeypatch.setattr(corpusversion, "_read", lambda: reads.append(1) or real())
    with corpusversion.pinned():
        first = corpusversion.current()
        cache.set(corpusversion.KEY, first + 1)  # another process changes the corpus meanwhile
        assert corpusversion.current() == first  # this page keeps to the version it started with
    assert reads == [1]
    assert corpusversion.current() == first + 1  # the next request sees the change


def test_a_request_that_changes_the_corpus_reads_its_own_change():
    with corpusversion.pinned():
        before = corpusversion.current()
        corpusversion.bump()
        assert corpusversion.current() != before
        assert corpusversion.current() == cache.get(corpusversion.KEY)


def test_a_page_reads_the_version_once(client, published_claim, alibaba, monkeypatch):
    """The claim list with its facets and count, a search page, a company
    page: each reads the corpus version from the cache once."""
    reads = []
    real = corpusversion._read
    monkeypatch.setattr(corpusversion, "_read", lambda: reads.append(1) or real())
    for url in ("/?kind=event&company=alibaba", "/?q=alibaba", alibaba.get_absolute_url(), "/coverage/"):
        reads.clear()
        assert client.get(url).status_code == 200
        assert reads == [1], url
