"""Claims: curators write drafts and submit them; editors publish, retract
and send back. Status only ever changes through Claim.submit/publish/retract.

Kept in one module because a ModelAdmin is one class: its forms, buttons,
history view and permissions are hooks Django calls on it. The citation
inline and the list filters it uses are modules of their own.
"""

import re
from contextlib import nullcontext

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from claims import evidence
from claims.admin.citationadmin import CitationInline
from claims.admin.claimform import ClaimAdminForm, PlainDecimalField, metric_suggestions, metric_warnings
from claims.admin.guide import guide_page
from claims.admin.listfilters import CompanyFilter, ScalableAdmin, SourceFilter, TopicFilter
from claims.admin.reading import passage_check, passage_from
from claims.admin.review import ReviewViews, mark_admin_change
from claims.editorial.report import check_claim, company_rows
from claims.models import QUOTE_MAX_LENGTH, Citation, Claim, ClaimRelation, FullText
from claims.quotes import readable
from claims.scale import cache

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
    "retracted_by_id",
    "retracted_at",
]


class ClaimRelationInline(admin.TabularInline):
    model = ClaimRelation
    fk_name = "from_claim"
    extra = 0
    # Found by typing words of its text or its key (ClaimAdmin.search_fields).
    autocomplete_fields = ["to_claim"]
    fields = ["type", "to_claim", "note"]
    verbose_name = "relation to another claim"
    verbose_name_plural = "relations to other claims"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("from_claim__source", "to_claim__source")


class RetractForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept on record and shown with the claim: its permalink then answers with a retraction notice "
        "that gives the claim's words, the date and this reason.",
    )


