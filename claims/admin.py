"""The curators' workspace.

Curators (group "Curator") add and edit drafts and submit them for review;
editors (group "Editor") also publish and retract. Status only ever changes
through Claim.submit/publish/retract, called from the actions and buttons
below after a permission check, so no form field — and no crafted POST — can
set it.
"""

import difflib
import re
from contextlib import nullcontext

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import ShowFacets
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from claims import evidence
from claims.ingest import sourcetexts, textextract
from claims.models import QUOTE_MAX_LENGTH, Author, Citation, Claim, ClaimRelation, Company, FullText, Source, Topic
from claims.quotes import readable

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


def first_page(pages):
    """The first printed page of a range such as '779–788', or None."""
    digits = pages.replace("–", "-").split("-", 1)[0].strip()
    return int(digits) if digits.isdigit() else None


class SourceAdminForm(forms.ModelForm):
    """A source, and optionally its full text: an uploaded file or a paste.

    The text is read and checked here, in clean(), so that a bad file, or a
    text that would unverify a published claim's quote, changes nothing."""

    text_upload = forms.FileField(
        required=False,
        allow_empty_file=True,  # refused by textextract, with a message that names the file
        label="Upload its text",
        help_text=f"A .txt (UTF-8), .pdf (with a text layer; its page numbers become the page map) or .html file, "
        f"at most {textextract.MAX_UPLOAD_BYTES // (1024 * 1024)} MB. Replaces any text the source has, and "
        "verifies every quote citing the source again.",
    )
    text_paste = forms.CharField(
        required=False,
        label="or paste its text",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="The plain text of the whole source, when there is no file to upload.",
    )

    # Set per request by SourceAdmin.get_form(): replacing a text that quotes
    # were checked against is an editor's decision.
    may_replace_text = False

    class Meta:
        model = Source
        fields = [
            "key",
            "kind",
            "title",
            "publisher",
            "venue",
            "volume",
            "issue",
            "pages",
            "published",
            "published_precision",
            "doi",
            "url",
            "accessed",
            "language",
            "unchecked_reason",
            "notes",
        ]

    def clean(self):
        cleaned = super().clean()
        upload, paste = cleaned.get("text_upload"), cleaned.get("text_paste", "")
        self.extracted = self.text_origin = None
        if upload and paste.strip():
            raise ValidationError("Upload a file or paste a text, not both.")
        try:
            if upload:
                textextract.refuse_oversized(upload.name, upload.size)
                self.extracted = textextract.extract(
                    upload.name, upload.read(), first_page=first_page(cleaned.get("pages") or "")
                )
                self.text_origin = (FullText.Origin.UPLOAD, upload.name)
            elif paste.strip():
                self.extracted = textextract.from_paste(paste)
                self.text_origin = (FullText.Origin.PASTE, "")
        except textextract.TextRejected as error:
            self.add_error("text_upload" if upload else "text_paste", str(error))
            return cleaned
        if self.extracted is not None and not self.may_replace_text and hasattr(self.instance, "fulltext"):
            self.add_error(
                "text_upload" if upload else "text_paste",
                "This source has a text already, and its quotes were checked against it: only an editor can "
                "replace it. Nothing was changed.",
            )
            return cleaned
        if self.extracted is not None and self.instance.pk is not None:
            refused = sourcetexts.check_text(self.instance, self.extracted.text, self.extracted.page_map)
            if refused:
                self.add_error(
                    "text_upload" if upload else "text_paste",
                    "This text would leave published claims citing quotes it does not hold: "
                    + "; ".join(refused)
                    + ". Nothing was changed.",
                )
        return cleaned


