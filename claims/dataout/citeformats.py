"""Sources and claims as reference-manager records: CSL-JSON, BibTeX and RIS.

A source becomes one record of the type that fits its kind (journal article
with volume, issue, pages and DOI; report; web page with URL and access
date; interview ...). A claim becomes its source's record plus the exact
passage: the locator and the verbatim quote in a note, and the claim's
permalink as the record's URL, so a researcher can cite the words that back
a statement.

Each format is written by the ecosystem's own tools (bibtexparser's writer,
rispy) and checked by rendering it with citeproc-py and pandoc
(tests/test_citeformats.py): a record that parses but renders wrong is a bug.
"""

import re

import bibtexparser
import rispy
from bibtexparser import model as bibtex_model
from bibtexparser.middlewares import AddEnclosingMiddleware

from claims.models import Author, Source

CSL_TYPES = {
    Source.Kind.JOURNAL_ARTICLE: "article-journal",
    Source.Kind.REPORT: "report",
    Source.Kind.WEB_ARTICLE: "webpage",
    Source.Kind.MAGAZINE_ARTICLE: "article-magazine",
    Source.Kind.INTERVIEW: "interview",
    Source.Kind.BOOK: "book",
    Source.Kind.FILING: "document",
    Source.Kind.DATASET: "dataset",
    Source.Kind.OTHER: "document",
}
BIBTEX_TYPES = {
    Source.Kind.JOURNAL_ARTICLE: "article",
    Source.Kind.REPORT: "techreport",
    Source.Kind.WEB_ARTICLE: "online",
    Source.Kind.MAGAZINE_ARTICLE: "article",
    Source.Kind.INTERVIEW: "misc",
    Source.Kind.BOOK: "book",
    Source.Kind.FILING: "misc",
    Source.Kind.DATASET: "misc",
    Source.Kind.OTHER: "misc",
}
RIS_TYPES = {
    Source.Kind.JOURNAL_ARTICLE: "JOUR",
    Source.Kind.REPORT: "RPRT",
    Source.Kind.WEB_ARTICLE: "ELEC",
    Source.Kind.MAGAZINE_ARTICLE: "MGZN",
    Source.Kind.INTERVIEW: "PCOMM",
    Source.Kind.BOOK: "BOOK",
    Source.Kind.FILING: "GOVDOC",
    Source.Kind.DATASET: "DATA",
    Source.Kind.OTHER: "GEN",
}
# CSL and BibTeX name roles; interviewees are the authors of an interview.
CSL_ROLES = {
    "author": "author",
    "interviewee": "author",
    "editor": "editor",
    "interviewer": "interviewer",
    "translator": "translator",
}


def _date_parts(date, precision):
    if date is None:
        return None
    parts = (
        [date.year]
        + ([date.month] if precision in ("month", "day") else [])
        + ([date.day] if precision == "day" else [])
    )
    return {"date-parts": [parts]}


def _authors(source):
    """Authors by CSL role, in byline order (prefetch source.authors)."""
    roles = {}
    for author in source.authors.all():
        name = (
            {"literal": author.organisation}
            if author.organisation
            else {"family": author.family, "given": author.given}
        )
        roles.setdefault(CSL_ROLES[author.role], []).append((author, name))
    return roles


# -- CSL-JSON ----------------------------------------------------------------------------------


def source_csl(source, base_url=""):
    item = {"id": source.key, "type": CSL_TYPES[source.kind], "title": source.title}
    for role, names in _authors(source).items():
        item[role] = [{k: v for k, v in name.items() if v} for _, name in names]
    optional = {
        "container-title": source.venue,
        # A publisher that is also the container (the site KrASIA on KrASIA)
        # is said once: styles print both, "KrASIA. KrASIA."
        "publisher": source.publisher if source.publisher != source.venue else "",
        "volume": source.volume,
        "issue": source.issue,
        "page": source.pages,
        "DOI": source.doi,
        "URL": source.url,
        "language": source.language,
    }
    item.update({k: v for k, v in optional.items() if v})
    if source.published:
        item["issued"] = _date_parts(source.published, source.published_precision)
    if source.accessed:
        item["accessed"] = _date_parts(source.accessed, "day")
    return item


