"""Show a build's progress: a live display on a terminal, one plain line per edition elsewhere."""

from __future__ import annotations

import sys
from typing import IO, Any

from .diagnostics import display_path
from .matrix import Summary
from .outputs import Output
from .plan import Planned


def line(output: Output, built: bool) -> str:
    """Describe one edition on one line: path, pages, seconds (or that it was up to date)."""
    when = f"{output.seconds:.2f} s" if built else "up to date"
    fit = f"  {output.fit}" if output.fit else ""
    return f"{output.path}  {output.pages} pages  {when}{fit}"


def failure_lines(planned: Planned, rendered: Any) -> list[str]:
    """Describe a failed edition: its name, then each diagnostic or the internal fault."""
    lines = [f"FAILED {planned.shown}"]
    lines += [d.format() for d in rendered.diagnostics]
    if rendered.fault:
        lines += ["internal error (please report it with the lines below):", rendered.fault.rstrip()]
    return lines


def summary_line(summary: Summary) -> str:
    """Count what the build did and how long it took."""
    text = (f"{len(summary.built)} built, {len(summary.skipped)} up to date, "
            f"{len(summary.failed)} failed in {summary.seconds:.2f} s")
    if summary.manifest is not None:
        text += f"; manifest: {display_path(summary.manifest)}"
    return text


class PlainReporter:
    """One line per edition in matrix order, for CI logs and redirected output."""

    def __init__(self, out: IO[str] | None = None, err: IO[str] | None = None):
        self.out, self.err = out or sys.stdout, err or sys.stderr

    def begin(self, total: int, to_render: int) -> None:
        pass

    def started(self, stem: str) -> None:
        pass

    def done(self, planned: Planned, output: Output | None, rendered: Any) -> None:
        if output is not None:
            print(line(output, rendered is not None), file=self.out, flush=True)
        else:
            print("\n".join(failure_lines(planned, rendered)), file=self.err, flush=True)

    def end(self, summary: Summary) -> None:
        print(summary_line(summary), file=self.out, flush=True)


class LiveReporter:
    """A rich progress bar naming the editions being rendered; built editions print above it."""

    def __init__(self, console: Any = None):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
        from rich.progress import TimeElapsedColumn

        self.console = console or Console()
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), console=self.console,
                                 transient=True)
        self.running: list[str] = []
        self.task = None

    def begin(self, total: int, to_render: int) -> None:
        if to_render:
            self.task = self.progress.add_task("validating", total=to_render)

    def started(self, stem: str) -> None:
        if self.task is None:
            return
        if not self.progress.live.is_started:
            self.progress.start()  # only now: the worker processes exist before this thread does
        self.running.append(stem)
        self._describe()

    def done(self, planned: Planned, output: Output | None, rendered: Any) -> None:
        if rendered is None:
            return  # up to date: counted in the summary, not listed
        if planned.stem in self.running:
            self.running.remove(planned.stem)
        if output is not None:
            self.console.print(line(output, True), highlight=False, markup=False)
        else:
            for text in failure_lines(planned, rendered):
                self.console.print(text, style="red", highlight=False, markup=False)
        self.progress.advance(self.task)
        self._describe()

    def _describe(self) -> None:
        self.progress.update(self.task, description="rendering " + ", ".join(self.running)
                             if self.running else "writing")

    def end(self, summary: Summary) -> None:
        if self.progress.live.is_started:
            self.progress.stop()
        self.console.print(summary_line(summary), highlight=False, markup=False,
                           style="bold red" if summary.failed else None)


def reporter_for(stream: IO[str] | None = None) -> PlainReporter | LiveReporter:
    """Pick the live display on a terminal and plain lines otherwise (CI, pipes, files)."""
    stream = stream or sys.stdout
    if stream.isatty():
        return LiveReporter()
    return PlainReporter()
