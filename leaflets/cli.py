"""Command line: parse arguments, call the pipeline's stages, report plainly."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import traceback
from pathlib import Path

from .commands import build as build_command
from .commands import list as list_command
from .commands import manifest as manifest_command
from .commands import preflight as preflight_command
from .commands import check as check_command
from .commands import doctor as doctor_command
from .commands import schema as schema_command
from .commands import i18n as i18n_command
from .commands.selection import UsageError
from .commands import compare as compare_command
from .commands import preview as preview_command
from .diagnostics import ContentError, error, printable
from .paths import WriteError

from .exits import (EXIT_CLOSED_PIPE, EXIT_CONTENT, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, INTERRUPTED,
                    ignore_interruptions, interrupt, interruption, output_closed, stop_if_interrupted)

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
    "preview": preview_command,
}


def _raise_interrupt_on_sigterm():
    """Treat SIGTERM (a CI runner's cancel, `kill`) like Ctrl-C, and note either when it comes
    (`exits.interrupt`); return the handlers to restore.

    A library may catch the KeyboardInterrupt and raise an error of its own instead (pydantic's
    validators, built while the models import, wrap it in a SchemaError), or lose it: the note
    tells an interruption from an internal fault, and stops the build at its next step.
    """
    if threading.current_thread() is not threading.main_thread():
        return None
    previous_int = signal.getsignal(signal.SIGINT)
    if previous_int is signal.default_int_handler:  # not where Ctrl-C is ignored (`&` in a script)
        signal.signal(signal.SIGINT, interrupt)
    return signal.signal(signal.SIGTERM, interrupt), previous_int, sys.unraisablehook


def _interrupted(argv_given: bool) -> int:
    """Stop after Ctrl-C or SIGTERM: kill the workers, say what was kept, exit 130."""
    ignore_interruptions()  # a second Ctrl-C or SIGTERM must not interrupt the exit
    if "leaflets.workers" in sys.modules:
        sys.modules["leaflets.workers"].kill_all()
    print(INTERRUPTED, file=sys.stderr)
    if argv_given:
        return EXIT_INTERRUPTED
    # The command itself: leave now. The workers are killed; waiting for the thread pools'
    # exit hooks could hang on a worker that was mid-way through a render.
    for stream in (sys.stderr, sys.stdout):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(EXIT_INTERRUPTED)


class _Parser(argparse.ArgumentParser):
    """argparse's parser, its usage errors kept on one line whatever the user typed (a value
    holding a line break or an escape sequence is shown escaped); its sub-commands' parsers too."""

    def error(self, message: str):
        super().error(printable(message))


def parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    main = _Parser(
        prog="make_pdf.py", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Build patient leaflet PDFs from the YAML sources under source/.\n"
                    "Without a command, builds every declared edition (the build command).")
    commands = main.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS.values():
        module.add_parser(commands)
    # The default command's options work without naming it: show them here too.
    default = next(iter(COMMANDS))
    options = commands.choices[default].format_help().split("\noptions:\n", 1)[-1]
    options = "".join(line for line in options.splitlines(True) if not line.lstrip().startswith("-h, --help"))
    main.epilog = f"{default} options (also without a command, e.g. make_pdf.py --paper a4):\n{options}"
    return main


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit status."""
    argv_given = argv is not None
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv.insert(0, next(iter(COMMANDS)))
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    previous = _raise_interrupt_on_sigterm()
    try:
        try:
            status = args.run(args)
        except Exception:
            # A library turned the interruption into an error of its own (a content error, a
            # fault): the user asked to stop, and nothing it says is about their sources.
            stop_if_interrupted()
            raise
        stop_if_interrupted()  # an interruption a finaliser or a library lost
        return status
    except KeyboardInterrupt:
        return _interrupted(argv_given)
    except UsageError as exc:
        command = " ".join(filter(None, (args.command, getattr(args, "action", None))))
        print(f"make_pdf.py {command}: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except ContentError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.format(), file=sys.stderr)
        errors = sum(d.is_error for d in exc.diagnostics)
        warnings = len(exc.diagnostics) - errors
        print(f"{errors} error(s), {warnings} warning(s): nothing was written", file=sys.stderr)
        return EXIT_CONTENT
    except WriteError as exc:  # an output of a command other than the build (which reports its own)
        print(error(Path(exc.filename), "write-failed", f"cannot write {Path(exc.filename).name}: "
                    f"{exc.strerror or exc}", "free space on the disk or choose another --out; "
                    "the previous file was kept").format(), file=sys.stderr)
        return EXIT_CONTENT
    except BrokenPipeError:
        if not output_closed():
            print("internal error (please report it with the lines below):", file=sys.stderr)
            traceback.print_exc()
            return EXIT_INTERNAL
        return EXIT_CLOSED_PIPE  # `make_pdf.py list | head`: the reader has what it wanted
    except Exception:  # an internal fault, not the user's: say so, with the details
        print("internal error (please report it with the lines below):", file=sys.stderr)
        traceback.print_exc()
        return EXIT_INTERNAL
    finally:
        if previous is not None:  # in-process callers (tests) get their handlers back
            signal.signal(signal.SIGTERM, previous[0])
            signal.signal(signal.SIGINT, previous[1])
            sys.unraisablehook = previous[2]
            interruption.clear()
