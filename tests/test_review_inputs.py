"""What a careless or hostile author, translator, vendor or operator hands the commands other than
the build: each ends in a positioned diagnostic or a usage error, never a traceback, a hang or an
internal error, and nothing is read or written outside the project or the named output."""

from __future__ import annotations

import io
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CHECKOUT, deadline, make_project, run_cli

from leaflets.diagnostics import ContentError


def run_fresh(cwd: Path, *args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    """Run the checkout's make_pdf.py in a process of its own, killed when it blocks."""
    env = dict(os.environ, PYTHONPATH=str(CHECKOUT))
    try:
        return subprocess.run([sys.executable, str(CHECKOUT / "make_pdf.py"), *args], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:  # subprocess.run kills the process
        pytest.fail(f"make_pdf.py {' '.join(args)} blocked for {timeout} s")


def plain(ran) -> str:
    text = ran.stdout + ran.stderr
    assert "Traceback" not in text and "internal error" not in text, text
    return text


# --- a named pipe given where a file is expected ----------------------------------------------

def test_preflight_of_a_named_pipe_is_a_plain_failure_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / "leaflet.pdf")
    ran = run_fresh(tmp_path, "preflight", "leaflet.pdf", timeout=30)
    assert ran.returncode == 1 and "leaflet.pdf: cannot be opened as a PDF" in plain(ran)
    assert "not a regular file" in ran.stdout


# --- a damaged PDF that qpdf recovers but whose objects are not what a PDF's should be -------

def _blank_pdf(edit=None) -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    if edit:
        edit(pdf)
    stream = io.BytesIO()
    pdf.save(stream)
    return stream.getvalue()


def _font_without_descendant(pdf) -> None:
    import pikepdf

    page = pdf.pages[0]
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=pikepdf.Name.X,
        DescendantFonts=pikepdf.Array([None]))))
    page.obj.Contents = pdf.make_stream(b"BT /F1 12 Tf (a) Tj ET")


def _link_without_numbers(pdf) -> None:
    import pikepdf

    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=pikepdf.Array([None, 0, 10, 10]))]))


@pytest.mark.parametrize("damage", [
    lambda: b"garbage\n" + _blank_pdf()[8:],        # no %PDF header: qpdf recovers, PDFium refuses
    lambda: _blank_pdf(_font_without_descendant),  # a Type0 font whose descendant is null
    lambda: _blank_pdf(_link_without_numbers),     # a link whose rectangle holds a null
], ids=["no-header", "null-descendant-font", "null-in-link-rectangle"])
def test_preflight_of_a_damaged_pdf_is_a_plain_failure(tmp_path, capsys, damage):
    from leaflets.cli import main

    (tmp_path / "damaged.pdf").write_bytes(damage())
    status = main(["preflight", str(tmp_path / "damaged.pdf")])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text and "internal error" not in text, text
    assert status == 1 and "damaged.pdf: cannot be read as a PDF" in captured.out


# --- XLIFF from a vendor -----------------------------------------------------------------------

def _export_de(project: Path, tmp_path: Path) -> Path:
    from leaflets.i18n.workflow import export_xliff

    [de] = [p for p in export_xliff(project, tmp_path / "xlf") if p.name == "de.xlf"]
    return de


def test_import_of_a_named_pipe_is_a_positioned_error_not_a_hang(project, tmp_path):
    os.mkfifo(tmp_path / "de.xlf")
    with deadline(20):
        ran = run_cli(project, "i18n", "import", str(tmp_path / "de.xlf"))
    assert ran.returncode == 1 and "Traceback" not in ran.stderr
    assert f"{tmp_path / 'de.xlf'}:" in ran.stderr and "error[xliff-syntax]" in ran.stderr
    assert "not a regular file" in ran.stderr


def test_a_unit_given_twice_with_two_translations_is_refused(project, tmp_path):
    """XLIFF ids are unique in a file: a vendor's file holding one unit twice, translated two ways,
    says neither which translation is meant; the catalogue is left alone."""
    xlf = _export_de(project, tmp_path)
    text = xlf.read_text("utf-8")
    start = text.index("<trans-unit ")
    end = text.index("</trans-unit>", start) + len("</trans-unit>")
    unit = text[start:end]
    assert "<target" in unit
    other = re.sub(r"(<target[^>]*>)[^<]*", r"\1Eine andere Übersetzung", unit)
    xlf.write_text(text[:end] + "\n" + other + text[end:], "utf-8")
    catalogues = sorted(project.glob("source/*/locales/de.po")) + [project / "layouts/locales/de.po"]
    before = [p.read_bytes() for p in catalogues]
    ran = run_cli(project, "i18n", "import", str(xlf))
    line = text[:end].count("\n") + 2
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert f"{xlf}:{line}:1: error[xliff-duplicate-unit]" in ran.stderr
    assert [p.read_bytes() for p in catalogues] == before


