"""Plan a build: which editions the filters select, in which slice, and which are out of date.

Nothing here resolves, renders or writes: planning reads the loaded documents, the cache records
and the files' digests only, so `list` and a build with nothing to do answer at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence, TypeVar

from . import cache
from .documents import SourceDocument, edition_stem, load_all
from .model import Edition
from .paths import relative_to_root

T = TypeVar("T")


@dataclass(frozen=True)
class Filters:
    """What the command line selects; None selects everything. `stems` narrows to named editions."""

    document: str | None = None
    locale: str | None = None
    paper: str | None = None
    profile: str | None = None
    stems: frozenset[str] | None = field(default=None, compare=False)

    def accepts(self, doc: str, edition: Edition) -> bool:
        if self.stems is not None and stem_of(doc, edition) not in self.stems:
            return False
        return all(want is None or want == have for want, have in (
            (self.document, doc), (self.locale, edition.locale),
            (self.paper, edition.paper), (self.profile, edition.profile)))

    def only(self, stems: set[str]) -> "Filters":
        """Return these filters narrowed to the named editions."""
        return Filters(self.document, self.locale, self.paper, self.profile, frozenset(stems))


def stem_of(document: str, edition: Edition) -> str:
    return edition_stem(document, edition.locale, edition.paper, edition.profile, edition.type)


MAX_SHARDS = 10_000  # far more runners than any matrix needs; `build`, `list` and `manifest merge` agree


@dataclass(frozen=True)
class Shard:
    """Slice K of N (1-based) of the edition matrix."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> "Shard":
        """Read `K/N`; raise ValueError with a plain message when it is not a valid slice."""
        match = re.fullmatch(r"\s*([0-9]+)\s*/\s*([0-9]+)\s*", text)
        if not match:
            raise ValueError(f"'{text[:40]}' is not K/N, e.g. 1/4")
        # a digit string of any length is cut before it becomes a number: never a million-digit int
        index, count = (int(n.lstrip("0")[:7] or "0") for n in (match[1], match[2]))
        if count > MAX_SHARDS:
            raise ValueError(f"'{text[:40]}': N must be at most {MAX_SHARDS:,}")
        if not 1 <= index <= count:
            raise ValueError(f"'{text[:40]}': K must be between 1 and N")
        return cls(index, count)

    def select(self, matrix: Sequence[T]) -> list[T]:
        """Take every N-th edition of the matrix, starting at the K-th: balanced and stable."""
        return [item for position, item in enumerate(matrix) if position % self.count == self.index - 1]

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(frozen=True)
class Planned:
    """One selected edition: where its output goes, its key, and why it must be rendered."""

    document: str
    edition: Edition
    pdf: Path
    shown: str
    key: str
    reason: str | None  # None when the edition is up to date
    record: cache.Record | None

    @property
    def stem(self) -> str:
        return stem_of(self.document, self.edition)


def _confine(out: Path, documents: list[SourceDocument], selection: list) -> None:
    """Refuse an edition whose output files would land outside the output folder."""
    from .diagnostics import ContentError, error
    from .paths import inside

    by_name = {doc.name: doc for doc in documents}
    faults = []
    for document, e in selection:
        stem = stem_of(document, e)
        for path in (out / document / f"{stem}.pdf", cache.record_path(out, stem)):
            if not inside(out, path):
                doc = by_name[document]
                where = doc.leaflet_file.where(("editions", doc.leaflet.editions.index(e)))
                faults.append(error(where, "output-outside", f"edition {e.job_code} would write "
                                    f"'{path.name}' outside the output folder",
                                    "a document name and a locale are plain names, e.g. ambc, de"))
                break
    if faults:
        raise ContentError(faults)


def survey(root: Path, out: Path, filters: Filters, shard: Shard | None = None,
           write_html: bool = False, options: Mapping[str, Any] | None = None,
           force: bool = False, documents: list[SourceDocument] | None = None) -> list[Planned]:
    """Load the sources (unless given) and list the selected editions in matrix order, each with its state."""
    if documents is None:
        documents = load_all(root, filters.document)
    selection = [(doc.name, edition) for doc in documents for edition in doc.leaflet.editions
                 if filters.accepts(doc.name, edition)]
    _confine(out, documents, selection)
    if shard is not None:
        selection = shard.select(selection)
    fingerprints = cache.Fingerprints(root, cache.build_options() if options is None else options)
    planned = []
    for document, e in selection:
        stem = stem_of(document, e)
        pdf = out / document / f"{stem}.pdf"
        shown = relative_to_root(pdf, root)
        key = fingerprints.key(document, e.locale, e.paper, e.profile, e.type)
        record = cache.read_record(out, stem)
        if force:
            reason = "forced"
        elif (record is None and cache.record_path(out, stem).exists()) or (
                record is not None and cache.recorded_output(record) is None):
            reason = "damaged cache"
        else:
            reason = cache.staleness(record, key, pdf, shown, pdf.with_suffix(".html") if write_html else None)
        planned.append(Planned(document, e, pdf, shown, key, reason, record))
    return planned
