"""The shipped fixtures: every file loads into a fresh database, and every
quote is found in its source's text where the seed texts are at hand."""

from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from claims.ingest.loaders import load_corpus
from claims.models import Citation, Claim, Company, Source, Topic

pytestmark = pytest.mark.django_db

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
FIXTURES = Path(settings.BASE_DIR) / "fixtures"


def test_every_shipped_fixture_loads():
    report = load_corpus([FIXTURES], texts_dir=str(SEEDS))
    assert report.counts["source"]["created"] == len(list((FIXTURES / "sources").glob("*.json")))
    assert Claim.objects.count() == report.counts["claim"]["created"] > 0
    # Every seed claim is published, cited, tagged with a topic, and figures carry a metric.
    assert set(Claim.objects.values_list("status", flat=True)) == {"published"}
    assert not Claim.objects.filter(citations__isnull=True).exists()
    assert not Claim.objects.filter(topics__isnull=True).exists()
    assert not Claim.objects.filter(kind="figure", metric="").exists()


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed texts not present at {SEEDS}: quotes cannot be verified")
def test_every_quote_is_verified_against_the_seed_texts():
    load_corpus([FIXTURES], texts_dir=str(SEEDS))
    verification = Counter(Citation.objects.values_list("verification", flat=True))
    assert set(verification) <= {"exact", "normalised"}, verification
    assert Citation.objects.exclude(position=None).count() == Citation.objects.count()


def test_vocabularies_are_used_and_consistent():
    load_corpus([FIXTURES], texts_dir=str(SEEDS))
    assert 15 <= Topic.objects.count() <= 40
    assert Company.objects.get(slug="ant-financial").parent.slug == "alibaba"
    assert (
        Source.objects.filter(
            key__in=[
                "danilin-2020-covid-china-platforms",
                "ckgsb-2024-zhu-rui-social-innovation",
                "sacks-2018-disruptors-innovators-thieves",
                "freedomlab-digital-leapfrogging",
                "hvistendahl-2018-tech-giants-go-global",
            ]
        ).count()
        == 5
    )


def test_quotes_are_short():
    load_corpus([FIXTURES], texts_dir=str(SEEDS))
    assert max(len(q) for q in Citation.objects.values_list("quote", flat=True)) <= 300
