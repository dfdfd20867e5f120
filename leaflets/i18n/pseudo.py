"""Pseudo-translate master text: accented, about a third longer, bracketed, markup untouched.

A pseudo-locale edition shows before translators start whether the layouts survive longer
words and non-ASCII letters, and whether any text escapes translation (it stays unaccented).
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
