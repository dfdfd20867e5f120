"""Exchange catalogues with translation vendors as XLIFF 1.2, without losing anything.

Mapping, one PO entry to one <trans-unit>:
  msgctxt -> id and resname (layout labels have no context: their msgid is the id)
  msgid -> <source>; msgstr -> <target> (absent when untranslated)
  fuzzy -> target state "needs-review-translation", approved="no"; translated -> "translated"
  #. comments -> <note from="developer">; # comments -> <note from="translator">
  msgctxt -> also a developer note "Context: ..." (tools that convert XLIFF to PO and back,
      such as translate-toolkit's xliff2po and po2xliff, keep notes but not ids)
  #: locations -> <context-group purpose="location"> (unnamed: XLIFF 1.2 strict wants
      context-group names unique within a <file>)
  #| previous msgid -> <alt-trans alttranstype="previous-version">
The document validates against the OASIS XLIFF 1.2 strict schema. A catalogue is one <file>
(datatype "x-gettext-po"), its `original` the PO path relative to the project root; one XLIFF
document holds every catalogue of a locale. Importing writes targets, states and translator
notes back into the PO files named by `original`; everything else there stays as it was.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from lxml import etree

from ..diagnostics import ContentError, Diagnostic, Position, display_path, error, warning
from ..paths import read_bytes

NS = "urn:oasis:names:tc:xliff:document:1.2"
XML_NS = "http://www.w3.org/XML/1998/namespace"
# The original is a gettext catalogue. Not "po": translate-toolkit reads a "po" file's locations
# only from context-groups all named "po-reference", which the strict schema forbids.
DATATYPE = "x-gettext-po"
CONTEXT_NOTE = "Context: "
FUZZY_STATES = {"new", "needs-translation", "needs-adaptation", "needs-l10n",
                "needs-review-translation", "needs-review-adaptation", "needs-review-l10n"}


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def export(catalogues: list[tuple[str, Catalog]], source_lang: str, target_lang: str) -> bytes:
    """Return one XLIFF document holding `catalogues` (each: its PO path and its entries)."""
    root = etree.Element(_q("xliff"), nsmap={None: NS}, version="1.2")
    for original, catalog in catalogues:
        file_ = etree.SubElement(root, _q("file"), original=original, datatype=DATATYPE)
        file_.set("source-language", source_lang)
        file_.set("target-language", target_lang)
        body = etree.SubElement(file_, _q("body"))
        for message in catalog:
            if message.id:
                body.append(_unit(message, source_lang, target_lang))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _unit(message: Message, source_lang: str, target_lang: str) -> etree._Element:
    unit = etree.Element(_q("trans-unit"), id=message.context or message.id)
    if message.context:
        unit.set("resname", message.context)
    unit.set(f"{{{XML_NS}}}space", "preserve")
    if message.string:
        unit.set("approved", "no" if message.fuzzy else "yes")
    _text(unit, "source", message.id).set(f"{{{XML_NS}}}lang", source_lang)
    if message.string:
        target = _text(unit, "target", message.string)
        target.set(f"{{{XML_NS}}}lang", target_lang)
        target.set("state", "needs-review-translation" if message.fuzzy else "translated")
    if message.context:
        _text(unit, "note", CONTEXT_NOTE + message.context).set("from", "developer")
    for note in message.auto_comments:
        _text(unit, "note", note).set("from", "developer")
    for note in message.user_comments:
        _text(unit, "note", note).set("from", "translator")
    if message.locations:
        for filename, lineno in message.locations:
            group = etree.SubElement(unit, _q("context-group"), purpose="location")
            _text(group, "context", filename).set("context-type", "sourcefile")
            if lineno:
                _text(group, "context", str(lineno)).set("context-type", "linenumber")
    if message.previous_id:
        alt = etree.SubElement(unit, _q("alt-trans"), alttranstype="previous-version")
        _text(alt, "source", message.previous_id[0])
        _text(alt, "target", message.string or "")
    return unit


def _text(parent: etree._Element, name: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, _q(name))
    element.text = text
    return element


@dataclass
class Unit:
    """What a vendor sends back for one entry."""

    key: str
    source: str
    target: str | None
    fuzzy: bool
    notes: list[str]
    previous: str | None
    line: int


@dataclass
class XliffFile:
    original: str
    target_language: str
    units: list[Unit] = field(default_factory=list)


def read_xliff(path: Path) -> list[XliffFile]:
    """Parse an XLIFF 1.2 document; raise ContentError at the line that cannot be read."""
    # No DTD is loaded, no entity expanded or fetched, nothing read from the network; a file
    # that declares a DOCTYPE (an external entity, a billion laughs) is refused before its
    # content is read, so no entity is ever expanded.
    options = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        data = read_bytes(path)  # a regular file only: a named pipe would block, a device never end
        with io.BytesIO(data) as handle:
            for _event, element in etree.iterparse(handle, events=("start",), **options):
                if element.getroottree().docinfo.doctype:
                    raise ContentError([error(Position(display_path(path), 1, 1), "xliff-doctype",
                                              "XLIFF with a DOCTYPE is refused: entity declarations could "
                                              "read files or expand without end",
                                              "export the file again without a DOCTYPE; XLIFF 1.2 needs none")])
                break
        tree = etree.parse(io.BytesIO(data), etree.XMLParser(remove_comments=True, **options))
    except (etree.XMLSyntaxError, OSError) as exc:
        line = getattr(exc, "lineno", 0) or 0
        raise ContentError([error(Position(display_path(path), line, 1), "xliff-syntax",
                                  f"XLIFF cannot be read: {exc}")])
    root = tree.getroot()
    if root.tag != _q("xliff"):
        raise ContentError([error(path, "xliff-version", "not an XLIFF 1.2 document",
                                  f"the root element must be <xliff version=\"1.2\" xmlns=\"{NS}\">")])
    files = []
    for file_ in root.iter(_q("file")):
        found = XliffFile(file_.get("original", ""), file_.get("target-language", ""))
        for unit in file_.iter(_q("trans-unit")):
            target = unit.find(_q("target"))
            state = target.get("state") if target is not None else None
            approved = unit.get("approved")
            fuzzy = target is not None and (state in FUZZY_STATES or (state is None and approved == "no"))
            alt = unit.find(f"{_q('alt-trans')}[@alttranstype='previous-version']/{_q('source')}")
            found.units.append(Unit(
                unit.get("resname") or unit.get("id", ""), _plain(unit.find(_q("source"))),
                _plain(target) if target is not None else None, fuzzy,
                [_plain(n) for n in unit.findall(_q("note")) if n.get("from") == "translator"],
                _plain(alt) if alt is not None else None, unit.sourceline or 0))
        files.append(found)
    return files


def _plain(element) -> str:
    """Return an element's text, inline tags (if a tool added any) flattened."""
    return "".join(element.itertext()) if element is not None else ""


