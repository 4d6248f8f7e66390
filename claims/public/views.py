"""The public lists: claims, sources, companies, topics. Every queryset
starts from Claim.objects.public().

A list view reads top to bottom: get_queryset() → get_filterset() →
get_page() → get_context_data(). Each page runs a fixed number of queries,
whatever its size: related rows come with select_related/prefetch_related,
counts with one GROUP BY each. The pages of one thing are in pages.py.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count
from django.views.generic import TemplateView
from django_filters.views import FilterMixin

from claims.models import (
    Claim,
    ClaimRelation,
    PublicCount,
    Source,
)
from claims.parameters import known, narrowing, query_string, relations_url
from claims.public import search
from claims.public.companynames import closest_companies
from claims.public.facets import ClaimFacets
from claims.public.filters import SORTS, ClaimFilterSet, CompanyFilterSet, SourceFilterSet, TopicFilterSet
from claims.scale import cache, counts
from claims.scale.pagination import COUNT_CAP, InvalidCursor, Page, capped_count, paginate
from claims.topics import TopicTree, topic_counts


def public_claims():
    """Published claims with what a list row shows."""
    return Claim.objects.public().select_related("source").prefetch_related("companies", "topics")


def in_order(queryset, ids):
    """The rows of queryset with these ids, in the order of ids (those it
    does not hold, e.g. no longer published, left out)."""
    found = queryset.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def claims_about(company=None, topic_ids=None):
    """Published claims about a company, or in any of a set of topics, without a join."""
    claims = Claim.objects.public()
    if company is not None:
        claims = claims.filter(company_ids__has_all=[company.pk])
    if topic_ids is not None:
        claims = claims.filter(topic_ids__has_any=topic_ids)
    return claims


class SectionMixin:
    """Marks the navigation link of the site section the page belongs to."""

    section = None

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


# -- lists ----------------------------------------------------------------------------


class FilteredListView(SectionMixin, FilterMixin, TemplateView):
    """A list narrowed by a FilterSet from the URL, one keyset page at a time."""

    paginate_by = 50
    count_cap = COUNT_CAP
    # Invalid filters are reported beside the form and ignored, not fatal.
    strict = False

    def get_queryset(self):
        """The rows the public may see, before any filter."""
        raise ImproperlyConfigured(f"{type(self).__name__} must define get_queryset().")

    def get_filterset_kwargs(self, filterset_class):
        """Always bound, even without parameters, so that the list is ordered."""
        return {**super().get_filterset_kwargs(filterset_class), "data": self.request.GET}

    def get_ordering(self):
        """The total order of the list: a list of SortKey ending with a unique key."""
        return self.filterset.ordering

    def get_page(self):
        """The rows of the requested page; a damaged cursor gives the first page."""
        after, before = self.request.GET.get("after"), self.request.GET.get("before")
        try:
            return paginate(self.filterset.qs, self.get_ordering(), self.paginate_by, after=after, before=before)
        except InvalidCursor:
            return paginate(self.filterset.qs, self.get_ordering(), self.paginate_by)

    def get_count(self):
        """(count, capped) of the filtered rows, counted up to a cap, and
        cached for this filter until the corpus changes (like the facets):
        counting 10,001 rows of a million takes tens of milliseconds."""
        parts = ("count", type(self).__name__, narrowing(self.request.GET))
        return tuple(cache.for_corpus(parts, lambda: capped_count(self.filterset.qs, self.count_cap)))

    def get_page_links(self, page):
        """URLs of the first, previous and next pages, where there are any."""
        params = self.request.GET
        return {
            "first_url": query_string(params) if page.previous_cursor else None,
            "previous_url": query_string(params, before=[page.previous_cursor]) if page.previous_cursor else None,
            "next_url": query_string(params, after=[page.next_cursor]) if page.next_cursor else None,
        }

    def get(self, request, *args, **kwargs):
        self.filterset = self.get_filterset(self.get_filterset_class())
        self.page = self.get_page()
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        count, capped = self.get_count()
        return super().get_context_data(
            filterset=self.filterset,
            form=self.filterset.form,
            page=self.page,
            object_list=self.page.rows,
            count=count,
            count_capped=capped,
            **self.get_page_links(self.page),
            **kwargs,
        )


class ClaimListView(FilteredListView):
    template_name = "claims/claim_list.html"
    filterset_class = ClaimFilterSet
    section = "claims"

    def get_queryset(self):
        """Published claims with their source, companies and topics."""
        return public_claims()

    def get_page(self):
        """A search's page is kept, as claim ids and cursors, until the corpus
        changes: ranking every match of a common word takes hundreds of
        milliseconds, reading 50 claims by id about one. The claims are read
        live, and only published ones shown."""
        if not self.filterset.search_text:
            return super().get_page()
        parts = ("search-page", sorted(known(self.request.GET)))
        found = cache.lookup(*parts)
        if found is None:
            page = super().get_page()
            cache.keep(parts, ([claim.pk for claim in page], page.next_cursor, page.previous_cursor))
            return page
        ids, next_cursor, previous_cursor = found
        return Page(in_order(self.get_queryset(), ids), next_cursor, previous_cursor)

    def get_highlights(self):
        """{claim id: Highlight} of the page's claims when searching."""
        text = self.filterset.search_text
        return search.highlights(text, [claim.pk for claim in self.page]) if text else {}

    def get_active_filters(self):
        """(label, value, URL without it) for each filter in the URL."""
        params, form, selected = self.request.GET, self.filterset.form, self.filterset.selected
        names = {
            # A value that names no company says so in its chip, too.
            "company": {
                value: obj.name if obj else f"“{value}”, no such company" for value, obj in selected["company"]
            },
            "topic": {value: obj.name for value, obj in selected["topic"] if obj},
            "source": {value: obj.title for value, obj in selected["source"] if obj},
            "kind": dict(Claim.Kind.choices),
            "source_kind": dict(Source.Kind.choices),
            "relation": dict(ClaimRelation.Type.choices),
        }
        active = []
        for name, field in form.fields.items():
            if name == "sort":
                continue
            label = "Search" if name == "q" else field.label
            for value in params.getlist(name):
                if value.strip():
                    shown = names.get(name, {}).get(value, f"“{value}”" if name in ("q", "metric") else value)
                    active.append((label, shown, query_string(params, remove=[(name, value)])))
        return active

    def get_unknown_companies(self):
        """(value, [(name, URL with that company instead)]) for each value of
        the company filter that names no company: the page says so, with the
        closest names, rather than list nothing under a misleading chip."""
        params, unknown = self.request.GET, []
        for value, company in self.filterset.selected["company"]:
            if company is not None:
                continue
            suggestions = [
                (name, query_string(params, company=[slug if v == value else v for v in params.getlist("company")]))
                for name, slug in closest_companies(value, CompanyFilterSet.base_queryset(), "public")
            ]
            unknown.append((value, suggestions))
        return unknown

    def get_context_data(self, **kwargs):
        highlights = self.get_highlights()
        for claim in self.page:
            claim.highlight = highlights.get(claim.pk)
        params = self.request.GET
        return super().get_context_data(
            facets=list(ClaimFacets(self.filterset, params)),
            sort_label=SORTS[self.filterset.sort_order][0],
            more_filters_open=any(
                params.get(name) for name in ("source_kind", "period_from", "period_to", "metric", "relation", "sort")
            ),
            relations_url=relations_url(params),
            active_filters=self.get_active_filters(),
            unknown_companies=self.get_unknown_companies(),
            # The "add a company" form keeps every other filter in hidden fields.
            keep_params=[(k, v) for k, values in params.lists() for v in values if k not in ("after", "before")],
            **kwargs,
        )


