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

import time
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Count
from django.db.models.functions import ExtractYear

from claims.models import Claim, Company, PublicCount, Source
from claims.parameters import narrowing, toggled
from claims.scale import cache, counts
from claims.topics import topic_counts

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

    @property
    def unfiltered(self):
        """Whether the list is every published claim (only sorting or paging asked for)."""
        return not narrowing(self.params)

    def get_rows(self, name, limit):
        """The facet's (value, label, count) rows for this filter, from the
        cache, else counted (and kept); None when the page does without them.
        Without a filter, the counts are the precomputed ones (claims/scale/counts.py)."""
        parts = self.parts(name, limit)
        if self.precomputed:
            return cache.for_corpus(parts, lambda: self.get_precomputed_rows(name, limit))
        allowed = min(self.deadline - time.monotonic(), FACET_TIME_LIMIT_SECONDS)

        def count():
            if self.timed_out or allowed <= 0:
                return None  # the page's time for counting is spent: it renders without
            if not self.take_counting_slot():
                return None  # the server is busy counting for others: this page does without
            return list(getattr(self, f"get_{name}_counts")(limit))

        # alone: another request counting this very facet is not joined by this one.
        return cache.for_corpus(
            parts,
            count,
            time_limit=max(allowed, 0.001),
            # Too slow even with the whole limit: the next requests for this
            # filter do not try again for a while.
            remember_unavailable=allowed >= FACET_TIME_LIMIT_SECONDS,
            alone=True,
            on_timeout=self.stop_counting,
        )

    def parts(self, name, limit):
        """What the facet's counts depend on besides the corpus: the filter."""
        return ("facet", name, limit, narrowing(self.params))

    def stop_counting(self):
        """A facet ran past its time: the page renders without the rest."""
        self.timed_out = True

    def take_counting_slot(self):
        """One of COUNTING_SLOTS, shared by every process through the cache:
        after a change every filter's counts are gone, and counting them for
        every request at once would take every worker and core, and the
        pages that need no counting would queue behind them."""
        if self.slot is None:
            self.slot = cache.take_slot("facet-counting", COUNTING_SLOTS, FACET_BUDGET_SECONDS)
        return self.slot is not None

    def __iter__(self):
        try:
            yield from self.build()
        finally:
            if self.slot is not None:
                cache.release_slot("facet-counting", self.slot)
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
        # Whether they are complete is a query: asked once per version of the corpus.
        return self.unfiltered and cache.for_corpus(("counts-complete",), counts.complete)

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
