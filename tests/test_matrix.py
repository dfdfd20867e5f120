"""Building the matrix: worker pools, incremental rebuilds, failures, shards and fast answers."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import leaflets.render
from leaflets import cache
from conftest import CHECKOUT, ROOT, copy_project, run_cli
from leaflets.matrix import build
from leaflets.plan import Filters
from leaflets.diagnostics import ContentError
from leaflets.matrix import run
from leaflets.progress import LiveReporter
from leaflets.outputs import find_parts, merge
from leaflets.plan import Shard
from pdfread import reading_text
from test_cache import add_editions

SCREEN = Filters(locale="en", profile="screen")  # one locale and profile keep the renders few
# Declared order (the first document's a5 after letter); the second document has no A5 screen
# edition, whose copyfit lays the leaflet out five times: its editions are the ones rendered.
STEMS = ["ambc-en-a4-screen", "ambc-en-letter-screen", "ambc-en-a5-screen",
         "other-en-a4-screen", "other-en-letter-screen"]
PAGES = {"a4": 4, "letter": 4, "a5": 6}

# Runs the command line on another project root, one step after another in the same process: a
# command line (a list of arguments) or a file to append to ({"append": path, "text": text}). After
# each command it records the exit status, what it printed and whether WeasyPrint is imported by
# then; imports only accumulate, so a command that imported WeasyPrint is seen at its own step.
CLI = """
import contextlib, io, json, sys
from pathlib import Path
from leaflets.cli import COMMANDS, main
for command in COMMANDS.values():
    command.ROOT = Path(sys.argv[1])
seen = []
for step in json.loads(sys.argv[2]):
    if isinstance(step, dict):
        with open(Path(sys.argv[1], step["append"]), "a", encoding="utf-8") as stream:
            stream.write(step["text"])
        continue
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(step)
    seen.append({"exit": code, "weasyprint": "weasyprint" in sys.modules,
                 "stdout": out.getvalue(), "stderr": err.getvalue()})
print(json.dumps(seen))
"""


def cli_steps(root: Path, *steps) -> list[tuple[subprocess.CompletedProcess, dict]]:
    """Run make_pdf.py's command lines `steps` one after another in one fresh process building
    `root`: for each command, what it printed (as `stdout` and `stderr`) and what it imported."""
    env = {**os.environ, "PYTHONPATH": str(CHECKOUT)}
    done = subprocess.run([sys.executable, "-c", CLI, str(root), json.dumps(steps)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return [(subprocess.CompletedProcess(step, s["exit"], s["stdout"], s["stderr"]),
             {"exit": s["exit"], "weasyprint": s["weasyprint"]}) for step, s in
            zip((step for step in steps if not isinstance(step, dict)), json.loads(done.stdout))]


def cli(root: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    """Run make_pdf.py's command line in a fresh process, building `root`."""
    [ran] = cli_steps(root, list(args))
    return ran


def sources(destination: Path) -> Path:
    """A project with two documents (no build yet): the fixture leaflet, and a copy of it
    without its A5 screen edition (`STEMS` are their English screen editions)."""
    copy_project(destination)
    shutil.copytree(destination / "source" / "ambc", destination / "source" / "other")
    add_editions(destination / "source" / "other", (), tag="O")
    leaflet = destination / "source" / "other" / "leaflet.yaml"
    text, count = re.subn(r"  - locale: en\n    paper: a5\n    profile: screen\n(    .*\n)+", "",
                          leaflet.read_text("utf-8"))
    assert count == 1
    leaflet.write_text(text, "utf-8")
    return destination


@pytest.fixture(scope="module")
def built_matrix(built, tmp_path_factory) -> tuple[Path, object]:
    """The two-document project built once with two workers. The first document's editions are
    the run's shared build's (same sources, layouts, styles and code): their PDFs and cache
    records are copied in, so they are up to date and only the second document's are rendered."""
    root = sources(tmp_path_factory.mktemp("matrix") / "project")
    for stem in STEMS[:3]:
        for made in (ROOT / "build" / "ambc" / f"{stem}.pdf", cache.record_path(ROOT / "build", stem)):
            target = root / made.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(made, target)
    return root, run(root, root / "build", SCREEN, jobs=2)


