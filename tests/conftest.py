"""Small named fixtures shared by the test modules."""

import datetime

import pytest
from django.db import connection

from claims.accounts import create_staff_user
from claims.models import Citation, Claim, Company, Source, Topic


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    return f"database: {db['ENGINE'].rsplit('.', 1)[-1]} ({db['NAME']})"


@pytest.fixture
def curator(db):
    return create_staff_user("curator", "a-long-test-password", "curator")[0]


@pytest.fixture
def editor(db):
    return create_staff_user("editor", "a-long-test-password", "editor")[0]


@pytest.fixture
def source(db):
    return Source.objects.create(
        key="sacks-2018-disruptors",
        kind=Source.Kind.REPORT,
        title="Disruptors, Innovators, and Thieves",
        publisher="CSIS",
        published=datetime.date(2018, 1, 1),
        published_precision="month",
    )


@pytest.fixture
def alibaba(db):
    return Company.objects.create(name="Alibaba Group", slug="alibaba", aliases=["Alibaba"], country="CN")


@pytest.fixture
def cloud(db):
    return Topic.objects.create(name="Cloud computing", slug="cloud-computing")


def make_claim(source, key="claim", status=Claim.Status.PUBLISHED, cite=True, **fields):
    fields.setdefault("text", f"Claim {key} about Alibaba in 2018.")
    fields.setdefault("kind", Claim.Kind.EVENT)
    claim = Claim.objects.create(source=source, key=key, status=status, **fields)
    if cite:
        Citation.objects.create(claim=claim, source=source, quote=f"Quote for {key}.", locator="p. 1")
    return claim


@pytest.fixture
def published_claim(source, alibaba, cloud):
    claim = make_claim(source, "published-one")
    claim.companies.add(alibaba)
    claim.topics.add(cloud)
    return claim


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"
