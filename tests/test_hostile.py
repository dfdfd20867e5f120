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


# --- one gate for everything that becomes a path --------------------------------------------

def _editions(project: Path) -> Path:
    return project / "source/ambc/leaflet.yaml"


@pytest.mark.parametrize("locale, message", [
    ("en@/../../../../../../../tmp/x/ESCAPED", "is not a BCP 47 locale"),
    ("de/../../x", "is not a BCP 47 locale"),
    ("zz", "unknown locale 'zz'"),
])
def test_a_locale_that_is_not_a_plain_bcp47_tag_is_a_positioned_error(project, locale, message):
    edit(_editions(project), "  - locale: es\n", f"  - locale: \"{locale}\"\n")
    found = [d for d in check_project(project) if d.is_error]
    assert [(Path(d.file).name, d.code) for d in found] == [("leaflet.yaml", "invalid-value")]
    assert message in found[0].message and found[0].line > 100


def test_a_master_language_escaping_the_output_folder_writes_nothing(project, tmp_path):
    from leaflets.build import Filters
    from leaflets.matrix import run

    edit(_editions(project), "  language: en\n", '  language: "en@/../../../../../../../../tmp/x/ESCAPED"\n')
    edit(_editions(project), "  - locale: en\n", '  - locale: "en@/../../../../../../../../tmp/x/ESCAPED"\n')
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(ContentError) as caught:
        run(project, project / "build", Filters())
    assert {d.code for d in caught.value.diagnostics} == {"invalid-value"}
    assert not (project / "build").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_an_output_folder_symlinked_out_of_the_output_folder_is_refused(project, tmp_path):
    from leaflets.build import Filters
    from leaflets.matrix import run

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "build").mkdir()
    (project / "build" / "ambc").symlink_to(elsewhere)
    with pytest.raises(ContentError) as caught:
        run(project, project / "build", Filters(locale="en", paper="a4", profile="screen"))
    assert {d.code for d in caught.value.diagnostics} == {"output-outside"}
    assert caught.value.diagnostics[0].file.endswith("leaflet.yaml") and caught.value.diagnostics[0].line
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("out, message", [
    ("", "the output folder is empty"),
    ("FILE", "is a file, not a folder"),
    ("/proc", "is a system folder"),
    ("/proc/self/x", "is a system folder"),
    (".", "holds the project's sources"),
    ("source/ambc", "holds the project's sources"),
])
@pytest.mark.parametrize("command", [[], ["list"], ["manifest", "merge"], ["i18n", "export"]])
def test_an_output_folder_no_build_may_write_is_a_usage_error(tmp_path, capsys, monkeypatch, out, message, command):
    from leaflets.cli import main
    from leaflets.paths import ROOT

    monkeypatch.chdir(ROOT)
    file = tmp_path / "file.txt"
    file.write_text("keep me")
    before = sorted(p.name for p in ROOT.iterdir())
    assert main([*command, "--out", str(file) if out == "FILE" else out]) == 2
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in ROOT.iterdir()) == before and file.read_text() == "keep me"
