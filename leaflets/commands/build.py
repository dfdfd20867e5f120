"""`make_pdf.py build`: bring the declared editions in build/ up to date (the default command)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..exits import EXIT_CONTENT, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE
from ..paths import ROOT, output_folder
from ..profiles import PAPERS, PROFILES
from . import selection


def add_filters(parser: argparse.ArgumentParser) -> None:
    """Add the options that select editions of the matrix (shared with `list`)."""
    parser.add_argument("--document", help="only this document (a folder name under source/)")
    parser.add_argument("--locale", help="only editions in this locale, e.g. en")
    parser.add_argument("--paper", type=selection.choice("paper", PAPERS), metavar="{%s}" % ",".join(sorted(PAPERS)),
                        help="only editions on this paper")
    parser.add_argument("--profile", type=selection.choice("profile", PROFILES),
                        metavar="{%s}" % ",".join(sorted(PROFILES)), help="only editions in this output profile")
    parser.add_argument("--shard", type=shard, metavar="K/N",
                        help="only the K-th of N deterministic slices of the matrix, for CI runners; "
                             "writes manifest.part-K-of-N.json (join them with `manifest merge`)")
    parser.add_argument("--out", type=output_folder, default=None, help="output folder (default: build/)")


def shard(text: str):
    """Parse `--shard K/N` for argparse."""
    from ..plan import Shard

    try:
        return Shard.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def jobs(text: str) -> int:
    """Parse `--jobs N` for argparse: a positive number of worker processes."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive number of workers")
    return value


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "build", help="build the declared editions that are out of date (the default command)",
        description="Render every selected edition whose inputs changed since it was last built, "
                    "in parallel worker processes, and write build/manifest.json.")
    add_filters(parser)
    parser.add_argument("--jobs", "-j", type=jobs, default=None, metavar="N",
                        help="worker processes rendering at once (default: the number of CPUs)")
    parser.add_argument("--force", action="store_true",
                        help="render every selected edition, even those that are up to date")
    parser.add_argument("--html", action="store_true",
                        help="also write the intermediate HTML beside each PDF, for debugging")
    parser.add_argument("--strict", action="store_true", help="treat content warnings as errors")
    parser.add_argument("--allow-incomplete", action="store_true",
                        help="build translated editions with gaps as drafts, the master text filling the gaps")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .. import noop

    out = args.out or ROOT / "build"
    # A build with nothing to do replays the last run's lines and warnings from its record without
    # loading or checking anything; `--force`, `--strict` and `--shard` always run in full.
    # A complete build (`--force` and `--strict` ones too) leaves the record for the next no-op.
    recorded = args.shard is None
    state = None
    if recorded:
        chosen = noop.selection(vars(args), out)
        if not (args.force or args.strict):
            status, state = noop.attempt(ROOT, out, chosen)
            if status is not None:
                return status
    # Unknown names are usage errors; a no-op above only replays a selection that built before,
    # with every input unchanged.
    selection.check(ROOT, args.document, args.locale)
    _start_workers_early(args, out)  # before digesting the inputs: the worker's import comes first
    if recorded:
        noop.forget(out, chosen)
        state = state or noop.inputs(ROOT, chosen)
    warnings: list[str] = []
    status, summary, counts = _run(args, out, warnings)
    if recorded and status == EXIT_OK and summary is not None and summary.manifest is not None:
        from ..diagnostics import display_path
        from ..progress import line

        files = [summary.manifest] + [path for o in summary.outputs for path in _files(o, out, args.html)]
        noop.remember(ROOT, out, chosen, state, files, [line(o, False) for o in summary.outputs] + counts,
                      warnings, len(summary.outputs), display_path(summary.manifest))
    return status


def _files(output, out: Path, html: bool) -> list[Path]:
    """The files one edition's no-op rests on: its PDF (and HTML) and its cache record."""
    from ..cache import record_path

    pdf = out / output.document / Path(output.path).name
    found = [pdf, record_path(out, pdf.stem)]
    return found + [pdf.with_suffix(".html")] if html else found


def _run(args: argparse.Namespace, out: Path, warnings: list[str]):
    from ..matrix import run as build_matrix
    from ..plan import Filters
    from ..progress import reporter_for
    from ..workers import cpu_count

    filters = Filters(args.document, args.locale, args.paper, args.profile)

    def warn(diagnostic) -> None:
        warnings.append(diagnostic.format())
        print(warnings[-1], file=sys.stderr, flush=True)

    summary = build_matrix(ROOT, out, filters, jobs=args.jobs or cpu_count(), force=args.force,
                           shard=args.shard, write_html=args.html, reporter=reporter_for(),
                           strict=args.strict, warn=warn, allow_incomplete=args.allow_incomplete)
    if not (summary.outputs or summary.failed) and args.shard is None:
        print("no edition matches the filters", file=sys.stderr)
        return EXIT_USAGE, None, []
    counts = page_counts(summary.outputs, summary.masters)
    for line in counts:
        print(line)
    if any(rendered.fault for rendered in summary.failed):
        return EXIT_INTERNAL, summary, counts
    return (EXIT_CONTENT if summary.failed else EXIT_OK), summary, counts


def _start_workers_early(args: argparse.Namespace, out: Path) -> None:
    """Fork the render workers now if something will be rendered: they import WeasyPrint while
    this process loads, checks and resolves the sources."""
    from ..cache import build_options, quick_count
    from ..workers import cpu_count, prestart

    if args.shard is not None:
        return
    selection = (args.document, args.locale, args.paper, args.profile)
    count = quick_count(ROOT, out, selection, args.force, build_options(args.allow_incomplete), args.html)
    if count:
        prestart(min(args.jobs or cpu_count(), count))


def page_counts(outputs, masters: dict[str, str]) -> list[str]:
    """Return one line per document, paper and profile: each locale's pages beside the master's."""
    groups: dict[tuple, dict[str, int]] = {}
    for o in outputs:
        if getattr(o, "type", "standard") != "standard":
            continue  # a large-print edition is compared with nothing: its pages are meant to differ
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
