#!/usr/bin/env python3
"""Generate the perfbudget statistics reference vectors.

Every expected value is computed here, in Python, from the definitions in
STATS_SPEC.md using numpy / scipy / the statistics module, and cross-checked
against an independent exact (fractions / integer) computation. No C code is
involved.

    python3 tests/vectors/generate.py          # (re)write every JSON file
    python3 tests/vectors/generate.py --check  # exit 1 if any file differs
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from scipy import stats

VECTOR_DIR = Path(__file__).resolve().parent
KINDS = ("summary", "compare", "linear_fit")

CI_ALPHA = 0.05  # order-statistic confidence intervals are always 95 %
Z95 = float(stats.norm.ppf(0.975))
QUANTILE_OF = {"median": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99, "p10": 0.1}
SUMMARY_QUANTILES = {"p25": 0.25, "p50": 0.5, "p75": 0.75, "p90": 0.9, "p95": 0.95, "p99": 0.99}
MWU_EXACT_MAX_N = 50

DEFAULT_REL = 1e-9
DECISION_MARGIN = 1e-6  # no compare decision may lie this close (relative) to its boundary
MAX_CANCELLATION = 1e4  # |a| + |b| over |a - b| above this needs an explicit abs tolerance
CROSS_CHECK_REL = 1e-10  # library value vs independent exact computation

NAN = math.nan
Json = dict[str, Any]


class CaseError(Exception):
    """The call under test fails with this error code (EDOMAIN / ENODATA)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --------------------------------------------------------------------------- helpers


def normal(seed: int, n: int, loc: float, scale: float) -> list[float]:
    """n normal draws, rounded to 6 decimals so the JSON stays small."""
    draws = np.random.default_rng(seed).normal(loc, scale, n)
    return [float(v) for v in np.round(draws, 6)]


def lognormal(seed: int, n: int, scale: float, sigma: float) -> list[float]:
    draws = scale * np.random.default_rng(seed).lognormal(0.0, sigma, n)
    return [float(v) for v in np.round(draws, 6)]


def close(a: float, b: float, rel: float, abs_tol: float = 0.0) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= rel * max(abs(a), abs(b)) + abs_tol


def cross_check(name: str, library: float, exact: float, abs_tol: float = 0.0) -> None:
    if not close(library, exact, CROSS_CHECK_REL, abs_tol):
        raise AssertionError(f"{name}: library value {library!r} != exact value {exact!r}")


def assert_clear(name: str, value: float, boundary: float, margin: float = DECISION_MARGIN) -> None:
    """Assert that `value` is not within `margin` (relative) of `boundary`."""
    if math.isnan(value) or value != boundary and (math.isinf(value) or math.isinf(boundary)):
        return
    if abs(value - boundary) <= margin * max(abs(value), abs(boundary)):
        raise AssertionError(f"{name}: {value!r} is too close to its boundary {boundary!r}")


def require_finite(*sets: Sequence[float]) -> None:
    if any(not math.isfinite(v) for values in sets for v in values):
        raise CaseError("EDOMAIN")


# --------------------------------------------------------------------------- quantiles and CIs


def spec_quantile(ordered: Sequence[float], q: float) -> float:
    """The spec's quantile formula, written out (cross-check for numpy.quantile)."""
    n = len(ordered)
    h = (n - 1) * q
    lo = math.floor(h)
    t = h - lo
    a = ordered[lo]
    b = ordered[lo + 1] if lo + 1 < n else a
    return b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t


def quantile(values: Sequence[float], q: float) -> float:
    result = float(np.quantile(np.asarray(values, dtype=float), q))
    formula = spec_quantile(sorted(values), q)
    if result != formula:
        raise AssertionError(f"numpy.quantile {result!r} != spec formula {formula!r}")
    return result


def exact_binom_cdf(n: int, q: float) -> list[Fraction]:
    """F(k) for k = 0..n-1 of Binomial(n, q), q taken as the exact binary double."""
    p = Fraction(q)
    num, den = p.numerator, p.denominator
    total = den**n
    cdf, acc = [], 0
    for k in range(n):
        acc += math.comb(n, k) * num**k * (den - num) ** (n - k)
        cdf.append(Fraction(acc, total))
    return cdf


@dataclass(frozen=True)
class OrderStatCI:
    low: float
    high: float
    level: float


