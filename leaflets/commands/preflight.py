"""`make_pdf.py preflight FILE.pdf...`: say what each PDF is and whether it meets its profile."""

from __future__ import annotations

import argparse

from ..profiles import PROFILES
from . import selection


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "preflight", help="inspect PDFs and check them against their output profile",
        description="Print, per file: PDF version and claimed standards, page boxes in mm, fonts, "
                    "colour operators, images and their resolution, tagging, and a verdict per rule "
                    "of the profile the file claims. Exit status 1 when a rule fails. "
                    "See docs/preflight.md for what is checked and what is left to a validator.")
    parser.add_argument("paths", nargs="+", metavar="FILE.pdf", help="PDF files to inspect")
    parser.add_argument("--profile", type=selection.choice("profile", PROFILES),
                        metavar="{%s}" % ",".join(PROFILES),
                        help="check against this profile instead of the standards the file claims")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..preflight import main

    return main(args.paths, args.profile)
