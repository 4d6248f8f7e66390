import hashlib
import json

import pytest
from django.utils import timezone

from claims.ingest.loaders import LoadFailed, load_corpus
from claims.models import Citation, Claim, ClaimRelation, Company, FullText, Source, Topic

from .fixturefiles import SOURCE_TEXT, database_fingerprint, fixture_tree, numbered_pdf, source_copy, write_source

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


def test_a_missing_text_stops_published_quotes_from_loading(tmp_path):
    fixtures, _ = fixture_tree(tmp_path)
    with pytest.raises(LoadFailed) as excinfo:
        load_corpus([fixtures], texts_dir=str(tmp_path / "no-texts-here"))
    errors = excinfo.value.errors
    # Both published claims' quotes; the draft's is allowed to wait for its text.
    assert [(e.record.split(" ", 1)[1], e.field) for e in errors] == [
        ("(claim 'alibaba-cloud-share-2019')", "citations/0/quote"),
        ("(claim 'mobile-payments-2016')", "citations/0/quote"),
    ]
    assert "no text of 'test-report-2019' to check this quote against, and the claim is published" in errors[0].message
    assert not Claim.objects.exists()


def test_a_source_that_states_why_it_has_no_text_loads_with_the_reason(tmp_path):
    data = source_copy()
    data["source"]["unchecked_reason"] = "print-only; checked by hand against the library copy"
    fixtures, _ = fixture_tree(tmp_path, data)
    report = load_corpus([fixtures], texts_dir="")
    assert report.counts["claim"]["created"] == 3
    assert set(Citation.objects.values_list("verification", "unchecked_reason")) == {
        ("no_text", "print-only; checked by hand against the library copy")
    }


