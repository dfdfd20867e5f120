"""Typesetting read back from the fixture leaflet's PDFs with pypdfium2 (each character's origin,
i.e. its baseline, its font size and font name):

- even leading: a line that carries a citation superscript sits as far from its neighbours as a
  line without one, in every edition type (standard and large print) and paper. Superscripts are
  the runs of digits, commas and dashes drawn a little above a body line;
- the running head is one line on every page, however long the section name (German);
- page fit: the A5 edition's last page holds a complete section, not a lone fragment;
- a long abbreviations list runs in its two columns from its heading's page on, over pages, and
  a term wider than its indent pushes its expansion along instead of overprinting it.
"""

from __future__ import annotations

import ctypes
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest

from conftest import session_build_of
from leaflets.matrix import Filters, build

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "documents" / "ambc"  # the fixture leaflet
# One edition of each kind: A4 and A5, screen and print, standard and large print, a translation.
STEMS = ("ambc-en-a4-screen", "ambc-en-a5-print", "ambc-de-a4-screen", "ambc-en-a4-print-large-print")
HEADS = ("ambc-de-a4-screen", "ambc-en-a5-print", "ambc-en-a4-print-large-print")
CITATION = set("0123456789,\u2013-")
SAME = 0.15  # points: baselines are placed on a 1/100 pt grid; 0.15 pt is no visible difference


@dataclass
class Row:
    y: float          # baseline, points from the page's foot
    text: str
    size: float       # the most common font size of its characters
    bold: bool        # most of its characters are bold (headings, panel cards, callouts)
    cited: bool = False


def _font_name(text, index) -> bytes:
    """The embedded font's name (e.g. ABCDEF+Leaflet-Sans-Bold): PDFium's weight is unreliable."""
    name = ctypes.create_string_buffer(256)
    pdfium_c.FPDFText_GetFontInfo(text.raw, index, name, 256, None)
    return name.value


def rows(pdf: Path) -> list[list[Row]]:
    """Per page, the text rows from top to bottom (characters grouped by baseline)."""
    pages = []
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        for page in document:
            text = page.get_textpage()
            found = []
            for index in range(text.count_chars()):
                char = chr(pdfium_c.FPDFText_GetUnicode(text.raw, index))
                if char.isspace() or pdfium_c.FPDFText_IsGenerated(text.raw, index) == 1:
                    continue
                x, y = ctypes.c_double(), ctypes.c_double()
                pdfium_c.FPDFText_GetCharOrigin(text.raw, index, ctypes.byref(x), ctypes.byref(y))
                found.append((y.value, char, round(pdfium_c.FPDFText_GetFontSize(text.raw, index), 2),
                              b"Bold" in _font_name(text, index)))
            found.sort(key=lambda item: -item[0])
            grouped: list[list] = []
            for item in found:  # a row: within a quarter of its size of the row's first character
                if grouped and grouped[-1][0][0] - item[0] < 0.25 * 0.75 * item[2]:  # (pdfium's size is 4/3 pt)
                    grouped[-1].append(item)
                else:
                    grouped.append([item])
            pages.append([Row(Counter(round(i[0], 2) for i in g).most_common(1)[0][0],  # its baseline:
                              "".join(i[1] for i in g),  # where most characters stand (Arabic marks
                              Counter(i[2] for i in g).most_common(1)[0][0],  # have origins of their own)
                              2 * sum(i[3] for i in g) > len(g)) for g in grouped])
    finally:
        document.close()
    return pages


def body_gaps(pdf: Path) -> tuple[float, list[tuple[int, float, bool, str]]]:
    """Return the body line pitch (the most common gap) and, for each line of body text (body
    size, not bold: paragraphs, bullets, plain tables) that follows another, (page, gap to the line above, carries a citation, its text)."""
    pages = rows(pdf)
    marked: list[list[Row]] = []
    for page in pages:
        kept = []
        for index, row in enumerate(page):
            below = page[index + 1] if index + 1 < len(page) else None
            if below and set(row.text) <= CITATION and 1.5 < row.y - below.y < 0.6 * below.size:
                below.cited = True  # a superscript: raised a little above the line it belongs to
                continue
            kept.append(row)
        marked.append(kept)
    cited_pages = [page for page in marked if any(row.cited for row in page)]  # body pages
    body_size = Counter(row.size for page in cited_pages for row in page).most_common(1)[0][0]
    gaps = []
    for number, page in enumerate(marked, 1):
        if page not in cited_pages:
            continue  # the back matter has no citations; its lists are spaced as lists
        for above, below in zip(page, page[1:]):
            if above.size == below.size == body_size and not (above.bold or below.bold):
                gaps.append((number, round(above.y - below.y, 2), below.cited, below.text[:40]))
    pitch = Counter(round(gap, 1) for _, gap, _, _ in gaps).most_common(1)[0][0]
    return pitch, gaps


@pytest.fixture(scope="module")
def editions(tmp_path_factory, request) -> dict[str, Path]:
    shared = session_build_of(request, FIXTURE)  # the run's build, when its sources are these
    if shared is not None:
        return {stem: shared[stem] for stem in STEMS}
    project = tmp_path_factory.mktemp("typesetting") / "project"
    shutil.copytree(FIXTURE, project / "source" / "ambc")
    for tree in ("layouts", "styles"):
        shutil.copytree(ROOT / tree, project / tree)
    outputs = build(project, project / "build", Filters(stems=frozenset(STEMS)),
                    allow_incomplete=True, jobs=2)
    return {Path(o.path).stem: project / o.path for o in outputs}


