"""Tests for `manage.py check_corpus` and the editorial checks in
load_corpus's output: the seed corpus passes, an error fails the command
until its claim accepts it with a reason."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.models import Claim

from .fixturefiles import fixture_tree, source_copy

pytestmark = pytest.mark.django_db

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"


def check(*args):
    out = io.StringIO()
    call_command("check_corpus", *map(str, args), stdout=out)
    return out.getvalue()


def numberless(tmp_path, accept=None):
    """The small fixture tree with a figure whose quote does not give its number."""
    data = source_copy()
    claim = data["claims"][0]
    claim["citations"] = [{"quote": "Alibaba's cloud unit held 43 percent of China's cloud mar", "locator": "p. 1"}]
    claim["value"]["number"] = 44
    claim["status"] = "draft"
    if accept:
        claim["accept"] = accept
    return fixture_tree(tmp_path, source=data)


def test_the_seed_corpus_has_no_errors():
    if not SEEDS.is_dir():
        pytest.fail(f"The seed texts are not at {SEEDS}: CI puts ../shared beside the clone.")
    out = check(Path(settings.BASE_DIR) / "fixtures", "--texts", SEEDS)
    assert "No errors." in out
    assert not Claim.objects.exists()  # checked in a transaction that was rolled back


def test_an_error_fails_the_command_naming_the_claim(tmp_path):
    fixtures, texts = numberless(tmp_path)
    with pytest.raises(CommandError, match=r"1 error\(s\) to fix or to accept with a reason"):
        check(fixtures, "--texts", texts)


def test_an_accepted_error_passes_and_is_listed_with_its_reason(tmp_path):
    reason = "the source rounds differently in its table"
    fixtures, texts = numberless(tmp_path, accept={"quote-has-number": reason})
    out = check(fixtures, "--texts", texts, "-v", "2")
    assert "No errors." in out
    assert f"quote-has-number test-report-2019/alibaba-cloud-share-2019: {reason}" in out


def test_files_that_do_not_load_say_so(tmp_path):
    data = source_copy()
    data["claims"][0]["accept"] = {"no-such-check": "why"}
    fixtures, texts = fixture_tree(tmp_path, source=data)
    with pytest.raises(CommandError, match="The files do not load"):
        check(fixtures, "--texts", texts)


def test_the_database_by_source(tmp_path):
    fixtures, texts = numberless(tmp_path)
    call_command("load_corpus", str(fixtures), f"--texts={texts}", stdout=io.StringIO())
    with pytest.raises(CommandError, match="1 error"):
        check("--source", "test-report-2019")
    with pytest.raises(CommandError, match="No source with key nope"):
        check("--source", "nope")


def test_load_corpus_prints_the_findings_as_warnings(tmp_path):
    fixtures, texts = numberless(tmp_path)
    out = io.StringIO()
    call_command("load_corpus", str(fixtures), f"--texts={texts}", stdout=out)
    assert re.search(r"Editorial checks: \d+ finding\(s\), 1 of them errors check_corpus would fail on", out.getvalue())
    assert "error quote-has-number test-report-2019/alibaba-cloud-share-2019" in out.getvalue()


def test_an_accepted_check_round_trips_through_export(tmp_path):
    reason = "the source rounds differently in its table"
    fixtures, texts = numberless(tmp_path, accept={"quote-has-number": reason})
    call_command("load_corpus", str(fixtures), f"--texts={texts}", stdout=io.StringIO())
    claim = Claim.objects.get(key="alibaba-cloud-share-2019")
    assert claim.accepted_checks == {"quote-has-number": reason}
    out_dir = tmp_path / "exported"
    call_command("export_corpus", str(out_dir), stdout=io.StringIO())
    out = io.StringIO()
    call_command("load_corpus", str(out_dir), f"--texts={texts}", stdout=out)
    assert "claim: 0 created, 0 updated" in out.getvalue()
