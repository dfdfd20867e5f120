"""What the preview shows: the chosen edition's last good pages, the diagnostics, the edition list.

`Session.rebuild` runs on each save: it loads the chosen document, fills the layouts and hands the
HTML to the warm worker, runs the content checks while the worker renders, and then either
publishes the new pages (and writes the PDF and its manifest entry to build/, the build's atomic
path) or keeps the last good pages on screen, marked stale, beside the diagnostics. Every change
of state bumps `version`, which the server's event streams wait on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .. import cache
from ..documents import load_all
from ..matrix import resolve_editions
from ..outputs import write_edition, write_manifest
from ..plan import Filters, Planned
from ..render import prepare
from ..checks import check_documents
from ..diagnostics import ContentError, Diagnostic, Position, Severity, error, sort_diagnostics
from ..paths import edition_stem, relative_to_root
from .worker import PageImage, RenderWorker, Shown, WorkerStopped

KEPT_IMAGES = 64  # page images kept for pages still loading in a browser


@dataclass(frozen=True)
class Choice:
    """One edition of a document, as the page lists it."""

    document: str
    locale: str
    paper: str
    profile: str
    job_code: str = ""
    type: str = "standard"  # the edition type: a large-print edition beside a standard one

    @property
    def stem(self) -> str:
        return edition_stem(self.document, self.locale, self.paper, self.profile, self.type)

    def filters(self) -> Filters:
        """Select this edition and no other (not the standard one of a large-print choice)."""
        return Filters(self.document, self.locale, self.paper, self.profile, frozenset({self.stem}))


class NoEdition(Exception):
    """No declared edition matches the filters."""


def _plain(diagnostic: Diagnostic) -> dict:
    return {"file": diagnostic.file, "line": diagnostic.line, "column": diagnostic.column,
            "severity": diagnostic.severity.value, "code": diagnostic.code,
            "message": diagnostic.message, "hint": diagnostic.hint, "text": diagnostic.format()}


class Session:
    """The preview's state and its rebuilds (one at a time, on the builder thread)."""

    def __init__(self, root: Path, out: Path, filters: Filters, worker: RenderWorker | None, *,
                 strict: bool = False, allow_incomplete: bool = False,
                 log: Callable[[str], None] = lambda line: None):
        self.root, self.out, self.filters, self.worker = root, out, filters, worker
        self.strict, self.allow_incomplete, self.log = strict, allow_incomplete, log
        self.choice: Choice | None = None
        self.editions: list[Choice] = []
        self.pages: tuple[PageImage, ...] = ()
        self.images: dict[str, bytes] = {}
        self.pdf: bytes | None = None
        self.pdf_path: str = ""
        self.fit: str = ""         # how full the shown edition's last body page is
        self.diagnostics: list[Diagnostic] = []
        self.stale = False
        self.building = False
        self.writing = False       # new pages shown, their PDF not yet written
        self._before_early: tuple | None = None  # the pages and fit shown before an edit's early pages
        self.revision = 0          # good builds published
        self.version = 0           # any change of what the page shows
        self.seconds = 0.0
        self.timings: dict[str, float] = {}  # the last rebuild's stages, in seconds
        self.changed = threading.Condition()
        self._wanted = threading.Event()
        self._requested_at = 0.0  # when the rebuild under way was asked for (a save seen), epoch seconds
        self.requested_at = 0.0  # the same, for the last rebuild
        self.shown_at = 0.0  # when the pages on screen were published, epoch seconds
        self._choose_lock = threading.Lock()
        self._worker_failures = 0
        self._digests = Digests()
        self._digests.freeze(cache.PACKAGE)  # the code running now, for the cache keys
        self._renderer: dict | None = None  # the renderer's versions, for the cache keys

    # --- choosing the edition ------------------------------------------------------------

    def choose_first(self) -> Choice | None:
        """Pick the first edition matching the filters; None when the sources cannot be read yet.

        Raises NoEdition when they can be read and nothing matches.
        """
        try:
            documents = load_all(self.root, self.filters.document)
        except ContentError as exc:
            self._publish(diagnostics=exc.diagnostics, stale=True)
            return None
        for doc in documents:
            for e in doc.leaflet.editions:
                if self.filters.accepts(doc.name, e):
                    self.choice = Choice(doc.name, e.locale, e.paper, e.profile, e.job_code, e.type)
                    self.editions = _choices(doc)
                    return self.choice
        raise NoEdition()

    def select(self, stem: str) -> bool:
        """Switch to another edition of the listed ones; the next rebuild renders it."""
        with self._choose_lock:
            for choice in self.editions:
                if choice.stem == stem:
                    if choice != self.choice:
                        with self.changed:
                            self.choice = choice
                            self._drop_early()
                            self.pages, self.pdf = (), None  # another edition's pages are not stale ones
                            self._before_early, self.writing = None, False
                        self._publish()
                    self.request()
                    return True
        return False

    # --- rebuilding ---------------------------------------------------------------------

    def request(self) -> None:
        """Ask the builder thread for a rebuild (saves arriving meanwhile make one more)."""
        if not self._wanted.is_set():
            self._requested_at = time.time()
        self._wanted.set()

    def run(self, stop: threading.Event) -> None:
        """The builder thread: rebuild whenever asked, until `stop`."""
        while not stop.is_set():
            if not self._wanted.wait(0.2):
                continue
            self._wanted.clear()
            if stop.is_set():
                return
            try:
                self.rebuild()
            except Exception:  # never let the builder thread die: the next save tries again
                self.log(traceback.format_exc())
                fault = error(Position("(preview)"), "internal-error",
                              traceback.format_exc().strip().splitlines()[-1],
                              "please report it; the terminal shows the details")
                # Pages shown early whose PDF was never written give way to the last good ones.
                self._publish(diagnostics=list(dict.fromkeys([*self.diagnostics, fault])), stale=True, building=False,
                              restore=self._before_early)
                self._before_early = None

    def rebuild(self) -> None:
        """Check and render the chosen edition; publish its pages or keep the last good ones."""
        started = time.perf_counter()
        self.requested_at = self._requested_at
        self._publish(building=True)
        try:
            found, result = self._build()
        except Exception:  # a fault of ours: say so in the panel, keep the pages
            found, result = [error(Position("(preview)"), "internal-error",
                                   traceback.format_exc().strip().splitlines()[-1],
                                   "please report it; the terminal shows the details")], None
            self.log(traceback.format_exc())
        found = sort_diagnostics(list(dict.fromkeys(found)))
        self.seconds = time.perf_counter() - started
        if result is not None and not any(d.is_error for d in found):
            try:
                self._write(result)
            except OSError as exc:
                found.append(error(Position(str(self.out)), "write-failed",
                                   f"could not write the PDF: {exc.strerror or exc}",
                                   "check the output folder's permissions and free space"))
                result = None
        if result is not None and not any(d.is_error for d in found):
            self._publish(diagnostics=found, stale=False, building=False, result=result)
            self._before_early = None
            self.log(f"{self.choice.stem}: {len(result[1].pages)} page(s), {self.seconds:.2f} s"
                     + (f", {len(found)} warning(s)" if found else ""))
        else:
            self._publish(diagnostics=found, stale=True, building=False, restore=self._before_early)
            self._before_early = None
            errors = sum(d.is_error for d in found)
            self.log(f"{self.choice.stem if self.choice else 'preview'}: {errors} error(s), "
                     f"{len(found) - errors} warning(s); "
                     + ("the last good pages stay shown" if self.pages else "no pages yet"))

    def _build(self):
        if self.choice is None and self.choose_first() is None:
            return list(self.diagnostics), None
        choice = self.choice
        clock = _Clock()
        self.timings = clock.laps
        if self._requested_at:
            clock.laps["asked"] = round(time.time() - self._requested_at, 3)  # from the save seen to here
        # The edition's cache key, from the files as they are before they are read: a file saved
        # while this rebuild runs makes the record out of date, never a stale PDF look current.
        if self._renderer is None:
            self._renderer = cache.versions()
        fingerprints = cache.Fingerprints(self.root, cache.build_options(self.allow_incomplete),
                                          self._digests, self._renderer)
        fingerprints.key(choice.document, choice.locale, choice.paper, choice.profile)  # hashes its folder now
        clock.lap("key")
        try:
            documents = load_all(self.root, choice.document)
        except ContentError as exc:
            return exc.diagnostics, None
        if not documents:
            return [error(Position(f"source/{choice.document}"), "missing-document",
                          f"the document '{choice.document}' is gone",
                          "restart the preview to choose another")], None
        with self._choose_lock:  # the job code may have changed; the page may have switched meanwhile
            self.editions = _choices(documents[0])
            choice = next((c for c in self.editions if c.stem == choice.stem), choice)
            if self.choice.stem == choice.stem:
                self.choice = choice
        clock.lap("load")
        found: list[Diagnostic] = []
        request, job = None, None
        try:
            jobs = resolve_editions(self.root, choice.filters(), documents=documents, checked=True,
                                    allow_incomplete=self.allow_incomplete)
            if not jobs:
                found.append(error(Position(f"source/{choice.document}/leaflet.yaml"), "missing-edition",
                                   f"the edition {choice.stem} is no longer declared",
                                   "choose another edition in the preview"))
            else:
                job = jobs[0]
                request = prepare(job, self.root)
        except ContentError as exc:
            found += exc.diagnostics
        clock.lap("fill")
        if request is not None and self.worker is not None:
            try:
                self.worker.send(request, early=True)  # the worker renders while this process checks
            except WorkerStopped as exc:
                return found + self._worker_stopped(exc), None
        found += check_documents(documents, self.root)
        clock.lap("check")
        if job is not None:
            found += job.filled
        if self.strict:
            found = [d if d.is_error else dataclasses.replace(d, severity=Severity.ERROR) for d in found]
        if request is None:
            return found, None
        if self.worker is None:
            from .worker import render
            result = render(request, self.root)
        else:
            try:
                result = self.worker.receive()
                if isinstance(result, Shown):  # the changed pages, before the PDF is written
                    if not any(d.is_error for d in found):
                        self._show_early(result, found, choice.stem)
                        clock.lap("shown")
                    result = self.worker.receive()
            except WorkerStopped as exc:
                return found + self._worker_stopped(exc), None
        self._worker_failures = 0
        clock.lap("PDF and its pages (waited)" if "shown" in clock.laps else "render and images (waited)")
        clock.laps["render (worker)"] = round(result.rendered.seconds, 3)
        clock.laps["images (worker)"] = round(result.images_seconds, 3)
        clock.laps["CPU (worker)"] = round(result.cpu_seconds, 3)
        if result.rendered.fault:
            self.log(result.rendered.fault)
            return found + [error(Position("(preview)"), "internal-error",
                                  result.rendered.fault.strip().splitlines()[-1],
                                  "please report it; the terminal shows the details")], None
        if not result.rendered.ok:
            return found + list(result.rendered.diagnostics), None
        key = fingerprints.key(job.document, job.edition.locale, job.edition.paper, job.edition.profile,
                               job.edition.type)
        return found, (job, result, key)

    def _worker_stopped(self, exc: Exception) -> list[Diagnostic]:
        """A new worker was started: try once more at once (not again if that one dies too)."""
        self._worker_failures += 1
        if self._worker_failures == 1:
            self.request()
        return [error(Position("(preview)"), "render-worker", str(exc),
                      "rendering again" if self._worker_failures == 1 else "save again to retry")]

    def _write(self, built) -> None:
        """Write the edition's PDF and its manifest entry through the build's atomic path."""
        started = time.perf_counter()
        job, result, key = built
        rendered = result.rendered
        pdf = self.out / job.document / f"{job.stem}.pdf"
        shown = relative_to_root(pdf, self.root)
        # As a build writes an edition: the PDF, then its cache record (so that a later build of
        # this edition finds it up to date), then its manifest entry.
        planned = Planned(job.document, job.edition, pdf, shown, key, "preview", None)
        output = write_edition(planned, self.out, rendered.pdf, None, rendered.pages, rendered.seconds,
                               rendered.fit)
        write_manifest(self.out, self.root, [output])
        if self.choice is not None and self.choice.stem == job.stem:
            self.pdf_path = shown
        self.timings["write"] = round(time.perf_counter() - started, 3)

    def _show_early(self, shown: Shown, found: list[Diagnostic], stem: str) -> None:
        """Show an edit's pages while the worker writes their PDF; if that fails, the pages shown
        before come back (marked stale), as after any error."""
        with self.changed:  # (re-entrant: _publish takes it again)
            if self.choice is None or self.choice.stem != stem:
                return  # another edition was chosen meanwhile: its own rebuild follows
            self._before_early = (self.pages, self.fit)
            self._publish(diagnostics=sort_diagnostics(list(dict.fromkeys(found))), stale=False, early=shown,
                          stem=stem)

    # --- what the page shows ------------------------------------------------------------

    def _drop_early(self) -> None:
        """Forget the images of the pages shown early, if these are."""
        if self.writing:
            for page in self.pages:
                self.images.pop(page.digest, None)

    def _keep_images(self, pages) -> None:
        for page in pages:
            self.images[page.digest] = page.image
        keep = {p.digest for p in self.pages}
        if self._before_early is not None:  # what a failed PDF would bring back
            keep |= {p.digest for p in self._before_early[0]}
        old = [d for d in self.images if d not in keep]  # oldest first
        for digest in old[:max(0, len(self.images) - max(KEPT_IMAGES, len(keep)))]:
            del self.images[digest]

    def _publish(self, *, diagnostics=None, stale=None, building=None, result=None, early=None,
                 restore=None, stem: str = "") -> None:
        with self.changed:
            if early is not None and (self.choice is None or self.choice.stem != stem):
                early, self._before_early = None, None  # another edition was chosen: not its pages
                diagnostics = stale = None
            # Pages shown early that the written PDF's pages do not keep: their images go.
            ending = result is not None or restore is not None or building is False
            early_shown = list(self.pages) if self.writing and ending else []
            if early is not None:  # new pages on screen, their PDF still being written
                self.pages, self.fit, self.writing = early.pages, early.fit, True
                self.revision += 1
                self.shown_at = time.time()
                self._keep_images(early.pages)
            if restore is not None and self._before_early is not None:  # the early pages' PDF failed
                self.pages, self.fit = restore
                self.revision += 1
            if ending:
                self.writing = False
            if diagnostics is not None:
                self.diagnostics = list(diagnostics)
            if stale is not None:
                self.stale = stale and bool(self.pages)
            if building is not None:
                self.building = building
            if result is not None and self.choice is not None and result[0].stem != self.choice.stem:
                result = None  # written, but another edition was chosen meanwhile: not shown
            if result is not None:
                built = result[1]
                # Shown early with the same pages (and text, and regions): the same revision.
                if self._before_early is None or _shown(built.pages) != _shown(self.pages):
                    self.revision += 1
                    self.shown_at = time.time()
                self.pages = built.pages
                self.pdf = built.rendered.pdf
                self.fit = built.rendered.fit
                self._keep_images(built.pages)
            for digest in {page.digest for page in early_shown} - {page.digest for page in self.pages}:
                self.images.pop(digest, None)
            self.version += 1
            self.changed.notify_all()

    def snapshot(self) -> dict:
        """What the page shows, as plain data (every text is put in the page as text, not HTML)."""
        with self.changed:
            choice = self.choice
            return {
                "version": self.version,
                "revision": self.revision,
                "edition": dataclasses.asdict(choice) | {"stem": choice.stem} if choice else None,
                "editions": [dataclasses.asdict(c) | {"stem": c.stem} for c in self.editions],
                "pages": [{"url": f"/pages/{p.digest}", "width": p.width, "height": p.height,
                           "text": p.text, "regions": p.regions} for p in self.pages],
                "page_count": len(self.pages),
                "fit": self.fit,
                "diagnostics": [_plain(d) for d in self.diagnostics],
                "errors": sum(d.is_error for d in self.diagnostics),
                "stale": self.stale,
                "building": self.building,
                "writing": self.writing,
                "seconds": round(self.seconds, 3),
                "timings": dict(self.timings),
                "requested_at": self.requested_at,
                "shown_at": self.shown_at,
                "pdf": self.pdf_path,
            }

    def wait(self, seen: int, timeout: float) -> bool:
        """Wait until the state is newer than version `seen`; False on timeout."""
        with self.changed:
            return self.changed.wait_for(lambda: self.version != seen, timeout)

    def wake(self) -> None:
        with self.changed:
            self.changed.notify_all()


