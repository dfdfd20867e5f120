"""Check that a translated segment keeps its source's citations, markup and numbers."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..abbreviations import term_pattern
from ..inline import Link, MarkerError, Span, iter_cites, parse_inline, plain_text

_NUMBER = re.compile(r"\d+")
# What makes a label's translation more than words: tags, entities, links, script addresses.
_LABEL_MARKUP = re.compile(r"</?[A-Za-z!?][^>]*>?|&#?\w+;|\]\(|\b(?:javascript|data|vbscript):", re.IGNORECASE)
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
    for code, what, measure, show, hint in _COMPARISONS:
        had, has = measure(source_nodes), measure(target_nodes)
        if had != has:
            found.append(Mismatch(code, f"{what} differ: source has {show(had)} ('{source}'), "
                                        f"translation has {show(has)} ('{target}')", hint))
    return found


def compare_label(source: str, target: str) -> list[Mismatch]:
    """Return a mismatch if a layout label's translation drops or adds a placeholder, or adds
    markup (tags, entities, links, script addresses) that its source does not have."""
    found = []
    if Counter(_PLACEHOLDER.findall(source)) != Counter(_PLACEHOLDER.findall(target)):
        found.append(Mismatch("translation-placeholders",
                              f"placeholders differ: source '{source}', translation '{target}'",
                              "keep %(date)s or {date} exactly as in the source"))
    added = sorted(set(_LABEL_MARKUP.findall(target)) - set(_LABEL_MARKUP.findall(source)))
    if added:
        found.append(Mismatch("translation-markup",
                              f"a layout label's translation adds markup its source does not have: "
                              f"{', '.join(repr(m) for m in added)} in '{target}'",
                              "a label is plain text: translate the words only"))
    return found


def foreign_terms(text: str, terms: dict[str, str]) -> list[str]:
    """Return the master abbreviations `text` still uses although this locale renames them."""
    return [master for master, local in terms.items()
            if master != local and term_pattern(master).search(text)]


def _keys(nodes: list) -> tuple[str, ...]:
    """Return the citation markers in reading order: each as its keys, `[@a; @b]` as 'a; b'."""
    return tuple("; ".join(cite.keys) for cite in iter_cites(nodes))


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


def _list(markers: tuple[str, ...]) -> str:
    return ", ".join(f"[@{m.replace('; ', '; @')}]" for m in markers) or "nothing"


def _counted(counter: Counter) -> str:
    if not counter:
        return "none"
    return ", ".join(f"{item}" + (f" ×{n}" if n > 1 else "") for item, n in sorted(counter.items()))


# What a translation must keep from its source: (code, what, measure, how to show it, hint).
_COMPARISONS = (
    ("translation-citations", "citation markers", _keys, _list,
     "keep every [@key] marker of the source, as often and in the same order"),
    ("translation-markup", "inline markup", _markup, _counted,
     "keep the **bold**, *italic* and [links](...) of the source"),
    ("translation-numbers", "numbers", _numbers, _counted,
     "write the same numbers as the source, in digits"),
)
