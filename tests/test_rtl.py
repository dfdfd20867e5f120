"""Right-to-left editions, read back from the PDF: direction, language, mirroring, glyphs, citations.

The leaflet under test is a small fixture with an Arabic catalogue (tests/fixtures/rtl/), built
in a temporary copy of the project with this checkout's layouts and styles. Pages are read with
pypdfium2: each character with its box and font, in the order the PDF stores them (logical
order); sorting a line's characters by x gives what the eye sees from left to right.
"""

from __future__ import annotations

import ctypes
import re
import shutil
from pathlib import Path

import pikepdf
import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest

from leaflets.bidi import Isolate, isolate_ltr_runs
from leaflets.matrix import build
from leaflets.plan import Filters
from leaflets.i18n.locales import direction, script
from leaflets.inline import Text

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "rtl"
MM = 72 / 25.4
MARGIN_INLINE = 20 * MM  # --margin-inline of styles/leaflet.css
ARABIC = re.compile(r"[\u0600-\u06FF]")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    """Build the fixture's Arabic and ar-XB editions; map locale to PDF (HTML beside it)."""
    project = tmp_path_factory.mktemp("rtl") / "project"
    shutil.copytree(FIXTURE / "source", project / "source")
    for tree in ("layouts", "styles"):
        shutil.copytree(ROOT / tree, project / tree)
    outputs = build(project, project / "build", Filters(), write_html=True, jobs=1)
    return {o.locale: project / o.path for o in outputs}


class Char:
    def __init__(self, text: str, box: tuple, size: float, font: str):
        self.text, self.size, self.font = text, size, font
        self.left, self.bottom, self.right, self.top = box


def chars(pdf: Path, page: int = 0) -> tuple[list[Char], tuple[float, float]]:
    """Return the printed characters of a page in stored (logical) order, and the page size."""
    document = pypdfium2.PdfDocument(pdf)
    textpage = document[page].get_textpage()
    size = document[page].get_size()
    name = ctypes.create_string_buffer(128)
    found = []
    for i in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
        if code in (0x0D, 0x0A, 0x20, 0xFFFE, 0xFFFF) or chr(code).isspace():
            continue
        pdfium_c.FPDFText_GetFontInfo(textpage.raw, i, name, 128, None)
        found.append(Char(chr(code), textpage.get_charbox(i), pdfium_c.FPDFText_GetFontSize(textpage.raw, i),
                          name.value.decode("latin-1")))
    return found, size


def masthead_title(found: list[Char], height: float) -> list[Char]:
    """Return the characters of the masthead's heading: the largest type in the top band
    (the DRAFT mark, larger still, stands lower on the page)."""
    top = [c for c in found if c.bottom > height - 60 * MM]
    largest = max(c.size for c in top)
    return [c for c in top if c.size == largest]


def visual(line: list[Char]) -> str:
    """Return a line as the eye reads its glyphs, from left to right."""
    return "".join(c.text for c in sorted(line, key=lambda c: c.left))


def line_of(all_chars: list[Char], anchor: Char, below: float = 0) -> list[Char]:
    """Return the characters on the text line of `anchor`: boxes inside the band from `below`
    points under its bottom (a superscript stands above the baseline) up to its top."""
    low, high = anchor.bottom - below, anchor.top + 1
    return [c for c in all_chars if c.top >= low and c.bottom <= high]


def test_html_and_pdf_declare_the_language_and_direction(pdfs):
    for locale in ("ar", "ar-XB"):
        html = pdfs[locale].with_suffix(".html").read_text("utf-8")
        assert re.search(rf'<html lang="{locale}" dir="rtl">', html), locale
        with pikepdf.open(pdfs[locale]) as pdf:
            assert str(pdf.Root.Lang) == locale
    # Dates in the locale's words and digits (CLDR: Modern Standard Arabic writes Latin digits).
    html = pdfs["ar"].with_suffix(".html").read_text("utf-8")
    assert "تاريخ الإعداد: 16 مارس 2026" in html and "تاريخ المراجعة: 1 مارس 2029" in html


def test_masthead_heading_is_mirrored_to_the_right_margin(pdfs):
    for locale in ("ar", "ar-XB"):
        found, (width, height) = chars(pdfs[locale])
        title = masthead_title(found, height)
        assert abs(max(c.right for c in title) - (width - MARGIN_INLINE)) < 2, locale
        assert min(c.left for c in title) > width / 2, f"{locale}: a short title starts right of the middle"


def test_arabic_text_runs_right_to_left(pdfs):
    found, (_, height) = chars(pdfs["ar"])
    title = masthead_title(found, height)
    assert "".join(c.text for c in title) == "العلاجالهرموني"  # stored in reading order
    assert [c.left for c in title] == sorted((c.left for c in title), reverse=True)  # drawn leftwards


