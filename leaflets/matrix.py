"""Orchestrate the edition matrix: check, plan, resolve, render in workers, write, summarize.

Validation comes first and always runs; an edition whose key and output files match its cache
record is not resolved or rendered again, so a build with nothing to do never imports WeasyPrint.
This module only calls the stages in order: each stage's work lives in its own module.
"""

from __future__ import annotations

import contextlib
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Protocol

from . import cache
from .cache import build_options
from .checks import check_documents, settle
from .diagnostics import ContentError, Diagnostic, sort_diagnostics
from .documents import SourceDocument, load_all
from .outputs import (Output, reconcile_manifest, remove_stale_temporaries, write_edition, write_manifest,
                      write_part)
from .plan import Filters, Planned, Shard, survey

if TYPE_CHECKING:  # resolving is imported when something must be rendered: no-op builds stay fast
    from .view import Job

__all__ = ["Filters", "Planned", "Reporter", "Summary", "build", "check_project", "resolve_editions", "run"]


class Reporter(Protocol):
    """What a progress display is told, in this order."""

    def begin(self, total: int, to_render: int) -> None: ...
    def started(self, stem: str) -> None: ...
    def done(self, planned: Planned, output: Output | None, rendered: Any) -> None: ...
    def end(self, summary: "Summary") -> None: ...


@dataclass
class Summary:
    """The outcome of a build, every list in matrix order."""

    outputs: list[Output] = field(default_factory=list)
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[Any] = field(default_factory=list)  # workers.Rendered
    seconds: float = 0.0
    manifest: Path | None = None
    masters: dict[str, str] = field(default_factory=dict)  # document -> its master's locale


class _Order(Protocol):
    def __call__(self, planned: Planned, output: Output | None, rendered: Any) -> None: ...


def resolve_editions(root: Path, filters: Filters, strict: bool = False,
                     warn: Callable[[Diagnostic], None] = lambda d: None,
                     allow_incomplete: bool = False, documents: list[SourceDocument] | None = None,
                     checked: bool = False) -> list[Job]:
    """Check and resolve every selected edition; raise ContentError before anything is rendered.

    Warnings go to `warn`; with `strict` they are errors. With `allow_incomplete`, gaps in a
    translation are filled from the master and reported through `warn`. `documents` already
    loaded (and `checked`) are used as they are.
    """
    from .i18n.translation import load_translation
    from .view import Job, resolve

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


def check_project(root: Path, document: str | None = None) -> list[Diagnostic]:
    """Load, check and fill the layouts for every edition, without rendering a PDF.

    Returns every diagnostic found, errors and warnings; never raises for content faults.
    """
    from .i18n.translation import load_translation
    from .i18n.catalogues import LOCALES_DIR, stray_catalogues
    from .render import render_html
    from .view import resolve

    try:
        documents = load_all(root, document)
    except ContentError as exc:
        return exc.diagnostics
    found = check_documents(documents, root)
    # a catalogue named after no locale (`notes.po`): `i18n update` and `export` refuse it
    found += [d for doc in documents for d in stray_catalogues(doc.folder / LOCALES_DIR)]
    if any(d.is_error for d in found):
        return found
    base_href = root.resolve().as_uri() + "/"
    for doc in documents:
        for edition in doc.leaflet.editions:
            try:  # translated editions are checked against their catalogues too
                translation = load_translation(root, doc, edition, False)
                render_html(resolve(doc, edition, base_href, translation), root)
            except ContentError as exc:
                found += [d for d in exc.diagnostics if d not in found]
    return sort_diagnostics(found)


