"""docs/curation.md: the curation guide has its sections, and every example
in it is checked against what it describes: claims against the seed fixtures,
periods against the model's own parser, kinds, qualifiers and relation types
against the model's choices. No database: the fixtures are read as JSON."""

import json
import re
from pathlib import Path

import pytest

from claims.models import Claim, ClaimRelation

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "curation.md"

# The stable headings (the admin links to some by anchor: #periods, #choosing-a-metric-label).
HEADINGS = [
    "What makes a claim",
    "Kinds",
    "Periods",
    "Qualifiers",
    "Choosing a metric label",
    "Relations",
    "Locators",
    "When a quote is evidence on its own",
    "Adding a company or topic",
    "Workflow",
    "From the admin back to fixture files",
]

# `source-key/claim-key`. A source key starts with its author's name, which
# keeps intervals such as `1991/2016` from counting as references.
REFERENCE = re.compile(r"`([a-z][a-z0-9-]*)/([a-z0-9][a-z0-9-]*)`")
BACKTICKED = re.compile(r"`([^`\n]+)`")
# A bare lowercase word in backticks names a value: a kind, a qualifier, a relation type.
VALUE = re.compile(r"[a-z]+")
MIN_EXAMPLES = 8

# Each of these wordings has exactly one rule in the qualifier table.
HEDGES = ["up to", "as many as", "nearly", "almost", "over", "more than", "about", "at least"]


@pytest.fixture(scope="module")
def guide():
    assert GUIDE.exists(), "docs/curation.md is missing"
    return GUIDE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed_claims():
    """{(source key, claim key)} of every claim in fixtures/sources/."""
    found = set()
    for path in sorted((ROOT / "fixtures" / "sources").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found |= {(data["source"]["key"], claim["key"]) for claim in data["claims"]}
    return found


def section(text, heading):
    """The body of the '## heading' section, up to the next '## ' heading."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"docs/curation.md has no section '## {heading}'"
    return match.group(1)


def table_rows(text):
    """The cells of every body row of the Markdown tables in text (header and rule left out)."""
    rows, block = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            block.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        else:
            rows += block[2:]
            block = []
    return rows


def named_values(text):
    return {token for token in BACKTICKED.findall(text) if VALUE.fullmatch(token)}


def test_guide_has_every_section(guide):
    headings = re.findall(r"^## (.+)$", guide, re.MULTILINE)
    missing = [heading for heading in HEADINGS if heading not in headings]
    assert not missing, f"docs/curation.md lacks the sections {missing}"


def test_every_example_is_a_real_seed_claim(guide, seed_claims):
    references = set(REFERENCE.findall(guide))
    assert len(references) >= MIN_EXAMPLES, f"only {len(references)} example claims; give at least {MIN_EXAMPLES}"
    unknown = sorted(f"{source}/{claim}" for source, claim in references - seed_claims)
    assert not unknown, f"docs/curation.md cites claims that are not in fixtures/sources/: {unknown}"


@pytest.mark.parametrize("heading", ["Kinds", "Periods", "Qualifiers", "Relations", "Locators"])
def test_examples_are_spread_across_sections(guide, heading):
    assert REFERENCE.search(section(guide, heading)), f"'## {heading}' gives no example claim"


def test_period_examples_parse_with_the_models_parser(guide):
    codes = [token for token in BACKTICKED.findall(section(guide, "Periods")) if token[:1].isdigit()]
    assert {"2020", "2020-Q1", "2019-03", "2018-12-19", "2016/2019"} <= set(codes)
    refused = {}
    for code in codes:
        claim = Claim()  # unsaved: set_period needs no database
        try:
            claim.set_period(code)
        except ValueError as error:
            refused[code] = str(error)
            continue
        assert claim.period_start <= claim.period_end, code
    assert not refused, f"period examples the model refuses: {refused}"


def test_slash_period_examples_are_valid_in_fixture_files(guide):
    # The guide tells curators to write the slash in files: those forms must pass the schema.
    schema = json.loads((ROOT / "fixtures" / "schema.json").read_text(encoding="utf-8"))
    pattern = schema["$defs"]["period"]["pattern"]
    codes = [token for token in BACKTICKED.findall(section(guide, "Periods")) if token[:1].isdigit()]
    invalid = [code for code in codes if "–" not in code and not re.fullmatch(pattern, code)]
    assert not invalid, f"period examples fixtures/schema.json refuses: {invalid}"


def test_kinds_are_the_models_kinds(guide):
    text = section(guide, "Kinds")
    assert named_values(text) <= set(Claim.Kind.values), named_values(text) - set(Claim.Kind.values)
    tabled = {kind for row in table_rows(text) for kind in BACKTICKED.findall(row[0])}
    assert tabled == set(Claim.Kind.values), "the kinds table must give each of the model's kinds once"


def test_qualifiers_are_the_models_qualifiers(guide):
    text = section(guide, "Qualifiers")
    unknown = named_values(text) - set(Claim.Qualifier.values)
    assert not unknown, f"qualifiers the model does not have: {unknown}"
    rows = table_rows(text)
    used = {value for row in rows for value in BACKTICKED.findall(row[1])}
    assert used == set(Claim.Qualifier.values), f"the qualifier table must use each qualifier: {used}"


@pytest.mark.parametrize("hedge", HEDGES)
def test_each_hedge_has_exactly_one_rule(guide, hedge):
    rows = table_rows(section(guide, "Qualifiers"))
    rules = [row for row in rows if hedge in re.findall(r'"([^"]+)"', row[0])]
    assert len(rules) == 1, f'"{hedge}" must appear in exactly one row of the qualifier table, not {len(rules)}'
    assert BACKTICKED.findall(rules[0][1]), f'the rule for "{hedge}" names no qualifier'


def test_relation_types_are_the_models_types(guide):
    text = section(guide, "Relations")
    unknown = named_values(text) - set(ClaimRelation.Type.values)
    assert not unknown, f"relation types the model does not have: {unknown}"
    tabled = {kind for row in table_rows(text) for kind in BACKTICKED.findall(row[0])}
    assert tabled == set(ClaimRelation.Type.values), "the relations table must explain each type"
