"""Resolve one edition into a view model: plain data the layouts print as they find it."""

from __future__ import annotations

import functools
import gettext
import os
from dataclasses import dataclass, field

from babel.dates import format_date

from .abbreviations import used_abbreviations
from .bidi import isolate_ltr_runs
from .blocks import block_kind
from .citations import Numbering, place_citations
from .diagnostics import ContentError, Diagnostic, error
from .documents import SourceDocument, edition_stem
from .i18n.locales import collation_key, direction, script
from .i18n.segments import context_of
from .i18n.translation import Translation
from .inline import MarkerError, Text, parse_inline, plain_text
from .model import Edition
from .profiles import stylesheets_for
from .references import format_reference


@dataclass
class BlockView:
    kind: str
    template: str = ""  # the partial that prints it (from the block kind registry)
    content: list = field(default_factory=list)  # inline nodes (heading, paragraph)
    level: int = 0
    anchor: str = ""
    items: list = field(default_factory=list)  # bullets: nodes per item; callout: paragraphs
    title: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    style: str = ""
    # Where each text came from, "file:line:col" by its path inside the block ("bullets/2"); ""
    # is the block itself. The layouts print it as data-source attributes (the preview's
    # click-to-source); the PDF does not show them.
    sources: dict = field(default_factory=dict)

    def source(self, *path) -> str:
        """The source position of the text at `path` inside the block (the block's own if unknown)."""
        return self.sources.get("/".join(str(part) for part in path), self.sources.get("", ""))


@dataclass
class ReferenceView:
    number: int | None
    key: str
    anchor: str
    content: list
    source: str = ""  # "file:line:col" of the entry (of its translated title when translated)


@dataclass
class AbbreviationView:
    term: str
    expansion: str
    term_nodes: list  # inline nodes: Latin runs isolated in right-to-left editions
    expansion_nodes: list
    source: str = ""  # "file:line:col" of the glossary entry (of the translated expansion)


@dataclass
class EditionView:
    lang: str
    title: str
    short_title: str
    subject: str
    keywords: list[str]
    publisher: str
    job_code: str
    version: str
    status: str
    date_iso: str
    date_of_preparation: str
    review_date: str
    paper: str
    profile: str
    stylesheets: list[str]
    base_href: str
    blocks: list[BlockView]
    abbreviations: list[AbbreviationView]
    references: list[ReferenceView]
    further_reading: list[ReferenceView]
    labels: gettext.NullTranslations = field(default_factory=gettext.NullTranslations)
    dir: str = "ltr"
    title_nodes: list = field(default_factory=list)

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def abbreviation_columns(self) -> list[list[AbbreviationView]]:
        """Split the sorted abbreviations into two columns read top to bottom."""
        half = (len(self.abbreviations) + 1) // 2
        return [column for column in (self.abbreviations[:half], self.abbreviations[half:]) if column]


@dataclass(frozen=True)
class Job:
    """One edition resolved for rendering: its source document, its edition and its view model."""

    document: str
    edition: Edition
    view: EditionView
    filled: tuple[Diagnostic, ...] = ()  # gaps in the translation that the master text filled

    @property
    def stem(self) -> str:
        e = self.edition
        return edition_stem(self.document, e.locale, e.paper, e.profile, e.type)


class _Resolver:
    """Parse every inline text of a document in reading order, collecting faults."""

    def __init__(self, doc: SourceDocument, translation: Translation, isolate: bool = False):
        self.doc = doc
        self.translation = translation
        self.isolate = isolate  # right-to-left text in another script: Latin runs kept whole
        self.numbering = Numbering()
        self.diagnostics: list[Diagnostic] = []
        self.texts: list[str] = []
        self.sources: dict[tuple, str] = {}  # "file:line:col" of the block's texts, by their loc
        root = doc.folder.parent.parent  # positions are printed relative to the project
        self.name = functools.cache(lambda path: _relative(path, root))

    def where(self, loaded, loc: tuple, context: str) -> str:
        """Where a text is written: its catalogue entry when the translation gave it, else the
        master file at the text's first character."""
        found = self.translation.sources.get(context)
        if found is not None:
            path, line, column = found
        else:
            position = loaded.text_position(loc, 0)
            path, line, column = loaded.path, position.line, position.column
        return f"{self.name(path)}:{line}:{column}"

    def inline(self, text: str, loc: tuple) -> list:
        self.sources[loc] = self.where(self.doc.leaflet_file, loc, context_of(loc))
        text = self.translation.text(context_of(loc), text)
        try:
            nodes = place_citations(parse_inline(text))
        except MarkerError as exc:
            self.diagnostics.append(error(
                self.doc.leaflet_file.text_position(loc, exc.offset), "malformed-citation",
                f"citation marker '{exc.marker}' cannot be read",
                "write citations as [@key] or [@key1; @key2]"))
            return [Text(text)]
        self.numbering.apply(nodes)
        self.texts.append(plain_text(nodes))
        return self.runs(nodes)

    def runs(self, nodes: list) -> list:
        """Return `nodes` ready to print in this edition's direction."""
        return isolate_ltr_runs(nodes) if self.isolate else nodes

    def block(self, block, index: int) -> BlockView:
        kind = block_kind(block)
        self.sources = {}
        fields = kind.view(block, lambda text, path: self.inline(text, ("body", index, *path)))
        sources = {"/".join(str(part) for part in loc[2:]): where for loc, where in self.sources.items()}
        sources[""] = self.where(self.doc.leaflet_file, ("body", index), "")
        return BlockView(kind.name, template=kind.template, sources=sources, **fields)


