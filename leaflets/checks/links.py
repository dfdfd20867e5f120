"""Content is text: links go to the web or to an address, and markup prints as typed."""

from __future__ import annotations

import re

from ..diagnostics import Diagnostic, error, warning
from ..documents import SourceDocument
from ..inline import scan
from .text import Unit, position

ALLOWED_SCHEMES = ("https://", "http://", "mailto:")
_TAG = re.compile(r"</?\s*[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")


def check(doc: SourceDocument, units: list[Unit]) -> list[Diagnostic]:
    """Refuse links that are not web or mail addresses; warn about HTML typed into text."""
    found = []
    for unit in units:
        if unit.kind == "title":
            continue
        for target, offset in scan(unit.text).links:  # as the renderer reads them
            if not target.lower().startswith(ALLOWED_SCHEMES):
                found.append(error(
                    position(doc, unit, offset), "link-target",
                    f"link target '{_short(target)}' is not a web or mail address",
                    "links start with https://, http:// or mailto:"))
        for match in _TAG.finditer(unit.text):
            found.append(warning(
                position(doc, unit, match.start()), "html-in-text",
                f"'{_short(match.group(0))}' prints as typed: HTML in content is not interpreted",
                "use **bold**, *italic* and [text](https://...) for markup"))
    return found


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."
