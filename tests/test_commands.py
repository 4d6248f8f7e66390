import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.models import Claim, PublicCount

from .fixturefiles import database_fingerprint, fixture_tree, source_copy, write_source

pytestmark = pytest.mark.django_db


def run(*args, texts):
    out = io.StringIO()
    call_command("load_corpus", *map(str, args), f"--texts={texts}", stdout=out)
    return out.getvalue()


@pytest.fixture
def loaded(tmp_path):
    """A corpus already loaded from valid files; returns (fixtures dir, texts dir)."""
    fixtures, texts = fixture_tree(tmp_path)
    run(fixtures, texts=texts)
    return fixtures, texts


def mutate(data, path, value):
    target = data
    for step in path[:-1]:
        target = target[step]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


BAD_INPUTS = {
    "schema violation": (["claims", 0, "kind"], "rumour", "/claims/0 (claim 'alibaba-cloud-share-2019')", "kind"),
    "unknown company": (["claims", 0, "companies"], ["alibaba", "no-such-co"], "/claims/0", "companies/1"),
    "unknown topic": (["claims", 1, "topics"], ["no-such-topic"], "/claims/1", "topics/0"),
    "unknown source": (["claims", 1, "citations", 0, "source"], "no-such-source", "/claims/1", "citations/0/source"),
    "duplicate claim key": (["claims", 2, "key"], "alibaba-cloud-share-2019", "/claims/2", "key"),
    "quote missing from text": (
        ["claims", 1, "citations", 0, "quote"],
        "Mobile payments in India reached $9 trillion.",
        "/claims/1",
        "citations/0/quote",
    ),
    "over-long quote": (["claims", 1, "citations", 0, "quote"], "x" * 301, "/claims/1", "citations/0/quote"),
    "invalid period": (["claims", 0, "period"], "2019-02-30", "/claims/0", "period"),
    "invalid publication date": (["source", "published"], "2019-13", "/source", "published"),
    "figure without value": (["claims", 0, "value"], KeyError, "/claims/0", "value/number"),
    "quotation without speaker": (["claims", 2, "speaker"], KeyError, "/claims/2", "speaker"),
    "unknown field": (["claims", 0, "colour"], "red", "/claims/0", ""),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input_is_a_command_error_naming_file_record_field_and_changes_nothing(loaded, case):
    fixtures, texts = loaded
    path, value, record, field = BAD_INPUTS[case]
    data = mutate(source_copy(), path, value)
    data["claims"][1]["text"] = "An edit that would be written if the file were valid."
    bad_file = write_source(fixtures, data)
    before = database_fingerprint()
    with pytest.raises(CommandError) as excinfo:
        run(bad_file, texts=texts)
    message = str(excinfo.value)
    assert "nothing was loaded" in message
    assert f"sources/test-report-2019.json: {record}" in message
    assert f": {field}: " in message if field else "unknown field" in message
    assert database_fingerprint() == before


def test_malformed_json_names_line_and_column(loaded):
    fixtures, texts = loaded
    bad_file = fixtures / "sources" / "broken.json"
    bad_file.write_text('{"source": {"key": "x",\n  "kind": "report" "title": "T"}, "claims": []}')
    before = database_fingerprint()
    with pytest.raises(CommandError, match=r"broken.json: \(file\): malformed JSON at line 2, column 20"):
        run(bad_file, texts=texts)
    assert database_fingerprint() == before


def test_errors_in_several_files_are_all_reported(loaded, tmp_path):
    fixtures, texts = loaded
    first = source_copy()
    first["claims"][0]["kind"] = "rumour"
    second = source_copy()
    second["source"]["key"] = "second-report"
    second["claims"][1]["topics"] = ["nope"]
    write_source(fixtures, first)
    write_source(fixtures, second)
    with pytest.raises(CommandError) as excinfo:
        run(fixtures, texts=texts)
    message = str(excinfo.value)
    assert "2 error(s) in 2 file(s)" in message
    assert "test-report-2019.json" in message and "second-report.json" in message


def test_missing_path_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="no such file or directory"):
        run(tmp_path / "nope.json", texts=tmp_path)


def test_dry_run_reports_and_writes_nothing(db, tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    before = database_fingerprint()
    output = run(fixtures, "--dry-run", texts=texts)
    assert "Dry run, nothing written" in output
    assert "claim: 3 created" in output
    assert database_fingerprint() == before


def test_reloading_is_idempotent(loaded):
    fixtures, texts = loaded
    before = database_fingerprint()
    output = run(fixtures, texts=texts)
    assert "claim: 0 created, 0 updated, 3 unchanged, 0 removed" in output
    assert database_fingerprint() == before


def test_missing_claims_are_listed(loaded):
    fixtures, texts = loaded
    data = source_copy()
    del data["claims"][0]
    data["claims"][0]["relations"] = []
    write_source(fixtures, data)
    output = run(fixtures, texts=texts)
    assert "1 claim(s) no longer in their file, kept (use --remove-missing to delete)" in output
    assert "test-report-2019/alibaba-cloud-share-2019" in output


def test_verbosity_zero_is_quiet(db, tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    out = io.StringIO()
    call_command("load_corpus", str(fixtures), f"--texts={texts}", verbosity=0, stdout=out)
    assert out.getvalue() == ""


def test_jsonl_line_errors_name_the_line(db, tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    data = source_copy()
    path = fixtures / "sources" / "stream.jsonl"
    path.write_text(json.dumps({"source": {**data["source"], "key": "streamed"}}) + "\n{not json}\n")
    with pytest.raises(CommandError, match=r"stream.jsonl: line 2: malformed JSON"):
        run(path, texts=texts)


def test_recount_fills_the_public_counts(corpus):
    PublicCount.objects.all().delete()
    out = io.StringIO()
    call_command("recount", stdout=out)
    assert "Recounted" in out.getvalue()
    assert PublicCount.objects.filter(facet="total", value="", count=Claim.objects.public().count()).exists()


def test_load_corpus_says_when_a_text_is_missing_and_what_follows(tmp_path):
    data = source_copy()
    data["source"]["unchecked_reason"] = "print-only; checked by hand against the library copy"
    fixtures, _ = fixture_tree(tmp_path, data)
    out = run(fixtures, texts=tmp_path / "empty")
    assert "test-report-2019: no text to check its quotes against ('report.txt' is not in" in out
    assert "cannot be published without an editor's reason" in out
