"""`make_pdf.py check` and the build's own checks: exit codes, output, --strict, --report."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, Ran, copy_project, run_cli


def clone(tmp_path: Path) -> Path:
    """Copy the project's content, layouts and styles, as a fresh clone would have them (the
    commands run in this process, on the clone)."""
    return copy_project(tmp_path / "clone")


def run(root: Path, *args: str) -> Ran:
    return run_cli(root, *args)


@pytest.fixture(scope="module")
def shipped_check(built):  # after the run's build: the last-page fill is read from its records
    return run_cli(ROOT, "check", "--report")


def test_shipped_leaflet_passes_with_warnings_only(shipped_check):
    assert shipped_check.returncode == 0, shipped_check.stderr
    lines = shipped_check.stderr.splitlines()
    assert lines[-1] == "0 error(s), 10 warning(s)"
    assert all(": warning[" in line for line in lines[:-1])
    assert "Traceback" not in shipped_check.stderr


def test_report_lists_each_section_with_a_reading_grade(shipped_check):
    out = shipped_check.stdout.split("\n\n")[0].splitlines()  # the last-page fill follows
    assert out[0] == "ambc: Advanced/metastatic breast cancer (a/mBC)"
    assert out[1].split() == ["line", "words", "sentences", "over", "20", "grade", "section"]
    sections = out[2:-1]
    assert len(sections) == 8
    first = sections[0].split()
    # line, words, sentences, over 20, grade, heading
    assert first[:4] == ["16", "79", "4", "2"] and 5 < float(first[4]) < 15
    assert sections[0].endswith("Advanced/metastatic breast cancer")
    assert sum(int(row.split()[1]) for row in sections) == int(out[-1].split()[0])
    assert "(whole text; grade: Flesch-Kincaid, target 6-8)" in out[-1]


def fill_block(stdout: str) -> tuple[str, dict[str, str]]:
    """The report's last-page fill: its heading, and the line of each edition."""
    heading, *rows = stdout.split("\n\n")[1].strip().splitlines()
    return heading, dict(row.strip().split("  ", 1) for row in rows)


def recorded_fills(root: Path) -> dict[str, str]:
    """Each edition's fill as the build recorded it (read from the records' JSON)."""
    return {record.stem: json.loads(record.read_text("utf-8"))["output"]["fit"]
            for record in (root / "build" / ".cache" / "editions").glob("*.json")}


def test_report_shows_each_editions_last_page_fill_from_the_build_records(shipped_check, built):
    heading, fills = fill_block(shipped_check.stdout)
    assert heading == "Last-page fill (from the build records)"
    recorded = recorded_fills(ROOT)
    assert len(fills) == len(built) and set(fills) <= set(recorded)
    assert all(fills[stem].strip() == recorded[stem] for stem in fills)
    assert all(fill.strip().startswith("last body page ") for fill in fills.values())
    a5 = fills["ambc-en-a5-screen"].strip()
    assert "back matter page 6: " in a5 and a5.endswith("(copyfitted: regroup)")


def test_report_renders_in_memory_what_the_records_cannot_tell(tmp_path, built):
    """An edition without an up-to-date record is rendered (nothing written); --no-render
    leaves it out and says why."""
    project = clone(tmp_path)
    shutil.copytree(ROOT / "build", project / "build")
    gone = project / "build" / "ambc" / "ambc-en-a5-screen.pdf"
    gone.unlink()
    result = run(project, "check", "--report")
    assert result.returncode == 0, result.stderr
    heading, fills = fill_block(result.stdout)
    assert heading == "Last-page fill (from the build records; 1 rendered now in memory, not written)"
    recorded = recorded_fills(ROOT)
    assert {stem: fill.strip() for stem, fill in fills.items()} == {stem: recorded[stem] for stem in fills}
    assert not gone.exists()
    result = run(project, "check", "--report", "--no-render")
    heading, fills = fill_block(result.stdout)
    assert heading == "Last-page fill (from the build records; 1 out of date, not rendered)"
    assert fills["ambc-en-a5-screen"].strip() == "output missing (not rendered)"


def test_check_does_not_import_weasyprint():
    code = ("import sys; from leaflets.cli import main; status = main(['check']); "
            "print(status, 'weasyprint' in sys.modules, any(m.startswith('weasyprint') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.split() == ["0", "False", "False"], result.stderr


def test_content_error_exits_1_with_every_fault_and_no_traceback(tmp_path):
    root = clone(tmp_path)
    leaflet = root / "source" / "ambc" / "leaflet.yaml"
    text = leaflet.read_text("utf-8")
    text = text.replace("[@esmo-guide] It is involved", "[@esm0-guide] It is involved")
    text = text.replace("  - heading: Types of a/mBC\n", "  - heading: Empty section\n  - heading: Types of a/mBC\n")
    leaflet.write_text(text, "utf-8")
    lines = text.splitlines()
    typo = next(i for i, line in enumerate(lines, 1) if "@esm0-guide" in line)
    empty = lines.index("  - heading: Empty section") + 1
    column = lines[typo - 1].index("@esm0-guide") + 2
    result = run(root, "check")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if ": error[" in line]
    assert errors == [
        f"source/ambc/leaflet.yaml:{typo}:{column}: error[unknown-citation]: unknown reference key "
        "'esm0-guide' (did you mean 'esmo-guide'?)",
        f"source/ambc/leaflet.yaml:{empty}:5: error[empty-section]: heading 'Empty section' has no text "
        "under it (write the section's text or remove the heading)",
    ]
    assert "Traceback" not in result.stderr
    build = run(root, "--out", "out")
    assert build.returncode == 1 and build.stderr.splitlines()[-1].startswith("2 error(s), ")
    assert not (root / "out").exists()


def test_usage_error_exits_2(tmp_path):
    result = run(ROOT, "check", "--no-such-option")
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr


def test_strict_turns_warnings_into_errors(tmp_path):
    root = clone(tmp_path)
    result = run(root, "check", "--strict")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == "10 error(s), 0 warning(s)"
    assert "error[long-sentence]" in result.stderr
    build = run(root, "build", "--strict", "--out", "out")
    assert build.returncode == 1 and not (root / "out").exists()
    assert "error[abbreviation-not-spelled-out]" in build.stderr


def test_build_prints_warnings_and_still_builds(tmp_path):
    root = clone(tmp_path)
    result = run(root, "--locale", "en", "--paper", "a4", "--profile", "screen", "--out", "out")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count(": warning[") == 10
    manifest = json.loads((root / "out" / "manifest.json").read_text("utf-8"))
    assert [e["paper"] for e in manifest["editions"]] == ["a4"]


def test_schema_command_reports_stale_schemas(tmp_path):
    root = clone(tmp_path)
    assert run(root, "schema", "--check").returncode == 1  # the clone has no schema/ yet
    written = run(root, "schema")
    assert written.returncode == 0 and "wrote schema/leaflet.schema.json" in written.stdout
    assert run(root, "schema", "--check").returncode == 0
    assert (root / "schema" / "leaflet.schema.json").read_bytes() == \
        (ROOT / "schema" / "leaflet.schema.json").read_bytes()
