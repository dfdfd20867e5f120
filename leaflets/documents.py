"""Find leaflet documents under `source/` and load them into typed models."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .diagnostics import ContentError, Diagnostic, closest, did_you_mean, error
from .load import Loaded, load_yaml
from .paths import inside
from .blocks import BLOCKS, kind_of
from .model import Leaflet, References, UnknownName, edition_stem  # noqa: F401 (the stem is named here too)

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


def load_all(root: Path, only: str | None = None) -> list[SourceDocument]:
    """Load every document under `source/`; raise ContentError with all faults of all of them."""
    diagnostics: list[Diagnostic] = []
    documents = []
    folders = discover(root / "source")
    if only is not None:
        folders = [f for f in folders if f.name == only]
    for folder in folders:
        try:
            documents.append(load_document(folder))
        except ContentError as exc:
            diagnostics.extend(exc.diagnostics)
    if diagnostics:
        raise ContentError(diagnostics)
    return documents


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
    if not inside(path.parent.parent.parent, path):  # source/<doc>/x.yaml: the project holds it
        diagnostics.append(outside_project(path))
        return None
    if not path.exists():  # a pipe or a folder in its place is load_yaml's to report
        diagnostics.append(error(path, "missing-file", f"{path.name} is missing",
                                 f"every document folder needs {LEAFLET_FILE} and {REFERENCES_FILE}"))
        return None
    try:
        return load_yaml(path)
    except ContentError as exc:
        diagnostics.extend(exc.diagnostics)
        return None


def outside_project(path: Path) -> Diagnostic:
    """Say that a source file is a link to somewhere outside the project (never read there)."""
    return error(path, "link-outside-project", f"{path.name} is a symbolic link to a file outside the project",
                 "replace the link with the file itself")


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
        hint, suggestion = "", None
        if kind == "extra_forbidden":
            code, message = "unknown-field", f"unknown field '{field}'"
            allowed = _allowed_fields(model, loc[:-1], loaded.data)
            suggestion = closest(field, allowed)
            hint = did_you_mean(suggestion, "allowed here: " + ", ".join(allowed) if allowed else "remove it")
        elif kind == "missing":
            code, message = "missing-field", f"required field '{field}' is missing"
            hint = f"add '{field}:' here"
        elif kind == "block_kind":
            code, message = "unknown-block", item["msg"]
            hint = "start the block with " + ", ".join(f"{name}:" for name in list(BLOCKS)[:-1]) + \
                f" or {list(BLOCKS)[-1]}:"
        elif isinstance((item.get("ctx") or {}).get("error"), UnknownName):
            unknown = item["ctx"]["error"]
            code = "invalid-value"
            message = f"'{field}' should be one of {', '.join(unknown.expected)}, not {_shown(item.get('input'))}"
            suggestion = unknown.suggestion
            hint = did_you_mean(suggestion, "")
        else:
            code = "invalid-value"
            message, hint = _rewrite(field, item)
        result.append((loc, error(loaded.where(loc), code, message, hint, subject=field, suggestion=suggestion)))
    # "unknown field 'publsher' (did you mean 'publisher'?)" already explains the missing one.
    meant = {(loc[:-1], d.suggestion) for loc, d in result if d.code == "unknown-field" and d.suggestion}
    return [d for loc, d in result if not (d.code == "missing-field" and (loc[:-1], loc[-1]) in meant)]


_TYPE_NAMES = {"string_type": "text", "int_type": "a whole number", "bool_type": "true or false",
               "list_type": "a list", "dict_type": "a mapping", "model_type": "a mapping",
               "date_type": "a date", "date_parsing": "a date", "date_from_datetime_parsing": "a date",
               "date_from_datetime_inexact": "a date"}


def _rewrite(field: str, item: dict) -> tuple[str, str]:
    """Say what the writer should do instead of what the validator expected."""
    kind, value, ctx = item["type"], item.get("input"), item.get("ctx") or {}
    if kind in _TYPE_NAMES:
        expected = _TYPE_NAMES[kind]
        if value is None:
            return f"'{field}' is empty", f"write {expected} after '{field}:' or remove the line"
        hint = {"text": "put the value in quotes, e.g. \"1.0\"",
                "a list": "write one item per line, each starting with '- '",
                "a mapping": "write 'name: value' lines indented under it",
                "a date": "write the date as YYYY-MM-DD"}.get(expected, "")
        return f"'{field}' should be {expected}, not {_shown(value)}", hint
    if kind == "string_too_short":
        return f"'{field}' is empty", "write the text or remove the entry"
    if kind == "string_too_long":
        return (f"'{field}' is {len(value):,} characters long; the limit is {ctx.get('max_length'):,}",
                "split it: a patient leaflet reads best in short paragraphs")
    if kind == "too_short":
        return f"'{field}' needs at least {ctx.get('min_length')} item(s)", "add an item or remove the entry"
    if kind == "too_long":
        return (f"'{field}' has {ctx.get('actual_length'):,} items; the limit is {ctx.get('max_length'):,}",
                "split it into shorter lists under their own headings")
    if kind == "literal_error":
        hint = ("a leaflet has at most 3 heading levels: the title (1), sections (2) and "
                "subsections (3)" if field == "level" else "")
        return f"'{field}' {_plain(item['msg'])}, not {_shown(value)}", hint
    return f"'{field}': {_plain(item['msg'])}", ""


def _shown(value) -> str:
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _strip_union_tags(loc: tuple) -> tuple:
    """Drop the block-kind tag pydantic inserts after a body index: (body, 3, heading, level)."""
    out: list = []
    for index, part in enumerate(loc):
        if index >= 2 and loc[index - 2] == "body" and isinstance(loc[index - 1], int) and part in BLOCKS:
            continue  # the tag only: the field of the same name follows it
        out.append(part)
    return tuple(out)


def _plain(message: str) -> str:
    return (message.replace("Input should be", "should be").replace("Value should be", "should be")
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
                kind = BLOCKS.get(kind_of(value))
                current = kind.model if kind else None
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
