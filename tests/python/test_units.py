"""The plugin's parts on their own: settings resolution, merging processes, the measuring lock,
pinning, and the _core helpers the plugin relies on. Figures are injected (Result.from_samples),
never timed."""

from __future__ import annotations

import math
from fnmatch import fnmatch
import os
import threading
import time
from pathlib import Path

import pytest

import perfbudget
from perfbudget._core import Result, fit_line, load_budgets
from perfbudget.isolation import MeasureLock, pinned
from perfbudget.session import merge_processes
from perfbudget.settings import SettingError, resolve


def mark(*args: object, **kwargs: object) -> pytest.Mark:
    return pytest.mark.performance(*args, **kwargs).mark


# ---- settings ----------------------------------------------------------------------------------


def test_defaults_without_pytest() -> None:
    settings = resolve(None, environ={})
    assert settings.threshold == 5.0 and settings.source("threshold") == "default"
    assert settings["processes"] == 1 and settings["cpu"] is None
    assert not settings.regression and settings.critical is None and settings.statistic == "median"
    assert settings.run_overrides() == {}


def test_marker_beats_environment() -> None:
    settings = resolve(None, marker=mark("entry", threshold="7%", processes=3), nodeid="t::x",
                       environ={"PERFBUDGET_THRESHOLD": "9", "PERFBUDGET_PROCESSES": "2"})
    assert settings.threshold == 7.0
    assert settings.source("threshold") == "@pytest.mark.performance(threshold=...) on t::x"
    assert settings["processes"] == 3 and settings["budget_name"] == "entry"


def test_environment_flags_and_baseline_imply_regression() -> None:
    settings = resolve(None, environ={"PERFBUDGET_BASELINE": "main", "PERFBUDGET_DISABLE": "off"})
    assert settings.regression and settings["disable"] is False
    assert resolve(None, environ={"PERFBUDGET_REGRESSION": "yes"}).regression
    assert resolve(None, marker=mark(tracemalloc=True), environ={})["tracemalloc"] is True


def test_marker_measuring_settings_become_run_options() -> None:
    settings = resolve(None, marker=mark(rounds=7, warmup="20ms", min_time="1ms", max_time=2.5),
                       environ={})
    assert settings.run_overrides() == {"min_rounds": 7, "warmup_ns": 20_000_000,
                                        "warmup_iterations": 0, "min_time_ns": 1_000_000,
                                        "max_time_ns": 2_500_000_000}
    iterations = resolve(None, marker=mark(warmup=5), environ={}).run_overrides()
    assert iterations["warmup_iterations"] == 5 and iterations["warmup_ns"] == 0
    assert resolve(None, marker=mark(warmup="3"), environ={}).run_overrides()["warmup_iterations"] == 3


def test_budget_file_layer_gives_thresholds(tmp_path: Path) -> None:
    path = tmp_path / "perfbudget.yml"
    path.write_text("version: 1\ndefaults:\n  regression: {threshold: 4%, critical: 9%, statistic: p90}\n"
                    "budgets:\n  x:\n    regression: {per_metric: {latency: 3%}}\n", encoding="utf-8")
    budget = load_budgets(path)
    settings = resolve(None, budget=budget.resolve("x"), budget_file="perfbudget.yml", environ={})
    assert (settings.threshold, settings.critical, settings.statistic) == (3.0, 9.0, "p90")
    assert settings.source("threshold") == "perfbudget.yml (x)"
    defaults = resolve(None, budget=budget.resolve("y"), budget_file="perfbudget.yml", environ={})
    assert defaults.threshold == 4.0 and defaults.source("threshold") == "perfbudget.yml (defaults)"


@pytest.mark.parametrize(
    ("marker", "environ", "message"),
    [
        (mark(budget=""), {}, "@pytest.mark.performance(budget=...) on t::x: must not be empty"),
        (mark("a", "b"), {}, "*takes at most one positional argument*"),
        (mark("a", budget="b"), {}, "*takes at most one positional argument*"),
        (mark(rounds="many"), {}, "*(rounds=...) on t::x: expected a whole number, not 'many'"),
        (mark(rounds=0), {}, "*must be at least 1, not 0"),
        (mark(warmup="5 MB"), {}, "*expected iterations (5) or a duration (100ms)*"),
        (mark(warmup=-1), {}, "*must not be negative"),
        (mark(warmup="soon"), {}, "*(warmup=...) on t::x: 'soon' is not a number*"),
        (mark(max_time="5%"), {}, "*expected a duration such as 2s or 100ms*"),
        (mark(min_time="later"), {}, "*(min_time=...) on t::x: 'later' is not a number*"),
        (mark(cpu="first"), {}, "*(cpu=...) on t::x: expected a CPU number, not 'first'"),
        (mark(threshold="5 ms"), {}, "*(threshold=...) on t::x: expected a percentage*"),
        (None, {"PERFBUDGET_BUDGET": "  "}, "PERFBUDGET_BUDGET: must not be empty"),
    ],
)
def test_invalid_values_name_their_source(marker: pytest.Mark, environ: dict[str, str],
                                          message: str) -> None:
    with pytest.raises(SettingError) as raised:
        resolve(None, marker=marker, nodeid="t::x", environ=environ)
    assert fnmatch(str(raised.value), message), str(raised.value)


