"""Find which glossary abbreviations a text uses and list them sorted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Abbreviation:
    term: str
    expansion: str


def term_pattern(term: str) -> re.Pattern[str]:
    """Match a term as a whole token; a plural `s` (ERs, AIs) still counts as a use."""
    return re.compile(r"(?<![\w/])" + re.escape(term) + r"s?(?![\w])")


def used_abbreviations(glossary: dict[str, str], texts: list[str],
                       sort_key: Callable[[str], object] | None = None) -> list[Abbreviation]:
    """Return the glossary entries found in `texts`, sorted by `sort_key` (default: case-insensitively)."""
    joined = "\n".join(texts)
    used = [Abbreviation(term, expansion) for term, expansion in glossary.items()
            if term_pattern(term).search(joined)]
    key = sort_key or (lambda term: (term.casefold(), term))
    return sorted(used, key=lambda a: key(a.term))
