"""The run as a whole: budget file, baseline, the per-test conclusion (judge, compare, fail the
test itself), the results that travel on reports, and what the controller alone writes and
prints at the end (summary table, result files, the run in the history, saved baselines). Every figure
and every verdict comes from the C core through _core; this module only moves them around.
PerfSession holds the run's state and judges each test; ProcessMeasuring runs --perf-processes
children, and RunSummary shows the run at the end."""

from __future__ import annotations

import contextlib
import cProfile
import hashlib
import inspect
import csv
import io
import os
import platform
import re
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

import pytest

from perfbudget._core import (
    Budget,
    BudgetError,
    Comparison,
    EffectiveBudget,
    History,
    HistoryNotFound,
    PerfbudgetError,
    Result,
    describe_scaling,
    fit_sweep,
    judge_complexity,
    Sampler,
    environment_fingerprint,
    runner_type,
    format_value,
    git_describe,
    load_budgets,
    printable,
    render_report,
    report_format_for_path,
    result_file_name,
    run_options,
    step_summary_append,
    write_output,
)
from perfbudget.baseline import SpooledBaseline, load_baseline_file
from perfbudget.fixture import EVENT_LOOP_OVERHEAD, Measurement, Perf
from perfbudget.isolation import ChildFailed, MeasureLock, new_lock_directory, pinned, run_children
from perfbudget.settings import SettingError, Settings, resolve

SESSION_KEY = pytest.StashKey["PerfSession"]()
PERF_KEY = pytest.StashKey[Perf]()
RECORDS_KEY = pytest.StashKey[list[dict[str, Any]]]()
REPORT_ATTRIBUTE = "perfbudget"  # results travel on call reports under this attribute
ERRORED_ATTRIBUTE = "perfbudget_errored"  # a perf test that failed before it was judged
STATE_DIR = ".perfbudget"
LOCK_DIR_INPUT = "perfbudget_lock_dir"  # xdist workerinput key



def _is_database(location: str) -> bool:
    """Whether a history setting names a PostgreSQL database rather than a file."""
    return location.startswith(("postgresql://", "postgres://"))


def _without_password(uri: str) -> str:
    """A connection URI as messages show it: its password, if any, replaced by ***."""
    uri = re.sub(r"^([a-z]+://[^/?#@:]*):[^/?#]*@", r"\1:***@", uri)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", uri)

class PerformanceWarning(UserWarning):
    """A perf test passed with a warning (a limit's warn level)."""


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


@dataclass
class Verdict:
    """One measurement judged: the C core's test status and report, for one test runner."""

    measurement: Measurement
    result: Result
    status: str
    report: str
    record: dict[str, Any]


def _budget_error_text(error: BudgetError) -> str:
    if error.problems:
        return "\n".join(str(problem) for problem in error.problems)
    return str(error)


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


