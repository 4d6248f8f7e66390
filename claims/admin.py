"""The curators' workspace.

Curators (group "Curator") add and edit drafts and submit them for review;
editors (group "Editor") also publish and retract. Status only ever changes
through Claim.submit/publish/retract, called from the actions and buttons
below after a permission check, so no form field — and no crafted POST — can
set it.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import ShowFacets
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from .models import Author, Citation, Claim, ClaimRelation, Company, Source, Topic

# What only Claim.submit/publish/retract change: no form save, not even a revert, touches them.
WORKFLOW_FIELDS = [
    "status",
    "retraction_reason",
    "submitted_by_id",
    "submitted_at",
    "reviewed_by_id",
    "reviewed_at",
    "published_by_id",
    "published_at",
]


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


class AuthorInline(admin.TabularInline):
    model = Author
    extra = 0
    fields = ["position", "family", "given", "organisation", "role"]


@admin.register(Source)
class SourceAdmin(ScalableAdmin):
    list_display = ["title", "key", "kind", "published_display", "publisher"]
    list_filter = ["kind"]
    search_fields = ["key", "title", "publisher", "venue", "doi"]
    prepopulated_fields = {"key": ["title"]}
    inlines = [AuthorInline]
    fieldsets = [
        (None, {"fields": ["key", "kind", "title"]}),
        (
            "Publication",
            {"fields": ["publisher", "venue", ("volume", "issue", "pages"), ("published", "published_precision")]},
        ),
        ("Identifiers", {"fields": ["doi", "url", "accessed", "language", "text_file"]}),
        (None, {"fields": ["notes"]}),
    ]

    @admin.display(description="published", ordering="published")
    def published_display(self, obj):
        return obj.published_display


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


class CitationInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if self.instance.status != Claim.Status.PUBLISHED:
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not kept:
            raise ValidationError("A published claim needs at least one citation.")


class CitationInline(admin.StackedInline):
    model = Citation
    formset = CitationInlineFormSet
    extra = 0
    min_num = 0
    autocomplete_fields = ["source"]
    fields = ["source", "quote", "locator", "verification", "verification_score", "verified_at"]
    readonly_fields = ["verification", "verification_score", "verified_at"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "quote":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3, "cols": 80})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class ClaimRelationInline(admin.TabularInline):
    model = ClaimRelation
    fk_name = "from_claim"
    extra = 0
    raw_id_fields = ["to_claim"]
    fields = ["type", "to_claim", "note"]
    verbose_name = "relation to another claim"


class RetractForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="Kept on record and shown with the claim."
    )


@admin.register(Claim)
class ClaimAdmin(ScalableAdmin, SimpleHistoryAdmin):
    change_form_template = "admin/claims/claim/change_form.html"
    list_display = ["short_text", "kind", "status", "source", "company_list", "period_display", "updated_at"]
    list_filter = ["status", "kind", SourceFilter, CompanyFilter, TopicFilter]
    # Newest first by primary key: an index scan, where the model's ordering
    # by period would sort the whole table on every page.
    ordering = ["-pk"]
    list_select_related = ["source"]
    search_fields = ["text", "key", "metric", "speaker"]
    autocomplete_fields = ["source", "companies", "topics"]
    inlines = [CitationInline, ClaimRelationInline]
    actions = ["submit_for_review", "publish", "retract"]
    readonly_fields = [
        "status",
        "retraction_reason",
        "citations_in_context",
        "workflow",
        "provenance",
    ]
    fieldsets = [
        (None, {"fields": ["source", "key", "text", "kind", "status", "retraction_reason"]}),
        (
            "About",
            {
                "fields": [
                    "companies",
                    "topics",
                    ("period_start", "period_start_precision"),
                    ("period_end", "period_end_precision"),
                ]
            },
        ),
        (
            "Figure",
            {
                "fields": [("value", "value_max", "value_qualifier"), ("unit", "scale"), "metric"],
                "classes": ["collapse"],
            },
        ),
        ("Quotation", {"fields": ["speaker"], "classes": ["collapse"]}),
        ("Review", {"fields": ["citations_in_context", "notes", "workflow", "provenance"]}),
    ]
    history_list_display = ["status"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("companies")

    def get_object(self, request, object_id, from_field=None):
        # The change page shows every citation in context and the workflow:
        # fetch what that needs in a fixed number of queries.
        queryset = (
            self.get_queryset(request)
            .select_related("created_by", "submitted_by", "reviewed_by", "published_by")
            .prefetch_related("citations__source")
        )
        model = queryset.model
        field = model._meta.pk if from_field is None else model._meta.get_field(from_field)
        try:
            object_id = field.to_python(object_id)
            return queryset.get(**{field.name: object_id})
        except (model.DoesNotExist, ValidationError, ValueError):
            return None

    # -- what curators may touch -------------------------------------------

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None and obj.status != Claim.Status.DRAFT:
            # Curators edit drafts only; claims in review or published are the editors'.
            return request.user.has_perm("claims.publish_claim")
        return allowed

    def has_delete_permission(self, request, obj=None):
        # Published claims are retracted, never deleted, so that permalinks keep working.
        if obj is not None and obj.status in (Claim.Status.PUBLISHED, Claim.Status.RETRACTED):
            return False
        return super().has_delete_permission(request, obj)

    def has_submit_permission(self, request):
        return request.user.has_perm("claims.submit_claim")

    def has_publish_permission(self, request):
        return request.user.has_perm("claims.publish_claim")

    def has_retract_permission(self, request):
        return request.user.has_perm("claims.retract_claim")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        else:
            # A revert (django-simple-history) saves an old version, workflow and
            # all: keep the claim's workflow as it is now.
            for name, value in Claim.objects.filter(pk=obj.pk).values(*WORKFLOW_FIELDS).get().items():
                setattr(obj, name, value)
        if obj.loaded_at is not None:
            obj.admin_changed_at = timezone.now()
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        texts = {}
        for instance in instances:
            if isinstance(instance, Citation):
                source = instance.source
                if source.pk not in texts:
                    texts[source.pk] = source.read_text()
                instance.verify(texts[source.pk])
            instance.save()
        formset.save_m2m()

    # -- read-only panels ------------------------------------------------

    @admin.display(description="claim")
    def short_text(self, obj):
        return str(obj)

    @admin.display(description="companies")
    def company_list(self, obj):
        return ", ".join(c.name for c in obj.companies.all())

    @admin.display(description="period", ordering="period_start")
    def period_display(self, obj):
        return obj.period_display

    @admin.display(description="quotes in context")
    def citations_in_context(self, obj):
        if obj.pk is None:
            return "—"
        citations = list(obj.citations.all())
        if not citations:
            return "No citations yet."
        return format_html_join(
            "",
            '<blockquote class="quote-context"><p>…{} <mark>{}</mark> {}…</p>'
            "<footer>{}, {} — <strong>{}</strong>{}</footer></blockquote>",
            (
                (
                    c.prefix,
                    c.quote,
                    c.suffix,
                    c.source.key,
                    c.locator,
                    c.get_verification_display(),
                    f" ({c.verification_score:.0f})" if c.verification_score is not None else "",
                )
                for c in citations
            ),
        )

    @admin.display(description="workflow")
    def workflow(self, obj):
        steps = [
            ("created", obj.created_by, obj.created_at),
            ("submitted", obj.submitted_by, obj.submitted_at),
            ("reviewed", obj.reviewed_by, obj.reviewed_at),
            ("published", obj.published_by, obj.published_at),
        ]
        return (
            format_html_join(
                "",
                "<div>{}: {} {}</div>",
                (
                    (label, user or "—", f"on {when:%Y-%m-%d %H:%M}" if when else "")
                    for label, user, when in steps
                    if when
                ),
            )
            or "—"
        )

    @admin.display(description="provenance")
    def provenance(self, obj):
        if not obj.loaded_from:
            return "Made in the admin."
        edited = (
            format_html("; edited in the admin on {:%Y-%m-%d %H:%M}", obj.admin_changed_at)
            if obj.admin_changed_at
            else ""
        )
        return format_html(
            "Loaded from <code>{}</code> (SHA-256 {}…) on {:%Y-%m-%d %H:%M}{}",
            obj.loaded_from,
            obj.loaded_sha256[:12],
            obj.loaded_at,
            edited,
        )

    # -- workflow actions ------------------------------------------------

    def _transition(self, request, queryset, verb, apply):
        done, failed = 0, []
        with transaction.atomic():
            for claim in queryset.select_for_update():
                try:
                    apply(claim)
                except (ValidationError, PermissionError) as error:
                    failed.append(f"“{claim}”: {' '.join(getattr(error, 'messages', [str(error)]))}")
                    continue
                claim.save()
                done += 1
        if done:
            self.message_user(request, f"{done} claim(s) {verb}.", messages.SUCCESS)
        for message in failed:
            self.message_user(request, f"Not {verb}: {message}", messages.ERROR)

    @admin.action(description="Submit selected claims for review", permissions=["submit"])
    def submit_for_review(self, request, queryset):
        self._transition(request, queryset, "submitted for review", lambda c: c.submit(request.user))

    @admin.action(description="Publish selected claims", permissions=["publish"])
    def publish(self, request, queryset):
        self._transition(request, queryset, "published", lambda c: c.publish(request.user))

    @admin.action(description="Retract selected claims…", permissions=["retract"])
    def retract(self, request, queryset):
        form = RetractForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self._transition(request, queryset, "retracted", lambda c: c.retract(request.user, reason))
            return None
        return TemplateResponse(
            request,
            "admin/claims/claim/retract.html",
            {
                **self.admin_site.each_context(request),
                "title": "Retract claims",
                "claims": queryset,
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # django-simple-history lets anyone who may view a claim revert it;
        # reverting changes the claim, so it takes permission to change it as it is now.
        if request.method == "POST":
            claim = self.get_object(request, unquote(object_id))
            if claim is None or not self.has_change_permission(request, claim):
                raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    # Buttons on the change page: "Save and submit for review", "Save and publish".
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Refuse a transition the user may not make before anything is saved.
        if request.method == "POST" and (
            ("_submit" in request.POST and not self.has_submit_permission(request))
            or ("_publish" in request.POST and not self.has_publish_permission(request))
        ):
            raise PermissionDenied
        return super().changeform_view(request, object_id, form_url, extra_context)

    def response_change(self, request, obj):
        for key, permitted, apply, verb in (
            ("_submit", self.has_submit_permission, lambda: obj.submit(request.user), "submitted for review"),
            ("_publish", self.has_publish_permission, lambda: obj.publish(request.user), "published"),
        ):
            if key in request.POST and permitted(request):
                try:
                    apply()
                except (ValidationError, PermissionError) as error:
                    self.message_user(request, " ".join(getattr(error, "messages", [str(error)])), messages.ERROR)
                    return HttpResponseRedirect(request.path)
                obj.save()
                self.message_user(request, f"The claim was {verb}.", messages.SUCCESS)
                return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(
            can_submit=obj is not None and obj.status == Claim.Status.DRAFT and self.has_submit_permission(request),
            can_publish=obj is not None
            and obj.status in (Claim.Status.DRAFT, Claim.Status.REVIEW)
            and self.has_publish_permission(request),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(Citation)
class CitationAdmin(ScalableAdmin):
    """Citations are edited inline on their claim; this list is for finding them."""

    list_display = ["quote", "source", "locator", "verification", "claim"]
    list_filter = ["verification"]
    list_select_related = ["source", "claim"]
    search_fields = ["quote", "locator"]
    autocomplete_fields = ["source"]
    raw_id_fields = ["claim"]
    readonly_fields = ["position", "prefix", "suffix", "verification", "verification_score", "verified_at"]
