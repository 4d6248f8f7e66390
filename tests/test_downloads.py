"""Downloads: list exports (CSV, JSON, JSON Lines), citation records, the Atom
feed and JSON-LD. Each format is read back with its standard reader; what
the public may not see never leaves; an export holds exactly what the list
page shows for the same query string."""

import csv
import datetime
import html
import io
import json
import re
import xml.etree.ElementTree as ET

import bibtexparser
import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims import evidence
from claims.dataout.rows import CLAIM_COLUMNS, claim_row, claim_rows
from claims.models import Author, Citation, Claim, Source
from claims.public.filters import ClaimFilterSet

from .conftest import add_published_claims, cite, make_claim

pytestmark = pytest.mark.django_db

ATOM = {"atom": "http://www.w3.org/2005/Atom"}
# What the exports say of the quotes these tests cite (conftest.cite): unchecked, with the reason.
HAND_CHECKED = "not checked: checked by hand against the printed copy"
BASE = "http://testserver"


def download(client, url, content_type=None):
    response = client.get(url)
    assert response.status_code == 200, url
    if content_type:
        assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    return response.getvalue().decode()


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def json_lines(text):
    return [json.loads(line) for line in text.splitlines()]


def exported_ids(client, query, format="jsonl"):
    text = download(client, f"/claims.{format}?{query}")
    rows = {"csv": csv_rows, "json": json.loads, "jsonl": json_lines}[format](text)
    return [int(row["id"]) for row in rows]


def listed_ids(client, query):
    """The ids of the claims the claim list shows for the query string, on every page, in order."""
    pages, url = [], f"/?{query}"
    while url:
        page = client.get(url).content.decode()
        pages.append([int(pk) for pk in re.findall(r'<p class="claim-text" id="claim-(\d+)">', page)])
        following = re.search(r'<a href="([^"]+)" rel="next">', page)
        url = "/" + html.unescape(following.group(1)) if following else None
    return pages


def filtered_ids(query):
    """The ids ClaimFilterSet gives for the query string, as the list view builds it."""
    filterset = ClaimFilterSet(data=QueryDict(query), queryset=Claim.objects.public())
    return list(filterset.qs.values_list("pk", flat=True))


def json_ld(page):
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return json.loads(block)


def parse_ris(text):
    records, fields = [], {}
    for line in text.splitlines():
        if not line:
            continue
        tag, sep, value = line.partition("  - ")
        assert sep and len(tag) == 2, line
        if tag == "ER":
            records.append(fields)
            fields = {}
        else:
            fields.setdefault(tag, []).append(value)
    assert not fields, "a record without ER"
    return records


def parse_bibtex(text):
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks, library.failed_blocks
    return library.entries


# -- claim exports -----------------------------------------------------------------------------


def test_claim_csv_has_every_field(client, corpus):
    response = client.get("/claims.csv")
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="claims.csv"'
    text = download(client, "/claims.csv", "text/csv; charset=utf-8")
    assert text.splitlines()[0] == ",".join(CLAIM_COLUMNS)
    rows = {row["key"]: row for row in csv_rows(text)}
    assert set(rows) == {claim.key for claim in corpus.published}
    row = rows["market-2018"]
    assert row["url"] == f"{BASE}/claims/{corpus.market_2018.source.key}/{corpus.market_2018.key}/"
    assert (row["text"], row["kind"], row["period"]) == (corpus.market_2018.text, "figure", "2018")
    assert (row["value"], row["value_max"], row["unit"], row["scale"]) == ("15.4", "", "USD", "trillion")
    assert row["metric"] == "China mobile-payment market size"
    assert row["companies"] == "alibaba | tencent" and row["topics"] == "mobile-payments"
    (citation,) = json.loads(row["citations"])
    assert (citation["source"], citation["locator"], citation["check"]) == (
        "sacks-2018-disruptors",
        "p. 1",
        HAND_CHECKED,
    )
    assert citation["quote"] == "China's mobile payments market is now valued at $15.4 trillion"
    assert rows["fintech-rivalry"]["period"] == "2018-Q2"


