"""The bundled fonts: the only fonts rendering sees, and the only fonts a PDF may embed.

Pango finds fonts through fontconfig, which by default reads the machine's configuration and
so every installed font: a character the bundled fonts lack would then be drawn, silently, with
whatever font the machine has. `isolate` points fontconfig at styles/fonts/fonts.conf, which
lists only the bundled folder; it must run before WeasyPrint is imported (WeasyPrint loads a
fontconfig configuration at import and for every document). Worker processes inherit the
environment. `audit` reads a rendered PDF back and names every embedded font that is not one of
the bundled fonts.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path
from typing import Callable, TypeVar

from .diagnostics import Diagnostic, Position, display_path, error
from .paths import STYLES

FONTS_DIR = Path("styles") / "fonts"
CONFIG_NAME = "fonts.conf"
FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2")
_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")
T = TypeVar("T")


def config_file(root: Path | None = None) -> Path:
    """Return the fontconfig configuration of the project at `root` (this project's by default)."""
    candidate = (root / FONTS_DIR / CONFIG_NAME) if root is not None else None
    if candidate is None or not candidate.is_file():
        candidate = STYLES / "fonts" / CONFIG_NAME
    return candidate.resolve()


def isolate(root: Path | None = None) -> None:
    """Make fontconfig, in this process and the processes it starts, see only the bundled fonts."""
    conf = config_file(root)
    os.environ["FONTCONFIG_FILE"] = str(conf)
    os.environ["FONTCONFIG_PATH"] = str(conf.parent)
    os.environ.pop("FONTCONFIG_SYSROOT", None)  # would move the folder the configuration lists


def font_files(root: Path) -> tuple[Path, ...]:
    """Return the font files shipped under styles/ (never through a link out of it)."""
    styles = (root / "styles").resolve()
    return tuple(sorted(p for p in (root / "styles").rglob("*")  # a pipe or a device is no font: never read
                        if p.suffix.lower() in FONT_SUFFIXES and p.resolve().is_relative_to(styles) and p.is_file()))


def postscript_names(root: Path) -> frozenset[str]:
    """Return the PostScript names of the bundled fonts (what a PDF calls an embedded font)."""
    fonts = font_files(root)
    return remembered(_NAMES, fonts, _names)


def _names(fonts: tuple[Path, ...]) -> frozenset[str]:
    from fontTools.ttLib import TTFont

    names = set()
    for path in fonts:
        with TTFont(path, lazy=True) as font:
            name = font["name"].getDebugName(6)
            if name:
                names.add(name)
    return frozenset(names)


_DIGESTS: dict[tuple[str, int, int], bytes] = {}  # a font file's bytes' digest, by path, size and time
_NAMES: dict[bytes, frozenset[str]] = {}


def content_key(fonts: tuple[Path, ...]) -> bytes:
    """Return a key for the fonts' names and bytes: the same fonts in another folder (a copy of
    the project) have the same key. Each file is read and hashed once per path, size and
    modification time."""
    whole = hashlib.sha256()
    for path in fonts:
        stat = path.stat()
        seen = (str(path), stat.st_size, stat.st_mtime_ns)
        digest = _DIGESTS.get(seen)
        if digest is None:
            digest = _DIGESTS[seen] = hashlib.sha256(path.read_bytes()).digest()
        whole.update(path.name.encode() + b"\0" + digest)
    return whole.digest()


def remembered(cache: dict, fonts: tuple[Path, ...], read: Callable[[tuple[Path, ...]], T]) -> T:
    """Return `read(fonts)`, kept in `cache` by the fonts' content (a few sets of fonts at most):
    reading every font's tables is the cost, not finding which fonts they are."""
    key = content_key(fonts)
    if key not in cache:
        if len(cache) >= 8:
            cache.clear()
        cache[key] = read(fonts)
    return cache[key]


def embedded_fonts(pdf: bytes) -> list[str]:
    """Return the PostScript names of the fonts a PDF embeds, in order of first appearance.

    WeasyPrint names a font in the PDF after its CSS family (`ABCDEF+Leaflet-Sans-Bold`), so the
    name is read from the embedded font program itself (its `name` table, which the subsetter
    keeps); a program without one is known by the descriptor's /FontName, subset prefix removed.
    """
    import pikepdf

    names: list[str] = []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.FontDescriptor:
                declared = _SUBSET_PREFIX.sub("", str(obj.get("/FontName", "")).lstrip("/"))
                name = _program_name(obj) or declared
                if name not in names:
                    names.append(name)
    return names


def _program_name(descriptor) -> str | None:
    from fontTools.ttLib import TTFont

    for key in ("/FontFile2", "/FontFile3", "/FontFile"):
        stream = descriptor.get(key)
        if stream is None:
            continue
        try:
            with TTFont(io.BytesIO(stream.read_bytes()), lazy=True) as font:
                return font["name"].getDebugName(6) if "name" in font else None
        except Exception:  # not an OpenType program (Type 1, CFF alone): no name table to read
            return None
    return None


def audit(pdf: bytes, root: Path, edition: str) -> list[Diagnostic]:
    """Report each font embedded in `pdf` that is not a bundled font, naming the edition."""
    bundled = postscript_names(root)
    where = Position(display_path(root / FONTS_DIR))
    return [error(where, "foreign-font",
                  f"edition {edition} embeds the font '{name}', which is not one of the bundled fonts",
                  "rendering must see only styles/fonts (fonts.conf): check FONTCONFIG_FILE "
                  "and the stylesheets' @font-face rules")
            for name in embedded_fonts(pdf) if name not in bundled]