def test_pinning_needs_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "sched_getaffinity")
    with pytest.raises(SettingError, match="PERFBUDGET_CPU: pinning to a CPU needs"):
        resolve(None, environ={"PERFBUDGET_CPU": "0"})


# ---- merging processes -----------------------------------------------------------------------


def test_merge_pools_samples_and_keeps_process_medians() -> None:
    runs = []
    for index, base in enumerate((100.0, 110.0, 120.0)):
        run = Result.from_samples("t::x", [base, base + 1, base + 2],
                                  {"rounds": 3, "total_iterations": 30, "iterations_per_sample": 10,
                                   "peak_rss_bytes": 1000.0 * (index + 1), "wall_ns": 50.0})
        run.add_metric("hit_rate", 90 + index, "%", True)
        runs.append(run)
    merged = merge_processes("t::x", runs)
    assert merged.samples == [100, 101, 102, 110, 111, 112, 120, 121, 122]
    assert merged.summary.median == 111
    metrics = merged.metrics
    assert metrics["rounds"] == 9 and metrics["total_iterations"] == 90 and metrics["wall_ns"] == 150
    assert metrics["iterations_per_sample"] == 10 and metrics["peak_rss_bytes"] == 2000.0
    assert math.isnan(metrics["cpu_utilization"])
    assert merged.custom_metrics == {"hit_rate": 91.0, "process_median_1": 101.0,
                                     "process_median_2": 111.0, "process_median_3": 121.0}
    assert ("hit_rate", 91.0, "percent", True) in merged.custom_metric_details


def test_merged_processes_carry_between_process_spread_into_the_verdict() -> None:
    """Within each process the samples are tight; the processes differ by a few percent. The
    pooled baseline's spread covers a candidate that is within it."""
    baseline = merge_processes("t", [Result.from_samples("t", [v, v, v + 0.1]) for v in (100, 104, 97, 102, 99)])
    candidate = merge_processes("t", [Result.from_samples("t", [v, v, v + 0.1]) for v in (101, 98, 103, 100, 102)])
    assert not candidate.compare_with(baseline, threshold=5).regressed


# ---- isolation ----------------------------------------------------------------------------------


def test_exclusive_waits_for_shared_holders(tmp_path: Path) -> None:
    plain, measuring = MeasureLock(str(tmp_path)), MeasureLock(str(tmp_path))
    events: list[str] = []

    def measure() -> None:
        with measuring.exclusive():
            events.append("measure")

    with plain.shared():
        thread = threading.Thread(target=measure)
        thread.start()
        time.sleep(0.2)
        events.append("plain done")
    thread.join(5)
    assert events == ["plain done", "measure"]
    plain.close()
    measuring.close()


def test_exclusive_from_inside_a_shared_hold_upgrades(tmp_path: Path) -> None:
    lock = MeasureLock(str(tmp_path))
    with lock.shared():
        with lock.exclusive():
            pass
        other = MeasureLock(str(tmp_path))
        blocked = threading.Event()

        def take() -> None:
            with other.exclusive():
                blocked.set()

        thread = threading.Thread(target=take)
        thread.start()
        assert not blocked.wait(0.2)  # still held shared after the upgrade
    thread.join(5)
    assert blocked.is_set()
    lock.close()
    other.close()


def test_pinned_restores_affinity() -> None:
    before = os.sched_getaffinity(0)
    cpu = max(before)
    with pinned(cpu):
        assert os.sched_getaffinity(0) == {cpu}
    assert os.sched_getaffinity(0) == before
    with pinned(None):
        assert os.sched_getaffinity(0) == before


# ---- _core helpers ----------------------------------------------------------------------------


def test_comparison_feeds_report_and_status() -> None:
    baseline = Result.from_samples("t", [100.0 + i % 3 for i in range(30)])
    current = Result.from_samples("t", [200.0 + i % 3 for i in range(30)])
    comparison = current.compare_with(baseline, threshold=5)
    assert comparison.regressed and comparison.severity == "critical"
    assert current.test_status(comparison) == "fail"
    assert current.report(comparison).startswith("FAIL t: median 201 ns vs 101 ns baseline: +99.0%")
    assert current.test_status(current._c_comparison(comparison, baseline)) == "fail"
    assert current.test_status(None) == "pass"


def test_results_travel_as_json_text(tmp_path: Path) -> None:
    result = Result.from_samples("a::b", [1.5, 2.5], {"rounds": 2})
    result.add_metric("size", 3, "MB")
    (back,) = Result.from_json_text(Result.to_json_text([result]))
    assert back.name == "a::b" and back.samples == [1.5, 2.5] and back.custom_metrics == {"size": 3e6}
    budget_file = tmp_path / "b.yml"
    budget_file.write_text("version: 1\nbudgets:\n  'a::*':\n    metrics: {size: 1MB}\n", encoding="utf-8")
    assert back.judge(load_budgets(budget_file)) == "fail"
    assert back.budget_entry == "a::*"


def test_fit_line_and_its_errors() -> None:
    fit = fit_line([0, 1, 2], [1, 3, 5])
    assert (fit.slope, fit.intercept, fit.n) == (2.0, 1.0, 3)
    with pytest.raises(ValueError, match="3 x values but 2 y values"):
        fit_line([0, 1, 2], [1, 2])
    with pytest.raises(perfbudget.PerfbudgetError):
        fit_line([1.0], [2.0])
