#!/usr/bin/env python3
"""Build the patient leaflet PDFs: `python make_pdf.py --help`."""

import sys

if __name__ == "__main__":
    from leaflets.noop import front  # a build with nothing to do answers here, before any import

    status = front(sys.argv[1:])
    if status is None:
        from leaflets.cli import main

        status = main()
    sys.exit(status)
