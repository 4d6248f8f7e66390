"""The read-only JSON API under /api/.

The API filters through the same FilterSets as the HTML lists and the
exports (claims/filters.py), pages with the same keyset cursors
(claims/pagination.py) and starts from the same public querysets, so the
three cannot drift apart. An invalid filter is a 400 with the reason; the
OpenAPI 3 schema is at /api/schema/ and browsable docs at /api/docs/.
"""

from django.http import JsonResponse
from django.urls import path, re_path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema_field
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .exports import claims_for_export
from .filters import (
    ClaimFilterSet,
    CompanyFilterSet,
    SourceFilterSet,
    TopicFilterSet,
    ValueListFilter,
    YearListFilter,
)
from .models import Author, Citation, Claim, Company, Source, Topic, format_partial_date, sources_with_public_claims
from .pagination import InvalidCursor, SortKey, paginate

# Repeatable filters are arrays in the schema: ?company=alibaba&company=tencent.
extend_schema_field({"type": "array", "items": {"type": "string"}})(ValueListFilter)
extend_schema_field({"type": "array", "items": {"type": "integer", "minimum": 1000, "maximum": 9999}})(YearListFilter)

# -- filtering and paging -----------------------------------------------------------------


class FilterSetBackend(DjangoFilterBackend):
    """django-filter's backend, keeping the FilterSet on the view so that the
    pagination follows its order (relevance, period, source date ...)."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        view.filterset = filterset
        return filterset.qs


class KeysetPagination(BasePagination):
    """Pages of ?page_size= rows (at most 500) after or before an opaque cursor:
    as fast on page 1,000 as on page 1."""

    page_size = 50
    max_page_size = 500
    default_ordering = [SortKey("pk", descending=True)]

    def paginate_queryset(self, queryset, request, view=None):
        ordering = getattr(getattr(view, "filterset", None), "ordering", None) or self.default_ordering
        try:
            size = int(request.query_params.get("page_size", self.page_size))
        except ValueError:
            raise ValidationError({"page_size": ["A whole number."]}) from None
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({"page_size": [f"Between 1 and {self.max_page_size}."]})
        try:
            self.page = paginate(
                queryset,
                ordering,
                size,
                after=request.query_params.get("after") or None,
                before=request.query_params.get("before") or None,
            )
        except InvalidCursor as error:
            raise ValidationError({"cursor": [str(error)]}) from None
        self.request = request
        return self.page.rows

    def _link(self, name, cursor):
        if cursor is None:
            return None
        url = remove_query_param(remove_query_param(self.request.build_absolute_uri(), "after"), "before")
        return replace_query_param(url, name, cursor)

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self._link("after", self.page.next_cursor),
                "previous": self._link("before", self.page.previous_cursor),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": name, "in": "query", "required": False, "description": text, "schema": schema}
            for name, text, schema in (
                ("after", "Cursor: the page after this one (from `next`).", {"type": "string"}),
                ("before", "Cursor: the page before this one (from `previous`).", {"type": "string"}),
                (
                    "page_size",
                    f"Rows per page, 1–{self.max_page_size} (default {self.page_size}).",
                    {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
                ),
            )
        ]


ERRORS = {
    "type": "object",
    "description": "What is wrong, by parameter: {parameter: [messages]}.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


class CorpusAutoSchema(AutoSchema):
    """Documents the answers every operation may give besides its result: 400
    for an invalid filter, cursor or page size, 404 for an unknown object."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        responses.setdefault(
            "400", {"content": {"application/json": {"schema": ERRORS}}, "description": "Invalid parameters."}
        )
        if self._is_list_view() is False:
            not_found = {"type": "object", "properties": {"detail": {"type": "string"}}}
            responses.setdefault(
                "404",
                {"content": {"application/json": {"schema": not_found}}, "description": "No such published object."},
            )
        return responses


# -- serializers -------------------------------------------------------------------------


class CitationSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="key", read_only=True)
    unchecked_reason = serializers.SerializerMethodField(
        help_text="Why an editor let the quote stand unchecked (verification 'no_text'); empty otherwise."
    )
    check = serializers.CharField(
        source="public_label", read_only=True, help_text="What was checked, as the claim page says it."
    )

    class Meta:
        model = Citation
        fields = [
            "source",
            "quote",
            "locator",
            "position",
            "prefix",
            "suffix",
            "verification",
            "unchecked_reason",
            "check",
        ]

    def get_unchecked_reason(self, citation) -> str:
        return citation.unchecked_reason if citation.verification == Citation.Verification.NO_TEXT else ""


class ClaimSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The claim's permalink on the site.")
    source = serializers.SlugRelatedField(slug_field="key", read_only=True)
    companies = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    topics = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    period = serializers.CharField(source="period_code", read_only=True, help_text="e.g. 2016, 2020-Q1, 1991/2016")
    value = serializers.DecimalField(max_digits=24, decimal_places=6, coerce_to_string=False, allow_null=True)
    value_max = serializers.DecimalField(max_digits=24, decimal_places=6, coerce_to_string=False, allow_null=True)
    citations = CitationSerializer(many=True, read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "url",
            "source",
            "key",
            "text",
            "kind",
            "period",
            "period_start",
            "period_end",
            "value",
            "value_max",
            "value_qualifier",
            "unit",
            "scale",
            "metric",
            "speaker",
            "notes",
            "companies",
            "topics",
            "citations",
            "published_at",
            "updated_at",
        ]

    def get_url(self, claim) -> str:
        return self.context["request"].build_absolute_uri(claim.get_absolute_url())


class AuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = ["family", "given", "organisation", "role"]


class SourceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The source's page on the site.")
    authors = AuthorSerializer(many=True, read_only=True)
    published = serializers.SerializerMethodField(help_text="As precise as known: YYYY, YYYY-MM or YYYY-MM-DD.")
    link = serializers.URLField(source="url", allow_blank=True, help_text="Where the source was published.")

    class Meta:
        model = Source
        fields = [
            "key",
            "url",
            "kind",
            "title",
            "authors",
            "publisher",
            "venue",
            "volume",
            "issue",
            "pages",
            "published",
            "doi",
            "link",
            "language",
        ]

    def get_url(self, source) -> str:
        return self.context["request"].build_absolute_uri(source.get_absolute_url())

    def get_published(self, source) -> str | None:
        return format_partial_date(source.published, source.published_precision) or None


class CompanySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The company's page on the site.")
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Company
        fields = ["slug", "url", "name", "aliases", "parent", "wikidata_id", "country"]

    def get_url(self, company) -> str:
        return self.context["request"].build_absolute_uri(company.get_absolute_url())


class TopicSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The topic's page on the site.")
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Topic
        fields = ["slug", "url", "name", "parent", "description"]

    def get_url(self, topic) -> str:
        return self.context["request"].build_absolute_uri(topic.get_absolute_url())


# -- views ------------------------------------------------------------------------------


class PublicViewSet(viewsets.ReadOnlyModelViewSet):
    schema = CorpusAutoSchema()
    filter_backends = [FilterSetBackend]
    pagination_class = KeysetPagination
    # Any id, key or slug in the URL reaches the view, which answers a JSON
    # 404 for one that does not exist: the router's default pattern ([^/.]+)
    # would hand "a.b" to the site's HTML 404 instead.
    lookup_value_regex = "[^/]+"

    def get_object(self):
        # No id, key or slug holds a NUL character, and PostgreSQL refuses one in a query.
        if "\x00" in self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""):
            raise NotFound()
        return super().get_object()


class ClaimViewSet(PublicViewSet):
    """Published claims, filtered like the claim list on the site."""

    serializer_class = ClaimSerializer
    filterset_class = ClaimFilterSet

    def get_queryset(self):
        return claims_for_export(Claim.objects.public())


class SourceViewSet(PublicViewSet):
    """Sources that published claims come from or cite."""

    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet
    lookup_field = "key"

    def get_queryset(self):
        return sources_with_public_claims().prefetch_related("authors")


class CompanyViewSet(PublicViewSet):
    """Companies that published claims are about."""

    serializer_class = CompanySerializer
    filterset_class = CompanyFilterSet
    lookup_field = "slug"

    def get_queryset(self):
        return CompanyFilterSet.base_queryset().select_related("parent")


class TopicViewSet(PublicViewSet):
    """Every topic of the taxonomy."""

    serializer_class = TopicSerializer
    filterset_class = TopicFilterSet
    lookup_field = "slug"
    pagination_class = None

    def get_queryset(self):
        return Topic.objects.select_related("parent").order_by("name")


router = SimpleRouter()
router.register("claims", ClaimViewSet, basename="claim")
router.register("sources", SourceViewSet, basename="source")
router.register("companies", CompanyViewSet, basename="company")
router.register("topics", TopicViewSet, basename="topic")


def not_found(request, path=""):
    """Any other path under /api/: a JSON 404, as an API client expects."""
    return JsonResponse({"detail": "Not found."}, status=404)


app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
    re_path(r"^(?P<path>.*)$", not_found),
]
