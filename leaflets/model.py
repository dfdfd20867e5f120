"""Typed models of a leaflet's source files; the JSON Schema for editors comes from here."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class Strict(BaseModel):
    """Refuse unknown fields so a typo is reported, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --- body blocks -------------------------------------------------------------------------

Inline = Annotated[str, Field(
    min_length=1,
    description="Text with **bold**, *italic*, [links](https://...) and citations [@key] or [@a; @b].",
)]


class Heading(Strict):
    heading: Inline = Field(description="Section heading text.")
    level: Literal[2, 3] = Field(2, description="2 for a section, 3 for a subsection.")


class Paragraph(Strict):
    paragraph: Inline


class Bullets(Strict):
    bullets: list[Inline] = Field(min_length=1, description="A bulleted list, one item per entry.")


class CalloutBody(Strict):
    title: Inline | None = None
    paragraphs: list[Inline] = Field(min_length=1)


class Callout(Strict):
    callout: CalloutBody = Field(description="A highlighted key-message box.")


class TableRow(Strict):
    cells: list[Inline] = Field(min_length=1)


class TableBody(Strict):
    caption: Inline | None = None
    columns: list[Inline] = Field(min_length=1, description="Column headings.")
    rows: list[list[Inline]] = Field(min_length=1, description="One list of cells per row.")
    style: Literal["table", "panel"] = Field(
        "table", description="'panel' draws each row as a card; 'table' as a grid.")


class Table(Strict):
    table: TableBody


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


# --- document ------------------------------------------------------------------------------

class DocumentInfo(Strict):
    title: str = Field(description="Full title, printed on the first page and in the PDF metadata.")
    short_title: str = Field(description="Short title for the running header.")
    subject: str = Field(description="One-line description (PDF Subject).")
    keywords: list[str] = Field(default_factory=list)
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
    locale: str = Field(description="BCP 47 locale of this edition, e.g. en, es, de.")
    paper: Literal["a4", "letter"] = "a4"
    profile: Literal["screen", "print", "archive"] = "screen"
    job_code: str = Field(min_length=1, description="Job/approval code, unique per edition.")
    date_of_preparation: dt.date
    review_date: dt.date
    version: str = "1.0"
    status: Literal["draft", "approved"] = "draft"
    translation: TranslationRecord | None = Field(
        None, description="For an edition in another language than the master: its translation's record.")

    @model_validator(mode="after")
    def _approved_after_review(self) -> "Edition":
        if self.status == "approved" and self.translation and self.translation.status != "reviewed":
            raise ValueError("a translated edition can be approved only after its translation is "
                             "reviewed: set translation.status to 'reviewed' with reviewer and date")
        return self


class Leaflet(Strict):
    """The master text of one leaflet: `source/<doc>/leaflet.yaml`."""

    document: DocumentInfo
    body: list[Block] = Field(min_length=1)
    glossary: dict[str, str] = Field(
        default_factory=dict, description="Abbreviation -> expansion, as spelled out in the text.")
    editions: list[Edition] = Field(min_length=1)


# --- references ----------------------------------------------------------------------------

class Name(Strict):
    family: str | None = None
    given: str | None = Field(None, description="Given names or initials.")
    literal: str | None = Field(None, description="An organisation's name.")


class Reference(Strict):
    """One bibliography entry, close to CSL-JSON so reference managers' exports map onto it."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$", description="Key used in [@key] citations.")
    type: Literal["webpage", "article-journal", "report", "book", "free"]
    author: list[Name] = Field(default_factory=list)
    et_al: bool = Field(False, description="The source lists further authors not given here.")
    title: str | None = None
    container_title: str | None = Field(None, alias="container-title",
                                        description="Journal or website name.")
    container_title_short: str | None = Field(None, alias="container-title-short",
                                              description="Abbreviated journal name (NLM).")
    issued: str | None = Field(None, description="Publication date: YYYY, YYYY-MM or YYYY-MM-DD.")
    volume: str | None = None
    issue: str | None = None
    page: str | None = None
    DOI: str | None = None
    URL: str | None = Field(None, pattern=r"^https?://")
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

    references: list[Reference] = Field(min_length=1)
