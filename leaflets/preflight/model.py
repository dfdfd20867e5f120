"""Facts about a PDF and results of rules, as immutable values."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .standards import StandardsFacts

MM_PER_PT = 25.4 / 72


class PreflightError(Exception):
    """A file that cannot be read as a PDF."""


@dataclass(frozen=True)
class Rect:
    """A rectangle in millimetres, in PDF user space (origin bottom left)."""

    left: float
    bottom: float
    right: float
    top: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.top - self.bottom

    def __str__(self) -> str:
        return f"{self.width:.1f} x {self.height:.1f} mm at ({self.left:.1f}, {self.bottom:.1f})"


@dataclass(frozen=True)
class PageBoxes:
    """The page boxes of one page; optional boxes the page lacks are None."""

    media: Rect
    crop: Rect | None
    trim: Rect | None
    bleed: Rect | None


@dataclass(frozen=True)
class PageInfo:
    """One page: its number, its boxes and how close text comes to the trim edge."""

    number: int
    boxes: PageBoxes
    text_margin_mm: float | None  # nearest glyph to the trim edge; negative if outside; None without text


@dataclass(frozen=True)
class FontInfo:
    """A font resource the pages use."""

    name: str
    subtype: str
    embedded: bool
    subset: bool
    to_unicode: bool
    encoding: str | None


@dataclass(frozen=True)
class ImageInfo:
    """An image as drawn on a page."""

    page: int
    name: str
    width_px: int
    height_px: int
    ppi: float  # the lower of the two axes
    colour: str


@dataclass(frozen=True)
class OutputIntent:
    """An output intent of the document catalog."""

    subtype: str
    condition: str


@dataclass(frozen=True)
class Claims:
    """Standards the XMP metadata claims conformance to."""

    pdfa_part: str | None = None
    pdfa_conformance: str | None = None
    pdfua_part: str | None = None
    pdfx_version: str | None = None


@dataclass(frozen=True)
class PdfReport:
    """Everything preflight knows about one file."""

    path: Path
    version: str
    problems: tuple[str, ...]
    claims: Claims
    title: str | None
    info_title: str | None
    lang: str | None
    display_doc_title: bool
    marked: bool
    struct_tree: bool
    outline_count: int
    heading_levels: tuple[int, ...]
    figure_count: int
    figures_without_alt: int
    output_intents: tuple[OutputIntent, ...]
    embedded_files: tuple[str, ...]
    pages: tuple[PageInfo, ...]
    fonts: tuple[FontInfo, ...]
    colours: tuple[tuple[str, int], ...]  # (family, uses), e.g. ("CMYK", 12)
    images: tuple[ImageInfo, ...]
    standards: StandardsFacts = StandardsFacts()
    xmp_problem: str | None = None  # what keeps the XMP metadata from being read as an XMP packet

    def colour_uses(self, family: str) -> int:
        """Return how often page content uses a colour family (RGB, CMYK, Gray, ...)."""
        return dict(self.colours).get(family, 0)


@dataclass(frozen=True)
class RuleResult:
    """The outcome of one rule, identified by a stable id such as "x.cmyk-only"."""

    rule: str
    passed: bool
    message: str
