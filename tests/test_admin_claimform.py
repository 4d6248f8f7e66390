"""Tests for claims/admin/claimform.py and the claim form around it: the
period typed once, the claim's source for new citations, the kind's section
open, every error at the top, metric suggestions and warnings, plain numbers,
the relations' autocomplete, and the guide it links to."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from claims.ingest.sourcetexts import set_text
from claims.models import Claim, ClaimRelation

from .conftest import cite
from .test_admin import claim_form

pytestmark = pytest.mark.django_db

ADD = reverse("admin:claims_claim_add")
TEXT = "On clouds. Alibaba controls 43 percent of the cloud market. Tencent follows."


@pytest.fixture
def held(source):
    set_text(source, TEXT, origin="paste")
    return source


def existing_figure(source, key, metric, unit="percent", value=40):
    claim = Claim.objects.create(
        source=source, key=key, text=f"{metric}: {value} {unit}.", kind=Claim.Kind.FIGURE, value=value, unit=unit
    )
    claim.metric = metric
    claim.save()
    cite(claim=claim, source=source, quote="Alibaba controls 43 percent", locator="p. 1")
    return claim


def post(client, data):
    return client.post(ADD, data)


def test_the_period_is_typed_once(client, curator, held, alibaba, cloud):
    client.force_login(curator)
    assert post(client, claim_form(held, alibaba, cloud, period="2020-Q1")).status_code == 302
    claim = Claim.objects.get(key="alibaba-cloud-share-2019")
    assert (claim.period_start.isoformat(), claim.period_end.isoformat()) == ("2020-01-01", "2020-03-31")
    assert claim.period_start_precision == claim.period_end_precision == "quarter"
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert 'name="period" value="2020-Q1"' in page


def test_a_bad_period_is_refused_with_a_message(client, curator, held, alibaba, cloud):
    client.force_login(curator)
    page = post(client, claim_form(held, alibaba, cloud, period="2020-Q5")).content.decode()
    assert "&#x27;2020-Q5&#x27; is not a date of the form YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD" in page
    assert not Claim.objects.exists()


def test_a_new_citation_takes_the_claims_source(client, curator, held, alibaba, cloud):
    client.force_login(curator)
    response = post(client, claim_form(held, alibaba, cloud, **{"citations-0-source": ""}))
    assert response.status_code == 302
    citation = Claim.objects.get().citations.get()
    assert citation.source == held and citation.verification == "exact"


def test_a_figure_without_its_value_lists_every_error_at_the_top(client, curator, held, alibaba, cloud):
    client.force_login(curator)
    page = post(client, claim_form(held, alibaba, cloud, value="", unit="")).content.decode()
    summary = re.search(r'<div class="errornote error-summary".*?</div>', page, re.DOTALL).group(0)
    assert "A figure needs a value." in summary and "A figure needs a unit" in summary
    assert "kind-figure" not in page  # the Figure section is open, not folded


def test_the_kinds_section_is_folded_for_other_kinds(client, curator, held):
    client.force_login(curator)
    page = client.get(ADD + "?kind=event").content.decode()
    assert "kind-figure" in page  # folded, with the class the script opens it by
    page = client.get(ADD + "?kind=figure").content.decode()
    assert "kind-figure" not in page


def test_metric_suggestions_come_with_their_figures_and_units(client, curator, held):
    existing_figure(held, "one", "Meituan valuation", unit="USD")
    existing_figure(held, "two", "Meituan valuation", unit="USD")
    client.force_login(curator)
    page = client.get(ADD).content.decode()
    assert 'list="metric-suggestions"' in page
    assert '<option value="Meituan valuation">2 figures, in USD</option>' in page


def test_a_label_near_an_existing_metric_is_warned_about(client, curator, held, alibaba, cloud):
    existing_figure(held, "one", "Alibaba cloud market share in China")
    client.force_login(curator)
    data = claim_form(held, alibaba, cloud, metric="Alibaba cloud market share in Chna")
    page = client.post(ADD, data, follow=True).content.decode()
    assert "is a new metric; did you mean “Alibaba cloud market share in China”" in page


def test_a_unit_unlike_the_metrics_others_is_warned_about(client, curator, held, alibaba, cloud):
    existing_figure(held, "one", "Alibaba cloud market share in China", unit="percent")
    client.force_login(curator)
    data = claim_form(held, alibaba, cloud, unit="USD")
    page = client.post(ADD, data, follow=True).content.decode()
    assert "are in percent; this one is in USD" in page


def test_values_have_no_trailing_zeros(client, editor, held):
    claim = existing_figure(held, "one", "Alibaba cloud market share in China", value=Decimal("100"))
    claim.value_max = Decimal("112.5")
    claim.save()
    client.force_login(editor)
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert 'name="value" value="100"' in page and 'name="value_max" value="112.5"' in page


def test_relations_pick_the_other_claim_by_searching(client, editor, held):
    first = existing_figure(held, "first", "Meituan valuation", unit="USD")
    second = existing_figure(held, "second", "Meituan valuation", unit="USD")
    ClaimRelation.objects.create(from_claim=second, to_claim=first, type="updates", note="A later round.")
    client.force_login(editor)
    page = client.get(reverse("admin:claims_claim_change", args=[second.pk])).content.decode()
    assert "relations to other claims" in page.lower()
    assert 'data-theme="admin-autocomplete"' in page  # the to_claim box searches claims
    found = client.get(
        reverse("admin:autocomplete"),
        {"term": "Meituan", "app_label": "claims", "model_name": "claimrelation", "field_name": "to_claim"},
    ).json()
    assert {int(result["id"]) for result in found["results"]} == {first.pk, second.pk}


def test_the_guide_is_linked_from_the_admin_and_the_form(client, curator):
    client.force_login(curator)
    guide = reverse("admin:claims_guide")
    assert guide in client.get(reverse("admin:index")).content.decode()
    form = client.get(ADD).content.decode()
    assert f'{guide}#periods"' in form and f'{guide}#choosing-a-metric-label"' in form
    page = client.get(guide).content.decode()
    assert '<h2 id="periods">Periods</h2>' in page and '<h2 id="choosing-a-metric-label">' in page


def test_the_provenance_of_a_claim_loaded_without_a_date(client, editor, held):
    claim = existing_figure(held, "one", "Meituan valuation", unit="USD")
    Claim.objects.filter(pk=claim.pk).update(loaded_from="bench/synthetic.jsonl", loaded_sha256="0" * 64)
    client.force_login(editor)
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert "Loaded from <code>bench/synthetic.jsonl</code>" in page
