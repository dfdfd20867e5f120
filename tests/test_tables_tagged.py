"""Every table block is a real table in the tagged PDF, whatever it looks like (panel cards too):
Table, THead/TBody, TR, TH with /Scope, TD with /Headers, so a screen reader announces each
value with its row and column heads ("Type: Luminal A; HR/HER2 status: HR+/HER2-").
Read back with pikepdf (structure) and pypdfium2 (the text of each marked-content id)."""

from __future__ import annotations

import ctypes
import shutil
from pathlib import Path

import pikepdf
import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest

from conftest import session_build_of
from leaflets.matrix import Filters, build

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "documents" / "ambc"  # the fixture leaflet


@pytest.fixture(scope="module")
def tagged_pdf(tmp_path_factory, request) -> Path:
    shared = session_build_of(request, FIXTURE)  # the run's build, when its sources are these
    if shared is not None:
        return shared["ambc-en-a4-screen"]
    project = tmp_path_factory.mktemp("tables") / "project"
    shutil.copytree(FIXTURE, project / "source" / "ambc")
    for tree in ("layouts", "styles"):
        shutil.copytree(ROOT / tree, project / tree)
    outputs = build(project, project / "build", Filters(locale="en", paper="a4", profile="screen"))
    return project / outputs[0].path


def _texts(path: Path) -> dict[tuple[int, int], str]:
    """Map (page index, MCID) to the text drawn in that marked content, with pypdfium2."""
    texts: dict[tuple[int, int], str] = {}
    document = pypdfium2.PdfDocument(path)
    for index, page in enumerate(document):
        textpage = page.get_textpage()
        for obj in page.get_objects():
            mcid = pdfium_c.FPDFPageObj_GetMarkedContentID(obj.raw)
            if obj.type != pdfium_c.FPDF_PAGEOBJ_TEXT or mcid < 0:
                continue
            size = pdfium_c.FPDFTextObj_GetText(obj.raw, textpage.raw, None, 0)
            buffer = (ctypes.c_ushort * (size // 2))()
            pdfium_c.FPDFTextObj_GetText(obj.raw, textpage.raw, buffer, size)
            texts[index, mcid] = texts.get((index, mcid), "") + bytes(buffer).decode("utf-16-le").rstrip("\x00")
    return texts


def _kids(element):
    kids = element.get("/K")
    kids = kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
    return [kid for kid in kids if isinstance(kid, pikepdf.Dictionary) and "/S" in kid]


def _walk(element):
    yield element
    for kid in _kids(element):
        yield from _walk(kid)


def _text(element, pages, texts) -> str:
    parts = []
    for node in _walk(element):
        kids = node.get("/K")
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
            if isinstance(kid, int):
                parts.append(texts.get((pages[node.Pg.objgen], kid), ""))
    return "".join(parts).strip()


def test_the_panel_is_a_table_with_scoped_heads(tagged_pdf):
    pdf = pikepdf.open(tagged_pdf)
    pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    texts = _texts(tagged_pdf)
    tables = [e for e in _walk(pdf.Root.StructTreeRoot.K[0]) if e.S == "/Table"]
    panel = next(t for t in tables if "Luminal A" in _text(t, pages, texts))
    head, body = [k for k in _kids(panel) if k.S in ("/THead", "/TBody")]
    assert (head.S, body.S) == ("/THead", "/TBody")
    heads = _kids(_kids(head)[0])
    assert [h.S for h in heads] == ["/TH", "/TH"]
    assert [_text(h, pages, texts) for h in heads] == ["Type", "HR/HER2 status"]
    assert all(h.A.Scope == "/Column" for h in heads)
    ids = {str(h.ID): _text(h, pages, texts) for h in heads}
    announced = []
    for row in _kids(body):
        assert row.S == "/TR"
        cells = _kids(row)
        assert [c.S for c in cells] == ["/TH", "/TD"]
        assert cells[0].A.Scope == "/Row"
        ids[str(cells[0].ID)] = _text(cells[0], pages, texts)
        headers = [ids[str(key)] for key in cells[1].A.Headers]
        announced.append((headers, _text(cells[1], pages, texts)))
    assert announced[0] == (["Luminal A", "HR/HER2 status"], "HR+/HER2-1")  # the 1: its citation
    assert len(announced) == 4
