"""AMA formatting of references from structured fields."""

from __future__ import annotations

import re

import pytest

from leaflets.inline import Link, Span, plain_text
from leaflets.model import Name, Reference
from leaflets.references import author_list, format_reference, partial_date


def names(count: int) -> list[Name]:
    return [Name(family=f"Author{i}", given="A B") for i in range(1, count + 1)]


def test_up_to_six_authors_are_all_listed():
    assert author_list(names(6), False) == ", ".join(f"Author{i} AB" for i in range(1, 7))


def test_more_than_six_authors_become_three_and_et_al():
    assert author_list(names(7), False) == "Author1 AB, Author2 AB, Author3 AB, et al"


def test_et_al_declared_by_the_source():
    assert author_list([Name(family="Miziak", given="P")], True) == "Miziak P, et al"


def test_journal_article():
    ref = Reference(id="x", type="article-journal", author=[Name(family="Miziak", given="P")],
                    et_al=True, title="A review", **{"container-title-short": "Cancers (Basel)"},
                    issued="2023", volume="15", issue="19", page="4689", DOI="10.1/abc")
    nodes = format_reference(ref, "en")
    assert plain_text(nodes) == "Miziak P, et al. A review. Cancers (Basel). 2023;15(19):4689. doi:10.1/abc"
    journal = next(n for n in nodes if isinstance(n, Span))
    assert journal.kind == "em" and plain_text(journal.children) == "Cancers (Basel)"


def test_web_page_with_live_url():
    ref = Reference(id="w", type="webpage", author=[Name(literal="ESMO")], title="A guide?",
                    **{"container-title": "esmo.org"}, accessed="2025-10-07",
                    URL="https://example.org/a")
    nodes = format_reference(ref, "en")
    assert plain_text(nodes) == "ESMO. A guide? esmo.org. Accessed October 7, 2025. https://example.org/a"
    assert isinstance(nodes[-1], Link) and nodes[-1].href == "https://example.org/a"


def test_free_text_is_printed_as_given():
    ref = Reference(id="n", type="free", text="Referenced with permission.")
    assert plain_text(format_reference(ref, "en")) == "Referenced with permission."


@pytest.mark.parametrize("value, locale, text", [
    ("2025", "en", "2025"),
    ("2025-10", "en", "October 2025"),
    ("2025-10", "de", "Oktober 2025"),
    ("2025-10-12", "es", "12 de octubre de 2025"),
])
def test_partial_dates_follow_the_locale(value, locale, text):
    assert partial_date(value, locale) == text


def _reference_views(project, locale: str):
    from leaflets.documents import load_document
    from leaflets.i18n.translation import load_translation
    from leaflets.view import resolve

    doc = load_document(project / "source/ambc")
    edition = next(e for e in doc.leaflet.editions if e.locale == locale)
    return resolve(doc, edition, "file:///", load_translation(project, doc, edition)).references


def _foreign(nodes) -> list[tuple[str, str]]:
    return [(node.lang, node.children[0].text) for node in nodes if node.kind == "foreign"]


def test_a_title_kept_in_its_source_language_is_tagged_with_it(project):
    from leaflets.documents import load_document

    doc = load_document(project / "source/ambc")
    translated = next((e.locale for e in doc.leaflet.editions if e.locale.split("-")[0] != "en"), None)
    if translated is None:
        pytest.skip("no translated edition is declared")
    titled = [r for r in doc.references.references if r.title]
    views = _reference_views(project, translated)
    tagged = [pair for view in views for pair in _foreign(view.content)]
    kept = {f"{r.title}." if not r.title.endswith(".") else r.title for r in titled}
    assert tagged and all(lang == "en" and text in kept for lang, text in tagged)
    assert not [pair for view in _reference_views(project, "en") for pair in _foreign(view.content)]


def test_a_source_in_another_language_is_tagged_in_the_master_edition(project):
    path = project / "source/ambc/references.yaml"
    text = path.read_text("utf-8")
    first_title = re.search(r"^    title: (.+)$", text, re.M)
    path.write_text(text[:first_title.start()] + "    language: de\n" + text[first_title.start():], "utf-8")
    tagged = [pair for view in _reference_views(project, "en") for pair in _foreign(view.content)]
    assert [lang for lang, _ in tagged] == ["de"]
