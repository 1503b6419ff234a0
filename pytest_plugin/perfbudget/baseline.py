"""The baseline of a pytest run, kept out of the process while tests are measured.

A test's peak memory is the resident size of the whole pytest process. A baseline held in memory
(every benchmark's samples) would add megabytes to every test measured after it was loaded, so
an unchanged test would measure more with a baseline than the run that saved it. The baseline is
therefore written to a private directory, one result file per benchmark name, and each test reads
back only its own entry after it was measured, and lets go of it after its verdict."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Optional, Sequence

from perfbudget._core import PerfbudgetError, Result, import_results


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
