"""Read the facts behind links, artifacts, print hygiene and PDF/A attachments and XMP.

Objects and metadata are read with pikepdf, text positions and the marked content each text
object sits in with PDFium (pypdfium2): two readers that share no code with the writer.
"""

from __future__ import annotations

import ctypes
import re
from collections import Counter
from dataclasses import dataclass, field

import pikepdf
import pypdfium2
import pypdfium2.raw as pdfium_c
from lxml import etree

from .xmp import read_xmp

HYPHEN = "\u2010"  # what line breaking inserts (CSS hyphenate-character); typed text uses U+002D
URL_START = re.compile(r"https?://")
INTERACTIVE = {"/Link", "/Widget", "/Screen", "/Movie", "/Sound", "/RichMedia", "/3D", "/FileAttachment"}
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFA_EXTENSION = "http://www.aiim.org/pdfa/ns/extension/"
PDFA_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
PDFA_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"
# Schemas PDF/A-3 (ISO 19005-3, 6.6.2.3) takes as predefined: XMP 2004's, plus its own ids.
PREDEFINED_XMP = {
    "http://purl.org/dc/elements/1.1/", "http://ns.adobe.com/xap/1.0/", "http://ns.adobe.com/xap/1.0/rights/",
    "http://ns.adobe.com/xap/1.0/mm/", "http://ns.adobe.com/xap/1.0/bj/", "http://ns.adobe.com/xap/1.0/t/pg/",
    "http://ns.adobe.com/xmp/1.0/DynamicMedia/", "http://ns.adobe.com/pdf/1.3/", "http://ns.adobe.com/photoshop/1.0/",
    "http://ns.adobe.com/camera-raw-settings/1.0/", "http://ns.adobe.com/exif/1.0/", "http://ns.adobe.com/exif/1.0/aux/",
    "http://ns.adobe.com/tiff/1.0/", "http://www.aiim.org/pdfa/ns/id/", PDFA_EXTENSION, PDFA_SCHEMA,
    PDFA_PROPERTY, "http://www.aiim.org/pdfa/ns/type#", "http://www.aiim.org/pdfa/ns/field#", RDF,
}
# XMP properties a PDF/X-4 file carries that PDF/X-4 (ISO 15930-7) does not define.
NOT_PDFX4 = {("http://ns.adobe.com/pdfx/1.3/", "GTS_PDFXConformance")}


@dataclass(frozen=True)
class LinkInfo:
    page: int
    rect: tuple[float, float, float, float]  # points, normalised (left, bottom, right, top)
    glyphs: int  # characters whose box centre lies inside
    target: str  # "dest:NAME", "uri:URL", "" when it goes nowhere
    resolved: bool  # the destination names a page of this file, or the URI is absolute


@dataclass(frozen=True)
class StandardsFacts:
    """What preflight reads for the standards rules of links, tagging, PDF/X-4 and PDF/A-3."""

    links: tuple[LinkInfo, ...] = ()
    uncovered_url_text: tuple[str, ...] = ()  # "page N: text" of printed URLs outside every link
    annotations: tuple[tuple[int, str], ...] = ()  # (page, subtype) of every annotation
    unused_colour_spaces: tuple[tuple[int, str], ...] = ()
    xmp_properties: tuple[tuple[str, str], ...] = ()  # (namespace URI, local name)
    xmp_declared: tuple[tuple[str, str], ...] = ()  # declared by PDF/A extension schemas
    trapped_info: str | None = None
    trapped_xmp: str | None = None
    trailer_id: bool = False
    af_names: tuple[str, ...] = ()
    embedded_types: tuple[tuple[str, str], ...] = ()  # (file name, MIME type)
    tagged_hyphens: tuple[str, ...] = ()  # "page N: word-" for line-break hyphens in real content
    repeated_content: tuple[str, ...] = ()  # text tagged as content at one place on every page
    unmarked_text: int = 0  # text objects in neither real content nor an artifact
    lang_values: tuple[str, ...] = field(default_factory=tuple)


