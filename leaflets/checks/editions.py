"""Edition rules: each edition can be built, has its own job code and a due review date."""

from __future__ import annotations

from pathlib import Path

from ..diagnostics import Diagnostic, error
from ..documents import SourceDocument
from ..profiles import stylesheets_for

MAX_REVIEW_YEARS = 3


def check(documents: list[SourceDocument], root: Path) -> list[Diagnostic]:
    """Check the editions of all documents together: job codes are unique across them."""
    found: list[Diagnostic] = []
    job_codes: dict[str, tuple[SourceDocument, int]] = {}
    for doc in documents:
        file = doc.leaflet_file
        outputs: dict[tuple, int] = {}
        for index, edition in enumerate(doc.leaflet.editions):
            loc = doc.leaflet.edition_loc(index)
            key = (edition.locale, edition.paper, edition.profile) + (
                (edition.type,) if edition.type != "standard" else ())
            if key in outputs:
                line = file.where(doc.leaflet.edition_loc(outputs[key])).line
                found.append(error(file.where(loc), "duplicate-edition",
                                   f"edition {'/'.join(key)} is declared twice (first on line {line})",
                                   "both would write the same PDF: remove one"))
            outputs.setdefault(key, index)
            if edition.job_code in job_codes:
                other, other_index = job_codes[edition.job_code]
                first = other.leaflet_file.where(other.leaflet.edition_loc(other_index) + ("job_code",))
                found.append(error(file.where(loc + ("job_code",)), "duplicate-job-code",
                                   f"job code '{edition.job_code}' is already used ({first.file}:{first.line})",
                                   "each edition needs its own job code"))
            else:
                job_codes[edition.job_code] = (doc, index)
            found += _dates(doc, index)
            found += _buildable(doc, index, root)
    return found


def _dates(doc: SourceDocument, index: int) -> list[Diagnostic]:
    edition = doc.leaflet.editions[index]
    where = doc.leaflet_file.where(doc.leaflet.edition_loc(index) + ("review_date",))
    prepared, review = edition.date_of_preparation, edition.review_date
    if review <= prepared:
        return [error(where, "review-date", "the review date is not after the date of preparation",
                      "set a review date within 3 years of preparation")]
    try:
        latest = prepared.replace(year=prepared.year + MAX_REVIEW_YEARS)
    except ValueError:  # 29 February
        latest = prepared.replace(year=prepared.year + MAX_REVIEW_YEARS, day=28)
    if review > latest:
        return [error(where, "review-date", f"the review date is more than {MAX_REVIEW_YEARS} years "
                                            "after the date of preparation",
                      f"review by {latest.isoformat()} at the latest")]
    return []


def _buildable(doc: SourceDocument, index: int, root: Path) -> list[Diagnostic]:
    edition = doc.leaflet.editions[index]  # its paper and profile are registry keys (model.py)
    file = doc.leaflet_file
    return [error(file.where(doc.leaflet.edition_loc(index)), "missing-stylesheet",
                  f"stylesheet '{sheet}' does not exist", "restore it or fix the profile")
            for sheet in stylesheets_for(edition.paper, edition.profile) if not (root / sheet).is_file()]
