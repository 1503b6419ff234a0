"""The run as a whole, one part per job, and the hooks' view of it (PerfSession):

- RunSetup (run_setup.py): settings, budget file, history location, environment fingerprint;
- RunHistory (run_history.py): the history, the run recorded in it at the end (or kept in the
  spool when a PostgreSQL history cannot be reached), baselines saved there;
- RunBaseline (baseline.py): what --performance-regression compares with;
- ProcessMeasuring (processes.py): --perf-processes children;
- Judging (judging.py): each test concluded by the core's judging stage;
- RunOutputs (outputs.py) and RunSummary (summary.py): what the controller writes and shows.

PerfSession owns them, keeps the records the reports carry to the controller, and orders the
end of the run. Every figure and every verdict comes from the C core through _core."""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

import pytest

from perfbudget._core import Budget, EffectiveBudget, Result, Sampler, git_describe, run_options
from perfbudget.baseline import RunBaseline
from perfbudget.fixture import Perf
from perfbudget.isolation import MeasureLock, new_lock_directory, pinned
# RECORDS_KEY, PerformanceWarning and merge_processes are re-exported from their old home
from perfbudget.judging import RECORDS_KEY as RECORDS_KEY
from perfbudget.judging import PerformanceWarning as PerformanceWarning
from perfbudget.judging import Judging, Verdict, group_of
from perfbudget.outputs import RunOutputs
from perfbudget.processes import ProcessMeasuring
from perfbudget.processes import merge_processes as merge_processes
from perfbudget.run_history import RunHistory
from perfbudget.run_setup import RunSetup
from perfbudget.settings import SettingError, Settings
from perfbudget.summary import RunSummary

SESSION_KEY = pytest.StashKey["PerfSession"]()
PERF_KEY = pytest.StashKey[Perf]()
REPORT_ATTRIBUTE = "perfbudget"  # results travel on call reports under this attribute
ERRORED_ATTRIBUTE = "perfbudget_errored"  # a perf test that failed before it was judged
LOCK_DIR_INPUT = "perfbudget_lock_dir"  # xdist workerinput key


def perf_session(config: pytest.Config) -> "PerfSession":
    return config.stash[SESSION_KEY]


def _source_identity(function: Any) -> str:
    """The first 12 hex digits of a SHA-256 of the test function's source ("" if unknown)."""
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return ""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]


@dataclass
class MeasureContext:
    """What the perf fixture of one test needs from the session: names, settings, isolation."""

    session: "PerfSession"
    nodeid: str
    names: Sequence[str]  # budget name candidates after the measurement's own: node id, names
    marker: Optional[pytest.Mark]
    settings: Settings
    group: str  # the summary groups rows by it: a parametrized test's cases together
    identity: str = ""  # a hash of the test function's source: changed code, new series
    used_names: set[str] = field(default_factory=set)

    @property
    def measuring(self) -> bool:
        """False when the body only runs once: --perf-disable, or child processes measure."""
        return not self.settings["disable"] and self.settings["processes"] == 1

    @property
    def tracemalloc(self) -> bool:
        return bool(self.settings["tracemalloc"])

    def measurement_name(self, name: Optional[str], index: int) -> str:
        if name is not None:
            full = f"{self.nodeid}[{name}]"
        else:
            full = self.nodeid if index == 0 else f"{self.nodeid}[{index + 1}]"
        if full in self.used_names:
            raise ValueError(f"perf: a measurement named {full!r} exists already in this test; "
                             f"name each one with perf.named(...)")
        self.used_names.add(full)
        return full

    def sweep_names(self, name: Optional[str], sizes: Sequence[int]) -> tuple[str, list[str]]:
        """A sweep's name ("<nodeid>", or "<nodeid>[name]") and its points' ("<sweep>/<n>"),
        claimed so that no other measurement of the test takes them."""
        sweep = self.nodeid if name is None else f"{self.nodeid}[{name}]"
        points = [f"{sweep}/{n}" for n in sizes]
        taken = [full for full in points if full in self.used_names]
        if taken:
            raise ValueError(f"perf.sweep: a measurement named {taken[0]!r} exists already in "
                             f"this test; name each sweep with perf.sweep(..., name=...)")
        self.used_names.update(points)
        return sweep, points

    def budget_choice(self, measurement: str) -> tuple[str, Optional[EffectiveBudget]]:
        return self.session.budget_choice(measurement, self.settings["budget_name"], self.names)

    def run_options(self, measurement: str) -> Any:
        """The measurement's C run options, as its sampler had them."""
        _, effective = self.budget_choice(measurement)
        return run_options(budget=effective, **self.settings.run_overrides())

    def sampler(self, measurement: str, exact: Optional[dict[str, int]] = None) -> Sampler:
        _, effective = self.budget_choice(measurement)
        overrides = self.settings.run_overrides()
        overrides.update(exact or {})
        sampler = Sampler(measurement, run_options(budget=effective, **overrides))
        sampler.set_items_per_iteration(1)  # ops/s: one call is one operation
        return sampler

    @contextlib.contextmanager
    def isolated(self) -> Iterator[None]:
        lock = self.session.lock
        with (lock.exclusive() if lock else contextlib.nullcontext()), pinned(self.settings["cpu"]):
            yield


