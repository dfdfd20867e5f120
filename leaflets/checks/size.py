"""Size rule: warn before a long document costs minutes and hundreds of megabytes to render.

WeasyPrint lays out a whole document in memory, and tables are its most expensive boxes; a
document far beyond a leaflet's size is slow because of the renderer: its layout and
`write_pdf` are 97-99% of a long document's CPU time, and the build's peak memory was 0.96-1.10
times WeasyPrint alone's on the same HTML (42 pages with 20 tables, 47 and 212 pages). The
figures below were measured with `bench/bench_speed.py --only pages` on the shared 2-CPU
machine of docs/performance.md ("Long documents"), load average 4 to 8: generated documents of
2.4 to 2.9 KB of YAML a page; WeasyPrint alone took 0.26 s a page (128 pages) to 0.41 s a page
(42 pages, 20 tables), and 68 MiB for 3 pages to 166 MiB for 212, tables more.
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
