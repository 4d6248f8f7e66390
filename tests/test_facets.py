"""Facet counts and the coverage grid, computed for a filter, without HTTP."""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from claims.models import Claim
from claims.parameters import query_string, toggled
from claims.public.facets import ClaimFacets
from claims.public.filters import ClaimFilterSet
from claims.scale import cache as scale_cache
from claims.scale import corpusversion
from claims.topics import TopicTree, coverage_columns, coverage_rows, topic_counts

from .conftest import make_claim

pytestmark = pytest.mark.django_db


def facets(query):
    params = QueryDict(query)
    filterset = ClaimFilterSet(params, queryset=Claim.objects.public())
    return {facet.name: facet for facet in ClaimFacets(filterset, params)}


def counts(facet):
    return {item.value: item.count for item in facet.items}


def test_counts_of_every_published_claim(corpus):
    found = facets("")
    # A claim about two companies counts once under each.
    assert counts(found["company"]) == {"alibaba": 4, "tencent": 2, "ant-financial": 1}
    # Sub-topics roll up: each claim once under each of its topics' ancestors.
    assert counts(found["topic"]) == {
        "digital-economy": 4,
        "fintech": 4,
        "mobile-payments": 3,
        "cloud-computing": 1,
    }
    assert counts(found["source"]) == {"danilin-2020-covid": 3, "sacks-2018-disruptors": 2}
    assert counts(found["kind"]) == {"figure": 3, "event": 1, "assessment": 1}
    assert counts(found["year"]) == {"2018": 3, "2017": 1, "2015": 1}
    assert [item.value for item in found["year"].items] == ["2018", "2017", "2015"]


def test_counts_follow_the_filter(corpus):
    found = facets("company=alibaba&company=tencent")
    assert counts(found["company"]) == {"alibaba": 2, "tencent": 2}
    assert counts(found["kind"]) == {"figure": 1, "assessment": 1}
    assert [item.selected for item in found["company"].items] == [True, True]
    found = facets("q=market&topic=fintech")
    assert counts(found["topic"]) == {"digital-economy": 3, "fintech": 3, "mobile-payments": 3}


def test_a_claim_under_a_topic_and_its_sub_topic_counts_once(corpus):
    corpus.market_2018.topics.add(corpus.fintech, corpus.economy)
    assert topic_counts(Claim.objects.public(), TopicTree.load())[corpus.economy.pk] == 4


def test_unpublished_claims_are_in_no_count(corpus):
    found = facets("")
    assert "hidden-co" not in counts(found["company"])
    assert "hidden-topic" not in counts(found["topic"])
    assert "hidden-source" not in counts(found["source"])
    assert "forecast" not in counts(found["kind"])
    assert "2019" not in counts(found["year"])
    assert counts(facets("company=alibaba")["company"]) == {"alibaba": 4, "tencent": 2}


def test_links_add_and_remove_a_value(corpus):
    found = facets("company=alibaba&after=abc")
    links = {item.value: item.url for item in found["company"].items}
    assert links["alibaba"] == "?"
    assert links["tencent"] == "?company=alibaba&company=tencent"


def test_long_facets_are_cut_with_a_link_to_show_all(corpus):
    for i in range(12):
        claim = corpus.rivalry
        claim.companies.create(name=f"Company {i:02}", slug=f"company-{i:02}")
    found = facets("kind=assessment")
    assert len(found["company"].items) == 10
    assert found["company"].truncated
    assert found["company"].toggle_url == "?kind=assessment&show=company"
    expanded = facets("kind=assessment&show=company")
    assert len(expanded["company"].items) == 14
    assert expanded["company"].toggle_url == "?kind=assessment"


def test_query_string_drops_page_cursors():
    params = QueryDict("q=cloud&after=xyz&company=a")
    assert query_string(params) == "?q=cloud&company=a"
    assert query_string(params, remove=[("company", "a")]) == "?q=cloud"
    assert toggled(params, "kind", "event") == "?q=cloud&company=a&kind=event"
    assert query_string(QueryDict()) == "?"


def test_coverage_grid(corpus):
    tree = TopicTree.load()
    columns = coverage_columns(tree)
    assert columns == [corpus.cloud, corpus.economy, corpus.hidden_topic]
    rows = {slug: (total, cells) for slug, name, total, cells in coverage_rows(tree, columns, None, "/")}
    assert set(rows) == {"alibaba", "tencent", "ant-financial"}
    total, (cloud, economy, hidden) = rows["alibaba"]
    assert (total, cloud.count, economy.count, hidden.count) == (4, 1, 3, 0)
    # Alibaba's economy claims come from both sources; its one cloud claim from one.
    assert cloud.single_source and not economy.single_source
    assert cloud.url == "/?company=alibaba&topic=cloud-computing"
    assert rows["tencent"][1][1].single_source  # both of Tencent's claims are from Sacks


def test_coverage_within_a_topic(corpus):
    tree = TopicTree.load()
    assert coverage_columns(tree, corpus.fintech) == [corpus.fintech, corpus.payments]
    rows = coverage_rows(tree, [corpus.fintech, corpus.payments], 1, "/")
    assert [row[0] for row in rows] == ["alibaba", "tencent"]  # one more than the limit, to tell there are more


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
