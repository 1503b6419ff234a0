"""The shared reference vectors (tests/vectors/*.json) through the Python API, with the same
tolerance rule as tests/c/test_vectors.c: equal, both NaN, or |a - b| <= rel * max(|a|, |b|) +
abs; flags, names, counts and error codes exactly."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

import perfbudget
from perfbudget._core import fit_line

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
FILES = sorted(VECTORS.glob("*.json"))

SUMMARY_FIELDS = ("n", "min", "max", "mean", "stddev", "median", "mad", "iqr", "p25", "p50",
                  "p75", "p90", "p95", "p99", "outliers_low", "outliers_high", "median_ci_low",
                  "median_ci_high", "median_ci_level")
COMPARE_NUMBERS = ("baseline_value", "current_value", "change_pct", "ci_low_pct", "ci_high_pct",
                   "resolvable_pct", "p_value", "u_statistic")
COMPARE_EXACT = ("exact", "significant", "regressed", "outcome", "severity")
FIT_FIELDS = ("slope", "intercept", "slope_stderr", "r_squared")


def number(value: Any) -> float:
    if isinstance(value, str):
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[value]
    return float(value)


def close(actual: float, expected: float, rel: float, abs_: float) -> bool:
    if actual == expected or (math.isnan(actual) and math.isnan(expected)):
        return True
    return abs(actual - expected) <= rel * max(abs(actual), abs(expected)) + abs_


def run(vector: dict[str, Any]) -> Any:
    kind = vector["kind"]
    if kind == "summary":
        return perfbudget.summarize([number(v) for v in vector["samples"]])
    if kind == "compare":
        o = vector["options"]
        return perfbudget.compare(
            [number(v) for v in vector["baseline"]], [number(v) for v in vector["current"]],
            threshold=number(o["threshold_pct"]), higher_is_better=o["higher_is_better"],
            critical=number(o["critical_pct"]), statistic=o["statistic"], alpha=number(o["alpha"]))
    if kind == "linear_fit":
        return fit_line([number(v) for v in vector["x"]], [number(v) for v in vector["y"]])
    raise AssertionError(f"unknown kind {kind}")


def test_there_are_vectors_of_every_kind() -> None:
    kinds = {json.loads(path.read_text(encoding="utf-8"))["kind"] for path in FILES}
    assert kinds == {"summary", "compare", "linear_fit"}


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_vector(path: Path) -> None:
    vector = json.loads(path.read_text(encoding="utf-8"))
    tolerance = vector.get("tolerance", {})
    rel, abs_ = tolerance.get("rel", 1e-9), tolerance.get("abs", 0.0)
    if "error" in vector:
        with pytest.raises(perfbudget.PerfbudgetError) as raised:
            run(vector)
        assert raised.value.name == vector["error"]
        return
    got = run(vector)
    expected = vector["expected"]
    fields = {"summary": SUMMARY_FIELDS, "compare": COMPARE_NUMBERS,
              "linear_fit": FIT_FIELDS}[vector["kind"]]
    for field in fields:
        actual, want = float(getattr(got, field)), number(expected[field])
        assert close(actual, want, rel, abs_), f"{path.name}: {field} = {actual!r}, expected {want!r}"
    if vector["kind"] == "compare":
        for field in COMPARE_EXACT:
            assert getattr(got, field) == expected[field], f"{path.name}: {field}"


def test_summarize_takes_any_form_of_the_samples() -> None:
    """A list, a tuple, an iterator, array("d") and a memoryview of it (handed to C without a
    copy), other arrays, ints and numeric strings give the same figures; the input is left as
    it was."""
    import array

    samples = [float(v) for v in (5, 3, 9, 1, 7, 2, 8, 6, 4, 10)]
    expected = perfbudget.summarize(samples)
    doubles = array.array("d", samples)
    forms = [tuple(samples), iter(samples), doubles, memoryview(doubles),
             array.array("f", samples), [int(v) for v in samples], [str(v) for v in samples]]
    for form in forms:
        assert perfbudget.summarize(form) == expected, type(form)
    assert list(doubles) == samples
    assert perfbudget.summarize(array.array("d")).n == 0
    with pytest.raises(perfbudget.PerfbudgetError):
        perfbudget.summarize(array.array("d", [1.0, math.nan]))
