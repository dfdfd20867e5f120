"""One error/warning type for everything a user can get wrong, GCC style."""

from __future__ import annotations

import difflib
import enum
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable


# What must never reach a terminal from a user's text: C0 and C1 controls and DEL (a line break
# would start a fake diagnostic, an escape sequence would drive the terminal), the Unicode line
# and paragraph separators, and the bidirectional embeddings, overrides and isolates (they reorder
# what is shown). Shown escaped instead, as Python writes them.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """Escape the characters of `text` that could break a diagnostic's line or drive the terminal."""
    return _UNPRINTABLE.sub(lambda m: _NAMED.get(m.group()) or (
        f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"), str(text))


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A problem found in a user's files, with where it is and how to fix it."""

    file: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str
    hint: str = ""
    # What the message is about, as data for the code that reads diagnostics: the unknown key
    # or field, and the known name it most resembles. Never recovered from the hint's words.
    subject: str | None = field(default=None, compare=False)
    suggestion: str | None = field(default=None, compare=False)

    def format(self) -> str:
        """Render as `file:line:col: severity[code]: message (hint)`: one line, whatever the user's
        text in it holds (see `printable`)."""
        where = printable(self.file)
        if self.line:
            where += f":{self.line}:{self.column or 1}"
        text = f"{where}: {self.severity.value}[{printable(self.code)}]: {printable(self.message)}"
        if self.hint:
            text += f" ({printable(self.hint)})"
        return text

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def error(where: "Position | Path | str", code: str, message: str, hint: str = "", *,
          subject: str | None = None, suggestion: str | None = None) -> Diagnostic:
    """Make an error diagnostic at a position or at the top of a file."""
    return _make(where, Severity.ERROR, code, message, hint, subject, suggestion)


def warning(where: "Position | Path | str", code: str, message: str, hint: str = "", *,
            subject: str | None = None, suggestion: str | None = None) -> Diagnostic:
    """Make a warning diagnostic at a position or at the top of a file."""
    return _make(where, Severity.WARNING, code, message, hint, subject, suggestion)


def closest(word: str, known: Iterable[str], cutoff: float = 0.6) -> str | None:
    """Return the known name `word` most resembles (a likely typo), or None: the one did-you-mean.
    A name that differs only in case (`ES` for `es`, `A4` for `a4`) is the likeliest of all."""
    known = sorted(known)
    folded = [name for name in known if name.casefold() == word.casefold()]
    if folded:
        return folded[0]
    found = difflib.get_close_matches(word, known, n=1, cutoff=cutoff)
    return found[0] if found else None


def did_you_mean(suggestion: str | None, otherwise: str = "") -> str:
    """Word a hint from `closest`'s answer."""
    return f"did you mean '{suggestion}'?" if suggestion is not None else otherwise


@dataclass(frozen=True)
class Position:
    """A place in a source file (1-based line and column)."""

    file: str
    line: int = 0
    column: int = 0


def _make(where, severity: Severity, code: str, message: str, hint: str,
          subject: str | None = None, suggestion: str | None = None) -> Diagnostic:
    if not isinstance(where, Position):
        where = Position(display_path(Path(where)))
    return Diagnostic(where.file, where.line, where.column, severity, code, message, hint, subject, suggestion)


def display_path(path: Path) -> str:
    """Show a path relative to the working directory when it is inside it."""
    path = Path(path)
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


class ContentError(Exception):
    """Raised with every diagnostic found when a stage cannot go on."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics, key=_sort_key)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


def _sort_key(diagnostic: Diagnostic):
    return (diagnostic.file, diagnostic.line, diagnostic.column, diagnostic.code)


def sort_diagnostics(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Order diagnostics by file and position, as a reader goes through them."""
    return sorted(diagnostics, key=_sort_key)
