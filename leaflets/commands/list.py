"""`make_pdf.py list`: show the edition matrix and which editions are out of date."""

from __future__ import annotations

import argparse

from ..exits import EXIT_OK
from ..paths import ROOT
from . import selection
from .build import add_filters


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "list", help="list the edition matrix and what is out of date",
        description="Validate the sources and list every selected edition: its job code, its "
                    "output file and whether it is up to date. Renders nothing.")
    add_filters(parser)
    parser.add_argument("--html", action="store_true",
                        help="count an edition without its intermediate HTML as out of date")
    parser.add_argument("--allow-incomplete", action="store_true",
                        help="as a build with --allow-incomplete would count them")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..cache import build_options
    from ..plan import Filters, survey

    selection.check(ROOT, args.document, args.locale)
    out = args.out or ROOT / "build"
    filters = Filters(args.document, args.locale, args.paper, args.profile)
    planned = survey(ROOT, out, filters, args.shard, write_html=args.html,
                     options=build_options(args.allow_incomplete))
    rows = [(p.stem, p.edition.job_code, p.reason or "up to date", p.shown) for p in planned]
    header = ("EDITION", "JOB CODE", "STATE", "OUTPUT")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    stale = sum(p.reason is not None for p in planned)
    print(f"{len(planned)} edition(s), {stale} out of date")
    return EXIT_OK