# --- manifest parts ------------------------------------------------------------------------------

def test_manifest_merge_of_a_named_pipe_is_a_damaged_part_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / "manifest.part-1-of-1.json")
    with deadline(20):
        ran = run_cli(tmp_path, "manifest", "merge", "--out", str(tmp_path))
    assert ran.returncode == 1 and "Traceback" not in ran.stderr
    assert "manifest.part-1-of-1.json: error[manifest-part-damaged]" in ran.stderr
    assert "not a regular file" in ran.stderr and not (tmp_path / "manifest.json").exists()


# --- compare ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("out, message", [
    ("/proc/leaflets", "is a system folder"),
    ("source/no-such-document", "holds the project's sources"),
    ("FILE", "is a file, not a folder"),
])
def test_compare_refuses_an_output_folder_no_command_may_write(tmp_path, capsys, monkeypatch, out, message):
    """Refused as the other commands' --out is, before either version is loaded."""
    from leaflets.cli import main
    from leaflets.paths import ROOT

    monkeypatch.chdir(ROOT)
    file = tmp_path / "file.txt"
    file.write_text("keep me")
    before = sorted(p.name for p in ROOT.iterdir())
    status = main(["compare", "WORKTREE", "WORKTREE", "--format", "json", "--no-pages",
                   "--out", str(file) if out == "FILE" else out])
    err = capsys.readouterr().err
    assert status == 2 and message in err and "Traceback" not in err, err
    assert sorted(p.name for p in ROOT.iterdir()) == before and file.read_text() == "keep me"
    assert not (ROOT / "source/no-such-document").exists()


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), "-c", "user.name=Test", "-c", "user.email=test@example.org",
                           *args], check=True, capture_output=True, text=True).stdout


@pytest.mark.parametrize("target", ["/etc/passwd", "../../../../etc/passwd"])
def test_a_revision_holding_a_link_out_of_the_project_is_a_usage_error(project, target):
    """A committed symbolic link leading out of the project is refused while the revision is
    extracted (Python's tar `data` filter): a plain error naming the revision and the link."""
    _git(project, "init", "-q")
    references = project / "source/ambc/references.yaml"
    references.unlink()
    references.symlink_to(target)
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "a link out")
    ran = run_cli(project, "compare", "HEAD", "WORKTREE", "--format", "json", "--out", "-")
    assert ran.returncode == 2 and "Traceback" not in ran.stderr, ran.stderr
    assert "revision 'HEAD'" in ran.stderr and "source/ambc/references.yaml" in ran.stderr
    assert "link" in ran.stderr and ran.stdout == ""


# --- PO catalogues ---------------------------------------------------------------------------------

@pytest.mark.parametrize("character", [b"\x00", b"\x1b", b"\x7f", "\u0085".encode(), b"\x0c"],
                         ids=["NUL", "ESC", "DEL", "NEL", "form-feed"])
def test_a_control_character_in_a_catalogue_is_a_positioned_error(project, character):
    """As in the YAML sources: an invisible character pasted into a translation (a NUL, an escape
    that would drive the terminal the diagnostics are printed on) is refused where it stands."""
    from leaflets.matrix import check_project

    po = project / "source/ambc/locales/de.po"
    raw = po.read_bytes()
    assert b'msgstr "Fortgeschrittener/metastasierter Brustkrebs"' in raw
    po.write_bytes(raw.replace(b'msgstr "Fortgeschrittener/', b'msgstr "Fortgeschrittener/' + character, 1))
    found = [d for d in check_project(project) if d.is_error]
    line = raw[:raw.index(b'msgstr "Fortgeschrittener/')].count(b"\n") + 1
    assert [(Path(d.file).name, d.line, d.column, d.code) for d in found] == \
        [("de.po", line, len('msgstr "Fortgeschrittener/') + 1, "control-character")]
    assert "U+" in found[0].message


# --- outputs that cannot be written ----------------------------------------------------------------