def _claim_note(claim, citation):
    """The cited passage in words: the quote, where it is, the claim, and
    where the source itself is online (the record's URL is the claim's)."""
    note = f"“{citation.quote}” ({citation.locator}). Claim: {claim.text}"
    if citation.source.url:
        note += f" Source: {citation.source.url}"
    return note


def claim_record_key(claim, number, separator="-"):
    """A claim's citation record's key: its permalink's natural keys and the
    citation's number on the claim (1, 2 …), so that a reference manager
    finds the same record after the site is rebuilt (row ids change)."""
    return separator.join([claim.source.key, claim.key, str(number)])


def claim_csl(claim, citation, base_url="", number=1):
    """The claim's source, with the cited passage: CSL's locator, the quote
    in the note and the claim's permalink as the URL. The source's access
    date goes with the source's URL, which moves to the note."""
    item = source_csl(citation.source)
    item.pop("accessed", None)
    item["id"] = claim_record_key(claim, number, "/")
    item["locator"] = citation.locator
    item["note"] = _claim_note(claim, citation)
    item["URL"] = base_url + claim.get_absolute_url()
    return item


# -- BibTeX ------------------------------------------------------------------------------------

_BIBTEX_SPECIAL = re.compile(r"([\\{}&%$#_~^])")
_BIBTEX_REPLACE = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
# Every value is written in braces; these are written in two, as one literal:
# the title (its case is the source's), and the fields BibLaTeX reads as
# lists split at "and", which would make "Center for Strategic and
# International Studies" two institutions.
_BIBTEX_PROTECTED = ("title", "institution", "organization", "publisher")
_BIBTEX_WRITER = [AddEnclosingMiddleware(reuse_previous_enclosing=False, enclose_integers=True, default_enclosing="{")]


def bibtex_escape(text):
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_REPLACE.get(m.group(1), "\\" + m.group(1)), str(text))


def _bibtex_names(names):
    return " and ".join(
        "{" + bibtex_escape(name["literal"]) + "}"
        if "literal" in name
        else bibtex_escape(name["family"]) + (", " + bibtex_escape(name["given"]) if name["given"] else "")
        for _, name in names
    )


def _bibtex_fields(source):
    fields = {"title": bibtex_escape(source.title)}
    fields |= _bibtex_people(source)
    for name, value in (
        ("volume", source.volume),
        ("number", source.issue),
        ("pages", source.pages.replace("–", "--")),
    ):
        if value:
            fields[name] = bibtex_escape(value)
    fields |= _bibtex_dates(source)
    if source.doi:
        fields["doi"] = bibtex_escape(source.doi)
    if source.url:
        fields["url"] = source.url
    if source.accessed:
        fields["urldate"] = source.accessed.isoformat()
    if source.kind == Source.Kind.INTERVIEW:
        fields["type"] = "Interview"
    if source.kind == Source.Kind.MAGAZINE_ARTICLE:
        # BibLaTeX's magazine article (a journal's would be dated by year only).
        fields["entrysubtype"] = "magazine"
    if source.language:
        fields["langid"] = source.language
    return fields


def _bibtex_people(source):
    """Authors and editors, and who published the source: an institution for
    a report, else the venue (journal, site ...) and a distinct publisher."""
    fields = {}
    roles = _authors(source)
    for role in ("author", "editor"):
        if role in roles:
            fields[role] = _bibtex_names(roles[role])
    if source.kind == Source.Kind.REPORT:
        if source.publisher or source.venue:
            fields["institution"] = bibtex_escape(source.publisher or source.venue)
        return fields
    venue_field = {"article": "journal", "online": "organization"}.get(BIBTEX_TYPES[source.kind], "howpublished")
    if source.venue:
        fields[venue_field] = bibtex_escape(source.venue)
    if source.publisher and source.publisher != source.venue:
        fields["publisher"] = bibtex_escape(source.publisher)
    return fields