def order_statistic_ci(values: Sequence[float], q: float) -> OrderStatCI:
    """Distribution-free CI [x_(l), x_(u)] for quantile q with its achieved level."""
    n = len(values)
    ordered = sorted(values)
    cdf = [float(v) for v in stats.binom.cdf(np.arange(n), n, q)]  # cdf[k-1] = F(k-1)
    exact = exact_binom_cdf(n, q)
    for k in range(n):
        cross_check(f"binom.cdf({k}; {n}, {q})", cdf[k], float(exact[k]))
        assert_clear(f"F({k}) vs alpha/2", float(exact[k]), CI_ALPHA / 2)
        assert_clear(f"F({k}) vs 1-alpha/2", float(exact[k]), 1 - CI_ALPHA / 2)
    lows = [k for k in range(1, n + 1) if cdf[k - 1] <= CI_ALPHA / 2]
    highs = [k for k in range(1, n + 1) if cdf[k - 1] >= 1 - CI_ALPHA / 2]
    l = max(lows) if lows else 1
    u = min(highs) if highs else n
    level = cdf[u - 1] - cdf[l - 1]
    cross_check("CI level", level, float(exact[u - 1] - exact[l - 1]), abs_tol=1e-15)
    return OrderStatCI(ordered[l - 1], ordered[u - 1], level)


# --------------------------------------------------------------------------- summary


def mean(values: Sequence[float]) -> float:
    """Correctly rounded mean (statistics.mean is exact); checked against fmean."""
    result = float(statistics.mean(values))
    try:
        cross_check("fmean", statistics.fmean(values), result)
    except OverflowError:  # fsum overflows near DBL_MAX; the exact mean does not
        pass
    return result


def stddev(values: Sequence[float]) -> float:
    """Sample standard deviation, exact then correctly rounded (statistics.stdev)."""
    if len(values) < 2:
        return NAN
    result = statistics.stdev(values)
    spread = max(values) - min(values)
    if math.isfinite(spread) and 1e-150 < spread < 1e150:  # numpy squares would not under/overflow
        cross_check("numpy.std(ddof=1)", float(np.std(values, ddof=1)), result)
    return result


def summarize(samples: Sequence[float]) -> Json:
    require_finite(samples)
    n = len(samples)
    if n == 0:
        fields = ["min", "max", "mean", "stddev", "median", "mad", "iqr", *SUMMARY_QUANTILES,
                  "median_ci_low", "median_ci_high", "median_ci_level"]
        return {"n": 0, "outliers_low": 0, "outliers_high": 0} | {f: NAN for f in fields}
    result: Json = {"n": n, "min": min(samples), "max": max(samples),
                    "mean": mean(samples), "stddev": stddev(samples)}
    result |= {name: quantile(samples, q) for name, q in SUMMARY_QUANTILES.items()}
    median = result["p50"]
    result["median"] = median
    result["mad"] = quantile([abs(x - median) for x in samples], 0.5)
    iqr = result["p75"] - result["p25"]
    result["iqr"] = iqr
    low_fence = result["p25"] - 1.5 * iqr
    high_fence = result["p75"] + 1.5 * iqr
    if iqr != 0:
        for x in samples:
            assert_clear("sample vs Tukey fence", x, low_fence)
            assert_clear("sample vs Tukey fence", x, high_fence)
    result["outliers_low"] = sum(x < low_fence for x in samples)
    result["outliers_high"] = sum(x > high_fence for x in samples)
    ci = order_statistic_ci(samples, 0.5)
    result |= {"median_ci_low": ci.low, "median_ci_high": ci.high, "median_ci_level": ci.level}
    return result


# --------------------------------------------------------------------------- compare


@dataclass(frozen=True)
class Options:
    statistic: str = "median"
    threshold_pct: float = 5.0
    critical_pct: float = 0.0  # <= 0: default 2 x threshold (resolved by resolved())
    alpha: float = 0.05
    higher_is_better: bool = False

    def resolved(self) -> Options:
        critical = self.critical_pct if self.critical_pct > 0 else 2 * self.threshold_pct
        return Options(self.statistic, self.threshold_pct, critical, self.alpha,
                       self.higher_is_better)

    def as_json(self) -> Json:
        return {"statistic": self.statistic, "threshold_pct": self.threshold_pct,
                "critical_pct": self.critical_pct, "alpha": self.alpha,
                "higher_is_better": self.higher_is_better}


def statistic_and_se(values: Sequence[float], statistic: str) -> tuple[float, float]:
    """The chosen statistic of one set and its standard error."""
    n = len(values)
    if statistic == "mean":
        se = stddev(values) / math.sqrt(n) if n >= 2 else NAN
        return mean(values), se
    q = QUANTILE_OF[statistic]
    ci = order_statistic_ci(values, q)
    if ci.level <= 0:
        return quantile(values, q), NAN
    z = float(stats.norm.ppf((1 + ci.level) / 2))
    return quantile(values, q), (ci.high - ci.low) / (2 * z)


