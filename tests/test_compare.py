"""`make_pdf.py compare`: fixture pairs with their exact JSON reports, exit statuses, the a/mBC
acceptance case, git revisions, escaping, and the HTML/PDF reports read back."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from leaflets.cli import main

from conftest import ROOT, run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "compare"
CASES = sorted(p.name for p in FIXTURES.iterdir()
               if p.is_dir() and not p.name.startswith("_") and (p / "expected.json").is_file())
DOC = "mini"


def version(root: Path, case: str, side: str, doc: str = DOC, base: Path = FIXTURES / "_base") -> Path:
    """A project folder: the base document with the case's files for this side laid over it."""
    folder = root / "source" / doc
    shutil.copytree(base, folder)
    overlay = FIXTURES / case / side
    if overlay.is_dir():
        shutil.copytree(overlay, folder, dirs_exist_ok=True)
    for tree in ("layouts", "styles"):  # the project's own: labels catalogues, stylesheets
        if not (root / tree).exists():
            shutil.copytree(ROOT / tree, root / tree)
    return root


def pair(tmp_path: Path, case: str) -> tuple[Path, Path]:
    return version(tmp_path / "old", case, "old"), version(tmp_path / "new", case, "new")


def compare_json(capsys, old: Path, new: Path, *args: str) -> tuple[int, dict]:
    status = main(["compare", str(old), str(new), "--format", "json", "--out", "-", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err, captured.err
    return status, json.loads(captured.out) if captured.out else {}


def case_args(case: str) -> list[str]:
    args = FIXTURES / case / "args.txt"
    return shlex.split(args.read_text("utf-8")) if args.is_file() else []


@pytest.mark.parametrize("case", CASES)
def test_each_fixture_pair_gives_its_expected_report(tmp_path, capsys, case):
    old, new = pair(tmp_path, case)
    status, report = compare_json(capsys, old, new, *case_args(case))
    expected = json.loads((FIXTURES / case / "expected.json").read_text("utf-8"))
    assert report == expected
    assert status == 1


def test_the_fixture_pairs_cover_the_issue():
    assert {"word-changed", "sentence-moved", "citation-renumbers", "glossary-added",
            "translation-stale"} <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_a_version_against_itself_has_no_changes(tmp_path, capsys, case):
    old, _ = pair(tmp_path, case)
    status, report = compare_json(capsys, old, old, *case_args(case))
    assert report["changed"] is False and status == 0
    assert report["sections"] == report["references"] == report["consequences"] == []
    assert report["glossary"] == report["metadata"] == report["translation"] == []


# --- the issue's "done when": the a/mBC leaflet (a copy kept as a fixture) --------------------

AMBC = FIXTURES / "ambc"
EDITED = ("HER2 is another receptor present on all cells.", "HER2 is another receptor found on all cells.")
# `acs-hr-status` is first cited in "Prevalence and outcomes" (reference 5); citing it in the
# second paragraph makes it reference 3, so the references first cited in between move down.
CITED_EARLY = ("are called\n      metastases.[@esmo-guide]", "are called\n      metastases.[@esmo-guide; @acs-hr-status]")


def ambc_versions(tmp_path: Path) -> tuple[Path, Path]:
    old = version(tmp_path / "old", "-", "-", doc="ambc", base=AMBC)
    new = version(tmp_path / "new", "-", "-", doc="ambc", base=AMBC)
    leaflet = new / "source" / "ambc" / "leaflet.yaml"
    text = leaflet.read_text("utf-8")
    for before, after in (EDITED, CITED_EARLY):
        assert text.count(before) == 1
        text = text.replace(before, after)
    leaflet.write_text(text, "utf-8")
    return old, new


def test_ambc_one_sentence_edited_and_one_citation_added_early(tmp_path, capsys):
    old, new = ambc_versions(tmp_path)
    status, report = compare_json(capsys, old, new)
    assert status == 1 and report["changed"] is True
    changes = [c for section in report["sections"] for c in section["changes"]]
    assert [(c["change"], c["where"]) for c in changes] == [
        ("sentence-changed", "source/ambc/leaflet.yaml:24"), ("sentence-changed", "source/ambc/leaflet.yaml:42")]  # the lines the sentences start on
    cited, edited = changes
    assert [run for run in cited["words"] if run[0] != "="] == [["-", "[1]"], ["+", "[1,3]"]]
    assert [run for run in edited["words"] if run[0] != "="] == [["-", "present "], ["+", "found "]]
    assert report["references"] == report["glossary"] == report["metadata"] == report["translation"] == []
    assert [(r["key"], r["old_number"], r["new_number"], r["change"]) for r in report["consequences"]] == [
        ("acs-hr-status", 5, 3, "renumbered"), ("breastcancer-org-subtypes", 3, 4, "renumbered"),
        ("miziak-2023", 4, 5, "renumbered")]
    assert report["summary"] == {"text": 2, "references": 0, "glossary": 0, "metadata": 0,
                                 "translation": 0, "renumbered": 3, "design": 0}


def test_ambc_against_itself_says_no_changes(tmp_path, capsys):
    old, _ = ambc_versions(tmp_path)
    status = main(["compare", str(old), str(old), "--format", "json", "--out", str(tmp_path / "report")])
    assert status == 0
    assert ": no changes" in capsys.readouterr().out
    report = json.loads((tmp_path / "report" / "ambc-en-compare.json").read_text("utf-8"))
    assert report["changed"] is False and report["summary"]["text"] == 0


# --- versions from git --------------------------------------------------------------------

def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), "-c", "user.name=Test", "-c", "user.email=test@example.org",
                           *args], check=True, capture_output=True, text=True).stdout


