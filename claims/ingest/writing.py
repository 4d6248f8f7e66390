"""Writing validated claims in batches: COPY (PostgreSQL) or executemany
(SQLite) for new rows, save() for changed claims so their ids and history
stay, and the history records of their tags."""

from dataclasses import dataclass
from functools import cached_property

from django.apps import apps
from django.db.models import Max

from claims.ingest import sourcetexts
from claims.ingest.bulkwrite import RowWriter, allocate_ids, written_fields
from claims.models import (
    Citation,
    Claim,
    ClaimRelation,
)

# Rows written per INSERT batch: large enough to amortise round trips,
# small enough to keep memory flat whatever the file size.
BATCH_SIZE = 2000


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
    "accepted_checks",
    "loaded_from",
    "loaded_sha256",
    "loaded_at",
    "record_sha256",
    "admin_changed_at",
    "updated_at",
]


class ClaimWriting:
    """The Loader's part that writes claims, citations and tags."""

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


_TAG_FIELDS = {"companies": "company", "topics": "topic"}


def _m2m_history_model(name):
    """django-simple-history's table of a claim's companies or topics per history record."""
    return apps.get_model("claims", f"HistoricalClaim_{name}")