def test_merge_into_a_folder_where_the_manifest_is_a_folder_is_a_plain_error(tmp_path):
    """Every write of a command goes through one atomic write: its failure (here the manifest's
    name taken by a folder) is a diagnostic naming the file, not an internal error."""
    import json

    part = {"shard": {"index": 1, "count": 1}, "editions": []}
    (tmp_path / "manifest.part-1-of-1.json").write_text(json.dumps(part), "utf-8")
    (tmp_path / "manifest.json").mkdir()
    ran = run_cli(tmp_path, "manifest", "merge", "--out", str(tmp_path))
    assert ran.returncode == 1 and "Traceback" not in ran.stderr, ran.stderr
    assert ran.stderr.startswith("manifest.json: error[write-failed]: cannot write manifest.json: ")
    assert (tmp_path / "manifest.json").is_dir() and not list(tmp_path.glob(".*.tmp"))


def test_export_where_an_exchange_file_is_a_folder_is_a_plain_error(project, tmp_path):
    (tmp_path / "xlf" / "de.xlf").mkdir(parents=True)
    ran = run_cli(project, "i18n", "export", "--out", str(tmp_path / "xlf"))
    assert ran.returncode == 1 and "Traceback" not in ran.stderr, ran.stderr
    assert "de.xlf: error[write-failed]: cannot write de.xlf" in ran.stderr


# --- font files under styles/ that are not fonts ---------------------------------------------------

def test_a_named_pipe_among_the_fonts_blocks_neither_check_nor_doctor(project):
    os.mkfifo(project / "styles/fonts/Extra-Regular.ttf")
    with deadline(30):
        checked = run_cli(project, "check")
    with deadline(30):
        doctor = run_cli(project, "doctor")
    assert checked.returncode == 0 and "Traceback" not in checked.stderr, checked.stderr
    assert "Traceback" not in doctor.stdout + doctor.stderr
    assert "styles/fonts/Extra-Regular.ttf cannot be read: " in doctor.stdout
    assert "not a regular file" in doctor.stdout and doctor.returncode == 2


def test_a_damaged_font_file_is_a_diagnostic_at_check(project):
    (project / "styles/fonts/Extra-Regular.ttf").write_bytes(b"not a font")
    ran = run_cli(project, "check")
    assert ran.returncode == 1 and "Traceback" not in ran.stderr, ran.stderr
    assert "styles/fonts/Extra-Regular.ttf: error[font-unreadable]: " in ran.stderr


def test_compare_never_reads_a_style_through_a_link_out_of_the_project(project, tmp_path):
    """The layout and style files are compared by their bytes: a link to a file outside the
    project is compared as a link, never read (here the file outside holds the same bytes as the
    old version's style: read through the link, the change would go unseen)."""
    import json
    import shutil

    new = tmp_path / "new"
    for tree in ("source", "layouts", "styles"):
        shutil.copytree(project / tree, new / tree)
    style = "styles/leaflet.css"
    outside = tmp_path / "outside.css"
    outside.write_bytes((project / style).read_bytes())
    (new / style).unlink()
    (new / style).symlink_to(outside)
    ran = run_cli(project, "compare", str(project), str(new), "--format", "json", "--out", "-", "--no-pages")
    assert "Traceback" not in ran.stderr, ran.stderr
    assert {"file": style, "change": "changed"} in json.loads(ran.stdout)["design"]


def test_a_catalogue_saved_with_a_byte_order_mark_says_so(project):
    """Editors on some systems save UTF-8 with a byte-order mark: the translator hears that, at
    1:1, instead of a syntax error about a line that looks right."""
    from leaflets.matrix import check_project

    po = project / "source/ambc/locales/de.po"
    po.write_bytes(b"\xef\xbb\xbf" + po.read_bytes())
    found = [d for d in check_project(project) if d.is_error]
    assert [(Path(d.file).name, d.line, d.column, d.code) for d in found] == [("de.po", 1, 1, "catalogue-encoding")]
    assert "byte-order mark" in found[0].message and "without" in found[0].hint


