"""What the admin's home page tells curators and editors: the claims sent
back to a curator with their notes, and how many claims wait for review."""

from django import template

from claims.models import Claim

register = template.Library()

# Sent-back claims listed on a curator's home page.
SENT_BACK_SHOWN = 50


@register.simple_tag
def sent_back_to(user):
    """The drafts an editor sent back to this curator, newest note first."""
    return list(
        Claim.objects.filter(status=Claim.Status.DRAFT, submitted_by=user)
        .exclude(review_note="")
        .select_related("reviewed_by")
        .order_by("-reviewed_at", "-pk")[:SENT_BACK_SHOWN]
    )


@register.simple_tag
def waiting_for_review(user):
    """How many claims wait for an editor; None for a user who cannot publish."""
    if not user.has_perm("claims.publish_claim"):
        return None
    return Claim.objects.filter(status=Claim.Status.REVIEW).count()
