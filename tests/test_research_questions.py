"""The researcher's questions of issue 18, each answered by following the
links a person would click from the home page of the seed corpus."""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.http import QueryDict

from claims.ingest.loaders import load_corpus
from claims.models import Claim
from claims.public.filters import ClaimFilterSet

from .journeys import Reader

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"


@pytest.fixture
def seed_corpus(db):
    load_corpus([FIXTURES], texts_dir=str(SEEDS))


def test_all_figures_about_mobile_payments_as_csv(client, seed_corpus):
    """(3) All figures about mobile payments, as CSV: Topics → Mobile
    payments → its claims → Figure → CSV."""
    reader = Reader(client).open_home().click(r"^Topics$").click(r"^Mobile payments$")
    reader.click(r"published claims?$").click(r"^Figure\b", href_contains="kind=figure")
    rows = list(csv.DictReader(io.StringIO(reader.click(r"^CSV$").page)))
    expected = ClaimFilterSet(QueryDict("topic=mobile-payments&kind=figure"), queryset=Claim.objects.public()).qs
    assert len(rows) == expected.count() >= 5
    assert {row["key"] for row in rows} == set(expected.values_list("key", flat=True))
    assert {row["kind"] for row in rows} == {"figure"}
    assert all(row["value"] and row["unit"] and row["citations"].startswith("[") for row in rows)
