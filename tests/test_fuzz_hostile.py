"""Random catalogues, XLIFF files, manifest parts and edition metadata: every run ends in a
result or in diagnostics (exit 0, 1 or 2, never 3), and nothing outside the project changes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leaflets.matrix import check_project
from leaflets.exits import EXIT_CONTENT, EXIT_OK, EXIT_USAGE
from leaflets.diagnostics import ContentError

from conftest import copy_project

FAST = settings(max_examples=12, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
HOSTILE = st.sampled_from([
    "", "de", "en", "zz", "en-XA", "de-DE", "en@/../../x", "../../etc/passwd", "/etc/passwd", "de\x00",
    "a" * 300, "<b>x</b>", '<a href="javascript:alert(1)">x</a>', 'von" data-x="y', "%(date)s",
    "{date}", "[@esmo-guide]", r"\[@a]", "[x](javascript:alert(1))", "**", "\\", '"', "\n", "é",
    "1" * 60, "2026-02-30", "🙂",
])
TEXT = st.one_of(HOSTILE, st.text(max_size=20))


def snapshot(folder: Path) -> dict[str, str]:
    """Hash every file under `folder`, links by where they point."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            found[str(path)] = "link:" + str(path.readlink())
        elif path.is_file():
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def outside(tmp: Path, project: Path) -> dict[str, str]:
    """Everything in the test's folder that is not the project."""
    return {k: v for k, v in snapshot(tmp).items() if not k.startswith(str(project) + "/")}


def status_of(action) -> int:
    """Run an action as the command line would: a result, diagnostics, never a traceback."""
    try:
        action()
    except ContentError as exc:
        assert exc.diagnostics and all(d.file and d.code and d.message for d in exc.diagnostics)
        return EXIT_CONTENT
    return EXIT_OK


def po_entry(context: str | None, msgid: str, msgstr: str) -> str:
    quote = lambda s: json.dumps(s, ensure_ascii=False)  # PO strings escape like JSON's
    return (f"msgctxt {quote(context)}\n" if context is not None else "") + \
        f"msgid {quote(msgid)}\nmsgstr {quote(msgstr)}\n\n"


PO_LINES = st.sampled_from([
    'msgid "x"', 'msgstr "y', 'msgstr "', '"continued"', "msgctxt", "#, fuzzy", "#~ msgid \"old\"",
    '"Language: fr\\n"', '"Content-Type: text/plain; charset=KOI9-X\\n"', "\t", "msgstr[0] \"a\"",
    'msgid_plural "p"', "garbage",
])


@FAST
@given(entries=st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(
    ["document/title", "document/short_title", "body/0/heading", "body/1/paragraph"])), TEXT, TEXT), max_size=4),
       lines=st.lists(PO_LINES, max_size=3), raw=st.binary(max_size=30), target=st.sampled_from(
    ["source/ambc/locales/de.po", "layouts/locales/de.po"]))
def test_random_catalogues_end_in_diagnostics_or_a_clean_check(tmp_path_factory, entries, lines, raw, target):
    tmp = tmp_path_factory.mktemp("fuzz")
    project = copy_project(tmp / "project")
    before = outside(tmp, project)
    po = project / target
    text = po.read_text("utf-8") + "".join(po_entry(*e) for e in entries) + "\n".join(lines) + "\n"
    po.write_bytes(text.encode("utf-8") + raw)
    found = check_project(project)
    assert all(d.file and d.code and d.message for d in found)
    assert outside(tmp, project) == before


XLIFF = """<?xml version="1.0" encoding="UTF-8"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">
  <file original="{original}" source-language="en" target-language="{language}" datatype="po">
    <body>{units}</body>
  </file>
</xliff>
"""


@FAST
@given(original=st.one_of(st.sampled_from(["layouts/locales/de.po", "source/ambc/locales/de.po",
                                           "source/ambc/locales/es.po", "layouts/locales/../locales/de.po",
                                           "/etc/passwd", "../x.po", "source/ambc/leaflet.yaml"]), TEXT),
       language=st.sampled_from(["de", "es", "fr", "", "de/../es"]),
       units=st.lists(st.tuples(st.sampled_from(["Patient information", "document/title", "Page", "x"]),
                                TEXT, TEXT), max_size=3))
