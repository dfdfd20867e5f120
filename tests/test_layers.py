"""The package's import graph follows the layers the README's project layout draws.

Each line of the layout under `leaflets/` is a layer; a module may import modules of its own line
or of lines above it, never below, and the graph has no circle at all. The rule is read from the
README itself, so the documentation and the code cannot drift apart. Imports made only for type
checkers (`if TYPE_CHECKING:`) are not imports at run time and are not counted.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "leaflets"


def layout_layers(readme: str) -> list[list[str]]:
    """Return the README's layout lines under `leaflets/`, each a list of entries (`plan.py`, `checks/`)."""
    section = readme.split("## Project layout", 1)[1]
    block = section.split("```", 2)[1]
    layers, inside = [], False
    for line in block.splitlines():
        if line.startswith("leaflets/"):
            inside = True
            continue
        if inside and not line.startswith("  "):
            break
        if inside:
            names = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]
            layers.append([name.strip() for name in names.split(",")])
    return layers


def layer_of(module: str, layers: list[list[str]]) -> int | None:
    """Return the index of the layout line that holds `module` (the longest matching entry wins)."""
    path = module.removeprefix("leaflets.").replace(".", "/")
    best: tuple[int, int] | None = None
    for index, entries in enumerate(layers):
        for entry in entries:
            if entry.endswith("/"):
                matches = path == entry[:-1] or path.startswith(entry)
            else:
                matches = path == entry.removesuffix(".py")
            if matches and (best is None or len(entry) > best[1]):
                best = (index, len(entry))
    return best[0] if best else None


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Return the package modules `module` imports at run time (at any depth of its code)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "leaflets")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "leaflets":
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    found.add(sub if sub in known else target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text("utf-8")))
    found.discard(module)
    return {name for name in found if name in known}


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def layering_faults(edges: dict[str, set[str]], layers: list[list[str]]) -> list[str]:
    """Return every module missing from the layout and every import pointing to a lower line."""
    faults = []
    for module, targets in sorted(edges.items()):
        mine = layer_of(module, layers)
        if mine is None:
            if module != "leaflets":
                faults.append(f"{module} is not in the README's project layout")
            continue
        for target in sorted(targets):
            theirs = layer_of(target, layers)
            if theirs is not None and theirs > mine:
                faults.append(f"{module} ({', '.join(layers[mine])}) imports {target} "
                              f"({', '.join(layers[theirs])}), which the layout lists below it")
    return faults


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Return the import circles (strongly connected components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


@pytest.fixture(scope="module")
def layers() -> list[list[str]]:
    return layout_layers((ROOT / "README.md").read_text("utf-8"))


def test_the_layout_lists_the_rooms_in_the_order_the_data_passes(layers):
    order = [layer_of(f"leaflets.{room}", layers) for room in
             ("documents", "checks", "plan", "view", "render", "outputs", "matrix", "cli")]
    assert None not in order and order == sorted(order)


def test_every_import_points_up_the_layout(layers):
    assert layering_faults(graph(), layers) == []


def test_the_import_graph_has_no_circle():
    assert cycles(graph()) == []


def test_a_back_import_is_caught(layers):
    """The rule bites: an import from a lower line, or a circle, is reported."""
    edges = graph()
    edges["leaflets.documents"] = edges["leaflets.documents"] | {"leaflets.matrix"}
    assert any(fault.startswith("leaflets.documents (documents.py) imports leaflets.matrix")
               for fault in layering_faults(edges, layers))
    assert any({"leaflets.documents", "leaflets.matrix"} <= set(circle) for circle in cycles(edges))


def test_type_checking_imports_are_not_run_time_imports(tmp_path):
    source = tmp_path / "example.py"
    source.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .view import Job\n"
                      "def f():\n    from . import render\n")
    known = {"leaflets.view": source, "leaflets.render": source, "leaflets.example": source}
    assert imports("leaflets.example", source, known) == {"leaflets.render"}


WRITES = re.compile(r"\.write_bytes\(|\.write_text\(|\bopen\([^)]*['\"][wax]b?['\"]|os\.replace\(|os\.rename\(|"
                    r"\.rename\(|mkstemp\(")


def direct_writes(sources: dict[str, str]) -> list[str]:
    """Return the modules, other than outputs, that write a file themselves."""
    return sorted(module for module, text in sources.items()
                  if module != "leaflets.outputs" and WRITES.search(text))


def test_every_file_is_written_through_the_one_atomic_helper():
    sources = {name: path.read_text("utf-8") for name, path in modules().items()}
    assert direct_writes(sources) == []
    sources["leaflets.i18n.catalogues"] += "\npath.with_suffix('.tmp').write_bytes(data)\n"
    assert direct_writes(sources) == ["leaflets.i18n.catalogues"]  # the rule bites
