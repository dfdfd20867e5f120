"""Command line: parse arguments, call the pipeline's stages, report plainly."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from .diagnostics import ContentError, display_path

EXIT_OK, EXIT_CONTENT, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
COMMANDS = ("build",)
ROOT = Path(__file__).resolve().parent.parent


def parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    main = argparse.ArgumentParser(
        prog="make_pdf.py",
        description="Build patient leaflet PDFs from the YAML sources under source/.")
    commands = main.add_subparsers(dest="command", metavar="COMMAND")
    build = commands.add_parser("build", help="build the declared editions (the default command)")
    build.add_argument("--document", help="only this document (a folder name under source/)")
    build.add_argument("--locale", help="only editions in this locale, e.g. en")
    build.add_argument("--paper", choices=["a4", "letter"], help="only editions on this paper")
    build.add_argument("--profile", choices=["screen", "print", "archive"],
                       help="only editions in this output profile")
    build.add_argument("--html", action="store_true",
                       help="also write the intermediate HTML beside each PDF, for debugging")
    build.add_argument("--out", type=Path, default=None, help="output folder (default: build/)")
    return main


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, "build")
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    try:
        return _build(args)
    except ContentError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.format(), file=sys.stderr)
        errors = sum(d.is_error for d in exc.diagnostics)
        print(f"{errors} error(s): nothing was written", file=sys.stderr)
        return EXIT_CONTENT
    except KeyboardInterrupt:
        print("interrupted: nothing was replaced", file=sys.stderr)
        return 130
    except Exception:  # an internal fault, not the user's: say so, with the details
        print("internal error (please report it with the lines below):", file=sys.stderr)
        traceback.print_exc()
        return EXIT_INTERNAL


def _build(args: argparse.Namespace) -> int:
    from .build import Filters, build

    out = args.out or ROOT / "build"
    filters = Filters(args.document, args.locale, args.paper, args.profile)

    def report(output) -> None:
        print(f"{output.path}  {output.pages} pages  {output.seconds:.2f} s", flush=True)

    outputs = build(ROOT, out, filters, write_html=args.html, report=report)
    if not outputs:
        print("no edition matches the filters", file=sys.stderr)
        return EXIT_USAGE
    print(f"{len(outputs)} edition(s) built; manifest: {display_path(out / 'manifest.json')}")
    return EXIT_OK
