"""Rendering leaves nothing behind in the system's temporary folder."""

from __future__ import annotations

import tempfile

from conftest import make_project
from leaflets.matrix import build
from leaflets.plan import Filters


def test_a_build_leaves_no_font_copies_in_the_temporary_folder(tmp_path, monkeypatch):
    """WeasyPrint copies each @font-face file into a folder of its own; the build removes it."""
    root = make_project(tmp_path / "project", ("anaemia",))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # forked workers inherit it
    outputs = build(root, root / "out", Filters(locale="en"), jobs=2, force=True)
    assert outputs and all((root / o.path).is_file() for o in outputs)
    assert sorted(p.name for p in scratch.iterdir()) == []
