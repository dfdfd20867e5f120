"""Hostile and broken input: each case a positioned error or a correct output, never a traceback,
and nothing read or written outside the project."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from conftest import deadline, make_project

from leaflets.matrix import check_project
from leaflets.diagnostics import ContentError
from leaflets.load import load_yaml


def load_faults(tmp_path: Path, raw: bytes) -> list[tuple[int, int, str]]:
    path = tmp_path / "x.yaml"
    path.write_bytes(raw)
    with pytest.raises(ContentError) as caught:
        load_yaml(path)
    return [(d.line, d.column, d.code) for d in caught.value.diagnostics]


def codes(found) -> set[str]:
    return {d.code for d in found if d.is_error}


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), "utf-8")


# --- impossible dates and absurd numbers ----------------------------------------------------

@pytest.mark.parametrize("raw, expected", [
    (b"a:\n  date_of_preparation: 2026-02-30\n", [(2, 24, "invalid-date")]),
    (b"accessed: 2025-02-30\n", [(1, 11, "invalid-date")]),
    (b"version: " + b"9" * 5000 + b"\n", [(1, 10, "number-too-long")]),
    (b"level: -" + b"1" * 5000 + b".5\n", [(1, 8, "number-too-long")]),
])
def test_impossible_dates_and_huge_numbers_are_positioned_errors(tmp_path, raw, expected):
    assert load_faults(tmp_path, raw) == expected


def test_impossible_date_in_a_leaflet_is_reported_by_check(project):
    edit(project / "source/ambc/leaflet.yaml", "date_of_preparation: 2026-03-02",
         "date_of_preparation: 2026-02-30")
    found = check_project(project)
    dated = [d for d in found if d.code == "invalid-date"]
    assert [(Path(d.file).name, d.line > 0) for d in dated] == [("leaflet.yaml", True)]
    assert codes(found) == {"invalid-date"}


# --- one gate for everything that becomes a path --------------------------------------------

def _editions(project: Path) -> Path:
    return project / "source/ambc/leaflet.yaml"


@pytest.mark.parametrize("locale, message", [
    ("en@/../../../../../../../tmp/x/ESCAPED", "is not a BCP 47 locale"),
    ("de/../../x", "is not a BCP 47 locale"),
    ("zz", "unknown locale 'zz'"),
])
def test_a_locale_that_is_not_a_plain_bcp47_tag_is_a_positioned_error(project, locale, message):
    edit(_editions(project), "  - locale: es\n", f"  - locale: \"{locale}\"\n")
    found = [d for d in check_project(project) if d.is_error]
    assert [(Path(d.file).name, d.code) for d in found] == [("leaflet.yaml", "invalid-value")]
    assert message in found[0].message and found[0].line > 100


def test_a_master_language_escaping_the_output_folder_writes_nothing(project, tmp_path):
    from leaflets.plan import Filters
    from leaflets.matrix import run

    edit(_editions(project), "  language: en\n", '  language: "en@/../../../../../../../../tmp/x/ESCAPED"\n')
    edit(_editions(project), "  - locale: en\n", '  - locale: "en@/../../../../../../../../tmp/x/ESCAPED"\n')
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(ContentError) as caught:
        run(project, project / "build", Filters())
    assert {d.code for d in caught.value.diagnostics} == {"invalid-value"}
    assert not (project / "build").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_an_output_folder_symlinked_out_of_the_output_folder_is_refused(project, tmp_path):
    from leaflets.plan import Filters
    from leaflets.matrix import run

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "build").mkdir()
    (project / "build" / "ambc").symlink_to(elsewhere)
    with pytest.raises(ContentError) as caught:
        run(project, project / "build", Filters(locale="en", paper="a4", profile="screen"))
    assert {d.code for d in caught.value.diagnostics} == {"output-outside"}
    assert caught.value.diagnostics[0].file.endswith("leaflet.yaml") and caught.value.diagnostics[0].line
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("out, message", [
    ("", "the output folder is empty"),
    ("FILE", "is a file, not a folder"),
    ("/proc", "is a system folder"),
    ("/proc/self/x", "is a system folder"),
    (".", "holds the project's sources"),
    ("source/ambc", "holds the project's sources"),
    ("a" * 300, "cannot be an output folder"),
])
@pytest.mark.parametrize("command", [[], ["list"], ["manifest", "merge"], ["i18n", "export"]])
def test_an_output_folder_no_build_may_write_is_a_usage_error(tmp_path, capsys, monkeypatch, out, message, command):
    from leaflets.cli import main
    from leaflets.paths import ROOT

    monkeypatch.chdir(ROOT)
    file = tmp_path / "file.txt"
    file.write_text("keep me")
    before = sorted(p.name for p in ROOT.iterdir())
    assert main([*command, "--out", str(file) if out == "FILE" else out]) == 2
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in ROOT.iterdir()) == before and file.read_text() == "keep me"


# --- inputs are never read through links out of the project ----------------------------------

def test_a_leaflet_linked_to_a_system_file_is_refused_unread(project, tmp_path):
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:SECRET-LINE:/root:/bin/bash\n")
    leaflet = project / "source/ambc/leaflet.yaml"
    leaflet.unlink()
    leaflet.symlink_to(secret)
    found = check_project(project)
    assert [(Path(d.file).name, d.code) for d in found] == [("leaflet.yaml", "link-outside-project")]
    assert not any("SECRET" in d.format() for d in found)


def test_a_catalogue_linked_outside_the_project_is_neither_read_nor_attached(project, tmp_path):
    from leaflets.matrix import resolve_editions as plan
    from leaflets.plan import Filters
    from leaflets.render import prepare

    secret = tmp_path / "secret.po"
    secret.write_bytes((project / "source/ambc/locales/de.po").read_bytes())
    for name in ("de.po", "en.po"):
        link = project / "source/ambc/locales" / name
        link.unlink(missing_ok=True)
        link.symlink_to(secret)
    found = check_project(project)
    assert {(Path(d.file).name, d.code) for d in found if d.is_error} == {("de.po", "link-outside-project")}
    # the master's archive edition would attach its locale's catalogue: never one from elsewhere
    [job] = plan(project, Filters(locale="en", paper="a4", profile="archive"))
    with pytest.raises(ContentError) as caught:
        prepare(job, project)
    assert [d.code for d in caught.value.diagnostics] == ["link-outside-project"]


def _export(project: Path, tmp_path: Path) -> Path:
    from leaflets.i18n.workflow import export_xliff

    [de] = [p for p in export_xliff(project, tmp_path / "xlf") if p.name == "de.xlf"]
    return de


def test_import_never_follows_a_planted_temporary_link(project, tmp_path):
    from leaflets.i18n.workflow import import_xliff

    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    xlf = _export(project, tmp_path)
    text = xlf.read_text("utf-8")
    xlf.write_text(text.replace("Patientenin", "Patienten-In", 1) if "Patientenin" in text
                   else text.replace("</target>", " (neu)</target>", 1), "utf-8")
    for folder in (project / "source/ambc/locales", project / "layouts/locales"):
        (folder / ".de.po.tmp").symlink_to(victim)
    written, _ = import_xliff(project, [xlf])
    assert written and victim.read_text() == "untouched"
    assert all(not p.is_symlink() for p in written)


@pytest.mark.parametrize("original, language", [
    ("layouts/locales/de.po", "es"),                     # another locale's catalogue
    ("source/ambc/locales/../../../layouts/locales/de.po", "de"),  # the right file by another path
    ("source/ambc/leaflet.yaml", "de"),                  # not a catalogue
    ("/etc/passwd", "de"),
])
def test_xliff_may_target_only_the_catalogues_it_names_in_its_language(project, tmp_path, original, language):
    from leaflets.i18n.workflow import import_xliff

    xlf = _export(project, tmp_path)
    text = xlf.read_text("utf-8").replace('original="layouts/locales/de.po"', f'original="{original}"')
    xlf.write_text(text.replace('target-language="de"', f'target-language="{language}"'), "utf-8")
    before = {p: p.read_bytes() for p in (project / "layouts/locales").iterdir()}
    with pytest.raises(ContentError) as caught:
        import_xliff(project, [xlf])
    assert "xliff-unknown-file" in {d.code for d in caught.value.diagnostics}
    assert {p: p.read_bytes() for p in (project / "layouts/locales").iterdir()} == before


# --- every printed text is escaped: translated layout labels too ---------------------------

EVIL_LABELS = {
    "Patient information": '<b style="color:red">Patienten</b><a href="javascript:alert(1)">info</a>',
    "Date of preparation: %(date)s": 'von" data-x="y %(date)s',
}


def test_translated_labels_are_printed_as_text_never_as_markup(root):
    import gettext
    import dataclasses

    import lxml.html

    from leaflets.matrix import resolve_editions as plan
    from leaflets.plan import Filters
    from leaflets.render import render_html

    class Evil(gettext.NullTranslations):
        def gettext(self, message):
            return EVIL_LABELS.get(message, message)

    [job] = plan(root, Filters(document="ambc", locale="en", paper="a4", profile="screen"), checked=True)
    html = render_html(dataclasses.replace(job.view, labels=Evil()), root)
    page = lxml.html.fromstring(html)
    assert not page.xpath("//b[@style] | //a[starts-with(@href, 'javascript')] | //*[@data-x]")
    assert page.xpath("string(//p[@class='kicker'])") == EVIL_LABELS["Patient information"]
    prepared = page.xpath("//*[@data-prepared]/@data-prepared")
    assert prepared and all(p.startswith('von" data-x="y ') for p in prepared)


def test_a_label_translation_with_markup_its_source_lacks_is_an_error_at_check(project):
    po = project / "layouts/locales/de.po"
    edit(po, 'msgstr "Patienteninformation"',
         'msgstr "<b style=\\"color:red\\">Patienten</b><a href=\\"javascript:alert(1)\\">info</a>"')
    found = [d for d in check_project(project) if d.is_error]
    line = next(n for n, text in enumerate(po.read_text("utf-8").splitlines(), 1) if "javascript" in text)
    assert [(Path(d.file).name, d.line, d.code) for d in found] == [("de.po", line - 1, "translation-markup")]
    assert "javascript" in found[0].message


def test_an_imported_label_with_a_script_link_fails_the_check(project, tmp_path):
    from leaflets.i18n.workflow import import_xliff

    xlf = _export(project, tmp_path)
    edit(xlf, 'state="translated">Patienteninformation</target>',
         'state="translated">&lt;a href="javascript:alert(1)"&gt;Info&lt;/a&gt;</target>')
    import_xliff(project, [xlf])
    assert "translation-markup" in codes(check_project(project))


# --- catalogues are parsed strictly ---------------------------------------------------------

def _po_fault(case: str, raw: bytes) -> bytes:
    import re

    if case == "quote":
        return raw.replace(b'msgstr "Fortgeschrittener/metastasierter Brustkrebs"',
                           b'msgstr "Fortgeschrittener/metastasierter Brustkreb', 1)
    if case == "charset":
        return raw.replace(b"charset=utf-8", b"charset=KOI9-X")
    if case == "latin1":
        return raw.replace("metastasierter Brustkrebs".encode(), "metastasierter Brustkr\u00e9bs".encode("latin-1"), 1)
    if case == "language":
        return raw.replace(b'"Language: de\\n"', b'"Language: fr\\n"')
    if case == "duplicate":
        return raw + re.search(rb'\nmsgctxt "document/short_title"\nmsgid [^\n]*\nmsgstr [^\n]*\n', raw).group(0)
    raise AssertionError(case)


@pytest.mark.parametrize("case, code, line_of", [
    ("quote", "catalogue-syntax", b"Brustkreb\n"),
    ("charset", "catalogue-charset", b'msgid ""'),
    ("latin1", "catalogue-encoding", b"Brustkr\xe9bs"),
    ("language", "catalogue-language", b'msgid ""'),
    ("duplicate", "catalogue-duplicate", None),
])
def test_a_broken_catalogue_is_a_positioned_error(project, case, code, line_of):
    po = project / "source/ambc/locales/de.po"
    po.write_bytes(_po_fault(case, po.read_bytes()))
    found = [d for d in check_project(project) if d.is_error]
    assert [(Path(d.file).name, d.code) for d in found] == [("de.po", code)]
    lines = po.read_bytes().split(b"\n")
    expected = (next(n for n, line in enumerate(lines, 1) if line_of in line + b"\n") if line_of
                else len(lines) - 3)  # the appended duplicate's msgctxt line
    assert found[0].line == expected


def test_a_translation_keeps_the_count_and_order_of_citation_markers(project):
    from leaflets.i18n.checks import compare

    assert compare("a[@x] b[@x] c[@x] d[@x]", "a[@x] b c d") != []
    assert compare("a[@x] b[@y]", "a[@y] b[@x]") != []
    assert compare("a[@x; @y]", "a[@y; @x]") != []
    assert compare("a[@x] b[@y]", "b[@x] a[@y]") == []
    po = project / "source/ambc/locales/de.po"
    text = po.read_text("utf-8")
    marker = "[@esmo-guide; @hopkins-mbc]"
    start = text.index('msgstr "Fortgeschrittener/metastasierter Brustkrebs, auch')
    end = text.index("\n", start)
    first = text.index(marker, start) + len(marker)
    po.write_text(text[:first] + text[first:end].replace(marker, "") + text[end:], "utf-8")
    found = [d for d in check_project(project) if d.is_error]
    assert [(d.line, d.code) for d in found] == [(text[:start].count("\n"), "translation-citations")]


def test_an_escaped_citation_marker_prints_as_typed(project):
    import lxml.html

    from leaflets.matrix import resolve_editions as plan
    from leaflets.plan import Filters
    from leaflets.inline import Cite, parse_inline
    from leaflets.render import render_html

    assert not [n for n in parse_inline(r"see \[@a] and \\[@b]") if isinstance(n, Cite)][:-1]
    assert [n.keys for n in parse_inline(r"see \[@a] and \\[@b]") if isinstance(n, Cite)] == [["b"]]
    edit(project / "source/ambc/leaflet.yaml", "  - paragraph: >-\n", "  - paragraph: Literally \\[@not-a-key].\n  - paragraph: >-\n")
    assert not [d for d in check_project(project) if "citation" in d.code]
    [job] = plan(project, Filters(locale="en", paper="a4", profile="screen"), checked=True)
    page = lxml.html.fromstring(render_html(job.view, project))
    assert "Literally [@not-a-key]." in page.text_content()


# --- damaged records and manifests: bounded, never trusted ----------------------------------

def test_a_cache_record_with_a_wrong_type_is_treated_as_damaged(project):
    from leaflets import cache
    from leaflets.plan import Filters
    from leaflets.plan import survey

    out = project / "build"
    only = Filters(locale="en", paper="a4", profile="screen")
    [planned] = survey(project, out, only)
    output = {"document": "ambc", "locale": "en", "paper": "a4", "profile": "screen", "job_code": "J",
              "path": planned.shown, "pages": "many", "bytes": 1, "sha256": "0" * 64, "seconds": 1.0}
    cache.record_path(out, planned.stem).parent.mkdir(parents=True)
    planned.pdf.parent.mkdir(parents=True)
    planned.pdf.write_bytes(b"%PDF-")
    for pages in ("many", 10**20, True, None):
        output["pages"] = pages
        cache.record_path(out, planned.stem).write_bytes(cache.record_bytes(planned.key, output, None))
        assert survey(project, out, only)[0].reason == "damaged cache", pages


@pytest.mark.parametrize("shard", [
    {"index": 1, "count": 1_000_000_000},
    {"index": 1, "count": 1e9},
    {"index": "1", "count": "2"},
    {"index": 0, "count": 1},
])
def test_manifest_merge_of_an_absurd_part_is_bounded_and_positioned(tmp_path, shard):
    import json
    import resource

    from leaflets.outputs import merge

    part = tmp_path / "manifest.part-1-of-1.json"
    part.write_text(json.dumps({"shard": shard, "editions": []}))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ContentError) as caught:
        merge([part], tmp_path)
    assert [d.code for d in caught.value.diagnostics] == ["manifest-part-damaged"]
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # kilobytes
    assert not (tmp_path / "manifest.json").exists()


def test_an_address_with_parentheses_is_no_abbreviation(project):
    edit(project / "source/ambc/leaflet.yaml", "  - paragraph: >-\n",
         "  - paragraph: See [the gene](https://en.wikipedia.org/wiki/Ki_(MKI67)) and "
         "https://example.org/wiki/Ki_(PCNA), or ask about XYZQ.\n  - paragraph: >-\n")
    unknown = [d for d in check_project(project) if d.code == "unknown-abbreviation"]
    assert [d.message for d in unknown] == ["abbreviation 'XYZQ' is not in the glossary"]


# --- interruption: one line, exit 130 within 2 seconds, nothing incomplete, no process left ----

def _project_with_code(tmp_path: Path) -> Path:
    """A copy of the project with its code, so that a subprocess builds the copy."""
    import shutil

    from conftest import copy_project, ROOT

    project = copy_project(tmp_path / "project")
    shutil.copytree(ROOT / "leaflets", project / "leaflets",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "make_pdf.py", project)
    return project


def _alive_in_session(session: int) -> list[int]:
    """Return the processes of a session that are still running (zombies are dead)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def _start_build(project: Path):
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "make_pdf.py", "--force", "--jobs", "2", "--paper", "a4"],
                            cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while len(_alive_in_session(proc.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)  # until the workers run
    time.sleep(1.0)  # and are busy importing or rendering
    assert proc.poll() is None
    return proc


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("signal_name, group", [("SIGINT", True), ("SIGTERM", False)])
def test_an_interrupted_build_stops_at_once_and_leaves_nothing_behind(tmp_path, signal_name, group):
    import hashlib
    import json
    import os
    import signal
    import subprocess
    import time

    project = _project_with_code(tmp_path)
    proc = _start_build(project)
    sent = time.monotonic()
    (os.killpg if group else os.kill)(proc.pid, getattr(signal, signal_name))
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    elapsed = time.monotonic() - sent
    time.sleep(0.2)
    left = _alive_in_session(proc.pid)
    for pid in left:  # never leave a process behind, even when the test fails
        os.kill(pid, signal.SIGKILL)
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    assert elapsed < 2.0, err.decode()
    assert proc.returncode == 130
    lines = [line for line in err.decode().splitlines() if "warning[" not in line]
    assert lines == ["interrupted: finished editions were kept, nothing incomplete was written"]
    assert left == []
    build = project / "build"
    assert not [p for p in build.rglob("*") if p.name.endswith(".tmp")]
    for record in (build / ".cache/editions").glob("*.json") if build.exists() else ():
        output = json.loads(record.read_text())["output"]
        assert hashlib.sha256((project / output["path"]).read_bytes()).hexdigest() == output["sha256"]
    for pdf in build.rglob("*.pdf") if build.exists() else ():
        assert pdf.read_bytes().rstrip().endswith(b"%%EOF")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
def test_workers_die_with_a_killed_build(tmp_path):
    import os
    import signal
    import time

    proc = _start_build(_project_with_code(tmp_path))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=5)
    deadline = time.monotonic() + 2.0
    while _alive_in_session(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = _alive_in_session(proc.pid)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    proc.stdout.close()
    proc.stderr.close()
    assert left == []


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads processes from /proc")
def test_workers_are_forked_before_the_content_models_load(tmp_path):
    """make_pdf.py forks the render workers first: they never carry pydantic's native code (nor
    the content models) that the build process loads afterwards."""
    import os
    import signal

    proc = _start_build(_project_with_code(tmp_path))
    try:
        # the build's own children (a worker's short-lived helpers, e.g. ldconfig, are not workers)
        workers = [int(pid) for task in Path(f"/proc/{proc.pid}/task").glob("*/children")
                   for pid in task.read_text().split()]
        maps = {pid: Path(f"/proc/{pid}/maps").read_text() for pid in workers}
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
        proc.stdout.close()
        proc.stderr.close()
    assert len(workers) == 2
    assert not [pid for pid in workers if "pydantic_core" in maps[pid]]


def test_the_manifest_is_rewritten_from_the_records_before_a_build(project):
    import hashlib
    import json

    from leaflets import cache
    from leaflets.plan import Filters
    from leaflets.matrix import reconcile_manifest
    from leaflets.plan import survey

    out = project / "build"
    records = []
    for planned in survey(project, out, Filters(locale="en", paper="a4")):
        planned.pdf.parent.mkdir(parents=True, exist_ok=True)
        data = f"%PDF-1.7 {planned.stem}\n%%EOF\n".encode()
        planned.pdf.write_bytes(data)
        output = {"document": "ambc", "locale": "en", "paper": "a4", "profile": planned.edition.profile,
                  "job_code": planned.edition.job_code, "path": planned.shown, "pages": 3,
                  "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "seconds": 1.0}
        cache.record_path(out, planned.stem).parent.mkdir(parents=True, exist_ok=True)
        cache.record_path(out, planned.stem).write_bytes(cache.record_bytes(planned.key, output, None))
        records.append(output)
    # a killed build: the manifest still describes the old files, one PDF was replaced after its record
    (out / "manifest.json").write_text(json.dumps({"editions": [dict(records[0], sha256="0" * 64)]}))
    records[1]["path"] and (project / records[1]["path"]).write_bytes(b"%PDF-1.7 newer\n%%EOF\n")
    reconcile_manifest(out, project)
    listed = json.loads((out / "manifest.json").read_text())["editions"]
    assert sorted(e["path"] for e in listed) == sorted(r["path"] for r in records if r is not records[1])
    for entry in listed:
        assert hashlib.sha256((project / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]


def test_a_full_disk_is_a_plain_error_naming_the_file(project, monkeypatch, capsys):
    import errno
    import json

    from leaflets import matrix
    from leaflets.plan import Filters

    from leaflets import outputs

    real = outputs.write_atomic
    calls = []

    def full(path, data):
        calls.append(path)
        if path.suffix == ".pdf" and len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(outputs, "write_atomic", full)
    out = project / "build"
    summary = matrix.run(project, out, Filters(locale="en", paper="a4", profile="screen"))
    assert summary.outputs and not summary.failed  # the first edition is written
    only = Filters(locale="en", paper="letter", profile="screen")
    summary = matrix.run(project, out, only, force=True)
    [failed] = summary.failed
    [diagnostic] = failed.diagnostics
    assert diagnostic.code == "write-failed" and "No space left on device" in diagnostic.message
    assert diagnostic.file.endswith("ambc-en-letter-screen.pdf")
    listed = json.loads((out / "manifest.json").read_text())["editions"]
    assert [e["paper"] for e in listed] == ["a4"]
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


# --- preflight of hostile PDFs --------------------------------------------------------------

def _preflight(capsys, path: Path) -> tuple[int, str]:
    from leaflets.cli import main

    status = main(["preflight", str(path)])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def test_preflight_of_an_encrypted_pdf_says_so(tmp_path, capsys):
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(tmp_path / "locked.pdf", encryption=pikepdf.Encryption(owner="o", user="u"))
    status, text = _preflight(capsys, tmp_path / "locked.pdf")
    assert status == 1 and "encrypted with a password" in text and "Traceback" not in text


def test_preflight_of_a_pdf_nested_5000_deep_ends_in_a_verdict(tmp_path, capsys):
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    node = pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.H1)
    for _ in range(5000):
        node = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name.Div,
                                                    K=pikepdf.Array([node])))
    pdf.Root.StructTreeRoot = pikepdf.Dictionary(Type=pikepdf.Name.StructTreeRoot, K=node)
    pdf.save(tmp_path / "deep.pdf")
    status, text = _preflight(capsys, tmp_path / "deep.pdf")
    assert status in (0, 1) and "Traceback" not in text and "internal error" not in text


