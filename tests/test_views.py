"""The public pages over HTTP: what a reader sees, what stays hidden, how many queries each page runs."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Claim, ClaimRelation
from claims.public.views import ClaimListView

from .conftest import add_published_claims, cite, make_claim

pytestmark = pytest.mark.django_db


def shown_claims(response):
    """Keys of the claims in a claim list page's results, in order."""
    ids = [int(pk) for pk in re.findall(r'<p class="claim-text" id="claim-(\d+)">', response.content.decode())]
    keys = dict(Claim.objects.filter(pk__in=ids).values_list("pk", "key"))
    return [keys[pk] for pk in ids]


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response


def text_of(response):
    return response.content.decode()


# -- the claim list ----------------------------------------------------------------------


def test_claim_list_shows_published_claims_newest_first(client, corpus):
    response = get(client, "/")
    assert shown_claims(response) == [
        "fintech-rivalry",
        "market-2018-low",
        "market-2018",
        "market-2017",
        "cloud-abroad",
    ]
    assert "5 claims" in text_of(response)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("q=innovate", {"cloud-abroad"}),
        ('q="head to head"', {"fintech-rivalry"}),
        ("company=alibaba&company=tencent", {"market-2018", "fintech-rivalry"}),
        ("company=Ant+Group", {"market-2017"}),
        ("topic=fintech", {"market-2018", "market-2017", "market-2018-low", "fintech-rivalry"}),
        ("topic=mobile-payments&company=alibaba", {"market-2018", "market-2018-low"}),
        ("source=sacks-2018-disruptors", {"market-2018", "fintech-rivalry"}),
        ("source_kind=journal_article", {"market-2017", "market-2018-low", "cloud-abroad"}),
        ("kind=figure", {"market-2018", "market-2017", "market-2018-low"}),
        ("year=2018", {"market-2018", "market-2018-low", "fintech-rivalry"}),
        ("period_from=2018-Q2&period_to=2018-Q2", {"market-2018", "market-2018-low", "fintech-rivalry"}),
        ("period_to=2016", {"cloud-abroad"}),
        ("metric=China+mobile-payment+market+size", {"market-2018", "market-2017", "market-2018-low"}),
    ],
)
def test_each_filter_in_the_url(client, corpus, query, expected):
    assert set(shown_claims(get(client, f"/?{query}"))) == expected


def test_sort_in_the_url(client, corpus):
    assert shown_claims(get(client, "/?sort=oldest"))[0] == "cloud-abroad"
    assert shown_claims(get(client, "/?sort=source-newest"))[0] == "cloud-abroad"


def test_search_highlights_matches_in_text_and_quotes(client, corpus):
    page = text_of(get(client, "/?q=innovate+cloud"))
    assert "<mark>cloud</mark> data centre" in page
    assert "<mark>innovation</mark> of its <mark>cloud</mark> infrastructure" in page
    assert "Sorted by best match" in page


def ranking_sql(client, url):
    """(claim keys shown, whether the request ranked search matches in SQL)."""
    with CaptureQueriesContext(connection) as queries:
        shown = shown_claims(get(client, url))
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    return shown, '"search_rank"' in sql


def test_a_search_is_ranked_once_until_the_corpus_changes(client, corpus):
    client.cookies["sessionid"] = "no-such-session"  # past the page cache
    first, ranked = ranking_sql(client, "/?q=cloud")
    assert ranked and "cloud-abroad" in first
    assert ranking_sql(client, "/?q=cloud") == (first, False)  # the kept page, the claims read live
    assert ranking_sql(client, "/?q=cloud&sort=relevance")[1]  # another URL, another page
    corpus.cloud_event.status = Claim.Status.RETRACTED
    corpus.cloud_event.retraction_reason = "Test."
    corpus.cloud_event.save()
    shown, ranked = ranking_sql(client, "/?q=cloud")
    assert ranked and corpus.cloud_event.key not in shown and shown == [k for k in first if k != corpus.cloud_event.key]


