import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

AT_HELP = (
    "When the claim was retracted; shown on its retraction notice. Empty for claims retracted before it was "
    "recorded, whose notice takes the date from the claim's history."
)
BY_HELP = "The editor who retracted the claim (Claim.retract())."
REASON_HELP = (
    "Why a retracted claim was withdrawn, in the editor's words; kept on record and shown on the claim's "
    "retraction notice (its permalink), e.g. 'The figure is the market's, not Alibaba's share'."
)


def add_columns(apps, schema_editor):
    user_table = schema_editor.connection.ops.quote_name(apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE claims_claim ADD COLUMN retracted_at timestamp with time zone NULL")
        schema_editor.execute(
            f"ALTER TABLE claims_claim ADD COLUMN retracted_by_id integer NULL REFERENCES {user_table} (id) "
            "ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED"
        )
    else:
        schema_editor.execute("ALTER TABLE claims_claim ADD COLUMN retracted_at datetime NULL")
        schema_editor.execute(
            f"ALTER TABLE claims_claim ADD COLUMN retracted_by_id integer NULL REFERENCES {user_table} (id) "
            "DEFERRABLE INITIALLY DEFERRED"
        )
    schema_editor.execute("CREATE INDEX claims_claim_retracted_by_id ON claims_claim (retracted_by_id)")


def drop_columns(apps, schema_editor):
    schema_editor.execute("DROP INDEX claims_claim_retracted_by_id")
    schema_editor.execute("ALTER TABLE claims_claim DROP COLUMN retracted_by_id")
    schema_editor.execute("ALTER TABLE claims_claim DROP COLUMN retracted_at")


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0013_accepted_checks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # In place (ADD COLUMN, no table rebuild), as in 0013: on SQLite a
        # rebuild would drop the search and tag-copy triggers.
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_columns, drop_columns, elidable=False)],
            state_operations=[
                migrations.AddField(
                    model_name="claim",
                    name="retracted_at",
                    field=models.DateTimeField(blank=True, editable=False, help_text=AT_HELP, null=True),
                ),
                migrations.AddField(
                    model_name="claim",
                    name="retracted_by",
                    field=models.ForeignKey(
                        blank=True,
                        editable=False,
                        help_text=BY_HELP,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="historicalclaim",
            name="retracted_at",
            field=models.DateTimeField(blank=True, editable=False, help_text=AT_HELP, null=True),
        ),
        migrations.AddField(
            model_name="historicalclaim",
            name="retracted_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                help_text=BY_HELP,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="claim",
            name="retraction_reason",
            field=models.TextField(blank=True, help_text=REASON_HELP),
        ),
        migrations.AlterField(
            model_name="historicalclaim",
            name="retraction_reason",
            field=models.TextField(blank=True, help_text=REASON_HELP),
        ),
    ]
