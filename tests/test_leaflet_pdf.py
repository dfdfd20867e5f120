"""The shipped a/mBC leaflet, read back from its PDF as a patient or a reviewer would."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess

import pikepdf
import pypdf
import pypdfium2
import pytest
from fontTools.ttLib import TTFont

from expected_ambc import ABBREVIATIONS, BODY, FURTHER_READING, REFERENCES, URLS
from pdfread import find_in_order, page_texts, reading_text, squash

MM = 72 / 25.4
SECTION_HEADINGS = {  # the level-2 headings of the body, which set the running header
    "Advanced/metastatic breast cancer", "Hormone receptor-positive (HR+) tumors",
    "Human epidermal growth factor receptor 2 (HER2) in a/mBC", "Types of a/mBC",
    "Prevalence and outcomes", "Treatment of a/mBC",
}


def test_every_seed_sentence_is_printed_in_order(a4_pdf):
    assert find_in_order(reading_text(a4_pdf), BODY) == []


def test_references_are_numbered_in_order_of_first_citation(a4_pdf):
    # Read with poppler in layout order: the numbers are list markers (tagged Lbl), drawn after
    # their entries, which pypdf and raw order put elsewhere. Poppler joins a URL broken after
    # a hyphen ("EN-Breast-" / "Cancer") as if hyphenated, so hyphens are left out of the match.
    text = subprocess.run(["pdftotext", str(a4_pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    back = text[text.index("References"):].replace("-", "").replace("\u2010", "")
    entries = [f"{number}. {entry}".replace("-", "") for number, entry in enumerate(REFERENCES, 1)]
    assert find_in_order(back, entries) == []
    text = reading_text(a4_pdf)
    back = text[text.index("References"):]
    assert find_in_order(back, ["Other sources consulted", *FURTHER_READING]) == []


def test_uncited_source_carries_no_number(a4_pdf):
    back = squash(reading_text(a4_pdf)).split("Othersourcesconsulted")[1]
    assert not re.match(r"\d+\.", back)
    assert back.startswith("Referencedwithpermission")


def test_abbreviations_are_sorted_and_complete(a4_pdf):
    text = reading_text(a4_pdf)
    section = text[text.index("Abbreviations"):text.index("References")]
    assert find_in_order(section, [f"{term} {expansion}" for term, expansion in ABBREVIATIONS]) == []
    terms = [term for term, _ in ABBREVIATIONS]
    assert terms == sorted(terms, key=str.casefold)
    assert "cyclin D kinase" not in text


def test_superscripts_are_set_smaller_and_raised(a4_pdf):
    """The numbers after 'aggressive.' are superscript: smaller glyphs, above the baseline."""
    page = pypdfium2.PdfDocument(a4_pdf)[1]
    text = page.get_textpage()
    full = text.get_text_range()
    index = full.index("aggressive.") + len("aggressive.")
    body_box = text.get_charbox(index - 2)   # the "e" of "aggressive"
    sup_box = text.get_charbox(index)        # the "3" of "3,5"
    assert full[index:index + 3] == "3,5"
    assert (sup_box[3] - sup_box[1]) < 0.8 * (body_box[3] - body_box[1]) + 1
    assert sup_box[1] > body_box[1] + 1  # its bottom sits above the baseline


def test_citations_link_to_their_reference(a4_pdf):
    pdf = pikepdf.open(a4_pdf)
    targets = set()
    for page in pdf.pages:
        for annot in page.get("/Annots", []):
            dest = annot.get("/Dest")
            action = annot.get("/A")
            if dest is not None and isinstance(dest, pikepdf.String):
                targets.add(str(dest))
            elif action is not None and "/D" in action:
                targets.add(str(action.D))
    assert {f"ref-{n}" for n in range(1, len(REFERENCES) + 1)} <= targets


def test_reference_urls_are_live_links(a4_pdf):
    reader = pypdf.PdfReader(a4_pdf)
    uris = {annot.get_object()["/A"]["/URI"] for page in reader.pages
            for annot in page.get("/Annots", []) if "/URI" in annot.get_object().get("/A", {})}
    assert set(URLS) <= uris


def test_metadata(a4_pdf):
    reader = pypdf.PdfReader(a4_pdf)
    info = reader.metadata
    assert info.title == "Advanced/metastatic breast cancer (a/mBC)"
    assert info.author == "Patient Information Service"
    assert info.subject.startswith("Patient information on advanced/metastatic breast cancer")
    assert "HER2" in info["/Keywords"]
    assert info.creation_date.date() == dt.date(2026, 3, 2)
    with pikepdf.open(a4_pdf) as pdf:
        assert str(pdf.Root.Lang) == "en"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        with pdf.open_metadata() as xmp:
            assert xmp["dc:title"] == "Advanced/metastatic breast cancer (a/mBC)"


@pytest.mark.parametrize("paper, size_mm", [("a4", (210, 297)), ("letter", (215.9, 279.4))])
def test_page_size(built, paper, size_mm):
    reader = pypdf.PdfReader(built[("ambc", "en", paper, "screen")])
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width) / MM, 1), round(float(box.height) / MM, 1)) == size_mm


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_footer_on_every_page(built, paper):
    path = built[("ambc", "en", paper, "screen")]
    pages = page_texts(path)
    code = "AMBC-EN-A4-0001" if paper == "a4" else "AMBC-EN-LTR-0001"
    assert len(pages) >= 2
    for number, text in enumerate(pages, 1):
        flat = " ".join(text.split())
        assert f"Page {number} of {len(pages)}" in flat
        assert code in flat
        assert "Date of preparation: March 2, 2026" in flat


def test_running_header_names_the_current_section(a4_pdf):
    """From page 2 on, the header names the section the page starts in (or opens with); the back
    matter's pages name themselves."""
    sections = [line for line in BODY if line in SECTION_HEADINGS]
    current, back_matter = None, False
    for number, text in enumerate(page_texts(a4_pdf), 1):
        lines = [" ".join(line.split()) for line in text.splitlines()]
        header = next((line for line in lines if line.startswith("Advanced/metastatic breast cancer ")), None)
        body_headings = [line for line in lines if line in sections]
        if number == 1:
            assert header is None  # the masthead replaces the header on page 1
        elif "Abbreviations" in lines or back_matter:  # the back matter is a named page of its own
            back_matter = True
            assert header == "Advanced/metastatic breast cancer Abbreviations and references"
            assert not body_headings
        else:
            opening = lines[0] if lines[0] in sections else current
            assert header == f"Advanced/metastatic breast cancer {opening}"
        if body_headings:
            current = body_headings[-1]


