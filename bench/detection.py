#!/usr/bin/env python3
"""Detection power and false alarms of each tool's own regression check, side by side.

    python3 bench/detection.py [--build build] [--trials 20] [--seconds 1] [--threshold 3]
                               [--fine-threshold 0.5] [--languages c,python]
                               [--sizes 100ns,10us,1ms] [--slowdowns 0,1,2,5,10]
                               [--loads none,busy] [--tools ...] [--out bench/results]

A trial is what CI does: a fresh baseline process, then fresh candidate processes, one for each
slowdown, that do `slowdown` % more work (0 % measures false alarms); every tool gets the same
measuring time per benchmark (--seconds). The baseline of a trial serves its candidates; the
next trial measures a new one. Then each tool's own check decides:

- perfbudget (C and Python, wall time): `perfbudget check candidate --baseline baseline
  --threshold T`, and `pytest --performance-regression --perf-baseline FILE --perf-threshold T`:
  beyond the threshold and significant (docs/statistics.md);
- Google Benchmark: tools/compare.py's Mann-Whitney U test over 10 repetitions (p < 0.05), the
  candidate slower;
- pytest-benchmark: `--benchmark-compare-fail=median:T%`;
- perfbudget instructions (C and Python): the same checks in instructions mode (`--mode
  instructions`, `--perf-mode instructions`; callgrind on this VM), threshold --fine-threshold;
- perfbudget interleaved (C): `perfbudget compare --interleave` of a baseline and a candidate
  module in one process, batch by batch, --seconds long, threshold --fine-threshold; a
  "trial" there is one such process per slowdown (it measures both sides itself).

"busy" load runs a spinning process on the other CPU meanwhile. Writes detection.md (the table:
the share of trials flagged per cell), detection.json and detection-raw.json (every trial's
verdict) to --out."""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peers import ROOT, ensure_peers, sh  # noqa: E402

SIZES_NS = {"100ns": 100.0, "10us": 1e4, "1ms": 1e6}
GB_REPETITIONS = 10
COMPARE_PY = Path("/usr/share/benchmark/compare.py")  # Debian's libbenchmark-tools

PYTHON_TEST = textwrap.dedent("""
    import os

    STEPS = int(os.environ["PEERS_WORK_STEPS"])


    def work(steps=STEPS):
        x = 1
        for _ in range(steps):
            x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        return x


    def test_work(TOOL):
        TOOL(work)
""")


def build_programs(build: Path) -> tuple[Path, Path]:
    sh("cmake", "--build", build, "--target", "peers_work", "peers_work_module_a",
       "peers_work_module_b")
    gbench = build / "peers" / "work_gbench"
    gbench.parent.mkdir(parents=True, exist_ok=True)
    flags = sh("pkg-config", "--cflags", "--libs", "benchmark").stdout.split()
    sh("c++", "-O2", "-std=c++17", ROOT / "bench" / "peers" / "work_gbench.cc", "-o", gbench,
       *flags, "-lpthread")
    return build / "bench" / "peers_work", gbench


@contextlib.contextmanager
def load(kind: str) -> Iterator[None]:
    """'busy': a process spinning on the last CPU for the duration."""
    if kind == "none":
        yield
        return
    cpu = (os.cpu_count() or 1) - 1
    spinner = subprocess.Popen([sys.executable, "-c",
                                f"import os; os.sched_setaffinity(0, {{{cpu}}})\nwhile True: pass"])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def steps_for(language: str, size_ns: float, probe: Any) -> int:
    """Work steps that take about size_ns, from one probe measurement of 1000 steps."""
    per_step = probe(language, 1000) / 1000
    return max(1, round(size_ns / per_step))


