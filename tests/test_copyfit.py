"""Copyfitting: a body whose last page would hold a line or two, or a lone paragraph, is
tightened onto fewer pages; a back matter ending in a lone fragment of a section is tightened or
regrouped, and a complete section on the last page is left as designed."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import weasyprint

from leaflets.render import page_fills, render_pdf, short_last_page

ROOT = Path(__file__).resolve().parent.parent
STYLE = """<style>
@page { size: 100mm 100mm; margin: 10mm; }
:root { --paragraph-space: 3mm; }
html { font: 10pt/5mm sans-serif; }
main { page: body; }
p, li { margin: 0 0 var(--paragraph-space); }
.back-matter { page: back-matter; }
</style>"""


def leaflet(paragraphs: int) -> str:
    lines = "".join(f"<p>Line {n}</p>" for n in range(paragraphs))
    return f"<!DOCTYPE html><html lang=en><head>{STYLE}</head><body><main>{lines}</main></body></html>"


def test_a_short_last_page_is_found():
    assert short_last_page(weasyprint.HTML(string=leaflet(11)).render()) == 2
    assert short_last_page(weasyprint.HTML(string=leaflet(8)).render()) is None   # one page
    assert short_last_page(weasyprint.HTML(string=leaflet(20)).render()) is None  # 8 lines over


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


def document(main: str, back: str = "") -> str:
    return (f"<!DOCTYPE html><html lang=en><head>{STYLE}</head><body><main>{main}</main>"
            f"<section class=back-matter>{back}</section></body></html>")


def words(lines: int) -> str:
    """A paragraph of about `lines` lines at 80 mm."""
    return "<p>" + " ".join(["word word word word word word word"] * lines) + "</p>"


def text_of_pages(pdf: bytes) -> list[str]:
    pages = pypdfium2.PdfDocument(pdf)
    return [page.get_textpage().get_text_range() for page in pages]


def test_a_lone_paragraph_on_the_last_body_page_is_short():
    # 10 one-line paragraphs fill page 1; then a lone paragraph of 7 lines: enough lines, one block
    html = document("".join(f"<p>Line {n}</p>" for n in range(10)) + words(7))
    fills = page_fills(weasyprint.HTML(string=html).render())
    assert [(f.part, f.blocks, f.short) for f in fills] == [("body", 1, "a lone paragraph")]
    assert fills[0].lines >= 6
    two = document("".join(f"<p>Line {n}</p>" for n in range(10)) + words(4) + words(4))
    assert short_last_page(weasyprint.HTML(string=two).render()) is None


def references(count: int) -> str:
    return "".join(f"<li>Reference {n}</li>" for n in range(count))


def back_matter(abbreviations: int, cited: int, words: int) -> str:
    """Abbreviations, then references ending in 'Other sources' with one item that never splits."""
    return (f"<section><h2>Abbreviations</h2><ol>{references(abbreviations)}</ol></section>"
            f"<section><h2>References</h2><ol>{references(cited)}</ol><h3>Other sources</h3>"
            f"<ul><li style='break-inside: avoid'>{'long ' * words}</li></ul></section>")


def test_a_lone_fragment_of_back_matter_is_short_a_complete_section_is_not():
    fragment = (f"<section><h2>References</h2><ol>{references(6)}</ol><h3>Other sources</h3>"
                f"<ul><li style='break-inside: avoid'>{'long ' * 70}</li></ul></section>")
    rendered = weasyprint.HTML(string=document("<p>Body</p>", fragment)).render()
    assert len(rendered.pages) == 3
    (fill,) = page_fills(rendered)
    assert (fill.number, fill.part, fill.blocks, fill.opens_section) == (3, "back matter", 1, False)
    assert fill.lines >= 6 and fill.short == "a lone fragment of a section"
    # the same page opening a section of its own is the design: never judged short
    complete = document("<p>Body</p>", f"<section><h2>Abbreviations</h2><ol>{references(9)}</ol></section>"
                                       "<section><h2>References</h2><ol><li>One</li></ol></section>")
    rendered = weasyprint.HTML(string=complete).render()
    assert len(rendered.pages) == 3 and page_fills(rendered)[0].opens_section
    assert page_fills(rendered)[0].lines < 6 and short_last_page(rendered) is None
    # a back matter on one page ends where the design ends it, however little it holds
    assert page_fills(weasyprint.HTML(string=document("<p>Body</p>", "<p>One</p>")).render()) == []


def test_a_fragment_tightening_cannot_pull_back_is_regrouped():
    """'Other sources' and its item cannot come back by tightening: the references section starts
    on the last page instead, heading first."""
    html = document("<p>Body</p>", back_matter(3, 2, 30))
    assert short_last_page(weasyprint.HTML(string=html).render()) == 3
    fit: list[str] = []
    pdf, pages = render_pdf(html, (ROOT / "layouts").as_uri() + "/", ROOT, {}, fit=fit)
    text = text_of_pages(pdf)
    assert pages == 3 and text[-1].lstrip().startswith("References"), text
    assert "References" not in text[1]
    assert fit == ["last body page 1: 1 lines, 9% full; back matter page 3: 12 lines, 3 blocks, 81% full "
                   "(copyfitted: regroup)"]


def test_a_fragment_nothing_fixes_is_reported_with_its_page(monkeypatch):
    """Regrouping would only carry the fragment onto a page of its own: the edition keeps its
    spacing and the fit line says which page is too short and why."""
    html = document("<p>Body</p>", back_matter(3, 4, 30))
    fit: list[str] = []
    pdf, pages = render_pdf(html, (ROOT / "layouts").as_uri() + "/", ROOT, {}, fit=fit)
    import leaflets.render

    monkeypatch.setattr(leaflets.render, "COPYFIT_STEPS", ())
    assert pdf == render_pdf(html, (ROOT / "layouts").as_uri() + "/", ROOT, {})[0]  # as without copyfitting
    assert fit[0].endswith("(too short: could not copyfit page 3, a lone fragment of a section)"), fit
