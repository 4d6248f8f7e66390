"""Every public page at 390 px (a phone) and 1280 px (a desktop), filled with
the shipped seed corpus: nothing scrolls the page sideways, nothing breaks the
Content Security Policy, and a screenshot of each lands in test-artifacts/
to be looked at. The set of pages comes from the URL conf: a public URL
name with no sample here fails the first test, so a page added later cannot
be left out."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.urls import URLResolver, get_resolver, reverse
from playwright.sync_api import expect

from claims.ingest.loaders import load_corpus
from claims.models import Claim, Company, Source, Topic

from .conftest import ARTIFACTS

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
FIXTURES = Path(settings.BASE_DIR) / "fixtures"


# -- the pages, from the URL conf ---------------------------------------------------------


def busiest_figure():
    """A figure whose metric has the most published values from other sources:
    the longest "What other sources say" table, and the fullest metric page."""
    public = Claim.objects.public().filter(kind=Claim.Kind.FIGURE).exclude(metric="")
    metric = public.values("metric").annotate(n=Count("id")).order_by("-n", "metric")[0]["metric"]
    return public.filter(metric=metric).order_by("-value_qualifier", "pk").first()


def busiest(model, relation):
    """The row of model with most published claims: its page is the longest."""
    count = Count(relation, filter=Q(**{f"{relation}__status": Claim.Status.PUBLISHED}))
    return model.objects.annotate(n=count).order_by("-n", "pk").first().get_absolute_url()


def broadest_topic():
    """A topic with sub-topics and claims: breadcrumbs, sub-topics and companies all show."""
    return Topic.objects.filter(children__isnull=False, parent__isnull=False).order_by("pk").first().get_absolute_url()


def retracted_claim():
    """A claim retracted as an editor retracts one: its permalink answers 410 with the notice."""
    claim = Claim.objects.public().filter(kind=Claim.Kind.FIGURE).order_by("pk").first()
    editor = get_user_model().objects.create_superuser("editor-for-pages", password="a-long-test-password")
    claim.retract(editor, "The figure is the whole market's, not the company's: misread from the source's table.")
    claim.save()
    return claim.get_absolute_url()


def a_metric():
    """The metric page of the busiest figure: the most sources, the longest table."""
    return busiest_figure().metric_url


# Every public HTML page, by URL name: a function giving its sample URLs in the seed corpus.
PAGES = {
    "claims:claim-list": lambda: [
        reverse("claims:claim-list"),
        reverse("claims:claim-list") + "?q=payments&kind=figure",
        reverse("claims:claim-list") + "?q=giraffes",
    ],
    "claims:claim-detail": lambda: [busiest_figure().get_absolute_url(), retracted_claim()],
    "claims:source-list": lambda: [reverse("claims:source-list")],
    "claims:source-detail": lambda: [busiest(Source, "claims")],
    "claims:company-list": lambda: [reverse("claims:company-list")],
    "claims:company-detail": lambda: [busiest(Company, "claims")],
    "claims:topic-list": lambda: [reverse("claims:topic-list")],
    "claims:topic-detail": lambda: [broadest_topic()],
    "claims:coverage": lambda: [reverse("claims:coverage")],
    "claims:disagreements": lambda: [reverse("claims:disagreements")],
    "claims:relation-list": lambda: [
        reverse("claims:relation-list"),
        reverse("claims:relation-list") + "?company=alibaba",
    ],
    "claims:metric-list": lambda: [reverse("claims:metric-list")],
    "claims:metric-detail": lambda: [a_metric()],
    "api:docs": lambda: [reverse("api:docs")],
}

# Every other URL name, with why it has no screenshot: none of them is an HTML page.
NOT_PAGES = {
    "healthz": "JSON for the load balancer",
    "api:schema": "the OpenAPI schema (YAML)",
    "api:claim-list": "JSON",
    "api:claim-detail": "JSON",
    "api:source-list": "JSON",
    "api:source-detail": "JSON",
    "api:company-list": "JSON",
    "api:company-detail": "JSON",
    "api:topic-list": "JSON",
    "api:topic-detail": "JSON",
    "api:^(?P<path>.+)$": "the API's JSON 404 for any other path",
    "api:root": "JSON: the list of endpoints",
    "api:relation-list": "JSON",
    "claims:claim-by-id": "a 301 to the claim's permalink (or its notice)",
    "claims:claim-cite-by-id": "a 301 to the citation record under the permalink",
    "claims:citation-download": "CSV, JSON or JSON Lines",
    "claims:relation-download": "CSV, JSON or JSON Lines",
    "claims:claim-download": "CSV, JSON or JSON Lines",
    "claims:claim-feed": "Atom",
    "claims:claim-cite": "BibTeX, RIS or CSL-JSON",
    "claims:source-download": "CSV, JSON or JSON Lines",
    "claims:source-list-cite": "BibTeX, RIS or CSL-JSON",
    "claims:source-cite": "BibTeX, RIS or CSL-JSON",
    "claims:company-download": "CSV, JSON or JSON Lines",
    "claims:sitemap": "XML",
    "claims:robots": "robots.txt, plain text",
    "claims:sitemap-section": "XML",
}


def url_names(patterns=None, namespace=""):
    """Every URL name of the site outside the admin (a pattern without a name: its route)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from url_names(pattern.url_patterns, inner)
        else:
            yield namespace + (pattern.name or str(pattern.pattern))


