"""XLIFF exchange: a catalogue exported and imported back is unchanged, byte for byte."""

from __future__ import annotations

import pytest

from leaflets.diagnostics import ContentError, Severity
from leaflets.i18n.catalogues import catalogue_bytes, read_catalogue
from leaflets.i18n.workflow import export_xliff, import_xliff, update
from leaflets.i18n.xliff import read_xliff
from i18nutil import replace_in

CATALOGUES = ("source/ambc/locales/es.po", "layouts/locales/es.po")


def _blank(path) -> None:
    """Drop every translation, flag, translator comment and previous msgid (a vendor fills them)."""
    catalog = read_catalogue(path)
    for message in catalog:
        if message.id:
            message.string, message.user_comments, message.previous_id = "", [], []
            message.flags.discard("fuzzy")
    path.write_bytes(catalogue_bytes(catalog))


def test_round_trip_keeps_everything(project, tmp_path):
    # a catalogue with every kind of entry: translated, fuzzy with its previous text, commented
    replace_in(project / "source/ambc/leaflet.yaml", "It is taken alone", "It may be taken alone")
    update(project)
    po = project / CATALOGUES[0]
    catalog = read_catalogue(po)
    next(m for m in catalog if m.context == "body/3/paragraph").user_comments = ["checked with the oncologist"]
    po.write_bytes(catalogue_bytes(catalog))
    originals = {name: (project / name).read_bytes() for name in CATALOGUES}
    assert b"#, fuzzy" in originals[CATALOGUES[0]] and b"#| msgid" in originals[CATALOGUES[0]]

    [exported] = export_xliff(project, tmp_path / "xliff", "es")
    [units, labels] = read_xliff(exported)
    assert (units.original, labels.original) == CATALOGUES
    fuzzy = next(u for u in units.units if u.key == "body/20/paragraph")
    assert fuzzy.fuzzy and fuzzy.previous and fuzzy.previous.startswith("It is taken alone")
    for name in CATALOGUES:
        _blank(project / name)
        assert (project / name).read_bytes() != originals[name]
    written, notes = import_xliff(project, [exported])
    assert notes == [] and sorted(p.name for p in written) == ["es.po", "es.po"]
    assert {name: (project / name).read_bytes() for name in CATALOGUES} == originals


def test_import_of_a_unit_whose_master_changed_is_fuzzy(project, tmp_path):
    [exported] = export_xliff(project, tmp_path / "xliff", "es")
    replace_in(project / "source/ambc/leaflet.yaml", "It is taken alone", "It may be taken alone")
    update(project)
    _blank(project / CATALOGUES[0])
    _, notes = import_xliff(project, [exported])
    assert [(n.severity, n.code) for n in notes] == [(Severity.WARNING, "xliff-stale-unit")]
    message = next(m for m in read_catalogue(project / CATALOGUES[0]) if m.context == "body/20/paragraph")
    assert message.fuzzy and message.previous_id == [
        "It is taken alone or in combination with an additional treatment known as a CDK4/6 inhibitor.[@esmo-guide]"]


def test_import_refuses_units_the_catalogue_lacks(project, tmp_path):
    [exported] = export_xliff(project, tmp_path / "xliff", "es")
    exported.write_text(exported.read_text("utf-8").replace('id="body/2/paragraph" resname="body/2/paragraph"',
                                                            'id="body/99/paragraph" resname="body/99/paragraph"'))
    before = (project / CATALOGUES[0]).read_bytes()
    with pytest.raises(ContentError) as caught:
        import_xliff(project, [exported])
    [d] = caught.value.diagnostics
    assert d.code == "xliff-unknown-unit" and d.line > 0 and "body/99/paragraph" in d.message
    assert (project / CATALOGUES[0]).read_bytes() == before
