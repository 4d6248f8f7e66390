"""Fill the configured database with a large, realistic synthetic corpus.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/corpus_bench \\
        .venv/bin/python -m bench.generate --claims 1000000

Defaults: 1,000,000 claims with about 3 citations each, 10,000 sources,
5,000 companies, 200 topics (20 roots with 9 sub-topics each). Skewed like
real data: companies and topics are drawn from Zipf-like distributions (a
few companies are in most claims), words from a vocabulary where some are
common (~5% of claims) and many rare; 90% of claims are published, the rest
drafts, claims in review or retracted.

Rows are streamed with COPY (PostgreSQL) or executemany (SQLite) through
claims.ingest.bulkwrite, with the search triggers off and the search index rebuilt
once at the end — building a GIN index row by row during a bulk load is
about ten times slower. The database must be migrated and empty of claims.
"""

import argparse
import datetime
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "corpus_site.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from claims.ingest.bulkwrite import RowWriter  # noqa: E402
from claims.models import Author, Citation, Claim, Company, Source, Topic  # noqa: E402
from claims.scale import counts  # noqa: E402

COMMON = ["platform", "market", "growth", "digital", "mobile", "users", "services", "investment"]
RARE = [
    f"{stem}{suffix}"
    for stem in ("quasar", "zephyr", "lumen", "orbit", "vertex", "nimbus", "cobalt", "saffron")
    for suffix in ("ite", "ology", "ism", "ation", "ware")
]
FILLER = (
    "the of and in to a with for on by as from that is was were has have its their over under about company "
    "firm sector year revenue share payment cloud search video retail logistics data network policy state "
    "government investors startups innovation research chips ecosystem consumers"
).split()
KINDS = ["figure", "event", "assessment", "forecast", "quotation"]
STATUSES = ["published"] * 18 + ["draft", "review"]
BATCH = 10_000
# The generated quotes have no source text: say so, as an editor would for a print-only source.
SYNTHETIC = "synthetic benchmark data; no source text"


def zipf_choice(rng, n, s=1.1):
    """An index in [0, n), small ones much more likely (a few companies in most claims)."""
    while True:
        k = int(rng.paretovariate(s))
        if k <= n:
            return k - 1


def sentence(rng, words=14):
    parts = [rng.choice(FILLER) for _ in range(words)]
    # Each common word appears in about 5% of sentences.
    for word in COMMON:
        if rng.random() < 0.02:
            parts[rng.randrange(words)] = word
    if rng.random() < 0.0005:
        parts[rng.randrange(words)] = rng.choice(RARE)
    return " ".join(parts).capitalize() + "."


