"""Fonts: rendering sees only the bundled fonts, a PDF embeds only them, and every printed text
is checked against them, with the place where it is typed.

Each test lays out its own project: the layouts and styles of this one, and a small fixture
leaflet (tests/fixtures/checks/_base) as its only document.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont

from leaflets import fonts
from leaflets.checks import glyphs
from leaflets.matrix import build, check_project, resolve_editions as plan
from leaflets.plan import Filters
from leaflets.render import execute, prepare
from leaflets.diagnostics import ContentError, display_path
from leaflets.i18n.catalogues import read_catalogue
from leaflets.i18n.workflow import update

from conftest import ROOT
from i18nutil import set_translation

BASE = Path(__file__).parent / "fixtures" / "checks" / "_base"
EN = Filters(locale="en")
ES = Filters(locale="es")
# The symbols patient information uses, as a reader must see them.
SYMBOLS = "≥ ≤ ± × ÷ → ← ↑ ↓ µ ° ‰ ½ ¼ ™ ® © • ✓ ✗ ⁰ ¹ ² ³ ⁴ ⁵ ⁶ ⁷ ⁸ ⁹"
DOSE = "≥1,000 mg a day"
SCRIPTS = "Ελληνικά Русский Français Čeština Türkçe Polski"
MACHINE_FONT = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")


def fixture_project(tmp_path: Path, paragraph: str = "", translated: bool = False,
                    letter: bool = False) -> Path:
    """Lay out a project whose only document, 'fonts', is the base fixture leaflet.

    `paragraph` is added to its body; `translated` adds a Spanish edition with a complete
    catalogue (each translation a copy of its master text); `letter` an English letter edition.
    """
    root = tmp_path / "project"
    for tree in ("layouts", "styles"):
        shutil.copytree(ROOT / tree, root / tree)
    folder = root / "source" / "fonts"
    shutil.copytree(BASE, folder)
    leaflet = folder / "leaflet.yaml"
    text = leaflet.read_text("utf-8")
    if paragraph:
        text = text.replace("\nglossary:", f"  - paragraph: \"{paragraph}\"\n\nglossary:", 1)
    if letter:
        text += ("  - locale: en\n    paper: letter\n    profile: screen\n    job_code: TEST-LT-0001\n"
                 "    date_of_preparation: 2026-01-15\n    review_date: 2028-01-15\n    status: approved\n")
    if translated:
        text += ("  - locale: es\n    paper: a4\n    profile: screen\n    job_code: TEST-ES-A4-0001\n"
                 "    date_of_preparation: 2026-01-15\n    review_date: 2028-01-15\n    status: draft\n"
                 "    translation:\n      status: translated\n      translator: Test desk\n")
    leaflet.write_text(text, "utf-8")
    if translated:
        update(root, "fonts")
        po = folder / "locales" / "es.po"
        for message in read_catalogue(po):
            if message.id and message.context:
                set_translation(po, message.context, message.id)
    return root


def type_into_catalogue(po: Path, char: str) -> None:
    """Translate the first body paragraph as its master text with `char` after its first word."""
    message = next(m for m in read_catalogue(po) if m.context and m.context.startswith("body/1"))
    first, rest = message.id.split(" ", 1)
    set_translation(po, message.context, f"{first} {char} {rest}")


def line_of(path: Path, needle: str) -> tuple[int, int]:
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in {path}")


def errors(root: Path) -> list:
    return [d for d in check_project(root) if d.is_error]


def pdf_of(root: Path, out: Path, filters: Filters) -> Path:
    [output] = build(root, out, filters)
    return root / output.path


def embedded_programs(pdf: Path) -> dict[str, str]:
    """Map each embedded font's PDF name to the PostScript name inside its font program."""
    found = {}
    with pikepdf.open(pdf) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                program = TTFont(io.BytesIO(obj["/FontFile2"].read_bytes()))
                found[str(obj["/FontName"])] = program["name"].getDebugName(6)
    return found


def bundled_postscript_names() -> set[str]:
    return {TTFont(p)["name"].getDebugName(6) for p in (ROOT / "styles/fonts").glob("*.ttf")}


# --- coverage -------------------------------------------------------------------------------

