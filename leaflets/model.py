"""Typed models of a leaflet's source files; the JSON Schema for editors comes from here."""

from __future__ import annotations

import datetime as dt
import re
import string
from itertools import product
from typing import Annotated, Any, Iterator, Literal, NamedTuple, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, WithJsonSchema, field_validator, model_validator

_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")

# Limits far above any real leaflet: they keep absurd input from running for ever.
MAX_TEXT = 4000  # characters in one paragraph, bullet or cell
MAX_ITEMS = 100  # bullets in a list, rows in a table, paragraphs in a callout
MAX_BLOCKS = 500  # blocks in a body


class Strict(BaseModel):
    """Refuse unknown fields so a typo is reported, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --- body blocks -------------------------------------------------------------------------

Inline = Annotated[str, Field(
    min_length=1,
    max_length=MAX_TEXT,
    description="Text with **bold**, *italic*, [links](https://...) and citations [@key] or [@a; @b].",
)]


class Heading(Strict):
    """A section heading; the document title is level 1."""

    heading: Inline = Field(description="Section heading text.")
    level: Literal[2, 3] = Field(2, description="2 for a section, 3 for a subsection.")


class Paragraph(Strict):
    """A paragraph of body text."""

    paragraph: Inline = Field(description="The paragraph's text.")


class Bullets(Strict):
    """A bulleted list."""

    bullets: list[Inline] = Field(min_length=1, max_length=MAX_ITEMS,
                                  description="A bulleted list, one item per entry.")


class CalloutBody(Strict):
    title: Inline | None = Field(None, description="Optional title printed at the top of the box.")
    paragraphs: list[Inline] = Field(min_length=1, max_length=MAX_ITEMS,
                                     description="The box's paragraphs.")


class Callout(Strict):
    """A highlighted key message."""

    callout: CalloutBody = Field(description="A highlighted key-message box.")


class TableRow(Strict):
    cells: list[Inline] = Field(min_length=1, description="The row's cells.")


class TableBody(Strict):
    caption: Inline | None = Field(None, description="Caption printed above the table.")
    columns: list[Inline] = Field(min_length=1, max_length=12, description="Column headings.")
    rows: list[list[Inline]] = Field(min_length=1, max_length=MAX_ITEMS,
                                     description="One list of cells per row.")
    style: Literal["table", "panel"] = Field(
        "table", description="'panel' draws each row as a card; 'table' as a grid.")


class Table(Strict):
    """A table, e.g. the breast-cancer subtypes."""

    table: TableBody = Field(description="Caption, column headings and rows.")


BLOCK_KINDS = ("heading", "paragraph", "bullets", "callout", "table")


def _block_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        found = [kind for kind in BLOCK_KINDS if kind in value]
    else:
        found = [kind for kind in BLOCK_KINDS if hasattr(value, kind)]
    return found[0] if len(found) == 1 else None


BLOCK_MODELS = {"heading": Heading, "paragraph": Paragraph, "bullets": Bullets,
                "callout": Callout, "table": Table}

Block = Annotated[
    Union[
        Annotated[Heading, Tag("heading")],
        Annotated[Paragraph, Tag("paragraph")],
        Annotated[Bullets, Tag("bullets")],
        Annotated[Callout, Tag("callout")],
        Annotated[Table, Tag("table")],
    ],
    Discriminator(
        _block_kind,
        custom_error_type="block_kind",
        custom_error_message="a block needs exactly one of: " + ", ".join(BLOCK_KINDS),
    ),
]


class BodyText(NamedTuple):
    """One inline text of the body: its path in leaflet.yaml, its kind and its block."""

    loc: tuple
    kind: str  # heading, paragraph, bullet, callout-title, callout, caption, column, cell
    text: str
    block: int
    level: int = 0  # headings only


def body_texts(body: list) -> Iterator[BodyText]:
    """Yield every inline text of a body in reading order (the one walk over block kinds)."""
    for index, block in enumerate(body):
        loc = ("body", index)
        if isinstance(block, Heading):
            yield BodyText(loc + ("heading",), "heading", block.heading, index, block.level)
        elif isinstance(block, Paragraph):
            yield BodyText(loc + ("paragraph",), "paragraph", block.paragraph, index)
        elif isinstance(block, Bullets):
            for i, item in enumerate(block.bullets):
                yield BodyText(loc + ("bullets", i), "bullet", item, index)
        elif isinstance(block, Callout):
            if block.callout.title:
                yield BodyText(loc + ("callout", "title"), "callout-title", block.callout.title, index)
            for i, text in enumerate(block.callout.paragraphs):
                yield BodyText(loc + ("callout", "paragraphs", i), "callout", text, index)
        elif isinstance(block, Table):
            table = block.table
            if table.caption:
                yield BodyText(loc + ("table", "caption"), "caption", table.caption, index)
            for i, text in enumerate(table.columns):
                yield BodyText(loc + ("table", "columns", i), "column", text, index)
            for r, row in enumerate(table.rows):
                for c, text in enumerate(row):
                    yield BodyText(loc + ("table", "rows", r, c), "cell", text, index)


# --- document ------------------------------------------------------------------------------

class DocumentInfo(Strict):
    """What the leaflet is: title, subject and publisher, also written into the PDF metadata."""

    title: str = Field(description="Full title, printed on the first page and in the PDF metadata.")
    short_title: str = Field(description="Short title for the running header.")
    subject: str = Field(description="One-line description (PDF Subject).")
    keywords: list[str] = Field(default_factory=list, description="PDF keywords.")
    publisher: str = Field(description="Organisation responsible for the leaflet (PDF Author).")
    language: str = Field("en", description="Language of the master text (BCP 47).")


class TranslationRecord(Strict):
    """Where a translated edition stands: who translated it, who approved it and when."""

    status: Literal["in-translation", "translated", "reviewed"] = Field(
        description="'reviewed' once a qualified reviewer has approved the translation.")
    translator: str | None = Field(None, description="Who translated it (person or agency).")
    reviewer: str | None = Field(None, description="The qualified reviewer who approved it.")
    reviewed_on: dt.date | None = Field(None, description="When the reviewer approved it.")

    @model_validator(mode="after")
    def _reviewed_by_someone(self) -> "TranslationRecord":
        if self.status == "reviewed" and not (self.reviewer and self.reviewed_on):
            raise ValueError("a reviewed translation needs 'reviewer' and 'reviewed_on'")
        if self.status != "reviewed" and (self.reviewer or self.reviewed_on):
            raise ValueError("'reviewer' and 'reviewed_on' are set only when status is 'reviewed'")
        return self


class Edition(Strict):
    """One PDF to build: a locale on a paper size for one kind of recipient."""

    locale: str = Field(description="BCP 47 locale of this edition, e.g. en, es, de.")
    paper: Literal["a4", "a5", "letter"] = Field("a4", description="Paper size.")
    profile: Literal["screen", "print", "archive"] = Field(
        "screen", description="Output profile: screen (tagged, links), print (bleed, CMYK) "
                              "or archive (PDF/A).")
    job_code: str = Field(min_length=1, description="Job/approval code, unique per edition.")
    date_of_preparation: dt.date = Field(description="Date of preparation, YYYY-MM-DD.")
    review_date: dt.date = Field(
        description="Date by which the leaflet is reviewed, YYYY-MM-DD; at most 3 years later.")
    version: str = Field("1.0", description="Version of the text, e.g. \"1.0\" (in quotes).")
    status: Literal["draft", "approved"] = Field(
        "draft", description="Draft editions carry a visible DRAFT mark.")
    translation: TranslationRecord | None = Field(
        None, description="For an edition in another language than the master: its translation's record.")
    type: Literal["standard", "large-print"] = Field(
        "standard", description="Edition type: standard, or large-print (UKAAF/RNIB clear and "
                                "large print: body 16 pt or larger, no hyphenation, short lines).")

    def stem(self, document: str) -> str:
        """Name this edition's output files: document-locale-paper-profile[-type]."""
        suffix = "" if self.type == "standard" else f"-{self.type}"
        return f"{document}-{self.locale}-{self.paper}-{self.profile}{suffix}"

    @model_validator(mode="after")
    def _approved_after_review(self) -> "Edition":
        if self.status == "approved" and self.translation and self.translation.status != "reviewed":
            raise ValueError("a translated edition can be approved only after its translation is "
                             "reviewed: set translation.status to 'reviewed' with reviewer and date")
        return self


