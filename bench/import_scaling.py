#!/usr/bin/env python3
"""How long `perfbudget run --format` takes to import a large tool output (issue 17).

    python3 bench/import_scaling.py [--perfbudget build/perfbudget]
                                    [--entries 8000,16000,50000] [--format google-benchmark]
                                    [--repeat 3] [--timeout 300] [--write FILE --entries N]

Writes a Google Benchmark (or pytest-benchmark) JSON file of N entries, each its own benchmark
named like `BM_codec/<i>/real_time`, and times, --repeat times per size,
`perfbudget run --name import --format google-benchmark -- cat FILE` (output to /dev/null) in a
fresh temporary directory with no budget and no history, so the time is reading the captured
output, importing it and judging and printing each benchmark. Prints each run's wall time and
the median. pytest-benchmark files go through `perfbudget baseline import FILE` into a fresh
history instead. --write only writes the file.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def google_benchmark(n):
    def entry(i):
        name = f"BM_codec/{i}/real_time"
        return {"name": name, "run_name": name, "run_type": "iteration", "repetitions": 1,
                "repetition_index": 0, "threads": 1, "iterations": 1000,
                "real_time": 100.0 + i % 97, "cpu_time": 99.0 + i % 97, "time_unit": "ns"}
    return {"context": {"date": "2026-01-01T00:00:00+00:00", "num_cpus": 2},
            "benchmarks": [entry(i) for i in range(n)]}


def pytest_benchmark(n):
    return {"benchmarks": [{"fullname": f"tests/test_codec.py::test_codec[{i}]",
                            "stats": {"median": 1e-6 * (1 + i % 97), "iterations": 1,
                                      "data": [1e-6 * (1 + i % 97)] * 5}} for i in range(n)]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--perfbudget", default="build/perfbudget")
    parser.add_argument("--entries", default="8000,16000,50000")
    parser.add_argument("--format", default="google-benchmark",
                        choices=["google-benchmark", "pytest-benchmark"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", help="only write the file of --entries N entries here")
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds before a run is stopped and counted as that long")
    args = parser.parse_args()
    make = google_benchmark if args.format == "google-benchmark" else pytest_benchmark
    sizes = [int(n) for n in args.entries.split(",")]
    if args.write:
        with open(args.write, "w") as out:
            json.dump(make(sizes[0]), out)
        return 0
    perfbudget = os.path.abspath(args.perfbudget)
    for n in sizes:
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, "in.json")
            with open(path, "w") as out:
                json.dump(make(n), out)
            command = ([perfbudget, "run", "--name", "import", "--format", args.format, "--",
                        "cat", path] if args.format == "google-benchmark" else
                       [perfbudget, "baseline", "import", path, "--history", "h.sqlite"])
            times = []
            for _ in range(args.repeat):
                if os.path.exists(os.path.join(work, "h.sqlite")):
                    os.remove(os.path.join(work, "h.sqlite"))
                env = {k: v for k, v in os.environ.items() if not k.startswith("PERFBUDGET_")}
                start = time.monotonic()
                try:
                    done = subprocess.run(command, cwd=work, env=env, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.PIPE, text=True,
                                          timeout=args.timeout)
                except subprocess.TimeoutExpired:
                    times.append(float("inf"))
                    continue
                times.append(time.monotonic() - start)
                if done.returncode not in (0, 1):
                    sys.exit(f"{' '.join(command)}: exit {done.returncode}: {done.stderr[-500:]}")
            shown = " ".join(f"{t:.2f}" if t != float("inf") else f">{args.timeout:g}"
                             for t in times)
            median = statistics.median(times)
            print(f"{n:>7} entries: {shown} s, median " +
                  (f"{median:.2f} s" if median != float("inf") else f">{args.timeout:g} s"),
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
