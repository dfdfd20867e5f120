#!/usr/bin/env python3
"""Benchmark the build on this machine: `python bench/bench_build.py [--runs 7]`.

Works on a copy of the project in a temporary folder (the real build/ and source/ are never
touched) and prints medians of several runs, each command in a fresh process:
  a) one edition cold (`make_pdf.py --force ... --jobs 1`) versus WeasyPrint alone rendering the
     same intermediate HTML with the profile's options, interleaved run by run;
  b) the full matrix with 2 workers: wall time and marginal seconds per edition;
  c) a no-op rebuild;
  d) a rebuild after one catalogue entry changes, and which editions it rendered;
  e) peak memory (maximum resident set) per worker process.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("make_pdf.py", "leaflets", "source", "layouts", "styles")
ONE = ["--document", "ambc", "--locale", "en", "--paper", "a4", "--profile", "screen"]
MIN_EDITIONS = 8


def copy_project(target: Path) -> Path:
    """Copy what a build needs into `target`, without caches or outputs (the benches share it)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "build"))
        else:
            shutil.copy2(source, target / name)
    return target


def widen(project: Path, minimum: int) -> int:
    """Copy the a/mBC document until the matrix has `minimum` editions; return the copies made."""
    leaflet = (project / "source" / "ambc" / "leaflet.yaml").read_text("utf-8")
    per_copy = len(re.findall(r"^\s*job_code:", leaflet, re.M))
    copies = 0
    while per_copy * (copies + 1) < minimum:
        copies += 1
        folder = project / "source" / f"ambc{copies + 1}"
        shutil.copytree(project / "source" / "ambc", folder)
        text = re.sub(r"^(\s*job_code:\s*)(\S+)", rf"\g<1>\g<2>-C{copies + 1}", leaflet, flags=re.M)
        (folder / "leaflet.yaml").write_text(text, "utf-8")
    return copies


def timed(command: list[str], cwd: Path) -> tuple[float, str]:
    """Run a command in a fresh process; return its wall time and its standard output."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stdout}{done.stderr}")
    return seconds, done.stdout


def make_pdf(project: Path, *args: str, command: str = "build") -> tuple[float, str]:
    return timed([sys.executable, "make_pdf.py", command, "--out", str(project / "build"), *args], project)


VALUED = {"pdf_identifier": "leaflet"}  # options whose flag takes a value, where the profile says True


def weasyprint_flags(project: Path) -> list[str]:
    """Turn the screen profile's WeasyPrint options into the WeasyPrint command's flags."""
    code = ("from leaflets.profiles import PROFILES\n"
            "for k, v in PROFILES['screen'].options.items(): print(k, v)")
    _, text = timed([sys.executable, "-c", code], project)
    flags = []
    for line in text.splitlines():
        name, value = line.split(" ", 1)
        flag = "--" + name.replace("_", "-")
        if name in VALUED and value == "True":  # the command cannot ask for a generated value:
            value = VALUED[name]                 # a fixed one costs WeasyPrint the same
        flags += [flag] if value == "True" else [] if value == "False" else [f"{flag}={value}"]
    return flags


def median(values: list[float]) -> float:
    return statistics.median(values)


def bench_one(project: Path, runs: int) -> dict:
    """(a) One edition cold versus WeasyPrint alone on the same HTML, interleaved."""
    make_pdf(project, "--force", "--html", *ONE, "--jobs", "1")
    html = project / "build" / "ambc" / "ambc-en-a4-screen.html"
    alone = [sys.executable, "-m", "weasyprint", *weasyprint_flags(project), str(html),
             str(project / "alone.pdf")]
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(make_pdf(project, "--force", *ONE, "--jobs", "1")[0])
        theirs.append(timed(alone, project)[0])
    return {"ours": median(ours), "alone": median(theirs),
            "ratio": median(ours) / median(theirs),
            "pair_ratio": median([a / b for a, b in zip(ours, theirs)]), "alone_cmd": alone[2:]}


def count_built(output: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines() if line.rstrip().endswith(" s")
            and "pages" in line and "up to date" not in line]


def bench_matrix(project: Path, runs: int) -> dict:
    """(b) The full matrix with 2 workers, and (c) a no-op rebuild."""
    full, two, noop = [], [], []
    editions = 0
    for _ in range(runs):
        seconds, text = make_pdf(project, "--force", "--jobs", "2")
        full.append(seconds)
        editions = len(count_built(text))
        two.append(make_pdf(project, "--force", "--jobs", "2", "--document", "ambc",
                            "--locale", "en", "--profile", "screen")[0])
        make_pdf(project, "--jobs", "2")  # bring everything up to date
        noop.append(make_pdf(project, "--jobs", "2")[0])
    return {"editions": editions, "full": median(full), "two": median(two),
            "marginal": (median(full) - median(two)) / max(1, editions - 2), "noop": median(noop)}


def change_catalogue(project: Path) -> tuple[str, str]:
    """Change one translated entry of a catalogue; return the locale and what was done."""
    catalogues = sorted((project / "source").glob("*/locales/*.po"))
    for po in catalogues:
        text = po.read_text("utf-8")
        match = re.search(r'^msgstr "([^"\n]*\S [^"\n]*)"$', text, re.M)
        if match:
            changed = match[1].replace(" ", "  ", 1)  # one more space: same words, other bytes
            po.write_text(text[:match.start(1)] + changed + text[match.end(1):], "utf-8")
            return po.stem, f"changed one msgstr in {po.relative_to(project)}"
    # No catalogue yet: a locale-specific input of the `de` editions stands in for one.
    target = project / "source" / "ambc" / "locales" / "de.po"
    target.parent.mkdir(exist_ok=True)
    with target.open("a", encoding="utf-8") as stream:
        stream.write(f"# simulated catalogue change {time.time_ns()}\n")
    return "de", f"simulated: no catalogue in source/*/locales/, appended to {target.relative_to(project)}"


def add_locale(project: Path) -> bool:
    """Without catalogues, declare `de` editions (master text) so a locale's input can change."""
    if list((project / "source").glob("*/locales/*.po")):
        return False
    path = project / "source" / "ambc" / "leaflet.yaml"
    text = path.read_text("utf-8")
    for paper in ("a4", "letter"):
        text += (f"  - locale: de\n    paper: {paper}\n    profile: screen\n"
                 f"    job_code: AMBC-DE-{paper.upper()}-BENCH\n    date_of_preparation: 2026-03-02\n"
                 "    review_date: 2029-03-01\n    status: draft\n")
    path.write_text(text, "utf-8")
    return True


