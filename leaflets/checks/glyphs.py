"""Every character of the content must be in the bundled fonts: no fallback, no empty box."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from ..diagnostics import Diagnostic, error
from ..documents import SourceDocument
from ..fonts import font_files
from ..load import Loaded
from .text import Unit, position



@lru_cache(maxsize=8)
def _coverage(fonts: tuple[Path, ...], stamps: tuple[float, ...]) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # imported here: only this rule needs it

    covered: set[int] = set()
    for path in fonts:
        with TTFont(path, lazy=True) as font:
            covered.update(font.getBestCmap() or {})
    return frozenset(covered)


def coverage(root: Path) -> frozenset[int]:
    """Return the code points the bundled fonts can draw."""
    fonts = font_files(root)
    return _coverage(fonts, tuple(p.stat().st_mtime for p in fonts))


def check(doc: SourceDocument, units: list[Unit], root: Path) -> list[Diagnostic]:
    """Report each character the fonts lack, once per text, where it is typed."""
    covered = coverage(root)
    if not covered:
        return []
    found = []
    for unit in units:
        found += _scan(unit.text, covered, lambda offset, u=unit: position(doc, u, offset))
    for loc, text in _other_texts(doc):
        file = doc.references_file if loc[0] == "references" else doc.leaflet_file
        found += _scan(text, covered, lambda offset, f=file, l=loc: f.text_position(l, offset))
    return found


def _scan(text: str, covered: frozenset[int], where) -> list[Diagnostic]:
    found, seen = [], set()
    for offset, char in enumerate(text):
        if ord(char) in covered or char in "\n\r\t" or char in seen:
            continue
        seen.add(char)
        name = unicodedata.name(char, "unnamed character")
        found.append(error(where(offset), "missing-glyph",
                           f"character '{char}' (U+{ord(char):04X} {name}) is not in the bundled fonts",
                           "it would print as an empty box: use another character, "
                           "or add a font that has it to styles/fonts"))
    return found


def _other_texts(doc: SourceDocument):
    """Yield the printed texts outside the body: metadata, glossary and references."""
    info = doc.leaflet.document
    for field in ("short_title", "subject", "publisher"):
        yield ("document", field), getattr(info, field)
    for term, expansion in doc.leaflet.glossary.items():
        yield ("glossary", term), expansion
    for index, ref in enumerate(doc.references.references):
        for field in ("title", "container-title", "container-title-short", "text"):
            value = _field(doc.references_file, ("references", index, field))
            if isinstance(value, str):
                yield ("references", index, field), value
        for number, name in enumerate(ref.author):
            for field in ("family", "given", "literal"):
                if getattr(name, field):
                    yield ("references", index, "author", number, field), getattr(name, field)


def _field(file: Loaded, loc: tuple):
    try:
        return file.data_at(loc)
    except (KeyError, IndexError, TypeError):
        return None
