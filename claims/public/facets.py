"""Counts beside the claim list, and the coverage grid.

Facet counts are computed for the current filter, from the filtered claims
queryset: one GROUP BY query per facet (two for topics), whatever the page
size. They count rows with COUNT(*), which is right because ClaimFilterSet
never joins a many-to-many table (it filters those with EXISTS), so the base
queryset has one row per claim; the one join each facet adds gives a claim
about two companies one row under each.

Topic counts roll up: a claim about mobile payments also counts under
fintech, its parent, because filtering by fintech finds it — each claim once,
however many of the topic's sub-topics it is filed under.
"""

import hashlib
import json
import time
from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import cache
from django.db import OperationalError
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.http import QueryDict
from django.urls import reverse

from claims.models import Claim, Company, PublicCount, Source
from claims.parameters import known
from claims.scale import corpusversion, counts
from claims.scale.querylimits import is_timeout, limited

# Facets show this many values, and a "show all" link when there are more.
FACET_SIZE = 10

# How long one request may spend counting the facets of a filter it is the
# first to ask for (in web servers, where statements have a time limit): a
# page waits at most this long for counts it can do without.
FACET_BUDGET_SECONDS = 1.5
# ...and on one facet: one that cannot be counted within this is "unavailable".
FACET_TIME_LIMIT_SECONDS = 1.0
# How many requests, across all processes, may count facets at the same time.
COUNTING_SLOTS = 1
# A facet that ran out of time is marked so in the cache for this long: under
# load, every request for the same filter would otherwise spend the whole
# time limit on it again.
UNAVAILABLE = "unavailable"
UNAVAILABLE_SECONDS = 300

# Parameters that point into one ordering of one result list: any change of
# filter starts again at the first page.
PAGE_PARAMS = ("after", "before")
# Parameters that do not narrow the list.
IGNORED_PARAMS = ("show", "sort", *PAGE_PARAMS)


@dataclass
class FacetItem:
    value: str
    label: str
    count: int
    url: str
    selected: bool


@dataclass
class Facet:
    name: str
    title: str
    items: list = field(default_factory=list)
    toggle_url: str = ""
    expanded: bool = False
    truncated: bool = False
    unavailable: bool = False  # counting took longer than the facet time limit


def query_string(params, remove=(), **changes):
    """'?…' for params (a QueryDict) without the page cursor or empty values,
    with each key in changes set to a list of values and each (key, value) in
    remove taken out."""
    params = params.copy()
    for name in PAGE_PARAMS:
        params.pop(name, None)
    for name, values in changes.items():
        params.setlist(name, [str(v) for v in values])
    for name, value in remove:
        params.setlist(name, [v for v in params.getlist(name) if v != str(value)])
    # The search form sends its empty fields too: links leave them out.
    for name in list(params):
        params.setlist(name, [v for v in params.getlist(name) if v.strip()])
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def narrowing(params):
    """The (key, value) pairs of params that narrow a list (not its sort or
    page, nor empty values), sorted."""
    return sorted((key, value) for key, value in known(params) if key not in IGNORED_PARAMS and value.strip())


def digest(pairs):
    """A short, stable digest of (key, value) pairs, for cache keys."""
    return hashlib.sha256(json.dumps(pairs).encode()).hexdigest()[:32]


def filter_digest(params):
    """The digest of the parameters that narrow a list, for caching what
    depends on the filter only: counts."""
    return digest(narrowing(params))


def url_digest(params):
    """The digest of every parameter, sort and page included: for caching one page of a list."""
    return digest(sorted(known(params)))


def claim_list_url(**filters):
    """The claim list filtered by filters, e.g. claim_list_url(company=["alibaba"])."""
    return reverse("claims:claim-list") + query_string(QueryDict(), **filters)


def toggled(params, name, value):
    """The query string with value added to or, if it is there, removed from parameter name."""
    values = params.getlist(name)
    if str(value) in values:
        return query_string(params, remove=[(name, value)])
    return query_string(params, **{name: [*values, value]})


def topic_counts(claims, tree):
    """{topic id: number of claims in the topic or below it} for a claims
    queryset with one row per claim."""
    claims = claims.order_by()
    direct = {
        topic_id: n for topic_id, n in claims.values_list("topics").annotate(n=Count("*")) if topic_id is not None
    }
    counts = dict(direct)
    # A topic with sub-topics needs COUNT(DISTINCT): a claim filed under two of
    # them is one claim. Only topics with something below them are counted.
    parents = [
        topic
        for topic in tree.topics
        if tree.children[topic.pk] and any(pk in direct for pk in tree.subtree_ids(topic) - {topic.pk})
    ]
    if parents:
        rolled = claims.aggregate(
            **{
                f"t{topic.pk}": Count("pk", distinct=True, filter=Q(topics__in=tree.subtree_ids(topic)))
                for topic in parents
            }
        )
        counts.update({topic.pk: rolled[f"t{topic.pk}"] for topic in parents})
    return counts


