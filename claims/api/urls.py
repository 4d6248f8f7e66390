"""The API's URLs: /api/ (the endpoints), /api/claims/, /api/sources/, …, the schema and its docs."""

from django.http import JsonResponse
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from claims.api.docs import ApiDocsView, ApiRootView
from claims.api.views import router


def not_found(request, path=""):
    """Any other path under /api/: a JSON 404, as an API client expects."""
    return JsonResponse({"detail": "Not found."}, status=404)


app_name = "api"
urlpatterns = [
    path("", ApiRootView.as_view(), name="root"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(), name="docs"),
    *router.urls,
    re_path(r"^(?P<path>.+)$", not_found),
]
