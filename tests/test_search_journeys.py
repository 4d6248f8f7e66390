"""What researchers type, on the seed corpus: the examples of issue 18 and
two questions answered by following the links a person would click from
the home page."""

import re
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings

from claims.ingest.loaders import load_corpus
from claims.models import Claim

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
FIXTURES = Path(settings.BASE_DIR) / "fixtures"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed texts not present at {SEEDS}: seed claims stay unpublished"),
]


@pytest.fixture
def seed(db):
    load_corpus([FIXTURES], texts_dir=str(SEEDS))


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def rows(html):
    """The claim texts of a claim list page, in order, without markup."""
    found = re.findall(r'<p class="claim-text" id="claim-\d+"><a[^>]*>(.*?)</a></p>', html, re.S)
    return [unescape(re.sub(r"<[^>]+>", "", text)) for text in found]


def link(html, text):
    """The href of the first link whose text contains text."""
    for href, label in re.findall(r'<a [^>]*?href="([^"]*)"[^>]*>(.*?)</a>', html, re.S):
        if text in unescape(re.sub(r"<[^>]+>", "", label)):
            return unescape(href)
    raise AssertionError(f"no link saying {text!r}")


def search_form(html):
    """(action, the name of its search box) of the home page's search form."""
    form = re.search(r'<form class="filters" method="get" action="([^"]*)"(.*?)</form>', html, re.S)
    assert form and 'type="search" name="q"' in form.group(2)
    return form.group(1)


def test_the_metric_filters_own_example_finds_both_valuation_figures(client, seed):
    valuations = set(Claim.objects.public().filter(metric="Ant Financial valuation").values_list("text", flat=True))
    assert len(valuations) == 2
    shown = rows(page(client, "/?q=Ant+Financial+valuation"))
    assert set(shown[:2]) == valuations


def test_cloud_market_share_finds_the_claim_saying_up_to_half(client, seed):
    shown = rows(page(client, "/?q=cloud+market+share"))
    assert any("up to half" in text for text in shown)


def test_the_company_box_finds_companies_by_alias(client, seed):
    assert "Company: Tencent" in page(client, "/?company=WeChat")
    assert "Company: ByteDance" in page(client, "/?company=TikTok")
    assert "No company called ‘TikTak’" in page(client, "/?company=TikTak")


def test_what_do_sources_say_about_alibabas_cloud_market_share(client, seed):
    home = page(client, "/")
    results = page(client, search_form(home) + "?q=Alibaba+cloud+market+share")
    shown = rows(results)
    half = next(text for text in shown if "up to half" in text)
    assert any("43%" in text for text in shown)
    # The row says which metric matched; its link is the metric's page: every
    # figure for it, in a table and a chart, the two sources' values side by side.
    by_metric = page(client, link(results, "Alibaba cloud market share in China"))
    assert 'class="chart-panel' in by_metric and "43 percent" in by_metric and "less than 50 percent" in by_metric
    figures = Claim.objects.public().filter(metric="Alibaba cloud market share in China")
    assert all(claim.get_absolute_url() in by_metric for claim in figures) and figures.count() >= 2
    # Do they disagree? The claim's page sets the other source's figure beside it ...
    claim = page(client, link(results, half))
    others = claim[claim.index("What other sources say") :]
    assert "43 percent" in others and "Looking at digital leapfrogging" in others
    # ... and the disagreements page, one click from any page, lists the metric.
    disagreements = page(client, link(claim, "Disagreements"))
    assert "Alibaba cloud market share in China" in disagreements
    table = disagreements[disagreements.index("Alibaba cloud market share in China") :]
    assert "43 percent" in table and "less than 50 percent" in table


def test_which_forecasts_were_made_about_bytedance(client, seed):
    home = page(client, "/")
    # The company box on the home page, by the name a reader knows.
    assert 'name="company" placeholder="Company or alias"' in home
    about = page(client, "/?company=TikTok")
    forecasts = page(client, link(about, "forecast"))
    expected = Claim.objects.public().filter(kind="forecast", companies__slug="bytedance")
    assert rows(forecasts) == list(expected.order_by("-period_start", "-pk").values_list("text", flat=True))
    assert len(rows(forecasts)) >= 1
    assert "Company: ByteDance" in forecasts and "Kind: forecast" in forecasts
