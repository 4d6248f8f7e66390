"""Django's loaddata, as a whole-database move needs it (docs/operations.md).

loaddata saves raw rows, but the relations it sets afterwards (a claim's
companies and topics) still send m2m_changed: django-simple-history then
writes a new history record per claim, and the public counts recount per
claim. The dump already holds the history and the counts as they were, so
here both are off while the fixtures load; the counts are checked once at
the end (writing only what differs), and the corpus version moves once.
"""

from django.conf import settings
from django.core.management.commands import loaddata

from claims import changes


class Command(loaddata.Command):
    help = loaddata.Command.help + " History and public counts are taken from the fixtures, not recorded anew."

    def handle(self, *fixture_labels, **options):
        enabled = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
        settings.SIMPLE_HISTORY_ENABLED = False
        try:
            with changes.bulk_change(using=options.get("database")):
                super().handle(*fixture_labels, **options)
        finally:
            settings.SIMPLE_HISTORY_ENABLED = enabled
