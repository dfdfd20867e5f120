"""List the translatable segments of a document, each keyed by a stable context (its path)."""

from __future__ import annotations

from dataclasses import dataclass

from ..documents import SourceDocument
from ..load import Loaded
from ..model import BodyText, body_texts


@dataclass(frozen=True)
class Segment:
    """One translatable text of the master, where it lives and a note for translators."""

    context: str  # the msgctxt: e.g. body/3/paragraph, glossary/HER2/expansion
    text: str  # the master text, citation markers and markup left in place
    file: Loaded  # the source file it comes from
    loc: tuple  # its path in that file, for positions
    note: str


def context_of(loc: tuple) -> str:
    """Return the context of a path into leaflet.yaml: ('body', 3, 'paragraph') -> body/3/paragraph."""
    return "/".join(str(part) for part in loc)


def segments(doc: SourceDocument) -> list[Segment]:
    """Return every translatable segment of `doc` in reading order."""
    found: list[Segment] = []
    lf, rf = doc.leaflet_file, doc.references_file

    def add(loc: tuple, text: str | None, note: str, file: Loaded = lf, context: str | None = None) -> None:
        if text:
            found.append(Segment(context or context_of(loc), text, file, loc, note))

    info = doc.leaflet.document
    add(("document", "title"), info.title, "Document title: first page and PDF title.")
    add(("document", "short_title"), info.short_title, "Short title: running header of every page.")
    add(("document", "subject"), info.subject, "One-line description (PDF subject).")
    for i, keyword in enumerate(info.keywords):
        add(("document", "keywords", i), keyword, "PDF keyword.")
    add(("document", "publisher"), info.publisher, "Publisher (PDF author).")
    for text in body_texts(doc.leaflet.body):
        add(text.loc, text.text, _note(text))
    for term, expansion in doc.leaflet.glossary.items():
        add(("glossary", term), term, "Abbreviation as written in this language's text "
            "(keep it, or give the usual local abbreviation).", context=f"glossary/{term}/term")
        add(("glossary", term), expansion, f"Expansion of the abbreviation '{term}'.",
            context=f"glossary/{term}/expansion")
    for index, ref in enumerate(doc.references.references):
        add(("references", index, "title"), ref.title, "Title of a source: keep the original title "
            "unless the source is published in this language.", rf, f"references/{ref.id}/title")
        add(("references", index, "text"), ref.text, "Free-text source entry.", rf,
            f"references/{ref.id}/text")
    return found


_NOTES = {
    "paragraph": "Paragraph.", "bullet": "Bullet item.", "callout-title": "Key-message box: title.",
    "callout": "Key-message box: paragraph.", "caption": "Table caption.",
    "column": "Table column heading.",
}


def _note(text: BodyText) -> str:
    """Return the translators' note for a body text."""
    if text.kind == "heading":
        return f"Heading, level {text.level}."
    if text.kind == "cell":
        row, column = text.loc[-2:]
        return f"Table cell: row {row + 1}, column {column + 1}."
    return _NOTES[text.kind]
