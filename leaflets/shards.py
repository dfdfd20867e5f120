"""Split the edition matrix across machines, and join their manifest parts into one manifest."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence, TypeVar

from .build import MANIFEST, write_atomic
from .diagnostics import ContentError, error

T = TypeVar("T")
PART = re.compile(r"^manifest\.part-(\d+)-of-(\d+)\.json$")


@dataclass(frozen=True)
class Shard:
    """Slice K of N (1-based) of the edition matrix."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> "Shard":
        """Read `K/N`; raise ValueError with a plain message when it is not a valid slice."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not match:
            raise ValueError(f"'{text}' is not K/N, e.g. 1/4")
        index, count = int(match[1]), int(match[2])
        if not 1 <= index <= count:
            raise ValueError(f"'{text}': K must be between 1 and N")
        return cls(index, count)

    def select(self, matrix: Sequence[T]) -> list[T]:
        """Take every N-th edition of the matrix, starting at the K-th: balanced and stable."""
        return [item for position, item in enumerate(matrix) if position % self.count == self.index - 1]

    @property
    def part_name(self) -> str:
        return f"manifest.part-{self.index}-of-{self.count}.json"

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def write_part(out: Path, shard: Shard, entries: list[dict]) -> Path:
    """Write this shard's manifest part: its own editions only, sorted."""
    path = out / shard.part_name
    from .environment import renderer_versions

    data = {"shard": {"index": shard.index, "count": shard.count}, "renderer": renderer_versions(),
            "editions": sorted(entries, key=_entry_key)}
    write_atomic(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return path


def find_parts(out: Path) -> list[Path]:
    """Return the manifest parts in `out`, in shard order."""
    parts = [p for p in out.glob("manifest.part-*-of-*.json") if PART.match(p.name)]
    return sorted(parts, key=lambda p: tuple(int(n) for n in PART.match(p.name).groups()[::-1]))


def merge(parts: list[Path], out: Path) -> Path:
    """Join the parts of one sharded build into `out/manifest.json`; raise ContentError if any is wrong."""
    problems = []
    seen: dict[tuple, Path] = {}
    entries: list[dict] = []
    counts: dict[int, set[int]] = {}
    renderers: dict[str, tuple[dict, Path]] = {}
    if not parts:
        raise ContentError([error(out, "manifest-no-parts", "no manifest parts to merge",
                                  "build with --shard K/N first, or name the part files")])
    for path in parts:
        try:
            data = json.loads(path.read_text("utf-8"))
            shard = Shard(int(data["shard"]["index"]), int(data["shard"]["count"]))
            editions = [dict(entry) for entry in data["editions"]]
            keys = [_entry_key(entry) for entry in editions]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            problems.append(error(path, "manifest-part-damaged", f"not a manifest part: {exc}",
                                  "build that shard again"))
            continue
        counts.setdefault(shard.count, set()).add(shard.index)
        renderer = data.get("renderer")
        if isinstance(renderer, dict):
            renderers.setdefault(json.dumps(renderer, sort_keys=True), (renderer, path))
        for key, entry in zip(keys, editions):
            if key in seen:
                problems.append(error(path, "manifest-duplicate", f"edition {'-'.join(key)} is also in "
                                      f"{seen[key].name}", "merge the parts of one sharded build only"))
                continue
            seen[key] = path
            entries.append(entry)
    if len(counts) > 1:
        problems.append(error(out, "manifest-mixed-parts", "the parts come from sharded builds with "
                              f"different N: {', '.join(map(str, sorted(counts)))}",
                              "remove the parts of the older build"))
    for count, indices in counts.items():
        missing = sorted(set(range(1, count + 1)) - indices)
        if missing:
            problems.append(error(out, "manifest-missing-part", "missing manifest part(s) "
                                  + ", ".join(f"{k}/{count}" for k in missing),
                                  "wait for every shard to finish, or rerun the failed ones"))
    if len(renderers) > 1:
        (first, first_path), (other, other_path) = list(renderers.values())[:2]
        differences = ", ".join(f"{name} {first.get(name)} in {first_path.name} but {other.get(name)} "
                                f"in {other_path.name}" for name in sorted(set(first) | set(other))
                                if first.get(name) != other.get(name))
        problems.append(error(out, "manifest-mixed-renderers", "the parts were rendered with different "
                              f"renderer versions: {differences}",
                              "give every CI runner the same image (`python make_pdf.py doctor` shows the versions)"))
    if problems:
        raise ContentError(problems)
    path = out / MANIFEST
    manifest = {"editions": sorted(entries, key=_entry_key)}
    if renderers:
        manifest = {"renderer": next(iter(renderers.values()))[0], **manifest}
    write_atomic(path, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return path


def _entry_key(entry: dict) -> tuple:
    edition_type = entry.get("type", "standard")
    return (entry["document"], entry["locale"], entry["paper"], entry["profile"]) + (
        (edition_type,) if edition_type != "standard" else ())
