"""Locale tags: which are pseudo-locales, which Babel data they use, which way they run, how
their terms sort."""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

from babel import Locale, UnknownLocaleError


# Pseudo-locales are generated from the master at build time; they have no catalogue.
# en-XA: accented and longer (left to right); ar-XB: the master's words right to left, as
# Android's bidi pseudo-locale, so that the mirrored layout is tried before a translator starts.
PSEUDO_LOCALES = {"en-XA": "en", "ar-XB": "en"}
_PSEUDO_DIRECTIONS = {"en-XA": "ltr", "ar-XB": "rtl"}


def is_pseudo(tag: str) -> bool:
    """Tell whether `tag` names a generated pseudo-locale."""
    return tag in PSEUDO_LOCALES


def babel_locale(tag: str) -> Locale:
    """Return Babel's locale data for a BCP 47 tag (a pseudo-locale uses its base's)."""
    tag = PSEUDO_LOCALES.get(tag, tag)
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(tag.split("-")[0])


def direction(tag: str) -> str:
    """Return the writing direction of `tag`'s text, "ltr" or "rtl" (CLDR's character order)."""
    if tag in _PSEUDO_DIRECTIONS:
        return _PSEUDO_DIRECTIONS[tag]
    return babel_locale(tag).text_direction


def script(tag: str) -> str:
    """Return the ISO 15924 script `tag` is written in (CLDR's likely subtags: ar -> Arab)."""
    from babel.core import get_global

    tag = PSEUDO_LOCALES.get(tag, tag)  # a pseudo-locale prints its base's letters
    locale = babel_locale(tag)
    if locale.script:
        return locale.script
    likely = get_global("likely_subtags").get(locale.language, "")
    parts = likely.split("_")
    return parts[1] if len(parts) > 2 else "Latn"


@lru_cache(maxsize=1)
def _collator():
    import pyuca  # loading the Unicode collation table takes a moment: only when sorting

    return pyuca.Collator()


def collation_key(tag: str) -> Callable[[str], tuple]:
    """Return a sort key for `tag`'s terms: the locale's collation, as CLDR defines it (ICU).

    Babel has no collation. ICU's collator for the locale applies CLDR's tailoring: Russian
    sorts Cyrillic before Latin (ГР, ИА, РЭ, then CDK4/6, HER2), Spanish puts ñ after n, Arabic
    sorts Arabic script first; a pseudo-locale sorts as its base. The term itself breaks ties,
    so the order never depends on anything but the terms.
    """
    collator = _icu_collator(PSEUDO_LOCALES.get(tag, tag))
    return lambda term: (collator.getSortKey(term), term)


@lru_cache(maxsize=16)
def _icu_collator(tag: str):
    import icu  # PyICU's module; the pyicu-wheels distribution ships it with ICU built in

    return icu.Collator.createInstance(icu.Locale(tag.replace("-", "_")))


def sort_key(term: str) -> tuple:
    """Return the UCA sort key of `term` (pyuca's table is loaded on the first call only)."""
    return _collator().sort_key(term)