def test_facet_counts_on_the_page(client, corpus):
    page = text_of(get(client, "/?topic=fintech"))
    facet = re.search(r'<section aria-labelledby="facet-company">(.*?)</section>', page, re.S).group(1)
    counts = dict(
        re.findall(
            r'<span class="label">(?:<span class="visually-hidden">[^<]*</span>)?([^<]+)</span> '
            r'<span class="count">(\d+)',
            facet,
        )
    )
    assert counts == {"Alibaba Group": "3", "Tencent": "2", "Ant Financial": "1"}
    assert 'href="?topic=fintech&amp;company=tencent"' in facet


def test_selected_facet_value_links_to_its_removal(client, corpus):
    page = text_of(get(client, "/?company=tencent&kind=figure"))
    assert (
        '<a href="?kind=figure" class="selected"><span class="label"><span class="visually-hidden">Remove filter: '
        in page
    )


def test_active_filters_with_remove_links(client, corpus):
    page = text_of(get(client, "/?q=market&company=alibaba&topic=fintech"))
    filters = re.search(r'<ul class="active-filters" aria-label="Active filters">(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r'<a href="([^"]*)"><span class="visually-hidden">Remove filter </span>([^<]*)</a>', filters) == [
        ("?company=alibaba&amp;topic=fintech", "Search: “market”"),
        ("?q=market&amp;topic=fintech", "Company: Alibaba Group"),
        ("?q=market&amp;company=alibaba", "Topic: Fintech and payments"),
    ]
    assert 'href="/">Clear all filters</a>' in page


def test_empty_state(client, corpus):
    page = text_of(get(client, "/?q=giraffes&kind=event"))
    assert "0 claims" in page
    assert "No published claims match these filters." in page
    assert "Check the spelling" in page
    assert shown_claims(get(client, "/?q=giraffes")) == []


def test_empty_corpus(client, db):
    page = text_of(get(client, "/"))
    assert "No published claims match yet." in page


def test_unknown_values_show_as_filters_and_match_nothing(client, corpus):
    page = text_of(get(client, "/?company=nobody"))
    # Never a chip that passes the value off as a company: the page says so.
    assert "Company: “nobody”, no such company" in page
    assert "No company called ‘nobody’." in page
    assert "0 claims" in page


@pytest.mark.parametrize(
    "query",
    [
        "q=%22",
        "q=NEAR(",
        "q=*",
        "q=" + "x" * 500,
        "period_from=2018-13",
        "period_to=yesterday",
        "year=20x8",
        "kind=rumour",
        "sort=sideways",
        "after=garbage",
        "before=W10",
        "after=WyJhIiwxXQ",
        "source_kind=none",
        "company=" + "&company=".join(str(i) for i in range(20)),
        "show=everything",
        "q=%00",
        "company=%00",
        "metric=%00",
    ],
)
def test_bad_parameters_never_fail(client, corpus, query):
    get(client, f"/?{query}")


def test_invalid_filters_are_reported(client, corpus):
    page = text_of(get(client, "/?period_from=2018-13&kind=figure"))
    assert "Some filters were ignored" in page
    assert "has no month 13" in page
    assert set(shown_claims(get(client, "/?period_from=2018-13&kind=figure"))) == {
        "market-2018",
        "market-2017",
        "market-2018-low",
    }


def test_pages_follow_each_other(client, corpus):
    add_published_claims(corpus, 55)
    first = get(client, "/")
    assert len(shown_claims(first)) == 50
    assert "60 claims" in text_of(first)
    next_url = re.search(r'<a href="(\?after=[^"]+)" rel="next">', text_of(first)).group(1)
    second = get(client, "/" + next_url.replace("&amp;", "&"))
    assert len(shown_claims(second)) == 10
    assert set(shown_claims(first)).isdisjoint(shown_claims(second))
    assert 'rel="prev"' in text_of(second) and 'rel="next"' not in text_of(second)


def test_counts_are_capped(client, corpus, monkeypatch):
    monkeypatch.setattr(ClaimListView, "count_cap", 3)
    assert "3+ claims" in text_of(get(client, "/"))


