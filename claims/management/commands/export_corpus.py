"""Write the whole corpus as fixture files in the loader's format.

    manage.py export_corpus OUT_DIR

OUT_DIR receives companies.json, topics.json and sources/<key>.json; loading
them with load_corpus into the same database changes nothing, and into an
empty one gives back the same corpus.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from claims.ingest.export import export_corpus


class Command(BaseCommand):
    help = "Export the whole corpus (every status) as fixture files that load_corpus reads back."

    def add_arguments(self, parser):
        parser.add_argument("out_dir", help="Directory to write; existing files of the same names are replaced.")

    def handle(self, out_dir, verbosity, **options):
        out = Path(out_dir)
        if out.exists() and not out.is_dir():
            raise CommandError(f"{out}: not a directory")
        sources, claims = export_corpus(out)
        if verbosity >= 1:
            self.stdout.write(f"Exported {sources} source(s) and {claims} claim(s) to {out}.")
