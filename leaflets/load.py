"""Load YAML source files into plain data, keeping where every value came from."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import ContentError, Diagnostic, Position, display_path, error
from .paths import read_bytes

try:  # The C loader is about 20 times faster; fall back when libyaml is missing.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader

_SAFE_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
}
_SCALARS = yaml.constructor.SafeConstructor()

MAX_FILE_BYTES = 2_000_000  # far above any leaflet; keeps parsing time bounded
MAX_DEPTH = 40  # nesting deeper than this is never content

Path_ = tuple  # a path into the data: keys and list indices


@dataclass
class Loaded:
    """A YAML file's data with the position of every key and value."""

    path: Path
    data: Any
    positions: dict[tuple, Position] = field(default_factory=dict)
    values: dict[tuple, Position] = field(default_factory=dict)
    styles: dict[tuple, str | None] = field(default_factory=dict)
    multiline: set[tuple] = field(default_factory=set)
    source: str = ""  # the file's text, to place offsets inside folded strings

    @functools.cached_property
    def name(self) -> str:  # cached: every position of the file asks for it
        return display_path(self.path)

    def where(self, loc: tuple) -> Position:
        """Return the position of the deepest known part of `loc`."""
        loc = tuple(loc)
        while loc:
            if loc in self.positions:
                return self.positions[loc]
            if loc in self.values:
                return self.values[loc]
            loc = loc[:-1]
        return self.values.get((), Position(self.name, 1, 1))

    def text_position(self, loc: tuple, offset: int) -> Position:
        """Return the position of character `offset` inside the string at `loc`."""
        if loc not in self.values:
            return self.where(loc)
        start = self.values[loc]
        style = self.styles.get(loc)
        value = self.data_at(loc)
        if self.source and isinstance(value, str):
            found = locate(self.source, self._line_starts(), start, style, value, offset)
            if found is not None:
                return Position(start.file, *found)
        if style in ("|", ">") or loc in self.multiline:
            return start  # text that could not be aligned with the file: its start
        skip = 1 if style in ("'", '"') else 0
        return Position(start.file, start.line, start.column + skip + offset)

    def _line_starts(self) -> list[int]:
        if not hasattr(self, "_starts"):
            starts = [0]
            starts += [i + 1 for i, char in enumerate(self.source) if char == "\n"]
            self._starts = starts
        return self._starts

    def data_at(self, loc: tuple) -> Any:
        """Return the value at `loc`."""
        value = self.data
        for part in loc:
            value = value[part]
        return value


