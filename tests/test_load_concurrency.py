"""A load meeting another writer waits a bounded time, then stops with a
clear "try again": never a traceback, never an edit lost."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from claims.ingest import loaders
from claims.scale.querylimits import SlowQueryMiddleware

from .fixturefiles import fixture_tree

pytestmark = pytest.mark.django_db


def test_a_locked_database_stops_the_load_with_try_again(tmp_path, monkeypatch):
    fixtures, texts = fixture_tree(tmp_path)

    def locked(self, paths):
        raise OperationalError("database is locked")

    monkeypatch.setattr(loaders.Loader, "run", locked)
    with pytest.raises(CommandError, match="another load_corpus .* is writing to the database; nothing was loaded"):
        call_command("load_corpus", str(fixtures), f"--texts={texts}", verbosity=0)


def test_an_unreachable_database_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    fixtures, texts = fixture_tree(tmp_path)

    def gone(self, paths):
        raise OperationalError("connection to server at 127.0.0.1, port 1 failed: Connection refused")

    monkeypatch.setattr(loaders.Loader, "run", gone)
    with pytest.raises(CommandError, match=r"the database failed \(connection to server .*\); nothing was loaded"):
        call_command("load_corpus", str(fixtures), f"--texts={texts}", verbosity=0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's advisory lock; SQLite locks at BEGIN")
def test_a_second_load_waits_a_bounded_time_for_the_first(tmp_path, monkeypatch):
    import psycopg

    fixtures, texts = fixture_tree(tmp_path)
    monkeypatch.setattr(loaders, "LOAD_WAIT_SECONDS", 1)
    settings = connection.settings_dict
    other = psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432
    )
    try:
        other.execute("SELECT pg_advisory_lock(482910)")  # a first load, still running
        with pytest.raises(CommandError, match="another load_corpus"):
            call_command("load_corpus", str(fixtures), f"--texts={texts}", verbosity=0)
    finally:
        other.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: SQLite's write lock covers the database")
def test_the_load_locks_the_rows_it_reads_before_it_changes_them(tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    loaders.load_corpus([fixtures], texts_dir=str(texts))
    with CaptureQueriesContext(connection) as queries:
        loaders.load_corpus([fixtures], texts_dir=str(texts))
    locked = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
    assert any('"claims_claim"' in sql and "admin_changed_at" in sql for sql in locked)
    assert any('FROM "claims_source"' in sql for sql in locked)


def test_a_web_request_that_waited_too_long_for_a_load_says_so():
    request = RequestFactory().post("/admin/claims/claim/1/change/")
    middleware = SlowQueryMiddleware(lambda request: None)
    response = middleware.process_exception(request, OperationalError("database is locked"))
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert b"Nothing of this request was saved" in response.content


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections to one database at once")
@pytest.mark.django_db(transaction=True)
def test_an_admin_save_during_a_load_waits_then_is_refused_and_nothing_is_lost(tmp_path, monkeypatch, settings):
    import threading

    import psycopg

    from claims.models import Claim

    from .fixturefiles import source_copy, write_source

    fixtures, texts = fixture_tree(tmp_path)
    loaders.load_corpus([fixtures], texts_dir=str(texts))
    claim_id = Claim.objects.get(key="alibaba-cloud-share-2019").pk
    data = source_copy()
    data["claims"][0]["notes"] = "From the file."
    write_source(fixtures, data)

    inside, release, failures = threading.Event(), threading.Event(), []
    original = loaders.Loader.load_relations

    def pause_in_the_transaction(self):
        inside.set()  # the claims are read (and locked) and written, not committed
        release.wait(10)
        return original(self)

    monkeypatch.setattr(loaders.Loader, "load_relations", pause_in_the_transaction)

    def load():
        try:
            loaders.load_corpus([fixtures], texts_dir=str(texts))
        except Exception as error:  # reported below
            failures.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=load)
    thread.start()
    assert inside.wait(10)
    db = connection.settings_dict
    editor = psycopg.connect(dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432)
    try:
        # An admin save as the web server makes it: with the web's lock timeout.
        editor.execute("SET lock_timeout = 500")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            editor.execute(
                "UPDATE claims_claim SET notes = 'From the admin.', admin_changed_at = now() WHERE id = %s", [claim_id]
            )
        editor.rollback()
    finally:
        release.set()
        thread.join(20)
        editor.close()
    assert not failures
    claim = Claim.objects.get(pk=claim_id)
    assert (claim.notes, claim.admin_changed_at) == ("From the file.", None)  # the refused save changed nothing
