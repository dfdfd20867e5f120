"""Finish a PDF before WeasyPrint writes it: stable identifiers, print boxes and marks, sources.

WeasyPrint hands its `pydyf.PDF` to a finisher right before the file is written; each step here
edits that object tree, so nothing is parsed back and WeasyPrint's own files stay untouched.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import pydyf

MM = 72 / 25.4  # PDF points per millimetre
MARK_GAP_MM = 2.0  # crop marks start this far outside the bleed ...
MARK_END_MM = 1.0  # ... and stop this far inside the media edge
MARK_WIDTH_PT = 0.25  # at least 0.2 pt, the thinnest line a press holds
_DOCUMENT_ID = re.compile(rb"xmp\.did:[0-9a-f-]{36}")
# Identifies derived DocumentIDs: uuid5 of the job code within this namespace.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:leaflets:edition")
# The ICC registry, where the characterized printing conditions (FOGRA39, ...) are listed.
ICC_REGISTRY = "http://www.color.org"


@dataclass(frozen=True)
class EditionFacts:
    """What finishing needs to know about one edition."""

    job_code: str
    date: dt.date
    bleed_mm: float
    sources: tuple[Path, ...] = ()


Step = Callable[[pydyf.PDF, EditionFacts], None]


def finisher(steps: Iterable[Step], facts: EditionFacts) -> Callable:
    """Return WeasyPrint's `finisher` callable running `steps` in order."""
    steps = tuple(steps)

    def finish(document, pdf: pydyf.PDF) -> None:
        describe_links(document)
        for step in steps:
            step(pdf, facts)

    return finish


def describe_links(document) -> None:
    """Give each link annotation its element's `title` as description (PDF/UA: links say where
    they go); WeasyPrint would describe a citation's link by its anchor name, `ref-1`."""
    for page in document.pages:
        for _kind, _target, _rectangle, box in page.links:
            annotation = getattr(box, "link_annotation", None)
            title = box.element.get("title") if getattr(box, "element", None) is not None else None
            if annotation is not None and title:
                annotation["Contents"] = pydyf.String(title)


def stable_document_id(pdf: pydyf.PDF, facts: EditionFacts) -> None:
    """Replace WeasyPrint's random XMP DocumentID with one derived from the job code."""
    if "Metadata" not in pdf.catalog:
        return
    metadata = _object(pdf, pdf.catalog["Metadata"])
    derived = f"xmp.did:{uuid.uuid5(_NAMESPACE, facts.job_code)}".encode()
    metadata.stream = [_DOCUMENT_ID.sub(derived, _as_bytes(part)) for part in metadata.stream]


def print_boxes_and_marks(pdf: pydyf.PDF, facts: EditionFacts) -> None:
    """Set every page's BleedBox to the paper's bleed and draw crop marks outside it."""
    registration = _registration_colour(pdf)
    bleed = facts.bleed_mm * MM
    for page in _pages(pdf):
        x0, y0, x1, y1 = (float(v) for v in page["TrimBox"])
        media = [float(v) for v in page["MediaBox"]]
        page["BleedBox"] = pydyf.Array([x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed])
        start = bleed + MARK_GAP_MM * MM
        end = min(x0 - media[0], y0 - media[1]) - MARK_END_MM * MM
        if end <= start:
            raise ValueError("the page's slug is too narrow for crop marks")
        marks = pydyf.Stream(compress=True)
        marks.push_state()
        marks.set_line_width(MARK_WIDTH_PT)
        marks.set_color_space(registration, stroke=True)
        marks.set_color_special(None, True, 1)
        for x, y, sx, sy in ((x0, y0, -1, -1), (x1, y0, 1, -1), (x0, y1, -1, 1), (x1, y1, 1, 1)):
            marks.move_to(x + sx * start, y)  # horizontal mark, on the trim line
            marks.line_to(x + sx * end, y)
            marks.move_to(x, y + sy * start)  # vertical mark
            marks.line_to(x, y + sy * end)
        marks.stroke()
        marks.pop_state()
        _append_content(pdf, page, marks)


def cmyk_output_condition(pdf: pydyf.PDF, facts: EditionFacts) -> None:
    """Name the output intent's characterized printing condition after the ICC registry."""
    for intent in pdf.catalog.get("OutputIntents", ()):
        intent["RegistryName"] = pydyf.String(ICC_REGISTRY)


def display_output_intent(pdf: pydyf.PDF, facts: EditionFacts) -> None:
    """Mark the sRGB output intent of a screen PDF as a display intent, not a PDF/X one."""
    for intent in pdf.catalog.get("OutputIntents", ()):
        intent["S"] = "/GTS_PDFA1"


