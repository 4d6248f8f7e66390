"""The curator's workbench in a real browser (Debian's chromium through
Playwright): read a source, select a sentence holding a figure, make it a
claim (period typed once, metric picked from the suggestions), submit; the
editor sends it back with a note; the curator sees the note, fixes the claim
and submits again; the editor publishes. Then the same journey without
JavaScript, through the paragraph links. Screenshots go to test-artifacts/."""

import datetime

import pytest
from playwright.sync_api import expect

from claims.accounts import create_staff_user
from claims.ingest.sourcetexts import set_text
from claims.models import Claim, FullText, Source

from .conftest import cite, log_in, shot

pytestmark = pytest.mark.browser

PASSWORD = "a-long-test-password"
INTRO = "Cloud computing in China grew quickly during the pandemic."
SENTENCE = "Alibaba Cloud revenue grew 58 percent in the first quarter of 2020."
REST = " Tencent Cloud followed at some distance."
METRIC = "Alibaba cloud revenue growth"
NOTE = "Say it is year-on-year growth, as the source does in its table."


@pytest.fixture
def workbench(workflow_groups):
    create_staff_user("carla", PASSWORD, "curator")
    create_staff_user("edgar", PASSWORD, "editor")
    source = Source.objects.create(
        key="cloud-article-2020",
        kind=Source.Kind.JOURNAL_ARTICLE,
        title="Cloud Markets in China",
        venue="Herald of Cloud Studies",
        pages="779–780",
        published=datetime.date(2020, 6, 1),
        published_precision="month",
    )
    text = f"{INTRO}\n\n{SENTENCE}{REST}\n"
    set_text(source, text, origin=FullText.Origin.PASTE, page_map=[[0, "779"], [text.index("Alibaba"), "780"]])
    # An earlier figure of the same metric, from another source: the suggestion to pick.
    other = Source.objects.create(key="other-2019", kind=Source.Kind.REPORT, title="Another report")
    earlier = Claim.objects.create(
        source=other,
        key="growth-2019",
        text="Alibaba Cloud revenue grew 64% in 2019.",
        kind=Claim.Kind.FIGURE,
        value=64,
        unit="percent",
        metric=METRIC,
        status=Claim.Status.PUBLISHED,
    )
    cite(claim=earlier, source=other, quote="revenue grew 64 percent", locator="p. 2")
    return source


def select_text(tab, words):
    """Select `words` in the reading page's text, as a mouse drag would."""
    tab.evaluate(
        """(words) => {
            const walker = document.createTreeWalker(document.querySelector('.reading-text'), NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
                const at = walker.currentNode.data.indexOf(words);
                if (at >= 0) {
                    const range = document.createRange();
                    range.setStart(walker.currentNode, at);
                    range.setEnd(walker.currentNode, at + words.length);
                    const selection = window.getSelection();
                    selection.removeAllRanges();
                    selection.addRange(range);
                    return;
                }
            }
            throw new Error('not in the text: ' + words);
        }""",
        words,
    )


def fill_figure(tab, metric):
    tab.get_by_label("Key:").fill("alibaba-cloud-growth-2020-q1")
    tab.get_by_label("Text:").fill("Alibaba Cloud's revenue grew 58% in the first quarter of 2020.")
    tab.get_by_label("Kind:").select_option("figure")
    tab.get_by_label("Period:").fill("2020-Q1")
    figure = tab.locator("fieldset", has=tab.locator("#id_value"))
    if figure.locator("details:not([open])").count():  # without JavaScript: open the section by hand
        figure.locator("summary").click()
    tab.locator("#id_value").fill("58")
    tab.locator("#id_unit").fill("percent")
    tab.locator("#id_metric").fill(metric)


def review_and_send_back(tab):
    log_in(tab, "edgar")
    tab.get_by_role("link", name="1 claim waiting for review").click()
    tab.get_by_role("link", name="Alibaba Cloud's revenue grew 58%").click()
    expect(tab.locator(".quote-context mark")).to_have_text(SENTENCE)
    expect(tab.locator(".review-page")).to_contain_text("64 percent")  # the other source's figure
    shot(tab, f"{tab.journey}-4-review")
    tab.get_by_label("Note to the curator").fill(NOTE)
    tab.get_by_role("button", name="Send back with this note").click()
    expect(tab.locator(".messagelist")).to_contain_text("was sent back to its curator")


def fix_and_resubmit(tab):
    log_in(tab, "carla")
    expect(tab.locator(".sent-back-list")).to_contain_text(NOTE)
    shot(tab, f"{tab.journey}-5-sent-back")
    tab.locator(".sent-back-list a").first.click()
    expect(tab.locator(".review-note")).to_contain_text(NOTE)
    tab.get_by_label("Text:").fill("Alibaba Cloud's revenue grew 58% year on year in the first quarter of 2020.")
    tab.get_by_role("button", name="Save and submit for review").click()
    expect(tab.locator(".messagelist")).to_contain_text("submitted for review")


