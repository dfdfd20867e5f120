"""Where the project's trees are, and how their files are read."""

import errno
import os
import stat
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source"
LAYOUTS = ROOT / "layouts"
STYLES = ROOT / "styles"
BUILD = ROOT / "build"
LEAFLET_FILE = "leaflet.yaml"  # each document's content, source/<document>/leaflet.yaml


def edition_stem(document: str, locale: str, paper: str, profile: str,
                 edition_type: str = "standard") -> str:
    """Name one edition's outputs: `ambc-en-a4-screen` (the PDF, its HTML, its cache record);
    an edition of another type than standard adds it: `ambc-en-a4-print-large-print`.
    (Here, not beside the content models: a build names its editions before it loads them.)"""
    suffix = "" if edition_type == "standard" else f"-{edition_type}"
    return f"{document}-{locale}-{paper}-{profile}{suffix}"


def relative_to_root(path: Path, root: Path) -> str:
    """Show `path` relative to `root` when it is inside it, else as an absolute path."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


# Trees of the system no build writes into: a typo in --out must not reach them.
SYSTEM_TREES = ("/proc", "/sys", "/dev")


def output_folder(text: str) -> Path:
    """Parse an output folder option (argparse type): refuse what no build may write into."""
    import argparse

    try:
        return _output_folder(text)
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte: still the user's typo
        raise argparse.ArgumentTypeError(f"'{text[:60]}' cannot be an output folder: "
                                         f"{getattr(exc, 'strerror', None) or exc}") from None


def _output_folder(text: str) -> Path:
    import argparse

    if not text.strip():
        raise argparse.ArgumentTypeError("the output folder is empty: name a folder, e.g. build/")
    from .diagnostics import printable

    if printable(text) != text:
        # every output's path is printed: a line break or an escape sequence would go with it
        raise argparse.ArgumentTypeError(f"{text[:60]!r} holds a control character: name the folder plainly")
    path = Path(text)
    resolved = path.resolve()
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"'{text}' is a file, not a folder")
    if any(resolved == Path(t) or resolved.is_relative_to(t) for t in SYSTEM_TREES):
        raise argparse.ArgumentTypeError(f"'{text}' is a system folder: outputs cannot go there")
    if ROOT.is_relative_to(resolved) or any(resolved.is_relative_to(ROOT / t) for t in
                                            ("source", "layouts", "styles", "leaflets", "schema")):
        raise argparse.ArgumentTypeError(f"'{text}' holds the project's sources: write outputs "
                                         "to a folder of their own, e.g. build/")
    existing = next(p for p in (resolved, *resolved.parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"'{text}' cannot be created or written: "
                                         f"'{existing}' is not a writable folder")
    return path


class WriteError(OSError):
    """An output that could not be written (its `filename` is the output, not a temporary file):
    the user's disk or folder, so the command line reports it as a diagnostic, not a fault."""


def inside(folder: Path, path: Path) -> bool:
    """Tell whether `path`, symlinks resolved, stays inside `folder`."""
    return path.resolve().is_relative_to(folder.resolve())


def read_bytes(path, follow_links: bool = True) -> bytes:
    """Read a regular file whole. A pipe, a device, a socket or a folder put where a file is
    expected is refused with an OSError, never waited on: a named pipe would block the build for
    ever and a device would never end. Without `follow_links`, a symbolic link is refused too
    (OSError, ELOOP), never read through."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    descriptor = os.open(path, flags if follow_links else flags | os.O_NOFOLLOW)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a pipe, a device or a folder)", str(path))
        os.set_blocking(descriptor, True)
        with open(descriptor, "rb", closefd=False) as stream:
            return stream.read()
    finally:
        os.close(descriptor)


def read_text(path, errors: str = "strict") -> str:
    """Read a regular file as UTF-8 text (see `read_bytes`)."""
    return read_bytes(path).decode("utf-8", errors)


def project_files(folder: Path):
    """Walk the files under `folder` in a stable order (hidden files and byte-code skipped); yield
    (path relative to `folder`, path, None) for a file to read, or (…, …, a marker) for one that
    must not be read: "link:<target>" for a link leading out of the project (`folder`'s parent),
    "special" for a pipe (it would block), a device (it never ends) or a dangling link."""
    outside = folder.resolve().parent
    for directory, subdirs, files in os.walk(folder):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d != "__pycache__")
        for name in sorted(files):
            if name.startswith(".") or name.endswith((".pyc", ".pyo", "~")):
                continue
            path = Path(directory) / name
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink() and not path.resolve().is_relative_to(outside):
                yield relative, path, "link:" + os.readlink(path)
                continue
            try:
                regular = stat.S_ISREG(os.stat(path).st_mode)
            except OSError:
                regular = False
            yield relative, path, None if regular else "special"
