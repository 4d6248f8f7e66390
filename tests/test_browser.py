"""A reader in a real browser (Debian's chromium through Playwright): search,
narrow by two facets, open a claim, follow its citation to the source — with
the mouse, then by keyboard alone. Screenshots go to test-artifacts/."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def facet_link(tab, facet, label):
    return tab.locator(f'section[aria-labelledby="facet-{facet}"] a', has_text=label)


def test_search_narrow_open_and_follow_a_citation(tab, corpus):
    tab.goto("/")
    tab.get_by_label("Search claims and quotes").fill("payments")
    tab.get_by_role("button", name="Search").click()
    expect(tab.get_by_role("heading", name="3 claims")).to_be_visible()

    facet_link(tab, "company", "Alibaba Group").click()
    expect(tab.get_by_role("heading", name="2 claims")).to_be_visible()
    facet_link(tab, "topic", "Mobile payments").click()
    expect(tab).to_have_url(re.compile(r"q=payments&company=alibaba&topic=mobile-payments"))
    expect(tab.locator(".active-filters li")).to_have_count(3)
    results = tab.locator("ol.claims p.claim-text a")
    expect(results).to_have_count(2)
    expect(results.first.locator("mark").first).to_have_text(re.compile("payment", re.I))
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=ARTIFACTS / "claim-list.png", full_page=True)

    results.filter(has_text="15.4 trillion").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(
        "China's mobile-payment market was worth $15.4 trillion in 2018."
    )
    expect(tab.locator(".citations blockquote")).to_contain_text("now valued at $15.4 trillion")
    tab.screenshot(path=ARTIFACTS / "claim-page.png", full_page=True)

    tab.locator(".citations figcaption a", has_text="Disruptors, Innovators, and Thieves").click()
    expect(tab).to_have_url(re.compile(r"/sources/sacks-2018-disruptors/$"))
    expect(tab.get_by_role("heading", level=1)).to_have_text("Disruptors, Innovators, and Thieves")


FOCUSED = """() => {
    const e = document.activeElement;
    return {tag: e.tagName, text: e.innerText || "", href: e.getAttribute("href") || "",
            label: e.labels ? [...e.labels].map(l => l.innerText).join(" ") : ""};
}"""


def tab_to(tab, describe, matches, limit=150):
    """Press Tab until the focused element matches; fail if it never does."""
    for _ in range(limit):
        tab.keyboard.press("Tab")
        focused = tab.evaluate(FOCUSED)
        if matches(focused):
            return focused
    raise AssertionError(f"Tab never reached {describe}")


def test_the_same_flow_by_keyboard_alone(tab, corpus):
    tab.goto("/")
    skip = tab_to(tab, "the skip link", lambda f: f["text"] == "Skip to content")
    assert skip["href"] == "#main"
    tab_to(tab, "the search box", lambda f: f["tag"] == "INPUT" and "Search claims" in f["label"])
    tab.keyboard.type("payments")
    tab.keyboard.press("Enter")
    expect(tab.get_by_role("heading", name="3 claims")).to_be_visible()

    tab_to(tab, "the Alibaba facet", lambda f: "Alibaba Group" in f["text"] and "company=alibaba" in f["href"])
    tab.keyboard.press("Enter")
    expect(tab.get_by_role("heading", name="2 claims")).to_be_visible()
    tab_to(tab, "the Mobile payments facet", lambda f: "Mobile payments" in f["text"] and "topic=mobile" in f["href"])
    tab.keyboard.press("Enter")
    expect(tab).to_have_url(re.compile(r"company=alibaba&topic=mobile-payments"))

    tab_to(tab, "the claim", lambda f: "15.4 trillion" in f["text"] and "/claims/" in f["href"])
    tab.keyboard.press("Enter")
    expect(tab.get_by_role("heading", level=1)).to_contain_text("$15.4 trillion in 2018")

    tab_to(
        tab,
        "the citation's source",
        lambda f: f["href"] == "/sources/sacks-2018-disruptors/" and "Disruptors" in f["text"],
    )
    tab.keyboard.press("Enter")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Disruptors, Innovators, and Thieves")


def test_focus_is_visible(tab, corpus):
    tab.goto("/")
    tab_to(tab, "the search box", lambda f: f["tag"] == "INPUT")
    outline = tab.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_readable_on_a_phone(tab, corpus):
    tab.set_viewport_size({"width": 375, "height": 740})
    tab.goto("/?q=payments")
    # Nothing wider than the screen: no sideways scrolling.
    assert tab.evaluate("() => document.documentElement.scrollWidth") <= 375
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=ARTIFACTS / "claim-list-phone.png", full_page=True)
    tab.goto(corpus.market_2018.get_absolute_url())
    assert tab.evaluate("() => document.documentElement.scrollWidth") <= 375
