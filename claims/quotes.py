"""Find a citation's verbatim quote in the text of its source.

A quote counts as verbatim when it matches the source text character for
character, or after normalising what PDF and web extraction change without
changing the words: runs of white space, typographic quotes and dashes, soft
hyphens, invisible formatting characters (bidirectional controls and
zero-width characters, which a quote may not hold: claims/plaintext.py), and
words hyphenated across a line break ("Ali-\\nbaba").

Pure Python (no Django) so that it can be used by the loader, the admin and
curators' own scripts alike.
"""

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz

# The verification of a quote whose source has no text at hand (evidence.NO_TEXT).
NO_TEXT = "no_text"

# Context kept on each side of a quote, as the W3C Web Annotation
# TextQuoteSelector does with its prefix and suffix.
CONTEXT_CHARS = 32

# A fuzzy match scoring at least this (0–100) is offered as "the nearest
# passage"; it never verifies a quote by itself.
FUZZY_THRESHOLD = 60.0

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2026": "...",
    }
)
# A word hyphenated across a line break: a letter, '-', the break, a letter.
# Never between digits: "30-\n35" is a range, not one number.
# Characters a reader cannot see (claims/plaintext.py refuses them in a
# quote): dropped on both sides, so a quote is found in a text that holds
# them, and the context and passages taken from the text never carry them.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_DROP_INVISIBLE = str.maketrans(dict.fromkeys(INVISIBLE))
_HYPHEN_BREAK = re.compile(r"(?<=[^\W\d_])-[ \t]*\r?\n\s*(?=[^\W\d_])")
_LETTER = re.compile(r"[^\W\d_]")


def _between_letters(text, i):
    """Is text[i] flanked by letters ('e-commerce'), where dropping a hyphen
    cannot change a number, a range or a sign ('10–20', '−5')?"""
    return 0 < i < len(text) - 1 and bool(_LETTER.match(text[i - 1])) and bool(_LETTER.match(text[i + 1]))


@dataclass(frozen=True)
class Match:
    """Where a quote was found: offsets into the original text."""

    status: str  # "exact", "normalised", "fuzzy" or "not_found"
    start: int | None = None
    end: int | None = None
    score: float | None = None
    prefix: str = ""
    suffix: str = ""
    passage: str = ""  # the original text matched (for fuzzy: the nearest passage)
    page: str = ""  # the printed page it starts on, where the text has a page map


def verification_fields(match, checked_at):
    """What a citation records of a Match (None: the source text is not at hand)."""
    if match is None:
        return {
            "verification": NO_TEXT,
            "verification_score": None,
            "verified_at": None,
            "position": None,
            "prefix": "",
            "suffix": "",
            "page": "",
        }
    found = match.status in ("exact", "normalised")
    return {
        "verification": match.status,
        "verification_score": match.score if match.status == "fuzzy" else None,
        "verified_at": checked_at,
        "position": match.start if found else None,
        "prefix": match.prefix if found else "",
        "suffix": match.suffix if found else "",
        "page": match.page if found else "",
    }


def page_at(page_map, offset):
    """The printed page label at a character offset, from a page map of
    (offset, label) pairs in order; None without a map or an offset."""
    if not page_map or offset is None:
        return None
    index = bisect_right([start for start, _ in page_map], offset) - 1
    return str(page_map[max(index, 0)][1])


def readable(passage):
    """A passage of the source as a quote: words hyphenated across a line
    break joined again and white space collapsed, nothing else changed, so
    that it still matches the text (after normalisation)."""
    return _collapse(_HYPHEN_BREAK.sub("", passage))


def normalise(text, drop_hyphens=False):
    """Return (normalised text, offsets) where offsets[i] is the position in
    `text` of the i-th normalised character (plus one final end offset)."""
    out = []
    offsets = []
    # Remove line-break hyphenation first, remembering positions.
    i = 0
    n = len(text)
    pending_space = False
    while i < n:
        ch = text[i]
        if ch in INVISIBLE:
            i += 1
            continue
        if ch == "-" or ch in "\u2010\u2011\u00ad":
            m = _HYPHEN_BREAK.match(text, i) if ch != "\u00ad" else None
            if ch == "\u00ad":
                i += 1
                continue
            if m:
                i = m.end()
                continue
            if drop_hyphens and _between_letters(text, i):
                i += 1
                continue
        mapped = ch.translate(_TRANSLATE)
        if mapped.isspace():
            if out:
                pending_space = True
            i += 1
            continue
        if pending_space:
            out.append(" ")
            offsets.append(i - 1)
            pending_space = False
        for c in mapped:
            if drop_hyphens and c == "-" and _between_letters(text, i):
                continue
            out.append(c)
            offsets.append(i)
        i += 1
    offsets.append(n)
    return "".join(out), offsets


def _collapse(text):
    return " ".join(text.translate(_DROP_INVISIBLE).split())


class SourceText:
    """A source's full text, normalised once, searched many times; with its
    page map ((offset, printed page) pairs) when it has pages."""

    def __init__(self, text, page_map=()):
        self.text = text
        self.page_map = [tuple(entry) for entry in page_map or ()]

    @cached_property
    def _normal(self):
        return normalise(self.text)

    @cached_property
    def _dehyphenated(self):
        return normalise(self.text, drop_hyphens=True)

    def _located(self, status, start, end, score=None):
        return Match(
            status=status,
            start=start,
            end=end,
            score=score,
            prefix=_collapse(self.text[max(0, start - CONTEXT_CHARS * 2) : start])[-CONTEXT_CHARS:],
            suffix=_collapse(self.text[end : end + CONTEXT_CHARS * 2])[:CONTEXT_CHARS],
            passage=self.text[start:end],
            page=page_at(self.page_map, start) or "",
        )

    def find(self, quote):
        """Locate `quote`: exact, then normalised, else report the nearest passage."""
        start = self.text.find(quote)
        if start >= 0:
            return self._located("exact", start, start + len(quote))
        for normal_text, offsets in (self._normal, self._dehyphenated):
            drop = normal_text is self._dehyphenated[0]
            needle = normalise(quote, drop_hyphens=drop)[0]
            if not needle:
                continue
            pos = normal_text.find(needle)
            if pos >= 0:
                return self._located("normalised", offsets[pos], offsets[pos + len(needle) - 1] + 1)
        return self.nearest(quote)

    def nearest(self, quote):
        """The passage most like `quote` (status "fuzzy" or "not_found")."""
        normal_text, offsets = self._normal
        needle = normalise(quote)[0]
        if not needle or not normal_text:
            return Match(status="not_found", score=0.0)
        alignment = fuzz.partial_ratio_alignment(needle, normal_text)
        start = offsets[alignment.dest_start]
        end = offsets[max(alignment.dest_end - 1, alignment.dest_start)] + 1
        # Whole words: the alignment may start or end inside one.
        while start > 0 and self.text[start - 1].isalnum():
            start -= 1
        while end < len(self.text) and self.text[end].isalnum():
            end += 1
        status = "fuzzy" if alignment.score >= FUZZY_THRESHOLD else "not_found"
        return self._located(status, start, end, score=round(alignment.score, 1))

    def contains(self, quote):
        return self.find(quote).status in ("exact", "normalised")
