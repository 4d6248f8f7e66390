"""URL map: the public site at /, the curators' admin at ADMIN_URL."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from .views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/", include("claims.api.urls")),
    path("", include("claims.urls")),
]