def test_git_revisions_default_to_the_last_tag_against_the_working_tree(tmp_path):
    """A clone with its own code: the last tag is compared with the working tree, which is left as it was."""
    clone = version(tmp_path / "clone", "word-changed", "old")
    shutil.copytree(ROOT / "leaflets", clone / "leaflets", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "make_pdf.py", clone / "make_pdf.py")
    git(clone, "init", "-q")
    git(clone, "add", "-A")
    git(clone, "commit", "-qm", "approved")
    git(clone, "tag", "v1.0")
    leaflet = clone / "source" / DOC / "leaflet.yaml"
    shutil.copy(FIXTURES / "word-changed" / "new" / "leaflet.yaml", leaflet)
    before = git(clone, "status", "--porcelain")

    run = run_cli(clone, "compare", "--format", "json", "--out", "-")
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    assert report["old"]["revision"].startswith("v1.0 (") and report["new"]["revision"] == "working tree"
    expected = json.loads((FIXTURES / "word-changed" / "expected.json").read_text("utf-8"))
    assert report["sections"] == expected["sections"]
    assert git(clone, "status", "--porcelain") == before  # nothing checked out over the user's files

    same = run_cli(clone, "compare", "v1.0", "HEAD", "--format", "json", "--out", "-")
    assert same.returncode == 0, same.stderr


# --- usage errors ---------------------------------------------------------------------------

def test_an_unknown_version_is_a_usage_error(tmp_path, capsys):
    old, _ = pair(tmp_path, "word-changed")
    assert main(["compare", str(old), "no-such-revision-or-folder", "--format", "json", "--out", "-"]) == 2
    err = capsys.readouterr().err
    assert "'no-such-revision-or-folder' is neither a project folder" in err and "Traceback" not in err


def test_an_unknown_locale_is_a_usage_error(tmp_path, capsys):
    old, new = pair(tmp_path, "word-changed")
    assert main(["compare", str(old), str(new), "--locale", "fr", "--format", "json", "--out", "-"]) == 2
    assert "has no edition 'fr' (it has: en)" in capsys.readouterr().err


