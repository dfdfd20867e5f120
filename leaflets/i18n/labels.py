"""The layouts' own words: extracted with Babel from the templates and references.py."""

from __future__ import annotations

import copy
import gettext
import hashlib
import io
import os
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract, extract_from_file
from babel.messages.mofile import write_mo
from babel.support import Translations

from ..paths import inside, read_bytes
from .catalogues import Entry

PACKAGE = Path(__file__).resolve().parent.parent
# Python modules that print words of their own through a `_` translate callable.
PYTHON_SOURCES = ("references.py",)
JINJA_METHOD = "jinja2.ext:babel_extract"
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true"}


def _templates(layouts: Path) -> list[Path]:
    """The layouts' templates in Babel's order (folders and files sorted, hidden and `_` folders
    skipped); a link leading out of the layouts is never read."""
    found = []
    for directory, subdirs, files in os.walk(layouts):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith((".", "_")))
        for name in sorted(files):
            path = Path(directory) / name
            if name.endswith(".j2") and inside(layouts, path):
                found.append(path)
    return found


_EXTRACTED: dict[bytes, list[Entry]] = {}  # by the digest of the templates read, newest kept


def layout_entries(layouts: Path) -> list[Entry]:
    """Extract the translatable labels of the layouts and of the reference formatter.

    Parsing every template is most of what a check costs, and one check asks for the labels
    once per edition: the answer is kept for the same templates' bytes (read each time).
    """
    templates = []
    for path in _templates(layouts):
        try:
            templates.append((path.relative_to(layouts).as_posix(), read_bytes(path)))
        except OSError:  # a pipe or a device named like a template: the layouts cannot use it
            continue
    digest = hashlib.sha256()
    for name, data in templates:
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    key = digest.digest()
    if key not in _EXTRACTED:
        _EXTRACTED.clear()
        _EXTRACTED[key] = _extract(templates)
    return copy.deepcopy(_EXTRACTED[key])


def _extract(templates: list[tuple[str, bytes]]) -> list[Entry]:
    found: dict[str, Entry] = {}

    def add(message, location: tuple[str, int]) -> None:
        if not isinstance(message, str) or not message:
            return
        entry = found.setdefault(message, Entry(None, message, "Layout label."))
        entry.locations.append(location)

    for name, data in templates:
        for lineno, message, _comments, _context in extract(JINJA_METHOD, io.BytesIO(data),
                                                            options=JINJA_OPTIONS):
            add(message, (f"layouts/{name}", lineno))
    for name in PYTHON_SOURCES:
        for lineno, message, _comments, _context in extract_from_file("python", PACKAGE / name):
            add(message, (f"leaflets/{name}", lineno))
    return list(found.values())


def compile_translations(catalog: Catalog) -> gettext.NullTranslations:
    """Compile a catalogue in memory; fuzzy and empty entries fall back to the master text."""
    stream = io.BytesIO()
    write_mo(stream, catalog, use_fuzzy=False)
    stream.seek(0)
    return Translations(stream)
