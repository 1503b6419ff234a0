"""Input sweeps and complexity fits: the core's fit through the Python wrapper (checked against
numpy.linalg.lstsq where numpy is installed), seeded noisy series, budgets' complexity:, and
perf.sweep() as users meet it. The plugin tests sweep a function that sleeps n^2 ms, so the
class is decided by sleeps 1-16 ms long, not by the machine's speed."""

from __future__ import annotations

import json
import math
import random

import pytest

from perfbudget._core import (
    ComplexityFit,
    PerfbudgetError,
    Result,
    fit_complexity,
    fit_sweep,
    judge_complexity,
    load_budgets,
    parse_complexity,
)

GROWTH = {
    "O(1)": lambda n: 1.0,
    "O(log n)": math.log2,
    "O(n)": lambda n: n,
    "O(n log n)": lambda n: n * math.log2(n),
    "O(n^2)": lambda n: n * n,
    "O(n^3)": lambda n: n ** 3,
}


def test_fit_matches_numpy_lstsq_on_relative_residuals() -> None:
    np = pytest.importorskip("numpy")
    sizes = [16, 64, 256, 1024, 4096]
    times = [40.0, 170.0, 610.0, 2600.0, 9900.0]
    for name, f in GROWTH.items():
        fit = fit_complexity(sizes, times, name)
        # minimise sum((1 - c f(n) / t)^2): least squares of A c = 1 with A = f(n) / t
        a = np.array([[f(n) / t] for n, t in zip(sizes, times)])
        (c,), *_ = np.linalg.lstsq(a, np.ones(len(sizes)), rcond=None)
        rms = math.sqrt(float(np.mean((1.0 - a[:, 0] * c) ** 2)))
        assert fit.complexity == name
        assert fit.coefficient == pytest.approx(c, rel=1e-12)
        assert fit.rms == pytest.approx(rms, rel=1e-9, abs=1e-15)
        assert fit.n == 5
    best = fit_complexity(sizes, times)
    assert best.complexity == "O(n)"
    assert best.rms == min(fit_complexity(sizes, times, name).rms for name in GROWTH)


@pytest.mark.parametrize("name", ["O(n)", "O(n log n)", "O(n^2)"])
def test_noisy_series_pick_their_class_in_100_of_100_trials(name: str) -> None:
    sizes = [2 ** k for k in range(6, 17)]
    rng = random.Random(f"complexity {name}")
    wrong = []
    for trial in range(100):
        times = [3.0 * GROWTH[name](n) * (1.0 + rng.gauss(0.0, 0.05)) for n in sizes]
        fit = fit_complexity(sizes, times)
        if fit.complexity != name:
            wrong.append((trial, fit.complexity))
    assert wrong == []


def test_parse_complexity_forms() -> None:
    assert parse_complexity("n log n") == "O(n log n)"
    assert parse_complexity("o(n)") == "O(n)"
    assert parse_complexity("N²") == "O(n^2)"
    assert parse_complexity("O(n**3)") == "O(n^3)"
    with pytest.raises(PerfbudgetError, match="not a complexity class"):
        parse_complexity("n^4")


def test_fit_refuses_too_few_or_equal_sizes() -> None:
    with pytest.raises(PerfbudgetError, match="at least 2"):
        fit_complexity([8], [1.0])
    with pytest.raises(PerfbudgetError, match="different sizes"):
        fit_complexity([8, 8], [1.0, 2.0])


def test_budget_complexity_and_baseline_coefficient(tmp_path) -> None:
    path = tmp_path / "perfbudget.yml"
    path.write_text("version: 1\nbudgets:\n  sort:\n    complexity: n log n\n"
                    "    regression: {threshold: 10%}\n", encoding="utf-8")
    budget = load_budgets(path)
    assert budget.resolve("sort").complexity == "O(n log n)"
    assert budget.resolve("other").complexity is None
    worse = judge_complexity(ComplexityFit("O(n^2)", 2.0, 0.01, 4), budget, "sort")
    assert worse.status == "fail"
    assert worse.allowed == "O(n log n)"
    assert "O(n^2) worse than the budget O(n log n)" in worse.text
    fit = ComplexityFit("O(n)", 2.4, 0.01, 4)
    regressed = judge_complexity(fit, budget, "sort", ComplexityFit("O(n)", 2.0, 0.01, 4))
    assert regressed.status == "pass"
    assert regressed.regressed
    assert regressed.change_pct == pytest.approx(20.0)
    assert regressed.threshold_pct == 10.0
    same = judge_complexity(fit, budget, "sort", ComplexityFit("O(n)", 2.3, 0.01, 4))
    assert not same.regressed


