"""perfbudget as a drop-in for pytest-benchmark (issue 19): each test is a miniature of a pattern
found in real pytest-benchmark suites, run under perfbudget with pytest-benchmark blocked
(-p no:benchmark). Counts of calls decide here; where a time matters, a fake clock gives it, or
two measurements of one run are compared with generous bounds."""

from __future__ import annotations

import json
from pathlib import Path
import pytest

from perfbudget._core import Result
from perfbudget.baseline import load_baseline_file
from perfbudget.benchmark_compat import performance_kwargs
from perfbudget import fixture as fixture_module
from perfbudget.fixture import WARM_BATCH_NS, warm_up

BUDGETS = """\
version: 1
defaults:
  rounds: 10
  min_time: 1ms
  max_time: 300ms
"""

INI_FIXTURE = "[pytest]\nperf_benchmark_fixture = true\naddopts = -p no:benchmark\n"


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:benchmark", *args)


def results_of(pytester: pytest.Pytester, path: str = "out.json") -> dict[str, Result]:
    return {r.name: r for r in Result.load_json(pytester.path / path)}


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".yml", perfbudget=BUDGETS)
    pytester.makeini(INI_FIXTURE)
    return pytester


# ---- pedantic -----------------------------------------------------------------------------


def test_pedantic_with_teardown_calls_nothing_outside_its_rounds(project: pytest.Pytester) -> None:
    """setup, target and teardown each run warmup_rounds + rounds times, teardown with the
    round's arguments; no calibration call."""
    project.makepyfile(test_ped="""
        calls = {"setup": 0, "target": 0, "teardown": []}

        def setup():
            calls["setup"] += 1
            return (calls["setup"],), {"scale": 2}

        def target(n, scale):
            calls["target"] += 1
            return n * scale

        def teardown(n, scale):
            calls["teardown"].append((n, scale))

        def test_ped(benchmark):
            value = benchmark.pedantic(target, setup=setup, teardown=teardown, rounds=5,
                                       warmup_rounds=2)
            assert calls["setup"] == calls["target"] == 7
            assert calls["teardown"] == [(n, 2) for n in range(1, 8)]
            assert value == 14  # the last measured round's
            assert benchmark.stats.rounds == 5 and len(benchmark.stats.data) == 5
    """)
    run(project, "--perf-json", "out.json").assert_outcomes(passed=1)
    assert results_of(project)["test_ped.py::test_ped"].summary.n == 5


def test_pedantic_setup_beside_args(project: pytest.Pytester) -> None:
    """pytest-benchmark's rule: a setup that returns nothing leaves args in use; one that
    returns the arguments while args are given too is an error."""
    project.makepyfile(test_args="""
        import pytest
        seen = []

        def test_setup_returns_nothing(benchmark):
            benchmark.pedantic(seen.append, args=("x",), setup=lambda: None, rounds=3)
            assert seen == ["x"] * 3

        def test_setup_returns_arguments_too(benchmark):
            with pytest.raises(TypeError, match="setup returned the arguments"):
                benchmark.pedantic(seen.append, args=("x",), setup=lambda: (("y",), {}))
    """)
    run(project).assert_outcomes(passed=2)


def test_pedantic_iterator_argument_is_fresh_each_round(project: pytest.Pytester) -> None:
    """A single-use iterator from setup is consumed by one round only: never an exhausted one."""
    project.makepyfile(test_iter="""
        lengths = []

        def consume(items):
            lengths.append(sum(1 for _ in items))

        def test_iter(benchmark):
            benchmark.pedantic(consume, setup=lambda: ((iter(range(1000)),), {}), rounds=6,
                               warmup_rounds=1)
            assert lengths == [1000] * 7
    """)
    run(project).assert_outcomes(passed=1)


def test_pedantic_iterations_time_each_call(project: pytest.Pytester) -> None:
    project.makepyfile(test_loops="""
        calls = []

        def test_loops(benchmark):
            benchmark.pedantic(calls.append, args=(1,), rounds=4, iterations=3)
            assert len(calls) == 12
    """)
    run(project).assert_outcomes(passed=1)


# ---- calibration after a cold first call ----------------------------------------------------