def generate(claims, sources, companies, topics, seed=7, log=print):
    rng = random.Random(seed)
    now = timezone.now()
    started = time.perf_counter()
    if Claim.objects.exists():
        raise SystemExit("The database already has claims: generate into a fresh, migrated database.")
    with transaction.atomic():
        bulk_triggers(enable=False)
        company_rows = [
            (f"Company {i}", f"company-{i}", json.dumps([f"Co {i}"]), "", "CN" if i % 3 else "US", "")
            for i in range(companies)
        ]
        RowWriter(Company, ["name", "slug", "aliases", "wikidata_id", "country", "description"]).write(company_rows)
        company_ids = list(Company.objects.order_by("pk").values_list("pk", flat=True))
        roots = max(1, topics // 10)
        RowWriter(Topic, ["name", "slug", "description"]).write((f"Topic {i}", f"topic-{i}", "") for i in range(roots))
        root_ids = list(Topic.objects.order_by("pk").values_list("pk", flat=True))
        RowWriter(Topic, ["name", "slug", "description", "parent"]).write(
            (f"Topic {i}", f"topic-{i}", "", root_ids[i % roots]) for i in range(roots, topics)
        )
        topic_ids = list(Topic.objects.order_by("pk").values_list("pk", flat=True))
        kinds = [k for k, _ in Source.Kind.choices]
        source_rows = []
        for i in range(sources):
            year = 2000 + i % 25
            source_rows.append(
                (
                    f"source-{i}",
                    kinds[i % len(kinds)],
                    f"Source {i}: {sentence(rng, 6)}",
                    "Publisher",
                    "",
                    datetime.date(year, 1 + i % 12, 1),
                    "month",
                    "en",
                    "",
                    "",
                    now,
                    now,
                )
            )
        RowWriter(
            Source,
            [
                "key",
                "kind",
                "title",
                "publisher",
                "venue",
                "published",
                "published_precision",
                "language",
                "text_file",
                "notes",
                "created_at",
                "updated_at",
            ],
        ).write(source_rows)
        source_ids = list(Source.objects.order_by("pk").values_list("pk", flat=True))
        RowWriter(Author, ["source", "position", "family", "given", "organisation", "role"]).write(
            (pk, 0, f"Author{n}", "A.", "", "author") for n, pk in enumerate(source_ids)
        )
        log(f"vocabularies and sources: {time.perf_counter() - started:.1f}s")

        claim_writer = RowWriter(
            Claim,
            [
                "id",
                "source",
                "key",
                "text",
                "kind",
                "status",
                "retraction_reason",
                "period_start",
                "period_start_precision",
                "period_end",
                "period_end_precision",
                "value",
                "value_qualifier",
                "unit",
                "scale",
                "metric",
                "speaker",
                "notes",
                "created_at",
                "updated_at",
                "published_at",
                "loaded_from",
                "loaded_sha256",
                "record_sha256",
                "company_ids",
                "topic_ids",
            ],
        )
        ids_field = Claim._meta.get_field("company_ids")
        citation_writer = RowWriter(
            Citation, ["claim", "source", "quote", "locator", "verification", "unchecked_reason"]
        )
        company_writer = RowWriter(Claim.companies.through, ["claim", "company"])
        topic_writer = RowWriter(Claim.topics.through, ["claim", "topic"])
        next_id = 1
        for start in range(0, claims, BATCH):
            claim_rows, citation_rows, company_links, topic_links = [], [], [], []
            for n in range(start, min(start + BATCH, claims)):
                pk = next_id
                next_id += 1
                source_id = source_ids[
                    zipf_choice(rng, len(source_ids), 1.05) if n % 2 else rng.randrange(len(source_ids))
                ]
                kind = KINDS[n % len(KINDS)]
                status = rng.choice(STATUSES) if n % 50 else "retracted"
                year = 1995 + zipf_choice(rng, 30, 0.8) % 30
                first = datetime.date(year, 1, 1)
                last = datetime.date(year + (n % 7 == 0), 12, 31)
                figure = kind == "figure"
                companies_chosen = sorted(
                    {company_ids[zipf_choice(rng, len(company_ids))] for _ in range(1 + (n % 3 == 0))}
                )
                topics_chosen = sorted(
                    {topic_ids[zipf_choice(rng, len(topic_ids), 0.9)] for _ in range(1 + (n % 4 == 0))}
                )
                claim_rows.append(
                    (
                        pk,
                        source_id,
                        f"claim-{n}",
                        sentence(rng, 18),
                        kind,
                        status,
                        "Superseded by a later figure." if status == "retracted" else "",
                        first,
                        "year",
                        last,
                        "year",
                        round(rng.uniform(1, 1000), 2) if figure else None,
                        "approx" if figure else "",
                        "USD" if figure else "",
                        "billion" if figure else "",
                        f"Metric {zipf_choice(rng, 2000)}" if figure else "",
                        "Speaker Name" if kind == "quotation" else "",
                        "",
                        now,
                        now,
                        now if status in ("published", "retracted") else None,
                        "bench",
                        "",
                        "",
                        ids_field.get_db_prep_value(companies_chosen, connection),
                        ids_field.get_db_prep_value(topics_chosen, connection),
                    )
                )
                for c in range((3, 3, 2, 4, 3)[n % 5]):  # three citations a claim on average
                    citation_rows.append(
                        (pk, source_id, f"{sentence(rng, 16)} [{n}-{c}]", f"p. {1 + n % 300}", "no_text", SYNTHETIC)
                    )
                company_links += [(pk, c) for c in companies_chosen]
                topic_links += [(pk, t) for t in topics_chosen]
            citation_writer.write(citation_rows)
            claim_writer.write(claim_rows)
            company_writer.write(company_links)
            topic_writer.write(topic_links)
            if (start // BATCH) % 10 == 9:
                log(f"{start + BATCH:,} claims: {time.perf_counter() - started:.0f}s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval(pg_get_serial_sequence('claims_claim', 'id'), %s)", [next_id])
        log(f"rows written: {time.perf_counter() - started:.0f}s; rebuilding the search index")
        rebuild_search_index()
        bulk_triggers(enable=True)
        counts.recount_all()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The search-index update rewrote every claim row: compact the
            # table, as a restored production database would be.
            cursor.execute("VACUUM FULL claims_claim")
        cursor.execute("ANALYZE")
    log(f"done: {claims:,} claims in {time.perf_counter() - started:.0f}s")


BULK_TABLES = ["claims_claim", "claims_citation", "claims_claim_companies", "claims_claim_topics"]


SEARCH_INDEX = "claims.migrations.0014_search_labels_and_companies"


def bulk_triggers(enable):
    """Turn the search-index and tag-copy triggers off for the bulk load
    (PostgreSQL), or drop and recreate them (SQLite has no ALTER TABLE ...
    DISABLE TRIGGER). The generator writes the tag copies itself and rebuilds
    the search index once at the end."""
    from importlib import import_module

    statements = [
        *import_module(SEARCH_INDEX).SQLITE_TRIGGERS,
        *import_module("claims.migrations.0005_claim_tag_ids").SQLITE_TRIGGERS,
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            action = "ENABLE" if enable else "DISABLE"
            for table in BULK_TABLES:
                cursor.execute(f"ALTER TABLE {table} {action} TRIGGER USER")
            return
        for statement in statements:
            name = statement.split("CREATE TRIGGER", 1)[1].split()[0]
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            if enable:
                cursor.execute(statement)


def rebuild_search_index():
    """Every claim's search document, from the one definition the triggers use
    (claims/migrations/0014_search_labels_and_companies.py)."""
    from importlib import import_module

    search_index = import_module(SEARCH_INDEX)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Check the deferred foreign keys now: an index cannot be built
            # on a table with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("DROP INDEX IF EXISTS claims_claim_search_idx")
            cursor.execute(f"UPDATE claims_claim SET search_document = {search_index.POSTGRES_CALL}")
            cursor.execute("CREATE INDEX claims_claim_search_idx ON claims_claim USING GIN (search_document)")
        else:
            cursor.execute("DELETE FROM claims_claim_fts")
            cursor.execute(search_index.SQLITE_ROWS.format(where="1"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--sources", type=int, default=10_000)
    parser.add_argument("--companies", type=int, default=5_000)
    parser.add_argument("--topics", type=int, default=200)
    args = parser.parse_args()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    generate(args.claims, args.sources, args.companies, args.topics)


if __name__ == "__main__":
    main()
