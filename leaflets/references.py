"""Format references in AMA style (11th edition) as inline nodes for the layouts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from babel.dates import format_date, format_skeleton

from .inline import Link, Span, Text
from .model import Name, Reference

MAX_AUTHORS = 6  # AMA: list up to 6 authors; with more, the first 3 then "et al".
SHOWN_WHEN_TRUNCATED = 3

Translate = Callable[[str], str]


@dataclass
class Foreign:
    """Text in another language than the edition's: the layouts give it its own `lang`."""

    lang: str
    children: list = field(default_factory=list)
    kind: str = "foreign"


def format_reference(ref: Reference, locale: str, _: Translate = lambda s: s,
                     title_lang: str | None = None) -> list:
    """Return the nodes of one reference entry, without its number; `title_lang` tags a title
    kept in its source's language inside an edition in another one."""
    if ref.type == "free":
        return [Text(ref.text or "")]
    nodes: list = []
    authors = author_list(ref.author, ref.et_al, _)
    if authors:
        _sentence(nodes, authors)
    if ref.title:
        _sentence(nodes, ref.title)
        if title_lang:
            nodes[-2] = Foreign(title_lang, [nodes[-2]])
    if ref.type == "article-journal":
        journal = ref.container_title_short or ref.container_title
        if journal:
            nodes.append(Span("em", [Text(journal)]))
            nodes.append(Text(". "))
        nodes.append(Text(_volume_text(ref)))
    else:
        if ref.container_title:
            _sentence(nodes, ref.container_title)
        if ref.issued:
            _sentence(nodes, _("Published {date}").format(date=partial_date(ref.issued, locale)))
    if ref.accessed:
        _sentence(nodes, _("Accessed {date}").format(date=partial_date(ref.accessed, locale)))
    if ref.DOI:  # AMA: no period after a DOI or a URL
        nodes += [Text(f"doi:{ref.DOI}"), Text(" ")]
    if ref.URL:
        nodes.append(Link(ref.URL, [Text(ref.URL)]))
    _trim(nodes)
    return nodes


def author_list(names: list[Name], et_al: bool, _: Translate = lambda s: s) -> str:
    """Return AMA authors: `Miziak P, Baran M, Kruk E`, truncating after 6 to 3 + et al."""
    shown = [_name(name) for name in names]
    if len(shown) > MAX_AUTHORS:
        shown, et_al = shown[:SHOWN_WHEN_TRUNCATED], True
    if et_al and shown:
        shown.append(_("et al"))
    return ", ".join(shown)


def partial_date(value: str, locale: str) -> str:
    """Format `YYYY`, `YYYY-MM` or `YYYY-MM-DD` in the locale's long style."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 1:
        return str(parts[0])
    if len(parts) == 2:
        return format_skeleton("yMMMM", dt.date(parts[0], parts[1], 1), locale=locale)
    return format_date(dt.date(*parts), format="long", locale=locale)


def _name(name: Name) -> str:
    if name.literal:
        return name.literal
    initials = "".join(word[0] for word in (name.given or "").replace("-", " ").split() if word)
    if name.given and len(name.given.replace(" ", "")) <= 3 and name.given.isupper():
        initials = name.given.replace(" ", "")
    return f"{name.family} {initials}".strip()


def _volume_text(ref: Reference) -> str:
    text = ref.issued[:4] if ref.issued else ""
    if ref.volume:
        text += f";{ref.volume}"
        if ref.issue:
            text += f"({ref.issue})"
    if ref.page:
        text += f":{ref.page}"
    return text + ". " if text else ""


def _sentence(nodes: list, text: str) -> None:
    text = text.strip()
    nodes.append(Text(text if text.endswith((".", "?", "!")) else text + "."))
    nodes.append(Text(" "))


def _trim(nodes: list) -> None:
    while nodes and isinstance(nodes[-1], Text) and not nodes[-1].text.strip():
        nodes.pop()
    if nodes and isinstance(nodes[-1], Text):
        nodes[-1].text = nodes[-1].text.rstrip()
