import datetime
import json

import bibtexparser
import pytest
import rispy

from claims.dataout.citeformats import claim_bibtex, claim_csl, claim_ris, source_bibtex, source_csl, source_ris
from claims.models import Author, Claim, Source

from .conftest import cite

pytestmark = pytest.mark.django_db


@pytest.fixture
def journal_article(db):
    source = Source.objects.create(
        key="danilin-2020",
        kind="journal_article",
        title="The Impact of the COVID Crisis on China's Internet Platforms",
        venue="Herald of the Russian Academy of Sciences",
        publisher="Pleiades Publishing",
        volume="90",
        issue="6",
        pages="779–788",
        published=datetime.date(2020, 1, 1),
        published_precision="year",
        doi="10.1134/S1019331620060271",
    )
    Author.objects.create(source=source, position=0, family="Danilin", given="I. V.")
    return source


@pytest.fixture
def web_article(db):
    source = Source.objects.create(
        key="freedomlab-leapfrogging",
        kind="web_article",
        title="Looking at digital leapfrogging & 100% of {braces}",
        publisher="FreedomLab",
        url="https://example.org/leapfrogging",
        accessed=datetime.date(2024, 5, 2),
    )
    Author.objects.create(source=source, position=0, organisation="FreedomLab")
    return source


@pytest.fixture
def interview(db):
    source = Source.objects.create(
        key="ckgsb-2024",
        kind="interview",
        title="Empowering Innovation",
        venue="CKGSB Knowledge",
        published=datetime.date(2024, 6, 7),
        published_precision="day",
        url="https://english.ckgsb.edu.cn/knowledge/x/",
    )
    Author.objects.create(source=source, position=0, family="Zhu", given="Rui", role="interviewee")
    return source


def parse_bibtex(text):
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks, library.failed_blocks
    (entry,) = library.entries
    return entry


def parse_ris(text):
    lines = text.splitlines()
    assert lines[0].startswith("TY  - ") and lines[-1] == "ER  - "
    fields = {}
    for line in lines:
        tag, sep, value = line.partition("  - ")
        assert sep and len(tag) == 2, line
        fields.setdefault(tag, []).append(value)
    return fields


def test_journal_article_in_all_formats(journal_article):
    entry = parse_bibtex(source_bibtex(journal_article))
    assert entry.entry_type == "article"
    fields = entry.fields_dict
    assert fields["journal"].value == "Herald of the Russian Academy of Sciences"
    assert (fields["volume"].value, fields["number"].value, fields["pages"].value) == ("90", "6", "779--788")
    assert fields["doi"].value == "10.1134/S1019331620060271"
    assert fields["author"].value == "Danilin, I. V."
    ris = parse_ris(source_ris(journal_article))
    assert ris["TY"] == ["JOUR"] and ris["SP"] == ["779"] and ris["EP"] == ["788"] and ris["PY"] == ["2020"]
    csl = json.loads(json.dumps(source_csl(journal_article)))
    assert csl["type"] == "article-journal" and csl["page"] == "779–788"
    assert csl["issued"] == {"date-parts": [[2020]]} and csl["author"] == [{"family": "Danilin", "given": "I. V."}]


def test_web_article_has_url_and_access_date_and_escapes(web_article):
    entry = parse_bibtex(source_bibtex(web_article))
    assert entry.entry_type == "online"
    assert entry.fields_dict["url"].value == "https://example.org/leapfrogging"
    assert entry.fields_dict["urldate"].value == "2024-05-02"
    assert r"\&" in entry.fields_dict["title"].value and r"\%" in entry.fields_dict["title"].value
    assert entry.fields_dict["author"].value == "{FreedomLab}"
    ris = parse_ris(source_ris(web_article))
    assert ris["TY"] == ["ELEC"] and ris["Y2"] == ["2024/05/02"] and ris["AU"] == ["FreedomLab"]
    csl = source_csl(web_article)
    assert csl["type"] == "webpage" and csl["accessed"] == {"date-parts": [[2024, 5, 2]]}
    assert csl["author"] == [{"literal": "FreedomLab"}]


