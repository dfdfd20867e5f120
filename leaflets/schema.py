"""Generate the JSON Schemas editors use to complete and check the YAML sources."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from .model import Leaflet, References

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMAS: dict[str, type[BaseModel]] = {
    "leaflet.schema.json": Leaflet,
    "references.schema.json": References,
}


def schema_text(model: type[BaseModel]) -> str:
    """Return the JSON Schema of a source file's model, as it is kept in schema/."""
    schema = {"$schema": DIALECT, **model.model_json_schema(by_alias=True)}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def stale_schemas(folder: Path) -> list[Path]:
    """Return the schema files that are missing or differ from the models."""
    return [folder / name for name, model in SCHEMAS.items()
            if not (folder / name).is_file()
            or (folder / name).read_bytes() != schema_text(model).encode("utf-8")]  # damaged bytes: out of date


def write_schemas(folder: Path) -> list[Path]:
    """Write every schema that changed; return the files written."""
    from .outputs import write_atomic

    written = []
    for path in stale_schemas(folder):
        write_atomic(path, schema_text(SCHEMAS[path.name]).encode("utf-8"))
        written.append(path)
    return written
