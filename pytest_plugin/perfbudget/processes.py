"""--perf-processes: a perf test measured in fresh interpreters, one process a unit of noise
(docs/statistics.md). The children run the test and write their results; the core merges them
(perfbudget_result_new_merged) into the result this process judges."""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional, Sequence

import pytest

from perfbudget._core import Result
from perfbudget.fixture import Measurement, Perf
from perfbudget.isolation import ChildFailed, MeasureLock, run_children

if TYPE_CHECKING:  # pragma: no cover
    from perfbudget.session import MeasureContext


def merge_processes(name: str, runs: Sequence[Result]) -> Result:
    """One result from the same measurement in several processes (the core's
    perfbudget_result_new_merged, as PROCESSES in CTest): the samples pooled in process order; each
    other figure the median over processes, counts summed; each process's median kept as custom
    metric process_median_<i>; the first process's stages; the CPU samples pooled alike when
    every process has them."""
    return Result.merge(name, runs)


class ProcessMeasuring:
    """--perf-processes: the children measure a perf test in fresh interpreters and their
    results are merged by the core; in a child, its results are written for the parent."""

    def __init__(self, config: Optional[pytest.Config], child_output: Optional[str],
                 budget_path: Optional[Path], lock: Callable[[], Optional[MeasureLock]]) -> None:
        self.config = config
        self.child_output = child_output  # set in a child: where its results go
        self.budget_path = budget_path
        self.lock = lock  # the session's, once the xdist workers share one

    def attach_orphan_records(self, perf: Perf, context: MeasureContext) -> None:
        """A test that only records custom metrics still gets a result to judge them by."""
        if perf.records and not any(m.result is not None for m in perf.measurements):
            name = context.nodeid
            result = Result.from_samples(name, [])
            perf.measurements.append(Measurement(name, result, lambda: None))
            perf._attach_records()

    def write_child_output(self, perf: Perf) -> None:
        self.attach_orphan_records(perf, perf._context)
        results = [m.result for m in perf.measurements if m.result is not None]
        assert self.child_output is not None
        Result.write_json(results, self.child_output, "pytest-process")

    def measure_in_children_first(self, perf: Perf) -> None:
        """--perf-processes: the children measure (running the whole test) before this process
        calls the measured function once itself, so that a function that crashes every time
        fails its test in a child instead of taking this process, and the session, with it.
        A child that fails fails the test here (pytest.fail)."""
        context = perf._context
        if (perf._per_process is None and context.settings["processes"] > 1
                and not context.settings["disable"] and self.child_output is None):
            perf._per_process = self._run_children(context)

    def _run_children(self, context: MeasureContext) -> list[dict[str, Result]]:
        """Each child's results by name, in process order."""
        count = context.settings["processes"]
        extra = []
        if self.budget_path is not None:
            extra += ["--perf-budget", str(self.budget_path.resolve())]
        if context.settings["cpu"] is not None:
            extra += ["--perf-cpu", str(context.settings["cpu"])]
        assert self.config is not None
        with tempfile.TemporaryDirectory(prefix="perfbudget-processes-") as directory:
            lock = self.lock()
            failure = None
            try:
                with lock.exclusive() if lock else contextlib.nullcontext():
                    outputs = run_children(context.nodeid, count, self.config.rootpath,
                                           self.config.inipath, Path(directory), extra,
                                           self._say_uncaptured)
            except ChildFailed as error:
                failure = str(error)
            if failure is not None:  # outside the except: the reason once, not chained twice
                pytest.fail(failure, pytrace=False)
            return [{r.name: r for r in Result.load_json(path)} for path in outputs]

    def _say_uncaptured(self, text: str) -> None:
        """Write to the real stderr, past pytest's capture of the running test."""
        assert self.config is not None
        capture = self.config.pluginmanager.getplugin("capturemanager")
        with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
            sys.stderr.write(text)
            sys.stderr.flush()

    def measure_in_children(self, perf: Perf, context: MeasureContext) -> None:
        count = context.settings["processes"]
        self.measure_in_children_first(perf)  # a test that measured nothing itself
        per_process = perf._per_process
        assert per_process is not None
        calls = {m.name: m.call_once for m in perf.measurements}
        names = list(per_process[0])
        merged = []
        for name in names:
            runs = [process.get(name) for process in per_process]
            missing = [index for index, run in enumerate(runs, 1) if run is None]
            if missing:
                pytest.fail(f"process {missing[0]} of {count} did not measure {name}", pytrace=False)
            merged.append(Measurement(name, merge_processes(name, [r for r in runs if r]),
                                      calls.get(name, lambda: None)))
        perf.measurements = merged
        perf.records.clear()  # the children recorded them
