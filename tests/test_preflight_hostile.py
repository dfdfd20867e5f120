"""Preflight of hostile PDFs made with pikepdf: each ends in a verdict naming the file and the
problem (exit status 1), quickly and within bounded memory, never a traceback, a hang or an
out-of-memory kill. Each file is checked by make_pdf.py in a process of its own, its address space
capped, killed when it runs too long."""

from __future__ import annotations

import functools
import io
import os
import resource
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from conftest import CHECKOUT

N, D = pikepdf.Name, pikepdf.Dictionary
MEMORY = 3 << 30  # a preflight unfolding what it reads ends in MemoryError, not in the machine's swap
SECONDS = 60


def preflight(folder: Path, name: str) -> tuple[int, str, float]:
    """Run `make_pdf.py preflight NAME` in `folder` with its memory capped; return its exit status,
    what it printed and how long it ran."""
    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    env = dict(os.environ, PYTHONPATH=str(CHECKOUT))
    started = time.monotonic()
    try:
        ran = subprocess.run([sys.executable, str(CHECKOUT / "make_pdf.py"), "preflight", name], cwd=folder,
                             env=env, capture_output=True, text=True, timeout=SECONDS,
                             stdin=subprocess.DEVNULL, preexec_fn=bounded)
    except subprocess.TimeoutExpired:  # subprocess.run kills the process
        pytest.fail(f"preflight of {name} ran for more than {SECONDS} s")
    text = ran.stdout + ran.stderr
    assert "Traceback" not in text and "internal error" not in text, text
    assert ran.returncode >= 0, f"preflight of {name} was killed by signal {-ran.returncode}: {text}"
    return ran.returncode, text, time.monotonic() - started


