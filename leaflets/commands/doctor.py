"""`make_pdf.py doctor`: what the pipeline renders with, the bundled fonts, and what is missing."""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import subprocess
import sys
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..exits import EXIT_MISSING, EXIT_OK
from ..paths import ROOT, read_bytes
FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2")
SETUP = Path("scripts") / "setup"


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "doctor", help="show what the pipeline renders with and what is missing, with the fix",
        description="Print the versions of Python, WeasyPrint, pydyf, Pango, HarfBuzz, fontconfig "
                    "and FreeType this machine renders with, whether the HarfBuzz subsetter loads, "
                    "the bundled fonts and the scripts and Unicode blocks they cover, and any "
                    f"missing system package with the command that installs it. Exit status "
                    f"{EXIT_OK}: all is well; {EXIT_MISSING}: something is missing.")
    parser.set_defaults(run=run)


@dataclass
class Findings:
    lines: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)

    def row(self, name: str, value: str) -> None:
        self.lines.append(f"{name:<12}  {value}")


def run(args: argparse.Namespace) -> int:
    found = Findings()
    renderer(found)
    found.lines.append("")
    fonts(found, ROOT / "styles" / "fonts")
    found.lines.append("")
    packages(found, ROOT)
    for line in found.lines:
        print(line)
    if not found.missing:
        print("\nAll is well.")
        return EXIT_OK
    print("\nMissing:")
    for line in found.missing:
        print(f"  {line}")
    print("Fix:")
    for line in found.fixes or ["install the missing libraries with your package manager"]:
        print(f"  {line}")
    return EXIT_MISSING


def pango_version(number: int) -> str:
    """Spell Pango's version number (major * 10000 + minor * 100 + micro)."""
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


def renderer(found: Findings) -> None:
    """The interpreter, WeasyPrint and pydyf, and the native libraries WeasyPrint loads."""
    from .. import environment

    found.row("Python", f"{platform.python_version()} ({sys.executable})")
    weasyprint = ffi = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # WeasyPrint warns when the subsetter is absent: said below
        try:
            import weasyprint
            from weasyprint.text import ffi
        except (ImportError, OSError) as exc:
            found.missing.append(f"WeasyPrint cannot start: {str(exc).splitlines()[0]}")
    found.row("WeasyPrint", weasyprint.__version__ if weasyprint else environment.distribution_version("weasyprint"))
    found.row("pydyf", environment.distribution_version("pydyf"))
    # Pango's version as WeasyPrint's own binding reports it, else asked directly.
    pango = pango_version(ffi.pango.pango_version()) if ffi else environment.native_version("pango")
    found.row("Pango", pango)
    found.row("PangoFT2", "loadable" if environment.load("pangoft2") else environment.ABSENT)
    found.row("HarfBuzz", environment.native_version("harfbuzz"))
    subsetter = ffi.harfbuzz_subset is not None if ffi else environment.load("harfbuzz-subset") is not None
    found.row("  subsetter", "loadable" if subsetter else "NOT loadable")
    found.row("fontconfig", environment.native_version("fontconfig"))
    found.row("FreeType", environment.native_version("freetype"))
    for library, what in (("pango", "Pango"), ("pangoft2", "PangoFT2"), ("fontconfig", "fontconfig")):
        if environment.load(library) is None:
            found.missing.append(f"{what}: the library cannot be loaded")
    if not subsetter:
        found.missing.append("the HarfBuzz subsetter (libharfbuzz-subset): without it WeasyPrint "
                             "subsets fonts with fontTools, and the build refuses that")


def coverage(path: Path) -> tuple[str, int, list[tuple[str, int]], list[tuple[str, int, int]]]:
    """Return a font's full name, how many characters it draws, and per script and per Unicode block
    how many (blocks with their size), read from its character map with fontTools."""
    import unicodedata

    from fontTools import unicodedata as ucd
    from fontTools.ttLib import TTFont
    from fontTools.unicodedata import Blocks

    with TTFont(io.BytesIO(read_bytes(path)), lazy=True) as font:  # a pipe among the fonts: an error, no wait
        name = font["name"].getDebugName(4) or path.stem
        characters = [c for c in font.getBestCmap() if unicodedata.category(chr(c)) != "Cc"]
    scripts = Counter(ucd.script_name(ucd.script(chr(c))) for c in characters)
    blocks = Counter(ucd.block(chr(c)) for c in characters)
    sizes = {}
    for index, start in enumerate(Blocks.RANGES):
        end = Blocks.RANGES[index + 1] if index + 1 < len(Blocks.RANGES) else 0x110000
        sizes.setdefault(Blocks.VALUES[index], end - start)
    return (name, len(characters), sorted(scripts.items(), key=lambda item: (-item[1], item[0])),
            [(block, count, sizes.get(block, 0)) for block, count in
             sorted(blocks.items(), key=lambda item: Blocks.RANGES[Blocks.VALUES.index(item[0])])])


def fonts(found: Findings, folder: Path) -> None:
    """The fonts under styles/fonts/ and what they cover."""
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in FONT_SUFFIXES) if folder.is_dir() else []
    found.lines.append(f"Bundled fonts ({_shown(folder)}/): {len(paths)}")
    if not paths:
        found.missing.append(f"no fonts under {_shown(folder)}/")
    for path in paths:
        try:
            name, count, scripts, blocks = coverage(path)
        except Exception as exc:  # a damaged font file: say which, keep going
            found.missing.append(f"{_shown(path)} cannot be read: {exc}")
            continue
        found.lines.append(f"  {path.relative_to(folder).as_posix()}: {name}, {count} characters")
        found.lines.extend(_wrapped("    scripts: ", [f"{script} {n}" for script, n in scripts]))
        found.lines.extend(_wrapped("    blocks: ", [f"{block} {n}/{size}" for block, n, size in blocks]))


def packages(found: Findings, root: Path) -> None:
    """Ask scripts/setup, without installing anything, which system packages are missing: its
    command is the fix."""
    script = root / SETUP
    shell = shutil.which("sh")
    if not script.is_file() or shell is None:
        found.lines.append(f"System packages: not checked ({SETUP.as_posix()} needs a POSIX shell)")
        return
    env = {**os.environ, "PYTHON": sys.executable, "VENV": sys.prefix}
    done = subprocess.run([shell, str(script), "--check", "test"], cwd=root, env=env,
                          capture_output=True, text=True)
    if done.returncode == 0:
        found.lines.append(f"System packages: all present ({SETUP.as_posix()} --check test)")
        return
    found.lines.append(f"System packages: missing ({SETUP.as_posix()} --check test)")
    for line in done.stderr.splitlines():
        if line.startswith("  "):
            found.fixes.append(line.strip())
        elif line.strip() and not line.rstrip().endswith(":"):  # "install them with:" introduces the fix
            found.missing.append(line.removeprefix("setup: ").removeprefix("missing "))


def _wrapped(label: str, items: list[str], width: int = 100) -> list[str]:
    """Lay a comma-separated list out in lines of at most `width` characters, items unbroken."""
    lines, line = [], label
    for index, item in enumerate(items):
        piece = item + ("," if index + 1 < len(items) else "")
        if line.strip() and line != label and len(line) + 1 + len(piece) > width:
            lines.append(line)
            line = " " * len(label)
        line += ("" if line.endswith(" ") else " ") + piece
    lines.append(line)
    return lines


def _shown(path: Path) -> str:
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)
