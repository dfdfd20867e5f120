"""The coordinator's operations: refresh every catalogue, export and import XLIFF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from ..diagnostics import ContentError, Diagnostic, error
from ..documents import SourceDocument, load_all
from ..outputs import write_if_changed
from ..paths import relative_to_root
from .catalogues import LOCALES_DIR, TEMPLATE_NAME, Changes, Entry, catalogue_bytes, catalogue_files, \
    read_catalogue, refresh, stray_catalogues, template
from .labels import layout_entries
from .locales import is_pseudo
from .segments import segments
from .translation import catalogue_path, layout_catalogue_path
from .xliff import export, merge, read_xliff


def target_locales(doc: SourceDocument) -> list[str]:
    """Return the locales `doc` is translated into: its editions' and its existing catalogues'."""
    declared = {e.locale for e in doc.leaflet.editions}
    # `notes.po` names no locale: refused before anything is refreshed or exported
    strays = stray_catalogues(doc.folder / LOCALES_DIR)
    if strays:
        raise ContentError(strays)
    present = {p.stem for p in catalogue_files(doc.folder / LOCALES_DIR)}
    return sorted(t for t in declared | present if t != doc.leaflet.document.language and not is_pseudo(t))


def update(root: Path, document: str | None = None, locale: str | None = None) -> list[Changes]:
    """Refresh the templates and catalogues of every document and of the layouts.

    With `document`, only that document's catalogues are touched: each template is dated by
    its own document's master editions, so refreshing one document never changes another's.
    """
    documents = load_all(root, document)
    changes: list[Changes] = []
    all_locales: set[str] = set()
    for doc in documents:
        pot = template(document_entries(root, doc), doc.name, _template_date([doc]))
        write_if_changed(doc.folder / LOCALES_DIR / TEMPLATE_NAME, catalogue_bytes(pot))
        locales = target_locales(doc)
        all_locales.update(locales)
        for tag in locales:
            if locale is None or tag == locale:
                changes.append(_refresh(catalogue_path(doc, tag), pot, tag, root))
    if document is not None:
        return changes  # the layouts' catalogues are shared by every document
    pot = _layouts_template(root, documents)
    write_if_changed(root / "layouts" / LOCALES_DIR / TEMPLATE_NAME, catalogue_bytes(pot))
    for tag in sorted(all_locales):
        if locale is None or tag == locale:
            changes.append(_refresh(layout_catalogue_path(root, tag), pot, tag, root))
    return changes


def document_entries(root: Path, doc: SourceDocument) -> list[Entry]:
    """Return the template entries of a document's segments, located in its YAML files."""
    entries = []
    for seg in segments(doc):
        where = seg.file.where(seg.loc)
        entries.append(Entry(seg.context, seg.text, seg.note, [(relative_to_root(seg.file.path, root), where.line)]))
    return entries


def _refresh(path: Path, pot: Catalog, locale: str, root: Path) -> Changes:
    catalog, changes = refresh(path, pot, locale, root)
    write_if_changed(path, catalogue_bytes(catalog))
    return changes


def _layouts_template(root: Path, documents: list[SourceDocument]) -> Catalog:
    """Return the layouts' template: its date kept while its entries stay the same (so adding or
    editing a document does not touch the shared catalogues), else the latest master's."""
    entries = layout_entries(root / "layouts")
    path = root / "layouts" / LOCALES_DIR / TEMPLATE_NAME
    try:
        with path.open("rb") as stream:
            kept = template(entries, "layouts", read_po(stream).creation_date)
        if catalogue_bytes(kept) == path.read_bytes():
            return kept
    except (OSError, ValueError):
        pass
    return template(entries, "layouts", _template_date(documents))


def _template_date(documents: list[SourceDocument]) -> dt.datetime:
    """Date the templates by the latest master edition, so refreshing twice changes nothing."""
    dates = [e.date_of_preparation for doc in documents for e in doc.leaflet.editions
             if e.locale == doc.leaflet.document.language] or [dt.date(2000, 1, 1)]
    return dt.datetime.combine(max(dates), dt.time(0, 0), dt.timezone.utc)


def export_xliff(root: Path, out: Path, locale: str | None = None) -> list[Path]:
    """Write one XLIFF file per target locale holding all its catalogues; return the paths."""
    documents = load_all(root)
    by_locale: dict[str, list[tuple[str, Catalog, str]]] = {}
    for doc in documents:
        for tag in target_locales(doc):
            by_locale.setdefault(tag, []).append(
                (relative_to_root(catalogue_path(doc, tag), root), _existing(catalogue_path(doc, tag), tag, root),
                 doc.leaflet.document.language))
    written = []
    for tag, entries in sorted(by_locale.items()):
        if locale is not None and tag != locale:
            continue
        layout = layout_catalogue_path(root, tag)
        catalogues = [(path, catalog) for path, catalog, _ in entries]
        catalogues.append((relative_to_root(layout, root), _existing(layout, tag, root)))
        target = out / f"{tag}.xlf"
        write_if_changed(target, export(catalogues, entries[0][2], tag))
        written.append(target)
    return written


def import_xliff(root: Path, paths: list[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Merge vendors' XLIFF files into the catalogues they name; nothing is written on error."""
    pending: dict[Path, Catalog] = {}
    notes: list[Diagnostic] = []
    known = _catalogues(root)
    for path in paths:
        for found in read_xliff(path):
            tag = known.get(found.original)
            po = root / found.original
            # language tags are case-insensitive (BCP 47): DE is de
            if tag is None or tag.lower() != found.target_language.lower() or not po.is_file():
                notes.append(error(path, "xliff-unknown-file",
                                   f"file '{found.original}' ({found.target_language or 'no target-language'}) "
                                   "is not a catalogue of this project in that language",
                                   "export again with `python make_pdf.py i18n export`"))
                continue
            catalog = pending.get(po) or read_catalogue(po, tag.replace("-", "_"), root)
            pending[po] = catalog
            notes += merge(catalog, path, found.units)
    if any(d.is_error for d in notes):
        raise ContentError(notes)
    written = [po for po, catalog in pending.items() if write_if_changed(po, catalogue_bytes(catalog))]
    return written, notes


def _catalogues(root: Path) -> dict[str, str]:
    """Map each catalogue an export may name (its path from the root, as exported) to its locale.

    A file of an XLIFF may target only these: a document's catalogue of the locale it names, or
    the layouts' catalogue of that locale; never another path, however it resolves.
    """
    known: dict[str, str] = {}
    for doc in load_all(root):
        for tag in target_locales(doc):
            known[relative_to_root(catalogue_path(doc, tag), root)] = tag
            known[relative_to_root(layout_catalogue_path(root, tag), root)] = tag
    return known


def _existing(path: Path, locale: str, root: Path) -> Catalog:
    if not path.is_file():
        raise ContentError([error(path, "catalogue-missing", f"no catalogue for locale '{locale}'",
                                  "run `python make_pdf.py i18n update` first")])
    return read_catalogue(path, locale.replace("-", "_"), root)  # never through a link out of the project
