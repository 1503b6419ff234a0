"""The per-test conclusion: each measurement of a test judged by the core's one judging stage
(perfbudget_result_conclude) against its budget and baseline, measured again while the core
says so (--perf-confirm), sweeps fitted and judged by the core, and the test failed or skipped
with the core's report. The verdict records travel on the call reports to the controller."""

from __future__ import annotations

import cProfile
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

import pytest

from perfbudget._core import (
    PerfbudgetError,
    Result,
    describe_scaling,
    fit_sweep,
    format_value,
    judge_complexity,
    result_file_name,
)
from perfbudget.fixture import EVENT_LOOP_OVERHEAD, Measurement, Perf

if TYPE_CHECKING:  # pragma: no cover
    from perfbudget.baseline import RunBaseline
    from perfbudget.processes import ProcessMeasuring
    from perfbudget.run_history import RunHistory
    from perfbudget.run_setup import RunSetup
    from perfbudget.session import MeasureContext

RECORDS_KEY = pytest.StashKey[list[dict[str, Any]]]()


class PerformanceWarning(UserWarning):
    """A perf test passed with a warning (a limit's warn level)."""


@dataclass
class Verdict:
    """One measurement judged: the C core's test status and report, for one test runner."""

    measurement: Measurement
    result: Result
    status: str
    report: str
    record: dict[str, Any]


class Judging:
    """Judges each perf test once, in the process that ran it, and concludes the test."""

    def __init__(self, setup: "RunSetup", baseline: "RunBaseline", history: "RunHistory",
                 processes: "ProcessMeasuring", position: Callable[[str], int]) -> None:
        self.setup = setup
        self.baseline = baseline
        self.history = history
        self.processes = processes
        self.position = position  # a node id's place in the collection, for the summary

    def evaluate(self, perf: Perf) -> list[Verdict]:
        """Measure in child processes if asked, then judge every measurement of a test (once;
        the verdicts are kept on perf)."""
        if perf.verdicts is not None:
            return perf.verdicts
        context = perf._context
        perf.verdicts = []
        if context.settings["disable"] or self.processes.child_output is not None:
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

    def _judge_sweeps(self, perf: Perf, context: "MeasureContext") -> None:
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
            settings = self.setup.judged_by(context.marker, context.nodeid, effective)
            base = None
            if settings.regression:
                points = [r for n in sweep.sizes
                          for r in self.baseline.results.load(f"{sweep.name}/{n}")]
                try:
                    base = fit_sweep(points, sweep.name, sweep.fit.complexity)
                except PerfbudgetError:  # the baseline has fewer than two of its sizes
                    base = None
            sweep.verdict = judge_complexity(sweep.fit, self.setup.budget, budget_name, base)
            largest = f"{sweep.name}/{max(sweep.sizes)}"
            for verdict in perf.verdicts or []:  # set by evaluate before it calls this
                if verdict.measurement.name == largest:  # the fit goes into its JSON too
                    verdict.result.set_complexity(sweep.fit, sweep.verdict)
                    verdict.record["result"] = Result.to_json_text([verdict.result])
                    verdict.record["notes"].append(f"sweep {sweep.verdict.text}")

    def _confirmed(self, context: "MeasureContext", verdict: Verdict) -> Verdict:
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
        if self.processes.child_output is not None:
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

    def _judge(self, context: "MeasureContext", measurement: Measurement) -> Verdict:
        """The core's one judging stage (perfbudget_result_conclude) on this measurement; the
        record it keeps with the result is what the test, the reports and the files show."""
        result = measurement.result
        assert result is not None
        budget_name, effective = context.budget_choice(measurement.name)
        settings = self.setup.judged_by(context.marker, context.nodeid, effective)
        result.set_identity(context.identity)
        note = ""
        history = None
        if settings.regression and self.baseline.from_history:
            history = self.history.open(read_only=True)  # earlier runs: the spread between runs
        baseline = self.baseline.results.load(measurement.name) if settings.regression else []
        try:
            result.conclude(budget=self.setup.budget, budget_name=budget_name,
                            regression=settings.regression, baseline=baseline,
                            baseline_note=self.baseline.note or None, history=history,
                            environment=self.setup.environment, branch=self.baseline.branch,
                            baseline_run=self.baseline.run, threshold=settings.threshold,
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
            "order": self.position(context.nodeid),
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
        directory = self.setup.state_dir / "profiles"
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / (result_file_name(measurement.name)[: -len(".json")] + ".prof")
        profiler = cProfile.Profile()
        try:
            profiler.runcall(measurement.call_once)
        except Exception as error:  # noqa: BLE001 - the profile is a bonus; say why it is missing
            return f"\n  profile: not written ({type(error).__name__}: {error})"
        profiler.dump_stats(path)
        return f"\n  profile: {path} (python -m pstats {path})"

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
                "order": self.position(item.nodeid), "group": group_of(item),
                "perf_group": None, "budget_name": None,
                "result": Result.to_json_text([result]), "status": "fail", "worst": "pass",
                "report": f"FAIL {item.nodeid}: {message}\n", "note": "", "notes": [],
                "comparison": None, "errored": True}


def _worst_limit(verdicts: Sequence[dict[str, Any]]) -> str:
    """The worst status of the budget's limits: "fail", "warn", "unavailable" or "pass"."""
    statuses = {verdict["status"] for verdict in verdicts}
    return next((s for s in ("fail", "warn", "unavailable") if s in statuses), "pass")


def group_of(item: pytest.Item) -> str:
    """The test a parametrized case belongs to: its node id without the parameters."""
    original = getattr(item, "originalname", item.name)
    return item.nodeid[: len(item.nodeid) - len(item.name)] + original