@pytest.fixture
def rebuilt(built_matrix, tmp_path) -> Path:
    """A private copy of the built project, its cache included."""
    root, _ = built_matrix
    shutil.copytree(root, tmp_path / "project")
    return tmp_path / "project"


def pdf_bytes(root: Path) -> dict[str, bytes]:
    return {path.stem: path.read_bytes() for path in sorted((root / "build").glob("*/*.pdf"))}


def test_workers_build_every_edition_in_matrix_order(built_matrix):
    root, summary = built_matrix
    # Three editions from the cache, three rendered by the two workers: all in matrix order.
    assert summary.built == STEMS[3:] and summary.skipped == STEMS[:3] and summary.failed == []
    assert [Path(o.path).stem for o in summary.outputs] == STEMS
    manifest = json.loads((root / "build" / "manifest.json").read_text())
    assert [Path(e["path"]).stem for e in manifest["editions"]] == sorted(STEMS)
    for output in summary.outputs:
        text = reading_text(root / output.path)
        assert "Advanced/metastatic breast cancer (a/mBC)" in text
        assert output.job_code in text


@pytest.fixture(scope="module")
def fresh_commands(built_matrix, tmp_path_factory) -> tuple[Path, dict, list]:
    """The commands that must not import WeasyPrint, run in one fresh process on a copy of the
    built project (one interpreter's start instead of five): a rebuild with nothing changed, a
    strict one, --help, check and, after an edit of one document, list."""
    root, _ = built_matrix
    copy = Path(shutil.copytree(root, tmp_path_factory.mktemp("fresh") / "project"))
    before = pdf_bytes(copy)
    ran = cli_steps(copy, ["build", "--locale", "en", "--profile", "screen", "--jobs", "2"],
                    ["build", "--locale", "en", "--profile", "screen", "--strict"],
                    ["--help"], ["check"],
                    {"append": "source/other/references.yaml", "text": "\n"},
                    ["list", "--locale", "en", "--profile", "screen"])
    return copy, before, ran


def test_a_rebuild_with_nothing_changed_renders_nothing_and_never_imports_weasyprint(fresh_commands):
    copy, before, ran = fresh_commands
    done, seen = ran[0]
    assert seen == {"exit": 0, "weasyprint": False}, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split("  last body page")[0] for line in lines[:5]] == [
        f"build/{s.split('-')[0]}/{s}.pdf  {PAGES[s.split('-')[2]]} pages  up to date" for s in STEMS]
    assert lines[5].startswith("0 built, 5 up to date, 0 failed in ")
    assert pdf_bytes(copy) == before


def test_a_rebuild_with_nothing_to_render_still_runs_the_checks(fresh_commands):
    done, seen = fresh_commands[2][1]
    assert seen == {"exit": 1, "weasyprint": False}
    assert "error[long-sentence]: sentence of 21 words" in done.stderr
    assert "nothing was written" in done.stderr


def test_help_check_and_list_never_import_weasyprint(fresh_commands):
    (done, seen), (checked, seen_check), (listed, seen_list) = fresh_commands[2][2:]
    assert seen == {"exit": 0, "weasyprint": False} and "COMMAND" in done.stdout
    assert seen_check == {"exit": 0, "weasyprint": False} and "0 error(s)" in checked.stderr
    assert seen_list == {"exit": 0, "weasyprint": False}, listed.stderr
    states = {line.split()[0]: line for line in listed.stdout.splitlines()[1:-1]}
    assert "up to date" in states["ambc-en-a4-screen"]
    assert "inputs changed" in states["other-en-letter-screen"]
    assert listed.stdout.splitlines()[-1] == "5 edition(s), 2 out of date"


