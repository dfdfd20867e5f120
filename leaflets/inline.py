"""Parse inline text (a small Markdown subset plus Pandoc-style citations) into nodes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.helpers import parseLinkDestination, parseLinkTitle

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


@lru_cache(maxsize=2)
def _markdown(every_link: bool = False) -> MarkdownIt:
    # "zero" has no raw HTML, images, headings or lists: text stays text.
    # Without "text_join", an escaped character stays its own token, so `\[@a]` is no citation.
    md = MarkdownIt("zero").enable(["emphasis", "link", "escape", "newline"]).disable("text_join")
    if every_link:
        # Rendering drops links to unsafe schemes (javascript:, data:); the checks read every link
        # a writer typed, so that its target is judged and reported instead of printed as typed.
        md.validateLink = lambda url: True
    return md


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


@dataclass(frozen=True)
class Scan:
    """An inline text as markdown-it reads it for rendering, mapped back to what was typed.

    `text` is what a reader sees, citation markers included (to Markdown they are text): no
    emphasis marks, link targets or escapes. `offsets` gives, per character of `text`, its offset
    in the typed source; `links` each link's target as typed, with its offset.
    """

    source: str
    text: str
    offsets: tuple[int, ...]
    links: tuple[tuple[str, int], ...]

    def source_offset(self, index: int) -> int:
        """Return the offset in the typed source of character `index` of `text`."""
        return self.offsets[index] if index < len(self.offsets) else len(self.source)

    def without_citations(self) -> tuple[str, list[int]]:
        """Return the text without citation markers and, per character, its offset in the source."""
        out: list[str] = []
        offsets: list[int] = []
        last = 0
        for match in CITATION.finditer(self.text):
            out.append(self.text[last:match.start()])
            offsets.extend(self.offsets[last:match.start()])
            last = match.end()
        out.append(self.text[last:])
        offsets.extend(self.offsets[last:])
        return "".join(out), offsets


@lru_cache(maxsize=4096)
def scan(source: str) -> Scan:
    """Read `source` with the renderer's parser, keeping where each visible character was typed."""
    tokens = _markdown(every_link=True).parseInline(source)[0].children or []
    chars: list[str] = []
    offsets: list[int] = []
    links: list[tuple[str, int]] = []
    pos = 0
    for token in tokens:
        kind = token.type
        if kind in ("text", "text_special"):
            for char in token.content:
                at = _typed(source, char, pos)
                chars.append(char)
                offsets.append(at if at is not None else min(pos, len(source)))
                pos = at + 1 if at is not None else pos
        elif kind in ("strong_open", "strong_close", "em_open", "em_close"):
            at = source.find(token.markup, pos)
            pos = at + len(token.markup) if at >= 0 else pos
        elif kind == "link_open":
            at = source.find("[", pos)
            pos = at + 1 if at >= 0 else pos
        elif kind == "link_close":
            pos, target = _link_end(source, pos)
            if target is not None:
                links.append(target)
        elif kind in ("softbreak", "hardbreak"):
            at = source.find("\n", pos)
            chars.append(" ")
            offsets.append(at if at >= 0 else pos)
            pos = at + 1 if at >= 0 else pos
    return Scan(source, "".join(chars), tuple(offsets), tuple(links))


def _typed(source: str, char: str, pos: int) -> int | None:
    """Find where a visible character was typed, at or after `pos` (past a backslash escape)."""
    while pos < len(source):
        if source[pos] == char:
            return pos
        if source[pos] == "\\" and source[pos + 1:pos + 2] == char:
            return pos + 1
        pos += 1
    return None


def _link_end(source: str, pos: int) -> tuple[int, tuple[str, int] | None]:
    """Step over `](target "title")` after a link's text; return the new position and the target."""
    at = source.find("](", pos)
    if at < 0:
        return pos, None
    start = _skip_space(source, at + 2)
    found = parseLinkDestination(source, start, len(source))
    if not found.ok:
        return at + 2, None
    raw = source[start:found.pos]
    target = (raw[1:-1], start + 1) if raw.startswith("<") else (raw, start)
    pos = _skip_space(source, found.pos)
    if source[pos:pos + 1] != ")":
        title = parseLinkTitle(source, pos, len(source))
        if title.ok:
            pos = _skip_space(source, title.pos)
    return (pos + 1 if source[pos:pos + 1] == ")" else pos), target


def _skip_space(source: str, pos: int) -> int:
    while pos < len(source) and source[pos] in " \t\n":
        pos += 1
    return pos
