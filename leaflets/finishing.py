"""Finish a PDF before WeasyPrint writes it: stable identifiers, print boxes and marks, sources.

WeasyPrint hands its `pydyf.PDF` to a finisher right before the file is written; each step here
edits that object tree, so nothing is parsed back and WeasyPrint's own files stay untouched.
"""

from __future__ import annotations

import contextlib
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


# Steps that draw on the pages (what a page image shows changes): the preview cannot show such an
# edition's pages before its PDF is written (leaflets/preview/worker.py, Display).
DRAWING_STEPS = frozenset({"print_boxes_and_marks"})


def step(name: str) -> Step:
    """Return the finishing step a profile names (profiles name steps; they never import them)."""
    found = globals().get(name)
    # A step is a public function of this module taking (pdf, facts); helpers are not steps.
    code = getattr(found, "__code__", None)
    params = code.co_varnames[:code.co_argcount] if code else ()
    if name.startswith("_") or getattr(found, "__module__", None) != __name__ or params != ("pdf", "facts"):
        raise KeyError(f"no finishing step named '{name}'")
    return found


def finisher(steps: Iterable[str], facts: EditionFacts) -> Callable:
    """Return WeasyPrint's `finisher` callable running the named `steps` in order."""
    steps = tuple(step(name) for name in steps)

    def finish(document, pdf: pydyf.PDF) -> None:
        describe_links(document)
        if "StructTreeRoot" in pdf.catalog:
            tag_text_boxes(document, pdf)
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


@contextlib.contextmanager
def marked_content_ids():
    """Record on each text box the marked-content ids (MCID) WeasyPrint gives it, page by page.

    WeasyPrint numbers marked content as it draws and forgets which box got which number once
    the tag tree is built; finishing needs it to tag what the tree cannot say from the boxes
    alone (furniture, hyphens, foreign-language runs). Pages are drawn in order, so a box drawn
    on several pages (a fixed-position mark) gets one id per page, in page order.
    """
    from weasyprint.pdf.stream import Stream

    original = Stream.marked

    @contextlib.contextmanager
    def marked(self, box, tag):
        with original(self, box, tag):
            if self._tags is not None and box in self._tags:
                box.__dict__.setdefault("marked_content_ids", []).append(self._tags[box]["mcid"])
            yield

    Stream.marked = marked
    try:
        yield
    finally:
        Stream.marked = original


@dataclass
class _Run:
    """One text box as drawn on one page: its MCID and what the HTML says about it."""

    page: int
    mcid: int
    hidden: bool  # inside an element marked aria-hidden="true" (the DRAFT mark)
    lang: str | None  # the closest lang attribute, when it differs from the document's
    hyphen: str | None  # the hyphen the line break added at its end, if any


def _runs(document) -> list[_Run]:
    """List every marked text box of the document, page by page."""
    seen: dict[int, int] = {}
    runs: list[_Run] = []
    root_lang = None

    def walk(box, page: int, hidden: bool, lang: str | None):
        element = getattr(box, "element", None)
        if element is not None:
            if element.get("aria-hidden") == "true":
                hidden = True
            if element.get("lang"):
                lang = element.get("lang")
        ids = box.__dict__.get("marked_content_ids")
        if ids and hasattr(box, "text"):
            occurrence = seen.get(id(box), 0)
            seen[id(box)] = occurrence + 1
            if occurrence < len(ids):
                hyphen = box.style["hyphenate_character"]
                runs.append(_Run(page, ids[occurrence], hidden,
                                 lang if lang and lang != root_lang else None,
                                 hyphen if hyphen and box.text.endswith(hyphen) else None))
        children = getattr(box, "_box", None)  # an absolute placeholder
        for child in ([children] if children is not None else []) + list(getattr(box, "children", ())):
            walk(child, page, hidden, lang)

    for number, page in enumerate(document.pages):
        root_lang = _document_lang(page._page_box)
        walk(page._page_box, number, False, None)
    return runs


def _document_lang(page_box) -> str | None:
    for child in getattr(page_box, "children", ()):
        element = getattr(child, "element", None)
        if element is not None and element.tag == "html":
            return element.get("lang")
    return None