class ClaimFacets:
    """The facets of a filtered claim list, with links that add or remove a value."""

    facets = [
        ("company", "Company"),
        ("topic", "Topic"),
        ("source", "Source"),
        ("kind", "Kind"),
        ("year", "Year"),
    ]

    def __init__(self, filterset, params):
        self.filterset = filterset
        self.params = params
        self.claims = filterset.qs.order_by()
        self.expanded = set(params.getlist("show"))
        self.timed_out = False
        self.deadline = time.monotonic() + FACET_BUDGET_SECONDS
        self.slot = None

    def cache_key(self, name, limit):
        """The facet's counts for this filter, at this version of the corpus."""
        return f"claims:facet:{corpusversion.current()}:{name}:{limit}:{filter_digest(self.params)}"

    @property
    def unfiltered(self):
        """Whether the list is every published claim (only sorting or paging asked for)."""
        return not narrowing(self.params)

    def get_rows(self, name, limit):
        """The facet's (value, label, count) rows from the cache, else counted
        (and cached); None when counting ran past the statement time limit.
        Without a filter, the counts are the precomputed ones (claims/scale/counts.py)."""
        key = self.cache_key(name, limit)
        rows = cache.get(key)
        if rows == UNAVAILABLE:
            return None
        if rows is None:
            if self.precomputed:
                rows = self.get_precomputed_rows(name, limit)
                cache.set(key, rows)
                return rows
            remaining = self.deadline - time.monotonic()
            if self.timed_out or remaining <= 0:
                return None  # the page's time for counting is spent: it renders without
            if not self.take_counting_slot():
                return None  # the server is busy counting for others: this page does without
            if not cache.add(f"{key}:counting", 1, timeout=int(FACET_BUDGET_SECONDS) + 1):
                return None  # another request is counting this very facet: not twice at once
            allowed = min(remaining, FACET_TIME_LIMIT_SECONDS)
            try:
                with limited(allowed * 1000):
                    rows = list(getattr(self, f"get_{name}_counts")(limit))
            except OperationalError as error:
                if is_timeout(error):  # past the time limit: the page renders without it
                    self.timed_out = True
                    if allowed >= FACET_TIME_LIMIT_SECONDS:
                        # Too slow even with the whole limit: the next requests
                        # for this filter do not try again for a while.
                        cache.set(key, UNAVAILABLE, UNAVAILABLE_SECONDS)
                    return None
                raise
            finally:
                cache.delete(f"{key}:counting")
            cache.set(key, rows)
        return rows

    def take_counting_slot(self):
        """One of COUNTING_SLOTS, shared by every process through the cache:
        after a change every filter's counts are gone, and counting them for
        every request at once would take every worker and core, and the
        pages that need no counting would queue behind them."""
        if self.slot is None:
            for slot in range(COUNTING_SLOTS):
                if cache.add(f"claims:facet-counting:{slot}", 1, timeout=int(FACET_BUDGET_SECONDS) + 1):
                    self.slot = slot
                    break
        return self.slot is not None

    def __iter__(self):
        try:
            yield from self.build()
        finally:
            if self.slot is not None:
                cache.delete(f"claims:facet-counting:{self.slot}")
                self.slot = None

    def build(self):
        for name, title in self.facets:
            expanded = name in self.expanded
            limit = None if expanded else FACET_SIZE
            rows = self.get_rows(name, limit)
            selected = {str(v) for v in self.params.getlist(name)}
            facet = Facet(name=name, title=title, expanded=expanded)
            if rows is None:
                facet.unavailable = True
                yield facet
                continue
            facet.truncated = limit is not None and len(rows) > limit
            for value, label, count in rows[:limit]:
                facet.items.append(
                    FacetItem(
                        value=str(value),
                        label=label,
                        count=count,
                        url=toggled(self.params, name, value),
                        selected=str(value) in selected,
                    )
                )
            if facet.truncated or expanded:
                facet.toggle_url = toggled(self.params, "show", name)
            yield facet

    @cached_property
    def precomputed(self):
        """Whether the kept counts of every published claim can serve this list."""
        return self.unfiltered and counts.complete()

    def get_precomputed_rows(self, name, limit):
        """(value, label, count) rows of every published claim from the kept
        counts (claims/scale/counts.py), in the order the live counts have."""
        facet = PublicCount.Facet(name)
        if name == "company":
            return counts.top(facet, limit, labels=(Company, "slug", "name"))
        if name == "source":
            return counts.top(facet, limit, labels=(Source, "key", "title"))
        if name == "kind":
            labels = dict(Claim.Kind.choices)
            return [(kind, labels.get(kind, kind), n) for kind, n in counts.top(facet, limit)]
        found = counts.top(facet, None)
        if name == "topic":
            tree = self.filterset.topic_tree
            rows = [(tree.by_id[int(pk)].slug, tree.by_id[int(pk)].name, n) for pk, n in found if int(pk) in tree.by_id]
            rows.sort(key=lambda row: (-row[2], row[1]))
        else:  # years, latest first
            rows = sorted(((int(year), year, n) for year, n in found), key=lambda row: -row[0])
        return rows if limit is None else rows[: limit + 1]

    def _top(self, rows, limit):
        """Rows without the no-value group, at most limit + 1 (to tell if there are more)."""
        rows = [row for row in rows if row[0] is not None]
        return rows if limit is None else rows[: limit + 1]

    def get_company_counts(self, limit):
        """(slug, name, count) of the companies of the filtered claims, most claims first."""
        rows = (
            self.claims.values_list("companies__slug", "companies__name")
            .annotate(n=Count("*"))
            .order_by("-n", "companies__name")
        )
        # One more than the limit for "show all", and one for the claims without a company.
        return self._top(rows if limit is None else rows[: limit + 2], limit)

    def get_topic_counts(self, limit):
        """(slug, name, count) of topics, sub-topics rolled up, most claims first."""
        tree = self.filterset.topic_tree
        counts = topic_counts(self.claims, tree)
        rows = sorted(
            ((tree.by_id[pk].slug, tree.by_id[pk].name, n) for pk, n in counts.items() if n and pk in tree.by_id),
            key=lambda row: (-row[2], row[1]),
        )
        return self._top(rows, limit)

    def get_source_counts(self, limit):
        """(key, title, count) of the sources the claims come from."""
        rows = (
            self.claims.values_list("source__key", "source__title")
            .annotate(n=Count("*"))
            .order_by("-n", "source__title")
        )
        return self._top(rows if limit is None else rows[: limit + 1], limit)

    def get_kind_counts(self, limit):
        """(kind, label, count) of claim kinds."""
        labels = dict(Claim.Kind.choices)
        rows = self.claims.values_list("kind").annotate(n=Count("*")).order_by("-n", "kind")
        return self._top([(kind, labels.get(kind, kind), n) for kind, n in rows], limit)

    def get_year_counts(self, limit):
        """(year, year, count) of the years claims' periods start in, latest first."""
        rows = (
            self.claims.annotate(year=ExtractYear("period_start"))
            .values_list("year")
            .annotate(n=Count("*"))
            .order_by("-year")
        )
        rows = rows if limit is None else rows[: limit + 2]
        return self._top([(year, str(year), n) for year, n in rows], limit)


