"""Compare the rendered pages of two versions: both PDFs rendered to images (pypdfium2), the
differences found with Pillow, changed regions outlined on the new pages, added and removed
pages flagged.

Pages are aligned by their text (digits ignored, so renumbered citations and "Page 2 of 3"
do not matter): a page inserted in the middle is flagged as added and the pages after it are
still compared with their counterparts. Text that reflows after a change differs on every later
line of that page, so the outline covers what moved as well as what changed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

DPI = 100
CELL = 8  # pixels: differences are gathered in cells of this size
THRESHOLD = 40  # grey levels: anti-aliasing noise below this is ignored
GAP = 2  # cells: rows of changes closer than this join one region
OUTLINE = (200, 20, 40)


PAIR_PAGES = 0.5  # pages whose words are at least this similar are one page changed


@dataclass
class PageImages:
    images: list  # PIL images, one per page
    sizes: list[tuple[float, float]]  # page sizes in points
    texts: list[str]  # each page's text, digits removed, for aligning pages
    segments: list[list[tuple[str, tuple[int, int, int, int]]]]  # per page: text runs and their boxes (pixels)


def render_edition(side, root: Path) -> bytes:
    """Render one side's edition to PDF bytes with the normal render path of its own version."""
    from .. import hyphenation
    from ..render import execute, prepare
    from ..view import Job

    hyphenation.install()
    pdf, _pages, _fit = execute(prepare(Job(side.doc.name, side.edition, side.view), root), root)
    return pdf


def page_images(pdf: bytes, dpi: int = DPI) -> PageImages:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        images, sizes, texts, segments = [], [], [], []
        scale = dpi / 72
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            sizes.append((width, height))
            images.append(page.render(scale=scale).to_pil().convert("RGB"))
            textpage = page.get_textpage()
            texts.append(" ".join(re.sub(r"\d+", "", textpage.get_text_range()).split()))
            runs = []
            for i in range(textpage.count_rects()):
                left, bottom, right, top = textpage.get_rect(i)
                text = " ".join(textpage.get_text_bounded(left, bottom, right, top).split())
                runs.append((text, (int(left * scale), int((height - top) * scale),
                                    int(right * scale) + 1, int((height - bottom) * scale) + 1)))
            segments.append(runs)
            textpage.close()
            page.close()
        return PageImages(images, sizes, texts, segments)
    finally:
        document.close()


INK = 200  # grey levels below this are ink (text, rules, tinted panels)
BAND_GAP = 3  # pixel rows without ink that separate two bands (lines of text)
BAND_SAMPLE = (96, 6)  # each band is compared at this size
BAND_SAME = 12  # mean grey-level difference under which two bands are the same line


@dataclass(frozen=True)
class Band:
    top: int
    bottom: int  # exclusive
    left: int
    right: int  # exclusive
    sample: tuple  # the band's pixels at BAND_SAMPLE, for comparing


def bands(page) -> list[Band]:
    """The page's horizontal bands of ink: lines of text, rules, panels, each with its extent."""
    from PIL import Image

    grey = page.convert("L")
    ink = grey.point(lambda v: 255 if v < INK else 0)
    rows = list(ink.resize((1, ink.height), Image.Resampling.BOX).tobytes())
    found, top, blank = [], None, 0
    for y, value in enumerate([*rows, 0] + [0] * BAND_GAP):
        if value:
            top = y if top is None else top
            blank = 0
        elif top is not None:
            blank += 1
            if blank >= BAND_GAP or y >= len(rows):
                bottom = y - blank + 1
                box = ink.crop((0, top, ink.width, bottom)).getbbox()
                if box:
                    left, right = box[0], box[2]
                    sample = grey.crop((left, top, right, bottom)).resize(BAND_SAMPLE, Image.Resampling.BOX)
                    found.append(Band(top, bottom, left, right, tuple(sample.tobytes())))
                top, blank = None, 0
    return found


def _same(a: Band, b: Band) -> bool:
    if abs((a.bottom - a.top) - (b.bottom - b.top)) > 2 or abs(a.left - b.left) > 2 or abs(a.right - b.right) > 2:
        return False
    return sum(abs(x - y) for x, y in zip(a.sample, b.sample)) / len(a.sample) < BAND_SAME


def _matched(old: list[Band], new: list[Band]) -> set[int]:
    """Indexes of the new bands that are an old band, perhaps moved up or down (longest common run)."""
    n, m = len(old), len(new)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            table[i][j] = table[i + 1][j + 1] + 1 if _same(old[i], new[j]) else max(table[i + 1][j], table[i][j + 1])
    matched, i, j = set(), 0, 0
    while i < n and j < m:
        if _same(old[i], new[j]) and table[i][j] == table[i + 1][j + 1] + 1:
            matched.add(j)
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return matched


