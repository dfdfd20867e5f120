"""`make_pdf.py compare OLD NEW`: what changed between two versions of an edition, for review."""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from ..exits import EXIT_CHANGED, EXIT_SAME, EXIT_USAGE
from ..paths import ROOT, output_folder
from ..profiles import PAPERS, PROFILES
from . import selection

FORMATS = ("html", "pdf", "json")


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "compare", help="report what changed between two versions of an edition (redline for review)",
        description="Compare two versions of one edition from their sources: text sentence by "
                    "sentence and word by word, blocks, references (renumbering shown as a "
                    "consequence), glossary, metadata and translation catalogue. A version is a git "
                    "revision, WORKTREE (the working tree) or a project folder. Exit status: 0 no "
                    "changes, 1 changes, 2 usage errors or a version that cannot be loaded.")
    parser.add_argument("old", nargs="?", metavar="OLD",
                        help="the approved version (default: the last tag, or HEAD when there is none)")
    parser.add_argument("new", nargs="?", metavar="NEW", default="WORKTREE",
                        help="the version to review (default: WORKTREE, the working tree)")
    parser.add_argument("--document", help="the document (a folder name under source/); "
                                           "needed when there are several")
    parser.add_argument("--locale", help="the edition's locale (default: the master language)")
    parser.add_argument("--paper", type=selection.choice("paper", PAPERS), metavar="{%s}" % ",".join(sorted(PAPERS)), help="the edition's paper (default: its first edition)")
    parser.add_argument("--profile", type=selection.choice("profile", PROFILES),
                        metavar="{%s}" % ",".join(sorted(PROFILES)), help="the edition's profile (default: its first edition)")
    parser.add_argument("--out", default=None, metavar="DIR", type=_out_option,
                        help="folder for the report files (default: build/compare/); "
                             "'-' prints the JSON report on standard output")
    parser.add_argument("--format", action="append", choices=FORMATS, dest="formats",
                        help="report format, repeatable (default: html and pdf)")
    pages = parser.add_mutually_exclusive_group()
    pages.add_argument("--pages", action="store_true", default=None,
                       help="also render both versions and compare their pages "
                            "(default: on when a PDF report is written)")
    pages.add_argument("--no-pages", action="store_false", dest="pages", help="skip the page comparison")
    parser.set_defaults(run=run)


def _out_option(text: str) -> str | Path:
    """`-` (standard output) or an output folder the other commands would also write into."""
    return text if text == "-" else output_folder(text)


def run(args: argparse.Namespace) -> int:
    from ..compare.versions import VersionError, default_old, open_version
    from ..diagnostics import ContentError

    started = time.perf_counter()
    formats = list(dict.fromkeys(args.formats or (["json"] if args.out == "-" else ["html", "pdf"])))
    if args.out == "-" and formats != ["json"]:
        print("error: --out - prints the JSON report only: use --format json", file=sys.stderr)
        return EXIT_USAGE
    with_pages = args.pages if args.pages is not None else "pdf" in formats
    old_spec = args.old or default_old(ROOT)
    versions = []
    try:
        for spec in (old_spec, args.new):
            versions.append(open_version(spec, ROOT))
        try:
            report, pages_folder, pages = _compare(versions, args, with_pages)
        except ContentError as exc:
            for diagnostic in exc.diagnostics:
                print(_named(diagnostic.format(), versions), file=sys.stderr)
            print(f"cannot compare: a version has errors ({len(exc.diagnostics)} diagnostic(s))", file=sys.stderr)
            return EXIT_USAGE
        written = _write(report, pages, pages_folder, formats, args.out)
    except VersionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        for version in versions:
            version.close()
    stream = sys.stderr if args.out == "-" else sys.stdout
    print(_summary(report, pages), file=stream)
    for line in _change_lines(report):
        print(f"  {line}", file=stream)
    for path in written:
        print(f"  {path}", file=stream)
    print(f"  ({time.perf_counter() - started:.1f} s)", file=stream)
    return EXIT_CHANGED if report["changed"] or (pages and (pages["changed"] or pages["added"] or pages["removed"])) \
        else EXIT_SAME


def _scratch(versions) -> str:
    """A temporary folder that lives as long as the versions (removed when they are closed)."""
    import tempfile

    from ..compare.versions import Version

    temp = tempfile.TemporaryDirectory(prefix="leaflets-compare-pages-")
    versions.append(Version("scratch", Path(temp.name), "scratch", "scratch", temp))
    return temp.name


def _named(line: str, versions) -> str:
    """Name a checked-out revision instead of its temporary folder in a diagnostic."""
    for version in versions:
        if version.kind == "git":
            line = line.replace(str(version.root) + "/", f"{version.revision}: ")
    return line


def _out_folder(out: str | None) -> Path:
    return Path(out) if out else ROOT / "build" / "compare"


