"""A failed or killed build leaves the previous outputs byte for byte, no temporary files, and a
manifest that describes the files on disk.

Faults are injected where the bytes meet the disk: an exception halfway through writing a file,
a rename that fails, a disk that fills up (a real tmpfs when the tests run as root and may mount
one, a write refused with ENOSPC otherwise), and SIGKILL of the build process halfway through
writing a PDF. The injectors patch `io.open`, which every file write in Python goes through
(`open`, `Path.write_bytes`, `os.fdopen`), so they do not depend on how the build writes.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CHECKOUT, make_project, run_cli
from leaflets.matrix import build
from leaflets.plan import Filters
from leaflets.diagnostics import ContentError

EN = Filters(locale="en", paper="a4", profile="screen")
PDF = "anaemia/anaemia-en-a4-screen.pdf"
PREVIOUS = ["anaemia/anaemia-en-a4-screen.html", PDF, "manifest.json"]


# --- what the tests look at ---------------------------------------------------------------

def outputs(out: Path) -> dict[str, bytes]:
    """The build's outputs (no cache records, no temporaries), by path relative to `out`."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".cache" not in p.relative_to(out).parts and not _temporary(p)}


def _temporary(path: Path) -> bool:
    return path.name.startswith(".") or path.suffix == ".tmp"


def temporaries(out: Path) -> list[str]:
    """Files that are not outputs or cache records: what a half-done write leaves behind."""
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and _temporary(p))


def assert_manifest_matches_disk(out: Path, root: Path) -> None:
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["editions"]
    for entry in manifest["editions"]:
        data = (root / entry["path"]).read_bytes()
        assert (entry["sha256"], entry["bytes"]) == (hashlib.sha256(data).hexdigest(), len(data)), entry["path"]


def edit_master(root: Path) -> None:
    """Change the master text so that the next build writes different bytes."""
    leaflet = root / "source/anaemia/leaflet.yaml"
    text = leaflet.read_text("utf-8")
    leaflet.write_text(text.replace("for 3 months.", "for 3 to 6 months.", 1), "utf-8")


# --- the fault injectors --------------------------------------------------------------------

