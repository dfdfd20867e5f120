"""A reader that stops reading (`make_pdf.py check --report | head`) ends the command quietly.

The shell reports such a command as killed by SIGPIPE (141); Python would print a BrokenPipeError
traceback instead, once from the command and once more when it flushes standard output at exit.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import ROOT

from leaflets.exits import EXIT_CLOSED_PIPE


@pytest.mark.parametrize("args", [["check", "--report"], ["list"]])
def test_a_reader_that_has_gone_gets_no_traceback(args):
    reading, writing = os.pipe()
    os.close(reading)  # the reader left before the first line: every write fails
    try:
        done = subprocess.run([sys.executable, "make_pdf.py", *args], cwd=ROOT, stdout=writing,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(writing)
    assert "Traceback" not in done.stderr, done.stderr
    assert "BrokenPipeError" not in done.stderr, done.stderr
    assert done.returncode == EXIT_CLOSED_PIPE, done.stderr
