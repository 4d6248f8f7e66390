"""Relations between claims, made once every claim of every file is in."""

from collections import defaultdict

from claims.ingest.claimrecords import field_problems
from claims.ingest.records import claim_ref
from claims.ingest.writing import BATCH_SIZE
from claims.models import (
    Claim,
    ClaimRelation,
)


class RelationLoading:
    """The Loader's part that links claims to each other."""

    def _queue_relations(self, file, pointer, claim_id, record, source_key):
        if record.get("relations"):
            self.relations.append((file, pointer, claim_id, record["relations"], source_key))

    def load_relations(self):
        """Create the relations of every claim written by this load (their old
        ones were deleted with the claim's other rows)."""
        ids = self._related_claim_ids()
        rows = {}
        for file, pointer, claim_id, relations, own in self.relations:
            for i, relation in enumerate(relations):
                ref = claim_ref(relation["claim"], own)
                problems = self._relation_problems(ref, ids, claim_id, relation)
                for name, message in problems:
                    self.error(file, pointer, f"relations/{i}/{name}", message)
                if not problems:
                    rows[(claim_id, ids[ref], relation["type"])] = relation.get("note", "")
        if self.errors:
            return
        ClaimRelation.objects.bulk_create(
            [ClaimRelation(from_claim_id=f, to_claim_id=t, type=k, note=n) for (f, t, k), n in rows.items()],
            batch_size=BATCH_SIZE,
        )
        self.report.count("relation", "created", len(rows))

    def _related_claim_ids(self):
        """{(source key, claim key): id} of every claim a queued relation names."""
        wanted = set()
        for _, _, _, relations, own in self.relations:
            for relation in relations:
                wanted.add(claim_ref(relation["claim"], own))
        by_source = defaultdict(set)
        for source_key, key in wanted:
            by_source[source_key].add(key)
        ids = {}
        for source_key, keys in by_source.items():
            for key, pk in Claim.objects.filter(source__key=source_key, key__in=keys).values_list("key", "pk"):
                ids[(source_key, key)] = pk
        return ids

    @staticmethod
    def _relation_problems(ref, ids, claim_id, relation):
        """[(field, message)] of what is wrong with one relation of a record."""
        if ref not in ids:
            return [("claim", f"unknown claim '{'/'.join(ref)}'")]
        if ids[ref] == claim_id:
            return [("claim", "a claim cannot relate to itself")]
        return field_problems(ClaimRelation, relation, ["note"])
