"""Read a file's XMP metadata packet, or say what keeps it from being read.

The packet is read here, with a parser that resolves no entity, reads no DTD and fetches
nothing, within limits on its size and depth: metadata that is not an XMP packet (not XML, in an
encoding other than its own, declaring a DOCTYPE, naming undeclared prefixes, no rdf:RDF) is a
problem said in the report, and is never handed on to a reader that would repair it, replace it
or print a traceback about it (pikepdf logs one for XML that is not XMP).
"""

from __future__ import annotations

import re

import pikepdf
from lxml import etree

from .streams import TooLarge, decoded_length, without_stream_name

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XMP_META = "adobe:ns:meta/"
# A leaflet's packet holds a few kilobytes; thumbnails and edit histories make some reach a few
# hundred. No packet preflight reads may decode to more (a few hundred bytes of Flate could
# inflate to gigabytes).
MAX_XMP_BYTES = 4_000_000


def read_xmp(pdf: pikepdf.Pdf) -> tuple[etree._Element | None, str | None]:
    """Return the root of the file's XMP packet (None without one) and the problem that keeps
    it from being read (None when there is none, or no packet)."""
    metadata = pdf.Root.get("/Metadata")
    if metadata is None:
        return None, None
    if not isinstance(metadata, pikepdf.Stream):
        return None, "the catalog's /Metadata is not a stream"
    try:
        if decoded_length(metadata, MAX_XMP_BYTES) > MAX_XMP_BYTES:
            return None, f"the XMP metadata decodes to more than {MAX_XMP_BYTES // 1_000_000} MB"
        data = metadata.read_bytes()
    except pikepdf.PdfError as error:
        return None, f"the XMP metadata stream cannot be decoded ({without_stream_name(_first_line(error))})"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_pis=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:  # its msg leaves out lxml's "(<string>, line 1)"
        return None, f"the XMP metadata is not well-formed XML ({error.msg or _first_line(error)})"
    except ValueError as error:  # lxml refuses some inputs outright (e.g. a string given as bytes)
        return None, f"the XMP metadata cannot be read as XML ({_first_line(error)})"
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return None, "the XMP metadata declares a DOCTYPE (preflight reads no DTD or entity of a packet)"
    if namespace_errors := [entry for entry in parser.error_log if entry.domain == etree.ErrorDomains.NAMESPACE]:
        return None, f"the XMP metadata misuses a namespace (line {namespace_errors[0].line}: " \
                     f"{namespace_errors[0].message.strip()})"
    if undeclared := _undeclared_prefix(root):
        return None, f"the XMP metadata uses the prefix of {undeclared!r} without declaring it"
    if root.tag != f"{{{RDF}}}RDF" and root.find(f".//{{{RDF}}}RDF") is None:
        return None, "the XMP metadata is XML but no XMP packet (no rdf:RDF)"
    return root, None


def check_xmp_size(pdf: pikepdf.Pdf, limit: int) -> None:
    """Raise TooLarge if the XMP packet decodes to more than `limit` bytes: PDFium inflates the
    whole packet as it opens a file (a 1.4 MB file whose packet inflates to 1.5 GB takes it
    3 GB and then kills it)."""
    metadata = pdf.Root.get("/Metadata")
    try:
        too_large = isinstance(metadata, pikepdf.Stream) and decoded_length(metadata, limit) > limit
    except pikepdf.PdfError:
        return  # data qpdf cannot decode: read_xmp says so
    if too_large:
        raise TooLarge(f"its XMP metadata decodes to more than {limit // 1_000_000} MB, too many for its size")


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _undeclared_prefix(root: etree._Element) -> str | None:
    """Return the first element or attribute name left with a literal `prefix:` (its prefix
    declared nowhere), or None."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # a comment or processing instruction
        for name in (element.tag, *element.attrib):
            if not name.startswith("{") and ":" in name:
                return name
    return None
