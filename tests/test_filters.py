"""The FilterSets on their own: FilterSet(data).qs, no HTTP."""

import datetime

import pytest
from django.http import QueryDict

from claims.models import Claim, Company, Source, Topic
from claims.public.filters import ClaimFilterSet, CompanyFilterSet, SourceFilterSet, TopicFilterSet, companies_named
from claims.topics import TopicTree

from .conftest import cite

pytestmark = pytest.mark.django_db


def claims(query):
    """The claims ClaimFilterSet returns for a query string, in its order."""
    filterset = ClaimFilterSet(QueryDict(query), queryset=Claim.objects.public())
    return list(filterset.qs)


def keys(query):
    return {claim.key for claim in claims(query)}


PUBLISHED = {"market-2018", "market-2017", "market-2018-low", "cloud-abroad", "fintech-rivalry"}


def test_no_filter_lists_every_published_claim(corpus):
    assert keys("") == PUBLISHED


def test_search_finds_claim_text_with_stemming(corpus):
    assert keys("q=compete") == {"fintech-rivalry"}
    assert keys("q=competing") == {"fintech-rivalry"}


def test_search_finds_words_only_in_a_quote(corpus):
    # "innovate" is in no claim text, only (as "innovation") in a quote.
    assert keys("q=innovate") == {"cloud-abroad"}


def test_search_phrase_keeps_word_order(corpus):
    assert keys('q="head to head"') == {"fintech-rivalry"}
    assert keys('q="fintech head"') == set()


def test_search_or_and_exclusion(corpus):
    assert keys("q=cloud or rivalry") == {"cloud-abroad", "fintech-rivalry"}
    assert keys("q=market -estimate") == {"market-2018", "market-2017"}


@pytest.mark.parametrize("nasty", ['"', '"unclosed', "a:b", "*", "(", "NEAR(a b)", "-", "^x", "AND OR NOT", "'; --"])
def test_bad_search_syntax_never_raises(corpus, nasty):
    claims(f"q={nasty}")


def test_search_never_returns_unpublished_claims(corpus):
    assert keys("q=zebra") == set()


def test_search_sorts_by_relevance(corpus):
    # Two of the three claims say "payment" in their text and their quote; the third only in its text.
    ranked = claims("q=payment")
    assert len(ranked) == 3
    assert ranked[-1] == corpus.market_2018_low
    assert ClaimFilterSet(QueryDict("q=payment"), queryset=Claim.objects.public()).sort_order == "relevance"


def test_company_by_slug_name_or_alias(corpus):
    about_ant = {"market-2017"}
    assert keys("company=ant-financial") == about_ant
    assert keys("company=Ant Financial") == about_ant
    assert keys("company=ant group") == about_ant
    assert keys("company=蚂蚁集团") == about_ant


def test_two_companies_mean_both(corpus):
    assert keys("company=alibaba&company=tencent") == {"market-2018", "fintech-rivalry"}


def test_unknown_company_matches_nothing(corpus):
    filterset = ClaimFilterSet(QueryDict("company=nobody"), queryset=Claim.objects.public())
    assert list(filterset.qs) == []
    assert filterset.selected["company"] == [("nobody", None)]


def test_companies_named_prefers_slug_over_alias(corpus):
    Company.objects.create(name="Other", slug="other", aliases=["alibaba"])
    assert companies_named(["alibaba"]) == {"alibaba": corpus.alibaba}


def test_topic_includes_sub_topics(corpus):
    assert keys("topic=fintech") == {"market-2018", "market-2017", "market-2018-low", "fintech-rivalry"}
    assert keys("topic=mobile-payments") == {"market-2018", "market-2017", "market-2018-low"}


def test_two_topics_mean_both(corpus):
    corpus.cloud_event.topics.add(corpus.payments)
    assert keys("topic=cloud-computing&topic=fintech") == {"cloud-abroad"}


def test_unknown_topic_matches_nothing(corpus):
    assert keys("topic=nothing") == set()


def test_source_by_key(corpus):
    assert keys("source=sacks-2018-disruptors") == {"market-2018", "fintech-rivalry"}
    assert keys("source=sacks-2018-disruptors&source=danilin-2020-covid") == PUBLISHED


def test_source_kind(corpus):
    assert keys("source_kind=report") == {"market-2018", "fintech-rivalry"}


def test_claim_kinds_mean_any(corpus):
    assert keys("kind=event&kind=assessment") == {"cloud-abroad", "fintech-rivalry"}


def test_year_of_period(corpus):
    assert keys("year=2018") == {"market-2018", "market-2018-low", "fintech-rivalry"}
    assert keys("year=2015&year=2017") == {"cloud-abroad", "market-2017"}


def test_period_overlaps(corpus):
    corpus.cloud_event.set_period("2014/2019")
    corpus.cloud_event.save()
    assert keys("period_from=2018-Q3") == {"market-2018", "market-2018-low", "cloud-abroad"}
    assert keys("period_to=2017") == {"market-2017", "cloud-abroad"}
    assert keys("period_from=2018-05&period_to=2018-06") == {
        "market-2018",
        "market-2018-low",
        "fintech-rivalry",
        "cloud-abroad",
    }


