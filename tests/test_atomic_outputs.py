"""A failed build leaves the previous PDFs and manifest byte for byte, and no temporary files."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaflets.matrix import build
from leaflets.plan import Filters
from leaflets.diagnostics import ContentError

A4 = Filters(paper="a4", profile="screen", locale="en")


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".cache" not in p.relative_to(out).parts}  # the build's own records


@pytest.fixture
def built_once(project, tmp_path):
    out = tmp_path / "out"
    build(project, out, A4, write_html=True)
    before = snapshot(out)
    assert sorted(before) == ["ambc/ambc-en-a4-screen.html", "ambc/ambc-en-a4-screen.pdf", "manifest.json"]
    return project, out, before


def test_content_error_leaves_previous_outputs(built_once):
    project, out, before = built_once
    leaflet = project / "source/ambc/leaflet.yaml"
    leaflet.write_text(leaflet.read_text("utf-8").replace("[@esmo-guide]", "[@esmo-gide]", 1), "utf-8")
    with pytest.raises(ContentError) as caught:
        build(project, out, A4, write_html=True)
    assert [d.code for d in caught.value.diagnostics if d.is_error] == ["unknown-citation"]
    assert snapshot(out) == before


def test_render_fault_leaves_previous_outputs(built_once):
    project, out, before = built_once
    sheet = project / "styles/profile/screen.css"
    sheet.write_text(sheet.read_text("utf-8") + "\nh1 { background: url(missing.png); }\n", "utf-8")
    with pytest.raises(ContentError) as caught:
        build(project, out, A4, write_html=True)
    assert [d.code for d in caught.value.diagnostics] == ["render-fetch"]
    assert snapshot(out) == before  # no half-written file and no leftover .tmp beside them
