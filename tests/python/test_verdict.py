"""The judging stage (perfbudget_result_conclude): one verdict record, the estimator behind test
verdicts checked against an independent computation with numpy and scipy, the machine's state,
and the same record from every consumer. Samples are injected: nothing here is timed."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path
from typing import Sequence

import pytest

import perfbudget
from perfbudget._core import History, Result, load_budgets

np = pytest.importorskip("numpy")
stats = pytest.importorskip("scipy.stats")

ROOT = Path(__file__).resolve().parents[2]


def lognormal(seed: int, n: int, median: float, sigma: float = 0.02, drift: float = 0.0) -> list[float]:
    rng = np.random.default_rng(seed)
    trend = np.linspace(0.0, drift, n)
    return list(median * np.exp(rng.normal(0.0, sigma, n) + trend))


def median_and_log_se(values: Sequence[float]) -> tuple[float, float]:
    """numpy's median and the standard error of its log implied by the order-statistic 95 % CI
    of the median, taken on the log scale: ranks from the binomial distribution
    (docs/statistics.md)."""
    x = np.sort(np.asarray(values))
    n = len(x)
    cdf = stats.binom.cdf(np.arange(n), n, 0.5)  # F(j) = P(B <= j)
    lower = [j + 1 for j in range(n) if cdf[j] <= 0.025]
    upper = [j + 1 for j in range(n) if cdf[j] >= 0.975]
    l = lower[-1] if lower else 1
    u = upper[0] if upper else n
    f_lower = cdf[l - 1] if lower else cdf[0]
    level = cdf[u - 1] - f_lower
    se = (math.log(x[u - 1]) - math.log(x[l - 1])) / (2 * stats.norm.ppf((1 + level) / 2))
    return float(np.quantile(x, 0.5)), float(se)


def expected_comparison(base: Sequence[float], now: Sequence[float], runs: Sequence[float],
                        alpha: float = 0.05) -> dict[str, float]:
    """The verdict estimator, written independently of the C core."""
    def side(values: Sequence[float]) -> tuple[float, float]:
        value, log_se = median_and_log_se(values)
        n = len(values)
        blocks = [np.median(values[k * n // 8:(k + 1) * n // 8]) for k in range(8)]
        block_se = np.std(np.log(blocks), ddof=1) / math.sqrt(8) if n >= 16 else 0.0
        return math.log(value), max(log_se, block_se)

    level_b, se_b = side(base)
    level_c, se_c = side(now)
    variance = se_b ** 2 + se_c ** 2
    df = math.inf
    if len(runs) >= 3:
        variance += 2 * np.var(np.log(runs), ddof=1)
        df = len(runs) - 1
    d, se = level_c - level_b, math.sqrt(variance)
    t = stats.norm if math.isinf(df) else stats.t(df)
    q = t.ppf(1 - alpha / 2)
    return {"change_pct": 100 * math.expm1(d), "p_value": 2 * t.sf(abs(d) / se),
            "ci_low_pct": 100 * math.expm1(d - q * se), "ci_high_pct": 100 * math.expm1(d + q * se)}


@pytest.mark.parametrize("case", [
    dict(seed=1, n=(200, 180), shift=1.03, runs=[]),
    dict(seed=2, n=(50, 61), shift=1.10, runs=[1000.0, 1012.0, 991.0, 1030.0]),
    dict(seed=3, n=(400, 400), shift=1.00, runs=[1000.0, 1040.0, 975.0], drift=0.05),
    dict(seed=4, n=(12, 9), shift=0.90, runs=[]),
])
def test_estimator_matches_an_independent_computation(case: dict) -> None:
    base = lognormal(case["seed"], case["n"][0], 1000.0, drift=case.get("drift", 0.0))
    now = lognormal(case["seed"] + 100, case["n"][1], 1000.0 * case["shift"])
    got = perfbudget.compare(base, now, threshold=5.0, run_medians=case["runs"])
    want = expected_comparison(base, now, case["runs"])
    for key, value in want.items():
        assert getattr(got, key) == pytest.approx(value, rel=1e-7, abs=1e-9), key


def test_significance_never_contradicts_the_interval() -> None:
    """The issue's case: `+25.9 % (95 % CI -6.0 % .. +57.7 %), p = 0.0087 ... regression`."""
    for seed in range(60):
        rng = np.random.default_rng(seed)
        base = list(rng.lognormal(math.log(100), rng.uniform(0.01, 0.5), int(rng.integers(5, 80))))
        now = list(rng.lognormal(math.log(100 * rng.uniform(0.8, 1.4)), rng.uniform(0.01, 0.5),
                                 int(rng.integers(5, 80))))
        for runs in (None, [], [100.0, 103.0, 98.0]):
            c = perfbudget.compare(base, now, threshold=5.0, run_medians=runs)
            reaches_zero = c.ci_low_pct <= 0.0 <= c.ci_high_pct
            assert not (c.significant and reaches_zero), (seed, runs, c)
            if c.outcome in ("regression", "improvement"):
                assert not reaches_zero, (seed, runs, c)