def test_random_xliff_imports_touch_only_the_catalogues_they_may(tmp_path_factory, original, language, units):
    from xml.sax.saxutils import escape, quoteattr

    from leaflets.i18n.workflow import import_xliff

    tmp = tmp_path_factory.mktemp("fuzz")
    project = copy_project(tmp / "project")
    clean = lambda s: "".join(ch for ch in s if ch in "\t\n\r" or ord(ch) >= 0x20)  # what XML can hold
    body = "".join(f'<trans-unit id={quoteattr(clean(key))} resname={quoteattr(clean(key))}>'
                   f"<source>{escape(clean(source))}</source><target>{escape(clean(target))}</target></trans-unit>"
                   for key, source, target in units)
    xlf = tmp / "vendor.xlf"
    xlf.write_text(XLIFF.format(original=escape(clean(original), {'"': "&quot;"}),
                                language=language, units=body), "utf-8")
    before, inside_before = outside(tmp, project), snapshot(project)
    status_of(lambda: import_xliff(project, [xlf]))
    assert outside(tmp, project) == before
    changed = {k for k, v in snapshot(project).items() if inside_before.get(k) != v}
    assert all(k.endswith(f"/locales/{language}.po") for k in changed)
    if changed:  # a project the import left byte for byte as it was checks as the fixture project does
        status_of(lambda: check_project(project))


@FAST
@given(parts=st.lists(st.one_of(
    st.fixed_dictionaries({"shard": st.fixed_dictionaries({
        "index": st.one_of(st.integers(-2, 5), st.just(10**9), st.floats(), st.text(max_size=3)),
        "count": st.one_of(st.integers(-2, 5), st.just(10**9), st.just(1e9), st.none())}),
        "editions": st.lists(st.dictionaries(st.sampled_from(
            ["document", "locale", "paper", "profile", "path", "pages"]), st.one_of(TEXT, st.integers()),
            max_size=6), max_size=3)}),
    st.recursive(st.one_of(st.none(), st.integers(), TEXT), lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)), max_leaves=8)),
    min_size=1, max_size=3))
def test_random_manifest_parts_merge_or_end_in_diagnostics(tmp_path_factory, parts):
    from leaflets.outputs import merge

    tmp = tmp_path_factory.mktemp("fuzz")
    out = tmp / "build"
    out.mkdir()
    paths = []
    for number, part in enumerate(parts, 1):
        path = out / f"manifest.part-{number}-of-{len(parts)}.json"
        path.write_text(json.dumps(part), "utf-8")
        paths.append(path)
    before = snapshot(tmp)
    assert status_of(lambda: merge(paths, out)) in (EXIT_OK, EXIT_CONTENT)
    after = snapshot(tmp)
    assert {k for k in after if before.get(k) != after[k]} <= {str(out / "manifest.json")}


EDITION = st.fixed_dictionaries({
    "locale": TEXT, "paper": st.one_of(st.sampled_from(["a4", "letter"]), TEXT),
    "profile": st.one_of(st.sampled_from(["screen", "print", "archive"]), TEXT),
    "job_code": TEXT, "date_of_preparation": st.one_of(st.dates(), TEXT),
    "review_date": st.one_of(st.dates(), TEXT), "version": st.one_of(TEXT, st.integers()),
    "status": st.sampled_from(["draft", "approved", "x"]),
})


@FAST
@given(editions=st.lists(EDITION, min_size=1, max_size=3), language=TEXT)
def test_random_edition_metadata_never_reaches_outside_the_output_folder(tmp_path_factory, editions, language):
    from leaflets.plan import Filters
    from leaflets.plan import survey

    tmp = tmp_path_factory.mktemp("fuzz")
    project = copy_project(tmp / "project")
    leaflet = project / "source/ambc/leaflet.yaml"
    data = yaml.safe_load(leaflet.read_text("utf-8"))
    data["editions"], data["document"]["language"] = editions, language
    leaflet.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    before = outside(tmp, project)
    status_of(lambda: check_project(project))
    out = project / "build"
    if status_of(lambda: survey(project, out, Filters())) == EXIT_OK:
        for planned in survey(project, out, Filters()):
            assert planned.pdf.resolve().is_relative_to(out.resolve())
    assert outside(tmp, project) == before


@FAST
@given(out=st.one_of(HOSTILE, st.text(max_size=12)))
def test_random_output_folders_are_used_or_refused_as_usage_errors(tmp_path_factory, out):
    import argparse

    from leaflets.paths import output_folder

    try:
        folder = output_folder(out)
    except argparse.ArgumentTypeError as exc:
        assert str(exc)
        return
    assert folder.resolve() != Path("/proc") and not folder.resolve().is_relative_to("/proc")