def test_a_word_no_line_can_hold_is_a_warning_at_its_position(project):
    leaflet = project / "source/ambc/leaflet.yaml"
    text = leaflet.read_text("utf-8")
    start = text.index("  title: ")
    end = text.index("\n", start)
    leaflet.write_text(text[:start] + "  title: Advanced " + "x" * 100_000 + " cancer" + text[end:], "utf-8")
    diagnostics = check_project(project)
    # a title of 100,000 characters is over the title's limit: an error at the title, no traceback
    [too_long] = [d for d in diagnostics if d.is_error]
    assert (Path(too_long.file).name, too_long.code) == ("leaflet.yaml", "invalid-value")
    assert "characters long; the limit is 300" in too_long.message
    # within the limit, the word is a warning at its position
    leaflet.write_text(text[:start] + "  title: Advanced " + "x" * 200 + " cancer" + text[end:], "utf-8")
    [found] = [d for d in check_project(project) if d.code == "long-word"]
    line = text[:start].count("\n") + 1
    assert (Path(found.file).name, found.line, found.column) == ("leaflet.yaml", line, len("  title: Advanced ") + 1)
    assert not found.is_error and "200 characters" in found.message


def test_a_word_no_line_can_hold_is_broken_inside_the_page(project):
    import pypdfium2

    from leaflets.matrix import resolve_editions as plan
    from leaflets.plan import Filters
    from leaflets.render import execute, prepare

    leaflet = project / "source/ambc/leaflet.yaml"
    text = leaflet.read_text("utf-8")
    start = text.index("  title: ")
    end = text.index("\n", start)
    leaflet.write_text(text[:start] + "  title: Advanced " + "x" * 280 + " cancer" + text[end:], "utf-8")
    edit(leaflet, "  - paragraph: >-\n", "  - paragraph: Word " + "y" * 600 + " ends.\n  - paragraph: >-\n")
    [job] = plan(project, Filters(locale="en", paper="a4", profile="screen"), checked=True)
    pdf, _pages, _fit = execute(prepare(job, project), project)
    document = pypdfium2.PdfDocument(pdf)
    seen = set()
    for page in document:
        width = page.get_width()
        textpage = page.get_textpage()
        for index in range(textpage.count_chars()):
            char = textpage.get_text_range(index, 1)
            if char in "xy":
                left, _bottom, right, _top = textpage.get_charbox(index)
                assert 0 <= left and right <= width, (char, left, right, width)
                seen.add(char)
    assert seen == {"x", "y"}