@admin.register(Source)
class SourceAdmin(ScalableAdmin, SimpleHistoryAdmin):
    form = SourceAdminForm
    list_display = ["title", "key", "kind", "published_display", "publisher", "has_text"]
    list_filter = ["kind"]
    list_select_related = ["fulltext"]
    search_fields = ["key", "title", "publisher", "venue", "doi"]
    prepopulated_fields = {"key": ["title"]}
    inlines = [AuthorInline]
    fieldsets = [
        (None, {"fields": ["key", "kind", "title"]}),
        (
            "Publication",
            {"fields": ["publisher", "venue", ("volume", "issue", "pages"), ("published", "published_precision")]},
        ),
        ("Identifiers", {"fields": ["doi", "url", "accessed", "language"]}),
        (
            "Text (held privately, to verify quotes; never shown publicly)",
            {"fields": ["text_status", "text_upload", "text_paste", "text_file", "unchecked_reason"]},
        ),
        (None, {"fields": ["notes"]}),
    ]

    def get_queryset(self, request):
        # The change list shows whether each source has a text: never load the texts themselves.
        return super().get_queryset(request).defer("fulltext__text")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.may_replace_text = request.user.has_perm("claims.publish_claim")
        return form

    def get_prepopulated_fields(self, request, obj=None):
        return {} if "key" in self.get_readonly_fields(request, obj) else super().get_prepopulated_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["text_status", "text_file"]
        if obj is not None and obj.claims.public().exists():
            readonly.append("key")  # fixture files and permalinks find the source by it (Source.refuse_key_change)
        if not request.user.has_perm("claims.publish_claim"):
            readonly.append("unchecked_reason")  # publishing quotes unchecked is an editor's decision
        return readonly

    @admin.display(description="published", ordering="published")
    def published_display(self, obj):
        return obj.published_display

    @admin.display(description="text", boolean=True)
    def has_text(self, obj):
        return hasattr(obj, "fulltext")

    @admin.display(description="text held")
    def text_status(self, obj):
        texts = FullText.objects.filter(source=obj).defer("text").select_related("added_by")
        held = texts.annotate(length=models.functions.Length("text")).first() if obj.pk else None
        if held is None:
            return "None: quotes of this source cannot be checked, and cannot be published unless an editor says why."
        pages = f", {len(held.page_map)} pages ({held.page_map[0][1]}–{held.page_map[-1][1]})" if held.page_map else ""
        return format_html(
            "{} characters{}; {}{} by {} on {}. SHA-256 <code>{}</code>",
            f"{held.length:,}",
            pages,
            held.get_origin_display(),
            f" “{held.origin_name}”" if held.origin_name else "",
            held.added_by or "load_corpus",
            f"{held.added_at:%Y-%m-%d %H:%M}",
            held.sha256,
        )

    def save_model(self, request, obj, form, change):
        # Its text is not part of the fixture record: only the record's fields count as an edit.
        if change and set(form.changed_data) - {"text_upload", "text_paste"}:
            obj.admin_changed_at = timezone.now()
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and any(f.new_objects or f.changed_objects or f.deleted_objects for f in formsets):
            Source.objects.filter(pk=form.instance.pk).update(admin_changed_at=timezone.now())
        if form.extracted is None:
            return
        origin, name = form.text_origin
        result = sourcetexts.set_text(
            form.instance,
            form.extracted.text,
            origin=origin,
            origin_name=name,
            page_map=form.extracted.page_map,
            user=request.user,
        )
        self.message_user(request, f"Text stored. {result.summary()}", messages.SUCCESS)
        for citation, before, after in result.changed:
            level = messages.SUCCESS if citation.is_publishable else messages.WARNING
            self.message_user(
                request,
                f"“{citation.claim}” ({citation.claim.get_status_display()}): quote “{citation.quote}” "
                f"was {Citation.Verification(before).label}, is now {Citation.Verification(after).label}.",
                level,
            )
        for citation in result.page_disagreements:
            self.message_user(
                request,
                f"“{citation.claim}”: locator “{citation.locator}”, but the text puts the quote on p. {citation.page}.",
                messages.WARNING,
            )


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
    """Each quote is checked against its source's text before anything is
    saved: a blank locator is filled in from the page map, and a claim past
    draft (only editors can change one) takes only verified quotes."""

    def clean(self):
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        past_draft = self.instance.pk is not None and self.instance.status != Claim.Status.DRAFT
        if self.instance.status == Claim.Status.PUBLISHED and not kept:
            raise ValidationError("A published claim needs at least one citation.")
        texts = {}
        for form in kept:
            source, quote = form.cleaned_data.get("source"), form.cleaned_data.get("quote")
            if source is None or not quote:
                continue
            if source.pk not in texts:
                texts[source.pk] = FullText.searchable(source.pk)
            probe = Citation(
                source=source,
                quote=quote,
                locator=form.cleaned_data.get("locator") or "",
                unchecked_reason=form.cleaned_data.get("unchecked_reason", form.instance.unchecked_reason) or "",
            )
            probe.verify(texts[source.pk])
            if not probe.locator.strip():
                form.add_error("locator", "Say where in the source: 'p. 781', 'section: Alibaba' or 'para. 4'.")
            else:
                form.instance.locator = form.cleaned_data["locator"] = probe.locator
            if past_draft and form.has_changed() and not probe.is_publishable:
                form.add_error("quote", f"A claim past draft takes only checked quotes: {probe.blocking_reason}.")


