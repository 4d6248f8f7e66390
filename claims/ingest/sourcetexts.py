"""Giving a source its full text, and verifying its quotes again.

The one door through which a source's text changes, from the admin (upload
or paste) and from load_corpus alike. A new text re-verifies every quote that
cites the source, with the same code as every other path (quotes.py), and is
refused whole when it would leave a published claim citing a quote the new
text does not hold: nothing published may lose its check.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from claims import evidence
from claims.models import Citation, Claim, FullText
from claims.quotes import SourceText, verification_fields

# What re-verification writes on each citation.
VERIFICATION_COLUMNS = ["verification", "verification_score", "verified_at", "position", "prefix", "suffix", "page"]


@dataclass
class Reverified:
    """What a new text did to the quotes citing a source."""

    checked: int = 0
    changed: list = field(default_factory=list)  # (citation, verification before, after)
    moved: list = field(default_factory=list)  # citations found elsewhere in the text, or with other context
    states: Counter = field(default_factory=Counter)  # verification -> number of citations
    page_disagreements: list = field(default_factory=list)  # citations whose locator names another page

    def summary(self):
        if not self.checked:
            return "No quotes cite this source yet."
        states = ", ".join(
            f"{n} {label}" for value, label in Citation.Verification.choices if (n := self.states.get(value))
        )
        moved = f"; {len(self.changed)} changed status" if self.changed else "; none changed status"
        if self.moved:
            moved += f"; {len(self.moved)} found at another place or with other context"
        pages = (
            f"; {len(self.page_disagreements)} locator(s) name another page than the text puts the quote on"
            if self.page_disagreements
            else ""
        )
        return f"{self.checked} quote(s) verified again: {states}{moved}{pages}."


def reverify(source, searchable, now=None, citations=None):
    """Verify every quote citing `source` (or those of `citations`, a queryset)
    against `searchable` (a quotes.SourceText, or None) without writing:
    (Reverified, rows to write, messages for published claims that would lose
    their check)."""
    now = now or timezone.now()
    result, rows, refused = Reverified(), [], []
    citations = Citation.objects.filter(source=source) if citations is None else citations
    for citation in citations.select_related("claim", "source").order_by("id"):
        before = citation.verification
        was_publishable = citation.is_publishable
        placed = (citation.position, citation.prefix, citation.suffix, citation.page)
        match = searchable.find(citation.quote) if searchable is not None else None
        fields = verification_fields(match, now)
        for name, value in fields.items():
            setattr(citation, name, value)
        result.checked += 1
        result.states[citation.verification] += 1
        if citation.verification != before:
            result.changed.append((citation, before, citation.verification))
        elif (citation.position, citation.prefix, citation.suffix, citation.page) != placed:
            result.moved.append(citation)
        if citation.page_disagrees:
            result.page_disagreements.append(citation)
        if citation.claim.status == Claim.Status.PUBLISHED and was_publishable and not citation.is_publishable:
            refused.append(
                f"published claim '{citation.claim.source.key}/{citation.claim.key}' ({citation.claim}): "
                f"its quote “{citation.quote}” would no longer be checked ({citation.blocking_reason})"
            )
        rows.append(citation)
    return result, rows, refused


def write_verifications(rows):
    """Store re-verified citations; allowed past draft, as re-verification."""
    with evidence.changing_evidence(evidence.REVERIFY):
        Citation.objects.bulk_update(rows, VERIFICATION_COLUMNS, batch_size=1000)


def check_text(source, text, page_map=()):
    """Messages that refuse this text for `source` (empty when it may be stored)."""
    return reverify(source, SourceText(text, page_map))[2]


@transaction.atomic
def set_text(source, text, *, origin, origin_name="", page_map=(), user=None):
    """Give `source` this text (replacing any it had) and verify every quote
    citing it again. Returns a Reverified; raises evidence.EvidenceLocked
    (nothing changed) when a published claim would lose its check."""
    searchable = SourceText(text, page_map)
    result, rows, refused = reverify(source, searchable)
    if refused:
        raise evidence.EvidenceLocked(
            "This text would leave published claims citing quotes it does not hold, so it was not stored: "
            + "; ".join(refused)
            + ". Retract those claims first, or check that this is the right text."
        )
    store(source, text, origin=origin, origin_name=origin_name, page_map=page_map, user=user)
    write_verifications(rows)
    return result


def store(source, text, *, origin, origin_name="", page_map=(), user=None, at=None):
    """Write the source's text (its history keeps the one it replaces). Only
    through set_text() or the loader, which verify the quotes against it."""
    FullText.objects.update_or_create(
        source=source,
        defaults={
            "text": text,
            "sha256": FullText.digest(text),
            "origin": origin,
            "origin_name": origin_name[:255],
            "page_map": [list(entry) for entry in page_map],
            "added_at": at or timezone.now(),
            "added_by": user,
        },
    )
