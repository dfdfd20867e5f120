"""Render editions in long-lived worker processes, each importing WeasyPrint once.

Importing WeasyPrint costs more than rendering a short leaflet, so a pool of workers that each
import it once and then render many editions beats one process per edition. This process fills
the layouts (it has the content loaded) and sends each worker plain HTML and options; the
workers never load the content models. When the build knows early that something must be
rendered, `prestart` forks the pool before the sources are even loaded (`start_early`, called by
make_pdf.py before the command line's own modules import), so the workers import WeasyPrint on
the other cores while this process loads, checks and resolves; this process reads each PDF's
fonts back as it arrives. On one CPU, or with no pool started, editions render in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
import traceback
import weakref
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from .exits import stop_if_interrupted


if TYPE_CHECKING:
    from .diagnostics import Diagnostic
    from .render import RenderRequest
    from .view import Job

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
    fit: str = ""  # how full the body's last page is (render.describe_fit)

    @property
    def ok(self) -> bool:
        return self.pdf is not None


def cpu_count() -> int:
    """Return how many CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def render_one(request: RenderRequest, root: Path, font_config=None, *, reply_html: bool = True) -> Rendered:
    """Render one prepared edition, turning its errors into a result so the others carry on.

    A pool worker is sent `reply_html=False`: the process that sent the HTML still has it, and a
    long document's HTML is megabytes to copy back through the pipe."""
    from . import hyphenation, render
    from .diagnostics import ContentError

    hyphenation.install()  # hyphenation patterns parsed once per machine, not once per process
    started = time.perf_counter()
    try:
        pdf, pages, fit = render.execute(request, root, font_config)
    except ContentError as exc:
        return Rendered(request.stem, None, None, 0, time.perf_counter() - started, tuple(exc.diagnostics))
    except Exception:  # an internal fault in one edition must not cost the others theirs
        return Rendered(request.stem, None, None, 0, time.perf_counter() - started, (),
                        traceback.format_exc())
    return Rendered(request.stem, pdf, request.html if reply_html else None, pages,
                    time.perf_counter() - started, fit=fit)


def _prepare(job: Job, root: Path) -> RenderRequest | Rendered:
    """Fill the layouts for one edition here; a fault becomes that edition's result."""
    from .diagnostics import ContentError
    from .render import prepare

    try:
        return prepare(job, root)
    except ContentError as exc:
        return Rendered(job.stem, None, None, 0, 0.0, tuple(exc.diagnostics))
    except Exception:
        return Rendered(job.stem, None, None, 0, 0.0, (), traceback.format_exc())


def _warm(rehearsal: bool = False) -> None:
    """Import the renderer once in a new worker, before its first edition arrives; with
    `rehearsal`, also render a few English words (see `rehearse`)."""
    from .fonts import isolate

    isolate()  # fontconfig must see only the bundled fonts from its first load on
    import weasyprint  # noqa: F401

    from . import finishing, hyphenation, render  # noqa: F401
    hyphenation.install()  # hyphenation patterns parsed once per machine
    if rehearsal:
        rehearse(("en",))


_rehearsed: set[str] = set()
_REHEARSAL = """<html lang="en"><body style="font-family: sans-serif; width: 25mm">
<h1>Rehearsal</h1><p><b>bold</b> <i>italic</i> <a href="https://example.org/">link</a>
\u2265 1 \u2022 \u00e9</p>{paragraphs}</body></html>"""
_WORDS = "Informationsveranstaltungen Behandlungsempfehlungen recommendations Hormonrezeptor"