def change_percent(baseline: float, current: float) -> float:
    if baseline == 0:
        return 0.0 if current == 0 else math.copysign(math.inf, current)
    return 100 * (current - baseline) / abs(baseline)


def relative_se(baseline: float, current: float, se_b: float, se_c: float) -> float:
    """Delta-method standard error of current / baseline, as a fraction."""
    if baseline == 0:
        return NAN
    return math.sqrt((se_c / abs(baseline)) ** 2 + (current * se_b / baseline**2) ** 2)


def midranks(pooled: Sequence[float]) -> list[float]:
    order = sorted(range(len(pooled)), key=lambda i: pooled[i])
    ranks = [0.0] * len(pooled)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and pooled[order[end + 1]] == pooled[order[start]]:
            end += 1
        for i in order[start:end + 1]:
            ranks[i] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def exact_mwu_upper_tail(u: int, m: int, n: int) -> Fraction:
    """P(U >= u) under H0, from the Gaussian binomial coefficient [m+n choose m]_q."""
    counts = [1]  # coefficients of prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i)
    for i in range(1, m + 1):
        grown = counts + [0] * (n + i)
        for d in range(len(counts)):
            grown[d + n + i] -= counts[d]
        for d in range(i, len(grown)):  # divide by (1 - q^i)
            grown[d] += grown[d - i]
        counts = grown[: len(grown) - i]
    return Fraction(sum(counts[u:]), math.comb(m + n, m))


def independent_mwu(baseline: Sequence[float], current: Sequence[float],
                    exact: bool) -> tuple[float, float]:
    """(U of the current set, two-sided p) straight from the spec's formulas."""
    n_b, n_c = len(baseline), len(current)
    ranks = midranks([*current, *baseline])
    u_c = sum(ranks[:n_c]) - n_c * (n_c + 1) / 2
    u = max(u_c, n_b * n_c - u_c)
    if exact:
        return u_c, float(min(Fraction(1), 2 * exact_mwu_upper_tail(int(u), n_c, n_b)))
    big_n = n_b + n_c
    tie_term = sum(t**3 - t for t in Counter([*baseline, *current]).values())
    sigma = math.sqrt(n_b * n_c / 12 * ((big_n + 1) - tie_term / (big_n * (big_n - 1))))
    if sigma == 0:
        return u_c, 1.0
    z = (u - n_b * n_c / 2 - 0.5) / sigma
    return u_c, min(1.0, math.erfc(z / math.sqrt(2)))  # erfc(z/sqrt2) = 2 (1 - Phi(z))


@dataclass(frozen=True)
class MannWhitney:
    u_statistic: float
    p_value: float
    exact: bool


def mann_whitney(baseline: Sequence[float], current: Sequence[float]) -> MannWhitney:
    pooled = [*baseline, *current]
    has_ties = len(set(pooled)) < len(pooled)
    exact = not has_ties and len(baseline) <= MWU_EXACT_MAX_N and len(current) <= MWU_EXACT_MAX_N
    result = stats.mannwhitneyu(current, baseline, alternative="two-sided",
                                method="exact" if exact else "asymptotic", use_continuity=True)
    u_c, p = float(result.statistic), float(result.pvalue)
    u_check, p_check = independent_mwu(baseline, current, exact)
    if u_c != u_check:
        raise AssertionError(f"U statistic {u_c} != rank-sum U {u_check}")
    cross_check("Mann-Whitney p", p, p_check)
    return MannWhitney(u_c, p, exact)


def decide(opts: Options, n_b: int, n_c: int, se_r: float, significant: bool,
           worse_pct: float, worse_bound: float) -> tuple[str, str]:
    """Outcome rules 1-5 of the spec: (outcome, severity)."""
    if n_b < 2 or n_c < 2 or math.isnan(se_r):
        return "inconclusive", "none"
    if significant and worse_pct > opts.threshold_pct:
        return "regression", "critical" if worse_pct >= opts.critical_pct else "warning"
    if significant and worse_pct < -opts.threshold_pct:
        return "improvement", "info"
    if worse_bound > opts.threshold_pct:
        return "inconclusive", "none"
    return "pass", "info" if significant else "none"


