"""What every admin list of this app shares at a million rows: no full
count, and filters that take a typed key instead of listing every value."""

from django.contrib import admin
from django.contrib.admin.options import ShowFacets
from django.db.models import Exists, OuterRef

from claims.models import Claim


class ScalableAdmin(admin.ModelAdmin):
    """Changelists that stay fast on large tables: no full COUNT(*) of the
    table beside the filtered count, and no facet counts."""

    show_full_result_count = False
    show_facets = ShowFacets.NEVER
    list_per_page = 50


class KeyInputFilter(admin.SimpleListFilter):
    """A list filter typed as a key (a company slug, a source key) instead of a
    list of every company or source: with 5,000 companies and 10,000 sources a
    list of links would be a page of its own, and a "related only" list costs
    a SELECT DISTINCT over the whole claims table on every request."""

    template = "admin/claims/key_input_filter.html"
    placeholder = ""

    def lookups(self, request, model_admin):
        return [("", "")]  # never empty, or Django hides the filter

    def choices(self, changelist):
        yield {
            "value": self.value() or "",
            "placeholder": self.placeholder,
            "clear_url": changelist.get_query_string(remove=[self.parameter_name]),
            "hidden": [
                (name, value)
                for name, values in changelist.get_filters_params().items()
                if name != self.parameter_name
                for value in (values if isinstance(values, list) else [values])
            ],
        }


class SourceFilter(KeyInputFilter):
    title = "source"
    parameter_name = "source"
    placeholder = "source key"

    def queryset(self, request, queryset):
        return queryset.filter(source__key=self.value().strip()) if self.value() else queryset


class CompanyFilter(KeyInputFilter):
    title = "company"
    parameter_name = "company"
    placeholder = "company slug"

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        tagged = Claim.companies.through.objects.filter(claim_id=OuterRef("pk"), company__slug=self.value().strip())
        return queryset.filter(Exists(tagged))


class TopicFilter(KeyInputFilter):
    title = "topic"
    parameter_name = "topic"
    placeholder = "topic slug"

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        tagged = Claim.topics.through.objects.filter(claim_id=OuterRef("pk"), topic__slug=self.value().strip())
        return queryset.filter(Exists(tagged))
