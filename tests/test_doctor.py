"""`make_pdf.py doctor` and the renderer versions in the manifest, read back with tools the project
did not write (WeasyPrint's own binding, dpkg-query, fontconfig's fc-list and fc-query)."""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pydyf
import pytest
import weasyprint
from weasyprint.text import ffi

from leaflets import cli, environment
from leaflets.outputs import Output, merge, part_name, write_manifest, write_part
from leaflets.commands import doctor
from leaflets.diagnostics import ContentError

from conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "styles" / "fonts"
# The Debian package holding each native library, to read its version back with dpkg-query.
DEBIAN_PACKAGES = {"Pango": "libpango-1.0-0", "HarfBuzz": "libharfbuzz0b", "FreeType": "libfreetype6",
                   "fontconfig": "libfontconfig1"}


def run_doctor(env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "make_pdf.py"), "doctor"], cwd=ROOT,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def report() -> subprocess.CompletedProcess:
    return run_doctor()


def rows(stdout: str) -> dict[str, str]:
    """The `Name   value` rows at the top of the report."""
    found = {}
    for line in stdout.splitlines():
        if not line.strip():
            break
        match = re.match(r"^(\s*\S+)\s{2,}(.*)$", line) or re.match(r"^(\S+)\s+(.*)$", line)
        found[match.group(1).strip()] = match.group(2)
    return found


def pango_version() -> str:
    number = ffi.pango.pango_version()
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


def debian_version(package: str) -> str | None:
    """The upstream version dpkg records for a package (None when dpkg is not there)."""
    if shutil.which("dpkg-query") is None:
        return None
    done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    if done.returncode != 0 or not done.stdout:
        return None
    return re.sub(r"^\d+:", "", done.stdout).split("+")[0].split("-")[0]


def test_doctor_is_well_on_this_machine(report):
    assert report.returncode == 0, report.stdout + report.stderr
    assert report.stdout.rstrip().endswith("All is well.")
    assert "System packages: all present" in report.stdout


def test_doctor_reports_the_versions_the_renderer_uses(report):
    found = rows(report.stdout)
    assert found["Python"].split()[0] == platform.python_version()
    assert found["WeasyPrint"] == weasyprint.__version__
    assert found["pydyf"] == pydyf.__version__
    assert found["Pango"] == pango_version()
    assert found["subsetter"] == ("loadable" if ffi.harfbuzz_subset is not None else "NOT loadable")
    for name, package in DEBIAN_PACKAGES.items():
        expected = debian_version(package)
        if expected is not None:
            assert found[name] == expected, name
    if shutil.which("fc-list"):
        fc = subprocess.run(["fc-list", "--version"], capture_output=True, text=True)
        assert found["fontconfig"] in (fc.stdout + fc.stderr)


def fc_query(path: Path) -> set[int]:
    """The characters fontconfig reads from a font's character map, control characters left out
    (fonts map some of them; nothing prints them)."""
    done = subprocess.run(["fc-query", "--format=%{charset}", str(path)], capture_output=True,
                          text=True, check=True)
    characters = set()
    for span in done.stdout.split():
        first, _, last = span.partition("-")
        characters.update(range(int(first, 16), int(last or first, 16) + 1))
    return {c for c in characters if unicodedata.category(chr(c)) != "Cc"}


def test_doctor_lists_every_bundled_font_with_its_coverage(report):
    fonts = sorted(p for p in FONTS.rglob("*") if p.suffix.lower() in doctor.FONT_SUFFIXES)
    assert fonts
    assert f"Bundled fonts (styles/fonts/): {len(fonts)}" in report.stdout
    for path in fonts:
        line = next(line for line in report.stdout.splitlines()
                    if line.startswith(f"  {path.relative_to(FONTS).as_posix()}: "))
        count = int(re.search(r", (\d+) characters$", line).group(1))
        if shutil.which("fc-query"):
            characters = fc_query(path)
            assert count == len(characters), path.name
            # Basic Latin (U+0000-U+007F) as fontconfig counts it, against the report's block.
            after = report.stdout.split(line + "\n", 1)[1].splitlines()
            section = "\n".join(next(iter([after[:i] for i, text in enumerate(after)
                                            if not text.startswith("    ")]), after))
            flat = " ".join(section.split())
            basic = re.search(r"Basic Latin (\d+)/128", flat)
            assert (int(basic.group(1)) if basic else 0) == len([c for c in characters if c < 0x80])
            # Every character is counted under one script.
            scripts = re.search(r"scripts: (.*?) blocks:", flat).group(1)
            assert sum(int(n) for n in re.findall(r" (\d+)(?:,|$)", scripts)) == count


