"""A load is all or nothing, even when the process is killed mid-write, and
whatever a fixture file holds."""

import copy
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bench import synthetic

from .fixturefiles import SOURCE, database_fingerprint, fixture_tree

MANAGE = Path(settings.BASE_DIR) / "manage.py"
TABLES = [
    "claims_source",
    "claims_author",
    "claims_company",
    "claims_topic",
    "claims_claim",
    "claims_claim_companies",
    "claims_claim_topics",
    "claims_citation",
    "claims_claimrelation",
    "claims_historicalclaim",
]


# -- SIGKILL in the middle of writing -----------------------------------------------------


def manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, str(MANAGE), *args], env=env, check=True, capture_output=True, text=True, **kwargs
    )


def fingerprint_rows(rows_by_table):
    return {
        table: (len(rows), hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest())
        for table, rows in rows_by_table.items()
    }


@pytest.fixture
def scratch_database(tmp_path):
    """A database of its own for the child process, on the backend the suite runs on."""
    env = {**os.environ, "DJANGO_DEBUG": "1"}
    if connection.vendor == "sqlite":
        path = tmp_path / "kill.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{path}"

        def read():
            with sqlite3.connect(path) as db:
                return fingerprint_rows({t: db.execute(f"SELECT * FROM {t}").fetchall() for t in TABLES})

        def integrity():
            with sqlite3.connect(path) as db:
                return db.execute("PRAGMA integrity_check").fetchone()[0]

        yield env, read, integrity
        return
    import psycopg

    params = connection.settings_dict
    name = f"corpus_kill_{uuid.uuid4().hex[:8]}"
    admin = f"host={params['HOST']} port={params['PORT'] or 5432} user={params['USER']} dbname=postgres"
    if params.get("PASSWORD"):
        admin += f" password={params['PASSWORD']}"
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    user = params["USER"] + (f":{params['PASSWORD']}" if params.get("PASSWORD") else "")
    env["DATABASE_URL"] = f"postgres://{user}@{params['HOST']}:{params['PORT'] or 5432}/{name}"
    conninfo = admin.replace("dbname=postgres", f"dbname={name}")

    def read():
        with psycopg.connect(conninfo) as db:
            return fingerprint_rows({t: db.execute(f"SELECT * FROM {t}").fetchall() for t in TABLES})

    try:
        yield env, read, lambda: "ok"
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
def test_sigkill_mid_write_leaves_the_database_unchanged(scratch_database, tmp_path):
    env, read, integrity = scratch_database
    manage(env, "migrate", "--noinput", "-v0")
    small, small_texts = fixture_tree(tmp_path / "small")
    manage(env, "load_corpus", str(small), f"--texts={small_texts}", "-v0")
    before = read()
    assert before["claims_claim"][0] == 3

    big, texts = synthetic.write(tmp_path / "big", claims=60_000)
    child = subprocess.Popen(
        [sys.executable, str(MANAGE), "load_corpus", str(big), f"--texts={texts}", "-v2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 120
    written = None
    for line in child.stdout:
        if "claims written" in line:
            written = line
            break
        assert time.monotonic() < deadline, "the loader never started writing"
    assert written, "the loader finished without reporting progress"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL, "the loader finished before it could be killed"
    assert integrity() == "ok"
    assert read() == before


# -- random mutations of a valid file -------------------------------------------------------

LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.just("x" * 400),
    st.just("2019-02-30"),
    st.just("no-such-company"),
    st.just([]),
    st.just({}),
)


def paths_of(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths_of(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths_of(child, (*prefix, index))


ALL_PATHS = [p for p in paths_of(SOURCE) if p]


@st.composite
def mutated_files(draw):
    data = copy.deepcopy(SOURCE)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent = data
        try:
            for step in path[:-1]:
                parent = parent[step]
            action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
            if action == "delete":
                del parent[path[-1]]
            elif action == "duplicate" and isinstance(parent, list):
                parent.append(copy.deepcopy(parent[path[-1]]))
            else:
                parent[path[-1]] = draw(LEAVES)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this path
    return data


@pytest.mark.slow
@pytest.mark.django_db
@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=mutated_files())
def test_a_mutated_file_loads_completely_or_changes_nothing(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("mutation")
    fixtures, texts = fixture_tree(tmp)
    call_command("load_corpus", str(fixtures), f"--texts={texts}", verbosity=0)
    before = database_fingerprint()
    path = fixtures / "sources" / "mutated.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    try:
        call_command("load_corpus", str(path), f"--texts={texts}", verbosity=0)
    except CommandError as error:
        assert str(error).startswith(tuple(f"{n} error(s)" for n in range(1, 1000)))
        assert database_fingerprint() == before
        return
    # It loaded: then the database holds exactly what the file says.
    from claims.models import Claim, Source

    source = Source.objects.get(key=data["source"]["key"])
    keys = set(Claim.objects.filter(source=source).values_list("key", flat=True))
    assert {claim["key"] for claim in data["claims"]} <= keys
    for claim in data["claims"]:
        stored = Claim.objects.get(source=source, key=claim["key"])
        assert stored.text == claim["text"] and stored.kind == claim["kind"]
        assert stored.citations.count() == len(claim["citations"])
