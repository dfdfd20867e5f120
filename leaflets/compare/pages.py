"""Compare the rendered pages of two versions: both PDFs rendered to images (pypdfium2), the
differences found with Pillow, changed regions outlined on the new pages, added and removed
pages flagged.

Pages are compared in order (page N with page N). Text that reflows after a change differs on
every later line of that page, so the outline covers what moved as well as what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DPI = 100
CELL = 8  # pixels: differences are gathered in cells of this size
THRESHOLD = 40  # grey levels: anti-aliasing noise below this is ignored
GAP = 2  # cells: rows of changes closer than this join one region
OUTLINE = (200, 20, 40)


@dataclass
class PageImages:
    images: list  # PIL images, one per page
    sizes: list[tuple[float, float]]  # page sizes in points


def render_edition(side, root: Path) -> bytes:
    """Render one side's edition to PDF bytes with the normal render path of its own version."""
    from ..build import Job, render_job

    pdf, _html, _pages = render_job(Job(side.doc.name, side.edition, side.view), root)
    return pdf


def page_images(pdf: bytes, dpi: int = DPI) -> PageImages:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        images, sizes = [], []
        for index in range(len(document)):
            page = document[index]
            sizes.append(tuple(page.get_size()))
            images.append(page.render(scale=dpi / 72).to_pil().convert("RGB"))
            page.close()
        return PageImages(images, sizes)
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


def compare_pages(old_pdf: bytes, new_pdf: bytes, folder: Path) -> dict:
    """Compare two PDFs page by page; write page images into `folder` (new pages outlined)."""
    from PIL import ImageDraw

    old, new = page_images(old_pdf), page_images(new_pdf)
    folder.mkdir(parents=True, exist_ok=True)
    result = {"old_pages": len(old.images), "new_pages": len(new.images), "changed": [], "added": [],
              "removed": [], "regions": {}, "shown": []}
    for index in range(max(len(old.images), len(new.images))):
        number = index + 1
        a = old.images[index] if index < len(old.images) else None
        b = new.images[index] if index < len(new.images) else None
        shown = {"number": number, "old_image": None, "new_image": None}
        if a is not None and b is not None:
            boxes = regions(a, b)
            if not boxes:
                continue
            result["changed"].append(number)
            scale = 72 / DPI
            result["regions"][str(number)] = [[round(v * scale, 1) for v in box] for box in boxes]
            b = b.copy()
            draw = ImageDraw.Draw(b)
            for box in boxes:
                draw.rectangle(box, outline=OUTLINE, width=3)
            shown["state"] = "changed"
        elif b is not None:
            result["added"].append(number)
            shown["state"] = "added"
        else:
            result["removed"].append(number)
            shown["state"] = "removed"
        for side, image in (("old", a), ("new", b)):
            if image is not None:
                name = f"{side}-{number}.png"
                image.save(folder / name, optimize=True)
                shown[f"{side}_image"] = name
        result["shown"].append(shown)
    return result