def test_drift_within_a_run_widens_the_interval() -> None:
    """Thousands of samples from one process gave zero-width intervals and p = 0 on unchanged
    code: the blocks' spread keeps a drifting run from claiming that precision."""
    base = lognormal(7, 4000, 1000.0, sigma=0.001, drift=0.06)
    now = lognormal(8, 4000, 1010.0, sigma=0.001, drift=0.06)
    plain = perfbudget.compare(base, now, threshold=0.5)  # the samples as independent
    assert plain.p_value < 1e-6
    c = perfbudget.compare(base, now, threshold=0.5, run_medians=[])
    assert not c.significant and c.outcome == "inconclusive"
    assert c.ci_low_pct < 0.0 < c.ci_high_pct


def result(name: str, samples: Sequence[float], cpu_share: float = 0.999,
           **metrics: float) -> Result:
    return Result.from_samples(name, samples, {"cpu_utilization": cpu_share, **metrics})


def test_a_busier_machine_makes_a_wall_time_change_inconclusive() -> None:
    base = result("t", lognormal(1, 60, 7.32e6), cpu_share=0.999)
    busy = result("t", lognormal(2, 60, 42.5e6), cpu_share=0.16)
    assert busy.conclude(regression=True, baseline=[base]) == "pass"
    c = busy.latency_comparison
    assert c is not None and c.outcome == "inconclusive" and not c.regressed
    kinds = [kind for kind, _ in busy.notes]
    assert kinds == ["machine_busier"]
    text = busy.notes[0][1]
    assert "16.0 % of a CPU, the baseline 99.9 %" in text and "busier" in text
    assert "machine was busier" in busy.report()


def test_a_quiet_machine_still_fails_a_slowdown() -> None:
    base = result("t", lognormal(1, 60, 1e6))
    slow = result("t", lognormal(2, 60, 2e6))
    assert slow.conclude(regression=True, baseline=[base]) == "fail"
    assert slow.latency_comparison.outcome == "regression"
    assert slow.notes == []


def test_p10_reads_the_fast_state_the_median_misses() -> None:
    """A run that spent 70 % of its time in the machine's slow state (1.9x): its median moved,
    its fastest tenth did not. statistic p10 compares that tenth; the median fails the run."""
    base = result("t", lognormal(1, 200, 1e6))
    now = result("t", lognormal(2, 60, 1e6) + lognormal(3, 140, 1.9e6))
    assert now.conclude(regression=True, baseline=[base]) == "fail"
    assert now.conclude(regression=True, baseline=[base], statistic="p10") == "pass"
    c = now.latency_comparison
    assert c is not None and c.statistic == "p10" and abs(c.change_pct) < 2.0
    with pytest.raises(ValueError, match="unknown name 'p5'"):
        now.conclude(regression=True, baseline=[base], statistic="p5")