def test_claim_json_and_json_lines_carry_the_same_rows(client, corpus):
    array = json.loads(download(client, "/claims.json", "application/json"))
    lines = json_lines(download(client, "/claims.jsonl", "application/x-ndjson"))
    assert array == lines and len(array) == 5
    row = next(row for row in array if row["key"] == "market-2017")
    assert row["value"] == 5.5 and row["companies"] == ["ant-financial"]
    assert row["citations"] == [
        {
            "source": "danilin-2020-covid",
            "quote": "the mobile payment market exceeded 5.5 trillion dollars",
            "locator": "p. 1",
            "verification": "no_text",
            "unchecked_reason": "checked by hand against the printed copy",
            "check": "not checked: checked by hand against the printed copy",
        }
    ]
    assert json.loads(download(client, "/claims.json?q=giraffes")) == []
    assert download(client, "/claims.jsonl?q=giraffes") == ""


def test_fast_rows_are_the_rows_of_the_model(corpus):
    """claim_rows() reads values, not instances: it must give exactly claim_row() of each claim."""
    add_published_claims(corpus, 10)
    ranged = make_claim(corpus.danilin, "ranged", kind=Claim.Kind.FIGURE, value="12.25", value_max="13.5", unit="%")
    ranged.set_period("2019-07/2020-Q1")
    ranged.save()
    queryset = ClaimFilterSet(data=QueryDict(""), queryset=Claim.objects.public()).qs
    expected = [claim_row(claim, BASE) for claim in queryset.for_export()]
    assert list(claim_rows(queryset, BASE, chunk_size=4)) == expected
    assert next(row for row in expected if row["key"] == "ranged")["period"] == "2019-07/2020-Q1"


def test_download_filenames_name_the_filters(client, corpus):
    response = client.get("/claims.csv?company=alibaba&kind=figure&sort=oldest&after=xyz")
    assert response["Content-Disposition"] == 'attachment; filename="claims-alibaba-figure.csv"'
    response = client.get("/claims.jsonl?q=%E8%9A%82%E8%9A%81+group")
    assert response["Content-Disposition"].startswith("attachment; filename=")


# Several kinds of query string, each over more claims than one page of the list holds.
QUERIES = [
    "",
    "q=alibaba+payments",
    "q=alibaba&sort=oldest",
    "company=alibaba&topic=mobile-payments",
    "company=tencent&topic=digital-economy&sort=source-newest",
    "kind=figure",
    "kind=event&kind=assessment&source=sacks-2018-disruptors",
    "metric=China+mobile-payment+market+size",
    "period_from=2005&period_to=2012-06&sort=oldest",
    "period_from=2018-13&kind=figure",  # an invalid filter is ignored by both
    "company=nobody",
]


@pytest.mark.parametrize("query", QUERIES)
def test_an_export_holds_exactly_what_the_list_shows(client, corpus, query):
    add_published_claims(corpus, 70)
    pages = listed_ids(client, query)
    listed = [pk for page in pages for pk in page]
    exported = exported_ids(client, query)
    assert exported == filtered_ids(query)  # no page limit: the whole filtered set, in order
    assert exported == listed  # every page of the list, in the list's order
    assert exported[: len(pages[0])] == pages[0]
    assert exported_ids(client, query, "csv") == exported == exported_ids(client, query, "json")


def test_more_claims_than_a_page(client, corpus):
    add_published_claims(corpus, 70)
    assert len(listed_ids(client, "")[0]) == 50
    assert len(exported_ids(client, "")) == 75


# -- nothing unpublished -----------------------------------------------------------------------


