"""The pipeline works for any set of leaflets: a second, unrelated leaflet beside the first builds
and checks with no code change; the leaflets the checkout ships (whichever they are) pass check."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import CHECKOUT, ROOT, Ran, add_document, run_cli
from pdfread import reading_text


def run(root: Path, *args: str) -> Ran:
    return run_cli(root, *args)


@pytest.fixture(scope="module")
def two_leaflets(built, tmp_path_factory) -> Path:
    """The built fixture project (the a/mBC leaflet), copied, with an unrelated second leaflet added."""
    root = Path(shutil.copytree(ROOT, tmp_path_factory.mktemp("two") / "project"))
    add_document(root, "anaemia")
    return root


def test_a_second_leaflet_builds_and_checks_beside_the_first(two_leaflets):
    root = two_leaflets
    check = run(root, "check")
    assert check.returncode == 0, check.stderr
    assert check.stderr.splitlines()[-1] == "0 error(s), 10 warning(s)"  # the a/mBC leaflet's warnings
    assert "source/anaemia" not in check.stderr

    built = run(root, "--jobs", "2")
    assert built.returncode == 0, built.stderr
    # The first leaflet's editions were built already: adding a leaflet renders only its own.
    ambc = len(yaml.safe_load((root / "source/ambc/leaflet.yaml").read_text("utf-8"))["editions"])
    assert f"3 built, {ambc} up to date, 0 failed" in built.stdout + built.stderr
    manifest = json.loads((root / "build" / "manifest.json").read_text("utf-8"))
    editions = [(e["document"], e["locale"], e["paper"], e["profile"]) for e in manifest["editions"]]
    assert [e for e in editions if e[0] == "anaemia"] == [
        ("anaemia", "en", "a4", "screen"), ("anaemia", "en", "letter", "print"), ("anaemia", "es", "a4", "screen")]
    assert sum(e[0] == "ambc" for e in editions) == ambc
    for entry in manifest["editions"]:
        data = (root / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert "pages, anaemia a4 screen: en 2 (master), es 2 (+0)" in built.stdout

    spanish = reading_text(root / "build/anaemia/anaemia-es-a4-screen.pdf")
    assert "Anemia ferropénica (AF)" in spanish and "Consultado" in spanish
    assert "BORRADOR" in spanish and "What is iron deficiency" not in spanish

    listed = run(root, "list")
    assert listed.returncode == 0 and listed.stdout.splitlines()[-1] == f"{ambc + 3} edition(s), 0 out of date"


def test_the_shipped_leaflets_pass_check():
    """Whatever leaflets the checkout holds under source/ (none, one or many) check clean."""
    from leaflets.matrix import check_project

    errors = [d.format() for d in check_project(CHECKOUT) if d.is_error]
    assert errors == []
