#!/usr/bin/env python3
"""Does perfbudget's verdict hold when the machine is busy? (issue 16)

    python3 bench/busy.py [--part cells,noisy-week,headline] [--unchanged 20] [--slowed 10]
                          [--quick] [--perfbudget-build build | --perfbudget-source .]
                          [--output-dir bench/results/busy] [--work-dir DIR] [--keep]
                          [--quiet-below 0.25] [--quiet-wait 120] [--statistic p10]

Each part builds bench/busy/ (a CMake project against perfbudget, and pytest tests) in a work
directory of its own (a temporary one unless --work-dir), so histories never mix and nothing is
written into the repository but the results. "Busy" is 4 processes spinning
(`while :; do :; done`) on this 2-CPU machine; they are killed when the busy stretch ends, on
Ctrl-C and on SIGTERM, and die with this process (PR_SET_PDEATHSIG) if it is killed outright.
The machine is shared, so a run meant to be quiet first waits (up to --quiet-wait seconds) until
less than --quiet-below of the CPUs is busy; every record keeps how busy they were
(`cpu_busy_before`), and the table counts the quiet runs that did not get a quiet machine.

Parts:

- cells: per workload cell, a baseline on the quiet machine (`pytest --perf-save-baseline quiet`,
  `ctest -L performance` + `perfbudget baseline save quiet`), then, with the spinners running,
  --unchanged runs of the same code, --slowed runs at +10 % and --slowed at 2x (interleaved, so a
  slow spell hits all three alike), each compared with the quiet baseline:
  `pytest --performance-regression --perf-baseline quiet --perf-threshold 5` and
  `PERFBUDGET_REGRESSION=1 PERFBUDGET_BASELINE=quiet ctest -L performance`. pytest-benchmark's
  own check runs beside perfbudget in each step on the same workloads (`--benchmark-autosave`
  quietly, then `--benchmark-compare=0001 --benchmark-compare-fail=median:5%`), in a pytest
  process of its own (the two plugins clash: pytest-benchmark's failed comparison raises inside
  the terminal summary). Targets: no unchanged run fails, every 2x run fails; +10 % is reported.
- noisy-week: a fresh history; 2 quiet runs, then 5 runs with the spinners running, recorded as
  CI runs on main would be (`pytest --performance-regression`, `PERFBUDGET_REGRESSION=1 ctest`);
  the spinners stop, and a +30 % slowdown measured on the quiet machine against the default
  (latest) baseline must still fail.
- headline: the README's two workflows, baseline saved quietly
  (`pytest -m performance --perf-save-baseline main`; `ctest -L performance` + `perfbudget
  baseline save main`), then 10 unchanged runs each with the spinners running
  (`pytest --performance-regression --perf-baseline main --perf-threshold 5`,
  `PERFBUDGET_REGRESSION=1 PERFBUDGET_BASELINE=main ctest -L performance`): false failures.

A workload's cost is exact: its loop runs round(base steps × PERFBUDGET_STUDY_FACTOR) steps.
Writes busy-raw.json (every run of every test: outcome fail / inconclusive / pass / improvement,
the verdict lines perfbudget printed, for pytest also the core's report that it prints only for
a failing test (`report_lines`, from bench/busy/conftest.py: an inconclusive verdict's reason),
change, p-value, wall time) and busy.md (the tables) to
--output-dir; runs of parts not run this time are kept from an earlier busy-raw.json there."""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import dataclasses
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Iterator, Sequence

ROOT = Path(__file__).resolve().parents[1]
WORKLOADS = ROOT / "bench" / "busy"
PARTS = ["cells", "noisy-week", "headline"]
OUTCOMES = ["fail", "inconclusive", "pass", "improvement"]
SPINNERS = 4
THRESHOLD = 5  # percent, the README's --perf-threshold 5 and the budget file's default

# test name -> the cell it measures; perfbudget's and pytest-benchmark's tests of one workload
# share a cell, so the table sets the two tools side by side.
CELLS = {"test_perf_50us": "pytest 50 µs", "test_bench_50us": "pytest 50 µs",
         "test_perf_5ms": "pytest 5 ms", "test_bench_5ms": "pytest 5 ms",
         "busy_3us": "C suite 3 µs", "busy_1ms": "C suite 1 ms",
         "busy_command_40ms": "add_perf_test 40 ms"}
CELL_ORDER = ["pytest 50 µs", "pytest 5 ms", "C suite 3 µs", "C suite 1 ms", "add_perf_test 40 ms"]
SLOWDOWNS = {1.0: "unchanged", 1.1: "+10 %", 2.0: "2x", 1.3: "+30 %"}


# ---- load ----

def _die_with_parent() -> None:
    """In a spinner or a test runner, before exec: the kernel kills it when this harness dies,
    even by SIGKILL, so no spinner can outlive the study."""
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_PDEATHSIG = 1
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