@pytest.mark.parametrize("stem", STEMS)
def test_lines_with_citations_keep_the_leading(editions, stem):
    pitch, gaps = body_gaps(editions[stem])
    cited = [gap for gap in gaps if gap[2]]
    plain = [gap for gap in gaps if not gap[2]]
    assert len(cited) >= 5 and len(plain) >= 5, f"{stem}: too few lines to compare ({len(cited)}, {len(plain)})"
    # Inside a paragraph every line is one pitch below the one above, citation or not.
    uneven = [gap for gap in gaps if abs(gap[1] - pitch) < 0.1 * pitch and abs(gap[1] - pitch) > SAME]
    assert not uneven, f"{stem}: body line pitch is {pitch} pt, but (page, gap, cited, line): {uneven}"
    # Any gap above a line with a citation (after a paragraph break too) is also found above a
    # line without one: the superscript never moves its line.
    plain_gaps = [gap[1] for gap in plain]
    odd = [gap for gap in cited if gap[1] < 3 * pitch and not any(abs(gap[1] - g) <= SAME for g in plain_gaps)]
    assert not odd, (f"{stem}: lines with a citation sit at distances no line without one has "
                     f"(pitch {pitch} pt; page, gap, cited, line): {odd}")
    assert any(abs(gap[1] - pitch) <= SAME for gap in cited), f"{stem}: no cited line at the body pitch"


@pytest.mark.parametrize("stem", HEADS)
def test_the_running_head_is_one_line(editions, stem):
    """The running head is the top row of a page after the first; a second row of its size set
    at about its own line pitch below it would be the head wrapping (the text below starts further
    down, after the head's padding)."""
    wrapped = []
    for number, page in enumerate(rows(editions[stem]), 1):
        if number == 1:
            continue  # the front page has no running head
        head = page[:1]
        for row in page[1:]:
            if row.size != head[-1].size or head[-1].y - row.y > 1.2 * row.size:  # size: 4/3 of the pt size
                break
            head.append(row)
        if len(head) > 1:
            wrapped.append((number, [row.text for row in head]))
    assert not wrapped, f"{stem}: running head on more than one line (page, rows): {wrapped}"


def test_the_a5_last_page_holds_a_complete_section(editions):
    """The A5 back matter would end on 'Other sources consulted' alone: the references start on
    the last page instead, heading first."""
    pages = rows(editions["ambc-en-a5-print"])
    last = [row.text for row in pages[-1]]
    assert "References" in last, f"last page of the A5 edition: {last[:6]}"
    assert any(text.startswith("Othersourcesconsulted") for text in last)
    assert "References" not in [row.text for row in pages[-2]]


TERMS = [f"XQ{n:02d}" for n in range(1, 61)]  # with IDA: 61 entries, 31 in the first column


def characters(pdf: Path) -> list[list[tuple[str, float, float, float, float]]]:
    """Per page, each character with its box (left, bottom, right, top, in points)."""
    pages = []
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        for page in document:
            text = page.get_textpage()
            pages.append([(chr(pdfium_c.FPDFText_GetUnicode(text.raw, index)), *text.get_charbox(index))
                          for index in range(text.count_chars())])
            text.close()
    finally:
        document.close()
    return pages


def find(page: list, word: str) -> tuple[float, float, float, float] | None:
    """The box of `word` on a page (as a whole word), or None."""
    text = "".join(c[0] for c in page)
    at = 0
    while (at := text.find(word, at)) >= 0:
        end = at + len(word)
        if (at == 0 or not text[at - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            boxes = [c[1:] for c in page[at:end]]
            return (min(b[0] for b in boxes), min(b[1] for b in boxes),
                    max(b[2] for b in boxes), max(b[3] for b in boxes))
        at = end
    return None


def test_a_long_abbreviation_list_runs_in_two_columns_over_pages(tmp_path):
    """Sixty abbreviations: both columns start under the heading and run on, side by side, over
    the next pages (a flex row left the heading alone on its page, started the second column
    three pages later and set the last terms across the whole measure)."""
    from conftest import make_project

    project = make_project(tmp_path / "project", ("anaemia",), code=False)
    leaflet = project / "source" / "anaemia" / "leaflet.yaml"
    text = leaflet.read_text("utf-8")
    glossary = "".join(f"  {term}: an expansion of term {n} that runs over more than one line of its column\n"
                       for n, term in enumerate(TERMS, 1))
    text = text.replace("glossary:\n", "glossary:\n" + glossary, 1)
    text = text.replace("  - bullets:\n", "  - paragraph: >-\n      Terms: " + ", ".join(TERMS) + ".\n\n  - bullets:\n", 1)
    leaflet.write_text(text, "utf-8")
    [output] = build(project, project / "build", Filters(stems=frozenset({"anaemia-en-a4-screen"})))
    pages = characters(project / output.path)

    first = [n for n, page in enumerate(pages) if find(page, "Abbreviations")][0]
    column_one, column_two = TERMS[:30], TERMS[30:]  # IDA first, then XQ01 to XQ30; XQ31 to XQ60
    assert find(pages[first], column_one[0]) and find(pages[first], column_two[0]), \
        "the columns do not start under their heading"
    seen, pages_with_terms = [], 0
    for page in pages[first:]:
        left = [find(page, term) for term in column_one if find(page, term)]
        right = [find(page, term) for term in column_two if find(page, term)]
        if left or right:
            pages_with_terms += 1
            assert left and right, "a page of the list holds one column only"
            assert min(box[0] for box in right) > max(box[2] for box in left) + 50, "the columns are not side by side"
            widths = {round(box[0]) for box in right}
            assert len(widths) == 1, f"the second column's terms do not line up: {sorted(widths)}"
        seen += [term for term in column_one + column_two if find(page, term)]
    assert sorted(seen) == column_one + column_two, "a term is missing or repeated"
    assert pages_with_terms >= 2
