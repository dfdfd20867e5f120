"""Review dates: `check` warns within 90 days of an edition's review date and errs once it has
passed, judged on a clock the tests fix (LEAFLETS_TODAY)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from leaflets.checks import editions
from leaflets.documents import load_document

from conftest import ROOT, Ran, run_cli

BASE = Path(__file__).parent / "fixtures" / "checks" / "_base"  # review_date: 2028-01-15


@pytest.fixture
def doc(tmp_path):
    shutil.copytree(BASE, tmp_path / "source" / "case")
    return load_document(tmp_path / "source" / "case")


def review_findings(doc, on: dt.date) -> list[str]:
    return [f"{d.severity.value}[{d.code}] {d.message}" for d in editions.check([doc], ROOT, on)
            if d.code.startswith("review-")]


@pytest.mark.parametrize("on, expected", [
    (dt.date(2027, 10, 16), []),  # 91 days before
    (dt.date(2027, 10, 17), ["warning[review-due] edition TEST-A4-0001 is due for review on 2028-01-15 (in 90 day(s))"]),
    (dt.date(2028, 1, 15), ["warning[review-due] edition TEST-A4-0001 is due for review on 2028-01-15 (in 0 day(s))"]),
    (dt.date(2028, 1, 16), ["error[review-overdue] edition TEST-A4-0001 was due for review on 2028-01-15 (1 day(s) ago)"]),
])
def test_review_date_notice_and_expiry(doc, on, expected):
    assert review_findings(doc, on) == expected


def test_the_clock_comes_from_leaflets_today(doc, monkeypatch):
    monkeypatch.setenv("LEAFLETS_TODAY", "2028-02-01")
    assert editions.today() == dt.date(2028, 2, 1)
    [found] = [d for d in editions.check([doc], ROOT) if d.code.startswith("review-")]
    assert found.code == "review-overdue" and found.line == 28  # the review_date line


def test_a_malformed_clock_is_reported_not_raised(doc, monkeypatch):
    monkeypatch.setenv("LEAFLETS_TODAY", "soon")
    [found] = editions.check([doc], ROOT)
    assert found.format() == "LEAFLETS_TODAY: error[invalid-clock]: LEAFLETS_TODAY='soon' is not a date: write YYYY-MM-DD"


def test_check_command_fails_once_the_review_date_has_passed(tmp_path):
    root = tmp_path / "project"
    for tree in ("layouts", "styles"):
        shutil.copytree(ROOT / tree, root / tree)
    shutil.copytree(BASE, root / "source" / "case")

    def check(today: str) -> Ran:
        return run_cli(root, "check", env={"LEAFLETS_TODAY": today})

    due = check("2027-12-01")
    assert due.returncode == 0
    assert "source/case/leaflet.yaml:28:5: warning[review-due]: edition TEST-A4-0001 is due for review" in due.stderr
    passed = check("2028-03-01")
    assert passed.returncode == 1
    assert "source/case/leaflet.yaml:28:5: error[review-overdue]" in passed.stderr