@contextlib.contextmanager
def spinners(count: int = SPINNERS) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` shell loops spinning on the CPUs for the duration; each leads its own process
    group (so ctest's and pytest's cleanup of their own children never touches them) and all
    are killed and reaped on the way out, whatever the way out is."""
    started: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(count):
            started.append(subprocess.Popen(["sh", "-c", "while :; do :; done"],
                                            start_new_session=True, preexec_fn=_die_with_parent,
                                            stdin=subprocess.DEVNULL))
        yield started
    finally:
        for spinner in started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(spinner.pid, signal.SIGKILL)
        for spinner in started:
            spinner.wait()


def check_spinning(running: Sequence[subprocess.Popen[bytes]]) -> None:
    """A run measured after a spinner died would not be a busy run: stop rather than mislabel."""
    dead = [s.pid for s in running if s.poll() is not None]
    if dead:
        raise RuntimeError(f"spinner(s) {dead} died during the busy stretch")


def cpu_busy_share(seconds: float = 0.5) -> float:
    """The share of all CPUs' time that was not idle over `seconds` (/proc/stat): 1.0 is every
    CPU busy. The load average lags by a minute; this says what the machine does now."""
    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return sum(fields[:8]), idle
    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1.0 - (idle1 - idle0) / max(1, total1 - total0)


def wait_for_quiet(limit: float, max_wait: float) -> float:
    """Before a run that should see a quiet machine: wait (up to max_wait seconds) until less
    than `limit` of the CPUs is busy, since this machine is shared with other people's builds.
    Returns the share last seen; the run goes ahead anyway after max_wait, and its record says
    how busy the machine was."""
    deadline = time.monotonic() + max_wait
    while True:
        busy = cpu_busy_share()
        if busy < limit or time.monotonic() >= deadline:
            return busy
        time.sleep(2)


def _interrupt(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")  # so every finally (spinners) runs


# ---- verdicts ----

def outcome_of(verdict: str) -> str:
    """fail / inconclusive / pass / improvement (or skip, or unknown) from a verdict as perfbudget
    prints it: the first line of a test's report (`FAIL name: ...`, `PASS name: no regression`,
    `PASS name: improved on the baseline`, `PASS name: inconclusive against the baseline ...`),
    or the verdict column of pytest's summary table (`FAIL, regression (critical)`,
    `pass, inconclusive`, `pass, improvement`, `pass`)."""
    first = verdict.strip().splitlines()[0].strip() if verdict.strip() else ""
    column = re.search(r"(?:^|\s{2,})((?:FAIL|PASS|SKIP|pass|skip|warn)\b[^\n]*)$", first)
    text = column.group(1) if column else first
    word = text.split(None, 1)[0].rstrip(",:") if text else ""
    if word == "FAIL":
        return "fail"
    if word in ("SKIP", "skip"):
        return "skip"
    if word not in ("PASS", "pass", "warn"):
        return "unknown"
    if "inconclusive" in text:
        return "inconclusive"
    if "improve" in text:
        return "improvement"
    return "pass"


def figure(pattern: str, text: str) -> float | None:
    found = re.search(pattern, text)
    return float(found.group(1)) if found else None


def number(text: str | None) -> float | None:
    """A JUnit property's value as a number; None where there is none (`None`, `nan`)."""
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and value == value else None


def duration_ns(text: str) -> float | None:
    """"143 ms" -> 143e6, as perfbudget prints durations; None for anything else."""
    found = re.fullmatch(r"\s*([0-9.]+)\s*(ns|us|µs|ms|s)\s*", text)
    if not found:
        return None
    scale = {"ns": 1.0, "us": 1e3, "µs": 1e3, "ms": 1e6, "s": 1e9}[found.group(2)]
    return float(found.group(1)) * scale


def latency_line(lines: Sequence[str]) -> str:
    """The line of the latency comparison (`... regression check: median ...`), else ''."""
    return next((line for line in lines if re.search(r"regression check: (median|mean|min|p\d+) ",
                                                     line)), "")


@dataclasses.dataclass
class Invocation:
    """One run of a test runner: what ran, how it ended, how long it took, and the machine's
    1-minute load average when it started (this machine is shared: a "quiet" run may not be)."""
    command: list[str]
    returncode: int
    seconds: float
    stdout: str
    load_average: float
    busy_before: float  # share of the CPUs busy in the 0.3 s before it started


def run(command: Sequence[str | Path], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0, 1),
        timeout: float = 1800) -> Invocation:
    words = [str(c) for c in command]
    load_average = os.getloadavg()[0]
    busy_before = cpu_busy_share(0.3)
    started = time.monotonic()
    # Its own process group, killed whole if the study stops (Ctrl-C, SIGTERM, a timeout), so no
    # test that ctest or pytest started goes on measuring after the study ended.
    runner = subprocess.Popen(words, cwd=cwd, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, start_new_session=True,
                              preexec_fn=_die_with_parent)
    try:
        stdout, stderr = runner.communicate(timeout=timeout)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(runner.pid, signal.SIGKILL)
        runner.wait()
        raise
    seconds = time.monotonic() - started
    if runner.returncode not in ok:
        raise RuntimeError(f"`{' '.join(words)}` in {cwd} exited with {runner.returncode}:\n"
                           f"{stdout[-3000:]}\n{stderr[-3000:]}")
    return Invocation(words, runner.returncode, seconds, stdout + stderr, load_average, busy_before)


def study_env(factor: float, **extra: str) -> dict[str, str]:
    """The caller's environment without its PERFBUDGET_* settings (they would change what the
    workflows under study do), the workload's factor, and the study's own settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERFBUDGET_")}
    env.update(NO_COLOR="1", PERFBUDGET_STUDY_FACTOR=f"{factor:g}", **extra)
    return env


def junit_cases(path: Path) -> dict[str, ET.Element]:
    if not path.exists():
        return {}
    return {case.get("name", ""): case for case in ET.parse(path).getroot().iter("testcase")}


# ---- pytest ----

def compare_statistic(budget: Path, statistic: str | None) -> None:
    """Set the statistic compared with the baseline in a copy of bench/busy/perfbudget.yml, whose
    last lines are the defaults' regression mapping; None keeps perfbudget's default."""
    if statistic:
        budget.write_text(budget.read_text() + f"    statistic: {statistic}\n")


class PytestProject:
    """bench/busy/test_busy.py and its budget file, copied into `directory`; perfbudget and
    pytest-benchmark each run in pytest processes of their own."""

    def __init__(self, directory: Path, statistic: str | None = None):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        for name in ("test_busy.py", "conftest.py", "perfbudget.yml"):
            shutil.copy(WORKLOADS / name, self.dir / name)
        compare_statistic(self.dir / "perfbudget.yml", statistic)
        self.calls = 0

    def pytest(self, factor: float, *args: str, **env: str) -> tuple[Invocation, Path]:
        self.calls += 1
        junit = self.dir / f"junit-{self.calls}.xml"
        # --rootdir keeps node ids (the baseline's keys) fixed; -p no:cacheprovider leaves no cache
        return run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir",
                    str(self.dir), "--junitxml", str(junit), *args], self.dir,
                   study_env(factor, **env)), junit

    def perfbudget(self, factor: float, *args: str) -> list[dict[str, Any]]:
        """`pytest -m performance ARGS` with perfbudget alone; one record per perf test."""
        reports = self.dir / f"reports-{self.calls + 1}.jsonl"  # conftest.py writes them
        invocation, junit = self.pytest(factor, "-p", "no:benchmark", "-m", "performance", *args,
                                        PERFBUDGET_STUDY_REPORTS=str(reports))
        written: dict[str, str] = {}
        if reports.exists():
            for line in reports.read_text(encoding="utf-8").splitlines():
                entry = json.loads(line)
                written[entry["nodeid"].rsplit("::", 1)[-1]] = entry["report"]
        cases = junit_cases(junit)
        notes = [line for line in invocation.stdout.splitlines()
                 if line.startswith(("compared with", "baseline", "note:", "history:"))]
        records = []
        for test in ("test_perf_50us", "test_perf_5ms"):
            case = cases.get(test)
            properties = {p.get("name"): p.get("value") for p in case.iter("property")} if case is not None else {}
            failure = case.find("failure") if case is not None else None
            if failure is not None:  # the core's report: verdict first
                lines = [line for line in (failure.text or "").splitlines() if line.strip()]
                lines = [line for line in lines if not line.lstrip().startswith("median ")]
            else:  # a test that did not fail prints only its row of the summary table
                lines = [re.sub(r"\s{2,}", "  ", line.strip()) for line in invocation.stdout.splitlines()
                         if line.startswith(f"test_busy.py::{test} ")]
            # the core's report: what CTest prints, and pytest only for a failing test
            report = [line for line in written.get(test, "").splitlines()
                      if line.strip() and not line.lstrip().startswith("median ")]
            records.append({
                "tool": "perfbudget", "front_end": "pytest", "test": test, "cell": CELLS[test],
                "outcome": outcome_of(lines[0]) if lines else "unknown",
                "verdict_lines": lines + notes, "report_lines": report,
                "change_pct": number(properties.get("change_pct")),
                "p_value": number(properties.get("p_value")),
                "median_ns": number(properties.get("median_ns")),
                "test_seconds": float(case.get("time", "nan")) if case is not None else None,
                "run_seconds": round(invocation.seconds, 3), "exit_code": invocation.returncode,
                "load_average": invocation.load_average, "cpu_busy_before": round(invocation.busy_before, 3),
                "command": " ".join(invocation.command[2:])})
        return records

    def benchmark(self, factor: float, *args: str) -> list[dict[str, Any]]:
        """The same workloads with pytest-benchmark alone; its check fails the whole session and
        names each regressed benchmark on a line of its own."""
        candidate = self.dir / "benchmark-candidate.json"
        invocation, junit = self.pytest(factor, "-p", "no:perfbudget", "-k", "bench",
                                        f"--benchmark-json={candidate}", *args)
        cases = junit_cases(junit)
        saved = sorted(self.dir.glob(".benchmarks/*/0001_*.json"))
        base = {b["name"]: b["stats"]["median"] for b in json.loads(saved[0].read_text())["benchmarks"]} \
            if saved else {}
        now = {b["name"]: b["stats"]["median"] for b in json.loads(candidate.read_text())["benchmarks"]}
        records = []
        for test in ("test_bench_50us", "test_bench_5ms"):
            lines = [line.strip() for line in invocation.stdout.splitlines()
                     if line.strip().startswith(f"{test} (") and "has failed" in line]
            compared = "--benchmark-compare-fail" in " ".join(args)
            change = 100 * (now[test] / base[test] - 1) if test in base and test in now and compared else None
            case = cases.get(test)
            records.append({
                "tool": "pytest-benchmark", "front_end": "pytest", "test": test, "cell": CELLS[test],
                "outcome": ("fail" if lines else "pass") if compared else "measured",
                "verdict_lines": lines, "change_pct": change, "p_value": None,
                "median_ns": now[test] * 1e9 if test in now else None,
                "test_seconds": float(case.get("time", "nan")) if case is not None else None,
                "run_seconds": round(invocation.seconds, 3), "exit_code": invocation.returncode,
                "load_average": invocation.load_average, "cpu_busy_before": round(invocation.busy_before, 3),
                "command": " ".join(invocation.command[2:])})
        return records


# ---- CTest ----

class CtestProject:
    """bench/busy/'s CMake project, copied to `directory`/src and built in `directory`/build
    against perfbudget's build tree (its export()) or, with a source tree, in-tree."""

    def __init__(self, directory: Path, perfbudget_build: Path, perfbudget_source: Path | None,
                 statistic: str | None = None):
        self.src, self.build = directory / "src", directory / "build"
        shutil.copytree(WORKLOADS, self.src, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
        compare_statistic(self.src / "perfbudget.yml", statistic)
        where = ([f"-DPERFBUDGET_SOURCE_DIR={perfbudget_source}"] if perfbudget_source else
                 [f"-Dperfbudget_DIR={perfbudget_build}"])
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        env = study_env(1.0)
        run(["cmake", "-S", self.src, "-B", self.build, *generator,
             "-DCMAKE_BUILD_TYPE=RelWithDebInfo", *where], directory, env, ok=(0,))
        run(["cmake", "--build", self.build, "--parallel"], directory, env, ok=(0,))
        self.cli = self.build / "perfbudget" / "perfbudget" if perfbudget_source else \
            perfbudget_build / "perfbudget"
        self.calls = 0

    def ctest(self, factor: float, **env: str) -> list[dict[str, Any]]:
        """`ctest -L performance` with `env` added to ctest's environment; one record per perf
        test, its verdict lines taken from the output CTest keeps in its JUnit file."""
        self.calls += 1
        junit = self.build / f"junit-{self.calls}.xml"
        invocation = run(["ctest", "--test-dir", self.build, "-L", "performance", "--output-junit",
                          junit], self.build, study_env(factor, **env), ok=(0, 8))
        cases = junit_cases(junit)
        words = " ".join(f"{k}={v}" for k, v in env.items())
        records = []
        for test in ("busy_3us", "busy_1ms", "busy_command_40ms"):
            case = cases.get(test)
            out = case.find("system-out") if case is not None else None
            text = (out.text or "") if out is not None else ""
            # CTest takes the <CTestMeasurement> tags out of the output it keeps: the figures
            # come from the report's lines instead.
            lines = [line.rstrip() for line in text.splitlines() if line.strip()]
            summary = next((line for line in lines if line.lstrip().startswith("median ")), "")
            lines = [line for line in lines if line != summary]
            first = next((line for line in lines if re.match(r"(FAIL|PASS|SKIP) ", line)), "")
            if first:  # the verdict first, then its explanation and the baseline chosen
                lines = [first] + [line for line in lines if line != first]
            records.append({
                "tool": "perfbudget", "front_end": "ctest", "test": test, "cell": CELLS[test],
                "outcome": outcome_of(first) if first else "unknown", "verdict_lines": lines,
                "change_pct": figure(r"baseline: ([-+][0-9.]+)%", latency_line(lines)),
                "p_value": figure(r"p = ([-+0-9.eE]+)", latency_line(lines)),
                "median_ns": duration_ns(summary.strip()[len("median "):].split(",")[0]),
                "test_seconds": float(case.get("time", "nan")) if case is not None else None,
                "run_seconds": round(invocation.seconds, 3), "exit_code": invocation.returncode,
                "load_average": invocation.load_average, "cpu_busy_before": round(invocation.busy_before, 3),
                "command": (words + " " if words else "") + "ctest -L performance"})
        return records

    def save_baseline(self, name: str) -> None:
        run([self.cli, "baseline", "save", name, "--budget", self.src / "perfbudget.yml"],
            self.build, study_env(1.0), ok=(0,))


# ---- the parts ----

class Study:
    def __init__(self, args: argparse.Namespace, work: Path):
        self.args = args
        self.work = work
        self.records: list[dict[str, Any]] = []

    def projects(self, part: str) -> tuple[PytestProject, CtestProject]:
        directory = self.work / part
        shutil.rmtree(directory, ignore_errors=True)  # a --work-dir used before: start afresh
        print(f"[{part}] building bench/busy in {directory}", flush=True)
        return PytestProject(directory / "pytest", self.args.statistic), CtestProject(
            directory / "ctest", self.args.perfbudget_build, self.args.perfbudget_source,
            self.args.statistic)

    def quiet(self, part: str) -> None:
        """Wait for other people's load to pass before a run meant to be quiet."""
        busy = wait_for_quiet(self.args.quiet_below, self.args.quiet_wait)
        if busy >= self.args.quiet_below:
            print(f"[{part}] the machine is still {busy:.0%} busy after {self.args.quiet_wait:g} s;"
                  " measuring anyway (the record keeps cpu_busy_before)", flush=True)

    def keep(self, part: str, phase: str, load: str, index: int, factor: float,
             records: list[dict[str, Any]]) -> None:
        for record in records:
            self.records.append({"part": part, "phase": phase, "load": load, "run": index,
                                 "factor": factor, **record})
            shown = (record.get("report_lines") or record["verdict_lines"] or [""])[0]
            if not shown and record.get("change_pct") is not None:
                shown = f"(nothing printed; median {record['change_pct']:+.1f} %)"
            print(f"[{part}] {phase:10} {load:5} #{index:<2} {record['cell']:20} "
                  f"{record['tool']:16} {record['outcome']:12} {shown[:110]}", flush=True)

    def cells(self) -> None:
        py, ct = self.projects("cells")
        self.quiet("cells")
        self.keep("cells", "baseline", "quiet", 1, 1.0,
                  py.perfbudget(1.0, "--perf-save-baseline", "quiet"))
        self.quiet("cells")
        self.keep("cells", "baseline", "quiet", 1, 1.0, py.benchmark(1.0, "--benchmark-autosave"))
        self.quiet("cells")
        self.keep("cells", "baseline", "quiet", 1, 1.0, ct.ctest(1.0))
        ct.save_baseline("quiet")
        schedule = interleave({1.0: self.args.unchanged, 1.1: self.args.slowed, 2.0: self.args.slowed})
        with spinners() as running:
            time.sleep(1)  # let the load settle before the first busy run
            seen: dict[float, int] = {}
            for factor in schedule:
                index = seen[factor] = seen.get(factor, 0) + 1
                phase = SLOWDOWNS[factor]
                self.keep("cells", phase, "busy", index, factor, py.perfbudget(
                    factor, "--performance-regression", "--perf-baseline", "quiet",
                    "--perf-threshold", str(THRESHOLD)))
                self.keep("cells", phase, "busy", index, factor, py.benchmark(
                    factor, "--benchmark-compare=0001",
                    f"--benchmark-compare-fail=median:{THRESHOLD}%"))
                self.keep("cells", phase, "busy", index, factor, ct.ctest(
                    factor, PERFBUDGET_REGRESSION="1", PERFBUDGET_BASELINE="quiet"))
                check_spinning(running)

    def noisy_week(self) -> None:
        py, ct = self.projects("noisy-week")
        quiet_runs, busy_runs = (1, 2) if self.args.quick else (2, 5)
        regression = {"PERFBUDGET_REGRESSION": "1"}
        pytest_check = ("--performance-regression", "--perf-threshold", str(THRESHOLD))
        for index in range(1, quiet_runs + 1):
            self.quiet("noisy-week")
            self.keep("noisy-week", "history", "quiet", index, 1.0, py.perfbudget(1.0, *pytest_check))
            self.quiet("noisy-week")
            self.keep("noisy-week", "history", "quiet", index, 1.0, ct.ctest(1.0, **regression))
        with spinners() as running:
            time.sleep(1)
            for index in range(1, busy_runs + 1):
                self.keep("noisy-week", "noisy", "busy", index, 1.0, py.perfbudget(1.0, *pytest_check))
                self.keep("noisy-week", "noisy", "busy", index, 1.0, ct.ctest(1.0, **regression))
                check_spinning(running)
        self.quiet("noisy-week")
        self.keep("noisy-week", "+30 %", "quiet", 1, 1.3, py.perfbudget(1.3, *pytest_check))
        self.quiet("noisy-week")
        self.keep("noisy-week", "+30 %", "quiet", 1, 1.3, ct.ctest(1.3, **regression))

    def headline(self) -> None:
        py, ct = self.projects("headline")
        runs = 2 if self.args.quick else 10
        self.quiet("headline")
        self.keep("headline", "baseline", "quiet", 1, 1.0,
                  py.perfbudget(1.0, "--perf-save-baseline", "main"))
        self.quiet("headline")
        self.keep("headline", "baseline", "quiet", 1, 1.0, ct.ctest(1.0))
        ct.save_baseline("main")
        with spinners() as running:
            time.sleep(1)
            for index in range(1, runs + 1):
                self.keep("headline", "unchanged", "busy", index, 1.0, py.perfbudget(
                    1.0, "--performance-regression", "--perf-baseline", "main",
                    "--perf-threshold", str(THRESHOLD)))
                self.keep("headline", "unchanged", "busy", index, 1.0, ct.ctest(
                    1.0, PERFBUDGET_REGRESSION="1", PERFBUDGET_BASELINE="main"))
                check_spinning(running)


def interleave(counts: dict[float, int]) -> list[float]:
    """Every factor spread evenly over the schedule (its i-th run at (i + 0.5) / count of the
    way), so drift of the machine hits the unchanged and the slowed runs alike."""
    slots = [((i + 0.5) / n, factor) for factor, n in counts.items() for i in range(n)]
    return [factor for _, factor in sorted(slots)]


# ---- tables ----

def counts(records: Sequence[dict[str, Any]]) -> dict[str, int]:
    found = {outcome: 0 for outcome in OUTCOMES}
    for r in records:
        found[r["outcome"]] = found.get(r["outcome"], 0) + 1
    return found


def describe(records: Sequence[dict[str, Any]], tool: str) -> str:
    """"0 / 2 / 18 / 0 (+1.2 %)": fail / inconclusive / pass / improvement, and the median change
    measured (pytest-benchmark has no inconclusive or improvement: fail / pass)."""
    if not records:
        return "–"
    c = counts(records)
    shown = f"{c['fail']} / {c['pass'] + c['inconclusive'] + c['improvement']}" \
        if tool == "pytest-benchmark" else " / ".join(str(c[o]) for o in OUTCOMES)
    other = len(records) - sum(c[o] for o in OUTCOMES)
    if other:
        shown += f" (+{other} other)"
    changes = [r["change_pct"] for r in records if r.get("change_pct") is not None]
    return shown + (f" ({statistics.median(changes):+.1f} %)" if changes else "")


def median_of(records: Sequence[dict[str, Any]]) -> str:
    values = [r["median_ns"] for r in records if r.get("median_ns")]
    if not values:
        return ""
    ns = statistics.median(values)
    return next(f"{ns / scale:.3g} {unit}" for scale, unit in ((1e6, "ms"), (1e3, "µs"), (1, "ns"))
                if ns >= scale or unit == "ns")


def cell_key(r: dict[str, Any]) -> tuple[int, str, int]:
    return (CELL_ORDER.index(r["cell"]), r["front_end"], 0 if r["tool"] == "perfbudget" else 1)


def render(records: Sequence[dict[str, Any]], settings: Sequence[str]) -> str:
    """busy.md: one table per part that ran, from the run records alone."""
    out = ["# perfbudget on a busy machine (issue 16)", ""]
    by_part = {part: [r for r in records if r["part"] == part] for part in PARTS}
    if by_part["cells"]:
        rows = sorted({(r["cell"], r["front_end"], r["tool"]) for r in by_part["cells"]},
                      key=lambda k: cell_key({"cell": k[0], "front_end": k[1], "tool": k[2]}))
        out += ["## Cells: unchanged, +10 % and 2x runs under load against a quiet baseline", "",
                "Each entry: fail / inconclusive / pass / improvement runs (pytest-benchmark: "
                "fail / pass), and the median change measured. Targets: no unchanged run fails, "
                "every 2x run fails.", "",
                "| cell | tool | median, quiet | unchanged | +10 % | 2x | targets |",
                "|---|---|---:|---|---|---|---|"]
        for cell, front_end, tool in rows:
            mine = [r for r in by_part["cells"]
                    if (r["cell"], r["front_end"], r["tool"]) == (cell, front_end, tool)]
            phase = {p: [r for r in mine if r["phase"] == p] for p in ("unchanged", "+10 %", "2x")}
            quiet = [r for r in mine if r["phase"] == "baseline"]
            false_fails = counts(phase["unchanged"])["fail"]
            missed = len(phase["2x"]) - counts(phase["2x"])["fail"]
            met = ("met" if false_fails == 0 and missed == 0 and phase["2x"] else
                   ", ".join(x for x in (f"{false_fails} unchanged failed" if false_fails else "",
                                         f"{missed} 2x passed" if missed else "") if x) or "–")
            out.append(f"| {cell} | {tool} ({front_end}) | {median_of(quiet)} | "
                       f"{describe(phase['unchanged'], tool)} | {describe(phase['+10 %'], tool)} | "
                       f"{describe(phase['2x'], tool)} | {met} |")
        out.append("")
    if by_part["noisy-week"]:
        out += ["## Noisy week: busy runs in the history, then +30 % on the quiet machine", "",
                "Against the default (latest) baseline: the quiet history runs and the busy "
                "runs (fail / inconclusive / pass / improvement), then the +30 % run, which must "
                "fail.", "",
                "| cell | front end | quiet history runs | busy runs | +30 %, quiet | its verdict |",
                "|---|---|---|---|---|---|"]
        mine = by_part["noisy-week"]
        for cell, front_end in sorted({(r["cell"], r["front_end"]) for r in mine},
                                      key=lambda k: CELL_ORDER.index(k[0])):
            rs = [r for r in mine if (r["cell"], r["front_end"]) == (cell, front_end)]
            final = [r for r in rs if r["phase"] == "+30 %"]
            # the core's report where pytest printed only a summary row: it says why
            lines = (final[0].get("report_lines") or final[0]["verdict_lines"]) if final else []
            line = " / ".join(dict.fromkeys(x.strip() for x in lines[:1] + [latency_line(lines)] if x))
            out.append(f"| {cell} | {front_end} | "
                       f"{describe([r for r in rs if r['phase'] == 'history'], 'perfbudget')} | "
                       f"{describe([r for r in rs if r['phase'] == 'noisy'], 'perfbudget')} | "
                       f"{final[0]['outcome'] if final else '–'} | `{line.replace('|', '/')}` |")
        out.append("")
    if by_part["headline"]:
        out += ["## Headline workflows: unchanged runs under load against a quiet baseline 'main'",
                "", "| cell | front end | runs | false failures | inconclusive | pass | improvement |",
                "|---|---|---:|---:|---:|---:|---:|"]
        mine = by_part["headline"]
        for cell, front_end in sorted({(r["cell"], r["front_end"]) for r in mine},
                                      key=lambda k: CELL_ORDER.index(k[0])):
            rs = [r for r in mine if (r["cell"], r["front_end"]) == (cell, front_end)
                  and r["phase"] == "unchanged"]
            c = counts(rs)
            out.append(f"| {cell} | {front_end} | {len(rs)} | {c['fail']} | {c['inconclusive']} | "
                       f"{c['pass']} | {c['improvement']} |")
        out.append("")
    unquiet = [r for r in records if r["load"] == "quiet" and (r.get("cpu_busy_before") or 0) >= 0.25]
    if unquiet:
        out += [f"Quiet runs that started with 25 % or more of the CPUs busy (other people's "
                f"work on this shared machine): {len(unquiet)} test results of "
                f"{len([r for r in records if r['load'] == 'quiet'])} (`cpu_busy_before` in "
                "busy-raw.json).", ""]
    return "\n".join(out + list(settings) + [""])


def write(output: Path, records: list[dict[str, Any]], parts: Sequence[str],
          settings: list[str]) -> str:
    """Merge with an earlier busy-raw.json in `output` (the parts run now replace theirs), then
    write busy-raw.json and busy.md."""
    output.mkdir(parents=True, exist_ok=True)
    raw_path = output / "busy-raw.json"
    kept: list[dict[str, Any]] = []
    kept_settings: list[str] = []
    if raw_path.exists():
        earlier = json.loads(raw_path.read_text())
        kept = [r for r in earlier["runs"] if r["part"] not in parts]
        kept_settings = [s for s in earlier.get("settings", [])
                         if not any(s.startswith(f"{p}:") for p in parts)]
    merged = kept + records
    all_settings = kept_settings + settings
    raw_path.write_text(json.dumps({"settings": all_settings, "runs": merged}, indent=1,
                                   ensure_ascii=False) + "\n", encoding="utf-8")
    markdown = render(merged, all_settings)
    (output / "busy.md").write_text(markdown, encoding="utf-8")
    return markdown


def origin(directory: Path) -> str:
    """`directory (commit abc1234, uncommitted changes)`: which perfbudget a part measured with."""
    git = ["git", "-C", str(directory)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0:
        return str(directory)
    dirty = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return f"{directory} (commit {head.stdout.strip()}{', uncommitted changes' if dirty else ''})"


def plugin_directory() -> Path:
    """The perfbudget package the pytest runs import: asked of a fresh interpreter, since the
    installed copy may be switched (pip install -e) while the study runs."""
    found = subprocess.run([sys.executable, "-c", "import perfbudget; print(perfbudget.__file__)"],
                           capture_output=True, text=True, check=True)
    return Path(found.stdout.strip()).parent


def describe_setup(args: argparse.Namespace, plugins: Sequence[Path]) -> str:
    machine = f"{platform.node()}, {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}"
    if args.perfbudget_source:
        c_side = f"in-tree {origin(args.perfbudget_source)}"
    else:
        cache = args.perfbudget_build / "CMakeCache.txt"
        home = re.search(r"^CMAKE_HOME_DIRECTORY:INTERNAL=(.*)$", cache.read_text(), re.M) \
            if cache.exists() else None
        c_side = f"{args.perfbudget_build}" + (f", built from {origin(Path(home.group(1)))}" if home else "")
    shown = " then ".join(dict.fromkeys(origin(p) for p in plugins))  # two when it was switched
    statistic = f"; perfbudget compares {args.statistic}" if args.statistic else ""
    return (f"{machine}; {SPINNERS} spinners; threshold {THRESHOLD} %{statistic}; perfbudget C: "
            f"{c_side}; pytest plugin: {shown}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", default=",".join(PARTS),
                        help=f"comma-separated parts to run: {', '.join(PARTS)} (default all)")
    parser.add_argument("--unchanged", type=int, default=20, help="unchanged runs per cell")
    parser.add_argument("--slowed", type=int, default=10, help="runs at +10 %% and at 2x per cell")
    parser.add_argument("--quick", action="store_true",
                        help="tiny counts (2 unchanged, 1 slowed; noisy week 1 + 2 runs; "
                             "headline 2 runs): a smoke test")
    parser.add_argument("--perfbudget-build", type=Path, default=ROOT / "build",
                        help="perfbudget's build tree: its CLI and its CMake package (export())")
    parser.add_argument("--perfbudget-source", type=Path, default=None,
                        help="build perfbudget in-tree from this source tree instead")
    parser.add_argument("--statistic", default=None,
                        help="the statistic perfbudget compares with the baseline (the budget "
                             "file's regression: {statistic: ...}), e.g. p10; default: perfbudget's")
    parser.add_argument("--output-dir", type=Path, default=ROOT / "bench" / "results" / "busy")
    parser.add_argument("--work-dir", type=Path, default=None,
                        help="build and run here (kept) instead of a temporary directory")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work directory")
    parser.add_argument("--quiet-below", type=float, default=0.25,
                        help="a quiet run waits until less than this share of all CPUs is busy "
                             "(default 0.25: half a CPU of two)")
    parser.add_argument("--quiet-wait", type=float, default=120.0,
                        help="seconds a quiet run waits for that at most, then measures anyway")
    args = parser.parse_args(argv)
    parts = args.part.split(",")
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        parser.error(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    if args.quick:
        args.unchanged, args.slowed = 2, 1
    args.perfbudget_build = args.perfbudget_build.resolve()
    if args.perfbudget_source:
        args.perfbudget_source = args.perfbudget_source.resolve()
    elif not (args.perfbudget_build / "perfbudget").exists():
        parser.error(f"no perfbudget CLI in {args.perfbudget_build}: run scripts/build, or pass "
                     "--perfbudget-build or --perfbudget-source")
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    work = args.work_dir.resolve() if args.work_dir else Path(tempfile.mkdtemp(prefix="perfbudget-busy-"))
    study = Study(args, work)
    settings: list[str] = []
    interrupted = False
    try:
        for part in parts:
            started = time.monotonic()
            plugins = [plugin_directory()]
            getattr(study, part.replace("-", "_"))()
            plugins.append(plugin_directory())
            minutes = (time.monotonic() - started) / 60
            counts_text = (f"{args.unchanged} unchanged, {args.slowed} at +10 %, {args.slowed} at 2x"
                           if part == "cells" else "quick counts" if args.quick else "default counts")
            settings.append(f"{part}: {counts_text}; {minutes:.1f} min; {describe_setup(args, plugins)}")
            print(f"[{part}] done in {minutes:.1f} min", flush=True)
    except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM: the spinners are gone already
        interrupted = True
        print(f"interrupted ({stop or 'Ctrl-C'}); the runs measured so far are kept", flush=True)
    finally:
        if study.records:  # what was measured survives an interruption
            print(write(args.output_dir, study.records, parts, settings))
            print(f"written: {args.output_dir}/busy.md, busy-raw.json")
        if args.work_dir or args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
