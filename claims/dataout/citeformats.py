"""Sources and claims as reference-manager records: CSL-JSON, BibTeX and RIS.

A source becomes one record of the type that fits its kind (journal article
with volume, issue, pages and DOI; report; web page with URL and access
date; interview ...). A claim becomes its source's record plus the exact
passage: the locator, the verbatim quote and the claim's permalink, so a
researcher can cite the words that back a statement.
"""

import re

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
        "publisher": source.publisher,
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


def claim_csl(claim, citation, base_url=""):
    """The claim's source, with the cited passage: CSL's locator, the quote and the permalink."""
    item = source_csl(citation.source)
    permalink = base_url + claim.get_absolute_url()
    item["id"] = f"claim-{claim.pk}-{citation.pk}"
    item["locator"] = citation.locator
    item["note"] = f"“{citation.quote}” ({citation.locator}). Claim: {claim.text} {permalink}"
    item["archive_location"] = permalink
    return item


# -- BibTeX ------------------------------------------------------------------------------------

_BIBTEX_SPECIAL = re.compile(r"([\\{}&%$#_~^])")
_BIBTEX_REPLACE = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


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
    fields = {"title": "{" + bibtex_escape(source.title) + "}"}
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
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items())
    return f"@{entry_type}{{{key},\n{body}\n}}\n"


def source_bibtex(source):
    return _bibtex_entry(BIBTEX_TYPES[source.kind], source.key, _bibtex_fields(source))


def claim_bibtex(claim, citation, base_url=""):
    permalink = base_url + claim.get_absolute_url()
    fields = _bibtex_fields(citation.source)
    fields["note"] = bibtex_escape(f"“{citation.quote}” ({citation.locator}). Claim: {claim.text} {permalink}")
    fields["pages"] = bibtex_escape(citation.locator)
    return _bibtex_entry(BIBTEX_TYPES[citation.source.kind], f"{citation.source.key}-claim-{claim.pk}", fields)


# -- RIS ---------------------------------------------------------------------------------------


def _ris_line(tag, value):
    # RIS is line-based: a value never spans lines.
    return f"{tag}  - {' '.join(str(value).split())}\n"


def _ris_lines(source):
    lines = [_ris_line("TY", RIS_TYPES[source.kind]), _ris_line("ID", source.key), _ris_line("TI", source.title)]
    for author in source.authors.all():
        tag = {Author.Role.EDITOR: "A2", Author.Role.TRANSLATOR: "A4"}.get(author.role, "AU")
        name = author.organisation or (f"{author.family}, {author.given}" if author.given else author.family)
        lines.append(_ris_line(tag, name))
    if source.venue:
        lines.append(_ris_line("T2", source.venue))
    if source.kind == Source.Kind.JOURNAL_ARTICLE and source.venue:
        lines.append(_ris_line("JO", source.venue))
    for tag, value in (("PB", source.publisher), ("VL", source.volume), ("IS", source.issue)):
        if value:
            lines.append(_ris_line(tag, value))
    if source.pages:
        first, _, last = source.pages.replace("–", "-").partition("-")
        lines.append(_ris_line("SP", first))
        if last:
            lines.append(_ris_line("EP", last))
    if source.published:
        lines.append(_ris_line("PY", source.published.year))
        month = f"{source.published.month:02d}" if source.published_precision in ("month", "day") else ""
        day = f"{source.published.day:02d}" if source.published_precision == "day" else ""
        lines.append(_ris_line("DA", f"{source.published.year}/{month}/{day}/"))
    for tag, value in (("DO", source.doi), ("UR", source.url), ("LA", source.language)):
        if value:
            lines.append(_ris_line(tag, value))
    if source.accessed:
        lines.append(_ris_line("Y2", source.accessed.isoformat().replace("-", "/")))
    return lines


def source_ris(source):
    return "".join(_ris_lines(source)) + "ER  - \n"


def claim_ris(claim, citation, base_url=""):
    permalink = base_url + claim.get_absolute_url()
    lines = _ris_lines(citation.source)
    lines[1] = _ris_line("ID", f"{citation.source.key}-claim-{claim.pk}")
    lines += [
        _ris_line("N1", f"“{citation.quote}” ({citation.locator})"),
        _ris_line("AB", claim.text),
        _ris_line("LK", permalink),
    ]
    return "".join(lines) + "ER  - \n"
