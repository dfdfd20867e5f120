"""Command-line selections (--document, --locale, --paper, --profile) checked against the project.

A name the project does not know is a usage error (exit status 2) with a did-you-mean, before
anything is loaded, checked or written: a typo never reads as "nothing to do".
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Iterable

from ..diagnostics import closest, printable
from ..paths import read_bytes


_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")  # the shape of a locale (model.LOCALE_PATTERN, loosely)


class UsageError(Exception):
    """A command-line value the project does not know; the message says what it knows."""


def unknown(kind: str, value: str, known: Iterable[str], where: str = "") -> str:
    """Return "unknown KIND 'VALUE' (did you mean 'X'?)", or the known values when none is close."""
    known = sorted(set(known))
    close = closest(value, known, cutoff=0.5)
    if close:
        hint = f"did you mean '{close}'?"
    elif known:
        hint = f"{where or 'choose from'}: {', '.join(known)}"
    else:
        hint = f"there are no {where}" if where else "there are none"
    return printable(f"unknown {kind} '{value}' ({hint})")  # argparse prints it as it is: one line


def choice(kind: str, known: Iterable[str]):
    """An argparse `type` accepting one of `known`; anything else is a usage error with a hint."""
    known = sorted(known)

    def parse(text: str) -> str:
        if text not in known:
            raise argparse.ArgumentTypeError(unknown(kind, text, known))
        return text

    parse.__name__ = kind  # argparse names the type in its messages
    return parse


def documents(root: Path) -> list[str]:
    """Return the names of the documents under `root`'s source/."""
    from ..documents import discover

    return [folder.name for folder in discover(root / "source")]


def locales(root: Path, document: str | None = None) -> set[str] | None:
    """Return the locales the documents declare editions in or keep catalogues for, reading only
    their `editions` lists; None when a file cannot be read (the full load will say why)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    found: set[str] = set()
    for name in documents(root):
        if document is not None and name != document:
            continue
        folder = root / "source" / name
        try:
            data = yaml.load(read_bytes(folder / "leaflet.yaml"), Loader=loader)
            found.update(str(e["locale"]) for e in data["editions"])
        except Exception:
            return None
        found.update(p.stem for p in (folder / "locales").glob("*.po") if not p.name.startswith(".")
                     and _LOCALE.match(p.stem))  # `notes.po` names no locale
    return found


def check(root: Path, document: str | None = None, locale: str | None = None) -> None:
    """Raise UsageError when `document` or `locale` is not one of the project's."""
    if document is not None:
        names = documents(root)
        if document not in names:
            raise UsageError(unknown("document", document, names, "documents under source/"))
    if locale is not None:
        known = locales(root, document)
        if known is not None and locale not in known:
            where = f"locales of '{document}'" if document else "locales of the documents"
            raise UsageError(unknown("locale", locale, known, where))
