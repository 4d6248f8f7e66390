"""Moving the database the Django way: dumpdata, then loaddata into an empty
database of the same schema, gives back every row (docs/operations.md)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection

from claims.accounts import create_staff_user
from claims.ingest.loaders import load_corpus
from claims.models import Claim, FullText

from .fixturefiles import database_fingerprint

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
FIXTURES = Path(settings.BASE_DIR) / "fixtures"
# What operations.md says to leave out: rebuilt by migrate on the new database.
EXCLUDED = ["contenttypes", "auth.permission", "admin.logentry", "sessions", "axes"]


def fingerprint():
    """Every row of every table of the app, as database_fingerprint() has them;
    a claim's tags by what they link, not by the link rows' own ids, which
    Django does not serialise (it writes a claim's companies as a list)."""
    rows = database_fingerprint()
    for through in (Claim.companies.through, Claim.topics.through):
        rows[through._meta.db_table] = sorted(through.objects.values_list("claim_id", through._meta.fields[2].attname))
    return rows


def dump(path):
    call_command(
        "dumpdata",
        "--natural-foreign",
        "--natural-primary",
        *(f"--exclude={name}" for name in EXCLUDED),
        # YAML keeps datetimes to the microsecond (JSON rounds them to milliseconds)
        # and strings whole (XML strips their leading and trailing white space).
        "--format=yaml",
        f"--output={path}",
        verbosity=0,
    )


@pytest.mark.django_db
def test_dumpdata_then_loaddata_gives_back_every_row(tmp_path, workflow_groups):
    load_corpus([FIXTURES], texts_dir=str(SEEDS))
    create_staff_user("carla", "a-long-test-password", "curator")
    claim = Claim.objects.order_by("pk").first()
    claim.text += " (edited)"
    claim.save()  # a second history record, with its tags
    before = fingerprint()
    dump(tmp_path / "corpus.yaml")
    records = (tmp_path / "corpus.yaml").read_text()
    for model in ("claims.claim", "claims.fulltext", "claims.historicalclaim", "auth.user", "auth.group"):
        assert f"model: {model}\n" in records

    if connection.vendor == "postgresql":
        # Inside the test's transaction: check the pending foreign keys now, as a commit would, so
        # that flush may TRUNCATE (a real move loads into a new, migrated database instead).
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", "--no-input", verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as loaddata's own transaction has them
    assert not Claim.objects.exists() and not Group.objects.exists()
    call_command("loaddata", str(tmp_path / "corpus.yaml"), verbosity=0)

    assert fingerprint() == before
    assert FullText.objects.count() == 5
    dump(tmp_path / "again.yaml")
    assert (tmp_path / "again.yaml").read_text() == records


# -- from the embedded SQLite database to PostgreSQL, as docs/operations.md says ---------

POSTGRES = os.environ.get("MOVE_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")


def manage(database_url, *args):
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "1", "CORPUS_TEXTS_DIR": str(SEEDS)}
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture
def empty_postgres_database():
    import psycopg

    try:
        admin = psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"no PostgreSQL at {POSTGRES} to move the database to: {error}")
    name = f"corpus_move_{os.getpid()}"
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    yield POSTGRES.rsplit("/", 1)[0] + "/" + name
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="makes its own databases whatever the suite runs on: once, in the SQLite run, is enough",
)
def test_moving_from_sqlite_to_postgresql_and_back_keeps_every_row(tmp_path, empty_postgres_database):
    sqlite, back = f"sqlite:///{tmp_path / 'corpus.sqlite3'}", f"sqlite:///{tmp_path / 'back.sqlite3'}"
    manage(sqlite, "migrate", "-v0")
    manage(sqlite, "load_corpus", "-v0")
    manage(sqlite, "add_staff", "carla", "--role", "curator", "--password", "a-long-test-password")
    dump = ["dumpdata", "--natural-foreign", "--natural-primary", "--format=yaml"]
    dump += [f"--exclude={name}" for name in EXCLUDED]
    (tmp_path / "from-sqlite.yaml").write_text(manage(sqlite, *dump))

    manage(empty_postgres_database, "migrate", "-v0")
    manage(empty_postgres_database, "loaddata", str(tmp_path / "from-sqlite.yaml"), "-v0")
    (tmp_path / "from-postgres.yaml").write_text(manage(empty_postgres_database, *dump))
    manage(back, "migrate", "-v0")
    manage(back, "loaddata", str(tmp_path / "from-postgres.yaml"), "-v0")

    first = records((tmp_path / "from-sqlite.yaml").read_text())
    assert {"claims.fulltext", "claims.historicalclaim", "auth.user"} <= {model for model, _, _ in first}
    assert records((tmp_path / "from-postgres.yaml").read_text()) == first
    assert records(manage(back, *dump)) == first


def records(dumped):
    """A dump's records in one order: dumpdata orders rows by primary key, and a
    source text's key is its source, which sorts by date, NULLs first or last
    depending on the database."""
    return sorted((r["model"], str(r.get("pk")), repr(r["fields"])) for r in yaml.safe_load(dumped))
