"""Command-line slips: a document, locale, paper or profile the project does not know is a usage
error (exit status 2) with a did-you-mean in every command, before anything is read or written."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import make_project
from leaflets.cli import COMMANDS, main
from leaflets.profiles import PAPERS

PAPER_CHOICES = "--paper {" + ",".join(sorted(PAPERS)) + "}"  # as argparse shows the registry

SLIPS = [
    (["--document", "anaemi"], "build", "unknown document 'anaemi' (did you mean 'anaemia'?)"),
    (["build", "--locale", "ess"], "build", "unknown locale 'ess' (did you mean 'es'?)"),
    (["--document", "anaemia", "--locale", "fr"], "build", "unknown locale 'fr' (locales of 'anaemia': en, es)"),
    (["--paper", "leter"], "build", "unknown paper 'leter' (did you mean 'letter'?)"),
    (["build", "--profile", "prnt"], "build", "unknown profile 'prnt' (did you mean 'print'?)"),
    (["list", "--document", "amb"], "list", "unknown document 'amb' (did you mean 'ambc'?)"),
    (["list", "--locale", "en-xa"], "list", "unknown locale 'en-xa' (did you mean 'en-XA'?)"),
    (["list", "--paper", "leter"], "list", "unknown paper 'leter' (did you mean 'letter'?)"),
    (["list", "--profile", "screeen"], "list", "unknown profile 'screeen' (did you mean 'screen'?)"),
    (["check", "--document", "bone"], "check",
     "unknown document 'bone' (documents under source/: ambc, anaemia)"),
    (["check", "--document", "anaemai"], "check", "unknown document 'anaemai' (did you mean 'anaemia'?)"),
    (["i18n", "update", "--document", "bones"], "i18n update",
     "unknown document 'bones' (documents under source/: ambc, anaemia)"),
    (["i18n", "update", "--locale", "ess"], "i18n update", "unknown locale 'ess' (did you mean 'es'?)"),
    (["i18n", "update", "--document", "anaemia", "--locale", "de"], "i18n update",
     "unknown locale 'de' ("),  # 'de' is ambc's, not anaemia's
    (["i18n", "export", "--locale", "dee"], "i18n export", "unknown locale 'dee' (did you mean 'de'?)"),
    (["preflight", "--profile", "archve", "x.pdf"], "preflight",
     "unknown profile 'archve' (did you mean 'archive'?)"),
    (["preview", "--document", "amb"], "preview", "unknown document 'amb' (did you mean 'ambc'?)"),
    (["preview", "--locale", "ess"], "preview", "unknown locale 'ess' (did you mean 'es'?)"),
    (["preview", "--paper", "a44"], "preview", "unknown paper 'a44' (did you mean 'a4'?)"),
    (["preview", "--profile", "prnt"], "preview", "unknown profile 'prnt' (did you mean 'print'?)"),
    (["compare", ".", ".", "--paper", "leter"], "compare", "unknown paper 'leter' (did you mean 'letter'?)"),
    (["compare", ".", ".", "--profile", "scren"], "compare",
     "unknown profile 'scren' (did you mean 'screen'?)"),
]


@pytest.fixture(scope="module")
def two_leaflets(tmp_path_factory) -> Path:
    """A project with the a/mBC leaflet and the small anaemia leaflet (no build)."""
    return make_project(tmp_path_factory.mktemp("slips") / "project", ("ambc", "anaemia"), code=False)


@pytest.fixture
def cli(two_leaflets, monkeypatch, capsys):
    """Run the command line in this process on the two-leaflet project; return (status, stderr)."""
    for command in COMMANDS.values():
        monkeypatch.setattr(command, "ROOT", two_leaflets, raising=False)
    monkeypatch.chdir(two_leaflets)

    def run(*args: str) -> tuple[int, str, str]:
        status = main(list(args))
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


def files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("args, command, message", SLIPS, ids=[" ".join(s[0]) for s in SLIPS])
def test_an_unknown_name_is_a_usage_error_with_a_hint(cli, two_leaflets, args, command, message):
    before = files(two_leaflets)
    status, out, err = cli(*args)
    assert status == 2
    assert f"make_pdf.py {command}: error: " in err and message in err, err
    assert "Traceback" not in err and "error(s)" not in err
    assert files(two_leaflets) == before  # nothing written: no build/, no catalogue touched


def test_known_names_still_select(cli):
    status, out, err = cli("list", "--document", "anaemia", "--locale", "es")
    assert status == 0, err
    assert out.splitlines()[-1] == "1 edition(s), 1 out of date"
    status, out, err = cli("check", "--document", "anaemia")
    assert (status, err.splitlines()[-1]) == (0, "0 error(s), 0 warning(s)")


def test_i18n_update_of_one_document_touches_only_its_catalogues(tmp_path):
    root = (make_project(tmp_path / "project", ("ambc", "anaemia"), code=False))
    leaflet = root / "source/anaemia/leaflet.yaml"
    leaflet.write_text(leaflet.read_text("utf-8").replace("for 3 months.", "for 3 to 6 months.", 1), "utf-8")
    catalogues = sorted([*root.glob("source/*/locales/*"), *root.glob("layouts/locales/*")])
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in catalogues}
    from leaflets.i18n.workflow import update

    update(root, "anaemia")
    changed = sorted(p.relative_to(root).as_posix() for p in catalogues
                     if (p.read_bytes(), p.stat().st_mtime_ns) != before[p])
    assert changed == ["source/anaemia/locales/es.po", "source/anaemia/locales/messages.pot"]
    # A run over every document agrees with it, and leaves the other document's catalogues alone.
    refreshed = {p: p.read_bytes() for p in catalogues}
    update(root)
    assert {p: p.read_bytes() for p in catalogues} == refreshed


def test_a_second_document_leaves_the_firsts_catalogues_alone(tmp_path):
    """Each document's templates are dated by its own editions, not by the latest of all, and the
    layouts' shared catalogues keep their date while their entries stay the same."""
    from leaflets.i18n.workflow import update

    root = make_project(tmp_path / "project", ("ambc", "anaemia"), code=False)
    catalogues = sorted([*root.glob("source/ambc/locales/*"), *root.glob("layouts/locales/*")])
    before = {p: p.read_bytes() for p in catalogues}
    update(root)
    assert {p: p.read_bytes() for p in catalogues} == before


def test_help_shows_the_build_options_that_work_without_a_command(cli):
    status, out, err = cli("--help")
    assert status == 0
    options = out[out.index("build options"):]
    for option in ("--document", "--locale", PAPER_CHOICES, "--profile {archive,print,screen}",
                   "--out", "--jobs", "--force", "--html", "--strict", "--allow-incomplete", "--shard"):
        assert option in options, option
    assert "-h, --help" not in options


def test_help_in_a_fresh_process():
    done = subprocess.run([sys.executable, "make_pdf.py", "--help"], cwd=Path(__file__).parent.parent,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and PAPER_CHOICES in done.stdout and "--force" in done.stdout


def test_compare_names_the_document_it_does_not_find(cli, two_leaflets):
    before = files(two_leaflets)
    status, out, err = cli("compare", ".", ".", "--document", "anaemi", "--format", "json")
    assert status == 2, err
    assert "no document 'anaemi' under source/ (did you mean 'anaemia'?)" in err, err
    assert "Traceback" not in err
    assert files(two_leaflets) == before
