"""Pseudo-translate master text, markup untouched.

en-XA: accented, about a third longer, bracketed. It shows before translators start whether the
layouts survive longer words and non-ASCII letters, and whether any text escapes translation
(it stays unaccented).

ar-XB (bidi, as Android's): every word of the master between right-to-left marks (U+200F), so
that the words run right to left in a mirrored layout while each stays readable. It shows
whether the layout mirrors, and any text that escapes translation reads left to right.
"""

from __future__ import annotations

import re

_PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ACCENTED = "áƀçďéƒĝĥíĵķĺɱñóƥǫŕšţúṽŵẋýžÁƁÇĎÉƑĜĤÍĴĶĹṀÑÓƤǪŔŠŢÚṼŴẊÝŽ"
_MAP = str.maketrans(_PLAIN, _ACCENTED)
_VOWELS = set("aeiouyAEIOUY")

# Parts of inline text that must reach the build unchanged: citation markers, link
# destinations, backslash escapes. Markup characters (* _ [ ]) are not letters: kept as they are.
_PROTECTED_INLINE = re.compile(r"\[\s*@[^\[\]]*\]|\]\([^)]*\)|\\.")
# Placeholders of layout labels: %(date)s and {date}.
_PROTECTED_LABEL = re.compile(r"%\([^)]*\)[a-z]|\{[^}]*\}")


_PLURAL_S = re.compile(r"(?<=[A-Z0-9])s(?![A-Za-z])")  # ERs, SERMs: the abbreviation stays findable


def pseudo_word(text: str) -> str:
    """Accent every ASCII letter and double every vowel (the same for a term and its uses)."""
    keep = {match.start() for match in _PLURAL_S.finditer(text)}
    return "".join(ch if i in keep else ch.translate(_MAP) * (2 if ch in _VOWELS else 1)
                   for i, ch in enumerate(text))


def _transform(text: str, protected: re.Pattern[str]) -> str:
    out, last = [], 0
    for match in protected.finditer(text):
        out.append(pseudo_word(text[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(pseudo_word(text[last:]))
    return "".join(out)


def pseudo_inline(text: str) -> str:
    """Pseudo-translate one inline text (Markdown subset with citations), bracketed."""
    return "\\[" + _transform(text, _PROTECTED_INLINE) + "\\]"


def pseudo_term(term: str) -> str:
    """Pseudo-translate an abbreviation, unbracketed so the text's uses still match it."""
    return pseudo_word(term)


def pseudo_label(text: str) -> str:
    """Pseudo-translate a layout label, keeping its placeholders."""
    return "[" + _transform(text, _PROTECTED_LABEL) + "]"


RLM = "\u200f"
_WORD = re.compile(r"[^\s*_\[\]\\]+")  # a run between spaces and markup characters


def _bidi_words(text: str) -> str:
    return _WORD.sub(lambda m: RLM + m.group(0) + RLM, text)


def _bidi_transform(text: str, protected: re.Pattern[str]) -> str:
    out, last = [], 0
    for match in protected.finditer(text):
        out.append(_bidi_words(text[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_bidi_words(text[last:]))
    return "".join(out)


def bidi_inline(text: str) -> str:
    """Pseudo-translate one inline text right to left: each word between right-to-left marks."""
    return _bidi_transform(text, _PROTECTED_INLINE)


def bidi_label(text: str) -> str:
    """Pseudo-translate a layout label or a plain text right to left, keeping its placeholders."""
    return _bidi_transform(text, _PROTECTED_LABEL)