def test_fonts_are_the_bundled_ones_embedded_and_subset(a4_pdf):
    with pikepdf.open(a4_pdf) as pdf:
        fonts = {str(font.BaseFont): font for page in pdf.pages
                 for font in page.Resources.get("/Font", {}).values()}
        assert fonts
        for name, font in fonts.items():
            assert re.match(r"^/[A-Z]{6}\+Leaflet-Sans", name), name
            assert "/ToUnicode" in font, name
            descriptor = font.DescendantFonts[0].FontDescriptor
            assert "/FontFile2" in descriptor, name  # the TrueType program is embedded
            # Only the bundled files are declared under this family: no system font slipped in.
            assert str(descriptor.FontFamily) == "Leaflet Sans", name
            TTFont(io.BytesIO(descriptor.FontFile2.read_bytes()))  # a well-formed font program
    weights = {re.sub(r"^/[A-Z]{6}\+", "", name) for name in fonts}
    assert {"Leaflet-Sans", "Leaflet-Sans-Bold", "Leaflet-Sans-Italic"} <= weights


def test_outline_follows_the_headings(a4_pdf):
    reader = pypdf.PdfReader(a4_pdf)

    def titles(items):
        for item in items:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield item.title

    outline = list(titles(reader.outline))
    assert outline[0] == "Advanced/metastatic breast cancer (a/mBC)"
    for heading in ("Hormone receptor-positive (HR+) tumors", "Types of a/mBC",
                    "Endocrine therapy for ER+/HER2- a/mBC", "Abbreviations", "References"):
        assert heading in outline


def test_body_lines_stay_under_75_characters(a4_pdf):
    pages = page_texts(a4_pdf)
    body = "\n".join(pages)
    body = body[:body.index("Abbreviations\n")]
    lines = [line for line in body.splitlines()
             if not re.search(r"Page \d+ of \d+|^Job code", line)]
    assert max(len(line.rstrip()) for line in lines) <= 75


def test_first_page_has_the_coloured_masthead(a4_pdf):
    image = pypdfium2.PdfDocument(a4_pdf)[0].render(scale=0.5).to_pil().convert("RGB")
    width, _ = image.size
    assert image.getpixel((5, 5)) == (0x00, 0x60, 0x6C)           # band reaches the page edge
    assert image.getpixel((width // 2, image.size[1] - 5)) == (255, 255, 255)