# --- a named pipe or a device where a file is expected ----------------------------------------

def test_named_pipes_in_the_project_never_block_a_check_or_a_build(tmp_path):
    """A pipe blocks whoever reads it until someone writes: the build hashes every file of the
    project and used to wait for ever. Pipes are never read; the leaflet as a pipe is an error."""
    from leaflets.matrix import build
    from leaflets.plan import Filters

    project = make_project(tmp_path / "project", ("anaemia",), code=False)
    for where in ("source/anaemia/notes.txt", "source/anaemia/locales/fr.po",
                  "layouts/partials/extra.html.j2", "layouts/extra.j2", "styles/extra.css"):
        os.mkfifo(project / where)
    with deadline(120):
        assert [d.format() for d in check_project(project) if d.is_error] == []
        [output] = build(project, project / "build", Filters("anaemia", "en", "a4", "screen"), jobs=1)
    assert (project / output.path).read_bytes().startswith(b"%PDF-")
    leaflet = project / "source/anaemia/leaflet.yaml"
    leaflet.unlink()
    os.mkfifo(leaflet)
    with deadline(60):
        found = check_project(project)
    assert [(Path(d.file).name, d.code) for d in found if d.is_error] == [("leaflet.yaml", "unreadable-file")]
    assert "not a regular file" in found[0].message