def test_warm_up_outlasts_a_cold_first_call() -> None:
    """Fake timings: a 300 us first call, then calls of 1 us. The warm-up keeps the cold figure
    apart and ends once two long-enough batches agree."""
    calls: list[int] = []

    def time_batch(n: int) -> int:
        calls.append(n)
        return 300_000 if len(calls) == 1 else 1_000 * n

    warm = warm_up(time_batch)
    assert warm.first_call_ns == 300_000
    assert warm.per_call_ns == pytest.approx(1_000)
    assert calls == [1, 1, 2, 4, 8, 16, 32]  # 32 calls: the first batch of 20 us or more
    assert warm.calls == sum(calls)


def test_warm_up_waits_for_a_slowly_warming_function() -> None:
    """Fake timings: the time per call falls over hundreds of calls (1 us + 100 us / k for the
    k-th call); the warm-up goes on until successive batches agree, and a function that never
    settles is measured as it is once the limit is spent."""
    total = [0]

    def settling(n: int) -> int:
        elapsed = 0
        for _ in range(n):
            total[0] += 1
            elapsed += 1_000 + 100_000 // total[0]
        return elapsed

    warm = warm_up(settling)
    assert warm.calls >= 128 and warm.per_call_ns < 1.5 * 1_000

    calls = [0]

    def slower(n: int) -> int:  # the k-th call takes k us: it never settles
        first = calls[0] + 1
        calls[0] += n
        return sum(range(first, first + n)) * 1_000

    warm = warm_up(slower, limit_ns=10_000_000)
    assert warm.calls == calls[0] and 5_000_000 < warm.spent_ns <= 10_000_000


def test_cold_first_call_calibrates_on_warm_calls(project: pytest.Pytester) -> None:
    """A function whose first call spins 300 us and later calls take about a microsecond: many
    calls per sample, the cold call kept apart, and the median near that of the same function
    measured warm in the same run (generous bounds: the machine may be busy)."""
    project.makepyfile(test_cold="""
        import time

        def make():
            state = {"cold": True}

            def work():
                if state["cold"]:
                    state["cold"] = False
                    end = time.perf_counter() + 0.0003
                    while time.perf_counter() < end:
                        pass
                return sum(range(20))
            return work

        def test_cold(perf):
            perf(make())
            assert perf.first_call_ns >= 300_000
            assert perf.result.metrics["iterations_per_sample"] > 1

        def test_warm(perf):
            work = make()
            work()
            perf(work)
    """)
    run(project, "--perf-json", "out.json").assert_outcomes(passed=2)
    results = results_of(project)
    cold, warm = results["test_cold.py::test_cold"], results["test_cold.py::test_warm"]
    assert 0.5 < cold.summary.median / warm.summary.median < 2.0
    assert cold.metrics["first_call_ns"] >= 300_000  # the cold call is in the result file


class _FakeSampler:
    """Stands in for the core's Sampler: records what the loop tells it, asks for 3 batches."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []
        self._batches = [4, 4, 4]

    def set_first_call(self, first_call_ns: object) -> None:
        self.events.append(("first_call", first_call_ns))

    def next(self, elapsed: int) -> int:
        self.events.append(("next", elapsed))
        return self._batches.pop(0) if self._batches else 0

    def note_probe(self, probe_ns: float) -> None:
        self.events.append(("probe", probe_ns))


def test_the_interpreter_probe_is_timed_warm_between_batches_every_4_ms(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake clock, 1 ms a read: before the first batch, and then before a batch once 4 ms have
    passed since it last ran, the probe runs twice and only the second, warm pass is timed; its
    times go to the result, and each to the sampler as it is timed."""
    now = [0]

    def clock() -> int:
        now[0] += 1_000_000
        return now[0]

    probed: list[int] = []

    def probe() -> None:
        probed.append(now[0])
        now[0] += 5_000_000 if len(probed) % 2 else 0  # the cold pass: 5 ms, not timed

    monkeypatch.setattr(fixture_module, "_clock", clock)
    monkeypatch.setattr(fixture_module, "interpreter_probe", probe)
    sampler = _FakeSampler()
    sampler._batches = [4] * 5
    watch = fixture_module._LoopWatch(sampler)  # type: ignore[arg-type]
    while watch.next(0):
        pass
    # reads: 1, probe (cold +5), 7 (warm), probe, 8; then 9, 10, 11 (no probe: under 4 ms since
    # 8), 12, probe, 18, probe, 19; then 20
    assert probed == [1_000_000, 7_000_000, 12_000_000, 18_000_000]
    assert watch.probe_times == [1_000_000, 1_000_000]
    # each probe is noted before the batch it precedes, so that the samples carry it
    assert [e for e in sampler.events if e[0] == "probe" or e == ("next", 0)][:4] == [
        ("probe", 1_000_000), ("next", 0), ("next", 0), ("next", 0)]
    assert [e[1] for e in sampler.events if e[0] == "probe"] == [1_000_000, 1_000_000]
    unprobed = fixture_module._LoopWatch(_FakeSampler(), probe=False)  # type: ignore[arg-type]
    while unprobed.next(0):  # instructions mode
        pass
    assert unprobed.probe_times == [] and len(probed) == 4