def load_yaml(path: Path) -> Loaded:
    """Read one YAML file safely; raise ContentError with positions on any fault."""
    name = display_path(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            raise ContentError([error(
                name, "file-too-large", f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                "a leaflet's source is a few kilobytes: split the text or remove pasted data")])
        raw = read_bytes(path)
    except OSError as exc:
        raise ContentError([error(name, "unreadable-file", f"cannot read file: {exc.strerror}")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ContentError([error(
            Position(name, line, column), "encoding",
            "file is not UTF-8 text", "save the file with UTF-8 encoding")])
    if not text.strip():
        raise ContentError([error(
            Position(name, 1, 1), "empty-file", "file is empty", "add the content or delete the file")])
    diagnostics: list[Diagnostic] = []
    for number, line in enumerate(text.splitlines(), 1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            diagnostics.append(error(
                Position(name, number, indent.index("\t") + 1), "tab-indent",
                "tab used for indentation", "YAML indents with spaces only: replace the tab"))
    if diagnostics:
        raise ContentError(diagnostics)
    try:
        if "*" in text:  # aliases: refused where they are typed, before anything is expanded
            diagnostics += [error(
                Position(name, event.start_mark.line + 1, event.start_mark.column + 1), "yaml-alias",
                "anchors and aliases (&name, *name) are not supported in content",
                "write the value out in full") for event in yaml.parse(text, Loader=_Loader)
                if isinstance(event, yaml.AliasEvent)]
            if diagnostics:
                raise ContentError(diagnostics)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ContentError([error(
            Position(name, mark.line + 1, mark.column + 1) if mark else Position(name, 1, 1),
            "yaml-syntax", _syntax_message(exc),
            "check the indentation and quoting on this line and the one above")])
    except yaml.reader.ReaderError as exc:
        line, column = _line_column(text, exc.position)
        raise ContentError([error(
            Position(name, line, column), "control-character",
            f"control character U+{exc.character:04X} is not allowed in a YAML file"
            if isinstance(exc.character, int) else "the file holds a character YAML does not allow",
            "delete it: it is invisible and was probably pasted in by accident")])
    except RecursionError:
        raise ContentError([error(Position(name, 1, 1), "too-deep",
                                  "the YAML is nested too deeply to be content")])
    if node is None:
        raise ContentError([error(
            Position(name, 1, 1), "empty-file", "file holds only comments", "add the content")])
    loaded = Loaded(Path(path), None, source=text)
    loaded.data = _convert(node, (), loaded, diagnostics, set())
    if diagnostics:
        raise ContentError(diagnostics)
    return loaded


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    problem = (exc.problem or "invalid YAML").strip()
    if exc.context:
        problem = f"{exc.context.strip()}: {problem}"
    return f"YAML syntax error: {problem}"


def _line_column(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _convert(node: yaml.Node, loc: tuple, loaded: Loaded, diagnostics: list[Diagnostic],
             seen: set[int]) -> Any:
    here = Position(loaded.name, node.start_mark.line + 1, node.start_mark.column + 1)
    loaded.values[loc] = here
    if id(node) in seen or len(loc) > MAX_DEPTH:
        # PyYAML hands an alias back as the node it names: refusing repeats stops
        # "billion laughs" expansion and self-referencing aliases.
        diagnostics.append(error(
            here, "yaml-alias" if id(node) in seen else "too-deep",
            "anchors and aliases (&name, *name) are not supported in content"
            if id(node) in seen else "the YAML is nested too deeply to be content",
            "write the value out in full"))
        return None
    if not isinstance(node, yaml.ScalarNode):
        seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        loaded.styles[loc] = node.style
        if node.end_mark.line != node.start_mark.line:
            loaded.multiline.add(loc)
    if node.tag not in _SAFE_TAGS:
        diagnostics.append(error(
            here, "unsafe-tag", f"YAML tag '{node.tag.replace('tag:yaml.org,2002:', '!!')}' is not allowed in content",
            "remove the tag: content holds only text, numbers, dates, lists and mappings"))
        return None
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, loc + ("<key>",), loaded, diagnostics, seen)
            key_pos = Position(loaded.name, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if not isinstance(key, str):
                if key_node.tag in _SAFE_TAGS:
                    shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a list or mapping"
                    diagnostics.append(error(
                        key_pos, "key-not-text", f"key '{shown}' is not text",
                        "keys are names: put it in quotes if it is meant as written"))
                continue
            if key in result:
                first = loaded.positions[loc + (key,)]
                diagnostics.append(error(
                    key_pos, "duplicate-key", f"key '{key}' appears twice in this mapping",
                    f"it was already given on line {first.line}; keep one of them"))
                continue
            loaded.positions[loc + (key,)] = key_pos
            result[key] = _convert(value_node, loc + (key,), loaded, diagnostics, seen)
        for extra in [k for k in loaded.values if k[: len(loc) + 1] == loc + ("<key>",)]:
            del loaded.values[extra]
            loaded.styles.pop(extra, None)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            loaded.positions[loc + (index,)] = Position(
                loaded.name, item.start_mark.line + 1, item.start_mark.column + 1)
            items.append(_convert(item, loc + (index,), loaded, diagnostics, seen))
        return items
    return _scalar(node, here, diagnostics)


MAX_DIGITS = 50  # digits in a number: more is never a version, a level or a volume


def _scalar(node: yaml.ScalarNode, here: Position, diagnostics: list[Diagnostic]) -> Any:
    """Construct a scalar; an impossible date or an absurd number is the writer's mistake."""
    if node.tag.endswith((":int", ":float")) and sum(ch.isdigit() for ch in node.value) > MAX_DIGITS:
        diagnostics.append(error(
            here, "number-too-long", f"number of {sum(ch.isdigit() for ch in node.value):,} digits; "
            f"the limit is {MAX_DIGITS}", "put it in quotes if it is meant as text"))
        return None
    try:
        return _SCALARS.construct_object(node)
    except ValueError as exc:
        if node.tag.endswith(":timestamp"):
            diagnostics.append(error(here, "invalid-date", f"'{node.value}' is not a date: {exc}",
                                     "write an existing date as YYYY-MM-DD"))
        else:
            diagnostics.append(error(here, "invalid-value", f"'{node.value[:40]}' cannot be read: {exc}",
                                     "put it in quotes if it is meant as text"))
        return None


def locate(source: str, line_starts: list[int], start: Position, style: str | None, value: str,
           offset: int) -> tuple[int, int] | None:
    """Return the (line, column) of character `offset` of a string value in its file.

    Folding joins lines and drops indentation, so walk the value and the file side by
    side: a run of whitespace in one matches a run in the other. None when they differ
    (escapes in double quotes, for instance): the caller then points at the value.
    """
    index = line_starts[start.line - 1] + start.column - 1
    if style in ("|", ">"):
        index = source.find("\n", index)
        if index < 0:
            return None
    elif style in ("'", '"'):
        index += 1
    position, limit = 0, min(offset, len(value))
    while position < limit:
        char = value[position]
        if char.isspace():
            end = position
            while end < len(value) and value[end].isspace():
                end += 1
            if end > limit:
                break
            while index < len(source) and source[index].isspace():
                index += 1
            position = end
            continue
        while position == 0 and index < len(source) and source[index].isspace():
            index += 1
        if source.startswith(char, index):
            step = 2 if style == "'" and char == "'" and source.startswith("''", index) else 1
        else:
            return None
        index += step
        position += 1
    while position == 0 and index < len(source) and source[index].isspace():
        index += 1
    return _line_column(source, index)
