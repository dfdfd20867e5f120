"""A build with nothing to do answers from its record without loading the checks; any change, any
damage, `--strict` or `--force` runs everything again."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import make_project, run_cli
from leaflets.exits import EXIT_CONTENT, EXIT_OK

HEAVY = ("pydantic", "leaflets.checks", "leaflets.model", "leaflets.documents", "weasyprint")


def first_edition(project: Path) -> tuple[str, list[str]]:
    """Pick the first document under source/ and the filters selecting its first edition."""
    leaflet = sorted((project / "source").glob("*/leaflet.yaml"))[0]
    edition = yaml.safe_load(leaflet.read_text("utf-8"))["editions"][0]
    return leaflet.parent.name, ["--document", leaflet.parent.name, "--locale", edition["locale"],
                                 "--paper", edition.get("paper", "a4"),
                                 "--profile", edition.get("profile", "screen")]


def make_pdf(project: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the project's command line in a fresh interpreter, listing the modules it imported."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, "-X", "importtime", "make_pdf.py", *args], cwd=project,
                          capture_output=True, text=True, env=env, timeout=600)


def imported(done: subprocess.CompletedProcess) -> set[str]:
    return {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


def messages(done: subprocess.CompletedProcess) -> str:
    return "\n".join(line for line in done.stderr.splitlines() if not line.startswith("import time:"))


def heavy(done: subprocess.CompletedProcess) -> set[str]:
    return {m for m in imported(done) if m.split(".")[0] in HEAVY or m in HEAVY
            or any(m.startswith(h + ".") or m == h for h in HEAVY)}


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    """A copy of the project with one edition built: its record of the no-op is written."""
    # the small fixture leaflet, with the code: never the leaflets a user keeps under source/
    project = make_project(tmp_path_factory.mktemp("noop") / "project", ("anaemia",))
    done = make_pdf(project, *first_edition(project)[1])
    assert done.returncode == EXIT_OK, messages(done)
    assert list((project / "build" / ".cache" / "noop").glob("*.json"))
    return project


@pytest.fixture(scope="module")
def moved(clean, tmp_path_factory) -> tuple[Path, Path]:
    """A copy of the built project elsewhere, its no-op record written for its own place (a record
    holds for one project and output folder: a copy runs in full once), and a pristine copy of it.
    The tests that change the project run one after another in that one place, each from the
    pristine bytes (`built`), so none pays for a full run of a fresh copy of its own."""
    place = tmp_path_factory.mktemp("noop-moved")
    project = Path(shutil.copytree(clean, place / "project", symlinks=True))
    shutil.rmtree(project / "build" / ".cache" / "noop")
    filters = first_edition(project)[1]
    first = make_pdf(project, *filters)
    assert first.returncode == EXIT_OK and "pydantic" in imported(first), messages(first)
    assert "0 built, 1 up to date" in first.stdout
    return project, Path(shutil.copytree(project, place / "pristine", symlinks=True))


@pytest.fixture
def built(moved) -> Path:
    """The moved project as its full run left it, with its sound no-op record, to change."""
    project, pristine = moved
    shutil.rmtree(project)
    shutil.copytree(pristine, project, symlinks=True)
    again = make_pdf(project, *first_edition(project)[1])
    assert again.returncode == EXIT_OK and heavy(again) == set(), messages(again)
    return project


def test_a_noop_loads_nothing_heavy_and_says_every_edition_is_up_to_date(built):
    _, filters = first_edition(built)
    full = make_pdf(built, "build", "--force", *filters)
    assert full.returncode == EXIT_OK
    assert "pydantic" in imported(full)  # the probe sees a full run's imports
    done = make_pdf(built, *filters)
    assert done.returncode == EXIT_OK, messages(done)
    assert heavy(done) == set()
    assert "0 built, 1 up to date, 0 failed" in done.stdout
    assert "up to date" in done.stdout.splitlines()[0]
    # Its warnings are the full run's, printed again.
    assert messages(done).splitlines() == [line for line in messages(full).splitlines()
                                           if "warning[" in line or "error[" in line]


def test_a_changed_input_runs_every_check(built):
    document, filters = first_edition(built)
    leaflet = built / "source" / document / "leaflet.yaml"
    leaflet.write_text(leaflet.read_text("utf-8") + "\nunknown_field_xyz: [\n", "utf-8")
    done = make_pdf(built, *filters)
    assert done.returncode == EXIT_CONTENT
    assert f"source/{document}/leaflet.yaml:" in messages(done)
    assert "error[" in messages(done) and "Traceback" not in done.stderr
    assert "pydantic" in imported(done) or "yaml" in imported(done)


@pytest.mark.parametrize("changed", ["styles/*.css", "leaflets/*.py"])
def test_a_changed_shared_file_runs_in_full(built, changed):
    _, filters = first_edition(built)
    folder, pattern = changed.split("/")
    path = sorted((built / folder).rglob(pattern))[0]
    with path.open("ab") as handle:
        handle.write(b"\n")
    done = make_pdf(built, *filters)
    assert "pydantic" in imported(done), messages(done)


@pytest.mark.parametrize("option", ["--strict"])
def test_strict_and_force_run_every_check(built, option):
    _, filters = first_edition(built)
    done = make_pdf(built, "build", option, *filters)
    assert "leaflets.checks" in imported(done)


def front_in_process(project: Path, *args: str) -> tuple[int | None, str]:
    """Call the no-op answer make_pdf.py calls first, in this process, with `project` as the root;
    return its status (None: the full command line must run) and what it printed."""
    from leaflets import noop, paths

    out = io.StringIO()
    saved = paths.ROOT
    paths.ROOT = project
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            status = noop.front(list(args))
    finally:
        paths.ROOT = saved
    return status, out.getvalue()


@pytest.mark.parametrize("damage", ["truncated", "not json", "wrong types", "empty", "deleted pdf",
                                    "changed pdf", "deleted edition record", "changed manifest"])
def test_damage_means_a_full_run_never_a_traceback(built, damage, monkeypatch):
    """Each damage in turn: make_pdf.py's sequence (the no-op answer, then the full command line
    when it declines) runs in this process, so a full run costs no fresh interpreter; that a
    fresh process answers from a sound record is asserted by the `built` fixture of every test."""
    from leaflets import noop

    # This process's own record: its interpreter and sys.path differ from a fresh make_pdf.py's,
    # whose record the fixture asserted; the damage is to the record and the files it lists.
    monkeypatch.setattr(noop, "_attempted", {})
    monkeypatch.setattr(noop, "software", lambda root: {"python": "the test's process"})
    _, filters = first_edition(built)
    pdf = next((built / "build").rglob("*.pdf"))
    full = run_cli(built, *filters)  # a record written by this process, then the damage to it
    assert full.returncode == EXIT_OK and front_in_process(built, *filters)[0] == EXIT_OK, full.stderr
    monkeypatch.setattr(noop, "_attempted", {})
    [record] = (built / "build" / ".cache" / "noop").glob("*.json")
    data = json.loads(record.read_text("utf-8"))
    if damage == "truncated":
        record.write_text(record.read_text("utf-8")[:40], "utf-8")
    elif damage == "not json":
        record.write_bytes(b"\xff\x00garbage")
    elif damage == "wrong types":
        data["stdout"], data["files"] = 5, ["x"]
        record.write_text(json.dumps(data), "utf-8")
    elif damage == "empty":
        record.write_text("{}", "utf-8")
    elif damage == "deleted pdf":
        pdf.unlink()
    elif damage == "changed pdf":
        pdf.write_bytes(pdf.read_bytes() + b"\n")
    elif damage == "deleted edition record":
        next((built / "build" / ".cache" / "editions").glob("*.json")).unlink()
    elif damage == "changed manifest":
        manifest = built / "build" / "manifest.json"
        manifest.write_text(manifest.read_text("utf-8") + " ", "utf-8")
    status, printed = front_in_process(built, *filters)
    assert status is None and printed == ""  # declined, quietly: the full build runs
    done = run_cli(built, *filters)
    assert done.returncode == EXIT_OK, done.stderr
    assert "Traceback" not in done.stderr
    assert pdf.is_file()
    monkeypatch.setattr(noop, "_attempted", {})
    status, printed = front_in_process(built, *filters)  # and wrote a sound record again
    assert status == EXIT_OK and "0 built, 1 up to date, 0 failed" in printed, printed


def test_a_noop_whose_reader_has_gone_ends_quietly(clean):
    """`make_pdf.py | head`: the replayed lines meet a closed pipe; no traceback, status 141."""
    reading, writing = os.pipe()
    os.close(reading)
    try:
        done = subprocess.run([sys.executable, "-X", "importtime", "make_pdf.py",
                               *first_edition(clean)[1]], cwd=clean, stdout=writing,
                              stderr=subprocess.PIPE, text=True, timeout=600,
                              env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    finally:
        os.close(writing)
    assert heavy(done) == set(), messages(done)  # it was answered by the no-op record
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, messages(done)
    assert done.returncode == 141, messages(done)


def test_the_build_after_the_first_is_already_a_noop(clean):
    """The first build creates build/ in the project folder; that must not count as a change
    (nor must any file a user or an editor leaves in the project folder)."""
    (clean / "notes.txt").write_text("a file of the user's own\n", "utf-8")
    try:
        done = make_pdf(clean, *first_edition(clean)[1])
    finally:
        (clean / "notes.txt").unlink()
    assert done.returncode == EXIT_OK and heavy(done) == set(), messages(done)
    assert "0 built, 1 up to date" in done.stdout
