"""Read the facts of a PDF file into a PdfReport."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Iterator

import pikepdf
import pikepdf.settings
import pypdfium2

from ..paths import read_bytes
from .content import MIN_CONTENT_BYTES, ContentWalker, TooLarge, inherited
from .standards import StandardsFacts, read_standards
from .streams import check_all_streams, without_stream_name
from .xmp import check_xmp_size, read_xmp
from .model import MM_PER_PT, Claims, OutputIntent, PageBoxes, PageInfo, PdfReport, PreflightError, Rect

HEADING = re.compile(r"^/H([1-6])$")
XMP_KEYS = ("pdfaid:part", "pdfaid:conformance", "pdfuaid:part", "pdfx:GTS_PDFXVersion",
            "pdfxid:GTS_PDFXVersion", "dc:title")
US_LETTER = Rect(0.0, 0.0, 215.9, 279.4)  # the PDF default when a page has no MediaBox
# What every stream of a file may decode to, in all, before qpdf's check decodes them: images
# and fonts (a full-page CMYK photograph at 300 dpi is 35 MB), never a Flate bomb's gigabytes.
MIN_ALL_STREAM_BYTES = 256_000_000
QPDF_MEMORY_LIMITS = ("flate_max_memory", "png_max_memory", "tiff_max_memory", "run_length_max_memory",
                      "dct_max_memory")


def inspect_pdf(path: Path) -> PdfReport:
    """Read the facts preflight needs from the PDF at path."""
    path = Path(path)
    try:
        # Read once, as a regular file: a named pipe or a device given by mistake would block or
        # never end, and both readers (qpdf, PDFium) see the same bytes even if the file changes.
        data = read_bytes(path)
    except (OSError, ValueError) as error:
        raise PreflightError(f"{path}: cannot be opened as a PDF ({_reason(error, path)})") from None
    # qpdf decodes streams it reads objects from (object streams, cross-reference streams) as it
    # opens the file and resolves objects, before anything here can measure them: its own limits
    # stop each decoder at the file's stream budget (6 KB of object stream took it a gigabyte).
    # qpdf has no limit for LZW: an object stream behind LZW is still decoded whole here.
    budget = max(MIN_ALL_STREAM_BYTES, 50 * len(data))
    previous = pikepdf.settings.set_qpdf_limits(**{name: min(budget, 0xFFFFFFFF) for name in QPDF_MEMORY_LIMITS})
    try:
        return _inspect(path, data)
    finally:
        pikepdf.settings.set_qpdf_limits(**previous)


def _inspect(path: Path, data: bytes) -> PdfReport:
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise PreflightError(f"{path}: is encrypted with a password: preflight reads only "
                             "unencrypted PDFs, as every profile requires") from None
    except (pikepdf.PdfError, OSError, ValueError, RecursionError) as error:
        raise PreflightError(f"{path}: cannot be opened as a PDF ({_reason(error, path)})") from None
    try:
        return _report(pdf, path, data)
    except RecursionError:
        raise PreflightError(f"{path}: objects are nested too deeply to be read") from None
    except pikepdf.PdfError as error:
        raise PreflightError(f"{path}: cannot be read as a PDF ({_reason(error, path)})") from None
    except TooLarge as error:
        raise PreflightError(f"{path}: not inspected: {error}") from None
    except (pypdfium2.PdfiumError, AttributeError, TypeError, KeyError, IndexError, ValueError) as error:
        # A damaged file qpdf recovers from may still lack objects (a null where a font or a
        # number belongs) or be refused by PDFium: the file's fault, said as such.
        raise PreflightError(f"{path}: cannot be read as a PDF: it is damaged "
                             f"({_reason(error, path)})") from None


def _report(pdf: pikepdf.Pdf, path: Path, data: bytes) -> PdfReport:
    with pdf:
        check_xmp_size(pdf, max(MIN_CONTENT_BYTES, 20 * len(data)))  # what the content walk may read
        xmp_problem = read_xmp(pdf)[1]
        root, xmp = pdf.Root, ({} if xmp_problem else _xmp(pdf))
        info = pdf.trailer.get("/Info")
        info = info if isinstance(info, pikepdf.Dictionary) else pikepdf.Dictionary()
        headings, figures, without_alt = _structure(root)
        walker = ContentWalker(len(data))
        for number, page in enumerate(pdf.pages, start=1):
            walker.walk_page(number, page)
        # qpdf's check decodes every stream whole, in memory, and PDFium reads fonts and images:
        # no more than a budget in all (images and fonts included)
        check_all_streams(pdf, max(MIN_ALL_STREAM_BYTES, 50 * len(data)))  # as inspect_pdf's budget
        return PdfReport(
            path=path,
            version=str(pdf.pdf_version),
            problems=tuple(_syntax_problems(pdf)),
            claims=Claims(
                pdfa_part=xmp.get("pdfaid:part"),
                pdfa_conformance=xmp.get("pdfaid:conformance"),
                pdfua_part=xmp.get("pdfuaid:part"),
                pdfx_version=(xmp.get("pdfxid:GTS_PDFXVersion") or xmp.get("pdfx:GTS_PDFXVersion")
                              or _text(info.get("/GTS_PDFXVersion"))),  # PDF/X-1a and X-3 use Info
            ),
            title=xmp.get("dc:title"),
            info_title=_text(info.get("/Title")),
            lang=_text(root.get("/Lang")),
            display_doc_title=_flag(root.get("/ViewerPreferences"), "/DisplayDocTitle"),
            marked=_flag(root.get("/MarkInfo"), "/Marked"),
            struct_tree="/StructTreeRoot" in root,
            outline_count=_outline_count(root),
            heading_levels=headings,
            figure_count=figures,
            figures_without_alt=without_alt,
            output_intents=tuple(_output_intents(root)),
            embedded_files=tuple(sorted(set(_embedded_files(root)))),
            pages=tuple(_pages(pdf, data)),
            fonts=tuple(walker.fonts.values()),
            colours=tuple(sorted(walker.colours.items())),
            images=tuple(walker.images),
            standards=_standards(pdf, data),
            xmp_problem=xmp_problem,
        )


def _standards(pdf: pikepdf.Pdf, data: bytes) -> StandardsFacts:
    document = pypdfium2.PdfDocument(data)
    try:
        return read_standards(pdf, document)
    finally:
        document.close()


def _reason(error: BaseException, path: Path) -> str:
    """Return the first line of an error message, without the file name."""
    lines = str(error).strip().splitlines() or [type(error).__name__]
    return without_stream_name(lines[0].removeprefix(f"{path}: "))


def _syntax_problems(pdf: pikepdf.Pdf) -> list[str]:
    """Return qpdf's list of structural problems."""
    check = getattr(pdf, "check_pdf_syntax", None) or pdf.check  # check() was renamed in pikepdf 10
    return [without_stream_name(str(problem)) for problem in check()]


