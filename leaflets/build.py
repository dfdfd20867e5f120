"""Build the edition matrix: validate everything first, then render and write atomically."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from .checks import check_documents, settle
from .diagnostics import ContentError, Diagnostic
from .documents import LEAFLET_FILE, REFERENCES_FILE, SourceDocument, discover, load_document
from .finishing import EditionFacts
from .i18n.translation import load_translation
from .model import Edition
from .paths import relative_to_root
from .profiles import PAPERS, PROFILES

if TYPE_CHECKING:  # resolving and rendering are imported when used: checking must stay fast
    from .render import RenderRequest
    from .view import EditionView

MANIFEST = "manifest.json"
_UMASK = os.umask(0o022)
os.umask(_UMASK)


@dataclass(frozen=True)
class Filters:
    document: str | None = None
    locale: str | None = None
    paper: str | None = None
    profile: str | None = None

    def accepts(self, doc: str, edition: Edition) -> bool:
        return all(want is None or want == have for want, have in (
            (self.document, doc), (self.locale, edition.locale),
            (self.paper, edition.paper), (self.profile, edition.profile)))


@dataclass(frozen=True)
class Job:
    """One edition to render: its source document and its view model."""

    document: str
    edition: Edition
    view: EditionView
    filled: tuple[Diagnostic, ...] = ()  # gaps in the translation that the master text filled

    @property
    def stem(self) -> str:
        return self.edition.stem(self.document)


@dataclass(frozen=True)
class Output:
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


def plan(root: Path, filters: Filters, strict: bool = False,
         warn: Callable[[Diagnostic], None] = lambda d: None,
         allow_incomplete: bool = False, documents: list[SourceDocument] | None = None,
         checked: bool = False) -> list[Job]:
    """Check and resolve every selected edition; raise ContentError before anything is rendered.

    Warnings go to `warn`; with `strict` they are errors. With `allow_incomplete`, gaps in a
    translation are filled from the master and reported through `warn`. `documents` already
    loaded (and `checked`) are used as they are.
    """
    from .view import resolve

    if documents is None:
        documents = load_all(root, filters.document)
    if not checked:
        for warning in settle(check_documents(documents, root), strict):
            warn(warning)
    diagnostics: list[Diagnostic] = []
    jobs = []
    base_href = root.resolve().as_uri() + "/"
    for doc in documents:
        for edition in doc.leaflet.editions:
            if not filters.accepts(doc.name, edition):
                continue
            try:
                translation = load_translation(root, doc, edition, allow_incomplete)
                view = resolve(doc, edition, base_href, translation)
                jobs.append(Job(doc.name, edition, view, tuple(translation.filled)))
            except ContentError as exc:
                diagnostics.extend(d for d in exc.diagnostics if d not in diagnostics)
    if diagnostics:
        raise ContentError(diagnostics)
    return jobs


def prepare(job: Job, root: Path) -> RenderRequest:
    """Fill the layouts for one edition and gather what rendering its PDF needs."""
    from .render import RenderRequest, render_html

    e = job.edition
    profile = PROFILES[e.profile]
    sources = edition_sources(root / "source" / job.document, e.locale) if profile.attach_sources else ()
    facts = EditionFacts(e.job_code, e.date_of_preparation, PAPERS[e.paper].bleed_mm, sources)
    return RenderRequest(job.stem, render_html(job.view, root), job.view.base_href,
                         dict(profile.options), facts, tuple(profile.finishing),
                         bool(profile.attach_sources))


def render_job(job: Job, root: Path) -> tuple[bytes, str, int]:
    """Render one edition to PDF bytes; return them with the HTML and the page count."""
    from .render import execute

    request = prepare(job, root)
    pdf, pages, _fit = execute(request, root)
    return pdf, request.html, pages


def edition_sources(folder: Path, locale: str) -> tuple[Path, ...]:
    """Return the files an edition is made from: master text, references, its catalogue if any."""
    catalogue = folder / "locales" / f"{locale}.po"
    return (folder / LEAFLET_FILE, folder / REFERENCES_FILE, *([catalogue] if catalogue.is_file() else []))


def build(root: Path, out: Path, filters: Filters, write_html: bool = False,
          report: Callable[[Output], None] = lambda o: None, strict: bool = False,
          warn: Callable[[Diagnostic], None] = lambda d: None,
          allow_incomplete: bool = False, *, jobs: int = 1, force: bool = False) -> list[Output]:
    """Check, then render and write the selected editions that are out of date.

    Outputs are replaced atomically; when an edition fails, the others are still written and
    ContentError is raised with every failed edition's diagnostics.
    """
    from .matrix import run

    class _Report:
        def begin(self, total, to_render): pass
        def started(self, stem): pass
        def end(self, summary): pass

        def done(self, planned, output, rendered):
            if output is not None:
                report(output)

    summary = run(root, out, filters, jobs=jobs, force=force, write_html=write_html, reporter=_Report(),
                  strict=strict, warn=warn, allow_incomplete=allow_incomplete)
    faults = [rendered.fault for rendered in summary.failed if rendered.fault]
    if faults:
        raise RuntimeError("\n".join(faults))
    if summary.failed:
        raise ContentError([d for rendered in summary.failed for d in rendered.diagnostics])
    return summary.outputs


def write_manifest(out: Path, root: Path, outputs: Iterable[Output]) -> Path:
    """Merge this run's outputs into `manifest.json`, dropping entries whose file is gone."""
    path = out / MANIFEST
    entries: dict[tuple, dict] = {}
    try:
        for entry in json.loads(path.read_text("utf-8")).get("editions", []):
            if (root / entry["path"]).is_file():
                entries[_entry_key(entry)] = entry
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        entries = {}  # a damaged manifest is rebuilt, never trusted
    for output in outputs:
        entry = asdict(output)
        del entry["seconds"]  # timings vary; the manifest stays reproducible
        del entry["fit"]
        if entry["type"] == "standard":
            del entry["type"]  # only large print and other types say so
        entries[_entry_key(entry)] = entry
    from .environment import renderer_versions

    # The renderer's versions (Python, WeasyPrint, pydyf, Pango, HarfBuzz, fontconfig, FreeType)
    # let two builds be compared; they are part of every edition's cache key, so they hold for
    # the editions kept from earlier runs too.
    manifest = {"renderer": renderer_versions(), "editions": [entries[key] for key in sorted(entries)]}
    write_atomic(path, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return path


def _entry_key(entry: dict) -> tuple:
    edition_type = entry.get("type", "standard")
    return (entry["document"], entry["locale"], entry["paper"], entry["profile"]) + (
        (edition_type,) if edition_type != "standard" else ())


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; outputs are for sharing
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise

