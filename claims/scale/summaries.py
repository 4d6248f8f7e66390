"""Whole-corpus summaries that take seconds to compute at a million claims —
the coverage grid, the list of metrics sources disagree on — served from
the shared cache, and recomputed once per change of the corpus.

A summary is kept by claims/scale/cache.py's latest(), with the corpus
version it was computed at. When the version has moved on, one request recomputes it,
without the web statement time limit, while every other request is served
the previous summary; a request that finds none at all (an emptied cache)
gets Pending, and its page says the summary is being computed, rather than
holding a worker while it waits. load_corpus holds refreshing() from before it
commits until it has recomputed the default summaries (refresh()): in the
meantime every reader is served the previous ones, so no web worker spends
seconds on what the load is about to compute anyway.

Only aggregates are kept here (counts, company and topic names, metric
labels); claim text is always read live through Claim.objects.public(), so
a summary a few seconds old can show a stale count, never a retracted claim.
"""

from contextlib import suppress

from django.db.models import Case, Count, DecimalField, F, Max, Min, Value, When, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from claims.models import Citation, Claim, metric_slug
from claims.scale import cache
from claims.topics import COVERAGE_ROWS, TopicTree, coverage_columns, coverage_rows

# A reader finding no summary at all while another request computes it.
Pending = cache.Pending
# A load holds this from before its commit until it has called refresh().
refreshing = cache.refreshing


def refresh():
    """Compute the default summaries now (after a load_corpus commit)."""

    tree = TopicTree.load()
    for summary in (
        lambda: coverage(tree, coverage_columns(tree), show_all=False, refresh=True),
        lambda: disagreeing_metrics(refresh=True),
        lambda: citing_claims(refresh=True),
        lambda: metrics(refresh=True),
    ):
        with suppress(Pending):  # a reader is computing it from the committed corpus already
            summary()


# -- the summaries ---------------------------------------------------------------


def coverage(tree, columns, show_all, refresh=False):
    """coverage_rows() for these columns: the first COVERAGE_ROWS + 1
    companies, or all of them."""
    name = coverage_name(columns, show_all)
    limit = None if show_all else COVERAGE_ROWS
    return cache.latest(
        name, lambda: coverage_rows(tree, columns, limit, reverse("claims:claim-list")), refresh=refresh
    )


def coverage_name(columns, show_all):
    return "coverage:" + ",".join(str(topic.pk) for topic in columns) + (":all" if show_all else "")


# A figure's value in units, so that "12.2 billion" and "12,200 million" compare equal.
VALUE_IN_UNITS = Case(
    *(When(scale=scale, then=F("value") * Value(factor)) for scale, factor in Claim.SCALE_FACTORS.items()),
    default=F("value"),
    output_field=DecimalField(max_digits=40, decimal_places=6),
)
# Figures of one metric shown side by side; the claim list has them all.
FIGURES_PER_METRIC = 20


def disagreeing_metrics(refresh=False):
    """[(metric, figures, [ids of the first FIGURES_PER_METRIC])], by metric:
    metrics whose published figures come from more than one source and give
    more than one value. The ids are in the page's order (period, then value)."""

    def compute():
        figures = Claim.objects.public().filter(kind=Claim.Kind.FIGURE).exclude(metric="")
        metrics = (
            figures.values("metric")
            .annotate(sources=Count("source", distinct=True), values=Count(VALUE_IN_UNITS, distinct=True), n=Count("*"))
            .filter(sources__gt=1, values__gt=1)
            .values_list("metric", "n")
        )
        totals = dict(metrics)
        first = (
            figures.filter(metric__in=list(totals))
            .annotate(
                row=Window(
                    RowNumber(),
                    partition_by=F("metric"),
                    order_by=[F("period_start").asc(nulls_last=True), "period_end", VALUE_IN_UNITS.asc(), "pk"],
                )
            )
            .filter(row__lte=FIGURES_PER_METRIC)
            .values_list("metric", "pk")
            .order_by("metric", "row")
        )
        ids = {}
        for metric, pk in first:
            ids.setdefault(metric, []).append(pk)
        return [(metric, totals[metric], ids.get(metric, [])) for metric in sorted(totals)]

    return cache.latest("disagreements", compute, refresh=refresh)


def metrics(refresh=False):
    """[(metric, slug, figures, sources, first year, last year)], by metric:
    every metric that published figures carry, for the index of metrics and
    for finding a metric's labels from the slug in its address. Years are
    None when no figure of the metric has a period."""

    def compute():
        rows = (
            Claim.objects.public()
            .filter(kind=Claim.Kind.FIGURE)
            .exclude(metric="")
            .values("metric")
            .annotate(
                n=Count("*"),
                sources=Count("source", distinct=True),
                first=Min("period_start"),
                last=Max("period_end"),
            )
            .values_list("metric", "n", "sources", "first", "last")
            .order_by()
        )
        return sorted(
            (metric, metric_slug(metric), n, sources, first and first.year, last and last.year)
            for metric, n, sources, first, last in rows
        )

    return cache.latest("metrics", compute, refresh=refresh)


# Claims from other sources citing a source, shown on the source's page.
CITING_SHOWN = 50


def citing_claims(refresh=False):
    """{source id: [ids of the newest CITING_SHOWN published claims from
    other sources that cite it]}. One pass over the citations for every
    source: per source, the planner cannot know that a source is rarely cited
    by others, and either probes every claim or every citation of the source."""

    def compute():
        pairs = (
            Citation.objects.filter(claim__status=Claim.Status.PUBLISHED)
            .exclude(source_id=F("claim__source_id"))
            .values_list("source_id", "claim_id")
            .order_by("source_id", F("claim__period_start").desc(nulls_last=True), "-claim_id")
        )
        ids = {}
        for source_id, claim_id in pairs:
            shown = ids.setdefault(source_id, [])
            if len(shown) < CITING_SHOWN and claim_id not in shown:
                shown.append(claim_id)
        return ids

    return cache.latest("citing", compute, refresh=refresh)