# -- nothing unpublished, anywhere -----------------------------------------------------------------


def public_pages(corpus):
    return [
        "/",
        "/?q=draft+or+review+or+retracted",
        "/?company=hidden-co",
        "/?topic=fintech",
        "/?show=company&show=topic&show=source&show=kind&show=year",
        reverse("claims:source-list"),
        reverse("claims:company-list"),
        reverse("claims:topic-list"),
        reverse("claims:coverage"),
        reverse("claims:disagreements"),
        corpus.market_2018.get_absolute_url(),
        corpus.sacks.get_absolute_url(),
        corpus.danilin.get_absolute_url(),
        corpus.alibaba.get_absolute_url(),
        corpus.fintech.get_absolute_url(),
    ]


def test_unpublished_claims_appear_on_no_page(client, corpus):
    for url in public_pages(corpus):
        page = text_of(get(client, url)).lower()
        assert "zebra" not in page, url
        for claim in corpus.unpublished:
            assert claim.get_absolute_url() not in page, url


def test_unpublished_claims_and_their_only_source_are_404(client, corpus):
    """Drafts and claims in review have no address; a retracted claim's answers
    with its notice (tests/test_retractions.py)."""
    for claim in corpus.unpublished:
        status = 410 if claim.status == Claim.Status.RETRACTED else 404
        get(client, claim.get_absolute_url(), status=status)
        get(client, reverse("claims:claim-by-id", args=[claim.pk]), status=status)
    get(client, corpus.hidden_source.get_absolute_url(), status=404)
    # ... and so are a company and a topic only they use (tests/test_public_vocabulary.py).
    get(client, corpus.hidden_company.get_absolute_url(), status=404)
    get(client, corpus.hidden_topic.get_absolute_url(), status=404)


def test_things_only_unpublished_claims_use_are_not_listed(client, corpus):
    for url, hidden in (
        (reverse("claims:source-list"), "Hidden source"),
        (reverse("claims:company-list"), "Hidden Co"),
        (reverse("claims:topic-list"), "Hidden topic"),
        (reverse("claims:coverage"), "Hidden"),
        ("/", "Hidden"),
    ):
        assert hidden not in text_of(get(client, url)), url


@pytest.mark.parametrize(
    "url",
    [
        "/claims/999999/",
        "/sources/no-such-source/",
        "/companies/no-such-company/",
        "/topics/no-such-topic/",
        "/coverage/?within=no-such-topic",
    ],
)
def test_missing_things_are_404(client, corpus, url):
    get(client, url, status=404)


# -- detail pages ------------------------------------------------------------------------------------


def test_claim_page(client, corpus):
    ClaimRelation.objects.create(from_claim=corpus.market_2018_low, to_claim=corpus.market_2018, type="contradicts")
    ClaimRelation.objects.create(from_claim=corpus.draft, to_claim=corpus.market_2018, type="supports")
    page = text_of(get(client, corpus.market_2018.get_absolute_url()))
    assert "China&#x27;s mobile-payment market was worth $15.4 trillion in 2018." in page
    assert "15.4 trillion USD" in page
    assert "<dd>2018</dd>" in page
    assert "China&#x27;s mobile payments market is now valued at $15.4 trillion" in page  # the quote
    assert "p. 1, in" in page  # its locator
    # The full reference, in APA (citeproc-py), its title a link to the source's page.
    assert (
        'Sacks, S. (2018). <i><a href="/sources/sacks-2018-disruptors/">Disruptors, Innovators, and Thieves</a></i>. '
        'CSIS. <a href="https://www.csis.org/analysis/disruptors">https://www.csis.org/analysis/disruptors</a>'
    ) in page
    assert "This claim contradicts</span>: <a" in page and "Another estimate put" in page
    # What other sources say: the other figures with the same metric.
    others = page.split("What other sources say")[1]
    assert "5.5 trillion USD" in others and "12 trillion USD" in others
    assert "15.4 trillion USD" not in others
    assert "estimated at 12 trillion dollars in 2018" in others


