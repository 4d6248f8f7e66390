"""The editors' review: a queue of the claims in review, oldest first, and a
page per claim with each quote in its source's words around it, the figure,
and what other sources give for the same metric; from there the editor
publishes, sends the claim back to its curator with a note, or edits it.

Both pages run a fixed number of queries, however many claims or quotes."""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from claims.models import Citation, Claim, FullText

# Characters of the source shown on each side of a quote.
CONTEXT_CHARS = 200
# Claims listed in the queue; the rest are counted.
QUEUE_SIZE = 200
# Figures of other sources shown beside a figure.
OTHER_FIGURES = 20


def mark_admin_change(claim):
    """A loaded claim changed in the admin (its content, evidence or workflow):
    the next load_corpus of its file refuses to overwrite it unasked."""
    if claim.loaded_at is not None:
        claim.admin_changed_at = timezone.now()


class SendBackForm(forms.Form):
    note = forms.CharField(
        label="Note to the curator",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=2000,
        help_text="What to change before it can be published. The curator sees it on the claim; it stays in history.",
    )


def quote_in_context(citation, texts):
    """(before, passage, after) of a quote found in its source's text, else None."""
    text = texts.get(citation.source_id)
    if text is None or citation.position is None:
        return None
    start = citation.position
    end = start + len(citation.quote)
    if text[start:end] != citation.quote:  # matched after normalisation: the searchable text knows its end
        held = FullText(source_id=citation.source_id, text=text)
        match = held.as_searchable().find(citation.quote)
        if match is None or match.start != start:
            return None
        end = match.end
    return text[max(0, start - CONTEXT_CHARS) : start], text[start:end], text[end : end + CONTEXT_CHARS]


class ReviewViews:
    """The review queue and review page, mixed into ClaimAdmin."""

    def review_urls(self):
        site = self.admin_site
        return [
            path("review/", site.admin_view(self.review_queue_view), name="claims_claim_review_queue"),
            path("<path:object_id>/review/", site.admin_view(self.review_view), name="claims_claim_review"),
        ]

    def review_queue_view(self, request):
        if not self.has_publish_permission(request):
            raise PermissionDenied
        waiting = Claim.objects.filter(status=Claim.Status.REVIEW)
        claims = list(waiting.select_related("source", "submitted_by").order_by("submitted_at", "pk")[:QUEUE_SIZE])
        total = waiting.count()
        context = {
            **self.admin_site.each_context(request),
            "title": "Claims waiting for review",
            "opts": self.model._meta,
            "claims": claims,
            "total": total,
        }
        return TemplateResponse(request, "admin/claims/claim/review_queue.html", context)

    def review_view(self, request, object_id):
        if not self.has_publish_permission(request):
            raise PermissionDenied
        claim = (
            Claim.objects.select_related("source", "submitted_by", "reviewed_by", "created_by")
            .filter(pk=unquote(object_id) if str(object_id).isdigit() else None)
            .first()
        )
        if claim is None:
            raise Http404("No such claim.")
        form = SendBackForm(request.POST if "_send_back" in request.POST else None)
        if request.method == "POST":
            done = self.review_action(request, claim, form)
            if done:
                return HttpResponseRedirect(reverse("admin:claims_claim_review_queue"))
        citations = list(Citation.objects.filter(claim=claim).select_related("source").order_by("id"))
        texts = dict(
            FullText.objects.filter(source_id__in={c.source_id for c in citations}).values_list("source_id", "text")
        )
        others = []
        if claim.kind == Claim.Kind.FIGURE and claim.metric:
            others = list(
                Claim.objects.public()
                .filter(kind=Claim.Kind.FIGURE, metric=claim.metric)
                .exclude(source_id=claim.source_id)
                .select_related("source")
                .order_by("period_start", "pk")[:OTHER_FIGURES]
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Review: {claim.text[:80]}",
            "opts": self.model._meta,
            "claim": claim,
            "quotes": [(c, quote_in_context(c, texts)) for c in citations],
            "others": others,
            "form": form,
            "in_review": claim.status == Claim.Status.REVIEW,
        }
        return TemplateResponse(request, "admin/claims/claim/review.html", context)

    def review_action(self, request, claim, form):
        """Publish, or send back with the form's note; True when it was done."""
        if "_publish" in request.POST:
            apply, verb = (lambda c: c.publish(request.user)), "published"
        elif "_send_back" in request.POST and form.is_valid():
            note = form.cleaned_data["note"]
            apply, verb = (lambda c: c.send_back(request.user, note)), "sent back to its curator"
        else:
            return False
        with transaction.atomic():
            locked = Claim.objects.select_for_update().get(pk=claim.pk)
            try:
                apply(locked)
            except (ValidationError, PermissionError) as error:
                self.message_user(request, " ".join(getattr(error, "messages", [str(error)])), messages.ERROR)
                return False
            mark_admin_change(locked)
            locked._change_reason = f"{verb}: {locked.review_note}"[:100] if locked.review_note else verb
            locked.save()
        self.message_user(request, f"“{locked}” was {verb}.", messages.SUCCESS)
        return True
