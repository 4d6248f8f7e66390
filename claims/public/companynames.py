"""A company as a reader names it: by slug, name or alias, in any case.

companies_named() is the one resolution of a typed company name: the claim
list's company box and filter (filters.py), the downloads and the API all
read ?company= through it. closest_companies() suggests names for a value
that names no company, so that "TikTok" mistyped is never a silent empty
list.
"""

import json

from django.db.models import BooleanField, ExpressionWrapper, Q
from rapidfuzz import fuzz, process, utils

from claims.models import Company
from claims.scale import cache

# Suggestions at least this similar (rapidfuzz's WRatio, 0-100) to what was typed.
SUGGESTION_CUTOFF = 70


def companies_named(values):
    """{value: Company} for values that are a company's slug, name or alias
    (names and aliases case-insensitively), in one query; each says whether
    it is public (`is_public`: Company.objects.public()), so that a company
    only drafts name can filter without ever being named to the public."""
    if not values:
        return {}
    lookup = Q(slug__in=values)
    for value in values:
        # Aliases are a JSON list: match its text, both as PostgreSQL stores it
        # and as SQLite does (non-ASCII characters as \\u escapes).
        escaped = json.dumps(value)[1:-1]
        lookup |= Q(name__iexact=value) | Q(aliases__icontains=value) | Q(aliases__icontains=escaped)
    public = Q(pk__in=Company.objects.public().values("pk"))
    candidates = list(
        Company.objects.filter(lookup)
        .annotate(is_public=ExpressionWrapper(public, output_field=BooleanField()))
        .order_by("pk")
    )
    found = {}
    for value in values:
        matches = [(rank, c.pk, c) for c in candidates if (rank := _match_rank(c, value)) is not None]
        if matches:
            found[value] = min(matches)[2]
    return found


def company_named(value):
    """The company value names (slug, name or alias, any case), or None."""
    return companies_named([value]).get(value)


def _match_rank(company, value):
    """How value names the company: 0 its slug, 1 its name, 2 an alias; None if not at all."""
    folded = value.casefold()
    if company.slug == value:
        return 0
    if company.name.casefold() == folded:
        return 1
    if any(alias.casefold() == folded for alias in company.aliases):
        return 2
    return None


def company_search(text):
    """Q for companies whose name, slug or an alias contains text."""
    return (
        Q(name__icontains=text)
        | Q(slug__icontains=text)
        | Q(aliases__icontains=text)
        | Q(aliases__icontains=json.dumps(text)[1:-1])
    )


def closest_companies(value, companies, kind, limit=3):
    """Up to limit (name, slug) of the companies whose name or an alias is
    most like value, best first. companies: a queryset, e.g. those with
    published claims, that kind names in the cache (e.g. "public"): its names
    are read once per corpus version."""
    names = cache.for_corpus(("company-names", kind), lambda: _names(companies))
    if not names:
        return []
    labels = [label for label, _, _ in names]
    suggested = []
    for _, _, index in process.extract(
        value,
        labels,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        score_cutoff=SUGGESTION_CUTOFF,
        limit=limit * 4,
    ):
        _, slug, name = names[index]
        if (name, slug) not in suggested:
            suggested.append((name, slug))
    return suggested[:limit]


def _names(companies):
    """[(name or alias, slug, name)] of the companies."""
    rows = []
    for name, slug, aliases in companies.order_by("name", "pk").values_list("name", "slug", "aliases"):
        rows.append((name, slug, name))
        rows.extend((alias, slug, name) for alias in aliases or [] if isinstance(alias, str))
    return rows
