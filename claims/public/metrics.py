"""The metric pages: every metric published figures carry (/metrics/), and
one metric's figures over time, in a table and on a chart (/metrics/<slug>/).

A metric is a free-text label (Claim.metric); its address is
models.metric_slug(label). The labels behind a slug come from a summary
(claims/scale/summaries.py metrics(): labels and counts only); the figures
are always read live from Claim.objects.public(), so a retracted figure never
shows and a metric left with no published figure is a 404. Each page runs a
fixed number of queries, whatever the number of figures.
"""

from django.db.models import F, Prefetch, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.views.generic import TemplateView

from claims.models import Citation, Claim
from claims.parameters import claim_list_url, query_string
from claims.public import charts
from claims.public.pages import SummaryMixin
from claims.public.views import SectionMixin
from claims.scale import summaries
from claims.scale.pagination import InvalidCursor, paginate_list

# Figures drawn and listed per label, the latest periods (about 100 ms to render
# past the page cache, and more would crowd the chart); the claim list has them all.
FIGURES_SHOWN = 100


def metric_figures(labels):
    """The public figures of these metric labels, with what the table shows."""
    citations = Citation.objects.select_related("source").order_by("claim_id", "position", "pk")
    return (
        Claim.objects.public()
        .filter(kind=Claim.Kind.FIGURE, metric__in=labels)
        .select_related("source")
        .prefetch_related(Prefetch("citations", queryset=citations))
    )


def in_period_order(figures):
    """Oldest period first, figures without a period last, then by value."""
    return sorted(
        figures,
        key=lambda c: (c.period_start is None, c.period_start or 0, c.period_end or 0, c.value_base or 0, c.pk),
    )


class MetricListView(SummaryMixin, SectionMixin, TemplateView):
    """Every metric published figures carry, with how many figures and sources."""

    template_name = "claims/metric_list.html"
    section = "metrics"
    paginate_by = 100

    def get_page(self):
        """One page of summaries.metrics() rows, in alphabetical order of metric."""
        get = self.request.GET.get
        try:
            rows = summaries.metrics()
        except summaries.Pending:
            self.summary_pending, rows = True, []
        try:
            return paginate_list(rows, "metric", self.paginate_by, after=get("after"), before=get("before"))
        except InvalidCursor:
            return paginate_list(rows, "metric", self.paginate_by)

    def get_context_data(self, **kwargs):
        page = self.get_page()
        params = self.request.GET
        return super().get_context_data(
            page=page,
            previous_url=query_string(params, before=[page.previous_cursor]) if page.previous_cursor else None,
            next_url=query_string(params, after=[page.next_cursor]) if page.next_cursor else None,
            pending=self.summary_pending,
            **kwargs,
        )


class MetricDetailView(SummaryMixin, SectionMixin, TemplateView):
    """One metric's published figures over time: a chart per unit and a table."""

    template_name = "claims/metric_detail.html"
    section = "metrics"

    def get_labels(self):
        """[(label, figures in all)] of the metrics whose slug is the page's; 404 for none."""
        try:
            rows = summaries.metrics()
        except summaries.Pending:
            self.summary_pending = True
            return []
        labels = [(label, n) for label, slug, n, *_ in rows if slug == self.kwargs["slug"]]
        if not labels:
            raise Http404("No published figure has this metric.")
        return labels

    def get_groups(self, labels):
        """[(label, chart, figures, figures in all, claim list link)] for each label
        with published figures: the latest FIGURES_SHOWN, oldest first. One
        query for the figures of every label (and one for their quotes)."""
        if not labels:
            return []
        latest = (
            metric_figures([label for label, _ in labels])
            .annotate(
                row=Window(
                    RowNumber(),
                    partition_by=F("metric"),
                    order_by=[F("period_start").desc(nulls_last=True), F("pk").desc()],
                )
            )
            .filter(row__lte=FIGURES_SHOWN)
        )
        found = {}
        for claim in latest:
            found.setdefault(claim.metric, []).append(claim)
        groups = []
        for n, (label, total) in enumerate(labels, start=1):
            figures = in_period_order(found.get(label, []))
            if figures:
                chart = charts.chart(figures, label=label, ident=f"chart-{n}")
                groups.append((label, chart, figures, max(total, len(figures)), claim_list_url(metric=[label])))
        if not groups:
            raise Http404("No published figure has this metric.")  # retracted since the summary
        return groups

    def get_context_data(self, **kwargs):
        labels = self.get_labels()
        return super().get_context_data(
            groups=self.get_groups(labels),
            shown=FIGURES_SHOWN,
            pending=self.summary_pending,
            **kwargs,
        )