class PerfSession:
    """State of one pytest run (a registered plugin object reached through config.stash)."""

    def __init__(self, config: Optional[pytest.Config], rootdir: Path) -> None:
        self.config = config
        self.setup = RunSetup(config, rootdir)
        self.child_output: Optional[str] = (
            getattr(config.option, "perfbudget_worker_output", None) if config else None)
        self.is_xdist_worker = config is not None and hasattr(config, "workerinput")
        self.lock: Optional[MeasureLock] = None
        self.lock_dir: Optional[str] = None
        location = self.setup.history_location
        self.history = RunHistory(location, self.setup.shown(location),
                                  keep_open=not self.settings["disable"])
        self.baseline = RunBaseline()  # on disk: read back per test (baseline.py)
        if self.settings.regression and not self.settings["disable"] and not self.child_output:
            self.baseline.load(self.setup, self.history)
        self.records: dict[str, dict[str, Any]] = {}
        self.order: dict[str, int] = {}  # node id -> position in the collection, for the summary
        self.results: list[tuple[dict[str, Any], Result]] = []
        self.notes: list[str] = []
        self.output_failed = False  # --perf-json or --perf-report could not be written
        self.processes = ProcessMeasuring(config, self.child_output, self.setup.budget_path,
                                          lambda: self.lock)
        self.judging = Judging(self.setup, self.baseline, self.history, self.processes,
                               self._position)
        self.outputs = RunOutputs(self.setup, self.baseline, self.history)
        self.summary = RunSummary(self)

    # ---- the parts' state, as the fixture and the hooks read it ----

    @property
    def settings(self) -> Settings:
        return self.setup.settings

    @property
    def budget(self) -> Optional[Budget]:
        return self.setup.budget

    def _position(self, nodeid: str) -> int:
        return self.order.get(nodeid, len(self.order))

    # ---- set-up ----

    def start_lock(self) -> None:
        """On the xdist controller: the directory the workers' measuring lock lives in."""
        self.lock_dir = new_lock_directory()

    def join_lock(self, directory: str) -> None:
        """On an xdist worker: take part in the measuring lock."""
        if not self.settings["disable"]:
            self.lock = MeasureLock(directory)

    def close(self) -> None:
        self.baseline.close()
        self.history.close()
        if self.lock is not None:
            self.lock.close()
        if self.lock_dir is not None:
            shutil.rmtree(self.lock_dir, ignore_errors=True)

    def header(self) -> str:
        setup = self.setup
        budget = setup.shown(setup.budget_path) if setup.budget_path else "none (no perfbudget.yml)"
        try:
            overall = setup.judged_by(None, "", setup.effective(""))
            threshold = f"threshold {overall.threshold:g}% ({overall.source('threshold')})"
        except SettingError as error:  # pragma: no cover - already reported at configure
            threshold = str(error)
        if self.settings["disable"]:
            mode = "perf tests run once, unmeasured (--perf-disable)"
        elif self.settings.regression:
            mode = f"regression checks against {self.baseline.label}"
        else:
            mode = "regression checks: off (turn on with --performance-regression)"
        extras = ""
        if self.settings["processes"] > 1:
            extras += f", {self.settings['processes']} processes per perf test"
        if self.settings["cpu"] is not None:
            extras += f", pinned to CPU {self.settings['cpu']}"
        if self.lock_dir is not None and not self.settings["disable"]:
            extras += ", one xdist worker measures at a time"
        return f"perfbudget: budget {budget}, {threshold}, {mode}{extras}"

    # ---- per test ----

    def context_for(self, nodeid: str, names: Sequence[str], marker: Optional[pytest.Mark],
                    group: str) -> MeasureContext:
        """Settings for one test: its marker and the budget that applies to its node id."""
        settings = self.settings_for(nodeid, names, marker, nodeid)
        return MeasureContext(self, nodeid, names, marker, settings, group)

    def settings_for(self, nodeid: str, names: Sequence[str], marker: Optional[pytest.Mark],
                     measurement: str) -> Settings:
        return self.setup.settings_for(nodeid, names, marker, measurement)

    def budget_choice(self, measurement: str, marker_budget: Optional[str],
                      names: Sequence[str]) -> tuple[str, Optional[EffectiveBudget]]:
        return self.setup.budget_choice(measurement, marker_budget, names)

    def perf_for(self, item: pytest.Item) -> Perf:
        names = [item.nodeid, item.name, getattr(item, "originalname", item.name)]
        try:
            context = self.context_for(item.nodeid, names, item.get_closest_marker("performance"),
                                       group_of(item))
            context.identity = _source_identity(getattr(item, "function", None))
        except SettingError as error:
            pytest.fail(str(error), pytrace=False)
        wanted = context.settings["budget_name"]
        budget = self.setup.budget
        if wanted is not None and budget is not None and budget.resolve(wanted).entry is None:
            pytest.fail(f"{context.settings.source('budget_name')}: no entry of "
                        f"{self.setup.budget_name()} matches budget name {wanted!r}",
                        pytrace=False)
        perf = Perf(context)
        item.stash[PERF_KEY] = perf
        return perf

    def evaluate(self, perf: Perf) -> list[Verdict]:
        return self.judging.evaluate(perf)

    def outcome(self, perf: Perf) -> tuple[str, str]:
        return self.judging.outcome(perf)

    def ship(self, item: pytest.Item, perf: Perf) -> None:
        self.judging.ship(item, perf)

    def conclude(self, item: pytest.Item, perf: Perf) -> None:
        self.judging.conclude(item, perf)

    def errored_record(self, item: pytest.Item, report: pytest.TestReport) -> dict[str, Any]:
        return self.judging.errored_record(item, report)

    # ---- the controller: collect, record, write, summarize ----

    def collect(self, report: pytest.TestReport) -> None:
        if self.is_xdist_worker or self.child_output is not None:
            return
        for record in getattr(report, REPORT_ATTRIBUTE, None) or ():
            self.records[record["name"]] = record  # a rerun replaces, never duplicates
        errored = getattr(report, ERRORED_ATTRIBUTE, None)
        if errored is not None and not any(r["nodeid"] == errored["nodeid"]
                                           for r in self.records.values()):
            self.records[errored["name"]] = errored

    def finish(self, interrupted: bool = False) -> None:
        """Record the run in the history; write --perf-json, --perf-report, --perf-save-baseline.
        An interrupted session (Ctrl-C, pytest.exit()) is half-done: nothing of it is kept.
        The controller alone does this (never an xdist worker or a --perf-processes child)."""
        if self.is_xdist_worker or self.child_output is not None or not self.records:
            return
        for record in self.records.values():
            # the verdict record (limits, comparisons, notes) travels in the result's JSON
            self.results.append((record, Result.from_json_text(record["result"],
                                                               record["name"])[0]))
        if interrupted:  # the summary shows what was measured; nothing of it is kept
            self.notes.append("interrupted: the run is not recorded in the history, and no "
                              "results, report or baseline written")
            return
        # A test that errored before it was judged is in the reports, not in the history.
        results = [result for record, result in self.results if not record.get("errored")]
        self.notes += self.setup.unused_entry_notes(
            [name for record in self.records.values()
             for name in (record["name"], record["budget_name"]) if name is not None])
        run_id = None
        if results:
            run_id, notes = self.history.record(results, self.setup.environment,
                                                git_describe(self.setup.rootdir))
            self.notes += notes
        self.notes += self.outputs.send_alerts(results)
        # Outputs after the run is safe in the history: a refusal fails the session.
        ordered = [result for _, result in self.summary.ordered()]
        if not self.outputs.write(ordered, self.notes):
            self.output_failed = True
        name = self.settings["save_baseline"]
        if name is not None and run_id is not None:
            self.notes.append(self.history.save_baseline(str(name), run_id))
        elif name is not None and results:
            self.notes.append(f"baseline '{name}' not saved: the run is not in the history")

    def terminal_summary(self, reporter: Any) -> None:
        self.summary.show(reporter)
