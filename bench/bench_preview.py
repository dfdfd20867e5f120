#!/usr/bin/env python3
"""Benchmark the live preview's edit-to-preview time: `python bench/bench_preview.py [--runs 20]`.

Works on a copy of the project in a temporary folder. Starts `make_pdf.py preview` on a free
port, waits for the first pages, then edits a word of the document's first paragraph again and
again and times each edit, from just before the file is written until the new pages are shown:

- `--via browser` (the default when Debian's chromium and chromium-driver are installed): the
  page is open in headless Chromium; the time is when the page swapped in the new page images
  (all loaded) with the edited word in their text layer, as the page's own clock records it
  (`window.previewLog`, epoch milliseconds, the same clock as this script's `time.time()`). The
  page itself tells when (a script waiting in it for its next revision); `--poll` asks it every
  10 ms instead, as the first version of this script did, which costs CPU time the preview needs.
- `--via sse`: no browser; this script reads the page's event stream until a state carries the
  edited word, then fetches every page image of that state, as the page would.

Prints each run, the median and the 90th percentile, the preview's own rebuild time (its
`seconds`: key, load, check, fill, render, page images, write; the PDF is written after the
changed pages are shown), the median of each stage (the worker's CPU time among them: on a loaded
machine, the wall times mostly measure the wait for a core; `shown`: from the checks' end until
the worker's early pages arrived; `save seen`: from the write to the watcher's call;
`published to shown`: from the new pages' publication to the page showing them) and the load
average.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_build import copy_project  # the benches copy the project the same way

ROOT = Path(__file__).resolve().parent.parent
PARAGRAPH = re.compile(r"^(\s*- paragraph:\s*)(>-?|\|-?)?\s*$")



def token(n: int) -> str:
    """A short lower-case word (no hyphenation, no abbreviation) unique to run `n`."""
    return "kq" + chr(97 + n // 26 % 26) + chr(97 + n % 26)


class Editor:
    """Puts a new word at the start of the first block paragraph of a leaflet.yaml."""

    def __init__(self, path: Path):
        self.path = path
        self.lines = path.read_text("utf-8").splitlines(keepends=True)
        for index, line in enumerate(self.lines):
            if PARAGRAPH.match(line):
                self.index = index + 1
                break
        else:
            raise SystemExit(f"{path}: no block paragraph (`- paragraph: >-`) to edit")
        self.original = self.lines[self.index]

    def write(self, word: str) -> None:
        line = self.original
        indent = len(line) - len(line.lstrip())
        lines = list(self.lines)
        lines[self.index] = line[:indent] + word + " " + line[indent:]
        with open(self.path, "w", encoding="utf-8") as stream:  # saved in place, as most editors do
            stream.write("".join(lines))


def normal(text: str) -> str:
    return " ".join(text.split())


class Preview:
    def __init__(self, project: Path, selection: list[str]):
        env = {**os.environ, "PYTHONPATH": str(project), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen([sys.executable, "make_pdf.py", "preview", "--port", "0", *selection],
                                        cwd=project, env=env, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if not match:
            self.process.kill()
            raise SystemExit(f"the preview did not start: {line!r}")
        self.url = match.group(0)

    def state(self) -> dict:
        with urllib.request.urlopen(self.url + "state", timeout=30) as response:
            return json.load(response)

    def wait(self, condition, seconds: float = 300) -> dict:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            state = self.state()
            if condition(state):
                return state
            time.sleep(0.05)
        raise SystemExit("the preview did not answer in time")

    def stop(self) -> None:
        self.process.send_signal(2)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def browser(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1400,900", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))


SHOWN = """
const word = arguments[0], after = arguments[1];
const text = [...document.querySelectorAll('#pages .page .text')].map((t) => t.textContent).join(' ');
const last = window.previewLog[window.previewLog.length - 1];
if (!last || last.revision <= after || !text.replace(/\\s+/g, ' ').includes(word)) return null;
return last;
"""

# The same test, run by the page when it shows a new revision (no polling from this script: 100
# queries a second through chromedriver would take CPU from the preview on a 2-core machine).
AWAIT_SHOWN = """
const word = arguments[0], after = arguments[1], done = arguments[arguments.length - 1];
const shown = () => {
  const text = [...document.querySelectorAll('#pages .page .text')].map((t) => t.textContent).join(' ');
  const last = window.previewLog[window.previewLog.length - 1];
  return last && last.revision > after && text.replace(/\\s+/g, ' ').includes(word) ? last : null;
};
const now = shown();
if (now) { done(now); } else {
  const observer = new MutationObserver(() => {
    const last = shown();
    if (last) { observer.disconnect(); done(last); }
  });
  observer.observe(document.body, {attributes: true, attributeFilter: ['data-revision']});
}
"""


def run_browser(preview: Preview, editor: Editor, runs: int, warmup: int, profile: Path,
                poll: bool = False) -> list[tuple]:
    driver = browser(profile)
    driver.set_script_timeout(120)
    try:
        driver.get(preview.url)
        revision = preview.wait(lambda s: s["revision"] >= 1)["revision"]
        deadline = time.monotonic() + 120
        while driver.execute_script("return window.previewLog.length") < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        results = []
        for n in range(warmup + runs):
            word = token(n)
            time.sleep(0.3)  # the previous rebuild's writes are over
            started = time.time()
            editor.write(word)
            shown = None
            if poll:  # as this script first did: ask the page every 10 ms
                deadline = time.monotonic() + 120
                while shown is None and time.monotonic() < deadline:
                    shown = driver.execute_script(SHOWN, word, revision)
                    if shown is None:
                        time.sleep(0.01)
            else:
                shown = driver.execute_async_script(AWAIT_SHOWN, word, revision)
            if shown is None:
                raise SystemExit(f"run {n}: '{word}' never appeared in the page")
            revision = shown["revision"]
            seconds = shown["at"] / 1000 - started
            if n >= warmup:
                # The rebuild's own figures once it is over (its PDF written after the pages shown).
                state = preview.wait(lambda s: not s["building"] and s["revision"] >= revision)
                timings = dict(state["timings"])
                # Before and after the preview's rebuild: from the write to the save seen, and from
                # the new pages published to the page showing them (the event, the images, the swap).
                timings["save seen"] = round(state["requested_at"] - started, 3)
                timings["published to shown"] = round(shown["at"] / 1000 - state["shown_at"], 3)
                results.append((seconds, state["seconds"], timings))
        return results
    finally:
        driver.quit()


def run_sse(preview: Preview, editor: Editor, runs: int, warmup: int) -> list[tuple]:
    preview.wait(lambda s: s["revision"] >= 1)
    results = []
    for n in range(warmup + runs):
        word = token(n)
        time.sleep(0.3)
        stream = urllib.request.urlopen(preview.url + "events", timeout=120)
        started = time.time()
        editor.write(word)
        state = None
        for raw in stream:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("data: "):
                candidate = json.loads(line[6:])
                if not candidate["building"] and word in normal(" ".join(p["text"] for p in candidate["pages"])):
                    state = candidate
                    break
        for page in state["pages"]:
            with urllib.request.urlopen(preview.url + page["url"].lstrip("/"), timeout=30) as response:
                response.read()
        seconds = time.time() - started
        stream.close()
        if n >= warmup:
            results.append((seconds, state["seconds"], state["timings"]))
    return results


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2, help="edits not counted (default: 2)")
    parser.add_argument("--via", choices=("browser", "sse"),
                        default="browser" if shutil.which("chromium") and shutil.which("chromedriver") else "sse")
    parser.add_argument("--document", default="ambc")
    parser.add_argument("--locale", default="en")
    parser.add_argument("--paper", default="a4")
    parser.add_argument("--profile", default="screen")
    parser.add_argument("--poll", action="store_true",
                        help="browser: ask the page every 10 ms whether the edit is shown (the first "
                             "version of this script; the default waits for the page to say so)")
    args = parser.parse_args()
    selection = ["--document", args.document, "--locale", args.locale, "--paper", args.paper,
                 "--profile", args.profile]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-preview-") as temp:
        project = copy_project(Path(temp) / "project")
        editor = Editor(project / "source" / args.document / "leaflet.yaml")
        preview = Preview(project, selection)
        try:
            if args.via == "browser":
                results = run_browser(preview, editor, args.runs, args.warmup, Path(temp) / "chromium",
                                      args.poll)
            else:
                results = run_sse(preview, editor, args.runs, args.warmup)
        finally:
            preview.stop()
    load_after = os.getloadavg()
    totals = [r[0] for r in results]
    rebuilds = [r[1] for r in results]
    print(f"edit-to-preview via {args.via}{' (polling)' if args.poll else ''}, {args.document} {args.locale} {args.paper} {args.profile}, "
          f"{len(results)} runs after {args.warmup} warm-up edits")
    print("runs (s): " + " ".join(f"{t:.3f}" for t in totals))
    print(f"median {statistics.median(totals):.3f} s, p90 {p90(totals):.3f} s, "
          f"min {min(totals):.3f} s, max {max(totals):.3f} s")
    print(f"the preview's own rebuild (load, check, fill, render, page images, write): "
          f"median {statistics.median(rebuilds):.3f} s, p90 {p90(rebuilds):.3f} s")
    stages = {}
    for _, _, timings in results:
        for stage, value in timings.items():
            stages.setdefault(stage, []).append(value)
    print("stages, median (s): " + ", ".join(f"{stage} {statistics.median(v):.3f}" for stage, v in stages.items()))
    print(f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; "
          f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