class SourceListView(FilteredListView):
    template_name = "claims/source_list.html"
    filterset_class = SourceFilterSet
    section = "sources"

    def get_queryset(self):
        """Sources that published claims come from or cite, with their authors."""
        return SourceFilterSet.base_queryset().prefetch_related("authors")

    def get_public_counts(self):
        """{source id: published claims taken from it} for the page's sources."""
        ids = [source.pk for source in self.page]
        precomputed = counts.id_counts(PublicCount.Facet.SOURCE, ids)
        if precomputed is not None:
            return precomputed
        claims = Claim.objects.public().filter(source_id__in=ids)
        return dict(claims.values_list("source").annotate(n=Count("*")).order_by())

    def get_context_data(self, **kwargs):
        public_counts = self.get_public_counts()
        for source in self.page:
            source.public_claims = public_counts.get(source.pk, 0)
        return super().get_context_data(**kwargs)


class CompanyListView(FilteredListView):
    template_name = "claims/company_list.html"
    filterset_class = CompanyFilterSet
    section = "companies"

    def get_queryset(self):
        """Companies that published claims are about."""
        return CompanyFilterSet.base_queryset().with_public_parent()

    def get_public_counts(self):
        """{company id: published claims about it} for the page's companies."""
        ids = [company.pk for company in self.page]
        precomputed = counts.id_counts(PublicCount.Facet.COMPANY, ids)
        if precomputed is not None:
            return precomputed
        links = Claim.companies.through.objects.filter(company_id__in=ids, claim__in=Claim.objects.public())
        return dict(links.values_list("company_id").annotate(n=Count("*")).order_by())

    def get_context_data(self, **kwargs):
        public_counts = self.get_public_counts()
        for company in self.page:
            company.public_claims = public_counts.get(company.pk, 0)
        return super().get_context_data(**kwargs)


class TopicListView(SectionMixin, FilterMixin, TemplateView):
    """Every topic with published claims, as a tree, with rolled-up counts;
    a flat list when searching. A few hundred topics at most: no pages."""

    template_name = "claims/topic_list.html"
    filterset_class = TopicFilterSet
    section = "topics"

    def get_queryset(self):
        """Topics with published claims, sub-topics included."""
        return TopicFilterSet.base_queryset()

    def get_rows(self, filterset, tree):
        """(topic, depth, count) for topics with published claims: the tree, or the matches of a search."""
        topic_totals = counts.id_counts(PublicCount.Facet.TOPIC)
        if topic_totals is None:
            topic_totals = topic_counts(Claim.objects.public(), tree)
        if filterset.cleaned_value("q"):
            matching = set(filterset.qs.values_list("pk", flat=True))
            return [
                (topic, 0, topic_totals[topic.pk])
                for topic in tree.topics
                if topic.pk in matching and topic_totals.get(topic.pk)
            ]
        rows = []

        def walk(topics, depth):
            for topic in topics:
                if topic_totals.get(topic.pk):
                    rows.append((topic, depth, topic_totals[topic.pk]))
                    walk(tree.children[topic.pk], depth + 1)

        walk(tree.roots, 0)
        return rows

    def get_context_data(self, **kwargs):
        filterset = self.get_filterset(self.filterset_class)
        rows = self.get_rows(filterset, TopicTree.load_public())
        return super().get_context_data(filterset=filterset, form=filterset.form, rows=rows, **kwargs)


# -- details ----------------------------------------------------------------------------