def _shown(key: str) -> str:
    """A vendor's unit name in a diagnostic: quoted, line breaks and control characters escaped."""
    return repr(key)


def merge(catalog: Catalog, xliff_path: Path, units: list[Unit]) -> list[Diagnostic]:
    """Write the units' targets into `catalog`; return what could not be taken as it was."""
    by_key = {(m.context or m.id): m for m in catalog if m.id}
    where = display_path(xliff_path)
    notes: list[Diagnostic] = []
    seen: dict[str, int] = {}
    for unit in units:
        if unit.key in seen:  # two translations of one entry: neither can be taken for the other
            notes.append(error(Position(where, unit.line, 1), "xliff-duplicate-unit",
                               f"unit {_shown(unit.key)} appears twice in this file",
                               f"it is already on line {seen[unit.key]}; keep one of them"))
            continue
        seen[unit.key] = unit.line
        message = by_key.get(unit.key)
        if message is None:
            notes.append(error(Position(where, unit.line, 1), "xliff-unknown-unit",
                               f"unit {_shown(unit.key)} is not in the catalogue", "refresh the catalogue "
                               "with `python make_pdf.py i18n update` and export again"))
            continue
        message.string = unit.target or ""
        message.user_comments = list(unit.notes)
        fuzzy = unit.fuzzy
        previous = unit.previous
        if unit.source != message.id:  # the master changed after the export
            fuzzy, previous = bool(message.string), unit.source
            notes.append(warning(Position(where, unit.line, 1), "xliff-stale-unit",
                                 f"{_shown(unit.key)}: the master text changed after this file was exported; "
                                 "imported as fuzzy", "have the translation checked"))
        message.flags = (set(message.flags) - {"fuzzy"}) | ({"fuzzy"} if fuzzy and message.string else set())
        message.previous_id = [previous] if previous and "fuzzy" in message.flags else []
    return notes
