"""Exact counts of published claims per company, topic, source, kind and
year, kept in PublicCount so that the unfiltered lists never count a
million claims while someone waits.

Who keeps them exact:
- load_corpus and the benchmark generator write in bulk, past the model
  signals: they call recount_all() inside their transaction (deferred()
  holds back the per-change recounts meanwhile);
- everything else (the admin, the shell) goes through the model signals
  in claims/changes.py, which recount just the values a change touched,
  in the same transaction, with index-backed counts.

Readers ask counts(facet): {value: count}, or None while the table is
incomplete (right after the migration, before the first recount), and then
count live as before.
"""

import threading
from contextlib import contextmanager

from django.db import transaction
from django.db.models import BigIntegerField, Count, OuterRef, Subquery
from django.db.models.functions import Cast, Coalesce, ExtractYear

from claims.models import Claim, PublicCount
from claims.topics import TopicTree, topic_counts

Facet = PublicCount.Facet

_state = threading.local()


def counts(facet):
    """{value: count} of the facet's values with published claims; None when
    the counts are not complete yet."""
    rows = list(PublicCount.objects.filter(facet__in=[facet, Facet.TOTAL]).values_list("facet", "value", "count"))
    if not any(row_facet == Facet.TOTAL for row_facet, _, _ in rows):
        return None
    return {value: n for row_facet, value, n in rows if row_facet == facet}


def counts_of(facet, values):
    """{value: count} for just these values (e.g. one page of companies);
    None when the counts are not complete yet."""
    values = [str(v) for v in values]
    rows = PublicCount.objects.filter(facet=facet, value__in=values) | PublicCount.objects.filter(
        facet=Facet.TOTAL, value=""
    )
    found = dict(rows.values_list("value", "count"))
    if "" not in found:
        return None
    return {value: found.get(value, 0) for value in values}


def id_counts(facet, ids=None):
    """{id: count} of a company, topic or source facet, for these ids or
    every one; None when the counts are not complete yet."""
    found = counts(facet) if ids is None else counts_of(facet, ids)
    return None if found is None else {int(pk): n for pk, n in found.items()}


def top(facet, limit, labels=None):
    """The facet's values with the most claims, most first, in one query:
    [(value, count)], or with labels=(model, key field, label field)
    [(key, label, count)] ordered by count then label. limit + 1 rows (so the
    caller can tell there are more), all with limit None. Does not check
    that the counts are complete (see complete())."""
    rows = PublicCount.objects.filter(facet=facet)
    if limit is not None:
        # Only values counted at least as often as the (limit + 1)th need labels.
        nth = rows.order_by("-count").values("count")[limit : limit + 1]
        rows = rows.filter(count__gte=Coalesce(Subquery(nth), 0))
    if labels is None:
        rows = rows.order_by("-count", "value").values_list("value", "count")
    else:
        model, key, label = labels
        target = model.objects.filter(pk=Cast(OuterRef("value"), BigIntegerField()))
        rows = (
            rows.annotate(key=Subquery(target.values(key)[:1]), label=Subquery(target.values(label)[:1]))
            .filter(key__isnull=False)
            .order_by("-count", "label")
            .values_list("key", "label", "count")
        )
    return list(rows if limit is None else rows[: limit + 1])


def complete():
    return PublicCount.objects.filter(facet=Facet.TOTAL, value="").exists()


def recount_all():
    """Every count from scratch, in one transaction."""

    public = Claim.objects.public().order_by()
    links = Claim.companies.through.objects.filter(claim__status=Claim.Status.PUBLISHED)
    rows = [(Facet.TOTAL, "", public.count())]
    rows += [(Facet.COMPANY, str(pk), n) for pk, n in links.values_list("company_id").annotate(n=Count("*")).order_by()]
    rows += [(Facet.TOPIC, str(pk), n) for pk, n in topic_counts(public, TopicTree.load()).items() if n]
    rows += [(Facet.SOURCE, str(pk), n) for pk, n in public.values_list("source_id").annotate(n=Count("*"))]
    rows += [(Facet.KIND, kind, n) for kind, n in public.values_list("kind").annotate(n=Count("*"))]
    years = public.filter(period_start__isnull=False).annotate(year=ExtractYear("period_start"))
    rows += [(Facet.YEAR, str(year), n) for year, n in years.values_list("year").annotate(n=Count("*"))]
    _replace(PublicCount.objects.all(), rows)


