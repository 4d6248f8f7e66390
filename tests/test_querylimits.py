"""Slow queries are cut off, and facet counts are cached until the corpus changes."""

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from claims.models import Claim
from claims.public.filters import ClaimFilterSet
from claims.scale import cache as scale_cache
from claims.scale import corpusversion
from claims.scale.querylimits import install, is_timeout, limited, unlimited

from .conftest import make_claim

SLOW_SQL = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000000) "
    "SELECT count(*) FROM n",
    "postgresql": "SELECT pg_sleep(2)",
}


@pytest.fixture
def tight_limit(transactional_db):
    """This connection with a 50 ms limit per statement, removed afterwards."""
    connection.ensure_connection()
    install(connection, 50)
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    else:
        connection.connection.set_progress_handler(None, 0)


def test_a_slow_statement_is_cancelled(tight_limit):
    with pytest.raises(OperationalError) as excinfo, connection.cursor() as cursor:
        cursor.execute(SLOW_SQL[connection.vendor])
    assert is_timeout(excinfo.value)
    with connection.cursor() as cursor:  # the connection is still usable
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_a_facet_that_runs_out_of_time_says_so(tight_limit, client, published_claim, monkeypatch):
    def slow(self, limit):
        with connection.cursor() as cursor:
            cursor.execute(SLOW_SQL[connection.vendor])
        return []

    monkeypatch.setattr("claims.public.facets.ClaimFacets.get_source_counts", slow)
    corpusversion.bump()
    response = client.get("/")
    assert response.status_code == 200
    assert "Counts unavailable" in response.content.decode()
    assert published_claim.text in response.content.decode()


def test_a_facet_out_of_time_is_not_tried_again_by_every_request(tight_limit, client, published_claim, monkeypatch):
    calls = []

    def slow(name):
        def count(self, limit):
            calls.append(name)
            with connection.cursor() as cursor:
                cursor.execute(SLOW_SQL[connection.vendor])
            return []

        return count

    for name in ("company", "topic", "source"):
        monkeypatch.setattr(f"claims.public.facets.ClaimFacets.get_{name}_counts", slow(name))
    corpusversion.bump()
    page = client.get("/?kind=event").content.decode()
    # The first facet ran out of time; the page did not wait for the others.
    assert calls == ["company"]
    assert page.count("Counts unavailable") == 5  # company, topic, source, kind, year
    client.get("/?kind=event")
    assert calls == ["company", "topic"]  # the company facet is not counted again for a while
    corpusversion.bump()  # a change: worth trying again
    client.get("/?kind=event")
    assert calls == ["company", "topic", "company"]


def test_a_page_that_runs_out_of_time_answers_503(tight_limit, client, published_claim, monkeypatch):
    def slow(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute(SLOW_SQL[connection.vendor])

    monkeypatch.setattr("claims.public.views.ClaimListView.get_count", slow)
    response = client.get("/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "took too long" in response.content.decode()


def company_count(response, slug):
    (facet,) = [f for f in response.context["facets"] if f.name == "company"]
    return {item.value: item.count for item in facet.items}.get(slug)


@pytest.mark.django_db
def test_facet_counts_are_cached_and_invalidated_on_publish(client, source, alibaba, editor):
    published = make_claim(source, "one")
    published.companies.add(alibaba)
    in_review = make_claim(source, "two", status="review")
    in_review.companies.add(alibaba)
    assert company_count(client.get("/"), "alibaba") == 1
    with CaptureQueriesContext(connection) as cached:
        assert company_count(client.get("/"), "alibaba") == 1  # from the cache
    corpusversion.bump()
    with CaptureQueriesContext(connection) as counted:
        client.get("/")
    assert len(cached) < len(counted)
    in_review.publish(editor)
    in_review.save()
    assert company_count(client.get("/"), "alibaba") == 2


@pytest.mark.django_db
def test_load_corpus_invalidates_cached_counts(tmp_path, client):
    from claims.ingest.loaders import load_corpus

    from .fixturefiles import fixture_tree

    before = client.get("/").content.decode()
    fixtures, texts = fixture_tree(tmp_path)
    load_corpus([fixtures], texts_dir=str(texts))
    after = client.get("/").content.decode()
    assert "Alibaba Group" not in before and "Alibaba Group" in after


@pytest.mark.django_db
def test_anonymous_pages_are_cached_until_the_corpus_changes(client, settings, source, editor):
    settings.PAGE_CACHE_SECONDS = 60
    make_claim(source, "one", text="The first published claim.")
    in_review = make_claim(source, "two", status="review", text="A claim still in review.")
    first = client.get("/")
    assert "X-Page-Cache" not in first
    again = client.get("/")
    assert again["X-Page-Cache"] == "hit" and again.content == first.content
    in_review.publish(editor)
    in_review.save()
    after = client.get("/")
    assert "X-Page-Cache" not in after and "A claim still in review." in after.content.decode()


@pytest.mark.django_db
def test_logged_in_users_and_the_admin_are_never_served_cached_pages(client, settings, source, editor):
    settings.PAGE_CACHE_SECONDS = 60
    make_claim(source, "one")
    client.get("/")
    client.force_login(editor)
    assert "X-Page-Cache" not in client.get("/")
    assert "X-Page-Cache" not in client.get("/admin/claims/claim/")


MODERATE_SQL = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) "
    "SELECT count(*) FROM n",
    "postgresql": "SELECT pg_sleep(0.3)",
}


