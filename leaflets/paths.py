"""Where the project's trees are."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source"
LAYOUTS = ROOT / "layouts"
STYLES = ROOT / "styles"
BUILD = ROOT / "build"


def relative_to_root(path: Path, root: Path) -> str:
    """Show `path` relative to `root` when it is inside it, else as an absolute path."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()
