"""No input crashes the loader: whatever a fixture file holds, and whatever
the database does meanwhile, a load either loads or stops with errors that
name the file, the record and the field, having changed nothing; the
command then exits non-zero with those errors and no traceback."""

import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from claims.ingest import files, loaders
from claims.ingest.loaders import LoadFailed, load_corpus
from claims.models import Claim
from claims.scale import summaries

from .fixturefiles import SOURCE, database_fingerprint, fixture_tree, source_copy

pytestmark = pytest.mark.django_db

MANAGE = Path(settings.BASE_DIR) / "manage.py"
CLAIM_0 = '"key": "alibaba-cloud-share-2019"'
NUMBER_0 = '"number": 43'
SURROGATE = "contains a lone surrogate (U+D800 to U+DFFF, half of a UTF-16 pair), which the corpus cannot store"
NUL = "contains a NUL character (U+0000), which the corpus cannot store"


@pytest.fixture(params=["whole", "streamed"])
def reading(request, monkeypatch):
    """Each file read both ways: whole, and a record at a time (as a file
    over the streaming threshold is): the same file must give the same errors."""
    if request.param == "streamed":
        monkeypatch.setattr(files, "STREAM_THRESHOLD_BYTES", 10)
    return request.param


@pytest.fixture
def loaded(tmp_path):
    """A corpus loaded from valid files; returns (fixtures dir, texts dir, the source file)."""
    fixtures, texts = fixture_tree(tmp_path)
    load_corpus([fixtures], texts_dir=str(texts))
    return fixtures, texts, fixtures / "sources" / "test-report-2019.json"


def source_text(data=None, **replace):
    """The source file's text, as JSON escapes it (a lone surrogate stays an
    escape), with an edit a valid file would write, and each replacement made."""
    data = data or source_copy()
    data["claims"][1]["text"] = "An edit that would be written if the file were valid."
    text = json.dumps(data, indent=1)
    for old, new in replace.items():
        old = {"claim_0": CLAIM_0, "number_0": NUMBER_0}.get(old, old)
        assert old in text
        text = text.replace(old, new, 1)
    return text


def refused(fixtures, texts):
    """(file, record, field, message) of each error of a load that must fail;
    having checked that it changed nothing."""
    before = database_fingerprint()
    with pytest.raises(LoadFailed) as excinfo:
        load_corpus([fixtures], texts_dir=str(texts))
    assert database_fingerprint() == before
    return [(e.file, e.record, e.field, e.message) for e in excinfo.value.errors]


def shown(path):
    return str(path.resolve())


# -- 1. nesting ------------------------------------------------------------------------


def test_nesting_past_the_limit_is_refused_with_its_pointer(loaded, reading):
    fixtures, texts, path = loaded
    # The top level, claims, claim 0 and its value hold four levels: 61 more is 65.
    path.write_text(source_text(number_0='"number": ' + "[" * 61 + "]" * 61))
    assert refused(fixtures, texts) == [
        (shown(path), "/claims/0", "value/number/0/0/…", "nested deeper than 64 levels")
    ]


def test_nesting_up_to_the_limit_is_read_and_checked_as_any_value(loaded, reading):
    fixtures, texts, path = loaded
    path.write_text(source_text(number_0='"number": ' + "[" * 60 + "]" * 60))
    ((file, record, field, message),) = refused(fixtures, texts)
    assert (record, field) == ("/claims/0 (claim 'alibaba-cloud-share-2019')", "value/number")
    assert message.endswith("is not of type 'number'")


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory):
    """A migrated SQLite database for a child process, copied by each test."""
    path = tmp_path_factory.mktemp("migrated") / "corpus.sqlite3"
    subprocess.run(
        [sys.executable, str(MANAGE), "migrate", "--noinput", "-v0"],
        env=child_environment(path),
        check=True,
        capture_output=True,
    )
    return path


def child_environment(database):
    return {**os.environ, "DJANGO_DEBUG": "1", "DATABASE_URL": f"sqlite:///{database}"}


def scratch_database(migrated_sqlite, tmp_path):
    database = tmp_path / "corpus.sqlite3"
    shutil.copy(migrated_sqlite, database)
    return database


