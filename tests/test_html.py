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
    }


def test_main_pages_are_valid_html(client, corpus, tmp_path):
    if not VNU_JAR.exists() or not shutil.which("java"):
        pytest.fail("The Nu Html Checker needs java and node_modules/vnu-jar: run `make install`.")
    files = []
    for name, url in main_pages(corpus).items():
        response = client.get(url)
        assert response.status_code == 200, url
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
    assert errors == []
    assert result.returncode == 0


@pytest.mark.browser
def test_main_pages_have_no_serious_accessibility_violations(tab, corpus):
    problems = []
    for name, url in main_pages(corpus).items():
        tab.goto(url)
        tab.add_script_tag(path=AXE_JS)
        violations = tab.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
        for violation in violations:
            if violation["impact"] in ("serious", "critical"):
                targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
                problems.append(f"{name}: {violation['id']} ({violation['impact']}) {violation['help']} at {targets}")
    assert problems == []
