"""Number citations by first use, collapse ranges and place superscripts by AMA rules."""

from __future__ import annotations

from dataclasses import dataclass

from .inline import Cite, Link, Span, Text

# AMA: the superscript follows periods and commas, and precedes colons and semicolons.
_GOES_BEFORE_CITE = ".,،۔"  # full stops and commas, Latin and Arabic (، ۔)
_GOES_AFTER_CITE = ":;؛"  # colons and semicolons, Latin and Arabic (؛)


@dataclass(frozen=True)
class CitePart:
    """One printed piece of a superscript: a number (linked) or a separator."""

    text: str
    href: str | None = None


class Numbering:
    """Give each reference key a number the first time it is cited."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def number(self, key: str) -> int:
        """Return the key's number, assigning the next one on first citation."""
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers) + 1
        return self.numbers[key]

    def apply(self, nodes: list) -> None:
        """Number every citation in `nodes` (in reading order) and fill its printed parts."""
        for node in nodes:
            if isinstance(node, Cite):
                numbers = [self.number(key) for key in node.keys]
                node.parts = superscript_parts(numbers)
            elif isinstance(node, (Span, Link)):
                self.apply(node.children)


def collapse(numbers: list[int]) -> list[tuple[int, int]]:
    """Group sorted unique numbers into runs: (first, last)."""
    runs: list[tuple[int, int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs


def superscript_label(numbers: list[int]) -> str:
    """Return the superscript text: `1,3-5,8`; runs of two stay apart (`1,2`)."""
    return "".join(part.text for part in superscript_parts(numbers))


def superscript_parts(numbers: list[int]) -> list[CitePart]:
    """Return the printed parts of a superscript, each number linking to its reference."""
    parts: list[CitePart] = []
    for first, last in collapse(numbers):
        if parts:
            parts.append(CitePart(","))
        parts.append(CitePart(str(first), f"#ref-{first}"))
        if last == first + 1:
            parts += [CitePart(","), CitePart(str(last), f"#ref-{last}")]
        elif last > first:
            parts += [CitePart("-"), CitePart(str(last), f"#ref-{last}")]
    return parts


def place_citations(nodes: list) -> list:
    """Merge adjacent citations and move them across punctuation by AMA rules, in place."""
    _merge_adjacent(nodes)
    for index, node in enumerate(nodes):
        if isinstance(node, (Span, Link)):
            place_citations(node.children)
        if not isinstance(node, Cite):
            continue
        before = nodes[index - 1] if index and isinstance(nodes[index - 1], Text) else None
        after = nodes[index + 1] if index + 1 < len(nodes) and isinstance(nodes[index + 1], Text) else None
        if before is not None:
            before.text = before.text.rstrip()
        if after is not None:
            moved = len(after.text) - len(after.text.lstrip(_GOES_BEFORE_CITE))
            if moved:
                if before is None:
                    before = Text("")
                    nodes.insert(index, before)
                    index += 1
                before.text += after.text[:moved]
                after.text = after.text[moved:]
        if before is not None:
            stripped = before.text.rstrip(_GOES_AFTER_CITE)
            moved_text = before.text[len(stripped):]
            if moved_text:
                before.text = stripped
                if after is None:
                    after = Text("")
                    nodes.insert(index + 1, after)
                after.text = moved_text + after.text
    nodes[:] = [node for node in nodes if not (isinstance(node, Text) and node.text == "")]
    _bind_to_word(nodes)
    return nodes


def _bind_to_word(nodes: list) -> None:
    """Keep each superscript on the line of the word before it (no break between them)."""
    index = 0
    while index < len(nodes):
        node = nodes[index]
        if isinstance(node, Cite) and index and isinstance(nodes[index - 1], Text):
            before = nodes[index - 1]
            word_start = len(before.text.rstrip()) - len(before.text.rstrip().split(" ")[-1])
            if before.text[word_start:] and not before.text.endswith(" "):
                bound = Span("nobreak", [Text(before.text[word_start:]), node])
                before.text = before.text[:word_start]
                nodes[index] = bound
                if not before.text:
                    del nodes[index - 1]
                    index -= 1
        index += 1


def _merge_adjacent(nodes: list) -> None:
    index = 0
    while index + 1 < len(nodes):
        node, following = nodes[index], nodes[index + 1]
        if isinstance(node, Cite) and isinstance(following, Cite):
            node.keys = node.keys + [key for key in following.keys if key not in node.keys]
            del nodes[index + 1]
            continue
        if (isinstance(node, Cite) and isinstance(following, Text) and not following.text.strip()
                and index + 2 < len(nodes) and isinstance(nodes[index + 2], Cite)):
            del nodes[index + 1]
            continue
        index += 1
