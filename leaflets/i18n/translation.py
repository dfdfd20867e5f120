"""Load one edition's translation: its segments, labels and glossary, checked and complete."""

from __future__ import annotations

import gettext
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog

from ..diagnostics import ContentError, Diagnostic, Position, display_path, error, warning
from ..documents import SourceDocument
from ..model import Edition, Reference
from .catalogues import LOCALES_DIR, Entry, read_catalogue
from .checks import compare, compare_label, foreign_terms
from .labels import compile_translations, layout_entries
from .locales import babel_locale, is_pseudo
from .pseudo import bidi_inline, bidi_label, pseudo_inline, pseudo_label, pseudo_term
from .segments import Segment, segments

UPDATE_HINT = "run `python make_pdf.py i18n update`"


@dataclass
class Translation:
    """What an edition prints instead of the master: segments by context and layout labels."""

    locale: str
    texts: dict[str, str] = field(default_factory=dict)
    labels: gettext.NullTranslations = field(default_factory=gettext.NullTranslations)
    filled: list[Diagnostic] = field(default_factory=list)  # gaps the master text filled
    # Where each translated segment is written: (catalogue path, line, column) of its msgstr text.
    sources: dict[str, tuple[Path, int, int]] = field(default_factory=dict)

    @property
    def babel_locale(self) -> str:
        return str(babel_locale(self.locale))

    def text(self, context: str, master: str) -> str:
        """Return the translation of a segment, or the master text where there is none."""
        return self.texts.get(context, master)

    def gettext(self, message: str) -> str:
        """Translate a layout label."""
        return self.labels.gettext(message)

    def glossary(self, master: dict[str, str]) -> dict[str, str]:
        """Return this edition's glossary: translated terms and expansions."""
        return {self.text(f"glossary/{term}/term", term): self.text(f"glossary/{term}/expansion", expansion)
                for term, expansion in master.items()}

    def reference(self, ref: Reference) -> Reference:
        """Return `ref` with its translatable fields translated."""
        update = {name: self.texts[f"references/{ref.id}/{name}"] for name in ("title", "text")
                  if f"references/{ref.id}/{name}" in self.texts}
        return ref.model_copy(update=update) if update else ref

    def status(self, declared: str) -> str:
        """Return the edition status to print: a filled gap makes any edition a draft."""
        return "draft" if self.filled else declared


def catalogue_path(doc: SourceDocument, locale: str) -> Path:
    return doc.folder / LOCALES_DIR / f"{locale}.po"


def layout_catalogue_path(root: Path, locale: str) -> Path:
    return root / "layouts" / LOCALES_DIR / f"{locale}.po"


def load_translation(root: Path, doc: SourceDocument, edition: Edition,
                     allow_incomplete: bool = False) -> Translation:
    """Return the translation of `edition`; raise ContentError listing every gap and mismatch."""
    locale = edition.locale
    if locale == doc.leaflet.document.language:
        return Translation(locale)
    segs = segments(doc)
    if is_pseudo(locale):
        return _pseudo(root, locale, segs, doc, edition)
    problems: list[Diagnostic] = []
    translation = Translation(locale)
    catalogue = _read(catalogue_path(doc, locale), locale, problems, root)
    labels = _read(layout_catalogue_path(root, locale), locale, problems, root)
    if catalogue is not None:
        by_context = {m.context: m for m in catalogue if m.id and m.context}
        lines = _lines(catalogue_path(doc, locale))
        for seg in segs:
            text = _usable(catalogue_path(doc, locale), seg.context, seg.text,
                           by_context.get(seg.context), allow_incomplete, problems, translation)
            if text is None:
                continue
            where = Position(display_path(catalogue_path(doc, locale)), by_context[seg.context].lineno, 1)
            translation.sources[seg.context] = (catalogue_path(doc, locale),
                                                *_msgstr_position(lines, by_context[seg.context].lineno))
            if seg.context.startswith("glossary/") and seg.context.endswith("/term"):
                translation.texts[seg.context] = text
                continue
            for mismatch in compare(seg.text, text):
                problems.append(error(where, mismatch.code, f"{seg.context}: {mismatch.message}", mismatch.hint))
            translation.texts[seg.context] = text
        problems += _term_problems(doc, translation, segs, by_context, catalogue_path(doc, locale))
    if labels is not None:
        translation.labels = _labels(root, locale, labels, allow_incomplete, problems, translation)
    if _approved_with_gaps(edition, translation):
        problems.append(error(_edition_position(doc, edition), "approved-incomplete",
                              f"edition {edition.job_code} is approved but its translation is incomplete",
                              "complete the catalogue, or set the edition's status to draft"))
    if problems:
        raise ContentError(problems)
    return translation


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _msgstr_position(lines: list[str], msgid_line: int) -> tuple[int, int]:
    """Return (line, column) of the first character of an entry's msgstr text, given the line of
    its msgid (`msgstr ""` followed by continued lines: the first continued line's text)."""
    for number in range(max(msgid_line, 1), len(lines) + 1):
        line = lines[number - 1]
        if line.startswith("msgstr"):
            if line.rstrip() == 'msgstr ""' and number < len(lines) and lines[number].startswith('"'):
                return number + 1, 2
            quote = line.find('"')
            return number, quote + 2 if quote >= 0 else 1
    return msgid_line, 1


