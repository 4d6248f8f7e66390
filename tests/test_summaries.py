"""Coverage and disagreements: summaries recomputed once per corpus change,
the previous one served while that runs, claim text always read live."""

import re
from html import unescape as html_unescape

import pytest
from django.core.cache import cache
from django.urls import reverse

from claims.ingest.loaders import LoadFailed, load_corpus
from claims.models import Claim
from claims.scale import cache as scale_cache
from claims.scale import corpusversion, summaries
from claims.topics import TopicTree, coverage_columns

from .conftest import add_published_claims, cite, make_claim
from .fixturefiles import fixture_tree, source_copy, write_source

pytestmark = pytest.mark.django_db

DISAGREEMENTS = "claims:summary:disagreements"


def link(html, rel):
    return html_unescape(re.search(rf'href="([^"]+)" rel="{rel}"', html).group(1))


def page(client, name, query=""):
    response = client.get(reverse(name) + query)
    assert response.status_code == 200
    return response.content.decode()


def retract(*claims):
    for claim in claims:
        claim.status = Claim.Status.RETRACTED
        claim.retraction_reason = "Test."
        claim.save()  # bumps the corpus version


def test_a_change_shows_on_the_next_request(client, corpus):
    assert "China mobile-payment market size" in page(client, "claims:disagreements")
    retract(corpus.market_2017, corpus.market_2018_low)
    assert "No disagreements yet" in page(client, "claims:disagreements")


def test_while_a_load_refreshes_the_summaries_readers_do_not_recompute_them(client, corpus):
    before = page(client, "claims:coverage")
    with summaries.refreshing():
        corpus.cloud_event.companies.add(corpus.tencent)  # a new cell, tencent × cloud
        # The load will recompute the grid after its commit: meanwhile, the previous one.
        assert page(client, "claims:coverage") == before
    assert cache.get(scale_cache.REFRESHING) is None
    assert 'href="/?company=tencent&amp;topic=cloud-computing">1<' in page(client, "claims:coverage")


def test_the_previous_summary_is_served_while_another_request_recomputes(client, corpus):
    before = page(client, "claims:coverage")
    corpus.cloud_event.companies.add(corpus.tencent)  # a new cell, tencent × cloud
    tree = TopicTree.load()
    cache.add(f"claims:summary:{summaries.coverage_name(coverage_columns(tree), False)}:computing", "x")
    # Someone else is recomputing: this request gets the grid as it was...
    assert page(client, "claims:coverage") == before
    cache.clear()
    # ...and once it is recomputed, the new one.
    assert 'href="/?company=tencent&amp;topic=cloud-computing">1<' in page(client, "claims:coverage")


def test_a_retracted_claim_never_shows_from_an_old_summary(client, corpus):
    assert "estimated at 12 trillion dollars in 2018" in page(client, "claims:disagreements")
    cache.add(f"{DISAGREEMENTS}:computing", "x")  # the stale summary keeps being served
    corpus.market_2018_low.status = Claim.Status.RETRACTED
    corpus.market_2018_low.retraction_reason = "Test."
    corpus.market_2018_low.save()
    shown = page(client, "claims:disagreements")
    assert "estimated at 12 trillion dollars in 2018" not in shown
    assert "12 trillion" not in shown


def test_long_groups_are_cut_with_a_link_to_every_figure(client, corpus):
    add_published_claims(corpus, 3 * summaries.FIGURES_PER_METRIC)  # every third a figure of the metric
    shown = page(client, "claims:disagreements")
    total = Claim.objects.public().filter(metric=corpus.market_2018.metric).count()
    assert total > summaries.FIGURES_PER_METRIC
    body_rows = shown.split("<tbody>")[1].split("</tbody>")[0].count("<tr")
    assert body_rows == summaries.FIGURES_PER_METRIC
    assert f"All {total} figures for China mobile-payment market size" in shown


def test_metrics_page_by_keyset(client, corpus):
    for n in range(25):
        for source, value in ((corpus.sacks, 1), (corpus.danilin, 2)):
            make_claim(
                source, f"m{n}-{value}", kind=Claim.Kind.FIGURE, value=value, unit="USD", metric=f"Metric {n:02d}"
            )
    metrics = [metric for metric, _, _ in summaries.disagreeing_metrics()]
    assert len(metrics) == 26 and metrics == sorted(metrics)
    first = page(client, "claims:disagreements")
    assert "Metric 00" in first and "Metric 20" not in first
    second = page(client, "claims:disagreements", link(first, "next"))
    assert "Metric 20" in second and "Metric 00" not in second
    assert "Metric 00" in page(client, "claims:disagreements", link(second, "prev"))


def test_load_corpus_recomputes_the_summaries(db, tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    load_corpus([fixtures], texts_dir=texts)
    for name in ("disagreements", "citing"):
        entry = cache.get(f"claims:summary:{name}")
        assert entry is not None and entry[0] == corpusversion.current()
    assert cache.get(scale_cache.REFRESHING) is None


def test_a_failed_load_leaves_the_caches_as_they_were(db, tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    load_corpus([fixtures], texts_dir=texts)
    version = corpusversion.current()
    data = source_copy()
    data["claims"][0]["kind"] = "rumour"
    write_source(fixtures, data)
    with pytest.raises(LoadFailed):
        load_corpus([fixtures], texts_dir=texts)
    assert corpusversion.current() == version
    assert cache.get(scale_cache.REFRESHING) is None


@pytest.mark.parametrize(
    "summary, url",
    [
        ("coverage:", "/coverage/"),
        ("disagreements", "/disagreements/"),
        ("citing", "/sources/{danilin}/"),
    ],
)
def test_a_summary_nobody_has_yet_is_not_waited_for(client, corpus, summary, url):
    url = url.format(danilin=corpus.danilin.key)
    cite(claim=corpus.rivalry, source=corpus.danilin, quote="a second opinion", locator="p. 780")
    cache.clear()  # as after a Redis restart
    name = summary
    if summary == "coverage:":
        name = summaries.coverage_name(coverage_columns(TopicTree.load()), False)
    cache.add(f"claims:summary:{name}:computing", "x")  # another request is computing it
    response = client.get(url)
    assert response.status_code == 200
    assert "Being computed:" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    cache.delete(f"claims:summary:{name}:computing")
    # Not kept by the page cache: once computed, the next reader gets it.
    shown = client.get(url).content.decode()
    assert "Being computed:" not in shown
    assert {"coverage:": "Alibaba Group", "disagreements": "China mobile-payment market size"}.get(
        summary, "Tencent and Alibaba compete head to head"
    ) in shown


def test_a_load_does_not_fail_when_a_reader_is_computing_a_summary(db, tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    cache.add("claims:summary:disagreements:computing", "x")
    load_corpus([fixtures], texts_dir=texts)  # no error
    assert cache.get(DISAGREEMENTS) is None  # left to the reader computing it
    assert cache.get("claims:summary:citing") is not None
