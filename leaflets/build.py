"""Build the edition matrix: validate everything first, then render and write atomically."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterable

from .checks import check_documents, settle
from .diagnostics import ContentError, Diagnostic
from .documents import LEAFLET_FILE, REFERENCES_FILE, SourceDocument, discover, load_document
from .finishing import EditionFacts, finisher, source_attachments
from .i18n.translation import load_translation
from .model import Edition
from .profiles import PAPERS, PROFILES
from .render import render_html, render_pdf
from .view import EditionView, resolve

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
        e = self.edition
        return f"{self.document}-{e.locale}-{e.paper}-{e.profile}"


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
         allow_incomplete: bool = False) -> list[Job]:
    """Check and resolve every selected edition; raise ContentError before anything is rendered.

    Warnings go to `warn`; with `strict` they are errors. With `allow_incomplete`, gaps in a
    translation are filled from the master and reported through `warn`.
    """
    documents = load_all(root, filters.document)
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


def render_job(job: Job, root: Path) -> tuple[bytes, str, int]:
    """Render one edition to PDF bytes; return them with the HTML and the page count."""
    html = render_html(job.view, root)
    e = job.edition
    profile = PROFILES[e.profile]
    sources = edition_sources(root / "source" / job.document, e.locale) if profile.attach_sources else ()
    facts = EditionFacts(e.job_code, e.date_of_preparation, PAPERS[e.paper].bleed_mm, sources)
    options = dict(profile.options)
    if sources:
        options["attachments"] = source_attachments(facts)
    pdf, pages = render_pdf(html, job.view, root, options, finisher(profile.finishing, facts))
    return pdf, html, pages


def edition_sources(folder: Path, locale: str) -> tuple[Path, ...]:
    """Return the files an edition is made from: master text, references, its catalogue if any."""
    catalogue = folder / "locales" / f"{locale}.po"
    return (folder / LEAFLET_FILE, folder / REFERENCES_FILE, *([catalogue] if catalogue.is_file() else []))


def build(root: Path, out: Path, filters: Filters, write_html: bool = False,
          report: Callable[[Output], None] = lambda o: None, strict: bool = False,
          warn: Callable[[Diagnostic], None] = lambda d: None,
          allow_incomplete: bool = False) -> list[Output]:
    """Validate, render and write the selected editions; outputs are replaced atomically."""
    jobs = plan(root, filters, strict, warn, allow_incomplete)
    for job in jobs:
        for diagnostic in job.filled:
            warn(diagnostic)
    rendered = []
    for job in jobs:
        started = time.perf_counter()
        pdf, html, pages = render_job(job, root)
        rendered.append((job, pdf, html, pages, time.perf_counter() - started))
    outputs = []
    for job, pdf, html, pages, seconds in rendered:
        target = out / job.document / f"{job.stem}.pdf"
        write_atomic(target, pdf)
        if write_html:
            write_atomic(target.with_suffix(".html"), html.encode("utf-8"))
        e = job.edition
        output = Output(job.document, e.locale, e.paper, e.profile, e.job_code,
                        _relative(target, root), pages, len(pdf),
                        hashlib.sha256(pdf).hexdigest(), round(seconds, 3))
        outputs.append(output)
        report(output)
    write_manifest(out, root, outputs)
    return outputs


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
        entries[_entry_key(entry)] = entry
    manifest = {"editions": [entries[key] for key in sorted(entries)]}
    write_atomic(path, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return path


def _entry_key(entry: dict) -> tuple:
    return (entry["document"], entry["locale"], entry["paper"], entry["profile"])


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


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()
