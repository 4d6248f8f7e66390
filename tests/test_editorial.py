"""Tests for claims/editorial/: each check with a claim that passes it and
one that fails it, and a finding a claim accepts with a reason."""

import datetime
from decimal import Decimal

import pytest

from claims.editorial import ERROR, WARNING
from claims.editorial.quotechecks import holds_number, wording_of
from claims.editorial.report import check_claim, check_sources
from claims.ingest.sourcetexts import set_text
from claims.models import Claim, ClaimRelation, Company, FullText, Source

from .conftest import cite

pytestmark = pytest.mark.django_db


@pytest.fixture
def alibaba(db):
    return Company.objects.create(name="Alibaba Group", slug="alibaba", aliases=["Alibaba", "Aliyun"])


@pytest.fixture
def tencent(db):
    return Company.objects.create(name="Tencent", slug="tencent", aliases=["WeChat"])


def claim(source, key, text, quote, kind=Claim.Kind.ASSESSMENT, locator="section: Cloud", companies=(), **fields):
    made = Claim.objects.create(source=source, key=key, text=text, kind=kind, **fields)
    made.companies.set(companies)
    cite(claim=made, source=source, quote=quote, locator=locator)
    return made


def figure(source, key, value, quote, qualifier="exact", unit="percent", metric="Alibaba cloud share", **fields):
    return claim(
        source,
        key,
        f"Alibaba held {value}% of China's cloud market.",
        quote,
        kind=Claim.Kind.FIGURE,
        value=Decimal(str(value)),
        value_qualifier=qualifier,
        unit=unit,
        metric=metric,
        **fields,
    )


def findings(source, check):
    return [f for f in check_sources([source]) if f.check == check]


@pytest.mark.parametrize(
    ("quote", "value", "found"),
    [
        ("Alibaba held 43 percent of the market", "43", True),
        ("revenue reached RMB12,2 billion", "12.2", True),
        ("some 1,480 million users", "1.48", True),  # 1.48 billion, written in millions
        ("about half of all payments", "50", True),
        ("one-fifth of the world's internet users", "20", True),
        ("a billion users", "1", True),
        ("China ranked first in the number of papers", "1", True),
        ("losses fell 3.6% quarter on quarter", "-3.6", True),
        ("tens of millions of American teenagers", "10", True),
        ("Alibaba held a large share of the market", "43", False),
        ("revenue reached RMB12.3 bln", "12.2", False),
    ],
)
def test_a_number_in_any_written_form(quote, value, found):
    assert holds_number(quote, Decimal(value)) is found


def test_quote_has_number(source, alibaba):
    figure(source, "good", 43, "Alibaba Cloud held 43 percent of China's cloud market in 2019", companies=[alibaba])
    bad = figure(source, "bad", 43, "Alibaba Cloud led China's cloud market by a wide margin in 2019")
    found = findings(source, "quote-has-number")
    assert [(f.claim, f.severity, f.field) for f in found] == [(bad.key, ERROR, "citations/0/quote")]
    assert "no quote of this figure gives its number (43 percent)" in found[0].message


def test_quote_stands_alone(source, alibaba):
    claim(source, "named", "Alibaba grew.", "Alibaba grew", companies=[alibaba])
    claim(source, "long", "Cloud grew.", "the market for cloud services in China grew quickly that year")
    claim(source, "fragment", "Alibaba's cloud lost RMB12.3 bln.", "to RMB12.3 bln", companies=[alibaba])
    found = findings(source, "quote-stands-alone")
    assert [(f.claim, f.severity) for f in found] == [("fragment", WARNING)]
    assert "“to RMB12.3 bln” names neither the claim's subject nor its measure" in found[0].message


def test_locators_name_the_page_in_a_paginated_source(source):
    source.pages = "779–788"
    source.save()
    claim(source, "paged", "A.", "Alibaba's cloud business grew in the first quarter", locator="p. 781")
    claim(source, "section", "B.", "Tencent's cloud business grew in the first quarter", locator="section: Cloud")
    found = findings(source, "locator-page")
    assert [(f.claim, f.field) for f in found] == [("section", "citations/0/locator")]
    assert "names no page; this source is paginated: write p. N" in found[0].message


