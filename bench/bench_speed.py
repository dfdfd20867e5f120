#!/usr/bin/env python3
"""Measure the build's speed side by side, in one run: `python bench/bench_speed.py [--runs 3]`.

Works on a copy of the project in a temporary folder; every figure is a pair measured interleaved
(run A, run B, run A, run B, ...) so that the ratio holds on a loaded machine even when the
absolute times do not. Sections (pick with --only; all of them by default):
  one        one edition cold (`make_pdf.py --force --document D --locale L --paper P --profile
             screen --jobs 1`) versus `python -m weasyprint` on its intermediate HTML with the
             profile's options, as bench/bench_build.py (a) does;
  noop       a build with nothing to do versus a bare interpreter start (`python -c pass`);
  finishing  each finishing step's cost and the font audit beside the edition's render time,
             per profile, in one process;
  pages      generated documents of about 2, 10, 50 and 200 pages, and of about 50 pages with 20
             tables: one edition cold (`make_pdf.py --force --jobs 1`) versus WeasyPrint alone on
             the same HTML, wall time and peak memory (the process tree's maximum resident set),
             with the peak of the build's own process and of its render worker apart;
  editions   1, 9 and 60 screen editions with 1 and 2 workers, versus WeasyPrint alone rendering
             the same HTML files in as many processes.
The 200-page and 60-edition cases run once (--big-runs). Each section ends with markdown rows
ready to paste into docs/performance.md, the load average in every row.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_build import ONE, copy_project  # the benches copy the project the same way

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("Your care team chooses the treatment after looking at the tumour. Ask about the side effects "
         "you may have and how they can be managed. Keep a list of your medicines and bring it to every "
         "visit. Tell your nurse when something changes.")



def run(command: list[str], cwd: Path, split: dict | None = None) -> tuple[float, float, str]:
    """Run a command in a fresh process; return wall seconds, the peak resident MiB of the process
    tree (Linux wait4 counts waited-for descendants) and its standard output. With `split`, also
    sample each process's own peak (VmHWM) every 20 ms: split["main"] for the command's process,
    split["children"] for the largest of its child processes (the render workers)."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = None
    if split is not None:
        sampler = threading.Thread(target=_sample, args=(child, split), daemon=True)
        sampler.start()
    out, err = child.communicate()
    seconds = time.perf_counter() - started
    if sampler is not None:
        sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"failed ({child.returncode}): {' '.join(command)}\n{out}{err}")
    if split is not None:
        split.setdefault("cpu", []).append(_CPU.get(child.pid, 0.0))
    return seconds, peak_of(child.pid), out


def _hwm(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(n) for n in task.read_text().split()]
        except OSError:
            pass
    return found


def _sample(child: subprocess.Popen, split: dict) -> None:
    split.setdefault("main", 0.0)
    split.setdefault("children", 0.0)
    while child.returncode is None and Path(f"/proc/{child.pid}").exists():
        main = _hwm(child.pid)
        if main:
            split["main"] = max(split["main"], main)
        for pid in _children(child.pid):
            split["children"] = max(split["children"], _hwm(pid))
        time.sleep(0.02)


_PEAKS: dict[int, float] = {}
_CPU: dict[int, float] = {}  # user + system seconds of the process tree: steadier than wall time under load


def peak_of(pid: int) -> float:
    return _PEAKS.get(pid, 0.0)


class Popen(subprocess.Popen):
    """Reap the child with wait4 to read its tree's peak memory."""

    def _try_wait(self, wait_flags):
        pid, status, usage = os.wait4(self.pid, wait_flags)
        if pid:
            _PEAKS[pid] = usage.ru_maxrss / 1024
            _CPU[pid] = usage.ru_utime + usage.ru_stime
        return pid, status


subprocess.Popen = Popen  # type: ignore[misc]


def first_edition(project: Path) -> tuple[Path, dict]:
    leaflet = sorted((project / "source").glob("*/leaflet.yaml"))[0]
    return leaflet, yaml.safe_load(leaflet.read_text("utf-8"))["editions"][0]