class RunSummary:
    """What the controller shows of the run at the end: the results in the summary's order, the
    core's table with the columns pytest adds, and the notes under it."""

    def __init__(self, session: "PerfSession") -> None:
        self.session = session

    def rows(self) -> list[dict[str, str]]:
        rows = []
        for record, result in self.ordered():
            summary = result.summary
            metrics = result.metrics
            rows.append({
                "benchmark": record["name"],
                "median": format_value(summary.median, "ns"),
                "p95": format_value(summary.p95, "ns"),
                "p99": format_value(summary.p99, "ns"),
                "ops/s": format_value(metrics["items_per_second"], "per_second"),
                "memory": format_value(metrics["peak_rss_bytes"], "bytes"),
                "Δ baseline": _delta(record),
                "verdict": _verdict(record),
            })
        return rows

    def ordered(self) -> list[tuple[dict[str, Any], Result]]:
        """Rows grouped by test (a parametrized test's cases together), in first-seen order."""
        # xdist: in any order
        by_collection = sorted(self.session.results, key=lambda pair: pair[0]["order"])
        first: dict[str, int] = {}
        for record, _ in by_collection:
            first.setdefault(_group_key(record), len(first))
        return sorted(by_collection, key=lambda pair: first[_group_key(pair[0])])

    def unmatched_baseline_note(self) -> str:
        """A note when the baseline has entries but none is named like a measurement of this run:
        node ids are relative to the rootdir, so a baseline recorded under another rootdir
        (pytest moves it for existing paths on the command line) matches nothing, and every test
        would pass as "new" without a word in the summary."""
        names = [record["name"] for record, _ in self.session.results]
        baseline = self.session.baseline
        if not baseline or not names or any(name in baseline for name in names):
            return ""
        return (f"note: none of this run's {len(names)} perf measurements is in the baseline, "
                f"so none was compared: the baseline names {baseline.first_name()!r}, this "
                f"run {names[0]!r}. Node ids are relative to the rootdir "
                f"({self.session.rootdir}): was the baseline recorded with another one? "
                "(--rootdir sets it.)")

    @staticmethod
    def reasons(ordered: Sequence[tuple[dict[str, Any], Result]]) -> list[str]:
        """Why a test that did not fail was inconclusive or improved, or was judged on CPU time:
        a failing test shows the core's report already."""
        lines = []
        for record, _ in ordered:
            if record["status"] == "fail":
                continue
            comparison = record["comparison"]
            reasons = list(record.get("notes") or [])
            if comparison is not None and comparison["outcome"] in ("inconclusive", "improvement"):
                reasons.insert(0, comparison["text"])
            lines += [f"note: {record['name']}: {reason}" for reason in reasons]
        return lines

    def show(self, reporter: Any) -> None:
        session = self.session
        if session.child_output is not None or session.is_xdist_worker:
            return
        if not session.results and not session.notes and not session.baseline_note:
            return
        reporter.write_sep("-", "perfbudget")
        # Names, notes and paths reach the terminal with the core's one rule: control characters
        # shown as text (\x1b, \n), never acted on. The core's table is escaped already, and
        # escaping is idempotent.
        def write(line: str) -> None:
            reporter.write_line(printable(line))

        if self.session.results:
            ordered = self.ordered()
            # On a terminal the rows fit its width, the columns added here included (names cut
            # in the middle); in a log or a pipe they keep whole names, to be searched.
            rows = self.rows()
            columns = [(heading, width, [row[heading] for row in rows])
                       for heading, width in (("ops/s", 10), ("Δ baseline", 11), ("verdict", 0))]
            text = Result.summary_table([result for _, result in ordered],
                                        [_group_key(record) for record, _ in ordered], columns,
                                        reporter._tw.fullwidth if reporter.isatty else None)
            lines = text.rstrip("\n").split("\n")
            lines += self.reasons(ordered)
            for line in lines:
                write(line)
        if self.session.settings.regression and not self.session.settings["disable"]:
            write(f"compared with {self.session.baseline_label}")
            unmatched = self.unmatched_baseline_note()
            if unmatched:
                write(unmatched)
        if self.session.baseline_note:
            write(f"note: {self.session.baseline_note}")
        for note in self.session.notes:
            write(note)


