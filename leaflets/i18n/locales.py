"""Locale tags: which are pseudo-locales, which Babel data they use, how their terms sort."""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

from babel import Locale, UnknownLocaleError


# Pseudo-locales are generated from the master at build time; they have no catalogue.
PSEUDO_LOCALES = {"en-XA": "en"}


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


@lru_cache(maxsize=1)
def _collator():
    import pyuca  # loading the Unicode collation table takes a moment: only when sorting

    return pyuca.Collator()


def collation_key(tag: str) -> Callable[[str], tuple]:
    """Return a sort key for `tag`'s terms: the Unicode Collation Algorithm's root order.

    Babel has no collation. The root order (CLDR's default) already sorts accented letters
    beside their base letters (Ö with O), which is what German and Spanish abbreviation
    lists need; the few locale tailorings (Spanish ñ after n) do not occur in abbreviations.
    """
    return lambda term: (sort_key(term), term)


def sort_key(term: str) -> tuple:
    """Return the UCA sort key of `term` (pyuca's table is loaded on the first call only)."""
    return _collator().sort_key(term)
