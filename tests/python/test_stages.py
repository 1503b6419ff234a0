"""Stages timed inside a perf test (`with perf.stage(...)`): in the terminal summary, the result
file, the reports, and as a Chrome trace whose slices nest the way Perfetto's JSON importer
needs (complete "X" events, properly nested per track, microseconds)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

BUDGETS = """\
version: 1
defaults:
  rounds: 10
  min_time: 1ms
  max_time: 300ms
  warmup: 0
"""

TESTS = """\
def test_pipeline(perf):
    with perf.stage("ignored"):  # outside a measurement: nothing is timed
        pass

    def pipeline():
        with perf.stage("outer"):
            with perf.stage("inner"):
                sum(range(200))
            sum(range(100))

    perf(pipeline)
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".yml", perfbudget=BUDGETS)
    pytester.makepyfile(test_it=TESTS)
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


def check_trace(trace: dict[str, Any]) -> list[dict[str, Any]]:
    """What a trace-event JSON reader relies on; returns the complete events."""
    assert trace["displayTimeUnit"] == "ns"
    events = trace["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    complete = [e for e in events if e["ph"] == "X"]
    for event in complete:
        assert isinstance(event["name"], str) and event["name"]
        assert isinstance(event["pid"], int) and event["tid"] in names
        assert event["ts"] >= 0 and event["dur"] >= 0
    for tid in names:  # slices on one track nest: each starts and ends inside the open one
        open_ends: list[float] = []
        for event in sorted((e for e in complete if e["tid"] == tid), key=lambda e: (e["ts"], -e["dur"])):
            while open_ends and event["ts"] >= open_ends[-1]:
                open_ends.pop()
            end = event["ts"] + event["dur"]
            assert not open_ends or end <= open_ends[-1] + 1e-6, event
            open_ends.append(end)
    return complete


def test_stages_in_summary_results_and_trace(project: pytest.Pytester) -> None:
    result = run(project, "--perf-json", "results.json", "--perf-report", "run.trace.json")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["test_it.py::test_pipeline *",
                                 "    stage outer: * times, mean *, p99 *, total *",
                                 "    stage inner: * times, mean *, p99 *, total *"])
    assert "stage ignored" not in result.stdout.str()
    benchmark = json.loads((project.path / "results.json").read_text())["benchmarks"][0]
    stages = {stage["name"]: stage for stage in benchmark["stages"]}
    assert list(stages) == ["outer", "inner"]
    iterations = benchmark["metrics"]["total_iterations"]
    for stage in stages.values():  # every measured call, no calibration or warm-up call
        assert stage["count"] == iterations
        assert stage["total_ns"] == pytest.approx(stage["mean_ns"] * iterations)
    assert stages["inner"]["total_ns"] < stages["outer"]["total_ns"]

    complete = check_trace(json.loads((project.path / "run.trace.json").read_text()))
    slices = [e for e in complete if e["cat"] == "stage"]
    assert [e["name"] for e in slices[:4]] == ["inner", "outer", "inner", "outer"]
    assert len(slices) == min(4096, 2 * iterations)
    benchmark_slice = next(e for e in complete if e["cat"] == "benchmark")
    assert benchmark_slice["name"] == "test_it.py::test_pipeline"
    assert max(e["ts"] + e["dur"] for e in slices) <= benchmark_slice["dur"] + 1e-6


def test_reports_from_the_cli_and_other_processes(project: pytest.Pytester, cli: Path) -> None:
    """--perf-processes keeps one process's stages; `perfbudget report` renders them from the
    result file in every format."""
    result = run(project, "--perf-processes", "2", "--perf-json", "results.json")
    result.assert_outcomes(passed=1)
    benchmark = json.loads((project.path / "results.json").read_text())["benchmarks"][0]
    assert [stage["name"] for stage in benchmark["stages"]] == ["outer", "inner"]
    assert len(benchmark["trace_events"]) > 0
    for kind, expected in [("md", "| test_it.py::test_pipeline | inner |"),
                           ("csv", "test_it.py::test_pipeline,stage inner total,"),
                           ("html", "<td>inner</td>")]:
        out = subprocess.run([str(cli), "report", "--input", "results.json", "--format", kind],
                             cwd=project.path, capture_output=True, text=True, check=True).stdout
        assert expected in out
    out = subprocess.run([str(cli), "report", "--input", "results.json", "--format",
                          "chrome-trace"], cwd=project.path, capture_output=True, text=True,
                         check=True).stdout
    assert len([e for e in check_trace(json.loads(out)) if e["cat"] == "stage"]) == len(benchmark["trace_events"])
