"""Bounded reading of streams, shared by the content walk, the XMP reader and the structural
check (a leaf module: it imports nothing else of preflight's).

qpdf decodes a stream whole, in memory, wherever it is asked to (its structural check decodes
every stream of the file): a few hundred bytes of Flate inflate to a megabyte, two Flate filters
in a row to a gigabyte, three to a terabyte. Before qpdf decodes anything, the length a stream
decodes to is measured here, each filter within a limit: Flate by zlib's own decoder, which
stops at it; run-length and the ASCII encodings by qpdf itself when all they can decode to fits
(run-length's runs counted first); LZW by pypdf's decoder, made to stop at a configured output
length.
"""

from __future__ import annotations

import logging
import re
import zlib

import pikepdf

# The filters qpdf decodes when it checks a file, under their full and abbreviated names
# (run-length too, so that a later qpdf decoding it is covered). A chain with any other filter
# (an image's DCT, JPX, JBIG2, CCITT) is left encoded by qpdf's check and by this measure alike.
FLATE = {"/FlateDecode", "/Fl"}
# The other filters measured, by their full and abbreviated names: each one's kind (its decoder's
# name in qpdf's and pypdf's terms alike).
KINDS = {"/LZWDecode": "LZWDecode", "/LZW": "LZWDecode", "/RunLengthDecode": "RunLengthDecode",
         "/RL": "RunLengthDecode", "/ASCIIHexDecode": "ASCIIHexDecode", "/AHx": "ASCIIHexDecode",
         "/ASCII85Decode": "ASCII85Decode", "/A85": "ASCII85Decode"}
MAX_FILTERS = 16  # more filters than any writer chains: a chain longer is refused, not decoded
# qpdf sets aside two rows for a predictor, as wide as the stream's parameters say (a stream of a
# few bytes asking for a billion columns takes it gigabytes): rows no wider than pypdf reads.
MAX_ROW_BYTES = 4_000_000
# What one byte of each filter's data decodes to at most (run-length: 2 bytes give 128; ASCII85:
# "z" gives 4; LZW: a 9-bit code gives at most 4,096 bytes): what qpdf may decode of data pypdf
# cannot, before the damage stops it.
AT_MOST = {"LZWDecode": 4096, "RunLengthDecode": 64, "ASCIIHexDecode": 1, "ASCII85Decode": 4}
# What a filter before the last may decode to, held in memory for the next: an ASCII encoding's
# data (at most four times what it decodes, ASCII85's "z") or compressed data compressed again.
MIN_BETWEEN_FILTERS = 16_000_000
CHUNK = 1 << 20  # Flate is inflated a megabyte at a time, and measured, not kept, at the chain's end

# How qpdf names the bytes it was handed ("stream <_io.BytesIO object at 0x…> (object 2,0,
# offset 147): ").
_QPDF_STREAM = re.compile(r"^((?:WARNING: )?)stream <[^>]*>(?: \((?:[^)]*?\boffset (\d+))?[^)]*\))?: ")


_QUIET = logging.NullHandler()


class TooLarge(ValueError):
    """Content preflight will not walk to the end: the file fails, not inspected."""


class Unmeasured(TooLarge):
    """A stream's filters ask for what this measure does not follow as qpdf would: the file
    fails, not inspected (no writer makes such a stream)."""


def without_stream_name(text: str) -> str:
    """Return a qpdf message without qpdf's name for its input: the byte it concerns, if any."""
    return _QPDF_STREAM.sub(lambda m: m[1] + (f"at byte {m[2]}: " if m[2] else ""), text)


