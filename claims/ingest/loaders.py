"""Load fixture files into the corpus: read -> validate -> write, all or nothing.

The format is documented in docs/fixtures.md and fixtures/schema.json. The
loader validates every record (schema, model rules, cross-references,
duplicate keys, quote length, dates, and each quote against its source's text
when that is at hand) and writes inside one transaction: if any record of any
file is bad, nothing is written, and every error of every file is reported.

Plain functions, no printing: load_corpus() returns a LoadReport or raises
LoadFailed carrying every LoadError. The management command is a thin shell.
"""

import hashlib
import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property
from pathlib import Path

import fastjsonschema
import ijson
import jsonschema
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.db.models import Max
from django.utils import timezone

from claims import changes, evidence
from claims.ingest import sourcetexts, textextract
from claims.ingest.bulkwrite import RowWriter, allocate_ids, written_fields
from claims.ingest.exports import claim_record, claims_for_export
from claims.models import (
    QUOTE_MIN_WORDS,
    QUOTE_WORD,
    Author,
    Citation,
    Claim,
    ClaimRelation,
    Company,
    FullText,
    Source,
    Topic,
    parse_partial_date,
)
from claims.quotes import SourceText, verification_fields
from claims.scale import corpusversion, summaries

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "fixtures" / "schema.json"

# Files larger than this are streamed with ijson instead of read whole.
STREAM_THRESHOLD_BYTES = 8 * 1024 * 1024
# Rows written per INSERT batch: large enough to amortise round trips,
# small enough to keep memory flat whatever the file size.
BATCH_SIZE = 2000
# A file with thousands of errors is reported with its first ones.
MAX_ERRORS_PER_FILE = 200

CLAIM_COLUMNS = [f.name for f in written_fields(Claim)]
CLAIM_ATTNAMES = [f.attname for f in written_fields(Claim)]
# The history record of a new claim: the claim's own fields, then when, why, how and by whom.
HISTORY_ATTNAMES = [
    f.attname for f in written_fields(Claim) if f.name in {h.name for h in Claim.history.model._meta.concrete_fields}
]
HISTORY_COLUMNS = [*HISTORY_ATTNAMES, "history_date", "history_change_reason", "history_type", "history_user"]
# What a citation row holds: who, what, where, then its verification, by name.
CITATION_COLUMNS = ["claim", "source", "quote", "locator", *sourcetexts.VERIFICATION_COLUMNS, "unchecked_reason"]


@dataclass(slots=True)
class PendingCitation:
    """A validated citation waiting to be written (lighter than a model instance)."""

    source_id: int
    quote: str
    locator: str
    fields: dict = None
    unchecked_reason: str = ""

    def row(self, claim_id):
        verified = [self.fields[name] for name in sourcetexts.VERIFICATION_COLUMNS]
        return (claim_id, self.source_id, self.quote, self.locator, *verified, self.unchecked_reason)


# What a re-load may change on an existing claim: its content and provenance,
# never who created, reviewed or published it.
UPDATED_FIELDS = [
    "text",
    "kind",
    "status",
    "retraction_reason",
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
    "notes",
    "loaded_from",
    "loaded_sha256",
    "loaded_at",
    "record_sha256",
    "admin_changed_at",
    "updated_at",
]


@dataclass(frozen=True)
class LoadError:
    """One problem in one record of one file: where, which field, what is wrong."""

    file: str
    record: str  # JSON pointer and claim key, e.g. "/claims/3 (claim 'alibaba-cloud-share')"
    field: str  # e.g. "citations/0/quote"; empty when the whole record is at fault
    message: str

    def __str__(self):
        where = self.record or "(file)"
        return f"{self.file}: {where}: {self.field + ': ' if self.field else ''}{self.message}"


class LoadFailed(Exception):
    def __init__(self, errors):
        self.errors = errors
        super().__init__(f"{len(errors)} error(s)")


@dataclass
class LoadReport:
    """What a load did (or, on a dry run, would do), per model."""

    dry_run: bool = False
    files: list = field(default_factory=list)
    counts: dict = field(default_factory=lambda: defaultdict(Counter))
    missing: list = field(default_factory=list)  # (source key, claim key) in the DB but not in its file
    conflicts_overwritten: list = field(default_factory=list)
    unverified_sources: list = field(default_factory=list)  # (source key, why its quotes went unchecked)
    texts_stored: list = field(default_factory=list)  # (source key, text file name)
    page_disagreements: list = field(default_factory=list)  # (file, record, locator, page in the text)

    def count(self, model, outcome, n=1):
        self.counts[model][outcome] += n

    def lines(self):
        for model in ("company", "topic", "source", "claim", "citation", "relation"):
            if model in self.counts:
                c = self.counts[model]
                yield (
                    f"{model}: {c['created']} created, {c['updated']} updated, "
                    f"{c['unchanged']} unchanged, {c['removed']} removed"
                )