def run(root: Path, out: Path, filters: Filters, *, jobs: int = 1, force: bool = False,
        shard: Shard | None = None, write_html: bool = False, reporter: Reporter | None = None,
        strict: bool = False, warn: Callable[[Diagnostic], None] = lambda d: None,
        allow_incomplete: bool = False) -> Summary:
    """Bring the selected editions up to date; failed editions are reported, the others written.

    The content checks run on every build, even one with nothing to render: their warnings go
    to `warn` (errors with `strict`), their errors stop the build before anything is written.
    """
    from . import workers

    options = build_options(allow_incomplete)

    started_at = time.perf_counter()
    written: list[Output] = []  # each output whose PDF is in place, as soon as it is
    try:
        documents = load_all(root, filters.document)
        masters = {doc.name: doc.leaflet.document.language for doc in documents}
        for warning in settle(check_documents(documents, root), strict):
            warn(warning)
        planned = survey(root, out, filters, shard, write_html, options, force, documents)
        if shard is None and planned:
            try:
                reconcile_manifest(out, root)
            except OSError as exc:
                raise ContentError([_unwritable(exc, out / "manifest.json")])
        stale = [p for p in planned if p.reason is not None]
        summary = Summary(masters=masters)
        if reporter:
            reporter.begin(len(planned), len(stale))
        emit = _in_order(planned, summary, reporter)
        for p in planned:
            if p.reason is None:
                emit(p, cache.recorded_output(p.record), None)
        if stale:
            remove_stale_temporaries(out)
            with workers.Workers(min(jobs, len(stale))) as pool:
                found = resolve_editions(root, filters.only({p.stem for p in stale}), strict, warn,
                                         allow_incomplete, documents, checked=True)
                for job in found:
                    for diagnostic in job.filled:
                        warn(diagnostic)
                by_stem = {p.stem: p for p in stale}
                try:
                    for rendered in pool.render(found, root, reporter.started if reporter else _ignore):
                        p = by_stem[rendered.stem]
                        output = None
                        if rendered.ok:
                            try:
                                output = write_edition(p, out, rendered.pdf, rendered.html if write_html else None,
                                                       rendered.pages, rendered.seconds,
                                                       getattr(rendered, "fit", ""), written)
                            except OSError as exc:  # a full disk, a read-only folder: this edition fails
                                rendered = replace(rendered, pdf=None, diagnostics=(_unwritable(exc, p.pdf),))
                        emit(p, output, rendered)
                except BaseException:
                    if written and shard is None:  # the manifest still tells what is on disk
                        with contextlib.suppress(OSError):  # (unless the disk refuses that too)
                            write_manifest(out, root, written)
                    raise
    except BaseException as exc:
        workers.discard_prestarted(kill=not isinstance(exc, Exception))
        raise
    finally:
        workers.discard_prestarted()
        if not isinstance(sys.exc_info()[1], KeyboardInterrupt):
            workers.settle()
    try:
        if shard is not None:
            summary.manifest = write_part(out, shard.index, shard.count, summary.outputs)
        elif planned:
            # an edition whose PDF was replaced before a later write failed is listed as it is on disk
            on_disk = summary.outputs + [o for o in written if o not in summary.outputs]
            summary.manifest = write_manifest(out, root, on_disk)
    except OSError as exc:  # the editions are written; the next build writes the manifest from their records
        raise ContentError([_unwritable(exc, out / "manifest.json")])
    summary.seconds = time.perf_counter() - started_at
    if reporter:
        reporter.end(summary)
    return summary


def _unwritable(exc: OSError, path: Path) -> Diagnostic:
    from .diagnostics import error

    return error(Path(exc.filename) if exc.filename else path, "write-failed",
                 f"cannot write {Path(exc.filename or path).name}: {exc.strerror or exc}",
                 "free space on the disk or choose another --out; the previous files were kept")




def build(root: Path, out: Path, filters: Filters, write_html: bool = False,
          report: Callable[[Output], None] = lambda o: None, strict: bool = False,
          warn: Callable[[Diagnostic], None] = lambda d: None,
          allow_incomplete: bool = False, *, jobs: int = 1, force: bool = False) -> list[Output]:
    """Run a build and return its outputs; raise when an edition fails (for scripts and tests).

    Outputs are replaced atomically; when an edition fails, the others are still written and
    ContentError is raised with every failed edition's diagnostics (RuntimeError for a fault).
    """

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


def _ignore(stem: str) -> None:
    pass


def _in_order(planned: list[Planned], summary: Summary, reporter: Reporter | None) -> _Order:
    """Return a callback that passes results on in matrix order, whatever order they come in."""
    order = [p.stem for p in planned]
    waiting: dict[str, tuple] = {}

    def emit(p: Planned, output: Output | None, rendered: Any) -> None:
        waiting[p.stem] = (p, output, rendered)
        while order and order[0] in waiting:
            p, output, rendered = waiting.pop(order.pop(0))
            if output is not None:
                summary.outputs.append(output)
                (summary.built if rendered is not None else summary.skipped).append(p.stem)
            else:
                summary.failed.append(rendered)
            if reporter:
                reporter.done(p, output, rendered)

    return emit
