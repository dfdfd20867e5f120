"""One registry per concept: papers, profiles and block kinds are declared once and used everywhere."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import MappingProxyType

import pytest
from pydantic import ValidationError

from leaflets import blocks, finishing, profiles
from leaflets.diagnostics import ContentError
from leaflets.documents import load_document
from leaflets.model import Edition, body_texts
from leaflets.preflight import rules
from leaflets.schema import schema_text
from leaflets.model import Leaflet

ROOT = Path(__file__).resolve().parent.parent
EDITION = dict(locale="en", job_code="X-1", date_of_preparation=dt.date(2025, 1, 1),
               review_date=dt.date(2026, 1, 1))


def test_an_edition_accepts_exactly_the_registered_papers_and_profiles(monkeypatch):
    for paper in profiles.PAPERS:
        assert Edition(**EDITION, paper=paper).paper == paper
    for profile in profiles.PROFILES:
        assert Edition(**EDITION, profile=profile).profile == profile
    with pytest.raises(ValidationError):
        Edition(**EDITION, paper="a3")
    a3 = profiles.Paper("a3", "A3", 297.0, 420.0, "styles/paper/a3.css", 3.0)
    monkeypatch.setattr(profiles, "PAPERS", MappingProxyType({**profiles.PAPERS, "a3": a3}))
    assert Edition(**EDITION, paper="a3").paper == "a3"  # one entry in the registry is enough


def test_a_misspelled_profile_is_positioned_with_a_suggestion(project):
    leaflet = project / "source/ambc/leaflet.yaml"
    text = leaflet.read_text("utf-8")
    assert "profile: screen\n" in text
    leaflet.write_text(text.replace("profile: screen\n", "profile: scren\n", 1), "utf-8")
    with pytest.raises(ContentError) as caught:
        load_document(project / "source/ambc")
    [found] = caught.value.diagnostics
    assert found.code == "invalid-value" and found.line > 0
    assert found.subject == "profile" and found.suggestion == "screen"
    assert found.format().endswith("'profile' should be one of screen, print, archive, not 'scren' "
                                   "(did you mean 'screen'?)")


def test_the_schema_lists_the_registered_values():
    text = schema_text(Leaflet)
    for name in [*profiles.PAPERS, *profiles.PROFILES, *blocks.BLOCKS]:
        assert f'"{name}"' in text


def test_preflight_knows_the_registered_profiles():
    assert rules.PROFILES == tuple(profiles.PROFILES)
    assert set(rules.PROFILE_RULES) == set(profiles.PROFILES)
    assert rules.MIN_BLEED_MM == min(p.bleed_mm for p in profiles.PAPERS.values())


def test_every_finishing_step_a_profile_names_exists():
    for profile in profiles.PROFILES.values():
        for name in profile.finishing:
            assert callable(finishing.step(name))
    with pytest.raises(KeyError):
        finishing.step("finisher")


def test_each_block_kind_has_a_model_a_walk_a_view_and_a_template(root):
    doc = load_document(root / "source/ambc")
    seen = {blocks.block_kind(block).name for block in doc.leaflet.body}
    assert seen <= set(blocks.BLOCKS)
    for kind in blocks.BLOCKS.values():
        assert (root / "layouts" / kind.template).is_file()
        assert blocks.kind_of({kind.name: None}) == kind.name
    texts = list(body_texts(doc.leaflet.body))
    assert {t.block for t in texts} == set(range(len(doc.leaflet.body)))  # every block walked
    for text in texts:
        value = doc.leaflet_file.data_at(text.loc)
        assert value == text.text  # each path leads to the text it names
