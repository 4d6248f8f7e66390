"""The FilterSet of the relations list: pairs of public claims that
contradict, support, update or resolve each other, narrowed by the URL.

The relations page, its downloads and /api/relations/ all filter through
RelationFilterSet. A pair matches a company, topic or source when either of
its claims does, with the claim list's meaning (claims/public/filters.py):
?company=alibaba&company=tencent finds pairs in which one claim is about
both. The claim side reads the ids copied into the claim row, never a
many-to-many join, so each pair is one row.
"""

from functools import cached_property

import django_filters
from django import forms
from django.db.models import Q

from claims.models import ClaimRelation, Topic, sources_with_public_claims
from claims.public.filters import OrderedFilterSet, ValueListFilter, companies_named
from claims.scale.pagination import SortKey
from claims.topics import TopicTree

SIDES = ("from_claim", "to_claim")


def either_claim(**lookups):
    """Q for pairs whose from_claim or to_claim matches every lookup, e.g.
    either_claim(company_ids__has_all=[3])."""
    condition = Q()
    for side in SIDES:
        condition |= Q(**{f"{side}__{name}": value for name, value in lookups.items()})
    return condition


class RelationFilterSet(OrderedFilterSet):
    """Public relations, oldest first; each filter may repeat (type: any of
    them; company and topic: all of them, in one of the two claims; source:
    either claim from any of them)."""

    type = django_filters.MultipleChoiceFilter(
        label="Relation",
        field_name="type",
        lookup_expr="exact",
        choices=ClaimRelation.Type.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,  # one relation has one type: no duplicates to remove
    )
    company = ValueListFilter(label="Company", method="filter_companies")
    topic = ValueListFilter(label="Topic", method="filter_topics")
    source = ValueListFilter(label="Source", method="filter_sources")

    ordering = [SortKey("pk")]

    class Meta:
        model = ClaimRelation
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # What each slug filter resolved to: [(value as given, object or None)].
        self.selected = {"company": [], "topic": [], "source": []}

    @classmethod
    def base_queryset(cls):
        """Every relation the public may see, with both claims and their sources
        (for the claims' permalinks): the page's, the downloads' and the API's base."""
        return ClaimRelation.objects.public().select_related("from_claim__source", "to_claim__source")

    @cached_property
    def topic_tree(self):
        return TopicTree.load()

    def filter_companies(self, queryset, name, values):
        """Pairs in which a claim is about every one of the companies (slug, name or alias)."""
        # A company only unpublished claims name is no company to the public:
        # never named back, and (having no public claim) in no public pair.
        companies = {value: c for value, c in companies_named(values).items() if c.is_public}
        self.selected["company"] = [(value, companies.get(value)) for value in values]
        if len(companies) < len(values):
            return queryset.none()
        return queryset.filter(either_claim(company_ids__has_all=[c.pk for c in companies.values()]))

    def filter_topics(self, queryset, name, values):
        """Pairs in which a claim is in every one of the topics (slug or name), sub-topics included."""
        by_name = {topic.name.casefold(): topic for topic in self.topic_tree.topics}
        topics = [self.topic_tree.by_slug.get(value) or by_name.get(value.casefold()) for value in values]
        # As for companies: a topic only unpublished claims have is no topic.
        public = set(Topic.objects.public().values_list("pk", flat=True))
        topics = [topic if topic is not None and topic.pk in public else None for topic in topics]
        self.selected["topic"] = list(zip(values, topics, strict=True))
        if None in topics:
            return queryset.none()
        condition = Q()
        for side in SIDES:
            in_all = Q()
            for topic in topics:
                in_all &= Q(**{f"{side}__topic_ids__has_any": self.topic_tree.subtree_ids(topic)})
            condition |= in_all
        return queryset.filter(condition)

    def filter_sources(self, queryset, name, values):
        """Pairs with a claim from any of the sources, by key or exact title."""
        titled = Q()
        for value in values:
            titled |= Q(title__iexact=value)
        public = sources_with_public_claims().filter(Q(key__in=values) | titled).only("pk", "key", "title")
        found = {}
        for source in public:
            found.setdefault(source.key, source)
            found.setdefault(source.title.casefold(), source)
        sources = [found.get(value) or found.get(value.casefold()) for value in values]
        self.selected["source"] = list(zip(values, sources, strict=True))
        return queryset.filter(either_claim(source_id__in=[s.pk for s in sources if s is not None]))