class _FailingStream:
    """A file opened for writing whose write puts half the bytes on disk, then fails."""

    def __init__(self, stream, fault: BaseException):
        self.stream, self.fault = stream, fault

    def write(self, data) -> int:
        self.stream.write(bytes(data)[: len(data) // 2])
        self.stream.flush()
        raise self.fault

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stream.close()

    def __getattr__(self, name):
        return getattr(self.stream, name)


def _target(file) -> Path | None:
    if isinstance(file, int):
        try:
            return Path(os.readlink(f"/proc/self/fd/{file}"))
        except OSError:
            return None
    return Path(os.fsdecode(file)) if isinstance(file, (str, bytes, os.PathLike)) else None


def fail_writes(monkeypatch, out: Path, kind: str, fault: BaseException) -> None:
    """Make every write under `out` to a file whose name matches the pattern `kind` (searched)
    fail halfway with `fault`."""
    real_open = io.open

    def faulty_open(file, mode="r", *args, **kwargs):
        stream = real_open(file, mode, *args, **kwargs)
        target = _target(file)
        if (set(mode) & set("wax") and target is not None and target.is_relative_to(out)
                and re.search(kind, target.name)):
            return _FailingStream(stream, fault)
        return stream

    monkeypatch.setattr(io, "open", faulty_open)


# --- fixtures -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def first_build(tmp_path_factory) -> Path:
    """The small fixture leaflet's English A4 edition, built once with its HTML."""
    root = make_project(tmp_path_factory.mktemp("atomic") / "project", ("anaemia",))
    build(root, root / "out", EN, write_html=True)
    return root


@pytest.fixture
def built_once(first_build, tmp_path) -> tuple[Path, Path, dict[str, bytes]]:
    """A private copy of the built project, its master text edited; its outputs before."""
    root = Path(shutil.copytree(first_build, tmp_path / "project"))
    out = root / "out"
    before = outputs(out)
    assert sorted(before) == PREVIOUS
    edit_master(root)
    return root, out, before


def rebuild(root: Path, out: Path) -> None:
    build(root, out, EN, write_html=True)


# --- faults in this process ---------------------------------------------------------------

FAULTS = {
    "exception": RuntimeError("fault injected halfway through a write"),
    "disk-full": OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
}
# What the build raises for each: an internal fault stays one; a refused write is the user's to
# fix (a full disk, a read-only folder), so it is a plain error naming the file.
RAISED = {"exception": RuntimeError, "disk-full": ContentError}


def assert_write_failed(caught, reason: str) -> None:
    codes = {d.code for d in caught.value.diagnostics}
    assert codes == {"write-failed"}, codes
    assert all(reason in d.message for d in caught.value.diagnostics)


@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_a_write_failing_halfway_leaves_the_previous_outputs(built_once, monkeypatch, fault):
    root, out, before = built_once
    fail_writes(monkeypatch, out, r"\.pdf", FAULTS[fault])
    with pytest.raises(RAISED[fault]) as caught:
        rebuild(root, out)
    monkeypatch.undo()
    if RAISED[fault] is ContentError:
        assert_write_failed(caught, os.strerror(errno.ENOSPC))
    assert outputs(out) == before
    assert temporaries(out) == []
    assert_manifest_matches_disk(out, root)


@pytest.mark.parametrize("kind", [r"\.html", r"anaemia-en-a4-screen\.json", "manifest"],
                         ids=["html", "cache-record", "manifest"])
def test_a_later_write_failing_leaves_whole_files_and_a_true_manifest(built_once, monkeypatch, kind):
    """Once the PDF is replaced, a failure writing the HTML, the cache record or the manifest
    still leaves every file whole (old or new), and the manifest true, or true after the next
    build when the manifest itself could not be written."""
    root, out, before = built_once
    fail_writes(monkeypatch, out, kind, FAULTS["exception"])
    with pytest.raises(RuntimeError):
        rebuild(root, out)
    monkeypatch.undo()
    assert temporaries(out) == []
    after = outputs(out)
    assert sorted(after) == PREVIOUS
    if kind == r"\.html":
        assert after["anaemia/anaemia-en-a4-screen.html"] == before["anaemia/anaemia-en-a4-screen.html"]
    if kind == "manifest":
        assert after["manifest.json"] == before["manifest.json"]
        rebuild(root, out)  # the next build finds the PDF up to date and writes the manifest
    assert after[PDF] != before[PDF]  # the new PDF is in place, whole
    assert_manifest_matches_disk(out, root)
    rebuild(root, out)
    assert outputs(out)[PDF] == after[PDF] and temporaries(out) == []


def test_a_failing_rename_leaves_the_previous_outputs(built_once, monkeypatch):
    root, out, before = built_once

    def refuse(source, destination, *args, **kwargs):
        raise OSError(errno.EXDEV, "rename refused (fault injected)", str(destination))

    monkeypatch.setattr(os, "replace", refuse)
    monkeypatch.setattr(os, "rename", refuse)
    with pytest.raises(ContentError) as caught:
        rebuild(root, out)
    assert_write_failed(caught, "rename refused")
    monkeypatch.undo()
    assert outputs(out) == before
    assert temporaries(out) == []
    assert_manifest_matches_disk(out, root)


def _mount_tmpfs(where: Path, size: int) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    where.mkdir(parents=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True)
    return done.returncode == 0


def test_a_full_disk_leaves_the_previous_outputs(first_build, tmp_path, monkeypatch):
    """A real full disk (a small tmpfs) where the tests may mount one, else writes refused
    with ENOSPC halfway."""
    root = Path(shutil.copytree(first_build, tmp_path / "project", ignore=shutil.ignore_patterns("out")))
    out = tmp_path / "disk" / "out"
    mounted = _mount_tmpfs(out.parent, 2 * 1024 * 1024)
    try:
        rebuild(root, out)
        before = outputs(out)
        edit_master(root)
        if mounted:  # fill the disk, leaving less room than the new PDF needs
            room = os.statvfs(out).f_bavail * os.statvfs(out).f_frsize
            (out.parent / "filler").write_bytes(b"\0" * max(0, room - 4096))
        else:
            fail_writes(monkeypatch, out, r"\.pdf", FAULTS["disk-full"])
        with pytest.raises(ContentError) as caught:
            rebuild(root, out)
        monkeypatch.undo()
        assert_write_failed(caught, os.strerror(errno.ENOSPC))
        assert outputs(out) == before
        assert temporaries(out) == []
        assert_manifest_matches_disk(out, root)
        (out.parent / "filler").unlink(missing_ok=True)
        rebuild(root, out)  # room again: the build goes through
        assert outputs(out)[PDF] != before[PDF]
        assert_manifest_matches_disk(out, root)
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(out.parent)], check=True)


