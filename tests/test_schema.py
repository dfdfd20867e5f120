"""The JSON Schemas for editors: kept up to date, referenced by the sources, accepting them."""

from __future__ import annotations

import datetime as dt
import json

import jsonschema
import pytest
import yaml

from leaflets.schema import SCHEMAS, schema_text, stale_schemas

from conftest import ROOT

SOURCES = {"leaflet.yaml": "leaflet.schema.json", "references.yaml": "references.schema.json"}


def as_editor_sees(value):
    """YAML 1.2, as editors read it, has no date type: dates are strings there."""
    if isinstance(value, dict):
        return {key: as_editor_sees(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_editor_sees(item) for item in value]
    return value.isoformat() if isinstance(value, dt.date) else value


def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((ROOT / "schema" / name).read_text("utf-8")))


def test_committed_schemas_match_the_models():
    assert stale_schemas(ROOT / "schema") == [], "run: python make_pdf.py schema"
    for name, model in SCHEMAS.items():
        assert (ROOT / "schema" / name).read_text("utf-8") == schema_text(model)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_each_source_file_names_its_schema_and_passes_it(source):
    for path in sorted((ROOT / "source").glob(f"*/{source}")):
        first = path.read_text("utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema=../../schema/{SOURCES[source]}"
        data = as_editor_sees(yaml.safe_load(path.read_text("utf-8")))
        assert [e.message for e in validator(SOURCES[source]).iter_errors(data)] == []


def test_schema_refuses_an_unknown_field_and_describes_fields():
    data = as_editor_sees(yaml.safe_load((ROOT / "source/ambc/leaflet.yaml").read_text("utf-8")))
    data["document"]["titel"] = "typo"
    [problem] = validator("leaflet.schema.json").iter_errors(data)
    assert "'titel' was unexpected" in problem.message
    schema = json.loads((ROOT / "schema/leaflet.schema.json").read_text("utf-8"))
    edition = schema["$defs"]["Edition"]["properties"]
    assert all("description" in field for field in edition.values())
