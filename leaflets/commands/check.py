"""`make_pdf.py check`: validate every document and edition without rendering a PDF."""

from __future__ import annotations

import argparse
import sys

from ..exits import EXIT_CONTENT, EXIT_OK
from ..paths import ROOT
from . import selection


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "check", help="check the content and every edition, without rendering (fast)")
    parser.add_argument("--document", help="only this document (a folder name under source/)")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--report", action="store_true",
                        help="also print words, sentences and reading grade per section")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..matrix import check_project
    selection.check(ROOT, args.document)
    found = check_project(ROOT, args.document)
    if args.strict:
        found = [d if d.is_error else _as_error(d) for d in found]
    for diagnostic in found:
        print(diagnostic.format(), file=sys.stderr)
    errors = sum(d.is_error for d in found)
    if args.report and not errors:
        _report(args.document)
    print(f"{errors} error(s), {len(found) - errors} warning(s)", file=sys.stderr)
    return EXIT_CONTENT if errors else EXIT_OK


def _as_error(diagnostic):
    import dataclasses

    from ..diagnostics import Severity
    return dataclasses.replace(diagnostic, severity=Severity.ERROR)


def _report(document: str | None) -> None:
    from ..documents import load_all
    from ..checks.readability import MAX_WORDS, section_stats
    from ..checks.text import units

    for doc in load_all(ROOT, document):
        print(f"{doc.name}: {doc.leaflet.document.title}")
        print(f"  {'line':>4}  {'words':>5}  {'sentences':>9}  {f'over {MAX_WORDS}':>7}  {'grade':>5}  section")
        totals = [0, 0, 0]
        for stats in section_stats(doc, units(doc)):
            grade = f"{stats.grade:5.1f}" if stats.grade is not None else "  n/a"
            print(f"  {stats.line:>4}  {stats.words:>5}  {stats.sentences:>9}  "
                  f"{stats.long_sentences:>7}  {grade}  {stats.heading}")
            totals = [a + b for a, b in zip(totals, (stats.words, stats.sentences, stats.long_sentences))]
        print(f"  {'':>4}  {totals[0]:>5}  {totals[1]:>9}  {totals[2]:>7}         (whole text; "
              "grade: Flesch-Kincaid, target 6-8)")
