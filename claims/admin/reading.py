"""Reading a source in the admin: its text by page or paragraph, every quote
that cites it highlighted and linked to its claim, coloured by the claim's
status, and a way from a passage to a new claim (claims/static/admin/claims/
reading.js for a selection; a link per paragraph without JavaScript).

The page reads the source, its text and its citations with their claims:
three queries, however many claims cite it."""

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from claims.models import Claim, FullText
from claims.quotes import page_at

PARAGRAPH_BREAK = re.compile(r"\n[ \t\f\r]*\n\s*")
LINE_BREAK = re.compile(r"\n\s*")
# A text with fewer blank-line paragraphs than this per 2,000 characters
# (typical of PDF text) is read a line at a time instead.
PARAGRAPHS_PER_2000_CHARS = 1
# A status shown over another where two quotes overlap: the most public one.
STATUS_RANK = {Claim.Status.DRAFT: 0, Claim.Status.REVIEW: 1, Claim.Status.RETRACTED: 2, Claim.Status.PUBLISHED: 3}
# The words of a searched term that are looked for (case-insensitively).
MAX_QUERY_LENGTH = 200


@dataclass
class Paragraph:
    number: int
    start: int
    end: int
    page: str
    claims: set = field(default_factory=set)
    hits: int = 0
    html: str = ""
    previous_unclaimed: int | None = None
    next_unclaimed: int | None = None
    new_claim_url: str = ""

    @property
    def locator(self):
        return f"p. {self.page}" if self.page else f"para. {self.number}"

    @property
    def anchor(self):
        return f"para-{self.number}"


@dataclass
class Page:
    label: str
    paragraphs: list

    @property
    def claims(self):
        return len(set().union(*(p.claims for p in self.paragraphs)))


def paragraph_spans(text):
    """(start, end) of each non-blank paragraph of the text."""
    breaks = PARAGRAPH_BREAK if len(PARAGRAPH_BREAK.findall(text)) * 2000 >= len(text) else LINE_BREAK
    spans, start = [], 0
    for found in breaks.finditer(text):
        spans.append((start, found.start()))
        start = found.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def quote_spans(text, citations, searchable):
    """(start, end, citation) of each citation found in the text."""
    spans = []
    for citation in citations:
        if citation.position is None:
            continue
        end = citation.position + len(citation.quote)
        if text[citation.position : end] != citation.quote:  # found after normalisation: its passage
            match = searchable.find(citation.quote)
            if match is None or match.start != citation.position:
                continue
            end = match.end
        spans.append((citation.position, end, citation))
    return spans


def search_spans(text, query):
    if not query:
        return []
    return [(m.start(), m.end()) for m in re.finditer(re.escape(query), text, re.IGNORECASE)]


def render(text, start, end, quotes, hits, claim_url):
    """The paragraph text[start:end] as HTML: each quote a link to its claim,
    each search hit marked; every piece of text escaped."""
    cuts = {start, end}
    for s, e, _ in quotes:
        cuts |= {min(max(s, start), end), min(max(e, start), end)}
    for s, e in hits:
        cuts |= {min(max(s, start), end), min(max(e, start), end)}
    cuts = sorted(cuts)
    anchored, html = set(), []
    for s, e in zip(cuts, cuts[1:], strict=False):
        piece = escape(text[s:e])
        if any(hs <= s and e <= he for hs, he in hits):
            piece = f'<mark class="search-hit">{piece}</mark>'
        covering = [c for qs, qe, c in quotes if qs <= s and e <= qe]
        if covering:
            top = max(covering, key=lambda c: STATUS_RANK.get(c.claim.status, 0))
            first = next((c for c in covering if c.pk not in anchored), None)
            ids = ""
            if first is not None:  # where "Read it in the source" lands
                anchored.add(first.pk)
                ids = f' id="citation-{first.pk}"'
            title = escape(f"{top.claim.get_status_display()}: {top.claim.text}")
            piece = (
                f'<a class="quote status-{top.claim.status}"{ids} href="{claim_url(top.claim_id)}" '
                f'title="{title}">{piece}</a>'
            )
        html.append(piece)
    return mark_safe("".join(html))


def new_claim_url(source, quote, locator):
    """The Add claim form with the source, the quote and its locator filled in."""
    query = urlencode({"source": source.pk, "quote": " ".join(quote.split()), "locator": locator})
    return f"{reverse('admin:claims_claim_add')}?{query}"


def reading(source, text, page_map, citations, searchable, query=""):
    """What the reading page shows: pages of paragraphs, with their claims."""
    query = query.strip()[:MAX_QUERY_LENGTH]
    quotes = quote_spans(text, citations, searchable)
    hits = search_spans(text, query)
    claim_url = lambda pk: reverse("admin:claims_claim_change", args=[pk])  # noqa: E731
    paragraphs = []
    for number, (start, end) in enumerate(paragraph_spans(text), start=1):
        paragraph = Paragraph(number, start, end, page_at(page_map, start) or "")
        inside = [(s, e, c) for s, e, c in quotes if s < end and e > start]
        paragraph.claims = {c.claim_id for _, _, c in inside}
        paragraph.hits = sum(1 for s, e in hits if s < end and e > start)
        paragraph.html = render(text, start, end, inside, [(s, e) for s, e in hits if s < end and e > start], claim_url)
        paragraph.new_claim_url = new_claim_url(source, text[start:end], paragraph.locator)
        paragraphs.append(paragraph)
    unclaimed = [p for p in paragraphs if not p.claims]
    for before, after in zip(unclaimed, unclaimed[1:], strict=False):
        before.next_unclaimed, after.previous_unclaimed = after.number, before.number
    pages = []
    for paragraph in paragraphs:
        if not pages or pages[-1].label != paragraph.page:
            pages.append(Page(paragraph.page, []))
        pages[-1].paragraphs.append(paragraph)
    return {
        "pages": pages,
        "paragraphs": len(paragraphs),
        "unclaimed": len(unclaimed),
        "first_unclaimed": unclaimed[0].number if unclaimed else None,
        "claims": len({c.claim_id for c in citations}),
        "quotes_placed": len(quotes),
        "quotes_not_placed": len(citations) - len(quotes),
        "query": query,
        "hits": [p for p in paragraphs if p.hits],
        "paged": bool(page_map),
    }


def passage_from(params):
    """{source, quote, locator} for a new claim's first citation, from the
    reading page's link (query parameters); None when there is no quote."""
    quote = " ".join(params.get("quote", "").split())
    if not quote:
        return None
    source = params.get("source", "")
    return {
        "source": int(source) if source.isdigit() and len(source) < 19 else None,
        "quote": quote[:5000],
        "locator": params.get("locator", "")[:100],
    }


def passage_check(passage):
    """What the curator is told about a passage brought from the reading
    page: whether the source's text holds it, and where."""
    searchable = FullText.searchable(passage["source"]) if passage["source"] else None
    if searchable is None:
        return "The source has no text to check this passage against; it is checked when it has one."
    match = searchable.find(passage["quote"])
    if match.status in ("exact", "normalised"):
        where = f" on p. {match.page}" if match.page else ""
        return f"The passage is in the source's text ({match.status}{where}); it is checked again when you save."
    return "The passage was not found as it is in the source's text: check it before saving."
