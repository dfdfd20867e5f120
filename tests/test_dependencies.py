"""Declared dependencies match the imports: every module leaflets/ imports is a runtime dependency,
every module tests/ imports is a runtime or test dependency, and constraints.txt pins them all,
their own dependencies included."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
# The releases that shape a PDF's bytes: pinned exactly in pyproject.toml itself.
RENDERING = {"weasyprint", "pydyf", "tinycss2", "cssselect2", "tinyhtml5", "pyphen", "fonttools", "jinja2"}


def normal(name: str) -> str:
    """A distribution name in its PEP 503 form."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(key: str | None = None) -> list[Requirement]:
    declared = PROJECT["dependencies"] if key is None else PROJECT["optional-dependencies"][key]
    return [Requirement(text) for text in declared]


def constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            pins[normal(requirement.name)] = str(requirement.specifier)
    return pins


def imports(paths) -> dict[str, list[str]]:
    """Top-level modules imported anywhere in these files (functions included), with where."""
    found: dict[str, list[str]] = {}
    for path in paths:
        tree = ast.parse(path.read_text("utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                found.setdefault(top, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def third_party(found: dict[str, list[str]], local: set[str]) -> dict[str, list[str]]:
    return {name: where for name, where in found.items()
            if name not in sys.stdlib_module_names and name not in local and name != "__future__"}


def undeclared(found: dict[str, list[str]], declared: set[str]) -> list[str]:
    """The imported modules whose distribution is not among `declared`."""
    providers = metadata.packages_distributions()
    problems = []
    for module, where in sorted(found.items()):
        distributions = {normal(d) for d in providers.get(module, [])}
        if not distributions:
            problems.append(f"{module} (imported at {where[0]}) is not installed")
        elif not distributions & declared:
            problems.append(f"{module} (imported at {where[0]}) comes from {', '.join(sorted(distributions))}, "
                            "which pyproject.toml does not declare")
    return problems


def test_every_runtime_import_is_a_runtime_dependency():
    found = third_party(imports([*(ROOT / "leaflets").rglob("*.py"), ROOT / "make_pdf.py"]), {"leaflets"})
    assert {"weasyprint", "pypdfium2", "pikepdf"} <= set(found)  # the walk sees function-level imports
    assert undeclared(found, {normal(r.name) for r in requirements()}) == []


def test_every_test_import_is_declared():
    tests = ROOT / "tests"
    local = {"leaflets"} | {p.stem for p in tests.glob("*.py")} | {p.name for p in tests.iterdir() if p.is_dir()}
    found = third_party(imports(tests.rglob("*.py")), local)
    declared = {normal(r.name) for r in requirements() + requirements("test")}
    assert undeclared(found, declared) == []


def test_only_the_rendering_releases_are_pinned_exactly_in_pyproject():
    exact = {normal(r.name) for r in requirements() if any(s.operator == "==" for s in r.specifier)}
    assert exact == RENDERING
    for requirement in requirements("test"):
        assert all(s.operator != "==" for s in requirement.specifier), requirement


def test_constraints_pin_every_dependency_and_agree_with_pyproject():
    pins = constraints()
    for requirement in requirements() + requirements("test"):
        name = normal(requirement.name)
        assert name in pins, f"constraints.txt does not pin {requirement.name}"
        version = pins[name].removeprefix("==")
        assert requirement.specifier.contains(version, prereleases=True), \
            f"constraints.txt pins {requirement.name} {pins[name]}, outside pyproject's {requirement.specifier}"


def test_constraints_pin_the_whole_dependency_tree():
    """Transitive dependencies are pinned in constraints.txt (not in pyproject.toml)."""
    pins = constraints()
    environment = {**default_environment(), "extra": ""}
    missing, seen = [], set()
    queue = requirements() + requirements("test")
    while queue:
        requirement = queue.pop()
        name = normal(requirement.name)
        if name in seen or (requirement.marker and not requirement.marker.evaluate(environment)):
            continue
        seen.add(name)
        if name not in pins:
            missing.append(requirement.name)
        try:
            queue.extend(Requirement(text) for text in metadata.requires(requirement.name) or [])
        except metadata.PackageNotFoundError:
            missing.append(f"{requirement.name} (not installed)")
    assert sorted(missing) == []


def test_the_installed_rendering_releases_are_the_pinned_ones():
    for requirement in requirements():
        if normal(requirement.name) in RENDERING:
            assert requirement.specifier.contains(metadata.version(requirement.name)), requirement
