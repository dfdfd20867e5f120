"""Know which editions are up to date: a key per edition from the files and options that shape it.

The key is computed from files, never from the pipeline's internals, so it stays right whatever
the stages do with them: every file of the edition's document folder (a file that belongs to one
locale, such as `locales/de.po`, counts only for that locale's editions), every file under
`layouts/` and `styles/` (fonts included), the package's own code, the edition's paper and profile
entries in the registries, the renderer's versions and the build options. Nothing here imports
WeasyPrint: a build with nothing to do must answer at once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .paths import project_files, read_bytes, relative_to_root

FORMAT = 1
CACHE_DIR = ".cache"
RECORDS = "editions"
SHARED_TREES = ("layouts", "styles")
# Distributions whose release changes the bytes of a PDF.
RENDERERS = ("weasyprint", "pydyf", "tinycss2", "cssselect2", "tinyhtml5", "pyphen",
             "fonttools", "Jinja2", "Babel", "markdown-it-py")
# A folder with one of these names holds files per locale: `locales/de.po`, `locales/de/…`.
LOCALE_FOLDERS = {"locales", "locale", "translations", "i18n"}
_LOCALE = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")  # a locale, paper or profile in a file name
_PACKAGE = Path(__file__).resolve().parent
PACKAGE = _PACKAGE  # the package's own code: part of every key
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")  # functions' code is keyed by the package's files


def _normal_locale(name: str) -> str:
    return name.replace("_", "-").lower()


def locale_of(relative: str) -> str | None:
    """Return the locale a file belongs to (`source/x/locales/de.po` -> `de`), or None for all."""
    parts = relative.split("/")
    for index, part in enumerate(parts[:-1]):
        if part in LOCALE_FOLDERS:
            name = parts[index + 1].split(".")[0]
            if _LOCALE.match(name):
                return _normal_locale(name)
    return None


def _digest(path: Path) -> str:
    return hashlib.sha256(read_bytes(path)).hexdigest()


def tree_digests(folder: Path, prefix: str, digest_of=_digest) -> dict[str, str]:
    """Hash every file under `folder` (hidden files and byte-code skipped), by relative path.

    `digest_of(path)` returns a file's SHA-256 in hex (a long-lived process may remember them)."""
    found: dict[str, str] = {}
    if not folder.is_dir():
        return found
    for relative, path, unread in project_files(folder):
        # a link out of the project, a pipe (it would block the build), a device: never read
        found[prefix + relative] = unread if unread is not None else digest_of(path)
    return found


def stable_repr(value: Any) -> str:
    """Describe a registry entry the same way in every process (no memory addresses)."""
    return _ADDRESS.sub("", repr(value))


def versions() -> dict[str, str]:
    """Return the installed versions of the renderer's distributions, without importing them, and
    of the native libraries beneath WeasyPrint (Pango, HarfBuzz, fontconfig, FreeType)."""
    from importlib import metadata  # here: a build forks its workers before it needs this

    from .environment import renderer_versions

    found = renderer_versions()
    for name in RENDERERS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "absent"
    return found