def test_fit_sweep_reads_points_by_name() -> None:
    results = [Result.from_samples(f"scan/{n}", [5.0 * n]) for n in (10, 100, 1000)]
    results.append(Result.from_samples("scanner/7", [1e9]))
    fit = fit_sweep(results, "scan")
    assert (fit.complexity, fit.n) == ("O(n)", 3)
    assert fit.coefficient == pytest.approx(5.0)


# ---- perf.sweep() in a pytest run --------------------------------------------------------------

# Sleeps of 10 ms x n^2: a loaded machine adds a few ms to every sleep, which bent a 1 ms x n^2
# curve towards O(n) (both sweep tests failed beside other work); against 10-160 ms it cannot.
SWEEP_TESTS = """\
import time


def square_10ms(n):
    time.sleep(n * n / 100.0)


def test_sweep(perf):
    fit = perf.sweep(square_10ms, sizes=[1, 2, 3, 4])
    assert fit.complexity == "O(n^2)"
"""


def _budget(complexity: str) -> str:
    return ("version: 1\n"
            "defaults: {rounds: 3, min_time: 1ms, max_time: 300ms, warmup: 0}\n"
            f"budgets:\n  test_sweep:\n    complexity: {complexity}\n")


def test_perf_sweep_fails_a_worse_class(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yml", perfbudget=_budget("n"))
    pytester.makepyfile(test_it=SWEEP_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*FAIL test_it.py::test_sweep: complexity O(n^2) worse than "
                                 "the budget O(n): coefficient * ns, RMS * % over 4 sizes*"])


def test_perf_sweep_passes_and_shows_its_fit(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yml", perfbudget=_budget("O(n^2)"))
    pytester.makepyfile(test_it=SWEEP_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--perf-json=out.json",
                                           "--perf-report=report.html")
    result.assert_outcomes(passed=1)
    html = (pytester.path / "report.html").read_text("utf-8")
    assert html.count('class="plot sweep"') == 1  # under the largest size, with the fit
    assert "complexity O(n^2) within the budget O(n^2)" in html
    result.stdout.fnmatch_lines([
        "*test_it.py::test_sweep/1 *",
        "*test_it.py::test_sweep/4 *",
        "note: test_it.py::test_sweep/4: sweep complexity O(n^2) within the budget O(n^2): *"])
    # The fit goes with the largest size into the result file.
    benchmarks = {b["name"]: b for b in
                  json.loads((pytester.path / "out.json").read_text("utf-8"))["benchmarks"]}
    assert "complexity" not in benchmarks["test_it.py::test_sweep/1"]
    fit = benchmarks["test_it.py::test_sweep/4"]["complexity"]
    assert (fit["class"], fit["allowed"], fit["status"], fit["points"]) == (
        "O(n^2)", "O(n^2)", "pass", 4)
    loaded = Result.load_json(pytester.path / "out.json")
    kept = next(r for r in loaded if r.name == "test_it.py::test_sweep/4").complexity
    assert kept is not None and kept[0].complexity == "O(n^2)"


def test_perf_sweep_refuses_bad_sizes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_it="""
def test_one_size(perf):
    perf.sweep(abs, sizes=[8])

def test_twice(perf):
    perf.sweep(abs, sizes=[8, 8])
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*perf.sweep: a fit needs at least 2 sizes*",
                                 "*perf.sweep: a size is given twice*"])


def test_perf_sweep_under_xdist(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makefile(".yml", perfbudget=_budget("n"))
    pytester.makepyfile(test_it=SWEEP_TESTS + "\n\ndef test_other(perf):\n    perf(abs, -1)\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2",
                                           "--perf-json=out.json")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAIL test_it.py::test_sweep: complexity O(n^2) worse than "
                                 "the budget O(n)*"])
    benchmarks = {b["name"]: b for b in
                  json.loads((pytester.path / "out.json").read_text("utf-8"))["benchmarks"]}
    assert benchmarks["test_it.py::test_sweep/4"]["complexity"]["status"] == "fail"


def test_perf_sweep_coefficient_against_a_baseline(pytester: pytest.Pytester) -> None:
    # The baseline ran each size in half the time: the coefficient doubled.
    baseline = [Result.from_samples(f"test_it.py::test_sweep/{n}", [n * n * 5e6] * 5)
                for n in (1, 2, 3, 4)]
    Result.write_json(baseline, pytester.path / "base.json")
    pytester.makefile(".yml", perfbudget=_budget("n^3"))
    pytester.makepyfile(test_it=SWEEP_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--performance-regression",
                                           "--perf-baseline=base.json")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*FAIL test_it.py::test_sweep: complexity O(n^2) within the "
                                 "budget O(n^3): * against the baseline's 5e+06 ns "
                                 "(threshold 5 %): regression*"])
