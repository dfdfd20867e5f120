"""Load YAML source files into plain data, keeping where every value came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import ContentError, Diagnostic, Position, display_path, error

try:  # The C loader is about 20 times faster; fall back when libyaml is missing.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader

_SAFE_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
}
_SCALARS = yaml.constructor.SafeConstructor()

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

    @property
    def name(self) -> str:
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
        if style in ("|", ">") or loc in self.multiline:
            return start  # folded text: its columns no longer match the file's
        skip = 1 if style in ("'", '"') else 0
        return Position(start.file, start.line, start.column + skip + offset)

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
        raw = Path(path).read_bytes()
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
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ContentError([error(
            Position(name, mark.line + 1, mark.column + 1) if mark else Position(name, 1, 1),
            "yaml-syntax", _syntax_message(exc),
            "check the indentation and quoting on this line and the one above")])
    loaded = Loaded(Path(path), None)
    loaded.data = _convert(node, (), loaded, diagnostics)
    if diagnostics:
        raise ContentError(diagnostics)
    return loaded


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    problem = (exc.problem or "invalid YAML").strip()
    if exc.context:
        problem = f"{exc.context.strip()}: {problem}"
    return f"YAML syntax error: {problem}"


def _convert(node: yaml.Node, loc: tuple, loaded: Loaded, diagnostics: list[Diagnostic]) -> Any:
    here = Position(loaded.name, node.start_mark.line + 1, node.start_mark.column + 1)
    loaded.values[loc] = here
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
            key = _convert(key_node, loc + ("<key>",), loaded, diagnostics)
            if not isinstance(key, (str, int)):
                continue
            key_pos = Position(loaded.name, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in result:
                first = loaded.positions[loc + (key,)]
                diagnostics.append(error(
                    key_pos, "duplicate-key", f"key '{key}' appears twice in this mapping",
                    f"it was already given on line {first.line}; keep one of them"))
                continue
            loaded.positions[loc + (key,)] = key_pos
            result[key] = _convert(value_node, loc + (key,), loaded, diagnostics)
        for extra in [k for k in loaded.values if k[: len(loc) + 1] == loc + ("<key>",)]:
            del loaded.values[extra]
            loaded.styles.pop(extra, None)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            loaded.positions[loc + (index,)] = Position(
                loaded.name, item.start_mark.line + 1, item.start_mark.column + 1)
            items.append(_convert(item, loc + (index,), loaded, diagnostics))
        return items
    return _SCALARS.construct_object(node)
