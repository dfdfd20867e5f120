"""Inline text as word tokens, split into sentences, and diffed word by word.

A token's key is what a reader would call "the same word": its text and its emphasis, or for a
citation the set of reference keys it cites. Citation numbers are only printed, never compared,
so a reference renumbered because an earlier citation was added leaves the sentence unchanged.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from ..inline import Cite, Link, Span, Text

_WORD = re.compile(r"\s*\S+\s*|\s+")
_ENDS = re.compile(r"[.!?][\"'”’)\]]*$")
_NOT_AN_END = re.compile(r"(?:^|\W)(?:e\.g|i\.e|etc|vs|approx|Dr|Mr|Mrs|Ms|Prof|Fig|No|St|[A-Z])\.$")
_STARTS = re.compile(r"^[\"'“‘(\[]?[A-Z0-9]")


@dataclass(frozen=True)
class Token:
    key: tuple  # ("w", style, word) or ("cite", keys)
    text: str  # as printed, with the whitespace that follows it

    @property
    def is_cite(self) -> bool:
        return self.key[0] == "cite"


def tokens(nodes: list) -> list[Token]:
    """Return the word and citation tokens of an inline node list, in reading order."""
    out: list[Token] = []
    _walk(nodes, "", out)
    return out


def _walk(nodes: list, style: str, out: list[Token]) -> None:
    for node in nodes:
        if isinstance(node, Text):
            for piece in _WORD.findall(node.text):
                word = piece.strip()
                lead = piece[: len(piece) - len(piece.lstrip())]
                if lead and out:  # whitespace belongs to the token before it
                    out[-1] = Token(out[-1].key, out[-1].text + lead)
                if word:
                    out.append(Token(("w", style, word), piece.lstrip()))
        elif isinstance(node, Cite):
            label = "".join(part.text for part in node.parts) or ",".join(node.keys)
            out.append(Token(("cite", tuple(sorted(set(node.keys)))), f"[{label}]"))
        elif isinstance(node, Link):
            _walk(node.children, style + f"<{node.href}>", out)
        elif isinstance(node, Span):
            _walk(node.children, style + ("*" if node.kind == "em" else "**" if node.kind == "strong" else ""), out)
        elif hasattr(node, "children"):  # any other node that holds text (a language span, ...)
            _walk(node.children, style, out)


def text_tokens(text: str) -> list[Token]:
    """Tokens of plain text (reference entries, glossary expansions, catalogue entries)."""
    return tokens([Text(text)])


def sentences(toks: list[Token]) -> list[list[Token]]:
    """Split tokens into sentences: after . ! or ? (and the citations that follow it)
    when the next word starts with a capital or a digit, except after e.g., i.e. and initials."""
    found: list[list[Token]] = []
    current: list[Token] = []
    for index, token in enumerate(toks):
        current.append(token)
        following = toks[index + 1] if index + 1 < len(toks) else None
        if following is None or following.is_cite:
            continue  # a citation after a full stop belongs to the sentence it follows
        if _closing(current) and _STARTS.match(following.text.strip()):
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def _closing(sentence: list[Token]) -> bool:
    """Does the sentence so far end (before trailing citations) with a sentence end?"""
    words = [t for t in sentence if not t.is_cite]
    if not words:
        return False
    word = words[-1].text.strip()
    return bool(_ENDS.search(word)) and not _NOT_AN_END.search(word)


def text_of(toks: list[Token]) -> str:
    return "".join(t.text for t in toks).strip()


def key_of(toks: list[Token]) -> tuple:
    return tuple(t.key for t in toks)


def similarity(a: list[Token], b: list[Token]) -> float:
    return difflib.SequenceMatcher(None, key_of(a), key_of(b), autojunk=False).ratio()


def word_diff(old: list[Token], new: list[Token]) -> list[list[str]]:
    """Return runs of [op, text]: "=" kept, "-" deleted (old text), "+" inserted (new text)."""
    runs: list[list[str]] = []

    def add(op: str, toks: list[Token]) -> None:
        text = "".join(t.text for t in toks)
        if not text:
            return
        if runs and runs[-1][0] == op:
            runs[-1][1] += text
        else:
            runs.append([op, text])

    old, new = _trimmed(old), _trimmed(new)
    matcher = difflib.SequenceMatcher(None, key_of(old), key_of(new), autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            add("=", new[j1:j2])
        else:
            add("-", old[i1:i2])
            add("+", new[j1:j2])
    return [run for run in runs if run[1]]


def _trimmed(toks: list[Token]) -> list[Token]:
    """The tokens without the whitespace after the last one."""
    return toks[:-1] + [Token(toks[-1].key, toks[-1].text.rstrip())] if toks else toks
