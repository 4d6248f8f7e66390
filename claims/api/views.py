"""The read-only JSON API under /api/.

The API filters through the same FilterSets as the HTML lists and the
exports (claims/public/filters.py), pages with the same keyset cursors
(claims/scale/pagination.py) and starts from the same public querysets, so the
three cannot drift apart. An invalid filter is a 400 with the reason; the
OpenAPI 3 schema is at /api/schema/ and browsable docs at /api/docs/.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from claims.api.paging import FilterSetBackend, KeysetPagination
from claims.api.schema import CorpusAutoSchema
from claims.api.serializers import (
    ClaimSerializer,
    CompanySerializer,
    RelationSerializer,
    RetractionNoticeSerializer,
    SourceSerializer,
    TopicSerializer,
)
from claims.models import (
    Claim,
    sources_with_public_claims,
)
from claims.public import retractions
from claims.public.filters import ClaimFilterSet, CompanyFilterSet, SourceFilterSet, TopicFilterSet
from claims.public.relationfilters import RelationFilterSet


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
    """Published claims, filtered like the claim list on the site. A retracted
    claim's detail answers 410 Gone with its retraction notice, as its
    permalink does; it is in no list."""

    serializer_class = ClaimSerializer
    filterset_class = ClaimFilterSet

    def get_queryset(self):
        return Claim.objects.public().for_export().with_related()

    @extend_schema(responses={200: ClaimSerializer, 410: RetractionNoticeSerializer})
    def retrieve(self, request, *args, **kwargs):
        try:
            return super().retrieve(request, *args, **kwargs)
        except (Http404, NotFound):
            pk = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
            claim = retractions.retracted_claims().filter(pk=pk).first() if pk.isdigit() and len(pk) < 19 else None
            if claim is None:
                raise
            notice = retractions.notice_for(claim)
            return Response(RetractionNoticeSerializer(notice, context=self.get_serializer_context()).data, status=410)


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


class RelationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Pairs of published claims that contradict, support, update or resolve
    each other, filtered like the relations page. A list only: a relation
    has no address of its own."""

    schema = CorpusAutoSchema()
    filter_backends = [FilterSetBackend]
    pagination_class = KeysetPagination
    serializer_class = RelationSerializer
    filterset_class = RelationFilterSet

    def get_queryset(self):
        return RelationFilterSet.base_queryset()


router = SimpleRouter()
router.register("claims", ClaimViewSet, basename="claim")
router.register("sources", SourceViewSet, basename="source")
router.register("companies", CompanyViewSet, basename="company")
router.register("topics", TopicViewSet, basename="topic")
router.register("relations", RelationViewSet, basename="relation")