def check_decision_margins(opts: Options, mwu: MannWhitney, worse_pct: float,
                           worse_bound: float) -> None:
    assert_clear("p_value vs alpha", mwu.p_value, opts.alpha)
    assert_clear("worse_pct vs threshold", worse_pct, opts.threshold_pct)
    assert_clear("worse_pct vs -threshold", worse_pct, -opts.threshold_pct)
    assert_clear("worse_pct vs critical", worse_pct, opts.critical_pct)
    assert_clear("CI bound vs threshold", worse_bound, opts.threshold_pct)


def check_cancellation(result: Json, abs_tol: float) -> None:
    """Percent fields formed by cancellation need an abs tolerance in the vector file."""
    terms = {"change_pct": (result["current_value"], result["baseline_value"]),
             "ci_low_pct": (result["change_pct"], result["change_pct"] - result["ci_low_pct"]),
             "ci_high_pct": (result["change_pct"], result["ci_high_pct"] - result["change_pct"])}
    for name, (a, b) in terms.items():
        value = result[name]
        if value != 0 and math.isfinite(value) and math.isfinite(a) and math.isfinite(b):
            if (abs(a) + abs(b)) / abs(value) > MAX_CANCELLATION and abs_tol == 0:
                raise AssertionError(f"{name} = {value!r} suffers cancellation; set abs_tol")


def compare(baseline: Sequence[float], current: Sequence[float], opts: Options) -> Json:
    if not baseline or not current:
        raise CaseError("ENODATA")
    require_finite(baseline, current)
    b, se_b = statistic_and_se(baseline, opts.statistic)
    c, se_c = statistic_and_se(current, opts.statistic)
    change = change_percent(b, c)
    se_r = relative_se(b, c, se_b, se_c)
    half_width = 100 * Z95 * se_r
    ci_low, ci_high = change - half_width, change + half_width
    worse_pct = -change if opts.higher_is_better else change
    worse_bound = -ci_low if opts.higher_is_better else ci_high
    mwu = mann_whitney(baseline, current)
    # Significant only when the interval excludes no change too, so that a verdict never
    # contradicts the interval printed beside it.
    significant = mwu.p_value < opts.alpha and not ci_low <= 0.0 <= ci_high
    check_decision_margins(opts, mwu, worse_pct, worse_bound)
    outcome, severity = decide(opts, len(baseline), len(current), se_r, significant,
                               worse_pct, worse_bound)
    return {"baseline_value": b, "current_value": c, "change_pct": change,
            "ci_low_pct": ci_low, "ci_high_pct": ci_high,
            "resolvable_pct": NAN if math.isnan(worse_bound) else max(0.0, worse_bound),
            "p_value": mwu.p_value, "exact": mwu.exact, "u_statistic": mwu.u_statistic,
            "significant": significant, "outcome": outcome, "severity": severity,
            "regressed": outcome == "regression"}


# --------------------------------------------------------------------------- linear fit


def exact_fit(x: Sequence[float], y: Sequence[float]) -> Json:
    """OLS in exact rational arithmetic (cross-check for scipy.stats.linregress)."""
    n = len(x)
    fx, fy = [Fraction(v) for v in x], [Fraction(v) for v in y]
    mx, my = sum(fx) / n, sum(fy) / n
    sxx = sum((v - mx) ** 2 for v in fx)
    sxy = sum((u - mx) * (v - my) for u, v in zip(fx, fy))
    syy = sum((v - my) ** 2 for v in fy)
    slope = sxy / sxx
    ss_res = syy - sxy * sxy / sxx
    return {"slope": float(slope), "intercept": float(my - slope * mx),
            "slope_stderr": math.sqrt(ss_res / (n - 2) / sxx) if n > 2 else NAN,
            "r_squared": float(1 - ss_res / syy) if syy else NAN}


def linear_fit(x: Sequence[float], y: Sequence[float]) -> Json:
    if len(x) != len(y):
        raise ValueError("x and y differ in length")
    if len(x) < 2:
        raise CaseError("ENODATA")
    require_finite(x, y)
    if len(set(x)) == 1:
        raise CaseError("EDOMAIN")
    fit = stats.linregress(x, y)
    constant_y = len(set(y)) == 1
    exact = exact_fit(x, y)
    result = {"slope": float(fit.slope), "intercept": float(fit.intercept),
              # spec: n = 2 has no degrees of freedom; constant y has zero residuals
              # (linregress reports 0 resp. NaN there)
              "slope_stderr": NAN if len(x) == 2 else 0.0 if constant_y else float(fit.stderr),
              # spec: r_squared = 1 - SS_res/SS_tot, NaN when SS_tot = 0
              "r_squared": NAN if constant_y else float(fit.rvalue) ** 2}
    for key, value in result.items():
        cross_check(f"linear_fit {key}", value, exact[key])
    return result


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    kind: str
    name: str
    description: str
    inputs: Json
    compute: Callable[[], Json]
    expect: Json  # fields the designer intends (outcome, error, ...), asserted after computing
    abs_tol: float = 0.0

    def document(self) -> Json:
        doc: Json = {"kind": self.kind, "description": self.description, **self.inputs,
                     "tolerance": {"rel": DEFAULT_REL, "abs": self.abs_tol}}
        try:
            doc["expected"] = self.compute()
        except CaseError as err:
            doc["error"] = err.code
            if "error" not in self.expect:
                raise AssertionError(f"{self.kind}_{self.name}: unintended error {err.code}")
        for key, want in self.expect.items():
            got = doc.get(key, doc.get("expected", {}).get(key))
            if got != want:
                raise AssertionError(
                    f"{self.kind}_{self.name}: {key} is {got!r}, intended {want!r}")
        return doc


