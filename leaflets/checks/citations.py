"""Citation rules: every marker readable and resolved, every listed source cited once."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..diagnostics import Diagnostic, closest, did_you_mean, error
from ..documents import SourceDocument
from ..inline import CITATION, MarkerError, citation_keys, scan
from .text import Unit, position

_OPENING = re.compile(r"\[\s*@")
_STRAY_CLOSE = re.compile(r"@[A-Za-z0-9][A-Za-z0-9_.:-]*\]")
# A number, or a number and a unit of measure, just before where the superscript would print.
_NUMBER_BEFORE = re.compile(
    r"(?<![\w/.,-])\d+(?:[.,]\d+)?\s*"
    r"(?:%|‰|°[CF]?|(?:mg|µg|μg|mcg|ng|g|kg|mL|ml|dL|L|mm|cm|m|mmol|µmol|mol|IU|Gy|cGy|"
    r"mmHg|h|min)(?:/(?:m2|m²|kg|L|mL|dL|day|d))?)?\s*$")


def check(doc: SourceDocument, units: list[Unit]) -> list[Diagnostic]:
    """Check markers, keys and placement in the text, then the reference list against them."""
    known = [ref.id for ref in doc.references.references]
    found: list[Diagnostic] = []
    cited: set[str] = set()
    for unit in units:
        if unit.kind != "title":
            found += _check_text(doc, unit, known, cited)
    unreadable = any(d.code in _UNREADABLE for d in found)
    # A reference meant by a mistyped key is cited in intent: say so once, at the typo.
    meant = {d.suggestion for d in found if d.code == "unknown-citation" and d.suggestion}
    found += _check_references(doc, cited, report_uncited=not unreadable, meant=meant)
    return found


def _escaped(text: str, index: int) -> bool:
    """Tell whether the character at `index` follows an odd number of backslashes."""
    run = len(text[:index]) - len(text[:index].rstrip("\\"))
    return run % 2 == 1


_UNREADABLE = ("malformed-citation", "unclosed-citation", "unopened-citation")


def _check_text(doc: SourceDocument, unit: Unit, known: list[str], cited: set[str]) -> list[Diagnostic]:
    read = scan(unit.text)  # markers are found in the text as the renderer reads it
    text = read.text
    found: list[Diagnostic] = []
    spans = []

    def at(offset: int):
        return position(doc, unit, read.source_offset(offset))

    for match in CITATION.finditer(text):
        spans.append(match.span())
        if _escaped(unit.text, read.source_offset(match.start())):
            continue  # `\[@a]` prints as typed: no citation
        marker = match.group(0)
        try:
            keys = citation_keys(marker, match.start())
        except MarkerError:
            found.append(error(at(match.start()), "malformed-citation",
                               f"citation marker '{marker}' cannot be read", _marker_hint(marker)))
            continue
        for key in keys:
            cited.add(key)
            if key not in known:
                offset = match.start() + marker.find("@" + key) + 1
                suggestion = closest(key, known, cutoff=0.5)
                found.append(error(at(offset), "unknown-citation",
                                   f"unknown reference key '{key}'",
                                   did_you_mean(suggestion, "add it to references.yaml or fix the key"),
                                   subject=key, suggestion=suggestion))
        after = text[match.end():]
        if _NUMBER_BEFORE.search(text[max(0, match.start() - 40):match.start()]) and not after.lstrip()[:1] in (".", ","):
            found.append(error(
                at(match.start()), "citation-after-number",
                "citation straight after a number or unit: its superscript reads as an exponent",
                "move the citation to the end of the clause or sentence"))
    starts = {start for start, _ in spans}
    for match in _OPENING.finditer(text):
        if match.start() not in starts:
            found.append(error(at(match.start()), "unclosed-citation",
                               "citation marker is not closed", "end it with ']': [@key]"))
    for match in _STRAY_CLOSE.finditer(text):
        if not any(start < match.start() < end for start, end in spans):
            found.append(error(at(match.start()), "unopened-citation",
                               f"citation '{match.group(0)}' has no opening '['",
                               "write citations as [@key]"))
    return found


def _marker_hint(marker: str) -> str:
    inner = marker.strip()[1:-1]
    if "," in inner:
        return "separate keys with ';', e.g. [@a; @b]"
    if not inner.strip("@; "):
        return "name a reference after '@', e.g. [@esmo-guide]"
    if re.search(r";\s*;|^\s*;|;\s*$", inner):
        return "remove the empty entry between the semicolons"
    return "write citations as [@key] or [@key1; @key2]; every key starts with '@'"


def _check_references(doc: SourceDocument, cited: set[str], report_uncited: bool = True,
                      meant: set[str] = frozenset()) -> list[Diagnostic]:
    """Check the list against the citations; `uncited` is not judged while a marker is unreadable."""
    file = doc.references_file
    found: list[Diagnostic] = []
    ids: dict[str, int] = {}
    sources: dict[str, tuple[str, int]] = {}
    for index, ref in enumerate(doc.references.references):
        loc = ("references", index)
        if ref.id in ids:
            first = file.where(("references", ids[ref.id], "id"))
            found.append(error(file.where(loc + ("id",)), "duplicate-reference-id",
                               f"reference id '{ref.id}' is used twice",
                               f"the first is on line {first.line}; give each source its own id"))
            continue
        ids[ref.id] = index
        if ref.id in cited and ref.uncited:
            found.append(error(file.where(loc + ("uncited",)), "cited-uncited",
                               f"reference '{ref.id}' is declared uncited but the text cites it",
                               "remove its 'uncited' field"))
        elif ref.id not in cited and not ref.uncited and report_uncited and ref.id not in meant:
            found.append(error(
                file.where(loc), "uncited-reference", f"reference '{ref.id}' is never cited",
                f"cite it with [@{ref.id}] where it supports the text, delete it, "
                "or say why it is listed with 'uncited: <reason>'"))
        for field, value in (("DOI", _doi(ref.DOI)), ("URL", _url(ref.URL))):
            if not value:
                continue
            if value in sources:
                other, other_index = sources[value]
                line = file.where(("references", other_index)).line
                found.append(error(file.where(loc + (field,)), "duplicate-source",
                                   f"reference '{ref.id}' has the same {field} as '{other}' (line {line})",
                                   "list each source once and cite that one entry"))
            else:
                sources[value] = (ref.id, index)
    return found


def _doi(value: str | None) -> str:
    if not value:
        return ""
    return "doi:" + re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", value.strip(), flags=re.I).lower()


def _url(value: str | None) -> str:
    if not value:
        return ""
    parts = urlsplit(value.strip())
    host = parts.netloc.lower().removeprefix("www.")
    return f"url:{host}{parts.path.rstrip('/')}?{parts.query}"