def test_texts_are_stored_so_a_reload_needs_no_texts_directory(tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    report = load(fixtures, texts)
    assert report.texts_stored == [("test-report-2019", "report.txt")]
    held = FullText.objects.get(source__key="test-report-2019")
    assert held.text == (texts / "report.txt").read_text() and held.origin == "fixture"
    assert held.sha256 == hashlib.sha256(held.text.encode()).hexdigest()
    # The texts directory is gone; the corpus verifies against the text it holds.
    data = source_copy()
    data["claims"][0]["citations"][0]["locator"] = "p. 2"
    write_source(fixtures, data)
    report = load_corpus([fixtures], texts_dir=str(tmp_path / "gone"))
    assert report.counts["claim"]["updated"] == 1 and not report.unverified_sources
    assert set(Citation.objects.values_list("verification", flat=True)) <= {"exact", "normalised"}


@pytest.mark.parametrize("name", ["../report.txt", "/etc/passwd", "texts/report.txt", "..", ".hidden", "a\\b.txt"])
def test_text_file_is_a_bare_name_never_a_path(tmp_path, name):
    data = source_copy()
    data["source"]["text_file"] = name
    fixtures, texts = fixture_tree(tmp_path, data)
    with pytest.raises(LoadFailed) as excinfo:
        load(fixtures, texts)
    assert any(e.record == "/source" and e.field == "text_file" for e in excinfo.value.errors)
    assert not Source.objects.exists() and not FullText.objects.exists()


def test_a_changed_text_verifies_other_claims_of_the_source_again(tmp_path, editor):
    fixtures, texts = fixture_tree(tmp_path)
    load(fixtures, texts)
    # A claim made in the admin cites the source too.
    source = Source.objects.get(key="test-report-2019")
    draft = Claim.objects.create(source=source, key="admin-made", text="Tencent came second.", kind="event")
    Citation.objects.create(claim=draft, source=source, quote="ahead of Tencent", locator="p. 1")
    assert draft.citations.get().verification == "exact"
    (texts / "report.txt").write_text(SOURCE_TEXT.replace("ahead of Tencent", "ahead of Baidu"), encoding="utf-8")
    load(fixtures, texts)
    assert draft.citations.get().verification in ("fuzzy", "not_found")


def test_a_changed_text_that_unverifies_a_published_quote_is_refused(tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    load(fixtures, texts)
    before = database_fingerprint()
    (texts / "report.txt").write_text("An entirely different document about something else.", encoding="utf-8")
    with pytest.raises(LoadFailed) as excinfo:
        load(fixtures, texts)
    assert {e.field for e in excinfo.value.errors} == {"citations/0/quote"}
    assert database_fingerprint() == before


def test_a_pdf_text_gives_pages_and_flags_a_locator_that_disagrees(tmp_path):
    data = source_copy()
    data["source"]["text_file"] = "report.pdf"
    data["claims"] = data["claims"][:2]
    data["claims"][0]["citations"][0]["locator"] = "p. 781"
    data["claims"][1]["citations"][0]["locator"] = "p. 779"
    fixtures, texts = fixture_tree(tmp_path, data)
    (texts / "report.pdf").write_bytes(
        numbered_pdf(["Chapter one. An introduction.", SOURCE_TEXT.replace("-\n", ""), "The end of it."], first=780)
    )
    report = load(fixtures, texts)
    pages = dict(Citation.objects.values_list("claim__key", "page"))
    assert pages == {"alibaba-cloud-share-2019": "781", "mobile-payments-2016": "781"}
    assert [(record.split(" ", 1)[1], locator, page) for _, record, locator, page in report.page_disagreements] == [
        ("(claim 'mobile-payments-2016')", "p. 779", "781")
    ]


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
    monkeypatch.setattr("claims.ingest.files.STREAM_THRESHOLD_BYTES", 10)
    fixtures, texts = fixture_tree(tmp_path)
    report = load(fixtures, texts)
    assert report.counts["claim"]["created"] == 3
    assert Claim.objects.get(key="mobile-payments-2016").value_display == "5.5 trillion USD"


def test_a_nul_character_is_refused_naming_the_field_on_both_databases(tmp_path):
    data = source_copy()
    data["claims"][2]["citations"][0]["quote"] = "We will\x00 keep investing"
    data["source"]["notes"] = "a\x00b"
    fixtures, texts = fixture_tree(tmp_path, data)
    with pytest.raises(LoadFailed) as excinfo:
        load(fixtures, texts)
    assert {(e.record, e.field) for e in excinfo.value.errors} == {("/source", "notes")}
    data["source"]["notes"] = ""
    write_source(fixtures, data)
    with pytest.raises(LoadFailed) as excinfo:
        load(fixtures, texts)
    (error,) = excinfo.value.errors
    assert (error.field, error.message) == (
        "citations/0/quote",
        "contains a NUL character (U+0000), which the corpus cannot store",
    )
    assert not Claim.objects.exists()


def test_history_records_the_tags_each_load_gave_a_claim(tmp_path, client, editor):
    fixtures, texts = fixture_tree(tmp_path)
    load(fixtures, texts)
    claim = Claim.objects.get(key="alibaba-cloud-share-2019")
    first = claim.history.latest()
    assert [c.company.slug for c in first.companies.all()] == ["alibaba"]
    assert [t.topic.slug for t in first.topics.all()] == ["cloud-computing"]

    data = source_copy()
    data["claims"][0]["companies"] = ["tencent"]
    data["claims"][0]["topics"] = ["fintech"]
    write_source(fixtures, data)
    load(fixtures, texts)
    second = claim.history.latest()
    assert second.history_id != first.history_id
    assert [c.company.slug for c in second.companies.all()] == ["tencent"]
    assert [t.topic.slug for t in second.topics.all()] == ["fintech"]

    # The admin's revert to the first version restores its tags, and not its workflow.
    client.force_login(editor)
    url = f"/admin/claims/claim/{claim.pk}/history/{first.history_id}/"
    form = client.get(url).context["adminform"].form
    alibaba, cloud = Company.objects.get(slug="alibaba"), Topic.objects.get(slug="cloud-computing")
    assert (form.initial["companies"], form.initial["topics"]) == ([alibaba.pk], [cloud.pk])
    posted = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    posted.update(companies=[alibaba.pk], topics=[cloud.pk], source=claim.source_id)
    posted = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in posted.items()}
    response = client.post(url, posted)
    assert response.status_code == 302, response.context["adminform"].form.errors
    claim.refresh_from_db()
    assert [c.slug for c in claim.companies.all()] == ["alibaba"] and claim.status == "published"