def test_bundled_fonts_draw_the_symbols_and_scripts_of_patient_information():
    covered = set()
    for path in (ROOT / "styles/fonts").glob("*.ttf"):
        covered |= set(TTFont(path)["cmap"].getBestCmap())
    lacking = [c for c in SYMBOLS + SCRIPTS + DOSE if not c.isspace() and ord(c) not in covered]
    assert lacking == []
    # Whole blocks: Latin Extended-A and B, Greek (without the Coptic letters), Greek Extended,
    # Cyrillic and its Supplement; unassigned code points aside.
    blocks = [(0x0100, 0x024F), (0x0370, 0x03E1), (0x03F0, 0x03FF), (0x1F00, 0x1FFF), (0x0400, 0x052F)]
    lacking = [hex(code) for first, last in blocks for code in range(first, last + 1)
               if code not in covered and unicodedata.category(chr(code)) != "Cn"]
    assert lacking == []


def test_what_the_fonts_cover_and_are_called_is_read_from_the_fonts_themselves(tmp_path):
    """The fonts' coverage and names are kept by the fonts' bytes: a copy of the project shares
    them, and a font replaced in place is read again, even with its size and time put back."""
    one = fixture_project(tmp_path / "one")
    other = Path(shutil.copytree(one, tmp_path / "other" / "project"))
    assert glyphs.coverage(other) == glyphs.coverage(one) and 0x6F22 not in glyphs.coverage(one)
    assert fonts.postscript_names(other) == fonts.postscript_names(one)
    regular = other / "styles/fonts/NotoSans-Regular.ttf"
    before = regular.stat()
    machine_font(regular)  # boxes for ASCII and '漢', named "Machine Sans"
    os.utime(regular, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert 0x6F22 in glyphs.coverage(other) and 0x6F22 not in glyphs.coverage(one)
    assert fonts.postscript_names(one) - fonts.postscript_names(other) == {"NotoSans-Regular"}


def test_every_bundled_font_has_its_licence():
    licence = (ROOT / "styles/fonts/OFL.txt").read_text("utf-8")
    assert "SIL Open Font License, Version 1.1" in licence
    for path in (ROOT / "styles/fonts").glob("*.ttf"):
        assert path.name in licence, path.name


def test_a_dose_and_the_symbols_pass_the_check_and_print(tmp_path):
    root = fixture_project(tmp_path, f"Take {DOSE}. {SYMBOLS}. {SCRIPTS}.")
    assert [d.format() for d in errors(root)] == []
    pdf = pdf_of(root, tmp_path / "out", EN)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert DOSE in text
    printed = re.sub(r"\s+", " ", text)
    for symbol in SYMBOLS.split() + SCRIPTS.split():
        assert symbol in printed, symbol
    # Drawn from the bundled fonts only, the symbols from the fallback families.
    programs = set(embedded_programs(pdf).values())
    assert programs <= bundled_postscript_names()
    assert {"NotoSansMath-Regular", "NotoSansSymbols2-Regular"} <= programs


# --- the glyph check over every printed text -----------------------------------------------

def test_a_character_typed_into_a_catalogue_is_an_error_at_check_where_it_is_typed(tmp_path):
    root = fixture_project(tmp_path, translated=True)
    po = root / "source/fonts/locales/es.po"
    assert errors(root) == []
    type_into_catalogue(po, "漢")
    [glyph] = errors(root)
    assert (glyph.code, glyph.file, glyph.line, glyph.column) == (
        "missing-glyph", display_path(po), *line_of(po, "漢"))
    assert "'漢' (U+6F22 CJK UNIFIED IDEOGRAPH-6F22)" in glyph.message


def test_a_character_typed_into_a_catalogue_is_an_error_at_render(tmp_path, monkeypatch):
    """Rendering refuses it on its own, should the check ever miss it."""
    root = fixture_project(tmp_path, translated=True)
    po = root / "source/fonts/locales/es.po"
    type_into_catalogue(po, "漢")
    monkeypatch.setattr(glyphs, "check", lambda doc, units, root: [])  # the check misses it
    [job] = plan(root, ES)
    with pytest.raises(ContentError) as caught:
        execute(prepare(job, root), root)
    [glyph] = caught.value.diagnostics
    assert glyph.code == "missing-glyph" and "'漢' (U+6F22)" in glyph.message
    assert (glyph.file, glyph.line, glyph.column) == (display_path(po), *line_of(po, "漢"))


def test_layout_labels_and_template_text_are_checked_where_they_are_typed(tmp_path):
    root = fixture_project(tmp_path, translated=True)
    labels = root / "layouts/locales/es.po"
    text = labels.read_text("utf-8")
    header_end = text.index("\n\n")
    # A translator's name in the header does not print; a label does.
    text = text[:header_end].replace("Last-Translator: ", "Last-Translator: 李 ") + text[header_end:]
    label = text.index('msgstr "', text.index('msgid "Page"'))
    labels.write_text(text[:label + 8] + "頁 " + text[label + 8:], "utf-8")
    layout = root / "layouts/leaflet.html.j2"
    layout.write_text(layout.read_text("utf-8").replace(
        '<p class="kicker">', '{# 注 a comment never prints #}<p class="kicker">字 ', 1), "utf-8")
    found = {(d.file, d.line, d.column, d.message.split(" (")[0]) for d in errors(root)}
    assert found == {
        (display_path(labels), *line_of(labels, "頁"), "character '頁'"),
        (display_path(layout), *line_of(layout, "字"), "character '字'"),
    }


def test_glossary_terms_and_edition_fields_are_checked(tmp_path):
    root = fixture_project(tmp_path)
    leaflet = root / "source/fonts/leaflet.yaml"
    text = leaflet.read_text("utf-8").replace("  HR: hormone receptor", "  HR: hormone receptor\n  漢: a term")
    leaflet.write_text(text.replace("job_code: TEST-A4-0001", "job_code: TEST-字-0001"), "utf-8")
    found = {(d.line, d.column) for d in errors(root) if d.code == "missing-glyph"}
    assert found == {line_of(leaflet, "漢"), line_of(leaflet, "字")}


# --- hermetic rendering ---------------------------------------------------------------------

_PROBE = """
import hashlib, json, sys
from pathlib import Path
from leaflets.matrix import build
from leaflets.plan import Filters
from leaflets.diagnostics import ContentError
from leaflets.render import render_pdf


def outcome(root, out):
    outputs = build(root, out, Filters(locale="en"), jobs=2)  # two editions: rendered in worker processes
    digest = hashlib.sha256(b"".join((root / o.path).read_bytes() for o in sorted(outputs, key=str))).hexdigest()
    html = '<html lang="en"><link rel="stylesheet" href="styles/leaflet.css"><p>Kanji 漢 here</p></html>'
    try:
        render_pdf(html, root.resolve().as_uri() + "/", root, {})
        cjk = "rendered"
    except ContentError as exc:
        cjk = [d.code for d in exc.diagnostics]
    return {"sha": digest, "cjk": cjk}


if __name__ == "__main__":
    print(json.dumps(outcome(Path(sys.argv[1]), Path(sys.argv[2]))))
"""


def _probe(root: Path, out: Path, home: Path) -> dict:
    """Build the fixture in a fresh process whose user's fonts and font settings are `home`'s."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FONTCONFIG")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local/share"),
               XDG_CONFIG_HOME=str(home / ".config"), XDG_CACHE_HOME=str(home / ".cache"),
               PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", _PROBE, str(root), str(out)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _here(root: Path, out: Path) -> dict:
    """The same build in this process, with the fonts and settings the test run has (the
    workers it forks import nothing again: cheaper than a fresh process)."""
    namespace = {"__name__": "probe"}
    exec(_PROBE, namespace)
    return namespace["outcome"](root, out)


def machine_font(path: Path) -> Path:
    """Write a font as a machine might have: boxes for printable ASCII, and '漢', which no bundled font has."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    codes = [*range(0x21, 0x7F), 0x6F22]
    names = [".notdef", "space", *(f"g{code:04X}" for code in codes)]
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({0x20: "space", **{code: f"g{code:04X}" for code in codes}})
    pen = TTGlyphPen(None)
    pen.moveTo((50, 0)), pen.lineTo((50, 700)), pen.lineTo((550, 700)), pen.lineTo((550, 0)), pen.closePath()
    box = pen.glyph()
    builder.setupGlyf({name: box for name in names})
    builder.setupHorizontalMetrics({name: (600, 50) for name in names})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Machine Sans", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    builder.setupPost()
    builder.save(path)
    return path


def test_fonts_installed_on_the_machine_change_nothing(tmp_path):
    """A user's extra fonts, even preferred by their settings, neither change a byte nor fill a gap.

    The editions render in worker processes; the character in this process.
    """
    root = fixture_project(tmp_path, f"Take {DOSE}. {SYMBOLS}.", letter=True)
    fonty = tmp_path / "fonty-home"
    user_fonts = fonty / ".local/share/fonts"
    user_fonts.mkdir(parents=True)
    preferred = ["Machine Sans"]
    machine_font(user_fonts / "MachineSans.ttf")
    if MACHINE_FONT.is_file():  # a real one too, where the machine has it (Ghostscript brings it)
        shutil.copy(MACHINE_FONT, user_fonts)
        preferred.append("Droid Sans Fallback")
    (fonty / ".config/fontconfig").mkdir(parents=True)
    (fonty / ".config/fontconfig/fonts.conf").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
        '  <match target="pattern"><edit name="family" mode="prepend" binding="strong">'
        + "".join(f"<string>{family}</string>" for family in preferred)
        + '</edit></match>\n</fontconfig>\n', "utf-8")
    without = _here(root, tmp_path / "out-plain")
    with_fonts = _probe(root, tmp_path / "out-fonty", fonty)
    assert with_fonts["sha"] == without["sha"]
    # The machine's fonts have the character: still an error, never drawn with them.
    assert with_fonts["cjk"] == without["cjk"] == ["missing-glyph"]


