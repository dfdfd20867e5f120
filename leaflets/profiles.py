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


@dataclass(frozen=True)
class Profile:
    """How one kind of recipient gets the PDF: WeasyPrint options and a style layer."""

    name: str
    purpose: str
    options: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    stylesheets: tuple[str, ...] = ()


PAPERS = MappingProxyType({
    "a4": Paper("a4", "A4", 210.0, 297.0, "styles/paper/a4.css"),
    "letter": Paper("letter", "US Letter", 215.9, 279.4, "styles/paper/letter.css"),
})

PROFILES = MappingProxyType({
    "screen": Profile(
        "screen", "distribution, handouts and the web: tagged PDF/UA-1, live links",
        MappingProxyType({"pdf_variant": "pdf/ua-1", "pdf_tags": True}),
        ("styles/profile/screen.css",)),
})

COMMON_STYLESHEETS = ("styles/leaflet.css",)


def stylesheets_for(paper: str, profile: str) -> list[str]:
    """Return the stylesheet layers for an edition, common first."""
    return [*COMMON_STYLESHEETS, PAPERS[paper].stylesheet, *PROFILES[profile].stylesheets]