def test_an_interruption_lost_in_a_finaliser_still_stops_the_build(project, monkeypatch):
    """Ctrl-C or SIGTERM raises KeyboardInterrupt wherever the build is. Raised inside a
    finaliser (or into a library's bare `except:`) it is lost: Python only reports it, and the
    build would carry on to the end. The build stops before its next edition all the same."""
    import signal

    from conftest import run_cli
    from leaflets import exits, matrix

    write_edition = matrix.write_edition
    written = []

    class Finaliser:
        def __del__(self):
            signal.raise_signal(signal.SIGTERM)
            for _ in range(100):  # the handler runs here, inside the finaliser, and is lost
                pass

    def write_then_lose_an_interruption(planned, *args, **kwargs):
        output = write_edition(planned, *args, **kwargs)
        written.append(planned.stem)
        Finaliser()  # dropped at once
        return output

    monkeypatch.setattr(matrix, "write_edition", write_then_lose_an_interruption)
    ran = run_cli(project, "--jobs", "1", "--paper", "a4", "--locale", "en")
    assert ran.returncode == 130, ran.stderr
    assert ran.stderr.splitlines()[-1] == exits.INTERRUPTED
    assert "Exception ignored" not in ran.stderr
    assert len(written) == 1
    assert (project / "build" / "ambc" / f"{written[0]}.pdf").exists()
    assert not exits.interruption.is_set()  # the next command in this process is not interrupted
    assert signal.getsignal(signal.SIGTERM) is not exits.interrupt