def pdf_with(edit: Callable[[pikepdf.Pdf], None]) -> bytes:
    """Return a one-page PDF changed by `edit`."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    edit(pdf)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


# --- things drawn that draw themselves ---------------------------------------------------------
# A viewer rendering any of these never ends: PDFium 1.x (pypdfium2) renders a page whose tiling
# pattern paints with itself until it is stopped, and one whose annotation appearance draws
# itself twice until memory runs out.

def _form(pdf: pikepdf.Pdf, content: bytes, **entries: object) -> pikepdf.Stream:
    return pdf.make_stream(content, Type=N.XObject, Subtype=N.Form, BBox=[0, 0, 10, 10], **entries)


def _tiling(pdf: pikepdf.Pdf, content: bytes) -> pikepdf.Stream:
    return pdf.make_stream(content, Type=N.Pattern, PatternType=1, PaintType=1, TilingType=1,
                           BBox=[0, 0, 10, 10], XStep=10, YStep=10)


def _page_fills_with(pdf: pikepdf.Pdf, pattern: pikepdf.Stream) -> None:
    page = pdf.pages[0].obj
    page.Resources = D(Pattern=D(P=pattern))
    page.Contents = pdf.make_stream(b"/Pattern cs /P scn 0 0 200 200 re f\n")


def _pattern_painting_with_itself(pdf: pikepdf.Pdf) -> None:
    pattern = _tiling(pdf, b"/Pattern cs /P scn 0 0 10 10 re f /Pattern cs /P scn 0 0 5 5 re f\n")
    pattern.Resources = D(Pattern=D(P=pattern))
    _page_fills_with(pdf, pattern)


def _pattern_drawing_a_form_painting_with_it(pdf: pikepdf.Pdf) -> None:
    pattern = _tiling(pdf, b"/F Do /F Do\n")
    form = _form(pdf, b"/Pattern cs /P scn 0 0 10 10 re f\n", Resources=D(Pattern=D(P=pattern)))
    pattern.Resources = D(XObject=D(F=form))
    _page_fills_with(pdf, pattern)


def _patterns_painting_with_each_other(pdf: pikepdf.Pdf) -> None:
    p, q = _tiling(pdf, b"/Pattern cs /Q scn 0 0 10 10 re f\n"), _tiling(pdf, b"/Pattern CS /P SCN 0 0 10 10 re S\n")
    p.Resources, q.Resources = D(Pattern=D(Q=q)), D(Pattern=D(P=p))
    _page_fills_with(pdf, p)


def _annotated(pdf: pikepdf.Pdf, appearance: pikepdf.Stream) -> None:
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(D(
        Type=N.Annot, Subtype=N.Square, Rect=[10, 10, 100, 100], AP=D(N=appearance)))]))


def _appearance_drawing_itself(pdf: pikepdf.Pdf) -> None:
    appearance = _form(pdf, b"/A Do /A Do\n")
    appearance.Resources = D(XObject=D(A=appearance))
    _annotated(pdf, appearance)


def _appearance_drawing_a_form_drawing_it(pdf: pikepdf.Pdf) -> None:
    appearance = _form(pdf, b"/F Do /F Do\n")
    appearance.Resources = D(XObject=D(F=_form(pdf, b"/A Do /A Do\n", Resources=D(XObject=D(A=appearance)))))
    _annotated(pdf, appearance)


def _type3(pdf: pikepdf.Pdf, glyph: bytes) -> pikepdf.Dictionary:
    font = pdf.make_indirect(D(Type=N.Font, Subtype=N.Type3, FontBBox=[0, 0, 10, 10],
                               FontMatrix=[0.1, 0, 0, 0.1, 0, 0], FirstChar=97, LastChar=97, Widths=[10],
                               Encoding=D(Type=N.Encoding, Differences=[97, N.g]),
                               CharProcs=D(g=pdf.make_stream(glyph))))
    page = pdf.pages[0].obj
    page.Resources = D(Font=D(T=font))
    page.Contents = pdf.make_stream(b"BT /T 12 Tf 10 10 Td (aaaa) Tj ET\n")
    return font


def _glyph_showing_its_own_font(pdf: pikepdf.Pdf) -> None:
    font = _type3(pdf, b"10 0 d0 BT /T 1 Tf (aa) Tj ET\n")
    font.Resources = D(Font=D(T=font))


def _glyph_drawing_a_form_showing_its_font(pdf: pikepdf.Pdf) -> None:
    font = _type3(pdf, b"10 0 d0 /F Do /F Do\n")
    font.Resources = D(XObject=D(F=_form(pdf, b"BT /T 1 Tf (aa) Tj ET\n", Resources=D(Font=D(T=font)))))


def _form_masked_by_itself(pdf: pikepdf.Pdf) -> None:
    form = _form(pdf, b"/M gs 0 0 10 10 re f\n")
    form.Resources = D(ExtGState=D(M=D(SMask=D(Type=N.Mask, S=N.Luminosity, G=form))))
    page = pdf.pages[0].obj
    page.Resources = D(XObject=D(F=form))
    page.Contents = pdf.make_stream(b"/F Do\n")


@pytest.mark.parametrize(("build", "verdict"), [
    (_pattern_painting_with_itself, "a tiling pattern draws itself (page 1)"),
    (_pattern_drawing_a_form_painting_with_it, "a tiling pattern draws itself (page 1)"),
    (_patterns_painting_with_each_other, "a tiling pattern draws itself (page 1)"),
    (_appearance_drawing_itself, "an annotation's appearance draws itself (page 1)"),
    (_appearance_drawing_a_form_drawing_it, "an annotation's appearance draws itself (page 1)"),
    (_glyph_showing_its_own_font, "a Type3 font's glyph draws itself (page 1)"),
    (_glyph_drawing_a_form_showing_its_font, "a Type3 font's glyph draws itself (page 1)"),
    (_form_masked_by_itself, "a form draws itself (page 1)"),
], ids=["pattern-itself", "pattern-form-pattern", "pattern-pattern", "appearance-itself",
        "appearance-form-appearance", "glyph-own-font", "glyph-form-font", "form-soft-mask-itself"])
def test_preflight_of_something_drawn_that_draws_itself_ends_in_a_verdict(tmp_path, build, verdict):
    """The file fails before PDFium reads its pages, named and said why."""
    (tmp_path / "cycle.pdf").write_bytes(pdf_with(build))
    status, text, seconds = preflight(tmp_path, "cycle.pdf")
    assert status == 1 and f"FAIL  cycle.pdf: not inspected: {verdict}: no viewer can draw it" in text, text
    assert seconds < 20


def _pattern_inflating(pdf: pikepdf.Pdf) -> None:
    """A tiling pattern whose cell inflates from about 120 KB to 120 MB of drawing operators."""
    cell = pdf.make_stream(b"")
    cell.write(zlib.compress(b"0 0 m\n" * 20_000_000, 9), filter=N.FlateDecode)
    for key, value in dict(Type=N.Pattern, PatternType=1, PaintType=1, TilingType=1, BBox=[0, 0, 10, 10],
                           XStep=10, YStep=10).items():
        cell[f"/{key}"] = value
    _page_fills_with(pdf, cell)


def test_preflight_of_a_pattern_inflating_to_megabytes_ends_at_once(tmp_path):
    """What the check of things drawing themselves reads beyond the content walk (patterns,
    glyphs, appearances) is read within a budget too."""
    (tmp_path / "bomb.pdf").write_bytes(pdf_with(_pattern_inflating))
    assert (tmp_path / "bomb.pdf").stat().st_size < 1_000_000
    status, text, seconds = preflight(tmp_path, "bomb.pdf")
    assert status == 1 and "FAIL  bomb.pdf: not inspected: its content decodes to too many bytes for its size " \
        "(page 1, patterns, glyphs and appearances included)" in text, text
    assert seconds < 20


def _drawn_again_without_a_cycle(pdf: pikepdf.Pdf) -> None:
    """What an honest file does: a pattern painted twice, through a form the page draws too, a
    Type3 glyph shown by the page and by the pattern's form, a soft mask and two annotations sharing
    one appearance. Nothing draws itself."""
    font = _type3(pdf, b"10 0 d0 0 0 10 10 re f\n")
    form = _form(pdf, b"BT /T 1 Tf (aa) Tj ET 0 0 5 5 re f\n", Resources=D(Font=D(T=font)))
    pattern = _tiling(pdf, b"/F Do /F Do\n")
    pattern.Resources = D(XObject=D(F=form))
    mask = D(Type=N.Mask, S=N.Luminosity, G=_form(pdf, b"1 g 0 0 10 10 re f\n", Group=D(S=N.Transparency)))
    page = pdf.pages[0].obj
    page.Resources = D(Font=D(T=font), Pattern=D(P=pattern), XObject=D(F=form), ExtGState=D(M=D(SMask=mask)))
    page.Contents = pdf.make_stream(b"/Pattern cs /P scn 0 0 100 100 re f /P scn 100 100 50 50 re f "
                                    b"q /M gs /F Do Q BT /T 12 Tf 10 10 Td (aaaa) Tj ET\n")
    appearance = _form(pdf, b"/F Do\n", Resources=D(XObject=D(F=form)))
    _annotated(pdf, appearance)
    page.Annots.append(pdf.make_indirect(D(Type=N.Annot, Subtype=N.Square, Rect=[0, 0, 9, 9], AP=D(N=appearance))))


def test_preflight_of_things_drawn_again_without_a_cycle_inspects_the_file(tmp_path):
    (tmp_path / "again.pdf").write_bytes(pdf_with(_drawn_again_without_a_cycle))
    status, text, _ = preflight(tmp_path, "again.pdf")
    assert "not inspected" not in text and "again.pdf: PDF 1." in text, text
    assert "font T (Type3): embedded" in text


# --- XMP metadata that is not an XMP packet ----------------------------------------------------
# pikepdf repairs what it can of such a packet, replaces the rest with an empty one, and logs a
# warning with a traceback ("Error occurred parsing XMP ... ValueError: Metadata seems to be XML
# but not XMP") that Python prints on stderr when nothing configured logging.

RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
DC = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'
PDFAID = 'xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"'


def _packet(description: str, prolog: str = "") -> str:
    return (f'{prolog}<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF {RDF}>'
            f'<rdf:Description rdf:about="" {description}</rdf:Description></rdf:RDF></x:xmpmeta>')


CLAIMING = _packet(f'{PDFAID} {DC} pdfaid:part="3" pdfaid:conformance="B">'
                   '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Brücke</rdf:li></rdf:Alt></dc:title>')
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE x:xmpmeta [<!ENTITY a "lol">'
          + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
          + "]>" + _packet(f"{DC}><dc:title>&j;</dc:title>"))


def _inflating(head: bytes, spaces: int, tail: bytes) -> bytes:
    """Return Flate (zlib) data that inflates to `head`, `spaces` spaces and `tail`, made without
    holding or compressing them all: a chunk of spaces is compressed once after a full flush (so
    it refers to nothing before it) and its bytes repeated."""
    packer, chunk = zlib.compressobj(9, zlib.DEFLATED, -15), b" " * 10_000_000
    start = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    end = packer.compress(tail) + packer.flush()
    checksum = zlib.adler32(head)
    for _ in range(spaces // len(chunk)):
        checksum = zlib.adler32(chunk, checksum)
    return b"\x78\xda" + start + block * (spaces // len(chunk)) + end + struct.pack(">I", zlib.adler32(tail, checksum))


def _with_metadata(data: bytes, flate: bool = False) -> Callable[[pikepdf.Pdf], None]:
    def edit(pdf: pikepdf.Pdf) -> None:
        stream = pdf.make_stream(b"")
        if flate:  # data is Flate already, written as it is (qpdf leaves /Type /Metadata uncompressed)
            stream.write(data, filter=N.FlateDecode)
        else:
            stream.write(data)
            stream.Type = N.Metadata
        stream.Subtype = N.XML
        pdf.Root.Metadata = stream
    return edit


def _write(folder: Path, edit: Callable[[pikepdf.Pdf], None]) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    edit(pdf)
    # As written: pikepdf's save would otherwise read the packet (to set its PDF version), replace
    # what it cannot read and compress nothing.
    pdf.save(folder / "meta.pdf", fix_metadata_version=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)


@pytest.mark.parametrize(("data", "problem"), [
    (b"Dear printer, this is not XML.", "the XMP metadata is not well-formed XML (Start tag expected"),
    (b"<leaflet><title>Tablets</title></leaflet>", "the XMP metadata is XML but no XMP packet (no rdf:RDF)"),
    (LAUGHS.encode(), "the XMP metadata is not well-formed XML (Maximum entity amplification"),
    (_packet(f'{PDFAID} pdfaid:part="3" pdfaid:conformance="{"B" * 5_000_000}">').encode(),
     "the XMP metadata decodes to more than 4 MB"),
    (CLAIMING.replace("<?xml", "").encode("latin-1"), "the XMP metadata is not well-formed XML (Invalid bytes"),
    (('<?xml version="1.0"?><!DOCTYPE x:xmpmeta SYSTEM "http://example.com/xmp.dtd">' + CLAIMING).encode(),
     "the XMP metadata declares a DOCTYPE"),
    (('<?xml version="1.0"?><!DOCTYPE x:xmpmeta [<!ENTITY t SYSTEM "file:///etc/passwd">]>'
      + _packet(f"{DC}><dc:title>&t;</dc:title>")).encode(), "the XMP metadata declares a DOCTYPE"),
    (CLAIMING.replace(PDFAID, 'xmlns:pdfaid=""').encode(), "the XMP metadata is not well-formed XML (xmlns:pdfaid"),
    (CLAIMING.replace(PDFAID, "").encode(), "the XMP metadata is not well-formed XML (Namespace prefix pdfaid"),
    (_packet(f"{DC}>" + "<dc:x>" * 100_000 + "</dc:x>" * 100_000).encode(),
     "the XMP metadata is not well-formed XML (Excessive depth"),
], ids=["not-xml", "not-xmp", "billion-laughs", "huge-attribute", "latin-1-read-as-utf-8", "doctype",
        "external-entity", "empty-namespace", "undeclared-prefix", "nested-too-deep"])
def test_preflight_of_metadata_that_is_no_xmp_packet_says_so(tmp_path, data, problem):
    """The file is inspected; meta.xmp fails naming the problem, and the packet claims nothing (a
    PDF/A claim in an undeclared prefix is not taken at its word)."""
    _write(tmp_path, _with_metadata(data))
    status, text, seconds = preflight(tmp_path, "meta.pdf")
    assert status == 1 and f"FAIL  meta.xmp             {problem}" in text, text
    assert "claims:  none" in text and "title:   -" in text
    assert seconds < 20


def test_preflight_of_a_packet_in_utf16_reads_it(tmp_path):
    """An encoding of its own that the packet says (or its byte order mark does) is no problem."""
    _write(tmp_path, _with_metadata(CLAIMING.encode("utf-16")))
    status, text, _ = preflight(tmp_path, "meta.pdf")
    assert "PASS  meta.xmp" in text and "claims:  PDF/A-3b" in text and "title:   Brücke" in text, text


def test_preflight_of_a_packet_inflating_to_gigabytes_ends_at_once(tmp_path):
    """PDFium inflates the whole packet as it opens the file: 1.4 MB of Flate that inflate to
    1.5 GB fail the file before it does."""
    head, tail = CLAIMING.encode().split(b"</x:xmpmeta>")
    _write(tmp_path, _with_metadata(_inflating(head, 1_500_000_000, b"</x:xmpmeta>" + tail), flate=True))
    assert (tmp_path / "meta.pdf").stat().st_size < 2_000_000
    status, text, seconds = preflight(tmp_path, "meta.pdf")
    assert status == 1 and "FAIL  meta.pdf: not inspected: its XMP metadata decodes to more than" in text, text
    assert seconds < 20


def _pattern_of_damaged_data(pdf: pikepdf.Pdf) -> None:
    cell = _tiling(pdf, b"")
    cell.write(b"this is no Flate data", filter=N.FlateDecode)
    _page_fills_with(pdf, cell)


def test_preflight_of_a_pattern_qpdf_cannot_decode_reports_the_damage(tmp_path):
    """A damaged pattern draws nothing the check can follow: the file is inspected as before, and
    qpdf's check names the damage."""
    (tmp_path / "damaged.pdf").write_bytes(pdf_with(_pattern_of_damaged_data))
    status, text, _ = preflight(tmp_path, "damaged.pdf")
    assert status == 1 and "damaged.pdf: PDF 1." in text and "FAIL  pdf.opens" in text, text
    assert "incorrect header check" in text


