"""The baseline of a pytest run, kept out of the process while tests are measured.

A test's peak memory is the resident size of the whole pytest process. A baseline held in memory
(every benchmark's samples) would add megabytes to every test measured after it was loaded, so
an unchanged test would measure more with a baseline than the run that saved it. The baseline is
therefore written to a private directory, one result file per benchmark name, and each test reads
back only its own entry after it was measured, and lets go of it after its verdict."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Sequence

from perfbudget._core import Result


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
