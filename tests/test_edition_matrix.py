"""Editions written as a matrix (locales x papers x profiles) expand to the editions a list names."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from leaflets.commands import list as list_command
from leaflets.model import Edition, EditionMatrix, Leaflet

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "matrix"

SETTINGS = {"date_of_preparation": "2026-03-02", "review_date": "2029-03-01", "version": "1.0"}


def test_a_ten_locale_matrix_in_under_30_lines_lists_60_editions(tmp_path, monkeypatch, capsys):
    source = FIXTURE / "source" / "mx" / "leaflet.yaml"
    assert len(source.read_text("utf-8").splitlines()) < 30
    project = tmp_path / "project"
    shutil.copytree(FIXTURE / "source", project / "source")
    for tree in ("layouts", "styles"):
        shutil.copytree(ROOT / tree, project / tree)
    monkeypatch.setattr(list_command, "ROOT", project)
    args = argparse.Namespace(out=tmp_path / "build", document=None, locale=None, paper=None,
                              profile=None, shard=None, html=False, allow_incomplete=False)
    assert list_command.run(args) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == "60 edition(s), 60 out of date"
    rows = [line.split() for line in printed[1:-1]]
    assert len(rows) == 60 and len({row[1] for row in rows}) == 60  # 60 job codes, all different
    assert ["mx-en-a4-screen", "MX-EN-A4-0001"] == rows[0][:2]
    assert ["mx-vi-letter-archive", "MX-VI-LTR-ARC-0001"] == rows[-1][:2]


def test_a_matrix_expands_to_the_editions_of_the_explicit_list():
    listed = [Edition(locale="en", paper=paper, profile=profile, status="approved", job_code=code, **SETTINGS)
              for paper, profile, code in [
                  ("a4", "screen", "AMBC-EN-A4-0001"), ("a4", "print", "AMBC-EN-A4-PRT-0001"),
                  ("letter", "screen", "AMBC-EN-LTR-0001"), ("letter", "print", "AMBC-EN-LTR-PRT-0001")]]
    matrix = EditionMatrix(locales=["en"], papers=["a4", "letter"], profiles=["screen", "print"],
                           job_code="AMBC-{locale}-{paper}{profile}-0001",
                           codes={"letter": "LTR", "screen": "", "print": "-PRT"},
                           defaults={**SETTINGS, "status": "approved"})
    assert [Edition(**fields) for fields in matrix.expand()] == listed


def test_listed_editions_come_first_and_a_locale_overrides_the_defaults():
    leaflet = Leaflet.model_validate({
        "document": {"title": "T", "short_title": "T", "subject": "S", "publisher": "P", "language": "en"},
        "body": [{"paragraph": "Text."}],
        "editions": [{"locale": "en-XA", "job_code": "XA-1", **SETTINGS}],
        "edition_matrix": {"locales": ["en", "es"], "papers": ["a4"], "profiles": ["screen"],
                           "job_code": "T-{locale}-{paper}-{profile}", "defaults": SETTINGS,
                           "overrides": {"es": {"version": "1.1", "translation":
                                                {"status": "translated", "translator": "Desk"}}}}})
    assert [(e.locale, e.job_code, e.version) for e in leaflet.editions] == [
        ("en-XA", "XA-1", "1.0"), ("en", "T-EN-A4-SCREEN", "1.0"), ("es", "T-ES-A4-SCREEN", "1.1")]
    assert leaflet.editions[2].translation.translator == "Desk"


@pytest.mark.parametrize("change, message", [
    ({"job_code": "T-{locale}-{paper}"}, "must hold {locale}, {paper} and {profile}"),
    ({"overrides": {"fr": {"version": "2"}}}, "overrides for locales the matrix does not list: fr"),
])
def test_a_matrix_that_cannot_give_each_edition_its_own_code_is_refused(change, message):
    fields = {"locales": ["en", "es"], "papers": ["a4"], "profiles": ["screen"],
              "job_code": "T-{locale}-{paper}-{profile}", "defaults": SETTINGS, **change}
    with pytest.raises(ValidationError, match=message.replace("{", r"\{").replace("}", r"\}")):
        EditionMatrix.model_validate(fields)


def test_a_job_code_the_matrix_repeats_is_reported_at_the_pattern(tmp_path):
    from leaflets.documents import load_all
    from leaflets.checks import editions

    shutil.copytree(FIXTURE / "source", tmp_path / "source")
    shutil.copytree(ROOT / "styles", tmp_path / "styles")
    source = tmp_path / "source" / "mx" / "leaflet.yaml"
    text = source.read_text("utf-8")
    source.write_text(text.replace("print: -PRT", 'print: ""'), "utf-8")  # print codes as screen
    pattern_line = 1 + text.splitlines().index(next(l for l in text.splitlines() if "job_code:" in l))
    found = editions.check(load_all(tmp_path, None), tmp_path)
    assert found and {d.code for d in found} == {"duplicate-job-code"}
    assert {(Path(d.file).name, d.line) for d in found} == {("leaflet.yaml", pattern_line)}
    assert "'MX-EN-A4-0001' is already used" in found[0].message
