"""Editorial checks: what a careful editor catches before signing claims
off, found by software first — for the seed corpus and every source after.

Each check has an id, a severity and a message naming the claim (source and
claim key) and the field. The software flags, a person decides, and the
decision is written down: a claim accepts a finding with a reason
(Claim.accepted_checks, "accept" in its fixture record), and the report
lists it with that reason instead of counting it. `manage.py check_corpus`
fails on an error nobody accepted; load_corpus prints every finding as a
warning, and the claim's admin page shows its own.

    quotechecks.py   a figure's quote holds its number; each quote stands alone;
                     locators name the page; wording agrees with the qualifier
    claimchecks.py   near-duplicates in a source; relations; periods; untagged companies
    corpuschecks.py  metrics across the corpus: near-duplicate labels, mixed units
"""

from dataclasses import dataclass

ERROR, WARNING = "error", "warning"

# Every check, by id: what it looks for (docs/curation.md says how to fix each).
CHECKS = {
    "quote-has-number": "a figure's quote gives its number in some written form",
    "quote-stands-alone": "each quote names the claim's subject or measure, or is long enough to stand alone",
    "locator-page": "a paginated source is cited by page, the page its text puts the quote on",
    "qualifier-wording": "the quote's wording (up to, nearly, over …) agrees with the stored qualifier",
    "near-duplicate": "no two claims of a source state the same thing",
    "relation-contradicts": "contradicts links figures that cannot both be true, about one period",
    "relation-cycle": "claims of one source do not support each other in a circle",
    "relation-twice": "a pair of claims is linked once",
    "metric-near-duplicate": "one metric, one label",
    "metric-units": "the figures of one metric share one unit",
    "period-after-publication": "only a forecast is about a time after the source was published",
    "untagged-company": "a company the claim names is one it is filed under",
}


@dataclass(frozen=True)
class Finding:
    check: str  # e.g. "quote-has-number"
    severity: str  # ERROR or WARNING
    source: str  # source key
    claim: str  # claim key; "" for a finding about a metric
    field: str  # e.g. "citations/0/quote"
    message: str
    accepted: str = ""  # the reason a person accepted it with

    @property
    def where(self):
        return f"{self.source}/{self.claim}" if self.claim else self.source

    def __str__(self):
        field = f" {self.field}:" if self.field else ""
        accepted = f" [accepted: {self.accepted}]" if self.accepted else ""
        return f"{self.severity} {self.check} {self.where}{field} {self.message}{accepted}"

    @property
    def counts(self):
        """Whether it stops check_corpus: an error nobody accepted."""
        return self.severity == ERROR and not self.accepted
