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
                        help="also print words, sentences and reading grade per section, and each "
                             "edition's last-page fill (from the build records when they are up to "
                             "date, else rendered in memory, nothing written)")
    parser.add_argument("--no-render", action="store_true",
                        help="with --report: take the last-page fill from up-to-date build records "
                             "only, and render nothing")
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
        _fit_report(args.document, render=not args.no_render)
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


def _fit_report(document: str | None, render: bool = True) -> None:
    """Print each edition's last-page fill, as the build prints it.

    The fill of an edition whose build record is up to date (its inputs and its PDF unchanged)
    is read from the record under build/.cache: no rendering. The others are rendered in memory
    in worker processes, as a build renders them, and nothing is written; `make pdf` records
    them. With render=False they are listed as out of date.
    """
    from ..cache import recorded_output
    from ..plan import Filters, survey

    planned = survey(ROOT, ROOT / "build", Filters(document=document))
    fills: dict[str, str] = {}
    for p in planned:
        output = recorded_output(p.record) if p.reason is None else None
        if output is not None and output.fit:
            fills[p.stem] = output.fit
    missing = [p for p in planned if p.stem not in fills]
    rendered = _render_fills({p.stem for p in missing}, document) if render and missing else {}
    print()
    source = "from the build records" + (
        "" if not missing else f"; {len(rendered)} rendered now in memory, not written" if render else
        f"; {len(missing)} out of date, not rendered")
    print(f"Last-page fill ({source})")
    width = max((len(p.stem) for p in planned), default=0)
    for p in planned:
        fill = fills.get(p.stem) or rendered.get(p.stem) or f"{p.reason or 'no fill recorded'} (not rendered)"
        print(f"  {p.stem:<{width}}  {fill}")


def _render_fills(stems: set[str], document: str | None) -> dict[str, str]:
    """Render the editions named in memory and return their fill lines (or why they failed)."""
    from .. import workers
    from ..diagnostics import ContentError
    from ..matrix import resolve_editions
    from ..plan import Filters

    try:
        jobs = resolve_editions(ROOT, Filters(document=document, stems=frozenset(stems)),
                                warn=lambda diagnostic: None, checked=True)
    except ContentError as exc:
        return {stem: f"not rendered: {exc.diagnostics[0].format()}" for stem in stems}
    fills = {}
    try:
        with workers.Workers(min(workers.cpu_count(), len(jobs))) as pool:
            for result in pool.render(jobs, ROOT):
                fills[result.stem] = result.fit if result.ok else "failed to render (make pdf says why)"
    finally:
        workers.discard_prestarted()
        workers.settle()
    return fills
