"""Catalogue refresh: idempotent, exactly the changed segment turns fuzzy, the release build names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from leaflets.matrix import build, resolve_editions as plan
from leaflets.plan import Filters
from leaflets.diagnostics import ContentError, Severity
from leaflets.i18n.catalogues import read_catalogue
from leaflets.i18n.workflow import update
from pdfread import page_texts, reading_text
from i18nutil import replace_in

OLD = "Tumors at distant sites other than the original cancer site (e.g. breast) are called\n      metastases.[@esmo-guide]"
NEW = "Tumors that grow far from the place where the cancer started (e.g. breast) are called\n      metastases.[@esmo-guide]"
OLD_TEXT = " ".join(OLD.split())
NEW_TEXT = " ".join(NEW.split())


def _snapshot(root: Path) -> dict[str, bytes]:
    files = [*root.glob("source/*/locales/*.po*"), *root.glob("layouts/locales/*.po*")]
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in files}


def test_committed_catalogues_are_up_to_date_and_update_is_idempotent(project):
    before = _snapshot(project)
    assert set(before) >= {"source/ambc/locales/es.po", "source/ambc/locales/de.po",
                           "source/ambc/locales/messages.pot", "layouts/locales/es.po",
                           "layouts/locales/de.po", "layouts/locales/messages.pot"}
    for changes in update(project):
        assert (changes.new, changes.changed, changes.removed, changes.untranslated, changes.fuzzy) == \
            ([], [], [], [], []), changes.path
    assert _snapshot(project) == before
    replace_in(project / "source/ambc/leaflet.yaml", OLD, NEW)
    update(project)
    once = _snapshot(project)
    update(project)
    assert _snapshot(project) == once


def test_changed_master_sentence_makes_exactly_that_segment_fuzzy(project):
    replace_in(project / "source/ambc/leaflet.yaml", OLD, NEW)
    changes = {c.path.relative_to(project).as_posix(): c for c in update(project)}
    for locale in ("es", "de"):
        change = changes[f"source/ambc/locales/{locale}.po"]
        assert (change.new, change.changed, change.removed) == ([], ["body/2/paragraph"], [])
        catalog = read_catalogue(project / f"source/ambc/locales/{locale}.po")
        fuzzy = [m for m in catalog if m.id and m.fuzzy]
        assert [(m.context, m.id, m.previous_id) for m in fuzzy] == [("body/2/paragraph", NEW_TEXT, [OLD_TEXT])]
        assert fuzzy[0].string  # the old translation is kept for the translator to check
    assert all(not c.changed for path, c in changes.items() if path.startswith("layouts/"))


def test_release_build_fails_naming_the_stale_segment(project):
    replace_in(project / "source/ambc/leaflet.yaml", OLD, NEW)
    update(project)
    with pytest.raises(ContentError) as caught:
        plan(project, Filters())
    found = [(d.file, d.code, d.message) for d in caught.value.diagnostics]
    translated = sorted(p.stem for p in (project / "source/ambc/locales").glob("*.po"))
    for locale in translated:
        po = project / f"source/ambc/locales/{locale}.po"
        line = next(m for m in read_catalogue(po) if m.context == "body/2/paragraph").lineno
        diagnostic = next(d for d in caught.value.diagnostics if d.file.endswith(f"{locale}.po"))
        assert diagnostic.line == line
    assert {"de", "es"} <= set(translated) and len(found) == len(translated)
    assert all(code == "translation-fuzzy" and "'body/2/paragraph' is fuzzy" in message
               for _, code, message in found)


def test_catalogue_not_refreshed_is_reported_as_stale(project):
    replace_in(project / "source/ambc/leaflet.yaml", OLD, NEW)
    with pytest.raises(ContentError) as caught:
        plan(project, Filters(locale="de"))
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "translation-stale" and "body/2/paragraph" in diagnostic.message
    assert "i18n update" in diagnostic.hint


def test_allow_incomplete_builds_a_draft_filled_with_the_master(project, tmp_path):
    replace_in(project / "source/ambc/leaflet.yaml", OLD, NEW)
    update(project)
    notices = []
    [output] = build(project, tmp_path / "out", Filters(locale="de"), allow_incomplete=True,
                     warn=notices.append)
    filled = [d for d in notices if d.code.startswith("translation-")]  # content warnings aside
    assert [(d.severity, d.code) for d in filled] == [(Severity.WARNING, "translation-fuzzy")]
    assert "body/2/paragraph" in filled[0].message and filled[0].file.endswith("de.po")
    pdf = Path(output.path) if Path(output.path).is_absolute() else project / output.path
    assert NEW_TEXT.replace("[@esmo-guide]", "") in reading_text(pdf)
    pages = page_texts(pdf)
    assert pages and all("ENTWURF" in page for page in pages)


def test_inserted_block_keeps_translations_of_moved_segments(project):
    replace_in(project / "source/ambc/leaflet.yaml", "  - paragraph: >-\n      Tumors at distant",
               "  - paragraph: A new sentence.\n\n  - paragraph: >-\n      Tumors at distant")
    changes = {c.path.name: c for c in update(project) if "source" in c.path.parts}
    assert (changes["es.po"].new, changes["es.po"].changed, changes["es.po"].removed) == \
        (["body/2/paragraph"], [], [])
    catalog = read_catalogue(project / "source/ambc/locales/es.po")
    moved = next(m for m in catalog if m.context == "body/3/paragraph")
    assert moved.id == OLD_TEXT and moved.string.startswith("Los tumores") and not moved.fuzzy


def test_removed_block_becomes_obsolete(project):
    replace_in(project / "source/ambc/leaflet.yaml", "  - paragraph: >-\n      " + OLD + "\n", "")
    changes = {c.path.name: c for c in update(project) if "source" in c.path.parts}
    assert (changes["de.po"].new, changes["de.po"].changed, changes["de.po"].removed) == \
        ([], [], ["body/2/paragraph"])
    catalog = read_catalogue(project / "source/ambc/locales/de.po")
    assert [m.id for m in catalog.obsolete.values()] == [OLD_TEXT]
    plan(project, Filters(locale="de"))  # the rest is still complete