def test_modes_are_kept_apart() -> None:
    counted = result("t", lognormal(1, 30, 1e6))
    counted.set_mode("instructions")
    timed = result("t", lognormal(2, 30, 2e6))
    assert timed.conclude(regression=True, baseline=[counted]) == "pass"
    assert timed.latency_comparison is None
    assert timed.notes[0][0] == "other_mode"
    assert "only in instructions mode" in timed.notes[0][1]
    # with both modes in the baseline, the timed result meets the timed one
    also_timed = result("t", lognormal(3, 30, 1e6))
    assert timed.conclude(regression=True, baseline=[counted, also_timed]) == "fail"


def test_new_series_and_changed_code_are_notes() -> None:
    base = result("other", lognormal(1, 30, 1e6))
    now = result("t", lognormal(2, 30, 1e6))
    now.conclude(regression=True, baseline=[base])
    assert now.notes[0][0] == "new_series"
    old = result("t", lognormal(1, 30, 1e6))
    old.set_identity("v1")
    now.set_identity("v2")
    now.conclude(regression=True, baseline=[old])
    assert now.notes[0][0] == "code_changed"


def budget_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "perfbudget.yml"
    path.write_text(text)
    return path


def test_a_budget_keyed_by_the_function_name_applies_everywhere(tmp_path: Path) -> None:
    """pytest applied it and `perfbudget check` did not; now the core chooses for both."""
    path = budget_file(tmp_path, "version: 1\nbudgets:\n  test_parse:\n    latency: {median: 1ms}\n")
    slow = result("tests/test_io.py::test_parse[big]", lognormal(1, 30, 2e6))
    assert slow.conclude(budget=load_budgets(path)) == "fail"
    assert slow.budget_entry == "test_parse"


def test_memory_and_cpu_share_are_judged_only_when_asked(tmp_path: Path) -> None:
    base = result("t", lognormal(1, 60, 1e6), cpu_share=0.5, peak_rss_bytes=40e6)
    now = result("t", lognormal(2, 60, 1e6), cpu_share=0.999, peak_rss_bytes=60e6)
    plain = load_budgets(budget_file(tmp_path, "version: 1\nbudgets: {}\n"))
    assert now.conclude(budget=plain, regression=True, baseline=[base]) == "pass"
    assert [c["metric"] for c in now.metric_comparisons] == ["median"]
    asked = load_budgets(budget_file(
        tmp_path, "version: 1\ndefaults:\n  regression: {per_metric: {memory: 10%}}\nbudgets: {}\n"))
    now.conclude(budget=asked, regression=True, baseline=[base])
    assert [c["metric"] for c in now.metric_comparisons] == ["median", "memory"]


def records(results_json: dict) -> list[dict]:
    """The verdict record of each benchmark in a result file."""
    return [{key: b.get(key) for key in ("name", "comparisons", "notes", "budget")}
            for b in results_json["benchmarks"]]


