"""The public pages of one thing — a claim, a source, a company, a topic —
and the whole-corpus pages: the coverage grid and the disagreements.

Like the lists (views.py), every page starts from Claim.objects.public()
and runs a fixed number of queries, whatever its size.
"""

from django.db.models import Count, F, Prefetch, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.views.generic import DetailView, TemplateView

from claims.models import (
    Citation,
    Claim,
    ClaimRelation,
    Company,
    Topic,
    metric_url,
    sources_with_public_claims,
)
from claims.parameters import claim_list_url, query_string
from claims.public import charts, retractions
from claims.public.facets import FACET_BUDGET_SECONDS
from claims.public.filters import SORTS
from claims.public.views import SectionMixin, claims_about, in_order, public_claims
from claims.scale import cache, summaries
from claims.scale.pagination import InvalidCursor, capped_count, paginate, paginate_list
from claims.topics import COVERAGE_ROWS, TopicTree, coverage_columns, topic_counts


class ClaimDetailView(SectionMixin, DetailView):
    template_name = "claims/claim_detail.html"
    section = "claims"
    # Other figures with the same metric shown on a claim's page.
    same_metric_limit = 50

    def get_queryset(self):
        """Published claims only: a retracted one answers with its notice, anything else is a 404."""
        citations = Citation.objects.select_related("source").prefetch_related("source__authors")
        return (
            Claim.objects.public()
            .select_related("source")
            .prefetch_related("companies", "topics", Prefetch("citations", queryset=citations))
            .with_related()
        )

    def get_object(self, queryset=None):
        """The claim at /claims/<source key>/<claim key>/."""
        queryset = self.get_queryset() if queryset is None else queryset
        return get_object_or_404(queryset, source__key=self.kwargs["source_key"], key=self.kwargs["claim_key"])

    def get(self, request, *args, **kwargs):
        try:
            self.object = self.get_object()
        except Http404:
            claim = retractions.retracted_or_404(self.kwargs["source_key"], self.kwargs["claim_key"])
            return retractions.notice_response(request, claim)
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_same_metric(self):
        """Other published figures with the same metric, with their sources and quotes."""
        claim = self.object
        if not claim.metric:
            return []
        return list(
            Claim.objects.public()
            .filter(metric=claim.metric, kind=Claim.Kind.FIGURE)
            .exclude(pk=claim.pk)
            .select_related("source")
            .prefetch_related(Prefetch("citations", queryset=Citation.objects.select_related("source")))
            .order_by(F("period_start").asc(nulls_last=True), "pk")[: self.same_metric_limit]
        )

    def get_relations(self):
        """(related claims, outcomes): each public relation of the claim once,
        read from its side ("is updated by"); the claims that resolve it, when
        it is a forecast, go under "Outcome" instead of the list."""
        related, outcomes = [], []
        for each in self.object.related_claims:
            resolved_by = each.type == ClaimRelation.Type.RESOLVES and not each.outgoing
            (outcomes if resolved_by else related).append(each)
        return related, outcomes

    def get_context_data(self, **kwargs):
        relations, outcomes = self.get_relations()
        return super().get_context_data(
            same_metric=self.get_same_metric(), relations=relations, outcomes=outcomes, **kwargs
        )


class SummaryMixin:
    """For pages that show a summary (claims/scale/summaries.py): while one is
    being computed for the first time, the page says so, and must not be
    kept by any cache."""

    summary_pending = False

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if self.summary_pending:
            patch_cache_control(response, no_store=True)
        return response


class SourceDetailView(SummaryMixin, SectionMixin, DetailView):
    template_name = "claims/source_detail.html"
    section = "sources"
    claims_shown = 50

    def get_object(self, queryset=None):
        """A source that published claims come from or cite; otherwise 404."""
        return get_object_or_404(sources_with_public_claims().prefetch_related("authors"), key=self.kwargs["key"])

    def get_claims(self):
        """(claims, count, capped): the first published claims taken from the source."""
        claims = public_claims().filter(source=self.object)
        page = paginate(claims, SORTS["newest"][1], self.claims_shown)
        return page.rows, *capped_count(claims)

    def get_citing_claims(self):
        """Published claims from other sources that cite this one as well:
        their ids from a summary (claims/scale/summaries.py), the claims read live."""
        try:
            ids = summaries.citing_claims().get(self.object.pk, [])
        except summaries.Pending:
            self.summary_pending = True
            return None
        return in_order(public_claims(), ids)

    def get_context_data(self, **kwargs):
        claims, count, capped = self.get_claims()
        return super().get_context_data(
            claims=claims,
            count=count,
            count_capped=capped,
            citing_claims=self.get_citing_claims(),
            list_url=claim_list_url(source=[self.object.key]),
            **kwargs,
        )