def summary(name: str, description: str, samples: list[float], **expect: Any) -> Case:
    return Case("summary", name, description, {"samples": samples},
                lambda: summarize(samples), expect)


def comparison(name: str, description: str, baseline: list[float], current: list[float],
               opts: Options = Options(), abs_tol: float = 0.0, **expect: Any) -> Case:
    resolved = opts.resolved()
    return Case("compare", name, description,
                {"baseline": baseline, "current": current, "options": resolved.as_json()},
                lambda: checked_compare(baseline, current, resolved, abs_tol), expect, abs_tol)


def checked_compare(baseline: list[float], current: list[float], opts: Options,
                    abs_tol: float) -> Json:
    result = compare(baseline, current, opts)
    check_cancellation(result, abs_tol)
    return result


def line(name: str, description: str, x: list[float], y: list[float], abs_tol: float = 0.0,
         **expect: Any) -> Case:
    return Case("linear_fit", name, description, {"x": x, "y": y},
                lambda: linear_fit(x, y), expect, abs_tol)


def summary_cases() -> list[Case]:
    return [
        summary("n0", "An empty set succeeds with n = 0, zero outlier counts and NaN in every "
                "other field.", [], n=0),
        summary("n1", "A single sample: stddev NaN, every quantile equals it, median CI level 0.",
                [42.5]),
        summary("n2", "Two samples: quantiles interpolate between them and the median CI is "
                "[x_(1), x_(2)] at level 0.5.", [10.0, 14.0]),
        summary("n3", "Three samples: median CI [x_(1), x_(3)] at level 0.75.", [3.0, 1.0, 2.0]),
        summary("n5_ci_level_below_095", "Five samples: no order-statistic interval reaches 95 %, "
                "so the CI is [x_(1), x_(5)] with level 0.9375.",
                [12.5, 11.0, 13.25, 10.75, 12.0]),
        summary("n6", "Six samples: the smallest n whose median CI [x_(1), x_(6)] reaches 95 % "
                "(level 0.96875).", [5.5, 4.25, 6.0, 5.0, 4.75, 7.5]),
        summary("all_equal", "All samples equal: stddev, mad and iqr are 0, no outliers, "
                "degenerate CI.", [2.5] * 7, outliers_low=0, outliers_high=0),
        summary("heavy_ties", "Integer timings with heavy ties: quantiles, mad and CI land on "
                "tied values.", [3.0, 3.0, 3.0, 3.0, 4.0, 4.0, 4.0, 4.0, 4.0, 5.0, 5.0, 3.0, 4.0,
                                 4.0, 4.0, 7.0, 3.0, 4.0]),
        summary("unsorted", "Unsorted input: min, max, quantiles and the CI must use the "
                "order statistics, not the input order.",
                [9.1, 2.3, 7.7, 4.4, 8.8, 1.2, 6.6, 3.5, 5.0, 0.4, 7.1]),
        summary("huge_1e300", "Values around 1e300: squared deviations would overflow, the "
                "stddev must not.",
                [1.2e300, 3.4e300, 2.2e300, 5.1e300, 4.4e300, 2.9e300, 3.3e300]),
        summary("huge_near_dbl_max", "Values near DBL_MAX whose plain sum overflows: the mean "
                "must still be finite and correct.",
                [1.1e308, 1.25e308, 0.95e308, 1.3e308, 1.05e308, 1.2e308]),
        summary("tiny", "Values around 1e-300: squared deviations would underflow to 0, "
                "the stddev must not.", [v * 1e-300 for v in normal(301, 15, 5.0, 1.0)]),
        summary("negative", "All-negative samples (e.g. deltas): min/max, quantiles and mad with "
                "negative values.", normal(302, 25, -40.0, 6.0)),
        summary("mixed_sign", "Samples of both signs around zero, including an exact zero.",
                [-3.5, 2.25, 0.0, -1.125, 4.75, -0.5, 1.5, -2.75, 3.0, 0.25]),
        summary("lognormal_1000", "1000 right-skewed lognormal draws: mean above median and "
                "several high Tukey outliers.", lognormal(303, 1000, 10.0, 0.5)),
        summary("tukey_outliers", "Two low and two high Tukey outliers with the rest clustered.",
                [10.0, 11.0, 12.0, 11.5, 10.5, 11.2, 10.8, 1.0, 2.0, 25.0, 30.0, 11.1, 10.9],
                outliers_low=2, outliers_high=2),
        summary("normal_2000", "2000 normal draws: large-n quantiles and a narrow median CI.",
                normal(304, 2000, 50.0, 5.0)),
        summary("nan_input", "A NaN sample makes the call fail with EDOMAIN.",
                [1.0, 2.0, NAN, 4.0], error="EDOMAIN"),
        summary("posinf_input", "A +inf sample makes the call fail with EDOMAIN.",
                [1.0, math.inf, 3.0], error="EDOMAIN"),
        summary("neginf_input", "A -inf sample makes the call fail with EDOMAIN.",
                [-math.inf, 2.0, 3.0], error="EDOMAIN"),
    ]


