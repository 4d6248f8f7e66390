"""Full-text search over claims: each claim's text and its citations' quotes.

PostgreSQL: a tsvector column on claims_claim with a GIN index, kept up to
date by triggers (a generated column cannot read the citations table). Ranking
reads the stored vector, never to_tsvector() per row.

SQLite: an FTS5 table (porter stemming) whose rowid is the claim id, kept up
to date by triggers on claims_claim and claims_citation.

Neither is a Django field: Django never reads or writes them, and
claims/search.py is the only code that queries them. On SQLite, a later
migration that makes Django rebuild claims_claim or claims_citation (most
AlterField operations do) drops their triggers: tests/test_search.py checks
that every trigger is still there, and such a migration must recreate them
(copy SQLITE_TRIGGERS below).
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "ALTER TABLE claims_claim ADD COLUMN search_document tsvector",
    # Claim text weighs more than the quotes: weight A against B in ts_rank.
    """
    CREATE FUNCTION claims_claim_search_document(claim_text text, claim_id bigint) RETURNS tsvector
    LANGUAGE sql STABLE AS $$
        SELECT setweight(to_tsvector('english', coalesce(claim_text, '')), 'A')
            || setweight(to_tsvector('english', coalesce(
                (SELECT string_agg(quote, ' ' ORDER BY id) FROM claims_citation WHERE claim_id = $2), '')), 'B')
    $$
    """,
    """
    CREATE FUNCTION claims_claim_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_document := claims_claim_search_document(NEW.text, NEW.id);
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER claims_claim_search BEFORE INSERT OR UPDATE OF text ON claims_claim
    FOR EACH ROW EXECUTE FUNCTION claims_claim_search_trigger()
    """,
    """
    CREATE FUNCTION claims_citation_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            UPDATE claims_claim SET search_document = claims_claim_search_document(text, id) WHERE id = OLD.claim_id;
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.claim_id <> OLD.claim_id) THEN
            UPDATE claims_claim SET search_document = claims_claim_search_document(text, id) WHERE id = NEW.claim_id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER claims_citation_search AFTER INSERT OR DELETE OR UPDATE OF quote, claim_id ON claims_citation
    FOR EACH ROW EXECUTE FUNCTION claims_citation_search_trigger()
    """,
    "UPDATE claims_claim SET search_document = claims_claim_search_document(text, id)",
    "CREATE INDEX claims_claim_search_idx ON claims_claim USING GIN (search_document)",
]

POSTGRES_BACKWARD = [
    "DROP TRIGGER claims_citation_search ON claims_citation",
    "DROP TRIGGER claims_claim_search ON claims_claim",
    "DROP FUNCTION claims_citation_search_trigger()",
    "DROP FUNCTION claims_claim_search_trigger()",
    "DROP FUNCTION claims_claim_search_document(text, bigint)",
    "ALTER TABLE claims_claim DROP COLUMN search_document",
]


# The indexed text of claim id X: its text, and its quotes in one column.
SQLITE_ROW = """
    INSERT INTO claims_claim_fts (rowid, text, quotes)
    SELECT id, text, (SELECT group_concat(quote, ' ') FROM claims_citation WHERE claim_id = claims_claim.id)
    FROM claims_claim WHERE id = {id}
"""
SQLITE_REINDEX = "DELETE FROM claims_claim_fts WHERE rowid = {id}; " + SQLITE_ROW + ";"

SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER claims_claim_fts_insert AFTER INSERT ON claims_claim BEGIN
        {SQLITE_ROW.format(id="new.id")};
    END
    """,
    f"""
    CREATE TRIGGER claims_claim_fts_update AFTER UPDATE OF text ON claims_claim BEGIN
        {SQLITE_REINDEX.format(id="old.id")}
    END
    """,
    """
    CREATE TRIGGER claims_claim_fts_delete AFTER DELETE ON claims_claim BEGIN
        DELETE FROM claims_claim_fts WHERE rowid = old.id;
    END
    """,
    f"""
    CREATE TRIGGER claims_citation_fts_insert AFTER INSERT ON claims_citation BEGIN
        {SQLITE_REINDEX.format(id="new.claim_id")}
    END
    """,
    f"""
    CREATE TRIGGER claims_citation_fts_update AFTER UPDATE OF quote, claim_id ON claims_citation BEGIN
        {SQLITE_REINDEX.format(id="old.claim_id")}
        {SQLITE_REINDEX.format(id="new.claim_id")}
    END
    """,
    f"""
    CREATE TRIGGER claims_citation_fts_delete AFTER DELETE ON claims_citation BEGIN
        {SQLITE_REINDEX.format(id="old.claim_id")}
    END
    """,
]

SQLITE_FORWARD = [
    # porter: "innovate" finds "innovation"; remove_diacritics: "Zhongguancun" finds "Zhōngguāncūn".
    "CREATE VIRTUAL TABLE claims_claim_fts USING fts5(text, quotes, tokenize = 'porter unicode61 remove_diacritics 2')",
    *SQLITE_TRIGGERS,
    SQLITE_ROW.replace("WHERE id = {id}", ""),
]

SQLITE_BACKWARD = [
    *(
        f"DROP TRIGGER {name}"
        for name in (
            "claims_claim_fts_insert",
            "claims_claim_fts_update",
            "claims_claim_fts_delete",
            "claims_citation_fts_insert",
            "claims_citation_fts_update",
            "claims_citation_fts_delete",
        )
    ),
    "DROP TABLE claims_claim_fts",
]


def forward(apps, schema_editor):
    statements = POSTGRES_FORWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_FORWARD
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    statements = POSTGRES_BACKWARD if schema_editor.connection.vendor == "postgresql" else SQLITE_BACKWARD
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("claims", "0002_curator_and_editor_groups")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
