"""Every page of every edition looks as it did: page images compared with committed references.

The leaflet under test is the fixture leaflet (tests/fixtures/documents/ambc/), every edition of
its matrix (A4, Letter and A5; screen, print and archive; large print; translations and the
pseudo-locale), built with the project's current layouts and styles, so the references change
only when the design or the fixture does.
Each page is rendered with pypdfium2 at 36 dpi and mapped onto a fixed 216-colour palette
(a hue change, such as red bullets, stays visible; the files stay at a few KB).

After an intended change of the design, accept the new pages with

    pytest tests/test_visual.py --update-goldens

and commit tests/goldens/visual/. On a failure the test names the edition and page and writes
an image (reference | this build | differing pixels in red) to build/visual-diffs/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pypdfium2
import pytest
import yaml
from PIL import Image, ImageChops

from conftest import session_build_of
from leaflets.matrix import Filters, build

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "documents"
DOCUMENTS = ("ambc",)
GOLDENS = Path(__file__).resolve().parent / "goldens" / "visual"
DIFFS = ROOT / "build" / "visual-diffs"
DPI = 36
MAX_BYTES = 16_000  # one page's reference image; the whole set stays well under a megabyte
TOLERANCE = 2  # pixels that may differ on a page (renders are deterministic; two red bullets make 8)

_LEVELS = (0, 51, 102, 153, 204, 255)
_PALETTE = Image.new("P", (1, 1))
_PALETTE.putpalette([c for r in _LEVELS for g in _LEVELS for b in _LEVELS for c in (r, g, b)]
                    + [0] * 3 * (256 - len(_LEVELS) ** 3))


def _editions() -> list[str]:
    """The fixture's editions as output stems, read from its source, for test ids."""
    stems = []
    for folder in (FIXTURE / name for name in DOCUMENTS):
        data = yaml.safe_load((folder / "leaflet.yaml").read_text("utf-8"))
        stems += [f"{folder.name}-{e['locale']}-{e['paper']}-{e['profile']}"
                  + (f"-{e['type']}" if e.get("type", "standard") != "standard" else "")
                  for e in data["editions"]]
    return stems


@pytest.fixture(scope="module")
def fixture_build(tmp_path_factory, request) -> dict[str, Path]:
    """Build every edition of the fixture leaflet with this checkout's layouts and styles (the test
    run's shared build when its sources are the fixture's, byte for byte)."""
    shared = session_build_of(request, FIXTURE / DOCUMENTS[0]) if len(DOCUMENTS) == 1 else None
    if shared is not None:
        return shared
    project = tmp_path_factory.mktemp("visual") / "project"
    for name in DOCUMENTS:
        shutil.copytree(FIXTURE / name, project / "source" / name)
    for tree in ("layouts", "styles"):
        shutil.copytree(ROOT / tree, project / tree)
    outputs = build(project, project / "build", Filters(), allow_incomplete=True, jobs=2)
    return {Path(o.path).stem: project / o.path for o in outputs}


def page_images(pdf: Path) -> list[Image.Image]:
    """Render each page small, on the fixed palette."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=DPI / 72).to_pil().convert("RGB")
                .quantize(palette=_PALETTE, dither=Image.Dither.NONE)
                for page in document]
    finally:
        document.close()


def differing_pixels(expected: Image.Image, actual: Image.Image) -> Image.Image | None:
    """Return a mask of the pixels that differ, or None when the sizes differ."""
    if expected.size != actual.size:
        return None
    difference = ImageChops.difference(expected.convert("RGB"), actual.convert("RGB"))
    return difference.convert("L").point(lambda value: 255 if value else 0)


def write_diff(name: str, expected: Image.Image | None, actual: Image.Image | None,
               mask: Image.Image | None) -> Path:
    """Save reference | this build | differences side by side; return the file."""
    panels = [image.convert("RGB") for image in (expected, actual) if image is not None]
    if mask is not None and actual is not None:
        marked = actual.convert("RGB").point(lambda v: 128 + v // 2)
        marked.paste((220, 0, 0), mask=mask)
        panels.append(marked)
    width = sum(p.width for p in panels) + 4 * (len(panels) - 1)
    sheet = Image.new("RGB", (width, max(p.height for p in panels)), (90, 90, 90))
    x = 0
    for panel in panels:
        sheet.paste(panel, (x, 0))
        x += panel.width + 4
    DIFFS.mkdir(parents=True, exist_ok=True)
    path = DIFFS / f"{name}.png"
    sheet.save(path)
    return path


@pytest.mark.parametrize("stem", _editions())
def test_pages_match_their_references(fixture_build, stem, request):
    pages = page_images(fixture_build[stem])
    if request.config.getoption("--update-goldens"):
        for old in GOLDENS.glob(f"{stem}-p*.png"):
            old.unlink()
        GOLDENS.mkdir(parents=True, exist_ok=True)
        for number, image in enumerate(pages, 1):
            image.save(GOLDENS / f"{stem}-p{number}.png", optimize=True)
        return
    references = sorted(GOLDENS.glob(f"{stem}-p*.png"), key=lambda p: int(p.stem.rsplit("-p", 1)[1]))
    assert references, f"{stem}: no reference images in {GOLDENS}; run pytest {__file__} --update-goldens"
    problems = []
    for number in range(1, max(len(pages), len(references)) + 1):
        name = f"{stem}-p{number}"
        expected = Image.open(GOLDENS / f"{name}.png") if number <= len(references) else None
        actual = pages[number - 1] if number <= len(pages) else None
        if expected is None or actual is None:
            where = write_diff(name, expected, actual, None)
            problems.append(f"page {number}: {'new' if expected is None else 'missing'} page ({where})")
            continue
        mask = differing_pixels(expected, actual)
        if mask is None:
            where = write_diff(name, expected, actual, None)
            problems.append(f"page {number}: size {actual.size} instead of {expected.size} ({where})")
            continue
        count = mask.histogram()[255]
        if count > TOLERANCE:
            where = write_diff(name, expected, actual, mask)
            problems.append(f"page {number}: {count} pixels differ (tolerance {TOLERANCE}); see {where}")
    assert not problems, f"{stem} looks different from its references:\n  " + "\n  ".join(problems)


def test_references_cover_the_whole_matrix_and_stay_small():
    """One set of page images per edition of the fixture matrix, none for an edition that is
    gone, and each image a few KB."""
    stems = {path.stem.rsplit("-p", 1)[0] for path in GOLDENS.glob("*.png")}
    assert stems == set(_editions()), f"references without an edition: {sorted(stems - set(_editions()))}; " \
                                      f"editions without references: {sorted(set(_editions()) - stems)}"
    large = {path.name: path.stat().st_size for path in GOLDENS.glob("*.png") if path.stat().st_size > MAX_BYTES}
    assert not large, f"reference images over {MAX_BYTES} bytes: {large}"
