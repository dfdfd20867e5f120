"""Plain-language rules: sentences of at most 20 words, and a reading report per section."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..diagnostics import Diagnostic, warning
from ..documents import SourceDocument
from .text import Unit, visible_position

MAX_WORDS = 20  # patient information: longer sentences are flagged
PROSE = ("paragraph", "bullet", "callout")
_END = re.compile(r"[.!?]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_NOT_AN_END = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|approx|Dr|Mr|Mrs|Ms|Prof|Fig|No|St)|\b[A-Z])\.$")


@dataclass(frozen=True)
class Sentence:
    start: int  # offset in the unit's visible text
    text: str

    @property
    def words(self) -> int:
        return sum(1 for token in self.text.split() if any(c.isalnum() for c in token))


@dataclass(frozen=True)
class SectionStats:
    heading: str
    line: int
    words: int
    sentences: int
    long_sentences: int
    grade: float | None  # Flesch-Kincaid grade, English only


def sentences(text: str) -> list[Sentence]:
    """Split visible text into sentences, keeping where each starts."""
    found, start = [], 0
    for match in _END.finditer(text):
        piece = text[start:match.end()]
        if _NOT_AN_END.search(text[start:match.start() + 1].rstrip()):
            continue
        if piece.strip():
            found.append(Sentence(start + len(piece) - len(piece.lstrip()), piece.strip()))
        start = match.end()
    if text[start:].strip():
        rest = text[start:]
        found.append(Sentence(start + len(rest) - len(rest.lstrip()), rest.strip()))
    return found


MAX_WORD = 45  # characters: longer than any real word, German compounds included
_LONG_WORD = re.compile(r"[^\s\-\u2010\u2011\u2013\u2014/]{%d,}" % (MAX_WORD + 1))


def check(doc: SourceDocument, units: list[Unit]) -> list[Diagnostic]:
    """Flag every sentence of prose over the word limit, and every word no line can hold."""
    found = []
    for unit in units:
        for match in _LONG_WORD.finditer(unit.visible):
            found.append(warning(
                visible_position(doc, unit, match.start()), "long-word",
                f"a word of {len(match.group(0)):,} characters: no line holds it, so it is broken "
                "at the margin", "check for a missing space; break a long compound with a hyphen"))
        if unit.kind not in PROSE:
            continue
        for sentence in sentences(unit.visible):
            if sentence.words > MAX_WORDS:
                found.append(warning(
                    visible_position(doc, unit, sentence.start), "long-sentence",
                    f"sentence of {sentence.words} words (more than {MAX_WORDS})",
                    "split it: patient information reads best in short sentences"))
    return found


def section_stats(doc: SourceDocument, units: list[Unit]) -> list[SectionStats]:
    """Count words and sentences of each section and estimate its reading grade."""
    grade = _grader(doc.leaflet.document.language)
    groups: dict[int, list[Unit]] = {}
    for unit in units:
        if unit.kind in PROSE:
            groups.setdefault(unit.section, []).append(unit)
    headings = {u.section: u for u in units if u.kind == "heading"}
    stats = []
    for section, members in groups.items():
        found = [s for unit in members for s in sentences(unit.visible)]
        head = headings.get(section)
        where = doc.leaflet_file.where(head.loc if head else ("body", members[0].block))
        stats.append(SectionStats(
            head.visible if head else doc.leaflet.document.title, where.line,
            sum(s.words for s in found), len(found), sum(s.words > MAX_WORDS for s in found),
            grade(found) if grade and found else None))
    return stats


def _grader(language: str):
    """Return a Flesch-Kincaid grade function for English text, or None for other languages."""
    if language.split("-")[0].lower() != "en":
        return None
    import pyphen  # imported here: only the report needs it (WeasyPrint hyphenates with it too)

    dictionary = pyphen.Pyphen(lang="en_US")
    return lambda found: flesch_kincaid_grade(found, lambda word: syllables(word, dictionary))


_LETTERS = re.compile(r"[^\W\d_]+")


def syllables(word: str, dictionary) -> int:
    """Count a word's syllables as the hyphenation dictionary splits it (a number counts one)."""
    letters = "".join(_LETTERS.findall(word)).lower()
    return len(dictionary.positions(letters)) + 1 if letters else 1


def flesch_kincaid_grade(found: list[Sentence], count) -> float | None:
    """Flesch-Kincaid grade: 0.39 words per sentence + 11.8 syllables per word - 15.59."""
    words = [token for sentence in found for token in sentence.text.split() if any(c.isalnum() for c in token)]
    if not found or not words:
        return None
    grade = 0.39 * len(words) / len(found) + 11.8 * sum(map(count, words)) / len(words) - 15.59
    return round(grade, 1)
