"""`make_pdf.py schema`: regenerate the JSON Schemas in schema/ from the content models."""

from __future__ import annotations

import argparse
import sys

from ..diagnostics import display_path
from ..exits import EXIT_CONTENT, EXIT_OK
from ..paths import ROOT


def add_parser(commands) -> None:
    parser = commands.add_parser("schema", help="regenerate the JSON Schemas for editors in schema/")
    parser.add_argument("--check", action="store_true",
                        help="only report whether the schemas are up to date (exit 1 if not)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..schema import stale_schemas, write_schemas

    folder = ROOT / "schema"
    if args.check:
        stale = stale_schemas(folder)
        for path in stale:
            print(f"{display_path(path)}: out of date; run 'python make_pdf.py schema'", file=sys.stderr)
        return EXIT_CONTENT if stale else EXIT_OK
    for path in write_schemas(folder):
        print(f"wrote {display_path(path)}")
    return EXIT_OK
