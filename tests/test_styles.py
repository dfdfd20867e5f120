"""The stylesheet's design tokens meet the readability rules for patient information."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tinycss2

STYLES = Path(__file__).resolve().parent.parent / "styles"

# Text colour on background colour, as the stylesheet pairs them.
PAIRS = [
    ("--ink", "#ffffff"),          # body text
    ("--muted", "#ffffff"),        # running header and footer
    ("--brand", "#ffffff"),        # section headings, links, superscripts
    ("--brand-dark", "#ffffff"),   # subsection headings
    ("#ffffff", "--brand"),        # masthead
    ("--brand-dark", "--brand-tint"),  # callout and panel values
    ("--ink", "--brand-tint"),     # panel card names
    ("--muted", "--brand-tint"),   # panel card labels
]


def tokens() -> dict[str, str]:
    rules = tinycss2.parse_stylesheet((STYLES / "leaflet.css").read_text(), skip_comments=True)
    root = next(r for r in rules if r.type == "qualified-rule" and tinycss2.serialize(r.prelude).strip() == ":root")
    result = {}
    for declaration in tinycss2.parse_blocks_contents(root.content, skip_whitespace=True):
        if declaration.type == "declaration" and declaration.name.startswith("--"):
            result[declaration.name] = tinycss2.serialize(declaration.value).strip()
    return result


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("text, background", PAIRS)
def test_text_contrast_is_at_least_4_5_to_1(text, background):
    values = tokens()
    text_colour, background_colour = (values.get(c, c) for c in (text, background))
    assert re.fullmatch(r"#[0-9a-f]{6}", text_colour) and re.fullmatch(r"#[0-9a-f]{6}", background_colour)
    assert contrast(text_colour, background_colour) >= 4.5


def test_body_type_is_at_least_10pt_with_3mm_line_pitch():
    values = tokens()
    size = float(values["--body-size"].removesuffix("pt"))
    assert size >= 10
    assert float(values["--small-size"].removesuffix("pt")) >= 10
    pitch_mm = size * float(values["--body-leading"]) * 25.4 / 72
    assert pitch_mm >= 3


def test_body_is_left_aligned_and_never_justified():
    css = (STYLES / "leaflet.css").read_text()
    assert "text-align: justify" not in css
    # start: the left in left-to-right editions, the right in right-to-left ones (tests/test_rtl.py)
    assert re.search(r"p, li, dd, caption, td, th \{ text-align: start; \}", css)