def test_interview_names_the_interviewee_as_author(interview):
    csl = source_csl(interview)
    assert csl["type"] == "interview" and csl["author"] == [{"family": "Zhu", "given": "Rui"}]
    assert csl["issued"] == {"date-parts": [[2024, 6, 7]]}
    entry = parse_bibtex(source_bibtex(interview))
    assert entry.fields_dict["type"].value == "Interview"
    assert parse_ris(source_ris(interview))["DA"] == ["2024/06/07/"]


def test_report_names_its_institution_as_one_literal(db):
    # BibLaTeX splits an institution at "and" unless it is braced once more.
    publisher = "Center for Strategic and International Studies (CSIS)"
    source = Source.objects.create(key="sacks-2018", kind="report", title="Disruptors", publisher=publisher)
    entry = parse_bibtex(source_bibtex(source))
    assert entry.entry_type == "techreport" and entry.fields_dict["institution"].value == "{" + publisher + "}"
    assert parse_ris(source_ris(source))["TY"] == ["RPRT"]


def test_a_publisher_that_is_the_venue_is_said_once(web_article):
    web_article.venue = "FreedomLab"
    csl = source_csl(web_article)
    assert csl["container-title"] == "FreedomLab" and "publisher" not in csl
    web_article.publisher = "FreedomLab Foundation"
    assert source_csl(web_article)["publisher"] == "FreedomLab Foundation"


def test_records_are_written_by_the_ecosystems_tools(journal_article, web_article):
    # rispy reads back what it wrote, one record, field by field.
    (record,) = rispy.loads(source_ris(journal_article))
    assert record["type_of_reference"] == "JOUR" and record["authors"] == ["Danilin, I. V."]
    assert (record["start_page"], record["end_page"], record["doi"]) == ("779", "788", "10.1134/S1019331620060271")
    (record,) = rispy.loads(source_ris(web_article))
    assert record["urls"] == ["https://example.org/leapfrogging"] and record["access_date"] == "2024/05/02"
    assert source_bibtex(journal_article).startswith("@article{danilin-2020,\n  title = {{The Impact")


def test_claim_citation_carries_locator_quote_and_permalink(journal_article):
    claim = Claim.objects.create(
        source=journal_article, key="k", text="Alibaba's cloud grew.", kind="event", status="published"
    )
    citation = cite(claim=claim, source=journal_article, quote="Alibaba’s cloud grew 58%", locator="p. 781")
    permalink = "https://corpus.example" + claim.get_absolute_url()
    csl = claim_csl(claim, citation, "https://corpus.example")
    assert csl["locator"] == "p. 781" and "Alibaba’s cloud grew 58%" in csl["note"]
    # The permalink is the record's URL (Chicago printed archive_location as "Http://…").
    assert csl["URL"] == permalink and "archive_location" not in csl
    entry = parse_bibtex(claim_bibtex(claim, citation, "https://corpus.example"))
    assert (
        "Alibaba’s cloud grew 58" in entry.fields_dict["note"].value and "(p. 781)" in entry.fields_dict["note"].value
    )
    # pages is the article's range, never the locator (APA printed "pp. p. 781").
    assert entry.fields_dict["pages"].value == "779--788" and entry.key == f"{claim.source.key}-{claim.key}-1"
    assert entry.fields_dict["url"].value == permalink
    ris = parse_ris(claim_ris(claim, citation, "https://corpus.example"))
    assert ris["LK"] == [permalink] and ris["N1"] == ["“Alibaba’s cloud grew 58%” (p. 781)"]


def test_claim_from_a_web_page_keeps_the_pages_url_in_its_note(web_article):
    claim = Claim.objects.create(source=web_article, key="k", text="Leapfrogging.", kind="event", status="published")
    citation = cite(claim=claim, source=web_article, quote="leapfrogging", locator="section: Analysis")
    csl = claim_csl(claim, citation, "https://corpus.example")
    assert "accessed" not in csl and csl["note"].endswith("Source: https://example.org/leapfrogging")
    fields = parse_bibtex(claim_bibtex(claim, citation, "https://corpus.example")).fields_dict
    assert "pages" not in fields and "urldate" not in fields
