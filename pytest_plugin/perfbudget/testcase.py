"""A unittest mixin for suites that are not pytest-style:

    class TestParser(PerformanceRegressionTestCase, unittest.TestCase):
        def test_parse(self):
            self.measure_performance(parse, DOCUMENT)
            self.record_performance_metric("tokens_per_doc", count_tokens(DOCUMENT))
            self.assert_no_performance_regression()

Under pytest (with this plugin) settings, budget and baseline are the run's, and the test is
judged after its body even without the assertion. Under plain `python -m unittest` the
environment (PERFBUDGET_BUDGET, PERFBUDGET_BASELINE, PERFBUDGET_REGRESSION, ...) and
./perfbudget.yml configure it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Optional

from perfbudget.fixture import Perf

__unittest = True  # unittest leaves this module's frames out of failure tracebacks


class PerformanceRegressionTestCase:
    """Mixin for unittest.TestCase: measure, record custom metrics, assert no regression."""

    _perfbudget_perf: Optional[Perf] = None  # set by the pytest plugin before the test runs

    @property
    def perf(self) -> Perf:
        """The test's `perf` object (the pytest fixture's interface)."""
        if self._perfbudget_perf is None:
            from perfbudget.session import PerfSession

            session = PerfSession(None, Path.cwd())
            test_id: str = self.id()  # type: ignore[attr-defined]
            method = test_id.rsplit(".", 1)[-1]
            context = session.context_for(test_id, [test_id, method], None, test_id.rsplit(".", 1)[0])
            self._perfbudget_perf = Perf(context)
        return self._perfbudget_perf

    def measure_performance(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Measure fn(*args, **kwargs) as perf(fn, ...) does; returns its result."""
        return self.perf(fn, *args, **kwargs)

    def record_performance_metric(self, name: str, value: float, unit: str = "",
                                  higher_is_better: bool = False) -> None:
        """Record a custom metric ("hit_rate", 92, "%"); budgets limit it under metrics:."""
        self.perf.record(name, value, unit, higher_is_better)

    def assert_no_performance_regression(self, msg: Optional[str] = None) -> None:
        """Judge what this test measured and recorded now: its budget and, when regression
        checks are on, its baseline. Fails the test with the core's reason (or skips it when a
        limit cannot be measured here)."""
        __tracebackhide__ = True  # pytest, likewise
        perf = self.perf
        status, message = perf._context.session.outcome(perf)
        if status == "fail":
            self.fail(message if msg is None else f"{msg}\n{message}")  # type: ignore[attr-defined]
        if status == "skip":
            self.skipTest(message)  # type: ignore[attr-defined]
