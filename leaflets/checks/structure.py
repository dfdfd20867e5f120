"""Structure rules: headings with text under them, no skipped levels, nothing said twice."""

from __future__ import annotations

import re
from collections import defaultdict

from ..diagnostics import Diagnostic, error
from ..documents import SourceDocument
from ..model import Heading
from .text import Unit, position

_WORD = re.compile(r"[^\W_]+")
MIN_REPEAT_WORDS = 5  # shorter items ("Fatigue", "Nausea") may well recur
MAX_PAIRS = 200  # items per section compared pairwise for near repeats


def check(doc: SourceDocument, units: list[Unit]) -> list[Diagnostic]:
    """Check the heading outline and repeated text within each section."""
    return _headings(doc) + _repeats(doc, units)


def _headings(doc: SourceDocument) -> list[Diagnostic]:
    body = doc.leaflet.body
    file = doc.leaflet_file
    found: list[Diagnostic] = []
    seen_section = False
    for index, block in enumerate(body):
        if not isinstance(block, Heading):
            continue
        where = file.where(("body", index, "heading"))
        following = body[index + 1] if index + 1 < len(body) else None
        if following is None or (isinstance(following, Heading) and following.level <= block.level):
            found.append(error(where, "empty-section", f"heading '{block.heading}' has no text under it",
                               "write the section's text or remove the heading"))
        if block.level == 3 and not seen_section:
            found.append(error(
                where, "skipped-heading-level", "level 3 heading without a level 2 heading above it",
                "make it 'level: 2', or add a section heading above it"))
        seen_section = seen_section or block.level == 2
    return found


def _repeats(doc: SourceDocument, units: list[Unit]) -> list[Diagnostic]:
    sections: dict[int, list[tuple[Unit, list[str]]]] = defaultdict(list)
    for unit in units:
        if unit.kind in ("paragraph", "bullet", "callout"):
            sections[unit.section].append((unit, _words(unit.visible)))
    found: list[Diagnostic] = []
    for items in sections.values():
        seen: dict[tuple, Unit] = {}
        for unit, words in items:
            if not words:
                continue
            first = seen.setdefault(tuple(words), unit)
            if first is not unit:
                found.append(_repeat(doc, unit, first, "repeats"))
        long_items = [(u, w) for u, w in items if len(w) >= MIN_REPEAT_WORDS][:MAX_PAIRS]
        for i, (unit, words) in enumerate(long_items):
            for other, other_words in long_items:
                if other is unit or words == other_words or len(other_words) <= len(words):
                    continue
                if len(words) >= 0.6 * len(other_words) and _is_subsequence(words, other_words):
                    found.append(_repeat(doc, unit, other, "repeats, in shorter form,"))
                    break
    return found


def _repeat(doc: SourceDocument, unit: Unit, other: Unit, how: str) -> Diagnostic:
    line = position(doc, other).line
    kind = "bullet" if unit.kind == "bullet" else "paragraph"
    return error(position(doc, unit), "repeated-text", f"this {kind} {how} the one on line {line}",
                 "keep one of them")


def _words(text: str) -> list[str]:
    return [word.casefold() for word in _WORD.findall(text)]


def _is_subsequence(short: list[str], long: list[str]) -> bool:
    remaining = iter(long)
    return all(word in remaining for word in short)
