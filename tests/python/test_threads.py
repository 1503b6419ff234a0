"""Concurrency: the core's per-thread percentiles, throughput, spread and efficiency through the
Python wrapper with injected samples; budgets' scaling:; perf.threads() and the marker's
threads= as users meet them. The plugin tests time functions that sleep 1 ms, alone or under
one shared lock, so what is asserted (a lock held across the sleep keeps four threads from
overlapping: efficiency near 25 %, below a 90 % budget) does not depend on the machine's speed."""

from __future__ import annotations

import json

import pytest

from perfbudget._core import (
    PerfbudgetError,
    Result,
    describe_scaling,
    judge_scaling,
    load_budgets,
    scaling_efficiency,
    scaling_point,
)


def test_point_from_injected_samples() -> None:
    # thread 0: 100, 200, 300 ns per call; thread 1: 400 ns thrice; batches of 10 calls, 6 us
    point = scaling_point([[300.0, 100.0, 200.0], [400.0, 400.0, 400.0]], 10, 6000.0)
    assert (point.threads, point.calls, point.wall_ns) == (2, 60.0, 6000.0)
    assert point.throughput == pytest.approx(1e7)
    assert point.efficiency is None  # set against the 1-thread point
    assert [t.p50_ns for t in point.per_thread] == [200.0, 400.0]
    assert point.per_thread[0].p90_ns == pytest.approx(280.0)
    assert point.spread == pytest.approx(2.0)
    assert point.p50_ns == pytest.approx(350.0)


def test_efficiency_is_throughput_over_n_times_one_thread() -> None:
    one = scaling_point([[100.0] * 4], 1, 400.0)  # 4 calls in 400 ns: 1e7 calls/s
    two = scaling_point([[100.0] * 4, [100.0] * 4], 1, 500.0)  # 8 in 500 ns: 1.6e7
    four = scaling_point([[100.0] * 4] * 4, 1, 800.0)  # 16 in 800 ns: 2e7
    points = scaling_efficiency([four, one, two])
    assert [p.efficiency for p in points] == pytest.approx([0.5, 1.0, 0.8])
    assert scaling_efficiency([two])[0].efficiency is None  # no 1-thread point
    assert describe_scaling(scaling_efficiency([one, two, four])) == (
        "threads 1/2/4: 1e+07/1.6e+07/2e+07 calls/s, efficiency 100/80/50 %, "
        "spread 1.00/1.00/1.00")


def test_injected_samples_are_checked() -> None:
    with pytest.raises(PerfbudgetError, match="thread 1 of 2 has no samples"):
        scaling_point([[1.0], []], 1, 0.0)
    with pytest.raises(PerfbudgetError):
        scaling_point([[float("nan")]], 1, 0.0)


def test_scaling_budget_and_result_file(tmp_path) -> None:
    (tmp_path / "perfbudget.yml").write_text(
        "version: 1\nbudgets:\n  pool:\n    scaling: {threads: 2, efficiency: 90%}\n")
    budget = load_budgets(tmp_path / "perfbudget.yml")
    assert (budget.resolve("pool").scaling_threads, budget.resolve("pool").scaling_efficiency_pct) \
        == (2, 90.0)
    points = scaling_efficiency([scaling_point([[100.0] * 4], 1, 400.0),
                                 scaling_point([[100.0] * 4, [100.0] * 4], 1, 500.0)])
    verdict = judge_scaling(points, budget, "pool")
    assert (verdict.status, verdict.threads, verdict.measured_pct, verdict.allowed_pct) == (
        "fail", 2, pytest.approx(80.0), 90.0)
    assert verdict.text == "2 threads: efficiency 80.0 % < 90 % allowed (scaling:)"
    assert judge_scaling(points, budget, "other").threads == 0
    result = Result.from_samples("pool", [100.0, 101.0])
    result.set_scaling(points, verdict)
    Result.write_json([result], tmp_path / "out.json")
    stored = json.loads((tmp_path / "out.json").read_text("utf-8"))["benchmarks"][0]["scaling"]
    assert [p["threads"] for p in stored["points"]] == [1, 2]
    assert stored["points"][1]["efficiency"] == pytest.approx(0.8)
    assert stored["verdict"]["status"] == "fail"
    back, back_verdict = Result.load_json(tmp_path / "out.json")[0].scaling
    assert [p.efficiency for p in back] == pytest.approx([1.0, 0.8])
    assert back_verdict is not None and back_verdict.text == verdict.text


