"""Rules that turn a PdfReport into pass/fail results for a destination profile."""

from __future__ import annotations

import re
from typing import Callable

from .. import profiles
from .model import FontInfo, PageInfo, PdfReport, Rect, RuleResult
from .standards import INTERACTIVE, NOT_PDFX4, PREDEFINED_XMP

LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")  # BCP 47 shape
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
           the document has a title; XMP metadata, if any, is a well-formed
           XMP packet; the trailer has an /ID; every link
           covers a glyph with a non-zero area and goes somewhere.
  screen   PDF/UA-1 claim in XMP; MarkInfo/Marked; a structure tree; /Lang;
           DisplayDocTitle; dc:title; at least one outline entry; heading
           levels H1-H6 never skip a level going down; every Figure has /Alt
           or /ActualText; line-break hyphens and page furniture are
           artifacts; all text is marked content; /Lang values well formed;
           printed URLs are live links.
  print    PDF/X-4 claim in XMP; a GTS_PDFX output intent; a TrimBox and at
           least 3 mm of bleed on every side of every page; no RGB colour in
           page content (operators, colour spaces, images, shadings); no text
           within 5 mm of the trim edge; images at 300 ppi or more as drawn;
           no interactive annotations; no unused colour space; XMP without
           properties PDF/X-4 does not define; Trapped set alike in Info and
           XMP.
  archive  PDF/A claim in XMP; a GTS_PDFA1 output intent; embedded files,
           each once in /AF with its MIME type; XMP extension schemas for
           every property PDF/A does not predefine; the tagging rules above.
Left to a full validator such as veraPDF:
  font program internals (glyph widths matching the font, CIDSet/CharSet,
  .notdef use); ICC profile validity and whether the output intent profile
  matches the colour used; transparency and blend-space rules; the rest of
  PDF/A's XMP rules (Info/XMP synchronisation, value types), forbidden keys,
  filters and actions; the rest of the Matterhorn protocol (reading order,
  whether a passage's language is right, role-map semantics, table
  structure, alt text quality, colour contrast, use of colour alone).
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
        _check("meta.xmp", report.xmp_problem is None, "XMP metadata absent or readable as an XMP packet",
               f"{report.xmp_problem}: the standards it claims, its title and properties are not read"),
        _check("pdf.id", report.standards.trailer_id, "the trailer has an /ID",
               "no /ID in the trailer (PDF/X-4 and PDF/A require one; it identifies the file)"),
        *_link_rules(report),
    ]


def _link_rules(report: PdfReport) -> list[RuleResult]:
    """Links that can be tapped and go somewhere."""
    links = report.standards.links
    flat = [f"page {k.page} at ({k.rect[0]:.0f}, {k.rect[1]:.0f})" for k in links
            if k.rect[2] - k.rect[0] <= 0 or k.rect[3] - k.rect[1] <= 0 or k.glyphs == 0]
    nowhere = [f"page {k.page} {k.target or 'no target'}" for k in links if not k.resolved]
    return [
        _result("links.area", [f"{len(flat)} link(s) cover no glyph (zero area or off their text), "
                               f"first {flat[0]}"] if flat else [],
                f"{len(links)} link(s), each covering its text"),
        _result("links.target", [f"{len(nowhere)} link(s) go nowhere: {', '.join(nowhere[:3])}"] if nowhere else [],
                f"{len(links)} link(s), every destination resolves"),
    ]


def _tagging_rules(report: PdfReport) -> list[RuleResult]:
    """What a tagged file says aloud: furniture and layout hyphens are artifacts, languages valid."""
    facts = report.standards
    bad_lang = [value for value in facts.lang_values if not LANGUAGE_TAG.match(value)]
    return [
        _result("ua.artifact-hyphens",
                [f"{len(facts.tagged_hyphens)} line-break hyphen(s) tagged as text, first {facts.tagged_hyphens[0]!r}"]
                if facts.tagged_hyphens else [], "line-break hyphens are artifacts"),
        _result("ua.artifact-furniture",
                [f"tagged as content on every page: {', '.join(map(repr, facts.repeated_content))}"]
                if facts.repeated_content else [], "no page furniture tagged as content"),
        _check("ua.marked-content", facts.unmarked_text == 0, "all text is tagged content or an artifact",
               f"{facts.unmarked_text} text object(s) are neither tagged content nor artifacts"),
        _result("ua.lang-values", [f"malformed /Lang: {', '.join(bad_lang)}"] if bad_lang else [],
                f"{len(facts.lang_values)} element(s) with their own /Lang, all well formed"),
        _result("links.urls", [f"printed URL outside every link: {', '.join(facts.uncovered_url_text[:3])}"]
                if facts.uncovered_url_text else [], "every printed URL is a live link"),
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
        *_tagging_rules(report),
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
        *_print_hygiene(report),
    ]


def _print_hygiene(report: PdfReport) -> list[RuleResult]:
    """No interactive annotations, no colour space declared for nothing, X-4's XMP, Trapped."""
    facts = report.standards
    interactive = [f"{subtype.lstrip('/')} on page {page}" for page, subtype in facts.annotations
                   if subtype in INTERACTIVE]
    unused = sorted({name for _, name in facts.unused_colour_spaces})
    foreign = [name for namespace, name in facts.xmp_properties if (namespace, name) in NOT_PDFX4]
    trapped_ok = facts.trapped_info in ("/True", "/False") and facts.trapped_xmp == facts.trapped_info.lstrip("/") \
        if facts.trapped_info else False
    return [
        _result("x.no-annotations", [f"{len(interactive)} interactive annotation(s), first {interactive[0]}"]
                if interactive else [], "no interactive annotations"),
        _result("x.colour-spaces-used", [f"declared but never used: {', '.join(unused)}"] if unused else [],
                "every declared colour space is used"),
        _result("x.xmp-properties", [f"XMP has properties PDF/X-4 does not define: {', '.join(foreign)}"]
                if foreign else [], "XMP holds only PDF/X-4 properties"),
        _check("x.trapped", trapped_ok, f"Trapped is {facts.trapped_info}",
               f"Trapped is {facts.trapped_info or 'missing'} in Info and {facts.trapped_xmp or 'missing'} in XMP "
               "(PDF/X-4: True or False, the same in both)"),
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
        *_archive_files_and_xmp(report),
        *_tagging_rules(report),
    ]


def _archive_files_and_xmp(report: PdfReport) -> list[RuleResult]:
    """PDF/A-3: each attachment listed once in /AF with its MIME type; XMP extensions declared."""
    facts = report.standards
    twice = sorted({name for name in facts.af_names if facts.af_names.count(name) > 1})
    missing = sorted(set(report.embedded_files) - set(facts.af_names))
    untyped = [name for name, mime in facts.embedded_types if not mime or mime == "application/octet-stream"]
    declared = set(facts.xmp_declared)
    undeclared = sorted({f"{name} ({namespace})" for namespace, name in facts.xmp_properties
                         if namespace not in PREDEFINED_XMP and (namespace, name) not in declared})
    return [
        _result("a.af", ([f"listed more than once in /AF: {', '.join(twice)}"] if twice else [])
                + ([f"not in /AF: {', '.join(missing)}"] if missing else []),
                f"{len(facts.af_names)} associated file(s), each once"),
        _result("a.mime-types", [f"no MIME type: {', '.join(untyped)}"] if untyped else [],
                "every embedded file has its MIME type"),
        _result("a.xmp-extension", [f"XMP properties without an extension schema: {', '.join(undeclared)}"]
                if undeclared else [], "every XMP property is predefined or declared"),
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


