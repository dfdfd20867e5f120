"""Parse inline text (a small Markdown subset plus Pandoc-style citations) into nodes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it import MarkdownIt

# A citation marker: `[@key]` or `[@a; @b]`. Anything in brackets that starts with `@`.
CITATION = re.compile(r"\[\s*(@[^\[\]]*)\]")
CITATION_KEY = re.compile(r"^@([A-Za-z0-9][A-Za-z0-9_.:-]*)$")


@dataclass
class Text:
    text: str
    kind: str = "text"


@dataclass
class Span:
    kind: str  # "strong" or "em"
    children: list = field(default_factory=list)


@dataclass
class Link:
    href: str
    children: list = field(default_factory=list)
    kind: str = "link"


@dataclass
class Cite:
    """A citation group before numbering: the keys in the order typed."""

    keys: list[str]
    kind: str = "cite"
    parts: list = field(default_factory=list)  # filled when numbered


class MarkerError(ValueError):
    """A citation marker that cannot be read, e.g. `[@]` or `[@a;;@b]`."""

    def __init__(self, marker: str, offset: int):
        super().__init__(marker)
        self.marker, self.offset = marker, offset


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # "zero" has no raw HTML, images, headings or lists: text stays text.
    # Without "text_join", an escaped character stays its own token, so `\[@a]` is no citation.
    return MarkdownIt("zero").enable(["emphasis", "link", "escape", "newline"]).disable("text_join")


def parse_inline(source: str) -> list:
    """Return the node tree of one inline text; raise MarkerError on a bad citation."""
    tokens = _markdown().parseInline(source)[0].children or []
    root: list = []
    stack = [root]
    for token in tokens:
        if token.type in ("strong_open", "em_open"):
            node = Span(token.type.removesuffix("_open"))
            stack[-1].append(node)
            stack.append(node.children)
        elif token.type == "link_open":
            node = Link(str(token.attrs.get("href", "")))
            stack[-1].append(node)
            stack.append(node.children)
        elif token.type in ("strong_close", "em_close", "link_close"):
            stack.pop()
        elif token.type in ("softbreak", "hardbreak"):
            _append_text(stack[-1], " ")
        elif token.type == "text_special" and token.content == "[":
            stack[-1].append(Text(token.content))  # an escaped bracket: its own node, never split
            stack[-1].append(Text(""))
        else:
            _append_text(stack[-1], token.content)
    _split_citations(root, source)
    _join_texts(root)
    return root


def _join_texts(nodes: list) -> None:
    """Join neighbouring text nodes (split only so that escapes are no citations); drop empty ones."""
    joined: list = []
    for node in nodes:
        if isinstance(node, (Span, Link)):
            _join_texts(node.children)
        if isinstance(node, Text) and node.kind == "text":
            if not node.text:
                continue
            if joined and isinstance(joined[-1], Text) and joined[-1].kind == "text":
                joined[-1] = Text(joined[-1].text + node.text)
                continue
        joined.append(node)
    nodes[:] = joined


def _append_text(siblings: list, text: str) -> None:
    if not text:
        return
    if siblings and isinstance(siblings[-1], Text):
        siblings[-1].text += text
    else:
        siblings.append(Text(text))


def _split_citations(nodes: list, source: str) -> None:
    index = 0
    while index < len(nodes):
        node = nodes[index]
        if isinstance(node, (Span, Link)):
            _split_citations(node.children, source)
        elif isinstance(node, Text) and "[" in node.text:
            pieces = _citation_pieces(node.text, source)
            nodes[index:index + 1] = pieces
            index += len(pieces) - 1
        index += 1


def _citation_pieces(text: str, source: str) -> list:
    pieces: list = []
    last = 0
    for match in CITATION.finditer(text):
        if match.start() > last:
            pieces.append(Text(text[last:match.start()]))
        pieces.append(Cite(citation_keys(match.group(0), source.find(match.group(0)))))
        last = match.end()
    if last < len(text):
        pieces.append(Text(text[last:]))
    return pieces or [Text(text)]


def citation_keys(marker: str, offset: int = 0) -> list[str]:
    """Return the keys of a marker such as `[@a; @b]`; raise MarkerError when malformed."""
    inner = marker.strip()[1:-1]
    keys = []
    for part in inner.split(";"):
        match = CITATION_KEY.match(part.strip())
        if not match:
            raise MarkerError(marker, offset)
        keys.append(match.group(1))
    return keys


def plain_text(nodes: list) -> str:
    """Return the text a reader sees, without citations."""
    out = []
    for node in nodes:
        if isinstance(node, Text):
            out.append(node.text)
        elif isinstance(node, (Span, Link)):
            out.append(plain_text(node.children))
    return "".join(out)


def iter_cites(nodes: list):
    """Yield every citation group in reading order."""
    for node in nodes:
        if isinstance(node, Cite):
            yield node
        elif isinstance(node, (Span, Link)):
            yield from iter_cites(node.children)
