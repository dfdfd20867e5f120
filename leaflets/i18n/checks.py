"""Check that a translated segment keeps its source's citations, markup and numbers."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..abbreviations import term_pattern
from ..inline import Link, MarkerError, Span, iter_cites, parse_inline, plain_text

_NUMBER = re.compile(r"\d+")
_PLACEHOLDER = re.compile(r"%\([^)]*\)[a-z]|\{[^}]*\}")


@dataclass(frozen=True)
class Mismatch:
    code: str
    message: str
    hint: str


def compare(source: str, target: str) -> list[Mismatch]:
    """Return how `target` differs from `source` in citations, markup or numbers."""
    try:
        target_nodes = parse_inline(target)
    except MarkerError as exc:
        return [Mismatch("translation-citation-marker",
                         f"translation has a citation marker that cannot be read: '{exc.marker}'",
                         "write citations as [@key] or [@key1; @key2], as in the source")]
    source_nodes = parse_inline(source)
    found = []
    src_keys, tgt_keys = _keys(source_nodes), _keys(target_nodes)
    if src_keys != tgt_keys:
        found.append(Mismatch(
            "translation-citations",
            f"citation keys differ: source cites {_list(src_keys)} ('{source}'), "
            f"translation cites {_list(tgt_keys)} ('{target}')",
            "keep every [@key] of the source; their order may change"))
    src_markup, tgt_markup = _markup(source_nodes), _markup(target_nodes)
    if src_markup != tgt_markup:
        found.append(Mismatch(
            "translation-markup",
            f"inline markup differs: source has {_counted(src_markup)} ('{source}'), "
            f"translation has {_counted(tgt_markup)} ('{target}')",
            "keep the **bold**, *italic* and [links](...) of the source"))
    src_numbers, tgt_numbers = _numbers(source_nodes), _numbers(target_nodes)
    if src_numbers != tgt_numbers:
        found.append(Mismatch(
            "translation-numbers",
            f"numbers differ: source has {_counted(src_numbers)} ('{source}'), "
            f"translation has {_counted(tgt_numbers)} ('{target}')",
            "write the same numbers as the source, in digits"))
    return found


def compare_label(source: str, target: str) -> list[Mismatch]:
    """Return a mismatch if a layout label's translation drops or adds a placeholder."""
    if Counter(_PLACEHOLDER.findall(source)) == Counter(_PLACEHOLDER.findall(target)):
        return []
    return [Mismatch("translation-placeholders",
                     f"placeholders differ: source '{source}', translation '{target}'",
                     "keep %(date)s or {date} exactly as in the source")]


def foreign_terms(text: str, terms: dict[str, str]) -> list[str]:
    """Return the master abbreviations `text` still uses although this locale renames them."""
    return [master for master, local in terms.items()
            if master != local and term_pattern(master).search(text)]


def _keys(nodes: list) -> set[str]:
    return {key for cite in iter_cites(nodes) for key in cite.keys}


def _markup(nodes: list, counter: Counter | None = None) -> Counter:
    counter = Counter() if counter is None else counter
    for node in nodes:
        if isinstance(node, Link):
            counter[f"link to {node.href}"] += 1
            _markup(node.children, counter)
        elif isinstance(node, Span):
            counter[{"strong": "bold", "em": "italic"}.get(node.kind, node.kind)] += 1
            _markup(node.children, counter)
    return counter


def _numbers(nodes: list) -> Counter:
    return Counter(_NUMBER.findall(plain_text(nodes)))


def _list(keys: set[str]) -> str:
    return ", ".join(sorted(keys)) or "nothing"


def _counted(counter: Counter) -> str:
    if not counter:
        return "none"
    return ", ".join(f"{item}" + (f" ×{n}" if n > 1 else "") for item, n in sorted(counter.items()))
