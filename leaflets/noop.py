"""Answer a build with nothing to do at once: replay the last run's checks and outputs from a record.

The content checks are a pure function of the files the edition keys are made of (the sources,
`layouts/`, `styles/`, the package's own code) and of the installed software, so their result is
remembered with the outputs of the last complete build of the same selection, in
`build/.cache/noop/`. When every input is unchanged and every output file (PDFs, HTML, cache
records, manifest) still has the bytes that build wrote, the build prints the remembered lines and
warnings and stops, without importing pydantic, the checks, the models or WeasyPrint.

Only the standard library is imported here. Whatever is missing, changed or damaged, or cannot be
told cheaply, means `replay` returns None and the full build runs: every check, every key.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from .paths import project_files, read_bytes


FORMAT = 1
FOLDER = ("noop",)
SHARED_TREES = ("layouts", "styles")
_PACKAGE = Path(__file__).resolve().parent
# Native libraries beneath WeasyPrint whose release changes a PDF (matched in /proc/self/maps).
NATIVE = ("libpango", "libharfbuzz", "libfontconfig", "libfreetype", "libgobject", "libglib")


def _hash(path: Path) -> str:
    return hashlib.sha256(read_bytes(path)).hexdigest()


def _tree(digest, folder: Path, prefix: str) -> None:
    """Feed every file under `folder` (hidden files and byte-code skipped) into `digest`."""
    if not folder.is_dir():
        digest.update(f"absent {prefix}\n".encode())
        return
    for relative, path, unread in project_files(folder):
        digest.update(f"{prefix}{relative}\0".encode())
        if unread is not None:  # a link out of the project, a pipe, a device: never read here
            digest.update(f"{unread}\0".encode())
        else:
            digest.update(hashlib.sha256(read_bytes(path)).digest())


def _stat(path: str) -> list:
    try:
        s = os.stat(path)
    except OSError:
        return [path, None]
    return [path, s.st_size, s.st_mtime_ns, s.st_ino]


def software(root: Path) -> dict:
    """Identify the installed software cheaply: the interpreter and every folder on sys.path (a
    package installed, upgraded or removed changes its folder). The project folder itself, first
    on the path, is left out: its code is digested file by file, and its own identity changes
    whenever anything is created in it (the first build's `build/`, an editor's swap file)."""
    project = os.path.realpath(root)
    return {
        "python": [sys.version, sys.executable],
        "path": [_stat(entry) for entry in sys.path
                 if entry and os.path.isdir(entry) and os.path.realpath(entry) != project],
    }


def native_libraries() -> list | None:
    """Name the native renderer libraries this process has loaded, with their files' identities;
    None where that cannot be told (no /proc), so no record is written."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = {line.split(None, 5)[5].strip() for line in maps if len(line.split(None, 5)) == 6}
    except OSError:
        return None
    found = sorted(p for p in paths if os.path.basename(p).startswith(NATIVE))
    return [_stat(p) for p in found] or None


