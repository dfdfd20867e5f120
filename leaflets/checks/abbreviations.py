"""Abbreviation rules: each one in the glossary, spelled out at first use, as the glossary says."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..abbreviations import term_pattern
from ..diagnostics import Diagnostic, error, warning
from ..documents import SourceDocument
from .text import Unit, visible_position

_TOKEN = re.compile(r"[^\W_]+(?:/[^\W_]+)*")
_ADDRESS = re.compile(r"(?:\bhttps?://|\bwww\.)\S+")  # a web address typed as text: its letters are no words
_ROMAN = re.compile(r"^(X{0,3})(IX|IV|V?I{0,3})$")  # Stage IV, Type II: numbers, not abbreviations
_LOOKALIKES = str.maketrans({"l": "I", "0": "O", "O": "0"})  # Als for AIs, C0X for COX


@dataclass
class _Use:
    unit: Unit
    start: int  # in the unit's visible text
    end: int


def looks_like_abbreviation(token: str) -> bool:
    """Tell whether a word reads as an abbreviation: HER2, CDK4/6, a/mBC, ERs, pH."""
    core = token[:-1] if token.endswith("s") and sum(c.isupper() for c in token) >= 2 else token
    capitals = sum(c.isupper() for c in core)
    if not any(c.isalpha() for c in core) or _ROMAN.match(core):
        return False
    if capitals >= 2:
        return True
    if capitals == 1:
        return any(c.isdigit() for c in core) or not core[0].isupper()
    return False


def check(doc: SourceDocument, units: list[Unit]) -> list[Diagnostic]:
    """Check abbreviations in the body text (not in references) against the glossary."""
    glossary = doc.leaflet.glossary
    found = _unknown_and_lookalikes(doc, units, glossary)
    body_text = "\n".join(unit.visible for unit in units if unit.kind != "title")
    for term, expansion in glossary.items():
        uses = _uses(term, units)
        if not term_pattern(term).search(body_text):
            found.append(warning(doc.leaflet_file.where(("glossary", term)), "unused-abbreviation",
                                 f"glossary entry '{term}' is not used in the text",
                                 "it is not printed; remove it or use it"))
            continue
        definitions = [(use, _spelled_out(use, term, expansion)) for use in uses]
        definitions = [(use, form) for use, form in definitions if form is not None]
        for use, form in definitions:
            if form is not True:
                typed_end = len(use.unit.visible[:use.start - 1].rstrip())
                where = visible_position(doc, use.unit, typed_end - len(form))
                found.append(error(
                    doc.leaflet_file.text_position(("glossary", term), 0), "expansion-mismatch",
                    f"the glossary spells out '{term}' as '{expansion}' but the text has "
                    f"'{form} ({use.unit.visible[use.start:use.end]})' (line {where.line})",
                    "make the glossary and the text agree"))
        first = uses[0]
        if not definitions or definitions[0][0] is not first:
            later = (f"; it is spelled out later, on line "
                     f"{visible_position(doc, definitions[0][0].unit, definitions[0][0].start).line}"
                     if definitions else "")
            found.append(warning(
                visible_position(doc, first.unit, first.start), "abbreviation-not-spelled-out",
                f"'{term}' is not spelled out at its first use{later}",
                f"write '{expansion} ({term})' here"))
    return found


def _unknown_and_lookalikes(doc: SourceDocument, units: list[Unit], glossary: dict[str, str]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    reported: set[str] = set()
    verdicts: dict[str, tuple[str | None, str | None]] = {}  # token -> (lookalike, missing part)
    for unit in units:
        text = unit.visible
        addresses = [address.span() for address in _ADDRESS.finditer(text)]
        for match in _TOKEN.finditer(text):
            if any(start <= match.start() < end for start, end in addresses):
                continue
            token = match.group(0)
            if token not in verdicts:  # a long document repeats its words: judge each one once
                verdicts[token] = _verdict(token, glossary)
            lookalike, missing = verdicts[token]
            if lookalike is not None:
                found.append(error(
                    visible_position(doc, unit, match.start()), "abbreviation-lookalike",
                    f"'{token}' looks like the abbreviation '{lookalike}' mistyped",
                    f"type '{lookalike}' (a lowercase l or a zero reads like I or O in print)"))
                continue
            if missing and missing not in reported:
                reported.add(missing)
                offset = match.start() + token.find(missing)
                found.append(error(
                    visible_position(doc, unit, offset), "unknown-abbreviation",
                    f"abbreviation '{missing}' is not in the glossary",
                    f"add '{missing}: <what it stands for>' under glossary:, "
                    "or write the word in lowercase if it is not an abbreviation"))
    return found


def _verdict(token: str, glossary: dict[str, str]) -> tuple[str | None, str | None]:
    """Return the abbreviation a token mistypes (a lookalike), else None and its unknown part."""
    lookalike = token.translate(_LOOKALIKES)
    if lookalike != token and not _known(token, glossary) and _known(lookalike, glossary):
        return lookalike, None
    return None, _unknown_part(token, glossary)


def _known(token: str, glossary: dict[str, str]) -> bool:
    if token in glossary or (token.endswith("s") and token[:-1] in glossary):
        return True
    # "CDK 4 and 6" is spelled with the family name of a numbered term such as CDK4/6.
    return any(term.startswith(token) and term[len(token):][:1].isdigit() for term in glossary)


def _unknown_part(token: str, glossary: dict[str, str]) -> str | None:
    if _known(token, glossary):
        return None
    parts = token.split("/")
    if len(parts) > 1 and any(_known(part, glossary) for part in parts):
        return next((p for p in parts if looks_like_abbreviation(p) and not _known(p, glossary)), None)
    return token if looks_like_abbreviation(token) else None


def _uses(term: str, units: list[Unit]) -> list[_Use]:
    pattern = term_pattern(term)
    return [_Use(unit, m.start(), m.end()) for unit in units for m in pattern.finditer(unit.visible)]


def _spelled_out(use: _Use, term: str, expansion: str) -> str | bool | None:
    """Return True when a use reads 'expansion (TERM)', the typed long form when it differs."""
    text = use.unit.visible
    if use.start == 0 or text[use.start - 1] != "(":
        return None
    rest = text[use.end:]
    sign = rest[:1] if rest[:1] in "+-" else ""
    if not rest[len(sign):].startswith(")"):
        return None
    before = text[:use.start - 1].rstrip()
    expected = _normal(expansion)
    variants = {expected, expected + "s"}  # "hormone receptors (HR)" spells out HR too
    if sign:
        variants |= {v + (" positive" if sign == "+" else " negative") for v in variants}
    typed = _normal(before)
    if any(typed == v or typed.endswith(" " + v) or typed.endswith("/" + v) for v in variants):
        return True
    form = long_form(before, term)
    # "HER2-positive (HER2+)" restates the term; it does not spell it out.
    return None if form is None or term.casefold() in form.casefold() else form


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[-\u2010\u2011]", " ", text.casefold()).split())


def long_form(before: str, short: str) -> str | None:
    """Find the words before '(SHORT)' that spell it out (Schwartz and Hearst, 2003)."""
    letters = [c.lower() for c in short if c.isalnum()]
    if not letters:
        return None
    words = before.split()
    candidate = " ".join(words[-min(len(letters) + 5, len(letters) * 2):])
    lowered = candidate.lower()
    index = len(lowered) - 1
    for position in range(len(letters) - 1, -1, -1):
        char = letters[position]
        while index >= 0 and (lowered[index] != char or (
                position == 0 and index > 0 and lowered[index - 1].isalnum())):
            index -= 1
        if index < 0:
            return None
        index -= 1
    start = lowered.rfind(" ", 0, index + 1) + 1
    return candidate[start:]