@admin.register(Claim)
class ClaimAdmin(ReviewViews, ScalableAdmin, SimpleHistoryAdmin):
    change_form_template = "admin/claims/claim/change_form.html"
    form = ClaimAdminForm
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
        "editorial_checks",
    ]
    fieldsets = [
        (None, {"fields": ["source", "key", "text", "kind", "status", "retraction_reason"]}),
        (
            "About",
            {"fields": ["companies", "topics", "period"]},
        ),
        (
            "Figure",
            {
                "fields": [("value", "value_max", "value_qualifier"), ("unit", "scale"), "metric"],
                "classes": ["collapse"],
            },
        ),
        ("Quotation", {"fields": ["speaker"], "classes": ["collapse"]}),
        (
            "Review",
            {
                "fields": [
                    "citations_in_context",
                    "editorial_checks",
                    "accepted_checks",
                    "notes",
                    "workflow",
                    "provenance",
                ]
            },
        ),
    ]
    history_list_display = ["status"]
    # The section of each kind's own fields: open for that kind, folded otherwise.
    KIND_SECTIONS = {"Figure": Claim.Kind.FIGURE, "Quotation": Claim.Kind.QUOTATION}

    def get_fieldsets(self, request, obj=None):
        kind = request.POST.get("kind") or request.GET.get("kind") or (obj.kind if obj is not None else "")
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            if name in self.KIND_SECTIONS:
                folded = self.KIND_SECTIONS[name] != kind
                options = {**options, "classes": ["collapse", f"kind-{self.KIND_SECTIONS[name]}"] if folded else []}
            fieldsets.append((name, options))
        return fieldsets

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("value", "value_max"):
            kwargs["form_class"] = PlainDecimalField
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("companies")

    def get_object(self, request, object_id, from_field=None):
        # The change page shows every citation in context and the workflow:
        # fetch what that needs in a fixed number of queries.
        queryset = (
            self.get_queryset(request)
            .select_related("created_by", "submitted_by", "reviewed_by", "published_by", "retracted_by")
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
        if form.has_changed():
            mark_admin_change(obj)
        # Against the metrics as they were before this save: a label new now is new.
        warnings = metric_warnings(obj, metric_suggestions())
        super().save_model(request, obj, form, change)
        for warning in warnings:
            self.message_user(request, warning, messages.WARNING)

    def save_formset(self, request, form, formset, change):
        claim = form.instance
        if formset.model is not Citation or claim.status == Claim.Status.DRAFT:
            super().save_formset(request, form, formset, change)  # Citation.save() verifies each quote
            return
        # Past draft, only an editor gets here (has_change_permission), and the
        # formset took only verified quotes: the model layer checks both again.
        with evidence.changing_evidence(request.user):
            super().save_formset(request, form, formset, change)
        if formset.new_objects or formset.changed_objects or formset.deleted_objects:
            claim._change_reason = (
                f"evidence changed by {request.user.get_username()}: {len(formset.new_objects)} added, "
                f"{len(formset.changed_objects)} changed, {len(formset.deleted_objects)} removed"
            )[:100]
            claim.save()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        claim = form.instance
        if claim.loaded_at is not None and any(
            f.new_objects or f.changed_objects or f.deleted_objects for f in formsets
        ):
            mark_admin_change(claim)
            Claim.objects.filter(pk=claim.pk).update(admin_changed_at=claim.admin_changed_at)
        if "_use_source_words" in request.POST:
            self.use_source_words(request, form.instance, request.POST["_use_source_words"])

    def use_source_words(self, request, claim, citation_id):
        """Replace a quote that only resembles its source with the source's own words."""
        valid = re.fullmatch(r"[0-9]{1,18}", citation_id)
        citation = claim.citations.filter(pk=int(citation_id)).first() if valid else None
        searchable = FullText.searchable(citation.source_id) if citation else None
        match = searchable.find(citation.quote) if searchable else None
        if match is None or match.status != evidence.FUZZY or not match.passage:
            self.message_user(
                request, "This quote has no near match in the source's text to take the words from.", messages.ERROR
            )
            return
        words = readable(match.passage)
        if claim.citations.filter(source_id=citation.source_id, quote=words).exclude(pk=citation.pk).exists():
            self.message_user(
                request,
                "Another citation of this claim already quotes the source's words here: delete this one instead.",
                messages.ERROR,
            )
            return
        if len(words) > QUOTE_MAX_LENGTH:
            self.message_user(
                request, f"The source's passage is longer than {QUOTE_MAX_LENGTH} characters: trim it.", messages.ERROR
            )
            return
        citation.quote = words
        authority = evidence.changing_evidence(request.user) if claim.status != Claim.Status.DRAFT else nullcontext()
        with authority:
            citation.save()
        self.message_user(
            request, f"The quote now reads as the source does: {citation.get_verification_display()}.", messages.SUCCESS
        )

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
        # Only a quote found in the text has a context; others are shown as
        # typed, marked as not found, never as if the source said them.
        return format_html_join(
            "",
            '<blockquote class="quote-context{}"><p>{}<mark>{}</mark>{}</p>'
            "<footer>{}, {} — <strong>{}</strong>{}</footer></blockquote>",
            (
                (
                    "" if c.is_publishable else " not-in-text",
                    f"…{c.prefix} " if c.prefix else "",
                    c.quote,
                    f" {c.suffix}…" if c.suffix else "",
                    c.source.key,
                    c.locator,
                    c.get_verification_display(),
                    f" ({c.verification_score:.0f}% similar)" if c.verification_score is not None else "",
                )
                for c in citations
            ),
        )

    @admin.display(description="editorial checks")
    def editorial_checks(self, obj):
        if obj is None or obj.pk is None:
            return "Run when the claim is saved."
        # Thousands of companies: their names are read once per corpus version.
        findings = check_claim(obj, companies=cache.for_corpus(("company-names",), company_rows))
        if not findings:
            return "Nothing to flag."
        return format_html(
            '<ul class="editorial-findings">{}</ul>',
            format_html_join(
                "",
                '<li class="finding-{}"><strong>{}</strong> <code>{}</code>{}: {}{}</li>',
                (
                    (
                        f.severity,
                        f.severity,
                        f.check,
                        f" ({f.field})" if f.field else "",
                        f.message,
                        f" — accepted: {f.accepted}" if f.accepted else "",
                    )
                    for f in findings
                ),
            ),
        )

    @admin.display(description="workflow")
    def workflow(self, obj):
        steps = [
            ("created", obj.created_by, obj.created_at),
            ("submitted", obj.submitted_by, obj.submitted_at),
            ("reviewed", obj.reviewed_by, obj.reviewed_at),
            ("published", obj.published_by, obj.published_at),
            ("retracted", obj.retracted_by, obj.retracted_at),
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
            format_html("; edited in the admin on {}", f"{obj.admin_changed_at:%Y-%m-%d %H:%M}")
            if obj.admin_changed_at
            else ""
        )
        return format_html(
            "Loaded from <code>{}</code> (SHA-256 {}…) on {}{}",
            obj.loaded_from,
            obj.loaded_sha256[:12],
            f"{obj.loaded_at:%Y-%m-%d %H:%M}" if obj.loaded_at else "an unrecorded date",
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
                mark_admin_change(claim)
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
        request.reverting_to = version_id
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        version = getattr(request, "reverting_to", None)
        record = Claim.history.filter(history_id=version).first() if version else None
        if record is None:
            return form
        # django-simple-history's revert form shows a claim's tags as they are
        # now: show them as that version had them, so that a revert restores them.
        tags = {
            "companies": [row.company_id for row in record.companies.all()],
            "topics": [row.topic_id for row in record.topics.all()],
        }

        class RevertForm(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                if not self.is_bound:
                    self.initial.update(tags)

        return RevertForm

    # -- a new claim from a passage of the reading page ---------------------

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        adding = obj is None or obj.pk is None
        passage = passage_from(request.GET) if adding and request.method == "GET" else None
        if passage and isinstance(inline, CitationInline):
            kwargs["initial"] = [passage]
        return kwargs

    def add_view(self, request, form_url="", extra_context=None):
        passage = passage_from(request.GET) if request.method == "GET" else None
        if passage:
            self.message_user(request, passage_check(passage), messages.INFO)
        return super().add_view(request, form_url, extra_context)

    def get_urls(self):
        site = self.admin_site
        return [
            path("guide/", site.admin_view(self.guide_view), name="claims_guide"),
            *self.review_urls(),
            *super().get_urls(),
        ]

    def guide_view(self, request):
        return guide_page(request, self.admin_site)

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
        if "_use_source_words" in request.POST:
            return HttpResponseRedirect(request.path)
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
                mark_admin_change(obj)
                obj.save()
                self.message_user(request, f"The claim was {verb}.", messages.SUCCESS)
                return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(
            # Thousands of metrics at scale: rendered once per corpus version.
            metric_datalist=cache.for_corpus(
                ("metric-datalist",),
                lambda: render_to_string(
                    "admin/claims/claim/metric_datalist.html", {"metric_suggestions": metric_suggestions()}
                ),
            ),
            error_summary=error_summary(context["adminform"].form, context["inline_admin_formsets"]),
        )
        context.update(
            can_submit=obj is not None and obj.status == Claim.Status.DRAFT and self.has_submit_permission(request),
            can_publish=obj is not None
            and obj.status in (Claim.Status.DRAFT, Claim.Status.REVIEW)
            and self.has_publish_permission(request),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)


def error_summary(form, inline_formsets):
    """(where, message) for every error on the page, listed at its top: an
    error inside a folded section or a long inline is not missed."""
    found = [
        (form[name].label if name in form.fields else "", message)
        for name, errors in form.errors.items()
        for message in errors
    ]
    for inline in inline_formsets:
        formset = inline.formset
        title = formset.model._meta.verbose_name
        found += [(title, message) for message in formset.non_form_errors()]
        for number, inline_form in enumerate(formset.forms, start=1):
            for name, errors in inline_form.errors.items():
                label = inline_form[name].label if name in inline_form.fields else ""
                found += [(f"{title} {number}" + (f", {label}" if label else ""), message) for message in errors]
    return found
