"""Rendering faults are errors with a place; content is untrusted: escaped, and reads nothing outside."""

from __future__ import annotations

import sys
from pathlib import Path

import pikepdf
import pytest

from leaflets.matrix import build, resolve_editions as plan
from leaflets.plan import Filters
from leaflets.matrix import check_project
from leaflets.diagnostics import ContentError, display_path
from leaflets.documents import load_document
from leaflets.render import execute, prepare, render_html, render_pdf
from leaflets.view import resolve

from conftest import make_project
from pdfread import reading_text

A4 = Filters(paper="a4", profile="screen", locale="en")
_OPENED: list[str] = []


def _audit(event: str, args: tuple) -> None:
    if event == "open" and args and isinstance(args[0], (str, bytes, Path)):
        _OPENED.append(str(args[0]))


sys.addaudithook(_audit)  # records every file Python opens, to prove what was never read


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


@pytest.fixture
def small_project(tmp_path) -> Path:
    """A project whose only document is the small fixture leaflet (two short sections, about a
    third of the a/mBC leaflet's rendering): for faults of the styles and layouts, which any
    leaflet shows."""
    return make_project(tmp_path / "project", ("anaemia",), code=False)


def render_errors(project: Path) -> list:
    [job] = plan(project, A4)
    with pytest.raises(ContentError) as caught:
        execute(prepare(job, project), project)
    return caught.value.diagnostics


def line_of(path: Path, needle: str) -> tuple[int, int]:
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