def test_source_page(client, corpus):
    page = text_of(get(client, corpus.danilin.get_absolute_url()))
    reference = (
        "Danilin, I. V. (2020). The Impact of the COVID Crisis on Chinese Platforms. "
        "<i>Herald of the Russian Academy of Sciences</i>, <i>90</i>(6), 779–788. "
        '<a href="https://doi.org/10.1134/S1019331620060271">https://doi.org/10.1134/S1019331620060271</a>'
    )
    assert f'<p class="reference">{reference}</p>' in page
    assert '<strong aria-current="true">APA</strong><a href="?style=chicago" rel="nofollow">Chicago</a>' in page
    assert "3 published claims" in page
    assert "Alibaba opened its first cloud data centre" in page


def test_source_page_lists_claims_citing_it(client, corpus):
    cite(claim=corpus.rivalry, source=corpus.danilin, quote="a second opinion", locator="p. 780")
    page = text_of(get(client, corpus.danilin.get_absolute_url()))
    assert "Also cited as evidence for" in page
    assert "Tencent and Alibaba compete head to head" in page


def test_company_page(client, corpus):
    page = text_of(get(client, corpus.alibaba.get_absolute_url()))
    assert "Alibaba, 阿里巴巴" in page  # aliases
    assert 'href="/companies/ant-financial/">Ant Financial</a>' in page  # affiliate
    assert "Claims by topic" in page
    assert "All 3 claims about Alibaba Group in Fintech and payments" in page
    timeline = page.split("Timeline of events")[1]
    assert "Alibaba opened its first cloud data centre" in timeline
    assert "compete" not in timeline  # an assessment, not an event
    ant = text_of(get(client, corpus.ant.get_absolute_url()))
    assert 'Part of</dt><dd><a href="/companies/alibaba/">Alibaba Group</a>' in ant


def test_company_page_follows_changes(client, corpus):
    """The topics section is rendered once per version of the corpus: a
    change shows at once."""
    assert "in Cloud computing" in text_of(get(client, corpus.alibaba.get_absolute_url()))
    corpus.cloud_event.topics.clear()
    corpus.market_2018.topics.add(corpus.cloud)
    page = text_of(get(client, corpus.alibaba.get_absolute_url()))
    assert "All 1 claims about Alibaba Group in Cloud computing" in page
    corpus.market_2018.status = Claim.Status.RETRACTED
    corpus.market_2018.retraction_reason = "Test."
    corpus.market_2018.save()
    assert "in Cloud computing" not in text_of(get(client, corpus.alibaba.get_absolute_url()))


def test_topic_page(client, corpus):
    page = text_of(get(client, corpus.fintech.get_absolute_url()))
    assert '<a href="/topics/digital-economy/">Digital economy</a>' in page  # broader topic
    assert '<a href="/topics/mobile-payments/">Mobile payments</a> <span class="count">3 claims' in page
    assert "4 published claims" in page
    assert 'href="/?topic=fintech&amp;company=alibaba">Alibaba Group</a> <span class="count">3' in page


def test_coverage_page(client, corpus):
    page = text_of(get(client, reverse("claims:coverage")))
    cell = 'href="/?company=alibaba&amp;topic=cloud-computing">1<span class="visually-hidden"> claims, from a single'
    assert cell in page
    assert 'href="?within=digital-economy"' in page
    drilled = text_of(get(client, reverse("claims:coverage") + "?within=fintech"))
    assert "Mobile payments" in drilled and "Cloud computing" not in drilled


def test_disagreements_page(client, corpus):
    page = text_of(get(client, reverse("claims:disagreements")))
    assert "China mobile-payment market size" in page
    assert page.count('<tr class="conflicting">') == 2  # the two 2018 figures
    assert "5.5 trillion USD" in page and "estimated at 12 trillion dollars in 2018" in page


def test_no_disagreement_when_sources_agree(client, corpus):
    Claim.objects.filter(pk=corpus.market_2018_low.pk).update(value=15.4)
    Claim.objects.filter(pk=corpus.market_2017.pk).update(status=Claim.Status.RETRACTED, retraction_reason="x")
    assert "No disagreements yet" in text_of(get(client, reverse("claims:disagreements")))