def rehearse(languages=("en",)) -> None:
    """Render a few words in each of `languages` to a PDF in memory, once per process.

    A process's first render loads what every later one reuses: the C types of Pango's and
    HarfBuzz's bindings and each language's hyphenation patterns (German's take most of a second
    to read), a third of a leaflet's render time and more. A render worker rehearses English while
    the build process still loads and checks the sources; workers forked from a process that
    has rehearsed (a test session) start warm. Never raises: a rehearsal only warms.
    """
    wanted = [language for language in languages if language not in _rehearsed]
    if not wanted and _rehearsed:
        return
    _warm()
    import weasyprint

    from .finishing import marked_content_ids

    paragraphs = "".join(f'<p lang="{language}" style="hyphens: auto">{_WORDS}</p>' for language in wanted)
    try:
        document = weasyprint.HTML(string=_REHEARSAL.format(paragraphs=paragraphs)).render(pdf_tags=True)
        with marked_content_ids():
            document.write_pdf(pdf_tags=True)
    except Exception:  # noqa: BLE001 - the real render reports what is wrong
        pass
    _rehearsed.update(wanted or ("en",))


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _start_worker(parent: int) -> None:
    """Set a new worker up: it leaves interruptions to its parent and dies with it, then warms up.

    Ctrl-C reaches the whole process group; the parent decides what stops, and kills its workers.
    If the parent itself is killed (kill -9), the kernel kills the worker too (Linux), and a
    worker that finds its parent already gone leaves at once.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited by fork
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the check below still holds
            pass
    if os.getppid() != parent:
        os._exit(1)
    _warm(rehearsal=True)


_preloading: threading.Thread | None = None


def preload() -> None:
    """Start importing WeasyPrint in a thread while this process loads and checks the sources.

    Much of that import waits on the dynamic linker and on subprocesses looking for libraries,
    time this process can spend on its own imports, validation and resolution instead.
    """
    global _preloading
    if _preloading is None and "weasyprint" not in sys.modules:
        from .fonts import isolate

        isolate()  # here, not in the thread: the environment is set before any thread reads it
        _preloading = threading.Thread(target=_warm, name="import-weasyprint", daemon=True)
        _preloading.start()


def settle() -> None:
    """Wait for a preload to finish (before forking workers, and before exiting)."""
    if _preloading is not None:
        _preloading.join()


_prestarted: ProcessPoolExecutor | None = None


def _pool(size: int) -> ProcessPoolExecutor:
    pool = ProcessPoolExecutor(max_workers=size, initializer=_start_worker, initargs=(os.getpid(),),
                               mp_context=multiprocessing.get_context(START_METHOD))
    pool.submit(int)  # start the workers now: they import WeasyPrint meanwhile
    # Kept here: the pool forgets its processes once told to shut down, and they must still be
    # killable (an interruption) and reaped (`Workers.close`).
    pool._leaflets_processes = list(pool._processes.values())  # type: ignore[attr-defined]
    pool._leaflets_manager = pool._executor_manager_thread  # type: ignore[attr-defined]
    _pools.add(pool)
    return pool


_pools: "weakref.WeakSet[ProcessPoolExecutor]" = weakref.WeakSet()


def kill_all() -> None:
    """Kill every worker this process started (an interruption, wherever it struck)."""
    for pool in list(_pools):
        _kill(pool)


def prestart(size: int) -> None:
    """Fork `size` workers now, when rendering is known to be needed, before the sources load."""
    global _prestarted
    if _prestarted is None and size >= 1 and cpu_count() > 1 and _preloading is None:
        _prestarted = _pool(size)


def start_early(found: dict) -> None:
    """Fork the render workers at once when a build command line (`noop.scan`) will render.

    make_pdf.py calls this before the command line's own modules load (argparse, the commands,
    pydantic, the content models, the checks), so each worker starts importing WeasyPrint about
    as soon as WeasyPrint alone would, while this process loads, checks and resolves. It reads
    only each document's editions list and the cache records (`cache.quick_count`); whatever it
    cannot tell leaves the decision to the build (`commands.build`), which checks everything.
    A SIGTERM from now on interrupts like Ctrl-C (as `cli.main` arranges), so that the workers
    are killed and reaped.
    """
    from .paths import ROOT, _output_folder

    if _prestarted is not None or _preloading is not None or "weasyprint" in sys.modules:
        return
    try:
        out = _output_folder(found["out"]) if found["out"] is not None else ROOT / "build"
        from .cache import build_options, quick_count

        count = quick_count(ROOT, out, (found["document"], found["locale"], found["paper"], found["profile"]),
                            found["force"], build_options(found["allow_incomplete"]), found["html"])
    except Exception:  # noqa: BLE001 - the build itself will say what is wrong
        return
    if count:
        import signal

        from .exits import interrupt

        signal.signal(signal.SIGTERM, interrupt)
        prestart(min(found["jobs"] or cpu_count(), count))


def interrupted() -> None:
    """Stop at once on Ctrl-C or SIGTERM that struck before the command line took them over."""
    from .exits import EXIT_INTERRUPTED, INTERRUPTED, ignore_interruptions

    ignore_interruptions()  # a second Ctrl-C or SIGTERM must not interrupt the exit
    kill_all()
    print(INTERRUPTED, file=sys.stderr)
    leave(EXIT_INTERRUPTED)


def leave(status: int) -> None:
    """End the command now that every output is written and closed: kill a pool that no build
    took, reap it, flush the standard streams and exit without tearing the interpreter down
    (freeing the content models, the templates, thousands of modules: up to a tenth of a
    second of an edition's time, spent on nothing the user sees)."""
    discard_prestarted(kill=True)
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # `2>&-`: no stream at all
                stream.flush()
        except (OSError, ValueError):  # a reader that left (`| head`): nothing more to say
            pass
    os._exit(status)


def discard_prestarted(kill: bool = False) -> None:
    """Stop a prestarted pool that no build took (e.g. the content had errors)."""
    global _prestarted
    if _prestarted is not None:
        if kill:
            _kill(_prestarted)
        _prestarted.shutdown(wait=False, cancel_futures=True)
        _prestarted = None


def _kill(pool: ProcessPoolExecutor) -> None:
    """Kill a pool's worker processes now, whatever they are doing (an interrupted build)."""
    processes = getattr(pool, "_leaflets_processes", None) or list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        try:
            process.kill()
        except (OSError, ValueError):
            pass
    deadline = time.monotonic() + 1.0
    for process in processes:  # reap them, so that none is left even as a zombie
        try:
            process.join(max(0.0, deadline - time.monotonic()))
        except (OSError, ValueError, AssertionError):
            pass


class Workers:
    """Where editions are rendered: a pool of workers, or this process for one at a time."""

    def __init__(self, size: int):
        global _prestarted
        self.pool: ProcessPoolExecutor | None = _prestarted
        _prestarted = None
        if self.pool is not None:
            return
        if size <= 1:
            preload()
            return
        settle()  # a process must not fork while one of its threads is importing
        self.pool = _pool(size)

    def render(self, jobs: list[Job], root: Path,
               started: Callable[[str], None] = lambda stem: None) -> Iterator[Rendered]:
        """Render the jobs, yielding each result as it is ready; call `started` as each begins."""
        # An interruption lost while an edition was made (in a finaliser, a library's bare
        # `except:`) may have left it incomplete: none made since is handed on to be written.
        if self.pool is None:
            for job in jobs:
                stop_if_interrupted()
                started(job.stem)
                request = _prepare(job, root)
                rendered = request if isinstance(request, Rendered) else render_one(request, root)
                stop_if_interrupted()
                yield rendered
            return
        futures: dict[Future, str] = {}
        sent: dict[str, str] = {}  # each edition's HTML, until its PDF is back
        for job in jobs:  # fill the layouts here while the workers render what is ready
            stop_if_interrupted()
            request = _prepare(job, root)
            stop_if_interrupted()
            if isinstance(request, Rendered):
                yield request
            else:
                # This process reads the fonts back (below): it has the time while the workers
                # render, and a worker would import pikepdf and fontTools on its edition's path.
                request = replace(request, audit=False)
                futures[self.pool.submit(render_one, request, root, reply_html=False)] = job.stem
                sent[job.stem] = request.html
                del request
        # Nothing more will be sent: each worker leaves as soon as the last edition is done,
        # while this process writes the outputs, instead of when `close` asks.
        self.pool.shutdown(wait=False)
        if futures:
            _ready_to_audit(root)
        pending, announced = set(futures), set()
        while pending:
            done, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            stop_if_interrupted()
            for future in futures:  # in submission order, so the display reads in matrix order
                if future not in announced and (future.running() or future.done()):
                    announced.add(future)
                    started(futures[future])
            for future in sorted(done, key=list(futures).index):
                stem = futures[future]
                rendered = _audited(_outcome(future, stem), sent.pop(stem), root)
                stop_if_interrupted()
                yield rendered

    def close(self) -> None:
        """Stop the workers, dropping editions not yet started, and wait until they have exited."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            manager = getattr(self.pool, "_leaflets_manager", None)
            if manager is not None:  # it joins the workers (after an earlier shutdown too)
                manager.join()
            for process in getattr(self.pool, "_leaflets_processes", ()):
                process.join()

    def abort(self) -> None:
        """Kill the workers at once, dropping every edition not finished (an interruption)."""
        if self.pool is not None:
            _kill(self.pool)
            self.pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None and not issubclass(kind, Exception):  # KeyboardInterrupt, SystemExit
            self.abort()
        else:
            self.close()


def _ready_to_audit(root: Path) -> None:
    """Load what reading the fonts back needs, while the workers render."""
    try:
        from . import fonts

        fonts.postscript_names(root)
        import pikepdf  # noqa: F401
        from fontTools.ttLib import TTFont  # noqa: F401
    except Exception:  # noqa: BLE001 - the audit itself reports what is wrong
        pass


def _audited(rendered: Rendered, html: str, root: Path) -> Rendered:
    """Check a worker's PDF embeds only bundled fonts (`fonts.audit`), as `render.execute` does
    for a PDF rendered in this process; give the edition its HTML back."""
    if not rendered.ok:
        return rendered
    from .fonts import audit

    try:
        foreign = audit(rendered.pdf, root, rendered.stem)
    except Exception:  # noqa: BLE001 - an unreadable PDF fails its edition, not the build
        return Rendered(rendered.stem, None, None, 0, rendered.seconds, (), traceback.format_exc())
    if foreign:
        return Rendered(rendered.stem, None, None, 0, rendered.seconds, tuple(foreign))
    return replace(rendered, html=html)


def _outcome(future: Future, stem: str) -> Rendered:
    try:
        return future.result()
    except Exception as exc:  # the worker died (killed, out of memory): say so for this edition
        fault = f"the worker rendering {stem} stopped: {exc!r}\n"
        return Rendered(stem, None, None, 0, 0.0, (), fault)