def read_standards(pdf: pikepdf.Pdf, document: pypdfium2.PdfDocument) -> StandardsFacts:
    """Read the standards facts of an open file (pikepdf and PDFium views of the same bytes)."""
    links, uncovered, hyphens, unmarked = [], [], [], 0
    placed: list[Counter] = []
    destinations = _destinations(pdf)
    tagged = "/StructTreeRoot" in pdf.Root
    for index, page in enumerate(pdf.pages):
        pdfium_page = document[index]
        textpage = pdfium_page.get_textpage()
        try:
            chars = _chars(textpage)
            page_links = [_link(index + 1, annot, chars, destinations)
                          for annot in page.obj.get("/Annots", ()) if annot.get("/Subtype") == "/Link"]
            links += page_links
            uncovered += [f"page {index + 1}: {text}" for text in _uncovered_urls(chars, page_links)]
            if tagged:
                found, unmarked_here, places = _text_objects(pdfium_page, textpage, index + 1)
                hyphens += found
                unmarked += unmarked_here
                placed.append(places)
        finally:
            textpage.close()
            pdfium_page.close()
    xmp = _xmp_tree(pdf)
    info = pdf.trailer.get("/Info")
    return StandardsFacts(
        links=tuple(links),
        uncovered_url_text=tuple(uncovered),
        annotations=tuple((number, str(annot.get("/Subtype")))
                          for number, page in enumerate(pdf.pages, 1) for annot in page.obj.get("/Annots", ())),
        unused_colour_spaces=tuple(_unused_colour_spaces(pdf)),
        xmp_properties=tuple(_xmp_properties(xmp)),
        xmp_declared=tuple(_xmp_declared(xmp)),
        trapped_info=str(info.get("/Trapped")) if isinstance(info, pikepdf.Dictionary) and "/Trapped" in info else None,
        trapped_xmp=_xmp_value(xmp, "http://ns.adobe.com/pdf/1.3/", "Trapped"),
        trailer_id=isinstance(pdf.trailer.get("/ID"), pikepdf.Array) and len(pdf.trailer.ID) == 2,
        af_names=tuple(_file_name(spec) for spec in pdf.Root.get("/AF", ())),
        embedded_types=tuple(_embedded_types(pdf)),
        tagged_hyphens=tuple(hyphens),
        repeated_content=tuple(_repeated(placed)),
        unmarked_text=unmarked,
        lang_values=tuple(_lang_values(pdf)),
    )