@pytest.mark.parametrize("format", ["csv", "json", "jsonl"])
@pytest.mark.parametrize(
    "query", ["", "q=zebra", "company=hidden-co", "topic=hidden-topic", "source=hidden-source", "kind=forecast"]
)
def test_claim_exports_never_include_unpublished_claims(client, corpus, format, query):
    text = download(client, f"/claims.{format}?{query}")
    assert "zebra" not in text.lower()
    hidden = {claim.pk for claim in corpus.unpublished}
    assert not hidden & set(exported_ids(client, query, format))


@pytest.mark.parametrize("format", ["csv", "json", "jsonl"])
def test_source_and_company_exports_leave_out_what_no_published_claim_uses(client, corpus, format):
    sources = download(client, f"/sources.{format}")
    assert "danilin-2020-covid" in sources and "sacks-2018-disruptors" in sources
    assert "hidden-source" not in sources
    companies = download(client, f"/companies.{format}")
    assert "ant-financial" in companies and "hidden-co" not in companies


def test_claim_citations_of_unpublished_claims_are_not_found(client, corpus):
    for claim in corpus.unpublished:
        for format in ("bib", "ris", "csl.json"):
            assert client.get(f"/claims/{claim.pk}/cite.{format}").status_code == 404
            assert client.get(f"{claim.get_absolute_url()}cite.{format}").status_code == 404
    assert client.get("/sources/hidden-source/cite.bib").status_code == 404
    assert client.get("/claims.xml").status_code == 404


# -- sources and companies ---------------------------------------------------------------------


def test_source_export_matches_the_source_list(client, corpus):
    rows = csv_rows(download(client, "/sources.csv?kind=journal_article"))
    assert [row["key"] for row in rows] == ["danilin-2020-covid"]
    assert rows[0]["authors"] == "Danilin, I. V." and rows[0]["published"] == "2020"
    assert rows[0]["url"] == f"{BASE}/sources/danilin-2020-covid/" and rows[0]["doi"] == "10.1134/S1019331620060271"
    page = client.get(reverse("claims:source-list")).content.decode()
    listed = re.findall(r'<a href="/sources/([^/]+)/">', page)
    exported = [row["key"] for row in json.loads(download(client, "/sources.json"))]
    assert exported == listed == ["danilin-2020-covid", "sacks-2018-disruptors"]


def test_company_export_matches_the_company_list(client, corpus):
    exported = json_lines(download(client, "/companies.jsonl?country=cn"))
    assert [row["slug"] for row in exported] == ["ant-financial", "tencent"]
    assert exported[0]["parent"] == "alibaba" and exported[0]["aliases"] == ["Ant Group", "蚂蚁集团"]


# -- citation records --------------------------------------------------------------------------


def test_source_citation_records(client, corpus):
    url = f"/sources/{corpus.danilin.key}/cite"
    (entry,) = parse_bibtex(download(client, f"{url}.bib", "application/x-bibtex; charset=utf-8"))
    assert entry.key == "danilin-2020-covid" and entry.entry_type == "article"
    assert entry.fields_dict["doi"].value == "10.1134/S1019331620060271"
    (record,) = parse_ris(download(client, f"{url}.ris", "application/x-research-info-systems; charset=utf-8"))
    assert record["TY"] == ["JOUR"] and record["DO"] == ["10.1134/S1019331620060271"]
    (item,) = json.loads(download(client, f"{url}.csl.json", "application/vnd.citationstyles.csl+json"))
    assert item["type"] == "article-journal" and item["page"] == "779–788"
    response = client.get(f"{url}.ris")
    assert response["Content-Disposition"] == 'attachment; filename="danilin-2020-covid.ris"'


def test_filtered_source_list_as_citation_records(client, corpus):
    entries = parse_bibtex(download(client, "/sources.bib"))
    assert [entry.key for entry in entries] == ["danilin-2020-covid", "sacks-2018-disruptors"]
    assert [r["ID"] for r in parse_ris(download(client, "/sources.ris?kind=report"))] == [["sacks-2018-disruptors"]]
    items = json.loads(download(client, "/sources.csl.json?q=danilin"))
    assert [item["id"] for item in items] == ["danilin-2020-covid"]
    assert parse_bibtex(download(client, "/sources.bib?q=nothing-like-this")) == []


