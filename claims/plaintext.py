"""What free text in the corpus may hold: no characters that change how
text around them is shown without being seen themselves.

Bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) make
"Alibaba" display as something else, or a claim's text run backwards into
the next field; zero-width characters (U+200B, U+2060, U+FEFF) split a word
so that it no longer matches a search or a quote while looking the same.
Both are refused on input (the model's validators, so the admin and the
loader alike, naming the field) and removed on output (the fields below
read them away, for rows written past validation).

The zero-width non-joiner and joiner (U+200C, U+200D) are letters' business
in Persian, the Indic scripts and emoji sequences: they are kept between two
characters that are neither white space nor ASCII, and refused (and removed)
anywhere else, e.g. inside "Ali\u200dbaba" or at either end of a value.

Source texts are not checked: they are the source's words, held privately.
Quote verification (quotes.py) ignores these characters on both sides, so a
quote is found in a source whose text holds them, and the quote shown is
the source's words exactly as a reader sees them.
"""

import re
from functools import cached_property

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.deconstruct import deconstructible

NAMES = {
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u2060": "word joiner",
    "\ufeff": "zero-width no-break space",
    "\u202a": "left-to-right embedding",
    "\u202b": "right-to-left embedding",
    "\u202c": "pop directional formatting",
    "\u202d": "left-to-right override",
    "\u202e": "right-to-left override",
    "\u2066": "left-to-right isolate",
    "\u2067": "right-to-left isolate",
    "\u2068": "first strong isolate",
    "\u2069": "pop directional isolate",
}
INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
# A joiner is a joiner between two characters of a script that uses it.
_JOINER_IN_A_WORD = re.compile(r"(?<=[^\s\x00-\x7f])[\u200c\u200d](?=[^\s\x00-\x7f])")


def hidden_characters(text):
    """[(offset, character)] of the characters refused in `text`."""
    if not text or not INVISIBLE.search(text):
        return []
    kept = {m.start() for m in _JOINER_IN_A_WORD.finditer(text)}
    return [(m.start(), m.group()) for m in INVISIBLE.finditer(text) if m.start() not in kept]


def neutralise(text):
    """`text` without the characters refused in it (str in, str out; anything else as it is)."""
    if not isinstance(text, str):
        return text
    found = hidden_characters(text)
    if not found:
        return text
    drop = {offset for offset, _ in found}
    return "".join(ch for i, ch in enumerate(text) if i not in drop)


def describe(offset, character):
    return f"U+{ord(character):04X} ({NAMES[character]}) at character {offset + 1}"


@deconstructible
class VisibleTextValidator:
    """Refuses bidirectional controls and misplaced zero-width characters."""

    def __call__(self, value):
        found = hidden_characters(value) if isinstance(value, str) else []
        if found:
            raise ValidationError(
                "Holds an invisible character that changes how the text is shown: %(where)s. "
                "Remove it (retype the text, or paste it as plain text).",
                code="invisible_character",
                params={"where": "; ".join(describe(*hit) for hit in found[:3])},
            )

    def __eq__(self, other):
        return isinstance(other, VisibleTextValidator)


visible_text = VisibleTextValidator()


class VisibleReadMixin:
    """Validates that nothing invisible is written, and reads a value without
    the characters refused in it: a row written past validation (raw SQL, an
    old row) still shows nothing invisible."""

    @cached_property
    def validators(self):
        return [*super().validators, visible_text]

    def from_db_value(self, value, expression, connection):
        return neutralise(value)


class VisibleTextField(VisibleReadMixin, models.TextField):
    """A TextField of free text: a length limit (max_length, checked by the
    model too, where Django checks a TextField's only in forms) and nothing
    invisible."""

    @cached_property
    def validators(self):
        limit = [MaxLengthValidator(self.max_length)] if self.max_length is not None else []
        return [*super().validators, *limit]


class VisibleCharField(VisibleReadMixin, models.CharField):
    """A CharField of free text with nothing invisible."""
