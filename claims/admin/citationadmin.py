"""Citations, edited inline on their claim: each quote checked against its
source's text as it is saved, with the source's own words beside a quote
that differs."""

import difflib

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from claims import evidence
from claims.admin.listfilters import ScalableAdmin
from claims.models import Citation, Claim, FullText
from claims.quotes import readable


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
            if form.cleaned_data.get("source") is None and form.cleaned_data.get("quote"):
                # A new citation's source is the claim's own unless another is picked.
                own = self.instance.source if self.instance.source_id else None
                form.cleaned_data["source"] = form.instance.source = own
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

    def get_extra(self, request, obj=None, **kwargs):
        # A passage brought from the reading page fills the first citation in.
        if obj is None and request.method == "GET" and request.GET.get("quote"):
            return 1
        return self.extra

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
        if db_field.name == "source":
            field.required = False
            field.help_text = "Leave empty for the claim's own source; pick another only for a quote from it."
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
            read = format_html(
                ' <a href="{}#citation-{}">Read it in the source</a>.',
                reverse("admin:claims_source_read", args=[obj.source_id]),
                obj.pk,
            )
            return format_html("{}: {}{}.{}{}", status, obj.public_label, text_provenance(obj), page, read)
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