def at_most_one_gib():
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.parametrize("padding", [600_000, 9 << 20], ids=["1 MB, read whole", "9 MiB, streamed"])
def test_a_file_200000_deep_fails_fast_in_bounded_memory(migrated_sqlite, tmp_path, padding):
    database = scratch_database(migrated_sqlite, tmp_path)
    path = tmp_path / "deep.json"
    source = json.dumps(SOURCE["source"])
    # White space before the claims: the streamed file is read across many chunks first.
    path.write_bytes(
        f'{{"source": {source},'.encode() + b" " * padding + b'"claims": [' + b"[" * 200_000 + b"]" * 200_000 + b"]}"
    )
    assert (path.stat().st_size > files.STREAM_THRESHOLD_BYTES) == (padding > files.STREAM_THRESHOLD_BYTES)
    started = time.monotonic()
    child = subprocess.run(
        [sys.executable, str(MANAGE), "load_corpus", str(path)],
        env=child_environment(database),
        preexec_fn=at_most_one_gib,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert time.monotonic() - started < 30
    assert child.returncode == 1, child.stderr
    assert "Traceback" not in child.stderr
    assert child.stderr == (
        "CommandError: 1 error(s) in 1 file(s); nothing was loaded:\n"
        f"  {shown(path)}: /claims/0: 0/0/0/0/…: nested deeper than 64 levels\n"
    )
    assert count_rows(database, "claims_source") == 0


def count_rows(database, table):
    with sqlite3.connect(database) as db:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# -- 2. a key given twice ------------------------------------------------------------------


def test_a_second_claims_list_is_refused_whatever_the_file_size(loaded, reading):
    fixtures, texts, path = loaded
    path.write_text(source_text()[:-1] + ', "claims": []}')
    assert refused(fixtures, texts) == [
        (shown(path), "/claims", "", "duplicate key 'claims': an object gives each key once")
    ]


def test_a_field_given_twice_in_a_record_is_refused(loaded, reading):
    fixtures, texts, path = loaded
    path.write_text(source_text(claim_0=CLAIM_0 + ', "text": "A second text."'))
    assert refused(fixtures, texts) == [
        (shown(path), "/claims/0", "text", "duplicate key 'text': an object gives each key once")
    ]


# -- 3. values no fixture may hold ------------------------------------------------------


@pytest.mark.parametrize(
    "number, message",
    [
        ("NaN", "NaN is not valid JSON: a number must be finite"),
        ("Infinity", "Infinity is not valid JSON: a number must be finite"),
        ("-Infinity", "-Infinity is not valid JSON: a number must be finite"),
        ("1" * 5001, "a number of 5001 digits: the corpus stores at most 24"),
        ("-" + "9" * 25, "a number of 25 digits: the corpus stores at most 24"),
        ("1e999", "a number too large: the corpus stores at most 24 digits"),
    ],
    ids=["NaN", "Infinity", "-Infinity", "5001 digits", "25 digits", "1e999"],
)
def test_numbers_json_or_the_corpus_cannot_hold_are_refused(loaded, reading, number, message):
    fixtures, texts, path = loaded
    path.write_text(source_text(number_0=f'"number": {number}'))
    assert refused(fixtures, texts) == [(shown(path), "/claims/0", "value/number", message)]


def test_a_number_the_value_field_cannot_hold_is_refused_by_the_model(loaded, reading):
    fixtures, texts, path = loaded
    path.write_text(source_text(number_0='"number": ' + "9" * 24))
    ((_, record, field, message),) = refused(fixtures, texts)
    assert (record, field) == ("/claims/0 (claim 'alibaba-cloud-share-2019')", "value/number")
    assert message == "Ensure that there are no more than 18 digits before the decimal point."


def test_the_same_values_are_refused_in_a_jsonl_file(loaded):
    fixtures, texts, path = loaded
    path.unlink()
    lines = [json.dumps({"source": SOURCE["source"]}), *map(json.dumps, SOURCE["claims"])]
    lines[1] = lines[1].replace(NUMBER_0, '"number": NaN')
    (fixtures / "sources" / "stream.jsonl").write_text("\n".join(lines))
    assert refused(fixtures, texts) == [
        (
            shown(fixtures / "sources" / "stream.jsonl"),
            "/claims/0 (line 2)",
            "value/number",
            "NaN is not valid JSON: a number must be finite",
        )
    ]


def test_a_lone_surrogate_is_refused_naming_the_field(loaded, reading):
    fixtures, texts, path = loaded
    data = source_copy()
    data["claims"][2]["citations"][0]["quote"] = "“We will keep investing,” said Jack Ma\ud800"
    data["source"]["notes"] = "\udc00 a low half alone"
    path.write_text(source_text(data))
    assert refused(fixtures, texts) == [(shown(path), "/source", "notes", SURROGATE)]
    data["source"]["notes"] = "A pair is one character: \U0001f600."
    path.write_text(source_text(data))
    assert refused(fixtures, texts) == [
        (shown(path), "/claims/2 (claim 'jack-ma-keep-investing')", "citations/0/quote", SURROGATE)
    ]


def test_a_lone_surrogate_in_a_vocabulary_is_refused(loaded):
    fixtures, texts, _ = loaded
    companies = fixtures / "companies.json"
    vocabulary = json.loads(companies.read_text())
    vocabulary["companies"][1]["aliases"] = ["Ant\ud800"]
    companies.write_text(json.dumps(vocabulary))
    assert refused(fixtures, texts) == [(shown(companies), "", "companies/1/aliases/0", SURROGATE)]


def test_an_escaped_surrogate_pair_is_one_character_and_loads(loaded, reading):
    fixtures, texts, path = loaded
    data = source_copy()
    data["claims"][2]["notes"] = "Laughing \U0001f600."
    path.write_text(source_text(data))
    assert "\\ud83d\\ude00" in path.read_text()
    load_corpus([fixtures], texts_dir=str(texts))
    assert Claim.objects.get(key="jack-ma-keep-investing").notes == "Laughing \U0001f600."


def test_a_nul_character_is_refused_on_either_path(loaded, reading):
    fixtures, texts, path = loaded
    data = source_copy()
    data["claims"][2]["speaker"] = "Jack\x00Ma"
    path.write_text(source_text(data))
    assert refused(fixtures, texts) == [(shown(path), "/claims/2 (claim 'jack-ma-keep-investing')", "speaker", NUL)]


def test_bytes_that_are_not_utf8_are_refused(loaded, reading):
    fixtures, texts, path = loaded
    text = source_text().encode()
    path.write_bytes(text[:100] + b"\xed\xa0\x80" + text[100:])
    assert refused(fixtures, texts) == [(shown(path), "", "", "not UTF-8 text (invalid continuation byte at byte 100)")]


def test_malformed_json_names_the_line_and_column_either_way(loaded, reading):
    fixtures, texts, path = loaded
    text = source_text(claim_0=CLAIM_0 + " 7")
    seven = text.index(" 7") + 1
    line, column = text[:seven].count("\n") + 1, seven - text.rindex("\n", 0, seven)
    path.write_text(text)
    assert refused(fixtures, texts) == [
        (shown(path), "", "", f"malformed JSON at line {line}, column {column}: Expecting ',' delimiter")
    ]


def test_a_record_past_the_size_limit_is_refused_when_streamed(loaded, monkeypatch):
    fixtures, texts, path = loaded
    monkeypatch.setattr(files, "STREAM_THRESHOLD_BYTES", 10)
    monkeypatch.setattr(files, "MAX_RECORD_BYTES", 1000)
    monkeypatch.setattr(files, "CHUNK_BYTES", 64)
    data = source_copy()
    data["claims"][1]["notes"] = "x" * 2000
    path.write_text(source_text(data))
    assert refused(fixtures, texts) == [(shown(path), "/claims/1", "", "a value larger than 1000 bytes")]


# -- 4. the database ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error, message",
    [
        (OperationalError("database or disk is full"), "the database failed (database or disk is full)"),
        (InterfaceError("connection already closed"), "the database failed (connection already closed)"),
        (
            OperationalError("server closed the connection unexpectedly\n\tThis probably means the server crashed"),
            "the database failed (server closed the connection unexpectedly)",
        ),
    ],
    ids=["full", "connection gone", "server crashed"],
)
def test_a_database_failure_mid_load_is_an_error_not_a_traceback(loaded, monkeypatch, error, message):
    fixtures, texts, path = loaded
    path.write_text(source_text())

    def fail(self, batch, file):
        raise error

    monkeypatch.setattr(loaders.Loader, "write_claims", fail)
    before = database_fingerprint()
    with pytest.raises(CommandError) as excinfo:
        call_command("load_corpus", str(fixtures), f"--texts={texts}", verbosity=0)
    assert str(excinfo.value) == (
        f"1 error(s) in 1 file(s); nothing was loaded:\n  (database): (file): {message}; nothing was loaded"
    )
    assert database_fingerprint() == before


