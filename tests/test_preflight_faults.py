"""Preflight fails an edition with any one standards fault put back, with the rule that names it.

Each fault is put back into a good built edition with pikepdf (or, where the fault lives in the
rendering, by rendering again without the step that removes it)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pikepdf
import pytest

from leaflets.preflight import evaluate, inspect_pdf


def _failed(path: Path, profile: str | None = None) -> dict[str, str]:
    return {r.rule: r.message for r in evaluate(inspect_pdf(path), profile) if not r.passed}


def _first(built: dict, profile: str, draft: bool = False) -> Path:
    # Left-to-right editions first, the master's before the others: a fault is put back where
    # it can occur (an Arabic edition has no layout hyphens to tag wrongly).
    def order(item):
        key, path = item
        return (b'dir="rtl"' in path.with_suffix(".html").read_bytes(), key[1] != "en", key)

    for key, path in sorted(built.items(), key=order):
        if key[3] == profile and (not draft or b"draft-mark" in path.with_suffix(".html").read_bytes()):
            return path
    pytest.skip(f"no {'draft ' if draft else ''}{profile} edition is declared")


@pytest.fixture(scope="module")
def good(built) -> dict[str, Path]:
    return {profile: _first(built, profile) for profile in ("screen", "print", "archive")}


# That every good edition passes every rule (the start of each test here) is asserted once, on
# every edition of the run's build, by tests/test_preflight_command.py (the same inspection
# and rules, through the command line).


def _fault(source: Path, target: Path, edit: Callable[[pikepdf.Pdf], None]) -> Path:
    with pikepdf.open(source) as pdf:
        edit(pdf)
        pdf.save(target)
    return target


def _links(pdf: pikepdf.Pdf):
    return [a for page in pdf.pages for a in page.obj.get("/Annots", ()) if a.get("/Subtype") == "/Link"]


def _flatten_link_heights(pdf):
    for annot in _links(pdf):
        if "/Dest" in annot:
            rect = [float(v) for v in annot.Rect]
            annot.Rect = pikepdf.Array([rect[0], rect[1], rect[2], rect[1]])


def _dangle_a_link(pdf):
    next(a for a in _links(pdf) if "/Dest" in a).Dest = pikepdf.String("nowhere")


def _unlink_urls(pdf):
    for page in pdf.pages:
        if "/Annots" in page.obj:
            page.obj.Annots = pikepdf.Array([a for a in page.obj.Annots if "/A" not in a])


def _add_link(pdf):
    page = pdf.pages[0].obj
    page.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[100, 100, 200, 120],
        A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://example.org/"))))]))


def _declare_lab(pdf):
    for page in pdf.pages:
        spaces = page.obj.Resources.get("/ColorSpace")
        if spaces is None:
            spaces = page.obj.Resources.ColorSpace = pikepdf.Dictionary()
        spaces["/lab-d50"] = pikepdf.Array([pikepdf.Name.Lab, pikepdf.Dictionary(WhitePoint=[0.9642, 1, 0.8249])])


def _xmp_conformance(pdf):
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["pdfx:GTS_PDFXConformance"] = "PDF/X-4"


def _untrap(pdf):
    del pdf.trailer.Info["/Trapped"]


def _af_twice(pdf):
    pdf.Root.AF = pikepdf.Array(list(pdf.Root.AF) * 2)


def _octet_stream(pdf):
    for spec in pdf.attachments.values():
        spec.obj.EF.F.Subtype = pikepdf.Name("/application/octet-stream")


def _drop_extension_schema(pdf):
    xmp = pdf.Root.Metadata.read_bytes()
    start = xmp.index(b'<rdf:Description rdf:about="" xmlns:pdfaExtension')
    end = xmp.index(b"</rdf:Description>", start) + len(b"</rdf:Description>")
    pdf.Root.Metadata.write(xmp[:start] + xmp[end:])


def _bad_lang(pdf):
    stack = [pdf.Root.StructTreeRoot.K]
    while stack:
        kids = stack.pop()
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary):
                if kid.get("/S") == "/P":
                    kid.Lang = pikepdf.String("not a language!")
                    return
                stack.append(kid.get("/K"))


def _tag_hyphens(pdf):
    """Take the Artifact marks off the hyphens nested in real content."""
    for page in pdf.pages:
        instructions, depth, out, skip = pikepdf.parse_content_stream(page), 0, [], []
        for operands, operator in instructions:
            op = str(operator)
            if op == "BMC" and str(operands[0]) == "/Artifact" and depth > 0:
                skip.append(True)
                continue
            if op in ("BDC", "BMC"):
                skip.append(False)
                depth += 1
            if op == "EMC":
                if skip.pop():
                    continue
                depth -= 1
            out.append(pikepdf.ContentStreamInstruction(operands, operator))
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(out))


def _unmark_text(pdf):
    page = pdf.pages[0]
    out = [pikepdf.ContentStreamInstruction(operands, operator)
           for operands, operator in pikepdf.parse_content_stream(page)
           if str(operator) not in ("BDC", "BMC", "EMC")]
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(out))


FAULTS = [
    ("screen", _flatten_link_heights, "links.area"),
    ("archive", _flatten_link_heights, "links.area"),
    ("screen", _dangle_a_link, "links.target"),
    ("screen", _unlink_urls, "links.urls"),
    ("screen", _tag_hyphens, "ua.artifact-hyphens"),
    ("archive", _tag_hyphens, "ua.artifact-hyphens"),
    ("screen", _unmark_text, "ua.marked-content"),
    ("screen", _bad_lang, "ua.lang-values"),
    ("print", _add_link, "x.no-annotations"),
    ("print", _declare_lab, "x.colour-spaces-used"),
    ("print", _xmp_conformance, "x.xmp-properties"),
    ("print", _untrap, "x.trapped"),
    ("archive", _af_twice, "a.af"),
    ("archive", _octet_stream, "a.mime-types"),
    ("archive", _drop_extension_schema, "a.xmp-extension"),
]


@pytest.mark.parametrize(("profile", "edit", "rule"), FAULTS, ids=[f"{p}-{r}-{e.__name__}" for p, e, r in FAULTS])
def test_preflight_fails_a_fault_put_back_with_its_rule(good, tmp_path, profile, edit, rule):
    faulty = _fault(good[profile], tmp_path / f"{profile}.pdf", edit)
    failed = _failed(faulty)
    assert rule in failed, failed


def test_a_file_without_trailer_id_fails(good, tmp_path):
    # qpdf always writes an /ID; drop it from the classic trailer of a file saved without
    # object streams (the trailer follows the cross-reference table, so no offset moves)
    saved = tmp_path / "saved.pdf"
    with pikepdf.open(good["screen"]) as pdf:
        pdf.save(saved, object_stream_mode=pikepdf.ObjectStreamMode.disable, qdf=False)
    data = saved.read_bytes()
    trailer = data.rindex(b"trailer")
    without = data[:trailer] + re.sub(rb"/ID\s*\[[^\]]*\]", b"", data[trailer:])
    faulty = tmp_path / "no-id.pdf"
    faulty.write_bytes(without)
    assert "pdf.id" in _failed(faulty)


def test_draft_mark_and_hyphens_tagged_as_content_fail(built, tmp_path, monkeypatch):
    """Render a draft edition again without the step that makes them artifacts."""
    from leaflets import finishing
    from leaflets.matrix import build
    from leaflets.plan import Filters
    from conftest import ROOT

    draft = _first(built, "screen", draft=True)
    key = next(k for k, v in built.items() if v == draft)
    monkeypatch.setattr(finishing, "tag_text_boxes", lambda document, pdf: None)
    [output] = build(ROOT, tmp_path, Filters(document=key[0], locale=key[1], paper=key[2],
                                             profile=key[3]), jobs=1, force=True)
    failed = _failed(ROOT / output.path)
    assert {"ua.artifact-furniture", "ua.artifact-hyphens"} <= set(failed), failed
