"""Full-text search over claims: their text and their citations' quotes.

One interface, two indexes (built by migration 0003_search):

- PostgreSQL: claims_claim.search_document, a tsvector kept by triggers
  (claim text weighted A, quotes B) with a GIN index. User input goes
  through websearch_to_tsquery, which accepts any string: "phrases",
  `or`, -exclusions, and never raises a syntax error.
- SQLite: the FTS5 table claims_claim_fts (porter stemming). FTS5 has its own
  query syntax in which stray quotes, colons or asterisks are errors, so
  fts5_query() rewrites user input into the same subset websearch_to_tsquery
  understands, every term quoted.

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

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import BooleanField, Expression, FloatField, Func, Value
from django.db.models.expressions import Col, RawSQL
from django.db.models.functions import Cast
from django.utils.html import escape
from django.utils.safestring import mark_safe

from claims.plaintext import neutralise

# Highlight markers: control characters, which claim text and quotes do not
# contain, so that the database can mark matches in plain text that is
# escaped afterwards (a stray one could only unbalance a <mark>, never inject).
MARK_START, MARK_END = "\x02", "\x03"

# Claim text counts twice as much as quote text in SQLite's bm25 (PostgreSQL
# weighs them through setweight A and B in the stored vector).
FTS5_WEIGHTS = "2.0, 1.0"

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


def words(text):
    """The words of the terms user input searches for (not those it excludes)."""
    found = []
    for negate, phrase, word in _TOKENS.findall(text or ""):
        if not negate and not word.startswith("-") and (phrase or word.lower() != "or"):
            found.extend(re.findall(r"\w+", phrase or word))
    return found


def search(queryset, text, ranked=False):
    """Claims in queryset matching text (in their text or a quote); ranked
    adds the `search_rank` annotation, higher is better."""
    return _backend().search(queryset, text, ranked)


def highlights(text, claim_ids):
    """{claim id: Highlight} for the given claims: their text with the matches
    marked, and a snippet of their quotes when a quote matched."""
    if not claim_ids:
        return {}
    return {
        claim_id: Highlight(_marked(claim_text), _marked(quotes) if MARK_START in (quotes or "") else "")
        for claim_id, claim_text, quotes in _backend().highlights(text, list(claim_ids))
    }


def rebuild_index():
    """Recompute the index of every claim, e.g. after a bulk load that ran
    with the triggers disabled."""
    _backend().rebuild_index()


@dataclass(frozen=True)
class Highlight:
    text: str
    quote: str


def _marked(plain):
    # Read by SQL, past the fields that remove invisible characters: removed here.
    return mark_safe(escape(neutralise(plain)).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


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
            # ts_rank() is a float4, which Python reads back rounded to its
            # shortest decimal form: as a float8 it survives a round trip
            # through a page cursor exactly.
            rank = Cast(SearchRank(SearchDocument(), self.query(text)), FloatField())
            queryset = queryset.annotate(search_rank=rank)
        return queryset

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
                        FROM claims_citation WHERE claim_id = claim.id), ''), to_tsquery('english', %s), %s)
                FROM claims_claim claim, websearch_to_tsquery('english', %s) query
                WHERE claim.id = ANY(%s) AND claim.search_document @@ query
                """,
                [text_options, any_word, quote_options, text, claim_ids],
            )
            return cursor.fetchall()

    def rebuild_index(self):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE claims_claim SET search_document = claims_claim_search_document(text, id)")


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
        ).annotate(search_rank=RawSQL(f"-bm25(claims_claim_fts, {FTS5_WEIGHTS})", [], output_field=FloatField()))

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
                    snippet(claims_claim_fts, 1, char(2), char(3), '…', 30)
                FROM claims_claim_fts
                WHERE claims_claim_fts MATCH %s AND rowid IN ({placeholders})
                """,
                [query, *claim_ids],
            )
            return cursor.fetchall()

    def rebuild_index(self):
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM claims_claim_fts")
            cursor.execute(
                """
                INSERT INTO claims_claim_fts (rowid, text, quotes)
                SELECT id, text, (SELECT group_concat(quote, ' ') FROM claims_citation WHERE claim_id = claims_claim.id)
                FROM claims_claim
                """
            )


_POSTGRES, _SQLITE = PostgresSearch(), SqliteSearch()