def test_one_verdict_record_from_every_consumer(tmp_path: Path, cli: Path) -> None:
    """The same result, baseline and budget through `perfbudget check`, `perfbudget report
    --format json` and the Python front end (the pytest plugin's path): identical records."""
    budget = budget_file(tmp_path, "version: 1\ndefaults:\n  regression: {threshold: 5%}\n"
                                   "budgets:\n  slow:\n    latency: {p95: 1500us}\n")
    base = [result("slow", lognormal(1, 80, 1e6)), result("steady", lognormal(2, 80, 5e5)),
            result("busy", lognormal(3, 80, 2e5))]
    now = [result("slow", lognormal(4, 80, 1.5e6)), result("steady", lognormal(5, 80, 5e5)),
           result("busy", lognormal(6, 80, 6e5), cpu_share=0.3)]
    Result.write_json(base, tmp_path / "base.json")
    Result.write_json(now, tmp_path / "now.json")
    check = subprocess.run([str(cli), "check", str(tmp_path / "now.json"), "--budget", str(budget),
                            "--baseline", str(tmp_path / "base.json"), "--json",
                            str(tmp_path / "checked.json")], capture_output=True, text=True)
    assert check.returncode == 1, check.stdout + check.stderr
    report = subprocess.run([str(cli), "report", "--input", str(tmp_path / "now.json"),
                             "--budget", str(budget), "--baseline", str(tmp_path / "base.json"),
                             "--format", "json"], capture_output=True, text=True, check=True)
    loaded = load_budgets(budget)
    python = Result.load_json(tmp_path / "now.json")
    baseline = Result.load_json(tmp_path / "base.json")
    statuses = [r.conclude(budget=loaded, regression=True, baseline=baseline) for r in python]
    assert statuses == ["fail", "pass", "pass"]
    from_python = json.loads(Result.to_json_text(python))
    from_check = json.loads((tmp_path / "checked.json").read_text())
    from_report = json.loads(report.stdout)
    assert records(from_check) == records(from_python) == records(from_report)
    busy = records(from_python)[2]
    assert busy["notes"][0]["kind"] == "machine_busier"


def timed(name: str, wall: Sequence[float], cpu: Sequence[float], wait_share: float,
          **metrics: float) -> Result:
    """A result with CPU-time samples and the share of its wall time it waited for a CPU."""
    wall_ns = float(sum(wall))
    r = Result.from_samples(name, wall, {"cpu_utilization": sum(cpu) / wall_ns, "wall_ns": wall_ns,
                                         "runqueue_wait_ns": wait_share * wall_ns, **metrics})
    r.set_cpu_samples(cpu)
    return r


def quiet_baseline() -> Result:
    work = lognormal(1, 60, 1e6)
    return timed("t", work, work, wait_share=0.005)


@pytest.mark.parametrize("factor, status, outcome", [
    (1.00, "pass", "pass"), (1.30, "pass", "inconclusive"), (2.00, "fail", "regression"),
    (0.80, "pass", "inconclusive"), (0.50, "pass", "improvement")])
def test_a_busier_machine_is_judged_on_cpu_time(factor: float, status: str, outcome: str) -> None:
    """Four spinners on two cores: the wall time is five times the work, CPU time is not; a
    busy machine still slows CPU time by tens of percent, so only a large change can fail."""
    work = [x * factor for x in lognormal(2, 60, 1e6)]
    busy = timed("t", [x * 5 for x in work], work, wait_share=0.8)
    assert busy.conclude(regression=True, baseline=[quiet_baseline()]) == status
    c = busy.latency_comparison
    assert c is not None and c.outcome == outcome
    assert [kind for kind, _ in busy.notes] == ["cpu_time"]
    assert "judged on CPU time" in busy.notes[0][1]
    assert "waited for one 80.0 % of its time" in busy.notes[0][1]


def test_code_that_waits_more_is_a_regression_not_a_busy_machine() -> None:
    """A sleep added to the code lowers its CPU share too, but it does not wait for a CPU."""
    work = lognormal(2, 60, 1e6)
    sleepy = timed("t", [x * 3 for x in work], work, wait_share=0.005)
    assert sleepy.conclude(regression=True, baseline=[quiet_baseline()]) == "fail"
    assert sleepy.latency_comparison.outcome == "regression"
    assert sleepy.notes == []