def bench_catalogue(project: Path, runs: int) -> dict:
    """(d) A rebuild after one catalogue entry changes: its time and what it rendered."""
    seconds, built, locale, how = [], [], "", ""
    for _ in range(runs):
        make_pdf(project, "--jobs", "2")
        locale, how = change_catalogue(project)
        elapsed, text = make_pdf(project, "--jobs", "2")
        seconds.append(elapsed)
        built = count_built(text)
    _, listing = make_pdf(project, command="list")
    of_locale = [line.split()[0] for line in listing.splitlines()[1:-1] if f"-{locale}-" in line.split()[0]]
    return {"seconds": median(seconds), "built": built, "locale": locale, "how": how,
            "locale_editions": of_locale}


MEMORY = """
import resource, sys
from pathlib import Path
from leaflets.plan import Filters
from leaflets.matrix import run
run(Path('.'), Path(sys.argv[1]), Filters(), jobs=2, force=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def bench_memory(project: Path, runs: int) -> dict:
    """(e) Peak resident memory of the largest worker, and of the main process."""
    workers, main = [], []
    for _ in range(runs):
        _, text = timed([sys.executable, "-c", MEMORY, str(project / "build")], project)
        child, own = (int(n) / 1024 for n in text.split())
        workers.append(child)
        main.append(own)
    return {"worker_mib": median(workers), "main_mib": median(main)}


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    ram = next((int(line.split()[1]) / 1024 / 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0.0)
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": ram, "python": platform.python_version(),
            "os": platform.platform(), "weasyprint": metadata.version("weasyprint"),
            "pydyf": metadata.version("pydyf")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per figure (default 7)")
    args = parser.parse_args()
    info = machine()
    print(f"machine: {info['nproc']} CPUs, {info['cpu']}, {info['ram_gib']:.1f} GiB RAM; {info['os']}")
    print(f"versions: Python {info['python']}, WeasyPrint {info['weasyprint']}, pydyf {info['pydyf']}")
    print(f"start method: {os.environ.get('LEAFLETS_START_METHOD') or 'default (fork)'}; "
          f"medians of {args.runs} runs")
    with tempfile.TemporaryDirectory(prefix="bench-leaflets-") as temp:
        project = copy_project(Path(temp))
        a = bench_one(project, args.runs)
        print(f"(a) one edition cold: {a['ours']:.3f} s; WeasyPrint alone ({' '.join(a['alone_cmd'][:-2])} "
              f"HTML PDF): {a['alone']:.3f} s; ratio {a['ratio']:.2f} (median of pairs {a['pair_ratio']:.2f})")
        if add_locale(project):
            print("    no catalogue yet: added de editions (a4, letter; master text) to source/ambc "
                  "so that (d) can change a de-only input")
        copies = widen(project, MIN_EDITIONS)
        if copies:
            print(f"    matrix widened with {copies} copies of source/ambc to reach {MIN_EDITIONS} editions")
        b = bench_matrix(project, args.runs)
        print(f"(b) full matrix, 2 workers: {b['editions']} editions in {b['full']:.3f} s; 2 editions in "
              f"{b['two']:.3f} s; marginal {b['marginal']:.3f} s per edition")
        print(f"(c) no-op rebuild: {b['noop']:.3f} s")
        d = bench_catalogue(project, args.runs)
        print(f"(d) catalogue change ({d['how']}): {d['seconds']:.3f} s; rendered {len(d['built'])}: "
              f"{', '.join(Path(p).stem for p in d['built'])}; editions of '{d['locale']}': "
              f"{len(d['locale_editions'])}")
        e = bench_memory(project, max(3, args.runs // 2))
        print(f"(e) peak memory: largest worker {e['worker_mib']:.0f} MiB, main process {e['main_mib']:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
