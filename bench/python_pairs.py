#!/usr/bin/env python3
"""Python verdicts between separate processes, judged offline: how often unchanged code fails and
how often a slowdown is caught when one pytest run is judged against another (docs/statistics.md,
"A machine at another speed").

    python3 bench/python_pairs.py collect --out DIR [--runs 24] [--tests FILE]
    python3 bench/python_pairs.py judge DIR [DIR ...] --cli NAME=PATH [--cli NAME=PATH ...]
                                  [--pairs 60] [--threshold 5]

collect: runs the pytest file (default: this file's TESTS, nine small tests from a 5 us loop to
sha256 over 64 KiB) RUNS times, each in its own pytest process with perfbudget's plugin, and
keeps each run's result file as DIR/rNN.json: unchanged code, in whatever states the machine
passed through.

judge: for PAIRS ordered pairs of those runs per folder (chosen with a fixed seed), the second
run's samples and CPU samples scaled by +0 %, +5 %, +10 % and 2x, judges it against the first
with each `perfbudget check` given (e.g. two builds: an A/B of the judge on the same data) and
counts the `regression` outcomes. Prints the counts, then each unchanged pair that failed and
each 2x pair that did not, with the verdict's change and note kinds.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLOWDOWNS = (0, 5, 10, 100)
Job = tuple[str, Path, Path, int, Path]  # folder, baseline, run, slowdown, files' stem
Outcome = tuple["str | None", "float | None", list[str]]  # outcome, change, note kinds
TESTS = '''
import hashlib, json, random, re

rng = random.Random(1)
DATA = [rng.random() for _ in range(1000)]
DOC = json.dumps({"words": ["budget"] * 100, "n": list(range(50))})
PATTERN = re.compile(r"(\\w+)@(\\w+)\\.com")
TEXT = "contact someone@example.com or other@test.com " * 20
TABLE = list(range(1024))
BLOCK = b"x" * 65536


def loop(n=100):
    h = 0
    for i in range(n):
        h = (h * 31 + i) & 0xFFFF
    return h


def scan(t=TABLE):
    h = 0
    for i in range(8):
        h ^= t[(h + i) & 1023]
    return h


def test_loop_5us(perf):
    perf(loop)


def test_scan_400ns(perf):
    perf(scan)


def test_loop_1ms(perf):
    perf(loop, 12400)


def test_sorted(perf):
    perf(sorted, DATA)


def test_json(perf):
    perf(json.loads, DOC)


def test_regex(perf):
    perf(PATTERN.findall, TEXT)


def test_sum_range(perf):
    perf(sum, range(2000))


def test_dict_comprehension(perf):
    perf(lambda: {i: str(i) for i in range(200)})


def test_sha256_64k(perf):
    perf(lambda: hashlib.sha256(BLOCK).digest())
'''


def collect(out: Path, runs: int, tests: Path | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    test_file = out / "test_pairs.py"
    test_file.write_text(tests.read_text() if tests else TESTS)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "pytest_plugin"),
               PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    for i in range(1, runs + 1):
        with tempfile.TemporaryDirectory() as history:
            subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
                            "perfbudget.plugin", str(test_file), "--perf-json",
                            str(out / f"r{i:02d}.json"), "--perf-history",
                            str(Path(history) / "h.sqlite")],
                           env=env, cwd=out, check=True, capture_output=True)
        print(f"run {i} of {runs}", file=sys.stderr)


def scaled(path: Path, factor: float, out: Path) -> None:
    """A copy of a result file with its samples scaled and its verdicts left out."""
    document = json.loads(path.read_text())
    for benchmark in document["benchmarks"]:
        for key in ("samples", "cpu_samples"):
            if key in benchmark:
                benchmark[key] = [value * factor for value in benchmark[key]]
        for key in ("summary", "comparisons", "notes", "budget"):
            benchmark.pop(key, None)
    out.write_text(json.dumps(document))


def judge(folders: list[Path], clis: dict[str, str], n_pairs: int, threshold: str) -> None:
    rng = random.Random(7)
    work = Path(tempfile.mkdtemp(prefix="perfbudget-pairs-"))
    budget = work / "perfbudget.yml"
    budget.write_text("version: 1\n")
    jobs: list[Job] = []
    for folder in folders:
        pairs = list(itertools.permutations(sorted(folder.glob("r*.json")), 2))
        rng.shuffle(pairs)
        for i, (base, run) in enumerate(pairs[:n_pairs]):
            base_copy = work / f"{folder.name}-{i}-base.json"
            scaled(base, 1.0, base_copy)
            jobs += [(folder.name, base_copy, run, slowdown, work / f"{folder.name}-{i}-{slowdown}")
                     for slowdown in SLOWDOWNS]

    def run_one(job: Job) -> tuple[Job, dict[tuple[str, str], Outcome]]:
        folder, base, run, slowdown, stem = job
        judged = stem.with_suffix(".json")
        scaled(run, 1 + slowdown / 100, judged)
        outcomes: dict[tuple[str, str], Outcome] = {}
        for name, cli in clis.items():
            out = stem.with_suffix(f".{name}.out.json")
            subprocess.run([cli, "check", str(judged), "--baseline", str(base), "--threshold",
                            threshold, "--budget", str(budget), "--json", str(out)],
                           capture_output=True)
            for benchmark in json.loads(out.read_text())["benchmarks"]:
                comparison = (benchmark.get("comparisons") or [{}])[0]
                outcomes[name, benchmark["name"]] = (
                    comparison.get("outcome"), comparison.get("change_pct"),
                    [note["kind"] for note in benchmark.get("notes", [])])
        return job, outcomes

    failed: collections.Counter[tuple[str, str, int]] = collections.Counter()
    total: collections.Counter[tuple[str, str, int]] = collections.Counter()
    false_alarms: list[tuple[object, ...]] = []
    misses: list[tuple[object, ...]] = []
    with ThreadPoolExecutor(2) as pool:
        for (set_name, base, run_file, slowdown, _), outcomes in pool.map(run_one, jobs):
            for (name, benchmark), (outcome, change, notes) in outcomes.items():
                total[name, set_name, slowdown] += 1
                failed[name, set_name, slowdown] += outcome == "regression"
                line = (name, benchmark, base.name, run_file.name, outcome,
                        None if change is None else round(change, 1), notes)
                if slowdown == 0 and outcome == "regression":
                    false_alarms.append(line)
                elif slowdown == 100 and outcome != "regression":
                    misses.append(line)
    print(f"threshold {threshold} %, failed / judged:")
    for name in clis:
        for set_name in sorted({f.name for f in folders}):
            cells = "  ".join(f"+{s}%: {failed[name, set_name, s]}/{total[name, set_name, s]}"
                              for s in SLOWDOWNS)
            print(f"  {name:8} {set_name:12} {cells}")
    for alarm in false_alarms:
        print("unchanged, failed:", *alarm)
    for miss in misses:
        print("2x, not failed:", *miss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    c = commands.add_parser("collect")
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--runs", type=int, default=24)
    c.add_argument("--tests", type=Path)
    j = commands.add_parser("judge")
    j.add_argument("folders", type=Path, nargs="+")
    j.add_argument("--cli", action="append", required=True, help="NAME=PATH of perfbudget")
    j.add_argument("--pairs", type=int, default=60)
    j.add_argument("--threshold", default="5")
    args = parser.parse_args()
    if args.command == "collect":
        collect(args.out, args.runs, args.tests)
    else:
        judge(args.folders, dict(cli.split("=", 1) for cli in args.cli), args.pairs,
              args.threshold)


if __name__ == "__main__":
    main()
