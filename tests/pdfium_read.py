"""Read what PDFium (pypdfium2) sees: characters with boxes, text objects with their marked
content, the structure tree with its languages. A reader that shares no code with WeasyPrint."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
import pypdfium2.raw as c


@dataclass(frozen=True)
class TextObject:
    page: int
    text: str
    marks: tuple[str, ...]  # marked-content tags, outermost first (e.g. Span, Artifact)
    mcid: int | None


def _utf16(getter, *args) -> str:
    size = getter(*args, None, 0)
    if size <= 2:
        return ""
    buffer = ctypes.create_string_buffer(size)
    getter(*args, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)) if getter is c.FPDFTextObj_GetText
           else buffer, size)
    return buffer.raw[:size - 2].decode("utf-16-le", errors="replace")


def _mark_name(mark) -> str:
    size = ctypes.c_ulong()
    c.FPDFPageObjMark_GetName(mark, None, 0, ctypes.byref(size))
    buffer = ctypes.create_string_buffer(size.value)
    c.FPDFPageObjMark_GetName(mark, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)), size.value, ctypes.byref(size))
    return buffer.raw[:max(size.value - 2, 0)].decode("utf-16-le")


def text_objects(path: Path) -> list[TextObject]:
    """Every text object of every page with its marks and MCID."""
    found = []
    document = pypdfium2.PdfDocument(str(path))
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            for obj in page.get_objects(max_depth=8):
                if obj.type != c.FPDF_PAGEOBJ_TEXT:
                    continue
                names, mcid = [], None
                for i in range(c.FPDFPageObj_CountMarks(obj.raw)):
                    mark = c.FPDFPageObj_GetMark(obj.raw, i)
                    names.append(_mark_name(mark))
                    value = ctypes.c_int()
                    if c.FPDFPageObjMark_GetParamIntValue(mark, b"MCID", ctypes.byref(value)):
                        mcid = value.value
                found.append(TextObject(index + 1, _utf16(c.FPDFTextObj_GetText, obj.raw, textpage.raw),
                                        tuple(names), mcid))
            textpage.close()
            page.close()
    finally:
        document.close()
    return found


def chars(path: Path) -> list[list[tuple[str, tuple[float, float, float, float]]]]:
    """Per page, every drawn character with its box (left, bottom, right, top) in points."""
    pages = []
    document = pypdfium2.PdfDocument(str(path))
    try:
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            found = []
            for i in range(textpage.count_chars()):
                if c.FPDFText_IsGenerated(textpage.raw, i) == 1:
                    continue
                char = chr(c.FPDFText_GetUnicode(textpage.raw, i))
                if not char.isspace():
                    found.append((char, textpage.get_charbox(i)))
            pages.append(found)
            textpage.close()
            page.close()
    finally:
        document.close()
    return pages


def annotation_counts(path: Path) -> list[int]:
    document = pypdfium2.PdfDocument(str(path))
    try:
        counts = []
        for index in range(len(document)):
            page = document[index]
            counts.append(c.FPDFPage_GetAnnotCount(page.raw))
            page.close()
        return counts
    finally:
        document.close()


def struct_languages(path: Path) -> list[tuple[int, str, list[int]]]:
    """(page, /Lang, marked-content ids under the element) for elements with their own /Lang."""
    found = []
    document = pypdfium2.PdfDocument(str(path))
    try:
        for index in range(len(document)):
            page = document[index]
            tree = c.FPDF_StructTree_GetForPage(page.raw)

            def mcids(element) -> list[int]:
                ids = [c.FPDF_StructElement_GetMarkedContentIdAtIndex(element, i)
                       for i in range(c.FPDF_StructElement_GetMarkedContentIdCount(element))]
                for i in range(c.FPDF_StructElement_CountChildren(element)):
                    child = c.FPDF_StructElement_GetChildAtIndex(element, i)
                    if child:
                        ids += mcids(child)
                return [i for i in ids if i >= 0]

            def walk(element) -> None:
                lang = _utf16(c.FPDF_StructElement_GetLang, element)
                if lang:
                    found.append((index + 1, lang, mcids(element)))
                for i in range(c.FPDF_StructElement_CountChildren(element)):
                    child = c.FPDF_StructElement_GetChildAtIndex(element, i)
                    if child:
                        walk(child)

            for i in range(c.FPDF_StructTree_CountChildren(tree)):
                walk(c.FPDF_StructTree_GetChildAtIndex(tree, i))
            c.FPDF_StructTree_Close(tree)
            page.close()
    finally:
        document.close()
    return found


def path_marks(path: Path) -> list[tuple[int, tuple[str, ...]]]:
    """(page, marked-content tags) of every path object."""
    found = []
    document = pypdfium2.PdfDocument(str(path))
    try:
        for index in range(len(document)):
            page = document[index]
            for obj in page.get_objects(max_depth=8):
                if obj.type == c.FPDF_PAGEOBJ_PATH:
                    found.append((index + 1, tuple(_mark_name(c.FPDFPageObj_GetMark(obj.raw, i))
                                                   for i in range(c.FPDFPageObj_CountMarks(obj.raw)))))
            page.close()
    finally:
        document.close()
    return found
