"""Retraction notices: what a retracted claim's permalink answers.

A journal keeps a retracted article where it was, marked "retracted", with
the date and the reason, so that a reader who follows an old citation
learns what happened. So does the corpus: a retracted claim's permalink (and
its old address by id) answers 410 Gone with the claim's words under a
"Retracted" banner, when and why it was retracted, and the published claims
that update it. This page is the one place a retracted claim's words
appear; it shows none of its evidence (quotes, locators, checks), which no
longer backs anything. Drafts and claims in review have no address: 404.
"""

from dataclasses import dataclass, field

from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from claims.models import Claim, ClaimRelation, sources_with_public_claims


@dataclass
class RetractionNotice:
    """What the public is told about a retracted claim, on the page and in the API."""

    claim: Claim
    retracted_at: object  # a datetime, or None when it was never recorded
    reason: str
    updated_by: list = field(default_factory=list)  # published claims that update it, sources selected
    source_is_public: bool = False  # whether the claim's source has a public page to link to


def retracted_claims():
    """Claims answering with a notice, with what the notice reads."""
    return Claim.objects.filter(status=Claim.Status.RETRACTED).select_related("source")


def retraction_date(claim):
    """When the claim was retracted: retracted_at, recorded by Claim.retract();
    for claims retracted before that was recorded, the first retracted
    version in the claim's history after its last other version; None when
    the history does not say (a claim loaded already retracted)."""
    if claim.retracted_at is not None:
        return claim.retracted_at
    history = claim.history.order_by("-history_date", "-history_id")
    before = history.exclude(status=Claim.Status.RETRACTED).values_list("history_date", flat=True).first()
    if before is None:
        return None
    return (
        history.filter(status=Claim.Status.RETRACTED, history_date__gte=before)
        .order_by("history_date", "history_id")
        .values_list("history_date", flat=True)
        .first()
    )


def updated_by(claim):
    """Published claims that update this one (ClaimRelation "updates" pointing at it), oldest first."""
    relations = (
        ClaimRelation.objects.filter(
            to_claim=claim, type=ClaimRelation.Type.UPDATES, from_claim__status=Claim.Status.PUBLISHED
        )
        .select_related("from_claim__source")
        .order_by("from_claim_id")
    )
    return [relation.from_claim for relation in relations]


def notice_for(claim):
    """The retraction notice of a retracted claim (its source selected), in a fixed number of queries."""
    return RetractionNotice(
        claim=claim,
        retracted_at=retraction_date(claim),
        reason=claim.retraction_reason,
        updated_by=updated_by(claim),
        source_is_public=sources_with_public_claims().filter(pk=claim.source_id).exists(),
    )


def notice_response(request, claim):
    """The notice page, 410 Gone: the claim was here and is withdrawn, for good."""
    context = {"notice": notice_for(claim), "claim": claim, "section": "claims"}
    return TemplateResponse(request, "claims/claim_retracted.html", context, status=410)


@require_safe
def claim_by_id(request, pk):
    """The old address, /claims/<id>/: a published claim's permalink (301),
    a retracted claim's notice (410), anything else not found: a draft's id
    must not reveal its keys."""
    claim = get_object_or_404(Claim.objects.permanent().select_related("source"), pk=pk)
    if claim.status == Claim.Status.RETRACTED:
        return notice_response(request, claim)
    return HttpResponsePermanentRedirect(claim.get_absolute_url())


def retracted_or_404(source_key, claim_key):
    """The retracted claim at this permalink, or Http404."""
    try:
        return retracted_claims().get(source__key=source_key, key=claim_key)
    except Claim.DoesNotExist:
        raise Http404("No claim at this address.") from None