def decoded_length(stream: pikepdf.Stream, limit: int) -> int:
    """Return the length `stream` decodes to, or a number above `limit` (never decoding more).
    Raise Unmeasured for filters whose decoding this measure does not follow."""
    chain = _chain(stream)
    if chain is None:  # no filter qpdf decodes: what it reads is what is stored
        return len(stream.read_raw_bytes())
    if len(chain) > MAX_FILTERS:
        return limit + 1
    data = stream.read_raw_bytes()
    length, between = len(data), max(MIN_BETWEEN_FILTERS, 4 * len(data))
    for index, (name, parameters) in enumerate(chain):
        if name is None:
            # A filter measured no further (an image's DCT): qpdf decodes the chain to it and
            # holds what reaches it whole (or, for a filter it lacks, decodes none of the chain).
            return length
        last = index == len(chain) - 1 or chain[index + 1][0] is None
        _check_parameters(stream, name, parameters, last)
        if not last and between < limit:  # what is decoded is held for the next filter
            bound = between
        else:
            bound = limit
        if name in FLATE:
            length, data = _inflate(data, bound, keep=not last)
        else:
            kind, given = KINDS[name], len(data)
            fits = kind != "LZWDecode" and AT_MOST[kind] * given <= bound
            if kind == "RunLengthDecode" and not fits:
                # pypdf's decoder holds an object a run (gigabytes for megabytes of short runs):
                # the runs are counted, and qpdf decodes them when they fit within the bound
                fits = _run_length(data, bound) <= bound
            if fits:  # all it decodes to fits within the bound: qpdf decodes it, as its check will
                length, data = _by_qpdf(kind, data)
            elif kind == "RunLengthDecode":
                length, data = bound + 1, b""
            else:
                length, data = _by_pypdf(kind, data, parameters, bound)
            if length is None:  # damaged data: qpdf decodes it up to the damage
                if not last:
                    raise Unmeasured(f"a stream's data cannot be decoded before its last filter "
                                     f"({_object(stream)})")
                return AT_MOST[kind] * given
        if length > bound:
            if bound < limit:
                raise Unmeasured(f"a stream's data grows more than {bound // 1_000_000} MB before its "
                                 f"last filter ({_object(stream)})")
            return limit + 1
    return length


def _check_parameters(stream: pikepdf.Stream, name: str, parameters: object, last: bool) -> None:
    """Raise Unmeasured when a filter's parameters ask for what the measure does not do as qpdf
    does: a predictor (undone by qpdf, left alone here) before another filter, rows wider than
    MAX_ROW_BYTES, LZW codes widened late (EarlyChange 0)."""
    if not isinstance(parameters, pikepdf.Dictionary) or (name not in FLATE and KINDS[name] != "LZWDecode"):
        return
    if name not in FLATE and _number(parameters, "/EarlyChange", 1) == 0:
        raise Unmeasured(f"a stream's LZW codes widen late (EarlyChange 0, {_object(stream)})")
    if _number(parameters, "/Predictor", 1) == 1:
        return
    row = _number(parameters, "/Columns", 1) * _number(parameters, "/Colors", 1) \
        * _number(parameters, "/BitsPerComponent", 8)
    if row > 8 * MAX_ROW_BYTES:
        raise Unmeasured(f"a stream's predictor rows are wider than {MAX_ROW_BYTES // 1_000_000} MB "
                         f"({_object(stream)})")
    if not last:
        raise Unmeasured(f"a stream's predictor comes before another filter ({_object(stream)})")


def _number(parameters: pikepdf.Dictionary, key: str, default: int) -> int:
    """Return an integer parameter, its default when absent or no integer (qpdf decodes nothing then)."""
    value = parameters.get(key, default)
    return abs(value) if isinstance(value, int) and not isinstance(value, bool) else default


def _object(stream: pikepdf.Stream) -> str:
    return f"object {stream.objgen[0]}" if stream.is_indirect else "an inline stream"


def check_all_streams(pdf: pikepdf.Pdf, limit: int) -> None:
    """Raise TooLarge if the streams of `pdf`, all of them, decode to more than `limit` bytes:
    qpdf's structural check decodes each one whole."""
    left = limit
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream):
            left -= decoded_length(obj, left)
            if left < 0:
                raise TooLarge(f"its streams decode to more than {limit // 1_000_000} MB, "
                               "too many for its size")


