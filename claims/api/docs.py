"""The API's front door and its docs: /api/ lists the endpoints with the
docs and the schema; /api/docs/ is Swagger UI, served from our own static
files (drf-spectacular-sidecar) and started by a static script, because the
site's Content Security Policy allows no inline script or style."""

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from claims.api.schema import CorpusAutoSchema
from claims.api.views import router


class ApiRootSerializer(serializers.Serializer):
    endpoints = serializers.DictField(
        child=serializers.URLField(), help_text="Each list by name, e.g. claims: its absolute URL."
    )
    docs = serializers.URLField(help_text="The API's docs (Swagger UI): every operation, tried in the browser.")
    schema = serializers.URLField(help_text="The OpenAPI 3 schema: YAML, or JSON with ?format=json.")


class ApiRootView(APIView):
    """The API's endpoints, its docs and its schema."""

    schema = CorpusAutoSchema()

    @extend_schema(responses=ApiRootSerializer, operation_id="api_root", tags=["api"])
    def get(self, request):
        """Every list endpoint, the docs and the schema, as absolute URLs."""
        endpoints = {name: reverse(f"api:{basename}-list", request=request) for name, _, basename in router.registry}
        return Response(
            {
                "endpoints": endpoints,
                "docs": reverse("api:docs", request=request),
                "schema": reverse("api:schema", request=request),
            }
        )


class ApiDocsView(SpectacularSwaggerView):
    """Swagger UI with the init script in a static file and no inline style:
    drf-spectacular's own page has an inline <style>, and its split view
    fetches the script from /api/docs/?script=, a parameter the page cache
    redirects away."""

    template_name = "claims/api/docs.html"
    url_name = "api:schema"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        """Swagger UI's page; the schema is not an operation of itself."""
        response = super().get(request, *args, **kwargs)
        # drf-spectacular loosens the opener policy for OAuth pop-ups; the API
        # has no logins, so the site's own policy stands.
        del response["Cross-Origin-Opener-Policy"]
        return response
