"""Checks across the claims of one source: near-duplicates, relations that
say more than the figures do, periods after the source was published, and
companies a claim names but is not filed under."""

import calendar
import datetime
import functools
import re
from types import SimpleNamespace

from rapidfuzz import fuzz

from claims.editorial import ERROR, WARNING, Finding
from claims.models import Claim, ClaimRelation, DatePrecision

# Two claims of one source at least this similar (rapidfuzz's token-set
# ratio of their texts), of one kind and value, say the same thing. Tuned on
# the seed corpus: its templated but distinct claims ("Baidu was valued at
# …", "Xiaomi was valued at …") score up to 95 but differ in value; two
# figures of one metric, value and period are one claim however worded.
DUPLICATE_SCORE = 85
# A source with more claims than this is compared within each metric only.
PAIRWISE_LIMIT = 2000


def near_duplicates(claims):
    """Pairs of claims in one source that state the same thing."""
    groups = [claims] if len(claims) <= PAIRWISE_LIMIT else _by_metric(claims)
    for group in groups:
        texts = [claim.text.lower() for claim in group]
        for i, first in enumerate(group):
            for j in range(i + 1, len(group)):
                second = group[j]
                if first.kind != second.kind or first.value != second.value:
                    continue
                score = max(fuzz.token_set_ratio(texts[i], texts[j]), quote_similarity(first, second))
                if score >= DUPLICATE_SCORE or same_figure(first, second):
                    yield duplicate(first, second, score)


# What duplicates_of() reads of the other claims of a source.
DUPLICATE_FIELDS = ("key", "text", "kind", "value", "scale", "metric", "period_start", "period_end")


def duplicates_of(claim, others):
    """The claims among others (of the same source) that state what claim states."""
    text = claim.text.lower()
    for other in others:
        if other.kind != claim.kind or other.value != claim.value:
            continue
        score = fuzz.token_set_ratio(text, other.text.lower())
        if score >= DUPLICATE_SCORE or same_figure(claim, other):
            yield duplicate(claim, other, score)


def duplicate(claim, other, score):
    return Finding(
        "near-duplicate",
        WARNING,
        claim.source.key,
        claim.key,
        "text",
        f"says what {other.key} says ({score:.0f}% similar): merge them, or link them if both stand",
    )


def quote_similarity(first, second):
    """How alike the two claims' closest quotes are: an abstract restating the
    body words the claim differently but quotes nearly the same sentence."""
    return max(
        (
            fuzz.token_set_ratio(a.quote.lower(), b.quote.lower())
            for a in first.citations.all()
            for b in second.citations.all()
        ),
        default=0,
    )


def same_figure(first, second):
    """One metric, one value, one period: one figure, however it is worded."""
    return (
        first.value is not None
        and first.metric
        and first.metric == second.metric
        and first.value_base == second.value_base
        and (first.period_start, first.period_end) == (second.period_start, second.period_end)
    )


def _by_metric(claims):
    groups = {}
    for claim in claims:
        groups.setdefault(claim.metric or claim.kind, []).append(claim)
    return list(groups.values())


def bounds(claim):
    """The interval of values a figure allows, in units, after its qualifier."""
    low = claim.value_base
    high = claim.value_max_base if claim.value_max is not None else low
    qualifier = claim.value_qualifier
    if qualifier == Claim.Qualifier.UNDER:
        return None, high
    if qualifier == Claim.Qualifier.OVER:
        return low, None
    if qualifier == Claim.Qualifier.APPROX:
        return low * 9 / 10, high * 11 / 10
    return low, high


def compatible(first, second):
    """Whether two figures of one unit can both be true."""
    (low1, high1), (low2, high2) = bounds(first), bounds(second)
    return (high1 is None or low2 is None or low2 <= high1) and (high2 is None or low1 is None or low1 <= high2)


def same_period(first, second):
    if None in (first.period_start, second.period_start):
        return True
    return first.period_start <= second.period_end and second.period_start <= first.period_end


