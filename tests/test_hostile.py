"""Hostile and broken input: each case a positioned error or a correct output, never a traceback,
and nothing read or written outside the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaflets.checks import check_project
from leaflets.diagnostics import ContentError
from leaflets.load import load_yaml


def load_faults(tmp_path: Path, raw: bytes) -> list[tuple[int, int, str]]:
    path = tmp_path / "x.yaml"
    path.write_bytes(raw)
    with pytest.raises(ContentError) as caught:
        load_yaml(path)
    return [(d.line, d.column, d.code) for d in caught.value.diagnostics]


def codes(found) -> set[str]:
    return {d.code for d in found if d.is_error}


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), "utf-8")


# --- impossible dates and absurd numbers ----------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    (b"a:\n  date_of_preparation: 2026-02-30\n", [(2, 24, "invalid-date")]),
    (b"accessed: 2025-02-30\n", [(1, 11, "invalid-date")]),
    (b"version: " + b"9" * 5000 + b"\n", [(1, 10, "number-too-long")]),
    (b"level: -" + b"1" * 5000 + b".5\n", [(1, 8, "number-too-long")]),
])
def test_impossible_dates_and_huge_numbers_are_positioned_errors(tmp_path, raw, expected):
    assert load_faults(tmp_path, raw) == expected


def test_impossible_date_in_a_leaflet_is_reported_by_check(project):
    edit(project / "source/ambc/leaflet.yaml", "date_of_preparation: 2026-03-02",
         "date_of_preparation: 2026-02-30")
    found = check_project(project)
    dated = [d for d in found if d.code == "invalid-date"]
    assert [(Path(d.file).name, d.line > 0) for d in dated] == [("leaflet.yaml", True)]
    assert codes(found) == {"invalid-date"}
