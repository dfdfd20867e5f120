"""XLIFF as other tools read it: the OASIS 1.2 strict schema (xmllint), translate-toolkit, and
hostile files (external entities, entity expansion) refused."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from lxml import etree

from leaflets.diagnostics import ContentError
from leaflets.i18n.workflow import export_xliff, import_xliff
from leaflets.i18n.xliff import NS, read_xliff

SCHEMAS = Path(__file__).parent / "schemas"
XLIFF = f"{{{NS}}}"

needs_xmllint = pytest.mark.skipif(shutil.which("xmllint") is None, reason="xmllint (libxml2-utils) is not installed")


def _xmllint(path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "XML_CATALOG_FILES": str(SCHEMAS / "catalog.xml")}
    return subprocess.run(["xmllint", "--nonet", "--noout", "--schema", str(SCHEMAS / "xliff-core-1.2-strict.xsd"),
                           str(path)], capture_output=True, text=True, env=env)


def _units(path: Path) -> list[etree._Element]:
    return list(etree.parse(str(path)).getroot().iter(f"{XLIFF}trans-unit"))


@pytest.fixture
def exported(project, tmp_path) -> list[Path]:
    return export_xliff(project, tmp_path / "xliff")


@needs_xmllint
def test_every_export_validates_against_the_strict_schema(exported):
    assert exported
    for path in exported:
        result = _xmllint(path)
        assert result.returncode == 0, result.stderr[:2000]
        assert "validates" in result.stderr


@needs_xmllint
def test_the_schema_check_catches_a_broken_export(exported, tmp_path):
    # the fault the strict schema reported before: every location group named alike
    broken = tmp_path / "broken.xlf"
    tree = etree.parse(str(exported[0]))
    for group in tree.getroot().iter(f"{XLIFF}context-group"):
        group.set("name", "location")
    tree.write(str(broken), xml_declaration=True, encoding="UTF-8")
    result = _xmllint(broken)
    assert result.returncode != 0 and "U_context-group_name" in result.stderr


def test_each_unit_keeps_its_context(project, exported):
    from leaflets.i18n.catalogues import read_catalogue

    for path in exported:
        for file_ in read_xliff(path):
            catalogue = read_catalogue(project / file_.original)
            contexts = {m.context or m.id for m in catalogue if m.id}
            assert sorted(u.key for u in file_.units) == sorted(contexts)
    for unit in _units(exported[0]):
        if unit.get("resname"):
            notes = [n.text for n in unit.iter(f"{XLIFF}note") if n.get("from") == "developer"]
            assert f"Context: {unit.get('resname')}" in notes


def test_translate_toolkit_round_trip_keeps_every_unit_and_its_context(exported, tmp_path):
    from translate.convert import po2xliff, xliff2po  # the toolkit's own command lines, in this process
    from translate.storage import po, xliff

    for path in exported:
        units = _units(path)
        contexts = sorted(u.get("resname") or u.find(f"{XLIFF}source").text for u in units)
        as_po = tmp_path / f"{path.stem}.po"
        xliff2po.main([str(path), str(as_po)])
        store = po.pofile(as_po.read_bytes())
        entries = [u for u in store.units if not u.isheader()]
        assert len(entries) == len(units)  # nothing merged
        back = tmp_path / f"{path.stem}-back.xlf"
        po2xliff.main([str(as_po), str(back)])
        returned = [u for u in xliff.xlifffile.parsestring(back.read_bytes()).units if not u.isheader()]
        assert len(returned) == len(units)

        def context(unit) -> str:
            for line in unit.getnotes("developer").splitlines():
                if line.startswith("Context: "):
                    return line.removeprefix("Context: ")
            return unit.source  # a layout label: its text is its key
        assert sorted(context(u) for u in entries) == contexts
        assert sorted(context(u) for u in returned) == contexts


XXE = """<?xml version="1.0"?>
<!DOCTYPE xliff [<!ENTITY secret SYSTEM "file://{secret}">]>
<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">
  <file original="source/ambc/locales/es.po" datatype="x-gettext-po" source-language="en" target-language="es">
    <body><trans-unit id="document/title" resname="document/title">
      <source>Advanced/metastatic breast cancer (a/mBC)</source><target>&secret;</target>
    </trans-unit></body>
  </file>
</xliff>
"""

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE xliff [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">
  <file original="source/ambc/locales/es.po" datatype="x-gettext-po" source-language="en" target-language="es">
    <body><trans-unit id="document/title" resname="document/title">
      <source>Advanced/metastatic breast cancer (a/mBC)</source><target>&lol9;</target>
    </trans-unit></body>
  </file>
</xliff>
"""


@pytest.mark.parametrize("kind", ["external-entity", "billion-laughs"])
def test_import_refuses_entities_and_leaves_the_catalogue_alone(project, tmp_path, kind):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", "utf-8")
    hostile = tmp_path / f"{kind}.xlf"
    hostile.write_text(XXE.format(secret=secret) if kind == "external-entity" else LAUGHS, "utf-8")
    catalogue = project / "source/ambc/locales/es.po"
    before = catalogue.read_bytes()
    started = time.monotonic()
    with pytest.raises(ContentError) as caught:
        import_xliff(project, [hostile])
    assert time.monotonic() - started < 5
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "xliff-doctype" and diagnostic.line == 1
    assert catalogue.read_bytes() == before
    assert b"TOP SECRET" not in catalogue.read_bytes()