def test_a_baseline_from_a_busier_machine_is_compared_on_cpu_time() -> None:
    """The latest run was a busy one: the quiet run after it is compared on CPU time, so a real
    +30 % still fails and an unchanged run is no false improvement."""
    work = lognormal(1, 60, 1e6)
    busy_base = timed("t", [x * 4 for x in work], work, wait_share=0.75)
    now = timed("t", lognormal(2, 60, 1e6), lognormal(2, 60, 1e6), wait_share=0.005)
    assert now.conclude(regression=True, baseline=[busy_base]) == "pass"
    assert now.latency_comparison.outcome == "pass"
    assert now.notes[0][0] == "cpu_time" and "busier for the baseline" in now.notes[0][1]
    slower = timed("t", lognormal(3, 60, 1.3e6), lognormal(3, 60, 1.3e6), wait_share=0.005)
    assert slower.conclude(regression=True, baseline=[busy_base]) == "fail"
    # without CPU samples an improvement cannot be told from the machine
    old = Result.from_samples("t", [x * 4 for x in work],
                              {"cpu_utilization": 0.25, "wall_ns": 4 * sum(work),
                               "runqueue_wait_ns": 3 * sum(work)})
    plain = Result.from_samples("t", lognormal(2, 60, 1e6),
                                {"cpu_utilization": 0.99, "wall_ns": 60e6, "runqueue_wait_ns": 0.0})
    assert plain.conclude(regression=True, baseline=[old]) == "pass"
    assert plain.latency_comparison.outcome == "inconclusive"
    assert plain.notes[0][0] == "machine_busier"


def two_states(seed: int, fast: float, slow_ratio: float) -> list[float]:
    """80 samples, 3 of every 10 in the machine's fast state and the rest slow_ratio times
    slower: the run's p10 is its fast state, its median the slow one."""
    jitter = lognormal(seed, 80, 1.0, sigma=0.002)
    return [fast * (1.0 if i % 10 < 3 else slow_ratio) * jitter[i] for i in range(80)]


def test_the_spread_between_runs_is_of_the_statistic_compared(tmp_path: Path) -> None:
    """Earlier runs whose medians swing with the machine's slow state (+0 % to +40 %) while their
    fastest tenth stays put: a comparison of p10 measures the spread of the runs' p10, so +10 %
    on every call fails; measured from their medians, it would hide in a band of tens of %."""
    history = History(tmp_path / "h.sqlite")
    for i, slow_ratio in enumerate([1.0, 1.4, 1.1, 1.35, 1.2]):
        history.add_run([result("t", two_states(10 + i, 1e6, slow_ratio))], "pytest", "env")
    base = result("t", two_states(20, 1e6, 1.2))
    now = result("t", two_states(21, 1.1e6, 1.2))
    assert now.conclude(regression=True, baseline=[base], history=history, environment="env",
                        statistic="p10") == "fail"
    c = now.latency_comparison
    assert c.statistic == "p10" and c.outcome == "regression"
    assert c.run_spread_pct is not None and c.run_spread_pct < 3.0
    # the median's spread between the same runs is too wide to tell +10 %
    assert now.conclude(regression=True, baseline=[base], history=history, environment="env",
                        statistic="median") == "pass"
    assert now.latency_comparison.outcome == "inconclusive"
    assert now.latency_comparison.run_spread_pct > 20.0


def test_runs_the_machine_disturbed_stay_out_of_the_spread(tmp_path: Path) -> None:
    """A noisy week in the history must not hide a real +30 % afterwards."""
    history = History(tmp_path / "h.sqlite")
    for i, (level, share) in enumerate([(1000, 0.99), (1010, 0.99), (2100, 0.3), (995, 0.99),
                                        (1900, 0.25), (1005, 0.99)]):
        history.add_run([result("t", lognormal(10 + i, 60, level * 1e3), cpu_share=share)],
                        "pytest", "env")
    base = result("t", lognormal(20, 60, 1e6))
    now = result("t", lognormal(21, 60, 1.3e6))
    assert now.conclude(regression=True, baseline=[base], history=history,
                        environment="env") == "fail"
    c = now.latency_comparison
    assert c.run_spread_pct is not None and c.run_spread_pct < 5.0
    assert ("run_spread", "2 of the earlier runs were left out of the spread between runs: the "
            "machine was busy while they ran") in now.notes
