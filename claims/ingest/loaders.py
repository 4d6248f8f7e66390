"""Load fixture files into the corpus: read -> validate -> write, all or nothing.

The format is documented in docs/fixtures.md and fixtures/schema.json. The
loader validates every record (schema, model rules, cross-references,
duplicate keys, quote length, dates, and each quote against its source's text
when that is at hand) and writes inside one transaction: if any record of any
file is bad, nothing is written, and every error of every file is reported.

Plain functions, no printing: load_corpus() returns a LoadReport or raises
LoadFailed carrying every LoadError. The management command is a thin shell.

A Loader is one load's state (what the database holds, what this load has
written, every error so far) and the steps that share it, one module each:
files.py reads the files, schema.py and records.py check and fingerprint
records, vocabulary.py, sources.py and claimrecords.py validate each kind of
record, writing.py writes claims in batches and relations.py links them once
every file is in. This module runs them in order inside the write door
(claims/changes.py).
"""

import os
import time

from django.conf import settings
from django.db import Error, connection, transaction
from django.utils import timezone

from claims import changes
from claims.editorial.report import check_sources
from claims.ingest import schema
from claims.ingest.claimrecords import ClaimLoading
from claims.ingest.files import FixtureFile, discover
from claims.ingest.relations import RelationLoading
from claims.ingest.report import LoadError, LoadFailed, LoadReport
from claims.ingest.sources import SourceLoading
from claims.ingest.vocabulary import VocabularyLoading
from claims.ingest.writing import ClaimWriting
from claims.models import (
    Claim,
    Company,
    FullText,
    Source,
    Topic,
)
from claims.scale import corpusversion, summaries


class Loader(VocabularyLoading, SourceLoading, ClaimLoading, ClaimWriting, RelationLoading):
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

    def error(self, file, record, field_name, message):
        self.errors.append(LoadError(file, record, field_name, message))

    def schema_errors(self, file, record, definition, data, pointer_prefix):
        """Record each way data breaks the schema's definition; how many."""
        found = schema.problems(definition, data)
        for path, message in found:
            self.error(file, record, path, message)
        return len(found)

    def nul_errors(self, file, record, data):
        """Strings no database stores, refused alike on both: a NUL character
        (PostgreSQL cannot store one) and a lone surrogate (neither can encode one)."""
        found = 0
        for paths, message in ((schema.nul_paths(data), NUL), (schema.surrogate_paths(data), SURROGATE)):
            for path in paths:
                found += 1
                self.error(file, record, path, message)
        return found

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
            except OSError as error:  # a source's text file, unreadable
                name = error.filename or "a file"
                self.error(fixture.name, "", "", f"cannot read {name}: {error.strerror or error}")
        if not self.errors:
            self.load_relations()
        if not self.errors:
            self.reverify_new_texts()
        if not self.errors:
            self.record_tag_history()
        if self.errors:
            raise LoadFailed(self.errors)
        return self.report


NUL = "contains a NUL character (U+0000), which the corpus cannot store"
SURROGATE = "contains a lone surrogate (U+D800 to U+DFFF, half of a UTF-16 pair), which the corpus cannot store"


class _DryRunRollback(Exception):
    pass


class FailedAfterCommit(LoadFailed):
    """The load was committed; what had to follow the commit failed."""


def load_corpus(
    paths=None, *, texts_dir=None, dry_run=False, remove_missing=False, overwrite_admin_edits=False, progress=None
):
    """Validate and load fixture files; all or nothing.

    Returns a LoadReport; raises LoadFailed with every error found. With
    dry_run, everything is validated (and written inside a transaction, so
    that database constraints are checked too) and then rolled back.
    """
    paths = paths or [settings.CORPUS_FIXTURES_DIR]
    committed = []  # set at the commit: what fails later fails after it
    # Readers are served the previous coverage grid, disagreements and citing
    # claims until these are recomputed: right after the commit, here, rather
    # than in some reader's request.
    with summaries.refreshing():
        try:
            # The bulk writes bypass the model signals, and the loader applies
            # the publishing rule to every quote itself: the write door
            # recounts, checks the cache and moves the version once, at commit.
            with changes.bulk_change():
                transaction.on_commit(lambda: committed.append(True))
                database_file = sqlite_file()
                if connection.vendor == "postgresql":
                    # Readers keep seeing the previous corpus until the commit; this
                    # only guards against two loads interleaving.
                    wait_for_other_loads()
                loader = Loader(texts_dir, dry_run, remove_missing, overwrite_admin_edits, progress)
                report = loader.run(paths)
                report.findings = editorial_findings(report.sources)
                if dry_run:
                    raise _DryRunRollback
        except _DryRunRollback:
            return report
        except corpusversion.CacheUnreachable as error:
            if committed:
                raise FailedAfterCommit([LoadError("(cache)", "", "", f"{error}; the corpus version did not move")])
            raise LoadFailed([LoadError("(cache)", "", "", f"{error}; nothing was loaded, try again")])
        except Error as error:
            # Unreachable, full, crashed, locked by another load, at connection,
            # at any statement or at the commit: the transaction rolled back;
            # say so, no traceback. (Error: InterfaceError is no DatabaseError.)
            if committed:
                problem = f"the database failed after the commit ({first_line(error)})"
                raise FailedAfterCommit([LoadError("(database)", "", "", problem)]) from error
            raise LoadFailed([LoadError("(database)", "", "", database_problem(error))]) from error
        check_sqlite_file(database_file)
        try:
            summaries.refresh()
        except Error as error:
            problem = f"the summaries could not be recomputed ({first_line(error)}); readers recompute them"
            raise FailedAfterCommit([LoadError("(database)", "", "", problem)]) from error
    return report


def first_line(error):
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


# Loads of at most this many claims are checked in passing (claims/editorial/),
# inside the load's transaction; larger ones are left to check_corpus.
CHECKED_IN_PASSING = 20_000


def editorial_findings(source_keys):
    """What the editorial checks find in the loaded sources, or None when
    they hold too many claims to check on the way."""
    sources = list(Source.objects.filter(key__in=source_keys).order_by("key"))
    if Claim.objects.filter(source__in=sources).count() > CHECKED_IN_PASSING:
        return None
    return check_sources(sources)


def database_problem(error):
    text = first_line(error)
    if "database is locked" in text or "lock timeout" in text:
        return BUSY
    return f"the database failed ({text}); nothing was loaded"


def sqlite_file():
    """(path, (device, inode)) of the SQLite database file; None on
    PostgreSQL, or for a database in memory."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return None
    name = str(settings.DATABASES["default"]["NAME"])
    try:
        found = os.stat(name)
    except OSError:
        return None
    return name, (found.st_dev, found.st_ino)


def check_sqlite_file(identity):
    """SQLite writes on to a database file deleted while it is open, and its
    commit succeeds: a load is in the database only if the file it was
    committed to is the database's file still."""
    if identity is None:
        return
    name, loaded_into = identity
    try:
        found = os.stat(name)
        now = (found.st_dev, found.st_ino)
    except OSError:
        now = None
    if now != loaded_into:
        problem = f"the database file {name} was deleted or replaced during the load, and the load went with it"
        raise LoadFailed([LoadError("(database)", "", "", problem)])


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
