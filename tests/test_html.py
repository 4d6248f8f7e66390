"""The main pages are valid HTML (the Nu Html Checker) and accessible (axe-core
in chromium): no validation errors, no serious or critical axe violations."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def main_pages(corpus):
    return {
        "claim-list": "/",
        "claim-list-search": "/?q=payments&company=alibaba&topic=fintech",
        "claim-list-filtered": "/?period_from=2018-13&kind=figure&show=company",
        "claim-list-empty": "/?q=giraffes",
        "claim": corpus.market_2018.get_absolute_url(),
        "source-list": reverse("claims:source-list"),
        "source": corpus.danilin.get_absolute_url(),
        "company-list": reverse("claims:company-list"),
        "company": corpus.alibaba.get_absolute_url(),
        "topic-list": reverse("claims:topic-list"),
        "topic": corpus.fintech.get_absolute_url(),
        "coverage": reverse("claims:coverage"),
        "disagreements": reverse("claims:disagreements"),
        "relations": reverse("claims:relation-list"),
        "relations-filtered": reverse("claims:relation-list") + "?type=contradicts&company=alibaba&topic=nothing",
        "metric-list": reverse("claims:metric-list"),
        "metric": corpus.market_2018.metric_url,
    }


@pytest.fixture
def workbench(corpus, workflow_groups):
    """The curators' pages: a source with its text, a claim in review on it."""
    from claims.accounts import create_staff_user
    from claims.ingest.sourcetexts import set_text
    from claims.models import Claim, FullText, Source

    from .conftest import cite

    create_staff_user("edgar", PASSWORD, "editor")
    source = Source.objects.create(key="cloud-review-2020", kind=Source.Kind.REPORT, title="Cloud growth in 2020")
    text = "Platforms grew.\n\nAlibaba Cloud revenue grew 58 percent in the first quarter of 2020.\n"
    set_text(source, text, origin=FullText.Origin.PASTE, page_map=[[0, "12"]])
    claim = Claim.objects.create(
        source=source, key="cloud-growth-review", text="Alibaba Cloud grew 58% in 2020-Q1.", kind=Claim.Kind.EVENT
    )
    cite(claim=claim, source=source, quote="Alibaba Cloud revenue grew 58 percent", locator="p. 12")
    claim.status = Claim.Status.REVIEW
    claim.save()
    return {
        "admin-home": reverse("admin:index"),
        "reading": reverse("admin:claims_source_read", args=[source.pk]) + "?q=cloud",
        "review-queue": reverse("admin:claims_claim_review_queue"),
        "review": reverse("admin:claims_claim_review", args=[claim.pk]),
        "guide": reverse("admin:claims_guide"),
        "claim-from-passage": reverse("admin:claims_claim_add")
        + f"?source={source.pk}&quote=Platforms+grew&locator=p.+12",
    }


PASSWORD = "a-long-test-password"


def vnu_errors(client, pages, tmp_path, status=200):
    """The Nu Html Checker's errors on each page, as the client gets it."""
    if not VNU_JAR.exists() or not shutil.which("java"):
        pytest.fail("The Nu Html Checker needs java and node_modules/vnu-jar: run `make install`.")
    files = []
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == status, url
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(path)
    # One run of the checker for every page: the JVM takes seconds to start.
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in messages]
    assert errors or result.returncode == 0, result.stderr
    return errors


def test_main_pages_are_valid_html(client, related, tmp_path):
    assert vnu_errors(client, main_pages(related), tmp_path) == []


def test_the_api_docs_page_is_valid_html(client, db, tmp_path):
    """Our own page around Swagger UI (what Swagger UI draws is checked in tests/test_browser_api.py)."""
    assert vnu_errors(client, {"api-docs": reverse("api:docs")}, tmp_path) == []


def test_the_curators_pages_are_valid_html(client, workbench, tmp_path):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="edgar"))
    assert vnu_errors(client, workbench, tmp_path) == []


@pytest.fixture
def notice(corpus):
    """A retracted claim's notice, with a published claim that updates it."""
    from claims.models import ClaimRelation

    ClaimRelation.objects.create(from_claim=corpus.market_2018, to_claim=corpus.retracted, type="updates")
    return {"retraction-notice": corpus.retracted.get_absolute_url()}


def test_the_retraction_notice_is_valid_html(client, notice, tmp_path):
    assert vnu_errors(client, notice, tmp_path, status=410) == []


def axe_problems(tab, pages):
    """Serious and critical axe-core violations on each page."""
    problems = []
    for name, url in pages.items():
        tab.goto(url)
        tab.add_script_tag(path=AXE_JS)
        violations = tab.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
        for violation in violations:
            if violation["impact"] in ("serious", "critical"):
                targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
                problems.append(f"{name}: {violation['id']} ({violation['impact']}) {violation['help']} at {targets}")
    return problems


@pytest.mark.browser
def test_main_pages_have_no_serious_accessibility_violations(tab, related):
    assert axe_problems(tab, main_pages(related)) == []


@pytest.mark.browser
def test_the_retraction_notice_has_no_serious_accessibility_violations(tab, notice):
    assert axe_problems(tab, notice) == []


@pytest.mark.browser
def test_the_curators_pages_have_no_serious_accessibility_violations(tab, workbench):
    tab.goto("/admin/login/")
    tab.get_by_label("Username").fill("edgar")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    assert axe_problems(tab, workbench) == []
