"""`make_pdf.py preview`: a live preview of one edition in the browser, rebuilt on every save."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..paths import ROOT
from ..profiles import PAPERS, PROFILES
from . import selection

DEFAULT_PORT = 8765


def port(text: str) -> int:
    """Parse `--port N` for argparse: 0 (any free port) to 65535."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number (0 to 65535; 0 picks a free one)")
    return value


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "preview", help="show one edition's pages in the browser, rebuilt on every save",
        description="Serve a live preview of one edition on 127.0.0.1: the pages, the page count "
                    "and the content checks' diagnostics, updated on every save of a source, "
                    "catalogue, reference, layout or style file. Each good rebuild also writes "
                    "the edition's PDF and its manifest entry to build/. Ctrl-C stops it.")
    parser.add_argument("--document", help="preview this document (a folder name under source/)")
    parser.add_argument("--locale", help="preview an edition in this locale, e.g. en")
    parser.add_argument("--paper", type=selection.choice("paper", PAPERS), metavar="{%s}" % ",".join(sorted(PAPERS)), help="preview an edition on this paper")
    parser.add_argument("--profile", type=selection.choice("profile", PROFILES),
                        metavar="{%s}" % ",".join(sorted(PROFILES)), help="preview an edition in this profile")
    parser.add_argument("--port", type=port, default=DEFAULT_PORT,
                        help=f"port on 127.0.0.1 (default: {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--open", action="store_true", help="open the page in the default browser")
    parser.add_argument("--strict", action="store_true", help="treat content warnings as errors")
    parser.add_argument("--allow-incomplete", action="store_true",
                        help="preview translated editions with gaps as drafts, the master text filling the gaps")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: build/)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..plan import Filters
    from ..preview.app import serve

    selection.check(ROOT, args.document, args.locale)  # a typo is a usage error with a hint
    return serve(ROOT, args.out or ROOT / "build", Filters(args.document, args.locale, args.paper, args.profile),
                 args.port, open_browser=args.open, strict=args.strict,
                 allow_incomplete=args.allow_incomplete)
