"""scripts/setup, run against fake package tools: what it installs, and what it says when it cannot.

Each test gives the script a PATH holding only stub executables (dpkg-query answering from a list,
apt-get and sudo recording their calls, id naming the user, a Python reporting its version and
whether it can create virtual environments), so nothing on this machine is installed or removed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "setup"
SHELL = shutil.which("sh") or "/bin/sh"

RENDER = ["libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "libfontconfig1", "fontconfig"]
READERS = ["poppler-utils", "ghostscript", "libxml2-utils", "chromium", "chromium-driver"]
VENV_PACKAGE = "python3.11-venv"
EVERYTHING = RENDER + READERS + [VENV_PACKAGE]

STUBS = {
    # Answers like `dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' NAME...`: FAKE_INSTALLED
    # lists "name" (installed) or "name=rc" (removed, its configuration kept).
    "dpkg-query": r'''
rc=0
for name in "$@"; do
  case "$name" in -*) continue ;; esac
  found=
  for entry in $FAKE_INSTALLED; do
    case "$entry" in
      "$name") echo "$name ii "; found=1 ;;
      "$name="*) echo "$name ${entry#*=} "; found=1 ;;
    esac
  done
  [ -n "$found" ] || { echo "dpkg-query: no packages found matching $name" >&2; rc=1; }
done
exit $rc
''',
    "apt-get": r'''
echo "apt-get $* [DEBIAN_FRONTEND=${DEBIAN_FRONTEND:-}]" >> "$FAKE_LOG"
exit ${FAKE_APT_STATUS:-0}
''',
    "id": r'''
echo "${FAKE_UID:-1000}"
''',
    # sudo: FAKE_SUDO=ok runs the command without a password, anything else asks for one.
    "sudo": r'''
[ "$1" = -n ] && shift
[ "${FAKE_SUDO:-}" = ok ] || { echo "sudo: a password is required" >&2; exit 1; }
echo "sudo $*" >> "$FAKE_LOG"
while :; do
  case "$1" in *=*) export "$1"; shift ;; *) break ;; esac
done
[ "$1" = true ] && exit 0
exec "$@"
''',
    # The interpreter the virtual environment would be made from.
    "python3": r'''
echo "${FAKE_PYTHON:-3.11 /usr 1}"
''',
}


@dataclass
class Run:
    status: int
    stderr: str
    calls: list[str]


@pytest.fixture
def system(tmp_path):
    """Run scripts/setup with stub package tools; return a function taking the fake state."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"

    def run(*args: str, installed=EVERYTHING, uid=1000, sudo: str | None = None,
            python: str = "3.11 /usr 1", apt_status: int = 0, venv: bool = False) -> Run:
        for stub in bin_dir.iterdir():
            stub.unlink()
        for name, body in STUBS.items():
            if name == "sudo" and sudo is None:
                continue  # no sudo on this machine
            stub = bin_dir / name
            stub.write_text(f"#!{SHELL}\n{body.lstrip()}")
            stub.chmod(0o755)
        log.write_text("")
        venv_dir = tmp_path / "venv"
        if venv:
            (venv_dir / "bin").mkdir(parents=True, exist_ok=True)
            os.symlink(bin_dir / "python3", venv_dir / "bin" / "python")
        env = {"PATH": str(bin_dir), "FAKE_LOG": str(log), "FAKE_INSTALLED": " ".join(installed),
               "FAKE_UID": str(uid), "FAKE_SUDO": sudo or "", "FAKE_PYTHON": python,
               "FAKE_APT_STATUS": str(apt_status), "PYTHON": "python3", "VENV": str(venv_dir)}
        done = subprocess.run([SHELL, str(SCRIPT), *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=30)
        return Run(done.returncode, done.stderr, log.read_text().splitlines())

    return run


def without(*names: str) -> list[str]:
    return [p for p in EVERYTHING if p not in names]


def install_call(*names: str) -> str:
    return "apt-get install -y --no-install-recommends " + " ".join(names) + " -qq"


def printed_command(*names: str) -> str:
    return "  sudo apt-get update && sudo apt-get install -y --no-install-recommends " + " ".join(names)


def test_everything_present_installs_nothing(system):
    for mode in ("pdf", "test"):
        result = system(mode)
        assert (result.status, result.calls, result.stderr) == (0, [], "")


def test_missing_packages_are_installed_as_root(system):
    result = system("test", installed=without("libharfbuzz-subset0", "poppler-utils"), uid=0)
    assert result.status == 0, result.stderr
    assert result.calls == [
        "apt-get update -qq [DEBIAN_FRONTEND=noninteractive]",
        install_call("libharfbuzz-subset0", "poppler-utils") + " [DEBIAN_FRONTEND=noninteractive]",
    ]


def test_a_python_without_venv_gets_its_venv_package(system):
    result = system("pdf", python="3.11 /usr 0", uid=0, installed=without(VENV_PACKAGE))
    assert result.status == 0, result.stderr
    assert result.calls[-1].startswith(install_call(VENV_PACKAGE))
    # The package matches the interpreter's own version.
    result = system("pdf", python="3.12 /usr 0", uid=0, installed=EVERYTHING)
    assert result.calls[-1].startswith(install_call("python3.12-venv"))


def test_an_existing_virtual_environment_needs_no_venv_package(system):
    result = system("pdf", python="3.11 /usr 0", uid=0, venv=True)
    assert (result.status, result.calls) == (0, [])


def test_missing_without_root_or_sudo_stops_with_the_command(system):
    result = system("test", installed=without("libharfbuzz-subset0", "ghostscript", VENV_PACKAGE),
                    python="3.11 /usr 0")
    assert result.status == 2
    assert result.calls == []  # apt-get was not called
    assert printed_command("libharfbuzz-subset0", "ghostscript", VENV_PACKAGE) in result.stderr.splitlines()


def test_sudo_asking_for_a_password_is_not_used(system):
    result = system("pdf", installed=without("libpango-1.0-0"), sudo="password")
    assert result.status == 2
    assert result.calls == []
    assert printed_command("libpango-1.0-0") in result.stderr.splitlines()


def test_sudo_without_a_password_installs(system):
    result = system("pdf", installed=without("libpango-1.0-0"), sudo="ok")
    assert result.status == 0, result.stderr
    assert result.calls == [
        "sudo true",
        "sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq",
        "apt-get update -qq [DEBIAN_FRONTEND=noninteractive]",
        "sudo DEBIAN_FRONTEND=noninteractive " + install_call("libpango-1.0-0"),
        install_call("libpango-1.0-0") + " [DEBIAN_FRONTEND=noninteractive]",
    ]


def test_the_pdf_target_never_installs_test_readers(system):
    result = system("pdf", installed=without(*READERS), uid=0)
    assert (result.status, result.calls) == (0, [])
    result = system("test", installed=without(*READERS), uid=0)
    assert result.calls[-1].startswith(install_call(*READERS))


def test_a_removed_package_is_noticed(system):
    """A package removed since the last run (dpkg keeps its configuration: state rc) is missing."""
    installed = without("libharfbuzz-subset0") + ["libharfbuzz-subset0=rc"]
    result = system("pdf", installed=installed)
    assert result.status == 2
    assert printed_command("libharfbuzz-subset0") in result.stderr.splitlines()


def test_held_packages_and_pending_triggers_count_as_installed(system):
    """dpkg states `hi` (held), `it` (triggers pending) and `iW` (triggers awaited) are installed."""
    installed = without("fontconfig", "libpango-1.0-0", "ghostscript") + [
        "fontconfig=it", "libpango-1.0-0=hi", "ghostscript=iW"]
    result = system("test", installed=installed)
    assert (result.status, result.calls, result.stderr) == (0, [], "")
    result = system("test", installed=without("fontconfig") + ["fontconfig=iU"])  # unpacked only
    assert result.status == 2
    assert printed_command("fontconfig") in result.stderr.splitlines()


def test_check_only_never_installs(system):
    result = system("--check", "test", installed=without("libxml2-utils"), uid=0)
    assert result.status == 2
    assert result.calls == []
    assert printed_command("libxml2-utils") in result.stderr.splitlines()


def test_a_failing_apt_get_stops_with_the_command(system):
    result = system("pdf", installed=without("fontconfig"), uid=0, apt_status=100)
    assert result.status == 2
    assert printed_command("fontconfig") in result.stderr.splitlines()


def test_a_python_too_old_is_refused(system):
    result = system("pdf", python="3.9 /usr 1", uid=0)
    assert result.status == 2
    assert result.calls == []
    assert "3.11 or newer is needed" in result.stderr


def test_make_stops_before_the_virtual_environment_when_packages_are_missing(tmp_path, system):
    """`make pdf` runs the set-up first: when it fails, no virtual environment is created."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "Makefile", project)
    shutil.copy(SCRIPT, project / "scripts")
    system("pdf")  # writes the stubs
    bin_dir = tmp_path / "bin"
    os.symlink(SHELL, bin_dir / "sh")
    env = {"PATH": str(bin_dir), "FAKE_LOG": str(tmp_path / "calls.log"), "FAKE_UID": "1000",
           "FAKE_INSTALLED": " ".join(without("libharfbuzz-subset0")), "FAKE_PYTHON": "3.11 /usr 1"}
    for target in ("pdf", "test", "check"):
        done = subprocess.run([make, target], cwd=project, env=env, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 2, done.stderr
        assert printed_command("libharfbuzz-subset0") in done.stderr.splitlines()
        assert not (project / ".venv").exists()


def test_the_real_machine_has_what_the_tests_need():
    """On this machine (where the suite runs) nothing is missing; --check never installs."""
    done = subprocess.run([SHELL, str(SCRIPT), "--check", "test"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60,
                          env={**os.environ, "VENV": str(Path(os.sys.prefix))})
    assert done.returncode == 0, done.stderr


def test_ci_runs_the_readme_test_command_and_nothing_else():
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    commands = [line for line in lines if not line.startswith(("set ", "cd "))]
    assert commands == ["exec make test"]
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme


@pytest.mark.parametrize("target, mode, command", [
    ("pdf", "pdf", ".venv/bin/python make_pdf.py"),
    ("test", "test", ".venv/bin/python -m pytest"),
    ("check", "pdf", ".venv/bin/python make_pdf.py check"),
])
def test_each_make_target_runs_the_setup_first_then_its_command(tmp_path, target, mode, command):
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    for name in ("Makefile",):
        shutil.copy(ROOT / name, tmp_path)
    for name in ("pyproject.toml", "constraints.txt"):
        (tmp_path / name).write_text("")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / ".installed").write_text("")
    later = (tmp_path / "pyproject.toml").stat().st_mtime + 10
    os.utime(tmp_path / ".venv" / ".installed", (later, later))
    done = subprocess.run([make, "-n", "--no-print-directory", target], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    lines = [line for line in done.stdout.splitlines() if line.strip() and "is up to date" not in line]
    assert lines[0].endswith(f"sh scripts/setup {mode}"), lines
    assert lines[-1] == command
