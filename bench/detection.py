#!/usr/bin/env python3
"""Detection power and false alarms of each tool's own regression check, side by side.

    python3 bench/detection.py [--build build] [--trials 20] [--seconds 1] [--threshold 3]
                               [--fine-threshold 0.5] [--languages c,python]
                               [--sizes 100ns,10us,1ms] [--slowdowns 0,1,2,5,10]
                               [--loads none,busy] [--tools ...] [--out bench/results]
                               [--old-build DIR --old-plugin DIR] [--statistic p10]
    python3 bench/detection.py --merge DIR [DIR ...] [--out bench/results]

A trial is what CI does: a fresh baseline process, then fresh candidate processes, one for each
slowdown, that do `slowdown` % more work (0 % measures false alarms); every tool gets the same
measuring time per benchmark (--seconds). The baseline of a trial serves its candidates; the
next trial measures a new one. Then each tool's own check decides:

- perfbudget (C and Python, wall time): `perfbudget check candidate --baseline baseline
  --threshold T`, and `pytest --performance-regression --perf-baseline FILE --perf-threshold T`:
  beyond the threshold and significant (docs/statistics.md);
- perfbudget speed-corrected (C and Python): the same, both runs measured with speed correction
  (`--speed-correction`, `--perf-speed-correction`): the machine's speed divided out;
- perfbudget pinned, perfbudget 5 processes pinned (Python): the same pytest check, both sides
  run with `--perf-cpu 1`, and with `--perf-processes 5 --perf-cpu 1`, the configuration
  docs/pytest.md gives for gates at 2-3 %;
- Google Benchmark: tools/compare.py's Mann-Whitney U test over 10 repetitions (p < 0.05), the
  candidate slower;
- pytest-benchmark: `--benchmark-compare-fail=median:T%`;
- perfbudget instructions (C and Python): the same checks in instructions mode (`--mode
  instructions`, `--perf-mode instructions`; callgrind on this VM), threshold --fine-threshold;
- perfbudget interleaved (C): `perfbudget compare --interleave` of a baseline and a candidate
  module in one process, batch by batch, --seconds long, threshold --fine-threshold; a
  "trial" there is one such process per slowdown (it measures both sides itself).

The workloads (class Workload): a loop whose base is a multiple of 100 steps, so each slowdown is
a whole number of steps (C: about 1.5 ns per step, so "100ns" runs 100 steps, about 150 ns);
Python's "100ns" scans bytes instead, since one Python loop step takes about 50 ns.

"busy" load runs a spinning process on the other CPU meanwhile. Writes detection.md (the table:
the share of trials flagged per cell, and the spread of each tool's measured change over the
unchanged trials), detection.json and detection-raw.json (every trial's verdict and measured
change) to --out. --merge makes one table of several runs' folders, a later run's cells
replacing an earlier run's."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import itertools
import json
import os
import platform
import statistics
import shutil
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


    DATA = bytes(STEPS)


    def loop(steps=STEPS):
        x = 1
        for _ in range(steps):
            x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        return x


    def scan():
        return DATA.count(b"\x01")


    def test_work(TOOL):
        TOOL(scan if os.environ["PEERS_WORK_KIND"] == "scan" else loop)
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


@dataclasses.dataclass(frozen=True)
class Workload:
    """What a cell runs: `base` steps of `kind`, and how many a candidate `slowdown` % slower runs.

    "loop" (C's xorshift chain, Python's LCG loop) costs the same per step and nearly nothing
    besides, so base is a multiple of 100 steps and every slowdown is a whole number of steps:
    +1 % is exactly 1 % more work. A Python call of about 100 ns cannot hold such a loop (one
    step is about 50 ns), so there "scan" counts a byte in `base` bytes (about 0.25 ns each) and
    the candidate scans as many more bytes as take `slowdown` % of the whole call, call overhead
    included."""
    kind: str
    base: int
    ns_per_call: float
    ns_per_step: float

    def candidate(self, slowdown_pct: float) -> int:
        if self.kind == "loop":
            return round(self.base * (1 + slowdown_pct / 100))
        return self.base + round(slowdown_pct / 100 * self.ns_per_call / self.ns_per_step)


def workload_for(language: str, size_ns: float, probe: Any) -> Workload:
    """The workload of about size_ns per call, from probe measurements."""
    if language == "python" and size_ns < 1000:
        empty, full = probe(language, "scan", 0), probe(language, "scan", 4000)
        per_byte = (full - empty) / 4000
        base = max(1, round((size_ns - empty) / per_byte))
        return Workload("scan", base, empty + base * per_byte, per_byte)
    per_step = probe(language, "loop", 1000) / 1000
    base = max(100, round(size_ns / per_step / 100) * 100)
    return Workload("loop", base, base * per_step, per_step)


class Tools:
    def __init__(self, build: Path, python: Path, seconds: float, threshold: float,
                 fine_threshold: float, tmp: Path, plugin: Path | None = None,
                 statistic: str | None = None):
        self.cli = build / "perfbudget"
        # The statistic perfbudget's wall-time checks compare (budget `regression: {statistic}`);
        # None: the build's default. `perfbudget check` reads it from a budget file of its own.
        self.statistic = statistic
        self.budget_args: list[str] = []
        if statistic:
            (tmp / "statistic.yml").write_text(
                f"version: 1\ndefaults:\n  regression:\n    statistic: {statistic}\n")
            self.budget_args = ["--budget", str(tmp / "statistic.yml")]
        self.plugin = plugin  # the pytest plugin's folder for PYTHONPATH (another build's)
        self.suite, self.gbench_program = build_programs(build)
        self.modules = [next((build / "bench").glob(f"*peers_work_module_{side}.so"))
                        for side in "ab"]
        self.python = python
        self.seconds = seconds
        self.threshold = threshold
        self.fine_threshold = fine_threshold
        self.tmp = tmp
        self.kind = "loop"  # the workload of the cell being measured
        self.notes: list[list[str]] = []  # the kinds of each judged verdict's notes, in order
        self.machine: list[dict[str, list[float | None]]] = []  # machine_figures of each

    def check_plugin(self) -> None:
        """The pytest runs must import the plugin given, not an installed perfbudget."""
        if self.plugin is None:
            return
        found = subprocess.run([str(self.python), "-c", "import perfbudget; print(perfbudget.__file__)"],
                               env=self.env(0), cwd=self.tmp, capture_output=True, text=True)
        if not found.stdout.strip().startswith(str(self.plugin)):
            sys.exit(f"bench/detection.py: pytest would import perfbudget from "
                     f"{found.stdout.strip() or found.stderr.strip()}, not from {self.plugin}")

    def env(self, steps: int) -> dict[str, str]:
        env = dict(os.environ, PEERS_WORK_STEPS=str(steps), PEERS_WORK_KIND=self.kind,
                   NO_COLOR="1", PYTHONHASHSEED="0")
        if self.plugin is not None:
            env["PYTHONPATH"] = str(self.plugin)
        return env

    # ---- C ----

    def perfbudget_c(self, steps: int, name: str, *mode: str) -> Path:
        out = self.tmp / f"{name}.json"
        timing = ["--min-time", f"{self.seconds}s", "--max-time", f"{self.seconds}s"]
        subprocess.run([str(self.suite), *(mode or ["--no-counters", *timing]), "--json", str(out)],
                       env=self.env(steps), check=True, capture_output=True)
        return out

    def check(self, candidate: Path, baseline: Path, threshold: float) -> Verdict:
        judged = self.tmp / "checked.json"
        check = subprocess.run([str(self.cli), "check", str(candidate), "--baseline", str(baseline),
                                "--threshold", f"{threshold:g}", "--json", str(judged),
                                *self.budget_args],
                               capture_output=True, text=True)
        if check.returncode not in (0, 1):
            raise RuntimeError(check.stdout + check.stderr)
        self.notes.append(note_kinds(judged))
        self.machine.append(machine_figures(judged, baseline))
        return check.returncode == 1, measured_change(judged, baseline)

    def perfbudget_c_flags(self, base: int, candidates: list[int]) -> list[Verdict]:
        b = self.perfbudget_c(base, "pb-base")
        return [self.check(self.perfbudget_c(c, "pb-cand"), b, self.threshold) for c in candidates]

    def perfbudget_c_corrected_flags(self, base: int, candidates: list[int]) -> list[Verdict]:
        corrected = ["--no-counters", "--min-time", f"{self.seconds}s", "--max-time",
                     f"{self.seconds}s", "--speed-correction"]
        b = self.perfbudget_c(base, "pbs-base", *corrected)
        return [self.check(self.perfbudget_c(c, "pbs-cand", *corrected), b, self.threshold)
                for c in candidates]

    def perfbudget_c_instructions_flags(self, base: int, candidates: list[int]) -> list[Verdict]:
        counted = ["--mode", "instructions"]
        b = self.perfbudget_c(base, "pbi-base", *counted)
        return [self.check(self.perfbudget_c(c, "pbi-cand", *counted), b, self.fine_threshold)
                for c in candidates]

    def perfbudget_c_interleaved_flags(self, base: int, candidates: list[int]) -> list[Verdict]:
        flags: list[Verdict] = []
        for candidate in candidates:
            env = dict(self.env(base), PEERS_WORK_STEPS_A=str(base), PEERS_WORK_STEPS_B=str(candidate))
            compared = self.tmp / "interleaved.json"
            run = subprocess.run([str(self.cli), "compare", "--interleave", *map(str, self.modules),
                                  "--seconds", f"{self.seconds:g}", "--threshold",
                                  f"{self.fine_threshold:g}", "--json", str(compared)],
                                 env=env, capture_output=True, text=True)
            if run.returncode not in (0, 1):
                raise RuntimeError(run.stdout + run.stderr)
            flags.append((run.returncode == 1, interleaved_change(compared)))
        return flags

    def gbench_run(self, steps: int, name: str) -> Path:
        out = self.tmp / f"{name}.json"
        subprocess.run([str(self.gbench_program), f"--benchmark_min_time={self.seconds / GB_REPETITIONS}",
                        f"--benchmark_repetitions={GB_REPETITIONS}", f"--benchmark_out={out}",
                        "--benchmark_out_format=json"], env=self.env(steps), check=True,
                       capture_output=True)
        return out

    def gbench_flags(self, base: int, candidates: list[int]) -> list[Verdict]:
        b = self.gbench_run(base, "gb-base")
        return [self.gbench_check(b, self.gbench_run(c, "gb-cand")) for c in candidates]

    def gbench_check(self, b: Path, c: Path) -> Verdict:
        sh(sys.executable, COMPARE_PY, "--no-color", "-d", self.tmp / "gb-diff.json", "benchmarks",
           b, c)
        diff = json.loads((self.tmp / "gb-diff.json").read_text())
        entry = next(d for d in diff if d["name"] == "work" and d.get("utest"))
        p_value = entry["utest"]["time_pvalue"]
        changes = [m["time"] for m in entry["measurements"]]  # relative change per repetition
        return p_value < 0.05 and sum(changes) > 0, 100 * statistics.median(changes)

    # ---- Python ----

    def pytest(self, tool: str, steps: int, *args: str) -> int:
        project = self.tmp / f"py-{tool}"
        project.mkdir(exist_ok=True)
        fixture = "perf" if tool == "perfbudget" else "benchmark"
        (project / "test_work.py").write_text(PYTHON_TEST.replace("TOOL", fixture))
        statistic = f"  regression:\n    statistic: {self.statistic}\n" if self.statistic else ""
        (project / "perfbudget.yml").write_text(
            f"version: 1\ndefaults:\n  min_time: {self.seconds}s\n  max_time: {self.seconds}s\n"
            + statistic)
        # Only the tool's own plugin, for both tools alike: other installed plugins would slow
        # start-up (most of all under valgrind) and could interfere.
        plugin = "perfbudget.plugin" if tool == "perfbudget" else "pytest_benchmark.plugin"
        env = dict(self.env(steps), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
        # --rootdir: pytest would otherwise take the rootdir from every existing path on the
        # command line (a baseline file in self.tmp) and miss the project's measuring time.
        completed = subprocess.run([str(self.python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                    "--rootdir", str(project), "-p", plugin, *args], cwd=project,
                                   env=env, capture_output=True, text=True)
        if completed.returncode not in (0, 1):
            raise RuntimeError(completed.stdout[-2000:] + completed.stderr[-2000:])
        return completed.returncode

    def perfbudget_py_flags(self, base: int, candidates: list[int], *mode: str,
                            threshold: float = 0.0) -> list[Verdict]:
        baseline, judged = self.tmp / "py-base.json", self.tmp / "py-cand.json"
        # Each candidate sees a history of the baseline's run alone, as a pull request does: a
        # history shared by every trial would hold the candidates' slower runs, and the spread
        # between runs measured from them would hide the next candidate's slowdown.
        base_history, history = self.tmp / "py-base.sqlite", self.tmp / "py.sqlite"
        base_history.unlink(missing_ok=True)
        self.pytest("perfbudget", base, *mode, "--perf-json", str(baseline), "--perf-history",
                    str(base_history))
        verdicts: list[Verdict] = []
        for c in candidates:
            shutil.copyfile(base_history, history)
            status = self.pytest("perfbudget", c, *mode, "--performance-regression",
                                 "--perf-baseline", str(baseline), "--perf-threshold",
                                 f"{threshold or self.threshold:g}", "--perf-json", str(judged),
                                 "--perf-history", str(history))
            self.notes.append(note_kinds(judged))
            self.machine.append(machine_figures(judged, baseline))
            verdicts.append((status == 1, measured_change(judged, baseline)))
        return verdicts

    def perfbudget_py_corrected_flags(self, base: int, candidates: list[int]) -> list[Verdict]:
        return self.perfbudget_py_flags(base, candidates, "--perf-speed-correction")

    def perfbudget_py_pinned_flags(self, base: int, candidates: list[int]) -> list[Verdict]:
        return self.perfbudget_py_flags(base, candidates, "--perf-cpu", "1")

    def perfbudget_py_processes_flags(self, base: int, candidates: list[int]) -> list[Verdict]:
        return self.perfbudget_py_flags(base, candidates, "--perf-processes", "5", "--perf-cpu", "1")

    def perfbudget_py_instructions_flags(self, base: int, candidates: list[int]) -> list[Verdict]:
        return self.perfbudget_py_flags(base, candidates, "--perf-mode", "instructions",
                                        threshold=self.fine_threshold)

    def pytest_benchmark_flags(self, base: int, candidates: list[int]) -> list[Verdict]:
        storage = f"file://{self.tmp / 'pb-storage'}"
        with contextlib.suppress(FileNotFoundError):
            for old in (self.tmp / "pb-storage").rglob("*.json"):
                old.unlink()
        timing = [f"--benchmark-max-time={self.seconds}", "--benchmark-min-rounds=5",
                  f"--benchmark-storage={storage}"]
        self.pytest("pytest-benchmark", base, *timing, "--benchmark-save=base")
        return [(self.pytest("pytest-benchmark", c, *timing, "--benchmark-compare=0001",
                             f"--benchmark-compare-fail=median:{self.threshold:g}%") == 1, None)
                for c in candidates]

    def probe_ns_per_call(self, language: str, kind: str, steps: int) -> float:
        self.kind = kind
        if language == "c":
            out = self.perfbudget_c(steps, "probe")
        else:
            out = self.tmp / "probe.json"
            self.pytest("perfbudget", steps, "--perf-json", str(out), "--perf-history",
                        str(self.tmp / "probe.sqlite"))
        return float(json.loads(out.read_text())["benchmarks"][0]["summary"]["median"])


Verdict = tuple[bool, "float | None"]  # flagged, and the change the tool measured (percent)


def note_kinds(judged: Path) -> list[str]:
    """The kinds of the notes on a judged perfbudget result: why a verdict was inconclusive."""
    benchmark = json.loads(judged.read_text())["benchmarks"][0]
    kinds = [note.get("kind", "") for note in benchmark.get("notes") or []]
    if benchmark.get("status") == "error":  # not a verdict: the test could not be measured
        kinds.append("error: " + (benchmark.get("message") or "")[:300])
    return kinds


def machine_figures(judged: Path, baseline: Path) -> dict[str, list[float | None]]:
    """The machine probes (the code probe's median and fastest tenth, the interpreter probe) of
    the baseline and the candidate, each [baseline, candidate] (None where a build does not
    record one)."""
    runs = [json.loads(path.read_text())["benchmarks"][0].get("metrics") or {}
            for path in (baseline, judged)]
    return {name: [run.get(name) for run in runs]
            for name in ("probe_ns", "probe_fast_ns", "interpreter_probe_ns")}


def measured_change(judged: Path, baseline: Path) -> float | None:
    """The change that a judged perfbudget result file shows against its baseline: its time (or
    instruction) comparison where the file keeps it, else the ratio of the two medians (over the
    ratio of their reference times where both were measured with speed correction)."""
    benchmark = json.loads(judged.read_text())["benchmarks"][0]
    kept = next((c["change_pct"] for c in benchmark.get("comparisons") or []
                 if c["metric"] in ("median", "instructions")), None)
    if kept is not None:
        return float(kept)
    base = json.loads(baseline.read_text())["benchmarks"][0]
    if benchmark.get("mode") == "instructions":
        figure = lambda b: b["metrics"]["instructions_per_iteration"]  # noqa: E731
    else:
        figure = lambda b: b["summary"]["median"]  # noqa: E731
        if None in ((benchmark.get("summary") or {}).get("median"),
                    (base.get("summary") or {}).get("median")):
            return None  # the test failed before it measured
    speed = [b["metrics"].get("reference_ns") for b in (benchmark, base)]
    ratio = speed[0] / speed[1] if all(speed) else 1.0
    return 100 * (figure(benchmark) / figure(base) / ratio - 1)


def interleaved_change(compared: Path) -> float | None:
    return next((e.get("change_pct") for e in json.loads(compared.read_text())["benchmarks"]), None)


TOOL_ORDER = ["perfbudget (old)", "perfbudget", "perfbudget speed-corrected", "perfbudget pinned",
              "perfbudget 5 processes pinned", "Google Benchmark", "pytest-benchmark",
              "perfbudget instructions", "perfbudget interleaved"]


def write_table(raw: list[dict[str, Any]], out: Path, settings: list[str]) -> None:
    """The table of flagged shares per cell, as Markdown (printed too) and JSON, and the raw data.

    Beside the shares, each row names its workload and, for the tools that report
    the change they measured (all but pytest-benchmark), its spread (standard deviation) over the
    unchanged trials (+0 %): the noise that a threshold must stand above."""
    cells: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in raw:
        cells.setdefault((r["load"], r["language"], r["size"], r["tool"], r["slowdown_pct"]),
                         []).append(r)
    slowdowns = sorted({key[4] for key in cells})
    rows_of = sorted({key[:4] for key in cells},
                     key=lambda k: (["none", "busy"].index(k[0]), k[1], list(SIZES_NS).index(k[2]),
                                    TOOL_ORDER.index(k[3])))
    lines = ["| load | language | size | workload | tool | "
             + " | ".join(f"+{s:g} %" for s in slowdowns) + " | spread at +0 % |",
             "|---|---|---|---|---|" + "---:|" * (len(slowdowns) + 1)]
    rows = []
    for row in rows_of:
        shares, first, spread = [], None, None
        for slowdown in slowdowns:
            trials = cells.get((*row, slowdown), [])
            first = first or (trials[0] if trials else None)
            share = sum(t["flagged"] for t in trials) / len(trials) if trials else None
            changes = [t["measured_change_pct"] for t in trials
                       if t.get("measured_change_pct") is not None]
            stdev = statistics.stdev(changes) if len(changes) > 1 else None
            rows.append({"load": row[0], "language": row[1], "size": row[2], "tool": row[3],
                         "slowdown_pct": slowdown, "flagged_share": share, "trials": len(trials),
                         "median_change_pct": statistics.median(changes) if changes else None,
                         "stdev_change_pct": stdev})
            shares.append("–" if share is None else f"{share:.0%}")
            if slowdown == 0.0:
                spread = stdev
        lines.append(f"| {row[0]} | {row[1]} | {row[2]} | {describe_workload(first)} | {row[3]} | "
                     + " | ".join(shares) + f" | {'' if spread is None else f'{spread:.2f} %'} |")
    markdown = "\n".join(lines) + "\n"
    machine = f"{platform.node()}, {os.cpu_count()} CPUs, {platform.platform()}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "detection.md").write_text(markdown + "\n" + "; ".join(settings) + f"; {machine}\n",
                                      encoding="utf-8")
    (out / "detection.json").write_text(json.dumps({"settings": settings, "machine": machine,
                                                    "rows": rows}, indent=2) + "\n")
    (out / "detection-raw.json").write_text(json.dumps(raw, indent=1) + "\n")
    print(markdown)
    print("; ".join(settings))


def describe_workload(trial: dict[str, Any] | None) -> str:
    """"100 loop steps, 143 ns": the base steps, and the time per call where the run kept it."""
    if trial is None:
        return ""
    text = f"{trial['steps'][0]:,} {trial.get('workload', 'loop')} steps"
    return text + (f", {trial['ns_per_call']:,.0f} ns" if "ns_per_call" in trial else "")


def merge(sources: list[Path], out: Path) -> int:
    """One table from several runs' output folders: a later run's cells replace an earlier's."""
    raw: list[dict[str, Any]] = []
    settings: list[str] = []
    for source in sources:
        runs = json.loads((source / "detection-raw.json").read_text())
        replaced = {(r["load"], r["language"], r["size"], r["tool"]) for r in runs}
        raw = [r for r in raw if (r["load"], r["language"], r["size"], r["tool"]) not in replaced]
        raw += runs
        with contextlib.suppress(FileNotFoundError):
            kept = json.loads((source / "detection.json").read_text())["settings"]
            for run in kept if isinstance(kept, list) else [kept]:
                if isinstance(run, dict):  # a run's arguments, as older runs kept them
                    run = (f"{run['trials']} trials per cell, {run['seconds']:g} s measuring per "
                           f"run ({run['languages']}: {run['tools'] or 'all tools'})")
                # a merged folder's notes are named after their runs already
                settings.append(run if not run[:1].isdigit() else f"{source.name}: {run}")
    write_table(raw, out, settings)
    return 0


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
    parser.add_argument("--merge", type=Path, nargs="+", metavar="DIR",
                        help="measure nothing: merge these runs' --out folders into one table")
    parser.add_argument("--plugin", type=Path,
                        help="the pytest plugin's folder (PYTHONPATH) that goes with --build")
    parser.add_argument("--old-build", type=Path,
                        help="also run perfbudget from this build of another commit, as tool "
                             "'perfbudget (old)', taking turns with --build trial by trial")
    parser.add_argument("--statistic",
                        help="the statistic --build's perfbudget compares in its wall-time checks "
                             "(a budget file's regression: {statistic: ...}), e.g. p10; "
                             "--old-build keeps its default")
    parser.add_argument("--old-plugin", type=Path,
                        help="the pytest plugin's folder that goes with --old-build")
    args = parser.parse_args()
    if args.merge:
        return merge(args.merge, args.out)
    build = args.build.resolve()
    python = ensure_peers(build)
    if not COMPARE_PY.exists():
        sys.exit("bench/detection.py needs Google Benchmark's compare.py: apt-get install libbenchmark-tools")
    languages = args.languages.split(",")
    sizes = args.sizes.split(",")
    slowdowns = [float(s) for s in args.slowdowns.split(",")]
    loads = args.loads.split(",")
    tools_of = {"c": [("perfbudget", "perfbudget_c_flags"),
                      ("perfbudget speed-corrected", "perfbudget_c_corrected_flags"),
                      ("Google Benchmark", "gbench_flags"),
                      ("perfbudget instructions", "perfbudget_c_instructions_flags"),
                      ("perfbudget interleaved", "perfbudget_c_interleaved_flags")],
                "python": [("perfbudget", "perfbudget_py_flags"),
                           ("perfbudget speed-corrected", "perfbudget_py_corrected_flags"),
                           ("perfbudget pinned", "perfbudget_py_pinned_flags"),
                           ("perfbudget 5 processes pinned", "perfbudget_py_processes_flags"),
                           ("pytest-benchmark", "pytest_benchmark_flags"),
                           ("perfbudget instructions", "perfbudget_py_instructions_flags")]}
    if args.tools:
        chosen = args.tools.split(",")
        tools_of = {lang: [t for t in tools if t[0] in chosen] for lang, tools in tools_of.items()}
    raw: list[dict[str, Any]] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="perfbudget-detection-") as directory:
        # Absolute: pytest runs in the trial's project folder, where a relative PYTHONPATH finds
        # nothing and Python would quietly import whichever perfbudget is installed.
        tools = Tools(build, python, args.seconds, args.threshold, args.fine_threshold,
                      Path(directory), args.plugin.resolve() if args.plugin else None,
                      args.statistic)
        tools.check_plugin()
        old = None
        if args.old_build:
            (Path(directory) / "old").mkdir()
            old = Tools(args.old_build.resolve(), python, args.seconds, args.threshold,
                        args.fine_threshold, Path(directory) / "old",
                        args.old_plugin.resolve() if args.old_plugin else None)
            old.check_plugin()
            tools_of["c"].insert(0, ("perfbudget (old)", "perfbudget_c_flags"))
            tools_of["python"].insert(0, ("perfbudget (old)", "perfbudget_py_flags"))
        workloads = {(lang, size): workload_for(lang, SIZES_NS[size], tools.probe_ns_per_call)
                     for lang in languages for size in sizes}
        for (lang, size), w in workloads.items():
            print(f"{lang:6} {size:6}: {w.base} {w.kind} steps, {w.ns_per_call:.0f} ns per call; "
                  "candidates: " + ", ".join(f"+{s:g}% {w.candidate(s)}" for s in slowdowns),
                  flush=True)
        for load_kind, lang, size in itertools.product(loads, languages, sizes):
            workload = workloads[(lang, size)]
            tools.kind = workload.kind
            candidates = [workload.candidate(slowdown) for slowdown in slowdowns]
            with load(load_kind):
                for trial in range(args.trials):
                    for tool, method in tools_of[lang]:
                        runner = old if tool == "perfbudget (old)" else tools
                        runner.kind = workload.kind
                        runner.notes, runner.machine = [], []
                        verdicts = getattr(runner, method)(workload.base, candidates)
                        notes = runner.notes + [[]] * (len(verdicts) - len(runner.notes))
                        machine = runner.machine + [{}] * (len(verdicts) - len(runner.machine))
                        for slowdown, candidate, (flag, change), kinds, figures in zip(
                                slowdowns, candidates, verdicts, notes, machine):
                            raw.append({"load": load_kind, "language": lang, "size": size,
                                        "slowdown_pct": slowdown, "tool": tool, "trial": trial,
                                        "workload": workload.kind,
                                        "ns_per_call": round(workload.ns_per_call, 1),
                                        "steps": [workload.base, candidate], "flagged": flag,
                                        "measured_change_pct": change, "notes": kinds,
                                        **figures})
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
    settings = (f"{args.trials} trials per cell, {args.seconds:g} s measuring per run, threshold "
                f"{args.threshold:g} % (instructions and interleaved: {args.fine_threshold:g} %); "
                + (f"perfbudget compares {args.statistic}; " if args.statistic else "")
                + f"{(time.monotonic() - started) / 60:.0f} min")
    write_table(raw, args.out, [settings])
    return 0


if __name__ == "__main__":
    sys.exit(main())