def _chars(textpage) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Every character of a page with its box (points); generated characters have no box."""
    chars = []
    for i in range(textpage.count_chars()):
        char = chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i))
        generated = pdfium_c.FPDFText_IsGenerated(textpage.raw, i) == 1
        chars.append((char, (0.0, 0.0, 0.0, 0.0) if generated else textpage.get_charbox(i)))
    return chars


def _inside(box, rect, slack: float = 0.5) -> bool:
    left, bottom, right, top = box
    return (rect[0] - slack <= left and right <= rect[2] + slack
            and rect[1] - slack <= bottom and top <= rect[3] + slack)


def _centre_inside(box, rect) -> bool:
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return rect[0] <= x <= rect[2] and rect[1] <= y <= rect[3]


def _link(page: int, annot: pikepdf.Dictionary, chars, destinations: dict[str, bool]) -> LinkInfo:
    x0, y0, x1, y1 = (float(v) for v in annot.get("/Rect", (0, 0, 0, 0)))
    rect = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    glyphs = sum(1 for char, box in chars if not char.isspace() and box[2] > box[0] and _centre_inside(box, rect))
    target, resolved = "", False
    action = annot.get("/A")
    dest = annot.get("/Dest")
    if isinstance(action, pikepdf.Dictionary) and action.get("/S") == "/URI":
        target = f"uri:{action.get('/URI')}"
        resolved = bool(URL_START.match(str(action.get("/URI"))))
    elif isinstance(action, pikepdf.Dictionary) and action.get("/S") == "/GoTo":
        dest = action.get("/D")
    if dest is not None and not target:
        if isinstance(dest, (pikepdf.String, pikepdf.Name)):
            name = str(dest).lstrip("/")
            target, resolved = f"dest:{name}", destinations.get(name, False)
        elif isinstance(dest, pikepdf.Array) and len(dest):
            target, resolved = "dest:explicit", isinstance(dest[0], pikepdf.Dictionary) and dest[0].get("/Type") == "/Page"
    return LinkInfo(page, rect, glyphs, target, resolved)


def _destinations(pdf: pikepdf.Pdf) -> dict[str, bool]:
    """Named destinations, each with whether it names a page of the document."""
    found: dict[str, bool] = {}
    names = pdf.Root.get("/Names")
    if isinstance(names, pikepdf.Dictionary) and "/Dests" in names:
        for name, value in pikepdf.NameTree(names.Dests).items():
            array = value.get("/D") if isinstance(value, pikepdf.Dictionary) else value
            found[str(name)] = (isinstance(array, pikepdf.Array) and len(array) > 0
                                and isinstance(array[0], pikepdf.Dictionary) and array[0].get("/Type") == "/Page")
    dests = pdf.Root.get("/Dests")
    if isinstance(dests, pikepdf.Dictionary):
        for key, value in dests.items():
            found[key.lstrip("/")] = True
    return found


def _uncovered_urls(chars, links: list[LinkInfo]) -> list[str]:
    """Printed URLs (from `http` to the end of the line's word) with a character outside every link."""
    text = "".join(char for char, _ in chars)
    rects = [link.rect for link in links if link.target.startswith("uri:")]
    problems = []
    for match in URL_START.finditer(text):
        end = match.start()
        while end < len(text) and not text[end].isspace():
            end += 1
        outside = [i for i in range(match.start(), end)
                   if chars[i][1][2] > chars[i][1][0] and not any(_inside(chars[i][1], r) for r in rects)]
        if outside:
            problems.append(text[match.start():end])
    return problems


def _marks(obj) -> list[str]:
    names = []
    for i in range(pdfium_c.FPDFPageObj_CountMarks(obj)):
        mark = pdfium_c.FPDFPageObj_GetMark(obj, i)
        size = ctypes.c_ulong()
        pdfium_c.FPDFPageObjMark_GetName(mark, None, 0, ctypes.byref(size))
        buffer = ctypes.create_string_buffer(size.value)
        pdfium_c.FPDFPageObjMark_GetName(mark, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)),
                                         size.value, ctypes.byref(size))
        names.append(buffer.raw[:max(size.value - 2, 0)].decode("utf-16-le"))
    return names


def _object_text(obj, textpage) -> str:
    size = pdfium_c.FPDFTextObj_GetText(obj, textpage.raw, None, 0)
    buffer = ctypes.create_string_buffer(size)
    pdfium_c.FPDFTextObj_GetText(obj, textpage.raw, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)), size)
    return buffer.raw[:max(size - 2, 0)].decode("utf-16-le", errors="replace")


def _text_objects(page, textpage, number: int) -> tuple[list[str], int, Counter]:
    """Line-break hyphens in real content, text objects outside any marked content, and where
    each run of real content sits (text, rounded position)."""
    hyphens, unmarked, places = [], 0, Counter()
    for obj in page.get_objects(max_depth=8):
        if obj.type != pdfium_c.FPDF_PAGEOBJ_TEXT:
            continue
        marks = _marks(obj.raw)
        text = _object_text(obj.raw, textpage)
        if not text.strip():
            continue
        if not marks:
            unmarked += 1
        elif "Artifact" not in marks:
            if HYPHEN in text:
                hyphens.append(f"page {number}: {text.strip()}")
            left, bottom, right, top = obj.get_bounds()
            places[(text.strip(), round(left))] += 1
    return hyphens, unmarked, places


def _repeated(placed: list[Counter]) -> list[str]:
    """Text tagged as content at the same horizontal place on every page of a multi-page file:
    page furniture (a running head, a watermark) read aloud on every page. Runs shorter than
    four characters (citation numbers, list labels) are left out."""
    if len(placed) < 2:
        return []
    common = {key for key in placed[0] if len(key[0].replace(" ", "")) >= 4}
    for places in placed[1:]:
        common &= set(places)
    return sorted({text for text, _ in common})


def _unused_colour_spaces(pdf: pikepdf.Pdf):
    for number, page in enumerate(pdf.pages, 1):
        resources = page.obj.get("/Resources")
        spaces = resources.get("/ColorSpace") if isinstance(resources, pikepdf.Dictionary) else None
        if not isinstance(spaces, pikepdf.Dictionary) or not len(spaces):
            continue
        used = set()
        _names_used(page.obj, resources, used, set())
        for name in spaces.keys():
            if name not in used:
                yield number, name