def compare_cases() -> list[Case]:
    base30 = normal(401, 30, 100.0, 2.0)
    noisy_base = normal(402, 8, 100.0, 15.0)
    return [
        comparison("identical", "Identical sets: zero change, p = 1, CI well inside the "
                   "threshold, so pass.", base30, list(base30),
                   outcome="pass", severity="none"),
        comparison("slowdown_20pct_critical", "n = 30 each with a 20 % slowdown: significant "
                   "(exact p) regression at critical severity.",
                   base30, normal(403, 30, 120.0, 2.4),
                   outcome="regression", severity="critical", exact=True),
        comparison("slowdown_7pct_warning", "A ~7 % slowdown between threshold 5 and critical "
                   "10: regression at warning severity.",
                   normal(404, 40, 100.0, 2.0), normal(405, 40, 107.0, 2.0),
                   outcome="regression", severity="warning"),
        comparison("small_slowdown_pass_info", "A significant ~2.5 % slowdown with a tight CI "
                   "below the 5 % threshold: pass with severity info.",
                   normal(406, 200, 100.0, 1.0), normal(407, 200, 102.5, 1.0),
                   outcome="pass", severity="info", exact=False),
        comparison("improvement", "A clear 15 % speed-up: improvement, severity info.",
                   base30, normal(408, 30, 85.0, 2.0), outcome="improvement", severity="info"),
        comparison("higher_is_better_drop", "Throughput (higher is better) drops ~12 %: the "
                   "negative change is a critical regression.",
                   normal(409, 25, 1000.0, 15.0), normal(410, 25, 880.0, 15.0),
                   Options(higher_is_better=True), outcome="regression", severity="critical"),
        comparison("higher_is_better_gain", "Throughput (higher is better) rises ~8 %: an "
                   "improvement.", normal(411, 25, 1000.0, 15.0), normal(412, 25, 1080.0, 15.0),
                   Options(higher_is_better=True), outcome="improvement", severity="info"),
        comparison("noisy_inconclusive", "Very noisy small sets, the current one the baseline "
                   "scaled by 1.06: a 6 % change that is not significant, with a CI reaching "
                   "past the threshold, so inconclusive.",
                   noisy_base, [round(v * 1.06, 6) for v in noisy_base],
                   outcome="inconclusive", severity="none", significant=False),
        comparison("single_samples", "One sample per set: always inconclusive (rule 1), "
                   "exact p = 1.", [100.0], [130.0],
                   outcome="inconclusive", severity="none", exact=True, p_value=1.0),
        comparison("small_exact", "Small sets (6 vs 7) without ties use the exact Mann-Whitney "
                   "distribution.", [10.1, 10.4, 9.8, 10.0, 10.3, 9.9],
                   [11.2, 10.9, 11.5, 11.0, 10.8, 11.3, 11.1], exact=True),
        comparison("small_exact_overlap", "Small overlapping sets (7 vs 5) without ties: exact "
                   "p-value from the middle of the null distribution.",
                   [5.1, 4.7, 5.9, 5.3, 4.9, 5.6, 6.2], [5.8, 5.0, 6.4, 5.5, 6.1], exact=True),
        comparison("ties_asymptotic", "Integer-valued timings with ties use the normal "
                   "approximation with tie and continuity correction.",
                   [12.0, 13.0, 13.0, 14.0, 12.0, 13.0, 15.0, 13.0, 14.0, 12.0],
                   [13.0, 14.0, 14.0, 15.0, 13.0, 14.0, 16.0, 14.0, 15.0, 14.0], exact=False),
        comparison("all_tied", "Every value in both sets is equal: sigma = 0 so p = 1, zero "
                   "change and a zero-width CI: pass.", [7.0] * 5, [7.0] * 6,
                   exact=False, p_value=1.0, outcome="pass", severity="none"),
        comparison("statistic_mean", "statistic = mean: standard error stddev/sqrt(n); an ~8 % "
                   "slowdown is a warning regression.",
                   normal(414, 40, 100.0, 3.0), normal(415, 40, 108.0, 3.0),
                   Options(statistic="mean"), outcome="regression", severity="warning"),
        comparison("statistic_p90", "statistic = p90 with the q = 0.9 order-statistic CI for "
                   "the standard error.", normal(416, 80, 100.0, 4.0), normal(417, 80, 106.5, 4.0),
                   Options(statistic="p90"), outcome="regression", severity="warning"),
        comparison("statistic_p95", "statistic = p95 (q = 0.95 order-statistic CI): a much "
                   "heavier tail raises p95 ~33 % but the rank test sees no shift and the CI is "
                   "wide, so inconclusive.", lognormal(418, 120, 100.0, 0.1),
                   lognormal(419, 120, 100.0, 0.25), Options(statistic="p95"),
                   significant=False, outcome="inconclusive"),
        comparison("statistic_p99", "statistic = p99 on 300 samples each (u = n for the "
                   "q = 0.99 CI): a significant ~3 % speed-up inside the threshold is a pass.",
                   normal(420, 300, 100.0, 3.0), normal(421, 300, 97.0, 3.0),
                   Options(statistic="p99"), exact=False, outcome="pass", severity="info"),
        comparison("statistic_p10", "statistic = p10 (q = 0.1 order-statistic CI): 70 % of the "
                   "current samples in a slow state 1.9x slower move the median about +90 %, but p10 "
                   "reads the fast state, unchanged: a pass.", normal(422, 100, 100.0, 1.0),
                   normal(423, 30, 100.0, 1.0) + normal(424, 70, 190.0, 2.0),
                   Options(statistic="p10"), exact=False, outcome="pass"),
        comparison("zero_baseline", "Baseline median 0 and current positive: change +inf, "
                   "se_r and the CI NaN, so inconclusive.", [0.0] * 6,
                   [0.0, 1.0, 2.0, 1.0, 1.0, 3.0], outcome="inconclusive", severity="none"),
        comparison("zero_baseline_zero_current", "Baseline and current median both 0: change "
                   "0 but se_r NaN, so inconclusive.", [0.0, 0.0, 0.0, 1.0, 0.0],
                   [0.0, 0.0, 2.0, 0.0, 0.0, 0.0], outcome="inconclusive", severity="none"),
        comparison("negative_baseline", "Negative baseline statistic: change is relative to "
                   "|baseline|, so -100 -> -90 is +10 %.", normal(422, 30, -100.0, 2.0),
                   normal(423, 30, -90.0, 2.0), outcome="regression"),
        comparison("threshold_zero", "threshold 0 (critical resolves to 0): any significant "
                   "slowdown is a critical regression.",
                   normal(424, 50, 100.0, 0.5), normal(425, 50, 101.0, 0.5),
                   Options(threshold_pct=0.0), outcome="regression", severity="critical"),
        comparison("n50_exact", "50 vs 50 without ties is still within the exact-method limit.",
                   normal(426, 50, 100.0, 3.0), normal(427, 50, 101.0, 3.0), exact=True),
        comparison("n50_n51_asymptotic", "51 current samples exceed the exact-method limit: "
                   "asymptotic p even without ties.",
                   normal(426, 50, 100.0, 3.0), normal(428, 51, 101.0, 3.0), exact=False),
        comparison("explicit_critical", "An explicit critical_pct of 25 keeps a ~20 % slowdown "
                   "at warning severity.", base30, normal(403, 30, 120.0, 2.4),
                   Options(critical_pct=25.0), outcome="regression", severity="warning"),
        comparison("alpha_strict", "alpha = 0.001: a ~4 % slowdown with p ~ 0.008 (significant "
                   "at the default 0.05) is not significant here, so inconclusive.",
                   normal(429, 12, 100.0, 5.0), normal(430, 12, 106.0, 5.0),
                   Options(alpha=0.001), significant=False, outcome="inconclusive"),
        comparison("empty_baseline", "An empty baseline fails with ENODATA.", [],
                   [1.0, 2.0, 3.0], error="ENODATA"),
        comparison("empty_current", "An empty current set fails with ENODATA.", [1.0, 2.0, 3.0],
                   [], error="ENODATA"),
        comparison("nan_current", "A NaN in the current set fails with EDOMAIN.",
                   [1.0, 2.0, 3.0], [1.0, NAN, 3.0], error="EDOMAIN"),
        comparison("inf_baseline", "An infinite baseline sample fails with EDOMAIN.",
                   [1.0, math.inf, 3.0], [1.0, 2.0, 3.0], error="EDOMAIN"),
    ]


