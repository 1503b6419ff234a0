#!/usr/bin/env python3
"""Pairs of runs kept as files, judged again by any build: how far apart two processes of the
same code are, and what a judging rule makes of them, without measuring again.

    python3 bench/process_pairs.py collect DIR [--build build] [--trials 15] [--seconds 0.5]
                                           [--cells py1ms,...] [--processes N]
    python3 bench/process_pairs.py judge DIR... [--cli build/perfbudget ...] [--threshold 3]

collect: per trial and cell, one baseline run and candidates +0 %, +5 % and +10 % (each its own
process), as result files DIR/<cell>-<trial>-base.json and -cand<pct>.json. Cells: the C suite
bench/peers_work at about 100 ns, 10 us and 1 ms a call, and a pytest test at about 10 us and
1 ms (the workloads of bench/detection.py). --processes N measures each pytest run with
--perf-processes N (the C cells stay one process a run).

judge: `perfbudget check` of every pair with each CLI given (builds of different rules, e.g. a
worktree built with another constant), printing per cell and slowdown how many pairs failed and
how many were inconclusive. With --spread, for the unchanged pairs it also prints the change
divided by the error that the two runs' samples alone give (read from the interval of a build
whose judging adds no assumed spread between runs: CMake's -DCMAKE_C_FLAGS=
-DASSUMED_RUN_SPREAD=0), grouped by how far apart the two runs' probes were: its root mean square s says that two processes differ by about sqrt(s^2 - 1)
sampling errors beyond their samples (docs/performance.md, "How far apart are two processes").
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import detection  # noqa: E402  (the workloads and the Python test)

C_CELLS = {"c100ns": 100, "c10us": 4200, "c1ms": 415000}  # loop steps of peers_work
PY_CELLS = {"py10us": 200, "py1ms": 20000}  # loop steps of the Python test
SLOWDOWNS = (0, 5, 10)


def run_c(build: Path, steps: int, seconds: float, out: Path) -> None:
    env = dict(os.environ, PEERS_WORK_STEPS=str(steps), PEERS_WORK_KIND="loop")
    subprocess.run([str(build / "bench" / "peers_work"), "--no-counters", "--min-time",
                    f"{seconds}s", "--max-time", f"{seconds}s", "--json", str(out)],
                   env=env, check=True, capture_output=True)


def run_python(project: Path, steps: int, out: Path, processes: int = 1) -> None:
    env = dict(os.environ, PEERS_WORK_STEPS=str(steps), PEERS_WORK_KIND="loop", NO_COLOR="1",
               PYTHONHASHSEED="0", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    history = project / "h.sqlite"
    history.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
                    str(project), "-p", "perfbudget.plugin", "--perf-json", str(out),
                    "--perf-history", str(history), "--perf-processes", str(processes)],
                   cwd=project, env=env, check=True,
                   capture_output=True)


def collect(args: argparse.Namespace) -> None:
    out = args.dir
    out.mkdir(parents=True, exist_ok=True)
    project = Path(tempfile.mkdtemp(prefix="pairs-"))
    (project / "test_work.py").write_text(detection.PYTHON_TEST.replace("TOOL", "perf"))
    (project / "perfbudget.yml").write_text(
        f"version: 1\ndefaults:\n  min_time: {args.seconds}s\n  max_time: {args.seconds}s\n")
    build = args.build.resolve()
    subprocess.run(["cmake", "--build", str(build), "--target", "peers_work"], check=True,
                   capture_output=True)
    for trial in range(1, args.trials + 1):
        for cells, measure in ((C_CELLS, lambda s, f: run_c(build, s, args.seconds, f)),
                               (PY_CELLS, lambda s, f: run_python(project, s, f, args.processes))):
            for cell, steps in cells.items():
                if args.cells and cell not in args.cells:
                    continue
                measure(steps, out / f"{cell}-{trial}-base.json")
                for pct in SLOWDOWNS:
                    measure(round(steps * (1 + pct / 100)), out / f"{cell}-{trial}-cand{pct}.json")
        print(f"trial {trial} of {args.trials} kept in {out}", flush=True)


def check(cli: str, candidate: Path, baseline: Path, threshold: float,
          judged: Path) -> tuple[int, dict]:
    done = subprocess.run([cli, "check", str(candidate), "--baseline", str(baseline),
                           "--threshold", f"{threshold:g}", "--json", str(judged)],
                          capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise RuntimeError(done.stdout + done.stderr)
    return done.returncode, json.loads(judged.read_text())["benchmarks"][0]


def pairs(dirs: list[Path]) -> list[tuple[str, int, Path, Path]]:
    found = []
    for directory in dirs:
        for base in sorted(directory.glob("*-base.json")):
            cell = re.match(r"(\w+)-\d+-base\.json$", base.name)
            for pct in SLOWDOWNS:
                candidate = base.with_name(base.name.replace("-base.json", f"-cand{pct}.json"))
                if cell and candidate.exists():
                    found.append((cell.group(1), pct, base, candidate))
    return found


def sampling_z(judged: dict) -> float:
    """The change over the error of the two runs' samples alone, from a build that adds no
    assumed spread: its interval is then 1.96 such errors either side (log scale)."""
    c = judged["comparisons"][0]
    error = math.log((1 + c["ci_high_pct"] / 100) / (1 + c["ci_low_pct"] / 100)) / (2 * 1.959964)
    return math.log(1 + c["change_pct"] / 100) / error


def judge(args: argparse.Namespace) -> None:
    judged = Path(tempfile.mkdtemp(prefix="pairs-")) / "judged.json"
    counts: dict[tuple[str, int, str], collections.Counter] = collections.defaultdict(
        collections.Counter)
    spread: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
    for cell, pct, base, candidate in pairs(args.dirs):
        for cli in args.cli:
            status, record = check(cli, candidate, base, args.threshold, judged)
            outcome = record["comparisons"][0]["outcome"] if record["comparisons"] else "none"
            counts[(cell, pct, cli)].update(n=1, failed=status == 1,
                                            inconclusive=outcome == "inconclusive")
        if args.spread and pct == 0:
            _, record = check(args.spread, candidate, base, args.threshold, judged)
            probes = record["metrics"]["probe_ns"] / json.loads(base.read_text())[
                "benchmarks"][0]["metrics"]["probe_ns"]
            apart = max(probes, 1 / probes)
            group = "probes within 3 %" if apart < 1.03 else "probes 3 % or more apart"
            spread[(cell, group)].append(sampling_z(record))
    for cli in args.cli:
        print(f"== {cli}: failed / inconclusive / pairs, threshold {args.threshold:g} %")
        for (cell, pct, which), c in sorted(counts.items()):
            if which == cli:
                print(f"  {cell:8} +{pct:<3} {c['failed']:3} / {c['inconclusive']:3} / {c['n']:3}")
    for (cell, group), values in sorted(spread.items()):
        rms = math.sqrt(sum(z * z for z in values) / len(values))
        beyond = math.sqrt(max(rms * rms - 1, 0))
        print(f"  {cell:8} {group}: {len(values)} unchanged pairs, rms {rms:.2f} sampling errors "
              f"(processes differ by about {beyond:.1f} beyond their samples)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    c = commands.add_parser("collect", help="measure pairs into DIR")
    c.add_argument("dir", type=Path)
    c.add_argument("--build", type=Path, default=ROOT / "build")
    c.add_argument("--trials", type=int, default=15)
    c.add_argument("--seconds", type=float, default=0.5)
    c.add_argument("--cells", type=lambda text: text.split(","), default=None,
                   help="only these cells, comma-separated (default: all)")
    c.add_argument("--processes", type=int, default=1,
                   help="--perf-processes for the pytest cells (default 1)")
    j = commands.add_parser("judge", help="judge the pairs in DIR... with each --cli")
    j.add_argument("dirs", type=Path, nargs="+")
    j.add_argument("--cli", action="append", default=[],
                   help="a perfbudget CLI to judge with (again for more builds)")
    j.add_argument("--spread", metavar="CLI",
                   help="a CLI whose judging adds no assumed spread between runs: prints how far "
                        "apart unchanged pairs are in sampling errors")
    j.add_argument("--threshold", type=float, default=3.0)
    args = parser.parse_args()
    if args.command == "collect":
        collect(args)
    else:
        args.cli = args.cli or [str(ROOT / "build" / "perfbudget")]
        judge(args)


if __name__ == "__main__":
    main()
