"""Careless or hostile input at the command line and in the build's own files, continued: manifest
parts naming files outside the output folder, absurd shard counts, case slips in selections,
control characters in diagnostics, odd catalogues, deeply nested records and links among outputs.
Each ends in a positioned diagnostic, a usage error or a safe output, never a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import run_cli


def _plain(ran) -> str:
    text = ran.stdout + ran.stderr
    assert "Traceback" not in text and "internal error" not in text, text
    return text


# --- 1. manifest merge: an edition's path stays inside the output folder ----------------------

@pytest.mark.parametrize("path, fault", [
    ("/etc/passwd", "is absolute"),
    ("../../x", "climbs out of its folder with '..'"),
    ("build/../../x", "climbs out of its folder with '..'"),
    ("build/a\x00b.pdf", "holds a control character"),
    ("build/a\nb.pdf", "holds a control character"),
    ("source/ambc/leaflet.yaml", "is outside the output folder build"),
], ids=["absolute", "dotdot", "inner-dotdot", "nul", "newline", "outside-build"])
def test_manifest_merge_refuses_an_edition_path_leaving_the_output_folder(tmp_path, path, fault):
    out = tmp_path / "build"
    out.mkdir()
    good = {"document": "ambc", "locale": "en", "paper": "a4", "profile": "screen",
            "path": "build/ambc/ambc-en-a4-screen.pdf"}
    bad = {"document": "ambc", "locale": "es", "paper": "a4", "profile": "screen", "path": path}
    text = '{"shard": {"index": 1, "count": 1},\n "editions": [\n  ' + json.dumps(good) + ",\n  " \
        + json.dumps(bad) + "\n]}\n"
    (out / "manifest.part-1-of-1.json").write_text(text, "utf-8")
    ran = run_cli(tmp_path, "manifest", "merge")
    _plain(ran)
    column = text.splitlines()[3].index('"path": ') + len('"path": ') + 1
    assert ran.returncode == 1
    first = ran.stderr.splitlines()[0]
    assert first.startswith(f"build/manifest.part-1-of-1.json:4:{column}: error[manifest-unsafe-path]: "
                            "edition 2 (ambc-es-a4-screen): its path "), ran.stderr
    assert fault in first and len(ran.stderr.splitlines()) == 2
    assert not (out / "manifest.json").exists()


def test_manifest_merge_keeps_paths_inside_the_output_folder(tmp_path):
    out = tmp_path / "build"
    out.mkdir()
    entry = {"document": "ambc", "locale": "en", "paper": "a4", "profile": "screen",
             "path": "build/ambc/ambc-en-a4-screen.pdf"}
    (out / "manifest.part-1-of-1.json").write_text(json.dumps(
        {"shard": {"index": 1, "count": 1}, "editions": [entry]}), "utf-8")
    ran = run_cli(tmp_path, "manifest", "merge")
    assert ran.returncode == 0, _plain(ran)
    assert json.loads((out / "manifest.json").read_text("utf-8"))["editions"] == [entry]



@pytest.mark.parametrize("path", ["{outside}", "../outside/secret.pdf", "source/ambc/leaflet.yaml"],
                         ids=["absolute", "dotdot", "in-the-sources"])
def test_a_cache_record_naming_a_file_outside_the_output_folder_is_never_read(tmp_path, path):
    """The records rebuild the manifest after a killed build: a record naming a file elsewhere (its
    digest right) vouches for nothing; the file is neither read nor listed."""
    import hashlib

    from leaflets import cache
    from leaflets.outputs import reconcile_manifest

    project, out = tmp_path / "project", tmp_path / "project" / "build"
    (project / "source/ambc").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    secret = tmp_path / "outside/secret.pdf"
    data = b"%PDF-1.7 secret\n"
    secret.write_bytes(data)
    (project / "source/ambc/leaflet.yaml").write_bytes(data)
    path = path.format(outside=secret)
    if path.startswith("../"):
        path = "build/../../outside/secret.pdf"
    output = {"document": "ambc", "locale": "en", "paper": "a4", "profile": "screen", "job_code": "J",
              "path": path, "pages": 1, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
              "seconds": 1.0}
    cache.record_path(out, "ambc-en-a4-screen").parent.mkdir(parents=True)
    cache.record_path(out, "ambc-en-a4-screen").write_bytes(cache.record_bytes("k", output, None))
    reconcile_manifest(out, project)
    assert not (out / "manifest.json").exists() or \
        json.loads((out / "manifest.json").read_text("utf-8"))["editions"] == []


# --- 2. one cap on N for --shard, everywhere ------------------------------------------------

@pytest.mark.parametrize("command", [["build"], ["list"], []], ids=["build", "list", "default"])
@pytest.mark.parametrize("shard", ["1/99999999999999999999", "1/10001", "1/" + "9" * 5000])
def test_a_huge_shard_count_is_a_usage_error(tmp_path, command, shard):
    ran = run_cli(tmp_path, *command, "--shard", shard)
    assert ran.returncode == 2, _plain(ran)
    assert "N must be at most 10,000" in ran.stderr and len(ran.stderr) < 2000


def test_the_largest_shard_count_is_accepted_and_the_merge_agrees(tmp_path):
    from leaflets.plan import Shard

    assert Shard.parse("10000/10000") == Shard(10000, 10000)
    (tmp_path / "manifest.part-1-of-10001.json").write_text(json.dumps(
        {"shard": {"index": 1, "count": 10001}, "editions": []}), "utf-8")
    ran = run_cli(tmp_path, "manifest", "merge", "--out", str(tmp_path))
    assert ran.returncode == 1 and "N at most 10,000" in _plain(ran)


# --- 3. a selection given in the wrong case gets its did-you-mean -----------------------------

CASE_SLIPS = [("--locale", "ES", "locale", "es"), ("--paper", "A4", "paper", "a4"),
              ("--profile", "Screen", "profile", "screen"), ("--document", "AMBC", "document", "ambc")]
TAKES = {  # the commands that take each option
    "--locale": [["build"], ["list"], ["preview"], ["i18n", "update"], ["i18n", "export"], ["compare"]],
    "--paper": [["build"], ["list"], ["preview"], ["compare"]],
    "--profile": [["build"], ["list"], ["preview"], ["compare"], ["preflight", "x.pdf"]],
    "--document": [["build"], ["list"], ["check"], ["preview"], ["i18n", "update"], ["compare"]],
}


@pytest.mark.parametrize("option, value, kind, meant", CASE_SLIPS, ids=[s[0] for s in CASE_SLIPS])
def test_a_selection_in_the_wrong_case_suggests_the_right_one(project, tmp_path, option, value, kind, meant):
    for command in TAKES[option]:
        extra = [str(project), str(project), "--out", "-"] if command == ["compare"] else []
        ran = run_cli(project, *command, *extra, option, value)
        text = _plain(ran)
        assert ran.returncode == 2, (command, text)
        last = ran.stderr.strip().splitlines()[-1]
        assert f"'{value}'" in last and last.endswith(f"(did you mean '{meant}'?)"), (command, ran.stderr)


# --- 4. no user text starts a new line in the terminal or drives it ------------------------------

FAKE = "\nsource/x.yaml:1:1: error[fake]: forged\r\x1b[31mred\u2028\u202e"


def _one_line_each(stderr: str, marker: str) -> list[str]:
    """The lines of `stderr` holding `marker`; every line is a diagnostic or the summary, and no
    terminal control character is printed."""
    lines = stderr.splitlines()
    assert all(re.match(r"^(source/ambc/\S+:\d+:\d+: (error|warning)\[[a-z-]+\]: |\d+ error\(s\))", line)
               for line in lines), stderr
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]", stderr), repr(stderr)
    assert "error[fake]" not in "\n".join(line.split(": ", 1)[0] for line in lines)
    return [line for line in lines if marker in line]


def test_a_yaml_key_with_line_breaks_and_escapes_stays_on_its_diagnostics_line(project):
    path = project / "source/ambc/leaflet.yaml"
    text = path.read_text("utf-8")
    key = json.dumps("pub" + FAKE)  # a YAML double-quoted string takes JSON's escapes
    path.write_text(text.replace("  publisher: ", f"  {key}: 1\n  publisher: ", 1), "utf-8")
    ran = run_cli(project, "check")
    assert ran.returncode == 1
    [line] = _one_line_each(_plain(ran), "error[unknown-field]")
    assert "unknown field 'pub\\nsource/x.yaml:1:1: error[fake]: forged\\r\\x1b[31mred\\u2028\\u202e'" in line


def test_a_catalogue_text_with_line_breaks_stays_on_its_diagnostics_line(project):
    """A PO string's \\n and \\r escapes are real line breaks once read; the diagnostics that quote
    the translation show them escaped. An escape character can only be typed raw: refused, named."""
    po = project / "source/ambc/locales/de.po"
    raw = po.read_text("utf-8")
    po.write_text(raw.replace('msgstr "Fortgeschrittener/metastasierter Brustkrebs"',
                              'msgstr "Fort\\nsource/x.yaml:1:1: error[fake]: forged\\r [@x]"', 1), "utf-8")
    ran = run_cli(project, "check")
    assert ran.returncode == 1
    [line] = _one_line_each(_plain(ran), "error[translation-citations]")
    assert "'Fort\\nsource/x.yaml:1:1: error[fake]: forged\\r [@x]'" in line
    po.write_text(raw.replace('msgid "Advanced/metastatic breast cancer (a/mBC)"',
                              'msgid "Adv\x1b[31m\\n\\r"', 1), "utf-8")
    ran = run_cli(project, "check")
    assert ran.returncode == 1
    [line] = _one_line_each(_plain(ran), "error[control-character]")
    assert "U+001B" in line


@pytest.mark.parametrize("option", ["--locale", "--document", "--paper"])
def test_a_selection_with_line_breaks_is_one_usage_line(project, option):
    ran = run_cli(project, "list", option, "x" + FAKE)
    assert ran.returncode == 2
    last = _plain(ran).strip().splitlines()[-1]
    assert last.startswith("make_pdf.py list: error: ") and "x\\nsource/x.yaml:1:1: error[fake]" in last
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]", ran.stderr)


def test_every_diagnostic_is_formatted_on_one_line():
    from leaflets.diagnostics import Position, error

    made = error(Position("a\nb.yaml", 2, 3), "code", "message" + FAKE, "hint" + FAKE)
    assert "\n" not in made.format() and "\r" not in made.format() and "\x1b" not in made.format()
    assert made.format().startswith("a\\nb.yaml:2:3: error[code]: message\\nsource/x.yaml")
    assert made.message.endswith(FAKE)  # the data keeps the text; only its display is escaped


# --- 5. catalogues with odd line endings, and files in locales/ that name no locale ---------------

@pytest.mark.parametrize("endings, named", [
    (lambda raw: raw.replace(b"\n", b"\r"), "CR line endings"),
    (lambda raw: raw.replace(b"\n", b"\r\n", 5), "mixed line endings (CRLF and LF)"),
    (lambda raw: raw.replace(b"\n", b"\r", 5), "mixed line endings (CR and LF)"),
], ids=["CR", "CRLF-and-LF", "CR-and-LF"])
def test_a_catalogue_with_odd_line_endings_is_one_positioned_error(project, endings, named):
    po = project / "source/ambc/locales/de.po"
    po.write_bytes(endings(po.read_bytes()))
    for args in (["check"], ["i18n", "export", "--out", str(project / "xlf")]):
        ran = run_cli(project, *args)
        assert ran.returncode == 1, _plain(ran)
        errors = [line for line in ran.stderr.splitlines() if ": error[" in line]
        assert errors == [f"source/ambc/locales/de.po:1:1: error[catalogue-line-endings]: catalogue has {named}"
                          + errors[0].split(named, 1)[1]], ran.stderr
        assert "save the file with LF line endings" in errors[0]


def test_a_catalogue_with_windows_line_endings_throughout_is_read(project):
    po = project / "source/ambc/locales/de.po"
    po.write_bytes(po.read_bytes().replace(b"\n", b"\r\n"))
    ran = run_cli(project, "check")
    assert ran.returncode == 0 and "line-endings" not in _plain(ran)


@pytest.mark.parametrize("command", [["i18n", "update"], ["i18n", "export"]])
def test_a_stray_catalogue_naming_no_locale_is_refused_before_anything_is_written(project, tmp_path, command):
    locales = project / "source/ambc/locales"
    raw = (locales / "de.po").read_bytes()
    (locales / "notes.po").write_bytes(raw.replace(b"Language: de", b"Language: notes"))
    entry = b'msgctxt "document/short_title"\nmsgid "Advanced/metastatic breast cancer"\n'
    assert entry in raw  # without it, an update would write de.po again (before reaching notes.po)
    (locales / "de.po").write_bytes(raw.replace(entry, b'msgctxt "document/short_title"\nmsgid "Old"\n'))
    before = {p.name: p.read_bytes() for p in locales.iterdir()}
    args = [*command, "--out", str(tmp_path / "xlf")] if command[-1] == "export" else command
    ran = run_cli(project, *args)
    assert ran.returncode == 1, _plain(ran)
    assert ran.stderr.startswith("source/ambc/locales/notes.po:1:1: error[catalogue-locale]: "
                                 "the file name names no locale: 'notes' is not a BCP 47 locale"), ran.stderr
    assert {p.name: p.read_bytes() for p in locales.iterdir()} == before
    assert not (tmp_path / "xlf").exists()


def test_a_catalogue_header_naming_no_locale_is_a_positioned_error(tmp_path):
    from leaflets.i18n.catalogues import scan

    raw = b'msgid ""\nmsgstr ""\n"Language: notes\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    [found] = scan(tmp_path / "de.po", raw, None)
    assert (found.line, found.column, found.code) == (1, 1, "catalogue-language")
    assert "Language: notes, which is not a locale" in found.message
    assert scan(tmp_path / "pt-BR.po", raw.replace(b"notes", b"pt_BR"), None) == []


# --- 6. the build's own records nested without end are damaged records ---------------------------

DEEP = '{"format": 1, "key": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.mark.parametrize("damage", [DEEP, "{"], ids=["nested", "cut-short"])
def test_an_edition_record_nested_without_end_is_damaged_like_any_other(project, damage):
    from leaflets import cache

    record = cache.record_path(project / "build", "ambc-en-a4-screen")
    record.parent.mkdir(parents=True)
    record.write_text(damage, "utf-8")
    assert cache.read_record(project / "build", "ambc-en-a4-screen") is None
    ran = run_cli(project, "list", "--locale", "en", "--paper", "a4", "--profile", "screen")
    assert ran.returncode == 0, _plain(ran)
    assert re.search(r"^ambc-en-a4-screen\s+\S+\s+damaged cache\s", ran.stdout, re.M), ran.stdout


def test_a_manifest_nested_without_end_is_rebuilt(tmp_path):
    from leaflets.cache import Output
    from leaflets.outputs import write_manifest

    (tmp_path / "manifest.json").write_text(DEEP, "utf-8")
    output = Output("ambc", "en", "a4", "screen", "J", "x.pdf", 1, 1, "0" * 64, 0.1)
    written = write_manifest(tmp_path, tmp_path, [output])
    assert [e["path"] for e in json.loads(written.read_text("utf-8"))["editions"]] == ["x.pdf"]


def test_a_noop_record_nested_without_end_means_the_full_build(tmp_path):
    from leaflets import noop

    selection = {"document": None}
    path = noop._record_path(tmp_path, selection)
    path.parent.mkdir(parents=True)
    path.write_text(DEEP, "utf-8")
    assert noop.replay(tmp_path, tmp_path, selection, state="x") is None


# --- 7. an output that is a symbolic link is replaced, never read or followed ---------------------

@pytest.mark.parametrize("same", [True, False], ids=["same-bytes", "other-bytes"])
def test_write_if_changed_replaces_a_link_and_leaves_its_target(tmp_path, same):
    from leaflets.outputs import write_if_changed

    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "secret.json"
    target.write_bytes(b"new\n" if same else b"old secret\n")
    out = tmp_path / "build"
    out.mkdir()
    (out / "manifest.json").symlink_to(target)
    assert write_if_changed(out / "manifest.json", b"new\n") is True
    assert not (out / "manifest.json").is_symlink() and (out / "manifest.json").read_bytes() == b"new\n"
    assert target.read_bytes() == (b"new\n" if same else b"old secret\n")
    assert write_if_changed(out / "manifest.json", b"new\n") is False  # a regular file is still compared


def test_write_if_changed_replaces_a_dangling_link_or_a_pipe(tmp_path):
    import os

    from leaflets.outputs import write_if_changed

    (tmp_path / "a.json").symlink_to(tmp_path / "nowhere" / "x.json")
    os.mkfifo(tmp_path / "b.json")
    for name in ("a.json", "b.json"):
        assert write_if_changed(tmp_path / name, b"{}\n") is True
        assert (tmp_path / name).read_bytes() == b"{}\n"
    assert not (tmp_path / "nowhere").exists()


def test_export_replaces_an_exchange_file_linked_out_of_the_output_folder(project, tmp_path):
    out = tmp_path / "xlf"
    ran = run_cli(project, "i18n", "export", "--out", str(out))
    assert ran.returncode == 0, _plain(ran)
    elsewhere = tmp_path / "elsewhere.xlf"
    elsewhere.write_bytes((out / "de.xlf").read_bytes())
    (out / "de.xlf").unlink()
    (out / "de.xlf").symlink_to(elsewhere)
    ran = run_cli(project, "i18n", "export", "--out", str(out))
    assert ran.returncode == 0, _plain(ran)
    assert not (out / "de.xlf").is_symlink()
    assert (out / "de.xlf").read_bytes() == elsewhere.read_bytes()


def test_a_noop_record_naming_a_file_outside_the_output_folder_is_never_read(tmp_path, monkeypatch):
    from leaflets import noop

    out = tmp_path / "build"
    out.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"secret")
    inside = out / "manifest.json"
    inside.write_bytes(b"{}")
    selection = {"document": None}
    path = noop._record_path(out, selection)
    path.parent.mkdir(parents=True)
    record = {"format": noop.FORMAT, "inputs": "x", "native": [], "stdout": ["done"], "stderr": [],
              "count": 1, "manifest": "build/manifest.json",
              "files": {str(inside): noop._hash(inside), str(secret): noop._hash(secret)}}
    path.write_text(json.dumps(record), "utf-8")
    read = []
    monkeypatch.setattr(noop, "_hash", lambda p, real=noop._hash: read.append(Path(p)) or real(p))
    assert noop.replay(tmp_path, out, selection, state="x") is None
    assert secret not in read
    del record["files"][str(secret)]
    path.write_text(json.dumps(record), "utf-8")
    assert noop.replay(tmp_path, out, selection, state="x") == 0  # the same record inside: replayed


def test_check_reports_a_stray_catalogue_and_no_command_offers_it_as_a_locale(project):
    locales = project / "source/ambc/locales"
    (locales / "notes.po").write_bytes((locales / "de.po").read_bytes().replace(b"Language: de", b"Language: notes"))
    ran = run_cli(project, "check")
    assert ran.returncode == 1, _plain(ran)
    [line] = [line for line in ran.stderr.splitlines() if ": error[" in line]
    assert line.startswith("source/ambc/locales/notes.po:1:1: error[catalogue-locale]: the file name names no locale")
    ran = run_cli(project, "list", "--locale", "notes")
    assert ran.returncode == 2 and "unknown locale 'notes'" in _plain(ran)


@pytest.mark.parametrize("args", [["build", "--jobs", "x" + FAKE], ["build", "--out", "\x1b[2J"],
                                  ["list", "--shard", "1/2" + FAKE], ["i18n", "nope" + FAKE]],
                         ids=["jobs", "out", "shard", "action"])
def test_every_usage_error_is_one_line(project, args):
    ran = run_cli(project, *args)
    assert ran.returncode == 2
    _plain(ran)
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]", ran.stderr), repr(ran.stderr)
    assert ran.stderr.strip().splitlines()[-1].startswith("make_pdf.py ")


def test_a_manifest_entry_naming_a_file_outside_the_output_folder_is_dropped(tmp_path):
    from leaflets.cache import Output
    from leaflets.outputs import write_manifest

    project, out = tmp_path / "project", tmp_path / "project" / "build"
    out.mkdir(parents=True)
    (out / "kept.pdf").write_bytes(b"%PDF")
    (project / "elsewhere.pdf").write_bytes(b"%PDF")
    old = [{"document": "a", "locale": "en", "paper": "a4", "profile": "screen", "path": "build/kept.pdf"}] + [
        {"document": "b", "locale": "en", "paper": "a4", "profile": p, "path": path}
        for p, path in (("screen", "/etc/passwd"), ("print", "elsewhere.pdf"), ("archive", "build/../elsewhere.pdf"))]
    (out / "manifest.json").write_text(json.dumps({"editions": old}), "utf-8")
    output = Output("c", "en", "a4", "screen", "J", "build/new.pdf", 1, 1, "0" * 64, 0.1)
    written = write_manifest(out, project, [output])
    assert sorted(e["path"] for e in json.loads(written.read_text("utf-8"))["editions"]) == \
        ["build/kept.pdf", "build/new.pdf"]


def test_update_lists_a_removed_entry_with_line_breaks_on_one_line(project):
    po = project / "source/ambc/locales/de.po"
    po.write_text(po.read_text("utf-8") + '\nmsgctxt "gone\\nsource/x.yaml:1:1: error[fake]: forged\\r"\n'
                  'msgid "x"\nmsgstr "y"\n', "utf-8")
    ran = run_cli(project, "i18n", "update")
    assert ran.returncode == 0, _plain(ran)
    assert "  removed: gone\\nsource/x.yaml:1:1: error[fake]: forged\\r\n" in ran.stdout
    assert not any(line.startswith("source/x.yaml") for line in ran.stdout.splitlines()) and "\r" not in ran.stdout


def _link_or_pipe(path: Path, kind: str, outside: Path) -> None:
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "pipe":
        os.mkfifo(path)
    else:
        path.symlink_to(outside)


_READ_RECORDS = """
import json, sys
from pathlib import Path
from leaflets import cache, noop
from leaflets.cache import Output
from leaflets.outputs import write_manifest
out = Path(sys.argv[1])
assert cache.read_record(out, "x") is None
assert noop.replay(out.parent, out, {}, state="x") is None
output = Output("a", "en", "a4", "screen", "J", "build/a.pdf", 1, 1, "0" * 64, 0.1)
print(write_manifest(out, out.parent, [output]))
"""


@pytest.mark.parametrize("kind", ["pipe", "link-out"])
def test_the_builds_own_records_are_never_read_through_a_link_or_from_a_pipe(tmp_path, kind):
    """A record is a regular file the build wrote: a pipe put there would block the build for ever,
    a link would have it read a file elsewhere. Both are damaged records: rebuilt, never read.
    (In a process of its own: a read that blocks on the pipe is killed, not the test run.)"""
    import os
    import subprocess
    import sys

    from conftest import CHECKOUT

    from leaflets import cache, noop

    out = tmp_path / "build"
    outside = tmp_path / "outside.json"
    record = {"format": 1, "key": "k", "output": {}, "html_sha256": None}
    outside.write_text(json.dumps(record), "utf-8")
    _link_or_pipe(cache.record_path(out, "x"), kind, outside)
    _link_or_pipe(noop._record_path(out, {}), kind, outside)
    _link_or_pipe(out / "manifest.json", kind, outside)
    try:
        ran = subprocess.run([sys.executable, "-c", _READ_RECORDS, str(out)], capture_output=True, text=True,
                             timeout=30, env=dict(os.environ, PYTHONPATH=str(CHECKOUT)), stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail("reading the build's records blocked on a pipe")
    assert ran.returncode == 0, ran.stderr
    assert not (out / "manifest.json").is_symlink() and outside.read_text("utf-8") == json.dumps(record)
