"""Running the checks: over the claims of some sources (check_corpus,
load_corpus), or of one claim (its admin page), each in a fixed number of
queries; findings a claim accepted carry the reason it gives."""

from claims.editorial import claimchecks, corpuschecks, quotechecks
from claims.models import Claim, Company, FullText, Source


def paginated(source, has_page_map):
    """A source cited by page: one with a page range, or whose text has a page map."""
    return bool(source.pages) or has_page_map


def check_sources(sources):
    """Every finding about the claims of these sources, and the metrics they use."""
    companies = list(Company.objects.only("pk", "name", "aliases").order_by("slug"))
    page_mapped = set(FullText.objects.exclude(page_map=[]).values_list("source_id", flat=True))
    findings, accepted = [], {}
    for source in sources:
        claims = list(Claim.objects.filter(source=source).for_export().order_by("key"))
        for claim in claims:
            claim.source = source  # one source object for every check
            accepted[(source.key, claim.key)] = claim.accepted_checks or {}
            findings += quotechecks.run(claim, paginated(source, source.pk in page_mapped))
        findings += claimchecks.run(claims, companies)
    figures = (
        Claim.objects.filter(source__in=[s.pk for s in sources])
        .exclude(metric="")
        .exclude(value=None)
        .values_list("metric", "unit", "source__key", "key")
        .order_by("metric", "source__key", "key")
    )
    findings += corpuschecks.metric_checks(figures)
    return [accept(finding, accepted) for finding in findings]


# A claim's page compares it with at most this many claims of its source of
# its kind and value, the latest; check_corpus compares them all.
SIBLINGS_ON_A_CLAIM_PAGE = 300


def company_rows():
    """(pk, name, aliases) of every company, for CompanyNames."""
    return [(pk, name, tuple(aliases)) for pk, name, aliases in Company.objects.values_list("pk", "name", "aliases")]


def check_claim(claim, companies=None):
    """The findings about one claim, for its admin page, in a few queries
    whatever the size of its source: its own checks, its relations, and
    near-duplicates among its source's claims (metrics are check_corpus's).
    companies: company_rows(), when the caller keeps them."""
    companies = company_rows() if companies is None else companies
    has_map = FullText.objects.filter(source_id=claim.source_id).exclude(page_map=[]).exists()
    found = list(quotechecks.run(claim, paginated(claim.source, has_map)))
    found += claimchecks.period_checks(claim)
    found += claimchecks.untagged_companies(claim, claimchecks.company_names(companies))
    relations = claim.relations_from.select_related("to_claim__source")
    seen = set()
    for relation in relations:
        found += claimchecks.relation_findings(claim, relation, seen)
    # Only claims of its kind and value can duplicate it.
    siblings = (
        Claim.objects.filter(source_id=claim.source_id, kind=claim.kind, value=claim.value)
        .exclude(pk=claim.pk)
        .only(*claimchecks.DUPLICATE_FIELDS)
        .order_by("-pk")[:SIBLINGS_ON_A_CLAIM_PAGE]
    )
    found += claimchecks.duplicates_of(claim, siblings)
    accepted = {(claim.source.key, claim.key): claim.accepted_checks or {}}
    return [accept(finding, accepted) for finding in found]


def check_everything():
    return check_sources(list(Source.objects.order_by("key")))


def accept(finding, accepted):
    reason = accepted.get((finding.source, finding.claim), {}).get(finding.check, "")
    if not reason:
        return finding
    return type(finding)(**{**finding.__dict__, "accepted": reason})