def publish(tab):
    log_in(tab, "edgar")
    tab.get_by_role("link", name="1 claim waiting for review").click()
    tab.get_by_role("link", name="Alibaba Cloud's revenue grew 58%").click()
    tab.get_by_role("button", name="Publish").click()
    expect(tab.locator(".messagelist")).to_contain_text("was published")
    claim = Claim.objects.get(key="alibaba-cloud-growth-2020-q1")
    assert claim.status == Claim.Status.PUBLISHED and claim.review_note == ""
    assert claim.period_code == "2020-Q1" and claim.metric == METRIC
    citation = claim.citations.get()
    assert citation.verification == "exact" and citation.locator == "p. 780"
    assert NOTE in [record.review_note for record in claim.history.all()]


def test_a_passage_becomes_a_claim_is_sent_back_and_published(tab, workbench):
    tab.journey = "workbench"
    log_in(tab, "carla")
    tab.goto(f"/admin/claims/source/{workbench.pk}/change/")
    tab.get_by_role("link", name="Read it with its claims").click()
    expect(tab.locator(".reading-summary")).to_contain_text("2 of 2 paragraphs have no claim yet")
    expect(tab.locator(".reading-text[data-ready]")).to_be_attached()  # its script is listening
    select_text(tab, SENTENCE)
    bar = tab.locator("#selection-bar")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("(p. 780)")
    shot(tab, "workbench-1-selection")
    bar.get_by_role("link", name="New claim from this passage").click()

    expect(tab.locator("#id_citations-0-quote")).to_have_value(SENTENCE)
    expect(tab.locator("#id_citations-0-locator")).to_have_value("p. 780")
    expect(tab.locator(".messagelist")).to_contain_text("The passage is in the source's text (exact on p. 780)")
    suggestion = tab.locator("#metric-suggestions option").first
    assert suggestion.get_attribute("value") == METRIC
    assert "1 figure, in percent" in suggestion.inner_text()
    fill_figure(tab, suggestion.get_attribute("value"))
    expect(tab.locator("#id_value")).to_be_visible()  # choosing "figure" opened the Figure section
    shot(tab, "workbench-2-new-claim")
    tab.get_by_role("button", name="Save and continue editing").click()
    expect(tab.locator(".messagelist")).to_contain_text("was added successfully")
    tab.get_by_role("button", name="Save and submit for review").click()
    expect(tab.locator(".messagelist")).to_contain_text("submitted for review")
    shot(tab, "workbench-3-submitted")

    review_and_send_back(tab)
    fix_and_resubmit(tab)
    publish(tab)
    tab.goto(f"/admin/claims/source/{workbench.pk}/read/")
    expect(tab.locator("a.quote.status-published")).to_have_text(SENTENCE)
    shot(tab, "workbench-6-read-published")


def test_the_same_journey_without_javascript(chromium, live_server, workbench):
    context = chromium.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    tab.journey = "no-js"
    try:
        log_in(tab, "carla")
        tab.goto(f"/admin/claims/source/{workbench.pk}/read/")
        paragraph = tab.locator(".reading-paragraph", has_text=SENTENCE)
        paragraph.get_by_role("link", name="New claim from this paragraph").click()
        # The whole paragraph, for the curator to trim to the sentence that holds the figure.
        expect(tab.locator("#id_citations-0-quote")).to_have_value(SENTENCE + REST)
        tab.locator("#id_citations-0-quote").fill(SENTENCE)
        expect(tab.locator("#id_citations-0-locator")).to_have_value("p. 780")
        fill_figure(tab, METRIC)
        shot(tab, "no-js-2-new-claim")
        tab.get_by_role("button", name="Save and continue editing").click()
        expect(tab.locator(".messagelist")).to_contain_text("was added successfully")
        tab.get_by_role("button", name="Save and submit for review").click()
        expect(tab.locator(".messagelist")).to_contain_text("submitted for review")
        review_and_send_back(tab)
        fix_and_resubmit(tab)
        publish(tab)
    finally:
        context.close()


def test_every_inline_fits_a_1280_pixel_window(tab, workbench):
    log_in(tab, "edgar")
    claim = Claim.objects.get(key="growth-2019")
    for url in (
        f"/admin/claims/source/{workbench.pk}/change/",
        f"/admin/claims/claim/{claim.pk}/change/",
        "/admin/claims/claim/add/",
    ):
        tab.goto(url)
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, f"{url} is {width} px wide"


def test_phone_reading_page(tab, workbench):
    log_in(tab, "carla")
    tab.set_viewport_size({"width": 390, "height": 844})
    tab.goto(f"/admin/claims/source/{workbench.pk}/read/")
    expect(tab.locator(".reading-text")).to_contain_text(SENTENCE)
    shot(tab, "workbench-phone-reading")
    tab.goto(f"/admin/claims/claim/add/?source={workbench.pk}")
    expect(tab.locator("#id_period")).to_be_visible()
    shot(tab, "workbench-phone-claim-form")