class Tools:
    def __init__(self, build: Path, python: Path, seconds: float, threshold: float,
                 fine_threshold: float, tmp: Path):
        self.cli = build / "perfbudget"
        self.suite, self.gbench_program = build_programs(build)
        self.modules = [next((build / "bench").glob(f"*peers_work_module_{side}.so"))
                        for side in "ab"]
        self.python = python
        self.seconds = seconds
        self.threshold = threshold
        self.fine_threshold = fine_threshold
        self.tmp = tmp

    def env(self, steps: int) -> dict[str, str]:
        return dict(os.environ, PEERS_WORK_STEPS=str(steps), NO_COLOR="1", PYTHONHASHSEED="0")

    # ---- C ----

    def perfbudget_c(self, steps: int, name: str, *mode: str) -> Path:
        out = self.tmp / f"{name}.json"
        timing = ["--min-time", f"{self.seconds}s", "--max-time", f"{self.seconds}s"]
        subprocess.run([str(self.suite), *(mode or ["--no-counters", *timing]), "--json", str(out)],
                       env=self.env(steps), check=True, capture_output=True)
        return out

    def check(self, candidate: Path, baseline: Path, threshold: float) -> bool:
        check = subprocess.run([str(self.cli), "check", str(candidate), "--baseline", str(baseline),
                                "--threshold", f"{threshold:g}"], capture_output=True, text=True)
        if check.returncode not in (0, 1):
            raise RuntimeError(check.stdout + check.stderr)
        return check.returncode == 1

    def perfbudget_c_flags(self, base: int, candidates: list[int]) -> list[bool]:
        b = self.perfbudget_c(base, "pb-base")
        return [self.check(self.perfbudget_c(c, "pb-cand"), b, self.threshold) for c in candidates]

    def perfbudget_c_instructions_flags(self, base: int, candidates: list[int]) -> list[bool]:
        counted = ["--mode", "instructions"]
        b = self.perfbudget_c(base, "pbi-base", *counted)
        return [self.check(self.perfbudget_c(c, "pbi-cand", *counted), b, self.fine_threshold)
                for c in candidates]

    def perfbudget_c_interleaved_flags(self, base: int, candidates: list[int]) -> list[bool]:
        flags = []
        for candidate in candidates:
            env = dict(self.env(base), PEERS_WORK_STEPS_A=str(base), PEERS_WORK_STEPS_B=str(candidate))
            run = subprocess.run([str(self.cli), "compare", "--interleave", *map(str, self.modules),
                                  "--seconds", f"{self.seconds:g}", "--threshold",
                                  f"{self.fine_threshold:g}"], env=env, capture_output=True, text=True)
            if run.returncode not in (0, 1):
                raise RuntimeError(run.stdout + run.stderr)
            flags.append(run.returncode == 1)
        return flags

    def gbench_run(self, steps: int, name: str) -> Path:
        out = self.tmp / f"{name}.json"
        subprocess.run([str(self.gbench_program), f"--benchmark_min_time={self.seconds / GB_REPETITIONS}",
                        f"--benchmark_repetitions={GB_REPETITIONS}", f"--benchmark_out={out}",
                        "--benchmark_out_format=json"], env=self.env(steps), check=True,
                       capture_output=True)
        return out

    def gbench_flags(self, base: int, candidates: list[int]) -> list[bool]:
        b = self.gbench_run(base, "gb-base")
        return [self.gbench_check(b, self.gbench_run(c, "gb-cand")) for c in candidates]

    def gbench_check(self, b: Path, c: Path) -> bool:
        sh(sys.executable, COMPARE_PY, "--no-color", "-d", self.tmp / "gb-diff.json", "benchmarks",
           b, c)
        diff = json.loads((self.tmp / "gb-diff.json").read_text())
        entry = next(d for d in diff if d["name"] == "work" and d.get("utest"))
        p_value = entry["utest"]["time_pvalue"]
        slower = sum(m["time"] for m in entry["measurements"]) > 0  # relative changes per run
        return p_value < 0.05 and slower

    # ---- Python ----

    def pytest(self, tool: str, steps: int, *args: str) -> int:
        project = self.tmp / f"py-{tool}"
        project.mkdir(exist_ok=True)
        fixture = "perf" if tool == "perfbudget" else "benchmark"
        (project / "test_work.py").write_text(PYTHON_TEST.replace("TOOL", fixture))
        (project / "perfbudget.yml").write_text(
            f"version: 1\ndefaults:\n  min_time: {self.seconds}s\n  max_time: {self.seconds}s\n")
        # Only the tool's own plugin, for both tools alike: other installed plugins would slow
        # start-up (most of all under valgrind) and could interfere.
        plugin = "perfbudget.plugin" if tool == "perfbudget" else "pytest_benchmark.plugin"
        env = dict(self.env(steps), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
        completed = subprocess.run([str(self.python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                    "-p", plugin, *args], cwd=project,
                                   env=env, capture_output=True, text=True)
        if completed.returncode not in (0, 1):
            raise RuntimeError(completed.stdout[-2000:] + completed.stderr[-2000:])
        return completed.returncode

    def perfbudget_py_flags(self, base: int, candidates: list[int], *mode: str,
                            threshold: float = 0.0) -> list[bool]:
        baseline = self.tmp / "py-base.json"
        history = ["--perf-history", str(self.tmp / "py.sqlite")]
        self.pytest("perfbudget", base, *mode, "--perf-json", str(baseline), *history)
        return [self.pytest("perfbudget", c, *mode, "--performance-regression", "--perf-baseline",
                            str(baseline), "--perf-threshold", f"{threshold or self.threshold:g}",
                            *history) == 1 for c in candidates]

    def perfbudget_py_instructions_flags(self, base: int, candidates: list[int]) -> list[bool]:
        return self.perfbudget_py_flags(base, candidates, "--perf-mode", "instructions",
                                        threshold=self.fine_threshold)

    def pytest_benchmark_flags(self, base: int, candidates: list[int]) -> list[bool]:
        storage = f"file://{self.tmp / 'pb-storage'}"
        with contextlib.suppress(FileNotFoundError):
            for old in (self.tmp / "pb-storage").rglob("*.json"):
                old.unlink()
        timing = [f"--benchmark-max-time={self.seconds}", "--benchmark-min-rounds=5",
                  f"--benchmark-storage={storage}"]
        self.pytest("pytest-benchmark", base, *timing, "--benchmark-save=base")
        return [self.pytest("pytest-benchmark", c, *timing, "--benchmark-compare=0001",
                            f"--benchmark-compare-fail=median:{self.threshold:g}%") == 1
                for c in candidates]

    def probe_ns_per_call(self, language: str, steps: int) -> float:
        if language == "c":
            return json.loads(self.perfbudget_c(steps, "probe").read_text())["benchmarks"][0]["summary"]["median"]
        out = self.tmp / "probe.json"
        self.pytest("perfbudget", steps, "--perf-json", str(out), "--perf-history", str(self.tmp / "probe.sqlite"))
        return json.loads(out.read_text())["benchmarks"][0]["summary"]["median"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=1.0, help="measuring time per benchmark run")
    parser.add_argument("--threshold", type=float, default=3.0,
                        help="regression threshold of the wall-time checks, percent")
    parser.add_argument("--fine-threshold", type=float, default=0.5,
                        help="threshold of instructions mode and interleaving, percent")
    parser.add_argument("--languages", default="c,python")
    parser.add_argument("--sizes", default="100ns,10us,1ms")
    parser.add_argument("--slowdowns", default="0,1,2,5,10")
    parser.add_argument("--loads", default="none,busy")
    parser.add_argument("--tools", default="", help="only these tools (comma-separated names)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    build = args.build.resolve()
    python = ensure_peers(build)
    if not COMPARE_PY.exists():
        sys.exit("bench/detection.py needs Google Benchmark's compare.py: apt-get install libbenchmark-tools")
    languages = args.languages.split(",")
    sizes = args.sizes.split(",")
    slowdowns = [float(s) for s in args.slowdowns.split(",")]
    loads = args.loads.split(",")
    tools_of = {"c": [("perfbudget", "perfbudget_c_flags"), ("Google Benchmark", "gbench_flags"),
                      ("perfbudget instructions", "perfbudget_c_instructions_flags"),
                      ("perfbudget interleaved", "perfbudget_c_interleaved_flags")],
                "python": [("perfbudget", "perfbudget_py_flags"),
                           ("pytest-benchmark", "pytest_benchmark_flags"),
                           ("perfbudget instructions", "perfbudget_py_instructions_flags")]}
    if args.tools:
        chosen = args.tools.split(",")
        tools_of = {lang: [t for t in tools if t[0] in chosen] for lang, tools in tools_of.items()}
    raw: list[dict[str, Any]] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="perfbudget-detection-") as directory:
        tools = Tools(build, python, args.seconds, args.threshold, args.fine_threshold,
                      Path(directory))
        steps = {(lang, size): steps_for(lang, SIZES_NS[size], tools.probe_ns_per_call)
                 for lang in languages for size in sizes}
        for load_kind, lang, size in itertools.product(loads, languages, sizes):
            base = steps[(lang, size)]
            candidates = [round(base * (1 + slowdown / 100)) for slowdown in slowdowns]
            with load(load_kind):
                for trial in range(args.trials):
                    for tool, method in tools_of[lang]:
                        flagged = getattr(tools, method)(base, candidates)
                        for slowdown, candidate, flag in zip(slowdowns, candidates, flagged):
                            raw.append({"load": load_kind, "language": lang, "size": size,
                                        "slowdown_pct": slowdown, "tool": tool, "trial": trial,
                                        "steps": [base, candidate], "flagged": flag})
            for tool, _ in tools_of[lang]:
                shares = [sum(r["flagged"] for r in raw if (r["load"], r["language"], r["size"],
                                                            r["tool"], r["slowdown_pct"]) ==
                              (load_kind, lang, size, tool, slowdown)) / args.trials
                          for slowdown in slowdowns]
                print(f"{load_kind:5} {lang:6} {size:6} {tool:24}: " +
                      "  ".join(f"+{sl:g}% {share:4.0%}" for sl, share in zip(slowdowns, shares)) +
                      f"   ({(time.monotonic() - started) / 60:.0f} min)", flush=True)
            args.out.mkdir(parents=True, exist_ok=True)  # kept as it grows: a long run can stop
            (args.out / "detection-raw.json").write_text(json.dumps(raw, indent=1) + "\n")
    rows = []
    header = "| load | language | size | tool | " + " | ".join(f"+{s:g} %" for s in slowdowns) + " |"
    lines = [header, "|---|---|---|---|" + "---:|" * len(slowdowns)]
    for load_kind, lang, size in itertools.product(loads, languages, sizes):
        for tool, _ in tools_of[lang]:
            cells = []
            for slowdown in slowdowns:
                hits = [r["flagged"] for r in raw if (r["load"], r["language"], r["size"], r["tool"],
                                                      r["slowdown_pct"]) == (load_kind, lang, size, tool, slowdown)]
                share = sum(hits) / len(hits)
                rows.append({"load": load_kind, "language": lang, "size": size, "tool": tool,
                             "slowdown_pct": slowdown, "flagged_share": share, "trials": len(hits)})
                cells.append(f"{share:.0%}")
            lines.append(f"| {load_kind} | {lang} | {size} | {tool} | " + " | ".join(cells) + " |")
    markdown = "\n".join(lines) + "\n"
    machine = f"{platform.node()}, {os.cpu_count()} CPUs, {platform.platform()}"
    settings = (f"{args.trials} trials per cell, {args.seconds} s measuring per run, threshold "
                f"{args.threshold:g} % (instructions and interleaved: {args.fine_threshold:g} %); "
                f"+0 % is the false-alarm rate; {(time.monotonic() - started) / 60:.0f} min")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "detection.md").write_text(f"{markdown}\n{settings}; {machine}\n", encoding="utf-8")
    (args.out / "detection.json").write_text(json.dumps({"settings": vars(args) | {"out": str(args.out), "build": str(build)},
                                                         "machine": machine, "rows": rows}, indent=2) + "\n")
    (args.out / "detection-raw.json").write_text(json.dumps(raw, indent=1) + "\n")
    print(markdown)
    print(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