def test_missing_packages_give_the_setup_scripts_exact_command(tmp_path):
    """With dpkg-query reporting nothing installed, doctor names the packages and prints the same
    command scripts/setup prints, and exits 2."""
    stub = tmp_path / "bin"
    stub.mkdir()
    (stub / "dpkg-query").write_text("#!/bin/sh\nexit 1\n")
    (stub / "dpkg-query").chmod(0o755)
    env = {"PATH": f"{stub}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = run_cli(ROOT, "doctor", env=env)
    assert done.returncode == doctor.EXIT_MISSING, done.stdout + done.stderr
    setup = subprocess.run(["sh", str(ROOT / "scripts" / "setup"), "--check", "test"], cwd=ROOT,
                           env={**os.environ, **env, "VENV": sys.prefix}, capture_output=True, text=True)
    command = [line.strip() for line in setup.stderr.splitlines() if line.startswith("  ")]
    assert command and command[0].startswith("sudo apt-get update && sudo apt-get install -y")
    lines = done.stdout.splitlines()
    assert lines[lines.index("Fix:") + 1] == f"  {command[0]}"
    assert any("libharfbuzz-subset0" in line for line in lines[lines.index("Missing:"):])


def test_a_subsetter_that_does_not_load_is_missing(monkeypatch, capsys):
    monkeypatch.setattr(ffi, "harfbuzz_subset", None)
    status = cli.main(["doctor"])
    out = capsys.readouterr().out
    assert status == doctor.EXIT_MISSING
    assert rows(out)["subsetter"] == "NOT loadable"
    missing = out.split("Missing:", 1)[1]
    assert "HarfBuzz subsetter" in missing


def test_the_manifest_records_the_renderer_versions(tmp_path, report):
    path = write_manifest(tmp_path, tmp_path, [])
    renderer = json.loads(path.read_text("utf-8"))["renderer"]
    assert renderer["python"] == platform.python_version()
    assert renderer["weasyprint"] == weasyprint.__version__
    assert renderer["pydyf"] == pydyf.__version__
    assert renderer["pango"] == pango_version()
    subset = renderer["harfbuzz-subset"]
    assert (subset != environment.ABSENT) == (ffi.harfbuzz_subset is not None)
    for name, package in DEBIAN_PACKAGES.items():
        expected = debian_version(package)
        if expected is not None:
            assert renderer[name.lower()] == expected, name
    # The doctor reports the same figures.
    found = rows(report.stdout)
    assert [renderer[k] for k in ("pango", "harfbuzz", "fontconfig", "freetype")] == \
        [found[k] for k in ("Pango", "HarfBuzz", "fontconfig", "FreeType")]


def test_sharded_parts_carry_the_renderer_and_must_agree(tmp_path, monkeypatch):
    entry = Output("d", "en", "a4", "screen", "D-1", str(tmp_path / "x.pdf"), 1, 100, "0" * 64, 0.5)
    one = write_part(tmp_path, 1, 2, [entry])
    write_part(tmp_path, 2, 2, [dataclasses.replace(entry, locale="de")])
    merged = json.loads(merge([one, tmp_path / part_name(2, 2)], tmp_path).read_text())
    assert merged["renderer"] == environment.renderer_versions()
    # A runner with another Pango: the parts cannot be joined into one manifest.
    versions = environment.renderer_versions()
    monkeypatch.setattr(environment, "renderer_versions", lambda: {**versions, "pango": "1.99.0"})
    write_part(tmp_path, 2, 2, [dataclasses.replace(entry, locale="de")])
    with pytest.raises(ContentError) as caught:
        merge([one, tmp_path / part_name(2, 2)], tmp_path)
    assert [d.code for d in caught.value.diagnostics] == ["manifest-mixed-renderers"]
    assert "pango" in caught.value.diagnostics[0].message
