"""Search finds what researchers type: metric labels, speakers, and the names
and aliases of a claim's companies join its text and quotes in the index.

"Ant Financial valuation" (a metric label) found nothing: the claims say
"valued". "cloud market share" missed the claim saying "up to half".

What is indexed, and how much each part counts (claims/public/search.py
WEIGHTS, the same on both databases):

    claim text 1.0 · metric label and speaker 0.5 · quotes 0.25 · company names and aliases 0.1

PostgreSQL: the tsvector of 0003, now four weights (A text, B metric and
speaker, C quotes, D companies). The claim trigger also fires when the metric,
the speaker or company_ids changes: the link-table triggers of 0005 rewrite
company_ids whenever a claim's companies change, so the index follows them
without a trigger of its own on the link table. A company whose name or
aliases change re-indexes its claims (found through the GIN index on
company_ids), and only when they really changed: load_corpus rewrites every
company on each load.

SQLite: the FTS5 table gets three columns (metric, speaker, companies); FTS5
cannot add a column, so the table is rebuilt, with its triggers, and filled
again. Triggers on the link table and on claims_company keep it current.

Both backfill existing rows. As with 0003, a later migration that makes
Django rebuild claims_claim, claims_citation, claims_claim_companies or
claims_company on SQLite drops their triggers: tests/test_search.py checks
that all of them are there.
"""

from importlib import import_module

from django.db import migrations

# 0003 built the index this one extends; going back restores its functions and triggers.
SEARCH_0003 = import_module("claims.migrations.0003_search")

# -- PostgreSQL ----------------------------------------------------------------

# A company's names as one string: its name and every alias.
POSTGRES_COMPANY_NAMES = """
    CREATE FUNCTION claims_company_search_names(company_name text, company_aliases jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
        SELECT coalesce(company_name, '') || ' ' || coalesce((SELECT string_agg(value, ' ')
            FROM jsonb_array_elements_text(
                CASE WHEN jsonb_typeof(company_aliases) = 'array' THEN company_aliases ELSE '[]' END)), '')
    $$
"""

POSTGRES_DOCUMENT = """
    CREATE FUNCTION claims_claim_search_document(
        claim_text text, claim_metric text, claim_speaker text, claim_id bigint
    ) RETURNS tsvector LANGUAGE sql STABLE AS $$
        SELECT setweight(to_tsvector('english', coalesce(claim_text, '')), 'A')
            || setweight(to_tsvector('english', coalesce(claim_metric, '') || ' ' || coalesce(claim_speaker, '')), 'B')
            || setweight(to_tsvector('english', coalesce(
                (SELECT string_agg(quote, ' ' ORDER BY id) FROM claims_citation WHERE claim_id = $4), '')), 'C')
            || setweight(to_tsvector('english', coalesce(
                (SELECT string_agg(claims_company_search_names(company.name, company.aliases), ' ' ORDER BY company.id)
                 FROM claims_claim_companies link JOIN claims_company company ON company.id = link.company_id
                 WHERE link.claim_id = $4), '')), 'D')
    $$
"""

# Every call of the document function in one place: the triggers and the backfill.
POSTGRES_CALL = "claims_claim_search_document(text, metric, speaker, id)"

POSTGRES_FORWARD = [
    # The triggers of 0003 call the old two-argument function: drop them first.
    "DROP TRIGGER claims_claim_search ON claims_claim",
    "DROP TRIGGER claims_citation_search ON claims_citation",
    "DROP FUNCTION claims_claim_search_trigger()",
    "DROP FUNCTION claims_citation_search_trigger()",
    "DROP FUNCTION claims_claim_search_document(text, bigint)",
    POSTGRES_COMPANY_NAMES,
    POSTGRES_DOCUMENT,
    """
    CREATE FUNCTION claims_claim_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_document := claims_claim_search_document(NEW.text, NEW.metric, NEW.speaker, NEW.id);
        RETURN NEW;
    END
    $$
    """,
    # company_ids: rewritten by the link-table triggers of 0005 whenever the
    # claim's companies change; the document reads the link table itself.
    """
    CREATE TRIGGER claims_claim_search BEFORE INSERT OR UPDATE OF text, metric, speaker, company_ids ON claims_claim
    FOR EACH ROW EXECUTE FUNCTION claims_claim_search_trigger()
    """,
    f"""
    CREATE FUNCTION claims_citation_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            UPDATE claims_claim SET search_document = {POSTGRES_CALL} WHERE id = OLD.claim_id;
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.claim_id <> OLD.claim_id) THEN
            UPDATE claims_claim SET search_document = {POSTGRES_CALL} WHERE id = NEW.claim_id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER claims_citation_search AFTER INSERT OR DELETE OR UPDATE OF quote, claim_id ON claims_citation
    FOR EACH ROW EXECUTE FUNCTION claims_citation_search_trigger()
    """,
    f"""
    CREATE FUNCTION claims_company_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE claims_claim SET search_document = {POSTGRES_CALL} WHERE company_ids @> ARRAY[NEW.id::bigint];
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER claims_company_search AFTER UPDATE OF name, aliases ON claims_company
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.aliases IS DISTINCT FROM NEW.aliases)
    EXECUTE FUNCTION claims_company_search_trigger()
    """,
    # The backfill; the GIN index is rebuilt after it, as 0003 built it
    # (updating a GIN index row by row is several times slower).
    "DROP INDEX claims_claim_search_idx",
    f"UPDATE claims_claim SET search_document = {POSTGRES_CALL}",
    "SET CONSTRAINTS ALL IMMEDIATE",
    "CREATE INDEX claims_claim_search_idx ON claims_claim USING GIN (search_document)",
]

