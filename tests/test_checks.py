"""Content rules: one small faulty fixture per rule, exact code, file, line and column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from leaflets.matrix import check_project
from leaflets.checks.abbreviations import long_form, looks_like_abbreviation
from leaflets.checks.readability import sentences

from conftest import ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "checks"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith("_"))


def case_project(tmp_path: Path, case: str) -> Path:
    """Lay out a project whose only document is the base fixture with the case's files over it."""
    root = tmp_path / "project"
    for tree in ("layouts", "styles"):
        shutil.copytree(ROOT / tree, root / tree)
    folder = root / "source" / "case"
    shutil.copytree(FIXTURES / "_base", folder)
    for file in (FIXTURES / case).glob("*.yaml"):
        shutil.copy(file, folder / file.name)
    return root


def found(root: Path) -> list[str]:
    return [f"{Path(d.file).name}:{d.line}:{d.column}: {d.severity.value}[{d.code}]"
            for d in check_project(root)]


def by_code(root: Path, code: str):
    return [d for d in check_project(root) if d.code == code]


def test_base_fixture_is_clean(tmp_path):
    assert found(case_project(tmp_path, "_base")) == []


@pytest.mark.parametrize("case", CASES)
def test_each_fault_is_reported_where_it_is(tmp_path, case):
    expected = (FIXTURES / case / "expected.txt").read_text("utf-8").split("\n")
    assert found(case_project(tmp_path, case)) == [line for line in expected if line]


def test_the_seed_artifacts_each_have_a_fixture():
    assert {"seed-doubled-bullets", "seed-als", "seed-empty-heading", "seed-uncited-nccn",
            "seed-cdk-expansion"} <= set(CASES)


def test_unknown_citation_suggests_the_key_meant(tmp_path):
    [first, second] = by_code(case_project(tmp_path, "unknown-citation"), "unknown-citation")
    assert first.message == "unknown reference key 'guid'" and first.hint == "did you mean 'guide'?"
    assert first.format().endswith(
        "leaflet.yaml:11:66: error[unknown-citation]: unknown reference key 'guid' (did you mean 'guide'?)")
    assert second.hint == "did you mean 'paper'?"
    # The data travels as fields: nothing reads it back out of the hint's words.
    assert (first.subject, first.suggestion) == ("guid", "guide")
    assert (second.subject, second.suggestion) == ("papper", "paper")


def test_a_typo_in_a_key_is_reported_once_not_also_as_an_uncited_source(tmp_path):
    found_here = found(case_project(tmp_path, "unknown-citation"))
    assert not any("uncited-reference" in line for line in found_here)


def test_malformed_markers_get_a_hint_for_what_is_wrong(tmp_path):
    hints = [d.hint for d in by_code(case_project(tmp_path, "malformed-citation"), "malformed-citation")]
    assert hints == ["name a reference after '@', e.g. [@esmo-guide]",
                     "remove the empty entry between the semicolons",
                     "separate keys with ';', e.g. [@a; @b]"]


def test_expansion_mismatch_quotes_both_forms(tmp_path):
    [mismatch] = by_code(case_project(tmp_path, "seed-cdk-expansion"), "expansion-mismatch")
    assert mismatch.message == ("the glossary spells out 'CDK4/6' as 'cyclin D kinase 4 and 6' but the "
                                "text has 'Cyclin-dependent kinase 4 and 6 (CDK4/6)' (line 12)")


def test_lookalike_names_the_abbreviation_meant(tmp_path):
    [lookalike] = by_code(case_project(tmp_path, "seed-als"), "abbreviation-lookalike")
    assert lookalike.message == "'Als' looks like the abbreviation 'AIs' mistyped"


def test_a_typo_in_a_field_name_is_one_error_not_two(tmp_path):
    codes = [d.code for d in check_project(case_project(tmp_path, "unknown-field"))]
    assert "missing-field" not in codes
    [typo] = [d for d in check_project(case_project(tmp_path / "again", "unknown-field"))
              if "publsher" in d.message]
    assert typo.hint == "did you mean 'publisher'?"


def test_wrong_types_say_what_to_write(tmp_path):
    messages = {d.message: d.hint for d in check_project(case_project(tmp_path, "wrong-type"))}
    assert messages["'version' should be text, not 1.0"] == 'put the value in quotes, e.g. "1.0"'
    assert messages["'review_date' should be a date, not 'soon'"] == "write the date as YYYY-MM-DD"