def inputs(root: Path, selection: dict) -> str:
    """Digest everything a build's checks and editions are made of, for this selection."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"format": FORMAT, "selection": selection, "software": software(root),
                              "root": str(root.resolve())}, sort_keys=True).encode())
    for tree in SHARED_TREES:
        _tree(digest, root / tree, f"{tree}/")
    _tree(digest, _PACKAGE, "leaflets/")
    document = selection.get("document")
    source = root / "source"
    _tree(digest, source / document if document else source,
          f"source/{document}/" if document else "source/")
    return digest.hexdigest()


def _record_path(out: Path, selection: dict) -> Path:
    name = hashlib.sha256(json.dumps(selection, sort_keys=True).encode()).hexdigest()[:16]
    return out.joinpath(".cache", *FOLDER, f"{name}.json")


def remember(root: Path, out: Path, selection: dict, state: str, files: "list[Path]",
             stdout: list[str], stderr: list[str], count: int, manifest: str) -> None:
    """Write the record of a complete build: its inputs' digest, its outputs' digests and what it
    printed. Never raises: a build that cannot remember simply runs in full next time."""
    from .outputs import write_atomic

    try:
        native = native_libraries()
        if native is None:
            return
        data = {
            "format": FORMAT, "inputs": state, "native": native,
            "files": {str(p): _hash(p) for p in files},
            "stdout": stdout, "stderr": stderr, "count": count, "manifest": manifest,
        }
        path = _record_path(out, selection)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8"))
    except Exception:  # noqa: BLE001 - a record is an optimisation, never a reason to fail
        return


def forget(out: Path, selection: dict) -> None:
    """Drop the record of this selection (a build that fails or finds warnings it must stop on)."""
    try:
        _record_path(out, selection).unlink()
    except OSError:
        pass


def replay(root: Path, out: Path, selection: dict, state: str | None = None) -> int | None:
    """Print the last build's lines and warnings and return its exit status when nothing changed;
    return None (and print nothing) when the full build must run."""
    import time

    started = time.perf_counter()
    try:
        data = json.loads(read_bytes(_record_path(out, selection), follow_links=False).decode("utf-8"))
        if data.get("format") != FORMAT:
            return None
        if data["inputs"] != (state or inputs(root, selection)):
            return None
        if any(_stat(entry[0]) != entry for entry in data["native"]):
            return None
        files = data["files"]
        folder = out.resolve()
        if not files or not all(Path(path).resolve().is_relative_to(folder) for path in files):
            return None  # a record naming a file outside the output folder: never read, never trusted
        if any(_hash(Path(path)) != digest for path, digest in files.items()):
            return None
        stdout, stderr = list(data["stdout"]), list(data["stderr"])
        count, manifest = int(data["count"]), str(data["manifest"])
        if not all(isinstance(text, str) for text in stdout + stderr):
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
        return None  # a damaged record (one nested without end too) means the full build
    try:
        for text in stderr:
            print(text, file=sys.stderr)
        if sys.stderr is not None:  # `2>&-`: print() writes nothing, flush() would fail
            sys.stderr.flush()
        lines, counts = stdout[:count], stdout[count:]
        for text in lines:
            print(text)
        print(f"0 built, {count} up to date, 0 failed in {time.perf_counter() - started:.2f} s; "
              f"manifest: {manifest}")
        for text in counts:
            print(text)
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:  # `make_pdf.py | head`: the reader has gone
        from .exits import EXIT_CLOSED_PIPE, output_closed

        if output_closed():
            return EXIT_CLOSED_PIPE
        raise
    return 0


# The build options a no-op may be answered for, by their argparse destinations; any other
# argument (`--force`, `--strict`, `--shard`, `--help`, an abbreviation, a typo) means the full
# command line runs, which parses and reports it.
_VALUED = {"--document": "document", "--locale": "locale", "--paper": "paper", "--profile": "profile",
           "--out": "out", "--jobs": "jobs", "-j": "jobs"}
_FLAGS = {"--html": "html", "--allow-incomplete": "allow_incomplete"}
_FULL = {"--force": "force", "--strict": "strict"}  # a build, but never a no-op


def scan(argv: list[str]) -> dict | None:
    """Read a plain `build` command line (`--force` and `--strict` too) into its options, or None
    when it is anything else: the full command line then parses and reports it."""
    args = list(argv)
    if args and args[0] == "build":
        args.pop(0)
    found: dict = {"document": None, "locale": None, "paper": None, "profile": None, "out": None,
                   "html": False, "allow_incomplete": False, "force": False, "strict": False, "jobs": None}
    while args:
        token = args.pop(0)
        name, equals, value = token.partition("=")
        if name in _FLAGS and not equals:
            found[_FLAGS[name]] = True
        elif name in _FULL and not equals:
            found[_FULL[name]] = True
        elif name in _VALUED:
            if not equals:
                if not args or args[0].startswith("-"):
                    return None
                value = args.pop(0)
            found[_VALUED[name]] = value
        elif token.startswith("-j") and token[2:].isdigit():
            found["jobs"] = token[2:]
        else:
            return None
    if found["jobs"] is not None:
        if not found["jobs"].isdigit() or int(found["jobs"]) < 1:
            return None
        found["jobs"] = int(found["jobs"])
    return found


def parse(argv: list[str]) -> dict | None:
    """Read a plain `build` command line into its no-op selection, or None when it is anything else."""
    found = scan(argv)
    if found is None or found.pop("force") or found.pop("strict"):
        return None
    del found["jobs"]
    return found


def front(argv: list[str]) -> int | None:
    """Answer `make_pdf.py [build] [filters]` from the no-op record when nothing changed; None
    means the full command line must run. Imports nothing beyond the standard library."""
    from .paths import ROOT

    found = parse(argv)
    if found is None:
        return None
    out = Path(found.pop("out")) if found["out"] is not None else ROOT / "build"
    chosen = selection(found, out)
    if not _record_path(out, chosen).is_file():
        return None  # the full build starts its workers first, then digests the inputs
    state = inputs(ROOT, chosen)
    _attempted[json.dumps(chosen, sort_keys=True)] = state
    return replay(ROOT, out, chosen, state)


_attempted: dict[str, str] = {}


def attempt(root: Path, out: Path, chosen: dict) -> tuple[int | None, str | None]:
    """Replay this selection when nothing changed: (status, None); otherwise (None, the inputs'
    digest when it is already known, else None). Digests once per process."""
    state = _attempted.get(json.dumps(chosen, sort_keys=True))
    if state is not None:
        return None, state  # `front` already tried and missed
    if not _record_path(out, chosen).is_file():
        return None, None
    state = inputs(root, chosen)
    return replay(root, out, chosen, state), state


def selection(options: dict, out: Path) -> dict:
    """What a build's no-op record is kept for: the filters and the options that change outputs."""
    return {"document": options["document"], "locale": options["locale"], "paper": options["paper"],
            "profile": options["profile"], "out": str(out.resolve()), "html": bool(options["html"]),
            "allow_incomplete": bool(options["allow_incomplete"])}
