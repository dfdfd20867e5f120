"""Shared fixtures: a fixture project built once per test run, and throwaway project copies.

No test reads the leaflets under the checkout's source/: the suite runs on projects made from
the checkout's code, layouts, styles and schemas with the fixture documents of
tests/fixtures/documents/ under their source/, so a user adding or removing leaflets changes
nothing. `ROOT` is one such project holding a copy of the a/mBC leaflet; it is made once per test
run, before pytest-xdist starts its workers, which find it through the environment.
"""

from __future__ import annotations

import atexit
import contextlib
import filecmp
import io
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock

from leaflets.matrix import build
from leaflets.plan import Filters



def _keep_byte_code() -> None:
    """Keep this run's byte-code in the user's cache folder when PYTHONDONTWRITEBYTECODE forbids
    writing it beside the sources (some environments set it): otherwise every test process
    rewrites the test modules' asserts and compiles the package again, run after run (about
    3.5 CPU-seconds a process). Nothing is written beside the sources; the processes the tests
    start keep the environment they are given. No cache without an absolute cache folder (the
    XDG rule, as for the hyphenation cache)."""
    if not sys.dont_write_bytecode or sys.pycache_prefix:
        return
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
        if not os.path.isabs(base):
            return
    folder = os.path.join(base, "leaflets-tests", "pycache")
    try:
        if _size(folder) > BYTE_CODE_CACHE_BYTES:  # one checkout and its environment is ~25 MB
            shutil.rmtree(folder)
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError:
        return
    if os.access(folder, os.W_OK | os.X_OK):  # else every library would be compiled, every run
        sys.pycache_prefix = folder
        sys.dont_write_bytecode = False


BYTE_CODE_CACHE_BYTES = 250_000_000  # each checkout folder adds its own: emptied past this


def _size(folder: str) -> int:
    total = 0
    for directory, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(directory, name)).st_size
            except OSError:
                pass
    return total


_keep_byte_code()  # before pytest imports the test modules

CHECKOUT = Path(__file__).resolve().parent.parent  # the code under test
FIXTURE_DOCUMENTS = CHECKOUT / "tests" / "fixtures" / "documents"
# Review dates are judged against this day in every test, so the suite does not start failing
# (review-due, review-overdue) as the calendar moves on.
TEST_TODAY = "2026-06-01"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setenv("LEAFLETS_TODAY", TEST_TODAY)


PROJECT_TREES = ("source", "layouts", "styles")
_SHARED_TREES = ("layouts", "styles", "schema")
_ENV = "LEAFLETS_TEST_PROJECT"


def make_project(destination: Path, documents: tuple[str, ...] = ("ambc",), code: bool = True) -> Path:
    """Make a project at `destination`: the checkout's layouts, styles and schemas, the named
    fixture documents under source/ and, with `code`, the package and make_pdf.py."""
    for tree in _SHARED_TREES:
        shutil.copytree(CHECKOUT / tree, destination / tree, ignore=shutil.ignore_patterns("__pycache__"))
    (destination / "source").mkdir()
    for name in documents:
        add_document(destination, name)
    if code:
        compiled = _COMPILED_PACKAGE if _COMPILED_PACKAGE.is_dir() else None
        shutil.copytree(compiled or CHECKOUT / "leaflets", destination / "leaflets",
                        ignore=None if compiled else shutil.ignore_patterns("__pycache__"))
        shutil.copy(CHECKOUT / "make_pdf.py", destination / "make_pdf.py")
    return destination


def _compile_package(project: Path) -> None:
    """Compile the session project's copy of the package once, so that a fresh make_pdf.py in any
    project made from it loads byte-code instead of compiling every module again (this
    environment may set PYTHONDONTWRITEBYTECODE, and a copy never has the checkout's byte-code).
    The byte-code is checked against each source file's size and time, which copying keeps; the
    build cache's keys and the no-op record's digest leave __pycache__ out."""
    import compileall

    prefix, sys.pycache_prefix = sys.pycache_prefix, None  # beside the copy's sources (_keep_byte_code)
    try:
        compileall.compile_dir(str(project / "leaflets"), quiet=2, workers=1)
    finally:
        sys.pycache_prefix = prefix


def add_document(root: Path, name: str, as_name: str | None = None) -> Path:
    """Copy the fixture document `name` into `root`'s source/ (as `as_name`)."""
    return Path(shutil.copytree(FIXTURE_DOCUMENTS / name, root / "source" / (as_name or name)))


def _session_project() -> Path:
    """The run's fixture project: made by the first process, inherited by xdist's workers."""
    known = os.environ.get(_ENV)
    if known and Path(known, "project", "source").is_dir():
        return Path(known) / "project"
    shared = Path(tempfile.mkdtemp(prefix="leaflets-tests-"))
    os.environ[_ENV] = str(shared)
    atexit.register(shutil.rmtree, shared, True)
    project = make_project(shared / "project")
    _compile_package(project)
    return project