@pytest.mark.parametrize("entry, keyword", [
    ('msgid_plural "x"\nmsgstr[0] "Eins"\nmsgstr[1] "Zwei"', "msgid_plural"),  # a plural entry
    ('msgstr[0] "Eins"', "msgstr[0]"),                                         # an indexed msgstr alone
])
def test_plural_forms_in_a_catalogue_are_a_positioned_error(project, tmp_path, entry, keyword):
    """Leaflet segments have no plural forms: an entry written with them (by a tool or by hand) is
    refused where it stands, by check and by the export (which failed with an internal error)."""
    po = project / "source/ambc/locales/de.po"
    raw = po.read_text("utf-8")
    old = 'msgstr "Fortgeschrittener/metastasierter Brustkrebs"'
    assert old in raw
    po.write_text(raw.replace(old, entry, 1), "utf-8")
    line = raw[:raw.index(old)].count("\n") + 1
    for ran in (run_cli(project, "check"), run_cli(project, "i18n", "export", "--out", str(tmp_path / "xlf"))):
        assert ran.returncode == 1 and "Traceback" not in ran.stderr, ran.stderr
        assert f"source/ambc/locales/de.po:{line}:1: error[catalogue-plural]: " in ran.stderr
        assert keyword in ran.stderr
    assert not (tmp_path / "xlf").exists()


@pytest.mark.parametrize("command", [["i18n", "update"], ["i18n", "export"]])
def test_a_catalogue_linked_outside_the_project_is_not_read_by_update_or_export(project, tmp_path, command):
    outside = tmp_path / "outside.po"
    po = project / "source/ambc/locales/de.po"
    outside.write_bytes(po.read_bytes())
    po.unlink()
    po.symlink_to(outside)
    before = outside.read_bytes()
    out = ["--out", str(tmp_path / "xlf")] if command[-1] == "export" else []
    ran = run_cli(project, *command, *out)
    assert ran.returncode == 1 and "Traceback" not in ran.stderr, ran.stdout + ran.stderr
    assert "de.po: error[link-outside-project]" in ran.stderr
    assert po.is_symlink() and outside.read_bytes() == before and not (tmp_path / "xlf").exists()


def test_an_xliff_target_language_in_capitals_names_the_same_locale(project, tmp_path):
    """Language tags are case-insensitive (BCP 47): a vendor's tool writing target-language="DE"
    means the de catalogues."""
    xlf = _export_de(project, tmp_path)
    text = xlf.read_text("utf-8")
    assert 'target-language="de"' in text and "</target>" in text
    text = text.replace('target-language="de"', 'target-language="DE"')
    xlf.write_text(text.replace("</target>", " (neu)</target>", 1), "utf-8")
    ran = run_cli(project, "i18n", "import", str(xlf))
    assert ran.returncode == 0 and "Traceback" not in ran.stderr, ran.stderr
    assert "updated " in ran.stdout and "(neu)" in "".join(p.read_text("utf-8") for p in project.glob("**/de.po"))


# --- schema ----------------------------------------------------------------------------------------

def test_a_schema_file_that_is_not_utf8_is_out_of_date_not_an_internal_error(tmp_path):
    """A damaged schema (here two bytes that are not UTF-8 appended, as a bad merge leaves) is
    simply not the schema the models give: `schema --check` says it is out of date."""
    from leaflets.schema import SCHEMAS, schema_text, stale_schemas

    for name, model in SCHEMAS.items():
        (tmp_path / name).write_text(schema_text(model), "utf-8")
    assert stale_schemas(tmp_path) == []
    damaged = tmp_path / next(iter(SCHEMAS))
    damaged.write_bytes(damaged.read_bytes() + b"\xff\xfe")
    assert stale_schemas(tmp_path) == [damaged]


def test_a_unit_name_with_a_line_break_stays_on_its_diagnostics_line(project, tmp_path):
    """One diagnostic, one line (editors and CI read them line by line): a vendor's unit name
    holding a line break is shown quoted, the break escaped."""
    xlf = _export_de(project, tmp_path)
    text = xlf.read_text("utf-8")
    found = re.search(r'resname="([^"]+)"', text)
    xlf.write_text(text.replace(found.group(0), f'resname="{found.group(1)}&#10;x"', 1), "utf-8")
    ran = run_cli(project, "i18n", "import", str(xlf))
    assert ran.returncode == 1 and "error[xliff-unknown-unit]" in ran.stderr
    assert all(line.startswith(str(xlf)) or line.startswith("1 error(s)") for line in ran.stderr.splitlines()), \
        ran.stderr


