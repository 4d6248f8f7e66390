"""Full-text search over claims: what researchers type finds them.

A claim is found by its text, its citations' quotes, its metric label
("Ant Financial valuation"), its speaker, and the names and aliases of its
companies ("WeChat" finds Tencent's claims). Every word of the search must
occur in one of them (phrases within one).

The ranking rule ("best match"), computed the same way on both databases so
that a search lists its claims in the same order on each: a claim scores the
weight of every part of it that contains any of the words searched for
(WEIGHTS: claim text 1.0, metric label or speaker 0.5, quotes 0.25, company
names and aliases 0.1) and the scores add up; among equal scores the newest
claim (highest id) comes first. So a claim that says the words comes before
one whose metric says them, before one whose quotes say them, before one that
is only about a company of that name. It is deliberately not ts_rank or
bm25: those two weigh word frequency, rarity and length differently (bm25
put every claim about Alibaba at rank 0 for "alibaba"), and a reader gets
the same list whichever database serves it. tests/test_search.py checks
the order and the scores on both.

One interface, two indexes (built by migrations 0003_search and
0016_search_labels_and_companies, kept current by database triggers, so that
the admin, load_corpus's COPY and raw SQL all keep it):

- PostgreSQL: claims_claim.search_document, a tsvector (text weighted A,
  metric and speaker B, quotes C, companies D) with a GIN index. User input
  goes through websearch_to_tsquery, which accepts any string: "phrases",
  `or`, -exclusions, and never raises a syntax error.
- SQLite: the FTS5 table claims_claim_fts (porter stemming), one column per
  part. FTS5 has its own query syntax in which stray quotes, colons or
  asterisks are errors, so fts5_query() rewrites user input into the same
  subset websearch_to_tsquery understands, every term quoted.

search() filters a Claim queryset; with ranked=True it also annotates
`search_rank` (higher is better) for ordering. highlights() marks the matched
words of the claims on one page.

On SQLite a ranked queryset joins the FTS table with QuerySet.extra(), whose
raw SQL names the claims table: use it as the outer query only, never inside
`pk__in=`/Exists (Django renames the claims table in subqueries). The
unranked filter has no such limit.
"""

import re
from dataclasses import dataclass
from importlib import import_module

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import BooleanField, Case, Expression, FloatField, Func, Value, When
from django.db.models.expressions import Col, RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

from claims.plaintext import neutralise

# Highlight markers: control characters, which claim text and quotes do not
# contain, so that the database can mark matches in plain text that is
# escaped afterwards (a stray one could only unbalance a <mark>, never inject).
MARK_START, MARK_END = "\x02", "\x03"

# The parts of a claim, in the order their scores are added (the same order
# on both databases, so that the sums are the same floats): (name, weight,
# its label in PostgreSQL's vector, its columns in SQLite's FTS5 table).
PARTS = [
    ("text", 1.0, "A", ["text"]),
    ("metric label or speaker", 0.5, "B", ["metric", "speaker"]),
    ("quotes", 0.25, "C", ["quotes"]),
    ("company names and aliases", 0.1, "D", ["companies"]),
]
WEIGHTS = {name: weight for name, weight, _, _ in PARTS}
# The FTS5 table's columns, in order (migration 0016).
FTS5_COLUMNS = ("text", "quotes", "metric", "speaker", "companies")

_TOKENS = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def fts5_query(text):
    """Rewrite user input as a safe FTS5 query with websearch_to_tsquery's rules:
    words are ANDed, "quoted phrases" match in order, `or` separates
    alternatives, a leading - excludes. Returns None when nothing searchable is
    left (e.g. only punctuation)."""
    groups, include, exclude = [], [], []
    for negate, phrase, word in _TOKENS.findall(text or ""):
        if word and word.lower() == "or":
            if include:
                groups.append((include, exclude))
            include, exclude = [], []
            continue
        if word.startswith("-"):
            negate, word = "-", word.lstrip("-")
        term = phrase if phrase else word
        if not re.search(r"\w", term):
            continue
        # Inside an FTS5 string only the double quote is special; FTS5 splits
        # the string with the table's own tokenizer, so a phrase stays a phrase.
        quoted = '"' + term.replace('"', " ") + '"'
        (exclude if negate else include).append(quoted)
    if include:
        groups.append((include, exclude))
    # FTS5 cannot express a group with nothing but exclusions, so those are
    # dropped (websearch_to_tsquery would match everything without the words).
    clauses = []
    for words, excluded in groups:
        clause = " AND ".join(words)
        for term in excluded:
            clause = f"({clause}) NOT {term}"
        clauses.append(f"({clause})")
    return " OR ".join(clauses) or None