# --- the HTML and PDF reports ----------------------------------------------------------------

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_report_text_is_escaped_in_the_html_report(tmp_path, capsys):
    old, new = pair(tmp_path, "word-changed")
    leaflet = new / "source" / DOC / "leaflet.yaml"
    leaflet.write_text(leaflet.read_text("utf-8").replace(
        "Your doctor will explain the choices.", json.dumps("Your doctor " + HOSTILE)).replace(
        "HR: hormone receptor", "HR: " + json.dumps("hormone " + HOSTILE)), "utf-8")
    references = new / "source" / DOC / "references.yaml"
    references.write_text(references.read_text("utf-8").replace(
        "title: A guide for patients", "title: " + json.dumps("A guide " + HOSTILE)), "utf-8")
    leaflet.write_text(leaflet.read_text("utf-8").replace('version: "1.0"', 'version: "1.0<b>2</b>"'), "utf-8")
    out = tmp_path / "report"
    assert main(["compare", str(old), str(new), "--format", "html", "--out", str(out)]) == 1
    html = (out / f"{DOC}-en-compare.html").read_text("utf-8")
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "1.0&lt;b&gt;2&lt;/b&gt;" in html  # the version: printed as it is, not through the diff
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") == 3  # text, glossary, reference


def test_pdf_report_names_both_versions_and_outlines_changed_pages(tmp_path, capsys):
    import pypdfium2
    from PIL import Image

    from leaflets.compare.pages import DPI, OUTLINE

    old, new = pair(tmp_path, "word-changed")
    out = tmp_path / "report"
    assert main(["compare", str(old), str(new), "--out", str(out), "--format", "pdf", "--format", "json"]) == 1
    pdf = pypdfium2.PdfDocument(out / f"{DOC}-en-compare.pdf")
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    for needed in ("COMPARISON REPORT FOR REVIEW", "TEST-A4-0001", "Old old", "New new", "Doctors test check every",
                   "Page 1: changed", "pages: 1 changed, 0 added, 0 removed"):
        assert needed in text.replace("\r\n", " ")
    report = json.loads((out / f"{DOC}-en-compare.json").read_text("utf-8"))
    assert report["pages"]["changed"] == [1] and report["pages"]["added"] == report["pages"]["removed"] == []
    folder = out / f"{DOC}-en-compare-pages"
    assert sorted(p.name for p in folder.iterdir()) == ["new-1.png", "old-1.png"]
    [box] = report["pages"]["regions"]["1"]  # one changed line: "test" became "check"
    x0, y0, x1, y1 = (round(v * DPI / 72) for v in box)
    new_page, old_page = Image.open(folder / "new-1.png"), Image.open(folder / "old-1.png")
    assert new_page.getpixel((x0 + 1, (y0 + y1) // 2)) == OUTLINE
    assert old_page.getpixel((x0 + 1, (y0 + y1) // 2)) != OUTLINE
    assert y1 - y0 < 60  # a line or two of text, not the whole page


@pytest.mark.parametrize("case", CASES)
def test_each_fixture_pair_renders_an_html_report(tmp_path, capsys, case):
    old, new = pair(tmp_path, case)
    out = tmp_path / "report"
    assert main(["compare", str(old), str(new), "--format", "html", "--out", str(out), *case_args(case)]) == 1
    [html] = out.glob("*.html")
    text = html.read_text("utf-8")
    expected = json.loads((FIXTURES / case / "expected.json").read_text("utf-8"))
    for section in expected["sections"]:
        for change in section["changes"]:
            assert change["where"] in text
    assert "<ins>" in text or "<del>" in text or "class=\"text moved\"" in text


def test_a_version_that_does_not_load_is_reported_with_its_diagnostics(tmp_path, capsys):
    old, new = pair(tmp_path, "word-changed")
    leaflet = new / "source" / DOC / "leaflet.yaml"
    leaflet.write_text(leaflet.read_text("utf-8").replace("  publisher:", "  publsher:", 1), "utf-8")
    assert main(["compare", str(old), str(new), "--format", "json", "--out", "-"]) == 2
    err = capsys.readouterr().err
    assert "new/source/mini/leaflet.yaml:6:3: " in err and "error[unknown-field]: unknown field 'publsher'" in err
    assert "cannot compare: a version has errors" in err and "Traceback" not in err


def test_a_sentence_moved_out_into_a_paragraph_of_its_own_is_a_moved_sentence(tmp_path, capsys):
    old, new = pair(tmp_path, "word-changed")
    shutil.copy(FIXTURES / "_base" / "leaflet.yaml", new / "source" / DOC / "leaflet.yaml")
    leaflet = new / "source" / DOC / "leaflet.yaml"
    text = leaflet.read_text("utf-8")
    text = text.replace("  - paragraph: >-\n      Treatment often blocks the ER.[@trial] It can slow the growth of the tumor.[@review]\n",
                        "  - paragraph: >-\n      Treatment often blocks the ER.[@trial]\n")
    text = text.replace("      - Your doctor will explain the choices.\n",
                        "      - Your doctor will explain the choices.\n  - paragraph: >-\n"
                        "      It can slow the growth of the tumor.[@review]\n")
    leaflet.write_text(text, "utf-8")
    status, report = compare_json(capsys, old, new)
    changes = [c for section in report["sections"] for c in section["changes"]]
    assert status == 1
    assert [(c["change"], c["block"], c.get("from")) for c in changes] == [
        ("sentence-moved", "paragraph", "source/mini/leaflet.yaml:19")]
    assert changes[0]["where"] == "source/mini/leaflet.yaml:23"  # a paragraph of its own now


def test_pages_are_aligned_by_their_text():
    from leaflets.compare.pages import align

    old = ["intro text here", "middle part of it", "closing words now"]
    new = ["intro text here", "a whole new page", "middle part of it changed", "closing words now"]
    assert align(old, new) == [(0, 0), (None, 1), (1, 2), (2, 3)]
    assert align(new, old) == [(0, 0), (1, None), (2, 1), (3, 2)]
    assert align(old, old[:2]) == [(0, 0), (1, 1), (2, None)]


def test_a_page_added_is_flagged(tmp_path, capsys):
    old, new = pair(tmp_path, "word-changed")
    leaflet = new / "source" / DOC / "leaflet.yaml"
    more = "".join(f"  - paragraph: Your doctor will explain choice number {n} with you and answer your questions.\n"
                   for n in range(1, 21))
    leaflet.write_text(leaflet.read_text("utf-8").replace("\nglossary:", more + "\nglossary:"), "utf-8")
    out = tmp_path / "report"
    assert main(["compare", str(old), str(new), "--out", str(out), "--format", "json", "--pages"]) == 1
    pages = json.loads((out / f"{DOC}-en-compare.json").read_text("utf-8"))["pages"]
    assert (pages["old_pages"], pages["new_pages"]) == (2, 3)  # the back matter has a page of its own
    # Page 1 has the new paragraphs; the back page moved and its footer now says "Page 3 of 3".
    assert pages["added"] == [2] and pages["removed"] == [] and pages["changed"] == [1, 3]
    assert pages["regions"]["3"] == pages["regions"]["1"][-1:]  # only the footer, on the back page
    assert sorted(p.name for p in (out / f"{DOC}-en-compare-pages").iterdir()) == [
        "new-1.png", "new-2.png", "new-3.png", "old-1.png", "old-2.png"]


def test_an_item_inserted_in_a_list_leaves_the_items_after_it_unchanged(tmp_path, capsys):
    old, new = pair(tmp_path, "word-changed")
    leaflet = new / "source" / DOC / "leaflet.yaml"
    shutil.copy(FIXTURES / "_base" / "leaflet.yaml", leaflet)
    leaflet.write_text(leaflet.read_text("utf-8").replace(
        "      - Some HR tumors grow slowly.[@paper]\n",
        "      - Ask which treatment suits you.\n      - Some HR tumors grow slowly.[@paper]\n"), "utf-8")
    status, report = compare_json(capsys, old, new)
    changes = [c for section in report["sections"] for c in section["changes"]]
    assert status == 1
    assert [(c["change"], c["part"], c["text"]) for c in changes] == [
        ("sentence-added", "item 1", "Ask which treatment suits you.")]


def test_changes_are_listed_in_reading_order(tmp_path, capsys):
    old, new = pair(tmp_path, "word-changed")  # the second paragraph's word is changed
    leaflet = new / "source" / DOC / "leaflet.yaml"
    leaflet.write_text(leaflet.read_text("utf-8").replace(
        "  - paragraph: >-\n      Some tumors grow",
        "  - paragraph: Read this first.\n  - paragraph: >-\n      Some tumors grow"), "utf-8")
    _, report = compare_json(capsys, old, new)
    changes = [c for section in report["sections"] for c in section["changes"]]
    assert [(c["change"], c["where"]) for c in changes] == [
        ("block-added", "source/mini/leaflet.yaml:14"), ("sentence-changed", "source/mini/leaflet.yaml:16")]


def test_standard_output_takes_the_json_report_only(tmp_path, capsys):
    old, new = pair(tmp_path, "word-changed")
    assert main(["compare", str(old), str(new), "--out", "-", "--format", "html"]) == 2
    assert "--out - prints the JSON report only" in capsys.readouterr().err
    assert main(["compare", str(old), str(new), "--out", "-"]) == 1  # JSON is then the default
    assert json.loads(capsys.readouterr().out)["changed"] is True


def test_a_revised_translation_is_a_changed_catalogue_entry(tmp_path, capsys):
    old, new = pair(tmp_path, "translation-stale")
    shutil.copy(FIXTURES / "translation-stale" / "old" / "leaflet.yaml", new / "source" / DOC / "leaflet.yaml")
    po = new / "source" / DOC / "locales" / "es.po"
    po.write_text(po.read_text("utf-8").replace('msgstr "Tratamiento"', 'msgstr "El tratamiento"'), "utf-8")
    status, report = compare_json(capsys, old, new, "--locale", "es")
    assert status == 1
    assert [(t["entry"], t["change"], t["words"]) for t in report["translation"]] == [
        ("body/3/heading", "changed", [["-", "Tratamiento"], ["+", "El tratamiento"]])]
    changes = [(section["heading"], c["change"], c["block"]) for section in report["sections"] for c in section["changes"]]
    assert changes == [("El tratamiento", "sentence-changed", "heading")]


def test_the_terminal_gets_one_line_per_change(tmp_path, capsys):
    old, new = pair(tmp_path, "citation-renumbers")
    leaflet = new / "source" / DOC / "leaflet.yaml"
    leaflet.write_text(leaflet.read_text("utf-8").replace("Your doctor will explain the choices.",
                                                          '"Your doctor \\e[2J will explain."'), "utf-8")
    assert main(["compare", str(old), str(new), "--format", "json", "--out", str(tmp_path / "report")]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:8] == [
        "  source/mini/leaflet.yaml:12: changed: Hormone receptors (HRs) sit in some tumor cells.[-[1]-]{+[1,2]+}",
        "  source/mini/leaflet.yaml:22: changed: Your doctor {+\ufffd[2J+} will [-explain the choices.-]{+explain.+}",
        "  reference registry: added",
        "  reference paper: renumbered 2 -> 3 (consequence)",
        "  reference review: renumbered 3 -> 4 (consequence)",
        "  reference trial: renumbered 4 -> 5 (consequence)",
        f"  {tmp_path / 'report' / 'mini-en-compare.json'}"]


@pytest.mark.parametrize("case", ["citation-renumbers", "translation-stale"])
def test_the_pdf_report_uses_only_the_bundled_fonts(tmp_path, capsys, case):
    import pikepdf

    old, new = pair(tmp_path, case)
    leaflet = new / "source" / DOC / "leaflet.yaml"  # a symbol only the bundled fallback fonts have
    leaflet.write_text(leaflet.read_text("utf-8").replace("Some HR tumors grow slowly.", "Some HR tumors grow slowly ≥ 2 ✓."), "utf-8")
    out = tmp_path / "report"
    assert main(["compare", str(old), str(new), "--format", "pdf", "--no-pages", "--out", str(out),
                 *case_args(case)]) == 1
    [pdf] = out.glob("*.pdf")
    with pikepdf.open(pdf) as report_pdf:
        fonts = {str(font.BaseFont).split("+", 1)[1] for page in report_pdf.pages
                 for font in page.Resources.Font.values()}
    bundled = {"Compare-Sans", "Compare-Sans-Bold", "Compare-Sans-Italic", "Compare-Sans-Bold-Italic",
               "Compare-Math", "Compare-Symbols"}
    assert fonts and fonts <= bundled, fonts


def test_pages_on_standard_output_leave_no_images_behind(tmp_path, capsys, monkeypatch):
    import tempfile

    old, new = pair(tmp_path, "word-changed")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    status, report = compare_json(capsys, old, new, "--pages")
    assert status == 1 and report["pages"]["changed"] == [1] and "shown" not in report["pages"]
    assert [p.name for p in scratch.iterdir() if p.name.startswith("leaflets-")] == []  # (WeasyPrint keeps its own)
    assert not (ROOT / "build" / "compare" / f"{DOC}-en-compare-pages").exists()


def test_text_pushed_down_by_an_insertion_is_not_outlined():
    from leaflets.compare.pages import text_regions

    old = [("Heading", (10, 10, 200, 30)), ("First line.", (10, 40, 300, 55)), ("Footer AB-1", (10, 900, 120, 910))]
    new = [("Heading", (10, 10, 200, 30)), ("Inserted line.", (10, 40, 280, 55)), ("First line.", (10, 62, 300, 77)),
           ("Footer AB-2", (10, 900, 120, 910))]
    assert text_regions(old, new) == [[10, 40, 280, 55], [10, 900, 120, 910]]


def test_a_block_moved_is_one_move(tmp_path, capsys):
    old, new = pair(tmp_path, "word-changed")
    leaflet = new / "source" / DOC / "leaflet.yaml"
    shutil.copy(FIXTURES / "_base" / "leaflet.yaml", leaflet)
    bullets = "  - bullets:\n      - Some HR tumors grow slowly.[@paper]\n      - Your doctor will explain the choices.\n"
    text = leaflet.read_text("utf-8").replace(bullets, "")
    leaflet.write_text(text.replace("  - heading: Treatment\n", bullets + "  - heading: Treatment\n"), "utf-8")
    status, report = compare_json(capsys, old, new)
    changes = [(section["heading"], c["change"], c["block"], c["where"], c.get("from"), c.get("from_section"))
               for section in report["sections"] for c in section["changes"]]
    assert status == 1
    assert changes == [("What hormone receptors are", "block-moved", "bullets", "source/mini/leaflet.yaml:17",
                        "source/mini/leaflet.yaml:20", "Treatment")]
    assert report["consequences"] == []  # 'paper' is cited first in the first paragraph either way


def test_words_inside_any_node_that_holds_text_are_compared():
    from dataclasses import dataclass, field

    from leaflets.compare.words import text_of, tokens
    from leaflets.inline import Span, Text

    @dataclass
    class Tagged:  # e.g. a title kept in another language
        lang: str
        children: list = field(default_factory=list)
        kind: str = "foreign"

    nodes = [Text("Smith J. "), Tagged("de", [Text("Ein Titel. ")]), Span("em", [Text("Test J")])]
    assert text_of(tokens(nodes)) == "Smith J. Ein Titel. Test J"
