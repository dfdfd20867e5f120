"""Compare the resolved view models of two versions of one edition.

Blocks are aligned by their content (difflib over block keys), so inserting a block does not
make every later block "changed"; blocks left over are paired by kind and similarity, and what
stays unpaired was added or removed (or moved, when the same block was removed in one place and
added in another). Inside a changed block, sentences are aligned the same way and each changed
sentence is diffed word by word. References are compared by key: a reference whose entry is
unchanged but whose number changed is "renumbered", a consequence of the citation order, and the
report names the citations that now come before it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from ..documents import SourceDocument
from ..inline import plain_text
from ..model import Edition
from .words import Token, key_of, sentences, similarity, text_of, text_tokens, tokens, word_diff

PAIR_BLOCKS = 0.5  # blocks at least this similar are one block changed, not one removed and one added
PAIR_SENTENCES = 0.4
REPORT_FORMAT = "leaflets-compare/1"  # changes when the JSON report's fields change meaning


@dataclass
class Side:
    """One version of one edition, loaded and resolved."""

    doc: SourceDocument
    edition: Edition
    view: object  # EditionView
    revision: str
    catalogue: dict | None = None  # context -> (state, translation) for translated editions


@dataclass
class _Block:
    index: int
    kind: str
    section: str
    where: str
    parts: list[tuple[str, list[Token]]]  # (label, tokens) per inline text
    sentences: list[tuple[str, list[Token], str]]  # (label, tokens, source line) per sentence
    key: tuple = ()

    def __post_init__(self) -> None:
        self.key = (self.kind, tuple(key_of(toks) for _, toks in self.parts))

    @property
    def words(self) -> list[Token]:
        return [t for _, toks in self.parts for t in toks]

    @property
    def text(self) -> str:
        return "\n".join(text_of(toks) for _, toks in self.parts)


def _parts(block) -> list[tuple[str, list, tuple]]:
    """Each inline text of a block view: a label for the reader, its nodes, its path in the block."""
    if block.kind in ("heading", "paragraph"):
        return [("", block.content, (block.kind,))]
    if block.kind == "bullets":
        return [(f"item {i + 1}", item, ("bullets", i)) for i, item in enumerate(block.items)]
    if block.kind == "callout":
        title = [("title", block.title, ("callout", "title"))] if block.title else []
        return title + [(f"paragraph {i + 1}", p, ("callout", "paragraphs", i)) for i, p in enumerate(block.items)]
    if block.kind == "table":
        caption = [("caption", block.title, ("table", "caption"))] if block.title else []
        columns = [(f"column {i + 1}", c, ("table", "columns", i)) for i, c in enumerate(block.columns)]
        cells = [(f"row {r + 1}, column {c + 1}", cell, ("table", "rows", r, c)) for r, row in enumerate(block.rows)
                 for c, cell in enumerate(row)]
        return caption + columns + cells
    return []


def blocks_of(side: Side) -> list[_Block]:
    """Each body block with its section, source lines (block and sentences) and word tokens."""
    file = f"source/{side.doc.name}/leaflet.yaml"
    loaded = side.doc.leaflet_file
    master = side.edition.locale == side.doc.leaflet.document.language
    out, section = [], ""
    for index, block in enumerate(side.view.blocks):
        if block.kind == "heading":
            section = plain_text(block.content)
        parts, found = [], []
        for label, nodes, path in _parts(block):
            toks = tokens(nodes)
            parts.append((label, toks))
            loc = ("body", index, *path)
            for sentence, line in _lines(loaded, loc, master, sentences(toks)):
                found.append((label, sentence, f"{file}:{line}"))
        out.append(_Block(index, block.kind, section, f"{file}:{loaded.where(('body', index)).line}", parts, found))
    return out


def _lines(loaded, loc: tuple, master: bool, found: list[list[Token]]):
    """Pair each sentence with the line it starts on in the source (the text's line if not found).

    A sentence is found by its first word, searched in the typed text after the previous sentence;
    a translated edition's text is in its catalogue, so its sentences get the master text's line.
    """
    typed = None
    if master:
        try:
            typed = loaded.data_at(loc)
        except (KeyError, IndexError, TypeError):
            typed = None
    start = 0
    for sentence in found:
        words = [t.key[2] for t in sentence if t.key[0] == "w"]
        match = re.compile(r"(?<!\w)" + re.escape(words[0])).search(typed, start) if typed and words else None
        if match:
            start = match.end()
            yield sentence, loaded.text_position(loc, match.start()).line
        else:
            yield sentence, loaded.where(loc).line


def compare(old: Side, new: Side) -> dict:
    """Return the report of what changed from `old` to `new`, as plain JSON-ready data."""
    text = _text_changes(blocks_of(old), blocks_of(new))
    references, consequences = _references(old.view, new.view)
    report = {
        "report": REPORT_FORMAT,
        "document": new.doc.name,
        "title": new.view.title,
        "locale": new.edition.locale,
        "old": _names(old),
        "new": _names(new),
        "sections": _sections(text),
        "references": references,
        "consequences": consequences,
        "glossary": _glossary(old, new),
        "metadata": _metadata(old, new),
        "translation": _translation(old, new),
    }
    counts = {"text": len(text), "references": len(references), "glossary": len(report["glossary"]),
              "metadata": len(report["metadata"]), "translation": len(report["translation"])}
    report["summary"] = {**counts, "renumbered": len(consequences)}
    report["changed"] = any(counts.values())
    return report


def _names(side: Side) -> dict:
    e = side.edition
    return {"revision": side.revision, "job_code": e.job_code, "version": e.version, "status": e.status,
            "date_of_preparation": e.date_of_preparation.isoformat(),
            "edition": f"{e.locale} {e.paper} {e.profile}"}


# --- body text -----------------------------------------------------------------------------

def _text_changes(old: list[_Block], new: list[_Block]) -> list[dict]:
    changes: list[dict] = []
    matcher = difflib.SequenceMatcher(None, [b.key for b in old], [b.key for b in new], autojunk=False)
    removed: list[tuple[int, _Block]] = []  # (position in changes, block)
    added: list[tuple[int, _Block]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        pairs, lone_old, lone_new = _pair(old[i1:i2], new[j1:j2])
        # In reading order of the new version; a removed block right after the block it followed,
        # before anything added in its place.
        start = (new[j1].index if j1 < len(new) else len(new)) - 1
        events = [(n.index, "pair", (o, n)) for o, n in pairs]
        events += [(n.index, "added", n) for n in lone_new]
        events += [(max((n.index for o2, n in pairs if o2.index < o.index), default=start) + 0.5, "removed", o)
                   for o in lone_old]
        for _, kind, item in sorted(events, key=lambda e: e[0]):
            if kind == "pair":
                changes.extend(_block_changes(*item))
            elif kind == "added":
                added.append((len(changes), item))
                changes.append(_block_record("block-added", item))
            else:
                removed.append((len(changes), item))
                changes.append(_block_record("block-removed", item))
    _find_moves(changes, removed, added)
    _moved_sentences(changes)
    return [c for c in changes if c is not None]


def _pair(old: list[_Block], new: list[_Block]):
    """Pair blocks of one kind in order, most similar first; return pairs and the unpaired."""
    pairs, used, start = [], set(), 0
    for o in old:
        best, best_score = None, PAIR_BLOCKS
        for j in range(start, len(new)):
            if new[j].kind == o.kind and j not in used:
                score = similarity(o.words, new[j].words)
                if score >= best_score:
                    best, best_score = j, score
        if best is not None:
            pairs.append((o, new[best]))
            used.add(best)
            start = best + 1
    paired_old = {id(o) for o, _ in pairs}
    lone_old = [o for o in old if id(o) not in paired_old]
    lone_new = [n for j, n in enumerate(new) if j not in used]
    if len(lone_old) == len(lone_new) == 1 and lone_old[0].kind == lone_new[0].kind and not pairs:
        return [(lone_old[0], lone_new[0])], [], []  # one block in place of one: that block changed
    return pairs, lone_old, lone_new


def _block_record(change: str, block: _Block) -> dict:
    record = {"change": change, "section": block.section, "where": block.where, "block": block.kind,
              "part": "", "text": block.text}
    if len(block.sentences) == 1:  # a one-sentence block may have moved into another block
        record["_key"] = key_of(block.sentences[0][1])
    return record


def _block_changes(old: _Block, new: _Block) -> list[dict]:
    """Sentence changes inside one block that is in both versions."""
    changes: list[dict] = []
    a, b = old.sentences, new.sentences
    # Sentences are aligned by their words only: an item inserted in a list renumbers the items
    # after it ("item 3" becomes "item 4") without changing them.
    matcher = difflib.SequenceMatcher(None, [key_of(s) for _, s, _ in a], [key_of(s) for _, s, _ in b],
                                      autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        olds, news = list(a[i1:i2]), list(b[j1:j2])
        while olds or news:
            one_for_one = i2 - i1 == j2 - j1 == 1  # one sentence in place of one: that sentence changed
            if olds and news and (one_for_one or similarity(olds[0][1], news[0][1]) >= PAIR_SENTENCES):
                (_, o, _), (label, n, where) = olds.pop(0), news.pop(0)
                if key_of(o) == key_of(n):
                    continue  # the same sentence, only its place among others changed
                changes.append({"change": "sentence-changed", "section": new.section, "where": where, "block": new.kind,
                                "part": label,
                                "old": text_of(o), "new": text_of(n), "words": word_diff(o, n)})
            elif olds and (not news or len(olds) >= len(news)):
                label, o, where = olds.pop(0)
                changes.append({"change": "sentence-removed", "section": new.section, "where": where, "block": new.kind,
                                "part": label,
                                "text": text_of(o), "_key": key_of(o)})
            else:
                label, n, where = news.pop(0)
                changes.append({"change": "sentence-added", "section": new.section, "where": where, "block": new.kind,
                                "part": label,
                                "text": text_of(n), "_key": key_of(n)})
    return changes


def _find_moves(changes: list, removed, added) -> None:
    """Turn a removal and an addition of the same block into one move (at its new place)."""
    for r_pos, r in removed:
        for a_pos, a in added:
            if changes[a_pos] is not None and changes[r_pos] is not None and a.key == r.key:
                changes[a_pos] = {"change": "block-moved", "section": a.section, "where": a.where, "block": a.kind,
                                  "part": "", "from": r.where, "from_section": r.section, "text": a.text}
                changes[r_pos] = None
                break


def _moved_sentences(changes: list) -> None:
    """A sentence removed in one place and added unchanged in another was moved (also when it
    was a block of its own, or became one)."""
    for i, r in enumerate(changes):
        if r is None or r["change"] not in ("sentence-removed", "block-removed") or "_key" not in r:
            continue
        for j, a in enumerate(changes):
            both_blocks = r["change"] == "block-removed" and a is not None and a["change"] == "block-added"
            if (a is not None and a["change"] in ("sentence-added", "block-added") and a.get("_key") == r["_key"]
                    and not both_blocks):  # whole blocks moved are found by their blocks
                changes[j] = {"change": "sentence-moved", "section": a["section"], "where": a["where"],
                              "block": a["block"], "part": a["part"], "from": r["where"],
                              "from_section": r["section"], "text": a["text"]}
                changes[i] = None
                break
    for change in changes:
        if change is not None:
            change.pop("_key", None)


def _sections(changes: list[dict]) -> list[dict]:
    """Group changes, in reading order, under the section they are in."""
    sections: list[dict] = []
    for change in changes:
        heading = change.pop("section")
        if not sections or sections[-1]["heading"] != heading:
            sections.append({"heading": heading, "changes": []})
        sections[-1]["changes"].append(change)
    return sections


# --- references ----------------------------------------------------------------------------

def _entries(view) -> dict[str, tuple[int | None, str]]:
    return {r.key: (r.number, text_of(tokens(r.content))) for r in [*view.references, *view.further_reading]}


def _references(old_view, new_view) -> tuple[list[dict], list[dict]]:
    old, new = _entries(old_view), _entries(new_view)
    changes, consequences = [], []
    order = sorted(new, key=lambda k: (new[k][0] is None, new[k][0] or 0, k))
    order += sorted((k for k in old if k not in new), key=lambda k: (old[k][0] is None, old[k][0] or 0, k))
    for key in order:
        (old_number, old_text), (new_number, new_text) = old.get(key, (None, None)), new.get(key, (None, None))
        record = {"key": key, "old_number": old_number, "new_number": new_number}
        if key not in old:
            changes.append({"change": "added", **record, "text": new_text})
        elif key not in new:
            changes.append({"change": "removed", **record, "text": old_text})
        elif old_text != new_text:
            changes.append({"change": "edited", **record, "old": old_text, "new": new_text,
                            "words": word_diff(text_tokens(old_text), text_tokens(new_text))})
        elif old_number != new_number:
            if old_number is None or new_number is None:
                changes.append({"change": "now-cited" if old_number is None else "no-longer-cited", **record})
                continue
            before = sorted((k for k, (n, _) in new.items() if n is not None and n < new_number
                             and (k not in old or old[k][0] is None or old[k][0] > old_number)),
                            key=lambda k: new[k][0])
            consequences.append({"change": "renumbered", **record, "because": before,
                                 "first_cited_earlier": new_number < old_number})
    return changes, consequences


# --- glossary, metadata, translation ---------------------------------------------------------

def _glossary(old: Side, new: Side) -> list[dict]:
    a, b = old.doc.leaflet.glossary, new.doc.leaflet.glossary
    listed_a = {x.term for x in old.view.abbreviations}
    listed_b = {x.term for x in new.view.abbreviations}
    changes = []
    for term in sorted(set(a) | set(b), key=lambda t: (t.casefold(), t)):
        listed = [term in listed_a, term in listed_b]
        record = {"term": term, "old": a.get(term), "new": b.get(term), "listed": listed}
        if term not in a:
            changes.append({"change": "added", **record})
        elif term not in b:
            changes.append({"change": "removed", **record})
        elif a[term] != b[term]:
            changes.append({"change": "edited", **record,
                            "words": word_diff(text_tokens(a[term]), text_tokens(b[term]))})
        elif listed[0] != listed[1]:
            changes.append({"change": "now-listed" if listed[1] else "no-longer-listed", **record})
    return changes


_EDITION_FIELDS = ("job_code", "date_of_preparation", "review_date", "version", "status")
_DOCUMENT_FIELDS = ("title", "short_title", "subject", "publisher", "keywords")


def _metadata(old: Side, new: Side) -> list[dict]:
    changes = []
    a, b = old.doc.leaflet.document, new.doc.leaflet.document
    for name in _DOCUMENT_FIELDS:
        if getattr(a, name) != getattr(b, name):
            changes.append({"edition": "document", "field": name, "old": _shown(getattr(a, name)),
                            "new": _shown(getattr(b, name))})
    locale = new.edition.locale

    def editions(side: Side) -> dict:
        return {(e.locale, e.paper, e.profile): e for e in side.doc.leaflet.editions if e.locale == locale}

    ea, eb = editions(old), editions(new)
    for key in sorted(set(ea) | set(eb)):
        name = " ".join(key)
        if key not in ea or key not in eb:
            changes.append({"edition": name, "field": "edition",
                            "old": ea[key].job_code if key in ea else None,
                            "new": eb[key].job_code if key in eb else None})
            continue
        for field_name in _EDITION_FIELDS:
            x, y = getattr(ea[key], field_name), getattr(eb[key], field_name)
            if x != y:
                changes.append({"edition": name, "field": field_name, "old": _shown(x), "new": _shown(y)})
        tx, ty = ea[key].translation, eb[key].translation
        if tx != ty:
            changes.append({"edition": name, "field": "translation",
                            "old": _shown(tx.status if tx else None), "new": _shown(ty.status if ty else None)})
    return changes


def _shown(value):
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _translation(old: Side, new: Side) -> list[dict]:
    """Catalogue entries whose state or translation changed between the versions."""
    if new.catalogue is None and old.catalogue is None:
        return []
    a, b = old.catalogue or {}, new.catalogue or {}
    changes = []
    for context in [*b, *(c for c in a if c not in b)]:
        (sa, ta, _), (sb, tb, master) = a.get(context, (None, None, None)), b.get(context, (None, None, None))
        if context not in b:
            changes.append({"entry": context, "change": "removed", "old_state": sa, "new_state": None,
                            "master": a[context][2], "old": ta, "new": None})
            continue
        if sa == sb and (sb != "translated" or ta == tb):
            continue
        if sb == "translated":
            change = "translated" if sa != "translated" else "changed"
        elif sa is None:
            change = "new"
        else:
            change = {"stale": "became-stale", "fuzzy": "became-fuzzy"}.get(sb, "became-" + sb)
        record = {"entry": context, "change": change, "old_state": sa, "new_state": sb, "master": master,
                  "old": ta, "new": tb}
        if change == "changed":
            record["words"] = word_diff(text_tokens(ta), text_tokens(tb))
        old_master = a.get(context, (None, None, None))[2]
        if old_master is not None and old_master != master:
            record["master_words"] = word_diff(text_tokens(old_master), text_tokens(master))
        changes.append(record)
    return changes
