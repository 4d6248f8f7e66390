"""The corpus version moves once per change the public may see: once per
admin save, once per load (after its commit), never for a failed load."""

import pytest

from claims.ingest.loaders import LoadFailed, load_corpus
from claims.scale import corpusversion

from .fixturefiles import fixture_tree, source_copy, write_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def bumps(monkeypatch):
    calls = []
    monkeypatch.setattr(corpusversion, "_new", lambda: calls.append("bump"))
    return calls


def test_a_reload_changing_every_claim_bumps_once_after_commit(tmp_path, bumps, django_capture_on_commit_callbacks):
    fixtures, texts = fixture_tree(tmp_path)
    load_corpus([fixtures], texts_dir=str(texts))
    data = source_copy()
    data["source"]["title"] += " (revised)"
    for claim in data["claims"]:
        claim["notes"] = "Revised."
    write_source(fixtures, data)
    bumps.clear()
    with django_capture_on_commit_callbacks() as callbacks:
        report = load_corpus([fixtures], texts_dir=str(texts))
        assert bumps == []  # nothing before the commit
    assert report.counts["claim"]["updated"] == 3 and report.counts["source"]["updated"] == 1
    for callback in callbacks:
        callback()
    assert bumps == ["bump"]


def test_a_failed_load_bumps_nothing(tmp_path, bumps, django_capture_on_commit_callbacks):
    fixtures, texts = fixture_tree(tmp_path)
    load_corpus([fixtures], texts_dir=str(texts))
    data = source_copy()
    data["source"]["title"] += " (revised)"  # the source is saved before the bad claim is met
    data["claims"][1]["citations"][0]["quote"] = "Words the report never had."
    write_source(fixtures, data)
    bumps.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(LoadFailed):
        load_corpus([fixtures], texts_dir=str(texts))
    assert bumps == []


def test_an_admin_change_bumps(published_claim, bumps, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        published_claim.text = "Changed."
        published_claim.save()
    assert bumps  # now, and again at the commit
