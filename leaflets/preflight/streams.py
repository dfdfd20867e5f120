"""Bounded reading of streams, shared by the content walk and the XMP reader (a leaf module: it
imports nothing else of preflight's)."""

from __future__ import annotations

import pikepdf


class TooLarge(ValueError):
    """Content preflight will not walk to the end: the file fails, not inspected."""


def decoded_length(stream: pikepdf.Stream, limit: int) -> int:
    """Return the decoded length of `stream`, or a number above `limit` (never inflating more)."""
    import zlib

    if stream.get("/Filter") in (pikepdf.Name.FlateDecode, pikepdf.Array([pikepdf.Name.FlateDecode])):
        try:
            return len(zlib.decompressobj().decompress(stream.read_raw_bytes(), limit + 1))
        except zlib.error:
            pass  # qpdf says what it makes of it below
    return len(stream.read_bytes())
