"""Checks of a claim against its own quotes: a figure's quote holds its
number, each quote can stand as evidence alone, locators name the page in a
paginated source, and the quote's wording agrees with the stored qualifier."""

import re
from decimal import Decimal, InvalidOperation

from claims import evidence
from claims.editorial import ERROR, WARNING, Finding
from claims.models import Claim

# A quote this long reads as evidence on its own even when it names neither
# the claim's subject nor its measure: the seed corpus's fragments that prove
# nothing ("to RMB12.3 bln", "over 30,000 villages") are all shorter, its
# self-contained clauses longer.
STANDS_ALONE_CHARS = 45
NUMBER = re.compile(r"\d+(?:[.,\s]\d{3})*(?:[.,]\d+)?")
WORD_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "dozen": 12, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "hundred": 100, "third": 3, "fifth": 5, "tenth": 10,
    "double": 2, "twice": 2, "triple": 3, "first": 1, "second": 2, "fourth": 4, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tens": 10, "dozens": 12, "hundreds": 100,
}  # fmt: skip
# Fractions written as words, as shares (a fifth: 20 percent or 0.2).
FRACTIONS = {"half": 2, "third": 3, "quarter": 4, "fifth": 5, "tenth": 10}
# "a billion", "one million": one of the scale.
ONE_OF_SCALE = re.compile(r"\b(?:a|an|one)[\s-]+(?:thousand|million|billion|trillion)\b")
# The words a source uses for each qualifier, as docs/curation.md lists them.
QUALIFIER_WORDS = [
    (Claim.Qualifier.UNDER, ("up to", "as many as", "as much as", "less than", "fewer than", "under", "below")),
    (Claim.Qualifier.APPROX, ("nearly", "almost", "about", "around", "approximately", "roughly", "some")),
    (Claim.Qualifier.OVER, ("more than", "over", "at least", "above", "exceeded", "exceeding", "upwards of")),
]
SHORT_WORDS = {"the", "and", "for", "with", "from", "that", "this", "share", "number", "value"}


def numbers_in(text):
    """Every number written in text, as Decimals: digits with thousands
    separators or a decimal comma, and number words ("half", "ten")."""
    found = set()
    for written in NUMBER.findall(text):
        for candidate in _readings(written):
            found.add(candidate)
    words = re.findall(r"[a-z]+", text.lower())
    found |= {Decimal(WORD_NUMBERS[word]) for word in words if word in WORD_NUMBERS}
    for word, parts in FRACTIONS.items():
        if word in words or f"{word}s" in words:
            found |= {Decimal(1) / parts, (Decimal(100) / parts).quantize(Decimal(1))}
    if ONE_OF_SCALE.search(text.lower()):
        found.add(Decimal(1))
    return found


def _readings(written):
    """12,2 may be 12.2 or 122; 1,480 is 1480; 1 480 is 1480."""
    compact = written.replace(" ", "")
    readings = {compact.replace(",", ""), compact.replace(",", ".")}
    values = set()
    for reading in readings:
        if reading.count(".") > 1:
            reading = reading.replace(".", "")  # 1.480.000: thousands separators
        try:
            values.add(Decimal(reading))
        except InvalidOperation:
            continue
    return values


def holds_number(quote, value):
    """Whether the quote writes the value, at any scale (1.48 billion is
    1,480 million) or as a word."""
    value = abs(value).normalize()  # "fell 3.6%" gives -3.6 as 3.6
    scales = [Decimal(10) ** k for k in (0, 3, 6, 9, 12)]
    for number in numbers_in(quote):
        for scale in scales:
            if number in (value * scale, value / scale):
                return True
    return False


def quote_has_number(claim):
    """A figure (or a forecast with a value) quotes its own number."""
    if claim.value is None or not claim.citations.all():
        return
    values = [claim.value] + ([claim.value_max] if claim.value_max is not None else [])
    quotes = [citation.quote for citation in claim.citations.all()]
    if any(holds_number(quote, value) for quote in quotes for value in values):
        return
    yield Finding(
        "quote-has-number",
        ERROR,
        claim.source.key,
        claim.key,
        "citations/0/quote",
        f"no quote of this figure gives its number ({claim.value_display}) in any written form",
    )


def subject_words(claim, companies):
    """Names of the claim's companies and aliases, and the words of its metric."""
    words = set()
    for company in companies:
        words |= {company.name.lower(), *(alias.lower() for alias in company.aliases)}
    words |= {word for word in re.findall(r"[a-z]{4,}", claim.metric.lower()) if word not in SHORT_WORDS}
    return words


def quote_stands_alone(claim):
    companies = list(claim.companies.all())
    words = subject_words(claim, companies)
    for index, citation in enumerate(claim.citations.all()):
        quote = citation.quote.lower()
        if len(citation.quote) >= STANDS_ALONE_CHARS or any(word in quote for word in words):
            continue
        yield Finding(
            "quote-stands-alone",
            WARNING,
            claim.source.key,
            claim.key,
            f"citations/{index}/quote",
            f"“{citation.quote}” names neither the claim's subject nor its measure, and is under "
            f"{STANDS_ALONE_CHARS} characters: quote the clause that does",
        )


def locator_names_the_page(claim, paginated):
    """In a paginated source every locator is 'p. N', the page the text puts the quote on."""
    for index, citation in enumerate(claim.citations.all()):
        if citation.source_id != claim.source_id or not paginated:
            continue
        page = evidence.locator_page(citation.locator)
        if page is None:
            yield Finding(
                "locator-page",
                ERROR,
                claim.source.key,
                claim.key,
                f"citations/{index}/locator",
                f"“{citation.locator}” names no page; this source is paginated: write p. N",
            )
        elif citation.page and citation.page != page:
            yield Finding(
                "locator-page",
                ERROR,
                claim.source.key,
                claim.key,
                f"citations/{index}/locator",
                f"“{citation.locator}”, but the source's text puts the quote on p. {citation.page}",
            )


def wording_of(quote):
    """The qualifier a quote's wording implies, or None."""
    lowered = quote.lower()
    for qualifier, phrases in QUALIFIER_WORDS:
        if any(re.search(rf"\b{re.escape(phrase)}\b\s*[$€£¥]?\s*\d", lowered) for phrase in phrases):
            return qualifier
    return None


def qualifier_agrees(claim):
    if claim.value is None:
        return
    for citation in claim.citations.all():
        implied = wording_of(citation.quote)
        if implied is not None and implied != claim.value_qualifier and claim.value_qualifier != Claim.Qualifier.RANGE:
            yield Finding(
                "qualifier-wording",
                WARNING,
                claim.source.key,
                claim.key,
                "value/qualifier",
                f"the quote says “{citation.quote}”, which reads as “{Claim.Qualifier(implied).label}”, "
                f"but the figure is stored as “{claim.get_value_qualifier_display()}”",
            )
            return


def run(claim, paginated):
    yield from quote_has_number(claim)
    yield from quote_stands_alone(claim)
    yield from locator_names_the_page(claim, paginated)
    yield from qualifier_agrees(claim)
