"""Claim.company_ids and Claim.topic_ids: the copies of the link tables that
the public filters read must equal the links, whoever changes them."""

import importlib

import pytest
from django.db import connection

from claims.models import Claim, Company
from claims.public.views import claims_about

from .conftest import make_claim

pytestmark = pytest.mark.django_db

tag_ids = importlib.import_module("claims.migrations.0005_claim_tag_ids")


def links(claim):
    return (
        sorted(claim.companies.values_list("pk", flat=True)),
        sorted(claim.topics.values_list("pk", flat=True)),
    )


def copies(claim):
    claim.refresh_from_db(fields=["company_ids", "topic_ids"])
    return claim.company_ids, claim.topic_ids


@pytest.fixture
def tencent(db):
    return Company.objects.create(name="Tencent", slug="tencent")


def test_adding_and_removing_links_updates_the_copies(published_claim, alibaba, tencent, cloud):
    assert copies(published_claim) == ([alibaba.pk], [cloud.pk]) == links(published_claim)
    published_claim.companies.add(tencent)
    assert copies(published_claim) == links(published_claim) == ([alibaba.pk, tencent.pk], [cloud.pk])
    published_claim.companies.remove(alibaba)
    published_claim.topics.clear()
    assert copies(published_claim) == links(published_claim) == ([tencent.pk], [])
    published_claim.companies.set([alibaba])
    assert copies(published_claim) == ([alibaba.pk], [])


def test_a_stale_instance_cannot_overwrite_the_copies(published_claim, alibaba, tencent):
    stale = Claim.objects.get(pk=published_claim.pk)
    published_claim.companies.add(tencent)
    stale.text = "Edited elsewhere."
    stale.company_ids = [999]
    stale.save()
    assert copies(published_claim)[0] == [alibaba.pk, tencent.pk]


def test_deleting_a_company_or_topic_updates_the_copies(published_claim, alibaba, cloud):
    alibaba.delete()
    cloud.delete()
    assert copies(published_claim) == ([], [])


def test_raw_sql_writes_keep_the_copies(published_claim, tencent):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO claims_claim_companies (claim_id, company_id) VALUES (%s, %s)",
            [published_claim.pk, tencent.pk],
        )
    assert tencent.pk in copies(published_claim)[0]


def test_filters_read_the_copies(published_claim, source, alibaba, tencent, cloud):
    both = make_claim(source, "both")
    both.companies.add(alibaba, tencent)
    assert set(Claim.objects.filter(company_ids__has_all=[alibaba.pk])) == {published_claim, both}
    assert list(Claim.objects.filter(company_ids__has_all=[alibaba.pk, tencent.pk])) == [both]
    assert list(Claim.objects.filter(topic_ids__has_any=[cloud.pk, 12345])) == [published_claim]
    assert not Claim.objects.filter(topic_ids__has_any=[]).exists()
    assert Claim.objects.filter(company_ids__has_all=[]).count() == 2
    # An id that is a prefix or suffix of another must not match it.
    assert not Claim.objects.filter(company_ids__has_all=[int(str(alibaba.pk) * 2)]).exists()
    assert list(claims_about(company=tencent)) == [both]


def test_a_new_claim_starts_with_empty_copies(source):
    claim = make_claim(source, "bare")
    assert copies(claim) == ([], [])


def test_the_triggers_are_in_place():
    # A later migration that rebuilds claims_claim or a link table on SQLite
    # drops these triggers: it must create them again.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'claims_claim%%'")
            names = {row[0] for row in cursor.fetchall()}
            assert {"claims_claim_tag_ids", "claims_claim_companies_inserted", "claims_claim_topics_deleted"} <= names
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            names = {row[0] for row in cursor.fetchall()}
            assert set(tag_ids.trigger_names(tag_ids.SQLITE_TRIGGERS)) <= names
