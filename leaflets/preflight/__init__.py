"""Tell a print buyer what a PDF is before it is sent anywhere.

``inspect_pdf`` reads facts from a file with pikepdf (and pypdfium2 for glyph
positions), ``evaluate`` turns them into pass/fail results for a profile
("screen" for PDF/UA-1, "print" for PDF/X-4, "archive" for PDF/A; by default
the profiles of the standards the file claims), ``format_report`` renders both
for a terminal and ``main`` does all of it for a list of files.  From a shell:
``python -m leaflets.preflight [--profile print] FILE...``.

This is a preflight, not a validator: ``COVERAGE`` lists what it checks and
what is left to a full validator such as veraPDF.
"""

from .facts import inspect_pdf
from .model import (
    Claims, FontInfo, ImageInfo, OutputIntent, PageBoxes, PageInfo, PdfReport, PreflightError, Rect, RuleResult)
from .rules import COVERAGE, PROFILES, claimed_profiles, evaluate
from .terminal import format_report, main

__all__ = [
    "COVERAGE", "PROFILES", "Claims", "FontInfo", "ImageInfo", "OutputIntent", "PageBoxes", "PageInfo",
    "PdfReport", "PreflightError", "Rect", "RuleResult", "claimed_profiles", "evaluate", "format_report",
    "inspect_pdf", "main",
]
