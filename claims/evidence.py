"""What counts as checked evidence, and who may change the evidence of a claim.

The corpus promises that every published claim can be checked against the
exact words of its source. These rules say what a citation's verification
allows (publish or not), what the public is told about it, and which
changes to the evidence of a claim past draft are allowed at all. They are
defined once, here, and used by the model layer (Citation.save, Claim.publish),
the admin, the loader, the public pages, the API and the exports.

Pure Python (no Django models), below models.py, like quotes.py.
"""

import contextlib
import contextvars
import re

from django.core.exceptions import ValidationError

# The verification states of a citation (Citation.verification).
EXACT = "exact"
NORMALISED = "normalised"
FUZZY = "fuzzy"
NOT_FOUND = "not_found"
NO_TEXT = "no_text"

# Found in the source's text: as typed, or after normalising what extraction
# changes without changing the words (white space, hyphenation, typography).
VERIFIED = frozenset({EXACT, NORMALISED})


class EvidenceLocked(ValidationError):
    """A change to the evidence of a claim that is not a draft, made outside the
    workflow. A ValidationError, so that forms and admin actions show it."""


def publishable(verification, unchecked_reason=""):
    """May a claim citing this be published? Verified quotes, and quotes of a
    source the corpus holds no text of when an editor has said why."""
    return verification in VERIFIED or (verification == NO_TEXT and bool(unchecked_reason.strip()))


def blocking_reason(verification, score=None, unchecked_reason=""):
    """Why a citation keeps its claim from being published, or '' if it does not."""
    if publishable(verification, unchecked_reason):
        return ""
    if verification == FUZZY:
        return (
            f"the quote only resembles the source's text ({score:.0f}% similar): "
            "use the source's words, or correct the quote"
            if score is not None
            else "the quote only resembles the source's text: use the source's words, or correct the quote"
        )
    if verification == NOT_FOUND:
        return "the quote is not in the source's text"
    if verification == NO_TEXT:
        return (
            "the corpus holds no text of this source to check the quote against: give the source its text, "
            "or an editor records why the quote stands unchecked"
        )
    return "the quote has not been checked"


def public_label(verification, unchecked_reason=""):
    """What the public pages, the API and the exports say was checked: never more."""
    if verification == EXACT:
        return "checked against the source text"
    if verification == NORMALISED:
        return "checked against the source text, allowing for differences in spacing, hyphenation and typography"
    if verification == NO_TEXT and unchecked_reason.strip():
        return f"not checked: {unchecked_reason.strip()}"
    return "not checked"


# -- who may change the evidence of a claim past draft ---------------------------------
# A draft's citations are the curator's to change. Once a claim is submitted,
# its evidence changes only through the workflow: an editor changing it to a
# verified quote, load_corpus (which verifies every quote itself), or a new
# source text re-verifying the quotes. Citation.save() and deletes ask
# current_authority(); everything else is refused.

LOADER = "load_corpus"
REVERIFY = "re-verification against a new source text"

_authority = contextvars.ContextVar("evidence_authority", default=None)


def current_authority():
    """None, LOADER, REVERIFY or the editor (a user) changing evidence now."""
    return _authority.get()


@contextlib.contextmanager
def changing_evidence(by):
    """Allow changes to the evidence of claims past draft, by LOADER, REVERIFY,
    or a user who may publish (the change is still refused unless verified)."""
    if by not in (LOADER, REVERIFY) and not by.has_perm("claims.publish_claim"):
        raise EvidenceLocked("Only editors can change the evidence of a claim in review, published or retracted.")
    token = _authority.set(by)
    try:
        yield
    finally:
        _authority.reset(token)


LOCKED_MESSAGE = (
    "The evidence of a claim in review, published or retracted changes only through the workflow: "
    "an editor may replace a quote with one verified against the source text."
)


# -- pages ------------------------------------------------------------------------------

_PAGE_LOCATOR = re.compile(r"^\s*pp?\.\s*([0-9ivxlcdm]+)", re.IGNORECASE)


def locator_page(locator):
    """The (first) page a locator names: 'p. 781' -> '781', 'pp. 781–782' -> '781'."""
    match = _PAGE_LOCATOR.match(locator or "")
    return match.group(1) if match else None


def page_locator(page):
    return f"p. {page}"