def _names_used(stream, resources, used: set, seen: set) -> None:
    """Collect the colour space names a content stream (and the forms it draws) selects."""
    for operands, operator in pikepdf.parse_content_stream(stream):
        op = str(operator)
        if op in ("cs", "CS") and operands:
            used.add(str(operands[0]))
        elif op == "Do" and operands and isinstance(resources, pikepdf.Dictionary):
            xobject = resources.get("/XObject", {}).get(str(operands[0]))
            if isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                _names_used(xobject, xobject.get("/Resources", resources), used, seen)
        elif op == "INLINE IMAGE":
            space = operands[0].obj.get("/ColorSpace") if hasattr(operands[0], "obj") else None
            if isinstance(space, pikepdf.Name):
                used.add(str(space))
    for pattern in (resources.get("/Pattern", {}) if isinstance(resources, pikepdf.Dictionary) else {}).values():
        if isinstance(pattern, pikepdf.Stream) and pattern.objgen not in seen:
            seen.add(pattern.objgen)
            _names_used(pattern, pattern.get("/Resources", resources), used, seen)


def _xmp_tree(pdf: pikepdf.Pdf):
    return read_xmp(pdf)[0]  # None without a packet, or with one that cannot be read (a problem of its own)


def _xmp_properties(xmp):
    """The top-level properties of every rdf:Description, as elements or as attributes."""
    if xmp is None:
        return
    for description in xmp.iter(f"{{{RDF}}}Description"):
        if description.getparent() is None or description.getparent().tag != f"{{{RDF}}}RDF":
            continue
        for name in description.attrib:
            qname = etree.QName(name)
            if qname.namespace and qname.namespace != RDF:
                yield qname.namespace, qname.localname
        for child in description:
            qname = etree.QName(child)
            yield qname.namespace or "", qname.localname


def _xmp_declared(xmp):
    """The properties the file's PDF/A extension schemas declare."""
    if xmp is None:
        return
    for schema in xmp.iter(f"{{{PDFA_EXTENSION}}}schemas"):
        for entry in schema.iter(f"{{{RDF}}}li"):
            uri = entry.findtext(f"{{{PDFA_SCHEMA}}}namespaceURI") or entry.get(f"{{{PDFA_SCHEMA}}}namespaceURI")
            if not uri:
                continue
            for prop in entry.iter(f"{{{PDFA_PROPERTY}}}name"):
                yield uri.strip(), (prop.text or "").strip()
            for prop in entry.iter(f"{{{RDF}}}li"):
                if prop.get(f"{{{PDFA_PROPERTY}}}name"):
                    yield uri.strip(), prop.get(f"{{{PDFA_PROPERTY}}}name")


def _xmp_value(xmp, namespace: str, name: str) -> str | None:
    if xmp is None:
        return None
    for description in xmp.iter(f"{{{RDF}}}Description"):
        value = description.get(f"{{{namespace}}}{name}") or description.findtext(f"{{{namespace}}}{name}")
        if value:
            return value.strip()
    return None


def _file_name(spec) -> str:
    if isinstance(spec, pikepdf.Dictionary):
        return str(spec.get("/UF") or spec.get("/F") or "?")
    return "?"


def _embedded_types(pdf: pikepdf.Pdf):
    for name, spec in pdf.attachments.items():
        stream = spec.obj.get("/EF", {}).get("/F")
        subtype = stream.get("/Subtype") if isinstance(stream, pikepdf.Stream) else None
        yield name, str(subtype).lstrip("/") if subtype is not None else ""


def _lang_values(pdf: pikepdf.Pdf):
    tree = pdf.Root.get("/StructTreeRoot")
    stack, seen = ([tree.get("/K")] if isinstance(tree, pikepdf.Dictionary) else []), set()
    while stack:
        kids = stack.pop()
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
            if isinstance(kid, pikepdf.Dictionary) and kid.objgen not in seen:
                seen.add(kid.objgen)
                if "/Lang" in kid:
                    yield str(kid.Lang)
                stack.append(kid.get("/K"))
