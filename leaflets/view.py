"""Resolve one edition into a view model: plain data the layouts print as they find it."""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field

from babel.dates import format_date

from .abbreviations import used_abbreviations
from .bidi import isolate_ltr_runs
from .citations import Numbering, place_citations
from .diagnostics import ContentError, Diagnostic, error
from .documents import SourceDocument
from .i18n.locales import collation_key, direction, script
from .i18n.segments import context_of
from .i18n.translation import Translation
from .inline import MarkerError, Text, iter_cites, parse_inline, plain_text
from .model import Bullets, Callout, Edition, Heading, Paragraph, Table
from .profiles import stylesheets_for
from .references import format_reference


@dataclass
class BlockView:
    kind: str
    content: list = field(default_factory=list)  # inline nodes (heading, paragraph)
    level: int = 0
    anchor: str = ""
    items: list = field(default_factory=list)  # bullets: nodes per item; callout: paragraphs
    title: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    style: str = ""


@dataclass
class ReferenceView:
    number: int | None
    key: str
    anchor: str
    content: list


@dataclass
class AbbreviationView:
    term: str
    expansion: str
    term_nodes: list  # inline nodes: Latin runs isolated in right-to-left editions
    expansion_nodes: list


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


class _Resolver:
    """Parse every inline text of a document in reading order, collecting faults."""

    def __init__(self, doc: SourceDocument, translation: Translation, isolate: bool = False):
        self.doc = doc
        self.translation = translation
        self.isolate = isolate  # right-to-left text in another script: Latin runs kept whole
        self.numbering = Numbering()
        self.diagnostics: list[Diagnostic] = []
        self.texts: list[str] = []

    def inline(self, text: str, loc: tuple) -> list:
        text = self.translation.text(context_of(loc), text)
        try:
            nodes = place_citations(parse_inline(text))
        except MarkerError as exc:
            self.diagnostics.append(error(
                self.doc.leaflet_file.text_position(loc, exc.offset), "malformed-citation",
                f"citation marker '{exc.marker}' cannot be read",
                "write citations as [@key] or [@key1; @key2]"))
            return [_plain_node(text)]
        known = {ref.id for ref in self.doc.references.references}
        for cite in iter_cites(nodes):
            for key in cite.keys:
                if key not in known:
                    self.diagnostics.append(_unknown_key(self.doc, loc, text, key, known))
        self.numbering.apply(nodes)
        self.texts.append(plain_text(nodes))
        return self.runs(nodes)

    def runs(self, nodes: list) -> list:
        """Return `nodes` ready to print in this edition's direction."""
        return isolate_ltr_runs(nodes) if self.isolate else nodes

    def block(self, block, index: int) -> BlockView:
        loc = ("body", index)
        if isinstance(block, Heading):
            content = self.inline(block.heading, loc + ("heading",))
            # The anchor comes from the master heading, so it is the same in every edition.
            anchor = _slug(plain_text(parse_inline(block.heading)))
            return BlockView("heading", content, level=block.level, anchor=anchor)
        if isinstance(block, Paragraph):
            return BlockView("paragraph", self.inline(block.paragraph, loc + ("paragraph",)))
        if isinstance(block, Bullets):
            return BlockView("bullets", items=[
                self.inline(item, loc + ("bullets", i)) for i, item in enumerate(block.bullets)])
        if isinstance(block, Callout):
            body = block.callout
            title = self.inline(body.title, loc + ("callout", "title")) if body.title else []
            return BlockView("callout", title=title, items=[
                self.inline(p, loc + ("callout", "paragraphs", i)) for i, p in enumerate(body.paragraphs)])
        if isinstance(block, Table):
            body = block.table
            caption = self.inline(body.caption, loc + ("table", "caption")) if body.caption else []
            columns = [self.inline(c, loc + ("table", "columns", i)) for i, c in enumerate(body.columns)]
            rows = [[self.inline(cell, loc + ("table", "rows", r, c)) for c, cell in enumerate(row)]
                    for r, row in enumerate(body.rows)]
            return BlockView("table", title=caption, columns=columns, rows=rows, style=body.style)
        raise TypeError(f"no view for block {type(block).__name__}")  # pragma: no cover


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
    for index, ref in enumerate(doc.references.references):
        loc = ("references", index)
        if ref.id in numbers:
            if ref.uncited:
                resolver.diagnostics.append(error(
                    doc.references_file.where(loc + ("uncited",)), "cited-uncited",
                    f"reference '{ref.id}' is declared uncited but the text cites it",
                    "remove its 'uncited' field"))
            references.append(ReferenceView(numbers[ref.id], ref.id, f"ref-{numbers[ref.id]}",
                                            resolver.runs(_formatted(ref, tr, leaflet.document.language))))
        elif ref.uncited:
            further.append(ReferenceView(None, ref.id, f"source-{ref.id}",
                                         resolver.runs(_formatted(ref, tr, leaflet.document.language))))
        else:
            resolver.diagnostics.append(error(
                doc.references_file.where(loc), "uncited-reference",
                f"reference '{ref.id}' is never cited",
                "cite it with [@" + ref.id + "] where it supports the text, delete it, "
                "or declare why it is listed with 'uncited: <reason>'"))
    if resolver.diagnostics:
        raise ContentError(resolver.diagnostics)
    references.sort(key=lambda r: r.number)
    info = leaflet.document
    keywords = [tr.text(f"document/keywords/{i}", k) for i, k in enumerate(info.keywords)]
    title = tr.text("document/title", info.title)
    used = used_abbreviations(tr.glossary(leaflet.glossary), resolver.texts, collation_key(edition.locale))
    abbreviations = [AbbreviationView(a.term, a.expansion, resolver.runs([Text(a.term)]),
                                      resolver.runs([Text(a.expansion)])) for a in used]
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


def _unknown_key(doc: SourceDocument, loc: tuple, text: str, key: str, known: set[str]) -> Diagnostic:
    import difflib
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'?" if close else "add it to references.yaml or fix the key"
    offset = text.find("@" + key)
    return error(doc.leaflet_file.text_position(loc, max(offset, 0)), "unknown-citation",
                 f"unknown reference key '{key}'", hint)


def _plain_node(text: str):
    from .inline import Text
    return Text(text)


def _slug(text: str) -> str:
    return "s-" + re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _formatted(ref, tr: Translation, master_language: str) -> list:
    """Format a reference for an edition; a title kept as the source has it, in an edition of
    another language, is tagged with the source's language (PDF/UA: foreign runs say so)."""
    shown = tr.reference(ref)
    source = ref.language or master_language
    foreign = (shown.title and shown.title == ref.title
               and source.split("-")[0].lower() != tr.locale.split("-")[0].lower())
    return format_reference(shown, tr.babel_locale, tr.gettext, source if foreign else None)