def test_the_warm_up_gives_the_core_its_cold_first_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake clock: the first call takes 500 us, every later call 1 us. The loop hands the
    warm-up's first call to the core before the first batch (so the core neither times nor
    calibrates on a cold call); pedantic's rounds hand it none."""
    now = [0]
    calls = [0]

    def clock() -> int:
        return now[0]

    def work() -> None:
        calls[0] += 1
        now[0] += 500_000 if calls[0] == 1 else 1_000

    monkeypatch.setattr(fixture_module, "_clock", clock)
    sampler = _FakeSampler()
    fixture_module._plain_loop(work, (), {}, warm=True)(sampler)  # type: ignore[arg-type]
    assert sampler.events[0] == ("first_call", 500_000)
    assert [kind for kind, _ in sampler.events[1:]] == ["next"] * 4

    sampler = _FakeSampler()
    fixture_module._pedantic_loop(work, lambda: ((), {}), None, 1)(sampler)  # type: ignore[arg-type]
    assert sampler.events[0] == ("first_call", None)


def test_pedantic_results_carry_no_first_call(project: pytest.Pytester) -> None:
    """pedantic runs only its declared rounds: no first call is timed apart, and the result file
    says nothing of one."""
    project.makepyfile(test_rounds="""
        def test_rounds(perf):
            perf.pedantic(sum, args=(range(10),), rounds=5)
            assert perf.first_call_ns is None
    """)
    run(project, "--perf-json", "out.json").assert_outcomes(passed=1)
    document = json.loads((project.path / "out.json").read_text())
    assert "first_call_ns" not in document["benchmarks"][0]["metrics"]


# ---- the same numbers as pytest-benchmark ---------------------------------------------------

# One clock for both tools: each read advances it 1 ns (pytest-benchmark's timer-precision probe
# waits for it to move), and the measured work advances it by what a call "costs".
SHARED_CLOCK = """
NOW = [0]


def fake_timer():  # pytest-benchmark's --benchmark-timer: seconds
    NOW[0] += 1
    return NOW[0] / 1e9


def fake_clock():  # perfbudget's batch clock: ns
    NOW[0] += 1
    return NOW[0]


def pytest_configure(config):
    if config.pluginmanager.has_plugin("perfbudget"):
        import perfbudget.fixture
        perfbudget.fixture._clock = fake_clock
"""

# The patterns of real suites, each call costing a known time: plain calls, pedantic with setup
# returning the arguments, with args and teardown, an iterator argument, and a cold first call.
MINIATURES = """
from conftest import NOW

COLD = [True]


def work(*args, **kwargs):
    NOW[0] += 5_000


def consume(items):
    for _ in items:
        NOW[0] += 1_000


def cold_then_warm():
    NOW[0] += 400_000 if COLD[0] else 2_000
    COLD[0] = False


def test_plain(benchmark):
    benchmark(work)


def test_pedantic_setup(benchmark):
    benchmark.pedantic(work, setup=lambda: ((1,), {"x": 2}), rounds=40)


def test_pedantic_teardown(benchmark):
    benchmark.pedantic(work, args=(1,), teardown=lambda *a: None, rounds=40, iterations=5)


def test_iterator_argument(benchmark):
    benchmark(lambda: consume(iter(range(8))))


def test_cold_first_call(benchmark):
    benchmark(cold_then_warm)
"""


