"""`make_pdf.py i18n`: refresh catalogues, exchange XLIFF with vendors, show translation status."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..diagnostics import display_path, printable
from ..exits import EXIT_OK
from ..paths import ROOT, output_folder
from . import selection


def add_parser(commands) -> None:
    parser = commands.add_parser("i18n", help="translation catalogues: update, export, import")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    update = actions.add_parser("update", help="create or refresh every catalogue from the master text")
    update.add_argument("--document", help="only this document's catalogues (a folder name under source/); "
                                           "the layouts' catalogues are refreshed by a run without it")
    update.add_argument("--locale", help="only this locale, e.g. es")
    update.set_defaults(run=run_update)
    export = actions.add_parser("export", help="write one exchange file per locale for translation vendors")
    export.add_argument("--format", choices=["xliff"], default="xliff", help="exchange format (XLIFF 1.2)")
    export.add_argument("--locale", help="only this locale, e.g. es")
    export.add_argument("--out", type=output_folder, default=None, help="output folder (default: build/i18n/)")
    export.set_defaults(run=run_export)
    import_ = actions.add_parser("import", help="merge translated XLIFF files into the catalogues")
    import_.add_argument("files", nargs="+", type=Path, help="XLIFF files from the vendor")
    import_.set_defaults(run=run_import)


def run_update(args: argparse.Namespace) -> int:
    from ..i18n.workflow import update

    selection.check(ROOT, args.document, args.locale)
    for changes in update(ROOT, args.document, args.locale):
        state = "created" if changes.created else "refreshed"
        print(f"{display_path(changes.path)}: {state}; {len(changes.new)} new, {len(changes.changed)} "
              f"changed (fuzzy), {len(changes.removed)} removed; {len(changes.untranslated)} untranslated, "
              f"{len(changes.fuzzy)} fuzzy in all")
        if changes.created:
            continue  # every entry is new: listing them says nothing
        for label, items in (("new", changes.new), ("changed", changes.changed), ("removed", changes.removed)):
            for item in items:
                print(f"  {label}: {printable(item)}")  # a context from a catalogue: one line whatever it holds
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    from ..i18n.workflow import export_xliff

    selection.check(ROOT, None, args.locale)
    for path in export_xliff(ROOT, args.out or ROOT / "build" / "i18n", args.locale):
        print(f"wrote {display_path(path)}")
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    from ..i18n.workflow import import_xliff

    written, notes = import_xliff(ROOT, args.files)
    for note in notes:
        print(note.format(), file=sys.stderr)
    for path in written:
        print(f"updated {display_path(path)}")
    if not written:
        print("no catalogue changed")
    return EXIT_OK
