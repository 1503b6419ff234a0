"""perfbudget.compare_paired, the paired test behind `perfbudget compare --interleave`, against
scipy.stats.wilcoxon computed independently on random vectors with fixed seeds (skipped when
scipy is missing). The log ratios are what the C test ranks, so scipy gets the same ones."""

from __future__ import annotations

import math

import pytest

import perfbudget

np = pytest.importorskip("numpy")
stats = pytest.importorskip("scipy.stats")


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("n", [7, 20, 50, 51, 300])
def test_p_value_matches_scipy(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    baseline = rng.uniform(90.0, 110.0, n)
    current = baseline * np.exp(rng.normal(0.002 * (seed % 4), 0.01, n))
    result = perfbudget.compare_paired(baseline.tolist(), current.tolist(), threshold=1.0)
    logs = np.log(current / baseline)
    expected = stats.wilcoxon(logs)  # zero_method="wilcox", correction=False, method="auto"
    assert result.exact == (n <= 50)
    assert result.w_statistic == pytest.approx(float(expected.statistic), rel=1e-12)
    assert result.p_value == pytest.approx(float(expected.pvalue), rel=1e-9, abs=1e-300)
    assert result.change_pct == pytest.approx(100.0 * math.expm1(float(np.median(logs))), rel=1e-12)
    # significant: the p-value below alpha, and an interval that excludes no change too
    reaches_zero = result.ci_low_pct <= 0.0 <= result.ci_high_pct
    assert result.significant == (expected.pvalue < 0.05 and not reaches_zero)


@pytest.mark.parametrize("seed", range(6))
def test_ties_and_zeros_use_the_corrected_normal_approximation(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    baseline = rng.integers(95, 105, 80).astype(float)
    current = rng.integers(95, 105, 80).astype(float)  # many equal pairs and tied ratios
    result = perfbudget.compare_paired(baseline.tolist(), current.tolist())
    logs = np.log(current / baseline)
    expected = stats.wilcoxon(logs, method="asymptotic")
    assert not result.exact
    assert result.zero_pairs == int(np.count_nonzero(logs == 0))
    assert result.p_value == pytest.approx(float(expected.pvalue), rel=1e-9)


def test_floor_and_lengths() -> None:
    baseline = [100.0 + i for i in range(100)]
    current = [b * 1.003 * (1 + 1e-7 * (i % 5)) for i, b in enumerate(baseline)]
    result = perfbudget.compare_paired(baseline, current, threshold=0.0)
    assert result.significant and result.threshold_pct == 0.5 and result.outcome == "pass"
    with pytest.raises(ValueError, match="equal lengths"):
        perfbudget.compare_paired([1.0, 2.0], [1.0])