def test_a_locator_must_agree_with_the_page_map(source):
    text = "First page.\n\nAlibaba's cloud business grew in the first quarter.\n"
    set_text(source, text, origin=FullText.Origin.PASTE, page_map=[[0, "780"], [text.index("Alibaba"), "781"]])
    claim(source, "right", "A.", "Alibaba's cloud business grew in the first quarter", locator="p. 781")
    claim(source, "wrong", "B.", "Alibaba's cloud business grew", locator="p. 780")
    found = findings(source, "locator-page")
    assert [f.claim for f in found] == ["wrong"]
    assert "the source's text puts the quote on p. 781" in found[0].message


@pytest.mark.parametrize(
    ("quote", "implied"),
    [
        ("up to 11% of users", "under"),
        ("as many as 10 percent", "under"),
        ("nearly $700bn in payments", "approx"),
        ("more than 5.5 trillion dollars", "over"),
        ("exactly 43 percent", None),
    ],
)
def test_the_wording_a_quote_uses_for_its_number(quote, implied):
    assert wording_of(quote) == implied


def test_qualifier_wording(source):
    figure(source, "agrees", 11, "Alibaba Cloud served up to 11% of users", qualifier="under")
    figure(source, "disagrees", 50, "Alibaba Cloud handled up to 50 percent of traffic", qualifier="approx")
    found = findings(source, "qualifier-wording")
    assert [(f.claim, f.field) for f in found] == [("disagrees", "value/qualifier")]
    assert "reads as “less than”, but the figure is stored as “about”" in found[0].message


def test_near_duplicates_within_a_source(source):
    claim(source, "body", "Alibaba's cloud revenue grew 62% in fiscal 2019.", "cloud revenue grew 62 percent")
    claim(source, "abstract", "In fiscal 2019 Alibaba's cloud revenue grew 62%.", "revenue grew by 62 percent")
    claim(source, "other", "Tencent's games revenue fell in 2019.", "games revenue fell that year")
    found = findings(source, "near-duplicate")
    assert [(f.claim, f.severity) for f in found] == [("abstract", WARNING)]
    assert "says what body says" in found[0].message


def test_contradicts_between_compatible_figures_or_other_periods(source):
    share = figure(source, "share-2019", 43, "Alibaba held 43 percent in 2019")
    share.set_period("2019")
    share.save()
    half = figure(source, "half-2019", 50, "up to half of the market in 2019", qualifier="under")
    half.set_period("2019")
    half.save()
    later = figure(source, "share-2021", 38, "Alibaba held 38 percent in 2021")
    later.set_period("2021")
    later.save()
    real = figure(source, "share-60", 60, "Alibaba held 60 percent in 2019")
    real.set_period("2019")
    real.save()
    ClaimRelation.objects.create(from_claim=half, to_claim=share, type="contradicts")  # compatible
    ClaimRelation.objects.create(from_claim=later, to_claim=share, type="contradicts")  # another period
    ClaimRelation.objects.create(from_claim=real, to_claim=share, type="contradicts")  # a real contradiction
    found = {f.claim: f.message for f in findings(source, "relation-contradicts")}
    assert set(found) == {"half-2019", "share-2021"}
    assert "can both be true" in found["half-2019"] and "perhaps it updates it" in found["share-2021"]


def test_relations_in_a_circle_and_pairs_linked_twice(source):
    a = claim(source, "a", "A.", "Alibaba's cloud revenue grew fast")
    b = claim(source, "b", "B.", "Alibaba's cloud revenue grew quickly")
    c = claim(source, "c", "C.", "Alibaba's cloud revenue grew rapidly")
    ClaimRelation.objects.create(from_claim=a, to_claim=b, type="supports")
    ClaimRelation.objects.create(from_claim=b, to_claim=a, type="supports")
    ClaimRelation.objects.create(from_claim=c, to_claim=a, type="supports")
    cycles = findings(source, "relation-cycle")
    assert len(cycles) == 1 and "a restatement is not independent support" in cycles[0].message
    twice = findings(source, "relation-twice")
    assert [(f.claim, f.severity) for f in twice] == [("b", ERROR)]


def test_metrics_near_duplicate_labels_and_mixed_units(source):
    figure(source, "one", 43, "43 percent of the market", metric="Alibaba cloud market share")
    figure(source, "two", 44, "44 percent of the market", metric="Alibaba cloud market shares")
    figure(source, "three", 12, "12 billion in revenue", metric="Alibaba cloud revenue", unit="USD")
    figure(source, "four", 80, "80 billion in revenue", metric="Alibaba cloud revenue", unit="CNY")
    labels = findings(source, "metric-near-duplicate")
    assert len(labels) == 1 and "“Alibaba cloud market shares” is" in labels[0].message
    units = findings(source, "metric-units")
    assert len(units) == 1 and "mix units: CNY, USD" in units[0].message