def searched_terms(text):
    """The words and "phrases" user input searches for (not those it excludes),
    each as a list of its words."""
    terms = []
    for negate, phrase, word in _TOKENS.findall(text or ""):
        if negate or word.startswith("-") or (not phrase and word.lower() == "or"):
            continue
        found = re.findall(r"\w+", phrase or word)
        if found:
            terms.append(found)
    return terms


def words(text):
    """The words of the terms user input searches for (not those it excludes)."""
    found = []
    for negate, phrase, word in _TOKENS.findall(text or ""):
        if not negate and not word.startswith("-") and (phrase or word.lower() != "or"):
            found.extend(re.findall(r"\w+", phrase or word))
    return found


def search(queryset, text, ranked=False):
    """Claims in queryset matching text (in their text, quotes, metric,
    speaker or companies' names); ranked adds the `search_rank` annotation,
    higher is better."""
    return _backend().search(queryset, text, ranked)


def highlights(text, claim_ids):
    """{claim id: Highlight} for the given claims: their text with the matches
    marked, a snippet of their quotes when a quote matched, and their metric
    label when it matched (it may be why the claim was found)."""
    if not claim_ids:
        return {}
    return {
        claim_id: Highlight(_marked(claim_text), _marked_if_matched(quotes), _marked_if_matched(metric))
        for claim_id, claim_text, quotes, metric in _backend().highlights(text, list(claim_ids))
    }


def rebuild_index():
    """Recompute the index of every claim, e.g. after a bulk load that ran
    with the triggers disabled."""
    _backend().rebuild_index()


@dataclass(frozen=True)
class Highlight:
    text: str
    quote: str
    metric: str = ""


