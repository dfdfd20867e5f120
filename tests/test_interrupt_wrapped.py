"""Ctrl-C that a library turns into an error of its own is still an interruption.

pydantic builds its validators in Rust while the content models import; a KeyboardInterrupt
arriving then comes out as a SchemaError. The command must still say "interrupted" and exit 130,
not report an internal error with a traceback.
"""

from __future__ import annotations

import os
import signal

from leaflets import cli
from leaflets.commands import list as list_command
from leaflets.exits import EXIT_INTERRUPTED, INTERRUPTED


def test_an_interrupt_wrapped_by_a_library_is_reported_as_an_interruption(monkeypatch, capsys):
    def run(args):
        try:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while a library is at work
        except KeyboardInterrupt as exc:
            raise RuntimeError("Error building validator: KeyboardInterrupt") from exc
        raise AssertionError("the interrupt never arrived")

    monkeypatch.setattr(list_command, "run", run)
    before = signal.getsignal(signal.SIGINT)
    status = cli.main(["list"])
    err = capsys.readouterr().err
    assert status == EXIT_INTERRUPTED, err
    assert err.strip() == INTERRUPTED
    assert "Traceback" not in err and "internal error" not in err
    assert signal.getsignal(signal.SIGINT) is before  # the caller's handler is given back


def test_an_error_without_an_interrupt_is_still_an_internal_error(monkeypatch, capsys):
    def run(args):
        raise RuntimeError("a fault of our own")

    monkeypatch.setattr(list_command, "run", run)
    status = cli.main(["list"])
    err = capsys.readouterr().err
    assert status == 3 and "internal error" in err and "a fault of our own" in err
