"""Size rule: warn before a long document costs minutes and hundreds of megabytes to render.

WeasyPrint lays out a whole document in memory, and tables are its most expensive boxes; a
document far beyond a leaflet's size is slow because of the renderer, not the pipeline (one
edition of a 42-page document with 20 tables and of a 200-page one took 1.0–1.1 times WeasyPrint
alone on the same HTML, in time and in peak memory). The figures below were measured with
`bench/bench_speed.py --only pages` on the 2-CPU machine of docs/performance.md ("Long
documents"): generated documents of 2.5 to 3 KB of YAML a page; WeasyPrint alone took
SECONDS_PER_PAGE a page and BASE_MIB plus MIB_PER_PAGE a page of memory, and each of the
first document's tables added about MIB_PER_TABLE.
"""

from __future__ import annotations

from ..diagnostics import Diagnostic, warning
from ..documents import SourceDocument
from ..blocks import Table

SOURCE_BYTES_PER_PAGE = 2500  # measured: 2.4 KB a page with 20 tables, 2.9 KB of plain text
SECONDS_PER_PAGE = 0.3        # measured on 2 shared CPUs, WeasyPrint alone; the pipeline adds 5-10%
BASE_MIB = 70                 # a leaflet of 3 pages: 68 MiB
MIB_PER_PAGE = 0.5
MIB_PER_TABLE = 1.4
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
    memory = BASE_MIB + pages * MIB_PER_PAGE + len(tables) * MIB_PER_TABLE
    return [warning(
        where, "long-document",
        f"{size // 1024} KB of text with {len(tables)} table(s), about {pages} pages: expect about "
        f"{_duration(pages * SECONDS_PER_PAGE)} and {memory:.0f} MB of memory per edition "
        f"(measured: {SECONDS_PER_PAGE} s and {MIB_PER_PAGE} MB a page, {MIB_PER_TABLE} MB a table)",
        "WeasyPrint lays out the whole document in memory; split it into several documents to build faster")]


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"
