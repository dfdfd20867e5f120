"""Create, refresh, read and write the PO catalogues, with Babel's message catalogue tools.

A segment's identity is its context (its path), not its text: a changed master sentence keeps
its context, so the refresh marks exactly that entry fuzzy and keeps the old text as the
previous msgid (`#| msgid`). Body paths hold block indexes; so that inserting or removing a
block does not make every later segment stale, an unchanged text whose path moved keeps its
translation (matched by the exact master text) before paths are matched.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, denormalize, read_po, write_po

from ..diagnostics import ContentError, Position, display_path, error
from ..paths import inside, read_bytes

LOCALES_DIR = "locales"
TEMPLATE_NAME = "messages.pot"
# Lines are never wrapped: Babel 2.19 wraps a long previous msgid (`#| msgid`) so that its own
# reader cannot read it back, and one line per string keeps a changed sentence a one-line diff.
PO_WIDTH = 1_000_000


@dataclass
class Entry:
    """One message of a template: what the refresh needs to know."""

    context: str | None
    text: str
    note: str = ""
    locations: list[tuple[str, int]] = field(default_factory=list)
    flags: tuple[str, ...] = ()


@dataclass
class Changes:
    """What a refresh did to one catalogue, by context (or msgid for labels)."""

    path: Path
    created: bool = False
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)


def template(entries: list[Entry], project: str, created: dt.datetime) -> Catalog:
    """Make the template catalogue (the .pot) of `entries`."""
    catalog = Catalog(project=project, version=None, creation_date=created,
                      revision_date=created, fuzzy=False, charset="utf-8",
                      header_comment=f"# Translatable text of {project}: made from the master by\n"
                                     "# `python make_pdf.py i18n update`. Do not edit.")
    for entry in entries:
        catalog.add(entry.text, context=entry.context, locations=entry.locations,
                    auto_comments=[entry.note] if entry.note else [], flags=entry.flags)
    return catalog


def read_catalogue(path: Path, locale: str | None = None, root: Path | None = None) -> Catalog:
    """Read a PO file; raise ContentError at the line Babel could not read.

    With `root`, a catalogue that is a link to a file outside it is refused, never read.
    """
    if root is not None and not inside(root, path):
        raise ContentError([error(path, "link-outside-project", f"{path.name} is a symbolic link to "
                                  "a file outside the project", "replace the link with the file itself")])
    try:
        raw = read_bytes(path)
    except OSError as exc:
        raise ContentError([error(path, "catalogue-unreadable", f"cannot read catalogue: {exc.strerror}")])
    faults = scan(path, raw, None if path.suffix == ".pot" else locale)
    if faults:
        raise ContentError(faults)
    try:
        with io.BytesIO(raw) as stream:
            catalog = read_po(stream, locale=locale, abort_invalid=True)
    except PoFileError as exc:
        raise ContentError([error(Position(display_path(path), exc.lineno, 1), "catalogue-syntax",
                                  f"catalogue cannot be read: {exc}",
                                  "fix the entry by hand or restore the file from version control")])
    except OSError as exc:
        raise ContentError([error(path, "catalogue-unreadable", f"cannot read catalogue: {exc.strerror}")])
    for message in [*catalog, *catalog.obsolete.values()]:
        _lift_previous(message)
    return catalog


_KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)?\s*("(?:[^"\\]|\\.)*")?\s*$')
_CHARSET = re.compile(r"charset=([^\s\\]+)", re.IGNORECASE)
_LANGUAGE = re.compile(r"^Language:\s*(\S*)", re.IGNORECASE)
MAX_CATALOGUE_BYTES = 5_000_000
# What YAML refuses in the sources (C0 and C1 controls but tab, line feed and carriage return; DEL;
# surrogates, U+FFFE and U+FFFF) is refused in a translation too.
_CONTROL = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def scan(path: Path, raw: bytes, locale: str | None) -> list:
    """Read a PO file strictly, before Babel does (which forgives what a translator should hear).

    Every line is a comment, blank, or a keyword with one whole quoted string (or a string
    continuing the one above); the file is UTF-8 and says so; no entry appears twice; the
    header's `Language:` is the file's locale.
    """
    name = display_path(path)
    if len(raw) > MAX_CATALOGUE_BYTES:
        return [error(name, "catalogue-too-large", f"catalogue is {len(raw):,} bytes; "
                      f"the limit is {MAX_CATALOGUE_BYTES:,}")]
    if raw.startswith(b"\xef\xbb\xbf"):  # the line scan below would call line 1 unreadable
        return [error(Position(name, 1, 1), "catalogue-encoding", "catalogue starts with a byte-order mark",
                      "save the file as UTF-8 without a byte-order mark (BOM)")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return [error(Position(name, line, column), "catalogue-encoding", "catalogue is not UTF-8 text",
                      "save the file as UTF-8 and say so in its header: charset=UTF-8")]
    endings = _line_endings(text)
    if endings:
        return [error(Position(name, 1, 1), "catalogue-line-endings", f"catalogue has {endings}",
                      "save the file with LF line endings (Unix), as gettext writes them")]
    controls = [error(Position(name, text.count("\n", 0, m.start()) + 1, m.start() - text.rfind("\n", 0, m.start())),
                      "control-character", f"control character U+{ord(m.group()):04X} is not allowed in a catalogue",
                      "delete it: it is invisible and was probably pasted in by accident")
                for m in _CONTROL.finditer(text)]
    if controls:
        return controls[:10]
    faults = []
    entries: dict[tuple, int] = {}
    context = ident = None
    keyword = None
    header: list[str] = []
    start = 0
    plural: set[int] = set()

    def close() -> None:
        if ident is not None:
            key = (context, ident)
            if key in entries:
                faults.append(error(Position(name, start, 1), "catalogue-duplicate",
                                    f"entry {_shown(context or ident)} appears twice",
                                    f"it is already on line {entries[key]}; keep one of them"))
            else:
                entries[key] = start

    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _KEYWORD.match(stripped)
        if not match or not match.group(2) or (match.group(1) is None and keyword is None):
            column = len(line) - len(line.lstrip()) + 1
            faults.append(error(Position(name, number, column), "catalogue-syntax",
                                "catalogue line cannot be read: " + (
                                    "a string is not closed" if stripped.count('"') % 2 else
                                    "expected msgctxt, msgid or msgstr and a quoted string"),
                                'every string is one line between double quotes: "..."'))
            continue
        value = match.group(2)[1:-1]
        if match.group(1) and (match.group(1) == "msgid_plural" or match.group(1).startswith("msgstr[")) \
                and start not in plural:  # once per entry
            plural.add(start)
            faults.append(error(Position(name, number, len(line) - len(line.lstrip()) + 1), "catalogue-plural",
                                f"{match.group(1)}: leaflet texts have no plural forms",
                                'write the entry as msgid "..." and one msgstr "..."'))
        if match.group(1):
            keyword = match.group(1)
            if keyword == "msgctxt" or (keyword == "msgid" and not (context is not None and ident is None)):
                close()
                context, ident, start = None, None, number
            if keyword == "msgctxt":
                context = value
            elif keyword == "msgid":
                ident = value
        elif keyword == "msgctxt":
            context += value
        elif keyword == "msgid":
            ident += value
        if keyword == "msgstr" and ident == "" and context is None:
            header.append(value)
    close()
    header_text = "".join(header).replace("\\n", "\n")
    charset = _CHARSET.search(header_text)
    if charset and charset.group(1).lower().replace("_", "-") not in ("utf-8", "utf8"):
        faults.append(error(Position(name, entries.get((None, ""), 1), 1), "catalogue-charset",
                            f"catalogue says charset={charset.group(1)}; catalogues are UTF-8",
                            "convert the file to UTF-8 and write charset=UTF-8 in its header"))
    language = next((m.group(1) for m in map(_LANGUAGE.match, header_text.split("\n")) if m), None)
    if path.suffix == ".po" and (fault := locale_fault(path.stem)):
        faults.append(error(Position(name, 1, 1), "catalogue-locale", f"the file name names no locale: {fault}",
                            LOCALE_NAME_HINT))
    elif language and (fault := locale_fault(language.replace("_", "-"))):
        faults.append(error(Position(name, entries.get((None, ""), 1), 1), "catalogue-language",
                            f"catalogue header says Language: {language}, which is not a locale: {fault}",
                            f"write the catalogue's locale there, e.g. Language: de"))
        return faults
    if locale and language and language.replace("_", "-").lower() != locale.replace("_", "-").lower():
        faults.append(error(Position(name, entries.get((None, ""), 1), 1), "catalogue-language",
                            f"catalogue header says Language: {language}, but the file is for '{locale}'",
                            f"a {locale} catalogue says Language: {locale}; rename a misplaced file"))
    return faults


LOCALE_NAME_HINT = ("a catalogue is named after its locale (de.po, pt-BR.po); "
                    "keep other files out of the locales folder")


def locale_fault(tag: str) -> str | None:
    """Say why `tag` is not a locale a catalogue can be for (the editions' own rule), or None."""
    from ..model import check_locale

    try:
        check_locale(tag)
    except ValueError as exc:
        return str(exc)
    return None


def catalogue_files(folder: Path) -> list[Path]:
    """Return the catalogues in a locales folder, in order; hidden files (an editor's lock,
    `.#de.po`, or backup) are no catalogues."""
    return sorted(p for p in folder.glob("*.po") if not p.name.startswith("."))


def stray_catalogues(folder: Path) -> list:
    """Report the catalogues in a locales folder whose file name is no locale (`notes.po`)."""
    return [error(Position(display_path(p), 1, 1), "catalogue-locale", f"the file name names no locale: {fault}",
                  LOCALE_NAME_HINT) for p in catalogue_files(folder) if (fault := locale_fault(p.stem))]


def _line_endings(text: str) -> str | None:
    """Name the line endings of `text` when they are not one kind, LF or CRLF, throughout."""
    alone = text.replace("\r\n", "")
    if "\r" in alone:
        return "mixed line endings (CR and LF)" if "\n" in alone or "\r\n" in text else \
            "CR line endings (an old Mac format): no line breaks a PO reader knows"
    if "\r\n" in text and "\n" in alone:
        return "mixed line endings (CRLF and LF)"
    return None


def _shown(text: str) -> str:
    return repr(text if len(text) <= 50 else text[:47] + "...")


def _lift_previous(message: Message) -> None:
    """Turn `#| msgid` lines back into the previous msgid.

    Babel writes the previous msgid but reads `#|` lines as translator comments (`| msgid "..."`);
    its own `denormalize` unquotes them, including gettext's wrapped form (`#| msgid ""` then
    `#| "..."` lines).
    """
    comments, quoted = [], None
    for comment in message.user_comments:
        if comment.startswith("| msgid "):
            quoted = [comment[len("| msgid "):]]
        elif quoted is not None and comment.startswith('| "'):
            quoted.append(comment[2:])
        elif not comment.startswith("| msgctxt "):
            comments.append(comment)
    if quoted is not None:
        message.previous_id = [denormalize("\n".join(quoted))]
        message.user_comments = comments


def catalogue_bytes(catalog: Catalog) -> bytes:
    """Return the PO text of `catalog`, previous msgids and obsolete entries kept."""
    stream = io.BytesIO()
    write_po(stream, catalog, width=PO_WIDTH, include_previous=True, ignore_obsolete=False)
    return stream.getvalue()


def refresh(path: Path, pot: Catalog, locale: str, root: Path | None = None) -> tuple[Catalog, Changes]:
    """Return the catalogue at `path` brought up to date with `pot`, and what changed (with `root`,
    a catalogue that is a link out of it is refused, never read)."""
    changes = Changes(path)
    if path.is_file():
        catalog = read_catalogue(path, locale, root)
    else:
        changes.created = True
        catalog = Catalog(locale=locale.replace("-", "_"), project=pot.project, version=None,
                          creation_date=pot.creation_date, revision_date=pot.creation_date,
                          fuzzy=False, charset="utf-8", header_comment=_header(pot.project, locale))
    before = {_key(m): m for m in catalog if m.id}
    # Babel inserts the template's new messages themselves: give each catalogue its own copy.
    catalog.update(copy.deepcopy(pot), no_fuzzy_matching=True, update_creation_date=True)
    for message in catalog:  # Babel's update drops the previous msgid of entries it keeps
        if message.id and message.fuzzy and _key(message) in before:
            message.previous_id = list(before[_key(message)].previous_id)
    _carry_over(catalog, before, changes)
    for message in catalog:
        if not message.id:
            continue
        if not message.string:
            changes.untranslated.append(_label(message))
        elif message.fuzzy:
            changes.fuzzy.append(_label(message))
    return catalog, changes


def _carry_over(catalog: Catalog, before: dict, changes: Changes) -> None:
    """Give new entries the translation of the entry they replace; report what happened."""
    fresh = [m for m in catalog if m.id and _key(m) not in before]
    obsolete = dict(catalog.obsolete)
    by_text = {m.id: key for key, m in obsolete.items()}
    by_context = {m.context: key for key, m in obsolete.items() if m.context}
    placed = set()
    for message in fresh:  # first: the same master text at a new path keeps its translation
        key = by_text.get(message.id)
        if key in obsolete and key not in placed and message.context is not None:
            old = obsolete[key]
            message.string, message.flags = old.string, set(old.flags) | set(message.flags)
            message.previous_id, message.user_comments = list(old.previous_id), list(old.user_comments)
            placed.add(key)
    for message in fresh:  # then: a changed master text at the same path turns fuzzy
        key = by_context.get(message.context)
        if message.string or key is None or key in placed:
            if not message.string:
                changes.new.append(_label(message))
            continue
        old = obsolete[key]
        placed.add(key)
        message.user_comments = list(old.user_comments)
        if not old.string:
            changes.new.append(_label(message))
            continue
        message.string = old.string
        message.flags |= {"fuzzy"}
        message.previous_id = list(old.previous_id) if old.fuzzy and old.previous_id else [old.id]
        changes.changed.append(_label(message))
    for key in placed:
        del catalog.obsolete[key]
    changes.removed = [_label(m) for key, m in catalog.obsolete.items() if key in before]


def _header(project: str, locale: str) -> str:
    return (f"# {locale} translation of {project}. Translate msgstr only; refresh the entries\n"
            "# from the master with `python make_pdf.py i18n update`.")


def _key(message: Message):
    return (message.id, message.context) if message.context else message.id


def _label(message: Message) -> str:
    return message.context or message.id
