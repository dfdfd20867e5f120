"""The translation record of an edition: reviewed by someone, approved only after review."""

from __future__ import annotations

import pytest

from leaflets.diagnostics import ContentError
from leaflets.documents import load_document
from i18nutil import replace_in

SPANISH = """    translation:
      status: translated
      translator: Patient Information Service, Spanish desk
"""


def test_reviewed_translation_needs_reviewer_and_date(project):
    replace_in(project / "source/ambc/leaflet.yaml", SPANISH, SPANISH.replace("translated", "reviewed"))
    with pytest.raises(ContentError) as caught:
        load_document(project / "source/ambc")
    [d] = caught.value.diagnostics
    assert d.code == "invalid-value" and "needs 'reviewer' and 'reviewed_on'" in d.message


def test_translated_edition_is_approved_only_after_review(project):
    replace_in(project / "source/ambc/leaflet.yaml", "    status: draft\n" + SPANISH,
               "    status: approved\n" + SPANISH)
    with pytest.raises(ContentError) as caught:
        load_document(project / "source/ambc")
    assert "approved only after its translation is reviewed" in caught.value.diagnostics[0].message


def test_reviewed_translation_can_be_approved(project):
    replace_in(project / "source/ambc/leaflet.yaml", "    status: draft\n" + SPANISH,
               "    status: approved\n" + SPANISH.replace("status: translated", "status: reviewed")
               + "      reviewer: Dr A. Revisora, medical oncologist\n      reviewed_on: 2026-04-01\n")
    doc = load_document(project / "source/ambc")
    spanish = next(e for e in doc.leaflet.editions if e.locale == "es")
    assert spanish.status == "approved" and spanish.translation.reviewer.startswith("Dr A.")