def _chain(stream: pikepdf.Stream) -> list[tuple[str | None, object]] | None:
    """Return the stream's filters and their parameters, as qpdf pairs them (one dictionary not
    in an array is every filter's), a filter the measure does not decode as None; or None when
    qpdf would decode none."""
    filters = stream.get("/Filter")
    if isinstance(filters, pikepdf.Name):
        filters = [filters]
    elif not isinstance(filters, pikepdf.Array):
        return None
    if not len(filters) or not all(isinstance(f, pikepdf.Name) for f in filters):
        return None
    names = [str(f) if str(f) in FLATE or str(f) in KINDS else None for f in filters]
    parameters = stream.get("/DecodeParms")
    if not isinstance(parameters, pikepdf.Array) or not len(parameters):
        parameters = [parameters if isinstance(parameters, pikepdf.Dictionary) else None] * len(names)
    parameters = list(parameters)[:len(names)] + [None] * (len(names) - len(parameters))
    # A crypt filter is the decryption qpdf has done already, before any other filter.
    return [pair for pair, f in zip(zip(names, parameters), filters) if str(f) != "/Crypt"] or None


def _inflate(data: bytes, limit: int, keep: bool) -> tuple[int, bytes]:
    """Inflate at most `limit` + 1 bytes, a megabyte at a time; damaged data ends the output
    where qpdf ends it, at the damage. Return the length, and the bytes when `keep`.
    (A predictor only shortens what is inflated: the length measured is never below qpdf's.)"""
    inflater = zlib.decompressobj()
    kept, length, pending = [], 0, data
    try:
        while length <= limit:
            piece = inflater.decompress(pending, min(CHUNK, limit + 1 - length))
            pending = inflater.unconsumed_tail
            length += len(piece)
            if keep:
                kept.append(piece)
            if not piece and not pending:
                break
    except zlib.error:
        pass
    return length, b"".join(kept)


def _run_length(data: bytes, bound: int) -> int:
    """Return the length run-length data decodes to, counting its runs (keeping none), or a
    number above `bound`."""
    length = index = 0
    while index < len(data) and length <= bound:
        code = data[index]
        if code == 128:  # the end of the data
            break
        length, index = (length + code + 1, index + code + 2) if code < 128 else (length + 257 - code, index + 2)
    return length


def _by_qpdf(name: str, data: bytes) -> tuple[int | None, bytes]:
    """Decode with qpdf, as its check will (pypdf's run-length decoder holds an object a run,
    gigabytes for a few megabytes of short runs); what it cannot decode has no length (None)."""
    with pikepdf.new() as scratch:
        stream = pikepdf.Stream(scratch, data)
        stream.Filter = pikepdf.Name("/" + name)
        try:
            decoded = stream.read_bytes(pikepdf.StreamDecodeLevel.specialized)
        except pikepdf.PdfError:
            return None, b""
    return len(decoded), decoded


def _by_pypdf(name: str, data: bytes, parameters: object, limit: int) -> tuple[int | None, bytes]:
    """Decode with pypdf's decoder, told to stop past `limit`; return the length and the bytes.
    What it cannot decode has no length (None); past the limit, the length is `limit` + 1 and no
    bytes are kept."""
    import pypdf
    from pypdf import filters

    # pypdf logs what it finds odd ("missing EOD in ASCIIHexDecode"): with no handler of its
    # own, Python would print each on stderr, a line per stream, that preflight did not write.
    logging.getLogger("pypdf").addHandler(_QUIET)
    from pypdf.errors import LimitReachedError
    from pypdf.generic import BooleanObject, DictionaryObject, NameObject, NumberObject

    given = DictionaryObject()
    if isinstance(parameters, pikepdf.Dictionary):
        for key, value in parameters.items():
            if isinstance(value, bool):
                given[NameObject(key)] = BooleanObject(value)
            elif isinstance(value, int):
                given[NameObject(key)] = NumberObject(value)
    bounds = {f"{kind}_maximum_output_length": limit + 1 for kind in ("lzw", "run_length")}
    try:
        with pypdf.apply_configuration(**bounds):
            decoded = getattr(filters, name).decode(data, given)
    except LimitReachedError:
        return limit + 1, b""
    except Exception:  # noqa: BLE001 - damaged data (or more than pypdf could hold)
        return None, b""
    decoded = decoded.encode("latin-1") if isinstance(decoded, str) else bytes(decoded)
    return len(decoded), decoded