def test_an_edited_document_rerenders_only_its_editions(rebuilt):
    before = pdf_bytes(rebuilt)
    path = rebuilt / "source/other/leaflet.yaml"
    path.write_text(path.read_text().replace("Tumors at distant sites", "Tumors in distant places", 1))
    summary = run(rebuilt, rebuilt / "build", SCREEN, jobs=2)
    assert summary.built == STEMS[3:] and summary.skipped == STEMS[:3]
    after = pdf_bytes(rebuilt)
    assert {stem for stem in before if before[stem] != after[stem]} == set(STEMS[3:])
    assert "Tumors in distant places" in reading_text(rebuilt / "build/other/other-en-a4-screen.pdf")


def test_a_failing_edition_is_reported_while_the_others_are_written(rebuilt):
    before = pdf_bytes(rebuilt)
    a4 = rebuilt / "styles/paper/a4.css"  # the first edition fails, the one after it is written
    a4.write_text('@font-face { font-family: Gone; src: url("../fonts/Gone.ttf"); }\n' + a4.read_text())
    done = run_cli(rebuilt, "build", "--document", "other", "--locale", "en", "--profile", "screen", "--jobs", "2")
    assert done.returncode == 1
    assert "FAILED build/other/other-en-a4-screen.pdf" in done.stderr
    assert "error[render-fetch]: file not found: " in done.stderr
    assert "0 failed" not in done.stdout and "1 built, 0 up to date, 1 failed in " in done.stdout
    after = pdf_bytes(rebuilt)
    assert after["other-en-a4-screen"] == before["other-en-a4-screen"]  # the last good PDF stays
    assert "AMBC-EN-LTR-0001-O" in reading_text(rebuilt / "build/other/other-en-letter-screen.pdf")
    # The failed edition is still out of date: the next build tries it again.
    assert run_cli(rebuilt, "list", "--locale", "en", "--profile", "screen").stdout.count("inputs changed") == 4  # other's a4, and ambc's three


def test_an_internal_fault_in_one_worker_spares_the_others(rebuilt, monkeypatch):
    real = leaflets.render.execute

    def faulty(request, root, font_config=None):
        if request.stem == "other-en-a4-screen":
            raise RuntimeError("boom")
        return real(request, root, font_config)

    monkeypatch.setattr(leaflets.render, "execute", faulty)  # forked workers inherit it
    summary = run(rebuilt, rebuilt / "build", Filters(locale="en", paper="a4", profile="screen"), jobs=2, force=True)
    assert summary.built == ["ambc-en-a4-screen"]
    [failed] = summary.failed
    assert failed.stem == "other-en-a4-screen" and "RuntimeError: boom" in failed.fault
    with pytest.raises(RuntimeError, match="boom"):
        build(rebuilt, rebuilt / "build", Filters(locale="en", paper="a4", profile="screen"), jobs=2, force=True)


def test_content_errors_in_a_worker_reach_the_caller(rebuilt):
    (rebuilt / "styles/profile/screen.css").write_text('@import url("https://example.org/x.css");\n')
    with pytest.raises(ContentError) as caught:
        build(rebuilt, rebuilt / "build", Filters(paper="a4", locale="en", profile="screen"), jobs=2)
    assert "render-fetch" in {d.code for d in caught.value.diagnostics}
    assert "refused to fetch 'https://example.org/x.css'" in str(caught.value)


@given(st.integers(0, 60), st.integers(1, 9))
def test_shards_are_disjoint_balanced_and_cover_the_matrix(size, count):
    matrix = list(range(size))
    slices = [Shard(k, count).select(matrix) for k in range(1, count + 1)]
    assert sorted(x for s in slices for x in s) == matrix
    assert max(map(len, slices)) - min(map(len, slices)) <= 1


