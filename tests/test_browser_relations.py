"""A researcher asks "which claims about Alibaba contradict or support each
other?" of the seed corpus, in a real browser, from the home page by the
links and boxes a person would use; then the relations page at 1280 and 390
pixels (screenshots in test-artifacts/), with no sideways scroll on a phone."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Q
from playwright.sync_api import expect

from claims.ingest.loaders import load_corpus
from claims.models import ClaimRelation

from .conftest import shot

pytestmark = pytest.mark.browser

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"


@pytest.fixture
def seed_corpus(transactional_db):
    load_corpus([FIXTURES], texts_dir=str(SEEDS))


def expected_pairs():
    """(from claim's text, type, to claim's text) of the public contradicting
    or supporting pairs in which a claim is about Alibaba, from the database."""
    about_alibaba = Q(from_claim__companies__slug="alibaba") | Q(to_claim__companies__slug="alibaba")
    relations = (
        ClaimRelation.objects.public()
        .filter(about_alibaba, type__in=["contradicts", "supports"])
        .distinct()
        .select_related("from_claim", "to_claim")
        .order_by("pk")
    )
    return [(r.from_claim.text, r.type, r.to_claim.text) for r in relations]


def shown_pairs(tab):
    pairs = []
    for item in tab.locator("ol.relations > li").all():
        texts = item.locator(".pair-claim a.title-link").all_inner_texts()
        pairs.append((texts[0], item.locator(".relation-type .tag").inner_text().rstrip(" →↓"), texts[1]))
    return pairs


def test_which_claims_about_alibaba_contradict_or_support_each_other(tab, seed_corpus):
    expected = expected_pairs()
    assert len(expected) >= 2, "the seed corpus has contradicting and supporting claims about Alibaba"

    tab.goto("/")
    tab.locator('section[aria-labelledby="facet-company"] a', has_text="Alibaba Group").click()
    expect(tab).to_have_url(re.compile(r"company=alibaba"))
    tab.get_by_role("link", name="Which of these claims contradict, support, update or resolve others").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Relations between claims")
    expect(tab.locator(".active-filters")).to_contain_text("Company: Alibaba Group")

    tab.get_by_label("contradicts", exact=True).check()
    tab.get_by_label("supports", exact=True).check()
    tab.get_by_role("button", name="Filter").click()
    expect(tab).to_have_url(re.compile(r"type=contradicts&type=supports.*company=alibaba"))
    expect(tab.get_by_role("heading", name=f"{len(expected)} pairs")).to_be_visible()
    assert shown_pairs(tab) == expected
    shot(tab, "relations-alibaba-1280")

    # On a phone: the two claims stacked, nothing wider than the screen.
    tab.set_viewport_size({"width": 390, "height": 844})
    tab.reload()
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    shot(tab, "relations-alibaba-390")

    # And from a pair to a claim's own page, which names the other claim once.
    tab.set_viewport_size({"width": 1280, "height": 900})
    first_from, relation, first_to = expected[0]
    tab.locator("ol.relations > li").first.locator("a.title-link").first.click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(first_from)
    related = tab.locator('section[aria-labelledby="relations-heading"] li', has_text=first_to)
    expect(related).to_have_count(1)
    expect(related).to_contain_text(f"This claim {relation}")


def test_the_whole_relations_page_at_both_widths(tab, seed_corpus):
    tab.goto("/relations/")
    expect(tab.get_by_role("heading", name=f"{ClaimRelation.objects.public().count()} pairs")).to_be_visible()
    shot(tab, "relations-1280")
    tab.set_viewport_size({"width": 390, "height": 844})
    tab.reload()
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    shot(tab, "relations-390")
