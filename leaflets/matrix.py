"""Build the edition matrix: find what is out of date, render it in workers, write it, summarize.

Validation comes first and always runs; an edition whose key and output files match its cache
record is not resolved or rendered again, so a build with nothing to do never imports WeasyPrint.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol

from . import cache
from .cache import build_options
from .build import Filters, Output, SourceDocument, load_all, plan, write_atomic, write_manifest
from .diagnostics import Diagnostic
from .model import Edition
from .paths import relative_to_root
from .shards import Shard, write_part


@dataclass(frozen=True)
class Planned:
    """One selected edition: where its output goes, its key, and why it must be rendered."""

    document: str
    edition: Edition
    pdf: Path
    shown: str
    key: str
    reason: str | None  # None when the edition is up to date
    record: cache.Record | None

    @property
    def stem(self) -> str:
        return self.edition.stem(self.document)


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


def survey(root: Path, out: Path, filters: Filters, shard: Shard | None = None,
           write_html: bool = False, options: Mapping[str, Any] | None = None,
           force: bool = False, documents: list[SourceDocument] | None = None) -> list[Planned]:
    """Validate the sources and list the selected editions in matrix order, each with its state."""
    if documents is None:
        documents = load_all(root, filters.document)
    selection = [(doc.name, edition) for doc in documents for edition in doc.leaflet.editions
                 if filters.accepts(doc.name, edition)]
    if shard is not None:
        selection = shard.select(selection)
    fingerprints = cache.Fingerprints(root, build_options() if options is None else options)
    planned = []
    for document, e in selection:
        stem = e.stem(document)
        pdf = out / document / f"{stem}.pdf"
        shown = relative_to_root(pdf, root)
        key = fingerprints.key(document, e.locale, e.paper, e.profile, e.type)
        record = cache.read_record(out, stem)
        if force:
            reason = "forced"
        elif (record is None and cache.record_path(out, stem).exists()) or (
                record is not None and _output(record) is None):
            reason = "damaged cache"
        else:
            reason = cache.staleness(record, key, pdf, shown, pdf.with_suffix(".html") if write_html else None)
        planned.append(Planned(document, e, pdf, shown, key, reason, record))
    return planned


def _output(record: cache.Record | None) -> Output | None:
    """Return the output a cache record describes, or None when the record does not hold one."""
    try:
        return Output(**record.output)
    except (TypeError, AttributeError):
        return None


class _Only(Filters):
    """Filters that also keep only the named editions, so `plan` resolves nothing else."""

    def __init__(self, filters: Filters, stems: set[str]):
        super().__init__(filters.document, filters.locale, filters.paper, filters.profile)
        object.__setattr__(self, "stems", frozenset(stems))

    def accepts(self, doc: str, edition: Edition) -> bool:
        stem = f"{doc}-{edition.locale}-{edition.paper}-{edition.profile}"
        return super().accepts(doc, edition) and stem in self.stems


def run(root: Path, out: Path, filters: Filters, *, jobs: int = 1, force: bool = False,
        shard: Shard | None = None, write_html: bool = False, reporter: Reporter | None = None,
        strict: bool = False, warn: Callable[[Diagnostic], None] = lambda d: None,
        allow_incomplete: bool = False) -> Summary:
    """Bring the selected editions up to date; failed editions are reported, the others written.

    The content checks run on every build, even one with nothing to render: their warnings go
    to `warn` (errors with `strict`), their errors stop the build before anything is written.
    """
    from . import workers
    from .checks import check_documents, settle

    options = build_options(allow_incomplete)

    started_at = time.perf_counter()
    try:
        documents = load_all(root, filters.document)
        masters = {doc.name: doc.leaflet.document.language for doc in documents}
        for warning in settle(check_documents(documents, root), strict):
            warn(warning)
        planned = survey(root, out, filters, shard, write_html, options, force, documents)
        stale = [p for p in planned if p.reason is not None]
        summary = Summary(masters=masters)
        if reporter:
            reporter.begin(len(planned), len(stale))
        emit = _in_order(planned, summary, reporter)
        for p in planned:
            if p.reason is None:
                emit(p, _output(p.record), None)
        if stale:
            with workers.Workers(min(jobs, len(stale))) as pool:
                found = plan(root, _Only(filters, {p.stem for p in stale}), strict, warn,
                             allow_incomplete, documents, checked=True)
                for job in found:
                    for diagnostic in job.filled:
                        warn(diagnostic)
                by_stem = {p.stem: p for p in stale}
                for rendered in pool.render(found, root, reporter.started if reporter else _ignore):
                    p = by_stem[rendered.stem]
                    emit(p, _write(p, rendered, root, out, write_html) if rendered.ok else None, rendered)
    finally:
        workers.discard_prestarted()
        workers.settle()
    entries = [_manifest_entry(o) for o in summary.outputs]
    if shard is not None:
        summary.manifest = write_part(out, shard, entries)
    elif planned:
        summary.manifest = write_manifest(out, root, summary.outputs)
    summary.seconds = time.perf_counter() - started_at
    if reporter:
        reporter.end(summary)
    return summary


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


def _write(p: Planned, rendered: Any, root: Path, out: Path, write_html: bool) -> Output:
    """Write one edition's PDF (and HTML) atomically, then its cache record."""
    write_atomic(p.pdf, rendered.pdf)
    html_sha = None
    if write_html:
        html = rendered.html.encode("utf-8")
        write_atomic(p.pdf.with_suffix(".html"), html)
        html_sha = hashlib.sha256(html).hexdigest()
    e = p.edition
    output = Output(p.document, e.locale, e.paper, e.profile, e.job_code, p.shown, rendered.pages,
                    len(rendered.pdf), hashlib.sha256(rendered.pdf).hexdigest(), round(rendered.seconds, 3),
                    e.type, getattr(rendered, "fit", ""))
    write_atomic(cache.record_path(out, p.stem), cache.record_bytes(p.key, asdict(output), html_sha))
    return output


def _manifest_entry(output: Output) -> dict:
    entry = asdict(output)
    del entry["seconds"]  # timings vary; the manifest stays reproducible
    del entry["fit"]
    if entry["type"] == "standard":
        del entry["type"]  # only large print and other types say so: manifests stay as they were
    return entry
