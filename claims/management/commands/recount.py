"""Count the public claims of every company, topic, source, kind and year again.

    manage.py recount

load_corpus and every admin change keep these counts exact on their own.
Run this once after upgrading a database that has claims (migration 0006
creates the table empty; until then the lists count live, slowly), or after
writing claims with raw SQL.
"""

import time

from django.core.management.base import BaseCommand

from claims import changes
from claims.models import PublicCount


class Command(BaseCommand):
    help = "Recount the precomputed public counts (companies, topics, sources, kinds, years) from scratch."

    def handle(self, verbosity, **options):
        started = time.perf_counter()
        changes.recount()
        if verbosity >= 1:
            rows = PublicCount.objects.count()
            self.stdout.write(f"Recounted {rows:,} values in {time.perf_counter() - started:.1f} s.")
