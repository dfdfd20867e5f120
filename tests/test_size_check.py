"""A document far beyond a leaflet's size is warned about at `check`, with its expected cost."""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import yaml

from conftest import copy_project, run_cli


def clone(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "clone")


def grow(root: Path, name: str, sections: int, table_every: int) -> Path:
    """Write source/<name>/ from the first document: `sections` distinct sections, a table in
    every `table_every`-th (one of the first document's own tables, or a small one)."""
    leaflet = sorted((root / "source").glob("*/leaflet.yaml"))[0]
    data = yaml.safe_load(leaflet.read_text("utf-8"))
    keys = [r["id"] for r in yaml.safe_load((leaflet.parent / "references.yaml").read_text("utf-8"))["references"]
            if "uncited" not in r]
    table = next((b for b in data["body"] if "table" in b),
                 {"table": {"columns": ["Item", "Note"], "rows": [["One", "First"], ["Two", "Second"]]}})
    body = []
    for i in range(sections):
        body.append({"heading": f"Section {i + 1}"})
        body.append({"paragraph": f"This is section {i + 1} of the text. Ask your nurse about it."
                                  f"[@{keys[i % len(keys)]}]"})
        if table_every and i % table_every == 0:
            body.append(copy.deepcopy(table))
    data.update(body=body, editions=data["editions"][:1])
    folder = root / "source" / name
    shutil.copytree(leaflet.parent, folder, ignore=shutil.ignore_patterns("locales"))
    (folder / "leaflet.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    return folder / "leaflet.yaml"


def check(root: Path) -> list[str]:
    done = run_cli(root, "check")
    assert "Traceback" not in done.stderr
    return [line for line in done.stderr.splitlines() if "warning[long-document]" in line]


def test_many_tables_are_warned_at_the_table_past_the_limit_with_the_cost(tmp_path):
    root = clone(tmp_path)
    path = grow(root, "many-tables", 30, 1)
    small = grow(root, "small", 4, 2)
    [line] = check(root)
    assert line.startswith("source/many-tables/leaflet.yaml:")
    where = int(line.split(":")[1])
    lines = path.read_text("utf-8").splitlines()
    tables_above = sum(1 for text in lines[:where - 1] if re.match(r"^- table:", text))
    assert tables_above == 20 and re.match(r"^- table:", lines[where - 1])  # the 21st table
    assert re.search(r"with 30 table\(s\), about \d+ pages: expect about \d+ (s|min) and \d+ MB", line)
    assert small.is_file()  # a small document beside it is not warned about


def test_a_leaflet_sized_document_is_not_warned_about(tmp_path):
    root = clone(tmp_path)
    grow(root, "leaflet-sized", 12, 4)
    assert check(root) == []
