"""Keep left-to-right runs whole in right-to-left text: HER2, CDK4/6, Luminal A, 2026.

The Unicode bidirectional algorithm orders a Latin term inside Arabic text by its letters, but
the neutral characters at its edges (the minus of HER2-, the plus of HR+, a slash) take the
direction of the Arabic around them and move to the wrong end. Each run of Latin letters and
digits (with the signs written inside terms) becomes its own node, which the layout prints in a
left-to-right isolate (`<bdi dir="ltr">`): WeasyPrint lays it out as one left-to-right box and
places the box among its right-to-left neighbours as a whole. Brackets stay outside the run so
that the Arabic text around them mirrors them. Printed URLs are isolated by the layout itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .inline import Link, Text

_LETTER = r"A-Za-z0-9\u00C0-\u024F"
_GROUP = rf"\([{_LETTER} +\-/.,:'’&%®™]*\)"  # a bracketed Latin aside, kept inside its run
# A run starts with a Latin letter, a digit or ©, and ends with one (or with a bracketed aside, or
# with the + - % ® of HR+, HER2-, 20%, Guidelines®); spaces and signs (2023;15(19):4689) may
# stand between.
LTR_RUN = re.compile(
    rf"[{_LETTER}©](?:(?:[{_LETTER}+\-/.,:;'’&%®™ ]|{_GROUP})*(?:[{_LETTER}]|{_GROUP}))?[+\-%®™]?"
    rf"(?![{_LETTER}])")


@dataclass
class Isolate(Text):
    """A run printed in a direction of its own, whatever the text around it (still text to
    whatever reads the nodes: plain_text, comparisons)."""

    kind: str = "isolate"
    dir: str = "ltr"

    @property
    def whole(self) -> bool:
        """Tell whether the run is one term (a/mBC, HR+/HER2-), never broken across lines."""
        return " " not in self.text and len(self.text) <= 24


def isolate_ltr_runs(nodes: list) -> list:
    """Split every text node of `nodes` (recursively) into text and left-to-right isolates."""
    out: list = []
    pending = ""  # the parser may leave a text in several nodes ("HER2 (", "HER2+)"): join them
    for node in nodes:
        if isinstance(node, Text) and not isinstance(node, Isolate):
            pending += node.text
            continue
        if pending:
            out += _split(pending)
            pending = ""
        if isinstance(node, Link) and "://" in _plain(node.children):
            out.append(node)  # a printed URL: the layout sets it left to right whole
        elif isinstance(getattr(node, "children", None), list):  # strong, em, links, foreign runs
            node.children = isolate_ltr_runs(node.children)
            out.append(node)
        else:
            out.append(node)
    if pending:
        out += _split(pending)
    return out


def _split(text: str) -> list:
    parts: list = []
    last = 0
    for match in LTR_RUN.finditer(text):
        if match.start() > last:
            parts.append(Text(text[last:match.start()]))
        parts.append(Isolate(match.group(0)))
        last = match.end()
    if last < len(text):
        parts.append(Text(text[last:]))
    return parts


def _plain(nodes: list) -> str:
    return "".join(n.text if isinstance(n, Text) else _plain(getattr(n, "children", [])) for n in nodes)