def filters(document: str, edition: dict, profile: str | None = None) -> list[str]:
    return ["--document", document, "--locale", edition["locale"], "--paper", edition.get("paper", "a4"),
            "--profile", profile or edition.get("profile", "screen")]


def make_pdf(project: Path, *args: str) -> tuple[float, float, str]:
    return run([sys.executable, "make_pdf.py", *args], project)


def pair_ratio(ours: list[float], theirs: list[float]) -> float:
    return statistics.median([a / b for a, b in zip(ours, theirs)])


def load(short: bool = False) -> str:
    figures = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return figures if short else "load average " + figures


# --- one ----------------------------------------------------------------------------------------

def bench_one(project: Path, runs: int) -> None:
    """bench_build's (a): one edition cold versus `python -m weasyprint` on its HTML, interleaved."""
    from bench_build import bench_one as pairs

    a = pairs(project, runs)
    print(f"one edition cold: make_pdf.py --force {' '.join(ONE)} --jobs 1 median {a['ours']:.3f} s; "
          f"python -m weasyprint {' '.join(a['alone_cmd'][:-2])} HTML PDF median {a['alone']:.3f} s; "
          f"ratio (median of {runs} pairs) {a['pair_ratio']:.2f}, of the medians {a['ratio']:.2f} "
          f"(target <= 1.10); {load()}", flush=True)
    print(f"\n| one edition cold, `--jobs 1` | {a['ours']:.3f} s | {a['alone']:.3f} s | **{a['pair_ratio']:.2f}×** "
          f"| {runs} | {load(short=True)} |\n", flush=True)


# --- noop ---------------------------------------------------------------------------------------

def bench_noop(project: Path, runs: int) -> None:
    leaflet, edition = first_edition(project)
    chosen = filters(leaflet.parent.name, edition)
    make_pdf(project, *chosen)
    make_pdf(project, *chosen)  # the record is written; this one is a no-op already
    ours, bare = [], []
    for _ in range(runs):
        ours.append(make_pdf(project, *chosen)[0])
        bare.append(run([sys.executable, "-c", "pass"], project)[0])
    print(f"noop: make_pdf.py {' '.join(chosen)} (nothing to do) median {statistics.median(ours):.3f} s; "
          f"python -c pass median {statistics.median(bare):.3f} s; ratio (median of pairs) "
          f"{pair_ratio(ours, bare):.2f} (target <= 3); {load()}")


# --- finishing ----------------------------------------------------------------------------------

FINISHING = r"""
import sys, time
from pathlib import Path
from leaflets import finishing, fonts, render
from leaflets.matrix import resolve_editions
from leaflets.plan import Filters

root = Path(".")
document, locale, paper, profile, runs = sys.argv[1:6]
[job] = [j for j in resolve_editions(root, Filters(document, locale, paper, profile))
         if getattr(j.edition, "type", "standard") == "standard"]  # not the large-print edition
request = render.prepare(job, root)
names = [getattr(s, "__name__", s) for s in request.steps]
steps = [finishing.step(s) if isinstance(s, str) else s for s in request.steps]
fonts.isolate(root)
import weasyprint
costs = {name: [] for name in ["describe_links", *names, "write_pdf", "render", "fonts.audit"]}
for _ in range(int(runs)):
    options = dict(request.options)
    if request.attach_sources and request.facts.sources:
        options["attachments"] = finishing.source_attachments(request.facts)
    def finish(document, pdf):
        t = time.perf_counter(); finishing.describe_links(document)
        costs["describe_links"].append(time.perf_counter() - t)
        for name, step in zip(names, steps):
            t = time.perf_counter(); step(pdf, request.facts); costs[name].append(time.perf_counter() - t)
    t = time.perf_counter()
    doc = weasyprint.HTML(string=request.html, base_url=request.base_href).render(**options)
    costs["render"].append(time.perf_counter() - t)
    t = time.perf_counter()
    pdf = doc.write_pdf(finisher=finish, **options)
    costs["write_pdf"].append(time.perf_counter() - t)
    t = time.perf_counter(); fonts.audit(pdf, root, request.stem); costs["fonts.audit"].append(time.perf_counter() - t)
for name, values in costs.items():
    values.sort()
    print(name, values[len(values) // 2])
"""