def relation_findings(claim, relation, seen):
    other = relation.to_claim
    pair = frozenset((claim.pk, other.pk))
    where = f"relations/{relation.type}/{other.source.key}/{other.key}"
    if pair in seen:
        yield Finding("relation-twice", ERROR, claim.source.key, claim.key, where, f"{other.key} is linked to it twice")
    seen.add(pair)
    if relation.type != ClaimRelation.Type.CONTRADICTS or None in (claim.value, other.value):
        return
    if not same_period(claim, other):
        yield Finding(
            "relation-contradicts",
            WARNING,
            claim.source.key,
            claim.key,
            where,
            f"contradicts {other.key}, about another period ({other.period_display}): perhaps it updates it",
        )
    elif claim.unit == other.unit and compatible(claim, other):
        yield Finding(
            "relation-contradicts",
            WARNING,
            claim.source.key,
            claim.key,
            where,
            f"contradicts {other.key}, yet {claim.value_display} and {other.value_display} can both be true",
        )


def relation_checks(claims):
    seen = set()
    for claim in claims:
        for relation in claim.relations_from.all():
            yield from relation_findings(claim, relation, seen)
    yield from cycles(claims)


def cycles(claims):
    """Claims of one source that support each other in a circle."""
    edges = {
        claim.pk: {r.to_claim_id for r in claim.relations_from.all() if r.type == ClaimRelation.Type.SUPPORTS}
        for claim in claims
    }
    keys = {claim.pk: claim for claim in claims}
    reported = set()
    for start in edges:
        stack = [(start, iter(edges[start]))]
        on_path = {start}
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_path.discard(node)
                continue
            if child == start and frozenset(on_path) not in reported:
                reported.add(frozenset(on_path))
                claim = keys[start]
                circle = " → ".join(keys[pk].key for pk in [start, *[n for n, _ in stack[1:]]] if pk in keys)
                yield Finding(
                    "relation-cycle",
                    WARNING,
                    claim.source.key,
                    claim.key,
                    "relations",
                    f"supports itself in a circle within the source ({circle} → {claim.key}): "
                    "a restatement is not independent support",
                )
            elif child in edges and child not in on_path:
                on_path.add(child)
                stack.append((child, iter(edges[child])))


def published_until(source):
    """The last day of the source's publication date, as precisely as it is known."""
    date, precision = source.published, source.published_precision
    if precision == DatePrecision.YEAR:
        return datetime.date(date.year, 12, 31)
    if precision == DatePrecision.MONTH:
        return datetime.date(date.year, date.month, calendar.monthrange(date.year, date.month)[1])
    return date


def period_checks(claim):
    source = claim.source
    if claim.kind == Claim.Kind.FORECAST or claim.period_start is None or source.published is None:
        return
    if claim.period_start > published_until(source):
        yield Finding(
            "period-after-publication",
            ERROR,
            source.key,
            claim.key,
            "period",
            f"{claim.period_display} begins after the source was published ({source.published_display}); "
            "only a forecast is about a later time",
        )


class CompanyNames:
    """Finds the companies a text names, by name or alias, in one pass of one
    pattern: thousands of companies, one regular expression."""

    def __init__(self, companies):
        self.by_name = {}
        for company in companies:
            for name in (company.name, *company.aliases):
                if name:
                    self.by_name.setdefault(name, company)
        names = sorted(self.by_name, key=len, reverse=True)  # the longest name wins
        self.pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, names)) + r")(?!\w)") if names else None

    def named_in(self, text):
        if self.pattern is None:
            return []
        found = {}
        for match in self.pattern.finditer(text):
            company = self.by_name[match.group(0)]
            found.setdefault(company.pk, company)
        return list(found.values())


def company_names(rows):
    """CompanyNames for (pk, name, aliases) rows, compiled once per process
    for the same names: a page of one claim should not compile thousands."""
    return _company_names(tuple(rows))


@functools.lru_cache(maxsize=4)
def _company_names(rows):
    return CompanyNames([SimpleNamespace(pk=pk, name=name, aliases=aliases) for pk, name, aliases in rows])


def untagged_companies(claim, names):
    tagged = {company.pk for company in claim.companies.all()}
    text = " ".join([claim.text, *(citation.quote for citation in claim.citations.all())])
    for company in names.named_in(text):
        if company.pk not in tagged:
            yield Finding(
                "untagged-company",
                WARNING,
                claim.source.key,
                claim.key,
                "companies",
                f"names {company.name} but is not filed under it",
            )


def run(claims, companies):
    names = CompanyNames(companies)
    yield from near_duplicates(claims)
    yield from relation_checks(claims)
    for claim in claims:
        yield from period_checks(claim)
        yield from untagged_companies(claim, names)
