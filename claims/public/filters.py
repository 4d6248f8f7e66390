"""FilterSets for the public lists: claims, sources, companies and topics.

The HTML lists, the exports and the API all filter through these classes, so
a query string means the same thing everywhere. Every filter reads the URL
(GET); none renders a <select> of companies or sources, which would list
thousands of rows: companies, topics and sources are named by slug or key,
and resolved with one small query.

Company and topic filters read the ids copied into the claim row
(Claim.company_ids, Claim.topic_ids), never a JOIN, so that a filtered
claims queryset has one row per claim: the facet counts in facets.py rely
on that.

Kept in one module because the FilterSets share their filters (company,
topic and source lookups, year and period parsing) and the HTML lists, the
downloads and the API must all read a query string the same way.
"""

import re
from functools import cached_property

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from claims.models import (
    Author,
    Claim,
    ClaimRelation,
    Company,
    PublicCount,
    Source,
    Topic,
    parse_partial_date,
    sources_with_public_claims,
)
from claims.public import search
from claims.public.companynames import companies_named, company_search
from claims.scale import counts
from claims.scale.pagination import SortKey
from claims.topics import TopicTree

# Each selected company or topic adds an EXISTS to the query; more than this
# is not browsing any more.
MAX_VALUES = 10
# On SQLite, a company in fewer than this share of published claims is
# looked up through the link table rather than by walking the list order.
RARE_SHARE = 0.02
# A slug, key or name is at most this long; a longer value would also pass
# SQLite's limit on the length of a LIKE pattern.
MAX_VALUE_LENGTH = 200


# -- form fields -------------------------------------------------------------------


class ValueListField(forms.Field):
    """Every value of a repeated GET parameter: ?company=alibaba&company=tencent."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else [value] if value else []
        cleaned = list(dict.fromkeys(v.strip() for v in values if isinstance(v, str) and v.strip()))
        if any("\x00" in v for v in cleaned):
            raise ValidationError("Null characters are not allowed.")
        if len(cleaned) > MAX_VALUES:
            raise ValidationError(f"Choose at most {MAX_VALUES}.")
        if any(len(v) > MAX_VALUE_LENGTH for v in cleaned):
            raise ValidationError(f"A value is at most {MAX_VALUE_LENGTH} characters.")
        return cleaned


class YearListField(ValueListField):
    def to_python(self, value):
        years = super().to_python(value)
        # ASCII digits only: str.isdigit() also accepts '²', which int() refuses;
        # and no year 0, which datetime.date cannot hold.
        if not all(re.fullmatch(r"[1-9][0-9]{3}", year) for year in years):
            raise ValidationError("A year is four digits, e.g. 2018.")
        return [int(year) for year in years]


class PartialDateField(forms.CharField):
    """'2018', '2018-Q3', '2018-07' or '2018-07-14', as the first day of that
    period (or its last day, with end=True)."""

    def __init__(self, *args, end=False, **kwargs):
        self.end = end
        kwargs.setdefault("help_text", "YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD")
        kwargs.setdefault("widget", forms.TextInput(attrs={"class": "short", "placeholder": "e.g. 2018"}))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_partial_date(value, end=self.end)[0]
        except ValueError as error:
            raise ValidationError(str(error)) from None


class ValueListFilter(django_filters.Filter):
    field_class = ValueListField


class YearListFilter(django_filters.Filter):
    field_class = YearListField


class YearFilter(django_filters.Filter):
    field_class = forms.IntegerField


class PartialDateFilter(django_filters.Filter):
    field_class = PartialDateField


class OrderedFilterSet(django_filters.FilterSet):
    """A FilterSet whose results come in a total order, `ordering` (a list of
    SortKey ending with a unique key), so that they can be paged by keyset."""

    ordering = [SortKey("pk")]

    def cleaned_value(self, name):
        """A filter's valid value, or None (invalid values are dropped, not fatal)."""
        if not self.is_bound or name not in self.form.fields:
            return None
        self.form.is_valid()
        return self.form.cleaned_data.get(name)

    def filter_queryset(self, queryset):
        # Sorting comes after every filter: relevance ranking needs the search.
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*(key.order_by() for key in self.ordering))

    def filter_sort(self, queryset, name, value):
        """Nothing yet: filter_queryset() sorts, after every filter."""
        return queryset


# -- claims ------------------------------------------------------------------------

# name: (label, total order). Every order ends with the primary key, for keyset pages.
SORTS = {
    "relevance": ("best match", [SortKey("search_rank", descending=True), SortKey("pk", descending=True)]),
    "newest": (
        "period, newest first",
        [SortKey("period_start", descending=True, nullable=True), SortKey("pk", descending=True)],
    ),
    "oldest": ("period, oldest first", [SortKey("period_start", nullable=True), SortKey("pk")]),
    "source-newest": (
        "source date, newest first",
        [SortKey("source__published", descending=True, nullable=True), SortKey("pk", descending=True)],
    ),
}


