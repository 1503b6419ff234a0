"""What the controller writes at the end of a run, each rendered by the core: --perf-json (the
run's result file), --perf-report (Markdown, CSV, JSON, HTML or a Chrome trace, by the file's
suffix; Markdown also to $GITHUB_STEP_SUMMARY), and the budget file's alerts."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

import pytest

from perfbudget._core import (
    PerfbudgetError,
    Result,
    git_describe,
    render_report,
    report_format_for_path,
    step_summary_append,
    write_output,
)

if TYPE_CHECKING:  # pragma: no cover
    from perfbudget.baseline import RunBaseline
    from perfbudget.run_history import RunHistory
    from perfbudget.run_setup import RunSetup


class RunOutputs:
    """The run's files and alerts; what happened is said in notes."""

    def __init__(self, setup: "RunSetup", baseline: "RunBaseline", history: "RunHistory") -> None:
        self.setup = setup
        self.baseline = baseline
        self.history = history

    def send_alerts(self, results: Sequence[Result]) -> list[str]:
        """The budget file's alerts for the judged run, once, from the controller; a webhook
        that cannot be reached is a note, and never changes a test's outcome."""
        budget = self.setup.budget
        if budget is None or not results or not budget.alert_count:
            return []
        return budget.send_alerts(results, directory=self.setup.rootdir)

    def write(self, ordered: Sequence[Result], notes: list[str]) -> bool:
        """Write --perf-json and every --perf-report of the results in the summary's order;
        False when one could not be written. The core's output rule decides what a path may be
        (a directory is refused); a refusal is said in the notes."""
        settings = self.setup.settings
        written = True
        targets: list[tuple[str, Optional[str]]] = (
            [("json", None)] if settings["json"] is not None else [])
        targets += [("report", str(report)) for report in settings["report"] or ()]
        for key, value in targets:
            path = self.setup.path(key, value)
            try:
                if key == "json":
                    self._write_results(path, ordered)
                else:
                    self._write_report(path, ordered)
            except (PerfbudgetError, OSError) as error:
                notes.append(f"could not write {settings.source(key)}: {error}")
                written = False
            else:
                notes.append(f"{'results' if key == 'json' else 'report'} written to {path}")
        return written

    @staticmethod
    def _write_results(path: Path, ordered: Sequence[Result]) -> None:
        """--perf-json, and --perf-report FILE.json: one document, the run's result file, each
        result with its verdict record (limits, comparisons, notes), in the summary's order."""
        path.parent.mkdir(parents=True, exist_ok=True)
        Result.write_json(ordered, path)

    def _write_report(self, path: Path, ordered: Sequence[Result]) -> None:
        """--perf-report: the core renders Markdown, CSV, JSON, HTML or a Chrome trace (by the
        file's suffix); with $GITHUB_STEP_SUMMARY set, the Markdown goes there too."""
        kind = report_format_for_path(str(path)) or "md"
        if kind == "json":
            self._write_results(path, ordered)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        history = None
        if kind == "html":  # the HTML report draws each benchmark's trend
            with contextlib.suppress(PerfbudgetError, pytest.UsageError):
                history = self.history.open(read_only=True)
        # each result with its verdict record
        text = render_report(ordered, kind, title="perfbudget (pytest)",
                             baseline=self.baseline.label or None,
                             commit=git_describe(self.setup.rootdir)["commit"] or None,
                             created_ns=time.time_ns(),
                             baseline_results=_one_per_name(self.baseline.results.load_all()),
                             history=history)
        # The core's output rule, as for every perfbudget output: a regular file atomically
        # (two sessions may write the same report), a device or FIFO in place, else refused.
        write_output(path, text)
        if kind == "md":
            step_summary_append(text)


def _one_per_name(results: Sequence[Result]) -> list[Result]:
    """A report draws one baseline per benchmark: the last of each name."""
    return list({result.name: result for result in results}.values())