def test_the_same_numbers_as_pytest_benchmark(pytester: pytest.Pytester,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The miniatures run under pytest-benchmark and under perfbudget's benchmark fixture on one
    fake clock: each median agrees within 10 % (here they agree to the clock's 1 ns reads), so
    a suite that moves over reads the same times. Real clocks differ at 2-8 us only by
    pytest-benchmark's own timer and loop per round (docs/performance.md)."""
    pytest.importorskip("pytest_benchmark")
    # Under pytest -n, a worker's environment would make pytest-benchmark in the child think it
    # runs under xdist and switch itself off.
    for variable in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(variable, raising=False)
    pytester.makeconftest(SHARED_CLOCK)
    pytester.makepyfile(test_miniatures=MINIATURES)
    pytester.makefile(".yml", perfbudget=BUDGETS)
    theirs = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:perfbudget",
                                           "--benchmark-timer", "conftest.fake_timer",
                                           "--benchmark-json", "theirs.json")
    theirs.assert_outcomes(passed=5)
    ours = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:benchmark",
                                         "-o", "perf_benchmark_fixture=true",
                                         "--perf-json", "ours.json")
    ours.assert_outcomes(passed=5)
    expected = {"test_plain": 5_000, "test_pedantic_setup": 5_000,
                "test_pedantic_teardown": 5_000, "test_iterator_argument": 8_000,
                "test_cold_first_call": 2_000}
    their_medians = {b["name"]: b["stats"]["median"] * 1e9
                     for b in json.loads((pytester.path / "theirs.json").read_text())["benchmarks"]}
    our_medians = {r.name.rsplit("::", 1)[-1]: r.summary.median
                   for r in Result.load_json(pytester.path / "ours.json")}
    assert set(their_medians) == set(our_medians) == set(expected)
    for name, cost in expected.items():
        assert their_medians[name] == pytest.approx(cost, rel=0.01), name
        assert our_medians[name] == pytest.approx(their_medians[name], rel=0.10), name


# ---- the fixture's attributes, the marker and the options -------------------------------------


def test_benchmark_attributes_and_marker(project: pytest.Pytester) -> None:
    project.makepyfile(test_attrs="""
        import pytest

        @pytest.mark.benchmark(group="parsing", min_rounds=12, timer=None)
        def test_attrs(benchmark):
            benchmark.extra_info["size"] = 3
            assert benchmark(sum, range(10)) == 45
            assert benchmark.name == "test_attrs"
            assert benchmark.fullname == "test_attrs.py::test_attrs"
            assert benchmark.group == "parsing"
            stats = benchmark.stats
            assert stats.stats is stats and stats["median"] == stats.median
            assert 0 < stats.min <= stats.median <= stats.max < 0.01  # seconds
            assert stats.rounds >= 12 and stats.ops > 0
    """)
    result = run(project, "--perf-json", "out.json", "--junitxml", "junit.xml")
    result.assert_outcomes(passed=1)
    assert results_of(project)["test_attrs.py::test_attrs"].summary.n >= 12
    assert 'name="extra.size" value="3"' in (project.path / "junit.xml").read_text()


