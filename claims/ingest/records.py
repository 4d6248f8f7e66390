"""What makes two claim records the same claim: the canonical form of a
record and its fingerprint, so that a file and its export compare equal."""

import hashlib
import json
from decimal import Decimal

from claims.models import (
    Claim,
)


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
            {"type": r["type"], "claim": "/".join(claim_ref(r["claim"], source_key))}
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


def claim_ref(target, own_source):
    """'other-source/claim-key' or a bare 'claim-key' in the same source."""
    return tuple(target.split("/", 1)) if "/" in target else (own_source, target)