@pytest.mark.parametrize("name", [".#de.po", ".po"], ids=["editor-lock", "hidden"])
def test_an_editors_lock_file_beside_the_catalogues_is_no_locale(project, tmp_path, name):
    """Emacs keeps `.#de.po`, a dangling link, beside a catalogue being edited: it names no locale,
    so update and export leave it alone (update failed with an internal error, export refused)."""
    locales = project / "source/ambc/locales"
    if name == ".#de.po":
        (locales / name).symlink_to("translator@host.4242:1764600000")
    else:
        (locales / name).write_bytes((locales / "de.po").read_bytes())
    for args in (["i18n", "update"], ["i18n", "export", "--out", str(tmp_path / "xlf")]):
        ran = run_cli(project, *args)
        assert ran.returncode == 0 and "Traceback" not in ran.stderr, ran.stdout + ran.stderr
        assert f"locales/{name}" not in ran.stdout + ran.stderr
    assert (locales / name).is_symlink() == (name == ".#de.po")
    assert sorted(p.name for p in (tmp_path / "xlf").iterdir()) == ["de.xlf", "es.xlf"]


def test_manifest_merge_of_a_part_nested_without_end_is_a_damaged_part(tmp_path):
    deep = '{"shard": {"index": 1, "count": 1}, "editions": ' + "[" * 100_000 + "]" * 100_000 + "}"
    (tmp_path / "manifest.part-1-of-1.json").write_text(deep, "utf-8")
    ran = run_cli(tmp_path, "manifest", "merge", "--out", str(tmp_path))
    assert ran.returncode == 1 and "Traceback" not in ran.stderr, ran.stderr
    assert ran.stderr.startswith("manifest.part-1-of-1.json: error[manifest-part-damaged]: ")
    assert not (tmp_path / "manifest.json").exists()


def _content_bomb(pdf) -> None:
    """A page whose content stream inflates from about 100 KB to 120 MB of drawing operators."""
    import zlib

    import pikepdf

    stream = pikepdf.Stream(pdf, zlib.compress(b"0 0 m\n" * 20_000_000, 9))
    stream.Filter = pikepdf.Name.FlateDecode
    pdf.pages[0].obj.Contents = pdf.make_indirect(stream)


def _form_fan_out(pdf) -> None:
    """Three small forms, each drawing the next 2,000 times: 8 billion operators to walk."""
    import pikepdf

    inner = pdf.make_stream(b"0 0 m\n", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                            BBox=[0, 0, 10, 10])
    for _ in range(3):
        inner = pdf.make_stream(b"/F Do\n" * 2_000, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                                BBox=[0, 0, 10, 10], Resources=pikepdf.Dictionary(
                                    XObject=pikepdf.Dictionary(F=inner)))
    page = pdf.pages[0].obj
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(F=inner))
    page.Contents = pdf.make_stream(b"/F Do\n")


def _forms_drawing_each_other(pdf) -> None:
    """Form A draws form B twice and B draws A twice: a viewer unfolds it without end (PDFium
    until memory runs out)."""
    import pikepdf

    a = pdf.make_stream(b"0 1 0 rg /B Do /B Do\n", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                        BBox=[0, 0, 10, 10])
    b = pdf.make_stream(b"0 0 1 RG /A Do /A Do\n", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                        BBox=[0, 0, 10, 10])
    a.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(B=b))
    b.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(A=a))
    page = pdf.pages[0].obj
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(A=a))
    page.Contents = pdf.make_stream(b"/A Do\n")


def test_preflight_of_forms_drawing_each_other_ends_in_a_verdict(tmp_path):
    """The file fails before PDFium reads its pages; the preflight runs with its memory bounded,
    so that a preflight unfolding the forms ends in MemoryError instead of taking the machine's."""
    import resource

    (tmp_path / "cycle.pdf").write_bytes(_blank_pdf(_forms_drawing_each_other))
    limit = 3 << 30

    def bounded():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = dict(os.environ, PYTHONPATH=str(CHECKOUT))
    ran = subprocess.run([sys.executable, str(CHECKOUT / "make_pdf.py"), "preflight", "cycle.pdf"], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                         preexec_fn=bounded)
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "cycle.pdf: not inspected: a form draws itself (page 1)" in plain(ran)


@pytest.mark.parametrize("bomb", [_content_bomb, _form_fan_out], ids=["inflating-stream", "form-fan-out"])
def test_preflight_of_a_content_bomb_ends_at_once_in_a_verdict(tmp_path, bomb):
    """A few hundred kilobytes of PDF that decode into hundreds of megabytes of content, or forms
    drawing forms thousands of times, are not walked to the end: the file fails, said why."""
    (tmp_path / "bomb.pdf").write_bytes(_blank_pdf(bomb))
    assert (tmp_path / "bomb.pdf").stat().st_size < 1_000_000
    ran = run_fresh(tmp_path, "preflight", "bomb.pdf", timeout=60)
    assert ran.returncode == 1 and "bomb.pdf: not inspected: " in plain(ran)
