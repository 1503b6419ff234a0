#!/usr/bin/env python3
"""Per-call overhead of perfbudget's `perf` fixture against pytest-benchmark's `benchmark` and a
bare timeit loop, measured in one pytest run.

What is measured: the time per call each tool reports for a function that does nothing (so all
of it is the tool's own loop and call overhead: the floor under every figure it reports), for
`empty()` and for `with_args(1, key=2)`. The tools take turns, test by test, for --rounds
rounds; the table shows the median (and min..max) over rounds, plus the wall time one fixture
call takes with each tool's default stopping rules (not comparable as overhead: the rules
differ, and perfbudget samples for at least 100 ms by default).

    python3 bench/pytest_overhead.py [--rounds 15] [--json FILE]

Needs pytest-benchmark and perfbudget: the checkout's .venv (scripts/setup) has both, so run it
with .venv/bin/python or with the venv activated."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

TESTS = textwrap.dedent('''
    import json, os, time, timeit

    OUT = os.environ["OVERHEAD_OUT"]


    def empty():
        pass


    def with_args(a, key=None):
        pass


    CASES = {"empty()": ((), {}, empty), "with_args(1, key=2)": ((1,), {"key": 2}, with_args)}


    def record(tool, case, per_call_ns, wall_ns):
        with open(OUT, "a") as f:
            f.write(json.dumps([tool, case, per_call_ns, wall_ns]) + "\\n")


    def run_perf(perf, case):
        args, kwargs, fn = CASES[case]
        start = time.perf_counter_ns()
        perf(fn, *args, **kwargs)
        record("perfbudget perf", case, perf.stats.median, time.perf_counter_ns() - start)


    def run_benchmark(benchmark, case):
        args, kwargs, fn = CASES[case]
        start = time.perf_counter_ns()
        benchmark(fn, *args, **kwargs)
        record("pytest-benchmark", case, benchmark.stats.stats.median * 1e9,
               time.perf_counter_ns() - start)


    def run_timeit(case):
        args, kwargs, fn = CASES[case]
        start = time.perf_counter_ns()
        timer = timeit.Timer(lambda: fn(*args, **kwargs)) if args else timeit.Timer(fn)
        number, _ = timer.autorange()
        per_call = statistics_median([t / number * 1e9 for t in timer.repeat(5, number)])
        record("bare timeit", case, per_call, time.perf_counter_ns() - start)


    def statistics_median(values):
        import statistics
        return statistics.median(values)
''')


def generate(rounds: int) -> str:
    lines = [TESTS]
    cases = ["empty()", "with_args(1, key=2)"]
    for r in range(rounds):
        for c, case in enumerate(cases):
            # rotate the order so no tool always goes first
            tools = [("perf", f"run_perf(perf, {case!r})"),
                     ("benchmark", f"run_benchmark(benchmark, {case!r})"),
                     ("timeit", f"run_timeit({case!r})")]
            shift = (r + c) % 3
            for tool, call in tools[shift:] + tools[:shift]:
                fixture = {"perf": "perf", "benchmark": "benchmark", "timeit": ""}[tool]
                lines.append(f"def test_{tool}_{r}_{c}({fixture}):\n    {call}\n")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--json", type=Path, help="also write every round as [tool, function, "
                        "ns per call, wall ns of the fixture call] rows (bench/peers.py reads it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="perfbudget-overhead-") as directory:
        root = Path(directory)
        (root / "test_overhead.py").write_text(generate(args.rounds), encoding="utf-8")
        out = root / "out.jsonl"
        env = dict(os.environ, OVERHEAD_OUT=str(out), PYTEST_ADDOPTS="")
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
             "--benchmark-quiet", "-o", "addopts=", "test_overhead.py"],
            cwd=root, env=env, capture_output=True, text=True)
        if completed.returncode != 0:
            print(completed.stdout[-3000:], completed.stderr[-3000:], sep="\n")
            return 1
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    if args.json is not None:
        args.json.write_text(json.dumps(rows) + "\n", encoding="utf-8")
    table: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for tool, case, per_call, wall in rows:
        table.setdefault((case, tool), []).append((per_call, wall))
    print(f"{'function':22} {'tool':18} {'per call (median of rounds)':>28} {'min .. max':>18} "
          f"{'wall per call of the fixture':>30}")
    for (case, tool), values in sorted(table.items()):
        per_call = [v[0] for v in values]
        wall = [v[1] / 1e6 for v in values]
        print(f"{case:22} {tool:18} {statistics.median(per_call):>25.1f} ns "
              f"{min(per_call):>8.1f} .. {max(per_call):>6.1f} {statistics.median(wall):>27.0f} ms")
    print(f"({args.rounds} rounds, tools alternating; python {sys.version.split()[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
