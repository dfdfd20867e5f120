"""The build cache: each kind of input re-renders exactly the editions it shapes."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
from pathlib import Path
from types import MappingProxyType

import pytest

from leaflets import cache, profiles
from leaflets.outputs import Output
from leaflets.plan import Filters
from leaflets.plan import survey

EXTRA_EDITIONS = (("de", "a4", "screen"), ("en", "a4", "print"))


def add_editions(folder: Path, wanted=EXTRA_EDITIONS, tag: str = "") -> None:
    """Declare more editions in a document (those not declared yet), with unique job codes."""
    path = folder / "leaflet.yaml"
    text = path.read_text("utf-8")
    if tag:
        text = re.sub(r"^(\s*job_code:\s*)(\S+)", rf"\g<1>\g<2>-{tag}", text, flags=re.M)
    for locale, paper, profile in wanted:
        if re.search(rf"locale: {locale}\n\s+paper: {paper}\n\s+profile: {profile}\n", text):
            continue
        text += (f"  - locale: {locale}\n    paper: {paper}\n    profile: {profile}\n"
                 f"    job_code: {folder.name.upper()}-{locale}-{paper}-{profile}{tag}\n"
                 "    date_of_preparation: 2026-03-02\n    review_date: 2029-03-01\n"
                 "    status: draft\n")
    path.write_text(text, "utf-8")


@pytest.fixture
def matrix(project: Path) -> Path:
    """A project with two documents, two locales and two profiles, its cache filled as if built."""
    add_editions(project / "source" / "ambc")
    shutil.copytree(project / "source" / "ambc", project / "source" / "other")
    add_editions(project / "source" / "other", (), tag="O")
    fake_build(project)
    return project


def fake_build(project: Path) -> None:
    """Write a stand-in PDF and a cache record for every edition, as a build would."""
    out = project / "build"
    for p in survey(project, out, Filters()):
        data = f"%PDF-1.7 {p.stem}".encode()
        p.pdf.parent.mkdir(parents=True, exist_ok=True)
        p.pdf.write_bytes(data)
        e = p.edition
        output = Output(p.document, e.locale, e.paper, e.profile, e.job_code, p.shown, 1, len(data),
                        hashlib.sha256(data).hexdigest(), 0.1)
        cache.record_path(out, p.stem).parent.mkdir(parents=True, exist_ok=True)
        cache.record_path(out, p.stem).write_bytes(cache.record_bytes(p.key, dataclasses.asdict(output), None))


def stale(project: Path) -> dict[str, str]:
    return {p.stem: p.reason for p in survey(project, project / "build", Filters()) if p.reason}


def everything(project: Path) -> set[str]:
    return {p.stem for p in survey(project, project / "build", Filters())}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_a_fresh_build_is_up_to_date(matrix):
    assert stale(matrix) == {}
    assert {"ambc-de-a4-screen", "ambc-en-a4-print", "other-de-a4-screen"} <= everything(matrix)


def test_source_text_rebuilds_that_document_only(matrix):
    edit(matrix / "source/ambc/leaflet.yaml", "Tumors at distant sites", "Tumours at distant sites")
    assert stale(matrix) == {s: "inputs changed" for s in everything(matrix) if s.startswith("ambc-")}


def test_references_rebuild_that_document_only(matrix):
    edit(matrix / "source/other/references.yaml", "title:", "title: ")
    assert set(stale(matrix)) == {s for s in everything(matrix) if s.startswith("other-")}


def test_glossary_rebuilds_that_document_only(matrix):
    edit(matrix / "source/ambc/leaflet.yaml", "AI: aromatase inhibitor", "AI: aromatase-inhibitor")
    assert set(stale(matrix)) == {s for s in everything(matrix) if s.startswith("ambc-")}


def test_catalogue_rebuilds_that_locale_only(matrix):
    edit(matrix / "source/ambc/locales/de.po", 'msgstr "Fortgeschrittener/metastasierter Brustkrebs"',
         'msgstr "Fortgeschrittener oder metastasierter Brustkrebs"')
    assert set(stale(matrix)) == {s for s in everything(matrix) if s.startswith("ambc-de-")} != set()


def test_layout_catalogue_rebuilds_that_locale_in_every_document(matrix):
    with (matrix / "layouts/locales/es.po").open("a", encoding="utf-8") as stream:
        stream.write("\n")
    assert set(stale(matrix)) == {s for s in everything(matrix) if "-es-" in s} != set()


@pytest.mark.parametrize("changed", ["layouts/partials/paragraph.html.j2", "styles/leaflet.css",
                                     "styles/fonts/NotoSans-Regular.ttf"])
def test_layouts_styles_and_fonts_rebuild_everything(matrix, changed):
    with (matrix / changed).open("ab") as stream:
        stream.write(b"\n")
    assert set(stale(matrix)) == everything(matrix)


def test_profile_options_rebuild_that_profile_only(matrix, monkeypatch):
    screen = profiles.PROFILES["screen"]
    changed = dataclasses.replace(screen, options=MappingProxyType({**screen.options, "pdf_version": "1.7"}))
    monkeypatch.setattr(profiles, "PROFILES", MappingProxyType({**profiles.PROFILES, "screen": changed}))
    assert set(stale(matrix)) == {s for s in everything(matrix) if s.endswith("-screen")}


def test_renderer_version_rebuilds_everything(matrix, monkeypatch):
    versions = cache.versions()
    monkeypatch.setattr(cache, "versions", lambda: {**versions, "weasyprint": "71.0"})
    assert set(stale(matrix)) == everything(matrix)


def test_native_renderer_version_rebuilds_everything(matrix, monkeypatch):
    """Another Pango (or HarfBuzz, fontconfig, FreeType) may shape text differently: nothing built
    with the old one is up to date."""
    from leaflets import environment

    versions = environment.renderer_versions()
    assert cache.versions()["pango"] == versions["pango"] != environment.ABSENT
    monkeypatch.setattr(environment, "renderer_versions", lambda: {**versions, "pango": "1.99.0"})
    assert set(stale(matrix)) == everything(matrix)


def test_build_options_are_part_of_the_key(matrix):
    changed = {p.stem for p in survey(matrix, matrix / "build", Filters(), options={"draft": True})
               if p.reason}
    assert changed == everything(matrix)


def test_a_damaged_cache_is_rebuilt_never_trusted(matrix):
    records = matrix / "build" / cache.CACHE_DIR / cache.RECORDS
    (records / "ambc-en-a4-screen.json").write_text("{not json")
    (records / "ambc-en-letter-screen.json").write_text(json.dumps({"format": 1, "key": 7}))
    record = json.loads((records / "other-en-a4-screen.json").read_text())
    record["output"] = {"path": record["output"]["path"]}
    (records / "other-en-a4-screen.json").write_text(json.dumps(record))
    (matrix / "build/other/other-de-a4-screen.pdf").write_bytes(b"%PDF-1.7 edited by hand")
    (matrix / "build/ambc/ambc-de-a4-screen.pdf").unlink()
    assert stale(matrix) == {
        "ambc-en-a4-screen": "damaged cache",
        "ambc-en-letter-screen": "damaged cache",
        "other-en-a4-screen": "damaged cache",
        "other-de-a4-screen": "output changed",
        "ambc-de-a4-screen": "output missing",
    }


def test_force_marks_every_edition(matrix):
    assert {p.reason for p in survey(matrix, matrix / "build", Filters(), force=True)} == {"forced"}


@pytest.mark.parametrize("path, locale", [
    ("source/ambc/locales/de.po", "de"),
    ("source/ambc/locales/pt_BR.po", "pt-br"),
    ("source/ambc/locales/en-XA/glossary.yaml", "en-xa"),
    ("layouts/locales/es/LC_MESSAGES/messages.po", "es"),
    ("source/ambc/locales/messages.pot", None),
    ("source/ambc/leaflet.yaml", None),
    ("styles/fonts/NotoSans-Regular.ttf", None),
])
def test_files_belong_to_a_locale_by_their_folder(path, locale):
    assert cache.locale_of(path) == locale