_COMPILED_PACKAGE = Path("/nonexistent")  # until the session project's package is compiled
ROOT = _session_project()  # a project holding the fixture a/mBC leaflet only
_COMPILED_PACKAGE = ROOT / "leaflets"  # its source is the checkout's, with byte-code beside it
SHARED = ROOT.parent  # what the test processes of this run share: the project and its build


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built() -> dict:
    """Every edition of ROOT, built once per test run (the first worker builds, under a lock,
    the others find it up to date); map (document, locale, paper, profile) to its PDF, with the
    edition's type after the four when it is not the standard one: (..., "large-print")."""
    out = ROOT / "build"
    with FileLock(str(SHARED / "build.lock")):
        outputs = build(ROOT, out, Filters(), write_html=True, jobs=2)
    return {(o.document, o.locale, o.paper, o.profile) + ((o.type,) if o.type != "standard" else ()):
            ROOT / o.path for o in outputs}


@pytest.fixture(scope="session")
def a4_pdf(built) -> Path:
    return built[("ambc", "en", "a4", "screen")]


def copy_project(destination: Path) -> Path:
    """Copy ROOT's content, layouts and styles into `destination` so a test can change them."""
    for tree in PROJECT_TREES:
        shutil.copytree(ROOT / tree, destination / tree)
    return destination


@pytest.fixture
def project(tmp_path) -> Path:
    """A private copy of the fixture project's source, layouts and styles."""
    return copy_project(tmp_path / "project")


# The modules that take longest, longest first (measured with --durations=0; see the test-suite
# section of docs/performance.md). pytest-xdist hands whole modules to its workers in collection
# order (--dist loadscope --no-loadscope-reorder), so the long ones start at once and the many
# short ones fill the end: neither worker sits idle while the other finishes a long module.
# Modules not named here keep their order, after these.
LONGEST_FIRST = (
    "test_profiles", "test_preview", "test_noop", "test_fuzz_hostile", "test_matrix", "test_hostile",
    "test_compare", "test_check_command", "test_build", "test_preflight", "test_any_leaflets",
    "test_render_faults", "test_fonts", "test_atomic_outputs", "test_preflight_command",
    "test_property", "test_i18n_catalogues", "test_size_check", "test_doctor",
)


@contextlib.contextmanager
def deadline(seconds: int):
    """Fail, instead of hanging the suite, when the code under test blocks on a read."""
    def expired(signum, frame):
        raise TimeoutError(f"blocked for {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def pytest_configure(config):
    # A suite started in the background of a shell without job control (`make test &`, some CI
    # runners) inherits Ctrl-C ignored, and so would every process a test starts: the tests that
    # interrupt a build or a preview would wait for an interruption that never comes. Ctrl-C
    # reaches the suite and its processes as it does on a terminal.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    # Each test process (not pytest-xdist's controller, which runs no test) renders a few words in
    # the fixture leaflets' languages first: the render workers its builds fork start warm instead
    # of each loading the hyphenation patterns and the bindings' C types again.
    if os.environ.get("PYTEST_XDIST_WORKER") or getattr(config.option, "numprocesses", None) in (None, 0):
        from leaflets import workers

        workers.rehearse(("en", "de", "es"))


def pytest_collection_modifyitems(session, config, items):
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))  # stable: keeps the order within


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="accept the current page images as the references of tests/test_visual.py")


@dataclass
class Ran:
    """What a command line run printed and returned (the fields of subprocess.CompletedProcess)."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(root: Path, *args: str, env: dict[str, str] | None = None) -> Ran:
    """Run `make_pdf.py ARGS` in `root` in this process: what a fresh process would print and
    return, without paying its start (Python, pydantic, WeasyPrint imports) again.

    For tests of what a command does. A test of how a process behaves (signals, what a fresh
    process imports, the no-op answer before any import) runs make_pdf.py in a process of its own.
    The commands see `root` as the project; the working folder, the environment (with `env`
    laid over it) and the signal handlers are given back afterwards."""
    from leaflets.cli import COMMANDS, main

    saved_roots = {name: getattr(module, "ROOT", None) for name, module in COMMANDS.items()}
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    try:
        for module in COMMANDS.values():
            module.ROOT = Path(root)
        os.environ.update(env or {})
        os.chdir(root)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(list(args))
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        for name, module in COMMANDS.items():
            module.ROOT = saved_roots[name]
    return Ran(status, out.getvalue(), err.getvalue())


def same_tree(one: Path, other: Path) -> bool:
    """Tell whether two folders hold the same files with the same bytes."""
    compared = filecmp.dircmp(one, other, ignore=[])
    if compared.left_only or compared.right_only or compared.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(one, other, compared.common_files, shallow=False)
    return not mismatch and not errors and all(same_tree(one / d, other / d) for d in compared.common_dirs)


def session_build_of(request, source: Path) -> dict[str, Path] | None:
    """The session build's PDFs by output stem when the documents under `source` are exactly those
    of the session's project (whose layouts and styles are this checkout's), else None: a module
    that would build the same sources with the same code reads the run's one build instead.
    `source` may also be one document's folder (holding leaflet.yaml): the session's project must
    then hold that document alone."""
    if (source / "leaflet.yaml").is_file():
        if [path.name for path in (ROOT / "source").iterdir()] != [source.name] or \
                not same_tree(source, ROOT / "source" / source.name):
            return None
    elif not same_tree(source, ROOT / "source"):
        return None
    return {path.stem: path for path in request.getfixturevalue("built").values()}
