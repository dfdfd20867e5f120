"""Command line: parse arguments, call the pipeline's stages, report plainly."""

from __future__ import annotations

import argparse
import sys
import traceback

from .commands import build as build_command
from .commands import list as list_command
from .commands import manifest as manifest_command
from .commands import preflight as preflight_command
from .commands import check as check_command
from .commands import doctor as doctor_command
from .commands import schema as schema_command
from .commands import i18n as i18n_command
from .commands import compare as compare_command
from .diagnostics import ContentError
from .exits import EXIT_CONTENT, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

# The registry of sub-commands; the first is the default when none is named.
COMMANDS = {
    "build": build_command,
    "list": list_command,
    "manifest": manifest_command,
    "preflight": preflight_command,
    "check": check_command,
    "schema": schema_command,
    "i18n": i18n_command,
    "compare": compare_command,
    "doctor": doctor_command,
}


def parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    main = argparse.ArgumentParser(
        prog="make_pdf.py",
        description="Build patient leaflet PDFs from the YAML sources under source/. "
                    "Without a command, builds every declared edition.")
    commands = main.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS.values():
        module.add_parser(commands)
    return main


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, next(iter(COMMANDS)))
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    try:
        return args.run(args)
    except ContentError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.format(), file=sys.stderr)
        errors = sum(d.is_error for d in exc.diagnostics)
        warnings = len(exc.diagnostics) - errors
        print(f"{errors} error(s), {warnings} warning(s): nothing was written", file=sys.stderr)
        return EXIT_CONTENT
    except KeyboardInterrupt:
        print("interrupted: nothing was replaced", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:  # an internal fault, not the user's: say so, with the details
        print("internal error (please report it with the lines below):", file=sys.stderr)
        traceback.print_exc()
        return EXIT_INTERNAL
