"""Content rules run before anything is rendered; each rule module returns diagnostics."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..diagnostics import ContentError, Diagnostic, Severity, sort_diagnostics
from ..documents import SourceDocument
from . import abbreviations, citations, editions, glyphs, links, readability, size, structure
from .text import units

# The rules that read one document's text: each takes the document and its inline texts.
TEXT_RULES = (citations.check, abbreviations.check, structure.check, readability.check, links.check)


def check_document(doc: SourceDocument, root: Path) -> list[Diagnostic]:
    """Run every text rule on one document."""
    texts = units(doc)
    found = [d for rule in TEXT_RULES for d in rule(doc, texts)]
    found += glyphs.check(doc, texts, root)
    found += size.check(doc)
    return list(dict.fromkeys(found))


def check_documents(documents: list[SourceDocument], root: Path) -> list[Diagnostic]:
    """Run every rule on every document and on their editions together."""
    found = [d for doc in documents for d in check_document(doc, root)]
    found += glyphs.check_layouts(root)
    return sort_diagnostics(found + editions.check(documents, root))


def settle(diagnostics: list[Diagnostic], strict: bool = False) -> list[Diagnostic]:
    """Raise ContentError when there is an error (any warning, if strict); return the warnings."""
    if strict:
        diagnostics = [dataclasses.replace(d, severity=Severity.ERROR) for d in diagnostics]
    if any(d.is_error for d in diagnostics):
        raise ContentError(diagnostics)
    return diagnostics

