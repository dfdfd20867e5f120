"""Large print follows the UKAAF/RNIB guidance as printed: every character at 16 pt or more
(superscripts and page numbers included), no hyphenation, at most about 60 characters a line.
Read back with pypdfium2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest

from conftest import session_build_of
from leaflets.matrix import Filters, build

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "documents" / "ambc"  # the fixture leaflet


@pytest.fixture(scope="module")
def large_print(tmp_path_factory, request) -> Path:
    shared = session_build_of(request, FIXTURE)  # the run's build, when its sources are these
    if shared is not None:
        return shared["ambc-en-a4-print-large-print"]
    project = tmp_path_factory.mktemp("large-print") / "project"
    shutil.copytree(FIXTURE, project / "source" / "ambc")
    for tree in ("layouts", "styles"):
        shutil.copytree(ROOT / tree, project / tree)
    outputs = build(project, project / "build", Filters(locale="en", paper="a4", profile="print"))
    path = next(project / o.path for o in outputs if o.type == "large-print")
    assert Path(path).name == "ambc-en-a4-print-large-print.pdf"
    return path


def test_every_character_is_at_least_16pt(large_print):
    document = pypdfium2.PdfDocument(large_print)
    sizes = {}
    for number, page in enumerate(document, 1):
        text = page.get_textpage()
        for index in range(text.count_chars()):
            char = text.get_text_range(index, 1)
            if char.strip():  # not a space or a line end the reader made up
                sizes[number, char] = min(sizes.get((number, char), 99),
                                          pdfium_c.FPDFText_GetFontSize(text.raw, index))
    small = {key: size for key, size in sizes.items() if size < 16 - 0.01}
    assert not small, f"set under 16 pt (page, character): {small}"


def test_no_word_is_hyphenated_and_lines_stay_short(large_print):
    document = pypdfium2.PdfDocument(large_print)
    # pdfium joins a line that ends in a real hyphen to the next with U+FFFE: a line end too
    lines = [line for page in document
             for line in page.get_textpage().get_text_range().replace("\ufffe", "-\n").splitlines()]
    assert not any(line.rstrip().endswith("\u2010") for line in lines)
    assert max(len(line.strip()) for line in lines) <= 66
