"""Validate and load fixture files into the corpus, all or nothing.

    manage.py load_corpus                       # everything under fixtures/
    manage.py load_corpus fixtures/sources/x.json --dry-run
    manage.py load_corpus big.jsonl --texts /path/to/texts

The format is documented in docs/fixtures.md.
"""

from django.core.management.base import BaseCommand, CommandError

from claims.ingest.loaders import FailedAfterCommit, LoadFailed, load_corpus


class Command(BaseCommand):
    help = "Validate fixture files (schema, references, quotes against source texts) and load them in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="Fixture files or directories (default: fixtures/).")
        parser.add_argument("--dry-run", action="store_true", help="Validate and report; write nothing.")
        parser.add_argument(
            "--texts",
            metavar="DIR",
            help="Directory holding the sources' text_file files (.txt, .pdf, .html); each text is stored in the "
            "corpus, so the site needs no such directory (default: CORPUS_TEXTS_DIR).",
        )
        parser.add_argument(
            "--remove-missing",
            action="store_true",
            help="Delete claims that are in the database but no longer in their file.",
        )
        parser.add_argument(
            "--overwrite-admin-edits",
            action="store_true",
            help="Let the file replace claims a curator edited in the admin since they were loaded.",
        )

    def handle(self, paths, dry_run, texts, remove_missing, overwrite_admin_edits, verbosity, **options):
        progress = self.stdout.write if verbosity >= 2 else None
        try:
            report = load_corpus(
                paths,
                texts_dir=texts,
                dry_run=dry_run,
                remove_missing=remove_missing,
                overwrite_admin_edits=overwrite_admin_edits,
                progress=progress,
            )
        except LoadFailed as failed:
            files = len({e.file for e in failed.errors})
            outcome = "after the load was committed" if isinstance(failed, FailedAfterCommit) else "nothing was loaded"
            lines = [f"{len(failed.errors)} error(s) in {files} file(s); {outcome}:"]
            lines += [f"  {printable(error)}" for error in failed.errors]
            raise CommandError("\n".join(lines))
        if verbosity >= 1:
            prefix = "Dry run, nothing written. Would load" if dry_run else "Loaded"
            self.stdout.write(f"{prefix} {len(report.files)} file(s).")
            for line in report.lines():
                self.stdout.write(f"  {line}")
            for source_key, name in report.texts_stored:
                self.stdout.write(f"  {source_key}: text '{name}' stored in the corpus; its quotes verified again")
            for source_key, why in report.unverified_sources:
                self.stdout.write(
                    self.style.WARNING(
                        f"  {source_key}: no text to check its quotes against ({why}); they load as 'no source text' "
                        "and cannot be published without an editor's reason"
                    )
                )
            for file, record, locator, page in report.page_disagreements:
                self.stdout.write(
                    self.style.WARNING(
                        f"  {file}: {record}: locator '{locator}', but the text puts the quote on p. {page}"
                    )
                )
            if report.missing:
                verb = "removed" if remove_missing else "kept (use --remove-missing to delete)"
                self.stdout.write(
                    self.style.WARNING(f"  {len(report.missing)} claim(s) no longer in their file, {verb}:")
                )
                for source_key, key in report.missing[: 50 if verbosity < 2 else None]:
                    self.stdout.write(f"    {source_key}/{key}")
            for source_key, key in report.conflicts_overwritten:
                self.stdout.write(self.style.WARNING(f"  {source_key}/{key}: admin edits overwritten by the file"))
            self.write_findings(report.findings, verbosity)

    def write_findings(self, findings, verbosity):
        """The editorial checks' findings, as warnings: check_corpus decides."""
        if findings is None:
            self.stdout.write("  Too many claims to check in passing: run check_corpus --source for each source.")
            return
        shown = [f for f in findings if not f.accepted]
        if not shown:
            return
        errors = sum(1 for f in shown if f.counts)
        self.stdout.write(
            self.style.WARNING(
                f"  Editorial checks: {len(shown)} finding(s), {errors} of them errors check_corpus would fail on:"
            )
        )
        for finding in shown[: 30 if verbosity < 2 else None]:
            self.stdout.write(self.style.WARNING(f"    {finding}"))
        if len(shown) > 30 and verbosity < 2:
            self.stdout.write(f"    … and {len(shown) - 30} more (check_corpus lists them all)")


def printable(error):
    """An error as a terminal shows it: what a file said that no terminal
    should print (a lone surrogate, a control character) escaped."""
    text = str(error).encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii") for c in text)