class PerfSession:
    """State of one pytest run (a registered plugin object reached through config.stash)."""

    def __init__(self, config: Optional[pytest.Config], rootdir: Path) -> None:
        self.config = config
        self.rootdir = rootdir
        self.settings = resolve(config)
        self.child_output: Optional[str] = (
            getattr(config.option, "perfbudget_worker_output", None) if config else None)
        self.is_xdist_worker = config is not None and hasattr(config, "workerinput")
        self.lock: Optional[MeasureLock] = None
        self.lock_dir: Optional[str] = None
        self.budget: Optional[Budget] = None
        self.budget_path: Optional[Path] = None
        self._load_budget()
        self.state_dir = (self.budget_path.parent if self.budget_path else rootdir) / STATE_DIR
        self.history_path = self._history_path()
        self.environment = environment_fingerprint(
            f"{platform.python_implementation()} {platform.python_version()}")
        self.baseline = SpooledBaseline(())  # on disk: read back per test (baseline.py)
        self.baseline_from_history = False
        self.baseline_run = 0  # the baseline's run in the history (0: each benchmark's latest)
        self.branch: Optional[str] = None
        self.baseline_label = ""
        self.baseline_note = ""
        # perfbudget's own footprint must be the same in every run, or peak memory would
        # compare perfbudget with itself: SQLite is loaded before measuring, in every run.
        self._resident_history: Optional[History] = None
        if not self.settings["disable"]:
            try:
                self._resident_history = History(self.history_path)
            except PerfbudgetError as error:
                if error.name == "EINVAL":  # never a history (a device, a directory): say so now
                    raise pytest.UsageError(f"cannot use the history: {error}") from None
        if self.settings.regression and not self.settings["disable"] and not self.child_output:
            self._load_baseline()
        self.records: dict[str, dict[str, Any]] = {}
        self.order: dict[str, int] = {}  # node id -> position in the collection, for the summary
        self.results: list[tuple[dict[str, Any], Result]] = []
        self.notes: list[str] = []
        self.output_failed = False  # --perf-json or --perf-report could not be written
        self.summary = RunSummary(self)
        self.processes = ProcessMeasuring(config, self.child_output, self.budget_path,
                                          lambda: self.lock)

    # ---- set-up ----

    def _path(self, key: str, value: Optional[str] = None) -> Path:
        """A path setting (or value, one of a setting's several), relative to the ini file's
        directory when it came from there, else to the directory pytest was invoked in."""
        path = Path(str(self.settings[key] if value is None else value))
        if path.is_absolute() or self.config is None:
            return path
        source = self.settings.source(key)
        if self.config.inipath is not None and source.endswith(self.config.inipath.name):
            return self.config.inipath.parent / path
        return Path(self.config.invocation_params.dir) / path

    def _load_budget(self) -> None:
        if self.settings["budget_file"] is not None:
            path = self._path("budget_file")
            if not path.exists():
                raise pytest.UsageError(f"{self.settings.source('budget_file')}: budget file "
                                        f"{path} does not exist")
        else:
            found = self._default_budget_file()
            if found is None:
                return
            path = found
        try:
            self.budget = load_budgets(path)
        except BudgetError as error:
            raise pytest.UsageError(f"invalid budget file:\n{_budget_error_text(error)}") from None
        self.budget_path = path

    def _default_budget_file(self) -> Optional[Path]:
        """perfbudget.yml at the rootdir, else beside the ini file, else in the directory pytest
        was invoked in. pytest picks the rootdir from the test paths on the command line:
        `pytest tests ../other` moves it above the project, and the project's budget file must
        still apply."""
        places = [self.rootdir]
        if self.config is not None:
            if self.config.inipath is not None:
                places.append(self.config.inipath.parent)
            places.append(Path(self.config.invocation_params.dir))
        return next((path for path in (place / "perfbudget.yml" for place in places)
                     if path.is_file()), None)

    def _history_path(self) -> Path | str:
        """--perf-history / PERFBUDGET_HISTORY / perf_history, else the budget file's
        settings.history, else .perfbudget/history.sqlite at the rootdir. A PostgreSQL URI
        (postgresql://...) is kept as it is given: a str, not a path."""
        if self.settings["history"] is not None:
            if _is_database(str(self.settings["history"])):
                return str(self.settings["history"])
            return self._path("history")
        if self.budget is not None:
            if _is_database(self.budget.history_path):
                return self.budget.history_path
            return Path(self.budget.history_path)
        return self.state_dir / "history.sqlite"

    def _open_history(self, read_only: bool = False) -> History:
        try:
            return History(self.history_path, read_only=read_only)
        except PerfbudgetError as error:
            raise pytest.UsageError(f"cannot open the history: {error}") from None

    def _load_baseline(self) -> None:
        """A result file, or from the history: each benchmark's latest result (the default), a
        baseline name, merge-base, run:ID or commit:SHA (docs/history.md)."""
        value = self.settings["baseline"]
        if value is not None:
            candidate = self._path("baseline")
            if candidate.exists() or str(value).endswith(".json"):
                self.baseline_label = f"baseline {self._shown(candidate)}"
                if not candidate.exists():
                    raise pytest.UsageError(f"{self.settings.source('baseline')}: baseline file "
                                            f"{candidate} does not exist")
                try:
                    self._set_baseline(load_baseline_file(candidate))
                except PerfbudgetError as error:
                    raise pytest.UsageError(f"cannot read the baseline {candidate}: {error}") from None
                return
        spec = "latest" if value is None else str(value)
        # read-only: a history that is not there yet has no latest results, and is not created
        history = (None if spec == "latest" and isinstance(self.history_path, Path)
                   and not self.history_path.exists()
                   else self._open_history(read_only=isinstance(self.history_path, Path)))
        git = git_describe(self.rootdir)
        branch = git["branch"] or None
        self.branch = branch
        self.baseline_from_history = True
        shown = self._shown(self.history_path)
        if spec == "latest":
            results = history.load_latest(self.environment, branch) if history else []
            self.baseline_label = (f"the latest result of each benchmark on this environment and "
                                   f"branch {branch or '(none)'} ({shown})")
            if not results:
                self.baseline_note = (f"no earlier run on this environment and branch "
                                      f"{branch or '(none)'} in {shown}: nothing to compare with; "
                                      f"this run becomes the baseline of the next")
            self._set_baseline(results)
            return
        if spec == "merge-base":
            if not git["merge_base"]:
                raise pytest.UsageError(f"{self.settings.source('baseline')}: merge-base needs a "
                                        f"git work tree with a main or master branch")
            spec = f"commit:{git['merge_base']}"
        assert history is not None  # only "latest" goes without a history, and it has returned
        try:
            run_id, why = history.find(spec, self.environment, branch)
        except HistoryNotFound as error:
            raise pytest.UsageError(f"{self.settings.source('baseline')}: {error} in {shown} "
                                    f"(save one with --perf-save-baseline NAME)") from None
        except PerfbudgetError as error:
            raise pytest.UsageError(f"{self.settings.source('baseline')}: {error}") from None
        record = history.run(run_id)
        if (runner_type(record["environment"]) != runner_type(self.environment)
                and os.environ.get("PERFBUDGET_FORCE") != "1"):
            raise pytest.UsageError(
                f"{self.settings.source('baseline')}: {why} was measured on a different "
                f"environment, so a comparison would measure the machines, not the code "
                f"(baseline: {record['environment']}; here: {self.environment}); set "
                f"PERFBUDGET_FORCE=1 to compare anyway")
        self._set_baseline(history.load_baseline(spec, run_id))
        self.baseline_run = run_id
        # the spread between runs is centred on the baseline: its branch's runs (main's, for a
        # pull request compared with its merge base)
        self.branch = record["branch"] or None
        self.baseline_label = f"{why} ({shown})"

    def _set_baseline(self, results: list[Result]) -> None:
        try:
            self.baseline = SpooledBaseline(results)
        except OSError as error:
            raise pytest.UsageError(f"cannot keep the baseline in a temporary directory: "
                                    f"{error}") from None
        del results[:]  # the last references: the samples leave memory before measuring

    def _shown(self, path: Path | str) -> str:
        if isinstance(path, str):
            return _without_password(path)
        with contextlib.suppress(ValueError):
            return str(path.relative_to(self.rootdir))
        return str(path)

    def start_lock(self) -> None:
        """On the xdist controller: the directory the workers' measuring lock lives in."""
        self.lock_dir = new_lock_directory()

    def join_lock(self, directory: str) -> None:
        """On an xdist worker: take part in the measuring lock."""
        if not self.settings["disable"]:
            self.lock = MeasureLock(directory)

    def close(self) -> None:
        self.baseline.close()
        if self.lock is not None:
            self.lock.close()
        if self.lock_dir is not None:
            shutil.rmtree(self.lock_dir, ignore_errors=True)

    def header(self) -> str:
        budget = self._shown(self.budget_path) if self.budget_path else "none (no perfbudget.yml)"
        try:
            overall = resolve(self.config, budget=self._effective(""), budget_file=self._budget_name())
            threshold = f"threshold {overall.threshold:g}% ({overall.source('threshold')})"
        except SettingError as error:  # pragma: no cover - already reported at configure
            threshold = str(error)
        if self.settings["disable"]:
            mode = "perf tests run once, unmeasured (--perf-disable)"
        elif self.settings.regression:
            mode = f"regression checks against {self.baseline_label}"
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

    def _budget_name(self) -> str:
        return self._shown(self.budget_path) if self.budget_path else ""

    def _effective(self, name: str) -> Optional[EffectiveBudget]:
        return self.budget.resolve(name) if self.budget else None

    # ---- per test ----

    def context_for(self, nodeid: str, names: Sequence[str], marker: Optional[pytest.Mark],
                    group: str) -> MeasureContext:
        """Settings for one test: its marker and the budget that applies to its node id."""
        settings = self.settings_for(nodeid, names, marker, nodeid)
        return MeasureContext(self, nodeid, names, marker, settings, group)

    def settings_for(self, nodeid: str, names: Sequence[str], marker: Optional[pytest.Mark],
                     measurement: str) -> Settings:
        first = resolve(self.config, marker=marker, nodeid=nodeid)  # the marker's budget name
        _, effective = self.budget_choice(measurement, first["budget_name"], names)
        return resolve(self.config, marker=marker, nodeid=nodeid, budget=effective,
                       budget_file=self._budget_name())

    def perf_for(self, item: pytest.Item) -> Perf:
        names = [item.nodeid, item.name, getattr(item, "originalname", item.name)]
        try:
            context = self.context_for(item.nodeid, names, item.get_closest_marker("performance"),
                                       _group_of(item))
            context.identity = _source_identity(getattr(item, "function", None))
        except SettingError as error:
            pytest.fail(str(error), pytrace=False)
        wanted = context.settings["budget_name"]
        if wanted is not None and self.budget is not None and self.budget.resolve(wanted).entry is None:
            pytest.fail(f"{context.settings.source('budget_name')}: no entry of "
                        f"{self._budget_name()} matches budget name {wanted!r}", pytrace=False)
        perf = Perf(context)
        item.stash[PERF_KEY] = perf
        return perf

    def budget_choice(self, measurement: str, marker_budget: Optional[str],
                      names: Sequence[str]) -> tuple[str, Optional[EffectiveBudget]]:
        """The name a measurement is judged by: the marker's budget name, else the first of its
        own name and names (the test's node id, name and function name) that an entry matches
        exactly, else the first that any entry (a glob) matches."""
        if self.budget is None:
            return (marker_budget or measurement, None)
        if marker_budget is not None:
            return (marker_budget, self.budget.resolve(marker_budget))
        candidates = [measurement]
        candidates += [name for name in names if name not in candidates]
        resolved = [(name, self.budget.resolve(name)) for name in candidates]
        for name, effective in resolved:
            if effective.exact:
                return (name, effective)
        for name, effective in resolved:
            if effective.entry is not None:
                return (name, effective)
        return (measurement, resolved[0][1])

    def evaluate(self, perf: Perf) -> list[Verdict]:
        """Measure in child processes if asked, then judge every measurement of a test (once;
        the verdicts are kept on perf)."""
        if perf.verdicts is not None:
            return perf.verdicts
        context = perf._context
        perf.verdicts = []
        if context.settings["disable"] or self.child_output is not None:
            return perf.verdicts
        if context.settings["processes"] > 1:
            self.processes.measure_in_children(perf, context)
        self.processes.attach_orphan_records(perf, context)
        perf.verdicts = [self._confirmed(context, self._judge(context, m))
                         for m in perf.measurements if m.result is not None]
        self._judge_sweeps(perf, context)
        self._concurrency_notes(perf)
        return perf.verdicts

    def _concurrency_notes(self, perf: Perf) -> None:
        """A threaded measurement's scaling (judged by the fixture, so that its verdict is the
        core's) and an async one's event-loop overhead, as notes in the terminal summary."""
        for verdict in perf.verdicts or []:
            points, judged = verdict.result.scaling
            if points:
                verdict.record["notes"].append(f"scaling: {describe_scaling(points)}")
            if judged is not None:
                verdict.record["notes"].append(f"scaling {judged.text}")
            overhead = verdict.result.custom_metrics.get(EVENT_LOOP_OVERHEAD)
            if overhead is not None:
                verdict.record["notes"].append(
                    f"event loop overhead {format_value(overhead, 'ns')} per awaited call "
                    f"(an empty coroutine on the same loop)")

    def _judge_sweeps(self, perf: Perf, context: MeasureContext) -> None:
        """Fit each perf.sweep() from its points' results (merged from child processes too) and
        let the core judge the fit: against the budget's complexity:, and with a baseline its
        coefficient against the baseline's points fitted to the same class. The verdict's text
        becomes a note of the sweep's last point, so the terminal summary shows the fit."""
        results = [m.result for m in perf.measurements if m.result is not None]
        for sweep in perf.sweeps:
            try:
                sweep.fit = fit_sweep(results, sweep.name)
            except PerfbudgetError:  # fewer than two sizes measured: nothing to fit
                sweep.fit = None
                continue
            budget_name, effective = context.budget_choice(sweep.name)
            settings = resolve(self.config, marker=context.marker, nodeid=context.nodeid,
                               budget=effective, budget_file=self._budget_name())
            base = None
            if settings.regression:
                points = [r for n in sweep.sizes for r in self.baseline.load(f"{sweep.name}/{n}")]
                try:
                    base = fit_sweep(points, sweep.name, sweep.fit.complexity)
                except PerfbudgetError:  # the baseline has fewer than two of its sizes
                    base = None
            sweep.verdict = judge_complexity(sweep.fit, self.budget, budget_name, base)
            largest = f"{sweep.name}/{max(sweep.sizes)}"
            for verdict in perf.verdicts or []:  # set by evaluate before it calls this
                if verdict.measurement.name == largest:  # the fit goes into its JSON too
                    verdict.result.set_complexity(sweep.fit, sweep.verdict)
                    verdict.record["result"] = Result.to_json_text([verdict.result])
                    verdict.record["notes"].append(f"sweep {sweep.verdict.text}")

    def _confirmed(self, context: MeasureContext, verdict: Verdict) -> Verdict:
        """--perf-confirm N: a verdict that fails only on a regression is measured again, up to
        N times; it stands only if every re-measurement regresses too (the core decides when to
        measure again and what the report then says)."""
        confirm = int(context.settings["confirm"] or 0)
        measurement = verdict.measurement
        if measurement.remeasure is None:
            return verdict
        done = 0
        while True:
            again, note = verdict.result.confirm_next(done, confirm)
            if not again:
                if note:
                    verdict.report = verdict.report.rstrip("\n") + f"\n  note: {note}\n"
                return verdict
            measurement.result = measurement.remeasure()
            done += 1
            verdict = self._judge(context, measurement)

    def outcome(self, perf: Perf) -> tuple[str, str]:
        """The test's status ("pass", "fail", "skip") and the message to fail or skip it with:
        the core's reports of the failing measurements, verdict first."""
        verdicts = self.evaluate(perf)
        failing = [verdict for verdict in verdicts if verdict.status == "fail"]
        sweeps = [f"FAIL {sweep.name}: {sweep.verdict.text}" for sweep in perf.sweeps
                  if sweep.verdict is not None
                  and (sweep.verdict.status == "fail" or sweep.verdict.regressed)]
        if failing or sweeps:
            message = "\n".join([verdict.report.rstrip("\n") for verdict in failing] + sweeps)
            if perf._context.settings["profile"]:
                message += "".join(self._profile(verdict.measurement) for verdict in failing)
            return ("fail", message)
        skipping = [verdict for verdict in verdicts if verdict.status == "skip"]
        if skipping:
            return ("skip", skipping[0].report.splitlines()[0])
        return ("pass", "")

    def ship(self, item: pytest.Item, perf: Perf) -> None:
        """Put the verdicts' records where the call report picks them up, and the key figures
        in the test's user properties (JUnit XML)."""
        if perf.verdicts and RECORDS_KEY not in item.stash:
            item.stash[RECORDS_KEY] = [verdict.record for verdict in perf.verdicts]
            self._properties(item, perf, perf.verdicts)

    def conclude(self, item: pytest.Item, perf: Perf) -> None:
        """After the test body passed: judge, ship the results, and fail (or skip) the test
        itself with the core's reason."""
        if self.child_output is not None:
            if not perf._context.settings["disable"]:
                self.processes.write_child_output(perf)
            return
        status, message = self.outcome(perf)
        self.ship(item, perf)
        if status == "fail":
            pytest.fail(message, pytrace=False)
        if status == "skip":
            pytest.skip(message)
        for verdict in perf.verdicts or ():
            if verdict.record["worst"] == "warn" or verdict.result.policy_warned():
                warnings.warn(PerformanceWarning(verdict.report.splitlines()[0]), stacklevel=1)

    def _judge(self, context: MeasureContext, measurement: Measurement) -> Verdict:
        """The core's one judging stage (perfbudget_result_conclude) on this measurement; the
        record it keeps with the result is what the test, the reports and the files show."""
        result = measurement.result
        assert result is not None
        budget_name, effective = context.budget_choice(measurement.name)
        settings = resolve(self.config, marker=context.marker, nodeid=context.nodeid,
                           budget=effective, budget_file=self._budget_name())
        result.set_identity(context.identity)
        note = ""
        history = None
        if settings.regression and self.baseline_from_history:
            history = self._open_history(read_only=True)  # earlier runs: the spread between runs
        baseline = self.baseline.load(measurement.name) if settings.regression else []
        try:
            result.conclude(budget=self.budget, budget_name=budget_name,
                            regression=settings.regression, baseline=baseline,
                            baseline_note=self.baseline_note or None, history=history,
                            environment=self.environment, branch=self.branch,
                            baseline_run=self.baseline_run, threshold=settings.threshold,
                            critical=settings.critical, statistic=settings.statistic)
            if settings["fail_on"] is not None:  # --perf-fail-on and the like beat the file
                result.set_fail_on(settings["fail_on"])
        except PerfbudgetError as error:
            note = f"cannot judge: {error}"
        del baseline, history  # let go before the next test measures (baseline.py)
        worst = _worst_limit(result.verdicts)
        comparison = result.latency_comparison
        status = result.test_status()
        report = result.report()  # the record's notes included
        if note:
            report = report.rstrip("\n") + f"\n  note: {note}\n"
        elif result.notes:
            note = result.notes[0][1]  # the record's first note: "new: ..." marks a new series
        record = {
            "name": measurement.name,
            "nodeid": context.nodeid,
            "order": self.order.get(context.nodeid, len(self.order)),
            "group": context.group,
            "perf_group": None,
            "budget_name": budget_name,
            "result": Result.to_json_text([result]),
            "status": status,
            "worst": worst,
            # passes only because of the policy (fail_on): shown as warn, the verdict kept
            "policy_warned": result.policy_warned(),
            "fail_on": result.fail_on,
            "report": report,
            "note": note,
            # why a test that did not fail was not a plain pass, for the terminal summary
            "notes": [text for kind, text in result.notes
                      if kind not in ("baseline", "new_series")],
            "comparison": None if comparison is None else {
                "change_pct": comparison.change_pct, "p_value": comparison.p_value,
                "outcome": comparison.outcome, "severity": comparison.severity,
                "text": comparison.text, "statistic": comparison.statistic,
                "baseline_value": comparison.baseline_value,
                "current_value": comparison.current_value, "regressed": comparison.regressed,
                "threshold_pct": comparison.threshold_pct,
                "speed_correction_pct": comparison.speed_correction_pct},
        }
        return Verdict(measurement, result, status, report, record)

    def _properties(self, item: pytest.Item, perf: Perf, verdicts: Sequence[Verdict]) -> None:
        """Key figures for JUnit XML (record_property): median_ns, p95_ns, ... per measurement,
        prefixed with its name when a test has several."""
        for verdict in verdicts:
            verdict.record["perf_group"] = perf.group
            prefix = "" if verdict.measurement.name == item.nodeid else \
                verdict.measurement.name[len(item.nodeid):].strip("[]") + "."
            summary = verdict.result.summary
            metrics = verdict.result.metrics
            figures: list[tuple[str, Any]] = [
                ("median_ns", summary.median), ("p95_ns", summary.p95), ("p99_ns", summary.p99),
                ("mean_ns", summary.mean), ("stddev_ns", summary.stddev), ("rounds", summary.n),
                ("ops_per_s", metrics["items_per_second"]),
                ("peak_rss_bytes", metrics["peak_rss_bytes"]),
                ("cpu_utilization", metrics["cpu_utilization"]),
            ]
            figures += list(verdict.result.custom_metrics.items())
            comparison = verdict.record["comparison"]
            if comparison is not None:
                figures += [("change_pct", comparison["change_pct"]), ("p_value", comparison["p_value"])]
            figures.append(("perf_verdict", verdict.status))
            for key, value in figures:
                item.user_properties.append((prefix + key, value))
        for key, value in perf.extra_info.items():
            item.user_properties.append((f"extra.{key}", value))

    def _profile(self, measurement: Measurement) -> str:
        directory = self.state_dir / "profiles"
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / (result_file_name(measurement.name)[: -len(".json")] + ".prof")
        profiler = cProfile.Profile()
        try:
            profiler.runcall(measurement.call_once)
        except Exception as error:  # noqa: BLE001 - the profile is a bonus; say why it is missing
            return f"\n  profile: not written ({type(error).__name__}: {error})"
        profiler.dump_stats(path)
        return f"\n  profile: {path} (python -m pstats {path})"

    # ---- the controller: collect, write, summarize ----

    def collect(self, report: pytest.TestReport) -> None:
        if self.is_xdist_worker or self.child_output is not None:
            return
        for record in getattr(report, REPORT_ATTRIBUTE, None) or ():
            self.records[record["name"]] = record  # a rerun replaces, never duplicates
        errored = getattr(report, ERRORED_ATTRIBUTE, None)
        if errored is not None and not any(r["nodeid"] == errored["nodeid"]
                                           for r in self.records.values()):
            self.records[errored["name"]] = errored

    def errored_record(self, item: pytest.Item, report: pytest.TestReport) -> dict[str, Any]:
        """The record of a perf test that errored or failed before it was judged: a failed result
        with pytest's reason, so that every report counts and lists it (never the history)."""
        crash = getattr(report.longrepr, "reprcrash", None)
        reason = crash.message if crash is not None else str(report.longrepr).strip()
        reason = reason.splitlines()[0] if reason else "failed"
        phase = "error at setup" if report.when == "setup" else \
            "error at teardown" if report.when == "teardown" else "failed before it was measured"
        message = f"{phase}: {reason}"
        result = Result.from_samples(item.nodeid, [], failed=message)
        return {"name": item.nodeid, "nodeid": item.nodeid,
                "order": self.order.get(item.nodeid, len(self.order)), "group": _group_of(item),
                "perf_group": None, "budget_name": None,
                "result": Result.to_json_text([result]), "status": "fail", "worst": "pass",
                "report": f"FAIL {item.nodeid}: {message}\n", "note": "", "notes": [],
                "comparison": None, "errored": True}

    def finish(self, interrupted: bool = False) -> None:
        """Record the run in the history; write --perf-json, --perf-report, --perf-save-baseline.
        An interrupted session (Ctrl-C, pytest.exit()) is half-done: nothing of it is kept."""
        if self.is_xdist_worker or self.child_output is not None or not self.records:
            return
        for record in self.records.values():
            # the verdict record (limits, comparisons, notes) travels in the result's JSON
            self.results.append((record, Result.from_json_text(record["result"])[0]))
        if interrupted:  # the summary shows what was measured; nothing of it is kept
            self.notes.append("interrupted: the run is not recorded in the history, and no "
                              "results, report or baseline written")
            return
        # A test that errored before it was judged is in the reports, not in the history.
        results = [result for record, result in self.results if not record.get("errored")]
        self._note_unused_entries()
        run_id = self._record_run(results) if results else None
        self._send_alerts(results)
        # The core's output rule decides what a path may be (a directory is refused); a refusal
        # is said in the summary and fails the session, after the run is safe in the history.
        if self.settings["json"] is not None:
            path = self._path("json")
            try:
                self._write_results(path)
                self.notes.append(f"results written to {path}")
            except (PerfbudgetError, OSError) as error:
                self._output_failed(f"{self.settings.source('json')}: {error}")
        for report in self.settings["report"] or ():
            path = self._path("report", report)
            try:
                self._write_report(path)
                self.notes.append(f"report written to {path}")
            except (PerfbudgetError, OSError) as error:
                self._output_failed(f"{self.settings.source('report')}: {error}")
        if self.settings["save_baseline"] is not None and run_id is not None:
            name = str(self.settings["save_baseline"])
            self._open_history().save_baseline(name, run_id)
            self.notes.append(f"baseline '{name}' saved (run {run_id} in "
                              f"{self._shown(self.history_path)})")

    def _output_failed(self, message: str) -> None:
        self.notes.append(f"could not write {message}")
        self.output_failed = True

    def _note_unused_entries(self) -> None:
        """Budget entries that judged nothing in this run: a typo must not silently disable a
        budget (a run of a subset lists the others too, which is why this is a note)."""
        if self.budget is None:
            return
        names = [name for record in self.records.values()
                 for name in (record["name"], record["budget_name"]) if name is not None]
        for pattern, line in self.budget.unused_entries(names):
            self.notes.append(f"{self._budget_name()}:{line}: budget entry {pattern!r} matched "
                              f"no perf test of this run")

    def _send_alerts(self, results: list[Result]) -> None:
        """The budget file's alerts for the judged run, once, from the controller; a webhook
        that cannot be reached is a note, and never changes a test's outcome."""
        if self.budget is None or not results or not self.budget.alert_count:
            return
        self.notes.extend(self.budget.send_alerts(results, directory=self.rootdir))

    def _record_run(self, results: list[Result]) -> Optional[int]:
        """One run of the history (source pytest) with git's view of the rootdir."""
        try:
            run_id = self._open_history().add_run(results, "pytest", self.environment,
                                                  git_describe(self.rootdir))
        except (PerfbudgetError, pytest.UsageError) as error:
            self.notes.append(f"could not record the run in the history: {error}")
            return None
        self.notes.append(f"history: run {run_id} recorded in {self._shown(self.history_path)}")
        return run_id

    def _write_results(self, path: Path) -> None:
        """--perf-json, and --perf-report FILE.json: one document, the run's result file, each
        result with its verdict record (limits, comparisons, notes), in the summary's order."""
        path.parent.mkdir(parents=True, exist_ok=True)
        Result.write_json([result for _, result in self.summary.ordered()], path)

    def _write_report(self, path: Path) -> None:
        """--perf-report: the core renders Markdown, CSV, JSON, HTML or a Chrome trace (by the
        file's suffix); with $GITHUB_STEP_SUMMARY set, the Markdown goes there too."""
        kind = report_format_for_path(str(path)) or "md"
        if kind == "json":
            self._write_results(path)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        results = [result for _, result in self.summary.ordered()]  # each with its verdict record
        history = None
        if kind == "html":  # the HTML report draws each benchmark's trend
            with contextlib.suppress(PerfbudgetError, pytest.UsageError):
                history = self._open_history(read_only=True)
        text = render_report(results, kind,
                             title="perfbudget (pytest)", baseline=self.baseline_label or None,
                             commit=git_describe(self.rootdir)["commit"] or None,
                             created_ns=time.time_ns(),
                             baseline_results=_one_per_name(self.baseline.load_all()),
                             history=history)
        # The core's output rule, as for every perfbudget output: a regular file atomically
        # (two sessions may write the same report), a device or FIFO in place, else refused.
        write_output(path, text)
        if kind == "md":
            step_summary_append(text)

    def terminal_summary(self, reporter: Any) -> None:
        self.summary.show(reporter)