def _bibtex_dates(source):
    fields = {}
    if source.published:
        fields["year"] = str(source.published.year)
        if source.published_precision in ("month", "day"):
            fields["month"] = str(source.published.month)
        fields["date"] = source.published_display
    return fields


def _bibtex_entry(entry_type, key, fields):
    """One entry, written by bibtexparser: each value in braces, the protected ones in two."""
    entry = bibtex_model.Entry(
        entry_type,
        key,
        [
            bibtex_model.Field(name, "{" + value + "}" if name in _BIBTEX_PROTECTED else value)
            for name, value in fields.items()
        ],
    )
    layout = bibtexparser.BibtexFormat()
    layout.indent = "  "
    return bibtexparser.write_string(bibtexparser.Library([entry]), unparse_stack=_BIBTEX_WRITER, bibtex_format=layout)


def source_bibtex(source):
    return _bibtex_entry(BIBTEX_TYPES[source.kind], source.key, _bibtex_fields(source))


def claim_bibtex(claim, citation, base_url="", number=1):
    """The claim's source with the passage, as in claim_csl(). The locator
    ("section: Internet finance", "para. 4") stays in the note: in pages,
    styles print it as a page range ("pp. section: Internet finance")."""
    fields = _bibtex_fields(citation.source)
    fields.pop("urldate", None)
    fields["url"] = base_url + claim.get_absolute_url()
    fields["note"] = bibtex_escape(_claim_note(claim, citation))
    return _bibtex_entry(BIBTEX_TYPES[citation.source.kind], claim_record_key(claim, number), fields)


# -- RIS ---------------------------------------------------------------------------------------


class _RisWriter(rispy.RisWriter):
    """rispy's writer without its "1." line before each record (not every
    reader takes it), and with LK, the link to the claim."""

    def set_header(self, count):
        return ""


_RIS_MAPPING = {**rispy.TAG_KEY_MAPPING, "LK": "link"}


def _ris_value(value):
    # RIS is line-based: a value never spans lines.
    return " ".join(str(value).split())


def _ris_record(source):
    """The source as rispy's fields, in the order written."""
    record = {"type_of_reference": RIS_TYPES[source.kind], "id": source.key, "title": source.title}
    names = {"authors": [], "secondary_authors": [], "subsidiary_authors": []}
    for author in source.authors.all():
        field = {Author.Role.EDITOR: "secondary_authors", Author.Role.TRANSLATOR: "subsidiary_authors"}
        name = author.organisation or (f"{author.family}, {author.given}" if author.given else author.family)
        names[field.get(author.role, "authors")].append(name)
    record |= {field: values for field, values in names.items() if values}
    record["secondary_title"] = source.venue
    if source.kind == Source.Kind.JOURNAL_ARTICLE:
        record["journal_name"] = source.venue
    record |= {"publisher": source.publisher, "volume": source.volume, "number": source.issue}
    if source.pages:
        first, _, last = source.pages.replace("–", "-").partition("-")
        record |= {"start_page": first, "end_page": last}
    if source.published:
        month = f"{source.published.month:02d}" if source.published_precision in ("month", "day") else ""
        day = f"{source.published.day:02d}" if source.published_precision == "day" else ""
        record |= {"year": source.published.year, "date": f"{source.published.year}/{month}/{day}/"}
    record |= {"doi": source.doi, "urls": [source.url] if source.url else [], "language": source.language}
    if source.accessed:
        record["access_date"] = source.accessed.isoformat().replace("-", "/")
    return record


def _ris(record):
    values = {
        field: [_ris_value(v) for v in value] if isinstance(value, list) else _ris_value(value)
        for field, value in record.items()
        if value not in ("", None, [])
    }
    return rispy.dumps([values], implementation=_RisWriter, mapping=_RIS_MAPPING).rstrip("\n") + "\n"


def source_ris(source):
    return _ris(_ris_record(source))


def claim_ris(claim, citation, base_url="", number=1):
    record = _ris_record(citation.source)
    record["id"] = claim_record_key(claim, number)
    record |= {
        "notes": [f"“{citation.quote}” ({citation.locator})"],
        "abstract": claim.text,
        "link": base_url + claim.get_absolute_url(),
    }
    return _ris(record)
