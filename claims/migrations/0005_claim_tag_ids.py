"""Claim.company_ids and Claim.topic_ids: copies of the link tables in the row.

Filtering a million claims by a company in a third of them, walking the list
order, probed claims_claim_companies once per row (about 400 ms a page on
PostgreSQL). With the ids in the row the probe is a comparison, and for a
rare company PostgreSQL starts from a GIN index instead.

The link tables stay the truth. Triggers keep the copies equal to them,
whoever writes: the admin, load_corpus's COPY, raw SQL.

PostgreSQL: statement-level triggers on the link tables (one UPDATE per
bulk statement, not one per link row), and a BEFORE trigger on claims_claim
that recomputes both columns whenever a write names them, so that a model
instance saved with stale copies cannot overwrite the truth. GIN indexes,
not partial ones: a partial index on status = 'published' tempts the planner
into ANDing the whole published set into every search bitmap.

SQLite: row triggers to the same effect (SQLite has no statement triggers;
its recursive_triggers setting is off, so the claim trigger does not fire
itself). As with the search triggers of 0003, a later migration that makes
Django rebuild claims_claim or a link table drops them: tests/test_fields.py
checks that they are all there.
"""

from django.db import migrations

import claims.fields

TAGS = [("company_ids", "claims_claim_companies", "company_id"), ("topic_ids", "claims_claim_topics", "topic_id")]


def _pg(column, table, id_column):
    function = f"claims_claim_{column}"
    return [
        f"""
        CREATE FUNCTION {function}(claim bigint) RETURNS bigint[] LANGUAGE sql STABLE AS $$
            SELECT coalesce(array_agg({id_column} ORDER BY {id_column}), '{{}}') FROM {table} WHERE claim_id = $1
        $$
        """,
        f"""
        CREATE FUNCTION {table}_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE claims_claim SET {column} = {function}(id) WHERE id IN (SELECT claim_id FROM changed);
            RETURN NULL;
        END
        $$
        """,
        f"""
        CREATE FUNCTION {table}_moved() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE claims_claim SET {column} = {function}(id) WHERE id IN (OLD.claim_id, NEW.claim_id);
            RETURN NULL;
        END
        $$
        """,
        f"""CREATE TRIGGER {table}_inserted AFTER INSERT ON {table}
            REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION {table}_changed()""",
        f"""CREATE TRIGGER {table}_deleted AFTER DELETE ON {table}
            REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION {table}_changed()""",
        f"""CREATE TRIGGER {table}_updated AFTER UPDATE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_moved()""",
    ]


POSTGRES_BACKFILL = [
    f"""
    UPDATE claims_claim c SET {column} = links.ids
    FROM (SELECT claim_id, array_agg({id_column} ORDER BY {id_column}) AS ids FROM {table} GROUP BY claim_id) links
    WHERE links.claim_id = c.id
    """
    for column, table, id_column in TAGS
]

POSTGRES_CLAIM_TRIGGER = [
    """
    CREATE FUNCTION claims_claim_tag_ids_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.company_ids := claims_claim_company_ids(NEW.id);
        NEW.topic_ids := claims_claim_topic_ids(NEW.id);
        RETURN NEW;
    END
    $$
    """,
    """CREATE TRIGGER claims_claim_tag_ids BEFORE INSERT OR UPDATE OF company_ids, topic_ids ON claims_claim
        FOR EACH ROW EXECUTE FUNCTION claims_claim_tag_ids_trigger()""",
]

POSTGRES_INDEXES = [
    f"CREATE INDEX claims_claim_{column}_idx ON claims_claim USING GIN ({column})" for column, _, _ in TAGS
]

POSTGRES_BACKWARD = [
    "DROP TRIGGER claims_claim_tag_ids ON claims_claim",
    "DROP FUNCTION claims_claim_tag_ids_trigger()",
    *(
        statement
        for column, table, _ in TAGS
        for statement in (
            f"DROP TRIGGER {table}_inserted ON {table}",
            f"DROP TRIGGER {table}_deleted ON {table}",
            f"DROP TRIGGER {table}_updated ON {table}",
            f"DROP FUNCTION {table}_changed()",
            f"DROP FUNCTION {table}_moved()",
            f"DROP FUNCTION claims_claim_{column}(bigint)",
            f"DROP INDEX claims_claim_{column}_idx",
        )
    ),
]