def test_every_character_has_a_glyph_from_the_bundled_font_for_its_script(pdfs):
    found, _ = chars(pdfs["ar"])
    assert found and not [c for c in found if c.text == "\ufffd"]
    arabic = [c for c in found if ARABIC.match(c.text)]
    latin = [c for c in found if c.text.isascii() and c.text.isalpha()]  # digits: either font
    assert arabic and not [(c.text, c.font) for c in arabic if "Leaflet-Arabic" not in c.font]
    assert latin and not [(c.text, c.font) for c in latin if "Leaflet-Sans" not in c.font]


def test_latin_terms_keep_their_order_inside_arabic_text(pdfs):
    found, _ = chars(pdfs["ar"])
    heading = next(c for c in found if c.text == "H")  # HER2 in the first section's heading
    seen = visual(line_of(found, heading))
    # The term reads left to right whole, its minus after HER2, at the line's left end:
    # the Arabic words before it stand to its right, last glyph first.
    assert seen == "ER+/HER2-" + "العلاج الغدي الصماوي لسرطان".replace(" ", "")[::-1]


def test_each_citation_number_sits_next_to_the_word_it_follows(pdfs):
    found, _ = chars(pdfs["ar"])
    body = max(c.size for c in found if ARABIC.match(c.text) and c.font.endswith("Leaflet-Arabic"))
    cites = [c for c in found if c.text.isdigit() and c.size < 0.8 * body and "Leaflet-Sans" in c.font]
    assert [c.text for c in cites] == ["1", "2", "2"]  # paragraph (two sentences), then the callout
    expected = ["1.ER", "2.CDK4/6", "2." + "السرطان"[::-1]]
    for cite, follows in zip(cites, expected):
        line = sorted(line_of(found, cite, below=6), key=lambda c: c.left)
        at = line.index(cite)
        seen = "".join(c.text for c in line[at:at + len(follows)])
        assert seen == follows, f"citation {cite.text} reads {seen!r}, expected {follows!r}"
        stop = line[at + 1]
        assert stop.left - cite.right < 1 * MM, "the number stands within 1 mm of the full stop after the word"


def test_latin_runs_become_isolates():
    nodes = isolate_ltr_runs([Text("أورام HR+/HER2- أو HR+/HER2+ (نحو 20%) في 2023;15(19):4689.")])
    assert [n.text for n in nodes if isinstance(n, Isolate)] == ["HR+/HER2-", "HR+/HER2+", "20%",
                                                                  "2023;15(19):4689"]
    assert "".join(n.text for n in nodes) == "أورام HR+/HER2- أو HR+/HER2+ (نحو 20%) في 2023;15(19):4689."


def test_locales_know_their_direction_and_script():
    assert (direction("ar"), script("ar")) == ("rtl", "Arab")
    assert (direction("ar-XB"), script("ar-XB")) == ("rtl", "Latn")
    assert (direction("ru"), script("ru")) == ("ltr", "Cyrl")
    assert (direction("en-XA"), direction("de")) == ("ltr", "ltr")


def test_body_text_and_list_markers_stand_at_the_right(pdfs):
    found, (width, _) = chars(pdfs["ar"])
    first_cite = next(c for c in found if c.text == "1" and "Leaflet-Sans" in c.font)
    line = line_of(found, first_cite, below=6)  # the paragraph's only line, ragged on the left
    assert abs(max(c.right for c in line) - (width - MARGIN_INLINE)) < 2
    bullets = [c for c in found if c.text == "\u2022" and c.bottom > 100]
    assert len(bullets) == 2
    for bullet in bullets:
        item = [c for c in line_of(found, bullet, below=4) if c is not bullet]
        assert item and bullet.left > max(c.right for c in item), "the marker stands right of its item"
        assert bullet.right <= width - MARGIN_INLINE + 1


def test_the_glyph_check_knows_the_arabic_font(tmp_path):
    from leaflets.checks.glyphs import coverage

    covered = coverage(ROOT)
    assert {ord(c) for c in "العلاج الهرموني،؛؟"} <= covered  # letters and Arabic punctuation
    assert ord("א") not in covered  # Hebrew: no bundled font, so the check still reports it
    shutil.copytree(ROOT / "styles", tmp_path / "styles",
                    ignore=shutil.ignore_patterns("NotoNaskhArabic-*"))
    assert ord("ع") not in coverage(tmp_path)  # the coverage is read from the files themselves


def test_every_printed_address_lies_inside_its_link(pdfs, capsys):
    """Set solid to keep the leading even, a web address's link box missed its letters (the
    preflight rule reads every character's box back with PDFium)."""
    from leaflets.preflight import main

    main([str(pdfs["ar"])], None)
    lines = [line.split() for line in capsys.readouterr().out.splitlines() if "links.urls" in line]
    assert lines and lines[0][0] == "PASS", lines