def test_every_url_has_a_sample_page_or_a_reason_it_has_none():
    names = set(url_names())
    missing = sorted(names - PAGES.keys() - NOT_PAGES.keys())
    assert not missing, (
        f"No sample URL for {missing}: add each HTML page to PAGES in {Path(__file__).name} "
        "(a function giving its URLs in the seed corpus), or anything else to NOT_PAGES with what it serves."
    )
    assert not (PAGES.keys() | NOT_PAGES.keys()) - names, "PAGES or NOT_PAGES name a URL that no longer exists"
    assert not PAGES.keys() & NOT_PAGES.keys()


# -- the browser, on the seed corpus --------------------------------------------------------
# Loading the seed corpus takes seconds: two tests load it, one walks every
# page, the other checks what a phone needs of particular pages.


@pytest.fixture
def seeded(transactional_db, live_server):
    """The shipped fixtures, loaded as `make run` loads them, quotes checked where the texts are."""
    load_corpus([FIXTURES], texts_dir=str(SEEDS) if SEEDS.is_dir() else None)


# Content Security Policy reports expected on a page, and why they are accepted.
CSP_ACCEPTED = {}


@pytest.fixture
def strict_tab(chromium, live_server):
    """A tab that enforces the Content Security Policy (the shared `tab` bypasses it for
    axe-core), keeping what it reports, in tab.csp_reports."""
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.csp_reports = []
    tab.on(
        "console",
        lambda message: "Content Security Policy" in message.text and tab.csp_reports.append(message.text[:120]),
    )
    yield tab
    context.close()


SIDEWAYS = "() => document.documentElement.scrollWidth - window.innerWidth"


def file_name(url):
    """A file name for a page's screenshot: /topics/fintech/ → topics-fintech."""
    name = ("home" + url if url.startswith("/?") else url).strip("/")
    return "".join(c if c.isalnum() else "-" for c in name) or "home"


def look_at(tab, name, url, width):
    """The problems of one page at one width; its screenshot in test-artifacts/."""
    tab.csp_reports.clear()
    response = tab.goto(url)
    # 410: a retracted claim's notice, a page like any other.
    if response.status not in (200, 410) or "text/html" not in response.headers["content-type"]:
        return [f"{name} {url}: {response.status} {response.headers['content-type']}"]
    if tab.locator("script[src]").count():
        tab.wait_for_load_state("networkidle")  # what the script draws, drawn
    tab.screenshot(path=ARTIFACTS / f"page-{file_name(url)}-{width}.png", full_page=True)
    problems = []
    overflow = tab.evaluate(SIDEWAYS)
    if overflow > 0:
        problems.append(f"{name} {url} at {width} px scrolls sideways by {overflow} px")
    if name not in CSP_ACCEPTED:
        problems += [f"{name} {url}: {report}" for report in tab.csp_reports]
    return problems