def test_an_interruption_a_library_turns_into_a_content_error_still_reads_as_one(project, monkeypatch):
    """A library may catch the KeyboardInterrupt and raise an error of its own: the user asked
    to stop, so the command says it was interrupted, not that their sources have errors."""
    import signal

    from conftest import run_cli
    from leaflets import exits, matrix
    from leaflets.diagnostics import ContentError, error

    def checks_that_convert_the_interruption(documents, root):
        try:
            signal.raise_signal(signal.SIGTERM)
            for _ in range(100):
                pass
        except KeyboardInterrupt:
            raise ContentError([error(root / "source", "library", "the library was stopped", "")])
        raise AssertionError("the interruption never came")

    monkeypatch.setattr(matrix, "check_documents", checks_that_convert_the_interruption)
    ran = run_cli(project, "--jobs", "1", "--paper", "a4", "--locale", "en")
    assert ran.returncode == 130, ran.stderr
    assert ran.stderr.splitlines() == [exits.INTERRUPTED]
    assert not (project / "build" / "ambc").exists()


def test_a_second_interruption_during_the_exit_does_not_cut_it_short(project, monkeypatch):
    """A CI runner cancelling twice, or a user pressing Ctrl-C again while the workers are killed
    and reaped (up to a second): the command still says the one line and exits 130."""
    import signal

    from conftest import run_cli
    from leaflets import exits, matrix, workers

    def checks_interrupted(documents, root):
        signal.raise_signal(signal.SIGTERM)
        raise AssertionError("the interruption never came")

    kill_all = workers.kill_all

    def kill_all_interrupted_again():
        signal.raise_signal(signal.SIGTERM)
        for _ in range(100):  # a handler would run here
            pass
        kill_all()

    monkeypatch.setattr(matrix, "check_documents", checks_interrupted)
    monkeypatch.setattr(workers, "kill_all", kill_all_interrupted_again)
    ran = run_cli(project, "--jobs", "1", "--paper", "a4", "--locale", "en")
    assert ran.returncode == 130, ran.stderr
    assert ran.stderr.splitlines() == [exits.INTERRUPTED]
    assert signal.getsignal(signal.SIGTERM) is not signal.SIG_IGN  # given back to the caller
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN


def test_an_edition_finished_while_an_interruption_was_lost_is_not_written(project, monkeypatch):
    """An interruption lost while this process finishes an edition (reading its fonts back, in a
    finaliser or a library's bare `except:`) may have left it incomplete: it is not written, and
    the build stops."""
    import signal

    from conftest import run_cli
    from leaflets import exits, workers

    audited = workers._audited

    class Finaliser:
        def __del__(self):
            signal.raise_signal(signal.SIGTERM)
            for _ in range(100):  # the handler runs here, inside the finaliser, and is lost
                pass

    def audit_losing_an_interruption(*args, **kwargs):
        Finaliser()  # dropped at once
        return audited(*args, **kwargs)

    monkeypatch.setattr(workers, "_audited", audit_losing_an_interruption)
    ran = run_cli(project, "--jobs", "2", "--paper", "a4", "--locale", "en")
    assert ran.returncode == 130, ran.stderr
    assert ran.stderr.splitlines()[-1] == exits.INTERRUPTED
    assert not list(project.glob("build/**/*.pdf"))
    assert not exits.interruption.is_set()


def _make_pdf_interrupted_while_loading(folder: Path, signal_name: str, module: str):
    """Run make_pdf.py ARGS with `signal_name` raised as Python imports `module` (before the
    command line has taken interruptions over)."""
    import os
    import subprocess
    import sys

    from conftest import CHECKOUT

    prelude = (
        "import runpy, signal, sys\n"
        "class Interrupting:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name == {module!r}:\n"
        f"            signal.raise_signal(signal.{signal_name})\n"
        "        return None\n"
        "sys.meta_path.insert(0, Interrupting())\n"
        f"sys.argv = [{str(CHECKOUT / 'make_pdf.py')!r}, 'check']\n"
        f"runpy.run_path(sys.argv[0], run_name='__main__')\n")
    return subprocess.run([sys.executable, "-c", prelude], cwd=folder, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONPATH=str(CHECKOUT)), stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("module", ["leaflets.noop", "leaflets.cli"])