def bench_finishing(project: Path, runs: int) -> None:
    leaflet, edition = first_edition(project)
    for profile in ("screen", "print", "archive"):
        args = filters(leaflet.parent.name, edition, profile)[1::2]
        _, _, text = run([sys.executable, "-c", FINISHING, *args, str(runs)], project)
        costs = {name: float(value) for name, value in (line.split() for line in text.splitlines())}
        whole = costs["render"] + costs["write_pdf"]  # write_pdf includes the steps
        steps = {k: v for k, v in costs.items() if k not in ("render", "write_pdf")}
        print(f"finishing {profile}: layout {costs['render']:.3f} s + write_pdf {costs['write_pdf']:.3f} s "
              f"(steps inside) = {whole:.3f} s; " + ", ".join(
                  f"{k} {v * 1000:.1f} ms ({100 * v / whole:.1f}%)" for k, v in steps.items())
              + f"; steps in all {100 * sum(steps.values()) / whole:.1f}% (target <= 20%); {load()}")


# --- pages --------------------------------------------------------------------------------------

MAX_SECTIONS = 120


def generate(project: Path, name: str, sections: int, tables: int = 0) -> tuple[str, dict]:
    """Write source/<name>/: the first document's front matter and one screen edition, with a body
    of `sections` sections' worth of text (a heading and three paragraphs each; beyond 120, 120
    sections with longer paragraphs) and `tables` of its tables spread out."""
    leaflet, edition = first_edition(project)
    data = yaml.safe_load(leaflet.read_text("utf-8"))
    table = next((block for block in data["body"] if "table" in block), None)
    keys = [r["id"] for r in yaml.safe_load((leaflet.parent / "references.yaml").read_text("utf-8"))["references"]
            if "uncited" not in r]
    body = []
    # A body holds at most 500 blocks: beyond 120 sections, the paragraphs grow instead.
    written = min(sections, MAX_SECTIONS)
    words = " ".join([WORDS] * max(1, round(sections / written)))
    every = max(1, written // tables) if tables and table else 0
    for i in range(written):
        body.append({"heading": f"Section {i + 1}"})
        for j in range(3):
            n = 3 * i + j
            body.append({"paragraph": f"This is paragraph {n + 1} of the text. {words}[@{keys[n % len(keys)]}]"})
        if every and i % every == 0 and sum("table" in b for b in body) < tables:
            body.append(copy.deepcopy(table))  # written out in full: no YAML aliases
    edition = dict(edition, profile="screen", job_code=f"{edition['job_code']}-{name.upper()}")
    data.update(body=body, editions=[edition])
    folder = project / "source" / name
    shutil.copytree(leaflet.parent, folder, ignore=shutil.ignore_patterns("locales"))
    (folder / "leaflet.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "utf-8")
    return name, edition


def weasyprint_alone(project: Path, html: list[Path], profile: str = "screen") -> list[str]:
    """One process rendering these HTML files with the profile's WeasyPrint options, nothing else."""
    code = ("import sys\nfrom leaflets import fonts\nfrom leaflets.profiles import PROFILES\n"
            "from pathlib import Path\nfonts.isolate(Path('.'))\nimport weasyprint\n"
            f"options = dict(PROFILES[{profile!r}].options)\n"
            "for name in sys.argv[1:]:\n"
            "    weasyprint.HTML(filename=name).write_pdf(name + '.alone.pdf', **options)\n")
    return [sys.executable, "-c", code, *map(str, html)]


BIG_SECTIONS = 300  # from about 120 pages on, a case runs --big-runs times


def case(text: str) -> tuple[int, int]:
    """Parse a --pages case: `125` sections, or `100:20`, 100 sections with 20 tables."""
    sections, _, tables = text.partition(":")
    return int(sections), int(tables or 0)


def bench_pages(project: Path, runs: int, big_runs: int, cases: list[tuple[int, int]]) -> list[str]:
    rows = []
    for sections, tables in cases:
        name, edition = generate(project, f"pages{sections}t{tables}", sections, tables)
        chosen = filters(name, edition)
        _, _, text = make_pdf(project, "--force", "--html", "--jobs", "1", *chosen)
        pages = int(re.search(r"(\d+) pages", text)[1])
        html = next((project / "build" / name).glob("*.html"))
        ours, theirs, split, alone = [], [], {}, {}
        for _ in range(big_runs if sections >= BIG_SECTIONS else runs):
            ours.append(run([sys.executable, "make_pdf.py", "--force", "--jobs", "1", *chosen], project, split)[:2])
            theirs.append(run(weasyprint_alone(project, [html]), project, alone)[:2])
        cpu_ratio = pair_ratio(split["cpu"], alone["cpu"])
        t_ours, t_alone = (statistics.median(x[0] for x in v) for v in (ours, theirs))
        m_ours, m_alone = (statistics.median(x[1] for x in v) for v in (ours, theirs))
        time_ratio = pair_ratio([x[0] for x in ours], [x[0] for x in theirs])
        memory_ratio = pair_ratio([x[1] for x in ours], [x[1] for x in theirs])
        what = f"{sections} sections" + (f", {tables} tables" if tables else "")
        source = (project / "source" / name / "leaflet.yaml").stat().st_size
        print(f"pages {pages:>4} ({what}, {source // 1024} KB of YAML, {html.stat().st_size // 1024} KB of HTML, "
              f"{len(ours)} pair(s)): "
              f"pipeline {t_ours:.2f} s {m_ours:.0f} MiB (build process {split['main']:.0f} MiB, worker "
              f"{split['children']:.0f} MiB); WeasyPrint alone {t_alone:.2f} s {m_alone:.0f} MiB; time ratio "
              f"{time_ratio:.2f}, memory ratio {memory_ratio:.2f}; CPU time (user + system, every process) "
              f"{statistics.median(split['cpu']):.2f} s against {statistics.median(alone['cpu']):.2f} s, ratio "
              f"{cpu_ratio:.2f}; {load()}", flush=True)
        rows.append(f"| {pages}{f' ({tables} tables)' if tables else ''} | {t_ours:.2f} s, {m_ours:.0f} MiB "
                    f"| {t_alone:.2f} s, {m_alone:.0f} MiB | {time_ratio:.2f} | {memory_ratio:.2f} "
                    f"| {split['main']:.0f} / {split['children']:.0f} MiB | {cpu_ratio:.2f} | {len(ours)} "
                    f"| {load(short=True)} |")
        shutil.rmtree(project / "source" / name)
        shutil.rmtree(project / "build" / name, ignore_errors=True)
    print("\n| pages | pipeline | WeasyPrint alone | time ratio | memory ratio | build process / worker peak "
          "| CPU time ratio | pairs | load average |\n|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n",
          flush=True)
    return rows


# --- editions -----------------------------------------------------------------------------------

BIG_COUNT = 30  # from this many editions on, a case runs --big-runs times


def bench_editions(project: Path, runs: int, big_runs: int, counts: list[int]) -> list[str]:
    names = [generate(project, f"ed{i:03d}", 9)[0] for i in range(max(counts))]
    parked = project / "parked"
    parked.mkdir()
    for folder in [p for p in (project / "source").iterdir() if p.is_dir()]:
        folder.rename(parked / folder.name)  # only the selected documents stay under source/
    rows = []
    for count in counts:
        for name in names[:count]:
            (parked / name).rename(project / "source" / name)
        for jobs in (1, 2):
            make_pdf(project, "--force", "--html", "--jobs", str(jobs))
            html = sorted((project / "build").glob("ed*/*.html"))
            html = [h for h in html if h.parent.name in names[:count]]
            ours, theirs, cpu_ours, cpu_alone = [], [], [], []
            for _ in range(big_runs if count >= BIG_COUNT else runs):
                split: dict = {}
                ours.append(run([sys.executable, "make_pdf.py", "--force", "--jobs", str(jobs)], project, split)[:2])
                cpu_ours.append(split["cpu"][0])
                alone = _parallel([weasyprint_alone(project, html[k::jobs]) for k in range(jobs)], project)
                theirs.append((max(a[0] for a in alone), max(a[1] for a in alone)))
                cpu_alone.append(sum(a[3] for a in alone))
            t_ours, t_alone = (statistics.median(x[0] for x in v) for v in (ours, theirs))
            m_ours, m_alone = (statistics.median(x[1] for x in v) for v in (ours, theirs))
            ratio = pair_ratio([x[0] for x in ours], [x[0] for x in theirs])
            print(f"editions {count:>3}, {jobs} worker(s), {len(ours)} pair(s): pipeline {t_ours:.2f} s "
                  f"{m_ours:.0f} MiB; WeasyPrint alone in {jobs} process(es) {t_alone:.2f} s {m_alone:.0f} MiB; "
                  f"time ratio {ratio:.2f}; CPU time {statistics.median(cpu_ours):.2f} s against "
                  f"{statistics.median(cpu_alone):.2f} s, ratio {pair_ratio(cpu_ours, cpu_alone):.2f}; {load()}", flush=True)
            rows.append(f"| {count} | {jobs} | {t_ours:.2f} s, {m_ours:.0f} MiB | {t_alone:.2f} s, {m_alone:.0f} MiB "
                        f"| {ratio:.2f} | {m_ours / m_alone:.2f} | {pair_ratio(cpu_ours, cpu_alone):.2f} | {len(ours)} "
                        f"| {load(short=True)} |")
        for name in names[:count]:
            (project / "source" / name).rename(parked / name)
        shutil.rmtree(project / "build", ignore_errors=True)
    for folder in parked.iterdir():
        folder.rename(project / "source" / folder.name)
    parked.rmdir()
    for name in names:
        shutil.rmtree(project / "source" / name)
    print("\n| editions | workers | pipeline | WeasyPrint alone | time ratio | memory ratio | CPU time ratio | pairs "
          "| load average |\n|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n", flush=True)
    return rows


def _parallel(commands: list[list[str]], cwd: Path) -> list[tuple[float, float, str, float]]:
    started = time.perf_counter()
    children = [subprocess.Popen(c, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for c in commands]
    results = []
    for child in children:
        out, err = child.communicate()
        if child.returncode:
            raise SystemExit(err)
        results.append((time.perf_counter() - started, peak_of(child.pid), out, _CPU.get(child.pid, 0.0)))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--runs", type=int, default=3, help="pairs per figure (default 3; no-op: at least 5)")
    parser.add_argument("--big-runs", type=int, default=1,
                        help="pairs for the ~200-page and 60-edition cases (default 1)")
    parser.add_argument("--only", action="append", choices=["one", "noop", "finishing", "pages", "editions"],
                        help="run only this section (repeatable)")
    parser.add_argument("--pages", type=case, nargs="+", default=[(5, 0), (25, 0), (125, 0), (100, 20), (800, 0)],
                        metavar="SECTIONS[:TABLES]",
                        help="generated documents (default 5 25 125 100:20 800: about 2, 10, 50 pages, "
                             "40 pages with 20 tables, 200 pages)")
    parser.add_argument("--editions", type=int, nargs="+", default=[1, 9, 60],
                        help="edition counts (default 1 9 60)")
    args = parser.parse_args()
    only = set(args.only or ["one", "noop", "finishing", "pages", "editions"])
    print(f"{os.cpu_count()} CPUs; {load()} at start; pairs per figure: {args.runs}")
    with tempfile.TemporaryDirectory(prefix="bench-speed-") as temp:
        project = copy_project(Path(temp))
        if "one" in only:
            bench_one(project, max(args.runs, 5))
        if "noop" in only:
            bench_noop(project, max(args.runs, 5))
        if "finishing" in only:
            bench_finishing(project, args.runs)
        if "pages" in only:
            bench_pages(project, args.runs, args.big_runs, args.pages)
        if "editions" in only:
            bench_editions(project, args.runs, args.big_runs, args.editions)
    print(f"{load()} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
