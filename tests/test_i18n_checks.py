"""Translation checks: citations, markup, numbers and terms must match the source; numbering is per edition."""

from __future__ import annotations

import pytest

from leaflets.matrix import resolve_editions as plan
from leaflets.plan import Filters
from leaflets.diagnostics import ContentError
from leaflets.i18n.checks import compare
from i18nutil import set_translation, translation

ES = "source/ambc/locales/es.po"


def _only_error(project, context: str, text: str):
    line = set_translation(project / ES, context, text)
    with pytest.raises(ContentError) as caught:
        plan(project, Filters(locale="es"))
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.file.endswith(ES), diagnostic.line) == (True, line)
    assert context in diagnostic.message
    return diagnostic


def test_dropped_citation_is_an_error_naming_both_texts(project):
    original = translation(project / ES, "body/1/paragraph")
    crafted = original.replace("[@esmo-guide; @hopkins-mbc]", "[@esmo-guide]")
    d = _only_error(project, "body/1/paragraph", crafted)
    assert d.code == "translation-citations"
    assert "hopkins-mbc" in d.message and crafted in d.message and "Also known as advanced" in d.message


def test_changed_number_is_an_error(project):
    crafted = translation(project / ES, "body/7/paragraph").replace("20\u00a0%", "25\u00a0%")
    d = _only_error(project, "body/7/paragraph", crafted)
    assert d.code == "translation-numbers" and "20" in d.message and "25" in d.message


def test_cdk_numbers_are_checked(project):
    crafted = translation(project / ES, "body/25/paragraph").replace("CDK 4 y 6", "CDK 4")
    d = _only_error(project, "body/25/paragraph", crafted)
    assert d.code == "translation-numbers" and "CDK 4 and 6" in d.message


def test_added_markup_is_an_error(project):
    crafted = translation(project / ES, "body/15/paragraph").replace("todo el cuerpo", "**todo el cuerpo**")
    d = _only_error(project, "body/15/paragraph", crafted)
    assert d.code == "translation-markup" and "bold" in d.message


def test_master_abbreviation_in_a_renamed_locale_is_an_error(project):
    crafted = translation(project / ES, "body/5/paragraph").replace("Los tumores RE+", "Los tumores ER+")
    d = _only_error(project, "body/5/paragraph", crafted)
    assert d.code == "translation-term" and "'ER'" in d.message and "'RE'" in d.message


def test_unreadable_citation_marker_is_an_error(project):
    crafted = translation(project / ES, "body/2/paragraph").replace("[@esmo-guide]", "[@esmo guide]")
    d = _only_error(project, "body/2/paragraph", crafted)
    assert d.code == "translation-citation-marker"


def test_untranslated_layout_label_fails_the_release_build(project):
    po = project / "layouts/locales/es.po"
    text = po.read_text("utf-8").replace('msgstr "Abreviaturas"', 'msgstr ""')
    po.write_text(text, "utf-8")
    with pytest.raises(ContentError) as caught:
        plan(project, Filters(locale="es"))
    [d] = caught.value.diagnostics
    assert d.code == "translation-missing" and "'Abbreviations' is untranslated" in d.message
    assert d.file.endswith("layouts/locales/es.po")


def test_translation_that_drops_or_moves_a_citation_marker_is_refused(project):
    crafted = translation(project / ES, "body/1/paragraph").replace(
        "estadio IV[@esmo-guide; @hopkins-mbc]", "estadio IV[@hopkins-mbc]")
    set_translation(project / ES, "body/1/paragraph", crafted)
    with pytest.raises(ContentError) as caught:
        plan(project, Filters(locale="es"))
    assert [d.code for d in caught.value.diagnostics] == ["translation-citations"]


def test_compare_accepts_reformatted_numbers_but_not_reordered_citations():
    assert compare("About 75% of it.[@a; @b]", "Alrededor del 75\u00a0% de ello.[@a; @b]") == []
    assert [m.code for m in compare("About 75% of it.[@a; @b]", "Alrededor del 75\u00a0% de ello.[@b][@a]")] \
        == ["translation-citations"]
    assert [m.code for m in compare("CDK4/6 inhibitors[@a]", "Hemmer[@a]")] == ["translation-numbers"]
