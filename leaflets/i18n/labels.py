"""The layouts' own words: extracted with Babel from the templates and references.py."""

from __future__ import annotations

import gettext
import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import write_mo
from babel.support import Translations

from .catalogues import Entry

PACKAGE = Path(__file__).resolve().parent.parent
# Python modules that print words of their own through a `_` translate callable.
PYTHON_SOURCES = ("references.py",)
JINJA_METHOD = [("**.j2", "jinja2.ext:babel_extract")]
JINJA_OPTIONS = {"**.j2": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}


def layout_entries(layouts: Path) -> list[Entry]:
    """Extract the translatable labels of the layouts and of the reference formatter."""
    found: dict[str, Entry] = {}

    def add(message, location: tuple[str, int]) -> None:
        if not isinstance(message, str) or not message:
            return
        entry = found.setdefault(message, Entry(None, message, "Layout label."))
        entry.locations.append(location)

    for filename, lineno, message, _comments, _context in extract_from_dir(
            layouts, method_map=JINJA_METHOD, options_map=JINJA_OPTIONS):
        add(message, (f"layouts/{Path(filename).as_posix()}", lineno))
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