# --- the embedded-font audit ----------------------------------------------------------------

def test_a_pdf_embeds_only_bundled_fonts(tmp_path):
    pdf = pdf_of(fixture_project(tmp_path), tmp_path / "out", EN)
    programs = embedded_programs(pdf)
    assert programs and set(programs.values()) <= bundled_postscript_names()
    assert fonts.embedded_fonts(pdf.read_bytes()) == list(dict.fromkeys(programs.values()))


def test_an_embedded_font_that_is_not_bundled_is_an_error_naming_the_edition(tmp_path, monkeypatch):
    root = fixture_project(tmp_path)
    [job] = plan(root, EN)
    bundled = fonts.postscript_names(root)
    assert "NotoSans-Bold" in bundled
    monkeypatch.setattr(fonts, "postscript_names", lambda root: bundled - {"NotoSans-Bold"})
    with pytest.raises(ContentError) as caught:
        execute(prepare(job, root), root)
    [foreign] = caught.value.diagnostics
    assert foreign.code == "foreign-font" and foreign.is_error
    assert foreign.message == (f"edition {job.stem} embeds the font 'NotoSans-Bold', "
                               "which is not one of the bundled fonts")
    assert foreign.file == display_path(root / "styles/fonts")


def test_an_edition_a_worker_renders_with_a_foreign_font_fails_and_is_not_written(tmp_path, monkeypatch):
    """The build process reads back each PDF its workers send (they do not): same verdict."""
    root = fixture_project(tmp_path, letter=True)
    bundled = fonts.postscript_names(root)
    monkeypatch.setattr(fonts, "postscript_names", lambda root: bundled - {"NotoSans-Bold"})
    with pytest.raises(ContentError) as caught:
        build(root, tmp_path / "out", EN, jobs=2, force=True)
    assert sorted((d.code, d.message.split(" embeds")[0]) for d in caught.value.diagnostics) == [
        ("foreign-font", "edition fonts-en-a4-screen"), ("foreign-font", "edition fonts-en-letter-screen")]
    assert not list((tmp_path / "out").rglob("*.pdf"))


def test_the_fontconfig_configuration_lists_only_the_bundled_folder(tmp_path):
    from lxml import etree

    conf = ROOT / "styles/fonts/fonts.conf"
    tree = etree.parse(str(conf))
    assert [(d.get("prefix"), d.text) for d in tree.iter("dir")] == [("relative", ".")]
    assert not list(tree.iter("include", "alias", "match", "selectfont"))
    # fontconfig's own tool, with the machine's fonts and settings all around, sees only these files.
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "XDG_CACHE_HOME": str(tmp_path)}
    listed = subprocess.run(["fc-list", "--format", "%{file}\n"], env=env, check=True,
                            capture_output=True, text=True).stdout.split()
    assert sorted(Path(p).name for p in listed) == sorted(p.name for p in (ROOT / "styles/fonts").glob("*.ttf"))
