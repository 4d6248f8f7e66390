"""Run the editorial checks (claims/editorial/) and list every finding.

    manage.py check_corpus                          # the claims in the database
    manage.py check_corpus --source danilin-2020-covid-china-platforms
    manage.py check_corpus fixtures/ --texts DIR    # fixture files, loaded and rolled back

Fails (exit status 1) when an error is found that its claim does not
accept; warnings and accepted findings are listed, with their reasons.
"""

from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from claims.editorial.report import check_sources
from claims.ingest.loaders import LoadFailed, load_corpus
from claims.models import Source


class Command(BaseCommand):
    help = "List what an editor would flag: quotes, locators, qualifiers, duplicates, relations, metrics, periods."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="Fixture files or directories to check instead of the database.")
        parser.add_argument("--texts", metavar="DIR", help="The sources' text files, as for load_corpus.")
        parser.add_argument("--source", action="append", default=[], metavar="KEY", help="Check only this source.")

    def handle(self, paths, texts, source, verbosity, **options):
        if paths:
            try:
                report = load_corpus(paths, texts_dir=texts, dry_run=True)
            except LoadFailed as failed:
                lines = [f"The files do not load ({len(failed.errors)} error(s)); fix these first:"]
                raise CommandError("\n".join(lines + [f"  {error}" for error in failed.errors]))
            found = report.findings
            if found is None:
                raise CommandError(
                    "These files are too large to check in one go: load them, then check_corpus --source."
                )
        else:
            sources = Source.objects.order_by("key")
            if source:
                sources = sources.filter(key__in=source)
                missing = set(source) - set(sources.values_list("key", flat=True))
                if missing:
                    raise CommandError(f"No source with key {', '.join(sorted(missing))}.")
            found = check_sources(list(sources))
        self.report(found, verbosity)

    def report(self, findings, verbosity):
        for finding in findings:
            style = self.style.ERROR if finding.counts else self.style.WARNING
            if verbosity >= 1 and (verbosity >= 2 or not finding.accepted):
                self.stdout.write(style(str(finding)))
        accepted = [f for f in findings if f.accepted]
        if verbosity >= 1 and accepted:
            self.stdout.write(f"\n{len(accepted)} finding(s) accepted by their claims:")
            for finding in accepted:
                self.stdout.write(f"  {finding.check} {finding.where}: {finding.accepted}")
        by_check = Counter((f.check, f.severity) for f in findings if not f.accepted)
        if verbosity >= 1:
            self.stdout.write("\nFindings by check (not accepted):")
            for (check, severity), n in sorted(by_check.items()):
                self.stdout.write(f"  {check:28} {severity:8} {n}")
        errors = sum(1 for f in findings if f.counts)
        if errors:
            raise CommandError(f"{errors} error(s) to fix or to accept with a reason.")
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS("No errors."))