class EditionSettings(Strict):
    """Edition fields that an edition matrix gives all its editions, or one locale overrides."""

    date_of_preparation: dt.date | None = Field(None, description="Date of preparation, YYYY-MM-DD.")
    review_date: dt.date | None = Field(None, description="Review date, YYYY-MM-DD.")
    version: str | None = Field(None, description="Version of the text, e.g. \"1.0\" (in quotes).")
    status: Literal["draft", "approved"] | None = Field(None, description="draft or approved.")
    translation: TranslationRecord | None = Field(None, description="The translation's record.")
    type: Literal["standard", "large-print"] | None = Field(None, description="Edition type.")


_PLACEHOLDERS = {"locale", "paper", "profile"}


class EditionMatrix(Strict):
    """Editions as a product: every locale on every paper in every profile, one job code each."""

    locales: list[str] = Field(min_length=1, description="BCP 47 locales, e.g. [en, es, ar].")
    papers: list[Literal["a4", "a5", "letter"]] = Field(min_length=1, description="Paper sizes.")
    profiles: list[Literal["screen", "print", "archive"]] = Field(min_length=1, description="Output profiles.")
    job_code: str = Field(description="Job code pattern with {locale}, {paper} and {profile}, "
                                      "e.g. \"AMBC-{locale}-{paper}{profile}-0001\".")
    codes: dict[str, str] = Field(
        default_factory=dict, description="What a locale, paper or profile writes in a job code "
                                          "(e.g. letter: LTR, print: -PRT, screen: \"\"); "
                                          "by default its name in capitals.")
    defaults: EditionSettings = Field(description="Fields of every edition of the matrix.")
    overrides: dict[str, EditionSettings] = Field(
        default_factory=dict, description="Fields that differ for one locale, by locale.")

    @model_validator(mode="after")
    def _consistent(self) -> "EditionMatrix":
        names = {name for _, name, _, _ in string.Formatter().parse(self.job_code) if name is not None}
        if names != _PLACEHOLDERS:
            raise ValueError("the job code pattern must hold {locale}, {paper} and {profile} once "
                             f"each (so that every edition has its own); it has {sorted(names) or 'none'}")
        unknown = sorted(set(self.overrides) - set(self.locales))
        if unknown:
            raise ValueError(f"overrides for locales the matrix does not list: {', '.join(unknown)}")
        return self

    def expand(self) -> list[dict[str, Any]]:
        """Return the fields of each edition, locale by locale, then paper, then profile."""
        editions = []
        for locale, paper, profile in product(self.locales, self.papers, self.profiles):
            fields = self.defaults.model_dump(exclude_unset=True)
            if locale in self.overrides:
                fields.update(self.overrides[locale].model_dump(exclude_unset=True))  # null unsets
            code = self.job_code.format(**{key: self.codes.get(value, value.upper()) for key, value in
                                           (("locale", locale), ("paper", paper), ("profile", profile))})
            editions.append({"locale": locale, "paper": paper, "profile": profile, "job_code": code, **fields})
        return editions


