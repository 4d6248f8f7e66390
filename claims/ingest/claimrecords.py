"""Validating a file's claims and deciding, for each, whether it is new,
unchanged, changed, or in conflict with an admin edit."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from claims import evidence
from claims.ingest.export import claim_record
from claims.ingest.records import record_hash
from claims.ingest.writing import BATCH_SIZE, PendingCitation
from claims.models import (
    QUOTE_MIN_WORDS,
    QUOTE_WORD,
    Citation,
    Claim,
)
from claims.quotes import verification_fields

# A file with thousands of errors is reported with its first ones.
MAX_ERRORS_PER_FILE = 200


def field_problems(model, record, names):
    """[(field, message)] for the values of record that the model's fields
    refuse (length limits, invisible characters: claims/plaintext.py): the
    checks of rows the loader writes without full_clean()."""
    problems = []
    for name in names:
        try:
            model._meta.get_field(name).run_validators(record.get(name, ""))
        except ValidationError as error:
            problems.append((name, " ".join(error.messages)))
    return problems


TOO_SHORT = f"a quote is at least {QUOTE_MIN_WORDS} words of the source"


class ClaimLoading:
    """The Loader's part that validates claims and their quotes."""

    def load_claims(self, fixture, source):
        file = fixture.name
        sha = fixture.sha256()
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
            if record["key"] in seen:
                self.error(file, pointer, "key", f"duplicate claim key '{record['key']}' in this file")
                continue
            seen.add(record["key"])
            claim = prepared[0]
            if not self.needs_writing(file, pointer, record, prepared, existing.get(record["key"]), source):
                continue
            claim.loaded_from, claim.loaded_sha256, claim.loaded_at = file[-300:], sha, self.now
            claim.record_sha256 = prepared[4]
            claim.admin_changed_at = None
            if claim.status == Claim.Status.PUBLISHED and claim.pk is None:
                claim.published_at = self.now
            if not self.errors:
                batch.append((*prepared[:4], record, pointer))
                if len(batch) >= BATCH_SIZE:
                    written += self.write_claims(batch, file)
                    batch = []
                    self.progress(f"{file}: {written} claims written")
        if not self.errors and batch:
            written += self.write_claims(batch, file)
        self.found_missing(source, sorted(set(existing) - seen))

    def needs_writing(self, file, pointer, record, prepared, current, source):
        """Whether a valid claim record must be written: new, or changed and
        not in conflict with an admin edit (the claim then takes the existing
        id). An unchanged one is counted here."""
        claim, citations, _, _, digest = prepared
        if current is None:
            return True
        pk, old_digest, admin_changed_at = current
        unchanged = old_digest == digest
        if not unchanged and admin_changed_at is not None and self.holds_admin_version(pk, digest, source.key):
            # The file was brought up to the admin's version (export_corpus
            # writes it): nothing to load, and nothing in conflict any more.
            Claim.objects.filter(pk=pk).update(record_sha256=digest, admin_changed_at=None)
            unchanged = True
        if unchanged:
            self.report.count("claim", "unchanged")
            self.report.count("citation", "unchanged", len(citations))
            self.report.count("relation", "unchanged", len(record.get("relations", [])))
            return False
        if admin_changed_at is not None:
            if not self.overwrite_admin_edits:
                self.error(
                    file,
                    pointer,
                    "",
                    "edited in the admin since it was last loaded; merge the admin's changes into the file, "
                    "or load with --overwrite-admin-edits to replace them (the admin version stays in history)",
                )
                return False
            self.report.conflicts_overwritten.append((source.key, claim.key))
        claim.pk = pk
        return True

    def found_missing(self, source, missing):
        """Claims of the source in the database but not in its file: reported,
        and removed when the load was told to."""
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
        claim = self.claim_from_record(file, pointer, record, source)
        companies = self._resolve(file, pointer, record, "companies", self.companies, "company")
        topics = self._resolve(file, pointer, record, "topics", self.topics, "topic")
        citations = self.citations_of(file, pointer, record, source, claim.status)
        if len(self.errors) > bad:
            return None
        return claim, citations, companies, topics, record_hash(record, source.key)

    def claim_from_record(self, file, pointer, record, source):
        """The unsaved claim a record describes, its errors recorded."""
        claim = Claim(source=source, key=record["key"])
        for name in ("text", "kind", "speaker", "notes", "retraction_reason"):
            setattr(claim, name, record.get(name, ""))
        claim.status = record.get("status", Claim.Status.DRAFT)
        claim.accepted_checks = record.get("accept", {})  # the schema names the checks
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
        return claim

    def citations_of(self, file, pointer, record, source, status):
        """The record's citations, each verified against its source's text."""
        citations = []
        quotes = set()
        for i, cited in enumerate(record["citations"]):
            cited_key = cited.get("source", source.key)
            where = f"citations/{i}"
            if cited_key not in self.sources:
                self.error(file, pointer, f"{where}/source", f"unknown source '{cited_key}'")
            elif (cited_key, cited["quote"]) in quotes:
                self.error(file, pointer, f"{where}/quote", "the same quote is cited twice")
            # Length limits are the schema's; what it cannot say is checked here.
            elif not cited["quote"].strip() or not cited["locator"].strip():
                self.error(file, pointer, where, "quote and locator cannot be blank")
            elif len(QUOTE_WORD.findall(cited["quote"])) < QUOTE_MIN_WORDS:
                self.error(
                    file, pointer, f"{where}/quote", f"a quote is at least {QUOTE_MIN_WORDS} words of the source"
                )
            elif refused := field_problems(Citation, cited, ("quote", "locator")):
                for name, message in refused:
                    self.error(file, pointer, f"{where}/{name}", message)
            else:
                quotes.add((cited_key, cited["quote"]))
                citation = PendingCitation(self.sources[cited_key], cited["quote"], cited["locator"])
                self.verify(file, pointer, i, citation, cited_key, status)
                citations.append(citation)
        return citations

    @staticmethod
    def holds_admin_version(pk, digest, source_key):
        """Does the file's record say what the claim says now, after admin edits?"""
        claim = Claim.objects.filter(pk=pk).for_export().get()
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
