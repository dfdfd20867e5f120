"""Render editions in long-lived worker processes, each importing WeasyPrint once.

Importing WeasyPrint costs more than rendering a short leaflet, so a pool of workers that each
import it once and then render many editions beats one process per edition; one edition (or
`--jobs 1`) renders in this process, with no pool to start.
"""

from __future__ import annotations

import copyreg
import gettext
import multiprocessing
import os
import sys
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from .diagnostics import ContentError, Diagnostic

if TYPE_CHECKING:
    from .build import Job

# `fork` starts a worker in milliseconds and shares what this process has imported; the pool is
# started before any thread of ours exists. Set LEAFLETS_START_METHOD to compare the others.
START_METHOD = os.environ.get("LEAFLETS_START_METHOD") or (
    "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Rendered:
    """One edition's outcome: its PDF and HTML, or the diagnostics that stopped it."""

    stem: str
    pdf: bytes | None
    html: str | None
    pages: int
    seconds: float
    diagnostics: tuple[Diagnostic, ...] = ()
    fault: str = ""  # an internal error's traceback: a bug, not the user's content

    @property
    def ok(self) -> bool:
        return self.pdf is not None


def cpu_count() -> int:
    """Return how many CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def render_one(job: Job, root: Path) -> Rendered:
    """Render one edition, turning its errors into a result so the others carry on."""
    from .build import render_job

    started = time.perf_counter()
    try:
        pdf, html, pages = render_job(job, root)
    except ContentError as exc:
        return Rendered(job.stem, None, None, 0, time.perf_counter() - started, tuple(exc.diagnostics))
    except Exception:  # an internal fault in one edition must not cost the others theirs
        return Rendered(job.stem, None, None, 0, time.perf_counter() - started, (), traceback.format_exc())
    return Rendered(job.stem, pdf, html, pages, time.perf_counter() - started)


def _warm() -> None:
    """Import the renderer once in a new worker, before its first edition arrives."""
    import weasyprint  # noqa: F401

    from . import render  # noqa: F401


_preloading: threading.Thread | None = None


def preload() -> None:
    """Start importing WeasyPrint in a thread while this process loads and checks the sources.

    Much of that import waits on the dynamic linker and on subprocesses looking for libraries,
    time this process can spend on its own imports, validation and resolution instead.
    """
    global _preloading
    if _preloading is None and "weasyprint" not in sys.modules:
        _preloading = threading.Thread(target=_warm, name="import-weasyprint", daemon=True)
        _preloading.start()


def settle() -> None:
    """Wait for a preload to finish (before forking workers, and before exiting)."""
    if _preloading is not None:
        _preloading.join()


class Workers:
    """Where editions are rendered: this process for one at a time, else a pool of workers."""

    def __init__(self, size: int):
        self.pool: ProcessPoolExecutor | None = None
        if size <= 1:
            preload()
            return
        settle()  # a process must not fork while one of its threads is importing
        _picklable_translations()
        self.pool = ProcessPoolExecutor(max_workers=size, initializer=_warm,
                                        mp_context=multiprocessing.get_context(START_METHOD))
        self.pool.submit(int)  # start the workers now: they import WeasyPrint meanwhile

    def render(self, jobs: list[Job], root: Path,
               started: Callable[[str], None] = lambda stem: None) -> Iterator[Rendered]:
        """Render the jobs, yielding each result as it is ready; call `started` as each begins."""
        if self.pool is None:
            for job in jobs:
                started(job.stem)
                yield render_one(job, root)
            return
        futures: dict[Future, Job] = {self.pool.submit(render_one, job, root): job for job in jobs}
        pending, announced = set(futures), set()
        while pending:
            done, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in futures:  # in submission order, so the display reads in matrix order
                if future not in announced and (future.running() or future.done()):
                    announced.add(future)
                    started(futures[future].stem)
            for future in sorted(done, key=list(futures).index):
                yield _outcome(future, futures[future])

    def close(self) -> None:
        """Stop the workers, dropping editions not yet started."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _picklable_translations() -> None:
    """Let compiled gettext catalogues (a view's page labels) travel to the workers.

    `GNUTranslations` keeps its plural rule as a lambda, which pickle refuses; rebuild the
    rule from the catalogue's own Plural-Forms header on the other side.
    """
    from babel.support import Translations

    for kind in (gettext.GNUTranslations, Translations):
        copyreg.pickle(kind, _reduce_translations)


def _reduce_translations(translations: gettext.GNUTranslations):
    state = {k: v for k, v in vars(translations).items() if k != "plural"}
    return _rebuild_translations, (type(translations), state)


def _rebuild_translations(kind: type, state: dict) -> gettext.GNUTranslations:
    translations = kind.__new__(kind)
    vars(translations).update(state)
    forms = state.get("_info", {}).get("plural-forms", "")
    rule = forms.split("plural=", 1)[1].strip().rstrip(";") if "plural=" in forms else "n != 1"
    translations.plural = gettext.c2py(rule)
    return translations


def _outcome(future: Future, job: Job) -> Rendered:
    try:
        return future.result()
    except Exception as exc:  # the worker died (killed, out of memory): say so for this edition
        fault = f"the worker rendering {job.stem} stopped: {exc!r}\n"
        return Rendered(job.stem, None, None, 0, 0.0, (), fault)