def linear_fit_cases() -> list[Case]:
    xs = [float(i) for i in range(40)]
    noise = normal(501, 40, 0.0, 3.0)
    return [
        line("exact", "Points exactly on y = 2.5 x - 1.25: zero slope stderr and r_squared 1.",
             [0.5, 1.0, 1.5, 2.25, 3.0, 4.75, 6.0, 8.0],
             [2.5 * v - 1.25 for v in [0.5, 1.0, 1.5, 2.25, 3.0, 4.75, 6.0, 8.0]], abs_tol=1e-12),
        line("noisy", "Memory growth of ~1.5 units per step plus normal noise over 40 steps.",
             xs, [round(1000.0 + 1.5 * x + e, 6) for x, e in zip(xs, noise)]),
        line("negative_slope", "A decreasing, noisy series with unevenly spaced x.",
             [0.0, 0.7, 1.9, 2.4, 4.1, 5.0, 6.8, 7.3, 9.6], [20.1, 19.2, 17.9, 17.5, 15.2,
                                                             14.9, 12.1, 12.3, 9.0]),
        line("n2", "Two points: the line through them, slope_stderr NaN (no degrees of freedom).",
             [1.0, 3.0], [10.0, 16.0]),
        line("constant_y", "Constant y: slope 0, zero stderr, r_squared NaN (SS_tot = 0).",
             [1.0, 2.0, 3.0, 4.0, 5.0], [7.0] * 5),
        line("all_x_equal", "All x equal: the slope is undefined, EDOMAIN.",
             [2.0, 2.0, 2.0], [1.0, 2.0, 3.0], error="EDOMAIN"),
        line("n1", "A single point: ENODATA.", [1.0], [2.0], error="ENODATA"),
        line("n0", "No points: ENODATA.", [], [], error="ENODATA"),
        line("nonfinite", "A non-finite y value: EDOMAIN.", [1.0, 2.0, 3.0],
             [1.0, math.inf, 3.0], error="EDOMAIN"),
    ]