def test_unlimited_lifts_the_limit_for_a_while(tight_limit, settings):
    settings.DATABASE_STATEMENT_TIMEOUT_MS = 50
    with unlimited(), connection.cursor() as cursor:
        cursor.execute(MODERATE_SQL[connection.vendor])  # past 50 ms, and allowed
    with pytest.raises(OperationalError) as excinfo, connection.cursor() as cursor:
        cursor.execute(MODERATE_SQL[connection.vendor])
    assert is_timeout(excinfo.value)


def test_two_requests_do_not_count_the_same_facet_at_once(client, published_claim, monkeypatch):
    from django.core.cache import cache

    from claims.public.facets import ClaimFacets

    calls = []
    monkeypatch.setattr(
        "claims.public.facets.ClaimFacets.get_company_counts", lambda self, limit: calls.append(1) or []
    )
    corpusversion.bump()
    params = QueryDict("kind=event")
    facets = ClaimFacets(ClaimFilterSet(data=params, queryset=Claim.objects.public()), params)
    counting = scale_cache.key(*facets.parts("company", 10)) + ":computing"
    cache.add(counting, 1)  # another request is counting it
    page = client.get("/?kind=event").content.decode()
    assert calls == [] and "Counts unavailable" in page
    cache.delete(counting)
    client.get("/?kind=event")
    assert calls == [1]


def test_only_one_request_at_a_time_counts_facets(client, published_claim, monkeypatch):
    from django.core.cache import cache

    calls = []
    monkeypatch.setattr(
        "claims.public.facets.ClaimFacets.get_company_counts", lambda self, limit: calls.append(1) or []
    )
    corpusversion.bump()
    cache.add("claims:facet-counting:0", 1)  # another request is counting facets
    assert "Counts unavailable" in client.get("/?kind=event").content.decode()
    assert calls == []
    cache.delete("claims:facet-counting:0")
    client.get("/?kind=event")
    assert calls == [1]
    assert cache.add("claims:facet-counting:0", 1)  # released when the page was done


def test_limits_change_on_the_connection_the_web_server_limits(transactional_db, settings):
    """connection_created installs the limit on the DatabaseWrapper, while code
    reads django.db.connection, a proxy: limited() must change the same limit."""
    settings.DATABASE_STATEMENT_TIMEOUT_MS = 50
    wrapper = connections[DEFAULT_DB_ALIAS]
    wrapper.ensure_connection()
    install(wrapper, 50)  # as limit_statement_time() does
    try:
        with limited(5000), connection.cursor() as cursor:
            cursor.execute(MODERATE_SQL[connection.vendor])  # past 50 ms, within 5 s
        with pytest.raises(OperationalError) as excinfo, connection.cursor() as cursor:
            cursor.execute(MODERATE_SQL[connection.vendor])
        assert is_timeout(excinfo.value)
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")
        else:
            connection.connection.set_progress_handler(None, 0)
