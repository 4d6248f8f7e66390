"""The API's docs in a real browser (Debian's chromium through Playwright),
under the site's own Content Security Policy: Swagger UI renders every
operation and the browser reports no CSP violation."""

import pytest
from playwright.sync_api import expect

from .conftest import shot

pytestmark = pytest.mark.browser


@pytest.fixture
def strict_tab(chromium, live_server):
    """A tab that obeys the CSP (the shared `tab` bypasses it for axe-core),
    recording every console message and CSP violation report."""
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    tab.messages = []
    tab.on("console", lambda message: tab.messages.append(f"{message.type}: {message.text}"))
    tab.on("pageerror", lambda error: tab.messages.append(f"pageerror: {error}"))
    # The page's own report of each violation, on top of chromium's console line.
    tab.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    yield tab
    context.close()


def test_the_docs_render_every_operation_under_the_csp(strict_tab, corpus):
    response = strict_tab.goto("/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    operations = strict_tab.locator(".opblock-summary-path")
    expect(operations.first).to_be_visible()
    paths = {text.strip().replace("\u200b", "") for text in operations.all_inner_texts()}
    assert {"/api/claims/", "/api/claims/{id}/", "/api/sources/", "/api/companies/", "/api/topics/"} <= paths
    # Open the claim list and try it: the console runs a request against the API.
    strict_tab.locator(".opblock-summary-path", has_text="/api/claims/").first.click()
    strict_tab.get_by_role("button", name="Try it out").click()
    strict_tab.get_by_role("button", name="Execute").click()
    expect(strict_tab.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    shot(strict_tab, "api-docs")
    problems = [m for m in strict_tab.messages if "Content Security Policy" in m or "CSP" in m or "error" in m]
    assert problems == [], problems


def test_the_docs_read_at_phone_width(strict_tab, corpus):
    strict_tab.set_viewport_size({"width": 390, "height": 844})
    strict_tab.goto("/api/docs/")
    expect(strict_tab.locator(".opblock-summary-path").first).to_be_visible()
    width = strict_tab.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    shot(strict_tab, "api-docs-390")
    assert [m for m in strict_tab.messages if "CSP" in m or "Content Security Policy" in m] == []
