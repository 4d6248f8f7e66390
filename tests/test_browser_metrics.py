"""A metric's page in a real browser (Debian's chromium through Playwright),
at a desktop's width and a phone's: the chart shows, with its axes and key,
and nothing scrolls sideways. Screenshots go to test-artifacts/."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from claims.models import Claim

from .conftest import cite, shot

pytestmark = pytest.mark.browser


def add_figure(corpus, key, value, period, source, **fields):
    fields = {
        "scale": "trillion",
        "unit": "USD",
        "metric": corpus.market_2018.metric,
        "value_qualifier": "exact",
        **fields,
    }
    claim = Claim(source=source, key=key, text=f"Figure {key}.", kind=Claim.Kind.FIGURE, status="published", **fields)
    claim.value = Decimal(value)
    claim.set_period(period)
    claim.save()
    cite(claim=claim, source=source, quote=f"Quote for {key}.", locator="p. 3")


@pytest.fixture
def metric(corpus):
    """The corpus's metric with a range, two bounds, an estimate, a quarter and a second unit."""
    add_figure(corpus, "range-2019", "18", "2019", corpus.sacks, value_max="22", value_qualifier="range")
    add_figure(corpus, "over-2020", "20", "2020", corpus.danilin, value_qualifier="over")
    add_figure(corpus, "under-2016", "4", "2016", corpus.sacks, value_qualifier="under")
    add_figure(corpus, "about-2019-q3", "19", "2019-Q3", corpus.danilin, value_qualifier="approx")
    add_figure(corpus, "share-2018", "62", "2018", corpus.sacks, unit="percent", scale="one")
    return corpus.market_2018.metric_url


@pytest.mark.parametrize("width", [1280, 390])
def test_a_metric_page_reads_at_every_width(tab, metric, width):
    tab.set_viewport_size({"width": width, "height": 900})
    tab.goto(metric)
    expect(tab.get_by_role("heading", level=1)).to_have_text("China mobile-payment market size")
    charts = tab.get_by_role("img")
    expect(charts).to_have_count(2)  # USD and percent, never on one axis
    expect(charts.first).to_be_visible()
    box = charts.first.bounding_box()
    assert box["width"] <= width - 16 and box["height"] > 100
    # The axes' labels are no smaller than 10 px on a phone.
    size = tab.evaluate("() => document.querySelector('.chart-panel text').getBoundingClientRect().height")
    assert size >= 10, size
    expect(tab.locator(".legend-sources li")).to_have_count(2)
    assert tab.evaluate("() => document.documentElement.scrollWidth") <= width
    shot(tab, f"metric-page-{width}")


def test_the_disagreements_page_charts_each_metric_and_links_its_page(tab, metric):
    tab.set_viewport_size({"width": 390, "height": 900})
    tab.goto("/disagreements/")
    section = tab.locator("section", has=tab.get_by_role("heading", name="China mobile-payment market size"))
    expect(section.get_by_role("img")).to_have_count(2)
    assert tab.evaluate("() => document.documentElement.scrollWidth") <= 390
    shot(tab, "disagreements-chart-390")
    section.get_by_role("link", name="every figure over time").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("China mobile-payment market size")