class Leaflet(Strict):
    """The master text of one leaflet: `source/<doc>/leaflet.yaml`."""

    document: DocumentInfo = Field(description="Title, subject and publisher.")
    body: list[Block] = Field(min_length=1, max_length=MAX_BLOCKS,
                              description="The text, block by block, in reading order.")
    glossary: dict[str, str] = Field(
        default_factory=dict, description="Abbreviation -> expansion, as spelled out in the text.")
    editions: list[Edition] = Field(
        default_factory=list, description="The PDFs to build from this text: those listed, then "
                                          "those of the edition matrix.")
    edition_matrix: EditionMatrix | None = Field(
        None, description="Editions as locales x papers x profiles with defaults, per-locale "
                          "overrides and a job-code pattern; expanded after the listed editions.")

    @model_validator(mode="before")
    @classmethod
    def _expand_matrix(cls, data: Any) -> Any:
        """Append the matrix's editions to the listed ones, so every stage sees one list."""
        if not isinstance(data, dict) or not isinstance(data.get("edition_matrix"), dict):
            return data
        try:
            matrix = EditionMatrix.model_validate(data["edition_matrix"])
        except ValueError:
            return data  # the field's own validation reports it, at its position
        listed = data.get("editions", [])
        if not isinstance(listed, list):
            return data  # reported as it stands
        return {**data, "editions": [*listed, *matrix.expand()]}

    @model_validator(mode="after")
    def _some_edition(self) -> "Leaflet":
        if not self.editions:
            raise ValueError("no editions: list them under 'editions' or write an 'edition_matrix'")
        return self

    def edition_loc(self, index: int) -> tuple:
        """Return where edition `index` is written: its entry, or the matrix it comes from."""
        if self.edition_matrix is not None:
            matrix = self.edition_matrix
            from_matrix = len(matrix.locales) * len(matrix.papers) * len(matrix.profiles)
            if index >= len(self.editions) - from_matrix:
                return ("edition_matrix",)
        return ("editions", index)


