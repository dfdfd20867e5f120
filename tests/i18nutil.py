"""Helpers for the localization tests: edit master text and catalogues in a project copy."""

from __future__ import annotations

from pathlib import Path

from leaflets.i18n.catalogues import catalogue_bytes, read_catalogue


def replace_in(path: Path, old: str, new: str) -> None:
    """Replace exactly one occurrence of `old` in a text file."""
    text = path.read_text("utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), "utf-8")


def set_translation(po: Path, context: str, string: str) -> int:
    """Set one entry's msgstr with Babel; return the line of its msgid."""
    catalog = read_catalogue(po)
    message = next(m for m in catalog if m.context == context)
    message.string = string
    po.write_bytes(catalogue_bytes(catalog))
    return next(m for m in read_catalogue(po) if m.context == context).lineno


def translation(po: Path, context: str) -> str:
    return next(m for m in read_catalogue(po) if m.context == context).string
