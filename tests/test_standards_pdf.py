"""The editions as independent readers see them (issue: standards): pikepdf/qpdf for objects and
metadata, PDFium (pypdfium2) for text, marked content and the structure tree, pypdf for the
trailer, Ghostscript for the print plates. Every declared edition is checked, whatever
leaflets are under source/."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pypdf
import pytest
from lxml import etree, html

import pdfium_read

HYPHEN = "\u2010"


def _editions(built: dict, profile: str) -> list[Path]:
    return [path for key, path in sorted(built.items()) if key[3] == profile]


@pytest.fixture(scope="module")
def screen(built):
    return _editions(built, "screen")


@pytest.fixture(scope="module")
def print_files(built):
    return _editions(built, "print")


@pytest.fixture(scope="module")
def archive(built):
    return _editions(built, "archive")


def _links(path: Path) -> list[tuple[int, tuple[float, float, float, float], str]]:
    """(page index, rectangle, 'dest:NAME' or 'uri:URL') of every link annotation (pikepdf)."""
    found = []
    with pikepdf.open(path) as pdf:
        for index, page in enumerate(pdf.pages):
            for annot in page.obj.get("/Annots", ()):
                if annot.get("/Subtype") != "/Link":
                    continue
                x0, y0, x1, y1 = (float(v) for v in annot.Rect)
                rect = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
                target = f"dest:{annot.Dest}" if "/Dest" in annot else f"uri:{annot.A.URI}"
                found.append((index, rect, target))
    return found


def _inside(box, rect, slack=0.25) -> bool:
    """A glyph lies inside a link: its ink top to bottom, and its centre across (the ink of an
    italic or an `f` may overhang its advance, which is all a link covers)."""
    centre = (box[0] + box[2]) / 2
    return rect[0] <= centre <= rect[2] and rect[1] - slack <= box[1] and box[3] <= rect[3] + slack


def _html(path: Path):
    return html.fromstring(path.with_suffix(".html").read_bytes())


# 1. Links that work -------------------------------------------------------------------------

def test_every_citation_number_lies_inside_a_link_to_its_reference(screen, archive):
    for path in screen + archive:
        pages = pdfium_read.chars(path)
        links = _links(path)
        cited = [a.text_content() for a in _html(path).xpath("//sup[contains(@class, 'cite')]//a")]
        internal = [(page, rect, target) for page, rect, target in links if target.startswith("dest:ref-")]
        assert len(internal) == len(cited) > 0, path.name
        with pikepdf.open(path) as pdf:
            names = dict(pikepdf.NameTree(pdf.Root.Names.Dests).items())
            page_of = {page.objgen: index for index, page in enumerate(pdf.pages)}
            for page, rect, target in internal:
                number = target.removeprefix("dest:ref-")
                assert rect[3] - rect[1] >= 4 and rect[2] - rect[0] >= 2, (path.name, rect)  # a tap target
                covered = "".join(char for char, box in pages[page] if _inside(box, rect))
                assert covered == number, (path.name, page, rect, covered)
                # the destination is the reference entry that starts with this number
                destination = names[f"ref-{number}"]
                dest_page = page_of[destination[0].objgen]
                x, y = float(destination[2]), float(destination[3])
                entry = "".join(char for char, box in sorted(  # left to right: the number hangs left of x
                    ((char, box) for char, box in pages[dest_page]
                     if box[0] >= x - 20 and y - 14 <= box[3] <= y + 1 and box[0] < x + 30), key=lambda c: c[1][0]))
                assert entry.startswith(f"{number}."), (path.name, number, entry)


def test_every_url_character_lies_inside_a_link_to_that_url(screen, archive):
    for path in screen + archive:
        pages = pdfium_read.chars(path)
        urls = sorted({a.get("href") for a in _html(path).xpath("//a[starts-with(@href, 'http')]")})
        assert urls, path.name
        links = _links(path)  # read once: every character below is tested against them
        by_url: dict[str, list] = {}
        for page, rect, target in links:
            if target.startswith("uri:"):
                by_url.setdefault(target[4:], []).append((page, rect))
        assert sorted(by_url) == urls, path.name
        for url, rects in by_url.items():
            # in reading order, each character once (a line's link box and a span's inside it overlap)
            covered = "".join(pages[page][i][0] for page, i in sorted(
                {(page, i) for page, rect in rects for i, (_, box) in enumerate(pages[page]) if _inside(box, rect)}))
            assert covered.replace(HYPHEN, "").replace("\x02", "-") == url.replace(" ", ""), (path.name, url, covered)
        # and no printed URL lies outside every link
        for index, page_chars in enumerate(pages):
            text = "".join(char for char, _ in page_chars)
            for match in re.finditer(r"https?://", text):
                for char, box in page_chars[match.start():match.end()]:
                    assert any(_inside(box, rect) for page, rect, t in links if page == index and
                               t.startswith("uri:")), (path.name, index)


# 2. Furniture and marks as artifacts ----------------------------------------------------------

def test_draft_marks_and_layout_hyphens_are_artifacts(screen, archive):
    drafts = 0
    for path in screen + archive:
        objects = pdfium_read.text_objects(path)
        marks = _html(path).xpath("//*[contains(@class, 'draft-mark')]")
        if marks:
            drafts += 1
            # bidi marks (the ar-XB pseudo-locale wraps words in U+200F) are not drawn
            word = marks[0].text_content().strip().replace("\u200f", "")
            drawn = [o for o in objects if o.text.strip().replace("\u200f", "") == word]
            assert drawn and all("Artifact" in o.marks for o in drawn), (path.name, drawn[:2])
        hyphens = [o for o in objects if HYPHEN in o.text]
        assert all("Artifact" in o.marks for o in hyphens), (path.name, [o for o in hyphens if "Artifact" not in o.marks][:2])
        assert all(o.marks for o in objects if o.text.strip()), path.name  # nothing untagged
    # the structure tree (pikepdf) refers to no marked content that is an artifact
    for path in screen + archive:
        artifact_mcids = {(o.page, o.mcid) for o in pdfium_read.text_objects(path)
                          if o.mcid is not None and o.marks[-1:] == ("Artifact",) and len(o.marks) == 1}
        assert not artifact_mcids
    assert drafts or not any("draft" in p.name for p in screen)


def test_the_structure_tree_holds_no_draft_mark(screen):
    for path in screen:
        marks = _html(path).xpath("//*[contains(@class, 'draft-mark')]")
        if not marks:
            continue
        word = marks[0].text_content().strip()
        objects = pdfium_read.text_objects(path)
        tagged = {(o.page, o.mcid) for o in objects if o.mcid is not None and "Artifact" not in o.marks}
        with pikepdf.open(path) as pdf:
            nums = pdf.Root.StructTreeRoot.ParentTree.Nums
            for key, value in zip(list(nums)[::2], list(nums)[1::2]):
                if not isinstance(value, pikepdf.Array):
                    continue
                for mcid, element in enumerate(value):
                    if isinstance(element, pikepdf.Dictionary) and (int(key) + 1, mcid) in tagged:
                        text = "".join(o.text for o in objects if (o.page, o.mcid) == (int(key) + 1, mcid))
                        assert text.strip() != word, path.name


def test_foreign_titles_carry_their_own_language(screen, archive):
    checked = 0
    for path in screen + archive:
        spans = _html(path).xpath("//*[@lang and not(self::html)]")
        if not spans:
            continue
        objects = pdfium_read.text_objects(path)
        languages = pdfium_read.struct_languages(path)
        for span in spans:
            text = re.sub(r"\s+", "", span.text_content())
            lang = span.get("lang")
            tagged = "".join(o.text for page, value, ids in languages if value == lang
                             for o in objects if o.page == page and o.mcid in ids)
            assert text in re.sub(r"\s+", "", tagged.replace(HYPHEN, "")), (path.name, text)
            checked += 1
        with pikepdf.open(path) as pdf:  # a second reader agrees: the tree has Span /Lang entries
            values = [str(e.get("/Lang")) for e in _struct_elements(pdf) if "/Lang" in e]
            assert values.count(spans[0].get("lang")) >= len(spans)
    langs = {key for key in ("de", "es")}
    assert checked or not any(f"-{lang}-" in p.name for p in screen for lang in langs)


def _struct_elements(pdf):
    stack, seen = [pdf.Root.StructTreeRoot.get("/K")], set()
    while stack:
        kids = stack.pop()
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and kid.objgen not in seen:
                seen.add(kid.objgen)
                yield kid
                stack.append(kid.get("/K"))


# 4. Print editions ------------------------------------------------------------------------------

def test_print_files_have_no_annotations_and_keep_their_urls_printed(print_files):
    assert print_files
    for path in print_files:
        assert pdfium_read.annotation_counts(path) == [0] * len(pdfium_read.annotation_counts(path))
        with pikepdf.open(path) as pdf:
            assert not any("/Annots" in page.obj for page in pdf.pages)
            assert not [obj for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary)
                        and obj.get("/Subtype") == "/Link"]
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "https://" in text


def test_print_files_declare_only_colour_spaces_they_use(print_files):
    for path in print_files:
        with pikepdf.open(path) as pdf:
            for page in pdf.pages:
                declared = set(page.obj.Resources.get("/ColorSpace", {}).keys())
                used = {str(operands[0]) for operands, op in pikepdf.parse_content_stream(page)
                        if str(op) in ("cs", "CS")}
                assert declared <= used, (path.name, declared - used)
                assert not {"/lab-d50", "/lab-d65"} & declared


def test_print_xmp_holds_pdfx4_properties_trapped_and_an_id(print_files):
    for path in print_files:
        with pikepdf.open(path) as pdf:
            xmp = pdf.open_metadata()
            assert xmp.get("pdfxid:GTS_PDFXVersion") == "PDF/X-4"
            assert "GTS_PDFXConformance" not in str(xmp)
            assert xmp.get("pdf:Trapped") == "False" and pdf.trailer.Info.Trapped == "/False"
            assert len(pdf.trailer.ID) == 2
        reader = pypdf.PdfReader(path)  # a second reader
        assert reader.trailer.get("/ID") and reader.metadata.get("/Trapped") == "/False"


def test_print_separations_are_cmyk_only_with_marks_outside_the_bleed(print_files, tmp_path):
    gs = shutil.which("gs")
    if gs is None:
        pytest.skip("Ghostscript is not installed")
    from PIL import Image

    path = print_files[0]
    dpi = 36
    subprocess.run([gs, "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffsep", f"-r{dpi}",
                    "-dFirstPage=1", "-dLastPage=1", f"-sOutputFile={tmp_path}/page.tif", str(path)],
                   check=True, capture_output=True)
    plates = sorted(p.name for p in tmp_path.glob("page(*).tif"))
    assert plates == ["page(Black).tif", "page(Cyan).tif", "page(Magenta).tif", "page(Yellow).tif"]
    with pikepdf.open(path) as pdf:
        page = pdf.pages[0].obj
        media = [float(v) for v in page.MediaBox]
        bleed = [float(v) for v in page.BleedBox]
        trim = [float(v) for v in page.TrimBox]
    scale = dpi / 72
    images, width, height = {}, 0, 0
    for plate in plates:
        with Image.open(tmp_path / plate) as image:
            grey = image.convert("L")  # 0 is full ink
        images[plate], (width, height) = grey.load(), grey.size
    edge = 1.5 / scale  # pixels straddling a box edge belong to both sides
    tolerance = 2 / scale
    for plate, pixels in images.items():
        outside = []
        for y in range(height):
            for x in range(width):
                if pixels[x, y] < 128:
                    px, py = x / scale + media[0], media[3] - y / scale
                    if not (bleed[0] - edge <= px <= bleed[2] + edge and bleed[1] - edge <= py <= bleed[3] + edge):
                        outside.append((px, py))
        assert outside, f"{plate}: no crop marks (registration colour prints on every plate)"
        for px, py in outside:  # every mark lies on a trim line's extension
            assert any(abs(px - x) <= tolerance for x in (trim[0], trim[2])) or \
                any(abs(py - y) <= tolerance for y in (trim[1], trim[3])), (plate, px, py)
    # no mark reaches into the bleed: in the lower half (the masthead bleeds at the top), the ring
    # between trim and bleed holds nothing printed on all four plates, as registration marks are
    for y in range(height):
        for x in range(width):
            px, py = x / scale + media[0], media[3] - y / scale
            in_bleed = bleed[0] + edge < px < bleed[2] - edge and bleed[1] + edge < py < bleed[3] - edge
            in_trim = trim[0] - edge <= px <= trim[2] + edge and trim[1] - edge <= py <= trim[3] + edge
            if in_bleed and not in_trim and py < (trim[1] + trim[3]) / 2:
                assert not all(pixels[x, y] < 128 for pixels in images.values()), (px, py)


def test_crop_marks_are_page_artifacts(print_files):
    for path in print_files:
        with pikepdf.open(path) as pdf:
            for page in pdf.pages:
                last = pikepdf.parse_content_stream(pdf.get_object(page.obj.Contents[-1].objgen))
                assert str(last[0].operator) == "BDC" and str(last[0].operands[0]) == "/Artifact"
                assert last[0].operands[1].Type == "/Page" and str(last[-1].operator) == "EMC"
        marked = [marks for _, marks in pdfium_read.path_marks(path) if marks == ("Artifact",)]
        assert len(marked) >= len(pdfium_read.annotation_counts(path))  # one marks path per page at least


# 4, 5. Trailer IDs --------------------------------------------------------------------------------

def test_every_edition_has_a_trailer_id(built):
    for path in built.values():
        with pikepdf.open(path) as pdf:
            assert len(pdf.trailer.ID) == 2, path.name
        assert pypdf.PdfReader(path).trailer.get("/ID"), path.name


# 5. Archive editions ------------------------------------------------------------------------------

def test_archive_attachments_are_typed_and_listed_once(archive):
    assert archive
    for path in archive:
        with pikepdf.open(path) as pdf:
            af = [str(spec.get("/UF") or spec.F) for spec in pdf.Root.AF]
            assert len(af) == len(set(af)) and set(af) == set(pdf.attachments)
            types = {name: str(spec.obj.EF.F.Subtype) for name, spec in pdf.attachments.items()}
            expected = {".yaml": "/application/yaml", ".po": "/text/x-gettext-translation"}
            assert types == {name: expected[Path(name).suffix] for name in types}
            assert pdf.check_pdf_syntax() == []  # the name tree is sorted: nothing to repair
        assert sorted(pypdf.PdfReader(path).attachments) == sorted(af)


def test_archive_xmp_declares_every_property_it_adds(archive):
    for path in archive:
        with pikepdf.open(path) as pdf:
            root = etree.fromstring(pdf.Root.Metadata.read_bytes())
        ns = {"rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
              "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#", "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#"}
        claims_ua = root.xpath("//@*[local-name()='part' and namespace-uri()='http://www.aiim.org/pdfua/ns/id/']")
        assert claims_ua == ["1"]
        declared = root.xpath("//pdfaSchema:namespaceURI/text()", namespaces=ns)
        assert "http://www.aiim.org/pdfua/ns/id/" in declared
        assert "part" in root.xpath("//pdfaProperty:name/text()", namespaces=ns)


def test_a_translated_archive_edition_attaches_its_catalogue(project, tmp_path):
    from leaflets.matrix import build
    from leaflets.plan import Filters
    from leaflets.preflight import evaluate, inspect_pdf

    leaflet = project / "source/ambc/leaflet.yaml"
    text = leaflet.read_text("utf-8")
    locale = next(p.stem for p in sorted((project / "source/ambc/locales").glob("*.po")))
    text = text.rstrip("\n") + f"""
  - locale: {locale}
    paper: a4
    profile: archive
    job_code: AMBC-{locale.upper()}-A4-ARC-TEST
    date_of_preparation: 2026-03-16
    review_date: 2029-03-01
    version: "1.0"
    status: draft
"""
    leaflet.write_text(text, "utf-8")
    [output] = build(project, tmp_path / "out", Filters(locale=locale, profile="archive"), allow_incomplete=True)
    path = project / output.path if not Path(output.path).is_absolute() else Path(output.path)
    with pikepdf.open(path) as pdf:
        attached = {name: str(spec.obj.EF.F.Subtype) for name, spec in pdf.attachments.items()}
        assert attached == {"leaflet.yaml": "/application/yaml", "references.yaml": "/application/yaml",
                            f"{locale}.po": "/text/x-gettext-translation"}
        assert pdf.attachments[f"{locale}.po"].get_file().read_bytes() == \
            (project / f"source/ambc/locales/{locale}.po").read_bytes()
        assert pdf.check_pdf_syntax() == []
    assert [r.rule for r in evaluate(inspect_pdf(path)) if not r.passed] == []
