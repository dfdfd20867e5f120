"""Find leaflet documents under `source/` and load them into typed models."""

from __future__ import annotations

import difflib
import typing
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .diagnostics import ContentError, Diagnostic, error
from .load import Loaded, load_yaml
from .model import BLOCK_KINDS, BLOCK_MODELS, Leaflet, References, _block_kind

LEAFLET_FILE = "leaflet.yaml"
REFERENCES_FILE = "references.yaml"


@dataclass
class SourceDocument:
    """One leaflet's typed source and the loaded files its positions come from."""

    name: str
    folder: Path
    leaflet: Leaflet
    references: References
    leaflet_file: Loaded
    references_file: Loaded


def discover(source_root: Path) -> list[Path]:
    """Return the document folders under `source_root`, sorted by name."""
    return sorted(p.parent for p in source_root.glob(f"*/{LEAFLET_FILE}"))


def load_document(folder: Path) -> SourceDocument:
    """Load and validate one document folder; raise ContentError with every fault found."""
    diagnostics: list[Diagnostic] = []
    leaflet_file = _load(folder / LEAFLET_FILE, diagnostics)
    references_file = _load(folder / REFERENCES_FILE, diagnostics)
    leaflet = _validate(Leaflet, leaflet_file, diagnostics)
    references = _validate(References, references_file, diagnostics)
    if diagnostics:
        raise ContentError(diagnostics)
    return SourceDocument(folder.name, folder, leaflet, references, leaflet_file, references_file)


def _load(path: Path, diagnostics: list[Diagnostic]) -> Loaded | None:
    if not path.is_file():
        diagnostics.append(error(path, "missing-file", f"{path.name} is missing",
                                 f"every document folder needs {LEAFLET_FILE} and {REFERENCES_FILE}"))
        return None
    try:
        return load_yaml(path)
    except ContentError as exc:
        diagnostics.extend(exc.diagnostics)
        return None


def _validate(model: type[BaseModel], loaded: Loaded | None, diagnostics: list[Diagnostic]):
    if loaded is None:
        return None
    try:
        return model.model_validate(loaded.data)
    except ValidationError as exc:
        diagnostics.extend(validation_diagnostics(exc, loaded, model))
        return None


def validation_diagnostics(exc: ValidationError, loaded: Loaded, model: type[BaseModel]) -> list[Diagnostic]:
    """Rewrite pydantic's errors into positioned, plain-language diagnostics."""
    result = []
    for item in exc.errors(include_url=False):
        loc = _strip_union_tags(item["loc"])
        field = str(loc[-1]) if loc else "document"
        kind = item["type"]
        hint = ""
        if kind == "extra_forbidden":
            code, message = "unknown-field", f"unknown field '{field}'"
            allowed = _allowed_fields(model, loc[:-1], loaded.data)
            close = difflib.get_close_matches(field, allowed, n=1)
            hint = f"did you mean '{close[0]}'?" if close else (
                "allowed here: " + ", ".join(allowed) if allowed else "remove it")
        elif kind == "missing":
            code, message = "missing-field", f"required field '{field}' is missing"
            hint = f"add '{field}:' here"
        elif kind == "block_kind":
            code, message = "unknown-block", item["msg"]
            hint = "start the block with heading:, paragraph:, bullets:, callout: or table:"
        else:
            code = "invalid-value"
            message = f"'{field}': {_plain(item['msg'])}"
        result.append(error(loaded.where(loc), code, message, hint))
    return result


def _strip_union_tags(loc: tuple) -> tuple:
    """Drop the block-kind tag pydantic inserts after a body index: (body, 3, heading, level)."""
    out: list = []
    for part in loc:
        if len(out) >= 2 and out[-2] == "body" and isinstance(out[-1], int) and part in BLOCK_KINDS:
            continue
        out.append(part)
    return tuple(out)


def _plain(message: str) -> str:
    return (message.replace("Input should be", "should be")
            .replace("Value error, ", "")
            .replace("String should match pattern", "text does not have the expected form"))


def _allowed_fields(model: type[BaseModel], loc: tuple, data) -> list[str]:
    """List the fields allowed at `loc`, following the data through lists and blocks."""
    current: type[BaseModel] | None = model
    value = data
    for part in loc:
        value = value[part] if isinstance(value, (dict, list)) else None
        if isinstance(part, int):
            if current is None and isinstance(value, dict):
                current = BLOCK_MODELS.get(_block_kind(value))
            continue
        field = current.model_fields.get(part) if current else None
        if field is None:
            field = next((f for f in current.model_fields.values() if f.alias == part), None) if current else None
        current = _model_of(field.annotation) if field else None
    if current is None:
        return []
    return sorted(f.alias or name for name, f in current.model_fields.items())


def _model_of(annotation) -> type[BaseModel] | None:
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None
