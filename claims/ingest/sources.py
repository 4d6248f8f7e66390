"""Loading a file's source record and its text, with the same protection
for admin edits as claims have."""

from pathlib import Path

from django.core.exceptions import ValidationError

from claims.ingest import sourcetexts, textextract
from claims.models import (
    Author,
    Citation,
    FullText,
    Source,
    parse_partial_date,
)
from claims.quotes import SourceText

# What a source record sets (the rest: language, dates, authors).
SOURCE_FIELDS = (
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
)


class SourceLoading:
    """The Loader's part that loads sources and their texts."""

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
        self.report.sources.append(key)
        self.source_texts.pop(key, None)
        if source.unchecked_reason:
            self.unchecked_reasons[key] = source.unchecked_reason
        else:
            self.unchecked_reasons.pop(key, None)
        self.take_text(file, source, source.text_file)
        self.load_claims(fixture, source)

    def upsert_source(self, file, record):
        """The file's source, created or brought up to the record; None after
        recording what is wrong (or that an admin edit would be lost)."""
        # Locked until the load commits: an admin save of this source waits for it.
        source = Source.objects.select_for_update().filter(key=record["key"]).first()
        created = source is None
        source = source or Source(key=record["key"])
        before = None if created else _source_and_authors(source, source.authors.order_by("position"))
        authors = self.fill_source(file, record, source, created)
        if authors is None:
            return None
        if created:
            source.save()
            self.report.count("source", "created")
        elif before == _source_and_authors(source, authors):
            if source.admin_changed_at is not None:  # the file holds the admin's version now
                Source.objects.filter(pk=source.pk).update(admin_changed_at=None)
            self.report.count("source", "unchanged")
            return source
        elif not self.may_overwrite_source(file, source):
            return None
        else:
            source.admin_changed_at = None
            source._change_reason = self.change_reason(file)
            source.save()
            self.report.count("source", "updated")
        source.authors.all().delete()
        for author in authors:
            author.source = source
        Author.objects.bulk_create(authors)
        return source

    def fill_source(self, file, record, source, created):
        """Set source's fields from the record; its authors (unsaved), or None
        after recording what is wrong."""
        for name in SOURCE_FIELDS:
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
        return authors

    def may_overwrite_source(self, file, source):
        """Whether a differing record may replace the source: yes unless an
        admin edited it since it was last loaded (then only when told to)."""
        if source.admin_changed_at is None:
            return True
        if not self.overwrite_admin_edits:
            self.error(
                file,
                "/source",
                "",
                "edited in the admin since it was last loaded; merge the admin's changes into the file "
                "(export_corpus writes them), or load with --overwrite-admin-edits to replace them "
                "(the admin version stays in history)",
            )
            return False
        self.report.conflicts_overwritten.append((source.key, "(source record)"))
        return True


def _source_values(source):
    return tuple(
        getattr(source, f.attname)
        for f in Source._meta.concrete_fields
        if f.name not in ("created_at", "updated_at", "admin_changed_at")
    )


def _author_values(author):
    return (author.position, author.family, author.given, author.organisation, author.role)


def _source_and_authors(source, authors):
    """What a reload compares: the source's fields and its authors, in order."""
    return _source_values(source), [_author_values(author) for author in authors]