def test_preflight_of_metadata_qpdf_cannot_decode_says_so(tmp_path):
    _write(tmp_path, _with_metadata(b"this is no Flate data", flate=True))
    status, text, _ = preflight(tmp_path, "meta.pdf")
    assert status == 1 and "FAIL  meta.xmp             the XMP metadata stream cannot be decoded " \
        "(at byte 147: stream inflate: inflate: data: incorrect header check)" in text, text


# --- streams of several filters ----------------------------------------------------------------
# qpdf decodes a stream whole, in memory, wherever it is asked to, and its structural check asks
# for every stream of the file. Each Flate filter multiplies by up to a thousand: two in a row
# turn kilobytes into a gigabyte.

@functools.cache
def _zeros_deflated() -> bytes:
    """512 MB of zeros deflated (2.3 MB)."""
    deflate, block = zlib.compressobj(1), bytes(1 << 24)
    return b"".join([deflate.compress(block) for _ in range(32)] + [deflate.flush()])


def _unused_stream_inflating_twice(pdf: pikepdf.Pdf) -> None:
    """A stream nothing draws: 512 MB behind two Flate filters, in about 7 KB."""
    junk = pdf.make_stream(b"")
    junk.write(zlib.compress(_zeros_deflated(), 9), filter=[N.FlateDecode, N.FlateDecode])
    pdf.Root.Junk = junk


