"""The rows of the downloads: CSV, JSON and JSON Lines, for claims, sources
and companies.

Everything here streams: rows are read from the database in chunks, so a
download of a million claims runs in bounded memory. A CSV cell a
spreadsheet would read as a formula is neutralised.
"""

import csv
import decimal
import json
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection

from claims import evidence
from claims.models import (
    Citation,
    Claim,
    Company,
    Source,
    Topic,
    detail_url,
    format_partial_date,
    plain_number,
)
from claims.plaintext import neutralise as visible

CHUNK = 2000


CLAIM_COLUMNS = [
    "url",
    "id",
    "source",
    "key",
    "text",
    "kind",
    "period",
    "value",
    "value_max",
    "qualifier",
    "unit",
    "scale",
    "metric",
    "speaker",
    "companies",
    "topics",
    "citations",
]

# A spreadsheet reads a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Make a CSV cell inert for spreadsheets (OWASP CSV injection advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def claim_row(claim, base_url=""):
    """One claim as a flat dict: its permalink, content, tags and citations."""
    return {
        "url": base_url + claim.get_absolute_url(),
        "id": claim.pk,
        "source": claim.source.key,
        "key": claim.key,
        "text": claim.text,
        "kind": claim.kind,
        "period": claim.period_code,
        "value": plain_number(claim.value),
        "value_max": plain_number(claim.value_max),
        "qualifier": claim.value_qualifier,
        "unit": claim.unit,
        "scale": claim.scale,
        "metric": claim.metric,
        "speaker": claim.speaker,
        "companies": [c.slug for c in claim.companies.all()],
        "topics": [t.slug for t in claim.topics.all()],
        "citations": [
            citation_data(c.source.key, c.quote, c.locator, c.verification, c.unchecked_reason)
            for c in claim.citations.all()
        ],
    }


def citation_data(source, quote, locator, verification, unchecked_reason):
    """A citation in the downloads: where, what, and what was checked (the
    same status and wording as the claim page and the API)."""
    return {
        "source": source,
        "quote": quote,
        "locator": locator,
        "verification": verification,
        "unchecked_reason": unchecked_reason if verification == evidence.NO_TEXT else "",
        "check": evidence.public_label(verification, unchecked_reason),
    }


# What claim_rows() reads of each claim, in this order.
_CLAIM_VALUES = [
    "pk",
    "source__key",
    "key",
    "text",
    "kind",
    "period_start",
    "period_start_precision",
    "period_end",
    "period_end_precision",
    "value",
    "value_max",
    "value_qualifier",
    "unit",
    "scale",
    "metric",
    "speaker",
]


def claim_rows(queryset, base_url="", chunk_size=CHUNK):
    """claim_row() of every claim in queryset, in its order, for exports of
    any size: the same rows, many times faster.

    No model instances and no per-value query building: the filtered
    queryset is compiled once and read through a raw cursor, chunk by chunk
    (a server-side cursor on PostgreSQL), and each chunk's companies, topics
    and citations come from one plain query each, by claim id (binding each
    id through the ORM's lookups would cost more than the query). So an
    export runs 1 + 3 queries per chunk_size claims and holds one chunk in
    memory."""

    def permalink(pk):
        return base_url + detail_url("claims:claim-detail", pk)

    try:
        sql, params = queryset.values_list(*_CLAIM_VALUES).query.sql_with_params()
    except EmptyResultSet:  # e.g. queryset.none(): a filter that matches nothing
        return
    # A server-side cursor on PostgreSQL, unless the settings forbid them (as
    # behind a transaction-pooling PgBouncer), as QuerySet.iterator() does.
    server_side = not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    claims_cursor = connection.chunked_cursor() if server_side else connection.cursor()
    with claims_cursor as claims, connection.cursor() as related:
        claims.execute(sql, params)
        chunk = claims.fetchmany(chunk_size)
        while chunk:
            rows = _claim_chunk(chunk, related, permalink)
            # The next chunk now, before this one's rows go out: the claims
            # cursor never resumes after a pause in which the client was slow
            # to read, which SQLite's statement time limit (querylimits.py:
            # time since the last execute) would count against it.
            chunk = claims.fetchmany(chunk_size)
            yield from rows


def _related_sql(ids):
    """(SELECT claim_id, ... for the claims with these ids in each claim's
    order, params): one statement for every full chunk, which the database
    driver prepares once; ids as one array parameter on PostgreSQL."""
    name = connection.ops.quote_name
    if connection.vendor == "postgresql":
        where, params = "= ANY(%s)", [ids]
    else:
        where, params = f"IN ({', '.join(['%s'] * len(ids))})", ids
    claim_company, claim_topic = Claim.companies.through._meta.db_table, Claim.topics.through._meta.db_table
    company, topic = Company._meta.db_table, Topic._meta.db_table
    citation, source = Citation._meta.db_table, Source._meta.db_table
    queries = {
        "companies": f"SELECT link.claim_id, company.slug FROM {name(claim_company)} link "
        f"JOIN {name(company)} company ON company.id = link.company_id "
        f"WHERE link.claim_id {where} ORDER BY company.slug",
        "topics": f"SELECT link.claim_id, topic.slug FROM {name(claim_topic)} link "
        f"JOIN {name(topic)} topic ON topic.id = link.topic_id "
        f"WHERE link.claim_id {where} ORDER BY topic.slug",
        "citations": "SELECT citation.claim_id, source.key, citation.quote, citation.locator, "
        "citation.verification, citation.unchecked_reason "
        f"FROM {name(citation)} citation JOIN {name(source)} source ON source.id = citation.source_id "
        f"WHERE citation.claim_id {where} ORDER BY citation.id",
    }
    return queries, params


