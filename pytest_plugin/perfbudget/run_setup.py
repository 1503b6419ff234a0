"""What applies to a pytest run and to each test in it: the settings resolved in their order,
the paths they name, the budget file, this machine's fingerprint, and which budget entry and
settings judge a measurement. Loaded once, at configure; the other parts of the run read it."""

from __future__ import annotations

import contextlib
import platform
from pathlib import Path
from typing import Optional, Sequence

import pytest

from perfbudget._core import (
    Budget,
    BudgetError,
    EffectiveBudget,
    environment_fingerprint,
    history_is_database,
    history_shown_location,
    load_budgets,
)
from perfbudget.settings import Settings, resolve

STATE_DIR = ".perfbudget"


def _budget_error_text(error: BudgetError) -> str:
    if error.problems:
        return "\n".join(str(problem) for problem in error.problems)
    return str(error)


class RunSetup:
    """The run's settings, budget file, history location and environment fingerprint."""

    def __init__(self, config: Optional[pytest.Config], rootdir: Path) -> None:
        self.config = config
        self.rootdir = rootdir
        self.settings = resolve(config)
        self.budget: Optional[Budget] = None
        self.budget_path: Optional[Path] = None
        self._load_budget()
        self.state_dir = (self.budget_path.parent if self.budget_path else rootdir) / STATE_DIR
        self.history_location = self._history_location()
        self.environment = environment_fingerprint(
            f"{platform.python_implementation()} {platform.python_version()}")

    def path(self, key: str, value: Optional[str] = None) -> Path:
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
            path = self.path("budget_file")
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

    def _history_location(self) -> Path | str:
        """--perf-history / PERFBUDGET_HISTORY / perf_history, else the budget file's
        settings.history, else .perfbudget/history.sqlite at the rootdir. A PostgreSQL URI
        (postgresql://...) is kept as it is given: a str, not a path."""
        if self.settings["history"] is not None:
            if history_is_database(str(self.settings["history"])):
                return str(self.settings["history"])
            return self.path("history")
        if self.budget is not None:
            if history_is_database(self.budget.history_path):
                return self.budget.history_path
            return Path(self.budget.history_path)
        return self.state_dir / "history.sqlite"

    def shown(self, path: Path | str) -> str:
        """A path as messages show it (relative to the rootdir when under it); a database URI
        without its password."""
        if isinstance(path, str):
            return history_shown_location(path)
        with contextlib.suppress(ValueError):
            return str(path.relative_to(self.rootdir))
        return str(path)

    def budget_name(self) -> str:
        """The budget file as messages name it ("" without one)."""
        return self.shown(self.budget_path) if self.budget_path else ""

    def effective(self, name: str) -> Optional[EffectiveBudget]:
        return self.budget.resolve(name) if self.budget else None

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

    def settings_for(self, nodeid: str, names: Sequence[str], marker: Optional[pytest.Mark],
                     measurement: str) -> Settings:
        """A test's settings: its marker's, over the budget entry that applies to measurement."""
        first = resolve(self.config, marker=marker, nodeid=nodeid)  # the marker's budget name
        _, effective = self.budget_choice(measurement, first["budget_name"], names)
        return self.judged_by(marker, nodeid, effective)

    def judged_by(self, marker: Optional[pytest.Mark], nodeid: str,
                  effective: Optional[EffectiveBudget]) -> Settings:
        """The settings a measurement of test nodeid is judged with, under the budget entry
        effective."""
        return resolve(self.config, marker=marker, nodeid=nodeid, budget=effective,
                       budget_file=self.budget_name())

    def unused_entry_notes(self, names: Sequence[str]) -> list[str]:
        """Budget entries that judged none of names: a typo must not silently disable a budget
        (a run of a subset lists the others too, which is why this is a note)."""
        if self.budget is None:
            return []
        return [f"{self.budget_name()}:{line}: budget entry {pattern!r} matched no perf test of "
                f"this run" for pattern, line in self.budget.unused_entries(names)]