def _content_inflating_through_hex(pdf: pikepdf.Pdf) -> None:
    """Page content of 512 MB behind Flate, then ASCIIHex, in about 5 MB."""
    pdf.pages[0].obj.Contents = stream = pdf.make_stream(b"")
    stream.write(_zeros_deflated().hex().encode(), filter=[N.ASCIIHexDecode, N.FlateDecode])


def _content_through_hex_and_flate(pdf: pikepdf.Pdf) -> None:
    """What an honest file may do: page content behind two filters."""
    pdf.pages[0].obj.Contents = stream = pdf.make_stream(b"")
    stream.write(zlib.compress(b"0 0 1 rg 10 10 50 50 re f\n").hex().encode(),
                 filter=[N.ASCIIHexDecode, N.FlateDecode])


def _as_is(edit: Callable[[pikepdf.Pdf], None]) -> bytes:
    """Return a one-page PDF changed by `edit`, its streams written as they are (qpdf would
    decode and compress them again)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    edit(pdf)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()


# Runs a command and prints its peak memory last. A process forked from this one (a test worker
# holding hundreds of megabytes) would count this process's pages as its own: the command is
# forked from this small interpreter instead.
MEASURE = """
import os, resource, subprocess, sys
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))
proc = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
print(f"peak-memory {usage.ru_maxrss * 1024}", flush=True)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _peak_memory(folder: Path, name: str) -> tuple[int, str, int]:
    """Run `make_pdf.py preflight NAME`; return its status, what it printed and its peak memory."""
    env = dict(os.environ, PYTHONPATH=str(CHECKOUT))
    ran = subprocess.run([sys.executable, "-c", MEASURE, str(MEMORY), sys.executable, str(CHECKOUT / "make_pdf.py"),
                          "preflight", name], cwd=folder, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=SECONDS)
    text, _, measured = ran.stdout.decode().rpartition("peak-memory ")
    assert "Traceback" not in text and "internal error" not in text, text
    return ran.returncode, text, int(measured)


