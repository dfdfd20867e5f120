"""Building editions: manifest, filters, determinism, and a writer's edit flowing through."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pypdf
import pytest

from conftest import ROOT, Ran
from conftest import run_cli as run_in_process
from expected_ambc import REFERENCES
from leaflets.matrix import build
from leaflets.plan import Filters
from pdfread import find_in_order, reading_text, squash


def _pdf(output, root: Path) -> Path:
    """Return the file of a build output (paths are relative to the root when inside it)."""
    return root / output.path


def run_cli(*args: str) -> Ran:
    return run_in_process(ROOT, *args)


def _key(entry: dict) -> tuple:
    """An edition's key in `built`: a large-print edition carries its type after the four."""
    kind = entry.get("type", "standard")
    return (entry["document"], entry["locale"], entry["paper"], entry["profile"]) + (
        (kind,) if kind != "standard" else ())


def test_manifest_describes_every_edition(built, tmp_path):
    manifest_path = next(iter(built.values())).parents[1] / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    keys = {_key(e) for e in manifest["editions"]}
    assert keys == set(built)
    for entry in manifest["editions"]:
        pdf = built[_key(entry)]
        data = pdf.read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)
        assert entry["pages"] == len(pypdf.PdfReader(pdf).pages)
        assert entry["path"].endswith(f"{entry['document']}/{pdf.name}")
        assert entry["job_code"]


def test_html_is_written_beside_the_pdf_on_request(built):
    html = built[("ambc", "en", "a4", "screen")].with_suffix(".html").read_text()
    assert '<html lang="en" dir="ltr">' in html
    assert "Advanced/metastatic breast cancer (a/mBC)" in html


@pytest.fixture(scope="module")
def letter_screen(tmp_path_factory) -> tuple[Path, Ran]:
    """The command line's build of the English letter screen edition, once for the module: the
    filters' test and the report's test read the same build."""
    out = tmp_path_factory.mktemp("letter")
    return out, run_cli("--paper", "letter", "--profile", "screen", "--locale", "en", "--out", str(out))


def test_filters_select_editions(letter_screen):
    out, result = letter_screen
    assert result.returncode == 0, result.stderr
    editions = json.loads((out / "manifest.json").read_text())["editions"]
    assert [(e["locale"], e["paper"], e["profile"]) for e in editions] == [("en", "letter", "screen")]
    assert [p.name for p in out.glob("**/*.pdf")] == ["ambc-en-letter-screen.pdf"]


def _edit(project: Path, old: str, new: str) -> None:
    path = project / "source/ambc/leaflet.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_moved_citation_renumbers_the_references(project, tmp_path):
    # The writer makes the journal article the first source cited.
    _edit(project, "Stage IV breast cancer[@esmo-guide; @hopkins-mbc]",
          "Stage IV breast cancer[@miziak-2023; @esmo-guide; @hopkins-mbc]")
    [output] = build(project, tmp_path, Filters(paper="a4", profile="screen", locale="en"))
    text = reading_text(_pdf(output, project))
    assert "cancer,1-3 a/mBC" in text
    # The numbers are list markers: read with poppler, hyphens left out (see test_leaflet_pdf).
    poppler = subprocess.run(["pdftotext", str(_pdf(output, project)), "-"], capture_output=True,
                             text=True, check=True).stdout
    back = poppler[poppler.index("References"):].replace("-", "").replace("\u2010", "")
    order = [REFERENCES[3], REFERENCES[0], REFERENCES[1], REFERENCES[2], REFERENCES[4]]
    assert find_in_order(back, [f"{n}. {entry}".replace("-", "") for n, entry in enumerate(order, 1)]) == []
    # Later citations of the same sources keep their new numbers.
    assert "(abnormal ER signaling).1" in text


def test_abbreviations_follow_the_text(project, tmp_path):
    _edit(project, "      - Selective Estrogen Receptor Modulators (SERMs) block ER signaling in the breast\n", "")
    [output] = build(project, tmp_path, Filters(paper="a4", profile="screen", locale="en"))
    text = squash(reading_text(_pdf(output, project)))
    section = text[text.index("Abbreviations"):text.index("References")]
    assert "SERD" in section and "SERM" not in section


def test_cli_builds_and_reports_each_edition(letter_screen):
    tmp_path, result = letter_screen
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{tmp_path}/ambc/ambc-en-letter-screen.pdf") or "ambc-en-letter-screen.pdf" in lines[0]
    assert re.search(r" \d+ pages  [\d.]+ s  last body page \d+: \d+ lines, \d+% full", lines[0])
    assert json.loads((tmp_path / "manifest.json").read_text())["editions"][0]["paper"] == "letter"


def test_cli_usage_errors_exit_2(tmp_path):
    result = run_cli("--paper", "leter", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "unknown paper 'leter' (did you mean 'letter'?)" in result.stderr
    result = run_cli("--document", "ambc", "--locale", "es", "--paper", "letter", "--out", str(tmp_path))
    assert result.returncode == 2  # every value is known, but no edition has them all
    assert "no edition matches" in result.stderr
    assert "Traceback" not in result.stderr
    assert not any(tmp_path.iterdir())