def test_an_interruption_while_python_loads_the_command_line_says_the_one_line(project, signal_name, module):
    ran = _make_pdf_interrupted_while_loading(project, signal_name, module)
    assert ran.returncode == 130, ran.stderr
    assert ran.stderr.splitlines() == ["interrupted: finished editions were kept, nothing incomplete was written"]


def test_a_second_sigterm_while_the_preview_cleans_up_does_not_cut_it_short(project, monkeypatch):
    """The preview stops its render worker and threads after Ctrl-C or SIGTERM (up to seconds);
    a second SIGTERM meanwhile (`kill` twice) must not cut that short: it stops as asked, once."""
    import signal

    from conftest import run_cli
    from leaflets import exits
    from leaflets.preview import app, session

    class Worker:
        def __init__(self, root):
            pass

        def close(self):
            signal.raise_signal(signal.SIGTERM)  # the second one, while the worker is stopped
            for _ in range(100):
                pass

    def interrupted_request(self, *args, **kwargs):
        signal.raise_signal(signal.SIGTERM)
        for _ in range(100):
            pass

    monkeypatch.setattr(app, "RenderWorker", Worker)
    monkeypatch.setattr(app, "watch", lambda root, session, stop: None)
    monkeypatch.setattr(session.Session, "run", lambda self, stop: None)
    monkeypatch.setattr(session.Session, "request", interrupted_request)
    ran = run_cli(project, "preview", "--port", "0")
    assert ran.returncode == 0, ran.stderr
    assert ran.stderr.splitlines()[-1] == "preview stopped", ran.stderr
    assert exits.INTERRUPTED not in ran.stderr
    assert not exits.interruption.is_set()