def test_preflight_of_a_stream_inflating_twice_to_half_a_gigabyte_ends_at_once(tmp_path):
    (tmp_path / "twice.pdf").write_bytes(_as_is(_unused_stream_inflating_twice))
    assert (tmp_path / "twice.pdf").stat().st_size < 100_000
    status, text, memory = _peak_memory(tmp_path, "twice.pdf")
    assert status == 1 and "FAIL  twice.pdf: not inspected: its streams decode to more than 256 MB, " \
        "too many for its size" in text, text
    assert memory < 300_000_000, memory  # qpdf's check would hold the 512 MB


def test_preflight_of_content_inflating_behind_two_filters_ends_at_once(tmp_path):
    (tmp_path / "hex.pdf").write_bytes(_as_is(_content_inflating_through_hex))
    status, text, memory = _peak_memory(tmp_path, "hex.pdf")
    assert status == 1 and "FAIL  hex.pdf: not inspected: its content decodes to too many bytes for its size " \
        "(page 1, forms drawn again included)" in text, text
    assert memory < 300_000_000, memory


def test_preflight_of_content_behind_two_filters_reads_it(tmp_path):
    (tmp_path / "two.pdf").write_bytes(_as_is(_content_through_hex_and_flate))
    status, text, _ = preflight(tmp_path, "two.pdf")
    assert "not inspected" not in text and "PASS  pdf.opens" in text, text
    assert "colour uses: DeviceRGB" in text or "RGB" in text, text


