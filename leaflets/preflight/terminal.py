"""Render reports for a terminal and run preflight from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from ..exits import EXIT_CONTENT, EXIT_OK
from .facts import inspect_pdf
from .model import Claims, PdfReport, PreflightError, RuleResult
from .rules import PROFILES, evaluate


def _describe_claims(claims: Claims) -> str:
    """Summarise claimed standards on one line."""
    parts = []
    if claims.pdfx_version:
        parts.append(claims.pdfx_version)
    if claims.pdfua_part:
        parts.append(f"PDF/UA-{claims.pdfua_part}")
    if claims.pdfa_part:
        parts.append(f"PDF/A-{claims.pdfa_part}{(claims.pdfa_conformance or '').lower()}")
    return ", ".join(parts) or "none"


def format_report(report: PdfReport, results: list[RuleResult]) -> str:
    """Render a report and its results as a text block for a terminal."""
    intents = ", ".join(f"{i.subtype.lstrip('/')} ({i.condition})" for i in report.output_intents)
    lines = [f"{report.path}: PDF {report.version}, {len(report.pages)} page(s)",
             f"  claims:  {_describe_claims(report.claims)}",
             f"  title:   {report.title or report.info_title or '-'}    lang: {report.lang or '-'}",
             f"  tagged:  {'yes' if report.struct_tree else 'no'}    outline entries: {report.outline_count}",
             f"  output intents: {intents or 'none'}",
             f"  attachments: {', '.join(report.embedded_files) or 'none'}"]
    for page in report.pages:
        lines.append(f"  page {page.number}:")
        for label, box in zip(("MediaBox", "CropBox", "TrimBox", "BleedBox"),
                              (page.boxes.media, page.boxes.crop, page.boxes.trim, page.boxes.bleed)):
            if box is not None:
                lines.append(f"    {label:<9} {box}")
    for font in report.fonts:
        flags = [flag for flag, on in (("embedded", font.embedded), ("subset", font.subset),
                                       ("ToUnicode", font.to_unicode)) if on]
        lines.append(f"  font {font.name} ({font.subtype}): {', '.join(flags) or 'not embedded'}")
    colours = ", ".join(f"{family} {count}" for family, count in report.colours)
    lines.append(f"  colour uses: {colours or 'none'}")
    for image in report.images:
        lines.append(f"  image {image.name} on page {image.page}: {image.width_px} x {image.height_px} px, "
                     f"{image.ppi:.0f} ppi, {image.colour}")
    lines += [f"  {'PASS' if r.passed else 'FAIL'}  {r.rule:<20} {r.message}" for r in results]
    return "\n".join(lines)


def main(paths: list[str], profile: str | None = None, stream: TextIO | None = None) -> int:
    """Print a report for each file; return 1 if any rule fails or a file cannot be read."""
    stream = stream or sys.stdout  # looked up per call, so redirected output is honoured
    status = EXIT_OK
    for path in paths:
        try:
            report = inspect_pdf(Path(path))
        except PreflightError as error:
            print(f"FAIL  {error}", file=stream)
            status = EXIT_CONTENT
            continue
        results = evaluate(report, profile)
        print(format_report(report, results), file=stream)
        status = max(status, EXIT_CONTENT if any(not r.passed for r in results) else EXIT_OK)
    return status


def cli() -> int:
    """Parse command-line arguments and run main."""
    parser = argparse.ArgumentParser(prog="python -m leaflets.preflight",
                                     description="Tell what a PDF is before sending it anywhere.")
    parser.add_argument("paths", nargs="+", metavar="FILE")
    parser.add_argument("--profile", choices=PROFILES, help="default: the standards the file claims")
    args = parser.parse_args()
    return main(args.paths, args.profile)