def test_scaling_budget_needs_both_keys(tmp_path) -> None:
    (tmp_path / "perfbudget.yml").write_text(
        "version: 1\nbudgets:\n  pool:\n    scaling: {threads: 2}\n")
    with pytest.raises(PerfbudgetError, match="scaling needs threads and efficiency"):
        load_budgets(tmp_path / "perfbudget.yml")


# ---- perf.threads() and threads= in a pytest run ------------------------------------------------

THREAD_TESTS = """\
import threading
import time

import pytest

LOCK = threading.Lock()


def sleep_1ms():
    time.sleep(0.001)


def sleep_1ms_locked():
    with LOCK:  # threads never overlap: four threads do one thread's work
        time.sleep(0.001)


def test_free(perf):
    perf.threads([2])(sleep_1ms)


def test_locked(perf):
    perf.threads(4)(sleep_1ms_locked)


@pytest.mark.performance(threads=[1, 2])
def test_marker(perf):
    perf(sleep_1ms)
"""

BUDGET = ("version: 1\n"
          "defaults: {rounds: 10, min_time: 1ms, max_time: 300ms, warmup: 0}\n"
          "budgets:\n"
          "  test_free:\n    scaling: {threads: 2, efficiency: 20%}\n"
          "  test_locked:\n    scaling: {threads: 4, efficiency: 90%}\n")


def test_perf_threads_judges_the_scaling(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yml", perfbudget=BUDGET)
    pytester.makepyfile(test_it=THREAD_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--perf-json=out.json")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "*FAIL test_it.py::test_locked: 4 threads: efficiency * % < 90 % allowed (scaling:)*"])
    result.stdout.fnmatch_lines([
        "*note: test_it.py::test_free: scaling: threads 1/2: * calls/s, efficiency 100/* %, spread *",
        "*note: test_it.py::test_free: scaling 2 threads: efficiency * % >= 20 % allowed*"])
    benchmarks = {b["name"]: b for b in
                  json.loads((pytester.path / "out.json").read_text("utf-8"))["benchmarks"]}
    locked = benchmarks["test_it.py::test_locked"]["scaling"]
    assert [p["threads"] for p in locked["points"]] == [1, 4]
    assert [len(p["per_thread"]) for p in locked["points"]] == [1, 4]
    assert all(t["samples"] >= 10 for p in locked["points"] for t in p["per_thread"])
    assert locked["verdict"]["status"] == "fail"
    # The marker's threads: scaling measured, no budget on it
    marker = benchmarks["test_it.py::test_marker"]["scaling"]
    assert [p["threads"] for p in marker["points"]] == [1, 2]
    assert "verdict" not in marker


def test_an_exception_in_a_thread_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_it="""
import threading

def test_it(perf):
    def only_in_main():
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError("not thread-safe")
    perf.threads(2)(only_in_main)
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*RuntimeError: not thread-safe*"])


def test_bad_thread_counts_are_refused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_it="""
import pytest

def test_zero(perf):
    perf.threads(0)(abs, -1)

def test_twice(perf):
    perf.threads([2, 2])(abs, -1)

@pytest.mark.performance(threads=[2, 100])
def test_marker(perf):
    perf(abs, -1)
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2, errors=1)  # the marker's, at setup
    result.stdout.fnmatch_lines(["*perf.threads: a thread count is a whole number from 1 to 64*",
                                 "*perf.threads: at most 8 thread counts, each once*",
                                 "*thread counts are from 1 to 64, each once, at most 8*"])


def test_async_measurements_carry_the_event_loop_overhead(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yml", perfbudget="version: 1\n"
                      "defaults: {rounds: 5, min_time: 1ms, max_time: 100ms, warmup: 0}\n")
    pytester.makepyfile(test_it="""
import asyncio

async def one_trip():
    await asyncio.sleep(0)

def test_fresh_loop(perf):
    perf.async_(one_trip)

def test_running_loop(perf):
    async def main():
        await perf.aio(one_trip)
    asyncio.run(main())

def test_plain(perf):
    perf(abs, -1)
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--perf-json=out.json")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["note: test_it.py::test_fresh_loop: event loop overhead * per "
                                 "awaited call (an empty coroutine on the same loop)"])
    assert "test_plain: event loop overhead" not in result.stdout.str()
    benchmarks = {b["name"]: b for b in
                  json.loads((pytester.path / "out.json").read_text("utf-8"))["benchmarks"]}
    for name in ("test_it.py::test_fresh_loop", "test_it.py::test_running_loop"):
        metrics = {m["name"]: m for m in benchmarks[name]["custom_metrics"]}
        overhead = metrics["event_loop_overhead"]
        assert overhead["kind"] == "duration" and overhead["value"] > 0
    assert benchmarks["test_it.py::test_plain"]["custom_metrics"] == []
