"""The command line's exit statuses, in one place."""

import os
import select
import sys

EXIT_OK = 0
EXIT_CONTENT = 1  # content errors, a failed preflight rule, stale schemas
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_MISSING = 2  # doctor: the machine lacks something the pipeline needs
EXIT_SAME = 0  # compare: the two versions print the same
EXIT_CHANGED = 1  # compare: something changed, ask for a review
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT
EXIT_CLOSED_PIPE = 141  # the reader of the output went away (`| head`), as a shell reports SIGPIPE


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