def _text(value: object) -> str | None:
    """Return a PDF string or name as text, or None when absent or empty."""
    text = str(value).strip() if value is not None else ""
    return text or None


def _flag(dictionary: object, key: str) -> bool:
    """Return whether a boolean entry of a dictionary is true."""
    return isinstance(dictionary, pikepdf.Dictionary) and dictionary.get(key) is True


def _xmp(pdf: pikepdf.Pdf) -> dict[str, str]:
    """Return the non-empty XMP properties preflight reads, keyed by prefixed name (from a packet
    read_xmp found no problem in: pikepdf repairs or replaces others, printing a traceback)."""
    try:
        meta = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
        found = {key: meta.get(key) for key in XMP_KEYS}
    except Exception:  # unreadable XMP claims nothing
        return {}
    return {key: str(value).strip() for key, value in found.items() if value and str(value).strip()}


def _outline_count(root: pikepdf.Dictionary) -> int:
    """Count every entry of the outline tree, at any depth."""
    outlines = root.get("/Outlines")
    stack = [outlines.get("/First")] if isinstance(outlines, pikepdf.Dictionary) else []
    seen: set[tuple[int, int]] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, pikepdf.Dictionary) and item.objgen not in seen:
            seen.add(item.objgen)
            stack += [item.get("/Next"), item.get("/First")]
    return len(seen)


def _structure(root: pikepdf.Dictionary) -> tuple[tuple[int, ...], int, int]:
    """Return heading levels in document order, the Figure count and Figures lacking alt text."""
    tree = root.get("/StructTreeRoot")
    if not isinstance(tree, pikepdf.Dictionary):
        return (), 0, 0
    role_map = tree.get("/RoleMap")
    role_map = role_map if isinstance(role_map, pikepdf.Dictionary) else pikepdf.Dictionary()
    headings: list[int] = []
    figures = without_alt = 0
    for element in _struct_elements(tree.get("/K"), set()):
        role = _standard_role(str(element.get("/S")), role_map)
        if match := HEADING.match(role):
            headings.append(int(match.group(1)))
        elif role == "/Figure":
            figures += 1
            without_alt += not (_text(element.get("/Alt")) or _text(element.get("/ActualText")))
    return tuple(headings), figures, without_alt


