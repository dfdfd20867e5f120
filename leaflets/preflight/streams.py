"""Bounded reading of streams, shared by the content walk, the XMP reader and the structural
check (a leaf module: it imports nothing else of preflight's).

qpdf decodes a stream whole, in memory, wherever it is asked to (its structural check decodes
every stream of the file): a few hundred bytes of Flate inflate to a megabyte, two Flate filters
in a row to a gigabyte, three to a terabyte. Before qpdf decodes anything, the length a stream
decodes to is measured here, each filter by a decoder that stops at a limit: zlib's own for
Flate, pypdf's for LZW, run-length and the ASCII encodings (`pypdf.filters`, made to stop at a
configured output length).
"""

from __future__ import annotations

import re
import zlib

import pikepdf

# The filters qpdf decodes when it checks a file, under their full and abbreviated names
# (run-length too, so that a later qpdf decoding it is covered). A chain with any other filter
# (an image's DCT, JPX, JBIG2, CCITT) is left encoded by qpdf's check and by this measure alike.
FLATE = {"/FlateDecode", "/Fl"}
BY_PYPDF = {"/LZWDecode": "LZWDecode", "/LZW": "LZWDecode", "/RunLengthDecode": "RunLengthDecode",
            "/RL": "RunLengthDecode", "/ASCIIHexDecode": "ASCIIHexDecode", "/AHx": "ASCIIHexDecode",
            "/ASCII85Decode": "ASCII85Decode", "/A85": "ASCII85Decode"}
MAX_FILTERS = 16  # more filters than any writer chains: a chain longer is refused, not decoded
CHUNK = 1 << 20  # Flate is inflated a megabyte at a time, and measured, not kept, at the chain's end

# How qpdf names the bytes it was handed ("stream <_io.BytesIO object at 0x…> (object 2,0,
# offset 147): ").
_QPDF_STREAM = re.compile(r"^((?:WARNING: )?)stream <[^>]*>(?: \((?:[^)]*?\boffset (\d+))?[^)]*\))?: ")


class TooLarge(ValueError):
    """Content preflight will not walk to the end: the file fails, not inspected."""


def without_stream_name(text: str) -> str:
    """Return a qpdf message without qpdf's name for its input: the byte it concerns, if any."""
    return _QPDF_STREAM.sub(lambda m: m[1] + (f"at byte {m[2]}: " if m[2] else ""), text)


def decoded_length(stream: pikepdf.Stream, limit: int) -> int:
    """Return the length `stream` decodes to, or a number above `limit` (never decoding more)."""
    chain = _chain(stream)
    if chain is None:  # a filter qpdf leaves encoded (or none): what it reads is what is stored
        return len(stream.read_raw_bytes())
    if len(chain) > MAX_FILTERS:
        return limit + 1
    data = stream.read_raw_bytes()
    for index, (name, parameters) in enumerate(chain):
        last = index == len(chain) - 1
        if name in FLATE:
            length, data = _inflate(data, limit, keep=not last)
        else:
            length, data = _by_pypdf(BY_PYPDF[name], data, parameters, limit)
        if length > limit:
            return limit + 1
    return length


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


def _chain(stream: pikepdf.Stream) -> list[tuple[str, object]] | None:
    """Return the stream's filters and their parameters, or None when qpdf would decode none."""
    filters = stream.get("/Filter")
    if isinstance(filters, pikepdf.Name):
        filters = [filters]
    elif not isinstance(filters, pikepdf.Array):
        return None
    names = [str(f) if isinstance(f, pikepdf.Name) else "" for f in filters]
    if not names or any(n not in FLATE and n not in BY_PYPDF for n in names):
        return None
    parameters = stream.get("/DecodeParms")
    if not isinstance(parameters, pikepdf.Array):
        parameters = [parameters] * len(names) if len(names) == 1 else [None] * len(names)
    parameters = list(parameters)[:len(names)] + [None] * (len(names) - len(parameters))
    return list(zip(names, parameters))


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


def _by_pypdf(name: str, data: bytes, parameters: object, limit: int) -> tuple[int, bytes]:
    """Decode with pypdf's decoder, told to stop past `limit`; return the length and the bytes.
    What it cannot decode is empty (qpdf stops at the same damage); past the limit, the length
    is `limit` + 1 and no bytes are kept."""
    import pypdf
    from pypdf import filters
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
    except Exception:  # noqa: BLE001 - damaged data: nothing decoded, as qpdf decodes none of it
        return 0, b""
    decoded = decoded.encode("latin-1") if isinstance(decoded, str) else bytes(decoded)
    return len(decoded), decoded