class Digests:
    """Files' SHA-256 digests remembered across rebuilds, by their size, times and inode.

    A remembered digest is used only for a file last modified well before it was hashed (two
    seconds, more than any file system's time resolution), so a file saved twice within the same
    clock tick is always hashed again.
    """

    SETTLED_NS = 2_000_000_000

    def __init__(self) -> None:
        self.known: dict[str, tuple[tuple, str]] = {}
        self.frozen: dict[str, str] = {}

    def freeze(self, folder: Path) -> None:
        """Hash every file under `folder` now and give those digests from then on, whatever
        becomes of the files: the package's code, as this process and its worker loaded it (a
        record keyed with the code as edited later would vouch for a PDF that code never made)."""
        for directory, _, files in os.walk(folder):
            for file in files:
                path = os.path.join(directory, file)
                if os.path.isfile(path):
                    self.frozen[path] = self(Path(path))

    def __call__(self, path: Path) -> str:
        name = str(path)
        if name in self.frozen:
            return self.frozen[name]
        stat = os.stat(name)
        identity = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
        found = self.known.get(name)
        if found is not None and found[0] == identity:
            return found[1]
        hashed_at = time.time_ns()
        with open(name, "rb") as stream:
            digest = hashlib.sha256(stream.read()).hexdigest()
        if max(stat.st_mtime_ns, stat.st_ctime_ns) < hashed_at - self.SETTLED_NS:
            self.known[name] = (identity, digest)
        else:
            self.known.pop(name, None)
        return digest


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.last, 3)
        self.last = now


def _shown(pages) -> list[tuple]:
    """What the page shows of each page."""
    return [(p.digest, p.width, p.height, p.text, p.regions) for p in pages]


def _choices(doc) -> list[Choice]:
    return [Choice(doc.name, e.locale, e.paper, e.profile, e.job_code, e.type) for e in doc.leaflet.editions]
