"""Read PDFs as a reader would: text in reading order, with a real PDF library."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf

_HYPHEN_BREAK = re.compile(r"(\w)\u2010\s+(\w)")  # words hyphenated at the end of a line
_SPACES = re.compile(r"\s+")


def page_texts(path: Path) -> list[str]:
    """Return the raw text of each page."""
    return [page.extract_text() or "" for page in pypdf.PdfReader(path).pages]


def reading_text(path: Path) -> str:
    """Return the whole document's text, hyphenation undone and whitespace collapsed."""
    text = "\n".join(page_texts(path))
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    return _SPACES.sub(" ", text)


def normalize(text: str) -> str:
    """Collapse whitespace so text from YAML and from the PDF compare equal."""
    return _SPACES.sub(" ", text).strip()


def squash(text: str) -> str:
    """Drop all whitespace and line-end hyphens: compares text however lines were broken."""
    return _SPACES.sub("", text.replace("\u2010", ""))


def find_in_order(haystack: str, needles: list[str]) -> list[str]:
    """Return the needles not found in order (each searched after the previous one)."""
    missing, position = [], 0
    squashed = squash(haystack)
    for needle in needles:
        found = squashed.find(squash(needle), position)
        if found < 0:
            missing.append(needle)
        else:
            position = found + len(squash(needle))
    return missing