def test_addopts_with_benchmark_options(pytester: pytest.Pytester) -> None:
    """A project's addopts written for pytest-benchmark: the run starts, --benchmark-min-rounds
    sets the rounds, --benchmark-disable-gc and --benchmark-sort are named in one note."""
    pytester.makefile(".yml", perfbudget=BUDGETS)
    pytester.makeini("[pytest]\nperf_benchmark_fixture = true\naddopts = -p no:benchmark "
                     "--benchmark-min-rounds=15 --benchmark-sort=fullname "
                     "--benchmark-disable-gc --benchmark-warmup=on "
                     "--benchmark-columns=min,max\n")
    pytester.makepyfile(test_opts="""
        def test_opts(benchmark):
            benchmark(sum, range(10))

        def test_plain():
            pass
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--perf-json", "out.json")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["perfbudget: pytest-benchmark's options without a perfbudget "
                                 "meaning, ignored: --benchmark-disable-gc (*); --benchmark-sort "
                                 "(*); --benchmark-columns (*)"])
    assert results_of(pytester)["test_opts.py::test_opts"].summary.n >= 15
    only = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--benchmark-only", "-rs")
    only.assert_outcomes(passed=1, skipped=1)
    disabled = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--benchmark-disable",
                                             "--perf-json", "off.json")
    disabled.assert_outcomes(passed=2)
    assert not (pytester.path / "off.json").exists() or not results_of(pytester, "off.json")


def test_fixture_setting_refuses_a_loaded_pytest_benchmark(pytester: pytest.Pytester) -> None:
    pytest.importorskip("pytest_benchmark")
    pytester.makeini("[pytest]\nperf_benchmark_fixture = true\n")
    pytester.makepyfile(test_x="def test_x(): pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*perf_benchmark_fixture = true*pytest-benchmark is loaded*"
                                 "-p no:benchmark*"])


def test_marker_and_option_keywords_map() -> None:
    assert performance_kwargs({"min_rounds": 7, "max_time": 0.5, "min_time": "0.1",
                               "warmup": True, "warmup_iterations": 50, "timer": "x",
                               "disable_gc": True}) == {
        "rounds": 7, "max_time": 0.5, "min_time": 0.1, "warmup": 50}
    assert performance_kwargs({"warmup": False, "warmup_iterations": 50}) == {}


# ---- pytest-benchmark's saved files as baselines ---------------------------------------------


def saved_file(names_and_data: dict[str, list[float]], with_data: bool) -> dict:
    """A pytest-benchmark saved file (the fields its save writes), times in seconds."""
    benchmarks = []
    for fullname, data in names_and_data.items():
        ordered = sorted(data)
        stats = {"min": ordered[0], "max": ordered[-1], "mean": sum(data) / len(data),
                 "median": ordered[len(data) // 2], "rounds": len(data), "iterations": 1,
                 "ops": len(data) / sum(data)}
        if with_data:
            stats["data"] = data
        benchmarks.append({"group": None, "name": fullname.split("::")[-1], "fullname": fullname,
                           "params": None, "param": None, "extra_info": {}, "options": {},
                           "stats": stats})
    return {"machine_info": {"node": "box", "processor": "x86_64", "machine": "x86_64",
                             "python_implementation": "CPython", "python_version": "3.11.7",
                             "release": "6.1.0", "system": "Linux",
                             "cpu": {"brand_raw": "Some CPU", "count": 2}},
            "commit_info": {"id": "0123456789abcdef0123456789abcdef01234567", "dirty": False,
                            "project": "demo", "branch": "main"},
            "benchmarks": benchmarks, "datetime": "2026-01-01T00:00:00", "version": "5.1.0"}


@pytest.mark.parametrize("with_data", [True, False], ids=["save-data", "median-only"])
def test_pytest_benchmark_file_as_baseline(project: pytest.Pytester, with_data: bool) -> None:
    """--perf-baseline takes the saved file itself; its benchmarks match the tests by node id
    and are compared (not `new`). With data, the same speed passes; with only a median, one
    figure cannot show a change: inconclusive."""
    project.makepyfile(test_base="""
        def test_sleepy(benchmark):
            benchmark(sum, range(100))
    """)
    run(project, "--perf-json", "now.json").assert_outcomes(passed=1)
    now = results_of(project, "now.json")["test_base.py::test_sleepy"].samples
    saved = saved_file({"test_base.py::test_sleepy": [s / 1e9 for s in now]}, with_data)
    (project.path / "0001_saved.json").write_text(json.dumps(saved))
    result = run(project, "--perf-baseline", "0001_saved.json", "--perf-json", "out.json",
                 "--perf-threshold", "400")  # two interpreter processes differ by up to +78 %
    result.assert_outcomes(passed=1)
    assert "new: the baseline has no result" not in result.stdout.str()
    verdict = results_of(project)["test_base.py::test_sleepy"].latency_comparison
    assert verdict is not None
    if not with_data:
        assert verdict.outcome == "inconclusive"


def test_baseline_files_are_told_apart(tmp_path: Path) -> None:
    path = tmp_path / "pb.json"
    path.write_text(json.dumps(saved_file({"t.py::a": [1e-6, 2e-6, 3e-6]}, True)))
    (imported,) = load_baseline_file(path)
    assert imported.name == "t.py::a" and imported.samples == pytest.approx([1e3, 2e3, 3e3])
    google = tmp_path / "gb.json"
    google.write_text(json.dumps({"context": {"host_name": "box", "num_cpus": 2},
                                  "benchmarks": [{"name": "BM_a", "run_name": "BM_a",
                                                  "run_type": "iteration", "iterations": 10,
                                                  "real_time": 5, "cpu_time": 5,
                                                  "time_unit": "ns"}]}))
    assert [r.name for r in load_baseline_file(google)] == ["BM_a"]
    reordered = tmp_path / "reordered.json"  # rewritten by a tool that sorted the keys
    saved = saved_file({"t.py::a": [1e-6]}, True)
    reordered.write_text(json.dumps({"benchmarks": saved["benchmarks"],
                                     "machine_info": saved["machine_info"]}))
    assert [r.name for r in load_baseline_file(reordered)] == ["t.py::a"]

