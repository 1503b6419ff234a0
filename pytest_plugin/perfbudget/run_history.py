"""The history of a pytest run: where it is, the connection held while tests are measured, the
run the controller records at the end, and the baselines saved there. When a PostgreSQL history
cannot take the run, the run waits in the local spool and the next run recorded there sends it
first, as every perfbudget front end does (history.h); the tests' verdicts stand either way.
The core does the work; this module says what happened."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Optional, Sequence

import pytest

from perfbudget._core import (
    History,
    PerfbudgetError,
    Result,
    SpoolError,
    spool_directory,
    spool_run,
)

SOURCE = "pytest"  # the runs' source in the history


class RunHistory:
    """The run's history (a SQLite file or a PostgreSQL database) and what is said of it."""

    def __init__(self, location: Path | str, shown: str, keep_open: bool) -> None:
        """shown: location as messages show it. keep_open: hold a connection while tests are
        measured (not for --perf-disable)."""
        self.location = location
        self.shown = shown
        # perfbudget's own footprint must be the same in every run, or peak memory would
        # compare perfbudget with itself: SQLite is loaded before measuring, in every run.
        self._resident: Optional[History] = None
        if keep_open:
            try:
                self._resident = History(location)
            except PerfbudgetError as error:
                if error.name == "EINVAL":  # never a history (a device, a directory): say so now
                    raise pytest.UsageError(f"cannot use the history: {error}") from None

    @property
    def is_database(self) -> bool:
        return isinstance(self.location, str)

    def missing(self) -> bool:
        """A history file that is not there yet (a database is never known missing)."""
        return isinstance(self.location, Path) and not self.location.exists()

    def open(self, read_only: bool = False) -> History:
        try:
            return History(self.location, read_only=read_only)
        except PerfbudgetError as error:
            raise pytest.UsageError(f"cannot open the history: {error}") from None

    def record(self, results: Sequence[Result], environment: str,
               git: dict[str, Any]) -> tuple[Optional[int], list[str]]:
        """Record the run (source pytest, git's view of the rootdir): its id, None when it was
        not recorded, and the notes that say what happened. A database first takes the runs
        the spool keeps for it; a database that cannot take this run has it kept in the spool."""
        notes: list[str] = []
        created_ns = time.time_ns()  # a spooled run keeps the time it was measured
        try:
            history = self.open()
            if self.is_database:
                self._push_spool(history, notes)
            run_id = history.add_run(results, SOURCE, environment, git, created_ns)
        except (PerfbudgetError, pytest.UsageError) as error:
            notes.append(f"could not record the run in the history: {error}")
            if self.is_database:
                notes.append(self._spool(results, environment, git, created_ns))
            return None, notes
        notes.append(f"history: run {run_id} recorded in {self.shown}")
        return run_id, notes

    @staticmethod
    def _push_spool(history: History, notes: list[str]) -> None:
        """Send the runs the spool keeps for this database first (the oldest first), and say
        how many went, also when the rest could not."""
        def say(sent: int) -> None:
            if sent:
                notes.append(f"history: {sent} run{'' if sent == 1 else 's'} kept in the spool "
                             f"{spool_directory()} sent")
        try:
            sent = history.push_spool()
        except SpoolError as error:
            say(error.sent)
            raise
        say(sent)

    def _spool(self, results: Sequence[Result], environment: str, git: dict[str, Any],
               created_ns: int) -> str:
        """Keep the run in the spool; the note that says where, or that it is lost."""
        assert isinstance(self.location, str)
        try:
            kept = spool_run(self.location, results, SOURCE, environment, created_ns, git)
        except PerfbudgetError as error:
            return f"history: the run could not be kept either: {error}"
        return (f"history: the run is kept in {kept} and is sent to {self.shown} the next time "
                f"a run is recorded there, or by `perfbudget history push`")

    def save_baseline(self, name: str, run_id: int) -> str:
        """Name run_id a baseline; the note that says so."""
        self.open().save_baseline(name, run_id)
        return f"baseline '{name}' saved (run {run_id} in {self.shown})"

    def close(self) -> None:
        self._resident = None
