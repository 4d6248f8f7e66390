"""The precomputed public counts: exact after every kind of change, and what
the unfiltered lists show."""

import pytest
from django.http import QueryDict

from claims.ingest.loaders import load_corpus
from claims.models import Claim, PublicCount
from claims.public.facets import ClaimFacets
from claims.public.filters import ClaimFilterSet
from claims.scale import counts

from .conftest import make_claim
from .fixturefiles import fixture_tree, source_copy, write_source

pytestmark = pytest.mark.django_db


def kept():
    return sorted(PublicCount.objects.values_list("facet", "value", "count"))


def counted_afresh():
    counts.recount_all()
    return kept()


def publish(c):
    c.draft.status = Claim.Status.PUBLISHED
    c.draft.save()


def retract(c):
    c.cloud_event.status = Claim.Status.RETRACTED
    c.cloud_event.retraction_reason = "Wrong period."
    c.cloud_event.save()


def move_period(c):
    c.cloud_event.set_period("1999")
    c.cloud_event.save()


def change_kind_and_source(c):
    c.cloud_event.kind = Claim.Kind.ASSESSMENT
    c.cloud_event.source = c.danilin
    c.cloud_event.save()


def tag(c):
    c.cloud_event.companies.add(c.tencent)
    c.cloud_event.topics.add(c.payments)


def untag(c):
    c.cloud_event.companies.clear()
    c.cloud_event.topics.remove(*c.cloud_event.topics.all())


def delete_claim(c):
    c.cloud_event.delete()


def delete_company(c):
    c.alibaba.delete()


def delete_topic(c):
    c.payments.delete()


def move_topic(c):
    c.payments.parent = None
    c.payments.save()


def new_published_claim(c):
    claim = make_claim(c.sacks, "new-one", kind=Claim.Kind.FORECAST)
    claim.companies.add(c.tencent)
    claim.topics.add(c.payments)


CHANGES = [
    publish,
    retract,
    move_period,
    change_kind_and_source,
    tag,
    untag,
    delete_claim,
    delete_company,
    delete_topic,
    move_topic,
    new_published_claim,
]


@pytest.mark.parametrize("change", CHANGES, ids=[change.__name__ for change in CHANGES])
def test_every_change_keeps_the_counts_exact(corpus, change):
    assert kept() == counted_afresh()
    before = kept()
    change(corpus)
    after = kept()
    assert after != before, "the change should move some count"
    assert after == counted_afresh()


def test_counts_are_those_of_published_claims(corpus):
    total = Claim.objects.public().count()
    assert counts.counts(PublicCount.Facet.TOTAL) == {"": total}
    company = counts.counts_of(PublicCount.Facet.COMPANY, [corpus.alibaba.pk, corpus.hidden_company.pk])
    assert company == {
        str(corpus.alibaba.pk): Claim.objects.public().filter(companies=corpus.alibaba).count(),
        str(corpus.hidden_company.pk): 0,
    }
    # Rolled up: a claim under mobile payments counts under fintech too.
    topics = counts.counts(PublicCount.Facet.TOPIC)
    assert topics[str(corpus.fintech.pk)] >= topics[str(corpus.payments.pk)] > 0


@pytest.mark.parametrize("show", ["", "show=company&show=topic&show=source&show=year&show=kind"])
def test_unfiltered_facets_from_the_counts_equal_live_counts(corpus, show):
    params = QueryDict(show)

    def facets():
        filterset = ClaimFilterSet(data=params, queryset=Claim.objects.public())
        return [
            (f.name, [(i.value, i.label, i.count) for i in f.items], f.truncated)
            for f in ClaimFacets(filterset, params)
        ]

    precomputed = facets()
    PublicCount.objects.all().delete()  # incomplete: counted live
    assert facets() == precomputed
    assert any(items for _, items, _ in precomputed)


def test_incomplete_counts_are_not_used(corpus):
    PublicCount.objects.filter(facet=PublicCount.Facet.TOTAL).delete()
    assert counts.counts(PublicCount.Facet.COMPANY) is None
    assert not counts.complete()
    # ...and changes do not write half a table.
    corpus.draft.status = Claim.Status.PUBLISHED
    corpus.draft.save()
    assert not PublicCount.objects.filter(facet=PublicCount.Facet.TOTAL).exists()


def test_load_corpus_recounts_everything(db, tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    load_corpus([fixtures], texts_dir=texts)
    assert counts.complete()
    loaded = kept()
    assert loaded == counted_afresh()
    assert (PublicCount.Facet.TOTAL, "", Claim.objects.public().count()) in loaded


def test_lists_show_the_counts(client, corpus):
    # The company list and the facet read the kept counts (here tampered with, to tell).
    PublicCount.objects.filter(facet=PublicCount.Facet.COMPANY, value=str(corpus.alibaba.pk)).update(count=987654)
    for url in ("/companies/", "/"):
        page = client.get(url).content.decode()
        assert "987,654" in page or "987654" in page, url


@pytest.mark.parametrize("complete", [True, False])
def test_company_list_shows_companies_with_published_claims(client, corpus, complete):
    if not complete:
        PublicCount.objects.all().delete()
    page = client.get("/companies/").content.decode()
    assert "Alibaba Group" in page and "Tencent" in page
    assert "Hidden Co" not in page  # only unpublished claims are about it


def test_load_corpus_does_not_recount_claim_by_claim(db, tmp_path, monkeypatch):
    fixtures, texts = fixture_tree(tmp_path)
    load_corpus([fixtures], texts_dir=texts)
    calls = []
    real = counts.counted_values
    monkeypatch.setattr(counts, "counted_values", lambda pk: calls.append(pk) or real(pk))
    changed = source_copy()
    changed["claims"][0]["text"] += " Reworded."
    write_source(fixtures, changed)
    load_corpus([fixtures], texts_dir=texts)  # updates a claim through Model.save()
    assert calls == []  # one recount at the end, not one per claim
    assert kept() == counted_afresh()
