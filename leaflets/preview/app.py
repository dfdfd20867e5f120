"""Start the preview (server, watcher, builder and render worker) and stop it all on Ctrl-C."""

from __future__ import annotations

import errno
import signal
import socket
import sys
import threading
from pathlib import Path

from ..plan import Filters
from .server import HOST, PreviewServer
from .session import NoEdition, Session
from .worker import RenderWorker

from ..exits import EXIT_OK, EXIT_USAGE, ignore_interruptions, interrupt, interruption, stop_if_interrupted
WATCHED_TREES = ("source", "layouts", "styles")  # sources, catalogues, references, layouts, styles
STEP_MS = 10  # a save is taken once the files have been quiet this long (editors write a file at once)


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def free_port(start: int) -> int:
    """Return a port near `start` that nothing listens on, for the suggestion."""
    for port in [*range(start + 1, min(start + 50, 65536)), 0]:
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return probe.getsockname()[1]
    return 0


def watch(root: Path, session: Session, stop: threading.Event) -> None:
    """Ask for a rebuild whenever a file under the watched trees is saved."""
    import watchfiles

    trees = [str(root / tree) for tree in WATCHED_TREES if (root / tree).is_dir()]
    for _changes in watchfiles.watch(*trees, watch_filter=_relevant, step=STEP_MS,
                                     stop_event=stop, raise_interrupt=False, rust_timeout=500,
                                     yield_on_timeout=False):
        session.request()


def _relevant(change, path: str) -> bool:
    """Saved files, not editors' swap, backup and lock files."""
    name = Path(path).name
    return not (name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp"))
                or "__pycache__" in path)


def serve(root: Path, out: Path, filters: Filters, port: int, *, open_browser: bool = False,
          strict: bool = False, allow_incomplete: bool = False) -> int:
    """Run the preview until Ctrl-C (or SIGTERM); return the exit status."""
    stop = threading.Event()
    session = Session(root, out, filters, None, strict=strict, allow_incomplete=allow_incomplete, log=_say)
    try:
        server = PreviewServer(port, session, stop)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            _say(f"make_pdf.py preview: error: port {port} on {HOST} is in use (another preview?); "
                 f"try --port {free_port(port)}")
            return EXIT_USAGE
        raise
    worker = None
    threads: list[threading.Thread] = []
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        try:
            if session.choose_first() is None:
                _say("the sources have errors: the page shows them; fix them and save")
        except NoEdition:
            _say("make_pdf.py preview: error: no edition matches the filters")
            return EXIT_USAGE
        worker = session.worker = RenderWorker(root)  # imports WeasyPrint while the page opens
        threads = [threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                                    name="preview-server", daemon=True),
                   threading.Thread(target=watch, args=(root, session, stop), name="preview-watch",
                                    daemon=True),
                   threading.Thread(target=session.run, args=(stop,), name="preview-build", daemon=True)]
        for thread in threads:
            thread.start()
        session.request()
        what = session.choice.stem if session.choice else "the first edition matching the filters"
        print(f"preview of {what} at {server.url} (Ctrl-C to stop)", flush=True)
        if open_browser:
            import webbrowser
            webbrowser.open(server.url)
        while not stop.wait(0.5):
            stop_if_interrupted()  # an interruption a finaliser or a library lost
    except KeyboardInterrupt:
        interruption.clear()  # the preview's way to end: taken up here
    finally:
        ignore_interruptions()  # a second Ctrl-C or SIGTERM must not cut the cleanup short
        stop.set()
        session.wake()
        if threads:
            server.shutdown()
        server.server_close()
        if worker is not None:
            worker.close()  # ends a render in progress: the builder thread then stops too
        for thread in threads:
            thread.join(3.0)
        signal.signal(signal.SIGTERM, previous)
    _say("preview stopped")
    return EXIT_OK