class CitationInline(admin.StackedInline):
    model = Citation
    formset = CitationInlineFormSet
    extra = 0
    min_num = 0
    autocomplete_fields = ["source"]
    fields = ["source", "quote", "locator", "checked", "unchecked_reason"]

    def get_queryset(self, request):
        # The check panel compares fuzzy quotes with their source's text and says
        # who supplied that text: one query for all.
        return super().get_queryset(request).select_related("source__fulltext__added_by")

    def get_readonly_fields(self, request, obj=None):
        if request.user.has_perm("claims.publish_claim"):
            return ["checked"]
        return ["checked", "unchecked_reason"]  # publishing a quote unchecked is an editor's decision

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "quote":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3, "cols": 80})
        if db_field.name == "unchecked_reason":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 2, "cols": 80})
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "locator":
            field.required = False  # filled in from the page map when the source text has one
        return field

    @admin.display(description="check against the source")
    def checked(self, obj):
        if obj is None or obj.pk is None:
            return "Checked when saved."
        status = format_html("<strong>{}</strong>", obj.get_verification_display())
        if obj.is_publishable:
            page = (
                format_html(
                    ' <span class="evidence-warning">The locator names another page: the text puts the quote on '
                    "p. {}.</span>",
                    obj.page,
                )
                if obj.page_disagrees
                else ""
            )
            return format_html("{}: {}{}.{}", status, obj.public_label, text_provenance(obj), page)
        if obj.verification == Citation.Verification.NO_TEXT:
            return format_html(
                '{}: {}. <a href="{}">Give the source its text</a>.',
                status,
                obj.blocking_reason,
                reverse("admin:claims_source_change", args=[obj.source_id]),
            )
        return format_html("{}: {}.{}", status, obj.blocking_reason, source_words(obj))


def text_provenance(citation):
    """Whose text a quote was checked against: a curator supplies a source's
    text, so the editor who publishes sees where it came from."""
    held = getattr(citation.source, "fulltext", None)
    if held is None:
        return ""
    name = f" “{held.origin_name}”" if held.origin_name else ""
    return format_html(
        " ({}{} by {} on {})",
        held.get_origin_display(),
        name,
        held.added_by or "load_corpus",
        f"{held.added_at:%Y-%m-%d}",
    )


def word_diff(typed, actual):
    """The two texts as HTML with the words that differ marked: deleted from
    the typed quote, inserted in the source's passage."""
    a, b = typed.split(), actual.split()
    typed_html, actual_html = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        left, right = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        if op == "equal":
            typed_html.append(format_html("{}", left))
            actual_html.append(format_html("{}", right))
            continue
        if left:
            typed_html.append(format_html("<del>{}</del>", left))
        if right:
            actual_html.append(format_html("<ins>{}</ins>", right))
    return format_html_join(" ", "{}", ((p,) for p in typed_html)), format_html_join(
        " ", "{}", ((p,) for p in actual_html)
    )


def source_words(citation):
    """For a quote that is not in its source's text: the nearest passage
    beside it, the differences marked, and a button that takes the source's words."""
    held = getattr(citation.source, "fulltext", None)
    if held is None:
        return ""
    match = held.as_searchable().find(citation.quote)
    if not match.passage:
        return " No passage of the source resembles it."
    typed, actual = word_diff(citation.quote, readable(match.passage))
    where = f", p. {match.page}" if match.page else ""
    if match.status != evidence.FUZZY:
        # Too unlike to be the same words mistyped: show it, offer nothing.
        return format_html(
            '<div class="source-words"><p>The nearest passage ({}% similar{}) is: <q>{}</q></p></div>',
            f"{match.score:.0f}",
            where,
            readable(match.passage),
        )
    return format_html(
        '<div class="source-words"><p>You typed: <q>{}</q></p><p>The source says ({}% similar{}): <q>{}</q></p>'
        '<button type="submit" class="button" name="_use_source_words" value="{}">'
        "Use the source’s words</button></div>",
        typed,
        f"{match.score:.0f}",
        where,
        actual,
        citation.pk,
    )


def mark_admin_change(claim):
    """A loaded claim changed in the admin (its content, evidence or workflow):
    the next load_corpus of its file refuses to overwrite it unasked."""
    if claim.loaded_at is not None:
        claim.admin_changed_at = timezone.now()


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
        if form.has_changed():
            mark_admin_change(obj)
        super().save_model(request, obj, form, change)

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
            format_html("; edited in the admin on {}", f"{obj.admin_changed_at:%Y-%m-%d %H:%M}")
            if obj.admin_changed_at
            else ""
        )
        return format_html(
            "Loaded from <code>{}</code> (SHA-256 {}…) on {}{}",
            obj.loaded_from,
            obj.loaded_sha256[:12],
            f"{obj.loaded_at:%Y-%m-%d %H:%M}",
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
            can_submit=obj is not None and obj.status == Claim.Status.DRAFT and self.has_submit_permission(request),
            can_publish=obj is not None
            and obj.status in (Claim.Status.DRAFT, Claim.Status.REVIEW)
            and self.has_publish_permission(request),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(Citation)
class CitationAdmin(ScalableAdmin):
    """Citations are edited inline on their claim, where the workflow rules
    apply; this list is for finding them, and changes nothing."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    list_display = ["quote", "source", "locator", "verification", "claim"]
    list_filter = ["verification"]
    list_select_related = ["source", "claim"]
    search_fields = ["quote", "locator"]
    autocomplete_fields = ["source"]
    raw_id_fields = ["claim"]
    readonly_fields = ["position", "prefix", "suffix", "verification", "verification_score", "verified_at"]