def test_cite_this_claim(client, corpus):
    claim = corpus.cloud_event
    cite(claim=claim, source=corpus.sacks, quote="Alibaba Cloud went abroad", locator="p. 9")
    permalink = f"{BASE}/claims/danilin-2020-covid/{claim.key}/"
    assert permalink == BASE + claim.get_absolute_url()
    items = json.loads(download(client, f"{permalink}cite.csl.json", "application/vnd.citationstyles.csl+json"))
    assert [item["locator"] for item in items] == ["p. 1", "p. 9"]
    assert "a step driven by the innovation of its cloud infrastructure" in items[0]["note"]
    assert [item["URL"] for item in items] == [permalink, permalink] and items[1]["type"] == "report"
    entries = parse_bibtex(download(client, f"{permalink}cite.bib", "application/x-bibtex; charset=utf-8"))
    # Keys from the permalink's natural keys, never a row id: the same after a rebuild.
    assert [entry.key for entry in entries] == [
        f"danilin-2020-covid-{claim.key}-1",
        f"danilin-2020-covid-{claim.key}-2",
    ]
    assert [item["id"] for item in items] == [f"danilin-2020-covid/{claim.key}/1", f"danilin-2020-covid/{claim.key}/2"]
    records = parse_ris(download(client, f"{permalink}cite.ris"))
    assert [record["LK"] for record in records] == [[permalink], [permalink]]
    assert [record["ID"] for record in records] == [[entry.key] for entry in entries]
    # The old address of a citation record sends to the new one, for good.
    for format in ("bib", "ris", "csl.json"):
        response = client.get(f"/claims/{claim.pk}/cite.{format}")
        assert response.status_code == 301 and response["Location"] == f"{claim.get_absolute_url()}cite.{format}"
    assert records[1]["N1"] == ["“Alibaba Cloud went abroad” (p. 9)"]


# -- the Atom feed ------------------------------------------------------------------------------


def feed_entries(client, query=""):
    response = client.get(f"/claims.atom?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    return [
        {
            "id": entry.findtext("atom:id", namespaces=ATOM),
            "title": entry.findtext("atom:title", namespaces=ATOM),
            "summary": entry.findtext("atom:summary", namespaces=ATOM),
            "updated": entry.findtext("atom:updated", namespaces=ATOM),
            "link": entry.find("atom:link", ATOM).get("href"),
        }
        for entry in root.findall("atom:entry", ATOM)
    ]


def retract_after_publishing(claim, reason="The figure was misread."):
    Claim.objects.filter(pk=claim.pk).update(published_at=timezone.now() - datetime.timedelta(days=3))
    claim.refresh_from_db()
    claim.status, claim.retraction_reason = Claim.Status.RETRACTED, reason
    claim.save()


def test_feed_has_published_claims_newest_change_first(client, corpus):
    Claim.objects.filter(pk=corpus.rivalry.pk).update(updated_at=timezone.now() + datetime.timedelta(hours=1))
    entries = feed_entries(client)
    assert entries[0]["title"] == corpus.rivalry.text
    assert {entry["id"] for entry in entries} == {
        f"{BASE}/claims/{claim.source.key}/{claim.key}/" for claim in corpus.published
    }
    assert [entry["updated"] for entry in entries] == sorted((entry["updated"] for entry in entries), reverse=True)
    assert "zebra" not in client.get("/claims.atom").content.decode().lower()