@cache
def _fast_validators():
    """The same schema compiled to Python by fastjsonschema (~50x faster than
    jsonschema): valid records pass here; only invalid ones go on to jsonschema,
    whose messages say exactly what is wrong and where."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8").replace("#/$defs/", "#/definitions/"))
    return {
        name: fastjsonschema.compile(
            {
                "$schema": "http://json-schema.org/draft-07/schema#",
                "definitions": schema["$defs"],
                "$ref": f"#/definitions/{name}",
            }
        )
        for name in ("source", "claim")
    }


@cache
def _validators():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return {
        name: jsonschema.Draft202012Validator({"$defs": schema["$defs"], "$ref": f"#/$defs/{name}"})
        for name in ("source", "claim", "company", "topic", "companiesFile", "topicsFile")
    }


def canonical_claim(record, source_key):
    """A valid claim record with defaults filled in and equivalent spellings
    made one (43 and 43.0, '2019' and '2019/2019', a bare relation key and
    'source/key'), so that a file and its export describe the claim identically."""
    canonical = {name: value for name, value in record.items() if value not in ("", [], None)}
    canonical.setdefault("status", Claim.Status.DRAFT)
    for name in ("companies", "topics"):  # sets, whatever order the file lists them in
        if name in canonical:
            canonical[name] = sorted(canonical[name])
    if "period" in canonical:
        first, _, last = canonical["period"].partition("/")
        canonical["period"] = first if not last or last == first else f"{first}/{last}"
    if "value" in canonical:
        value = {k: v for k, v in canonical["value"].items() if v not in ("", None)}
        value.setdefault("qualifier", "exact")
        value.setdefault("scale", "one")
        for name in ("number", "number_max"):
            if name in value:
                value[name] = format(Decimal(str(value[name])).normalize(), "f")
        canonical["value"] = value
    canonical["citations"] = [
        {k: v for k, v in c.items() if not (k == "source" and v == source_key)} for c in record.get("citations", [])
    ]
    if "relations" in canonical:
        relations = [
            {"type": r["type"], "claim": "/".join(_claim_ref(r["claim"], source_key))}
            | ({"note": r["note"]} if r.get("note") else {})
            for r in canonical["relations"]
        ]
        canonical["relations"] = sorted(relations, key=lambda r: (r["claim"], r["type"]))
    return canonical


def record_hash(record, source_key=""):
    """A stable fingerprint of a claim record, to tell unchanged claims on re-load."""
    canonical = json.dumps(
        canonical_claim(record, source_key), sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def display_name(path):
    path = Path(path).resolve()
    try:
        return str(path.relative_to(settings.BASE_DIR))
    except ValueError:
        return str(path)


# -- finding and reading files --------------------------------------------------


def discover(paths):
    """Fixture files named by `paths` (files or directories), vocabularies first."""
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found += [p for p in sorted(path.rglob("*.json*")) if p.suffix in (".json", ".jsonl")]
        elif path.exists():
            found.append(path)
        else:
            raise LoadFailed([LoadError(str(path), "", "", "no such file or directory")])
    found = [p for p in found if p.name != "schema.json"]
    order = {"companies.json": 0, "topics.json": 1}
    return sorted(dict.fromkeys(found), key=lambda p: (order.get(p.name, 2), str(p)))


class FixtureFile:
    """A fixture file, read whole when small, streamed when large (.jsonl, or big .json)."""

    def __init__(self, path):
        self.path = Path(path)
        self.name = display_name(path)
        self.size = self.path.stat().st_size
        self.streamed = self.path.suffix == ".jsonl" or self.size > STREAM_THRESHOLD_BYTES
        self._data = None

    def _error(self, message):
        return LoadFailed([LoadError(self.name, "", "", message)])

    def _load_whole(self):
        if self._data is None:
            try:
                self._data = json.loads(self.path.read_text(encoding="utf-8"))
            except UnicodeDecodeError as error:
                raise self._error(f"not UTF-8 text ({error.reason} at byte {error.start})")
            except json.JSONDecodeError as error:
                raise self._error(f"malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}")
            if not isinstance(self._data, dict):
                raise self._error("the top level must be an object with 'source' and 'claims' (or a vocabulary)")
        return self._data

    def kind(self):
        """'companies', 'topics' or 'source'."""
        if self.path.suffix == ".jsonl":
            return "source"
        if self.streamed:
            # Read only as far as the top-level keys tell what the file is.
            keys = set()
            for key in self._top_level_keys():
                keys.add(key)
                if keys & {"companies", "topics"} or {"source", "claims"} <= keys:
                    break
            return self._kind_of(keys)
        return self._kind_of(self._load_whole().keys())

    def _kind_of(self, keys):
        keys = set(keys) - {"$schema"}
        for kind, required in (("companies", {"companies"}), ("topics", {"topics"}), ("source", {"source", "claims"})):
            if required <= keys:
                return kind
        raise self._error(
            "cannot tell what this file holds: expected 'source' and 'claims', 'companies' or 'topics' at the top level"
        )

    def _top_level_keys(self):
        with open(self.path, "rb") as handle:
            try:
                for prefix, event, value in ijson.parse(handle, use_float=True):
                    if prefix == "" and event == "map_key":
                        yield value
            except ijson.JSONError as error:
                raise self._error(f"malformed JSON: {error}")

    def whole(self):
        return self._load_whole()

    def source_record(self):
        if not self.streamed:
            return self._load_whole().get("source")
        with open(self.path, "rb") as handle:
            try:
                if self.path.suffix == ".jsonl":
                    first = handle.readline()
                    return json.loads(first).get("source") if first.strip() else None
                return next(ijson.items(handle, "source", use_float=True), None)
            except (ijson.JSONError, json.JSONDecodeError, AttributeError) as error:
                raise self._error(f"malformed JSON in the source record: {error}")

    def claims(self):
        """Yield (index, claim record) without holding the file in memory."""
        if not self.streamed:
            claims = self._load_whole().get("claims")
            if not isinstance(claims, list):
                raise self._error("'claims' must be a list")
            yield from enumerate(claims)
            return
        with open(self.path, "rb") as handle:
            if self.path.suffix == ".jsonl":
                handle.readline()
                for index, line in enumerate(handle):
                    if not line.strip():
                        continue
                    try:
                        yield index, json.loads(line)
                    except json.JSONDecodeError as error:
                        raise LoadFailed(
                            [LoadError(self.name, f"line {index + 2}", "", f"malformed JSON: {error.msg}")]
                        )
                return
            try:
                yield from enumerate(ijson.items(handle, "claims.item", use_float=True))
            except ijson.JSONError as error:
                raise self._error(f"malformed JSON: {error}")


# -- the load --------------------------------------------------------------------


class Loader:
    """One load: every file validated and written inside one transaction."""

    def __init__(self, texts_dir=None, dry_run=False, remove_missing=False, overwrite_admin_edits=False, progress=None):
        self.texts_dir = settings.CORPUS_TEXTS_DIR if texts_dir is None else texts_dir
        self.remove_missing = remove_missing
        self.overwrite_admin_edits = overwrite_admin_edits
        self.progress = progress or (lambda message: None)
        self.report = LoadReport(dry_run=dry_run)
        self.errors = []
        self.now = timezone.now()
        self.companies = dict(Company.objects.values_list("slug", "pk"))
        self.topics = dict(Topic.objects.values_list("slug", "pk"))
        self.sources = dict(Source.objects.values_list("key", "pk"))
        self.source_texts = {}  # source key -> SourceText or None
        # Sources the corpus holds a text of, and why others' quotes may stand unchecked.
        self.held = set(FullText.objects.values_list("source__key", flat=True))
        self.unchecked_reasons = dict(
            Source.objects.exclude(unchecked_reason="").values_list("key", "unchecked_reason")
        )
        self.new_texts = {}  # source key -> (Source, SourceText, fixture file) stored by this load
        self.relations = []  # (file, pointer, from claim id, relation records, own source key)
        self.written_ids = []  # claims created or updated by this load

    # errors

    def error(self, file, record, field_name, message):
        self.errors.append(LoadError(file, record, field_name, message))

    def schema_errors(self, file, record, validator_name, data, pointer_prefix):
        fast = _fast_validators().get(validator_name)
        if fast is not None:
            try:
                fast(data)
                return 0
            except fastjsonschema.JsonSchemaException:
                pass
        found = 0
        for error in sorted(_validators()[validator_name].iter_errors(data), key=lambda e: list(e.path)):
            found += 1
            self.error(file, record, "/".join(str(p) for p in error.path), _schema_message(error))
        return found

    def nul_errors(self, file, record, data):
        """NUL characters, refused alike on both databases (PostgreSQL cannot store them)."""
        found = 0
        for path in _nul_paths(data):
            found += 1
            self.error(file, record, path, "contains a NUL character (U+0000), which the corpus cannot store")
        return found

    # vocabularies

    def load_vocabulary(self, fixture, kind):
        data = fixture.whole()
        model, lookup, label = (
            (Company, self.companies, "company") if kind == "companies" else (Topic, self.topics, "topic")
        )
        if self.schema_errors(fixture.name, "", f"{kind}File", data, "") or self.nul_errors(fixture.name, "", data):
            return
        records = data[kind]
        slugs = Counter(r["slug"] for r in records)
        for slug, n in slugs.items():
            if n > 1:
                self.error(fixture.name, f"/{kind} ({label} '{slug}')", "slug", f"duplicate slug, {n} records")
        known = set(lookup) | set(slugs)
        existing = {obj.slug: obj for obj in model.objects.all()}
        pending_parents = []
        for index, record in enumerate(records):
            pointer = f"/{kind}/{index} ({label} '{record['slug']}')"
            parent = record.get("parent")
            if parent and parent not in known:
                self.error(fixture.name, pointer, "parent", f"unknown {label} '{parent}'")
            if parent == record["slug"]:
                self.error(fixture.name, pointer, "parent", f"a {label} cannot be its own parent")
            obj = existing.get(record["slug"]) or model(slug=record["slug"])
            before = _vocabulary_values(obj, kind)
            obj.name = record["name"]
            obj.description = record.get("description", "")
            if kind == "companies":
                obj.aliases = record.get("aliases", [])
                obj.wikidata_id = record.get("wikidata", "")
                obj.country = record.get("country", "")
            try:
                obj.full_clean(exclude=["parent", "slug"] if obj.pk else ["parent"], validate_unique=False)
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    self.error(fixture.name, pointer, name, " ".join(messages))
                continue
            pending_parents.append((obj, parent, before))
        if self.errors:
            return
        for obj, _, _ in pending_parents:
            if obj.pk is None:
                obj.save()
                lookup[obj.slug] = obj.pk
        for obj, parent, before in pending_parents:
            obj.parent_id = lookup[parent] if parent else None
            after = _vocabulary_values(obj, kind)
            if before is None:
                obj.save()
                self.report.count(label, "created")
            elif before != after:
                obj.save()
                self.report.count(label, "updated")
            else:
                self.report.count(label, "unchanged")
        self._check_cycles(fixture.name, model, kind, label)

    def _check_cycles(self, file, model, kind, label):
        parents = dict(model.objects.values_list("pk", "parent_id"))
        slugs = dict(model.objects.values_list("pk", "slug"))
        for pk in parents:
            seen, node = set(), pk
            while node is not None:
                if node in seen:
                    self.error(
                        file,
                        f"/{kind} ({label} '{slugs[pk]}')",
                        "parent",
                        f"parents form a cycle through '{slugs[node]}'",
                    )
                    break
                seen.add(node)
                node = parents.get(node)

    # sources

    def text_for(self, source_key):
        """The text held by the corpus for a source (or stored by this load)."""
        if source_key not in self.source_texts:
            held = source_key in self.held and source_key in self.sources
            self.source_texts[source_key] = FullText.searchable(self.sources[source_key]) if held else None
        return self.source_texts[source_key]

    def read_text_file(self, file, name):
        """The text of `name` in the texts directory, or None when it is not there.
        `name` is a bare file name (the schema refuses paths), and is looked up in
        that directory only: no fixture can make the loader read another file."""
        if not self.texts_dir:
            return None
        directory = Path(self.texts_dir).resolve()
        path = (directory / name).resolve()
        if path.parent != directory or not path.is_file():
            return None
        try:
            extracted = textextract.extract(name, path.read_bytes())
        except textextract.TextRejected as error:
            self.error(file, "/source", "text_file", str(error))
            return None
        return extracted

    def take_text(self, file, source, name):
        """Use the source's text from the texts directory, storing it in the
        corpus when it is new or changed; else the text the corpus holds."""
        key = source.key
        extracted = self.read_text_file(file, name) if name else None
        if extracted is None:
            if name and self.text_for(key) is None:
                where = self.texts_dir or "any --texts DIR"
                self.report.unverified_sources.append((key, f"'{name}' is not in {where}"))
            return
        searchable = SourceText(extracted.text, extracted.page_map)
        self.source_texts[key] = searchable
        held = FullText.objects.filter(source=source).values_list("sha256", flat=True).first()
        if held == FullText.digest(extracted.text):
            return
        sourcetexts.store(
            source,
            extracted.text,
            origin=FullText.Origin.FIXTURE,
            origin_name=name,
            page_map=extracted.page_map,
            at=self.now,
        )
        self.held.add(key)
        self.new_texts[key] = (source, searchable, file)
        self.report.texts_stored.append((key, name))

    def reverify_new_texts(self):
        """Quotes of other claims citing a source whose text this load changed
        are verified against the new text too; a published one that would
        lose its check stops the load."""
        for source, searchable, file in self.new_texts.values():
            # The quotes this load wrote were verified against the new text already.
            others = Citation.objects.filter(source=source).exclude(claim__loaded_at=self.now)
            result, rows, refused = sourcetexts.reverify(source, searchable, self.now, citations=others)
            for message in refused:
                self.error(file, "/source", "text_file", f"the new text would unverify a {message}")
            if not refused:
                sourcetexts.write_verifications(rows)

    def load_source_file(self, fixture):
        file = fixture.name
        record = fixture.source_record()
        if not isinstance(record, dict):
            self.error(file, "/source", "", "the file needs a 'source' object")
            return
        if self.schema_errors(file, "/source", "source", record, "/source") or self.nul_errors(file, "/source", record):
            return
        key = record["key"]
        source = self.upsert_source(file, record)
        if source is None:
            return
        self.sources[key] = source.pk
        self.source_texts.pop(key, None)
        if source.unchecked_reason:
            self.unchecked_reasons[key] = source.unchecked_reason
        else:
            self.unchecked_reasons.pop(key, None)
        self.take_text(file, source, source.text_file)
        self.load_claims(fixture, source)

    def upsert_source(self, file, record):
        # Locked until the load commits: an admin save of this source waits for it.
        source = Source.objects.select_for_update().filter(key=record["key"]).first()
        created = source is None
        source = source or Source(key=record["key"])
        before = None if created else _source_values(source)
        for name in (
            "kind",
            "title",
            "publisher",
            "venue",
            "volume",
            "issue",
            "pages",
            "doi",
            "url",
            "text_file",
            "unchecked_reason",
            "notes",
        ):
            setattr(source, name, record.get(name, ""))
        source.language = record.get("language", "en")
        try:
            if record.get("published"):
                source.published, source.published_precision = parse_partial_date(record["published"])
            else:
                source.published, source.published_precision = None, ""
            source.accessed = parse_partial_date(record["accessed"])[0] if record.get("accessed") else None
        except ValueError as error:
            self.error(file, "/source", "published" if "published" in str(error) else "published/accessed", str(error))
            return None
        authors = [
            Author(
                position=i,
                family=a.get("family", ""),
                given=a.get("given", ""),
                organisation=a.get("organisation", ""),
                role=a.get("role", "author"),
            )
            for i, a in enumerate(record.get("authors", []))
        ]
        try:
            source.full_clean(exclude=["key"] if not created else [], validate_unique=False)
            for author in authors:
                author.full_clean(exclude=["source"], validate_unique=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.error(file, "/source", name, " ".join(messages))
            return None
        author_values = [_author_values(a) for a in authors]
        if created:
            source.save()
            self.report.count("source", "created")
        elif before != _source_values(source) or author_values != [
            _author_values(a) for a in source.authors.order_by("position")
        ]:
            if source.admin_changed_at is not None:
                if not self.overwrite_admin_edits:
                    self.error(
                        file,
                        "/source",
                        "",
                        "edited in the admin since it was last loaded; merge the admin's changes into the file "
                        "(export_corpus writes them), or load with --overwrite-admin-edits to replace them "
                        "(the admin version stays in history)",
                    )
                    return None
                self.report.conflicts_overwritten.append((source.key, "(source record)"))
            source.admin_changed_at = None
            source._change_reason = self.change_reason(file)
            source.save()
            self.report.count("source", "updated")
        else:
            if source.admin_changed_at is not None:  # the file holds the admin's version now
                Source.objects.filter(pk=source.pk).update(admin_changed_at=None)
            self.report.count("source", "unchanged")
            return source
        source.authors.all().delete()
        for author in authors:
            author.source = source
        Author.objects.bulk_create(authors)
        return source

    # claims

    def load_claims(self, fixture, source):
        file = fixture.name
        sha = file_sha256(fixture.path)
        existing = {
            key: (pk, digest, admin_changed_at)
            # Locked (PostgreSQL) until the load commits: an admin save of one of
            # these claims either committed before, and its admin_changed_at is
            # read here, or waits for the load; none is overwritten unseen.
            for key, pk, digest, admin_changed_at in Claim.objects.select_for_update()
            .filter(source=source)
            .values_list("key", "pk", "record_sha256", "admin_changed_at")
        }
        seen = set()
        batch = []
        errors_before = len(self.errors)
        written = 0
        for index, record in fixture.claims():
            pointer = f"/claims/{index}"
            if isinstance(record, dict) and isinstance(record.get("key"), str):
                pointer += f" (claim '{record['key']}')"
            if len(self.errors) - errors_before >= MAX_ERRORS_PER_FILE:
                continue
            prepared = self.prepare_claim(file, pointer, record, source)
            if prepared is None:
                continue
            key = record["key"]
            if key in seen:
                self.error(file, pointer, "key", f"duplicate claim key '{key}' in this file")
                continue
            seen.add(key)
            claim, citations, companies, topics, digest = prepared
            current = existing.get(key)
            if current is not None:
                pk, old_digest, admin_changed_at = current
                if old_digest == digest:
                    self.report.count("claim", "unchanged")
                    self.report.count("citation", "unchanged", len(citations))
                    self.report.count("relation", "unchanged", len(record.get("relations", [])))
                    continue
                if admin_changed_at is not None and self.holds_admin_version(pk, digest, source.key):
                    # The file was brought up to the admin's version (export_corpus
                    # writes it): nothing to load, and nothing in conflict any more.
                    Claim.objects.filter(pk=pk).update(record_sha256=digest, admin_changed_at=None)
                    self.report.count("claim", "unchanged")
                    self.report.count("citation", "unchanged", len(citations))
                    self.report.count("relation", "unchanged", len(record.get("relations", [])))
                    continue
                if admin_changed_at is not None:
                    if not self.overwrite_admin_edits:
                        self.error(
                            file,
                            pointer,
                            "",
                            "edited in the admin since it was last loaded; merge the admin's changes into the file, "
                            "or load with --overwrite-admin-edits to replace them (the admin version stays in history)",
                        )
                        continue
                    self.report.conflicts_overwritten.append((source.key, key))
                claim.pk = pk
            claim.loaded_from, claim.loaded_sha256, claim.loaded_at = file[-300:], sha, self.now
            claim.record_sha256 = digest
            claim.admin_changed_at = None
            if claim.status == Claim.Status.PUBLISHED and claim.pk is None:
                claim.published_at = self.now
            if not self.errors:
                batch.append((claim, citations, companies, topics, record, pointer))
                if len(batch) >= BATCH_SIZE:
                    written += self.write_claims(batch, file)
                    batch = []
                    self.progress(f"{file}: {written} claims written")
        if not self.errors and batch:
            written += self.write_claims(batch, file)
        missing = sorted(set(existing) - seen)
        if missing and not self.errors:
            self.report.missing += [(source.key, key) for key in missing]
            if self.remove_missing:
                Claim.objects.filter(source=source, key__in=missing).delete()
                self.report.count("claim", "removed", len(missing))

    def prepare_claim(self, file, pointer, record, source):
        """Validate one claim record; return unsaved objects, or None after recording errors."""
        if not isinstance(record, dict):
            self.error(file, pointer, "", "a claim must be an object")
            return None
        if self.schema_errors(file, pointer, "claim", record, pointer) or self.nul_errors(file, pointer, record):
            return None
        bad = len(self.errors)
        claim = Claim(source=source, key=record["key"])
        for name in ("text", "kind", "speaker", "notes", "retraction_reason"):
            setattr(claim, name, record.get(name, ""))
        claim.status = record.get("status", Claim.Status.DRAFT)
        try:
            claim.set_period(record.get("period"))
        except ValueError as error:
            self.error(file, pointer, "period", str(error))
        value = record.get("value")
        if value:
            try:
                claim.value = Decimal(str(value["number"]))
                claim.value_max = Decimal(str(value["number_max"])) if "number_max" in value else None
            except InvalidOperation:
                self.error(file, pointer, "value/number", "not a number")
            claim.value_qualifier = value.get("qualifier", "exact")
            claim.unit, claim.scale, claim.metric = value["unit"], value.get("scale", "one"), value["metric"]
            if claim.value_qualifier == "range" and claim.value_max is None:
                self.error(file, pointer, "value/number_max", "a range needs number_max")
        try:
            claim.full_clean(exclude=["source"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                name = {"value": "value/number", "unit": "value/unit", "value_max": "value/number_max"}.get(name, name)
                self.error(file, pointer, name, " ".join(messages))
        companies = self._resolve(file, pointer, record, "companies", self.companies, "company")
        topics = self._resolve(file, pointer, record, "topics", self.topics, "topic")
        citations = []
        quotes = set()
        for i, cited in enumerate(record["citations"]):
            cited_key = cited.get("source", source.key)
            if cited_key not in self.sources:
                self.error(file, pointer, f"citations/{i}/source", f"unknown source '{cited_key}'")
                continue
            if (cited_key, cited["quote"]) in quotes:
                self.error(file, pointer, f"citations/{i}/quote", "the same quote is cited twice")
                continue
            quotes.add((cited_key, cited["quote"]))
            # Length limits are the schema's; what it cannot say is checked here.
            if not cited["quote"].strip() or not cited["locator"].strip():
                self.error(file, pointer, f"citations/{i}", "quote and locator cannot be blank")
                continue
            if len(QUOTE_WORD.findall(cited["quote"])) < QUOTE_MIN_WORDS:
                self.error(
                    file, pointer, f"citations/{i}/quote", f"a quote is at least {QUOTE_MIN_WORDS} words of the source"
                )
                continue
            citation = PendingCitation(self.sources[cited_key], cited["quote"], cited["locator"])
            self.verify(file, pointer, i, citation, cited_key, claim.status)
            citations.append(citation)
        if len(self.errors) > bad:
            return None
        return claim, citations, companies, topics, record_hash(record, source.key)

    @staticmethod
    def holds_admin_version(pk, digest, source_key):
        """Does the file's record say what the claim says now, after admin edits?"""
        claim = claims_for_export(Claim.objects.filter(pk=pk)).get()
        return record_hash(claim_record(claim), source_key) == digest

    def _resolve(self, file, pointer, record, name, lookup, label):
        ids = []
        for i, slug in enumerate(record.get(name, [])):
            if slug in lookup:
                ids.append(lookup[slug])
            else:
                self.error(file, pointer, f"{name}/{i}", f"unknown {label} '{slug}' (not in fixtures/{name}.json)")
        return ids

    def verify(self, file, pointer, index, citation, source_key, status):
        """The same verification as every other path (quotes.py), and the same
        rule for publishing (evidence.py): a claim loaded as published cites
        only checked quotes, or quotes of a source that states why it has no text."""
        text = self.text_for(source_key)
        match = text.find(citation.quote) if text is not None else None
        citation.fields = verification_fields(match, self.now)
        if match is None:
            citation.unchecked_reason = self.unchecked_reasons.get(source_key, "")
            if status == Claim.Status.PUBLISHED and not citation.unchecked_reason:
                self.error(
                    file,
                    pointer,
                    f"citations/{index}/quote",
                    f"no text of '{source_key}' to check this quote against, and the claim is published: "
                    "load with --texts DIR holding the source's text_file, give the source its text in the admin, "
                    "or state the source's unchecked_reason",
                )
            return
        if match.status in evidence.VERIFIED:
            page = match.page
            if page and evidence.locator_page(citation.locator) not in (None, page):
                self.report.page_disagreements.append((file, pointer, citation.locator, page))
            return
        elsewhere = [
            key
            for key in sorted(self.held)
            if key != source_key and (other := self.text_for(key)) is not None and other.contains(citation.quote)
        ]
        if elsewhere:
            message = f"quote not in the text of '{source_key}': found in '{elsewhere[0]}' instead"
        elif match.passage and match.score:
            nearest = " ".join(match.passage.split())
            message = (
                f"quote not found in the text of '{source_key}'; "
                f"nearest passage ({match.score:.0f}% similar): “{nearest}”"
            )
        else:
            message = f"quote not found in the text of '{source_key}'"
        self.error(file, pointer, f"citations/{index}/quote", message)

    def write_claims(self, batch, file):
        new = [item[0] for item in batch if item[0].pk is None]
        changed = [item[0] for item in batch if item[0].pk is not None]
        if changed:
            self.update_claims(changed, file)
        # New claims get their ids first, and their citations are written
        # before them (foreign keys are checked at commit): the search index,
        # kept by triggers, then indexes each new claim once, with its quotes,
        # instead of once per citation.
        for claim, pk in zip(new, allocate_ids(Claim, len(new)), strict=True):
            claim.pk = pk
        citations, company_rows, topic_rows = [], [], []
        for claim, claim_citations, companies, topics, record, pointer in batch:
            citations += [c.row(claim.pk) for c in claim_citations]
            company_rows += [(claim.pk, c) for c in companies]
            topic_rows += [(claim.pk, t) for t in topics]
            self._queue_relations(file, pointer, claim.pk, record, claim.source.key)
        self.writers["citation"].write(citations)
        if new:
            self.insert_new_claims(new, file)
            self.report.count("claim", "created", len(new))
        self.writers["companies"].write(company_rows)
        self.writers["topics"].write(topic_rows)
        self.written_ids += [item[0].pk for item in batch]
        self.report.count("citation", "created", len(citations))
        return len(batch)

    def update_claims(self, claims, file):
        """Update changed claims in place (their ids, permalinks and history
        stay) and drop the rows that write_claims writes anew."""
        for claim in claims:
            claim._change_reason = self.change_reason(file)
            claim._history_date = self.now  # record_tag_history() finds the record by it
            claim.save(update_fields=UPDATED_FIELDS)
        ids = [claim.pk for claim in claims]
        old_citations = Citation.objects.filter(claim_id__in=ids)
        self.report.count("citation", "removed", old_citations.count())
        old_citations.delete()
        ClaimRelation.objects.filter(from_claim_id__in=ids).delete()
        Claim.companies.through.objects.filter(claim_id__in=ids).delete()
        Claim.topics.through.objects.filter(claim_id__in=ids).delete()
        Claim.objects.filter(pk__in=ids, status=Claim.Status.PUBLISHED, published_at__isnull=True).update(
            published_at=self.now
        )
        self.report.count("claim", "updated", len(claims))

    def record_tag_history(self):
        """Each claim this load wrote: its companies and topics as they now are,
        in the history record this load made for it (the admin's history and
        its revert read them there). A new claim's record was written by COPY,
        with no tags; an updated one's by save(), with the tags from before."""
        history = Claim.history.model
        for start in range(0, len(self.written_ids), BATCH_SIZE):
            ids = self.written_ids[start : start + BATCH_SIZE]
            latest = dict(
                history.objects.filter(id__in=ids, history_date=self.now)
                .values("id")
                .annotate(latest=Max("history_id"))
                .values_list("id", "latest")
            )
            for name in ("companies", "topics"):
                through = getattr(Claim, name).through
                m2m_history = _m2m_history_model(name)
                m2m_history.objects.filter(history_id__in=latest.values()).delete()
                target = through._meta.get_field(_TAG_FIELDS[name]).attname
                m2m_history.objects.bulk_create(
                    [
                        m2m_history(history_id=latest[row["claim_id"]], **row)
                        for row in through.objects.filter(claim_id__in=latest).values("id", "claim_id", target)
                    ],
                    batch_size=BATCH_SIZE,
                )

    @cached_property
    def writers(self):
        return {
            "claim": RowWriter(Claim, CLAIM_COLUMNS),
            "history": RowWriter(Claim.history.model, HISTORY_COLUMNS),
            "citation": RowWriter(Citation, CITATION_COLUMNS),
            "companies": RowWriter(Claim.companies.through, ["claim", "company"]),
            "topics": RowWriter(Claim.topics.through, ["claim", "topic"]),
        }

    def insert_new_claims(self, claims, file):
        """Insert new claims (ids already allocated) and their first history record."""
        for claim in claims:
            claim.created_at = claim.updated_at = self.now
        self.writers["claim"].write([getattr(c, name) for name in CLAIM_ATTNAMES] for c in claims)
        reason = self.change_reason(file)
        self.writers["history"].write(
            [getattr(c, name) for name in HISTORY_ATTNAMES] + [self.now, reason, "+", None] for c in claims
        )

    @staticmethod
    def change_reason(file):
        reason = f"loaded from {file}"
        # The history's reason column holds 100 characters: keep the file name's end.
        return reason if len(reason) <= 100 else "loaded from …" + file[-(100 - 13) :]

    # relations, once every claim of every file is in

    def _queue_relations(self, file, pointer, claim_id, record, source_key):
        if record.get("relations"):
            self.relations.append((file, pointer, claim_id, record["relations"], source_key))

    def load_relations(self):
        """Create the relations of every claim written by this load (their old
        ones were deleted with the claim's other rows)."""
        wanted = set()
        for _, _, _, relations, own in self.relations:
            for relation in relations:
                wanted.add(_claim_ref(relation["claim"], own))
        by_source = defaultdict(set)
        for source_key, key in wanted:
            by_source[source_key].add(key)
        ids = {}
        for source_key, keys in by_source.items():
            for key, pk in Claim.objects.filter(source__key=source_key, key__in=keys).values_list("key", "pk"):
                ids[(source_key, key)] = pk
        rows = {}
        for file, pointer, claim_id, relations, own in self.relations:
            for i, relation in enumerate(relations):
                ref = _claim_ref(relation["claim"], own)
                if ref not in ids:
                    self.error(file, pointer, f"relations/{i}/claim", f"unknown claim '{'/'.join(ref)}'")
                elif ids[ref] == claim_id:
                    self.error(file, pointer, f"relations/{i}/claim", "a claim cannot relate to itself")
                else:
                    rows[(claim_id, ids[ref], relation["type"])] = relation.get("note", "")
        if self.errors:
            return
        ClaimRelation.objects.bulk_create(
            [ClaimRelation(from_claim_id=f, to_claim_id=t, type=k, note=n) for (f, t, k), n in rows.items()],
            batch_size=BATCH_SIZE,
        )
        self.report.count("relation", "created", len(rows))

    # the whole load

    def run(self, paths):
        files = [FixtureFile(p) for p in discover(paths)]
        self.report.files = [f.name for f in files]
        for fixture in files:
            try:
                kind = fixture.kind()
                if kind in ("companies", "topics"):
                    self.load_vocabulary(fixture, kind)
                else:
                    self.load_source_file(fixture)
            except LoadFailed as failed:
                self.errors += failed.errors
        if not self.errors:
            self.load_relations()
        if not self.errors:
            self.reverify_new_texts()
        if not self.errors:
            self.record_tag_history()
        if self.errors:
            raise LoadFailed(self.errors)
        return self.report


