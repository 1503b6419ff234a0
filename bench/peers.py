#!/usr/bin/env python3
"""perfbudget measured against the tools users would otherwise pick, side by side in one run.

    python3 bench/peers.py [--build build] [--rounds 5] [--out bench/results]

Overhead, the floor under every figure a tool reports, each pair measured in alternating rounds
so that drift of this shared machine hits both alike:

- C: ns per iteration of an empty benchmark body (a compiler barrier) with perfbudget's C API
  and with Google Benchmark (Debian's libbenchmark-dev), the same measuring time for both;
- Python: ns per call of an empty function with the `perf` fixture, pytest-benchmark's
  `benchmark` fixture and a bare `timeit` loop (bench/pytest_overhead.py);
- commands: µs per run of /bin/true with `perfbudget run` and `hyperfine -N`, and each tool's
  whole call (start-up, runs, statistics, output) in wall and CPU time.

The peers are installed outside the project's own dependencies: Debian packages
(libbenchmark-dev, hyperfine; as root, else the apt-get line is printed) and pytest-benchmark in a
virtual environment under the build directory. Writes overhead.md (the table), overhead.json (the
table's figures) and overhead-raw.json (every round) to --out, and prints the table."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEBIAN_PEERS = {"hyperfine": "hyperfine", "libbenchmark-dev": "/usr/include/benchmark/benchmark.h"}


def sh(*args: str | Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], check=True, text=True, capture_output=True, **kwargs)


def ensure_peers(build: Path) -> Path:
    """Install what is missing; return the Python of the peers' virtual environment."""
    missing = [package for package, probe in DEBIAN_PEERS.items()
               if not (shutil.which(probe) if "/" not in probe else Path(probe).exists())]
    if missing:
        if os.geteuid() != 0:
            sys.exit(f"bench/peers.py needs: apt-get install -y {' '.join(missing)}")
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    venv = build / "peers" / "venv"
    python = venv / "bin" / "python"
    if not python.exists():  # perfbudget itself comes from the system site (scripts/setup)
        sh(sys.executable, "-m", "venv", "--system-site-packages", venv)
    probe = subprocess.run([python, "-c", "import pytest_benchmark"], capture_output=True)
    if probe.returncode != 0:
        sh(python, "-m", "pip", "install", "-q", "pytest-benchmark")
    return python


def build_programs(build: Path) -> tuple[Path, Path]:
    sh("cmake", "--build", build, "--target", "peers_empty")
    gbench = build / "peers" / "empty_gbench"
    gbench.parent.mkdir(parents=True, exist_ok=True)
    flags = sh("pkg-config", "--cflags", "--libs", "benchmark").stdout.split()
    sh("c++", "-O2", "-std=c++17", ROOT / "bench" / "peers" / "empty_gbench.cc", "-o", gbench,
       *flags, "-lpthread")
    return build / "bench" / "peers_empty", gbench


def c_loop_overhead(perfbudget_suite: Path, gbench: Path, rounds: int, seconds: float,
                    tmp: Path) -> list[tuple[str, str, str, dict[str, list[float]]]]:
    """ns per iteration of the empty body and of one multiply: perfbudget's median sample and
    its mean over the whole measuring phase (wall / iterations, and the process's CPU time /
    iterations), Google Benchmark's real and CPU time per iteration."""
    empty: dict[str, list[float]] = {"perfbudget (median)": [], "perfbudget (mean)": [],
                                     "perfbudget PERFBUDGET_LOOP (median)": [],
                                     "perfbudget PERFBUDGET_LOOP (mean)": [],
                                     "Google Benchmark": []}
    multiply: dict[str, list[float]] = {"perfbudget PERFBUDGET_LOOP (median)": [],
                                        "perfbudget PERFBUDGET_LOOP (mean)": [],
                                        "Google Benchmark": []}
    cpu = {body: {"perfbudget PERFBUDGET_LOOP": [], "Google Benchmark": []}
           for body in ("empty", "multiply")}
    for r in range(rounds):
        order = ["pb", "gb"] if r % 2 == 0 else ["gb", "pb"]
        for tool in order:
            if tool == "pb":
                result = tmp / f"pb-{r}.json"
                sh(perfbudget_suite, "--no-counters", "--min-time", f"{seconds}s", "--max-time",
                   f"{seconds * 4}s", "--json", result)
                for bench in json.loads(result.read_text())["benchmarks"]:
                    figures = multiply if bench["name"] == "multiply_lean" else empty
                    loop = "" if bench["name"] == "empty" else " PERFBUDGET_LOOP"
                    figures[f"perfbudget{loop} (median)"].append(bench["summary"]["median"])
                    metrics = bench["metrics"]
                    figures[f"perfbudget{loop} (mean)"].append(metrics["wall_ns"] /
                                                              metrics["total_iterations"])
                    if loop:
                        body = "multiply" if figures is multiply else "empty"
                        cpu[body]["perfbudget PERFBUDGET_LOOP"].append(
                            metrics["cpu_ns_per_iteration"])
            else:
                report = json.loads(sh(gbench, f"--benchmark_min_time={seconds}",
                                       "--benchmark_format=json").stdout)
                for run in report["benchmarks"]:
                    assert run["time_unit"] == "ns", run
                    figures = multiply if run["name"] == "multiply" else empty
                    figures["Google Benchmark"].append(run["real_time"])
                    cpu[run["name"]]["Google Benchmark"].append(run["cpu_time"])
    return [("C: empty body, per iteration", "ns", "perfbudget (median)", empty),
            ("C: empty body, CPU time per iteration", "ns", "perfbudget PERFBUDGET_LOOP",
             cpu["empty"]),
            ("C: one multiply (~1 ns), per iteration", "ns",
             "perfbudget PERFBUDGET_LOOP (mean)", multiply),
            ("C: one multiply (~1 ns), CPU time per iteration", "ns",
             "perfbudget PERFBUDGET_LOOP", cpu["multiply"])]


