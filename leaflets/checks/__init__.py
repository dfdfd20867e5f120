"""Content rules run before anything is rendered; each rule module returns diagnostics."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..diagnostics import ContentError, Diagnostic, Severity, sort_diagnostics
from ..documents import SourceDocument
from . import abbreviations, citations, editions, glyphs, links, readability, structure
from .text import units

# The rules that read one document's text: each takes the document and its inline texts.
TEXT_RULES = (citations.check, abbreviations.check, structure.check, readability.check, links.check)


def check_document(doc: SourceDocument, root: Path) -> list[Diagnostic]:
    """Run every text rule on one document."""
    texts = units(doc)
    found = [d for rule in TEXT_RULES for d in rule(doc, texts)]
    found += glyphs.check(doc, texts, root)
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


def check_project(root: Path, document: str | None = None) -> list[Diagnostic]:
    """Load, check and fill the layouts for every edition, without rendering a PDF.

    Returns every diagnostic found, errors and warnings; never raises for content faults.
    """
    from ..build import load_all, load_translation  # imported here: build runs these checks itself
    from ..render import render_html
    from ..view import resolve

    try:
        documents = load_all(root, document)
    except ContentError as exc:
        return exc.diagnostics
    found = check_documents(documents, root)
    if any(d.is_error for d in found):
        return found
    base_href = root.resolve().as_uri() + "/"
    for doc in documents:
        for edition in doc.leaflet.editions:
            try:  # translated editions are checked against their catalogues too
                translation = load_translation(root, doc, edition, False)
                render_html(resolve(doc, edition, base_href, translation), root)
            except ContentError as exc:
                found += [d for d in exc.diagnostics if d not in found]
    return sort_diagnostics(found)