class _DryRunRollback(Exception):
    pass


def load_corpus(
    paths=None, *, texts_dir=None, dry_run=False, remove_missing=False, overwrite_admin_edits=False, progress=None
):
    """Validate and load fixture files; all or nothing.

    Returns a LoadReport; raises LoadFailed with every error found. With
    dry_run, everything is validated (and written inside a transaction, so
    that database constraints are checked too) and then rolled back.
    """
    paths = paths or [settings.CORPUS_FIXTURES_DIR]
    # Readers are served the previous coverage grid, disagreements and citing
    # claims until these are recomputed: right after the commit, here, rather
    # than in some reader's request.
    with summaries.refreshing():
        try:
            # The bulk writes bypass the model signals, and the loader applies
            # the publishing rule to every quote itself: the write door
            # recounts, checks the cache and moves the version once, at commit.
            with changes.bulk_change():
                if connection.vendor == "postgresql":
                    # Readers keep seeing the previous corpus until the commit; this
                    # only guards against two loads interleaving.
                    wait_for_other_loads()
                loader = Loader(texts_dir, dry_run, remove_missing, overwrite_admin_edits, progress)
                report = loader.run(paths)
                if dry_run:
                    raise _DryRunRollback
        except _DryRunRollback:
            return report
        except corpusversion.CacheUnreachable as error:
            raise LoadFailed([LoadError("(cache)", "", "", f"{error}; nothing was loaded, try again")])
        except DatabaseError as error:
            # Locked by another load, unreachable, full, crashed: nothing was
            # written (the transaction rolled back); say so, no traceback.
            raise LoadFailed([LoadError("(database)", "", "", database_problem(error))]) from error
        summaries.refresh()
    return report


