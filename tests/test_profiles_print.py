"""The print PDF as a printer's prepress would see it: colours inventoried, pixels measured."""

from __future__ import annotations

import math

import pikepdf
import pypdfium2
import pytest

from leaflets.profiles import PAPERS

PRINT = [("ambc", "en", paper, "print") for paper in PAPERS]
MM = 72 / 25.4
SLUG_MM = 10.0  # styles/profile/print.css --slug
SET_COLOUR = {"rg", "RG", "k", "K", "g", "G", "sc", "scn", "SC", "SCN", "cs", "CS"}


class ContentState:
    """Follow a page's content streams: colour spaces, fill colour, text size, Form XObjects."""

    def __init__(self) -> None:
        self.operators: dict[str, int] = {}
        self.spaces: set[str] = set()
        self.text_runs: list[tuple[float, tuple]] = []  # (size in pt, fill colour)

    def walk(self, stream, resources, ctm=(1, 0, 0, 1, 0, 0)) -> None:
        stack, fill, size, tm = [], (), 0.0, (1, 0, 0, 1, 0, 0)
        for operands, op in pikepdf.parse_content_stream(stream):
            name = str(op)
            if name in SET_COLOUR:
                self.operators[name] = self.operators.get(name, 0) + 1
            if name in ("cs", "CS"):
                self.spaces.add(self._space(operands[0], resources))
            if name in ("scn", "sc", "k", "g"):
                fill = tuple(round(float(v), 3) for v in operands)
            elif name == "q":
                stack.append((ctm, fill))
            elif name == "Q":
                ctm, fill = stack.pop()
            elif name == "cm":
                ctm = _multiply([float(v) for v in operands], ctm)
            elif name == "BT":
                tm = (1, 0, 0, 1, 0, 0)
            elif name == "Tm":
                tm = [float(v) for v in operands]
            elif name == "Tf":
                size = float(operands[1])
            elif name in ("Tj", "TJ", "'", '"'):
                m = _multiply(tm, ctm)
                self.text_runs.append((size * math.sqrt(abs(m[0] * m[3] - m[1] * m[2])), fill))
            elif name == "Do":
                xobject = resources.XObject[operands[0]]
                assert xobject.Subtype == "/Form", "the leaflet has no images"
                matrix = [float(v) for v in xobject.get("/Matrix", [1, 0, 0, 1, 0, 0])]
                self.walk(xobject, xobject.get("/Resources", resources), _multiply(matrix, ctm))

    @staticmethod
    def _space(name, resources) -> str:
        if str(name) in ("/DeviceCMYK", "/DeviceGray", "/DeviceRGB", "/Pattern"):
            return str(name)
        space = resources.ColorSpace[name]
        if str(space[0]) == "/Separation":
            return f"Separation {space[1]} ({space[2]})"
        if str(space[0]) == "/ICCBased":
            return f"ICCBased N={int(space[1].N)}"
        return str(space[0])


def _multiply(a, b):
    return (a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5])


@pytest.fixture(scope="module", params=PRINT, ids=[key[2] for key in PRINT])
def inventory(request, built) -> ContentState:
    state = ContentState()
    with pikepdf.open(built[request.param]) as pdf:
        for page in pdf.pages:
            state.walk(page, page.Resources)
    return state


def test_page_content_is_cmyk_only(inventory):
    assert not {"rg", "RG"} & set(inventory.operators), inventory.operators
    assert inventory.spaces <= {"/DeviceCMYK", "Separation /All (/DeviceCMYK)"}, inventory.spaces
    assert "/DeviceCMYK" in inventory.spaces


def test_small_text_prints_in_solid_black(inventory):
    solid_black, paper_white = (0.0, 0.0, 0.0, 1.0), (0.0, 0.0, 0.0, 0.0)
    small = [(size, fill) for size, fill in inventory.text_runs if size < 11.9]
    assert len(small) > 100
    assert {fill for _, fill in small} <= {solid_black, paper_white}  # white only reversed out
    colours = {fill for size, fill in inventory.text_runs if size >= 11.9}
    assert len(colours - {solid_black, paper_white}) >= 1  # headings keep the brand colour


@pytest.mark.parametrize("key", PRINT, ids=[key[2] for key in PRINT])
def test_no_text_within_5_mm_of_the_trim(built, key):
    document = pypdfium2.PdfDocument(built[key])
    try:
        for index in range(len(document)):
            page = document[index]
            x0, y0, x1, y1 = (float(v) for v in pikepdf_trim(built[key], index))
            text = page.get_textpage()
            for char in range(text.count_chars()):
                if text.get_text_range(char, 1).isspace():
                    continue
                left, bottom, right, top = text.get_charbox(char)
                margin = min(left - x0, bottom - y0, x1 - right, y1 - top) / MM
                assert margin >= 5.0, f"page {index + 1}: {text.get_text_range(char, 1)!r} {margin:.1f} mm"
    finally:
        document.close()


def pikepdf_trim(path, index):
    with pikepdf.open(path) as pdf:
        return [float(v) for v in pdf.pages[index].TrimBox]


@pytest.mark.parametrize("key", PRINT, ids=[key[2] for key in PRINT])
def test_masthead_runs_into_the_bleed_and_crop_marks_stand_outside_it(built, key):
    bleed = PAPERS[key[2]].bleed_mm
    offset = bleed + SLUG_MM  # from the media edge to the trim
    scale = 4.0  # pixels per point
    document = pypdfium2.PdfDocument(built[key])
    try:
        image = document[0].render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    width_mm = image.width / scale / MM

    def pixel(x_mm, y_mm):  # millimetres from the trim's top-left corner, x right, y down
        return image.getpixel((round((x_mm + offset) * MM * scale), round((y_mm + offset) * MM * scale)))

    def darkest(x_mm, y_mm, radius=3):
        cx, cy = round((x_mm + offset) * MM * scale), round((y_mm + offset) * MM * scale)
        return min(sum(image.getpixel((x, y))) / 3 for x in range(cx - radius, cx + radius + 1)
                   for y in range(cy - radius, cy + radius + 1))

    trim_width = width_mm - 2 * offset
    band = pixel(trim_width / 2, 10)
    assert sum(band) < 300 and band[2] > band[0]  # the dark teal masthead
    for x, y in ((-bleed + 0.3, -bleed + 0.3), (trim_width / 2, -bleed + 0.3),
                 (trim_width + bleed - 0.3, -bleed + 0.3), (-bleed + 0.3, 20)):
        assert pixel(x, y) == band, (x, y)  # the band reaches the bleed edge
    for x, y in ((-bleed - 0.4, 20), (trim_width / 2, -bleed - 0.4), (trim_width + bleed + 0.4, 20)):
        assert pixel(x, y) == (255, 255, 255), (x, y)  # and stops there
    # Crop marks on the trim lines, in the slug: drawn from 2 mm outside the bleed outwards.
    for x, y in ((0, -bleed - 4), (-bleed - 4, 0), (trim_width, -bleed - 4), (trim_width + bleed + 4, 0)):
        assert darkest(x, y) < 128, (x, y)
    for x, y in ((0, -bleed - 1), (-bleed - 1, 0)):  # nothing between the bleed and the marks
        assert darkest(x, y) == 255, (x, y)
