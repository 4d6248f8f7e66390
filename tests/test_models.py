import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from claims.models import (
    QUOTE_MAX_LENGTH,
    Author,
    Citation,
    Claim,
    ClaimRelation,
    Company,
    Source,
    Topic,
    format_partial_date,
    parse_partial_date,
)
from claims.quotes import SourceText

from .conftest import make_claim

pytestmark = pytest.mark.django_db


def messages_of(excinfo):
    return " ".join(excinfo.value.messages)


def assert_db_rejects(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


# -- dates and periods -----------------------------------------------------------


@pytest.mark.parametrize(
    "code, start, end, precision",
    [
        ("2016", datetime.date(2016, 1, 1), datetime.date(2016, 12, 31), "year"),
        ("2020-Q1", datetime.date(2020, 1, 1), datetime.date(2020, 3, 31), "quarter"),
        ("2020-Q4", datetime.date(2020, 10, 1), datetime.date(2020, 12, 31), "quarter"),
        ("2020-02", datetime.date(2020, 2, 1), datetime.date(2020, 2, 29), "month"),
        ("2018-12-19", datetime.date(2018, 12, 19), datetime.date(2018, 12, 19), "day"),
    ],
)
def test_partial_dates_round_trip(code, start, end, precision):
    assert parse_partial_date(code) == (start, precision)
    assert parse_partial_date(code, end=True) == (end, precision)
    assert format_partial_date(start, precision) == code


@pytest.mark.parametrize("bad", ["2020-13", "2019-02-30", "20201", "Q1 2020", "2020-Q5", ""])
def test_invalid_partial_dates_say_why(bad):
    with pytest.raises(ValueError, match="YYYY|not a real calendar date|no month"):
        parse_partial_date(bad)


def test_period_interval_and_display(source):
    claim = Claim(source=source, key="k", text="t", kind="event")
    claim.set_period("1991/2016")
    assert (claim.period_start, claim.period_end) == (datetime.date(1991, 1, 1), datetime.date(2016, 12, 31))
    assert claim.period_display == "1991–2016"
    assert claim.period_code == "1991/2016"
    claim.set_period("2020-Q1")
    assert claim.period_display == "2020-Q1"


# -- claim rules: clean() and the database ---------------------------------------


def test_figure_needs_value_and_unit(source):
    claim = Claim(source=source, key="fig", text="A figure.", kind=Claim.Kind.FIGURE)
    with pytest.raises(ValidationError) as excinfo:
        claim.full_clean()
    assert "A figure needs a value." in messages_of(excinfo)
    assert "A figure needs a unit" in messages_of(excinfo)
    assert_db_rejects(lambda: claim.save())


def test_figure_with_value_and_unit_is_valid(source):
    claim = Claim(
        source=source, key="fig", text="A figure.", kind="figure", value=Decimal("12.2"), unit="CNY", scale="billion"
    )
    claim.full_clean()
    claim.save()
    assert claim.value_display == "12.2 billion CNY"
    assert claim.value_base == Decimal("12200000000")


def test_only_figures_and_forecasts_carry_values(source):
    claim = Claim(source=source, key="ev", text="An event.", kind="event", value=3, unit="USD")
    with pytest.raises(ValidationError, match="Only figures and forecasts carry a value"):
        claim.full_clean()


def test_a_forecast_may_carry_the_value_it_predicts(source):
    forecast = Claim(
        source=source,
        key="fc",
        text="Analysts expect Alibaba Cloud's share to reach 50% by 2024.",
        kind=Claim.Kind.FORECAST,
        value=50,
        unit="percent",
        metric="Alibaba cloud market share in China",
    )
    forecast.full_clean()
    forecast.unit = ""
    with pytest.raises(ValidationError, match="A forecast with a value needs its unit"):
        forecast.full_clean()


def test_quotation_needs_speaker(source):
    claim = Claim(source=source, key="q", text="Jack Ma said so.", kind=Claim.Kind.QUOTATION)
    with pytest.raises(ValidationError, match="A quotation needs its speaker"):
        claim.full_clean()
    assert_db_rejects(lambda: claim.save())


def test_retraction_needs_reason(source):
    claim = Claim(source=source, key="r", text="t", kind="event", status=Claim.Status.RETRACTED)
    with pytest.raises(ValidationError, match="Say why the claim is retracted"):
        claim.full_clean()
    assert_db_rejects(lambda: claim.save())


def test_period_must_not_end_before_it_starts(source):
    claim = Claim(
        source=source,
        key="p",
        text="t",
        kind="event",
        period_start=datetime.date(2020, 1, 1),
        period_start_precision="year",
        period_end=datetime.date(2019, 12, 31),
        period_end_precision="year",
    )
    with pytest.raises(ValidationError, match="must not end before it starts"):
        claim.full_clean()
    assert_db_rejects(lambda: claim.save())


def test_range_upper_bound_not_below_lower(source):
    claim = Claim(source=source, key="r", text="t", kind="figure", value=10, value_max=5, unit="percent")
    with pytest.raises(ValidationError, match="upper bound"):
        claim.full_clean()
    assert_db_rejects(lambda: claim.save())


def test_claim_key_unique_within_source(source):
    make_claim(source, "same")
    duplicate = Claim(source=source, key="same", text="again", kind="event")
    with pytest.raises(ValidationError, match="already exists"):
        duplicate.full_clean()
    assert_db_rejects(lambda: duplicate.save())


# -- citations -------------------------------------------------------------------------


def test_quote_length_is_capped(source):
    draft = make_claim(source, "draft", status=Claim.Status.DRAFT)
    citation = Citation(claim=draft, source=source, quote="x" * (QUOTE_MAX_LENGTH + 1), locator="p. 2")
    with pytest.raises(ValidationError, match=f"at most {QUOTE_MAX_LENGTH} characters"):
        citation.full_clean()
    assert_db_rejects(lambda: citation.save())


def test_one_citation_per_claim_source_and_quote(source):
    draft = make_claim(source, "draft", status=Claim.Status.DRAFT)
    existing = draft.citations.get()
    duplicate = Citation(claim=draft, source=source, quote=existing.quote, locator="p. 9")
    with pytest.raises(ValidationError, match="already exists"):
        duplicate.full_clean()
    assert_db_rejects(lambda: duplicate.save())


def test_citation_verification_records_position_and_context(published_claim, source):
    text = SourceText("Intro text here. China’s Internet com-\npanies have benefited from the quarantine. More.")
    citation = Citation(
        claim=published_claim,
        source=source,
        quote="China's Internet companies have benefited from the quarantine",
        locator="p. 779",
    )
    citation.verify(text)
    assert citation.verification == Citation.Verification.NORMALISED
    assert citation.position == text.text.index("China")
    assert citation.prefix == "Intro text here."
    assert citation.suffix == ". More."
    assert citation.verified_at is not None


def test_citation_not_found_is_recorded(published_claim, source):
    citation = Citation(claim=published_claim, source=source, quote="Nothing like this at all", locator="p. 1")
    citation.verify(SourceText("Completely different words in the source."))
    assert citation.verification in (Citation.Verification.NOT_FOUND, Citation.Verification.FUZZY)
    assert citation.position is None


# -- other models -------------------------------------------------------------------------


def test_source_date_needs_precision(db):
    source = Source(key="s", kind="report", title="T", published=datetime.date(2018, 1, 1))
    with pytest.raises(ValidationError, match="needs its precision"):
        source.full_clean()
    assert_db_rejects(lambda: source.save())


def test_source_without_date_is_undated(db):
    source = Source.objects.create(key="s", kind="web_article", title="T")
    assert source.published_display == "n.d."


def test_source_key_must_be_a_slug(db):
    with pytest.raises(ValidationError, match="lowercase letters"):
        Source(key="Not A Slug", kind="report", title="T").full_clean()


def test_author_is_person_or_organisation(source):
    author = Author(source=source, position=0, family="Sacks", organisation="CSIS")
    assert_db_rejects(lambda: author.save())
    with pytest.raises(ValidationError, match="either a person"):
        author.full_clean()


def test_company_parents_cannot_cycle(alibaba):
    ant = Company.objects.create(name="Ant Financial", slug="ant-financial", parent=alibaba)
    alibaba.parent = ant
    with pytest.raises(ValidationError, match="cycle"):
        alibaba.full_clean()


def test_company_wikidata_id_format(db):
    with pytest.raises(ValidationError, match="Wikidata item id"):
        Company(name="X", slug="x", wikidata_id="12345").full_clean()


def test_topic_cannot_be_its_own_parent(cloud):
    cloud.parent = cloud
    with pytest.raises(ValidationError, match="cycle"):
        cloud.full_clean()
    assert_db_rejects(lambda: Topic.objects.filter(pk=cloud.pk).update(parent=cloud))


def test_relation_cannot_point_to_itself(published_claim):
    relation = ClaimRelation(from_claim=published_claim, to_claim=published_claim, type="supports")
    with pytest.raises(ValidationError, match="cannot relate to itself"):
        relation.full_clean()
    assert_db_rejects(lambda: relation.save())


# -- public() --------------------------------------------------------------------------


def test_public_excludes_draft_review_and_retracted(source):
    published = make_claim(source, "published")
    make_claim(source, "draft", status=Claim.Status.DRAFT)
    make_claim(source, "review", status=Claim.Status.REVIEW)
    make_claim(source, "retracted", status=Claim.Status.RETRACTED, retraction_reason="Misread the table.")
    assert list(Claim.objects.public()) == [published]


# -- workflow ------------------------------------------------------------------------------


def test_publish_needs_a_citation(source, editor):
    claim = make_claim(source, "uncited", status=Claim.Status.REVIEW, cited=False)
    with pytest.raises(ValidationError, match="at least one citation"):
        claim.publish(editor)


def test_curator_cannot_publish_or_retract(source, curator):
    claim = make_claim(source, "c", status=Claim.Status.REVIEW)
    with pytest.raises(PermissionError, match="Only editors"):
        claim.publish(curator)
    claim.status = Claim.Status.PUBLISHED
    with pytest.raises(PermissionError, match="Only editors"):
        claim.retract(curator, "because")


def test_full_workflow_records_who_and_when(source, curator, editor):
    claim = make_claim(source, "w", status=Claim.Status.DRAFT)
    claim.submit(curator)
    assert claim.status == Claim.Status.REVIEW and claim.submitted_by == curator
    claim.publish(editor)
    assert claim.status == Claim.Status.PUBLISHED and claim.published_by == editor and claim.published_at
    with pytest.raises(ValidationError, match="Say why"):
        claim.retract(editor, "  ")
    claim.retract(editor, "The source corrected the figure.")
    claim.save()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.RETRACTED
    assert claim.retraction_reason == "The source corrected the figure."


def test_cannot_submit_twice(source, curator):
    claim = make_claim(source, "s", status=Claim.Status.REVIEW)
    with pytest.raises(ValidationError, match="Only drafts"):
        claim.submit(curator)
