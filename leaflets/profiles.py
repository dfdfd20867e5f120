"""Registries of output profiles and paper sizes: data, not if/else chains."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Paper:
    name: str
    label: str
    width_mm: float
    height_mm: float
    stylesheet: str  # relative to the project root
    bleed_mm: float  # what a printer asks for on this paper; styles/paper/*.css sets --bleed to it


@dataclass(frozen=True)
class Profile:
    """How one kind of recipient gets the PDF: WeasyPrint options, a style layer, finishing."""

    name: str
    purpose: str
    standard: str  # the conformance the PDF claims in its XMP metadata
    options: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    stylesheets: tuple[str, ...] = ()
    finishing: tuple[str, ...] = ("stable_document_id",)  # steps of leaflets/finishing.py, by name
    attach_sources: bool = False  # embed the edition's source files
    bleed: bool = False  # pages carry the paper's bleed, a BleedBox and crop marks


PAPERS = MappingProxyType({
    "a4": Paper("a4", "A4", 210.0, 297.0, "styles/paper/a4.css", 3.0),
    "a5": Paper("a5", "A5", 148.0, 210.0, "styles/paper/a5.css", 3.0),
    "letter": Paper("letter", "US Letter", 215.9, 279.4, "styles/paper/letter.css", 3.175),
})

PROFILES = MappingProxyType({
    "screen": Profile(
        "screen", "distribution, handouts and the web: tagged PDF/UA-1, live links", "PDF/UA-1",
        MappingProxyType({"pdf_variant": "pdf/ua-1", "pdf_tags": True, "output_intent": "--srgb",
                          "pdf_identifier": True}),
        ("styles/profile/screen.css",),
        ("stable_document_id", "display_output_intent", "running_heads_as_artifacts",
         "drop_unused_colour_spaces",
         "table_header_scope")),
    "print": Profile(
        "print", "a commercial printer: PDF/X-4 in CMYK (FOGRA39), bleed and crop marks",
        "PDF/X-4",
        MappingProxyType({"pdf_variant": "pdf/x-4"}),
        ("styles/profile/print.css",),
        ("stable_document_id", "print_boxes_and_marks", "cmyk_output_condition",
         "drop_link_annotations", "drop_unused_colour_spaces", "pdfx4_metadata"),
        bleed=True),
    # PDF/A-3 is the level that may carry non-PDF attachments (the YAML sources); level "a"
    # because WeasyPrint tags the document, with the tree the screen edition has: it claims
    # PDF/UA-1 as well.
    "archive": Profile(
        "archive", "regulated retention: tagged PDF/A-3a with its source files attached",
        "PDF/A-3A",
        MappingProxyType({"pdf_variant": "pdf/a-3a", "output_intent": "--srgb"}),
        ("styles/profile/archive.css",),
        ("stable_document_id", "running_heads_as_artifacts", "drop_unused_colour_spaces",
         "attachment_types_and_af", "claim_pdfua_in_pdfa", "table_header_scope"),
        attach_sources=True),
})

COMMON_STYLESHEETS = ("styles/leaflet.css",)

# Edition types: a style layer over the paper and profile (large print: styles/type/).
EDITION_TYPES = MappingProxyType({
    "standard": (),
    "large-print": ("styles/type/large-print.css",),
})


def stylesheets_for(paper: str, profile: str, edition_type: str = "standard") -> list[str]:
    """Return the stylesheet layers for an edition, common first."""
    return [*COMMON_STYLESHEETS, PAPERS[paper].stylesheet, *PROFILES[profile].stylesheets,
            *EDITION_TYPES[edition_type]]