class Fingerprints:
    """Hash the project's files once per run and give each edition its key."""

    def __init__(self, root: Path, options: Mapping[str, Any] | None = None, digest_of=_digest,
                 renderer: Mapping[str, str] | None = None):
        self.root = root
        self.options = dict(options or {})
        self.digest_of = digest_of
        self.shared = {}
        for tree in SHARED_TREES:
            self.shared.update(tree_digests(root / tree, f"{tree}/", digest_of))
        self.shared.update(tree_digests(_PACKAGE, "leaflets/", digest_of))
        self.versions = dict(renderer) if renderer is not None else versions()
        self._documents: dict[str, dict[str, str]] = {}

    def _document(self, name: str) -> dict[str, str]:
        if name not in self._documents:
            self._documents[name] = tree_digests(self.root / "source" / name, f"source/{name}/",
                                                 self.digest_of)
        return self._documents[name]

    def key(self, document: str, locale: str, paper: str, profile: str,
            edition_type: str = "standard") -> str:
        """Return the hex key of one edition: equal keys mean the same PDF."""
        from .profiles import PAPERS, PROFILES

        wanted = _normal_locale(locale)
        files = {path: digest for path, digest in {**self.shared, **self._document(document)}.items()
                 if locale_of(path) in (None, wanted)}
        shape = {
            "format": FORMAT,
            "edition": [document, locale, paper, profile]
                       + ([edition_type] if edition_type != "standard" else []),
            "files": files,
            "paper": stable_repr(PAPERS.get(paper)),
            "profile": stable_repr(PROFILES.get(profile)),
            "versions": self.versions,
            "options": {name: stable_repr(value) for name, value in sorted(self.options.items())},
        }
        return hashlib.sha256(json.dumps(shape, sort_keys=True).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Output:
    """One edition written: what it is, where, its size and digest (what a record remembers)."""

    document: str
    locale: str
    paper: str
    profile: str
    job_code: str
    path: str
    pages: int
    bytes: int
    sha256: str
    seconds: float
    type: str = "standard"  # the edition type (large print); after the timings, so records stay valid
    fit: str = ""  # how full the body's last page is; printed, not in the manifest


@dataclass(frozen=True)
class Record:
    """What the cache remembers of one built edition."""

    key: str
    output: dict
    html_sha256: str | None = None


def recorded_output(record: Record | None) -> Output | None:
    """Return the output a cache record describes, or None when the record does not hold one."""
    try:
        output = Output(**record.output)
    except (TypeError, AttributeError):
        return None
    for item in dataclasses.fields(Output):  # a record is a file anyone may edit: trust no field's type
        value = getattr(output, item.name)
        wanted = {"str": str, "int": int, "float": (int, float)}.get(str(item.type), object)
        if isinstance(value, bool) or not isinstance(value, wanted) or (
                isinstance(value, (int, float)) and not 0 <= value < 10**12):
            return None
    return output


def record_path(out: Path, stem: str) -> Path:
    return out / CACHE_DIR / RECORDS / f"{stem}.json"


def read_record(out: Path, stem: str) -> Record | None:
    """Return an edition's record, or None when it is missing or damaged."""
    try:
        # never through a link, never a pipe (it would block): the build writes a regular file
        data = json.loads(read_bytes(record_path(out, stem), follow_links=False).decode("utf-8"))
        if data.get("format") != FORMAT:
            return None
        record = Record(data["key"], data["output"], data.get("html_sha256"))
        if not isinstance(record.key, str) or not isinstance(record.output, dict):
            return None
        return record
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None  # damaged, or nested too deep to read: rebuilt, never trusted


def record_bytes(key: str, output: dict, html_sha256: str | None) -> bytes:
    """Serialize a record for `write_atomic`."""
    data = {"format": FORMAT, "key": key, "output": output, "html_sha256": html_sha256}
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")


def staleness(record: Record | None, key: str, pdf: Path, shown: str, html: Path | None) -> str | None:
    """Say why an edition must be rendered again, or None when its files are up to date."""
    if record is None:
        return "not built"
    if record.key != key:
        return "inputs changed"
    if record.output.get("path") != shown:
        return "output moved"
    try:
        if _digest(pdf) != record.output.get("sha256"):
            return "output changed"
        if html is not None and (record.html_sha256 is None or _digest(html) != record.html_sha256):
            return "no HTML"
    except OSError:
        return "output missing"
    return None


def build_options(allow_incomplete: bool = False) -> dict[str, Any]:
    """Return the build options that change a PDF, as the cache keys them."""
    return {"allow_incomplete": allow_incomplete}  # a translation's gaps filled from the master


def quick_count(root: Path, out: Path, selection: tuple, force: bool,
                options: Mapping[str, Any], write_html: bool = False) -> int | None:
    """Count the selected editions that need rendering, or None when that cannot be told cheaply.

    Reads only each document's `editions` list (no content models, no checks), so a build can
    start its workers before the sources load. It only decides whether to start them early: the
    build itself still validates everything and decides from the full survey.
    """
    import yaml

    from .paths import LEAFLET_FILE, edition_stem  # not the content models: nothing is loaded yet

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document, *wanted = selection
    fingerprints: Fingerprints | None = None
    count = 0
    for leaflet in sorted((root / "source").glob(f"*/{LEAFLET_FILE}")):
        name = leaflet.parent.name
        if document is not None and name != document:
            continue
        try:
            editions = yaml.load(read_bytes(leaflet), Loader=loader)["editions"]
            shapes = [(e["locale"], e.get("paper", "a4"), e.get("profile", "screen"),
                       e.get("type", "standard")) for e in editions]
            if not all(isinstance(part, str) and _NAME.match(part) for shape in shapes for part in shape):
                return None  # not plain names: the full build refuses them before any path is made
        except Exception:  # any fault: the full build will say what it is
            return None
        for shape in shapes:
            if any(want is not None and want != have for want, have in zip(wanted, shape[:3])):
                continue
            stem = edition_stem(name, *shape)
            pdf = out / name / f"{stem}.pdf"
            if not force:
                fingerprints = fingerprints or Fingerprints(root, options)
                html = pdf.with_suffix(".html") if write_html else None
                if staleness(read_record(out, stem), fingerprints.key(name, *shape), pdf,
                             relative_to_root(pdf, root), html) is None:
                    continue
            count += 1
    return count
