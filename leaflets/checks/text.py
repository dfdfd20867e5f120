"""Walk a document's inline texts in reading order and map what a reader sees to the source."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..diagnostics import Position
from ..documents import SourceDocument
from ..inline import scan
from ..model import body_texts

@dataclass
class Unit:
    """One inline text: where it is, what kind of block holds it, and which section."""

    loc: tuple
    kind: str  # title, heading, paragraph, bullet, callout, caption, cell
    text: str
    section: int  # index of the heading above it; -1 before the first heading
    block: int  # index of the body block; -1 for the title
    level: int = 0  # headings only
    _visible: tuple | None = field(default=None, repr=False)

    @property
    def visible(self) -> str:
        """The text a reader sees: no citations, link targets or emphasis marks."""
        return self._map()[0]

    def source_offset(self, visible_offset: int) -> int:
        """Return the offset in the typed text of a character of the visible text."""
        offsets = self._map()[1]
        return offsets[visible_offset] if visible_offset < len(offsets) else len(self.text)

    def _map(self) -> tuple[str, list[int]]:
        if self._visible is None:
            self._visible = visible_text(self.text)
        return self._visible


def visible_text(raw: str) -> tuple[str, list[int]]:
    """Return the visible text of inline markup and, per character, its offset in `raw`.

    The text is read by the renderer's own parser (inline.scan): what it prints, the checks read.
    """
    return scan(raw).without_citations()


def units(doc: SourceDocument, title: bool = True) -> list[Unit]:
    """Return every inline text of the body in reading order (the title first, if asked)."""
    found: list[Unit] = []
    if title:
        found.append(Unit(("document", "title"), "title", doc.leaflet.document.title, -1, -1, 1))
    section = -1
    for text in body_texts(doc.leaflet.body):
        if text.kind == "heading":
            section = text.block
        kind = {"callout-title": "callout", "column": "cell"}.get(text.kind, text.kind)
        found.append(Unit(text.loc, kind, text.text, section, text.block, text.level))
    return found


def position(doc: SourceDocument, unit: Unit, offset: int = 0) -> Position:
    """Return the file position of character `offset` of a unit's typed text."""
    return doc.leaflet_file.text_position(unit.loc, offset)


def visible_position(doc: SourceDocument, unit: Unit, offset: int) -> Position:
    """Return the file position of character `offset` of a unit's visible text."""
    return position(doc, unit, unit.source_offset(offset))