@pytest.mark.browser
def test_every_public_page_fits_a_phone_and_a_desktop(strict_tab, seeded):
    ARTIFACTS.mkdir(exist_ok=True)
    problems = []
    for name, samples in PAGES.items():
        for url in samples():
            for viewport in (PHONE, DESKTOP):
                strict_tab.set_viewport_size(viewport)
                problems += look_at(strict_tab, name, url, viewport["width"])
    assert problems == [], "\n".join(problems)


# -- what a phone needs of particular pages ---------------------------------------------------


@pytest.mark.browser
def test_what_a_phone_needs(tab, seeded):
    """One load of the seed corpus for each check below."""
    figures_read_top_to_bottom_on_a_phone(tab)
    the_coverage_grid_scrolls_in_its_box_with_the_companies_in_view(tab)
    the_claim_list_offers_its_filters_before_the_claims(tab)
    the_search_button_comes_after_its_box(tab)


FIGURE_CELLS = """() => [...document.querySelectorAll('table.figures td')].map(td => ({
    label: getComputedStyle(td, '::before').content, display: getComputedStyle(td).display,
    width: td.getBoundingClientRect().width, overflow: td.scrollWidth - td.clientWidth}))"""


def figures_read_top_to_bottom_on_a_phone(tab):
    for page in ("claims:disagreements", "claims:claim-detail"):
        tab.set_viewport_size(PHONE)
        tab.goto(PAGES[page]()[0])
        cells = tab.evaluate(FIGURE_CELLS)
        assert cells, f"no figures table on {page}"
        # Each cell is a block of its own, labelled; the source and its quote as wide as the screen.
        assert {c["label"] for c in cells} == {'"Period"', '"Value"', '"Source and quote"'}, page
        assert {c["display"] for c in cells} == {"block"}, page
        assert min(c["width"] for c in cells if c["label"] == '"Source and quote"') > 300, page
        assert max(c["overflow"] for c in cells) <= 0, page
        tab.set_viewport_size(DESKTOP)
        cells = tab.evaluate(FIGURE_CELLS)
        assert {c["display"] for c in cells} == {"table-cell"}, page
        assert {c["label"] for c in cells} == {"none"}, page
        # No value runs over into the next column.
        assert max(c["overflow"] for c in cells) <= 0, page


def the_coverage_grid_scrolls_in_its_box_with_the_companies_in_view(tab):
    tab.set_viewport_size(PHONE)
    tab.goto(reverse("claims:coverage"))
    assert tab.evaluate(SIDEWAYS) <= 0
    box = tab.locator(".scroll:has(table.grid)")
    assert box.evaluate("e => e.scrollWidth > e.clientWidth"), "the grid fits a phone: nothing to test"
    company = tab.locator("table.grid tbody th").first
    before = company.bounding_box()
    box.evaluate("e => e.scrollLeft = e.scrollWidth")
    assert box.evaluate("e => e.scrollLeft") > 100
    after = company.bounding_box()
    assert abs(after["x"] - before["x"]) <= 1, "the company column scrolled away"
    # The counts scroll under the company column, not over it.
    on_top = "([x, y]) => document.elementFromPoint(x, y).closest('th') !== null"
    assert tab.evaluate(on_top, [after["x"] + after["width"] - 3, after["y"] + after["height"] / 2])


def the_claim_list_offers_its_filters_before_the_claims(tab):
    tab.set_viewport_size(PHONE)
    tab.goto("/")
    link = tab.get_by_role("link", name="Filters")
    expect(link).to_be_visible()
    assert link.bounding_box()["y"] < min(PHONE["height"], tab.locator("ol.claims").bounding_box()["y"])
    link.click()
    expect(tab.get_by_role("heading", name="Narrow down")).to_be_in_viewport()


LISTS = ["claims:claim-list", "claims:source-list", "claims:company-list", "claims:topic-list"]


def the_search_button_comes_after_its_box(tab):
    misplaced = []
    for page in LISTS:
        for viewport in (PHONE, DESKTOP):
            tab.set_viewport_size(viewport)
            tab.goto(reverse(page))
            box = tab.locator(".search-row input").bounding_box()
            button = tab.locator(".search-row button").bounding_box()
            if button["x"] < box["x"] + box["width"]:
                misplaced.append(f"{page} at {viewport['width']} px")
    assert misplaced == []
