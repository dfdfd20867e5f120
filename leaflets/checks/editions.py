"""Edition rules: each edition can be built, has its own job code and a due review date."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from ..diagnostics import Diagnostic, error, warning
from ..documents import SourceDocument
from ..profiles import stylesheets_for

MAX_REVIEW_YEARS = 3
REVIEW_NOTICE_DAYS = 90  # warn this long before an edition's review date
CLOCK_VARIABLE = "LEAFLETS_TODAY"  # YYYY-MM-DD: the date the review rules take as today


def today() -> dt.date:
    """Today's date, or the one set in LEAFLETS_TODAY (for tests and for checking ahead)."""
    value = os.environ.get(CLOCK_VARIABLE)
    if value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{CLOCK_VARIABLE}={value!r} is not a date: write YYYY-MM-DD") from None
    return dt.date.today()


def check(documents: list[SourceDocument], root: Path, on: dt.date | None = None) -> list[Diagnostic]:
    """Check the editions of all documents together: job codes are unique across them.

    Review dates are judged on `on` (default: `today()`).
    """
    found: list[Diagnostic] = []
    try:
        on = on or today()
    except ValueError as exc:
        return [error(CLOCK_VARIABLE, "invalid-clock", str(exc))]
    job_codes: dict[str, tuple[SourceDocument, int]] = {}
    for doc in documents:
        file = doc.leaflet_file
        outputs: dict[tuple, int] = {}
        for index, edition in enumerate(doc.leaflet.editions):
            loc = ("editions", index)
            key = (edition.locale, edition.paper, edition.profile) + (
                (edition.type,) if edition.type != "standard" else ())
            if key in outputs:
                line = file.where(("editions", outputs[key])).line
                found.append(error(file.where(loc), "duplicate-edition",
                                   f"edition {'/'.join(key)} is declared twice (first on line {line})",
                                   "both would write the same PDF: remove one"))
            outputs.setdefault(key, index)
            if edition.job_code in job_codes:
                other, other_index = job_codes[edition.job_code]
                first = other.leaflet_file.where(("editions", other_index, "job_code"))
                found.append(error(file.where(loc + ("job_code",)), "duplicate-job-code",
                                   f"job code '{edition.job_code}' is already used ({first.file}:{first.line})",
                                   "each edition needs its own job code"))
            else:
                job_codes[edition.job_code] = (doc, index)
            dates = _dates(doc, index)
            found += dates or _review_due(doc, index, on)  # a date already wrong is reported once
            found += _buildable(doc, index, root)
    return found


def _dates(doc: SourceDocument, index: int) -> list[Diagnostic]:
    edition = doc.leaflet.editions[index]
    where = doc.leaflet_file.where(("editions", index, "review_date"))
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


def _review_due(doc: SourceDocument, index: int, on: dt.date) -> list[Diagnostic]:
    """An edition past its review date is an error; one due within 90 days is a warning."""
    edition = doc.leaflet.editions[index]
    where = doc.leaflet_file.where(("editions", index, "review_date"))
    days = (edition.review_date - on).days
    if days < 0:
        return [error(where, "review-overdue",
                      f"edition {edition.job_code} was due for review on {edition.review_date.isoformat()} "
                      f"({-days} day(s) ago)",
                      "review the leaflet, then set a new date of preparation, review date and version")]
    if days <= REVIEW_NOTICE_DAYS:
        return [warning(where, "review-due",
                        f"edition {edition.job_code} is due for review on {edition.review_date.isoformat()} "
                        f"(in {days} day(s))", "plan the review before the date passes")]
    return []


def _buildable(doc: SourceDocument, index: int, root: Path) -> list[Diagnostic]:
    edition = doc.leaflet.editions[index]  # its paper and profile are registry keys (model.py)
    file = doc.leaflet_file
    return [error(file.where(("editions", index)), "missing-stylesheet",
                  f"stylesheet '{sheet}' does not exist", "restore it or fix the profile")
            for sheet in stylesheets_for(edition.paper, edition.profile) if not (root / sheet).is_file()]