# --- filters whose parameters change what the next filter reads ---------------------------------
# qpdf undoes a predictor after the filter it belongs to, and hands one /DecodeParms dictionary
# that is not in an array to every filter of the chain; it sets aside rows as wide as /Columns
# says; and it decodes the chain up to a filter the measure does not decode (an image's DCT),
# holding what reaches it whole.

def _rows(data: bytes, columns: int) -> bytes:
    """Return `data` in PNG rows of `columns` bytes, each row behind filter type 0 (None)."""
    return b"".join(b"\0" + data[i:i + columns].ljust(columns, b"\0") for i in range(0, len(data), columns))


def _flate_hidden_by_a_predictor(parameters: object) -> Callable[[pikepdf.Pdf], None]:
    """A stream nothing draws: 512 MB behind two Flate filters, the first with a PNG predictor
    whose row bytes hide the second's data from a measure that does not undo it (about 14 KB)."""
    def edit(pdf: pikepdf.Pdf) -> None:
        junk = pdf.make_stream(b"")
        junk.write(zlib.compress(_rows(_zeros_deflated(), 100), 9), filter=[N.FlateDecode, N.FlateDecode])
        junk.DecodeParms = parameters
        pdf.Root.Junk = junk
    return edit


@pytest.mark.parametrize("parameters", [
    pikepdf.Array([D(Predictor=12, Columns=100), None]),
    D(Predictor=12, Columns=100),  # one dictionary: every filter's
], ids=["first-filter's", "every-filter's"])
def test_preflight_of_a_predictor_before_another_filter_ends_at_once(tmp_path, parameters):
    (tmp_path / "predicted.pdf").write_bytes(_as_is(_flate_hidden_by_a_predictor(parameters)))
    assert (tmp_path / "predicted.pdf").stat().st_size < 100_000
    status, text, memory = _peak_memory(tmp_path, "predicted.pdf")
    assert status == 1 and "FAIL  predicted.pdf: not inspected: a stream's predictor comes before another " \
        "filter (object " in text, text
    assert memory < 300_000_000, memory  # qpdf's check would hold the 512 MB


