"""Shared fixtures: the project's own editions built once, and throwaway project copies."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from leaflets.matrix import build
from leaflets.plan import Filters

ROOT = Path(__file__).resolve().parent.parent
# Review dates are judged against this day in every test, so the suite does not start failing
# (review-due, review-overdue) as the calendar moves on.
TEST_TODAY = "2026-06-01"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setenv("LEAFLETS_TODAY", TEST_TODAY)
PROJECT_TREES = ("source", "layouts", "styles")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> dict:
    """Build every declared edition once; map (document, locale, paper, profile) to its PDF."""
    out = tmp_path_factory.mktemp("build")
    outputs = build(ROOT, out, Filters(), write_html=True)
    # Output paths are relative to the root when inside it, absolute otherwise: `/` handles both.
    # A large-print edition is keyed with its type after the four: (..., "large-print").
    return {(o.document, o.locale, o.paper, o.profile) + ((o.type,) if o.type != "standard" else ()):
            ROOT / o.path for o in outputs}


@pytest.fixture(scope="session")
def a4_pdf(built) -> Path:
    return built[("ambc", "en", "a4", "screen")]


def copy_project(destination: Path) -> Path:
    """Copy the content, layouts and styles into `destination` so a test can change them."""
    for tree in PROJECT_TREES:
        shutil.copytree(ROOT / tree, destination / tree)
    return destination


@pytest.fixture
def project(tmp_path) -> Path:
    """A private copy of the project's source, layouts and styles."""
    return copy_project(tmp_path / "project")


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="accept the current page images as the references of tests/test_visual.py")
