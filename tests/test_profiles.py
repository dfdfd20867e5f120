"""Every profile's PDF, read back by three engines nobody here wrote: qpdf, PDFium and pypdf."""

from __future__ import annotations

import uuid

import pikepdf
import pypdf
import pypdfium2
import pytest

from conftest import ROOT
from leaflets.matrix import build
from leaflets.plan import Filters
from leaflets.finishing import _NAMESPACE
from leaflets.profiles import PAPERS, PROFILES
from pdfread import normalize


EDITIONS = [("ambc", "en", paper, profile) for profile in PROFILES for paper in PAPERS]
IDS = [f"{paper}-{profile}" for _, _, paper, profile in EDITIONS]
MM = 72 / 25.4
TITLE = "Advanced/metastatic breast cancer (a/mBC)"


def _mm(box) -> list[float]:
    return [float(v) / MM for v in box]


@pytest.mark.parametrize("key", EDITIONS, ids=IDS)
def test_three_engines_read_every_page(built, key):
    path = built[key]
    with pikepdf.open(path) as pdf:
        assert pdf.check_pdf_syntax() == []
        pages = len(pdf.pages)
    document = pypdfium2.PdfDocument(path)
    try:
        assert len(document) == pages
        for index in range(pages):
            image = document[index].render(scale=1).to_pil().convert("L")  # 72 dpi: text reaches black
            assert image.getextrema()[0] < 100, f"page {index + 1} renders blank"
    finally:
        document.close()
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == pages
    assert TITLE in normalize(reader.pages[0].extract_text())
    assert "References" in normalize(" ".join(p.extract_text() for p in reader.pages[-2:]))


@pytest.mark.parametrize("key", EDITIONS, ids=IDS)
def test_page_boxes_match_the_paper_and_profile(built, key):
    paper, profile = PAPERS[key[2]], PROFILES[key[3]]
    bleed = paper.bleed_mm if profile.bleed else 0.0
    with pikepdf.open(built[key]) as pdf:
        for page in pdf.pages:
            trim = _mm(page.obj.get("/TrimBox", page.MediaBox))
            bleed_box = _mm(page.obj.get("/BleedBox", page.MediaBox))
            media = _mm(page.MediaBox)
            assert trim[2] - trim[0] == pytest.approx(paper.width_mm, abs=0.1)
            assert trim[3] - trim[1] == pytest.approx(paper.height_mm, abs=0.1)
            assert bleed_box[2] - bleed_box[0] == pytest.approx(paper.width_mm + 2 * bleed, abs=0.1)
            assert bleed_box[3] - bleed_box[1] == pytest.approx(paper.height_mm + 2 * bleed, abs=0.1)
            for side in range(4):  # centred: the same bleed on every side
                sign = -1 if side < 2 else 1
                assert bleed_box[side] == pytest.approx(trim[side] + sign * bleed, abs=0.1)
            if profile.bleed:  # a slug for the crop marks beyond the bleed
                assert media[2] - media[0] > bleed_box[2] - bleed_box[0] + 10
            else:
                assert media == pytest.approx(trim, abs=0.01)


def test_letter_bleed_is_an_eighth_of_an_inch(built):
    with pikepdf.open(built[("ambc", "en", "letter", "print")]) as pdf:
        bleed, trim = _mm(pdf.pages[0].BleedBox), _mm(pdf.pages[0].TrimBox)
    assert (bleed[2] - bleed[0]) - (trim[2] - trim[0]) == pytest.approx(6.35, abs=0.1)


CLAIMS = {
    "screen": {"{http://www.aiim.org/pdfua/ns/id/}part": "1"},
    "print": {"{http://www.npes.org/pdfx/ns/id/}GTS_PDFXVersion": "PDF/X-4"},
    "archive": {"{http://www.aiim.org/pdfa/ns/id/}part": "3",
                "{http://www.aiim.org/pdfa/ns/id/}conformance": "A"},
}


@pytest.mark.parametrize("key", EDITIONS, ids=IDS)
def test_xmp_claims_the_standard_and_carries_the_edition(built, key):
    expected = ("/GTS_PDFX", "FOGRA39", 4) if key[3] == "print" else ("/GTS_PDFA1", None, 3)
    with pikepdf.open(built[key]) as pdf:
        xmp = dict(pdf.open_metadata())
        assert str(pdf.Root.Lang) == "en"
        [intent] = pdf.Root.OutputIntents
        assert str(intent.S) == expected[0]
        assert int(intent.DestOutputProfile.N) == expected[2]
        if expected[1]:
            assert str(intent.OutputConditionIdentifier) == expected[1]
            assert str(intent.RegistryName) == "http://www.color.org"
    for name, value in CLAIMS[key[3]].items():
        assert xmp[name] == value
    assert xmp["{http://purl.org/dc/elements/1.1/}title"] == TITLE
    assert xmp["{http://ns.adobe.com/xap/1.0/}CreateDate"].startswith("2026-03-02")


def test_print_document_id_is_derived_from_the_job_code(built):
    with pikepdf.open(built[("ambc", "en", "a4", "print")]) as pdf:
        xmp = dict(pdf.open_metadata())
    expected = uuid.uuid5(_NAMESPACE, "AMBC-EN-A4-PRT-0001")
    assert xmp["{http://ns.adobe.com/xap/1.0/mm/}DocumentID"] == f"xmp.did:{expected}"


def test_rebuilds_are_byte_identical_in_every_profile(built, tmp_path):
    again = build(ROOT, tmp_path, Filters(document="ambc", locale="en", paper="letter"), jobs=2)
    assert {o.profile for o in again} == set(PROFILES)  # one paper is enough: every profile
    for output in again:
        first = built[(output.document, output.locale, output.paper, output.profile)]
        second = tmp_path / output.document / first.name
        assert second.read_bytes() == first.read_bytes(), output.path


@pytest.mark.parametrize("paper", list(PAPERS))
def test_archive_carries_its_sources(built, paper):
    folder = ROOT / "source" / "ambc"
    with pikepdf.open(built[("ambc", "en", paper, "archive")]) as pdf:
        attachments = {name: spec for name, spec in pdf.attachments.items()}
        assert set(attachments) == {"leaflet.yaml", "references.yaml"}
        for name, spec in attachments.items():
            assert spec.get_file().read_bytes() == (folder / name).read_bytes()
            assert spec.obj.AFRelationship == pikepdf.Name.Source
            params = spec.get_file().obj.Params
            assert str(params.ModDate) == str(params.CreationDate) == "D:20260302000000Z"
        associated = {str(spec.UF) for spec in pdf.Root.AF}
    assert associated == {"leaflet.yaml", "references.yaml"}


def test_archive_attaches_the_locale_catalogue_when_there_is_one(project, tmp_path):
    catalogue = project / "source" / "ambc" / "locales" / "en.po"
    catalogue.parent.mkdir(exist_ok=True)
    catalogue.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n', "utf-8")
    [output] = build(project, tmp_path, Filters(paper="a4", profile="archive"))
    with pikepdf.open(project / output.path) as pdf:
        assert set(pdf.attachments) == {"leaflet.yaml", "references.yaml", "en.po"}
        assert pdf.attachments["en.po"].get_file().read_bytes() == catalogue.read_bytes()

