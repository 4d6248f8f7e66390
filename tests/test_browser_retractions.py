"""A reader follows an old citation of a retracted claim in a real browser
(Debian's chromium through Playwright): the notice, its reason, and the way
on to the claim that updates it, on a desktop and on a phone. Screenshots go
to test-artifacts/."""

import pytest
from playwright.sync_api import expect

from claims.models import ClaimRelation

from .conftest import shot

pytestmark = pytest.mark.browser


@pytest.fixture
def retracted(corpus, workflow_groups, editor):
    """A published figure, retracted by an editor, and the later figure that updates it."""
    claim = corpus.market_2017
    claim.retract(editor, "The source gives the market's size for 2016, not 2017: the period was misread.")
    claim.save()
    ClaimRelation.objects.create(from_claim=corpus.market_2018, to_claim=claim, type=ClaimRelation.Type.UPDATES)
    return claim


def test_an_old_citation_of_a_retracted_claim_finds_the_notice(tab, corpus, retracted):
    response = tab.goto(f"/claims/{retracted.pk}/")  # the old address by id, as cited before permalinks
    assert response.status == 410
    expect(tab.get_by_role("heading", name="Retracted claim")).to_be_visible()
    banner = tab.get_by_role("note", name="Retraction notice")
    expect(banner).to_contain_text("the period was misread")
    expect(banner).to_contain_text(f"{retracted.retracted_at:%-d %B %Y}")
    expect(tab.locator(".retracted-text")).to_have_text(retracted.text)
    expect(tab.get_by_text("verified")).to_have_count(0)
    shot(tab, "retraction-notice")
    tab.get_by_role("link", name=corpus.market_2018.text).click()
    expect(tab.get_by_role("heading", name=corpus.market_2018.text)).to_be_visible()
    assert tab.url.endswith(corpus.market_2018.get_absolute_url())


def test_the_notice_reads_on_a_phone(tab, retracted):
    tab.set_viewport_size({"width": 390, "height": 844})
    assert tab.goto(retracted.get_absolute_url()).status == 410
    expect(tab.get_by_role("heading", name="Retracted claim")).to_be_visible()
    # Nothing wider than the screen: no sideways scrolling, the permalink wraps.
    assert tab.evaluate("() => document.documentElement.scrollWidth") <= 390
    shot(tab, "retraction-notice-phone")