def sqlite_ids(table, id_column, claim):
    """The '{3,17,42}' literal of a claim's links."""
    return (
        f"('{{' || coalesce((SELECT group_concat({id_column}, ',') FROM "
        f"(SELECT {id_column} FROM {table} WHERE claim_id = {claim} ORDER BY {id_column})), '') || '}}')"
    )


def _sqlite_set(claim):
    return ", ".join(f"{column} = {sqlite_ids(table, id_column, claim)}" for column, table, id_column in TAGS)


SQLITE_TRIGGERS = [
    *(
        statement
        for column, table, id_column in TAGS
        for statement in (
            f"""CREATE TRIGGER {table}_inserted AFTER INSERT ON {table} BEGIN
                UPDATE claims_claim SET {column} = {sqlite_ids(table, id_column, "new.claim_id")}
                WHERE id = new.claim_id;
            END""",
            f"""CREATE TRIGGER {table}_deleted AFTER DELETE ON {table} BEGIN
                UPDATE claims_claim SET {column} = {sqlite_ids(table, id_column, "old.claim_id")}
                WHERE id = old.claim_id;
            END""",
            f"""CREATE TRIGGER {table}_updated AFTER UPDATE ON {table} BEGIN
                UPDATE claims_claim SET {column} = {sqlite_ids(table, id_column, "old.claim_id")}
                WHERE id = old.claim_id;
                UPDATE claims_claim SET {column} = {sqlite_ids(table, id_column, "new.claim_id")}
                WHERE id = new.claim_id;
            END""",
        )
    ),
    f"""CREATE TRIGGER claims_claim_tag_ids_inserted AFTER INSERT ON claims_claim BEGIN
        UPDATE claims_claim SET {_sqlite_set("new.id")} WHERE id = new.id;
    END""",
    f"""CREATE TRIGGER claims_claim_tag_ids_updated AFTER UPDATE OF company_ids, topic_ids ON claims_claim BEGIN
        UPDATE claims_claim SET {_sqlite_set("new.id")} WHERE id = new.id;
    END""",
]

SQLITE_BACKFILL = [f"UPDATE claims_claim SET {_sqlite_set('claims_claim.id')}"]


def trigger_names(statements):
    return [
        statement.split("CREATE TRIGGER", 1)[1].split()[0] for statement in statements if "CREATE TRIGGER" in statement
    ]


def columns(vendor):
    """ADD COLUMN with a constant default: no rewrite of a million rows on
    PostgreSQL, and no table rebuild on SQLite (which would drop the search
    triggers of 0003)."""
    column_type = "bigint[]" if vendor == "postgresql" else "text"
    return [
        f"ALTER TABLE claims_claim ADD COLUMN {column} {column_type} NOT NULL DEFAULT '{{}}'" for column, _, _ in TAGS
    ]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in columns(vendor):
        schema_editor.execute(statement)
    if vendor == "postgresql":
        statements = [
            *(s for tag in TAGS for s in _pg(*tag)),
            *POSTGRES_BACKFILL,
            *POSTGRES_CLAIM_TRIGGER,
            # The backfill queued deferred foreign-key checks; an index cannot
            # be built on a table with pending trigger events.
            "SET CONSTRAINTS ALL IMMEDIATE",
            *POSTGRES_INDEXES,
        ]
    else:
        statements = [*SQLITE_BACKFILL, *SQLITE_TRIGGERS]
    for statement in statements:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        statements = POSTGRES_BACKWARD
    else:
        statements = [f"DROP TRIGGER {name}" for name in trigger_names(SQLITE_TRIGGERS)]
    for statement in statements:
        schema_editor.execute(statement)
    for column, _, _ in TAGS:
        schema_editor.execute(f"ALTER TABLE claims_claim DROP COLUMN {column}")


class Migration(migrations.Migration):
    dependencies = [("claims", "0004_public_order_index")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward, elidable=False)],
            state_operations=[
                migrations.AddField(
                    model_name="claim",
                    name="company_ids",
                    field=claims.fields.IdArrayField(
                        help_text="Ids of the claim's companies; maintained by the database."
                    ),
                ),
                migrations.AddField(
                    model_name="claim",
                    name="topic_ids",
                    field=claims.fields.IdArrayField(
                        help_text="Ids of the claim's topics; maintained by the database."
                    ),
                ),
            ],
        ),
    ]
