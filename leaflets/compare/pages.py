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


def render_edition(side, root: Path) -> bytes:
    """Render one side's edition to PDF bytes with the normal render path of its own version."""
    from ..build import Job, render_job

    pdf, _html, _pages = render_job(Job(side.doc.name, side.edition, side.view), root)
    return pdf


def page_images(pdf: bytes, dpi: int = DPI) -> PageImages:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        images, sizes, texts = [], [], []
        for index in range(len(document)):
            page = document[index]
            sizes.append(tuple(page.get_size()))
            images.append(page.render(scale=dpi / 72).to_pil().convert("RGB"))
            textpage = page.get_textpage()
            texts.append(" ".join(re.sub(r"\d+", "", textpage.get_text_range()).split()))
            textpage.close()
            page.close()
        return PageImages(images, sizes, texts)
    finally:
        document.close()


def regions(old, new) -> list[tuple[int, int, int, int]]:
    """Boxes (pixels of the new page) around the parts of the page that differ."""
    from PIL import Image, ImageChops

    if old.size != new.size:
        old = old.resize(new.size)
    diff = ImageChops.difference(old.convert("L"), new.convert("L")).point(lambda v: 255 if v > THRESHOLD else 0)
    if diff.getbbox() is None:
        return []
    columns, rows = (new.width + CELL - 1) // CELL, (new.height + CELL - 1) // CELL
    grid = diff.resize((columns, rows), Image.Resampling.BOX)  # any changed pixel leaves a trace
    data = grid.load()
    changed_rows: dict[int, tuple[int, int]] = {}
    for y in range(rows):
        xs = [x for x in range(columns) if data[x, y] > 0]
        if xs:
            changed_rows[y] = (xs[0], xs[-1])
    boxes: list[list[int]] = []
    for y in sorted(changed_rows):
        x0, x1 = changed_rows[y]
        if boxes and y - boxes[-1][3] <= GAP:
            box = boxes[-1]
            box[0], box[2], box[3] = min(box[0], x0), max(box[2], x1), y
        else:
            boxes.append([x0, y, x1, y])
    pad = 2
    return [(max(0, x0 * CELL - pad), max(0, y0 * CELL - pad), min(new.width, (x1 + 1) * CELL + pad),
             min(new.height, (y1 + 1) * CELL + pad)) for x0, y0, x1, y1 in boxes]


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
            boxes = regions(a, b)
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
