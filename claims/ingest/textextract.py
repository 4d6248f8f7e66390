"""Turn an uploaded source document (or pasted text) into the plain text we store.

Quotes are verified against this text character for character, so nothing here
reflows, dehyphenates or tidies what the document says: we only decode, take
PDF pages in order, reduce a web page to its main text, and normalise line
endings. Every refusal is a TextRejected whose message names the file and tells
the curator what to do; no library error or traceback reaches them.

Pure Python (no Django, nothing else from the app) so that the admin, the loader
and curators' own scripts can share it.
"""

import codecs
import os
import re
from collections import Counter
from dataclasses import dataclass
from io import BytesIO

import pypdf
import trafilatura

# The largest plausible source is an annual report PDF with photographs, rarely
# over 15 MB; the whole upload is held in a web worker's memory (and pypdf's
# parse of it several times over), so anything bigger is refused up front.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

# A 600-page report of dense text is about 2.5 million characters. The whole
# text is loaded and scanned for every quote check, and something far longer is
# more likely a data dump than one source, so cap it with room to spare.
MAX_TEXT_CHARS = 5_000_000

ACCEPTED = (".txt", ".pdf", ".html", ".htm")

# Fewer non-white-space characters than this per page on average means the
# PDF's pages are pictures of text (a scan) rather than text.
MIN_CHARS_PER_PAGE = 20


class TextRejected(ValueError):
    """A file or paste we cannot take; str(error) is a complete message for the curator, naming the file."""


@dataclass(frozen=True)
class ExtractedText:
    text: str
    # ((offset, label), ...): where each page starts in `text` and its printed
    # page number, e.g. ((0, "779"), (5123, "780")); empty for unpaginated text.
    page_map: tuple = ()


def extract(name: str, data: bytes, first_page: int | None = None) -> ExtractedText:
    """The text of an uploaded file, chosen by its extension; `first_page` is the source's first printed page."""
    kind = os.path.splitext(name)[1].lower()
    if kind not in ACCEPTED:
        raise TextRejected(f"“{name}” is not a kind of file we can read; upload one of: {', '.join(ACCEPTED)}.")
    if not data:
        raise TextRejected(f"“{name}” is empty (0 bytes); choose the document's file again.")
    refuse_oversized(name, len(data))
    if kind == ".pdf":
        return _from_pdf(name, data, first_page)
    text = _decode(name, data)
    if kind == ".txt":
        return _checked(f"“{name}”", _newlines(text))
    return _checked(f"“{name}”", _main_text(name, text))


def refuse_oversized(name: str, size: int) -> None:
    """Refuse a file over the limit before reading it (the admin knows an upload's size first)."""
    if size > MAX_UPLOAD_BYTES:
        raise TextRejected(
            f"“{name}” is {_mb(size)}, over the limit of {_mb(MAX_UPLOAD_BYTES)}; "
            "upload a smaller copy (e.g. only the pages cited) or paste the text."
        )


def from_paste(text: str) -> ExtractedText:
    """Pasted text, checked as an uploaded .txt would be."""
    return _checked("The pasted text", _newlines(text))


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(name: str, data: bytes) -> str:
    """Strict UTF-8 (a BOM is allowed and dropped), after refusing what is plainly not text."""
    if data.startswith(b"%PDF-"):
        raise TextRejected(f"“{name}” is really a PDF file; rename it to end in .pdf and upload it again.")
    if b"\x00" in data:
        # UTF-16 text is full of NUL bytes too, hence the hint.
        raise TextRejected(
            f"“{name}” contains NUL bytes, so it is a binary file (or UTF-16 text), not UTF-8 text; "
            "save it as UTF-8 text or upload the original PDF."
        )
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = skip + error.start
        raise TextRejected(
            f"“{name}” is not UTF-8 text (byte 0x{data[offset]:02x} at byte offset {offset}); "
            "save it as UTF-8 and upload it again, or paste the text."
        )


def _main_text(name: str, html: str) -> str:
    # trafilatura drops menus, footers and comments. Given a string it only
    # parses: fetching happens in its fetch_url(), which we never call.
    text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True)
    if not text or not text.strip():
        raise TextRejected(f"“{name}” has no main text found in its HTML; paste the article's text instead.")
    return _newlines(text)