def _compare(versions, args, with_pages: bool):
    from ..compare.diff import compare
    from ..compare.load import load_side
    from ..compare.report import design_changes

    old_version, new_version = versions
    old, new = (load_side(v, args.document, args.locale, args.paper, args.profile) for v in versions)
    report = compare(old, new)
    report["design"] = design_changes(old_version.root, new_version.root)
    report["summary"]["design"] = len(report["design"])
    report["changed"] = report["changed"] or bool(report["design"])
    pages = pages_folder = None
    if with_pages:
        from ..compare.pages import compare_pages, render_edition
        stem = f"{new.doc.name}-{new.edition.locale}-compare"
        # With --out - only the JSON is written: the page images go to a folder removed afterwards.
        pages_folder = (Path(_scratch(versions)) if args.out == "-" else _out_folder(args.out)) / f"{stem}-pages"
        pages = compare_pages(render_edition(old, old_version.root), render_edition(new, new_version.root),
                              pages_folder)
    return report, pages_folder, pages


def _write(report: dict, pages, pages_folder, formats: list[str], out: str | None) -> list[str]:
    from ..outputs import write_atomic
    from ..compare.report import for_json, html_text, json_text, pdf_bytes
    from ..paths import relative_to_root

    data = json_text(for_json(report, pages))
    if out == "-":
        sys.stdout.write(data)
        return []
    folder = _out_folder(out)
    stem = f"{report['document']}-{report['locale']}-compare"
    written = []
    if "json" in formats:
        write_atomic(folder / f"{stem}.json", data.encode("utf-8"))
        written.append(folder / f"{stem}.json")
    if "html" in formats:
        shown = None
        if pages is not None:
            prefix = pages_folder.name + "/"
            shown = dict(pages, shown=[{**p, **{k: prefix + p[k] for k in ("old_image", "new_image") if p.get(k)}}
                                       for p in pages["shown"]])
        write_atomic(folder / f"{stem}.html", html_text(report, shown, ROOT).encode("utf-8"))
        written.append(folder / f"{stem}.html")
    if "pdf" in formats:
        write_atomic(folder / f"{stem}.pdf", pdf_bytes(report, pages, ROOT, pages_folder))
        written.append(folder / f"{stem}.pdf")
    return [relative_to_root(path, ROOT) for path in written]


def _wdiff(runs: list) -> str:
    marks = {"=": "{}", "-": "[-{}-]", "+": "{{+{}+}}"}
    return "".join(marks[op].format(text.strip() if op != "=" else text)
                   + (" " if op != "=" and text != text.rstrip() else "") for op, text in runs)


def _change_lines(report: dict) -> list[str]:
    """One line per change for a terminal or a CI log, insertions and deletions marked as wdiff does."""
    lines = []
    for section in report["sections"]:
        for c in section["changes"]:
            kind = c["change"].replace("sentence-", "").replace("block-", "block ")
            text = _wdiff(c["words"]) if "words" in c else c["text"].replace("\n", " / ")
            moved = f" (was {c['from']})" if "from" in c else ""
            lines.append(f"{c['where']}: {kind}{moved}: {text}")
    for r in report["references"]:
        lines.append(f"reference {r['key']}: {r['change']}")
    for r in report["consequences"]:
        lines.append(f"reference {r['key']}: renumbered {r['old_number']} -> {r['new_number']} (consequence)")
    for g in report["glossary"]:
        lines.append(f"glossary {g['term']}: {g['change']}")
    for m in report["metadata"]:
        lines.append(f"{m['edition']} {m['field']}: {m['old']} -> {m['new']}")
    for t in report["translation"]:
        lines.append(f"catalogue {t['entry']}: {t['change']}")
    for f in report.get("design", []):
        lines.append(f"{f['file']}: {f['change']}")
    return [_CONTROL.sub("\ufffd", line) for line in lines]  # content never drives the terminal


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _summary(report: dict, pages) -> str:
    s = report["summary"]
    head = (f"{report['document']} {report['locale']}: {report['old']['revision']} "
            f"({report['old']['job_code']} v{report['old']['version']}) -> {report['new']['revision']} "
            f"({report['new']['job_code']} v{report['new']['version']})")
    if not report["changed"] and not (pages and (pages["changed"] or pages["added"] or pages["removed"])):
        return head + ": no changes"
    parts = [f"{s['text']} text", f"{s['references']} reference", f"{s['glossary']} glossary",
             f"{s['metadata']} metadata", f"{s['translation']} catalogue", f"{s['design']} layout/style"]
    line = head + ": " + ", ".join(parts) + " change(s)"
    if s["renumbered"]:
        line += f"; {s['renumbered']} reference(s) renumbered as a consequence"
    if pages:
        line += (f"; pages: {len(pages['changed'])} changed, {len(pages['added'])} added, "
                 f"{len(pages['removed'])} removed")
    return line
