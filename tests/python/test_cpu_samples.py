"""CPU time per sample beside wall time: Result.cpu_samples through result files, process merging
and a real perf fixture measurement; the interpreter probe each sample carries, likewise.
Nothing here asserts how long anything took."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from perfbudget._core import PerfbudgetError, Result
from perfbudget.session import merge_processes


def test_cpu_samples_round_trip_through_json(tmp_path: Path) -> None:
    timed = Result.from_samples("timed", [100.5, 101.25, 102.125])
    cpu = [0.1 + 0.2, 1.0 / 3.0, 98.76543210123456]  # need all 17 digits
    timed.set_cpu_samples(cpu)
    plain = Result.from_samples("plain", [1.0, 2.0])
    path = tmp_path / "result.json"
    Result.write_json([timed, plain], path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert "cpu_samples" not in document["benchmarks"][1]
    assert document["benchmarks"][1]["metrics"]["involuntary_switches"] is None
    loaded = Result.load_json(path)
    assert loaded[0].cpu_samples == cpu  # bit for bit
    assert loaded[1].cpu_samples == []
    assert math.isnan(loaded[1].metrics["voluntary_switches"])
    assert Result.from_json_text(Result.to_json_text([timed]))[0].cpu_samples == cpu


def test_set_cpu_samples_needs_one_per_sample() -> None:
    result = Result.from_samples("x", [1.0, 2.0, 3.0])
    with pytest.raises(PerfbudgetError, match="2 CPU samples for 3 samples"):
        result.set_cpu_samples([1.0, 2.0])
    with pytest.raises(PerfbudgetError, match="not finite"):
        result.set_cpu_samples([1.0, math.nan, 3.0])
    result.set_cpu_samples([0.5, 1.5, 2.5])
    assert result.cpu_samples == [0.5, 1.5, 2.5]
    result.set_cpu_samples([])
    assert result.cpu_samples == []


def test_probe_samples_round_trip_and_merge(tmp_path: Path) -> None:
    timed = Result.from_samples("timed", [100.5, 101.25, 102.125])
    timed.set_probe_samples([30125.0, 30125.0, 46017.5])
    path = tmp_path / "result.json"
    Result.write_json([timed, Result.from_samples("plain", [1.0])], path)
    loaded = Result.load_json(path)
    assert loaded[0].probe_samples == [30125.0, 30125.0, 46017.5]
    assert loaded[1].probe_samples == []
    with pytest.raises(PerfbudgetError, match="2 probe samples for 3 samples"):
        timed.set_probe_samples([1.0, 2.0])
    other = Result.from_samples("timed", [99.0])
    other.set_probe_samples([29000.0])
    assert merge_processes("timed", [timed, other]).probe_samples == [30125.0, 30125.0,
                                                                      46017.5, 29000.0]


def test_a_length_mismatch_in_a_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"schema": "perfbudget-result", "schema_version": 1, "benchmarks": [
        {"name": "x", "samples": [1, 2], "cpu_samples": [1]}]}), encoding="utf-8")
    with pytest.raises(PerfbudgetError, match="1 cpu_samples for 2 samples"):
        Result.load_json(path)


def test_merged_processes_pool_cpu_samples_when_all_have_them() -> None:
    parts = [Result.from_samples("p", [10.0, 11.0], {"involuntary_switches": 2.0}),
             Result.from_samples("p", [12.0], {"involuntary_switches": 3.0})]
    parts[0].set_cpu_samples([9.0, 10.0])
    parts[1].set_cpu_samples([11.5])
    merged = merge_processes("p", parts)
    assert merged.samples == [10.0, 11.0, 12.0]
    assert merged.cpu_samples == [9.0, 10.0, 11.5]
    assert merged.metrics["involuntary_switches"] == 5.0
    parts[1].set_cpu_samples([])
    assert merge_processes("p", parts).cpu_samples == []


TEST = """\
import pytest

@pytest.mark.performance
def test_sum(perf):
    perf(sum, range(100))
"""

BUDGETS = """\
version: 1
defaults:
  rounds: 10
  min_time: 1ms
  max_time: 300ms
  warmup: 0
"""


def test_a_perf_measurement_records_cpu_samples(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yml", perfbudget=BUDGETS)
    pytester.makepyfile(test_it=TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--perf-json", "out.json")
    result.assert_outcomes(passed=1)
    benchmark = json.loads((pytester.path / "out.json").read_text(encoding="utf-8"))["benchmarks"][0]
    assert len(benchmark["samples"]) >= 10
    assert len(benchmark["cpu_samples"]) == len(benchmark["samples"])
    assert all(cpu > 0 for cpu in benchmark["cpu_samples"])
    # each sample carries the interpreter probe timed before it (time mode)
    assert len(benchmark["probe_samples"]) == len(benchmark["samples"])
    assert all(probe > 0 for probe in benchmark["probe_samples"])
    assert benchmark["metrics"]["involuntary_switches"] >= 0
    assert benchmark["metrics"]["voluntary_switches"] >= 0
