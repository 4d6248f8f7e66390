"""The curator's path in a real browser (Debian's chromium through Playwright):
upload a PDF as a source's text, add a claim whose quote has a typo, see the
source's passage beside it and take the source's words with one click,
submit; the editor publishes; the public page says the quote was checked.
Screenshots go to test-artifacts/."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from claims.accounts import create_staff_user
from claims.models import Claim, Source

from .conftest import log_in, shot
from .fixturefiles import numbered_pdf

pytestmark = pytest.mark.browser

PASSWORD = "a-long-test-password"
PAGE_781 = (
    "Cloud markets. Alibaba's share of China's cloud market did not slip in 2019, its executives said.\n"
    "Tencent held second place, and Huawei was growing fast."
)


def test_a_typo_is_caught_fixed_with_one_click_and_published_as_checked(tab, workflow_groups):
    create_staff_user("carla", PASSWORD, "curator")
    create_staff_user("edgar", PASSWORD, "editor")
    source = Source.objects.create(
        key="cloud-article-2020",
        kind=Source.Kind.JOURNAL_ARTICLE,
        title="Cloud Markets in China",
        venue="Herald of Cloud Studies",
        pages="779–781",
        published=datetime.date(2020, 1, 1),
        published_precision="year",
    )

    # The curator gives the source its text: a PDF whose pages are numbered from 779.
    log_in(tab, "carla")
    tab.goto(f"/admin/claims/source/{source.pk}/change/")
    tab.get_by_label("Upload its text").set_input_files(
        {
            "name": "cloud-article.pdf",
            "mimeType": "application/pdf",
            "buffer": numbered_pdf(["Front matter.", "Introduction.", PAGE_781], first=779),
        }
    )
    tab.get_by_role("button", name="Save and continue editing").click()
    expect(tab.locator(".messagelist")).to_contain_text("Text stored")
    expect(tab.locator(".field-text_status")).to_contain_text("3 pages (779–781)")
    shot(tab, "evidence-1-source-text")

    # A claim whose quote has one word wrong ("drop" for "slip"), locator left for the page map.
    tab.goto(f"/admin/claims/claim/add/?source={source.pk}")
    tab.get_by_label("Key:").fill("alibaba-cloud-share-steady")
    tab.get_by_label("Text:").fill("Alibaba's executives said its share of China's cloud market held in 2019.")
    tab.get_by_label("Kind:").select_option("assessment")
    tab.locator("#citations-group .add-row a", has_text="Add another Citation").click()
    tab.locator("#citations-0 .select2-selection").click()
    tab.locator(".select2-container--open .select2-search__field").fill("cloud")
    tab.locator(".select2-results__option", has_text="Cloud Markets in China").click()
    tab.locator("#id_citations-0-quote").fill("Alibaba's share of China's cloud market did not drop in 2019")
    tab.get_by_role("button", name="Save and continue editing").click()
    expect(tab.locator(".messagelist")).to_contain_text("was added successfully")

    # The check shows the source's passage with the difference marked.
    check = tab.locator("#citations-0 .field-checked")
    expect(check).to_contain_text("fuzzy match")
    expect(check.locator("del")).to_have_text("drop")
    expect(check.locator("ins")).to_have_text("slip")
    shot(tab, "evidence-2-fuzzy-quote")
    check.get_by_role("button", name="Use the source’s words").click()
    expect(tab.locator(".messagelist")).to_contain_text("The quote now reads as the source does: exact")
    expect(tab.locator("#id_citations-0-quote")).to_have_value(
        "Alibaba's share of China's cloud market did not slip in 2019"
    )
    expect(tab.locator("#id_citations-0-locator")).to_have_value("p. 781")
    shot(tab, "evidence-3-source-words")
    tab.get_by_role("button", name="Save and submit for review").click()
    expect(tab.locator(".messagelist")).to_contain_text("submitted for review")
    claim = Claim.objects.get(key="alibaba-cloud-share-steady")
    assert claim.status == Claim.Status.REVIEW

    # The editor publishes.
    log_in(tab, "edgar")
    tab.goto(f"/admin/claims/claim/{claim.pk}/change/")
    tab.get_by_role("button", name="Save and publish").click()
    expect(tab.locator(".messagelist")).to_contain_text("The claim was published.")

    # The public page says what was checked.
    tab.context.clear_cookies()
    tab.goto(f"/claims/{claim.pk}/")
    evidence = tab.locator(".citations figcaption")
    expect(evidence).to_contain_text(re.compile(r"p\. 781, in .*checked against the source text", re.S))
    shot(tab, "evidence-4-public-claim")