def test_markup_typed_in_content_prints_as_text(project, tmp_path):
    leaflet = project / "source/ambc/leaflet.yaml"
    edit(leaflet, "HER2 is another receptor present on all cells.",
         'HER2 is another receptor <script>alert(1)</script> <img src="file:///etc/passwd"> present on all cells.')
    outputs = build(project, tmp_path / "out", A4, write_html=True)
    pdf = project / outputs[0].path if not Path(outputs[0].path).is_absolute() else Path(outputs[0].path)
    text = reading_text(pdf)
    # Line breaks may fall inside the typed markup: compare without spaces.
    assert '<script>alert(1)</script><imgsrc="file:///etc/passwd">' in text.replace(" ", "")
    html = pdf.with_suffix(".html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html


def test_a_javascript_link_never_becomes_a_live_link(project):
    leaflet = project / "source/ambc/leaflet.yaml"
    edit(leaflet, "HER2 is another receptor", "HER2 is [another](javascript:alert(1)) receptor")
    [error] = [d for d in check_project(project) if d.is_error]
    assert error.code == "link-target" and error.message.startswith("link target 'javascript:alert(1)'")
    # Even past the checks, the inline parser refuses the link: the text prints as typed.
    doc = load_document(project / "source/ambc")
    view = resolve(doc, doc.leaflet.editions[0], project.resolve().as_uri() + "/")
    html = render_html(view, project)
    assert "javascript:" not in html.split("[another](")[0]
    assert 'href="javascript' not in html
    pdf, _ = render_pdf(html, view.base_href, project, {})
    uris = []
    with pikepdf.Pdf.open(__import__("io").BytesIO(pdf)) as document:
        for page in document.pages:
            for annot in page.get("/Annots", []):
                action = annot.get("/A")
                if action is not None:
                    assert action.get("/S") != "/JavaScript"
                    uris.append(str(action.get("/URI", "")))
    assert not any(uri.startswith("javascript") for uri in uris)


def test_fetcher_reads_nothing_outside_the_project(project, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT", "utf-8")
    (project / "styles" / "evil.css").symlink_to(secret)
    sheet = project / "styles/profile/screen.css"
    sheet.write_text(sheet.read_text("utf-8") + "\n".join([
        "",
        "body { background: url(file:///etc/passwd); }",
        f"h1 {{ background: url({secret.as_uri()}); }}",
        "h2 { background: url(../../../secret.txt); }",
        "h3 { background: url(https://example.com/track.png); }",
        "p { background: url(../evil.css); }",
        ""]), "utf-8")
    _OPENED.clear()
    errors = render_errors(project)
    opened = list(_OPENED)
    assert [name for name in opened if name.endswith(("secret.txt", "passwd", "evil.css"))] == []
    assert str(secret) not in "".join(opened)
    where = display_path(sheet)
    codes = {d.code for d in errors}
    assert codes == {"render-fetch"}
    messages = {d.message for d in errors}
    assert "refused to fetch 'file:///etc/passwd'" in messages
    assert "refused to fetch 'https://example.com/track.png'" in messages
    assert f"refused to fetch '{(project / 'styles/evil.css').as_uri()}'" in messages
    assert all(d.hint == "only files under layouts/, styles/ and source/ can be used" for d in errors)
    passwd = next(d for d in errors if "passwd" in d.message)
    assert (passwd.file, passwd.line, passwd.column) == (where, *line_of(sheet, "file:///etc/passwd"))


def test_missing_image_and_stylesheet_are_errors(small_project):
    sheet = small_project / "styles/profile/screen.css"
    sheet.write_text(sheet.read_text("utf-8") + "\nh1 { background: url(missing.png); }\n", "utf-8")
    [missing] = render_errors(small_project)
    assert (missing.code, missing.file, (missing.line, missing.column)) == (
        "render-fetch", display_path(sheet), line_of(sheet, "missing.png"))
    assert missing.message == f"file not found: '{display_path(small_project / 'styles/profile/missing.png')}'"
    (small_project / "styles/paper/a4.css").unlink()
    errors = [d for d in check_project(small_project) if d.is_error]
    assert {(d.code, d.message) for d in errors} == {
        ("missing-stylesheet", "stylesheet 'styles/paper/a4.css' does not exist")}


def test_glyph_missing_from_the_fonts_in_a_layout_is_an_error(small_project):
    layout = small_project / "layouts/leaflet.html.j2"
    [job] = plan(small_project, A4)  # before the edit, to reach rendering past the check
    edit(layout, '{{ _("Patient information") }}', '{{ _("Patient information") }} 漢')
    with pytest.raises(ContentError) as caught:
        execute(prepare(job, small_project), small_project)
    [glyph] = caught.value.diagnostics
    assert glyph.code == "missing-glyph"
    assert glyph.message == "'漢' (U+6F22) is not in the bundled fonts: it prints as an empty box"
    assert (glyph.file, glyph.line, glyph.column) == (display_path(layout), *line_of(layout, "漢"))
    [checked] = [d for d in check_project(small_project) if d.is_error]  # and `check` finds it first
    assert (checked.code, checked.file, checked.line, checked.column) == (
        "missing-glyph", display_path(layout), *line_of(layout, "漢"))


def test_emoji_in_content_is_caught_before_rendering(project):
    edit(project / "source/ambc/leaflet.yaml", "HER2 is another receptor", "HER2 is another 🙂 receptor")
    with pytest.raises(ContentError) as caught:
        plan(project, A4)
    [glyph] = [d for d in caught.value.diagnostics if d.is_error]
    assert glyph.code == "missing-glyph" and "U+1F642" in glyph.message


@pytest.mark.parametrize("partial, old, new, code, message", [
    ("paragraph", "{{ inline(block.content) }}</p>", "{{ inline(block.content) }</p>",
     "template-syntax", "unexpected '}'"),
    ("paragraph", "{{ inline(block.content) }}</p>", "{{ block.no_such_field }}</p>",
     "template-error", "'leaflets.view.BlockView object' has no attribute 'no_such_field'"),
])
def test_template_errors_name_the_template_and_line(project, partial, old, new, code, message):
    template = project / f"layouts/partials/{partial}.html.j2"
    edit(template, old, new)
    errors = [d for d in check_project(project) if d.is_error]
    assert {(d.code, d.file, d.line, d.message) for d in errors} == {
        (code, display_path(template), line_of(template, new)[0], message)}
