"""Load one side of a comparison with the normal pipeline: document, translation, view model."""

from __future__ import annotations

from ..diagnostics import closest, did_you_mean
from ..i18n.catalogues import read_catalogue
from ..i18n.locales import is_pseudo
from ..i18n.segments import segments
from ..i18n.translation import catalogue_path, load_translation
from ..view import resolve
from .diff import Side
from .versions import Version, VersionError, load_version_document, pick_edition


def load_side(version: Version, document: str | None, locale: str | None, paper: str | None = None,
              profile: str | None = None) -> Side:
    """Resolve the edition of `locale` in `version`, gaps in its translation filled from the master."""
    doc = load_version_document(version, document)
    edition = pick_edition(doc, locale, paper, profile)
    if edition is None:
        want = " ".join(filter(None, (locale or doc.leaflet.document.language, paper, profile)))
        have = sorted({" ".join(filter(None, (e.locale, paper and e.paper, profile and e.profile)))
                       for e in doc.leaflet.editions})
        hint = did_you_mean(closest(want, have, cutoff=0.5), f"it has: {', '.join(have)}")
        raise VersionError(f"{version.revision}: document '{doc.name}' has no edition '{want}' ({hint})")
    translation = load_translation(version.root, doc, edition, allow_incomplete=True)
    view = resolve(doc, edition, version.root.resolve().as_uri() + "/", translation)
    catalogue = None
    if edition.locale != doc.leaflet.document.language and not is_pseudo(edition.locale):
        catalogue = catalogue_states(doc, edition.locale)
    return Side(doc, edition, view, version.revision, catalogue)


def catalogue_states(doc, locale: str) -> dict[str, tuple[str, str | None, str]]:
    """Map each segment's context to (state, translation, master text).

    States: translated, stale (the master changed since the catalogue was refreshed), fuzzy,
    untranslated, missing (not in the catalogue).
    """
    path = catalogue_path(doc, locale)
    messages = {}
    if path.is_file():
        messages = {m.context: m for m in read_catalogue(path, locale.replace("-", "_")) if m.id and m.context}
    states = {}
    for seg in segments(doc):
        message = messages.get(seg.context)
        if message is None:
            state, text = "missing", None
        else:
            text = message.string or None
            if message.id != seg.text:
                state = "stale"
            elif message.fuzzy:
                state = "fuzzy"
            elif not message.string:
                state = "untranslated"
            else:
                state = "translated"
        states[seg.context] = (state, text, seg.text)
    return states