def python_call_overhead(python: Path, rounds: int, tmp: Path) -> dict[str, list[float]]:
    """ns per call of empty() with each Python tool (bench/pytest_overhead.py's rounds)."""
    result = tmp / "python.json"
    sh(python, ROOT / "bench" / "pytest_overhead.py", "--rounds", str(rounds), "--json", result)
    out: dict[str, list[float]] = {}
    for tool, case, per_call, _wall in json.loads(result.read_text()):
        if case == "empty()":
            out.setdefault(tool, []).append(per_call)
    return out


def timed_call(command: list[str]) -> tuple[float, float]:
    """The whole call of a command: its wall time and its CPU time (user + system of it and of
    every process it waited for), in ms."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)}: exit {process.returncode}: {process.stderr.read().decode()}")
    process.stderr.close()
    return wall * 1e3, (usage.ru_utime + usage.ru_stime) * 1e3


def command_run_overhead(cli: Path, rounds: int, runs: int,
                         tmp: Path) -> tuple[dict[str, list[float]], dict[str, list[float]],
                                             dict[str, list[float]]]:
    """Per run of /bin/true (median of `runs` runs) as each tool reports it, in µs; and each
    tool's whole call (start-up, `runs` + 5 runs, its statistics and output), wall and CPU, in
    ms."""
    names = ["perfbudget run", "hyperfine -N"]
    per_run: dict[str, list[float]] = {name: [] for name in names}
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        hf, pb = tmp / f"hf-{r}.json", tmp / f"run-{r}.json"
        tools = [("hyperfine -N", ["hyperfine", "-N", "--warmup", "5", "--runs", str(runs),
                                   "--export-json", str(hf), "/bin/true"]),
                 ("perfbudget run", [str(cli), "run", "--warmup", "5", "--runs", str(runs), "--json",
                                     str(pb), "--", "/bin/true"])]
        for name, command in (tools if r % 2 == 0 else tools[::-1]):
            call_wall, call_cpu = timed_call(command)
            wall[name].append(call_wall)
            cpu[name].append(call_cpu)
        per_run["hyperfine -N"].append(statistics.median(json.loads(hf.read_text())["results"][0]["times"]) * 1e6)
        per_run["perfbudget run"].append(json.loads(pb.read_text())["benchmarks"][0]["summary"]["median"] / 1e3)
    return per_run, wall, cpu


def table(sections: list[tuple[str, str, str, dict[str, list[float]]]]) -> tuple[str, list[dict[str, Any]]]:
    lines = ["| what | tool | median of rounds | min .. max | vs perfbudget |", "|---|---|---:|---:|---:|"]
    rows = []
    for what, unit, reference, figures in sections:
        base = statistics.median(figures[reference])
        for tool, values in figures.items():
            median = statistics.median(values)
            rows.append({"what": what, "tool": tool, "unit": unit, "median": median,
                         "min": min(values), "max": max(values), "ratio_to_perfbudget": median / base})
            lines.append(f"| {what} | {tool} | {median:.3g} {unit} | {min(values):.3g} .. "
                         f"{max(values):.3g} | {median / base:.2f}× |")
    return "\n".join(lines) + "\n", rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per pair")
    parser.add_argument("--seconds", type=float, default=0.5,
                        help="measuring time per C run, the same for both tools")
    parser.add_argument("--runs", type=int, default=300, help="runs of /bin/true per round")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--part", choices=["all", "c", "command"], default="all",
                        help="c: the C loop rows only (no Python peers to install); command: the "
                             "/bin/true rows only")
    args = parser.parse_args()
    build = args.build.resolve()
    if not (build / "perfbudget").exists():
        sys.exit(f"no perfbudget CLI in {build}: run scripts/build first")
    python = ensure_peers(build) if args.part == "all" else None
    if args.part == "command" and shutil.which("hyperfine") is None:
        sys.exit("bench/peers.py --part command needs hyperfine: apt-get install -y hyperfine")
    with tempfile.TemporaryDirectory(prefix="perfbudget-peers-") as directory:
        tmp = Path(directory)
        sections = []
        if args.part in ("all", "c"):
            suite, gbench = build_programs(build)
            sections += c_loop_overhead(suite, gbench, args.rounds, args.seconds, tmp)
        if python is not None:
            py = python_call_overhead(python, max(args.rounds, 5), tmp)
            sections.append(("Python: empty(), per call", "ns", "perfbudget perf", py))
        if args.part in ("all", "command"):
            runs, wall, cpu = command_run_overhead(build / "perfbudget", args.rounds, args.runs, tmp)
            sections += [("command: /bin/true, per run", "µs", "perfbudget run", runs),
                         (f"command: the whole call, {args.runs} + 5 runs, wall", "ms",
                          "perfbudget run", wall),
                         (f"command: the whole call, {args.runs} + 5 runs, CPU", "ms",
                          "perfbudget run", cpu)]
    markdown, rows = table(sections)
    machine = f"{platform.node()}, {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "overhead.md").write_text(f"{markdown}\n{args.rounds} alternating rounds; {machine}\n",
                                          encoding="utf-8")
    (args.out / "overhead.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=2) + "\n",
                                            encoding="utf-8")
    raw = {what: figures for what, _, _, figures in sections}
    (args.out / "overhead-raw.json").write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")
    print(markdown)
    print(f"written: {args.out}/overhead.md, overhead.json, overhead-raw.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
