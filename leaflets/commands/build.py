"""`make_pdf.py build`: render the declared editions into build/ (the default command)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..diagnostics import display_path
from ..paths import ROOT
from ..profiles import PAPERS, PROFILES

EXIT_OK, EXIT_USAGE = 0, 2


def add_parser(commands) -> None:
    parser = commands.add_parser("build", help="build the declared editions (the default command)")
    parser.add_argument("--document", help="only this document (a folder name under source/)")
    parser.add_argument("--locale", help="only editions in this locale, e.g. en")
    parser.add_argument("--paper", choices=sorted(PAPERS), help="only editions on this paper")
    parser.add_argument("--profile", choices=sorted(PROFILES),
                        help="only editions in this output profile")
    parser.add_argument("--html", action="store_true",
                        help="also write the intermediate HTML beside each PDF, for debugging")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: build/)")
    parser.add_argument("--strict", action="store_true", help="treat content warnings as errors")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..build import Filters, build

    out = args.out or ROOT / "build"
    filters = Filters(args.document, args.locale, args.paper, args.profile)

    def report(output) -> None:
        print(f"{output.path}  {output.pages} pages  {output.seconds:.2f} s", flush=True)

    def warn(diagnostic) -> None:
        print(diagnostic.format(), file=sys.stderr, flush=True)

    outputs = build(ROOT, out, filters, write_html=args.html, report=report,
                    strict=args.strict, warn=warn)
    if not outputs:
        print("no edition matches the filters", file=sys.stderr)
        return EXIT_USAGE
    print(f"{len(outputs)} edition(s) built; manifest: {display_path(out / 'manifest.json')}")
    return EXIT_OK
