#!/usr/bin/env python3
"""Build the patient leaflet PDFs: `python make_pdf.py --help`."""

import os
import signal
import sys


def run() -> int:
    from leaflets.noop import front, scan  # a build with nothing to do answers here, before any import

    status = front(sys.argv[1:])
    if status is None:
        found = scan(sys.argv[1:])  # a build command line: fork its render workers first
        if found is None:
            from leaflets.cli import main

            status = main()
        else:
            from leaflets import workers

            try:
                workers.start_early(found)
                from leaflets.cli import main

                status = main()
            except KeyboardInterrupt:  # before the command line took over its interruptions
                workers.interrupted()
            workers.leave(status)
    return status


def interrupted() -> None:
    """Stop on Ctrl-C or SIGTERM that struck while Python loaded the command line, before it
    took interruptions over: the one line, exit 130, never a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second one must not interrupt the exit
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if "leaflets.workers" in sys.modules:
        sys.modules["leaflets.workers"].interrupted()  # kills and reaps the workers, and leaves
    from leaflets.exits import EXIT_INTERRUPTED, INTERRUPTED

    print(INTERRUPTED, file=sys.stderr)
    sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)


if __name__ == "__main__":
    # Until the command line takes them over, SIGTERM (a CI runner's cancel) stops as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        status = run()
    except KeyboardInterrupt:
        interrupted()
    sys.exit(status)
