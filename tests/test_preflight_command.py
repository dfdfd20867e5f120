"""`make_pdf.py preflight`: passes the project's own PDFs, names the rule a broken one fails."""

from __future__ import annotations

import pikepdf
import pytest

from leaflets.cli import main

PRINT_A4 = ("ambc", "en", "a4", "print")


def test_preflight_passes_every_built_edition(built, capsys):
    """Every edition of the run's build passes every rule of its profile (the good editions the
    tests of tests/test_preflight_faults.py put one fault back into)."""
    paths = [str(path) for _, path in sorted(built.items())]
    assert main(["preflight", *paths]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out
    for path in paths:
        assert f"{path}: PDF " in out
    for rule in ("x.cmyk-only", "x.bleed", "x.text-safe-zone", "ua.headings", "a.attachments"):
        assert f"PASS  {rule}" in out


def _broken(built, tmp_path, change) -> str:
    target = tmp_path / "broken.pdf"
    with pikepdf.open(built[PRINT_A4]) as pdf:
        change(pdf)
        pdf.save(target)
    return str(target)


def _no_bleed(pdf: pikepdf.Pdf) -> None:
    for page in pdf.pages:
        page.BleedBox = page.TrimBox


def _rgb_text(pdf: pikepdf.Pdf) -> None:
    page = pdf.pages[0]
    page.contents_add(pdf.make_stream(b"q 0.8 0.1 0.1 rg 100 100 50 50 re f Q"), prepend=False)


@pytest.mark.parametrize("change, rule", [(_no_bleed, "x.bleed"), (_rgb_text, "x.cmyk-only")])
def test_preflight_fails_a_broken_print_file_by_rule(built, tmp_path, capsys, change, rule):
    path = _broken(built, tmp_path, change)
    assert main(["preflight", path]) == 1
    failed = [line.split()[1] for line in capsys.readouterr().out.splitlines() if line.strip().startswith("FAIL")]
    assert failed == [rule]


def test_preflight_checks_against_a_named_profile(built, capsys):
    screen = str(built[("ambc", "en", "a4", "screen")])
    assert main(["preflight", "--profile", "print", screen]) == 1
    failed = {line.split()[1] for line in capsys.readouterr().out.splitlines() if line.strip().startswith("FAIL")}
    assert {"x.claimed", "x.bleed", "x.cmyk-only"} <= failed


def test_preflight_without_files_is_a_usage_error(capsys):
    assert main(["preflight"]) == 2
