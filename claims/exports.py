"""Data out: the corpus as fixture files (the loader's own format), and rows
for CSV, JSON and JSON Lines exports.

Everything here streams: querysets are read with iterator() in chunks, so an
export of a million claims runs in bounded memory.
"""

import csv
import json
from decimal import Decimal
from pathlib import Path

from django.db.models import Prefetch

from .models import Author, Citation, Claim, ClaimRelation, Company, Source, Topic, format_partial_date

CHUNK = 2000


# -- fixtures: load -> export -> load round-trips with no change ------------------------------


def source_record(source):
    record = {"key": source.key, "kind": source.kind, "title": source.title}
    authors = []
    for author in source.authors.all():
        entry = {"organisation": author.organisation} if author.organisation else {"family": author.family}
        if author.given:
            entry["given"] = author.given
        if author.role != Author.Role.AUTHOR:
            entry["role"] = author.role
        authors.append(entry)
    if authors:
        record["authors"] = authors
    for name in ("publisher", "venue", "volume", "issue", "pages"):
        if getattr(source, name):
            record[name] = getattr(source, name)
    record["published"] = format_partial_date(source.published, source.published_precision) or None
    for name in ("doi", "url"):
        if getattr(source, name):
            record[name] = getattr(source, name)
    record["language"] = source.language
    if source.accessed:
        record["accessed"] = source.accessed.isoformat()
    for name in ("text_file", "notes"):
        if getattr(source, name):
            record[name] = getattr(source, name)
    return record


def _number(value):
    return json.loads(format(value.normalize(), "f")) if isinstance(value, Decimal) else value


def claim_record(claim):
    """The fixture record of a claim (companies, topics, citations and
    relations prefetched), leaving out what is empty or default."""
    record = {
        "key": claim.key,
        "text": claim.text,
        "kind": claim.kind,
        "status": claim.status,
        "retraction_reason": claim.retraction_reason,
        "companies": [c.slug for c in claim.companies.all()],
        "topics": [t.slug for t in claim.topics.all()],
        "period": claim.period_code,
        "speaker": claim.speaker,
        "notes": claim.notes,
        "citations": [{"quote": c.quote, "locator": c.locator, "source": c.source.key} for c in claim.citations.all()],
        "relations": [
            {"type": r.type, "claim": f"{r.to_claim.source.key}/{r.to_claim.key}", "note": r.note}
            for r in claim.relations_from.all()
        ],
    }
    if claim.value is not None:
        record["value"] = {
            "number": _number(claim.value),
            "qualifier": claim.value_qualifier or "exact",
            "unit": claim.unit,
            "scale": claim.scale or "one",
            "metric": claim.metric,
        }
        if claim.value_max is not None:
            record["value"]["number_max"] = _number(claim.value_max)
    for citation in record["citations"]:
        if citation["source"] == claim.source.key:
            del citation["source"]
    for relation in record["relations"]:
        if not relation["note"]:
            del relation["note"]
    return {name: value for name, value in record.items() if value not in ("", [], None)}


def claims_for_export(queryset):
    """Everything claim_record() and the row exports read, in a fixed number of queries per chunk."""
    return queryset.select_related("source").prefetch_related(
        Prefetch("companies", queryset=Company.objects.order_by("slug").only("slug", "name")),
        Prefetch("topics", queryset=Topic.objects.order_by("slug").only("slug", "name")),
        Prefetch("citations", queryset=Citation.objects.select_related("source").order_by("id")),
        Prefetch(
            "relations_from",
            queryset=ClaimRelation.objects.select_related("to_claim__source").order_by("id"),
        ),
    )


def export_corpus(out_dir):
    """Write companies.json, topics.json and sources/<key>.json under out_dir.
    Returns the number of (sources, claims) written."""
    out = Path(out_dir)
    (out / "sources").mkdir(parents=True, exist_ok=True)
    companies = [
        {
            "slug": c.slug,
            "name": c.name,
            **({"aliases": c.aliases} if c.aliases else {}),
            **({"parent": c.parent.slug} if c.parent else {}),
            **({"wikidata": c.wikidata_id} if c.wikidata_id else {}),
            **({"country": c.country} if c.country else {}),
            **({"description": c.description} if c.description else {}),
        }
        for c in Company.objects.select_related("parent").order_by("name", "slug")
    ]
    _write_json(out / "companies.json", {"companies": companies})
    topics = [
        {
            "slug": t.slug,
            "name": t.name,
            **({"parent": t.parent.slug} if t.parent else {}),
            **({"description": t.description} if t.description else {}),
        }
        for t in Topic.objects.select_related("parent").order_by("slug")
    ]
    _write_json(out / "topics.json", {"topics": topics})
    sources = claims = 0
    for source in Source.objects.prefetch_related("authors").order_by("key"):
        path = out / "sources" / f"{source.key}.json"
        with open(path, "w", encoding="utf-8") as handle:
            handle.write('{\n "source": ' + json.dumps(source_record(source), ensure_ascii=False) + ',\n "claims": [')
            queryset = claims_for_export(Claim.objects.filter(source=source).order_by("key"))
            for n, claim in enumerate(queryset.iterator(chunk_size=CHUNK)):
                handle.write(("\n  " if n == 0 else ",\n  ") + json.dumps(claim_record(claim), ensure_ascii=False))
                claims += 1
            handle.write("\n ]\n}\n")
        sources += 1
    return sources, claims


def _write_json(path, data):
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# -- rows for CSV / JSON / JSON Lines -------------------------------------------------------------

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
        "value": _number(claim.value),
        "value_max": _number(claim.value_max),
        "qualifier": claim.value_qualifier,
        "unit": claim.unit,
        "scale": claim.scale,
        "metric": claim.metric,
        "speaker": claim.speaker,
        "companies": [c.slug for c in claim.companies.all()],
        "topics": [t.slug for t in claim.topics.all()],
        "citations": [{"source": c.source.key, "quote": c.quote, "locator": c.locator} for c in claim.citations.all()],
    }


class _Echo:
    def write(self, value):
        return value


def csv_lines(rows, columns):
    """Stream CSV lines; lists become ' | '-joined cells, formulas are neutralised."""
    writer = csv.writer(_Echo())
    yield writer.writerow(columns)
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            if isinstance(value, list):
                value = " | ".join(
                    f"{v['source']}, {v['locator']}: {v['quote']}" if isinstance(v, dict) else str(v) for v in value
                )
            cells.append(neutralise("" if value is None else value))
        yield writer.writerow(cells)


def json_lines(rows):
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


def json_array(rows):
    """Stream a JSON array without holding it in memory."""
    yield "["
    for n, row in enumerate(rows):
        yield ("\n" if n == 0 else ",\n") + json.dumps(row, ensure_ascii=False)
    yield "\n]\n"
