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
    parser.add_argument("--allow-incomplete", action="store_true",
                        help="build translated editions with gaps as drafts, the master text filling the gaps")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..build import Filters, build, load_all

    out = args.out or ROOT / "build"
    filters = Filters(args.document, args.locale, args.paper, args.profile)

    def report(output) -> None:
        print(f"{output.path}  {output.pages} pages  {output.seconds:.2f} s", flush=True)

    def warn(diagnostic) -> None:
        print(diagnostic.format(), file=sys.stderr, flush=True)

    outputs = build(ROOT, out, filters, write_html=args.html, report=report,
                    strict=args.strict, warn=warn, allow_incomplete=args.allow_incomplete)
    if not outputs:
        print("no edition matches the filters", file=sys.stderr)
        return EXIT_USAGE
    masters = {doc.name: doc.leaflet.document.language for doc in load_all(ROOT, args.document)}
    for line in page_counts(outputs, masters):
        print(line)
    print(f"{len(outputs)} edition(s) built; manifest: {display_path(out / 'manifest.json')}")
    return EXIT_OK


def page_counts(outputs, masters: dict[str, str]) -> list[str]:
    """Return one line per document, paper and profile: each locale's pages beside the master's."""
    groups: dict[tuple, dict[str, int]] = {}
    for o in outputs:
        groups.setdefault((o.document, o.paper, o.profile), {})[o.locale] = o.pages
    lines = []
    for (document, paper, profile), pages in sorted(groups.items()):
        master = masters.get(document)
        if len(pages) < 2 or master not in pages:
            continue
        parts = [f"{master} {pages[master]} (master)"] + [
            f"{locale} {n} ({n - pages[master]:+d})" for locale, n in pages.items() if locale != master]
        lines.append(f"pages, {document} {paper} {profile}: " + ", ".join(parts))
    return lines