class CompanyDetailView(SectionMixin, DetailView):
    template_name = "claims/company_detail.html"
    section = "companies"
    # Claims shown under each topic, and events on the timeline; the claim
    # list, one link away, has them all.
    claims_per_topic = 3
    timeline_limit = 100

    def get_queryset(self):
        """Companies that published claims are about; any other is a 404."""
        return Company.objects.public().with_public_parent()

    def get_topics(self):
        """[(topic, count, sample claims)] of the company's claims, most claims first.
        Counts include sub-topics (as the linked list does); samples are the
        newest claims filed under the topic itself."""
        company, tree = self.object, TopicTree.load()
        claims = claims_about(company=company)
        rolled = topic_counts(claims, tree)
        numbered = (
            Claim.topics.through.objects.filter(claim__in=claims)
            .annotate(
                row=Window(
                    RowNumber(),
                    partition_by=F("topic_id"),
                    order_by=[F("claim__period_start").desc(nulls_last=True), F("claim_id").desc()],
                )
            )
            .filter(row__lte=self.claims_per_topic)
            .select_related("claim__source")
        )
        samples = {}
        for link in numbered:
            samples.setdefault(link.topic_id, []).append(link.claim)
        topics = [(tree.by_id[pk], n, samples.get(pk, [])) for pk, n in rolled.items() if n and pk in tree.by_id]
        return sorted(topics, key=lambda row: (-row[1], row[0].name))

    def get_timeline(self):
        """The company's published events, oldest first."""
        events = claims_about(company=self.object).filter(kind=Claim.Kind.EVENT).select_related("source")
        # The first keyset page reads the list's order index backwards, oldest first.
        page = paginate(events, SORTS["oldest"][1], self.timeline_limit)
        return page.rows, page.next_cursor is not None

    def get_topics_html(self):
        """The "claims by topic" section, rendered once per version of the
        corpus (hundreds of topics for a large company); None when counting a
        very large company's claims ran past the time limit."""

        def render():
            context = {"company": self.object, "topics": self.get_topics()}
            return render_to_string("claims/includes/company_topics.html", context, request=self.request)

        return cache.for_corpus(("company-topics", self.object.pk), render, time_limit=FACET_BUDGET_SECONDS)

    def get_context_data(self, **kwargs):
        timeline, timeline_truncated = self.get_timeline()
        count, capped = capped_count(claims_about(company=self.object))
        return super().get_context_data(
            affiliates=list(Company.objects.public().filter(parent=self.object).order_by("name")),
            topics_html=self.get_topics_html(),
            timeline=timeline,
            timeline_truncated=timeline_truncated,
            count=count,
            count_capped=capped,
            **kwargs,
        )


class TopicDetailView(SectionMixin, DetailView):
    template_name = "claims/topic_detail.html"
    section = "topics"
    claims_shown = 20
    companies_shown = 20

    def get_queryset(self):
        """Topics with published claims (sub-topics included); any other is a 404."""
        return Topic.objects.public()

    def get_context_data(self, **kwargs):
        topic, tree = self.object, TopicTree.load_public()
        subtree = tree.subtree_ids(topic)
        claims = claims_about(topic_ids=subtree)
        rolled = topic_counts(claims, tree)
        companies = (
            Claim.companies.through.objects.filter(claim__in=claims)
            .values_list("company__slug", "company__name")
            .annotate(n=Count("*"))
            .order_by("-n", "company__name")[: self.companies_shown]
        )
        latest = claims.select_related("source").prefetch_related("companies", "topics")
        count, capped = capped_count(claims)
        return super().get_context_data(
            ancestors=tree.ancestors(topic),
            children=[(child, rolled.get(child.pk, 0)) for child in tree.children[topic.pk]],
            companies=list(companies),
            claims=paginate(latest, SORTS["newest"][1], self.claims_shown).rows,
            count=count,
            count_capped=capped,
            list_url=claim_list_url(topic=[topic.slug]),
            **kwargs,
        )


