"""Downloads for analysis (pandas, R, a spreadsheet): periods as two date
columns, values on one scale, one name per field across CSV, JSON, JSON
Lines and the API, a citations cell a program can split, and a citations
download with one row per citation."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.dataout.rows import CITATION_COLUMNS, CLAIM_COLUMNS
from claims.models import Claim

from .conftest import add_published_claims, cite, make_claim

pytestmark = pytest.mark.django_db
BASE = "http://testserver"


def download(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.getvalue().decode()


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def by_key(rows):
    return {row["key"]: row for row in rows}


def number(value):
    """A cell or a JSON value as a Decimal, so that '15.4', 15.4 and Decimal('15.400000') compare equal."""
    return None if value in ("", None) else Decimal(str(value)).normalize()


def test_periods_come_as_first_and_last_day(client, corpus):
    ranged = make_claim(corpus.danilin, "ranged", kind=Claim.Kind.FIGURE, value="12.25", value_max="13.5", unit="%")
    ranged.set_period("2019-07/2020-Q1")
    ranged.save()
    for rows in (csv_rows(download(client, "/claims.csv")), json.loads(download(client, "/claims.json"))):
        rows = by_key(rows)
        assert (rows["market-2018"]["period_start"], rows["market-2018"]["period_end"]) == ("2018-01-01", "2018-12-31")
        assert (rows["ranged"]["period_start"], rows["ranged"]["period_end"]) == ("2019-07-01", "2020-03-31")
        assert rows["fintech-rivalry"]["period"] == "2018-Q2"


def test_values_come_in_base_units_beside_the_value_as_stated(client, corpus):
    make_claim(
        corpus.sacks, "users", kind=Claim.Kind.FIGURE, value="256000", unit="users", scale=Claim.Scale.ONE
    ).save()
    make_claim(
        corpus.sacks, "revenue", kind=Claim.Kind.FIGURE, value="1.48", value_max="1.5", unit="USD", scale="billion"
    ).save()
    csv_by_key = by_key(csv_rows(download(client, "/claims.csv")))
    json_by_key = by_key(json.loads(download(client, "/claims.json")))
    for rows in (csv_by_key, json_by_key):
        market = rows["market-2018"]
        assert number(market["value"]) == Decimal("15.4") and market["scale"] == "trillion"
        assert number(market["value_base"]) == Decimal("15400000000000") and market["unit"] == "USD"
        assert number(rows["revenue"]["value_base"]) == Decimal("1480000000")
        assert number(rows["revenue"]["value_max_base"]) == Decimal("1500000000")
        assert number(rows["users"]["value_base"]) == Decimal("256000")
        assert number(rows["fintech-rivalry"]["value_base"]) is None  # an event has no value
    # A number, not a string, where JSON has numbers: pandas reads the column as numbers.
    assert json_by_key["revenue"]["value_base"] == 1480000000


def test_one_name_per_field_across_csv_json_and_the_api(client, corpus):
    api = {row["key"]: row for row in client.get("/api/claims/?limit=100").json()["results"]}
    exports = {
        "csv": by_key(csv_rows(download(client, "/claims.csv"))),
        "json": by_key(json.loads(download(client, "/claims.json"))),
        "jsonl": by_key(json.loads(line) for line in download(client, "/claims.jsonl").splitlines()),
    }
    assert "qualifier" not in CLAIM_COLUMNS and "value_qualifier" in CLAIM_COLUMNS
    for format, rows in exports.items():
        assert set(rows) == set(api)
        for key, row in rows.items():
            missing = set(row) - set(api[key])
            assert not missing, f"{format} names fields the API does not: {sorted(missing)}"
            for name in ("url", "source", "text", "kind", "period", "period_start", "period_end"):
                assert str(row[name]) == str(api[key][name]), (format, key, name)
            for name in ("value", "value_max", "value_base", "value_max_base"):
                assert number(row[name]) == number(api[key][name]), (format, key, name)
            assert row["value_qualifier"] == api[key]["value_qualifier"]


def test_the_csv_citations_cell_splits_back_into_its_citations(client, corpus):
    claim = make_claim(corpus.sacks, "two-quotes", cited=False)
    cite(claim=claim, source=corpus.sacks, quote="first: a quote, with commas", locator="section: Internet finance")
    cite(claim=claim, source=corpus.danilin, quote="second | quote", locator="p. 3")
    (row,) = [row for row in csv_rows(download(client, "/claims.csv")) if row["key"] == "two-quotes"]
    (item,) = [item for item in json.loads(download(client, "/claims.json")) if item["key"] == "two-quotes"]
    assert json.loads(row["citations"]) == item["citations"]
    assert [c["locator"] for c in item["citations"]] == ["section: Internet finance", "p. 3"]


@pytest.mark.parametrize("format", ["csv", "json", "jsonl"])
def test_citations_download_has_one_row_per_citation(client, corpus, format):
    claim = corpus.cloud_event
    cite(claim=claim, source=corpus.sacks, quote="Alibaba Cloud went abroad", locator="section: Cloud, p. 9")
    text = download(client, f"/citations.{format}?company=alibaba")
    if format == "csv":
        assert text.splitlines()[0] == ",".join(CITATION_COLUMNS)
        rows = csv_rows(text)
    else:
        rows = json.loads(text) if format == "json" else [json.loads(line) for line in text.splitlines()]
    claims = list(Claim.objects.public().filter(companies=corpus.alibaba).prefetch_related("citations__source"))
    expected = sorted(
        (f"{BASE}{c.get_absolute_url()}", citation.source.key, citation.locator, citation.quote)
        for c in claims
        for citation in c.citations.all()
    )
    got = sorted((row["claim_url"], row["source"], row["locator"], row["quote"]) for row in rows)
    assert got == expected and len(got) > len(claims)
    row = next(row for row in rows if row["locator"] == "section: Cloud, p. 9")
    assert row["claim_key"] == claim.key and row["claim_source"] == claim.source.key
    assert row["verification"] == "no_text" and row["check"].startswith("not checked")


def test_citations_download_leaves_out_unpublished_claims(client, corpus):
    text = download(client, "/citations.csv")
    assert "zebra" not in text.lower()
    hidden = {f"{BASE}{claim.get_absolute_url()}" for claim in corpus.unpublished}
    assert not hidden & {row["claim_url"] for row in csv_rows(text)}


def test_citations_download_runs_a_constant_number_of_queries(client, corpus):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            download(client, "/citations.csv?kind=figure&kind=event")
        return len(captured)

    five = queries()
    add_published_claims(corpus, 45)
    assert queries() == five


def test_the_claim_list_links_the_citations_download(client, corpus):
    page = client.get("/?company=alibaba").content.decode()
    assert 'href="/citations.csv?company=alibaba"' in page
