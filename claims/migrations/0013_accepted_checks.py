from django.db import migrations, models

HELP = (
    "Editorial checks this claim passes by a person's decision (claims/editorial/): {check id: why}, "
    'e.g. {"quote-stands-alone": "the table row names the company"}.'
)


def accepted_checks_column(apps, schema_editor):
    column_type = "jsonb" if schema_editor.connection.vendor == "postgresql" else "text"
    schema_editor.execute(f"ALTER TABLE claims_claim ADD COLUMN accepted_checks {column_type} NOT NULL DEFAULT '{{}}'")


def drop_accepted_checks_column(apps, schema_editor):
    schema_editor.execute("ALTER TABLE claims_claim DROP COLUMN accepted_checks")


class Migration(migrations.Migration):
    dependencies = [("claims", "0012_claim_review_note")]

    operations = [
        # In place (ADD COLUMN, no table rebuild): on SQLite a rebuild would
        # drop the search and tag-copy triggers.
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunPython(accepted_checks_column, drop_accepted_checks_column, elidable=False)
            ],
            state_operations=[
                migrations.AddField(
                    model_name="claim",
                    name="accepted_checks",
                    field=models.JSONField(blank=True, default=dict, help_text=HELP),
                ),
            ],
        ),
        migrations.AddField(
            model_name="historicalclaim",
            name="accepted_checks",
            field=models.JSONField(blank=True, default=dict, help_text=HELP),
        ),
    ]
