"""The read-only JSON API under /api/.

The API filters through the same FilterSets as the HTML lists and the
exports (claims/public/filters.py), pages with the same keyset cursors
(claims/scale/pagination.py) and starts from the same public querysets, so the
three cannot drift apart. An invalid filter is a 400 with the reason; the
OpenAPI 3 schema is at /api/schema/ and browsable docs at /api/docs/.
"""

from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.routers import SimpleRouter

from claims.api.paging import CorpusAutoSchema, FilterSetBackend, KeysetPagination
from claims.api.serializers import ClaimSerializer, CompanySerializer, SourceSerializer, TopicSerializer
from claims.models import (
    Claim,
    sources_with_public_claims,
)
from claims.public.filters import ClaimFilterSet, CompanyFilterSet, SourceFilterSet, TopicFilterSet


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
        return Claim.objects.public().for_export()


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
        return CompanyFilterSet.base_queryset().with_public_parent()


class TopicViewSet(PublicViewSet):
    """Topics with published claims, sub-topics included."""

    serializer_class = TopicSerializer
    filterset_class = TopicFilterSet
    lookup_field = "slug"
    pagination_class = None

    def get_queryset(self):
        return TopicFilterSet.base_queryset().select_related("parent").order_by("name")


router = SimpleRouter()
router.register("claims", ClaimViewSet, basename="claim")
router.register("sources", SourceViewSet, basename="source")
router.register("companies", CompanyViewSet, basename="company")
router.register("topics", TopicViewSet, basename="topic")