# --- references ----------------------------------------------------------------------------

def _text_or_number(description: str) -> WithJsonSchema:
    """Describe a field YAML may give as a number (`volume: 15`) that is kept as text."""
    return WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}],
                           "default": None, "description": description})



class Name(Strict):
    """A person (family and given names) or an organisation (literal)."""

    family: str | None = Field(None, description="Family name.")
    given: str | None = Field(None, description="Given names or initials.")
    literal: str | None = Field(None, description="An organisation's name.")


class Reference(Strict):
    """One bibliography entry, close to CSL-JSON so reference managers' exports map onto it."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$", description="Key used in [@key] citations.")
    type: Literal["webpage", "article-journal", "report", "book", "free"] = Field(
        description="Kind of source (CSL type); 'free' for a source given as free text.")
    author: list[Name] = Field(default_factory=list, description="Authors in order.")
    et_al: bool = Field(False, description="The source lists further authors not given here.")
    title: str | None = Field(None, description="Title of the article, page or book.")
    language: str | None = Field(None, pattern=r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$",
                                 description="Language of the source (BCP 47, e.g. en, de-CH), when it is not "
                                             "the leaflet's master language; its title is tagged with it.")
    container_title: str | None = Field(None, alias="container-title",
                                        description="Journal or website name.")
    container_title_short: str | None = Field(None, alias="container-title-short",
                                              description="Abbreviated journal name (NLM).")
    issued: Annotated[str | None, _text_or_number("Publication date: YYYY, YYYY-MM or YYYY-MM-DD.")] = None
    volume: Annotated[str | None, _text_or_number("Journal volume.")] = None
    issue: Annotated[str | None, _text_or_number("Journal issue.")] = None
    page: Annotated[str | None, _text_or_number("Page range or article number.")] = None
    DOI: str | None = Field(None, description="DOI without the https://doi.org/ prefix.")
    URL: str | None = Field(None, pattern=r"^https?://", description="Web address (http or https).")
    accessed: str | None = Field(None, description="Date accessed: YYYY-MM or YYYY-MM-DD.")
    text: str | None = Field(None, description="Free text, for type 'free' only.")
    uncited: str | None = Field(
        None, description="Why this source is listed although the text never cites it. "
                          "Uncited sources are printed unnumbered after the numbered references.")

    @field_validator("issued", "accessed", mode="before")
    @classmethod
    def _partial_date(cls, value: Any) -> Any:
        if isinstance(value, (dt.date, int)):
            value = value.isoformat() if isinstance(value, dt.date) else str(value)
        if isinstance(value, str) and not _PARTIAL_DATE.match(value):
            raise ValueError("write the date as YYYY, YYYY-MM or YYYY-MM-DD")
        return value

    @field_validator("volume", "issue", "page", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class References(Strict):
    """The sources of one leaflet: `source/<doc>/references.yaml`."""

    references: list[Reference] = Field(min_length=1, max_length=200,
                                        description="The sources, in any order.")