def _billion_columns(pdf: pikepdf.Pdf) -> None:
    """Ten bytes of Flate whose predictor asks for rows of a gigabyte."""
    junk = pdf.make_stream(b"")
    junk.write(zlib.compress(bytes(10)), filter=N.FlateDecode, decode_parms=D(Predictor=12, Columns=1_000_000_000))
    pdf.Root.Junk = junk


def test_preflight_of_a_predictor_asking_for_a_billion_columns_ends_at_once(tmp_path):
    (tmp_path / "wide.pdf").write_bytes(_as_is(_billion_columns))
    assert (tmp_path / "wide.pdf").stat().st_size < 2_000
    status, text, memory = _peak_memory(tmp_path, "wide.pdf")
    assert status == 1 and "FAIL  wide.pdf: not inspected: a stream's predictor rows are wider than 4 MB " \
        "(object " in text, text
    assert memory < 300_000_000, memory  # qpdf sets aside 2 GB for its rows


def _inflating_into_an_image_filter(pdf: pikepdf.Pdf) -> None:
    """512 MB behind two Flate filters, handed to DCT, which qpdf's check decodes too."""
    junk = pdf.make_stream(b"")
    junk.write(zlib.compress(_zeros_deflated(), 9), filter=[N.FlateDecode, N.FlateDecode, N.DCTDecode])
    pdf.Root.Junk = junk


def test_preflight_of_a_stream_inflating_into_an_image_filter_ends_at_once(tmp_path):
    (tmp_path / "dct.pdf").write_bytes(_as_is(_inflating_into_an_image_filter))
    status, text, memory = _peak_memory(tmp_path, "dct.pdf")
    assert status == 1 and "FAIL  dct.pdf: not inspected: its streams decode to more than 256 MB" in text, text
    assert memory < 300_000_000, memory


def _lzw_widening_late(pdf: pikepdf.Pdf) -> None:
    """LZW data with /EarlyChange 0, which pypdf's decoder does not follow."""
    junk = pdf.make_stream(b"")
    junk.write(b"\x80\x0b\x60\x50\x22\x0c\x0c\x85\x01", filter=N.LZWDecode, decode_parms=D(EarlyChange=0))
    pdf.Root.Junk = junk


