"""The corpus as fixture files, in the loader's own format (export_corpus):
what an admin edit looks like as a file, so that editing the file and
loading it again is a round trip (docs/fixtures.md).

Claims are read from the database in chunks, so an export of a million
claims runs in bounded memory.
"""

import json
from pathlib import Path

from claims.models import (
    Author,
    Claim,
    Company,
    Source,
    Topic,
    format_partial_date,
    plain_number,
)

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
    for name in ("text_file", "unchecked_reason", "notes"):
        if getattr(source, name):
            record[name] = getattr(source, name)
    return record


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
        "accept": dict(sorted((claim.accepted_checks or {}).items())) or None,
    }
    if claim.value is not None:
        record["value"] = {
            "number": plain_number(claim.value),
            "qualifier": claim.value_qualifier or "exact",
            "unit": claim.unit,
            "scale": claim.scale or "one",
            "metric": claim.metric,
        }
        if claim.value_max is not None:
            record["value"]["number_max"] = plain_number(claim.value_max)
    for citation in record["citations"]:
        if citation["source"] == claim.source.key:
            del citation["source"]
    for relation in record["relations"]:
        if not relation["note"]:
            del relation["note"]
    return {name: value for name, value in record.items() if value not in ("", [], None)}


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
            queryset = Claim.objects.filter(source=source).order_by("key").for_export()
            for n, claim in enumerate(queryset.iterator(chunk_size=CHUNK)):
                handle.write(("\n  " if n == 0 else ",\n  ") + json.dumps(claim_record(claim), ensure_ascii=False))
                claims += 1
            handle.write("\n ]\n}\n")
        sources += 1
    return sources, claims


def _write_json(path, data):
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