def test_feed_gives_a_notice_for_a_retracted_claim_never_its_quotes(client, corpus):
    retract_after_publishing(corpus.market_2017)
    entries = feed_entries(client)
    (notice,) = [entry for entry in entries if entry["title"].startswith("Retracted")]
    # Titled with the claim's words, linked to its notice (the permalink), with the reason.
    assert notice["title"] == f"Retracted: {corpus.market_2017.text}"
    permalink = corpus.market_2017.get_absolute_url()
    assert notice["id"] == f"{BASE}{permalink}" and notice["link"] == f"{BASE}{permalink}"
    assert "The figure was misread." in notice["summary"] and permalink in notice["summary"]
    feed = client.get("/claims.atom").content.decode()
    for citation in corpus.market_2017.citations.all():
        assert citation.quote not in feed
    # Never published (the corpus's retracted claim), drafts, claims in review: nothing at all.
    assert "zebra" not in feed.lower() and "Misread the source." not in feed


def test_feed_is_filtered_like_the_list(client, corpus):
    retract_after_publishing(corpus.market_2017)  # about Ant Financial
    entries = feed_entries(client, "company=tencent")
    assert {entry["title"] for entry in entries} == {corpus.market_2018.text, corpus.rivalry.text}
    notice = f"Retracted: {corpus.market_2017.text}"
    assert [e["title"] for e in feed_entries(client, "company=ant-financial")] == [notice]
    # A search narrows published claims, never notices: a retraction matters to
    # whoever followed the claim, whatever words they search for.
    assert [e["title"] for e in feed_entries(client, "q=exceeded+5.5")] == [notice]
    assert [e["title"] for e in feed_entries(client, "q=head+to+head")] == [notice, corpus.rivalry.text]


def test_feed_is_bounded(client, corpus):
    add_published_claims(corpus, 70)
    assert len(feed_entries(client)) == 50


# -- links on the pages --------------------------------------------------------------------------


def test_claim_list_links_its_downloads_and_feed_with_the_same_filters(client, corpus):
    page = client.get("/?company=alibaba&kind=figure&after=abc&q=").content.decode()
    for url in ("/claims.csv", "/claims.json", "/claims.jsonl", "/claims.atom"):
        assert f'href="{url}?company=alibaba&amp;kind=figure"' in page
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Claims published, changed and retracted, '
        'with these filters" href="/claims.atom?company=alibaba&amp;kind=figure">'
    ) in page
    assert 'href="/claims.csv">CSV</a>' in client.get("/").content.decode()


def test_source_and_company_lists_and_pages_link_their_downloads(client, corpus):
    page = client.get("/sources/?kind=report").content.decode()
    for url in ("/sources.csv", "/sources.json", "/sources.jsonl", "/sources.bib", "/sources.ris", "/sources.csl.json"):
        assert f'href="{url}?kind=report"' in page
    assert 'href="/companies.csv?country=CN"' in client.get("/companies/?country=CN").content.decode()
    page = client.get(corpus.danilin.get_absolute_url()).content.decode()
    for format in ("bib", "ris", "csl.json"):
        assert f'href="/sources/danilin-2020-covid/cite.{format}"' in page
    page = client.get(corpus.rivalry.get_absolute_url()).content.decode()
    for format in ("bib", "ris", "csl.json"):
        assert f'href="{corpus.rivalry.get_absolute_url()}cite.{format}"' in page


# -- JSON-LD --------------------------------------------------------------------------------------


def test_claim_page_json_ld(client, corpus):
    claim = corpus.market_2018
    data = json_ld(client.get(claim.get_absolute_url()).content.decode())
    assert data["@context"] == "https://schema.org" and data["@type"] == "Claim"
    assert data["url"] == data["@id"] == f"{BASE}/claims/{claim.source.key}/{claim.key}/"
    assert data["text"] == claim.text and data["datePublished"] == "2018-01"
    assert data["author"] == [{"@type": "Person", "name": "Samm Sacks", "givenName": "Samm", "familyName": "Sacks"}]
    (source,) = data["appearance"]
    assert source["@type"] == "Report" and source["name"] == "Disruptors, Innovators, and Thieves"
    assert source["url"] == "https://www.csis.org/analysis/disruptors" and source["author"] == data["author"]
    assert (
        data["firstAppearance"] == {"@id": source["@id"]} and source["@id"] == f"{BASE}/sources/sacks-2018-disruptors/"
    )
    assert data["citation"] == [
        {
            "@type": "Quotation",
            "text": "China's mobile payments market is now valued at $15.4 trillion",
            "isPartOf": {"@id": source["@id"]},
            "description": "p. 1",
        }
    ]
    assert [company["name"] for company in data["about"]] == ["Alibaba Group", "Tencent"]
    assert data["keywords"] == ["Mobile payments"] and data["temporalCoverage"] == "2018-01-01/2018-12-31"


