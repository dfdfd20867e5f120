"""Rules that turn a PdfReport into pass/fail results for a destination profile."""

from __future__ import annotations

from typing import Callable

from .. import profiles
from .model import FontInfo, PageInfo, PdfReport, Rect, RuleResult

SAFE_ZONE_MM = 5.0
MIN_BLEED_MM = min(paper.bleed_mm for paper in profiles.PAPERS.values())  # 3 mm; 0.125 in passes too
BLEED_TOLERANCE_MM = 0.05
MIN_PPI = 300.0
PROFILES = tuple(profiles.PROFILES)  # the registry's profiles, each with its rules below
SIMPLE_FONTS = {"Type1", "TrueType", "MMType1"}
STANDARD_ENCODINGS = {"/WinAnsiEncoding", "/MacRomanEncoding", "/StandardEncoding"}

COVERAGE = """\
Covered here (machine-checkable facts read from the file):
  generic  the file opens and qpdf finds no structural damage; every font is
           embedded and has a ToUnicode map (or a standard simple encoding);
           the document has a title.
  screen   PDF/UA-1 claim in XMP; MarkInfo/Marked; a structure tree; /Lang;
           DisplayDocTitle; dc:title; at least one outline entry; heading
           levels H1-H6 never skip a level going down; every Figure has /Alt
           or /ActualText.
  print    PDF/X-4 claim in XMP; a GTS_PDFX output intent; a TrimBox and at
           least 3 mm of bleed on every side of every page; no RGB colour in
           page content (operators, colour spaces, images, shadings); no text
           within 5 mm of the trim edge; images at 300 ppi or more as drawn.
  archive  PDF/A claim in XMP; a GTS_PDFA1 output intent; at least one
           embedded file.
Left to a full validator such as veraPDF:
  font program internals (glyph widths matching the font, CIDSet/CharSet,
  .notdef use); ICC profile validity and whether the output intent profile
  matches the colour used; transparency and blend-space rules; PDF/A's full
  XMP rules (extension schemas, Info/XMP synchronisation, forbidden keys,
  filters and actions); the full Matterhorn protocol (reading order,
  artifact marking, role-map semantics, table structure, link and form
  tagging, alt text quality, colour contrast, use of colour alone).
"""


def _result(rule: str, problems: list[str], ok: str) -> RuleResult:
    """Build a result that passes when there are no problems."""
    return RuleResult(rule, not problems, "; ".join(problems) if problems else ok)


def _check(rule: str, passed: bool, ok: str, failed: str) -> RuleResult:
    """Build a result from a single condition."""
    return RuleResult(rule, passed, ok if passed else failed)


def _font_maps_text(font: FontInfo) -> bool:
    """Return whether text in a font maps to Unicode."""
    standard = font.subtype in SIMPLE_FONTS and not font.subset and font.encoding in STANDARD_ENCODINGS
    return font.to_unicode or standard


def _generic_rules(report: PdfReport) -> list[RuleResult]:
    """Check what every leaflet needs, whatever its destination."""
    not_embedded = [f.name for f in report.fonts if not f.embedded]
    unmapped = [f.name for f in report.fonts if not _font_maps_text(f)]
    return [
        _check("pdf.opens", not report.problems, "opens without structural problems",
               f"qpdf reports {len(report.problems)} problem(s), first: {(report.problems or ('',))[0]}"),
        _result("fonts.embedded", [f"not embedded: {', '.join(not_embedded)}"] if not_embedded else [],
                f"{len(report.fonts)} font(s), all embedded"),
        _result("fonts.tounicode", [f"no ToUnicode map: {', '.join(unmapped)}"] if unmapped else [],
                "every font maps to Unicode"),
        _check("meta.title", bool(report.title or report.info_title), "document has a title",
               "no dc:title in XMP and no /Title in Info"),
    ]


def _heading_skips(levels: tuple[int, ...]) -> list[str]:
    """Describe every place where heading levels skip one going down."""
    skips, previous = [], 0
    for level in levels:
        if level > previous + 1:
            skips.append(f"H{level} after {f'H{previous}' if previous else 'the start'}")
        previous = level
    return skips


def _screen_rules(report: PdfReport) -> list[RuleResult]:
    """Check the machine-checkable part of PDF/UA-1."""
    skips = _heading_skips(report.heading_levels)
    return [
        _check("ua.claimed", report.claims.pdfua_part == "1", "XMP claims PDF/UA-1",
               f"XMP pdfuaid:part is {report.claims.pdfua_part or 'missing'}, not 1"),
        _check("ua.marked", report.marked, "MarkInfo/Marked is true", "MarkInfo/Marked is not true"),
        _check("ua.struct-tree", report.struct_tree, "has a structure tree", "no StructTreeRoot"),
        _check("ua.lang", bool(report.lang), f"/Lang is {report.lang}", "no /Lang in the catalog"),
        _check("ua.display-doc-title", report.display_doc_title, "viewers show the title",
               "ViewerPreferences/DisplayDocTitle is not true"),
        _check("ua.title", bool(report.title), "XMP has dc:title", "no dc:title in XMP"),
        _check("ua.outline", report.outline_count > 0, f"{report.outline_count} outline entries", "no outline entries"),
        _result("ua.headings", [f"heading level skipped: {', '.join(skips)}"] if skips else [],
                f"{len(report.heading_levels)} heading(s), no level skipped"),
        _check("ua.figures-alt", report.figures_without_alt == 0, f"{report.figure_count} figure(s), all with alt text",
               f"{report.figures_without_alt} of {report.figure_count} figures lack /Alt or /ActualText"),
    ]


