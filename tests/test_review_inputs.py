"""What a careless or hostile author, translator, vendor or operator hands the commands other than
the build: each ends in a positioned diagnostic or a usage error, never a traceback, a hang or an
internal error, and nothing is read or written outside the project or the named output."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CHECKOUT, make_project, run_cli

from leaflets.diagnostics import ContentError


def run_fresh(cwd: Path, *args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    """Run the checkout's make_pdf.py in a process of its own, killed when it blocks."""
    env = dict(os.environ, PYTHONPATH=str(CHECKOUT))
    try:
        return subprocess.run([sys.executable, str(CHECKOUT / "make_pdf.py"), *args], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:  # subprocess.run kills the process
        pytest.fail(f"make_pdf.py {' '.join(args)} blocked for {timeout} s")


def plain(ran) -> str:
    text = ran.stdout + ran.stderr
    assert "Traceback" not in text and "internal error" not in text, text
    return text


# --- a named pipe given where a file is expected ----------------------------------------------

def test_preflight_of_a_named_pipe_is_a_plain_failure_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / "leaflet.pdf")
    ran = run_fresh(tmp_path, "preflight", "leaflet.pdf", timeout=30)
    assert ran.returncode == 1 and "leaflet.pdf: cannot be opened as a PDF" in plain(ran)
    assert "not a regular file" in ran.stdout
