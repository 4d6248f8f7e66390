"""Slow queries are cut off, and facet counts are cached until the corpus changes."""

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections

from claims.scale import corpusversion
from claims.scale.querylimits import install, is_timeout, limited, unlimited

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