def test_catalogues_are_written_through_the_same_atomic_writer(tmp_path, monkeypatch):
    """`i18n update` replaces a catalogue whole or not at all."""
    from leaflets.i18n.workflow import update

    root = make_project(tmp_path / "project", ("anaemia",), code=False)
    catalogue = root / "source/anaemia/locales/es.po"
    before = catalogue.read_bytes()
    edit_master(root)
    fail_writes(monkeypatch, root / "source", r"^\.?es\.po\b", FAULTS["disk-full"])
    with pytest.raises(OSError):
        update(root, "anaemia")
    monkeypatch.undo()
    assert catalogue.read_bytes() == before
    assert temporaries(root / "source") == []
    update(root, "anaemia")
    assert b"for 3 to 6 months" in catalogue.read_bytes()


# --- SIGKILL of the build process ---------------------------------------------------------

# Runs the command line on a project; halfway through writing a PDF it says so and waits.
PAUSING_CLI = """
import io, os, sys, time
from pathlib import Path
real_open = io.open
marker = Path(sys.argv[1])

class Pausing:
    def __init__(self, stream): self.stream = stream
    def write(self, data):
        self.stream.write(bytes(data)[: len(data) // 2]); self.stream.flush()
        marker.write_text(str(os.getpid())); time.sleep(120)
    def __enter__(self): return self
    def __exit__(self, *exc): self.stream.close()
    def __getattr__(self, name): return getattr(self.stream, name)

def pausing_open(file, mode="r", *args, **kwargs):
    stream = real_open(file, mode, *args, **kwargs)
    name = os.readlink(f"/proc/self/fd/{file}") if isinstance(file, int) else os.fsdecode(file)
    return Pausing(stream) if set(mode) & set("wax") and ".pdf" in os.path.basename(name) else stream

io.open = pausing_open
from leaflets.cli import main
sys.exit(main(sys.argv[2:]))
"""


def test_sigkill_mid_write_leaves_the_previous_outputs(first_build, tmp_path):
    root = Path(shutil.copytree(first_build, tmp_path / "project"))
    out = root / "out"
    before = outputs(out)
    edit_master(root)
    marker = tmp_path / "writing"
    env = {**os.environ, "PYTHONPATH": str(CHECKOUT)}
    args = ["--document", "anaemia", "--locale", "en", "--paper", "a4", "--profile", "screen",
            "--html", "--jobs", "1", "--out", "out"]
    process = subprocess.Popen([sys.executable, "-c", PAUSING_CLI, str(marker), *args], cwd=root, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), process.stderr.read().decode() if process.poll() is not None else "timed out"
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # and any worker the build started
        except ProcessLookupError:
            pass
        process.stderr.close()
    assert outputs(out) == before
    assert_manifest_matches_disk(out, root)
    assert [Path(t).name.split(".")[3] for t in temporaries(out)] == [marker.read_text()]
    # The half-written temporary file is the killed build's; the next build clears it away.
    result = run_cli(root, *args)
    assert result.returncode == 0, result.stderr
    assert temporaries(out) == []
    assert outputs(out)[PDF] != before[PDF]
    assert_manifest_matches_disk(out, root)


# --- faults in the content and in rendering -------------------------------------------------

def test_a_content_error_leaves_the_previous_outputs(built_once):
    root, out, before = built_once
    leaflet = root / "source/anaemia/leaflet.yaml"
    leaflet.write_text(leaflet.read_text("utf-8").replace("[@nhs-ida]", "[@nhs-ide]", 1), "utf-8")
    with pytest.raises(ContentError) as caught:
        rebuild(root, out)
    assert [d.code for d in caught.value.diagnostics if d.is_error] == ["unknown-citation"]
    assert outputs(out) == before and temporaries(out) == []


def test_a_render_fault_leaves_the_previous_outputs(built_once):
    root, out, before = built_once
    sheet = root / "styles/profile/screen.css"
    sheet.write_text(sheet.read_text("utf-8") + "\nh1 { background: url(missing.png); }\n", "utf-8")
    with pytest.raises(ContentError) as caught:
        rebuild(root, out)
    assert [d.code for d in caught.value.diagnostics] == ["render-fetch"]
    assert outputs(out) == before and temporaries(out) == []
    assert_manifest_matches_disk(out, root)
