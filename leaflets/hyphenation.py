"""Hyphenation patterns read once per machine, not once per process.

WeasyPrint hyphenates with pyphen, which parses a language's `hyph_*.dic` file the first time a
process needs it: English in a tenth of a second, German (66,000 patterns) in most of a second,
in every render worker and preview that sets German. `install()` puts a stand-in for pyphen's
in-process cache of parsed dictionaries: a dictionary pyphen has parsed is also kept as JSON in
the user's cache folder (`$XDG_CACHE_HOME/leaflets-hyphenation`, else `~/.cache/...`), named
after the pattern file's SHA-256 and pyphen's version, and later processes load that instead
(a quarter of the time). The patterns are data only (JSON, checked entry by entry when read);
a cache file that cannot be read, does not parse or holds anything but patterns is ignored and
written again, a cache folder that cannot be written is not used, and dictionaries with
non-standard hyphenation (none of the bundled ones) are never cached: hyphenation, and so every
PDF, is the same with or without the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

FORMAT = 1
MAX_BYTES = 64 << 20  # the German patterns take 2.3 MB


def cache_folder() -> Path | None:
    """The cache folder, or None when there is no absolute one to use (the XDG rule: a relative
    XDG_CACHE_HOME is ignored; a user without a home gets no cache, never one in the working folder)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base) / "leaflets-hyphenation"


def install() -> None:
    """Make pyphen look in the cache folder before parsing a dictionary (once per process)."""
    import pyphen

    if not isinstance(pyphen.hdcache, _Dictionaries):
        pyphen.hdcache = _Dictionaries(pyphen.hdcache)


class _Dictionaries(dict):
    """pyphen's `hdcache` (path of a .dic file -> parsed patterns), backed by the cache folder.

    pyphen asks `path not in hdcache` before parsing and storing a dictionary: the answer comes
    from memory, else from the cache folder; a dictionary pyphen parses and stores is saved there.
    """

    def __contains__(self, path) -> bool:
        if dict.__contains__(self, path):
            return True
        loaded = _load(Path(path))
        if loaded is None:
            return False
        dict.__setitem__(self, path, loaded)
        return True

    def __setitem__(self, path, value) -> None:
        dict.__setitem__(self, path, value)
        _save(Path(path), value)


def _file_for(path: Path) -> Path | None:
    import pyphen

    from .paths import read_bytes

    try:
        digest = hashlib.sha256(read_bytes(path)).hexdigest()[:32]
    except OSError:
        return None
    version = getattr(pyphen, "VERSION", getattr(pyphen, "__version__", "unknown"))
    folder = cache_folder()
    return folder / f"{path.stem}-{digest}-pyphen{version}-{FORMAT}.json" if folder else None


def _load(path: Path):
    import pyphen

    cached = _file_for(path)
    if cached is None:
        return None
    from .paths import read_bytes

    try:
        if os.path.getsize(cached) > MAX_BYTES:
            return None
        data = json.loads(read_bytes(cached).decode("utf-8"))  # never a pipe or a device
        patterns = {}
        for key, entry in data["patterns"].items():
            start, values = entry
            if not (isinstance(key, str) and type(start) is int and isinstance(values, list) and values
                    and all(type(v) is int and 0 <= v <= 9 for v in values) and 0 <= start <= len(key) + 1):
                return None
            patterns[key] = start, tuple(values)
        if not patterns or data.get("format") != FORMAT:
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError, RecursionError):
        return None
    parsed = pyphen.HyphDict.__new__(pyphen.HyphDict)
    parsed.patterns = patterns
    parsed.cache = {}
    parsed.maxlen = max(len(key) for key in patterns)
    return parsed


def _save(path: Path, parsed) -> None:
    patterns = getattr(parsed, "patterns", None)
    if not patterns:
        return
    entries = {}
    for key, (start, values) in patterns.items():
        if any(type(v) is not int and getattr(v, "data", None) is not None for v in values):
            return  # non-standard hyphenation (ff=f): not kept as plain numbers
        entries[key] = [start, [int(v) for v in values]]
    cached = _file_for(path)
    if cached is None:
        return
    from .outputs import write_atomic

    try:
        write_atomic(cached, json.dumps({"format": FORMAT, "patterns": entries},
                                        ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    except OSError:  # a cache folder that cannot be written: parse again next time
        pass
