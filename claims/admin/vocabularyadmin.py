"""Companies and topics: the vocabularies claims are filed under."""

from django.contrib import admin

from claims.admin.listfilters import ScalableAdmin
from claims.models import Company, Topic


@admin.register(Company)
class CompanyAdmin(ScalableAdmin):
    list_display = ["name", "slug", "parent", "country", "wikidata_id"]
    list_select_related = ["parent"]
    list_filter = ["country"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]


@admin.register(Topic)
class TopicAdmin(ScalableAdmin):
    list_display = ["name", "slug", "parent"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
