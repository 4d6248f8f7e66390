"""What a load reports: each error with its file, record and field, and
what was (or, on a dry run, would be) created, updated and left alone."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LoadError:
    """One problem in one record of one file: where, which field, what is wrong."""

    file: str
    record: str  # JSON pointer and claim key, e.g. "/claims/3 (claim 'alibaba-cloud-share')"
    field: str  # e.g. "citations/0/quote"; empty when the whole record is at fault
    message: str

    def __str__(self):
        where = self.record or "(file)"
        return f"{self.file}: {where}: {self.field + ': ' if self.field else ''}{self.message}"


class LoadFailed(Exception):
    def __init__(self, errors):
        self.errors = errors
        super().__init__(f"{len(errors)} error(s)")


@dataclass
class LoadReport:
    """What a load did (or, on a dry run, would do), per model."""

    dry_run: bool = False
    files: list = field(default_factory=list)
    counts: dict = field(default_factory=lambda: defaultdict(Counter))
    missing: list = field(default_factory=list)  # (source key, claim key) in the DB but not in its file
    conflicts_overwritten: list = field(default_factory=list)
    unverified_sources: list = field(default_factory=list)  # (source key, why its quotes went unchecked)
    texts_stored: list = field(default_factory=list)  # (source key, text file name)
    page_disagreements: list = field(default_factory=list)  # (file, record, locator, page in the text)
    sources: list = field(default_factory=list)  # keys of the sources the files hold
    # The editorial checks' findings about those sources (claims/editorial/);
    # None when the load was too large to check in passing (check_corpus does it).
    findings: list | None = field(default_factory=list)

    def count(self, model, outcome, n=1):
        self.counts[model][outcome] += n

    def lines(self):
        for model in ("company", "topic", "source", "claim", "citation", "relation"):
            if model in self.counts:
                c = self.counts[model]
                yield (
                    f"{model}: {c['created']} created, {c['updated']} updated, "
                    f"{c['unchanged']} unchanged, {c['removed']} removed"
                )
