"""Issue 23, items 4 and 6 under pytest: advice under a failure, policy (fail_on) from the budget
file, --perf-fail-on, perf_fail_on and $PERFBUDGET_FAIL_ON; discovery of bench_* functions by
convention (perf_discover) and categories as markers. Budgets are 1 ns or minutes: nothing
depends on this machine's speed."""

from __future__ import annotations

import json

import pytest

BUDGETS = """\
version: 1
budgets:
  test_tight:
    latency: {median: 1ns}
    advice: "Profile with perf record; the tokenizer is the usual suspect"
    link: https://wiki.example.com/perf/tight
  test_rollout:
    latency: {median: 1ns}
    policy: {fail_on: never}
"""

TESTS = """\
def test_tight(perf):
    perf(sum, range(10))


def test_rollout(perf):
    perf(sum, range(10))
"""

# Short runs: the verdict is what is tested, not the figures.
FAST = ("-p", "no:cacheprovider", "-W", "default", "--perf-history", "h.sqlite")


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("PERFBUDGET_FAIL_ON", raising=False)
    monkeypatch.delenv("PERFBUDGET_DISCOVER", raising=False)
    pytester.makefile(".yml", perfbudget=BUDGETS)
    pytester.makepyfile(test_it=TESTS)
    pytester.makeini("[pytest]\n")
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(*FAST, *args)


# ---- advice and policy ------------------------------------------------------------------------


def test_advice_is_printed_under_the_failure(project: pytest.Pytester) -> None:
    result = run(project, "-k", "tight")
    result.assert_outcomes(failed=1)
    text = result.stdout.str()
    failure = text.index("FAIL test_it.py::test_tight: median")
    advice = text.index("advice: Profile with perf record; the tokenizer is the usual suspect")
    link = text.index("see: https://wiki.example.com/perf/tight")
    assert failure < advice < link


@pytest.mark.parametrize("how", ["option", "ini", "environment"])
def test_fail_on_never_warns_and_keeps_the_verdict(project: pytest.Pytester,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   how: str) -> None:
    args = ["-k", "tight", "--perf-json", "out.json"]
    if how == "option":
        args += ["--perf-fail-on", "never"]
    elif how == "ini":
        project.makeini("[pytest]\nperf_fail_on = never\n")
    else:
        monkeypatch.setenv("PERFBUDGET_FAIL_ON", "never")
    result = run(project, *args)
    result.assert_outcomes(passed=1, warnings=1)
    text = result.stdout.str()
    assert "WARN test_it.py::test_tight: median" in text
    assert "(not failing: fail_on: never)" in text
    assert "warn (fail_on: never)" in text  # the summary table's verdict
    document = json.loads((project.path / "out.json").read_text(encoding="utf-8"))
    budget = document["benchmarks"][0]["budget"]
    assert budget["fail_on"] == "never"
    assert budget["verdicts"][0]["status"] == "fail"  # the verdict itself is unchanged
    assert budget["advice"].startswith("Profile with perf record")


def test_budget_policy_and_the_option_beating_it(project: pytest.Pytester) -> None:
    result = run(project, "-k", "rollout")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*WARN test_it.py::test_rollout: median*fail_on: never*"])
    # a breached limit fails under critical too
    result = run(project, "-k", "rollout", "--perf-fail-on", "critical")
    result.assert_outcomes(failed=1)


def test_invalid_fail_on_names_its_source(project: pytest.Pytester) -> None:
    result = run(project, "--co", "--perf-fail-on", "sometimes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--perf-fail-on: expected regression, critical or never, "
                                 "not 'sometimes'*"])


# ---- discovery by convention ------------------------------------------------------------------

BENCH = """\
import pytest


def bench_sum(perf):
    perf(sum, range(10))


@pytest.mark.parametrize("n", [10, 100])
def benchmark_join(perf, n):
    perf("".join, ["x"] * n)


def bench_without_perf():
    raise AssertionError("not a perf test: never collected")


def helper(perf):
    raise AssertionError("not named bench_: never collected")
"""


@pytest.fixture
def benches(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("PERFBUDGET_DISCOVER", raising=False)
    pytester.mkpydir("benchmarks")
    (pytester.path / "benchmarks" / "parsing.py").write_text(BENCH, encoding="utf-8")
    (pytester.path / "bench").mkdir()
    (pytester.path / "bench" / "bench_io.py").write_text(
        "def benchmark_read(perf):\n    perf(len, 'abc')\n", encoding="utf-8")
    (pytester.path / "tools").mkdir()
    (pytester.path / "tools" / "bench_elsewhere.py").write_text(
        "def bench_elsewhere(perf):\n    raise AssertionError('outside bench dirs')\n",
        encoding="utf-8")
    return pytester


def collected(result: pytest.RunResult) -> list[str]:
    return sorted(line for line in result.stdout.lines if "::" in line)


def test_discovery_collects_bench_functions_taking_perf(benches: pytest.Pytester) -> None:
    benches.makeini("[pytest]\nperf_discover = true\n")
    result = run(benches, "--co", "-q", "-m", "performance", "benchmarks", "bench", "tools")
    assert collected(result) == [
        "bench/bench_io.py::benchmark_read",
        "benchmarks/parsing.py::bench_sum",
        "benchmarks/parsing.py::benchmark_join[100]",
        "benchmarks/parsing.py::benchmark_join[10]",
    ]


def test_discovery_is_off_without_the_setting(benches: pytest.Pytester) -> None:
    benches.makeini("[pytest]\n")
    result = run(benches, "--co", "-q", "benchmarks", "bench", "tools")
    assert collected(result) == []


def test_discovered_benchmarks_are_measured(benches: pytest.Pytester) -> None:
    benches.makeini("[pytest]\nperf_discover = true\n")
    result = run(benches, "bench", "--perf-json", "out.json")
    result.assert_outcomes(passed=1)
    document = json.loads((benches.path / "out.json").read_text(encoding="utf-8"))
    assert [b["name"] for b in document["benchmarks"]] == ["bench/bench_io.py::benchmark_read"]
    assert document["benchmarks"][0]["summary"]["n"] > 0


# ---- categories -------------------------------------------------------------------------------

CATEGORIZED = """\
import pytest


@pytest.mark.performance(category="integration")
def test_end_to_end(perf):
    perf(sum, range(10))


@pytest.mark.performance(category="unit")
def test_parse(perf):
    perf(sum, range(10))


@pytest.mark.performance(category="nightly")
def test_soak(perf):
    perf(sum, range(10))


def test_plain(perf):
    perf(sum, range(10))
"""


def test_category_becomes_a_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_cat=CATEGORIZED)
    result = run(pytester, "--co", "-q", "--strict-markers", "-m",
                 "performance and not integration")
    assert collected(result) == ["test_cat.py::test_parse", "test_cat.py::test_plain",
                                 "test_cat.py::test_soak"]
    result = run(pytester, "--co", "-q", "--strict-markers", "-m", "integration or nightly")
    assert collected(result) == ["test_cat.py::test_end_to_end", "test_cat.py::test_soak"]


def test_category_must_be_one_word(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_cat="""\
import pytest


@pytest.mark.performance(category="two words")
def test_x(perf):
    perf(sum, range(10))
""")
    result = run(pytester, "--co")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*category=...) on test_cat.py::test_x: a category is one word*"])
