from django.db import migrations, models

HELP = (
    "The editor's note when the claim was sent back for changes: shown to its curator until it is "
    "submitted again, and kept in the claim's history."
)


def review_note_column(apps, schema_editor):
    schema_editor.execute("ALTER TABLE claims_claim ADD COLUMN review_note text NOT NULL DEFAULT ''")


def drop_review_note_column(apps, schema_editor):
    schema_editor.execute("ALTER TABLE claims_claim DROP COLUMN review_note")


class Migration(migrations.Migration):
    dependencies = [("claims", "0011_source_history")]

    operations = [
        # claims_claim is changed in place (ADD COLUMN, no table rebuild): on
        # SQLite a rebuild would drop the search and tag-copy triggers.
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(review_note_column, drop_review_note_column, elidable=False)],
            state_operations=[
                migrations.AddField(
                    model_name="claim",
                    name="review_note",
                    field=models.TextField(blank=True, editable=False, help_text=HELP),
                ),
            ],
        ),
        migrations.AddField(
            model_name="historicalclaim",
            name="review_note",
            field=models.TextField(blank=True, editable=False, help_text=HELP),
        ),
    ]