def _marked(plain):
    # Read by SQL, past the fields that remove invisible characters: removed here.
    return mark_safe(escape(neutralise(plain)).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def _marked_if_matched(plain):
    return _marked(plain) if MARK_START in (plain or "") else ""


def _backend():
    return _POSTGRES if connection.vendor == "postgresql" else _SQLITE


# -- PostgreSQL ----------------------------------------------------------------

_SEARCH_DOCUMENT = SearchVectorField()
_SEARCH_DOCUMENT.set_attributes_from_name("search_document")


class SearchDocument(Expression):
    """The claims table's search_document column, under whatever alias the
    query gives that table (it is not a model field, so F() cannot name it)."""

    output_field = _SEARCH_DOCUMENT

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        return Col(query.get_initial_alias(), _SEARCH_DOCUMENT)


class Matches(Func):
    """document @@ query"""

    arg_joiner = " @@ "
    template = "%(expressions)s"
    output_field = BooleanField()


class PostgresSearch:
    def query(self, text):
        return SearchQuery(text, search_type="websearch", config="english")

    def search(self, queryset, text, ranked):
        queryset = queryset.filter(Matches(SearchDocument(), self.query(text)))
        if ranked:
            queryset = queryset.annotate(search_rank=self.rank(text))
        return queryset

    def rank(self, text):
        """The ranking rule: the weights of the parts holding any searched word.
        A word restricted to a label ('cloud:B') matches only that part of the
        stored vector: one test per part, no ts_rank over the whole vector."""
        terms = searched_terms(text)
        score = None
        for _, weight, label, _ in PARTS:
            any_term = " | ".join("(" + " <-> ".join(f"{word}:{label}" for word in term) + ")" for term in terms)
            if any_term:
                holds = Matches(SearchDocument(), SearchQuery(any_term, search_type="raw", config="english"))
                part = Case(When(holds, then=Value(weight)), default=Value(0.0), output_field=FloatField())
            else:
                part = Value(0.0, output_field=FloatField())
            score = part if score is None else score + part
        return score

    def highlights(self, text, claim_ids):
        # Quote snippets are fragments around the words found; ts_headline
        # only picks fragments that satisfy the whole query, which the quotes
        # alone need not do. So the snippets look for any of the words.
        any_word = " | ".join(words(text))
        text_options = f"HighlightAll=true, StartSel={MARK_START}, StopSel={MARK_END}"
        quote_options = (
            f'MaxFragments=2, MinWords=8, MaxWords=30, FragmentDelimiter=" … ", '
            f"StartSel={MARK_START}, StopSel={MARK_END}"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT claim.id,
                    ts_headline('english', claim.text, query, %s),
                    ts_headline('english', coalesce((SELECT string_agg(quote, ' … ' ORDER BY id)
                        FROM claims_citation WHERE claim_id = claim.id), ''), to_tsquery('english', %s), %s),
                    ts_headline('english', claim.metric, to_tsquery('english', %s), %s)
                FROM claims_claim claim, websearch_to_tsquery('english', %s) query
                WHERE claim.id = ANY(%s) AND claim.search_document @@ query
                """,
                [text_options, any_word, quote_options, any_word, text_options, text, claim_ids],
            )
            return cursor.fetchall()

    def rebuild_index(self):
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE claims_claim SET search_document = {_index_sql().POSTGRES_CALL}")


# -- SQLite --------------------------------------------------------------------


class SqliteSearch:
    def search(self, queryset, text, ranked):
        query = fts5_query(text)
        if query is None:
            queryset = queryset.none()
            return queryset.annotate(search_rank=Value(0.0)) if ranked else queryset
        if not ranked:
            return queryset.filter(
                pk__in=RawSQL("SELECT rowid FROM claims_claim_fts WHERE claims_claim_fts MATCH %s", [query])
            )
        # A join, not a subquery per row: bm25() is computed from the match
        # statistics of one FTS5 cursor, which a correlated subquery would
        # rebuild for every claim.
        return queryset.extra(
            tables=["claims_claim_fts"],
            where=['claims_claim_fts.rowid = "claims_claim"."id"', "claims_claim_fts MATCH %s"],
            params=[query],
        ).annotate(search_rank=RawSQL(self.rank(), [], output_field=FloatField()))

    def rank(self):
        """The ranking rule: the weights of the parts holding any searched word.
        bm25() with weight 1 on a part's columns and 0 elsewhere is below zero
        exactly when a searched word occurs in that part; its value is not used."""
        cases = []
        for _, weight, _, columns in PARTS:
            weights = ", ".join("1" if column in columns else "0" for column in FTS5_COLUMNS)
            cases.append(f"(CASE WHEN bm25(claims_claim_fts, {weights}) < 0 THEN {weight!r} ELSE 0.0 END)")
        return " + ".join(cases)

    def highlights(self, text, claim_ids):
        query = fts5_query(text)
        if query is None:
            return []
        placeholders = ", ".join(["%s"] * len(claim_ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT rowid,
                    highlight(claims_claim_fts, 0, char(2), char(3)),
                    snippet(claims_claim_fts, 1, char(2), char(3), '…', 30),
                    highlight(claims_claim_fts, 2, char(2), char(3))
                FROM claims_claim_fts
                WHERE claims_claim_fts MATCH %s AND rowid IN ({placeholders})
                """,
                [query, *claim_ids],
            )
            return cursor.fetchall()

    def rebuild_index(self):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM claims_claim_fts")
            cursor.execute(_index_sql().SQLITE_ROWS.format(where="1"))


def _index_sql():
    """The migration that defines the index: the one statement of what a
    claim's indexed text is, shared by its triggers and rebuild_index()."""
    return import_module("claims.migrations.0016_search_labels_and_companies")


_POSTGRES, _SQLITE = PostgresSearch(), SqliteSearch()