@pytest.mark.django_db(transaction=True)
def test_a_database_failing_at_the_commit_loads_nothing(tmp_path, monkeypatch):
    from django.db import connections

    fixtures, texts = fixture_tree(tmp_path)
    wrapper = connections["default"]

    def full():
        raise OperationalError("database or disk is full")

    monkeypatch.setattr(wrapper, "commit", full)  # the load's is the only commit
    with pytest.raises(CommandError) as excinfo:
        call_command("load_corpus", str(fixtures), f"--texts={texts}", verbosity=0)
    monkeypatch.undo()
    assert str(excinfo.value) == (
        "1 error(s) in 1 file(s); nothing was loaded:\n"
        "  (database): (file): the database failed (database or disk is full); nothing was loaded"
    )
    assert not Claim.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failure_after_the_commit_says_the_load_was_committed(tmp_path, monkeypatch):
    fixtures, texts = fixture_tree(tmp_path)

    def gone():
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(summaries, "refresh", gone)
    with pytest.raises(CommandError) as excinfo:
        call_command("load_corpus", str(fixtures), f"--texts={texts}", verbosity=0)
    assert str(excinfo.value) == (
        "1 error(s) in 1 file(s); after the load was committed:\n"
        "  (database): (file): the summaries could not be recomputed "
        "(server closed the connection unexpectedly); readers recompute them"
    )
    assert Claim.objects.count() == 3


