"""Tests for leaflets.preflight on PDFs made by WeasyPrint and by hand with pikepdf."""

from __future__ import annotations

import gc
import io
from datetime import date
import struct
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from weasyprint import HTML, Attachment

from leaflets import finishing
from leaflets.preflight import PdfReport, RuleResult, evaluate, format_report, inspect_pdf, main

FONT = Path(__file__).parents[1] / "styles/fonts/NotoSans-Regular.ttf"
PRINT_IDS = {"x.claimed", "x.output-intent", "x.trimbox", "x.bleed", "x.cmyk-only", "x.text-safe-zone",
             "x.image-resolution", "x.no-annotations", "x.colour-spaces-used", "x.xmp-properties", "x.trapped"}
TAGGING_IDS = {"ua.artifact-hyphens", "ua.artifact-furniture", "ua.marked-content", "ua.lang-values", "links.urls"}
SCREEN_IDS = {"ua.claimed", "ua.marked", "ua.struct-tree", "ua.lang", "ua.display-doc-title", "ua.title",
              "ua.outline", "ua.headings", "ua.figures-alt"} | TAGGING_IDS
ARCHIVE_IDS = {"a.claimed", "a.output-intent", "a.attachments", "a.af", "a.mime-types", "a.xmp-extension"} | TAGGING_IDS
GENERIC_IDS = {"pdf.opens", "fonts.embedded", "fonts.tounicode", "meta.title", "meta.xmp", "pdf.id", "links.area",
               "links.target"}
# The project's finishing steps for each variant (leaflets/profiles.py), so that a file made
# here is as clean as an edition and a test's fault is the only one.
FINISHING = {"pdf/x-4": ("drop_link_annotations", "drop_unused_colour_spaces", "pdfx4_metadata"),
             "pdf/ua-1": ("drop_unused_colour_spaces",),
             "pdf/a-3b": ("drop_unused_colour_spaces", "attachment_types_and_af")}
ARTICLE = "<h1>Taking your tablets</h1><p>Swallow one tablet with water.</p><h2>Side effects</h2><p>Rare.</p>"

Build = Callable[..., Path]


def _s15(value: float) -> bytes:
    """Encode an ICC s15Fixed16Number."""
    return struct.pack(">i", round(value * 65536))


def _lut8(inputs: int, outputs: int, grid: list[int]) -> bytes:
    """Encode an ICC lut8Type with identity curves and a two-point grid."""
    identity = b"".join(_s15(1.0 if i % 4 == 0 else 0.0) for i in range(9))
    curves = bytes(range(256))
    return b"mft1" + bytes(4) + bytes([inputs, outputs, 2, 0]) + identity + curves * inputs + bytes(grid) + \
        curves * outputs


