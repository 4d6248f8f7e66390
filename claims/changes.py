"""The one write door: what every change to the corpus must also update.

The public counts (claims/scale/counts.py) and the corpus version that keys every
cached page and count (claims/scale/corpusversion.py) exist because of scale, and
each change has to keep them true. There are two kinds of change:

- **One change at a time** (the admin, the shell): the receivers below
  recount just the values the change touched, in its own transaction, and
  bump the version now and again at the commit.
- **A change in bulk** (load_corpus, loaddata): inside bulk_change() the
  receivers do nothing; at its end everything is recounted once, the cache
  is checked (a version that cannot move refuses the change), and the
  version moves once, after the commit — and not at all if it fails.

Nothing else defers counts or bumps the version: tests/test_changes.py holds
each rule.
"""

import contextlib

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from claims import evidence
from claims.models import Citation, Claim, ClaimRelation, Company, FullText, Source, Topic
from claims.scale import corpusversion, counts


@contextlib.contextmanager
def bulk_change(using=None):
    """One transaction for a bulk writer (load_corpus, loaddata) that writes
    rows past the model signals and verifies every quote itself. Raises
    corpusversion.CacheUnreachable (and writes nothing) when the shared cache
    cannot take the new version."""
    with transaction.atomic(using=using), counts.deferred(), evidence.changing_evidence(evidence.LOADER):
        yield
        counts.recount_all()
        corpusversion.check_movable()
        corpusversion.bump_on_commit()


def recount():
    """Every public count from scratch, and a new corpus version at commit (so
    that nothing cached from the old counts is read): `manage.py recount`."""
    with bulk_change():
        pass  # bulk_change() recounts everything and moves the version


# -- one change at a time -------------------------------------------------------------------


def bump_version(**kwargs):
    """A change the public may see: a new corpus version. Not inside
    bulk_change(), which bumps the version once, when it commits."""
    if counts.tracking():
        corpusversion.bump()


# A relation too: the relations page, claim pages, exports and the API show them.
for model in (Claim, Citation, ClaimRelation, Source, Company, Topic, FullText):
    post_save.connect(bump_version, sender=model, dispatch_uid=f"corpus-version-save-{model.__name__}")
    post_delete.connect(bump_version, sender=model, dispatch_uid=f"corpus-version-delete-{model.__name__}")
for through in (Claim.companies.through, Claim.topics.through):
    m2m_changed.connect(bump_version, sender=through, dispatch_uid=f"corpus-version-m2m-{through.__name__}")


# -- exact public counts (claims/scale/counts.py) ----------------------------------------
# Each change recounts only the values it touched, in its own transaction:
# the claim's companies, topics, source, kind and year before and after.


@receiver(pre_save, sender=Claim, dispatch_uid="public-counts-claim-before")
@receiver(pre_delete, sender=Claim, dispatch_uid="public-counts-claim-before-delete")
def remember_counted_values(sender, instance, **kwargs):
    # Not while load_corpus writes (it recounts everything once at the end).
    tracked = counts.tracking() and instance.pk
    instance._counted_before = counts.counted_values(instance.pk) if tracked else {}


@receiver(post_save, sender=Claim, dispatch_uid="public-counts-claim-after")
@receiver(post_delete, sender=Claim, dispatch_uid="public-counts-claim-after-delete")
def recount_claim(sender, instance, **kwargs):
    if not counts.tracking():
        return
    before = getattr(instance, "_counted_before", {})
    after = {} if kwargs.get("signal") is post_delete else counts.counted_values(instance.pk)
    if before != after:
        counts.recount(counts.merge(before, after))


def recount_links(sender, instance, action, reverse, pk_set, **kwargs):
    """Tags added to or taken from a claim. (Changes from the other side,
    company.claims.add(), never get here: django-simple-history, which
    records a claim's tags, refuses them.)"""
    if action.startswith("pre_"):
        remember_counted_values(Claim, instance)
    else:
        recount_claim(Claim, instance)


for through in (Claim.companies.through, Claim.topics.through):
    m2m_changed.connect(recount_links, sender=through, dispatch_uid=f"public-counts-m2m-{through.__name__}")


@receiver(post_delete, sender=Company, dispatch_uid="public-counts-company-deleted")
def recount_deleted_company(sender, instance, **kwargs):
    counts.recount({counts.Facet.COMPANY: {str(instance.pk)}})


@receiver(post_delete, sender=Source, dispatch_uid="public-counts-source-deleted")
def recount_deleted_source(sender, instance, **kwargs):
    counts.recount({counts.Facet.SOURCE: {str(instance.pk)}})


@receiver(pre_save, sender=Topic, dispatch_uid="public-counts-topic-before")
def remember_topic_parent(sender, instance, **kwargs):
    instance._parent_before = (
        Topic.objects.filter(pk=instance.pk).values_list("parent_id", flat=True).first() if instance.pk else None
    )


@receiver(post_save, sender=Topic, dispatch_uid="public-counts-topic-after")
@receiver(post_delete, sender=Topic, dispatch_uid="public-counts-topic-deleted")
def recount_moved_topic(sender, instance, created=False, **kwargs):
    # A topic moved under another parent, or gone: the rolled-up counts of its ancestors change.
    moved = not created and getattr(instance, "_parent_before", None) != instance.parent_id
    if moved or kwargs.get("signal") is post_delete:
        counts.recount_topics()