def test_every_page_links_the_api_docs_and_the_downloads(client, corpus):
    """The footer: a data user finds the API's docs and the whole-corpus downloads from any page."""
    wanted = ["/api/docs/", "/claims.csv", "/claims.json", "/claims.jsonl", "/sources.csv", "/companies.csv"]
    for url in ["/", corpus.market_2018.get_absolute_url(), reverse("claims:coverage")]:
        response = client.get(url)
        footer = text_of(response).split('<footer class="site-footer">')[1]
        links = re.findall(r'href="([^"]+)"', footer)
        assert all(link in links for link in wanted), (url, links)
    for link in links:
        assert client.get(link).status_code == 200, link


def test_list_pages_show_public_counts(client, corpus):
    assert "3 claims from this source</a>" in text_of(get(client, reverse("claims:source-list")))
    companies = text_of(get(client, reverse("claims:company-list")))
    assert '<a href="/?company=alibaba">4 claims</a>' in companies
    topics = text_of(get(client, reverse("claims:topic-list")))
    assert re.search(
        r'class="depth-1"><a href="/topics/fintech/">Fintech and payments</a> <span class="count">4 claims', topics
    )


def test_company_list_search_matches_aliases(client, corpus):
    page = text_of(get(client, reverse("claims:company-list") + "?q=蚂蚁"))
    assert "Ant Financial" in page and "Tencent" not in page


# -- a constant number of queries per page ------------------------------------------------------------

# The most queries any public page may run, whatever the size of the corpus or the page.
MAX_QUERIES = 16


def page_urls(corpus):
    return [
        "/",
        "/?q=payments",
        "/?q=alibaba&sort=newest",
        "/?company=alibaba&company=tencent&topic=fintech&kind=figure&kind=event&source=sacks-2018-disruptors",
        "/?show=company&show=topic&show=source&show=kind&show=year",
        reverse("claims:source-list"),
        reverse("claims:company-list"),
        reverse("claims:topic-list"),
        reverse("claims:coverage"),
        reverse("claims:coverage") + "?within=digital-economy&all=1",
        reverse("claims:disagreements"),
        corpus.market_2018.get_absolute_url(),
        corpus.sacks.get_absolute_url(),
        corpus.alibaba.get_absolute_url(),
        corpus.fintech.get_absolute_url(),
    ]


def test_every_page_runs_a_constant_number_of_queries(client, corpus, django_assert_max_num_queries):
    def count_queries():
        counts = {}
        for url in page_urls(corpus):
            with django_assert_max_num_queries(MAX_QUERIES), CaptureQueriesContext(connection) as queries:
                get(client, url)
            counts[url] = len(queries)
        return counts

    small = count_queries()
    add_published_claims(corpus, 70)  # more than a page, in every facet, topic and metric
    large = count_queries()
    assert large == small
    assert max(large.values()) <= MAX_QUERIES, large


def test_a_forecast_with_a_value_shows_its_outcome(client, source):
    forecast = make_claim(
        source,
        "forecast",
        text="Analysts expected Alibaba Cloud's revenue to grow 50% in 2019.",
        kind=Claim.Kind.FORECAST,
        value=50,
        unit="percent",
        metric="Alibaba cloud revenue growth",
    )
    outcome = make_claim(
        source,
        "outcome",
        text="Alibaba Cloud's revenue grew 62% in 2019.",
        kind=Claim.Kind.FIGURE,
        value=62,
        unit="percent",
        metric="Alibaba cloud revenue growth",
    )
    ClaimRelation.objects.create(from_claim=outcome, to_claim=forecast, type="resolves", note="fiscal year")
    page = client.get(forecast.get_absolute_url()).content.decode()
    assert '<h2 id="outcome-heading">Outcome</h2>' in page
    assert "Alibaba Cloud&#x27;s revenue grew 62% in 2019." in page and "<strong>62 percent</strong>" in page
    assert "outcome-heading" not in client.get(outcome.get_absolute_url()).content.decode()
