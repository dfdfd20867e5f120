"""Size rule: warn before a long document costs minutes and gigabytes to render.

WeasyPrint lays out a whole document in memory, and tables are its most expensive boxes; a
document far beyond a leaflet's size is slow because of the renderer, not the pipeline. The
estimate comes from a measured case (docs/performance.md): 100 tables in 712 KB of YAML made
501 pages in 339 s and 2.96 GB, about 1.4 KB of source, 0.7 s and 6 MB per page.
"""

from __future__ import annotations

from ..diagnostics import Diagnostic, warning
from ..documents import SourceDocument
from ..blocks import Table

SOURCE_BYTES_PER_PAGE = 1400
SECONDS_PER_PAGE = 0.7
MIB_PER_PAGE = 6
MAX_PAGES = 50   # a leaflet is a few pages; beyond this the build slows down visibly
MAX_TABLES = 20


def check(doc: SourceDocument) -> list[Diagnostic]:
    """Warn once per document when its size predicts a long, memory-hungry render."""
    try:
        size = doc.leaflet_file.path.stat().st_size
    except (AttributeError, OSError):
        return []
    tables = [i for i, block in enumerate(doc.leaflet.body) if isinstance(block, Table)]
    pages = max(1, round(size / SOURCE_BYTES_PER_PAGE))
    if pages <= MAX_PAGES and len(tables) <= MAX_TABLES:
        return []
    where = doc.leaflet_file.where(("body", tables[MAX_TABLES], "table") if len(tables) > MAX_TABLES else ("body",))
    return [warning(
        where, "long-document",
        f"{size // 1024} KB of text with {len(tables)} table(s), about {pages} pages: expect about "
        f"{_duration(pages * SECONDS_PER_PAGE)} and {pages * MIB_PER_PAGE} MB of memory per edition",
        "WeasyPrint lays out the whole document in memory; split it into several documents to build faster")]


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"