def test_merged_shard_manifests_equal_a_single_machine_build(built_matrix, tmp_path):
    single, _ = built_matrix
    # The shards find their editions rendered (the cache of the single build, copied): what is
    # tested here is the slicing, the parts and their merge; rendering is the same in a shard.
    root = Path(shutil.copytree(single, tmp_path / "project"))
    (root / "build" / "manifest.json").unlink()
    seen = []
    for k in (1, 2, 3):
        summary = run(root, root / "build", SCREEN, jobs=1, shard=Shard(k, 3))
        seen.append(summary.built + summary.skipped)
    assert sorted(s for part in seen for s in part) == sorted(STEMS)
    assert not (root / "build" / "manifest.json").exists()
    parts = find_parts(root / "build")
    assert [p.name for p in parts] == [f"manifest.part-{k}-of-3.json" for k in (1, 2, 3)]
    done, seen_cli = cli(root, "manifest", "merge")
    assert seen_cli == {"exit": 0, "weasyprint": False}, done.stderr
    assert (root / "build/manifest.json").read_bytes() == (single / "build/manifest.json").read_bytes()


def test_merge_refuses_missing_and_overlapping_parts(tmp_path):
    entry = {"document": "ambc", "locale": "en", "paper": "a4", "profile": "screen"}
    for k in (1, 3):
        (tmp_path / f"manifest.part-{k}-of-3.json").write_text(
            json.dumps({"shard": {"index": k, "count": 3}, "editions": [entry]}))
    (tmp_path / "manifest.part-2-of-4.json").write_text("{")
    with pytest.raises(ContentError) as caught:
        merge(find_parts(tmp_path), tmp_path)
    assert [d.code for d in caught.value.diagnostics] == [
        "manifest-missing-part", "manifest-part-damaged", "manifest-duplicate"]
    assert "missing manifest part(s) 2/3" in caught.value.diagnostics[0].message
    assert not (tmp_path / "manifest.json").exists()


@pytest.mark.parametrize("args, message", [
    (["--shard", "3/2"], "K must be between 1 and N"),
    (["--shard", "half"], "is not K/N"),
    (["--jobs", "0"], "not a positive number of workers"),
])
def test_bad_matrix_options_are_usage_errors(args, message, capsys):
    from leaflets.cli import main

    assert main(["build", *args]) == 2
    assert message in capsys.readouterr().err


def test_the_live_display_names_each_edition_and_sums_up(rebuilt):
    from rich.console import Console

    screen = io.StringIO()
    reporter = LiveReporter(Console(file=screen, force_terminal=True, width=120))
    run(rebuilt, rebuilt / "build", Filters(document="ambc", paper="a4", locale="en", profile="screen"), jobs=1, force=True,
        reporter=reporter)
    text = screen.getvalue()
    assert "rendering ambc-en-a4-screen" in text
    assert "build/ambc/ambc-en-a4-screen.pdf  4 pages" in text
    assert "1 built, 0 up to date, 0 failed in " in text


class _Translated(Filters):
    """The a4 screen editions in Spanish and German."""

    def accepts(self, doc, edition) -> bool:
        return edition.locale in ("es", "de") and edition.paper == "a4" and edition.profile == "screen"


def test_translated_editions_render_in_workers_as_in_one_process(built, tmp_path):
    """The run's shared build rendered every edition in worker processes (jobs=2); rendered again
    here, in this process, the translated ones are byte for byte the same. (This is also the
    suite's test that two builds of a translated edition are byte-identical.)"""
    summary = run(ROOT, tmp_path, _Translated(), jobs=1, force=True)
    assert sorted(o.locale for o in summary.outputs) == ["de", "es"]
    for output in summary.outputs:
        first = built[(output.document, output.locale, output.paper, output.profile)]
        assert Path(output.path).read_bytes() == first.read_bytes(), output.path
    spanish = built[("ambc", "es", "a4", "screen")]
    assert "Referencias" in reading_text(spanish)  # the page labels crossed to the worker
