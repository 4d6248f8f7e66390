"""Sources: their bibliographic record, authors, and the private text every
quote citing them is checked against."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from claims.admin.listfilters import ScalableAdmin
from claims.admin.reading import reading
from claims.ingest import sourcetexts, textextract
from claims.models import Author, Citation, FullText, Source


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
        if obj is not None and obj.claims.permanent().exists():
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
            '{} characters{}; {}{} by {} on {}. SHA-256 <code>{}</code>. <a href="{}">Read it with its claims</a>.',
            f"{held.length:,}",
            pages,
            held.get_origin_display(),
            f" “{held.origin_name}”" if held.origin_name else "",
            held.added_by or "load_corpus",
            f"{held.added_at:%Y-%m-%d %H:%M}",
            held.sha256,
            reverse("admin:claims_source_read", args=[obj.pk]),
        )

    # -- the reading page ------------------------------------------------

    def get_urls(self):
        read = path("<path:object_id>/read/", self.admin_site.admin_view(self.read_view), name="claims_source_read")
        return [read, *super().get_urls()]

    def read_view(self, request, object_id):
        """The source's text with every quote citing it: see claims/admin/reading.py."""
        source = self.get_object(request, unquote(object_id))
        if source is None or not self.has_view_permission(request, source):
            raise Http404("No such source.")
        held = FullText.objects.filter(source=source).only("source", "text", "page_map", "sha256").first()
        context = {
            **self.admin_site.each_context(request),
            "title": f"Read: {source.title}",
            "opts": self.model._meta,
            "source": source,
            "held": held,
        }
        if held is not None:
            citations = list(
                Citation.objects.filter(source=source)
                .select_related("claim")
                .only("id", "quote", "position", "claim", "claim__status", "claim__text", "claim__key")
                .order_by("position", "id")
            )
            context.update(
                reading(source, held.text, held.page_map, citations, held.as_searchable(), request.GET.get("q", ""))
            )
        return TemplateResponse(request, "admin/claims/source/read.html", context)

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
