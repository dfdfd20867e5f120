"""Hyphenation patterns parsed once per machine (leaflets/hyphenation.py): the same break points,
the same PDF bytes, whatever is found in the cache folder."""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path

import pyphen
import pytest

from leaflets import hyphenation

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "documents" / "ambc"


def words(locale: str) -> list[str]:
    """The translated words of the fixture leaflet's catalogue, long ones first."""
    text = (FIXTURE / "locales" / f"{locale}.po").read_text("utf-8")
    found = {w for w in re.findall(r"[^\W\d_]{6,}", " ".join(re.findall(r'^msgstr "(.*)"$', text, re.M)))}
    return sorted(found, key=lambda w: (-len(w), w))[:400]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A fresh in-process dictionary cache over an empty cache folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(pyphen, "hdcache", {})
    hyphenation.install()
    return tmp_path / "xdg" / "leaflets-hyphenation"


def fresh() -> None:
    """Forget the parsed dictionaries in memory, as a new process would."""
    pyphen.hdcache = hyphenation._Dictionaries()


def stem(lang: str) -> str:
    """The pattern file's name as pyphen picks it for `lang` (German: hyph_de_AT)."""
    return pyphen.LANGUAGES[pyphen.language_fallback(lang)].stem


@functools.lru_cache(maxsize=None)
def parsed_by_pyphen(lang: str) -> list[str]:
    dictionary = pyphen.HyphDict(pyphen.LANGUAGES[pyphen.language_fallback(lang)])
    return [str(dictionary.positions(word)) for word in WORDS[lang]]


WORDS = {"de": words("de"), "es": words("es")}


def positions(lang: str) -> list[str]:
    return [str(pyphen.Pyphen(lang=lang).hd.positions(word)) for word in WORDS[lang]]


@pytest.mark.parametrize("lang", ["de", "es"])
def test_the_cache_gives_pyphen_s_own_break_points(cache, monkeypatch, lang):
    expected = parsed_by_pyphen(lang)
    assert len(WORDS[lang]) > 50 and expected
    assert positions(lang) == expected  # parsed, then saved
    [saved] = list(cache.glob(f"{stem(lang)}-*.json"))
    assert json.loads(saved.read_text("utf-8"))["format"] == hyphenation.FORMAT
    fresh()

    def no_parsing(self, path):
        raise AssertionError("parsed again instead of read from the cache")

    monkeypatch.setattr(pyphen.HyphDict, "__init__", no_parsing)
    assert positions(lang) == expected  # read back from the cache folder


@pytest.mark.parametrize("damage", ["garbage", "truncated", "not patterns", "values out of range",
                                    "empty", "folder", "named pipe", "too big"])
def test_a_damaged_cache_file_is_parsed_again_and_replaced(cache, damage):
    expected = parsed_by_pyphen("es")  # Spanish: small patterns, quick to parse again
    positions("es")
    [saved] = list(cache.glob(f"{stem('es')}-*.json"))
    good = saved.read_bytes()
    saved.unlink()
    if damage == "garbage":
        saved.write_bytes(os.urandom(4096))
    elif damage == "truncated":
        saved.write_bytes(good[: len(good) // 2])
    elif damage == "not patterns":
        saved.write_text(json.dumps({"format": hyphenation.FORMAT, "patterns": {"ab": "cd"}}))
    elif damage == "values out of range":
        entries = json.loads(good)
        key = next(iter(entries["patterns"]))
        entries["patterns"][key] = [0, [10 ** 9]]
        saved.write_text(json.dumps(entries))
    elif damage == "empty":
        saved.write_bytes(b"")
    elif damage == "folder":
        saved.mkdir()
    elif damage == "named pipe":
        os.mkfifo(saved)
    elif damage == "too big":
        with open(saved, "wb") as stream:
            stream.truncate(hyphenation.MAX_BYTES + 1)
    fresh()
    assert positions("es") == expected  # never blocked on the pipe, never used the bad patterns
    if damage in ("garbage", "truncated", "not patterns", "values out of range", "empty", "too big"):
        assert saved.read_bytes() == good  # written again


def test_a_cache_folder_that_cannot_be_written_is_not_used(tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    monkeypatch.setattr(pyphen, "hdcache", {})
    hyphenation.install()
    assert positions("es") == parsed_by_pyphen("es")


def test_the_pdf_is_the_same_with_and_without_the_cache(cache):
    import weasyprint

    html = ('<html lang="es"><body style="width: 30mm; hyphens: auto; font-family: sans-serif">'
            + " ".join(WORDS["es"][:80]) + "</body></html>")
    from leaflets.fonts import isolate

    isolate()
    monkey = pyphen.hdcache
    pyphen.hdcache = {}  # pyphen's own: parsed in this process
    try:
        uncached = weasyprint.HTML(string=html).write_pdf(pdf_identifier=b"x")
    finally:
        pyphen.hdcache = monkey
    positions("es")  # saved to the cache folder
    fresh()
    cached = weasyprint.HTML(string=html).write_pdf(pdf_identifier=b"x")
    assert any(cache.glob(f"{stem('es')}-*.json"))
    assert cached == uncached


def test_no_home_and_a_relative_cache_setting_write_nothing_in_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative-cache")  # ignored, as the XDG rule says
    monkeypatch.setenv("HOME", "")
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)  # no home at all
    monkeypatch.setattr(pyphen, "hdcache", {})
    hyphenation.install()
    assert positions("es") == parsed_by_pyphen("es")
    assert list(tmp_path.iterdir()) == []