# -- across the corpus ---------------------------------------------------------------------


class CoverageView(SummaryMixin, SectionMixin, TemplateView):
    """Companies × topics: where the corpus is thick, and where one source is all there is."""

    template_name = "claims/coverage.html"
    section = "coverage"

    def get_within(self, tree):
        """The topic whose sub-topics are the columns (?within=slug), or None for the top."""
        slug = self.request.GET.get("within")
        # Only a public topic: one only drafts use is not named, even as a heading.
        if slug and (slug not in tree.by_slug or not Topic.objects.public().filter(slug=slug).exists()):
            raise Http404("No such topic.")
        return tree.by_slug.get(slug)

    def get_context_data(self, **kwargs):
        tree = TopicTree.load()
        within = self.get_within(tree)
        columns = coverage_columns(tree, within)
        show_all = self.request.GET.get("all") == "1"
        try:
            rows = summaries.coverage(tree, columns, show_all)
        except summaries.Pending:
            self.summary_pending, rows = True, []
        # Topics without a published claim would be columns of zeros.
        shown = [i for i in range(len(columns)) if any(cells[i].count for *_, cells in rows)]
        columns = [columns[i] for i in shown]
        rows = [(slug, name, total, [cells[i] for i in shown]) for slug, name, total, cells in rows]
        return super().get_context_data(
            columns=[(topic, bool(tree.children[topic.pk]) and topic != within) for topic in columns],
            rows=rows if show_all else rows[:COVERAGE_ROWS],
            truncated=not show_all and len(rows) > COVERAGE_ROWS,
            show_all=show_all,
            within=within,
            ancestors=tree.ancestors(within) if within else [],
            pending=self.summary_pending,
            **kwargs,
        )


class DisagreementsView(SummaryMixin, SectionMixin, TemplateView):
    """Metrics for which published sources give different values, side by side."""

    template_name = "claims/disagreements.html"
    section = "disagreements"
    paginate_by = 20

    def get_page(self):
        """One page of (metric, figures, sample ids), in alphabetical order of metric."""
        get = self.request.GET.get
        try:
            metrics = summaries.disagreeing_metrics()
        except summaries.Pending:
            self.summary_pending, metrics = True, []
        try:
            return paginate_list(metrics, "metric", self.paginate_by, after=get("after"), before=get("before"))
        except InvalidCursor:
            return paginate_list(metrics, "metric", self.paginate_by)

    def get_groups(self, page):
        """[(metric, [claims], figures in all, claim list link, chart, metric page
        link)] for the page's metrics, each group by period then value; a claim is marked `conflicting` when another
        gives a different value for the same period. Claims are read live, so
        one retracted since the summary was made is not shown."""
        ids = [pk for _, _, sample in page for pk in sample]
        claims = (
            Claim.objects.public()
            .filter(pk__in=ids)
            .select_related("source")
            .prefetch_related(Prefetch("citations", queryset=Citation.objects.select_related("source")))
            .in_bulk()
        )
        groups = []
        for metric, total, sample in page:
            figures = [claims[pk] for pk in sample if pk in claims]
            if len({claim.source_id for claim in figures}) < 2:
                continue  # no longer a disagreement
            values = {}
            for claim in figures:
                values.setdefault((claim.period_start, claim.period_end, claim.unit), set()).add(claim.value_base)
            for claim in figures:
                claim.conflicting = len(values[(claim.period_start, claim.period_end, claim.unit)]) > 1
            chart = charts.chart(figures, label=metric, ident=f"chart-{len(groups) + 1}")
            groups.append((metric, figures, total, claim_list_url(metric=[metric]), chart, metric_url(metric)))
        return groups

    def get_context_data(self, **kwargs):
        page = self.get_page()
        params = self.request.GET
        return super().get_context_data(
            groups=self.get_groups(page),
            page=page,
            previous_url=query_string(params, before=[page.previous_cursor]) if page.previous_cursor else None,
            next_url=query_string(params, after=[page.next_cursor]) if page.next_cursor else None,
            pending=self.summary_pending,
            **kwargs,
        )
