"""The Spanish, German and pseudo-locale editions as a reader sees them."""

from __future__ import annotations

import re

import pikepdf
import pytest

from leaflets.matrix import resolve_editions as plan
from leaflets.plan import Filters
from leaflets.documents import load_document
from leaflets.i18n.pseudo import pseudo_inline
from leaflets.i18n.segments import segments
from leaflets.inline import parse_inline, plain_text
from pdfread import squash, normalize, page_texts, reading_text

LABELS = {
    "es": ["INFORMACIÓN PARA PACIENTES", "Código del documento AMBC-ES-A4-0001", "Fecha de elaboración: 16 de marzo de 2026",
           "Fecha de revisión: 1 de marzo de 2029", "Abreviaturas", "Referencias", "Otras fuentes consultadas",
           "Consultado: octubre de 2025", "Página 1 de 4", "BORRADOR"],
    "de": ["PATIENTENINFORMATION", "Dokumentnummer AMBC-DE-A4-0001", "Erstellt am: 16. März 2026",
           "Nächste Überprüfung: 1. März 2029", "Abkürzungen", "Literatur", "Weitere herangezogene Quellen",
           "Abgerufen: Oktober 2025", "Seite 1 von 4", "ENTWURF"],
}
DRAFT = {"es": "BORRADOR", "de": "ENTWURF", "en-XA": "[ĎŔÁÁƑŢ]"}


@pytest.fixture(scope="module")
def master_sentences(root) -> list[str]:
    """Every sentence of the master body of four words or more, as printed (no citations)."""
    doc = load_document(root / "source/ambc")
    found = []
    for seg in segments(doc):
        if seg.context.startswith("body/"):
            text = plain_text(parse_inline(seg.text))
            found += [s for s in re.split(r"(?<=[.:])\s+", normalize(text)) if len(s.split()) >= 4]
    assert len(found) > 30
    return found


def _pdf(built, locale):
    return built[("ambc", locale, "a4", "screen")]


@pytest.mark.parametrize("locale", ["es", "de"])
def test_translated_edition_prints_its_labels_and_no_english_sentence(built, master_sentences, locale):
    text = reading_text(_pdf(built, locale))
    for label in LABELS[locale]:
        assert label in text
    leaked = [s for s in master_sentences if s in text]
    assert leaked == []


@pytest.mark.parametrize("locale", ["es", "de", "en-XA"])
def test_draft_mark_on_every_page_and_language_set(built, locale):
    pages = page_texts(_pdf(built, locale))
    assert len(pages) >= 3 and all(DRAFT[locale] in page for page in pages)
    with pikepdf.open(_pdf(built, locale)) as pdf:
        assert str(pdf.Root.Lang) == locale


def test_numbers_follow_the_translation_and_dates_the_locale(built):
    german = reading_text(_pdf(built, "de"))
    assert "(~75 %)" in german and "Etwa 20 % der Tumoren" in german
    assert "2023;15(19):4689" in squash(german)  # references keep their numbers


@pytest.mark.parametrize("locale, terms", [
    ("es", ["CDK4/6", "HER2", "IA", "RE", "RH", "RP", "SERD", "SERM"]),
    ("de", ["AI", "CDK4/6", "ER", "HER2", "HR", "PR", "SERD", "SERM"]),
    ("en-XA", ["ÁÁÍÍ", "ÇĎĶ4/6", "ÉÉŔ", "ĤÉÉŔ2", "ĤŔ", "ƤŔ", "ŠÉÉŔĎ", "ŠÉÉŔṀ", "áá/ɱƁÇ"]),
])
def test_abbreviations_are_exactly_the_terms_the_text_uses(root, locale, terms):
    [job] = plan(root, Filters(locale=locale))
    assert sorted(a.term for a in job.view.abbreviations) == sorted(terms)
    text = "\n".join(plain_text(b.content) for b in job.view.blocks if b.kind == "paragraph")
    assert all(a.term in text or any(a.term in plain_text(i) for b in job.view.blocks for i in b.items)
               for a in job.view.abbreviations)


def test_spanish_abbreviations_sort_for_the_locale(root):
    [job] = plan(root, Filters(locale="es"))
    assert [a.term for a in job.view.abbreviations] == ["CDK4/6", "HER2", "IA", "RE", "RH", "RP", "SERD", "SERM"]
    assert dict((a.term, a.expansion) for a in job.view.abbreviations)["RE"] == "receptor de estrógeno"


def test_pseudo_locale_holds_no_unaccented_master_sentence(built, master_sentences):
    text = reading_text(_pdf(built, "en-XA"))
    assert [s for s in master_sentences if s in text] == []
    assert "[ÁÁďṽááñçééď/ɱééţáášţááţííç ƀŕééáášţ çááñçééŕ]" in text
    assert "ÁÁŕóóúúñď 20% óóƒ ţúúɱóóŕš" in text  # numbers kept
    assert "[Ƥááĝéé] 1 [óóƒ] 4" in text


def test_pseudo_translation_is_a_third_longer_and_keeps_markup():
    source = "See **this** [site](https://example.org/a_b) about CDK4/6, 75%.[@esmo-guide; @miziak-2023]"
    pseudo = pseudo_inline(source)
    assert "**" in pseudo and "](https://example.org/a_b)" in pseudo and "[@esmo-guide; @miziak-2023]" in pseudo
    assert "4/6" in pseudo and "75%" in pseudo and pseudo.startswith("\\[") and pseudo.endswith("\\]")


def test_pseudo_expansion_over_the_leaflet(root):
    doc = load_document(root / "source/ambc")
    master = [plain_text(parse_inline(s.text)) for s in segments(doc) if s.context.startswith("body/")]
    pseudo = [plain_text(parse_inline(pseudo_inline(s.text))) for s in segments(doc) if s.context.startswith("body/")]
    ratio = sum(map(len, pseudo)) / sum(map(len, master))
    assert 1.3 <= ratio <= 1.45


def test_build_reports_each_editions_pages_beside_the_masters(built, root):
    from leaflets.outputs import Output
    from leaflets.commands.build import page_counts

    outputs = [Output("ambc", loc, "a4", "screen", "x", str(path), len(page_texts(path)), 0, "", 0.0)
               for (_, loc, paper, _, *kind), path in built.items() if paper == "a4" and not kind]
    [line] = page_counts(outputs, {"ambc": "en"})
    assert re.fullmatch(r"pages, ambc a4 screen: en \d+ \(master\)(, (es|de|en-XA) \d+ \([+-]\d+\)){3}", line)
