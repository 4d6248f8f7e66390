"""The one write door (claims/changes.py): each rule it keeps, held by a test."""

import pytest
from django.db import transaction

from claims import changes
from claims.models import Claim, PublicCount
from claims.scale import corpusversion, counts

from .conftest import make_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def bumps(monkeypatch):
    calls = []
    monkeypatch.setattr(corpusversion, "_new", lambda: calls.append("bump"))
    return calls


def total():
    return PublicCount.objects.get(facet="total", value="").count


def test_one_change_recounts_what_it_touched_and_bumps(source, bumps, django_capture_on_commit_callbacks):
    counts.recount_all()
    with django_capture_on_commit_callbacks(execute=True):
        make_claim(source, "one")
    assert total() == 1
    assert bumps  # now, and again at the commit


def test_a_bulk_change_defers_recounts_and_bumps_once_after_commit(source, bumps, django_capture_on_commit_callbacks):
    counts.recount_all()
    with django_capture_on_commit_callbacks() as callbacks:
        with changes.bulk_change():
            for n in range(3):
                make_claim(source, f"bulk-{n}")
            assert not counts.tracking()
            assert total() == 0  # not recounted claim by claim
            assert bumps == []
        assert total() == 3  # recounted once, at the end, in the transaction
        assert bumps == []  # not before the commit
    for callback in callbacks:
        callback()
    assert bumps == ["bump"] and counts.tracking()


def test_a_failed_bulk_change_writes_nothing_and_bumps_nothing(source, bumps, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), changes.bulk_change():
        make_claim(source, "doomed")
        raise RuntimeError("the load found an error")
    assert not Claim.objects.filter(key="doomed").exists() and bumps == []


def test_a_bulk_change_the_cache_cannot_version_is_refused(source, monkeypatch, settings):
    def unreachable():
        raise corpusversion.CacheUnreachable("the shared cache (CACHE_URL) is unreachable: refused")

    monkeypatch.setattr(corpusversion, "check_movable", unreachable)
    with pytest.raises(corpusversion.CacheUnreachable), transaction.atomic(), changes.bulk_change():
        make_claim(source, "unversioned")
    assert not Claim.objects.filter(key="unversioned").exists()


def test_recount_counts_everything_and_bumps_once_after_commit(source, bumps, django_capture_on_commit_callbacks):
    """After raw SQL writes the counts and everything cached from them are
    stale: `manage.py recount` goes through the write door."""
    with counts.deferred():  # as if written behind the model signals
        make_claim(source, "raw")
    with django_capture_on_commit_callbacks(execute=True):
        changes.recount()
    assert total() == 1 and bumps == ["bump"]
