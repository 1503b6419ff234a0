"""The baseline of a pytest run, kept out of the process while tests are measured.

A test's peak memory is the resident size of the whole pytest process. A baseline held in memory
(every benchmark's samples) would add megabytes to every test measured after it was loaded, so
an unchanged test would measure more with a baseline than the run that saved it. The baseline is
therefore written to a private directory, one result file per benchmark name, and each test reads
back only its own entry after it was measured, and lets go of it after its verdict.

RunBaseline chooses the baseline: a result file, or runs of the history."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

import pytest

from perfbudget._core import (
    HistoryNotFound,
    PerfbudgetError,
    Result,
    git_describe,
    import_results,
    runner_type,
)

if TYPE_CHECKING:  # pragma: no cover
    from perfbudget.run_history import RunHistory
    from perfbudget.run_setup import RunSetup


_FIRST_KEY = re.compile(rb'\A\s*\{\s*"([A-Za-z_]+)"')
_TOOL_OF_FIRST_KEY = {b"machine_info": "pytest-benchmark", b"commit_info": "pytest-benchmark",
                      b"context": "google-benchmark"}


def foreign_format(path: Path, whole: bool = False) -> Optional[str]:
    """"pytest-benchmark" or "google-benchmark" when path holds that tool's saved JSON, None for
    anything else (a perfbudget result file is read as one). Told by the first key, as those
    tools write it (machine_info, context): parsing a large file in Python to look at it would
    leave its memory resident in every test measured after it (baseline.py's docstring). With
    whole, by the keys of the parsed file (for a file whose first key says nothing)."""
    try:
        with open(path, "rb") as file:
            if not whole:
                match = _FIRST_KEY.match(file.read(4096))
                return _TOOL_OF_FIRST_KEY.get(match.group(1)) if match else None
            root = json.load(file)
    except (OSError, ValueError):
        return None  # Result.load_json says what is wrong with it
    if not isinstance(root, dict) or "schema" in root or not isinstance(root.get("benchmarks"), list):
        return None
    if "machine_info" in root or "commit_info" in root:
        return "pytest-benchmark"
    return "google-benchmark" if "context" in root else None


def load_baseline_file(path: Path) -> list[Result]:
    """A baseline file: perfbudget's result file, or pytest-benchmark's or Google Benchmark's
    saved JSON, whose benchmarks are matched to measurements by name (pytest-benchmark's
    fullname is the node id). Raises PerfbudgetError."""
    tool = foreign_format(path)
    if tool is None:
        try:
            return Result.load_json(path)
        except PerfbudgetError:
            tool = foreign_format(path, whole=True)  # the other tools' keys in another order
            if tool is None:
                raise
    try:
        return import_results(path, tool)
    except PerfbudgetError as error:
        raise PerfbudgetError(error.code, f"{tool} file: {error}") from None


class SpooledBaseline:
    """A baseline's results on disk, read back one benchmark name at a time."""

    def __init__(self, results: Sequence[Result]) -> None:
        self._files: dict[str, Path] = {}
        self._directory: Path | None = None
        if not results:
            return
        by_name: dict[str, list[Result]] = {}
        for result in results:  # both modes of a name stay together: the core chooses
            by_name.setdefault(result.name, []).append(result)
        self._directory = Path(tempfile.mkdtemp(prefix="perfbudget-baseline-"))
        for index, (name, group) in enumerate(by_name.items()):
            path = self._directory / f"{index}.json"
            Result.write_json(group, path)
            self._files[name] = path

    def __bool__(self) -> bool:
        return bool(self._files)

    def __contains__(self, name: object) -> bool:
        return name in self._files

    def first_name(self) -> str:
        return next(iter(self._files))

    def load(self, name: str) -> list[Result]:
        """The baseline's results named name (each mode's), or [] when it has none."""
        path = self._files.get(name)
        return Result.load_json(path) if path is not None else []

    def load_all(self) -> list[Result]:
        """Every result, in the order the baseline held them (for reports at the end)."""
        return [result for name in self._files for result in self.load(name)]

    def close(self) -> None:
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None
            self._files.clear()


class RunBaseline:
    """What a run with regression checks is compared with, and the words that say which: a
    result file, or from the history each benchmark's latest result (the default), a baseline
    name, merge-base, run:ID or commit:SHA (docs/history.md). The results wait on disk
    (SpooledBaseline)."""

    def __init__(self) -> None:
        self.results = SpooledBaseline(())
        self.from_history = False  # earlier runs there give the spread between runs
        self.run = 0  # the baseline's run in the history (0: each benchmark's latest)
        self.branch: Optional[str] = None  # whose runs give the spread
        self.label = ""  # "compared with ..."
        self.note = ""  # why there is nothing to compare with

    def load(self, setup: "RunSetup", history: "RunHistory") -> None:
        """Load the baseline the settings name; pytest.UsageError says what is wrong."""
        value = setup.settings["baseline"]
        if value is not None:
            candidate = setup.path("baseline")
            if candidate.exists() or str(value).endswith(".json"):
                self._load_file(setup, candidate)
                return
        spec = "latest" if value is None else str(value)
        # read-only: a history that is not there yet has no latest results, and is not created
        opened = (None if spec == "latest" and history.missing()
                  else history.open(read_only=not history.is_database))
        git = git_describe(setup.rootdir)
        branch = git["branch"] or None
        self.branch = branch
        self.from_history = True
        shown = history.shown
        if spec == "latest":
            results = opened.load_latest(setup.environment, branch) if opened else []
            self.label = (f"the latest result of each benchmark on this environment and "
                          f"branch {branch or '(none)'} ({shown})")
            if not results:
                self.note = (f"no earlier run on this environment and branch "
                             f"{branch or '(none)'} in {shown}: nothing to compare with; "
                             f"this run becomes the baseline of the next")
            self._set(results)
            return
        source = setup.settings.source("baseline")
        if spec == "merge-base":
            if not git["merge_base"]:
                raise pytest.UsageError(f"{source}: merge-base needs a git work tree with a main "
                                        f"or master branch")
            spec = f"commit:{git['merge_base']}"
        assert opened is not None  # only "latest" goes without a history, and it has returned
        try:
            run_id, why = opened.find(spec, setup.environment, branch)
        except HistoryNotFound as error:
            raise pytest.UsageError(f"{source}: {error} in {shown} "
                                    f"(save one with --perf-save-baseline NAME)") from None
        except PerfbudgetError as error:
            raise pytest.UsageError(f"{source}: {error}") from None
        record = opened.run(run_id)
        if (runner_type(record["environment"]) != runner_type(setup.environment)
                and os.environ.get("PERFBUDGET_FORCE") != "1"):
            raise pytest.UsageError(
                f"{source}: {why} was measured on a different environment, so a comparison "
                f"would measure the machines, not the code (baseline: {record['environment']}; "
                f"here: {setup.environment}); set PERFBUDGET_FORCE=1 to compare anyway")
        self._set(opened.load_baseline(spec, run_id))
        self.run = run_id
        # the spread between runs is centred on the baseline: its branch's runs (main's, for a
        # pull request compared with its merge base)
        self.branch = record["branch"] or None
        self.label = f"{why} ({shown})"

    def _load_file(self, setup: "RunSetup", path: Path) -> None:
        self.label = f"baseline {setup.shown(path)}"
        if not path.exists():
            raise pytest.UsageError(f"{setup.settings.source('baseline')}: baseline file "
                                    f"{path} does not exist")
        try:
            self._set(load_baseline_file(path))
        except PerfbudgetError as error:
            raise pytest.UsageError(f"cannot read the baseline {path}: {error}") from None

    def _set(self, results: list[Result]) -> None:
        try:
            self.results = SpooledBaseline(results)
        except OSError as error:
            raise pytest.UsageError(f"cannot keep the baseline in a temporary directory: "
                                    f"{error}") from None
        del results[:]  # the last references: the samples leave memory before measuring

    def close(self) -> None:
        self.results.close()