def _bleed_problems(page: PageInfo) -> list[str]:
    """Describe a page whose BleedBox extends less than 3 mm past the TrimBox."""
    trim, bleed, media = page.boxes.trim, page.boxes.bleed, page.boxes.media
    if trim is None or bleed is None:
        return [f"page {page.number} has no {'TrimBox' if trim is None else 'BleedBox'}"]
    bleed = Rect(max(bleed.left, media.left), max(bleed.bottom, media.bottom),
                 min(bleed.right, media.right), min(bleed.top, media.top))
    sides = {"left": trim.left - bleed.left, "bottom": trim.bottom - bleed.bottom,
             "right": bleed.right - trim.right, "top": bleed.top - trim.top}
    short = [f"{side} {size:.1f} mm" for side, size in sides.items() if size < MIN_BLEED_MM - BLEED_TOLERANCE_MM]
    return [f"page {page.number} bleed too small: {', '.join(short)}"] if short else []


def _print_rules(report: PdfReport) -> list[RuleResult]:
    """Check what a PDF/X-4 print file needs."""
    pdfx = report.claims.pdfx_version or ""
    no_trim = [p.number for p in report.pages if p.boxes.trim is None]
    bleed = [problem for page in report.pages for problem in _bleed_problems(page)]
    near = [f"page {p.number} ({p.text_margin_mm:.1f} mm)" for p in report.pages
            if p.text_margin_mm is not None and p.text_margin_mm < SAFE_ZONE_MM]
    low = [f"{i.name} on page {i.page} at {i.ppi:.0f} ppi" for i in report.images if i.ppi < MIN_PPI]
    rgb = report.colour_uses("RGB")
    return [
        _check("x.claimed", pdfx.startswith("PDF/X-4"), f"XMP claims {pdfx}",
               f"GTS_PDFXVersion is {pdfx or 'missing'}, not PDF/X-4"),
        _check("x.output-intent", any(i.subtype == "/GTS_PDFX" for i in report.output_intents),
               "has a GTS_PDFX output intent", "no OutputIntent with S /GTS_PDFX"),
        _result("x.trimbox", [f"no TrimBox on pages {no_trim}"] if no_trim else [], "every page has a TrimBox"),
        _result("x.bleed", bleed, f"at least {MIN_BLEED_MM:.0f} mm bleed on every side"),
        _check("x.cmyk-only", rgb == 0, "no RGB colour in page content",
               f"{rgb} RGB colour operators, colour spaces or images"),
        _result("x.text-safe-zone", [f"text within {SAFE_ZONE_MM:.0f} mm of trim on {', '.join(near)}"] if near else [],
                f"no text within {SAFE_ZONE_MM:.0f} mm of the trim edge"),
        _result("x.image-resolution", [f"below {MIN_PPI:.0f} ppi: {', '.join(low)}"] if low else [],
                f"{len(report.images)} image(s), all at {MIN_PPI:.0f} ppi or more"),
    ]


def _archive_rules(report: PdfReport) -> list[RuleResult]:
    """Check what a PDF/A archive file with attached source data needs."""
    claims = report.claims
    return [
        _check("a.claimed", bool(claims.pdfa_part),
               f"XMP claims PDF/A-{claims.pdfa_part}{claims.pdfa_conformance or ''}", "no pdfaid:part in XMP"),
        _check("a.output-intent", any(i.subtype == "/GTS_PDFA1" for i in report.output_intents),
               "has a GTS_PDFA1 output intent", "no OutputIntent with S /GTS_PDFA1"),
        _check("a.attachments", bool(report.embedded_files), f"embeds {', '.join(report.embedded_files)}",
               "no embedded files"),
    ]


PROFILE_RULES: dict[str, Callable[[PdfReport], list[RuleResult]]] = {
    "screen": _screen_rules, "print": _print_rules, "archive": _archive_rules}
assert set(PROFILE_RULES) == set(PROFILES), "every profile of the registry has its preflight rules"


def claimed_profiles(report: PdfReport) -> list[str]:
    """Return the profiles the file's claimed standards imply."""
    claims = report.claims
    implied = {"print": claims.pdfx_version, "screen": claims.pdfua_part, "archive": claims.pdfa_part}
    return [profile for profile in PROFILES if implied[profile]]


def evaluate(report: PdfReport, profile: str | None = None) -> list[RuleResult]:
    """Run the generic rules plus those of a profile (or of the claimed standards)."""
    if profile is not None and profile not in PROFILE_RULES:
        raise ValueError(f"unknown profile {profile!r}; choose from {', '.join(PROFILES)}")
    results = _generic_rules(report)
    for name in [profile] if profile else claimed_profiles(report):
        results += PROFILE_RULES[name](report)
    return results


