"""Everything the project writes: atomic file replacement, the manifest and its shard parts.

Every output (PDFs, HTML, cache records, manifests, schemas, catalogues and XLIFF files) goes
through `write_atomic`: written to a temporary file beside its target, then renamed over it, so
an interrupted run leaves the previous file whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
from dataclasses import asdict
from pathlib import Path
from typing import Iterable

from . import cache, environment
from .cache import Output
from .diagnostics import ContentError, Position, display_path, error
from .paths import ROOT, WriteError, read_bytes, read_text
from .plan import MAX_SHARDS, Planned

__all__ = ["MANIFEST", "Output", "WriteError", "find_parts", "manifest_entry", "merge", "remove_stale_temporaries", "write_atomic",
           "reconcile_manifest", "write_edition", "write_if_changed", "write_manifest", "write_part"]

MANIFEST = "manifest.json"
PART = re.compile(r"^manifest\.part-(\d+)-of-(\d+)\.json$")
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`.

    The temporary file's name carries this process's id, so that a later build can remove what
    a killed one left behind (`remove_stale_temporaries`).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    except OSError as exc:
        raise WriteError(exc.errno, exc.strerror or str(exc), str(path)) from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; outputs are for sharing
        os.replace(temp, path)
    except BaseException as exc:
        Path(temp).unlink(missing_ok=True)
        if isinstance(exc, OSError):  # a full disk, a folder where the file goes: named as the output
            raise WriteError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporary files under `folder` that `write_atomic` left in a process that no
    longer runs (a build killed mid-write); return them. Another running build's are kept."""
    removed = []
    for temp in folder.rglob(".*.tmp") if folder.is_dir() else ():
        pid = temp.name.removesuffix(".tmp").split(".")[-2]
        if pid.isdigit() and not _running(int(pid)):
            temp.unlink(missing_ok=True)
            removed.append(temp)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` atomically unless `path` already holds exactly that; tell whether it wrote.

    Only a regular file is compared, and never through a link: a symbolic link (to anything, in
    the project or out of it), a pipe or a device where an output goes is not read, but replaced
    by the new file (the rename replaces the link itself, never its target)."""
    try:
        if read_bytes(path, follow_links=False) == data:
            return False
    except OSError:  # missing, a link, not a regular file, unreadable: written anew
        pass
    write_atomic(path, data)
    return True


def write_edition(p: Planned, out: Path, pdf: bytes, html: str | None, pages: int,
                  seconds: float, fit: str = "", written: list[Output] | None = None) -> Output:
    """Write one edition's PDF (and its HTML, when given) atomically, then its cache record; add
    the output to `written` as soon as its PDF is in place."""
    e = p.edition
    output = Output(p.document, e.locale, e.paper, e.profile, e.job_code, p.shown, pages,
                    len(pdf), hashlib.sha256(pdf).hexdigest(), round(seconds, 3), e.type, fit)
    write_atomic(p.pdf, pdf)
    if written is not None:
        written.append(output)
    html_sha = None
    if html is not None:
        data = html.encode("utf-8")
        write_atomic(p.pdf.with_suffix(".html"), data)
        html_sha = hashlib.sha256(data).hexdigest()
    write_atomic(cache.record_path(out, p.stem), cache.record_bytes(p.key, asdict(output), html_sha))
    return output


def manifest_entry(output: Output) -> dict:
    """Return an output's manifest entry: everything but its timing, which varies."""
    entry = asdict(output)
    del entry["seconds"]  # timings vary; the manifest stays reproducible
    del entry["fit"]
    if entry["type"] == "standard":
        del entry["type"]  # only large print and other types say so: manifests stay as they were
    return entry


def _entry_key(entry: dict) -> tuple:
    edition_type = entry.get("type", "standard")
    return (entry["document"], entry["locale"], entry["paper"], entry["profile"]) + (
        (edition_type,) if edition_type != "standard" else ())


def _json_bytes(data: dict) -> bytes:
    """Encode a manifest or a manifest part: the one place their JSON is made."""
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _write_json(path: Path, data: dict) -> Path:
    write_atomic(path, _json_bytes(data))
    return path


def _manifest(path: Path, entries: Iterable[dict], **extra) -> Path:
    return _write_json(path, {**extra, "editions": sorted(entries, key=_entry_key)})


def write_manifest(out: Path, root: Path, outputs: Iterable[Output]) -> Path:
    """Merge this run's outputs into `manifest.json`, dropping entries whose file is gone."""
    path = out / MANIFEST
    entries: dict[tuple, dict] = {}
    try:
        # never through a link, never a pipe (it would block): the build writes a regular file
        for entry in json.loads(read_bytes(path, follow_links=False).decode("utf-8")).get("editions", []):
            if _path_fault(entry["path"], out, root) is None and (root / entry["path"]).is_file():
                entries[_entry_key(entry)] = entry  # an entry naming a file elsewhere is dropped, never looked at
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        entries = {}  # a damaged manifest (one nested without end too) is rebuilt, never trusted
    for output in outputs:
        entry = manifest_entry(output)
        entries[_entry_key(entry)] = entry
    # The renderer's versions (Python, WeasyPrint, pydyf, Pango, HarfBuzz, fontconfig, FreeType)
    # let two builds be compared; they are part of every edition's cache key, so they hold for
    # the editions kept from earlier runs too.
    return _manifest(path, entries.values(), renderer=environment.renderer_versions())


def reconcile_manifest(out: Path, root: Path) -> bool:
    """Make the manifest list what the cache records vouch for, when it does not already.

    Each edition's record is written after its PDF, so an interrupted or killed build can leave
    files the manifest does not describe: the records, checked against the files, tell the truth.
    Returns whether the manifest was rewritten.
    """
    entries = []
    for path in sorted((out / cache.CACHE_DIR / cache.RECORDS).glob("*.json")):
        output = cache.recorded_output(cache.read_record(out, path.stem))
        if output is None or _path_fault(output.path, out, root) is not None:
            continue  # a record naming a file outside the output folder vouches for nothing: never read
        try:
            if hashlib.sha256(read_bytes(root / output.path)).hexdigest() != output.sha256:
                continue
        except OSError:
            continue
        entries.append(manifest_entry(output))
    path = out / MANIFEST
    if not path.exists() and not entries:
        return False
    data = {"renderer": environment.renderer_versions(), "editions": sorted(entries, key=_entry_key)}
    return write_if_changed(path, _json_bytes(data))


def part_name(index: int, count: int) -> str:
    return f"manifest.part-{index}-of-{count}.json"


def write_part(out: Path, index: int, count: int, outputs: Iterable[Output]) -> Path:
    """Write the manifest part of shard `index` of `count`: its own editions only, sorted."""
    return _manifest(out / part_name(index, count), map(manifest_entry, outputs),
                     shard={"index": index, "count": count}, renderer=environment.renderer_versions())


def find_parts(out: Path) -> list[Path]:
    """Return the manifest parts in `out`, in shard order."""
    parts = [p for p in out.glob("manifest.part-*-of-*.json") if PART.match(p.name)]
    return sorted(parts, key=lambda p: tuple(int(n) for n in PART.match(p.name).groups()[::-1]))


def _whole(value) -> int:
    """Read a shard number from JSON: a whole number, nothing else (no 1e9 floats, no text)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"shard numbers are whole numbers, not {value!r:.40}")
    return value


def _path_fault(value, out: Path, root: Path) -> str | None:
    """Say what is wrong with an edition's `path` (from a manifest part or a cache record), or None
    when it names a file inside the output folder as a build writes it: relative to the project,
    absolute only when the output folder is outside the project."""
    if not isinstance(value, str) or not value:
        return "is not a file name"
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value):
        return "holds a control character"
    if ".." in re.split(r"[/\\]", value):
        return "climbs out of its folder with '..'"
    try:
        folder = out.resolve()
        if Path(value).is_absolute() and (folder.is_relative_to(root.resolve())
                                          or not Path(value).resolve().is_relative_to(folder)):
            return "is absolute"
        if not (root / value).resolve().is_relative_to(folder):
            return f"is outside the output folder {display_path(out)}"
    except (OSError, ValueError):
        return "is not a file name"
    return None


def _unsafe_paths(part: Path, text: str, editions: list[dict], out: Path, root: Path) -> list:
    """Refuse the editions of a part whose `path` could make the merged manifest point outside
    the output folder: one error each, at the path's place in the part, naming the edition."""
    places = []  # (offset, value) of every `"path": value` in the part, in order
    for found in re.finditer(r'"path"\s*:\s*', text):
        try:
            places.append((found.end(), json.JSONDecoder().raw_decode(text, found.end())[0]))
        except ValueError:
            continue
    problems = []
    for number, entry in enumerate(editions, 1):
        if "path" not in entry:
            continue
        fault = _path_fault(entry["path"], out, root)
        if fault is None:
            continue
        offset = next((o for o, v in places if v == entry["path"]), None)
        if offset is not None:
            places = [p for p in places if p[0] != offset]
            line = text.count("\n", 0, offset) + 1
            where = Position(display_path(part), line, offset - (text.rfind("\n", 0, offset) + 1) + 1)
        else:
            where = Position(display_path(part))
        name = "-".join(str(entry.get(k, "?")) for k in ("document", "locale", "paper", "profile"))
        problems.append(error(where, "manifest-unsafe-path", f"edition {number} ({name:.80}): its path "
                              f"{json.dumps(entry['path'])[:120]} {fault}",
                              "a part names the files its shard wrote inside the output folder; "
                              "build that shard again"))
    return problems


def merge(parts: list[Path], out: Path, root: Path = ROOT) -> Path:
    """Join the parts of one sharded build into `out/manifest.json`; raise ContentError if any is wrong."""
    problems = []
    seen: dict[tuple, Path] = {}
    entries: list[dict] = []
    counts: dict[int, set[int]] = {}
    renderers: dict[str, tuple[dict, Path]] = {}
    if not parts:
        raise ContentError([error(out, "manifest-no-parts", "no manifest parts to merge",
                                  "build with --shard K/N first, or name the part files")])
    for path in parts:
        try:
            text = read_text(path)  # a pipe or a device given as a part: an error, no wait
            data = json.loads(text)
            index, count = _whole(data["shard"]["index"]), _whole(data["shard"]["count"])
            if not 1 <= index <= count <= MAX_SHARDS:
                raise ValueError(f"shard {index}/{count}: K must be between 1 and N, N at most {MAX_SHARDS:,}")
            editions = [dict(entry) for entry in data["editions"]]
            keys = [_entry_key(entry) for entry in editions]
            if not all(isinstance(part, str) for key in keys for part in key):
                raise TypeError("an edition's document, locale, paper or profile is not text")
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            problems.append(error(path, "manifest-part-damaged", f"not a manifest part: {exc}",
                                  "build that shard again"))
            continue
        unsafe = _unsafe_paths(path, text, editions, out, root)
        if unsafe:
            problems.extend(unsafe)
            continue
        counts.setdefault(count, set()).add(index)
        renderer = data.get("renderer")
        if isinstance(renderer, dict):
            renderers.setdefault(json.dumps(renderer, sort_keys=True), (renderer, path))
        for key, entry in zip(keys, editions):
            if key in seen:
                problems.append(error(path, "manifest-duplicate", f"edition {'-'.join(key)} is also in "
                                      f"{seen[key].name}", "merge the parts of one sharded build only"))
                continue
            seen[key] = path
            entries.append(entry)
    if len(counts) > 1:
        problems.append(error(out, "manifest-mixed-parts", "the parts come from sharded builds with "
                              f"different N: {', '.join(map(str, sorted(counts)))}",
                              "remove the parts of the older build"))
    for count, indices in counts.items():
        missing = sorted(set(range(1, count + 1)) - indices)
        if missing:
            problems.append(error(out, "manifest-missing-part", "missing manifest part(s) "
                                  + ", ".join(f"{k}/{count}" for k in missing),
                                  "wait for every shard to finish, or rerun the failed ones"))
    if len(renderers) > 1:
        (first, first_path), (other, other_path) = list(renderers.values())[:2]
        differences = ", ".join(f"{name} {first.get(name)} in {first_path.name} but {other.get(name)} "
                                f"in {other_path.name}" for name in sorted(set(first) | set(other))
                                if first.get(name) != other.get(name))
        problems.append(error(out, "manifest-mixed-renderers", "the parts were rendered with different "
                              f"renderer versions: {differences}",
                              "give every CI runner the same image (`python make_pdf.py doctor` shows the versions)"))
    if problems:
        raise ContentError(problems)
    extra = {"renderer": next(iter(renderers.values()))[0]} if renderers else {}
    return _manifest(out / MANIFEST, entries, **extra)