def running_heads_as_artifacts(pdf: pydyf.PDF, facts: EditionFacts) -> None:
    """Mark the text of the page margin boxes (running heads and feet) as pagination artifacts.

    WeasyPrint tags that text but leaves its structure elements out of the tree; a screen reader
    should skip it, as PDF/UA asks for page furniture.
    """
    if "StructTreeRoot" not in pdf.catalog:
        return
    root = _object(pdf, pdf.catalog["StructTreeRoot"])
    in_tree = _reachable(pdf, root["K"])
    nums = _object(pdf, root["ParentTree"])["Nums"]
    pages = _pages(pdf)
    for key, value in zip(nums[::2], nums[1::2]):
        if not isinstance(value, pydyf.Array):
            continue  # an annotation's entry, not a page's marked content
        furniture = {mcid for mcid, reference in enumerate(value)
                     if _number(reference) not in in_tree}
        if not furniture:
            continue
        items = _object(pdf, pages[key]["Contents"]).stream
        for index, item in enumerate(items):
            if isinstance(item, pydyf.Dictionary) and item.get("MCID") in furniture:
                items[index - 1] = "/Artifact"
                items[index] = pydyf.Dictionary({"Type": "/Pagination"})
        for mcid in furniture:
            value[mcid] = "null"


def table_header_scope(pdf: pydyf.PDF, facts: EditionFacts) -> None:
    """Give every table header cell its /Scope: Column in the table head, Row in the body.

    WeasyPrint tags tables (Table, THead, TBody, TR, TH, TD, with Headers on data cells) but
    leaves out /Scope, which PDF/UA asks of a TH that no Headers/ID pair explains to every reader.
    """
    if "StructTreeRoot" not in pdf.catalog:
        return
    pending = [(_object(pdf, pdf.catalog["StructTreeRoot"]), None)]
    while pending:
        element, group = pending.pop()
        kind = element.get("S") if isinstance(element, pydyf.Dictionary) else None
        if kind == "/TH":
            attributes = element.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
            attributes["Scope"] = "/Column" if group == "/THead" else "/Row"
        if kind in ("/THead", "/TBody", "/TFoot"):
            group = kind
        kids = element.get("K") if isinstance(element, pydyf.Dictionary) else None
        for kid in (kids if isinstance(kids, pydyf.Array) else [kids] if kids is not None else []):
            if _is_reference(kid):
                pending.append((_object(pdf, kid), group))


def _reachable(pdf: pydyf.PDF, kids) -> set[int]:
    """Return the object numbers of the structure elements under `kids`."""
    seen: set[int] = set()
    stack = [_number(kid) for kid in kids if _is_reference(kid)]
    while stack:
        number = stack.pop()
        if number in seen:
            continue
        seen.add(number)
        element = pdf.objects[number]
        if isinstance(element, pydyf.Dictionary):
            stack.extend(_number(kid) for kid in element.get("K", ()) if _is_reference(kid))
    return seen


def _is_reference(value) -> bool:
    return isinstance(value, (bytes, str)) and _as_bytes(value).endswith(b" R")


def _number(reference) -> int:
    return int(_as_bytes(reference).split()[0])


def source_attachments(facts: EditionFacts) -> list:
    """Return the edition's source files as attachments dated with the edition, not the disk."""
    import weasyprint

    moment = dt.datetime.combine(facts.date, dt.time(0, 0))
    return [weasyprint.Attachment(file_obj=io.BytesIO(path.read_bytes()), name=path.name,
                                  description=f"Source of this leaflet: {path.name}",
                                  created=moment, modified=moment, relationship="Source")
            for path in facts.sources]


def _registration_colour(pdf: pydyf.PDF) -> str:
    """Add the Separation /All colour space (marks print on every plate); return its name."""
    page = next(iter(_pages(pdf)))
    resources = _object(pdf, page["Resources"])
    spaces = _object(pdf, resources["ColorSpace"])
    if "registration" not in spaces:
        tint = pydyf.Dictionary({
            "FunctionType": 2, "Domain": pydyf.Array([0, 1]), "N": 1,
            "C0": pydyf.Array([0, 0, 0, 0]), "C1": pydyf.Array([1, 1, 1, 1])})
        pdf.add_object(tint)
        spaces["registration"] = pydyf.Array(["/Separation", "/All", "/DeviceCMYK", tint.reference])
    return "registration"


def _append_content(pdf: pydyf.PDF, page: pydyf.Dictionary, stream: pydyf.Stream) -> None:
    """Draw `stream` after the page's own content, in a clean graphics state."""
    save, restore = pydyf.Stream([b"q"]), pydyf.Stream([b"Q"])
    for added in (save, restore, stream):
        pdf.add_object(added)
    page["Contents"] = pydyf.Array([save.reference, page["Contents"], restore.reference,
                                    stream.reference])


def _pages(pdf: pydyf.PDF) -> list[pydyf.Dictionary]:
    return [pdf.objects[number] for number in pdf.pages["Kids"][::3]]


def _object(pdf: pydyf.PDF, reference) -> pydyf.Object:
    return pdf.objects[_number(reference)]


def _as_bytes(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()
