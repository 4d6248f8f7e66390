import hashlib
import json

import pytest
from django.utils import timezone

from claims.loaders import LoadFailed, load_corpus
from claims.models import Citation, Claim, ClaimRelation, Company, Source, Topic

from .fixturefiles import database_fingerprint, fixture_tree, source_copy, write_source

pytestmark = pytest.mark.django_db


def load(fixtures, texts, **options):
    return load_corpus([fixtures], texts_dir=str(texts), **options)


def test_first_load_creates_everything(tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    report = load(fixtures, texts)
    assert report.counts["claim"]["created"] == 3
    assert report.counts["citation"]["created"] == 3
    assert report.counts["company"]["created"] == 3
    assert report.counts["relation"]["created"] == 1
    assert Company.objects.get(slug="ant-financial").parent.slug == "alibaba"
    assert Topic.objects.get(slug="fintech").parent.slug == "digital-economy"
    source = Source.objects.get(key="test-report-2019")
    assert source.published_display == "2019-05"
    assert [str(a) for a in source.authors.all()] == ["Sacks, Samm", "CSIS"]
    figure = Claim.objects.get(key="mobile-payments-2016")
    assert figure.value_display == "5.5 trillion USD"
    assert figure.period_display == "2016"
    assert figure.published_at is not None
    assert Claim.objects.public().count() == 2  # the quotation is a draft
    relation = ClaimRelation.objects.get()
    assert (relation.from_claim.key, relation.to_claim.key, relation.note) == (
        "mobile-payments-2016",
        "alibaba-cloud-share-2019",
        "Same report.",
    )


def test_quotes_are_verified_with_position_and_context(tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    load(fixtures, texts)
    citation = Citation.objects.get(claim__key="alibaba-cloud-share-2019")
    assert citation.verification == Citation.Verification.NORMALISED
    text = (texts / "report.txt").read_text()
    assert citation.position == text.index("Alibaba’s cloud")
    assert citation.prefix == "Chapter one."
    assert citation.suffix.startswith(", ahead of Tencent.")
    assert Citation.objects.get(claim__key="mobile-payments-2016").verification == Citation.Verification.EXACT


def test_provenance_records_file_hash_and_time(tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    before = timezone.now()
    load(fixtures, texts)
    claim = Claim.objects.get(key="mobile-payments-2016")
    path = fixtures / "sources" / "test-report-2019.json"
    assert claim.loaded_from.endswith("test-report-2019.json")
    assert claim.loaded_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert claim.loaded_at >= before
    assert claim.history.first().history_change_reason.startswith("loaded from")


def test_reload_of_unchanged_files_changes_nothing(tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    load(fixtures, texts)
    fingerprint = database_fingerprint()
    report = load(fixtures, texts)
    assert report.counts["claim"] == {"unchanged": 3}
    assert report.counts["source"] == {"unchanged": 1}
    assert database_fingerprint() == fingerprint


def test_edited_file_updates_only_what_changed(tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    load(fixtures, texts)
    untouched = Claim.objects.get(key="alibaba-cloud-share-2019")
    data = source_copy()
    data["claims"][1]["text"] = "China's mobile payments totalled USD 5.5 trillion in 2016."
    data["claims"][1]["relations"] = []
    write_source(fixtures, data)
    report = load(fixtures, texts)
    assert report.counts["claim"] == {"updated": 1, "unchanged": 2}
    claim = Claim.objects.get(key="mobile-payments-2016")
    assert claim.text.startswith("China's mobile payments totalled")
    assert not ClaimRelation.objects.exists()
    assert Claim.objects.get(key="alibaba-cloud-share-2019").updated_at == untouched.updated_at
    assert Claim.objects.count() == 3


def test_dropped_claims_are_reported_and_removed_only_on_request(tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    load(fixtures, texts)
    data = source_copy()
    del data["claims"][2]
    write_source(fixtures, data)
    report = load(fixtures, texts)
    assert report.missing == [("test-report-2019", "jack-ma-keep-investing")]
    assert Claim.objects.filter(key="jack-ma-keep-investing").exists()
    report = load(fixtures, texts, remove_missing=True)
    assert report.counts["claim"]["removed"] == 1
    assert not Claim.objects.filter(key="jack-ma-keep-investing").exists()


def test_admin_edits_are_not_silently_overwritten(tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    load(fixtures, texts)
    Claim.objects.filter(key="mobile-payments-2016").update(
        text="Edited by a curator.", admin_changed_at=timezone.now()
    )
    data = source_copy()
    data["claims"][1]["text"] = "A new text from the file."
    write_source(fixtures, data)
    with pytest.raises(LoadFailed) as excinfo:
        load(fixtures, texts)
    (error,) = excinfo.value.errors
    assert "mobile-payments-2016" in error.record and "edited in the admin" in error.message
    assert Claim.objects.get(key="mobile-payments-2016").text == "Edited by a curator."
    report = load(fixtures, texts, overwrite_admin_edits=True)
    assert report.conflicts_overwritten == [("test-report-2019", "mobile-payments-2016")]
    claim = Claim.objects.get(key="mobile-payments-2016")
    assert claim.text == "A new text from the file." and claim.admin_changed_at is None


def test_unchanged_file_does_not_touch_admin_edits(tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    load(fixtures, texts)
    Claim.objects.filter(key="mobile-payments-2016").update(text="Edited.", admin_changed_at=timezone.now())
    report = load(fixtures, texts)
    assert report.counts["claim"] == {"unchanged": 3}
    assert Claim.objects.get(key="mobile-payments-2016").text == "Edited."


def test_dry_run_writes_nothing_but_reports(tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    fingerprint = database_fingerprint()
    report = load(fixtures, texts, dry_run=True)
    assert report.dry_run and report.counts["claim"]["created"] == 3
    assert database_fingerprint() == fingerprint


def test_quote_found_in_another_source_is_reported_as_misattributed(tmp_path):
    other = {
        "source": {"key": "other-report", "kind": "report", "title": "Other", "text_file": "other.txt"},
        "claims": [],
    }
    data = source_copy()
    data["claims"][0]["citations"][0]["quote"] = "Tencent's WeChat had one billion users in 2018."
    fixtures, texts = fixture_tree(tmp_path, source=data, extra_sources=[other])
    with pytest.raises(LoadFailed) as excinfo:
        load(fixtures, texts)
    (error,) = excinfo.value.errors
    assert error.field == "citations/0/quote"
    assert "found in 'other-report' instead" in error.message


def test_missing_quote_shows_the_nearest_passage(tmp_path):
    data = source_copy()
    data["claims"][1]["citations"][0]["quote"] = "Mobile payments in China reached $6.5 trillion in 2016."
    fixtures, texts = fixture_tree(tmp_path, source=data)
    with pytest.raises(LoadFailed) as excinfo:
        load(fixtures, texts)
    (error,) = excinfo.value.errors
    assert "nearest passage" in error.message
    assert "Mobile payments in China reached $5.5 trillion in 2016." in error.message


def test_without_texts_quotes_stay_unchecked(tmp_path):
    fixtures, _ = fixture_tree(tmp_path)
    report = load_corpus([fixtures], texts_dir="")
    assert report.counts["claim"]["created"] == 3
    assert set(Citation.objects.values_list("verification", flat=True)) == {"unchecked"}


def test_all_errors_of_a_file_are_reported_together(tmp_path):
    data = source_copy()
    data["claims"][0]["companies"] = ["no-such-company"]
    data["claims"][1]["period"] = "2016-13"
    data["claims"][2]["speaker"] = ""
    fixtures, texts = fixture_tree(tmp_path, source=data)
    with pytest.raises(LoadFailed) as excinfo:
        load(fixtures, texts)
    fields = sorted(e.field for e in excinfo.value.errors)
    assert fields == ["companies/0", "period", "speaker"]


def test_jsonl_files_stream(tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    data = source_copy()
    (fixtures / "sources" / "test-report-2019.json").unlink()
    lines = [json.dumps({"source": data["source"]})] + [json.dumps(c) for c in data["claims"]]
    (fixtures / "sources" / "test-report-2019.jsonl").write_text("\n".join(lines) + "\n")
    report = load(fixtures, texts)
    assert report.counts["claim"]["created"] == 3


def test_large_json_files_stream(tmp_path, monkeypatch):
    monkeypatch.setattr("claims.loaders.STREAM_THRESHOLD_BYTES", 10)
    fixtures, texts = fixture_tree(tmp_path)
    report = load(fixtures, texts)
    assert report.counts["claim"]["created"] == 3
    assert Claim.objects.get(key="mobile-payments-2016").value_display == "5.5 trillion USD"
