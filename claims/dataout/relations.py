"""The relations list as CSV, JSON and JSON Lines: /relations.csv holds
exactly the pairs /relations/ lists for the same query string, on all its
pages, in the same order, with the same fields as /api/relations/.

A row is one pair: its type and note, and each claim as it is shown on the
page (permalink, source, text, period, figure). JSON nests the two claims
under "from" and "to"; CSV flattens them into from_… and to_… columns.
"""

from claims.dataout.downloads import ListDownloadView, base_url
from claims.dataout.rows import CHUNK
from claims.dataout.tabular import csv_lines
from claims.public.relationfilters import RelationFilterSet

# What a pair says of each of its claims.
CLAIM_FIELDS = ["url", "source", "source_title", "key", "text", "kind", "period", "figure"]
RELATION_COLUMNS = [
    "type",
    "note",
    *(f"from_{name}" for name in CLAIM_FIELDS),
    *(f"to_{name}" for name in CLAIM_FIELDS),
]


def related_claim(claim, base_url=""):
    """One claim of a pair (its source selected), as the relations page shows it."""
    return {
        "url": base_url + claim.get_absolute_url(),
        "source": claim.source.key,
        "source_title": claim.source.title,
        "key": claim.key,
        "text": claim.text,
        "kind": claim.kind,
        "period": claim.period_code,
        "figure": claim.value_display,
    }


def relation_row(relation, base_url=""):
    """One pair: {type, note, from: {…}, to: {…}}."""
    return {
        "type": relation.type,
        "note": relation.note,
        "from": related_claim(relation.from_claim, base_url),
        "to": related_claim(relation.to_claim, base_url),
    }


def flat(row):
    """A pair as one CSV row: the claims' fields prefixed from_ and to_."""
    return {
        "type": row["type"],
        "note": row["note"],
        **{f"{side}_{name}": value for side in ("from", "to") for name, value in row[side].items()},
    }


class RelationDownloadView(ListDownloadView):
    """Every public pair the relations page lists for the query string: no page, no cap."""

    filterset_class = RelationFilterSet
    stem = "relations"
    columns = RELATION_COLUMNS

    def get_queryset(self):
        """Relations between two public claims, as on the relations page."""
        return RelationFilterSet.base_queryset()

    def get_rows(self, queryset):
        """Rows of pairs, both claims and their sources selected, read in chunks."""
        url = base_url(self.request)
        return (relation_row(relation, url) for relation in queryset.iterator(chunk_size=CHUNK))

    def get_lines(self, rows, format):
        if format == "csv":
            return csv_lines(map(flat, rows), self.columns)
        return super().get_lines(rows, format)
