"""Copyfitting: a body whose last page would hold a line or two is tightened onto fewer pages."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import weasyprint

from leaflets.render import render_pdf, short_last_body_page

ROOT = Path(__file__).resolve().parent.parent
STYLE = """<style>
@page { size: 100mm 100mm; margin: 10mm; }
:root { --paragraph-space: 3mm; }
html { font: 10pt/5mm sans-serif; }
main { page: body; }
p { margin: 0 0 var(--paragraph-space); }
</style>"""


def leaflet(paragraphs: int) -> str:
    lines = "".join(f"<p>Line {n}</p>" for n in range(paragraphs))
    return f"<!DOCTYPE html><html lang=en><head>{STYLE}</head><body><main>{lines}</main></body></html>"


def test_a_short_last_page_is_found():
    assert short_last_body_page(weasyprint.HTML(string=leaflet(11)).render()) == 2
    assert short_last_body_page(weasyprint.HTML(string=leaflet(8)).render()) is None   # one page
    assert short_last_body_page(weasyprint.HTML(string=leaflet(20)).render()) is None  # 8 lines over


def test_tightening_pulls_the_last_lines_back():
    html = leaflet(11)
    assert len(weasyprint.HTML(string=html).render().pages) == 2
    pdf, pages = render_pdf(html, (ROOT / "layouts").as_uri() + "/", ROOT, {})
    assert pages == 1
    assert len(pypdfium2.PdfDocument(pdf)) == 1


def test_the_fit_is_described_for_the_build_line():
    assert weasyprint.HTML(string=leaflet(11)).render().pages  # sanity
    from leaflets.render import describe_fit

    short = describe_fit(weasyprint.HTML(string=leaflet(11)).render())
    assert short.startswith("last body page 2: 1 lines, ") and "could not copyfit page 2" in short
    fit: list[str] = []
    render_pdf(leaflet(11), (ROOT / "layouts").as_uri() + "/", ROOT, {}, fit=fit)
    assert fit == [fit[0]] and fit[0].startswith("last body page 1: 11 lines, ")
    assert fit[0].endswith("(copyfitted: step-1)")


def test_a_document_longer_than_the_copyfit_limit_is_rendered_once(monkeypatch):
    """Each copyfit step renders the whole document again: a long document is left as it falls."""
    import leaflets.render

    monkeypatch.setattr(leaflets.render, "COPYFIT_MAX_PAGES", 1)  # leaflet(11) has 2 pages
    renders = []
    real = weasyprint.HTML.render
    monkeypatch.setattr(weasyprint.HTML, "render", lambda self, **k: renders.append(1) or real(self, **k))
    fit: list[str] = []
    pdf, pages = render_pdf(leaflet(11), (ROOT / "layouts").as_uri() + "/", ROOT, {}, fit=fit)
    assert pages == 2 and len(pypdfium2.PdfDocument(pdf)) == 2 and len(renders) == 1
    assert fit[0].startswith("last body page 2: 1 lines, ")
    assert fit[0].endswith("(too short: not copyfitted, longer than 1 pages)")
