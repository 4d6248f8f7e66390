"""The rules of docs/architecture.md that no import contract can state: who
touches the cache and the version, what every filter must keep true for the
facet counts, and how long a module may grow. (The import layers themselves
are lint-imports' contracts in pyproject.toml, run by `make check` and CI.)"""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import QueryDict

from claims.models import Claim
from claims.public.filters import ClaimFilterSet

ROOT = Path(settings.BASE_DIR)
MODULES = sorted(
    path
    for package in ("claims", "corpus_site")
    for path in (ROOT / package).rglob("*.py")
    if "migrations" not in path.parts
)


def imported_names(path):
    """Every module path a file imports, and every `module.name` it imports from one."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def called_attributes(path):
    """Every `x.y(...)` call in a file, as 'x.y'."""
    calls = set()
    for node in ast.walk(ast.parse(path.read_text())):
        func = getattr(node, "func", None)
        if isinstance(node, ast.Call) and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            calls.add(f"{node.func.value.id}.{node.func.attr}")
    return calls


def relative(path):
    return str(path.relative_to(ROOT))


def test_only_the_read_door_uses_the_cache():
    """Every cached thing goes through claims/scale/cache.py (and the version
    it is keyed by through corpusversion.py); corpus_site/ holds the backend."""
    users = {relative(p) for p in MODULES if "django.core.cache" in imported_names(p)}
    assert users <= {"claims/scale/cache.py", "claims/scale/corpusversion.py", "corpus_site/views.py"}, users


def test_only_the_write_door_moves_the_version():
    movers = {
        relative(p)
        for p in MODULES
        if called_attributes(p) & {"corpusversion.bump", "corpusversion.bump_on_commit", "corpusversion._new"}
    }
    assert movers == {"claims/changes.py"}


def test_modules_past_400_lines_say_why_at_the_top():
    unexplained = []
    for path in MODULES:
        text = path.read_text()
        if text.count("\n") > 400 and "one module because" not in (ast.get_docstring(ast.parse(text)) or ""):
            unexplained.append(relative(path))
    assert not unexplained, f"split these, or say at the top why they are kept whole: {unexplained}"


@pytest.mark.parametrize(
    "query",
    [
        "company=alibaba&company=tencent",
        "topic=digital-economy",
        "topic=fintech&company=alibaba&kind=figure",
        "q=zebra",
        "q=alibaba&sort=relevance",
        "source=sacks-2018-disruptors&source_kind=journal_article&year=2019&year=2020",
        "metric=Alibaba+cloud+market+share&country=CN&period_from=2018&period_to=2020",
        "relation=contradicts&relation=updates&company=alibaba",
    ],
)
def test_a_filtered_list_has_one_row_per_claim(related, query):
    """The facet counts count rows with COUNT(*) (claims/public/facets.py):
    that is right only because no filter joins a many-to-many table."""
    params = QueryDict(query)
    filterset = ClaimFilterSet(data=params, queryset=Claim.objects.public())
    assert filterset.is_valid(), filterset.errors
    ids = list(filterset.qs.values_list("pk", flat=True))
    assert len(ids) == len(set(ids))
    many = {
        Claim.companies.through._meta.db_table,
        Claim.topics.through._meta.db_table,
        "claims_citation",
        "claims_claimrelation",  # a claim has many relations, too
    }
    joined = {join.table_name for join in filterset.qs.query.alias_map.values()}
    assert not joined & many, f"{query} joins {joined & many}"


def test_every_test_docs_architecture_names_exists():
    """docs/architecture.md backs each invariant with a test: keep the names true."""
    doc = (ROOT / "docs" / "architecture.md").read_text()
    named, current = [], None
    for path, name in re.findall(r"`(?:(tests/test_\w+\.py))?::(\w+)`", doc):
        current = path or current
        named.append((current, name))
    assert len(named) > 10
    missing = [f"{path}::{name}" for path, name in named if f"def {name}(" not in (ROOT / path).read_text()]
    assert not missing, missing
    for module in re.findall(r"`((?:claims|corpus_site)/[\w/]+\.py)`", doc):
        assert (ROOT / module).exists(), module