def _checked(who: str, text: str, page_map: tuple = ()) -> ExtractedText:
    """Final checks shared by every path; `who` is the quoted file name or "The pasted text"."""
    if not text.strip():
        raise TextRejected(f"{who} has no text (it is empty or only white space); check you chose the right document.")
    if len(text) > MAX_TEXT_CHARS:
        raise TextRejected(
            f"{who} has {len(text):,} characters of text, over the limit of {MAX_TEXT_CHARS:,}; "
            "keep only the part of the document that is cited."
        )
    if "\x00" in text:
        # PostgreSQL text columns cannot hold NUL.
        raise TextRejected(
            f"{who} contains NUL characters (at offset {text.index(chr(0))}), which cannot be stored; "
            "remove them, or paste the text, and try again."
        )
    return ExtractedText(text=text, page_map=page_map)


def _from_pdf(name: str, data: bytes, first_page: int | None) -> ExtractedText:
    who = f"“{name}”"
    if not data.startswith(b"%PDF-"):
        raise TextRejected(f"{who} is not a PDF (it does not start with %PDF-); upload the real PDF or the right kind.")
    try:
        reader = pypdf.PdfReader(BytesIO(data))
        # Owner-password-only PDFs (copying "forbidden") open with an empty
        # password in any viewer; anything needing a real password is refused.
        if reader.is_encrypted and not _opens_without_password(reader):
            raise TextRejected(f"{who} is encrypted; upload an unprotected copy, or paste the text.")
        pages = [_newlines(page.extract_text() or "") for page in reader.pages]
        defined = list(reader.page_labels)
    except TextRejected:
        raise
    except Exception as error:  # pypdf raises many kinds on damaged files; all mean the same to a curator.
        raise TextRejected(
            f"{who} could not be read as a PDF (it looks damaged: {type(error).__name__}); "
            "download it again or paste the text."
        )
    if sum(len("".join(page.split())) for page in pages) < MIN_CHARS_PER_PAGE * max(len(pages), 1):
        raise TextRejected(f"{who} has no text layer (a scanned image?); run OCR and upload the text, or paste it.")
    page_map, offset = [], 0
    for page, label in zip(pages, _labels(pages, defined, first_page), strict=True):
        page_map.append((offset, label))
        offset += len(page) + 2  # the "\n\n" that joins pages
    return _checked(who, "\n\n".join(pages), tuple(page_map))


def _opens_without_password(reader) -> bool:
    try:
        return bool(reader.decrypt(""))
    except Exception:  # e.g. AES without a crypto library installed: treat as locked.
        return False


def _labels(pages: list[str], defined: list[str], first_page: int | None) -> list[str]:
    """Each page's printed number, from the best evidence available."""
    count = len(pages)
    # 1. /PageLabels the publisher set, unless they are just pypdf's default 1, 2, 3...
    if defined and defined != [str(i + 1) for i in range(count)]:
        return defined
    # 2. Numbers in running headers or footers, if they count up page by page.
    start = _printed_start(pages)
    if start is None:
        # 3. The caller's known page range ("779–788"), else 4. plain page order.
        start = first_page if first_page is not None else 1
    return [str(start + i) for i in range(count)]


# A number alone on a line, or at the start or end of one ("781", "12 Annual
# report", "... Vol. 90 No. 6 2020  781"), not part of a decimal or a longer number.
_EDGE_NUMBER = re.compile(r"^\s*(\d{1,5})(?![\d.,])|(?<![\d.,])(\d{1,5})\s*$")


def _printed_start(pages: list[str]) -> int | None:
    """The printed number of the first page, if headers/footers agree on consecutive numbers."""
    votes = Counter()
    for i, page in enumerate(pages):
        lines = [line for line in page.splitlines() if line.strip()]
        edges = lines[:2] + lines[-2:]  # header and footer furniture, one or two lines each
        numbers = {int(n) for line in edges for match in _EDGE_NUMBER.finditer(line) for n in match.groups() if n}
        # Page i printed as n votes for "the first page is n - i"; years and
        # other stray numbers scatter their votes, true folios pile up on one.
        votes.update({n - i for n in numbers})
    if not votes:
        return None
    start, agreeing = votes.most_common(1)[0]
    return start if agreeing >= max(2, (len(pages) + 1) // 2) else None
