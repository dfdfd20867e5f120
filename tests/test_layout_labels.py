"""The layouts' labels are extracted again whenever a template's bytes change (they are kept
between calls in one process, for the same templates)."""

from __future__ import annotations

import shutil

from conftest import ROOT

from leaflets.i18n.labels import layout_entries


def texts(layouts) -> dict[str, list]:
    return {entry.text: entry.locations for entry in layout_entries(layouts)}


def test_an_edited_template_is_read_again(tmp_path):
    layouts = shutil.copytree(ROOT / "layouts", tmp_path / "layouts")
    before = texts(layouts)
    assert before == texts(layouts)
    partial = layouts / "partials" / "references.html.j2"
    partial.write_text(partial.read_text("utf-8") + '\n{{ _("Checked by the pharmacist") }}\n', "utf-8")
    after = texts(layouts)
    assert "Checked by the pharmacist" in after and "Checked by the pharmacist" not in before
    assert after["Checked by the pharmacist"][0][0] == "layouts/partials/references.html.j2"
    partial.unlink()  # a template removed takes its labels with it
    assert not any(where[0] == "layouts/partials/references.html.j2"
                   for locations in texts(layouts).values() for where in locations)


def test_callers_cannot_change_the_kept_answer(tmp_path):
    layouts = shutil.copytree(ROOT / "layouts", tmp_path / "layouts")
    first = layout_entries(layouts)
    first[0].locations.append(("elsewhere", 1))
    assert ("elsewhere", 1) not in layout_entries(layouts)[0].locations
