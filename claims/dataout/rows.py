"""The rows of the downloads: CSV, JSON and JSON Lines, for claims, their
citations, sources and companies.

A field has one name everywhere: the columns here are the API's names
(tests/test_analysis_exports.py compares them), and a claim's value comes
both as stated (value, scale) and in base units (value_base), never
converted between units or currencies.

A claim's relations to other published claims are in its JSON and JSON
Lines rows (not in its CSV row: /relations.csv has the pairs).

Everything here streams: rows are read from the database in chunks, so a
download of a million claims runs in bounded memory. A CSV cell a
spreadsheet would read as a formula is neutralised.

Kept in one module because claim_rows(), the fast reader, must give exactly
claim_row() of each claim: the two are read and changed side by side.
"""

import decimal
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection

from claims import evidence
from claims.models import (
    Citation,
    Claim,
    ClaimRelation,
    Company,
    Source,
    Topic,
    detail_url,
    format_partial_date,
    in_base_units,
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
    "period_start",
    "period_end",
    "value",
    "value_max",
    "value_qualifier",
    "unit",
    "scale",
    "value_base",
    "value_max_base",
    "metric",
    "speaker",
    "companies",
    "topics",
    "citations",
]


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
        "period_start": _iso(claim.period_start),
        "period_end": _iso(claim.period_end),
        "value": plain_number(claim.value),
        "value_max": plain_number(claim.value_max),
        "value_qualifier": claim.value_qualifier,
        "unit": claim.unit,
        "scale": claim.scale,
        "value_base": plain_number(claim.value_base),
        "value_max_base": plain_number(claim.value_max_base),
        "metric": claim.metric,
        "speaker": claim.speaker,
        "companies": [c.slug for c in claim.companies.all()],
        "topics": [t.slug for t in claim.topics.all()],
        "citations": [
            citation_data(c.source.key, c.quote, c.locator, c.verification, c.unchecked_reason)
            for c in claim.citations.all()
        ],
        "relations": [
            relation_data(
                r.type, r.outgoing, base_url + r.other.get_absolute_url(), r.other.source.key, r.other.key, r.note
            )
            for r in claim.related_claims
        ],
    }


def relation_data(type, outgoing, url, source, key, note):
    """A relation in a claim's row, from the claim's side: the same fields as the API's."""
    return {
        "type": type,
        "direction": "outgoing" if outgoing else "incoming",
        "phrase": ClaimRelation.PHRASES[type][0 if outgoing else 1],
        "url": url,
        "source": source,
        "key": key,
        "note": note,
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

    def permalink(source_key, claim_key):
        return base_url + detail_url("claims:claim-detail", source_key, claim_key)

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
    """({name: SELECT claim_id, ...} for the claims with these ids in each
    claim's order, params, the relations query's params): one statement each
    for every full chunk, which the database driver prepares once; ids as
    one array parameter on PostgreSQL."""
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
    # Relations with another public claim ("public" as Claim.objects.public() says it), either way round.
    public, public_params = Claim.objects.public().values("pk").query.sql_with_params()
    relation = name(ClaimRelation._meta.db_table)
    queries["relations"] = (
        "SELECT relation.from_claim_id, relation.to_claim_id, relation.type, relation.note, "
        "from_claim.key, from_source.key, to_claim.key, to_source.key "
        f"FROM {relation} relation "
        f"JOIN {name(Claim._meta.db_table)} from_claim ON from_claim.id = relation.from_claim_id "
        f"JOIN {name(source)} from_source ON from_source.id = from_claim.source_id "
        f"JOIN {name(Claim._meta.db_table)} to_claim ON to_claim.id = relation.to_claim_id "
        f"JOIN {name(source)} to_source ON to_source.id = to_claim.source_id "
        f"WHERE (relation.from_claim_id {where} OR relation.to_claim_id {where}) "
        f"AND relation.from_claim_id IN ({public}) AND relation.to_claim_id IN ({public}) "
        "ORDER BY relation.id"
    )
    return queries, params, [*params, *params, *public_params, *public_params]


def _relations_by_claim(rows, ids, permalink):
    """{claim id: [relation_data()]} for the claims with these ids, from the relations query's rows."""
    relations = {}
    for from_id, to_id, type, note, from_key, from_source, to_key, to_source in rows:
        if from_id in ids:
            data = relation_data(type, True, permalink(to_source, to_key), to_source, to_key, note)
            relations.setdefault(from_id, []).append(data)
        if to_id in ids:
            data = relation_data(type, False, permalink(from_source, from_key), from_source, from_key, note)
            relations.setdefault(to_id, []).append(data)
    return relations


def _claim_chunk(chunk, cursor, permalink):
    """claim_row() of each claim in chunk (a list of _CLAIM_VALUES tuples)."""
    ids = [values[0] for values in chunk]
    queries, params, relation_params = _related_sql(ids)
    cursor.execute(queries["companies"], params)
    companies = _grouped(cursor.fetchall())
    cursor.execute(queries["topics"], params)
    topics = _grouped(cursor.fetchall())
    cursor.execute(queries["citations"], params)
    citations = {}
    for claim_id, *citation in cursor.fetchall():
        # Read by SQL, past the fields that remove invisible characters (claims/plaintext.py).
        citations.setdefault(claim_id, []).append(citation_data(*map(visible, citation)))
    cursor.execute(queries["relations"], relation_params)
    relations = _relations_by_claim(cursor.fetchall(), set(ids), permalink)
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
        value = None if value is None else _decimal(value)
        value_max = None if value_max is None else _decimal(value_max)
        rows.append(
            {
                "url": permalink(source, key),
                "id": pk,
                "source": source,
                "key": key,
                "text": visible(text),
                "kind": kind,
                "period": first if first == last else f"{first}/{last}",
                "period_start": _iso(start),
                "period_end": _iso(end),
                "value": plain_number(value),
                "value_max": plain_number(value_max),
                "value_qualifier": qualifier,
                "unit": visible(unit),
                "scale": scale,
                "value_base": plain_number(in_base_units(value, scale)),
                "value_max_base": plain_number(in_base_units(value_max, scale)),
                "metric": visible(metric),
                "speaker": visible(speaker),
                "companies": companies.get(pk, []),
                "topics": topics.get(pk, []),
                "citations": citations.get(pk, []),
                "relations": relations.get(pk, []),
            }
        )
    return rows


# SQLite hands decimals back as floats: read them as Django's DecimalField
# does there (15 significant digits, then the field's decimal places).
_FROM_FLOAT = decimal.Context(prec=15).create_decimal_from_float
_PLACES = Decimal(1).scaleb(-Claim._meta.get_field("value").decimal_places)


def _decimal(value):
    return _FROM_FLOAT(value).quantize(_PLACES) if isinstance(value, float) else Decimal(value)


def _iso(date):
    """A period's day as ISO 8601; SQLite's raw cursor hands back the text already."""
    if date is None:
        return None
    return date if isinstance(date, str) else date.isoformat()


CITATION_COLUMNS = [
    "claim_url",
    "claim_source",
    "claim_key",
    "source",
    "locator",
    "quote",
    "verification",
    "unchecked_reason",
    "check",
]


def citation_rows(claim_rows):
    """One row per citation of the given claim rows, in their order: the
    claim's permalink and key beside what citation_data() says of the quote."""
    for claim in claim_rows:
        for citation in claim["citations"]:
            yield {"claim_url": claim["url"], "claim_source": claim["source"], "claim_key": claim["key"], **citation}


def _grouped(pairs):
    """{key: [values in order]} from (key, value) pairs."""
    groups = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return groups