def test_source_page_json_ld(client, corpus):
    data = json_ld(client.get(corpus.danilin.get_absolute_url()).content.decode())
    assert data["@type"] == "ScholarlyArticle" and data["datePublished"] == "2020"
    assert data["isPartOf"] == {
        "@type": "PublicationIssue",
        "issueNumber": "6",
        "isPartOf": {
            "@type": "PublicationVolume",
            "volumeNumber": "90",
            "isPartOf": {"@type": "Periodical", "name": "Herald of the Russian Academy of Sciences"},
        },
    }
    assert data["pagination"] == "779–788" and data["sameAs"] == "https://doi.org/10.1134/S1019331620060271"


# -- escaping and spreadsheet formulas --------------------------------------------------------------

NASTY_TEXT = """<script>alert("text")</script> "double" & 'single' </script><!-- Alibaba"""
NASTY_QUOTE = """</script><script>alert('quote')</script> & "quoted" <b>"""
NASTY_TITLE = """Title <script>alert(1)</script> & "more" 'still'"""


@pytest.fixture
def nasty(corpus):
    source = Source.objects.create(
        key="nasty-source",
        kind=Source.Kind.REPORT,
        title=NASTY_TITLE,
        published=datetime.date(2021, 1, 1),
        published_precision="year",
    )
    Author.objects.create(source=source, position=0, organisation="<i>Org</i> & Co")
    claim = make_claim(source, "nasty", cited=False, text=NASTY_TEXT)
    cite(claim=claim, source=source, quote=NASTY_QUOTE, locator="p. <1>")
    claim.companies.add(corpus.alibaba)
    return claim


def assert_no_raw_markup(page):
    """The only script element is the JSON-LD data block, and no data made an element."""
    assert page.count("<script") == page.count('<script type="application/ld+json">') <= 1
    assert page.count("</script>") == page.count("<script")
    assert "<b>" not in page and "<i>Org" not in page and "<!-- Alibaba" not in page


def test_markup_in_data_is_escaped_in_html_and_json_ld(client, nasty):
    page = client.get(nasty.get_absolute_url()).content.decode()
    assert_no_raw_markup(page)
    assert "&lt;script&gt;alert(&quot;text&quot;)&lt;/script&gt;" in page
    data = json_ld(page)
    assert data["text"] == NASTY_TEXT and data["citation"][0]["text"] == NASTY_QUOTE
    assert data["appearance"][0]["name"] == NASTY_TITLE
    assert "\\u003C/script\\u003E" in page
    page = client.get(nasty.source.get_absolute_url()).content.decode()
    assert_no_raw_markup(page)
    assert json_ld(page)["name"] == NASTY_TITLE
    for url in ("/", "/?q=alert", "/sources/"):
        assert_no_raw_markup(client.get(url).content.decode())