# -- coverage --------------------------------------------------------------------

# Companies shown in the coverage grid unless all are asked for.
COVERAGE_ROWS = 50


@dataclass
class CoverageCell:
    count: int
    sources: int
    url: str

    @property
    def single_source(self):
        return self.count > 0 and self.sources == 1


def coverage_columns(tree, within=None):
    """The topics across the grid: the sub-topics of within (and within
    itself, first, for all of it), by default the top of the hierarchy, going
    down while there is a single topic."""
    if within is not None:
        return [within, *tree.children[within.pk]]
    columns = tree.roots
    if len(columns) == 1 and tree.children[columns[0].pk]:
        columns = [columns[0], *tree.children[columns[0].pk]]
    return columns


def coverage_rows(tree, columns, limit, list_url):
    """[(slug, name, total, [CoverageCell per column])] for the companies with
    the most published claims in these topics, in one query: distinct claims
    and distinct sources per company and topic (sub-topics included)."""
    subtrees = {topic.pk: tree.subtree_ids(topic) for topic in columns}
    everything = set().union(*subtrees.values()) if subtrees else set()
    aggregates = {"total": Count("pk", distinct=True, filter=Q(topics__in=everything))}
    for pk, ids in subtrees.items():
        aggregates[f"claims_{pk}"] = Count("pk", distinct=True, filter=Q(topics__in=ids))
        aggregates[f"sources_{pk}"] = Count("source", distinct=True, filter=Q(topics__in=ids))
    rows = (
        Claim.objects.public()
        .filter(companies__isnull=False, topics__in=everything)
        .values("companies__slug", "companies__name")
        .annotate(**aggregates)
        .order_by("-total", "companies__name")
    )
    if limit is not None:
        rows = rows[: limit + 1]
    result = []
    for row in rows:
        cells = [
            CoverageCell(
                count=row[f"claims_{topic.pk}"],
                sources=row[f"sources_{topic.pk}"],
                url=list_url + query_string(QueryDict(), company=[row["companies__slug"]], topic=[topic.slug]),
            )
            for topic in columns
        ]
        result.append((row["companies__slug"], row["companies__name"], row["total"], cells))
    return result