def text_regions(old_runs: list, new_runs: list) -> list[list[int]]:
    """Boxes around the new page's text runs that are not on the old page (aligned in reading
    order, so text pushed down by an insertion is not outlined), neighbouring lines joined."""
    matcher = difflib.SequenceMatcher(None, [t for t, _ in old_runs], [t for t, _ in new_runs], autojunk=False)
    changed = [box for op, _, _, j1, j2 in matcher.get_opcodes() if op != "equal" for _, box in new_runs[j1:j2]]
    boxes: list[list[int]] = []
    for x0, y0, x1, y1 in sorted(changed, key=lambda b: (b[1], b[0])):
        for box in boxes:  # the same line or the next one, overlapping across
            if y0 - box[3] <= 8 and x0 <= box[2] + 40 and x1 >= box[0] - 40:
                box[:] = [min(box[0], x0), min(box[1], y0), max(box[2], x1), max(box[3], y1)]
                break
        else:
            boxes.append([x0, y0, x1, y1])
    return boxes


def regions(old, new, old_runs: list | None = None, new_runs: list | None = None) -> list[tuple[int, int, int, int]]:
    """Boxes (pixels of the new page) around what differs from the old page.

    Text is compared as text (the PDF's text runs), so a changed digit in a footer is found and
    lines moved down by an insertion are not; what differs without any text changing (a colour,
    a rule, an image) is compared as bands of pixels.

    The pages are cut into bands of ink (lines of text); bands found unchanged in the old page,
    also when moved up or down by text added or removed above them, are not outlined, so an
    inserted sentence is outlined and the text it pushed down is not.
    """
    from PIL import ImageChops

    if old.size != new.size:
        old = old.resize(new.size)
    if ImageChops.difference(old.convert("L"), new.convert("L")).getbbox() is None:
        return []
    pad = 2
    if new_runs is not None and old_runs is not None:
        boxes = text_regions(old_runs, new_runs)
        if boxes:
            return [(max(0, x0 - pad), max(0, y0 - pad), min(new.width, x1 + pad), min(new.height, y1 + pad))
                    for x0, y0, x1, y1 in boxes]
    old_bands, new_bands = bands(old), bands(new)
    matched = _matched(old_bands, new_bands)
    boxes = []
    for index, band in enumerate(new_bands):
        if index in matched:
            continue
        if boxes and index - 1 not in matched and index > 0 and band.top - boxes[-1][3] <= 4 * BAND_GAP:
            box = boxes[-1]
            box[0], box[2], box[3] = min(box[0], band.left), max(box[2], band.right), band.bottom
        else:
            boxes.append([band.left, band.top, band.right, band.bottom])
    if not boxes:  # something differs that is no band of its own (e.g. only removed): the whole difference
        diff = ImageChops.difference(old.convert("L"), new.convert("L")).point(lambda v: 255 if v > THRESHOLD else 0)
        box = diff.getbbox()
        return [box] if box else []
    return [(max(0, x0 - pad), max(0, y0 - pad), min(new.width, x1 + pad), min(new.height, y1 + pad))
            for x0, y0, x1, y1 in boxes]


def align(old: list[str], new: list[str]) -> list[tuple[int | None, int | None]]:
    """Pair old and new pages (indexes) by their text; None on one side: added or removed."""
    pairs: list[tuple[int | None, int | None]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pairs += list(zip(range(i1, i2), range(j1, j2)))
            continue
        j = j1
        for i in range(i1, i2):
            best = max(range(j, j2), default=None,
                       key=lambda k: difflib.SequenceMatcher(None, old[i].split(), new[k].split()).ratio())
            if best is not None and difflib.SequenceMatcher(None, old[i].split(), new[best].split()).ratio() >= PAIR_PAGES:
                pairs += [(None, k) for k in range(j, best)] + [(i, best)]
                j = best + 1
            else:
                pairs.append((i, None))
        pairs += [(None, k) for k in range(j, j2)]
    return pairs


def compare_pages(old_pdf: bytes, new_pdf: bytes, folder: Path) -> dict:
    """Compare two PDFs page by page; write page images into `folder` (new pages outlined)."""
    from PIL import ImageDraw

    old, new = page_images(old_pdf), page_images(new_pdf)
    folder.mkdir(parents=True, exist_ok=True)
    result = {"old_pages": len(old.images), "new_pages": len(new.images), "changed": [], "added": [],
              "removed": [], "regions": {}, "shown": []}
    for i, j in align(old.texts, new.texts):
        a = old.images[i] if i is not None else None
        b = new.images[j] if j is not None else None
        shown = {"number": j + 1 if j is not None else None, "old_number": i + 1 if i is not None else None,
                 "old_image": None, "new_image": None}
        if a is not None and b is not None:
            boxes = regions(a, b, old.segments[i], new.segments[j])
            if not boxes:
                continue
            result["changed"].append(j + 1)
            scale = 72 / DPI
            result["regions"][str(j + 1)] = [[round(v * scale, 1) for v in box] for box in boxes]
            b = b.copy()
            draw = ImageDraw.Draw(b)
            for box in boxes:
                draw.rectangle(box, outline=OUTLINE, width=3)
            shown["state"] = "changed"
        elif b is not None:
            result["added"].append(j + 1)
            shown["state"] = "added"
        else:
            result["removed"].append(i + 1)
            shown["state"] = "removed"
        for side, image, number in (("old", a, i), ("new", b, j)):
            if image is not None:
                name = f"{side}-{number + 1}.png"
                image.save(folder / name, optimize=True)
                shown[f"{side}_image"] = name
        result["shown"].append(shown)
    return result
