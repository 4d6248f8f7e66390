"""The metric pages (claims/public/metrics.py): a metric's public figures in
a table and on a chart, one panel per unit, and the links that lead there."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.models import Claim, metric_slug

from .conftest import add_published_claims, cite

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
MARKET = "China mobile-payment market size"


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def charts_of(html):
    """Each <svg role="img"> chart panel of a page, parsed as XML."""
    return [ET.fromstring(svg) for svg in re.findall(r'<svg [^>]*role="img".*?</svg>', html, re.S)]


def marks(svg):
    return [g for g in svg.iter(f"{SVG}g") if "mark" in g.get("class", "").split()]


def shapes(svg):
    return sorted(g.get("class").split()[1] for g in marks(svg))


def add_figure(corpus, key, value, status=Claim.Status.PUBLISHED, source=None, period="2019", **fields):
    fields = {"scale": "trillion", "unit": "USD", "metric": MARKET, "value_qualifier": "exact", **fields}
    claim = Claim(
        source=source or corpus.sacks,
        key=key,
        text=f"Figure {key}.",
        kind=Claim.Kind.FIGURE,
        status=status,
        value=Decimal(value),
        retraction_reason="Wrong." if status == Claim.Status.RETRACTED else "",
        **fields,
    )
    claim.set_period(period)
    claim.save()
    cite(claim=claim, source=claim.source, quote=f"Quote for {key}.", locator="p. 3")
    return claim


def metric_url(label=MARKET):
    return reverse("claims:metric-detail", args=[metric_slug(label)])


# -- the slug -------------------------------------------------------------------------------------


def test_the_slug_is_defined_once_and_used_by_the_claim():
    assert metric_slug(MARKET) == "china-mobile-payment-market-size"
    assert metric_slug("Alibaba Cloud–WeWork programme") == "alibaba-cloud-wework-programme"
    assert re.fullmatch(r"metric-[0-9a-f]{12}", metric_slug("移动支付"))
    assert Claim(metric=MARKET, kind=Claim.Kind.FIGURE).metric_url == metric_url()
    assert Claim(metric="", kind=Claim.Kind.FIGURE).metric_url == ""


# -- the page ---------------------------------------------------------------------------------------


def test_one_mark_per_figure_and_one_panel_per_unit(client, corpus):
    add_figure(corpus, "share", "60", unit="percent", scale="one")
    html = get(client, metric_url())
    usd, percent = charts_of(html)
    assert len(marks(usd)) == 3 and len(marks(percent)) == 1
    assert "trillion USD" in "".join(usd.itertext()) and "percent" not in "".join(usd.itertext())
    assert "USD" not in "".join(percent.itertext())
    # Every figure in the table, linked to its claim.
    for claim in corpus.published[:3]:
        assert f'href="{claim.get_absolute_url()}"' in html
    assert html.count('<tr class="figure-row') == 4


def test_every_chart_has_a_title_and_description(client, corpus):
    (svg,) = charts_of(get(client, metric_url()))
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert MARKET in title.text
    assert "3 figures from 2 sources" in desc.text
    assert svg.get("viewBox") and not svg.get("width")  # scales to the width of the page


def test_ranges_and_bounds_are_drawn_as_such(client, corpus):
    add_figure(corpus, "range", "10", value_max="14", value_qualifier="range")
    add_figure(corpus, "over", "9", value_qualifier="over", period="2020")
    add_figure(corpus, "under", "20", value_qualifier="under", period="2020")
    add_figure(corpus, "about", "11", value_qualifier="approx", period="2016")
    html = get(client, metric_url())
    (svg,) = charts_of(html)
    assert shapes(svg) == ["approx", "exact", "exact", "exact", "over", "range", "under"]
    assert "10–14 trillion USD" in html and "more than 9 trillion USD" in html and "less than 20 trillion USD" in html
    assert "between" in html and "more than" in html  # the qualifier column


def test_drafts_and_retracted_figures_are_left_out(client, corpus):
    hidden = [
        add_figure(corpus, "draft-figure", "99", status=Claim.Status.DRAFT),
        add_figure(corpus, "review-figure", "98", status=Claim.Status.REVIEW),
        add_figure(corpus, "retracted-figure", "97", status=Claim.Status.RETRACTED),
    ]
    html = get(client, metric_url())
    (svg,) = charts_of(html)
    assert len(marks(svg)) == 3
    for claim in hidden:
        assert claim.get_absolute_url() not in html
        assert claim.value_display not in html
    # A metric only unpublished figures carry has no page.
    add_figure(corpus, "secret", "1", status=Claim.Status.DRAFT, metric="Secret metric")
    get(client, metric_url("Secret metric"), status=404)
    assert "Secret metric" not in get(client, reverse("claims:metric-list"))


def test_a_retraction_shows_at_once(client, corpus):
    get(client, metric_url())
    for claim in corpus.published[:3]:
        claim.status, claim.retraction_reason = Claim.Status.RETRACTED, "Test."
        claim.save()
    get(client, metric_url(), status=404)


@pytest.mark.parametrize("slug", ["no-such-metric", "china-mobile-payment-market"])
def test_unknown_slugs_are_404(client, corpus, slug):
    get(client, reverse("claims:metric-detail", args=[slug]), status=404)


def test_labels_sharing_a_slug_are_both_shown_apart(client, corpus):
    add_figure(corpus, "spelt-apart", "3", metric="China mobile payment market size")
    html = get(client, metric_url())
    assert '<h2 id="label-1">China mobile payment market size</h2>' in html
    assert '<h2 id="label-2">China mobile-payment market size</h2>' in html
    assert "share one address" in html
    assert [len(marks(svg)) for svg in charts_of(html)] == [1, 3]


def test_the_index_lists_metrics_with_counts(client, corpus):
    html = get(client, reverse("claims:metric-list"))
    assert f'<a href="{metric_url()}">{MARKET}</a>' in html
    row = html.split(MARKET)[1].split("</tr>")[0]
    assert re.search(r"<td[^>]*>3</td>\s*<td[^>]*>2</td>\s*<td[^>]*>2017–2018</td>", row), row


def test_the_page_shows_the_latest_figures_when_there_are_many(client, corpus, monkeypatch):
    from claims.public import metrics

    monkeypatch.setattr(metrics, "FIGURES_SHOWN", 5)
    add_published_claims(corpus, 30)  # ten more figures of the metric, 2000 to 2027
    html = get(client, metric_url())
    (svg,) = charts_of(html)
    assert len(marks(svg)) == 5
    assert "the latest 5 of 13 figures" in html
    assert 'href="/?metric=China+mobile-payment+market+size"' in html


# -- links to the page -------------------------------------------------------------------------------


def test_the_claim_page_links_its_metric(client, corpus):
    html = get(client, corpus.market_2018.get_absolute_url())
    assert html.count(f'href="{metric_url()}"') >= 2  # the figure and "what other sources say"


def test_a_list_row_links_its_metric(client, corpus):
    html = get(client, "/?kind=figure")
    assert html.count(f'href="{metric_url()}"') == 3


def test_the_disagreements_page_links_and_charts_each_metric(client, corpus):
    html = get(client, reverse("claims:disagreements"))
    assert f'href="{metric_url()}"' in html
    (svg,) = charts_of(html)
    assert len(marks(svg)) == 3


def test_the_navigation_leads_to_the_index(client, corpus):
    assert f'href="{reverse("claims:metric-list")}"' in get(client, "/")


# -- a constant number of queries ------------------------------------------------------------------


def test_the_pages_run_a_constant_number_of_queries(client, corpus, django_assert_max_num_queries):
    urls = [reverse("claims:metric-list"), metric_url(), reverse("claims:disagreements")]

    def count():
        found = {}
        for url in urls:
            with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as queries:
                get(client, url)
            found[url] = len(queries)
        return found

    small = count()
    add_published_claims(corpus, 60)
    assert count() == small


# -- the question a reader brings ------------------------------------------------------------------


def click(html, text):
    """The href of the link whose text is text (as a reader would click it)."""
    for href, inner in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', html, re.S):
        if re.sub(r"<[^>]+>", "", unescape(inner)).strip() == text:
            return unescape(href)
    raise AssertionError(f"no link {text!r} on the page")


def test_how_has_didis_valuation_changed_over_time(client):
    """From the home page of the seed corpus to Didi Chuxing's valuation over time."""
    from claims.ingest.loaders import load_corpus

    seeds = Path(settings.BASE_DIR).parent / "shared" / "seeds"
    load_corpus([Path(settings.BASE_DIR) / "fixtures"], texts_dir=str(seeds))

    # By the navigation: Metrics, then the metric.
    home = get(client, "/")
    index = get(client, click(home, "Metrics"))
    page = get(client, click(index, "Didi Chuxing valuation"))
    (svg,) = charts_of(page)
    assert len(marks(svg)) == 2
    assert "billion USD" in "".join(svg.itertext())
    periods = re.findall(r'<td class="period" data-label="Period">([^<]+)</td>', page)
    assert periods == ["2017-12", "2018"]
    assert page.count(">56 billion USD</a></td>") == 2  # both sources agree
    assert "2 figures from 2 sources, 2017 to 2018, 56 billion USD" in page

    # By a search, from a figure in the results.
    results = get(client, "/?q=Didi+valuation")
    assert get(client, click(results, "Didi Chuxing valuation")) == page