def cmyk_icc_profile(name: str = "Preflight test CMYK") -> bytes:
    """Return a small, crude but well-formed ICC v2 CMYK output profile."""
    to_lab = [v for ink in range(16) for v in (0 if ink else 255, 128, 128)]  # any ink: black
    from_lab = [v for index in range(8) for v in (0, 0, 0, 0 if index >= 4 else 255)]  # dark L: black
    desc = name.encode("ascii") + b"\0"
    tags = [
        (b"desc", b"desc" + bytes(4) + struct.pack(">I", len(desc)) + desc + bytes(8) + bytes(3) + bytes(67)),
        (b"cprt", b"text" + bytes(4) + b"No copyright, use freely\0"),
        (b"wtpt", b"XYZ " + bytes(4) + _s15(0.9642) + _s15(1.0) + _s15(0.8249)),
        (b"A2B0", _lut8(4, 3, to_lab)),
        (b"B2A0", _lut8(3, 4, from_lab)),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += bytes(-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    header = (struct.pack(">I", offset + len(data)) + bytes(4) + struct.pack(">I", 0x02100000) + b"prtrCMYKLab "
              + struct.pack(">6H", 2024, 1, 1, 0, 0, 0) + b"acsp" + bytes(24) + bytes(4)
              + _s15(0.9642) + _s15(1.0) + _s15(0.8249) + bytes(48))
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def html(body: str, css: str = "", title: str | None = "Leaflet", lang: str | None = "en") -> str:
    """Return a small leaflet page that uses the bundled Noto Sans font."""
    title_tag = f"<title>{title}</title>" if title else ""
    lang_attr = f' lang="{lang}"' if lang else ""
    return (f'<!doctype html><html{lang_attr}><head><meta charset="utf-8">{title_tag}<style>'
            f"@font-face {{ font-family: Leaflet; src: url({FONT.as_uri()}); }}"
            f"body {{ font-family: Leaflet; }} {css}</style></head><body>{body}</body></html>")


@pytest.fixture(scope="module")
def assets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Write the CMYK profile and test images once."""
    folder = tmp_path_factory.mktemp("assets")
    (folder / "cmyk.icc").write_bytes(cmyk_icc_profile())
    Image.new("L", (30, 30), 128).save(folder / "grey.png")
    (folder / "not-a-pdf.pdf").write_text("Dear printer, this is a text file.\n")
    return folder


@pytest.fixture(scope="module")
def print_css(assets: Path) -> Callable[..., str]:
    """Return CSS for an A4 PDF/X-4 page with the test CMYK profile as output intent."""
    def css(bleed: str = "3mm", margin: str = "20mm", marks: str = "none", colour: str = "device-cmyk(0 0 0 1)") -> str:
        return (f"@color-profile device-cmyk {{ src: url({(assets / 'cmyk.icc').as_uri()}); "
                f"components: c, m, y, k; }}"
                f"@page {{ size: 210mm 297mm; bleed: {bleed}; marks: {marks}; margin: {margin}; }}"
                f"body {{ color: {colour}; }}")
    return css


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory, assets: Path) -> Build:
    """Return a function that renders HTML to a PDF file with WeasyPrint."""
    folder = tmp_path_factory.mktemp("pdfs")

    def render(name: str, document: str, **options: object) -> Path:
        target = folder / f"{name}.pdf"
        with warnings.catch_warnings():
            # WeasyPrint 70 never closes the sRGB profile it opens for PDF/A output intents
            # (weasyprint/pdf/__init__.py:151); collect it here, where its ResourceWarning is ignored.
            warnings.simplefilter("ignore", ResourceWarning)
            options.setdefault("pdf_identifier", True)
            facts = finishing.EditionFacts("TEST-0001", date(2026, 1, 1), 0.0)
            steps = FINISHING.get(str(options.get("pdf_variant")), ())
            HTML(string=document, base_url=f"{assets.as_uri()}/").write_pdf(
                target, finisher=finishing.finisher(steps, facts), **options)
            gc.collect()
        return target
    return render


def results_by_id(report: PdfReport, profile: str | None = None) -> dict[str, RuleResult]:
    """Evaluate a report and index the results by rule id."""
    return {result.rule: result for result in evaluate(report, profile)}


def failed(results: dict[str, RuleResult]) -> set[str]:
    """Return the ids of failed rules."""
    return {rule for rule, result in results.items() if not result.passed}


@pytest.fixture(scope="module")
def print_pdf(build: Build, print_css: Callable[..., str]) -> Path:
    """A PDF/X-4 leaflet that should pass every print rule."""
    return build("print-good", html(ARTICLE, print_css()), pdf_variant="pdf/x-4")


@pytest.fixture(scope="module")
def print_report(print_pdf: Path) -> PdfReport:
    """The facts of the good PDF/X-4 leaflet."""
    return inspect_pdf(print_pdf)


def test_page_boxes_are_reported_in_millimetres(print_report: PdfReport) -> None:
    boxes = print_report.pages[0].boxes
    assert (boxes.trim.left, boxes.trim.bottom, boxes.trim.width, boxes.trim.height) == pytest.approx(
        (0.0, 0.0, 210.0, 297.0), abs=0.05)
    assert (boxes.media.left, boxes.media.bottom, boxes.media.right, boxes.media.top) == pytest.approx(
        (-3.0, -3.0, 213.0, 300.0), abs=0.05)
    assert boxes.bleed == boxes.media
    assert boxes.crop is None


def test_print_facts(print_report: PdfReport) -> None:
    assert print_report.version == "1.6"
    assert print_report.claims.pdfx_version == "PDF/X-4"
    assert print_report.claims.pdfa_part is None and print_report.claims.pdfua_part is None
    assert [(i.subtype, i.condition) for i in print_report.output_intents] == [("/GTS_PDFX", "Preflight test CMYK")]
    assert print_report.title == "Leaflet" and print_report.lang == "en"
    assert print_report.colour_uses("CMYK") > 0 and print_report.colour_uses("RGB") == 0
    assert print_report.outline_count == 2  # WeasyPrint bookmarks the h1 and the h2
    assert print_report.fonts and all(f.embedded and f.subset and f.to_unicode for f in print_report.fonts)
    assert {f.subtype for f in print_report.fonts} == {"Type0"}
    assert print_report.pages[0].text_margin_mm == pytest.approx(22.1, abs=1.0)  # 20 mm page margin + body margin


def test_good_pdfx4_passes_every_print_rule(print_report: PdfReport) -> None:
    results = results_by_id(print_report)  # the profile comes from the PDF/X claim
    assert set(results) == GENERIC_IDS | PRINT_IDS
    assert failed(results) == set()


def test_rgb_colour_fails_cmyk_only(build: Build, print_css: Callable[..., str]) -> None:
    pdf = build("print-rgb", html(ARTICLE, print_css(colour="rgb(200, 0, 0)")), pdf_variant="pdf/x-4")
    report = inspect_pdf(pdf)
    assert report.colour_uses("RGB") > 0
    assert failed(results_by_id(report, "print")) == {"x.cmyk-only"}


def test_weasyprint_crop_marks_are_drawn_in_rgb(build: Build, print_css: Callable[..., str]) -> None:
    # WeasyPrint 70 draws crop marks as an SVG with stroke="black", i.e. in DeviceRGB,
    # even in a PDF/X-4 file. If this starts failing, WeasyPrint draws them in CMYK now.
    pdf = build("print-marks", html(ARTICLE, print_css(marks="crop")), pdf_variant="pdf/x-4")
    assert failed(results_by_id(inspect_pdf(pdf), "print")) == {"x.cmyk-only"}


def test_missing_bleed_fails_bleed_rule(build: Build, print_css: Callable[..., str]) -> None:
    pdf = build("print-no-bleed", html(ARTICLE, print_css(bleed="0")), pdf_variant="pdf/x-4")
    report = inspect_pdf(pdf)
    assert report.pages[0].boxes.bleed == report.pages[0].boxes.trim
    results = results_by_id(report, "print")
    assert failed(results) == {"x.bleed"}
    assert "left 0.0 mm" in results["x.bleed"].message


def test_eighth_inch_bleed_passes(build: Build, print_css: Callable[..., str]) -> None:
    pdf = build("print-inch-bleed", html(ARTICLE, print_css(bleed="0.125in")), pdf_variant="pdf/x-4")
    report = inspect_pdf(pdf)
    bleed = report.pages[0].boxes.bleed
    assert (bleed.left, bleed.width) == pytest.approx((-3.175, 216.35), abs=0.05)
    assert results_by_id(report, "print")["x.bleed"].passed


def test_text_near_trim_fails_safe_zone(build: Build, print_css: Callable[..., str]) -> None:
    pdf = build("print-near-trim", html(ARTICLE, print_css(margin="1mm")), pdf_variant="pdf/x-4")
    report = inspect_pdf(pdf)
    assert report.pages[0].text_margin_mm < 5.0
    results = results_by_id(report, "print")
    assert failed(results) == {"x.text-safe-zone"}
    assert "page 1" in results["x.text-safe-zone"].message


def test_image_resolution_is_measured_as_drawn(build: Build, print_css: Callable[..., str]) -> None:
    body = '<p>Scan</p><img src="grey.png" alt="" style="width: 96px"><img src="grey.png" alt="" style="width: 7px">'
    report = inspect_pdf(build("print-images", html(body, print_css()), pdf_variant="pdf/x-4"))
    assert [(i.width_px, i.height_px, i.colour) for i in report.images] == [(30, 30, "Gray")] * 2
    assert [i.ppi for i in report.images] == pytest.approx([30.0, 30 / (7 / 96)], rel=0.01)  # 96 CSS px = 1 in
    results = results_by_id(report, "print")
    assert failed(results) == {"x.image-resolution"}
    assert "30 ppi" in results["x.image-resolution"].message


def test_format_report_shows_boxes_in_mm_and_results(print_report: PdfReport) -> None:
    text = format_report(print_report, evaluate(print_report))
    assert "TrimBox   210.0 x 297.0 mm at (0.0, 0.0)" in text
    assert "MediaBox  216.0 x 303.0 mm at (-3.0, -3.0)" in text
    assert "claims:  PDF/X-4" in text
    assert "PASS  x.bleed" in text and "FAIL" not in text


@pytest.fixture(scope="module")
def ua_report(build: Build) -> PdfReport:
    """The facts of a tagged PDF/UA-1 leaflet with headings and an image with alt text."""
    body = ARTICLE + '<img src="grey.png" alt="A grey square" style="width: 20px">'
    return inspect_pdf(build("screen-good", html(body), pdf_variant="pdf/ua-1"))


def test_tagged_pdfua_passes_screen_rules(ua_report: PdfReport) -> None:
    assert ua_report.claims.pdfua_part == "1"
    assert ua_report.marked and ua_report.struct_tree and ua_report.display_doc_title
    assert ua_report.heading_levels == (1, 2)
    assert (ua_report.figure_count, ua_report.figures_without_alt) == (1, 0)
    results = results_by_id(ua_report)
    assert set(results) == GENERIC_IDS | SCREEN_IDS
    assert failed(results) == set()


def test_untagged_pdf_fails_structure_rules(build: Build) -> None:
    report = inspect_pdf(build("screen-untagged", html(ARTICLE)))
    assert set(results_by_id(report)) == GENERIC_IDS  # claims nothing, so only generic rules
    # Without a PDF variant WeasyPrint writes no XMP at all, so there is no dc:title either.
    assert failed(results_by_id(report, "screen")) == {
        "ua.claimed", "ua.struct-tree", "ua.marked", "ua.display-doc-title", "ua.title"}


def test_skipped_heading_level_and_missing_alt_fail(build: Build) -> None:
    body = '<h1>Leaflet</h1><h3>Too deep</h3><img src="grey.png" style="width: 20px">'
    report = inspect_pdf(build("screen-bad", html(body), pdf_variant="pdf/ua-1"))
    results = results_by_id(report, "screen")
    assert failed(results) == {"ua.headings", "ua.figures-alt"}
    assert "H3 after H1" in results["ua.headings"].message


def test_missing_title_and_lang_fail(build: Build) -> None:
    report = inspect_pdf(build("screen-anonymous", html(ARTICLE, title=None, lang=None), pdf_variant="pdf/ua-1"))
    results = results_by_id(report, "screen")
    assert {"ua.lang", "ua.title", "meta.title"} <= failed(results)


@given(st.lists(st.integers(min_value=-5, max_value=1), max_size=12))
def test_headings_pass_exactly_when_no_level_is_skipped(ua_report: PdfReport, steps: list[int]) -> None:
    levels, level = [], 0
    for step in steps:  # every step goes at most one level deeper
        level = max(1, min(6, level + step))
        levels.append(level)
    good = replace(ua_report, heading_levels=tuple(levels))
    assert results_by_id(good, "screen")["ua.headings"].passed
    bad = replace(ua_report, heading_levels=(*levels, min(6, (levels or [0])[-1] + 2)))
    assert results_by_id(bad, "screen")["ua.headings"].passed == ((levels or [0])[-1] >= 5)


def test_pdfa_with_attachment_passes_archive_rules(build: Build) -> None:
    data = Attachment(string="dose,unit\n1,tablet\n", name="dosage.csv")
    report = inspect_pdf(build("archive", html(ARTICLE), pdf_variant="pdf/a-3b", attachments=[data]))
    assert (report.claims.pdfa_part, report.claims.pdfa_conformance) == ("3", "B")
    assert report.embedded_files == ("dosage.csv",)
    assert [i.subtype for i in report.output_intents] == ["/GTS_PDFA1"]
    results = results_by_id(report)
    assert set(results) == GENERIC_IDS | ARCHIVE_IDS
    assert failed(results) == set()


def test_pdfa_without_attachment_fails_attachments(build: Build) -> None:
    report = inspect_pdf(build("archive-bare", html(ARTICLE), pdf_variant="pdf/a-3b"))
    assert failed(results_by_id(report)) == {"a.attachments"}


def test_damaged_file_fails_pdf_opens(print_pdf: Path, tmp_path: Path) -> None:
    data = print_pdf.read_bytes()
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(data[:data.rindex(b"startxref")] + b"startxref\n12345\n%%EOF\n")  # wrong xref offset
    report = inspect_pdf(damaged)  # qpdf recovers the file ...
    assert report.pages[0].boxes == inspect_pdf(print_pdf).pages[0].boxes
    results = results_by_id(report)
    assert failed(results) == {"pdf.opens"}  # ... but says it was damaged
    assert "xref not found" in " ".join(report.problems)
    assert not [p for p in report.problems if "BytesIO" in p or p.startswith("stream <")]  # qpdf's name for its input


def test_main_reports_unreadable_files_in_one_plain_line(assets: Path) -> None:
    out = io.StringIO()
    assert main([str(assets / "not-a-pdf.pdf"), str(assets / "missing.pdf")], stream=out) == 1
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert all(line.startswith("FAIL  ") and "cannot be opened as a PDF" in line for line in lines)
    assert "Traceback" not in out.getvalue()


def test_main_returns_zero_when_every_rule_passes(print_pdf: Path) -> None:
    out = io.StringIO()
    assert main([str(print_pdf)], stream=out) == 0
    assert "210.0 x 297.0 mm" in out.getvalue()


def test_main_returns_one_when_a_rule_fails(print_pdf: Path) -> None:
    out = io.StringIO()
    assert main([str(print_pdf)], profile="screen", stream=out) == 1
    assert "FAIL  ua.struct-tree" in out.getvalue()


def test_unknown_profile_is_rejected(print_report: PdfReport) -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        evaluate(print_report, "web")


def _handmade_pdf(path: Path) -> Path:
    """Write a PDF exercising forms, inline images, named colour spaces, outlines and role maps."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0]
    icc = pdf.make_stream(cmyk_icc_profile(), N=4)
    image = pdf.make_stream(bytes(100 * 50), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=100,
                            Height=50, ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8)
    helvetica = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                     BaseFont=pikepdf.Name.Helvetica,
                                                     Encoding=pikepdf.Name.WinAnsiEncoding))
    form = pdf.make_stream(b"q 36 0 0 36 0 0 cm /Im0 Do Q /Ink cs 0 0 0 1 scn BT /F1 9 Tf 50 50 Td (Hi) Tj ET",
                           Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form, BBox=[0, 0, 200, 200],
                           Resources=pikepdf.Dictionary(XObject={"/Im0": image}, Font={"/F1": helvetica},
                                                        ColorSpace={"/Ink": [pikepdf.Name.ICCBased, icc]}))
    page.obj.Resources = pikepdf.Dictionary(XObject={"/Fm0": form})
    inline = b"BI /W 4 /H 2 /CS /RGB /BPC 8 ID " + bytes(24) + b" EI"
    page.obj.Contents = pdf.make_stream(b"q 2 0 0 2 0 0 cm /Fm0 Do Q q 72 0 0 36 0 0 cm " + inline + b" Q")
    with pdf.open_outline() as outline:
        chapter = pikepdf.OutlineItem("Chapter", 0)
        chapter.children += [pikepdf.OutlineItem("Part 1", 0), pikepdf.OutlineItem("Part 2", 0)]
        outline.root.append(chapter)
    element = pikepdf.Dictionary
    kids = [element(Type=pikepdf.Name.StructElem, S=pikepdf.Name("/Title")),
            element(Type=pikepdf.Name.StructElem, S=pikepdf.Name.H3),
            element(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Figure, ActualText=pikepdf.String("Logo"))]
    document = pdf.make_indirect(element(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Document,
                                         K=pikepdf.Array([pdf.make_indirect(kid) for kid in kids])))
    pdf.Root.StructTreeRoot = pdf.make_indirect(element(Type=pikepdf.Name.StructTreeRoot, K=document,
                                                        RoleMap=element(Title=pikepdf.Name.H1)))
    pdf.save(path)
    return path