def database_problem(error):
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if "database is locked" in text or "lock timeout" in text:
        return BUSY
    return f"the database failed ({text}); nothing was loaded"


# How long a load waits for another one to finish before it stops.
LOAD_WAIT_SECONDS = 60
BUSY = (
    "another load_corpus (or a long admin change) is writing to the database; nothing was loaded: "
    "try again when it has finished"
)


def wait_for_other_loads():
    """PostgreSQL: one load at a time (an advisory lock held until commit),
    waiting a bounded time. SQLite needs none: its write lock is taken when
    the transaction begins (transaction_mode IMMEDIATE, timeout in settings)."""
    deadline = time.monotonic() + LOAD_WAIT_SECONDS
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_xact_lock(482910)")
            if cursor.fetchone()[0]:
                return
            if time.monotonic() > deadline:
                raise LoadFailed([LoadError("(database)", "", "", BUSY)])
            time.sleep(0.5)


_TAG_FIELDS = {"companies": "company", "topics": "topic"}


def _m2m_history_model(name):
    """django-simple-history's table of a claim's companies or topics per history record."""
    return apps.get_model("claims", f"HistoricalClaim_{name}")


def _claim_ref(target, own_source):
    """'other-source/claim-key' or a bare 'claim-key' in the same source."""
    return tuple(target.split("/", 1)) if "/" in target else (own_source, target)


def _schema_message(error):
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field(s)")
    if error.validator == "required":
        return f"missing required field: {error.message.split(' is a required')[0]}"
    if error.validator in ("oneOf", "anyOf") and error.context:
        best = jsonschema.exceptions.best_match(error.context)
        return best.message
    return error.message


def _vocabulary_values(obj, kind):
    if obj.pk is None:
        return None
    values = (obj.name, obj.description, obj.parent_id)
    if kind == "companies":
        values += (tuple(obj.aliases), obj.wikidata_id, obj.country)
    return values


def _source_values(source):
    return tuple(
        getattr(source, f.attname)
        for f in Source._meta.concrete_fields
        if f.name not in ("created_at", "updated_at", "admin_changed_at")
    )


def _author_values(author):
    return (author.position, author.family, author.given, author.organisation, author.role)


def _nul_paths(value, path=""):
    """JSON paths of the strings (keys included) in `value` holding a NUL character."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                yield path
            yield from _nul_paths(item, f"{path}/{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, f"{path}/{index}" if path else str(index))
