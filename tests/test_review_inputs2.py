"""Careless or hostile input at the command line and in the build's own files, continued: manifest
parts naming files outside the output folder, absurd shard counts, case slips in selections,
control characters in diagnostics, odd catalogues, deeply nested records and links among outputs.
Each ends in a positioned diagnostic, a usage error or a safe output, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli


def _plain(ran) -> str:
    text = ran.stdout + ran.stderr
    assert "Traceback" not in text and "internal error" not in text, text
    return text


# --- 1. manifest merge: an edition's path stays inside the output folder ----------------------

@pytest.mark.parametrize("path, fault", [
    ("/etc/passwd", "is absolute"),
    ("../../x", "climbs out of its folder with '..'"),
    ("build/../../x", "climbs out of its folder with '..'"),
    ("build/a\x00b.pdf", "holds a control character"),
    ("build/a\nb.pdf", "holds a control character"),
    ("source/ambc/leaflet.yaml", "is outside the output folder build"),
], ids=["absolute", "dotdot", "inner-dotdot", "nul", "newline", "outside-build"])
def test_manifest_merge_refuses_an_edition_path_leaving_the_output_folder(tmp_path, path, fault):
    out = tmp_path / "build"
    out.mkdir()
    good = {"document": "ambc", "locale": "en", "paper": "a4", "profile": "screen",
            "path": "build/ambc/ambc-en-a4-screen.pdf"}
    bad = {"document": "ambc", "locale": "es", "paper": "a4", "profile": "screen", "path": path}
    text = '{"shard": {"index": 1, "count": 1},\n "editions": [\n  ' + json.dumps(good) + ",\n  " \
        + json.dumps(bad) + "\n]}\n"
    (out / "manifest.part-1-of-1.json").write_text(text, "utf-8")
    ran = run_cli(tmp_path, "manifest", "merge")
    _plain(ran)
    column = text.splitlines()[3].index('"path": ') + len('"path": ') + 1
    assert ran.returncode == 1
    first = ran.stderr.splitlines()[0]
    assert first.startswith(f"build/manifest.part-1-of-1.json:4:{column}: error[manifest-unsafe-path]: "
                            "edition 2 (ambc-es-a4-screen): its path "), ran.stderr
    assert fault in first and len(ran.stderr.splitlines()) == 2
    assert not (out / "manifest.json").exists()


def test_manifest_merge_keeps_paths_inside_the_output_folder(tmp_path):
    out = tmp_path / "build"
    out.mkdir()
    entry = {"document": "ambc", "locale": "en", "paper": "a4", "profile": "screen",
             "path": "build/ambc/ambc-en-a4-screen.pdf"}
    (out / "manifest.part-1-of-1.json").write_text(json.dumps(
        {"shard": {"index": 1, "count": 1}, "editions": [entry]}), "utf-8")
    ran = run_cli(tmp_path, "manifest", "merge")
    assert ran.returncode == 0, _plain(ran)
    assert json.loads((out / "manifest.json").read_text("utf-8"))["editions"] == [entry]


# --- 2. one cap on N for --shard, everywhere ------------------------------------------------

@pytest.mark.parametrize("command", [["build"], ["list"], []], ids=["build", "list", "default"])
@pytest.mark.parametrize("shard", ["1/99999999999999999999", "1/10001", "1/" + "9" * 5000])
def test_a_huge_shard_count_is_a_usage_error(tmp_path, command, shard):
    ran = run_cli(tmp_path, *command, "--shard", shard)
    assert ran.returncode == 2, _plain(ran)
    assert "N must be at most 10,000" in ran.stderr and len(ran.stderr) < 2000


def test_the_largest_shard_count_is_accepted_and_the_merge_agrees(tmp_path):
    from leaflets.plan import Shard

    assert Shard.parse("10000/10000") == Shard(10000, 10000)
    (tmp_path / "manifest.part-1-of-10001.json").write_text(json.dumps(
        {"shard": {"index": 1, "count": 10001}, "editions": []}), "utf-8")
    ran = run_cli(tmp_path, "manifest", "merge", "--out", str(tmp_path))
    assert ran.returncode == 1 and "N at most 10,000" in _plain(ran)


# --- 3. a selection given in the wrong case gets its did-you-mean -----------------------------

CASE_SLIPS = [("--locale", "ES", "locale", "es"), ("--paper", "A4", "paper", "a4"),
              ("--profile", "Screen", "profile", "screen"), ("--document", "AMBC", "document", "ambc")]
TAKES = {  # the commands that take each option
    "--locale": [["build"], ["list"], ["preview"], ["i18n", "update"], ["i18n", "export"], ["compare"]],
    "--paper": [["build"], ["list"], ["preview"], ["compare"]],
    "--profile": [["build"], ["list"], ["preview"], ["compare"], ["preflight", "x.pdf"]],
    "--document": [["build"], ["list"], ["check"], ["preview"], ["i18n", "update"], ["compare"]],
}


@pytest.mark.parametrize("option, value, kind, meant", CASE_SLIPS, ids=[s[0] for s in CASE_SLIPS])
def test_a_selection_in_the_wrong_case_suggests_the_right_one(project, tmp_path, option, value, kind, meant):
    for command in TAKES[option]:
        extra = [str(project), str(project), "--out", "-"] if command == ["compare"] else []
        ran = run_cli(project, *command, *extra, option, value)
        text = _plain(ran)
        assert ran.returncode == 2, (command, text)
        last = ran.stderr.strip().splitlines()[-1]
        assert f"'{value}'" in last and last.endswith(f"(did you mean '{meant}'?)"), (command, ran.stderr)