POSTGRES_BACKWARD = [
    "DROP TRIGGER claims_company_search ON claims_company",
    "DROP FUNCTION claims_company_search_trigger()",
    "DROP TRIGGER claims_claim_search ON claims_claim",
    "DROP TRIGGER claims_citation_search ON claims_citation",
    "DROP FUNCTION claims_claim_search_trigger()",
    "DROP FUNCTION claims_citation_search_trigger()",
    "DROP FUNCTION claims_claim_search_document(text, text, text, bigint)",
    "DROP FUNCTION claims_company_search_names(text, jsonb)",
    # 0003's functions and triggers, which rebuild the document without the new parts.
    *(
        statement
        for statement in SEARCH_0003.POSTGRES_FORWARD
        if "ADD COLUMN" not in statement and "CREATE INDEX" not in statement
    ),
]


# -- SQLite --------------------------------------------------------------------

COLUMNS = ("text", "quotes", "metric", "speaker", "companies")

# The indexed text of the claims that `{where}` selects: its text, its
# quotes, its metric label and speaker, and its companies' names and aliases.
SQLITE_ROWS = """
    INSERT INTO claims_claim_fts (rowid, text, quotes, metric, speaker, companies)
    SELECT id, text,
        (SELECT group_concat(quote, ' ') FROM claims_citation WHERE claim_id = claims_claim.id),
        metric, speaker,
        (SELECT group_concat(company.name || ' ' || coalesce((SELECT group_concat(alias.value, ' ')
                FROM json_each(CASE WHEN json_type(company.aliases) = 'array' THEN company.aliases ELSE '[]' END)
                AS alias), ''), ' ')
         FROM claims_claim_companies link JOIN claims_company company ON company.id = link.company_id
         WHERE link.claim_id = claims_claim.id)
    FROM claims_claim WHERE {where}
"""


def sqlite_reindex(where):
    """Statements that index again the claims `where` selects (SQL over claims_claim's id)."""
    return (
        f"DELETE FROM claims_claim_fts WHERE rowid IN (SELECT id FROM claims_claim WHERE {where}); "
        + SQLITE_ROWS.format(where=where)
        + ";"
    )


def _claim(claim_id):
    return sqlite_reindex(f"id = {claim_id}")


SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER claims_claim_fts_insert AFTER INSERT ON claims_claim BEGIN
        {SQLITE_ROWS.format(where="id = new.id")};
    END
    """,
    f"""
    CREATE TRIGGER claims_claim_fts_update AFTER UPDATE OF text, metric, speaker ON claims_claim BEGIN
        {_claim("old.id")}
    END
    """,
    """
    CREATE TRIGGER claims_claim_fts_delete AFTER DELETE ON claims_claim BEGIN
        DELETE FROM claims_claim_fts WHERE rowid = old.id;
    END
    """,
    f"""
    CREATE TRIGGER claims_citation_fts_insert AFTER INSERT ON claims_citation BEGIN
        {_claim("new.claim_id")}
    END
    """,
    f"""
    CREATE TRIGGER claims_citation_fts_update AFTER UPDATE OF quote, claim_id ON claims_citation BEGIN
        {_claim("old.claim_id")}
        {_claim("new.claim_id")}
    END
    """,
    f"""
    CREATE TRIGGER claims_citation_fts_delete AFTER DELETE ON claims_citation BEGIN
        {_claim("old.claim_id")}
    END
    """,
    f"""
    CREATE TRIGGER claims_claim_companies_fts_insert AFTER INSERT ON claims_claim_companies BEGIN
        {_claim("new.claim_id")}
    END
    """,
    f"""
    CREATE TRIGGER claims_claim_companies_fts_update AFTER UPDATE ON claims_claim_companies BEGIN
        {_claim("old.claim_id")}
        {_claim("new.claim_id")}
    END
    """,
    f"""
    CREATE TRIGGER claims_claim_companies_fts_delete AFTER DELETE ON claims_claim_companies BEGIN
        {_claim("old.claim_id")}
    END
    """,
    f"""
    CREATE TRIGGER claims_company_fts_update AFTER UPDATE OF name, aliases ON claims_company
    WHEN old.name IS NOT new.name OR old.aliases IS NOT new.aliases BEGIN
        {sqlite_reindex("id IN (SELECT claim_id FROM claims_claim_companies WHERE company_id = new.id)")}
    END
    """,
]

OLD_TRIGGERS = [
    f"claims_{table}_fts_{event}" for table in ("claim", "citation") for event in ("insert", "update", "delete")
]

SQLITE_FORWARD = [
    *(f"DROP TRIGGER {name}" for name in OLD_TRIGGERS),
    "DROP TABLE claims_claim_fts",
    # porter: "valuation" finds "valuations"; remove_diacritics: "Zhongguancun" finds "Zhōngguāncūn".
    f"CREATE VIRTUAL TABLE claims_claim_fts USING fts5({', '.join(COLUMNS)}, "
    "tokenize = 'porter unicode61 remove_diacritics 2')",
    *SQLITE_TRIGGERS,
    SQLITE_ROWS.format(where="1"),
]


def trigger_names(statements):
    return [
        statement.split("CREATE TRIGGER", 1)[1].split()[0] for statement in statements if "CREATE TRIGGER" in statement
    ]


def sqlite_backward():
    return [
        *(f"DROP TRIGGER {name}" for name in trigger_names(SQLITE_TRIGGERS)),
        "DROP TABLE claims_claim_fts",
        *SEARCH_0003.SQLITE_FORWARD,
    ]


def forward(apps, schema_editor):
    statements = POSTGRES_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    statements = POSTGRES_BACKWARD if schema_editor.connection.vendor == "postgresql" else sqlite_backward()
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("claims", "0015_relation_help_text")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