def _claim_chunk(chunk, cursor, permalink):
    """claim_row() of each claim in chunk (a list of _CLAIM_VALUES tuples)."""
    queries, params = _related_sql([values[0] for values in chunk])
    cursor.execute(queries["companies"], params)
    companies = _grouped(cursor.fetchall())
    cursor.execute(queries["topics"], params)
    topics = _grouped(cursor.fetchall())
    cursor.execute(queries["citations"], params)
    citations = {}
    for claim_id, *citation in cursor.fetchall():
        # Read by SQL, past the fields that remove invisible characters (claims/plaintext.py).
        citations.setdefault(claim_id, []).append(citation_data(*map(visible, citation)))
    rows = []
    for (
        pk,
        source,
        key,
        text,
        kind,
        start,
        start_precision,
        end,
        end_precision,
        value,
        value_max,
        qualifier,
        unit,
        scale,
        metric,
        speaker,
    ) in chunk:
        first = format_partial_date(start, start_precision)
        last = format_partial_date(end, end_precision)
        rows.append(
            {
                "url": permalink(pk),
                "id": pk,
                "source": source,
                "key": key,
                "text": visible(text),
                "kind": kind,
                "period": first if first == last else f"{first}/{last}",
                "value": None if value is None else plain_number(_decimal(value)),
                "value_max": None if value_max is None else plain_number(_decimal(value_max)),
                "qualifier": qualifier,
                "unit": visible(unit),
                "scale": scale,
                "metric": visible(metric),
                "speaker": visible(speaker),
                "companies": companies.get(pk, []),
                "topics": topics.get(pk, []),
                "citations": citations.get(pk, []),
            }
        )
    return rows


# SQLite hands decimals back as floats: read them as Django's DecimalField
# does there (15 significant digits, then the field's decimal places).
_FROM_FLOAT = decimal.Context(prec=15).create_decimal_from_float
_PLACES = Decimal(1).scaleb(-Claim._meta.get_field("value").decimal_places)


def _decimal(value):
    return _FROM_FLOAT(value).quantize(_PLACES) if isinstance(value, float) else Decimal(value)


def _grouped(pairs):
    """{key: [values in order]} from (key, value) pairs."""
    groups = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return groups


SOURCE_COLUMNS = [
    "url",
    "key",
    "kind",
    "title",
    "authors",
    "publisher",
    "venue",
    "volume",
    "issue",
    "pages",
    "published",
    "doi",
    "link",
    "accessed",
    "language",
]


def source_row(source, base_url=""):
    """One source (authors prefetched) as a flat dict: its page, reference fields and authors."""
    return {
        "url": base_url + source.get_absolute_url(),
        "key": source.key,
        "kind": source.kind,
        "title": source.title,
        "authors": [str(author) for author in source.authors.all()],
        "publisher": source.publisher,
        "venue": source.venue,
        "volume": source.volume,
        "issue": source.issue,
        "pages": source.pages,
        "published": format_partial_date(source.published, source.published_precision),
        "doi": source.doi,
        "link": source.url,
        "accessed": source.accessed.isoformat() if source.accessed else "",
        "language": source.language,
    }


COMPANY_COLUMNS = ["url", "slug", "name", "aliases", "parent", "country", "wikidata_id", "description"]


def company_row(company, base_url=""):
    """One company (parent selected) as a flat dict."""
    return {
        "url": base_url + company.get_absolute_url(),
        "slug": company.slug,
        "name": company.name,
        "aliases": list(company.aliases),
        "parent": company.public_parent.slug if company.public_parent else "",
        "country": company.country,
        "wikidata_id": company.wikidata_id,
        "description": company.description,
    }


class _Echo:
    def write(self, value):
        return value


# Every prefix is one character: a set of them is the fastest test.
FORMULA_STARTS = frozenset(FORMULA_PREFIXES)


def _citation_cell(citation):
    return f"{citation['source']}, {citation['locator']}: {citation['quote']} [{citation['check']}]"


def _csv_cell(value):
    # By exact type, commonest first: this runs for every cell of a million rows.
    if value.__class__ is str:
        return "'" + value if value and value[0] in FORMULA_STARTS else value
    if value is None:
        return ""
    if value.__class__ is list:
        return neutralise(" | ".join(_citation_cell(v) if isinstance(v, dict) else str(v) for v in value))
    return neutralise(value)


def csv_lines(rows, columns):
    """Stream CSV lines; lists become ' | '-joined cells, formulas are neutralised."""
    writerow = csv.writer(_Echo()).writerow
    yield writerow(columns)
    for row in rows:
        yield writerow(map(_csv_cell, map(row.get, columns)))


def json_lines(rows):
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    for row in rows:
        yield dumps(row) + "\n"


def json_array(rows):
    """Stream a JSON array without holding it in memory."""
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    yield "["
    for n, row in enumerate(rows):
        yield ("\n" if n == 0 else ",\n") + dumps(row)
    yield "\n]\n"