def test_metric_is_exact(corpus):
    assert keys("metric=China mobile-payment market size") == {"market-2018", "market-2017", "market-2018-low"}
    assert keys("metric=China mobile-payment") == set()


def test_invalid_values_are_reported_and_ignored(corpus):
    filterset = ClaimFilterSet(
        QueryDict("period_from=2018-13&year=18&kind=rumour&company=tencent"), Claim.objects.public()
    )
    assert set(filterset.errors) == {"period_from", "year", "kind"}
    assert {claim.key for claim in filterset.qs} == {"market-2018", "fintech-rivalry"}


def test_too_many_values_are_refused(corpus):
    query = "&".join(f"company=c{i}" for i in range(11))
    filterset = ClaimFilterSet(QueryDict(query), Claim.objects.public())
    assert "company" in filterset.errors


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("newest", ["fintech-rivalry", "market-2018-low", "market-2018", "market-2017", "cloud-abroad"]),
        ("oldest", ["cloud-abroad", "market-2017", "market-2018", "market-2018-low", "fintech-rivalry"]),
        ("source-newest", ["cloud-abroad", "market-2018-low", "market-2017", "fintech-rivalry", "market-2018"]),
    ],
)
def test_sorting(corpus, sort, expected):
    assert [claim.key for claim in claims(f"sort={sort}")] == expected


def test_relevance_without_search_falls_back_to_newest(corpus):
    assert claims("sort=relevance") == claims("sort=newest") == claims("")


def test_claims_without_period_sort_last(corpus):
    corpus.rivalry.set_period("")
    corpus.rivalry.save()
    assert claims("sort=newest")[-1] == corpus.rivalry
    assert claims("sort=oldest")[-1] == corpus.rivalry


def test_filters_combine(corpus):
    assert keys("q=market&company=alibaba&topic=fintech&kind=figure&year=2018&source_kind=journal_article") == {
        "market-2018-low"
    }


def test_every_unpublished_claim_stays_out_whatever_the_filter(corpus):
    for query in ("company=hidden-co", "topic=hidden-topic", "source=hidden-source", "year=2019", "kind=forecast"):
        assert keys(query) == set(), query


# -- the topic tree -------------------------------------------------------------------


def test_topic_tree(corpus):
    tree = TopicTree.load()
    assert tree.subtree_ids(corpus.economy) == {corpus.economy.pk, corpus.fintech.pk, corpus.payments.pk}
    assert tree.ancestors(corpus.payments) == [corpus.economy, corpus.fintech]
    assert set(tree.roots) == {corpus.economy, corpus.cloud, corpus.hidden_topic}


# -- sources, companies, topics -------------------------------------------------------


def source_keys(query):
    return [s.key for s in SourceFilterSet(QueryDict(query), SourceFilterSet.base_queryset()).qs]


def test_sources_are_those_with_published_claims(corpus):
    assert source_keys("") == ["danilin-2020-covid", "sacks-2018-disruptors"]


def test_source_cited_by_a_published_claim_counts(corpus):
    extra = Source.objects.create(key="cited-only", kind=Source.Kind.BOOK, title="Cited only")
    cite(claim=corpus.rivalry, source=extra, quote="cited words", locator="p. 9")
    assert "cited-only" in source_keys("")


def test_source_filters(corpus):
    assert source_keys("q=sacks") == ["sacks-2018-disruptors"]
    assert source_keys("q=herald") == ["danilin-2020-covid"]
    assert source_keys("kind=report") == ["sacks-2018-disruptors"]
    assert source_keys("year=2020") == ["danilin-2020-covid"]
    assert source_keys("sort=oldest") == ["sacks-2018-disruptors", "danilin-2020-covid"]
    assert source_keys("year=99999") == ["danilin-2020-covid", "sacks-2018-disruptors"]


def company_slugs(query):
    return [c.slug for c in CompanyFilterSet(QueryDict(query), CompanyFilterSet.base_queryset()).qs]


def test_companies_are_those_with_published_claims(corpus):
    assert company_slugs("") == ["alibaba", "ant-financial", "tencent"]


@pytest.mark.parametrize("text", ["ant", "ANT GROUP", "蚂蚁", "financial"])
def test_company_search_matches_names_and_aliases(corpus, text):
    assert company_slugs(f"q={text}") == ["ant-financial"]


def test_company_country(corpus):
    assert company_slugs("country=cn") == ["ant-financial", "tencent"]


def test_topic_search(corpus):
    topics = TopicFilterSet(QueryDict("q=payments"), Topic.objects.all()).qs
    assert {t.slug for t in topics} == {"fintech", "mobile-payments"}


def test_partial_dates_are_parsed_as_periods():
    from claims.public.filters import PartialDateField

    assert PartialDateField().clean("2018-Q3") == datetime.date(2018, 7, 1)
    assert PartialDateField(end=True).clean("2018-Q3") == datetime.date(2018, 9, 30)