def _read(path: Path, locale: str, problems: list[Diagnostic], root: Path) -> Catalog | None:
    if not path.is_file():
        problems.append(error(path, "catalogue-missing", f"no catalogue for locale '{locale}'", UPDATE_HINT))
        return None
    try:
        return read_catalogue(path, locale.replace("-", "_"), root)
    except ContentError as exc:
        problems.extend(exc.diagnostics)
        return None


def _usable(path: Path, what: str, master: str, message, allow_incomplete: bool,
            problems: list[Diagnostic], translation: Translation) -> str | None:
    """Return the translation of one entry, or record why there is none."""
    where = Position(display_path(path), message.lineno if message is not None else 0, 1 if message else 0)
    if message is None:
        code, reason, hint = "translation-missing", "is not in the catalogue", UPDATE_HINT
    elif message.id != master:
        code, reason, hint = "translation-stale", "has changed in the master since the catalogue was refreshed", UPDATE_HINT
    elif message.fuzzy:
        code, reason, hint = "translation-fuzzy", "is fuzzy: its master text changed", \
            "check the translation against the master, then remove the fuzzy flag"
    elif not message.string:
        code, reason, hint = "translation-missing", "is untranslated", "translate it"
    else:
        return message.string
    if allow_incomplete:
        translation.filled.append(warning(where, code, f"'{what}' {reason}: printed in the master language",
                                          "draft only"))
    else:
        problems.append(error(where, code, f"'{what}' {reason}",
                              hint + ", or build a draft with --allow-incomplete"))
    return None


def _term_problems(doc: SourceDocument, translation: Translation, segs: list[Segment],
                   by_context: dict, path: Path) -> list[Diagnostic]:
    terms = {term: translation.texts.get(f"glossary/{term}/term", term) for term in doc.leaflet.glossary}
    problems = []
    for seg in segs:
        text = translation.texts.get(seg.context)
        if text is None or seg.context.startswith("glossary/"):
            continue
        for master in foreign_terms(text, terms):
            problems.append(error(
                Position(display_path(path), by_context[seg.context].lineno, 1), "translation-term",
                f"{seg.context}: uses the master abbreviation '{master}' where this locale writes "
                f"'{terms[master]}': '{text}'", f"write '{terms[master]}' or change glossary/{master}/term"))
    return problems


def _labels(root: Path, locale: str, catalogue: Catalog, allow_incomplete: bool,
            problems: list[Diagnostic], translation: Translation) -> gettext.NullTranslations:
    path = layout_catalogue_path(root, locale)
    for entry in layout_entries(root / "layouts"):
        message = catalogue.get(entry.text)
        text = _usable(path, entry.text, entry.text, message, allow_incomplete, problems, translation)
        if text is not None:
            for mismatch in compare_label(entry.text, text):
                problems.append(error(Position(display_path(path), message.lineno, 1),
                                      mismatch.code, mismatch.message, mismatch.hint))
    return compile_translations(catalogue)


def _pseudo(root: Path, locale: str, segs: list[Segment], doc: SourceDocument,
            edition: Edition) -> Translation:
    """Generate the pseudo-locale from the master: nothing to read, nothing missing."""
    if edition.status == "approved":
        raise ContentError([error(_edition_position(doc, edition), "pseudo-approved",
                                  f"pseudo-locale edition {edition.job_code} cannot be approved",
                                  "set its status to draft")])
    term, inline, label = _PSEUDO_TRANSFORMS[locale]
    texts = {}
    for seg in segs:
        if seg.context.endswith("/term"):
            texts[seg.context] = term(seg.text)
        elif seg.context.startswith("body/"):
            texts[seg.context] = inline(seg.text)
        else:  # titles, glossary expansions and references are plain text, not Markdown
            texts[seg.context] = label(seg.text)
    entries: list[Entry] = layout_entries(root / "layouts")
    catalogue = Catalog(locale=None, fuzzy=False)
    for entry in entries:
        catalogue.add(entry.text, label(entry.text))
    return Translation(locale, texts, compile_translations(catalogue))


# Per pseudo-locale: how a glossary term, an inline text and a plain text or label are made.
# ar-XB keeps terms as they are (their uses in the text still match them).
_PSEUDO_TRANSFORMS = {
    "en-XA": (pseudo_term, pseudo_inline, pseudo_label),
    "ar-XB": (str, bidi_inline, bidi_label),
}


def _approved_with_gaps(edition: Edition, translation: Translation) -> bool:
    return edition.status == "approved" and bool(translation.filled)


def _edition_position(doc: SourceDocument, edition: Edition) -> Position:
    index = doc.leaflet.editions.index(edition)
    return doc.leaflet_file.where(doc.leaflet.edition_loc(index))