def test_markup_in_data_survives_exports_and_feed_intact(client, nasty):
    (row,) = csv_rows(download(client, "/claims.csv?source=nasty-source"))
    assert row["text"] == NASTY_TEXT
    (citation,) = json.loads(row["citations"])
    assert (citation["locator"], citation["quote"], citation["check"]) == ("p. <1>", NASTY_QUOTE, HAND_CHECKED)
    (row,) = json.loads(download(client, "/claims.json?source=nasty-source"))
    assert row["text"] == NASTY_TEXT and row["citations"][0]["quote"] == NASTY_QUOTE
    (row,) = json_lines(download(client, "/claims.jsonl?source=nasty-source"))
    assert row["text"] == NASTY_TEXT
    (entry,) = parse_bibtex(download(client, f"{nasty.get_absolute_url()}cite.bib"))
    assert "alert" in entry.fields_dict["note"].value
    (entry,) = feed_entries(client, "source=nasty-source")
    assert entry["title"] == NASTY_TEXT  # Atom text: the XML writer escaped it
    # The summary is HTML: the data in it is escaped, so a feed reader shows it as text.
    assert "<script" not in entry["summary"] and "&lt;script&gt;" in entry["summary"]
    assert html.unescape(re.sub(r"<[^>]+>", "", entry["summary"])).startswith(NASTY_TEXT)


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_formula_cells_are_neutralised(client, corpus, cell):
    claim = make_claim(corpus.sacks, "formula", cited=False, text=cell, speaker=cell)
    cite(claim=claim, source=corpus.sacks, quote=cell, locator=cell)
    (row,) = [row for row in csv_rows(download(client, "/claims.csv")) if row["key"] == "formula"]
    assert row["text"] == row["speaker"] == "'" + cell
    # A JSON array: starts with "[", inert; the quote and locator inside it are exact.
    (citation,) = json.loads(row["citations"])
    assert row["citations"].startswith("[") and citation["quote"] == citation["locator"] == cell
    with evidence.changing_evidence(evidence.LOADER):
        Citation.objects.filter(claim=claim).update(locator="p. 1")
    Source.objects.filter(pk=corpus.sacks.pk).update(publisher=cell)
    (row,) = [row for row in csv_rows(download(client, "/sources.csv")) if row["key"] == "sacks-2018-disruptors"]
    assert row["publisher"] == "'" + cell


# -- a constant number of queries -----------------------------------------------------------------

DOWNLOADS = [
    "/claims.csv",
    "/claims.json?q=alibaba&company=alibaba&topic=fintech",
    "/claims.jsonl?kind=figure&kind=event&sort=oldest",
    "/claims.atom?company=alibaba",
    "/sources.csv",
    "/sources.bib",
    "/sources.csl.json?kind=report",
    "/companies.json",
]


def test_downloads_run_a_constant_number_of_queries(client, corpus, django_assert_max_num_queries):
    def count_queries():
        counts = {}
        for url in DOWNLOADS:
            with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as queries:
                download(client, url)
            counts[url] = len(queries)
        return counts

    five = count_queries()
    add_published_claims(corpus, 45)
    assert Claim.objects.public().count() == 50
    assert count_queries() == five


# -- under the web server's statement time limit ----------------------------------------------------


def test_a_slow_reader_is_not_cut_off_by_the_statement_time_limit(transactional_db, corpus):
    """Each chunk of the claims cursor is read straight after the previous
    chunk's queries, never after the client's pause."""
    import time

    from claims.scale.querylimits import install

    add_published_claims(corpus, 120)
    corpus.market_2018.get_absolute_url()  # the URLconf's first import is not what this measures
    connection.ensure_connection()
    install(connection, 100)
    if connection.vendor == "sqlite":
        # The same clock, checked every 10 steps rather than 10,000: a test corpus is small.
        clock = connections[DEFAULT_DB_ALIAS].__dict__["_statement_clock"]  # on the wrapper, not the proxy
        connection.connection.set_progress_handler(lambda: int(time.monotonic() - clock[0] > 0.1), 10)
    try:
        queryset = ClaimFilterSet(data=QueryDict("sort=oldest"), queryset=Claim.objects.public()).qs
        read = 0
        for _row in claim_rows(queryset, chunk_size=40):
            read += 1
            if read % 40 == 0:
                time.sleep(0.3)
        assert read == 125
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")
        else:
            connection.connection.set_progress_handler(None, 0)