def test_content_walk_follows_forms_inline_images_and_named_colour_spaces(tmp_path: Path) -> None:
    report = inspect_pdf(_handmade_pdf(tmp_path / "handmade.pdf"))
    assert [(i.name, i.width_px, i.colour) for i in report.images] == [("Im0", 100, "Gray"), ("inline image", 4, "RGB")]
    assert [i.ppi for i in report.images] == pytest.approx([50.0, 4.0])  # 36 pt x 2 = 1 in; 72 pt = 1 in
    assert report.colour_uses("CMYK") == 2  # cs to an ICCBased N=4 space, then scn in it
    assert report.colour_uses("RGB") == 1  # the inline RGB image
    assert [(f.name, f.subtype, f.embedded, f.subset) for f in report.fonts] == [("Helvetica", "Type1", False, False)]
    results = results_by_id(report, "print")
    assert not results["fonts.embedded"].passed and results["fonts.tounicode"].passed
    assert report.outline_count == 3
    assert report.heading_levels == (1, 3) and (report.figure_count, report.figures_without_alt) == (1, 0)


def _forms_drawn_again_pdf(path: Path) -> Path:
    """Two pages drawing form T, which draws form S five times at two scales; S (no resources of
    its own) draws the image /Im of whoever draws it: T's 20 px RGB image, or the page's 10 px
    grey one when the page draws S itself."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    pdf.add_blank_page(page_size=(200, 200))
    grey = pdf.make_stream(bytes(10 * 10), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=10,
                           Height=10, ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8)
    rgb = pdf.make_stream(bytes(20 * 20 * 3), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=20,
                          Height=20, ColorSpace=pikepdf.Name.DeviceRGB, BitsPerComponent=8)
    s = pdf.make_stream(b"q 72 0 0 72 0 0 cm /Im Do Q 0 0 0 1 k", Type=pikepdf.Name.XObject,
                        Subtype=pikepdf.Name.Form, BBox=[0, 0, 200, 200])
    t = pdf.make_stream(b"/S Do /S Do /S Do q 2 0 0 2 0 0 cm /S Do /S Do Q 0 0 1 rg", Type=pikepdf.Name.XObject,
                        Subtype=pikepdf.Name.Form, BBox=[0, 0, 200, 200],
                        Resources=pikepdf.Dictionary(XObject={"/S": s, "/Im": rgb}))
    pdf.pages[0].obj.Resources = pikepdf.Dictionary(XObject={"/T": t, "/S": s, "/Im": grey})
    pdf.pages[0].obj.Contents = pdf.make_stream(b"/T Do /T Do /S Do")
    pdf.pages[1].obj.Resources = pikepdf.Dictionary(XObject={"/T": t, "/Im": grey})
    pdf.pages[1].obj.Contents = pdf.make_stream(b"/T Do")
    pdf.save(path)
    return path


def test_a_form_drawn_again_counts_each_time_and_is_read_once_per_place(tmp_path: Path, monkeypatch) -> None:
    """Forms drawn again are counted as often as they are drawn, each time with the resources and
    the scale of the place it is drawn from, but read once per place: a fan-out of forms drawing
    forms ends at once (test_review_inputs: the content bomb) instead of walking each draw."""
    from leaflets.preflight import content

    parsed = []
    parse = pikepdf.parse_content_stream
    monkeypatch.setattr(content.pikepdf, "parse_content_stream", lambda s, *only: parsed.append(s) or parse(s, *only))
    report = inspect_pdf(_forms_drawn_again_pdf(tmp_path / "again.pdf"))
    t_draw = [(1, "Im", "RGB", 20.0)] * 3 + [(1, "Im", "RGB", 10.0)] * 2  # S at scale 1 (1 in), then 2
    assert [(i.page, i.name, i.colour, i.ppi) for i in report.images] == \
        t_draw * 2 + [(1, "Im", "Gray", 10.0)] + [(2, *image[1:]) for image in t_draw]
    assert report.colour_uses("CMYK") == 16  # one k for each of the 16 draws of S
    assert report.colour_uses("RGB") == 3 + 15  # one rg for each T, and each RGB image drawn
    # Walked: each page once, T once per page, S once per place it is drawn from (two scales in
    # T on each page, and page 1 itself), not once per draw (21 streams); then, for the check of
    # things drawing themselves, each page once and each form once for each set of resources it is
    # drawn with (T its own; S, which has none, T's and page 1's).
    assert len(parsed) == 9 + 5
