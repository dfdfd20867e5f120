"""Find the two versions to compare: git revisions checked out into a temporary folder, or folders.

The user's work tree is never touched: a revision's `source/`, `layouts/` and `styles/` are
extracted with `git archive` into a temporary folder, and both versions are loaded from their
sources with the normal pipeline (load documents, load the edition's translation, resolve its
view model).
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import ContentError, closest, did_you_mean
from ..documents import SourceDocument, discover, load_document
from ..model import Edition

TREES = ("source", "layouts", "styles")
WORK_TREE = "WORKTREE"  # the name of the working tree as a version


class VersionError(Exception):
    """A version that cannot be found: a usage error."""


@dataclass
class Version:
    """One side of the comparison: where its project files are and how to name it."""

    spec: str  # what the user typed
    root: Path  # a project folder holding source/, layouts/, styles/
    revision: str  # a commit id, "working tree" or the folder
    kind: str  # "git", "worktree" or "folder"
    _temp: tempfile.TemporaryDirectory | None = field(default=None, repr=False)

    def close(self) -> None:
        if self._temp is not None:
            self._temp.cleanup()
            self._temp = None


def _git(root: Path, *args: str, binary: bool = False):
    result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    if result.returncode != 0:
        return None
    return result.stdout if binary else result.stdout.decode("utf-8", "replace").strip()


def default_old(root: Path) -> str:
    """The last tag reachable from HEAD, or HEAD when there is none."""
    tag = _git(root, "describe", "--tags", "--abbrev=0")
    return tag or "HEAD"


def open_version(spec: str, root: Path) -> Version:
    """Return the version named by `spec`: a project folder, WORKTREE, or a git revision of `root`."""
    if spec == WORK_TREE:
        return Version(spec, root, "working tree", "worktree")
    folder = Path(spec)
    if folder.is_dir() and (folder / "source").is_dir():
        return Version(spec, folder.resolve(), folder.resolve().name, "folder")
    commit = _git(root, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}")
    if not commit:
        raise VersionError(f"'{spec}' is neither a project folder (with source/) nor a git revision")
    present = [tree for tree in TREES if _git(root, "cat-file", "-e", f"{commit}:{tree}") is not None]
    if "source" not in present:
        raise VersionError(f"revision '{spec}' ({commit[:12]}) has no source/ folder")
    archive = _git(root, "archive", "--format=tar", commit, "--", *present, binary=True)
    if archive is None:
        raise VersionError(f"cannot read revision '{spec}' from git")
    temp = tempfile.TemporaryDirectory(prefix="leaflets-compare-")
    try:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(temp.name, filter="data")
    except tarfile.FilterError as exc:  # a link out of the project, a device: refused, never followed
        temp.cleanup()
        raise VersionError(f"revision '{spec}' ({commit[:12]}) cannot be compared: {exc} "
                           "(a file of the project must be the file itself, not a link out of it)") from None
    label = spec if spec == commit else f"{spec} ({commit[:12]})"
    return Version(spec, Path(temp.name), label, "git", temp)


def load_version_document(version: Version, name: str | None) -> SourceDocument:
    """Load one document of a version (the only one when `name` is None)."""
    folders = discover(version.root / "source")
    if name is not None:
        names = [f.name for f in folders]
        folders = [f for f in folders if f.name == name]
        if not folders:
            hint = did_you_mean(closest(name, names, cutoff=0.5),
                                f"it has: {', '.join(sorted(names))}" if names else "it has none")
            raise VersionError(f"{version.revision}: no document '{name}' under source/ ({hint})")
    elif len(folders) != 1:
        names = ", ".join(f.name for f in folders) or "none"
        raise VersionError(f"{version.revision}: choose a document with --document (found: {names})")
    return load_document(folders[0])


def pick_edition(doc: SourceDocument, locale: str | None, paper: str | None = None,
                 profile: str | None = None) -> Edition | None:
    """The first declared edition in `locale` (default: the master language), paper and profile."""
    want = locale or doc.leaflet.document.language
    return next((e for e in doc.leaflet.editions if e.locale == want and paper in (None, e.paper)
                 and profile in (None, e.profile)), None)


__all__ = ["ContentError", "Version", "VersionError", "WORK_TREE", "default_old", "open_version",
           "load_version_document", "pick_edition"]
