#!/usr/bin/env python3
"""Build the patient leaflet PDFs: `python make_pdf.py --help`."""

import sys

from leaflets.cli import main

if __name__ == "__main__":
    sys.exit(main())