def _worst_limit(verdicts: Sequence[dict[str, Any]]) -> str:
    """The worst status of the budget's limits: "fail", "warn", "unavailable" or "pass"."""
    statuses = {verdict["status"] for verdict in verdicts}
    return next((s for s in ("fail", "warn", "unavailable") if s in statuses), "pass")


def _group_of(item: pytest.Item) -> str:
    """The test a parametrized case belongs to: its node id without the parameters."""
    original = getattr(item, "originalname", item.name)
    return item.nodeid[: len(item.nodeid) - len(item.name)] + original


def _group_key(record: dict[str, Any]) -> str:
    return str(record.get("perf_group") or record["group"])


def _delta(record: dict[str, Any]) -> str:
    comparison = record["comparison"]
    if comparison is not None:
        return f"{comparison['change_pct']:+.1f}%"
    return "new" if record["note"].startswith("new") else ""


def _verdict(record: dict[str, Any]) -> str:
    words = {"fail": "FAIL", "skip": "skip", "pass": "pass"}[record["status"]]
    if record.get("policy_warned"):
        words = f"warn (fail_on: {record['fail_on']})"
    elif record["worst"] == "warn":
        words += " (budget warning)"
    comparison = record["comparison"]
    if comparison is not None and comparison["outcome"] != "pass":
        severity = comparison["severity"]
        words += f", {comparison['outcome']}" + (f" ({severity})" if severity not in ("none", "") else "")
    return words


def _one_per_name(results: Sequence[Result]) -> list[Result]:
    """A report draws one baseline per benchmark: the last of each name."""
    return list({result.name: result for result in results}.values())