@pytest.mark.parametrize(
    "url, message",
    [
        ("postgres://postgres@127.0.0.1:1/corpus", "the database failed (connection failed: connection to server at"),
        ("sqlite:////no-such-directory/corpus.sqlite3", "the database failed (unable to open database file)"),
    ],
    ids=["PostgreSQL unreachable", "SQLite unreachable"],
)
def test_an_unreachable_database_is_a_message_and_a_non_zero_exit(tmp_path, url, message):
    fixtures, texts = fixture_tree(tmp_path)
    child = subprocess.run(
        [sys.executable, str(MANAGE), "load_corpus", str(fixtures), f"--texts={texts}"],
        env={**os.environ, "DJANGO_DEBUG": "1", "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 1
    assert child.stderr.startswith(
        f"CommandError: 1 error(s) in 1 file(s); nothing was loaded:\n  (database): (file): {message}"
    ), child.stderr
    assert "Traceback" not in child.stderr


DELETE_THE_DATABASE_DURING_THE_LOAD = """
import os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "corpus_site.settings")
django.setup()
from django.core.management import execute_from_command_line
from claims.ingest import loaders
run = loaders.Loader.run
def run_then_delete_the_database(self, paths):
    report = run(self, paths)
    os.unlink(os.environ["DATABASE_URL"].removeprefix("sqlite:///"))
    return report
loaders.Loader.run = run_then_delete_the_database
execute_from_command_line(["manage.py", "load_corpus", *sys.argv[1:]])
"""


def test_a_sqlite_database_deleted_during_the_load_is_a_failure_not_loaded(migrated_sqlite, tmp_path):
    database = scratch_database(migrated_sqlite, tmp_path)
    fixtures, texts = fixture_tree(tmp_path)
    child = subprocess.run(
        [sys.executable, "-c", DELETE_THE_DATABASE_DURING_THE_LOAD, str(fixtures), f"--texts={texts}"],
        cwd=settings.BASE_DIR,
        env=child_environment(database),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 1, child.stderr
    assert "Loaded" not in child.stdout and "Traceback" not in child.stderr
    assert child.stderr == (
        "CommandError: 1 error(s) in 1 file(s); nothing was loaded:\n"
        f"  (database): (file): the database file {database} was deleted or replaced during the load, "
        "and the load went with it\n"
    )


# -- 5. anything at all ---------------------------------------------------------------------

JSONISH = st.lists(
    st.sampled_from(
        [
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            '"',
            " ",
            "\n",
            '"source"',
            '"claims"',
            '"companies"',
            '"key"',
            '"x"',
            "\\",
            "\\u0000",
            "\\ud800",
            "\\udc00",
            "\\ud83d\\ude00",
            "\\n",
            "NaN",
            "-Infinity",
            "1e999",
            "1" * 30,
            "-0.5",
            "true",
            "null",
            "é",
            "\x00",
            "[" * 70,
            "]" * 70,
        ]
    ),
    max_size=40,
).map("".join)


@st.composite
def mutated_files(draw):
    """A valid file's text with a few spans replaced by JSON-ish text."""
    text = json.dumps(SOURCE, indent=draw(st.sampled_from([None, 1])))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        start = draw(st.integers(min_value=0, max_value=len(text)))
        end = draw(st.integers(min_value=start, max_value=min(len(text), start + 20)))
        text = text[:start] + draw(JSONISH) + text[end:]
    return text.encode("utf-8", "surrogatepass")


ANY_FILE = st.one_of(st.binary(max_size=400), JSONISH.map(lambda text: text.encode()), mutated_files())


@hypothesis_settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(content=ANY_FILE, suffix=st.sampled_from([".json", ".jsonl"]), streamed=st.booleans())
def test_any_file_loads_or_is_refused_with_errors_never_a_crash(tmp_path_factory, content, suffix, streamed):
    fixtures, texts = fixture_tree(tmp_path_factory.mktemp("fuzz"))
    (fixtures / "sources" / "test-report-2019.json").unlink()
    (fixtures / "sources" / f"fuzzed{suffix}").write_bytes(content)
    before = database_fingerprint()
    threshold = 0 if streamed else files.STREAM_THRESHOLD_BYTES
    with mock.patch.object(files, "STREAM_THRESHOLD_BYTES", threshold):
        try:
            load_corpus([fixtures], texts_dir=str(texts))
        except LoadFailed as failed:
            assert failed.errors
            for error in failed.errors:
                assert error.file and error.message
                str(error).encode("utf-8")  # printable: no lone surrogate from the file in it
            assert database_fingerprint() == before


def read(path):
    """What the loader reads from a file: its kind and records, or that it failed."""
    fixture = files.FixtureFile(path)
    try:
        if fixture.kind() != "source":
            return fixture.whole()
        return fixture.source_record(), list(fixture.claims())
    except LoadFailed:
        return LoadFailed


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)),
    lambda values: st.lists(values, max_size=4) | st.dictionaries(st.text(max_size=5), values, max_size=4),
    max_leaves=20,
)
SOURCE_FILES = st.fixed_dictionaries(
    {"source": JSON_VALUES, "claims": st.lists(JSON_VALUES, max_size=5)}, optional={"$schema": JSON_VALUES}
).map(lambda data: json.dumps(data).encode())


@hypothesis_settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(content=st.one_of(ANY_FILE, SOURCE_FILES), chunk=st.integers(min_value=1, max_value=9))
def test_a_file_reads_the_same_whole_and_streamed(tmp_path_factory, content, chunk):
    path = tmp_path_factory.mktemp("both-ways") / "file.json"
    path.write_bytes(content)
    whole = read(path)
    with mock.patch.object(files, "STREAM_THRESHOLD_BYTES", 0), mock.patch.object(files, "CHUNK_BYTES", chunk):
        assert read(path) == whole
