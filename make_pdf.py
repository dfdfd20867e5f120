#!/usr/bin/env python3
"""Build the patient leaflet PDFs: `python make_pdf.py --help`."""

import sys

if __name__ == "__main__":
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
    sys.exit(status)
