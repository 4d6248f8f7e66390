"""Tests for claims.ingest.textextract: PDFs are made here with fpdf2 (and pypdf for labels and encryption)."""

from io import BytesIO

import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter

from claims.ingest import textextract
from claims.ingest.textextract import ExtractedText, TextRejected, extract, from_paste

PAGES = 5


def sentence(i):
    """A sentence found only on page i (0-based)."""
    return f"Sentence number {i + 1} says Acme Corporation opened plant {chr(65 + i)} this year."


def make_pdf(header=None, footer=None):
    """Several pages of body text; header/footer are functions of the page index giving a furniture line."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.set_auto_page_break(False)  # else a footer near the bottom edge starts a page of its own
    for i in range(PAGES):
        pdf.add_page()
        if header:
            pdf.cell(0, 8, header(i))
            pdf.ln(12)
        pdf.multi_cell(0, 6, (f"Body text of this page. {sentence(i)} " * 8).strip())
        if footer:
            pdf.set_y(-20)
            pdf.cell(0, 8, footer(i))
    return bytes(pdf.output())


def rewrite(data, change):
    writer = PdfWriter(clone_from=PdfReader(BytesIO(data)))
    change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def labels(result):
    return [label for _, label in result.page_map]


def assert_page_3_in_place(result):
    where = result.text.index(sentence(2))
    assert result.page_map[2][0] <= where < result.page_map[3][0]
    assert result.page_map[0][0] == 0


@pytest.mark.parametrize(
    "header, footer",
    [
        (lambda i: f"HERALD OF THE RUSSIAN ACADEMY OF SCIENCES Vol. 90 No. 6 2020  {779 + i}", None),
        (None, lambda i: str(779 + i)),
        (lambda i: f"{779 + i}  ANNUAL REPORT 2019", None),
    ],
    ids=["header-end", "footer-alone", "header-start"],
)
def test_pdf_labels_from_printed_numbers(header, footer):
    result = extract("herald.pdf", make_pdf(header, footer))
    assert labels(result) == [str(779 + i) for i in range(PAGES)]
    assert_page_3_in_place(result)
    # Pages are joined by a blank line, each starting where page_map says.
    for offset, _ in result.page_map[1:]:
        assert result.text[offset - 2 : offset] == "\n\n"


def test_pdf_labels_from_page_labels():
    data = rewrite(make_pdf(), lambda w: w.set_page_label(0, PAGES - 1, "/D", start=779))
    result = extract("labelled.pdf", data)
    assert labels(result) == [str(779 + i) for i in range(PAGES)]
    assert_page_3_in_place(result)


def test_pdf_page_labels_override_printed_numbers():
    data = rewrite(make_pdf(footer=lambda i: str(10 + i)), lambda w: w.set_page_label(0, PAGES - 1, "/r", start=1))
    assert labels(extract("front.pdf", data)) == ["i", "ii", "iii", "iv", "v"]


@pytest.mark.parametrize("first_page, expected", [(779, 779), (None, 1)])
def test_pdf_without_printed_numbers_uses_first_page_or_counts_from_1(first_page, expected):
    result = extract("plain.pdf", make_pdf(), first_page=first_page)
    assert labels(result) == [str(expected + i) for i in range(PAGES)]
    assert_page_3_in_place(result)


def test_pdf_stray_numbers_do_not_count_as_page_numbers():
    # A year at the end of the header on every page is not a page number.
    result = extract("years.pdf", make_pdf(header=lambda i: "Acme results 2020"), first_page=40)
    assert labels(result) == [str(40 + i) for i in range(PAGES)]


def test_pdf_with_only_an_owner_password_is_read():
    data = rewrite(make_pdf(), lambda w: w.encrypt("", owner_password="owner", algorithm="RC4-128"))
    assert sentence(2) in extract("restricted.pdf", data).text


def scanned_pdf():
    pdf = FPDF()
    picture = Image.new("RGB", (200, 280), "lightgray")
    for i in range(3):
        pdf.add_page()
        if i % 2:
            pdf.image(picture, x=10, y=10, w=180)
        else:
            pdf.rect(10, 10, 180, 260, style="F")
    return bytes(pdf.output())


def encrypted_pdf():
    return rewrite(make_pdf(), lambda w: w.encrypt("secret", algorithm="RC4-128"))


# (file name, bytes, what the message must say besides the name)
REFUSALS = [
    ("scan.pdf", scanned_pdf(), "has no text layer (a scanned image?); run OCR"),
    ("locked.pdf", encrypted_pdf(), "is encrypted; upload an unprotected copy"),
    ("truncated.pdf", make_pdf()[:400], "could not be read as a PDF"),
    ("garbage.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 4, "could not be read as a PDF"),
    ("page.pdf", b"<!DOCTYPE html><html><body><p>Hello</p></body></html>", "is not a PDF"),
    ("notes.txt", make_pdf(), "is really a PDF file; rename it to end in .pdf"),
    ("page.html", b"%PDF-1.4 whatever", "is really a PDF file"),
    ("empty.txt", b"", "is empty (0 bytes)"),
    ("empty.pdf", b"", "is empty (0 bytes)"),
    ("latin1.txt", "Café au lait".encode("latin-1"), "is not UTF-8 text (byte 0xe9 at byte offset 3)"),
    ("bom-latin1.txt", b"\xef\xbb\xbfCaf\xe9", "at byte offset 6"),
    ("nul.txt", b"one\x00two", "contains NUL bytes"),
    ("utf16.txt", "hello".encode("utf-16"), "UTF-16"),
    ("blank.txt", b" \r\n\t\n", "has no text (it is empty or only white space)"),
    ("report.docx", b"PK\x03\x04", "is not a kind of file we can read; upload one of: .txt, .pdf, .html, .htm"),
    ("noextension", b"text", "is not a kind of file we can read"),
    ("blank.html", b"<html><body></body></html>", "has no main text found"),
]


@pytest.mark.parametrize("name, data, complaint", REFUSALS, ids=[name for name, _, _ in REFUSALS])
def test_refusals_name_the_file_and_say_what_is_wrong(name, data, complaint):
    with pytest.raises(TextRejected) as caught:
        extract(name, data)
    message = str(caught.value)
    assert f"“{name}”" in message
    assert complaint in message


def test_refuses_an_oversized_file(monkeypatch):
    monkeypatch.setattr(textextract, "MAX_UPLOAD_BYTES", 1024 * 1024)
    with pytest.raises(TextRejected, match=r"“big\.txt” is 2\.0 MB, over the limit of 1\.0 MB"):
        extract("big.txt", b"a" * (2 * 1024 * 1024))


@pytest.mark.parametrize("name, data", [("long.txt", b"word " * 30), ("long.pdf", make_pdf())])
def test_refuses_too_much_text(monkeypatch, name, data):
    monkeypatch.setattr(textextract, "MAX_TEXT_CHARS", 100)
    with pytest.raises(TextRejected, match=rf"“{name}” has [\d,]+ characters of text, over the limit of 100"):
        extract(name, data)


def test_txt_keeps_characters_and_normalises_line_endings():
    raw = "\ufeffAcme’s re-\r\nport:\r  two  spaces,\n<b>not HTML</b>\r\n"
    result = extract("Notes.TXT", raw.encode("utf-8"))
    assert result == ExtractedText(text="Acme’s re-\nport:\n  two  spaces,\n<b>not HTML</b>\n", page_map=())


HTML_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Acme results</title></head><body>
<header><nav><ul><li><a href="/">Homepage</a></li><li><a href="/markets">Marketplace</a></li>
<li><a href="/subscribe">Subscribe today</a></li></ul></nav></header>
<main><article><h1>Acme posts record results</h1>
<p>Acme Corporation reported revenue of 4.2 billion dollars for the year, up twelve percent, the company said.</p>
<p>The chief executive said the growth came mainly from the industrial division, which opened two plants in Ohio.</p>
<p>Analysts had expected revenue of about four billion dollars, according to a poll of twelve brokers.</p>
</article></main>
<footer><p>Copyright 2024 Example News. Privacy policy. Cookie settings.</p></footer>
</body></html>"""