def test_a_period_after_the_source_was_published(source):
    source.published, source.published_precision = datetime.date(2018, 1, 1), "month"
    source.save()
    past = claim(source, "past", "A.", "Alibaba's cloud grew in 2017")
    past.set_period("2017")
    past.save()
    later = claim(source, "later", "B.", "Alibaba's cloud will grow in 2019")
    later.set_period("2019")
    later.save()
    forecast = claim(source, "forecast", "C.", "Alibaba's cloud will grow in 2020", kind=Claim.Kind.FORECAST)
    forecast.set_period("2020")
    forecast.save()
    found = findings(source, "period-after-publication")
    assert [(f.claim, f.severity) for f in found] == [("later", ERROR)]


def test_a_company_named_but_not_filed_under(source, alibaba, tencent):
    claim(source, "tagged", "Alibaba grew.", "Alibaba grew quickly", companies=[alibaba])
    claim(source, "untagged", "WeChat grew.", "WeChat grew quickly", companies=[alibaba])
    found = findings(source, "untagged-company")
    assert [(f.claim, f.message) for f in found] == [("untagged", "names Tencent but is not filed under it")]


def test_a_claim_accepts_a_finding_with_a_reason(source):
    bad = figure(source, "bad", 43, "Alibaba Cloud led China's cloud market by a wide margin")
    bad.accepted_checks = {"quote-has-number": "the number is in the source's table, not its prose"}
    bad.save()
    (found,) = findings(source, "quote-has-number")
    assert found.accepted == "the number is in the source's table, not its prose" and not found.counts
    assert "[accepted: the number is in the source's table, not its prose]" in str(found)


def test_a_claims_own_findings(source):
    bad = figure(source, "bad", 43, "Alibaba Cloud led China's cloud market by a wide margin")
    figure(source, "good", 44, "Alibaba Cloud held 44 percent of China's cloud market")
    assert {f.claim for f in check_claim(bad)} == {"bad"}


def test_forecasts_are_checked_like_figures(source):
    forecast = claim(
        source,
        "forecast",
        "Analysts expect Alibaba Cloud's share to reach 50% by 2024.",
        "Alibaba Cloud will keep a large share",
        kind=Claim.Kind.FORECAST,
        value=50,
        unit="percent",
    )
    assert [f.claim for f in findings(source, "quote-has-number")] == [forecast.key]


def test_a_second_source(source):
    other = Source.objects.create(key="other-2019", kind="report", title="Other")
    figure(other, "bad", 43, "Alibaba Cloud led by a wide margin")
    assert findings(source, "quote-has-number") == []


def test_the_claim_page_shows_its_findings_and_takes_an_accepted_reason(client, editor, source):
    from django.urls import reverse

    from .test_admin_evidence import change_data

    bad = figure(source, "bad", 43, "Alibaba Cloud led China's cloud market by a wide margin")
    client.force_login(editor)
    url = reverse("admin:claims_claim_change", args=[bad.pk])
    page = client.get(url).content.decode()
    assert "<code>quote-has-number</code>" in page and "no quote of this figure gives its number" in page
    data = change_data(bad, value="43", unit="percent", value_qualifier="exact", scale="", metric=bad.metric)
    data["accepted_checks"] = '{"quote-has-nmber": "typo"}'
    assert "No check is called “quote-has-nmber”" in client.post(url, data).content.decode()
    data["accepted_checks"] = '{"quote-has-number": "the number is in the table beside this sentence"}'
    assert client.post(url, data).status_code == 302
    bad.refresh_from_db()
    assert bad.accepted_checks == {"quote-has-number": "the number is in the table beside this sentence"}
    assert "accepted: the number is in the table beside this sentence" in client.get(url).content.decode()


def test_the_schema_knows_every_check():
    import json
    from pathlib import Path

    from django.conf import settings

    from claims.editorial import CHECKS

    schema = json.loads((Path(settings.BASE_DIR) / "fixtures" / "schema.json").read_text())
    assert schema["$defs"]["claim"]["properties"]["accept"]["propertyNames"]["enum"] == list(CHECKS)