def _struct_elements(kids: object, seen: set[tuple[int, int]]) -> Iterator[pikepdf.Dictionary]:
    """Yield structure elements depth first, in document order (a stack, not recursion: a
    tree may be nested thousands deep)."""
    stack = [iter(kids if isinstance(kids, pikepdf.Array) else [kids])]
    while stack:
        kid = next(stack[-1], None)
        if kid is None:
            stack.pop()
            continue
        if not isinstance(kid, pikepdf.Dictionary) or "/S" not in kid:
            continue  # marked-content ids and MCR/OBJR references
        if kid.is_indirect and kid.objgen in seen:
            continue
        seen.add(kid.objgen)
        yield kid
        inner = kid.get("/K")
        stack.append(iter(inner if isinstance(inner, pikepdf.Array) else [inner]))


def _standard_role(role: str, role_map: pikepdf.Dictionary) -> str:
    """Follow the role map from a custom structure type to a standard one."""
    for _ in range(10):
        mapped = role_map.get(role)
        if not isinstance(mapped, pikepdf.Name) or str(mapped) == role:
            break
        role = str(mapped)
    return role


def _output_intents(root: pikepdf.Dictionary) -> Iterator[OutputIntent]:
    """Yield the catalog's output intents."""
    intents = root.get("/OutputIntents")
    for intent in intents if isinstance(intents, pikepdf.Array) else []:
        if isinstance(intent, pikepdf.Dictionary):
            yield OutputIntent(str(intent.get("/S", "")), _text(intent.get("/OutputConditionIdentifier")) or "")


def _embedded_files(root: pikepdf.Dictionary) -> Iterator[str]:
    """Yield embedded file names from the EmbeddedFiles name tree and the catalog's /AF."""
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary) and isinstance(names.get("/EmbeddedFiles"), pikepdf.Dictionary):
        for key, spec in pikepdf.NameTree(names.EmbeddedFiles).items():
            yield _filespec_name(spec) or str(key)
    files = root.get("/AF")
    for spec in files if isinstance(files, pikepdf.Array) else []:
        if name := _filespec_name(spec):
            yield name


def _filespec_name(spec: object) -> str | None:
    """Return the name of a file specification that embeds a file."""
    if not isinstance(spec, pikepdf.Dictionary) or "/EF" not in spec:
        return None
    return _text(spec.get("/UF")) or _text(spec.get("/F"))


def _rect(value: object) -> Rect | None:
    """Convert a PDF rectangle in points to a normalised Rect in millimetres."""
    if not isinstance(value, pikepdf.Array) or len(value) != 4:
        return None
    x0, y0, x1, y1 = (float(v) * MM_PER_PT for v in value)
    return Rect(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _pages(pdf: pikepdf.Pdf, data: bytes) -> Iterator[PageInfo]:
    """Yield the boxes and text margin of every page."""
    document = pypdfium2.PdfDocument(data)
    try:
        for index, page in enumerate(pdf.pages):
            obj = page.obj
            boxes = PageBoxes(_rect(inherited(obj, "/MediaBox")) or US_LETTER, _rect(inherited(obj, "/CropBox")),
                              _rect(obj.get("/TrimBox")), _rect(obj.get("/BleedBox")))
            trim = boxes.trim or boxes.crop or boxes.media  # the trim defaults to the crop box
            yield PageInfo(index + 1, boxes, _text_margin(document, index, trim))
    finally:
        document.close()


def _text_margin(document: pypdfium2.PdfDocument, index: int, trim: Rect) -> float | None:
    """Return how far inside the trim edge the nearest glyph lies, in mm (None without text)."""
    page = document[index]
    textpage = page.get_textpage()
    try:
        margins = []
        for i in range(textpage.count_chars()):
            generated = pypdfium2.raw.FPDFText_IsGenerated(textpage.raw, i) == 1
            if generated or chr(pypdfium2.raw.FPDFText_GetUnicode(textpage.raw, i)).isspace():
                continue
            left, bottom, right, top = (v * MM_PER_PT for v in textpage.get_charbox(i))
            if right > left or top > bottom:
                margins.append(min(left - trim.left, bottom - trim.bottom, trim.right - right, trim.top - top))
        return min(margins, default=None)
    finally:
        textpage.close()
        page.close()