def test_shipped_leaflet_has_no_errors_and_known_warnings(root):
    diagnostics = check_project(root)
    assert [d for d in diagnostics if d.is_error] == []
    codes = sorted({d.code for d in diagnostics})
    assert codes == ["abbreviation-not-spelled-out", "long-sentence"]
    [cdk] = [d for d in diagnostics if d.code == "abbreviation-not-spelled-out"]
    assert "'CDK4/6' is not spelled out at its first use" in cdk.message


@pytest.mark.parametrize("token, expected", [
    ("HER2", True), ("CDK4/6", True), ("a/mBC", True), ("ERs", True), ("pH", True), ("B12", True),
    ("IV", False), ("II", False), ("I", False), ("Stage", False), ("Luminal", False), ("A", False),
    ("breast", False), ("2026", False),
])
def test_what_reads_as_an_abbreviation(token, expected):
    assert looks_like_abbreviation(token) is expected


def test_long_form_is_found_backwards_from_the_parenthesis():
    assert long_form("Targeted therapies such as cyclin-dependent kinase 4 and 6", "CDK4/6") == \
        "cyclin-dependent kinase 4 and 6"
    assert long_form("Human epidermal growth factor receptor 2", "HER2") == \
        "Human epidermal growth factor receptor 2"
    assert long_form("Aromatase Inhibitors", "Als") is None


def test_sentences_do_not_end_at_e_g():
    found = sentences("Tumors at distant sites (e.g. breast) are called metastases. Some grow. Dr. Smith agrees.")
    assert [s.text for s in found] == [
        "Tumors at distant sites (e.g. breast) are called metastases.", "Some grow.", "Dr. Smith agrees."]
    assert found[1].start == len("Tumors at distant sites (e.g. breast) are called metastases. ")


def test_the_checks_read_inline_markup_as_the_renderer_does():
    from leaflets.checks.text import visible_text
    from leaflets.inline import parse_inline, plain_text, scan

    for typed in ("Take 5 * 3 tablets a day.", "See [the list](https://en.wikipedia.org/wiki/List_(abstract_data_type)).",
                  "A **bold** \\*note\\* and _this_.[@guide]", "x [y](javascript:alert(1)) z"):
        text, offsets = visible_text(typed)
        assert text == plain_text(parse_inline(typed)) or "javascript" in typed
        assert len(offsets) == len(text)
    assert visible_text("Take 5 * 3 tablets a day.")[0] == "Take 5 * 3 tablets a day."
    link = "See [the list](https://en.wikipedia.org/wiki/List_(abstract_data_type))."
    assert visible_text(link)[0] == "See the list."
    assert scan(link).links == (("https://en.wikipedia.org/wiki/List_(abstract_data_type)", 15),)
    text, offsets = visible_text("A \\*B [@key] C")
    assert text == "A *B  C" and offsets[2] == 3 and offsets[-1] == 13


def test_a_link_with_parentheses_in_its_target_is_read_whole(tmp_path):
    root = case_project(tmp_path, "_base")
    leaflet = root / "source/case/leaflet.yaml"
    text = leaflet.read_text("utf-8")
    anchor = "  - paragraph: "
    assert anchor in text
    leaflet.write_text(text.replace(anchor, anchor + "See [a list](https://en.wikipedia.org/wiki/List_(x)) "
                                    "and [that](ftp://example.org/a_(b)) too. ", 1), "utf-8")
    [bad] = by_code(root, "link-target")
    assert bad.message == "link target 'ftp://example.org/a_(b)' is not a web or mail address"
    line = text[:text.index(anchor)].count("\n") + 1
    column = len(anchor) + len("See [a list](https://en.wikipedia.org/wiki/List_(x)) and [that](") + 1
    assert (bad.line, bad.column) == (line, column)


def test_the_reading_grade_is_flesch_kincaid_over_pyphens_syllables():
    import pyphen

    from leaflets.checks.readability import flesch_kincaid_grade, sentences, syllables

    dictionary = pyphen.Pyphen(lang="en_US")
    count = lambda word: syllables(word, dictionary)  # noqa: E731
    # One-syllable words only: 0.39 * 6 + 11.8 * 1 - 15.59.
    assert flesch_kincaid_grade(sentences("The cat sat on the mat."), count) == round(0.39 * 6 + 11.8 - 15.59, 1)
    text = "Endocrine therapy may slow the growth of cancer cells. Ask your doctor."
    words = text.replace(".", "").split()
    expected = 0.39 * len(words) / 2 + 11.8 * sum(len(dictionary.positions(w.lower())) + 1 for w in words) / len(words) - 15.59
    assert flesch_kincaid_grade(sentences(text), count) == round(expected, 1)
    assert syllables("HER2", dictionary) == syllables("her", dictionary) and syllables("2", dictionary) == 1
    assert flesch_kincaid_grade([], count) is None
