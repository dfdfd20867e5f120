"""The command line's exit statuses, in one place."""

import os
import select
import sys
import threading

EXIT_OK = 0
EXIT_CONTENT = 1  # content errors, a failed preflight rule, stale schemas
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_MISSING = 2  # doctor: the machine lacks something the pipeline needs
EXIT_SAME = 0  # compare: the two versions print the same
EXIT_CHANGED = 1  # compare: something changed, ask for a review
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT
INTERRUPTED = "interrupted: finished editions were kept, nothing incomplete was written"
EXIT_CLOSED_PIPE = 141  # the reader of the output went away (`| head`), as a shell reports SIGPIPE

# Ctrl-C or SIGTERM reached this command. Its handler raises KeyboardInterrupt wherever the
# command is, and that can be lost: raised inside a finaliser (`__del__`, a weakref callback)
# Python only reports it, and a library's bare `except:` swallows it. The build looks at this
# note between editions and while it waits for the workers (`stop_if_interrupted`).
interruption = threading.Event()


def interrupt(signum, frame) -> None:
    """The handler of Ctrl-C and SIGTERM: note the interruption, and raise it where the command is."""
    interruption.set()
    _quiet_lost_interruptions()
    raise KeyboardInterrupt


def ignore_interruptions() -> None:
    """Leave the exit after an interruption uninterrupted: a second Ctrl-C or SIGTERM (a CI
    runner cancels twice, a user presses again) must not cut it short with a traceback."""
    import signal

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def stop_if_interrupted() -> None:
    """Raise KeyboardInterrupt if an interruption came and was lost on its way."""
    if interruption.is_set():
        raise KeyboardInterrupt


def _quiet_lost_interruptions() -> None:
    """An interruption lost in a finaliser is taken up by `stop_if_interrupted`: Python need not
    report it as an ignored exception; any other unraisable exception it still reports."""
    hook = sys.unraisablehook
    if getattr(hook, "leaflets", False):
        return

    def unraisable(info) -> None:
        if not (isinstance(info.exc_value, KeyboardInterrupt) and interruption.is_set()):
            hook(info)

    unraisable.leaflets = True  # type: ignore[attr-defined]
    sys.unraisablehook = unraisable


def output_closed() -> bool:
    """True when standard output's reader has gone away; from then on its output goes nowhere.

    A broken pipe of our own (a worker's) is an internal fault; only a closed standard output
    is the reader's choice, and Python would otherwise print a traceback when it flushes at exit.
    """
    try:
        descriptor = sys.stdout.fileno()
        poll = select.poll()
        poll.register(descriptor, select.POLLOUT)
        closed = any(events & select.POLLERR for _, events in poll.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll, or no real standard output
        return False
    if closed:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, descriptor)  # Python flushes standard output at exit: into nothing
        os.close(devnull)
    return closed