def tag_text_boxes(document, pdf: pydyf.PDF) -> None:
    """Tag what WeasyPrint's tree leaves out: hidden marks and layout hyphens become artifacts,
    foreign-language runs carry their own /Lang."""
    root = _object(pdf, pdf.catalog["StructTreeRoot"])
    nums = _object(pdf, root["ParentTree"])["Nums"]
    page_numbers = {int(key): value for key, value in zip(nums[::2], nums[1::2])
                    if isinstance(value, pydyf.Array)}
    pages = _pages(pdf)
    fonts = {font.hash: font for font in getattr(document, "fonts", {}).values()}
    for run in _runs(document):
        parents = page_numbers.get(run.page)
        if parents is None or run.mcid >= len(parents) or not _is_reference(parents[run.mcid]):
            continue
        reference = parents[run.mcid]
        element = _object(pdf, reference)
        if run.hidden:
            _detach(pdf, reference)  # its content becomes an artifact with the running heads
            continue
        if run.lang:
            element["Lang"] = pydyf.String(run.lang)
        if run.hyphen:
            _hyphen_as_artifact(pdf, pages[run.page], run.mcid, run.hyphen, fonts)


def _detach(pdf: pydyf.PDF, reference) -> None:
    """Take a structure element out of the tree, and its parents that are left empty."""
    element = _object(pdf, reference)
    parent = _object(pdf, element["P"])
    kids = parent.get("K")
    if isinstance(kids, pydyf.Array):
        parent["K"] = pydyf.Array([kid for kid in kids if _as_bytes(kid) != _as_bytes(reference)])
        if not parent["K"] and parent.get("S") not in ("/Document", None) and "P" in parent:
            _detach(pdf, element["P"])


_TJ = re.compile(rb"^\[(?P<body>.*)\] TJ$", re.S)
_LAST_GLYPH = re.compile(rb"<(?P<before>[0-9a-f]*?)(?P<glyph>[0-9a-f]{4})>(?P<tail>(?:-?[0-9.]+)?(?:<>)?)$")


def _hyphen_as_artifact(pdf: pydyf.PDF, page, mcid: int, hyphen: str, fonts) -> None:
    """Split the hyphen a line break added off its word and mark it as a layout artifact."""
    contents = _object(pdf, page["Contents"])
    items = contents.stream
    start = next((index for index, item in enumerate(items)
                  if isinstance(item, pydyf.Dictionary) and item.get("MCID") == mcid), None)
    if start is None:
        return
    font = None
    last = None
    for index in range(start + 1, len(items)):
        item = _as_bytes(items[index]) if isinstance(items[index], (bytes, str)) else b""
        if item == b"EMC":
            break
        if item.endswith(b" Tf"):
            font = fonts.get(item.split()[0][1:].decode())
        if _TJ.match(item):
            last = index
    if last is None:
        return
    body = _TJ.match(_as_bytes(items[last])).group("body")
    found = _LAST_GLYPH.search(body)
    if found is None:
        return
    glyph = int(found.group("glyph"), 16)
    if font is not None and getattr(font, "to_unicode", {}).get(glyph) not in (hyphen, None):
        return
    word = body[:found.start()] + b"<" + found.group("before") + b">"
    items[last:last + 1] = [b"[" + word + b"] TJ", b"/Artifact BMC",
                            b"[<" + found.group("glyph") + b">" + found.group("tail") + b"] TJ", b"EMC"]


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
        # production aids outside the document itself: an artifact of type Page (ISO 32000, 14.8.2.2)
        marks.begin_marked_content("Artifact", pydyf.Dictionary({"Type": "/Page"}))
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
        marks.end_marked_content()
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


def drop_link_annotations(pdf: pydyf.PDF, facts: EditionFacts) -> None:
    """Remove the link annotations of a print file: paper has no links, the URLs stay printed.

    PDF/X forbids interactive annotations inside the TrimBox; emptied, the annotation objects
    are unreferenced shells that no reader lists.
    """
    for page in _pages(pdf):
        for reference in page.pop("Annots", ()):
            _object(pdf, reference).clear()


