#!/usr/bin/env python3
"""The machine's speed states, and which statistic reads through them (docs/statistics.md,
"A machine at another speed").

    python3 bench/machine_states.py flicker [--seconds 20]
    python3 bench/machine_states.py processes [--build build] [--trials 10] [--out DIR]

flicker: builds bench/machine_states.c and times four kinds of code in turns (adler32 over
64 KiB and over 4 KiB, perfbudget's probe walk, a register-only chain); windows where adler32
over 64 KiB ran 1.4x its fastest or slower count as the slow state. Prints the share of slow
windows, how long the slow spells lasted, and each kind's slow/fast ratio.

processes: per trial, each of three conditions (nothing else running, one spinning process,
`dd` copying memory) runs the example's checksum benchmarks (*_64k) and the detection workload
(bench/peers_work at about 10 us, unchanged, +5 % and +10 %), each in its own process, and keeps
the result files in DIR. Prints, per benchmark, the spread between processes of their min, p10,
p25 and median (standard deviation of the log); then judges every candidate against every quiet
baseline of another trial with `perfbudget check --threshold 3`, comparing the median and p10
(a budget file's `regression: {statistic: ...}`), and counts the verdicts.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEIGHBOURS = {"quiet": None, "spinner": ["sh", "-c", "while :; do :; done"],
              "dd": ["dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=100000000"]}
WORK_STEPS = {0: 6200, 5: 6510, 10: 6820}  # bench/detection.py's 10 us cell
QUANTILES = {"min": 0.0, "p10": 0.10, "p25": 0.25, "median": 0.5}


def quantile(values: list[float], q: float) -> float:
    """numpy's default (linear) quantile."""
    s = sorted(values)
    pos = q * (len(s) - 1)
    low = math.floor(pos)
    return s[low] + (s[min(low + 1, len(s) - 1)] - s[low]) * (pos - low)


def flicker(seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        program = Path(tmp) / "machine_states"
        example = ROOT / "examples" / "c" / "src"
        subprocess.run(["cc", "-O2", "-std=c11", f"-I{example}", str(ROOT / "bench" / "machine_states.c"),
                        str(example / "checksum.c"), "-o", str(program)], check=True)
        out = subprocess.run([str(program), f"{seconds:g}"], check=True, capture_output=True,
                             text=True).stdout
    rows = [[float(x) for x in line.split()] for line in out.splitlines()]
    fastest = min(r[0] for r in rows)
    slow = [r[0] >= 1.4 * fastest for r in rows]
    spells = [len(list(g)) for is_slow, g in itertools.groupby(slow) if is_slow]
    window_ms = 1e3 * seconds / len(rows)
    print(f"{len(rows)} windows of about {window_ms:.1f} ms; slow: {sum(slow) / len(rows):.1%}")
    if spells:
        print(f"slow spells: {len(spells)}, median {statistics.median(spells) * window_ms:.1f} ms, "
              f"longest {max(spells) * window_ms:.0f} ms")
    for j, name in enumerate(["adler32 64 KiB", "adler32 4 KiB x4", "probe walk", "register chain"]):
        fast_median = statistics.median(r[j] for r, s in zip(rows, slow) if not s)
        slow_values = [r[j] for r, s in zip(rows, slow) if s]
        ratio = f"{statistics.median(slow_values) / fast_median:.3f}" if slow_values else "-"
        print(f"  {name:18} fast {fast_median:8.0f} ns  slow/fast {ratio}")


def run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    subprocess.run(cmd, check=True, capture_output=True, env=env)


def collect(build: Path, trials: int, out: Path) -> None:
    timing = ["--no-counters", "--min-time", "0.5s", "--max-time", "0.5s"]
    for trial in range(trials):
        for condition, command in NEIGHBOURS.items():
            neighbour = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL) if command else None
            try:
                time.sleep(0.2)
                run([str(build / "examples" / "c" / "checksum_benchmarks"), *timing, "--filter",
                     "*_64k", "--json", str(out / f"checksum-{condition}-{trial}.json")])
                for slowdown, steps in WORK_STEPS.items():
                    env = dict(os.environ, PEERS_WORK_STEPS=str(steps), PEERS_WORK_KIND="loop")
                    run([str(build / "bench" / "peers_work"), *timing, "--json",
                         str(out / f"work{slowdown}-{condition}-{trial}.json")], env)
            finally:
                if neighbour is not None:
                    neighbour.kill()
                    neighbour.wait()


def spreads(out: Path) -> None:
    figures: dict[str, list[dict[str, float]]] = collections.defaultdict(list)
    for path in sorted(out.glob("*.json")):
        if not path.name.startswith(("checksum-", "work0-")):
            continue
        for b in json.loads(path.read_text())["benchmarks"]:
            figures[b["name"]].append({k: quantile(b["samples"], q) for k, q in QUANTILES.items()})
    print("spread between processes, sd of the log:")
    for name, runs in figures.items():
        cells = "  ".join(f"{k} {statistics.stdev(math.log(r[k]) for r in runs):.2%}"
                          for k in QUANTILES)
        print(f"  {name:12} ({len(runs)} processes)  {cells}")


def judge(build: Path, trials: int, out: Path) -> None:
    verdicts: dict[tuple[str, str, int], collections.Counter[str]] = \
        collections.defaultdict(collections.Counter)
    judged = out / "judged.json"
    for statistic in ("median", "p10"):
        budget = out / f"{statistic}.yml"
        budget.write_text(f"version: 1\ndefaults:\n  regression:\n    statistic: {statistic}\n")
        for base, cand, condition in itertools.product(range(trials), range(trials), NEIGHBOURS):
            if base == cand:
                continue
            pairs = [("checksum", "checksum", 0)] + [(f"work{s}", "work0", s) for s in WORK_STEPS]
            for candidate, baseline, slowdown in pairs:
                subprocess.run([str(build / "perfbudget"), "check",
                                str(out / f"{candidate}-{condition}-{cand}.json"), "--baseline",
                                str(out / f"{baseline}-quiet-{base}.json"), "--budget", str(budget),
                                "--threshold", "3", "--json", str(judged)], capture_output=True)
                for b in json.loads(judged.read_text())["benchmarks"]:
                    outcome = (b.get("comparisons") or [{}])[0].get("outcome", "none")
                    verdicts[(b["name"], statistic, slowdown)][outcome] += 1
                    if outcome == "inconclusive":  # and why, by the kinds of its notes
                        for note in b.get("notes") or []:
                            verdicts[(b["name"], statistic, slowdown)]["note " + note["kind"]] += 1
    print("verdicts, each candidate against each quiet baseline of another trial (threshold 3 %):")
    for (name, statistic, slowdown), counts in sorted(verdicts.items()):
        why = ", ".join(f"{k[5:]} {n}" for k, n in sorted(counts.items()) if k.startswith("note "))
        print(f"  {name:12} +{slowdown:<2}% {statistic:6} " +
              "  ".join(f"{k} {counts[k]}" for k in ("regression", "inconclusive", "pass",
                                                     "improvement")) +
              (f"  (inconclusive notes: {why})" if why else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=["flicker", "processes"])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.part == "flicker":
        flicker(args.seconds)
        return 0
    build = args.build.resolve()
    subprocess.run(["cmake", "--build", str(build), "--target", "peers_work",
                    "checksum_benchmarks", "perfbudget_cli"], check=False, capture_output=True)
    out = args.out or Path(tempfile.mkdtemp(prefix="machine-states-"))
    out.mkdir(parents=True, exist_ok=True)
    collect(build, args.trials, out)
    spreads(out)
    judge(build, args.trials, out)
    print(f"result files: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
