"""bench/busy.py's own logic, without timing and without spinners: reading perfbudget's verdicts
into outcomes, the schedule of slowdowns, and the tables drawn from run records. A misread
verdict (an inconclusive counted as a pass, a pass as a failure) would put wrong counts in the
study's table without any run looking odd."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def busy() -> ModuleType:
    spec = importlib.util.spec_from_file_location("busy", BENCH / "busy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["busy"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


# Verdicts as perfbudget prints them: the first line of a test's report (CTest, and a failing
# pytest test), and the verdict column of pytest's summary table (a test that did not fail).
@pytest.mark.parametrize("verdict, outcome", [
    ("FAIL busy_1ms: median 2.00 ms vs 984 µs baseline: +103.0% (95% CI +101.3% .. +104.7%), "
     "p = 2.6e-12, threshold 5%: regression (critical)", "fail"),
    ("PASS busy_3us: no regression", "pass"),
    ("PASS busy_command_40ms: improved on the baseline", "improvement"),
    ("PASS busy_1ms: inconclusive against the baseline (too noisy to resolve the threshold)",
     "inconclusive"),
    ("SKIP busy_3us: PERFBUDGET_SKIP instructions cannot be counted here", "skip"),
    ("FAIL test_busy.py::test_perf_5ms: median 13.6 ms vs 6.40 ms baseline: +111.8%", "fail"),
    ("test_busy.py::test_perf_50us  609 x 3  50.5 µs  66.5 µs  74.4 µs  1.2 % 100.0 %  "
     "40.3 MiB  n/a  19.8 k/s  pass", "pass"),
    ("test_busy.py::test_perf_5ms  30 x 1  5.20 ms  9.04 ms  9.11 ms  2.6 %  99.2 %  40.3 MiB  "
     "n/a  192 /s  +3.0%  pass, inconclusive", "inconclusive"),
    ("test_busy.py::test_perf_5ms  30 x 1  5.20 ms  9.04 ms  9.11 ms  2.6 %  99.2 %  40.3 MiB  "
     "n/a  192 /s  -9.0%  pass, improvement", "improvement"),
    ("test_busy.py::test_perf_50us  1016 x 1  93.0 µs  112 µs  133 µs  0.6 % 100.0 %  41.2 MiB  "
     "n/a  10.7 k/s  +112.5%  FAIL, regression (critical)", "fail"),
    ("baseline 'quiet' (run 1)", "unknown"),
    ("", "unknown"),
])
def test_a_verdict_line_gives_its_outcome(busy: ModuleType, verdict: str, outcome: str) -> None:
    assert busy.outcome_of(verdict) == outcome


def test_figures_come_from_the_report_lines(busy: ModuleType) -> None:
    lines = ["FAIL busy_1ms: median 2.00 ms vs 984 µs baseline: +103.0% (...)",
             "  note regression check: memory 4.10 MiB vs 3.80 MiB baseline: +8.0%, threshold 5%: "
             "inconclusive",
             "  FAIL regression check: median 2.00 ms vs 984 µs baseline: +103.0% (95% CI +101.3% "
             ".. +104.7%), p = 2.6e-12, threshold 5%: regression (critical)"]
    latency = busy.latency_line(lines)
    assert latency == lines[2]
    assert busy.figure(r"baseline: ([-+][0-9.]+)%", latency) == pytest.approx(103.0)
    assert busy.figure(r"p = ([-+0-9.eE]+)", latency) == pytest.approx(2.6e-12)
    assert busy.duration_ns("984 µs") == pytest.approx(984e3)
    assert busy.duration_ns("2.00 ms") == pytest.approx(2e6)
    assert busy.duration_ns("n/a") is None
    assert busy.number("None") is None and busy.number("nan") is None
    assert busy.number("12.5") == 12.5


def test_the_schedule_spreads_every_slowdown_over_the_whole_stretch(busy: ModuleType) -> None:
    schedule = busy.interleave({1.0: 4, 1.1: 2, 2.0: 2})
    assert sorted(schedule) == [1.0] * 4 + [1.1] * 2 + [2.0] * 2
    assert 1.1 in schedule[:4] and 2.0 in schedule[:4]  # not all slowed runs at the end
    assert 1.1 in schedule[4:] and 2.0 in schedule[4:]


def record(part: str, phase: str, cell: str, tool: str, outcome: str, change: float | None = None,
           front_end: str = "pytest", median_ns: float | None = None,
           line: str = "") -> dict[str, Any]:
    return {"part": part, "phase": phase, "cell": cell, "tool": tool, "front_end": front_end,
            "outcome": outcome, "change_pct": change, "median_ns": median_ns,
            "verdict_lines": [line] if line else [], "load": "busy", "run": 1, "factor": 1.0}


def test_the_cells_table_counts_outcomes_per_phase_and_checks_the_targets(
        busy: ModuleType) -> None:
    runs = [record("cells", "baseline", "pytest 50 µs", "perfbudget", "pass", median_ns=50_500),
            record("cells", "unchanged", "pytest 50 µs", "perfbudget", "fail", 12.0),
            record("cells", "unchanged", "pytest 50 µs", "perfbudget", "inconclusive", 2.0),
            record("cells", "unchanged", "pytest 50 µs", "perfbudget", "pass", 1.0),
            record("cells", "+10 %", "pytest 50 µs", "perfbudget", "fail", 11.0),
            record("cells", "2x", "pytest 50 µs", "perfbudget", "fail", 100.0),
            record("cells", "unchanged", "pytest 50 µs", "pytest-benchmark", "pass", 1.0),
            record("cells", "2x", "pytest 50 µs", "pytest-benchmark", "fail", 99.0),
            record("cells", "unchanged", "C suite 1 ms", "perfbudget", "pass", 0.5, "ctest"),
            record("cells", "2x", "C suite 1 ms", "perfbudget", "fail", 100.0, "ctest")]
    table = busy.render(runs, ["cells: a note"])
    rows = [line for line in table.splitlines() if line.startswith("| pytest 50") or
            line.startswith("| C suite")]
    assert rows == [
        "| pytest 50 µs | perfbudget (pytest) | 50.5 µs | 1 / 1 / 1 / 0 (+2.0 %) | "
        "1 / 0 / 0 / 0 (+11.0 %) | 1 / 0 / 0 / 0 (+100.0 %) | 1 unchanged failed |",
        "| pytest 50 µs | pytest-benchmark (pytest) |  | 0 / 1 (+1.0 %) | – | 1 / 0 (+99.0 %) | met |",
        "| C suite 1 ms | perfbudget (ctest) |  | 0 / 0 / 1 / 0 (+0.5 %) | – | "
        "1 / 0 / 0 / 0 (+100.0 %) | met |"]
    assert table.rstrip().endswith("cells: a note")


def test_the_noisy_week_and_headline_tables(busy: ModuleType) -> None:
    line = "FAIL busy_1ms: median 1.30 ms vs 1.00 ms baseline: +30.0% (...) | x"
    runs = [record("noisy-week", "history", "C suite 1 ms", "perfbudget", "pass", front_end="ctest"),
            record("noisy-week", "noisy", "C suite 1 ms", "perfbudget", "fail", front_end="ctest"),
            record("noisy-week", "noisy", "C suite 1 ms", "perfbudget", "improvement",
                   front_end="ctest"),
            record("noisy-week", "+30 %", "C suite 1 ms", "perfbudget", "fail", 30.0, "ctest",
                   line=line),
            record("headline", "baseline", "pytest 5 ms", "perfbudget", "pass"),
            record("headline", "unchanged", "pytest 5 ms", "perfbudget", "fail"),
            record("headline", "unchanged", "pytest 5 ms", "perfbudget", "inconclusive")]
    table = busy.render(runs, [])
    assert ("| C suite 1 ms | ctest | 0 / 0 / 1 / 0 | 1 / 0 / 0 / 1 | fail | "
            "`FAIL busy_1ms: median 1.30 ms vs 1.00 ms baseline: +30.0% (...) / x` |") in table
    assert "| pytest 5 ms | pytest | 2 | 1 | 1 | 0 | 0 |" in table  # the baseline run not counted
    assert "## Cells" not in table


def test_the_noisy_week_shows_the_cores_reason_where_pytest_printed_only_a_row(
        busy: ModuleType) -> None:
    final = record("noisy-week", "+30 %", "pytest 5 ms", "perfbudget", "inconclusive",
                   line="test_busy.py::test_perf_5ms  30 x 1  7.70 ms  -55.1%  pass, inconclusive")
    final["report_lines"] = [
        "PASS test_busy.py::test_perf_5ms: inconclusive against the baseline (too noisy to "
        "resolve the threshold)",
        "  note regression check: median 7.70 ms vs 17.1 ms baseline: -55.1%, p = 0.3, "
        "threshold 5%: inconclusive"]
    table = busy.render([final], [])
    assert ("`PASS test_busy.py::test_perf_5ms: inconclusive against the baseline (too noisy to "
            "resolve the threshold) / note regression check: median 7.70 ms vs 17.1 ms baseline: "
            "-55.1%, p = 0.3, threshold 5%: inconclusive` |") in table


def test_a_later_part_replaces_only_its_own_runs(busy: ModuleType, tmp_path: Path) -> None:
    busy.write(tmp_path, [record("cells", "unchanged", "pytest 5 ms", "perfbudget", "pass"),
                          record("headline", "unchanged", "pytest 5 ms", "perfbudget", "pass")],
               ["cells", "headline"], ["cells: first", "headline: first"])
    busy.write(tmp_path, [record("headline", "unchanged", "pytest 5 ms", "perfbudget", "fail")],
               ["headline"], ["headline: second"])
    raw = json.loads((tmp_path / "busy-raw.json").read_text())
    assert [(r["part"], r["outcome"]) for r in raw["runs"]] == [("cells", "pass"),
                                                                ("headline", "fail")]
    assert raw["settings"] == ["cells: first", "headline: second"]
    assert "| pytest 5 ms | pytest | 1 | 1 | 0 | 0 | 0 |" in (tmp_path / "busy.md").read_text()