def all_cases() -> list[Case]:
    return summary_cases() + compare_cases() + linear_fit_cases()


# --------------------------------------------------------------------------- output


def encode(value: Any) -> Any:
    """Strict JSON: non-finite floats become "NaN", "Infinity", "-Infinity"."""
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


def render(doc: Json) -> str:
    return json.dumps(encode(doc), indent=1, sort_keys=True, allow_nan=False) + "\n"


def generated_files() -> dict[Path, str]:
    files: dict[Path, str] = {}
    for case in all_cases():
        path = VECTOR_DIR / f"{case.kind}_{case.name}.json"
        if path in files:
            raise AssertionError(f"duplicate case {path.name}")
        files[path] = render(case.document())
    return files


def existing_files() -> set[Path]:
    return {path for kind in KINDS for path in VECTOR_DIR.glob(f"{kind}_*.json")}


def check(files: dict[Path, str]) -> int:
    stale = sorted(existing_files() - files.keys())
    differing = sorted(path for path, text in files.items()
                       if not path.exists() or path.read_text() != text)
    for path in stale:
        print(f"not generated by this script: {path.name}")
    for path in differing:
        print(f"differs from generated output: {path.name}")
    return 1 if stale or differing else 0


def write(files: dict[Path, str]) -> None:
    for path in sorted(existing_files() - files.keys()):
        path.unlink()
        print(f"removed {path.name}")
    for path, text in files.items():
        path.write_text(text)
    print(f"wrote {len(files)} vector files to {VECTOR_DIR}")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true",
                        help="regenerate in memory and exit 1 if any file on disk differs")
    args = parser.parse_args(argv)
    files = generated_files()
    if args.check:
        return check(files)
    write(files)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
