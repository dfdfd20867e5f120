"""Typed models of a leaflet's source files; the JSON Schema for editors comes from here."""

from __future__ import annotations

import datetime as dt
import re
import string
from itertools import product
from typing import Annotated, Any, Iterator, Literal, NamedTuple

from pydantic import AfterValidator, Field, WithJsonSchema, field_validator, model_validator

from . import profiles
from .blocks import (BLOCKS, MAX_BLOCKS, MAX_ITEMS, MAX_TEXT, Block, Bullets, Callout, Heading, Inline,  # noqa: F401
                     Paragraph, Strict, Table, block_kind)
from .diagnostics import closest
from .paths import edition_stem  # noqa: F401 (the stem is named here too)

_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
# A BCP 47 tag as editions use it: language, then optional script, region and variants. Locales
# become file names (`locales/de.po`, `ambc-de-a4-screen.pdf`): nothing else may pass.
LOCALE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-(?:[A-Z]{2}|[0-9]{3}))?"
                            r"(-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*$")
JOB_CODE_PATTERN = r"^[^\W_][\w.-]{0,63}$"  # letters and digits (any script), '.', '_', '-'; no paths


def check_locale(value: Any) -> Any:
    """Accept a BCP 47 tag whose language Babel knows (`de`, `en-GB`, `zh-Hant-TW`)."""
    if not isinstance(value, str):
        return value
    if not LOCALE_PATTERN.match(value):
        raise ValueError(f"'{value[:40]}' is not a BCP 47 locale such as en, de or pt-BR")
    from babel import localedata

    if not localedata.exists(value.split("-")[0]):
        raise ValueError(f"unknown locale '{value}': no language '{value.split('-')[0]}' in the CLDR data")
    return value


class UnknownName(ValueError):
    """A value that names no entry of its registry; says which names exist and the likeliest one."""

    def __init__(self, expected: list[str], suggestion: str | None):
        super().__init__("should be one of " + ", ".join(expected))
        self.expected, self.suggestion = expected, suggestion

MAX_TITLE = 300  # characters in a title: a title is read at a glance


def _registry_key(registry: str, what: str):
    """A text that must name an entry of a registry in profiles.py (looked up when validating)."""

    def known(value: str) -> str:
        names = list(getattr(profiles, registry))
        if value not in names:
            raise UnknownName(names, closest(value, names))
        return value

    return Annotated[str, AfterValidator(known), WithJsonSchema({"enum": list(getattr(profiles, registry)),
                                                                 "type": "string"})]


PaperName = _registry_key("PAPERS", "paper")
ProfileName = _registry_key("PROFILES", "profile")


# --- body blocks: the registry in blocks.py ----------------------------------------------

class BodyText(NamedTuple):
    """One inline text of the body: its path in leaflet.yaml, its kind and its block."""

    loc: tuple
    kind: str  # heading, paragraph, bullet, callout-title, callout, caption, column, cell
    text: str
    block: int
    level: int = 0  # headings only


def body_texts(body: list) -> Iterator[BodyText]:
    """Yield every inline text of a body in reading order (each kind walks its own block)."""
    for index, block in enumerate(body):
        for path, kind, text, level in block_kind(block).texts(block):
            yield BodyText(("body", index, *path), kind, text, index, level)


# --- document ------------------------------------------------------------------------------

class DocumentInfo(Strict):
    """What the leaflet is: title, subject and publisher, also written into the PDF metadata."""

    title: str = Field(max_length=MAX_TITLE,
                       description="Full title, printed on the first page and in the PDF metadata.")
    short_title: str = Field(max_length=MAX_TITLE, description="Short title for the running header.")
    subject: str = Field(max_length=MAX_TEXT, description="One-line description (PDF Subject).")
    keywords: list[str] = Field(default_factory=list, description="PDF keywords.")
    publisher: str = Field(description="Organisation responsible for the leaflet (PDF Author).")
    language: str = Field("en", description="Language of the master text (BCP 47).")

    _language = field_validator("language")(check_locale)


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
    paper: PaperName = Field("a4", description="Paper size.")
    profile: ProfileName = Field(
        "screen", description="Output profile: screen (tagged, links), print (bleed, CMYK) "
                              "or archive (PDF/A).")
    job_code: str = Field(min_length=1, pattern=JOB_CODE_PATTERN,
                          description="Job/approval code, unique per edition: letters, digits, '.', '_', '-'.")
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
        return edition_stem(document, self.locale, self.paper, self.profile, self.type)

    _locale = field_validator("locale")(check_locale)

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
    papers: list[PaperName] = Field(min_length=1, description="Paper sizes.")
    profiles: list[ProfileName] = Field(min_length=1, description="Output profiles.")
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