class ClaimFilterSet(OrderedFilterSet):
    """Published claims, narrowed by the URL. Company and topic may repeat and
    then mean all of them (claims about Alibaba and Tencent); source, kind and
    year may repeat and mean any of them."""

    q = django_filters.CharFilter(
        label="Search claims and quotes",
        method="filter_search",
        max_length=200,
        widget=forms.SearchInput,
        help_text='Every word counts; "a phrase" in quotes, "or" between alternatives, -word to leave out.',
    )
    company = ValueListFilter(label="Company", method="filter_companies")
    topic = ValueListFilter(label="Topic", method="filter_topics")
    source = ValueListFilter(label="Source", method="filter_sources")
    source_kind = django_filters.ChoiceFilter(
        label="Source kind",
        field_name="source__kind",
        lookup_expr="exact",
        choices=Source.Kind.choices,
        empty_label="any kind",
    )
    kind = django_filters.MultipleChoiceFilter(
        label="Kind",
        field_name="kind",
        lookup_expr="exact",
        choices=Claim.Kind.choices,
        widget=forms.MultipleHiddenInput,
        distinct=False,  # one claim has one kind: no duplicates to remove
    )
    year = YearListFilter(label="Year", method="filter_years")
    # Overlap: a claim about 2016–2019 is found from 2018, and to 2017.
    period_from = PartialDateFilter(label="Period from", field_name="period_end", lookup_expr="gte")
    period_to = PartialDateFilter(label="Period to", field_name="period_start", lookup_expr="lte", end=True)
    relation = django_filters.MultipleChoiceFilter(
        label="Has relations of type",
        method="filter_relations",
        choices=ClaimRelation.Type.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    # Exact on purpose: metric labels come from links on claim pages, and the
    # claim_metric_status_idx index serves exact matches.
    metric = django_filters.CharFilter(
        label="Metric", field_name="metric", lookup_expr="exact", help_text="Exactly, e.g. Ant Financial valuation"
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by",
        choices=[(name, label) for name, (label, _) in SORTS.items()],
        empty_label="default",
        method="filter_sort",
    )

    class Meta:
        model = Claim
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # What each slug filter resolved to: [(value as given, object or None)].
        self.selected = {"company": [], "topic": [], "source": []}

    @cached_property
    def topic_tree(self):
        """Every topic, for sub-topics here and rolled-up counts in the facets."""
        return TopicTree.load()

    @cached_property
    def public_topic_ids(self):
        """The ids of Topic.objects.public(): only those are named back to the reader."""
        return set(Topic.objects.public().values_list("pk", flat=True))

    @property
    def search_text(self):
        """The valid search text, or None."""
        return self.cleaned_value("q")

    @property
    def sort_order(self):
        """The sort in effect: relevance only while searching, newest period first otherwise."""
        sort = self.cleaned_value("sort")
        if sort not in SORTS or (sort == "relevance" and not self.search_text):
            sort = "relevance" if self.search_text else "newest"
        return sort

    @property
    def ordering(self):
        """The total order of the results, as SortKeys for keyset pagination."""
        return SORTS[self.sort_order][1]

    def filter_search(self, queryset, name, value):
        """Claims whose text or quotes match, ranked when sorting by relevance."""
        return search.search(queryset, value, ranked=self.sort_order == "relevance")

    def filter_companies(self, queryset, name, values):
        """Claims about every one of the companies, each named by slug, name or alias."""
        companies = companies_named(values)
        # A company only drafts name still filters (the feed's retraction
        # notices), but is never named: the reader sees what they typed.
        shown = {value: company for value, company in companies.items() if company.is_public}
        self.selected["company"] = [(value, shown.get(value)) for value in values]
        if len(companies) < len(values):
            return queryset.none()
        ids = [company.pk for company in companies.values()]
        rare = self.rare_on_sqlite(ids)
        if rare is not None:
            # SQLite has no index on the ids in the row: for a company with
            # few claims, start from the link table's index instead of
            # walking the whole list order (740 ms at 1M claims, now ~5 ms).
            links = Claim.companies.through.objects.filter(company_id=rare).values("claim_id")
            queryset = queryset.filter(pk__in=links)
        return queryset.filter(company_ids__has_all=ids)

    def rare_on_sqlite(self, company_ids):
        """On SQLite, the company of these with the fewest published claims
        if it is in under RARE_SHARE of them (from the kept counts); else None."""
        if connection.vendor != "sqlite":
            return None
        kept = counts.counts_of(PublicCount.Facet.COMPANY, company_ids)
        total = counts.counts_of(PublicCount.Facet.TOTAL, [""])
        if not kept or not total:
            return None
        count, rarest = min((n, int(pk)) for pk, n in kept.items())
        return rarest if count < RARE_SHARE * total[""] else None

    def filter_topics(self, queryset, name, values):
        """Claims in every one of the topics, sub-topics included."""
        topics = [self.topic_tree.by_slug.get(value) for value in values]
        self.selected["topic"] = [
            (value, topic if topic is not None and topic.pk in self.public_topic_ids else None)
            for value, topic in zip(values, topics, strict=True)
        ]
        if None in topics:
            return queryset.none()
        for topic in topics:
            queryset = queryset.filter(topic_ids__has_any=self.topic_tree.subtree_ids(topic))
        return queryset

    def filter_sources(self, queryset, name, values):
        """Claims taken from any of the sources, by key. Only public sources are
        looked up: the active filter shows the title of what it found."""
        public = sources_with_public_claims().filter(key__in=values).only("pk", "key", "title")
        sources = {source.key: source for source in public}
        self.selected["source"] = [(value, sources.get(value)) for value in values]
        return queryset.filter(source_id__in=[source.pk for source in sources.values()])

    def filter_relations(self, queryset, name, types):
        """Claims with a public relation of any of the types, either way round:
        two EXISTS, never a join, so a claim with three relations is one row."""
        related = ClaimRelation.objects.public().filter(type__in=types)
        return queryset.filter(
            Exists(related.filter(from_claim=OuterRef("pk"))) | Exists(related.filter(to_claim=OuterRef("pk")))
        )

    def filter_years(self, queryset, name, years):
        """Claims whose period starts in any of the years."""
        # One range per year, not EXTRACT(year), so an index on period_start serves it.
        condition = Q()
        for year in years:
            condition |= Q(period_start__year=year)
        return queryset.filter(condition)


# -- sources, companies, topics ----------------------------------------------------------


class SourceFilterSet(OrderedFilterSet):
    """Sources that published claims come from or cite."""

    q = django_filters.CharFilter(
        label="Title, author or publisher", method="filter_search", max_length=200, widget=forms.SearchInput
    )
    kind = django_filters.ChoiceFilter(
        label="Kind", field_name="kind", lookup_expr="exact", choices=Source.Kind.choices, empty_label="any kind"
    )
    year = YearFilter(label="Year", field_name="published", lookup_expr="year", min_value=1, max_value=9999)
    sort = django_filters.ChoiceFilter(
        label="Sort by",
        choices=[("newest", "newest first"), ("oldest", "oldest first"), ("title", "title")],
        empty_label="default",
        method="filter_sort",
    )

    SORTS = {
        "newest": [SortKey("published", descending=True, nullable=True), SortKey("pk", descending=True)],
        "oldest": [SortKey("published", nullable=True), SortKey("pk")],
        "title": [SortKey("title"), SortKey("pk")],
    }

    class Meta:
        model = Source
        fields = []

    @classmethod
    def base_queryset(cls):
        """Every source the public may see, before any filter."""
        return sources_with_public_claims()

    @property
    def ordering(self):
        """The chosen order, newest first by default."""
        return self.SORTS.get(self.cleaned_value("sort"), self.SORTS["newest"])

    def filter_search(self, queryset, name, value):
        """Sources whose title, key, publisher, venue or an author contains the text."""
        by_author = Author.objects.filter(source=OuterRef("pk")).filter(
            Q(family__icontains=value) | Q(organisation__icontains=value)
        )
        return queryset.filter(
            Q(title__icontains=value)
            | Q(key__icontains=value)
            | Q(publisher__icontains=value)
            | Q(venue__icontains=value)
            | Exists(by_author)
        )


class CompanyFilterSet(OrderedFilterSet):
    """Companies that published claims are about."""

    q = django_filters.CharFilter(
        label="Name or alias", method="filter_search", max_length=200, widget=forms.SearchInput
    )
    country = django_filters.CharFilter(label="Country", field_name="country", lookup_expr="iexact", max_length=2)

    ordering = [SortKey("name"), SortKey("pk")]

    class Meta:
        model = Company
        fields = []

    @classmethod
    def base_queryset(cls):
        """Every company the public may see: those published claims are about."""
        return Company.objects.public()

    def filter_search(self, queryset, name, value):
        """Companies whose name, slug or an alias contains the text."""
        return queryset.filter(company_search(value))


class TopicFilterSet(OrderedFilterSet):
    """Topics, searched by name or description."""

    q = django_filters.CharFilter(label="Topic", method="filter_search", max_length=200, widget=forms.SearchInput)

    ordering = [SortKey("name"), SortKey("pk")]

    class Meta:
        model = Topic
        fields = []

    @classmethod
    def base_queryset(cls):
        """Every topic the public may see: those with published claims, sub-topics included."""
        return Topic.objects.public()

    def filter_search(self, queryset, name, value):
        """Topics whose name or description contains the text."""
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))
