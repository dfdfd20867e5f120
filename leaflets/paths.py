"""Where the project's trees are."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source"
LAYOUTS = ROOT / "layouts"
STYLES = ROOT / "styles"
BUILD = ROOT / "build"
