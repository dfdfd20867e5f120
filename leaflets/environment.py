"""What the pipeline renders with: Python, WeasyPrint and the native libraries beneath it.

The native libraries (Pango, HarfBuzz and its subsetter, fontconfig, FreeType) are asked for their
own versions through ctypes, by the same names WeasyPrint loads them by, so the answer is the
library this process would render with. Nothing here imports WeasyPrint: the build records these
versions in its manifest without paying for that import.
"""

from __future__ import annotations

import ctypes
import platform
from functools import lru_cache
from importlib import metadata

ABSENT = "absent"

# The names WeasyPrint's text/ffi.py tries for each library, in its order (Linux, macOS, Windows),
# and the name ctypes.util.find_library knows it by (tried last).
LIBRARIES = {
    "pango": ("libpango-1.0-0", "pango-1.0-0", "pango-1.0", "libpango-1.0.so.0",
              "libpango-1.0.dylib", "libpango-1.0-0.dll"),
    "pangoft2": ("libpangoft2-1.0-0", "pangoft2-1.0-0", "pangoft2-1.0", "libpangoft2-1.0.so.0",
                 "libpangoft2-1.0.dylib", "libpangoft2-1.0-0.dll"),
    "harfbuzz": ("libharfbuzz-0", "harfbuzz", "harfbuzz-0.0", "libharfbuzz.so.0",
                 "libharfbuzz.0.dylib", "libharfbuzz-0.dll"),
    "harfbuzz-subset": ("libharfbuzz-subset-0", "harfbuzz-subset", "harfbuzz-subset-0.0",
                        "libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib",
                        "libharfbuzz-subset-0.dll"),
    "fontconfig": ("libfontconfig-1", "fontconfig-1", "fontconfig", "libfontconfig.so.1",
                   "libfontconfig.1.dylib", "libfontconfig-1.dll"),
    "freetype": ("libfreetype-6", "freetype", "libfreetype.so.6", "libfreetype.6.dylib",
                 "libfreetype-6.dll"),
}
FIND_NAMES = {"pango": "pango-1.0", "pangoft2": "pangoft2-1.0", "harfbuzz": "harfbuzz",
              "harfbuzz-subset": "harfbuzz-subset", "fontconfig": "fontconfig", "freetype": "freetype"}

# The Python distributions whose versions shape a PDF, reported beside the native libraries.
DISTRIBUTIONS = ("weasyprint", "pydyf")


@lru_cache(maxsize=None)
def load(library: str) -> ctypes.CDLL | None:
    """Load one native library by WeasyPrint's names; None when it cannot be loaded."""
    for name in LIBRARIES[library]:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    from ctypes.util import find_library  # slower: it may run ldconfig

    found = find_library(FIND_NAMES[library])
    if found:
        try:
            return ctypes.CDLL(found)
        except OSError:
            pass
    return None


def _pango(lib: ctypes.CDLL) -> str:
    lib.pango_version_string.restype = ctypes.c_char_p
    return lib.pango_version_string().decode("ascii")


def _harfbuzz(lib: ctypes.CDLL) -> str:
    lib.hb_version_string.restype = ctypes.c_char_p
    return lib.hb_version_string().decode("ascii")


def _harfbuzz_subset(lib: ctypes.CDLL) -> str:
    # The subsetter has no version of its own: it is built with HarfBuzz and shares its version.
    lib.hb_subset_input_create_or_fail.restype = ctypes.c_void_p  # the symbol WeasyPrint uses
    harfbuzz = load("harfbuzz")
    return _harfbuzz(harfbuzz) if harfbuzz is not None else "present"


def _fontconfig(lib: ctypes.CDLL) -> str:
    lib.FcGetVersion.restype = ctypes.c_int
    number = lib.FcGetVersion()  # major * 10000 + minor * 100 + revision
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


def _freetype(lib: ctypes.CDLL) -> str:
    handle = ctypes.c_void_p()
    if lib.FT_Init_FreeType(ctypes.byref(handle)) != 0:
        return "present"
    try:
        major, minor, patch = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        lib.FT_Library_Version(handle, ctypes.byref(major), ctypes.byref(minor), ctypes.byref(patch))
        return f"{major.value}.{minor.value}.{patch.value}"
    finally:
        lib.FT_Done_FreeType(handle)


_ASK = {"pango": _pango, "pangoft2": lambda lib: _pango(load("pango")) if load("pango") else "present",
        "harfbuzz": _harfbuzz, "harfbuzz-subset": _harfbuzz_subset, "fontconfig": _fontconfig,
        "freetype": _freetype}


def native_version(library: str) -> str:
    """Return the version of one native library, or ABSENT when it cannot be loaded."""
    lib = load(library)
    if lib is None:
        return ABSENT
    try:
        return _ASK[library](lib)
    except (AttributeError, OSError, UnicodeDecodeError):  # a library without the usual symbols
        return "present"


def distribution_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ABSENT


def renderer_versions() -> dict[str, str]:
    """The versions a PDF depends on, for the manifest: two builds with equal versions (and equal
    inputs) give equal PDFs. `harfbuzz-subset` is ABSENT when WeasyPrint would subset fonts with
    fontTools instead."""
    found = {"python": platform.python_version()}
    found.update({name: distribution_version(name) for name in DISTRIBUTIONS})
    for library in ("pango", "harfbuzz", "harfbuzz-subset", "fontconfig", "freetype"):
        found[library] = native_version(library)
    return found
