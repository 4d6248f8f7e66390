"""Tests for claims.models.parse_period: the one-field period of the fixture
format and of the claim form."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings

from claims.models import Claim, parse_period

FIXTURES_DOC = Path(settings.BASE_DIR) / "docs" / "fixtures.md"


def documented_periods():
    """Every period notation docs/fixtures.md gives in its `period` row."""
    row = next(line for line in FIXTURES_DOC.read_text().splitlines() if line.startswith("| `period` |"))
    return re.findall(r"`([0-9][^`]*)`", row)


def test_the_documented_notations_are_found():
    assert len(documented_periods()) >= 6


@pytest.mark.parametrize("code", documented_periods())
def test_every_documented_notation_round_trips(code):
    claim = Claim()
    claim.set_period(code)
    assert claim.period_code == code


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2016–2019", "2016/2019"),
        ("2016—2019", "2016/2019"),
        ("2016-2019", "2016/2019"),
        ("2016 / 2019", "2016/2019"),
        ("2016 to 2019", "2016/2019"),
        (" 2020-Q1 ", "2020-Q1"),
        ("2019/2019", "2019"),
    ],
)
def test_what_curators_type_is_stored_in_the_fixture_notation(typed, stored):
    claim = Claim()
    claim.set_period(typed)
    assert claim.period_code == stored


def test_a_quarter_covers_its_three_months():
    assert parse_period("2020-Q1") == (datetime.date(2020, 1, 1), "quarter", datetime.date(2020, 3, 31), "quarter")


def test_blank_is_no_period():
    assert parse_period("  ") == (None, "", None, "")


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("2020-Q5", "is not a date of the form"),
        ("2019-13", "has no month 13"),
        ("2019-02-30", "is not a real calendar date"),
        ("2020/2019", "ends before it starts"),
        ("next year", "is not a date of the form"),
        ("2016/2017/2018", "more than two ends"),
        ("Q1 2020", "is not a date of the form"),
    ],
)
def test_a_bad_period_says_what_is_wrong(code, says):
    with pytest.raises(ValueError, match=re.escape(says)) as raised:
        parse_period(code)
    assert repr(code) in str(raised.value)