def test_preflight_of_lzw_codes_widening_late_says_so(tmp_path):
    (tmp_path / "lzw.pdf").write_bytes(_as_is(_lzw_widening_late))
    status, text, _ = preflight(tmp_path, "lzw.pdf")
    assert status == 1 and "FAIL  lzw.pdf: not inspected: a stream's LZW codes widen late (EarlyChange 0, " \
        "object " in text, text


def _hex_without_its_end(pdf: pikepdf.Pdf) -> None:
    """ASCIIHex data without its `>`: pypdf decodes it, and logs that it is missing."""
    for _ in range(3):
        junk = pdf.make_stream(b"")
        junk.write(b"414243", filter=N.ASCIIHexDecode)
        pdf.Root[f"/Junk{_}"] = junk


def test_preflight_prints_no_line_of_the_decoders_it_measures_with(tmp_path):
    (tmp_path / "hex.pdf").write_bytes(_as_is(_hex_without_its_end))
    status, text, _ = preflight(tmp_path, "hex.pdf")
    assert text.startswith("hex.pdf: PDF 1."), text
    assert "EOD" not in text, text


def _short_runs(pdf: pikepdf.Pdf) -> None:
    """8 MB of run-length data in runs of one byte: pypdf's decoder holds an object a run."""
    junk = pdf.make_stream(b"")
    junk.write(b"\x00A" * 4_000_000 + b"\x80", filter=N.RunLengthDecode)
    pdf.Root.Junk = junk


def test_preflight_of_run_length_data_in_short_runs_stays_within_memory(tmp_path):
    (tmp_path / "runs.pdf").write_bytes(_as_is(_short_runs))
    status, text, memory = _peak_memory(tmp_path, "runs.pdf")
    assert "not inspected" not in text and "runs.pdf: PDF 1." in text, text
    assert memory < 250_000_000, memory  # a decoder holding an object a run took 400 MB


# --- streams qpdf decodes as it opens the file -------------------------------------------------

def _objects_in_an_inflating_object_stream() -> bytes:
    """A PDF whose catalog, page tree and page sit in an object stream behind two Flate filters,
    padded to 512 MB decoded (about 7 KB): qpdf decodes it whole to resolve the catalog."""
    objects = [b"<< /Type /Catalog /Pages 3 0 R >>", b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 200 200] >>"]
    header, body = b"", b""
    for number, text in zip((2, 3, 4), objects):
        header += b"%d %d " % (number, len(body))
        body += text + b" "
    deflate, block = zlib.compressobj(1), bytes(1 << 24)
    once = b"".join([deflate.compress(header + body)] + [deflate.compress(block) for _ in range(32)]
                    + [deflate.flush()])
    twice = zlib.compress(once, 9)
    out = bytearray(b"%PDF-1.5\n")
    stream_at = len(out)
    out += (b"1 0 obj\n<< /Type /ObjStm /N 3 /First %d /Filter [/FlateDecode /FlateDecode] /Length %d >>\n"
            b"stream\n" % (len(header), len(twice)) + twice + b"\nendstream\nendobj\n")
    xref_at = len(out)
    rows = [b"\0" + struct.pack(">IH", 0, 0xFFFF), b"\1" + struct.pack(">IH", stream_at, 0)]
    rows += [b"\2" + struct.pack(">IH", 1, index) for index in range(3)]
    rows.append(b"\1" + struct.pack(">IH", xref_at, 0))
    xref = b"".join(rows)
    out += (b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 2 0 R /Length %d >>\nstream\n" % len(xref)
            + xref + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at)
    return bytes(out)


def test_preflight_of_an_object_stream_inflating_to_half_a_gigabyte_ends_at_once(tmp_path):
    (tmp_path / "objstm.pdf").write_bytes(_objects_in_an_inflating_object_stream())
    assert (tmp_path / "objstm.pdf").stat().st_size < 20_000
    status, text, memory = _peak_memory(tmp_path, "objstm.pdf")
    assert memory < 450_000_000, memory  # qpdf held the 512 MB, and more (1.1 GB), before any measure
    assert status == 1 and "FAIL  objstm.pdf: cannot be opened as a PDF (" in text, text