def drop_unused_colour_spaces(pdf: pydyf.PDF, facts: EditionFacts) -> None:
    """Remove named colour spaces that no content stream selects (WeasyPrint declares two Lab
    spaces on every page whether or not anything is drawn in Lab)."""
    streams = [item for obj in pdf.objects if isinstance(obj, pydyf.Stream) for item in obj.stream]
    used = b"\n".join(_as_bytes(item) for item in streams if isinstance(item, (bytes, str)))
    for page in _pages(pdf):
        resources = _object(pdf, page["Resources"])
        if "ColorSpace" not in resources:
            continue
        spaces = _object(pdf, resources["ColorSpace"])
        for name in [name for name in spaces if not re.search(
                rb"/" + re.escape(name.encode()) + rb"(?![\w.#-])", used)]:
            del spaces[name]


_PDFX3_CONFORMANCE = re.compile(rb"\s*<pdfx:GTS_PDFXConformance>[^<]*</pdfx:GTS_PDFXConformance>")


def pdfx4_metadata(pdf: pydyf.PDF, facts: EditionFacts) -> None:
    """Keep only what PDF/X-4 defines in the XMP: drop GTS_PDFXConformance (a PDF/X-1a and X-3
    key WeasyPrint writes for every version); pdfxid:GTS_PDFXVersion and pdf:Trapped stay."""
    _edit_xmp(pdf, lambda xmp: _PDFX3_CONFORMANCE.sub(b"", xmp))


# PDF/A allows XMP properties outside its predefined schemas only when an extension schema in
# the same packet declares them (ISO 19005-3, 6.6.2.3); pdfuaid is one of them.
_PDFUA_CLAIM = b"""<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" pdfuaid:part="1"/>
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" \
xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates which part of ISO 14289 the file conforms to</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
"""


def claim_pdfua_in_pdfa(pdf: pydyf.PDF, facts: EditionFacts) -> None:
    """Claim PDF/UA-1 in a tagged PDF/A file, with the extension schema PDF/A asks for."""
    _edit_xmp(pdf, lambda xmp: xmp.replace(b"</rdf:RDF>", _PDFUA_CLAIM + b"</rdf:RDF>", 1))


# What each attached source is (PDF/A-3 asks for its MIME type; stdlib guesses neither).
MIME_TYPES = {".yaml": "application/yaml", ".yml": "application/yaml",
              ".po": "text/x-gettext-translation"}


def attachment_types_and_af(pdf: pydyf.PDF, facts: EditionFacts) -> None:
    """Type each embedded file by its MIME type, sort their name tree, list each once in /AF.

    WeasyPrint lists every attachment twice in /AF (from the name tree and from the file
    specifications), types YAML and PO files application/octet-stream and leaves the name
    tree in attachment order, which readers must repair when a catalogue follows the YAML.
    """
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Filespec" and "EF" in obj:
            name = _text(obj.get("UF") or obj.get("F"))
            mime = MIME_TYPES.get(Path(name).suffix.lower())
            if mime:
                _object(pdf, obj["EF"]["F"]).extra["Subtype"] = "/" + mime.replace("/", "#2f")
    names = pdf.catalog.get("Names", {}).get("EmbeddedFiles")
    if names is not None:  # a name tree's keys are sorted (WeasyPrint keeps attachment order)
        tree = _object(pdf, names)
        pairs = sorted(zip(tree["Names"][::2], tree["Names"][1::2]), key=lambda pair: _text(pair[0]))
        tree["Names"] = pydyf.Array([item for pair in pairs for item in pair])
    if "AF" in pdf.catalog:
        pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(_as_bytes(ref) for ref in pdf.catalog["AF"]))


def _text(value) -> str:
    """Return the text of a pydyf string (or of anything else) without PDF string syntax."""
    if isinstance(value, pydyf.String):
        value = value.string
    return value if isinstance(value, str) else _as_bytes(value).decode("latin-1")


def _edit_xmp(pdf: pydyf.PDF, edit: Callable[[bytes], bytes]) -> None:
    if "Metadata" not in pdf.catalog:
        return
    metadata = _object(pdf, pdf.catalog["Metadata"])
    metadata.stream = [edit(b"".join(_as_bytes(part) for part in metadata.stream))]


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