def _replace(existing, rows):
    """Make the counts in existing (a queryset) equal rows [(facet, value,
    count)], writing only what differs: a re-load that changes nothing
    changes no row."""
    wanted = {(facet, value): n for facet, value, n in rows}
    with transaction.atomic():
        kept = {(row.facet, row.value): row for row in existing}
        stale = [row.pk for key, row in kept.items() if key not in wanted]
        changed = [row for key, row in kept.items() if key in wanted and row.count != wanted[key]]
        for row in changed:
            row.count = wanted[(row.facet, row.value)]
        PublicCount.objects.filter(pk__in=stale).delete()
        PublicCount.objects.bulk_update(changed, ["count"], batch_size=1000)
        PublicCount.objects.bulk_create(
            [PublicCount(facet=f, value=v, count=n) for (f, v), n in wanted.items() if (f, v) not in kept],
            batch_size=2000,
        )


def tracking():
    """Whether changes recount what they touch now (not inside deferred())."""
    return not getattr(_state, "deferred", 0)


@contextmanager
def deferred():
    """No per-change recounts inside: the caller recounts everything at the end."""
    _state.deferred = getattr(_state, "deferred", 0) + 1
    try:
        yield
    finally:
        _state.deferred -= 1


def counted_values(claim_id):
    """{facet: {values}} the claim counts under now: its companies, topics
    (with their ancestors), source, kind and year; {} unless it is published."""

    row = (
        Claim.objects.public()
        .filter(pk=claim_id)
        .values("company_ids", "topic_ids", "source_id", "kind", "period_start")
        .first()
    )
    if row is None:
        return {}
    topics = set()
    if row["topic_ids"]:
        tree = TopicTree.load()
        for pk in row["topic_ids"]:
            if pk in tree.by_id:
                topics |= {pk, *(t.pk for t in tree.ancestors(tree.by_id[pk]))}
    return {
        Facet.COMPANY: {str(pk) for pk in row["company_ids"]},
        Facet.TOPIC: {str(pk) for pk in topics},
        Facet.SOURCE: {str(row["source_id"])},
        Facet.KIND: {row["kind"]},
        Facet.YEAR: {str(row["period_start"].year)} if row["period_start"] else set(),
    }


def recount_topics():
    """Every topic count again (a topic moved in the hierarchy, or went)."""

    if not tracking() or not complete():
        return
    rolled = topic_counts(Claim.objects.public().order_by(), TopicTree.load())
    _replace(
        PublicCount.objects.filter(facet=Facet.TOPIC), [(Facet.TOPIC, str(pk), n) for pk, n in rolled.items() if n]
    )


def recount(values):
    """Count again just these {facet: {values}} (and the total), e.g. the
    companies, topics, source, kind and year a changed claim had before and has now."""
    if not tracking() or not complete():
        return

    public = Claim.objects.public().order_by()
    tree = TopicTree.load() if values.get(Facet.TOPIC) else None
    queries = {
        Facet.COMPANY: lambda v: public.filter(company_ids__has_all=[int(v)]),
        Facet.TOPIC: lambda v: public.filter(topic_ids__has_any=tree.subtree_ids(tree.by_id[int(v)])),
        Facet.SOURCE: lambda v: public.filter(source_id=int(v)),
        Facet.KIND: lambda v: public.filter(kind=v),
        Facet.YEAR: lambda v: public.filter(period_start__year=int(v)),
    }
    with transaction.atomic():
        _store(Facet.TOTAL, "", public.count())
        for facet, facet_values in values.items():
            for value in facet_values:
                if facet == Facet.TOPIC and int(value) not in tree.by_id:
                    PublicCount.objects.filter(facet=facet, value=value).delete()
                    continue
                _store(facet, value, queries[facet](value).count())


def _store(facet, value, n):
    if n:
        PublicCount.objects.update_or_create(facet=facet, value=value, defaults={"count": n})
    else:
        PublicCount.objects.filter(facet=facet, value=value).delete()


def merge(*value_sets):
    """{facet: {values}} of several states together."""
    merged = {}
    for values in value_sets:
        for facet, facet_values in values.items():
            merged.setdefault(facet, set()).update(facet_values)
    return merged
