"""The registry of body block kinds: one entry per kind gives everything the pipeline needs of it.

Each entry names the kind's schema model (validation and the editors' JSON Schema), its text
walk (the inline texts in reading order, for the checks and the catalogues), its view (the fields
the template prints, each inline text resolved by the caller) and its template. Adding a kind is
one model, one entry here and one partial in layouts/partials/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Callable, Iterator, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from .inline import parse_inline, plain_text

# Limits far above any real leaflet: they keep absurd input from running for ever.
MAX_TEXT = 4000  # characters in one paragraph, bullet or cell
MAX_ITEMS = 100  # bullets in a list, rows in a table, paragraphs in a callout
MAX_BLOCKS = 500  # blocks in a body


class Strict(BaseModel):
    """Refuse unknown fields so a typo is reported, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


Inline = Annotated[str, Field(
    min_length=1,
    max_length=MAX_TEXT,
    description="Text with **bold**, *italic*, [links](https://...) and citations [@key] or [@a; @b].",
)]


class Heading(Strict):
    """A section heading; the document title is level 1."""

    heading: Inline = Field(description="Section heading text.")
    level: Literal[2, 3] = Field(2, description="2 for a section, 3 for a subsection.")


class Paragraph(Strict):
    """A paragraph of body text."""

    paragraph: Inline = Field(description="The paragraph's text.")


class Bullets(Strict):
    """A bulleted list."""

    bullets: list[Inline] = Field(min_length=1, max_length=MAX_ITEMS,
                                  description="A bulleted list, one item per entry.")


class CalloutBody(Strict):
    title: Inline | None = Field(None, description="Optional title printed at the top of the box.")
    paragraphs: list[Inline] = Field(min_length=1, max_length=MAX_ITEMS,
                                     description="The box's paragraphs.")


class Callout(Strict):
    """A highlighted key message."""

    callout: CalloutBody = Field(description="A highlighted key-message box.")


class TableRow(Strict):
    cells: list[Inline] = Field(min_length=1, description="The row's cells.")


class TableBody(Strict):
    caption: Inline | None = Field(None, description="Caption printed above the table.")
    columns: list[Inline] = Field(min_length=1, max_length=12, description="Column headings.")
    rows: list[list[Inline]] = Field(min_length=1, max_length=MAX_ITEMS,
                                     description="One list of cells per row.")
    style: Literal["table", "panel"] = Field(
        "table", description="'panel' draws each row as a card; 'table' as a grid.")


class Table(Strict):
    """A table, e.g. the breast-cancer subtypes."""

    table: TableBody = Field(description="Caption, column headings and rows.")


# A text walk yields (path inside the block, kind of text, text, heading level or 0).
Texts = Iterator[tuple[tuple, str, str, int]]
# A view receives the block and `inline(text, path inside the block)`, which returns the
# resolved inline nodes; it returns the fields of the block's view.
Resolve = Callable[[str, tuple], list]


def _heading_texts(block: Heading) -> Texts:
    yield ("heading",), "heading", block.heading, block.level


def _heading_view(block: Heading, inline: Resolve) -> dict:
    # The anchor comes from the master heading, so it is the same in every edition.
    anchor = "s-" + re.sub(r"[^a-z0-9]+", "-", plain_text(parse_inline(block.heading)).lower()).strip("-")
    return {"content": inline(block.heading, ("heading",)), "level": block.level, "anchor": anchor}


def _paragraph_texts(block: Paragraph) -> Texts:
    yield ("paragraph",), "paragraph", block.paragraph, 0


def _paragraph_view(block: Paragraph, inline: Resolve) -> dict:
    return {"content": inline(block.paragraph, ("paragraph",))}


def _bullets_texts(block: Bullets) -> Texts:
    for i, item in enumerate(block.bullets):
        yield ("bullets", i), "bullet", item, 0


def _bullets_view(block: Bullets, inline: Resolve) -> dict:
    return {"items": [inline(item, ("bullets", i)) for i, item in enumerate(block.bullets)]}


def _callout_texts(block: Callout) -> Texts:
    if block.callout.title:
        yield ("callout", "title"), "callout-title", block.callout.title, 0
    for i, text in enumerate(block.callout.paragraphs):
        yield ("callout", "paragraphs", i), "callout", text, 0


def _callout_view(block: Callout, inline: Resolve) -> dict:
    body = block.callout
    return {"title": inline(body.title, ("callout", "title")) if body.title else [],
            "items": [inline(p, ("callout", "paragraphs", i)) for i, p in enumerate(body.paragraphs)]}


def _table_texts(block: Table) -> Texts:
    table = block.table
    if table.caption:
        yield ("table", "caption"), "caption", table.caption, 0
    for i, text in enumerate(table.columns):
        yield ("table", "columns", i), "column", text, 0
    for r, row in enumerate(table.rows):
        for c, text in enumerate(row):
            yield ("table", "rows", r, c), "cell", text, 0


def _table_view(block: Table, inline: Resolve) -> dict:
    body = block.table
    return {"title": inline(body.caption, ("table", "caption")) if body.caption else [],
            "columns": [inline(c, ("table", "columns", i)) for i, c in enumerate(body.columns)],
            "rows": [[inline(cell, ("table", "rows", r, c)) for c, cell in enumerate(row)]
                     for r, row in enumerate(body.rows)],
            "style": body.style}


@dataclass(frozen=True)
class BlockKind:
    """One kind of body block: its key in YAML, its model, its text walk, its view, its template."""

    name: str
    model: type[Strict]
    texts: Callable[[Any], Texts]
    view: Callable[[Any, Resolve], dict]

    @property
    def template(self) -> str:
        return f"partials/{self.name}.html.j2"


BLOCKS: dict[str, BlockKind] = {kind.name: kind for kind in (
    BlockKind("heading", Heading, _heading_texts, _heading_view),
    BlockKind("paragraph", Paragraph, _paragraph_texts, _paragraph_view),
    BlockKind("bullets", Bullets, _bullets_texts, _bullets_view),
    BlockKind("callout", Callout, _callout_texts, _callout_view),
    BlockKind("table", Table, _table_texts, _table_view),
)}
_BY_MODEL = {kind.model: kind for kind in BLOCKS.values()}


def kind_of(value: Any) -> str | None:
    """Name the kind of a block given as YAML data (its one key) or as a model; None if unclear."""
    if isinstance(value, dict):
        found = [name for name in BLOCKS if name in value]
    elif type(value) in _BY_MODEL:
        return _BY_MODEL[type(value)].name
    else:
        found = [name for name in BLOCKS if hasattr(value, name)]
    return found[0] if len(found) == 1 else None


def block_kind(block: Strict) -> BlockKind:
    """Return the registry entry of a validated block."""
    return _BY_MODEL[type(block)]


Block = Annotated[
    Union[tuple(Annotated[kind.model, Tag(kind.name)] for kind in BLOCKS.values())],  # type: ignore[valid-type]
    Discriminator(
        kind_of,
        custom_error_type="block_kind",
        custom_error_message="a block needs exactly one of: " + ", ".join(BLOCKS),
    ),
]