def resolve(doc: SourceDocument, edition: Edition, base_href: str,
            translation: Translation | None = None) -> EditionView:
    """Build the view model of one edition; raise ContentError if it cannot be printed.

    Segments are translated before citations are numbered, so each edition numbers its
    references in the order its own text first cites them.
    """
    tr = translation or Translation(edition.locale)
    writing = direction(edition.locale)
    letters = script(edition.locale)
    resolver = _Resolver(doc, tr, isolate=writing == "rtl" and letters != "Latn")
    leaflet = doc.leaflet
    blocks = [resolver.block(block, i) for i, block in enumerate(leaflet.body)]
    numbers = resolver.numbering.numbers
    references, further = [], []
    # Unknown keys and uncited sources are the citation checks' to report (checks/citations.py),
    # and they run before any edition is resolved.
    for index, ref in enumerate(doc.references.references):
        translated = next((f"references/{ref.id}/{name}" for name in ("title", "text")
                           if f"references/{ref.id}/{name}" in tr.sources), "")
        source = resolver.where(doc.references_file, ("references", index), translated)
        if ref.id in numbers:
            references.append(ReferenceView(numbers[ref.id], ref.id, f"ref-{numbers[ref.id]}",
                                            resolver.runs(_formatted(ref, tr, leaflet.document.language)),
                                            source))
        elif ref.uncited:
            further.append(ReferenceView(None, ref.id, f"source-{ref.id}",
                                         resolver.runs(_formatted(ref, tr, leaflet.document.language)),
                                         source))
    if resolver.diagnostics:
        raise ContentError(resolver.diagnostics)
    references.sort(key=lambda r: r.number)
    info = leaflet.document
    keywords = [tr.text(f"document/keywords/{i}", k) for i, k in enumerate(info.keywords)]
    title = tr.text("document/title", info.title)
    used = used_abbreviations(tr.glossary(leaflet.glossary), resolver.texts, collation_key(edition.locale))
    masters = {tr.text(f"glossary/{term}/term", term): term for term in leaflet.glossary}
    abbreviations = [AbbreviationView(a.term, a.expansion, resolver.runs([Text(a.term)]),
                                      resolver.runs([Text(a.expansion)]),
                                      resolver.where(doc.leaflet_file, ("glossary", masters.get(a.term, a.term)),
                                                     f"glossary/{masters.get(a.term, a.term)}/expansion"))
                     for a in used]
    return EditionView(
        lang=edition.locale, dir=writing, title=title, title_nodes=resolver.runs([Text(title)]),
        short_title=tr.text("document/short_title", info.short_title),
        subject=tr.text("document/subject", info.subject), keywords=keywords,
        publisher=tr.text("document/publisher", info.publisher), job_code=edition.job_code,
        version=edition.version, status=tr.status(edition.status),
        date_iso=edition.date_of_preparation.isoformat(),
        date_of_preparation=format_date(edition.date_of_preparation, "long", locale=tr.babel_locale),
        review_date=format_date(edition.review_date, "long", locale=tr.babel_locale),
        paper=edition.paper, profile=edition.profile,
        stylesheets=stylesheets_for(edition.paper, edition.profile, edition.type, writing, letters),
        base_href=base_href, blocks=blocks, abbreviations=abbreviations,
        references=references, further_reading=further, labels=tr.labels)


def _relative(path, root) -> str:
    """A file's path from the project's root, with forward slashes (the same from any folder)."""
    try:
        return os.path.relpath(os.path.abspath(path), os.path.abspath(root)).replace(os.sep, "/")
    except ValueError:  # another drive (Windows)
        return str(path)


def _formatted(ref, tr: Translation, master_language: str) -> list:
    """Format a reference for an edition; a title kept as the source has it, in an edition of
    another language, is tagged with the source's language (PDF/UA: foreign runs say so)."""
    shown = tr.reference(ref)
    source = ref.language or master_language
    foreign = (shown.title and shown.title == ref.title
               and source.split("-")[0].lower() != tr.locale.split("-")[0].lower())
    return format_reference(shown, tr.babel_locale, tr.gettext, source if foreign else None)
