"""Locale tags: which are pseudo-locales, which Babel data they use, how their terms sort."""

from __future__ import annotations

import os
import unicodedata
from functools import lru_cache
from pathlib import Path
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


PIPE_BYTES = 60_000  # below Linux's 64 KiB pipe buffer


@lru_cache(maxsize=1)
def _table() -> tuple[str, list[tuple[frozenset[str], str]]]:
    """Read pyuca's own collation table once: each entry's code points (hex) and its line."""
    import pyuca  # only when sorting

    path = Path(pyuca.__file__).parent / f"allkeys-{pyuca.Collator.UCA_VERSION}.txt"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    return str(path), [(frozenset(line.split(";", 1)[0].split()), line) for line in lines]


@lru_cache(maxsize=64)
def _collator(characters: frozenset[str]):
    """Return pyuca's collator loaded with the table's entries made only of `characters` (and the
    implicit weights). Parsing the whole table takes seconds on a busy machine; a term's key
    only ever looks up entries made of its own characters, so the key is the same."""
    import pyuca

    path, entries = _table()
    wanted = {f"{ord(c):04X}" for c in characters}
    kept = [line for heads, line in entries
            if line.startswith("@") or (heads and heads <= wanted and ";" in line)]
    data = "".join(kept).encode("utf-8")
    if len(data) >= PIPE_BYTES:
        return pyuca.Collator(path)  # too many characters for one pipe: the whole table
    # pyuca reads its table from a file name or descriptor: hand it the subset through a pipe
    # (no file is written), small enough to sit in the pipe's buffer before pyuca reads it.
    reader, writer = os.pipe()
    try:
        os.write(writer, data)
    finally:
        os.close(writer)
    return pyuca.Collator(reader)  # pyuca's `open` takes the descriptor and closes it


def collation_key(tag: str) -> Callable[[str], tuple]:
    """Return a sort key for `tag`'s terms: the Unicode Collation Algorithm's root order.

    Babel has no collation. The root order (CLDR's default) already sorts accented letters
    beside their base letters (Ö with O), which is what German and Spanish abbreviation
    lists need; the few locale tailorings (Spanish ñ after n) do not occur in abbreviations.
    """
    return lambda term: (sort_key(term), term)


def sort_key(term: str) -> tuple:
    """Return the UCA sort key of `term` (pyuca's, from the entries of the term's characters)."""
    return _collator(frozenset(unicodedata.normalize("NFD", term))).sort_key(term)