@pytest.mark.parametrize("name", ["article.html", "article.HTM"])
def test_html_keeps_the_article_and_drops_the_boilerplate(name):
    result = extract(name, b"\xef\xbb\xbf" + HTML_PAGE.encode("utf-8"))
    assert "Acme Corporation reported revenue of 4.2 billion dollars for the year" in result.text
    assert "which opened two plants in Ohio." in result.text
    for boilerplate in ("Homepage", "Marketplace", "Subscribe today", "Cookie settings"):
        assert boilerplate not in result.text
    assert result.page_map == ()


def test_paste_normalises_line_endings():
    assert from_paste("one\r\ntwo\rthree") == ExtractedText(text="one\ntwo\nthree", page_map=())


@pytest.mark.parametrize(
    "text, complaint",
    [
        ("", "The pasted text has no text"),
        ("  \n\t ", "The pasted text has no text"),
        ("a\x00b", "The pasted text contains NUL characters (at offset 1)"),
        ("x" * 101, "The pasted text has 101 characters of text, over the limit of 100"),
    ],
)
def test_paste_refusals(monkeypatch, text, complaint):
    monkeypatch.setattr(textextract, "MAX_TEXT_CHARS", 100)
    with pytest.raises(TextRejected) as caught:
        from_paste(text)
    assert complaint in str(caught.value)
