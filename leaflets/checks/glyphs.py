"""Every character that prints must be in the bundled fonts: no fallback, no empty box.

Rendering sees only the bundled fonts (leaflets/fonts.py), so a character they lack would print
as an empty box; this rule finds it before rendering, where it is typed: the master (body,
metadata, glossary, references, editions), every catalogue's translations (source/<doc>/locales
and layouts/locales) and the layouts' own text.
"""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

from ..diagnostics import Diagnostic, Position, display_path, error
from ..paths import read_bytes, read_text
from ..documents import SourceDocument
from ..fonts import font_files, remembered
from ..load import Loaded
from .text import Unit, position


_COVERAGE: dict[bytes, frozenset[int]] = {}  # by the fonts' content (fonts.remembered)


def _coverage(fonts: tuple[Path, ...]) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # imported here: only this rule needs it

    covered: set[int] = set()
    for path in fonts:
        try:
            with TTFont(io.BytesIO(read_bytes(path)), lazy=True) as font:
                covered.update(font.getBestCmap() or {})
        except Exception as exc:  # fontTools' own errors, or a struct, a table or an index fault
            raise UnreadableFont(path, exc) from None
    return frozenset(covered)


class UnreadableFont(ValueError):
    """A file among the bundled fonts that fontTools cannot read."""

    def __init__(self, path: Path, exc: Exception):
        super().__init__(f"{path}: {exc}")
        self.diagnostic = error(path, "font-unreadable", f"{path.name} cannot be read as a font: {exc}",
                                "replace it with the font file itself, or remove it from styles/")


def coverage(root: Path) -> frozenset[int]:
    """Return the code points the bundled fonts can draw."""
    fonts = font_files(root)
    return remembered(_COVERAGE, fonts, _coverage)


def check(doc: SourceDocument, units: list[Unit], root: Path) -> list[Diagnostic]:
    """Report each character the fonts lack, once per text, where it is typed."""
    try:
        covered = coverage(root)
    except UnreadableFont:  # said once, by check_layouts
        return []
    if not covered:
        return []
    found = []
    for unit in units:
        found += _scan(unit.text, covered, lambda offset, u=unit: position(doc, u, offset))
    for loc, text in _other_texts(doc):
        file = doc.references_file if loc[0] == "references" else doc.leaflet_file
        found += _scan(text, covered, lambda offset, f=file, l=loc: f.text_position(l, offset))
    for term in doc.leaflet.glossary:  # the terms are printed too (the expansions are above)
        key = doc.leaflet_file.positions.get(("glossary", term)) or doc.leaflet_file.where(("glossary",))
        found += _scan(term, covered, lambda offset, k=key: Position(k.file, k.line, k.column + offset))
    for catalogue in sorted(p for p in (doc.folder / "locales").glob("*.po") if not p.name.startswith(".")):
        found += _catalogue(catalogue, covered)
    return found


def check_layouts(root: Path) -> list[Diagnostic]:
    """Report the characters the fonts lack in the layouts and in their catalogues' labels."""
    try:
        covered = coverage(root)
    except UnreadableFont as exc:
        return [exc.diagnostic]
    if not covered:
        return []
    layouts = (root / "layouts").resolve()
    found: list[Diagnostic] = []
    for path in sorted((root / "layouts").rglob("*")):
        if not path.is_file() or not path.resolve().is_relative_to(layouts):
            continue  # a link out of the tree is never read
        if path.suffix == ".po":
            found += _catalogue(path, covered)
        elif path.suffix in (".j2", ".html"):
            try:
                text = read_text(path, errors="replace")
            except OSError:  # not a regular file: the layout itself cannot be read either
                continue
            found += _lines(_without_comments(text), path, covered)
    return found


_PO_FIELD = re.compile(r'^(?P<keyword>msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s')
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)


def _catalogue(path: Path, covered: frozenset[int]) -> list[Diagnostic]:
    """Scan the translations (msgstr) of a PO file, line by line, where they are typed.

    The header entry (empty msgid) does not print; comments and obsolete entries (`#~`) do not
    either. A translation wrapped over several lines is scanned on each of them.
    """
    try:
        lines = read_text(path, errors="replace").splitlines()
    except OSError:
        return []  # an unreadable catalogue is reported by the catalogue rules
    found: list[Diagnostic] = []
    field, msgid, seen = "", "", set()
    for number, line in enumerate(lines, 1):
        match = _PO_FIELD.match(line)
        if match:
            field = match.group("keyword")
            if field == "msgctxt":
                msgid = None  # an entry with a context is never the header
            elif field == "msgid":
                msgid = None if msgid is None else line[match.end():].strip()
            if field.startswith("msgstr"):
                seen = set()
        elif not line.startswith('"'):
            field, msgid = "", ""
            continue
        elif field == "msgid" and msgid is not None:
            msgid += line.strip()
        if not field.startswith("msgstr") or msgid == '""':
            continue
        found += _scan(line, covered, lambda offset, n=number: Position(display_path(path), n, offset + 1),
                       seen)
    return found


def _without_comments(text: str) -> str:
    """Blank out Jinja comments (they never print), keeping every other character's place."""
    return _JINJA_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def _lines(text: str, path: Path, covered: frozenset[int]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        found += _scan(line, covered, lambda offset, n=number: Position(display_path(path), n, offset + 1),
                       seen)
    return found


def _scan(text: str, covered: frozenset[int], where, seen: set[str] | None = None) -> list[Diagnostic]:
    """Report each character of `text` the fonts lack, once per `seen` (once per text by default)."""
    found, seen = [], set() if seen is None else seen
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
    for index, edition in enumerate(doc.leaflet.editions):  # what the masthead and footer print
        for field in ("job_code", "version"):
            yield doc.leaflet.edition_loc(index) + (field,), getattr(edition, field)
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
