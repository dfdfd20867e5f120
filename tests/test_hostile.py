"""Hostile and broken input: each case a positioned error or a correct output, never a traceback,
and nothing read or written outside the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaflets.checks import check_project
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
    from leaflets.build import Filters
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
    from leaflets.build import Filters
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
    from leaflets.build import Filters, plan, prepare

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

    from leaflets.build import Filters, plan
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

    from leaflets.build import Filters, plan
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
    from leaflets.build import Filters
    from leaflets.matrix import survey

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

    from leaflets.shards import merge

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
