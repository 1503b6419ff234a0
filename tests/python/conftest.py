"""Shared set-up of the Python tests: pytester, and coverage in the pytest subprocesses that
the plugin tests start (coverage's own .pth hook starts it there when COVERAGE_PROCESS_START
names a config; pytest-cov combines their data files with its own at the end)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


@pytest.fixture(scope="session", autouse=True)
def _coverage_in_subprocesses(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    try:
        import coverage
    except ImportError:  # pragma: no cover
        yield
        return
    current = coverage.Coverage.current()
    if current is None or "COVERAGE_PROCESS_START" in os.environ:
        yield
        return
    data_file = Path(current.config.data_file).resolve()
    rc = tmp_path_factory.mktemp("coverage") / "subprocess.coveragerc"
    rc.write_text(f"[run]\nparallel = True\nsource = perfbudget\ndata_file = {data_file}\n",
                  encoding="utf-8")
    os.environ["COVERAGE_PROCESS_START"] = str(rc)
    try:
        yield
    finally:
        del os.environ["COVERAGE_PROCESS_START"]


@pytest.fixture(scope="session")
def cli() -> Path:
    """The perfbudget CLI: PERFBUDGET_CLI, else the most recently built of build/ and build-dev/
    (an old build may predate options used here)."""
    if "PERFBUDGET_CLI" in os.environ:
        return Path(os.environ["PERFBUDGET_CLI"])
    root = Path(__file__).resolve().parents[2]
    candidates = (root / "build" / "perfbudget", root / "build-dev" / "perfbudget")
    built = [p for p in candidates if p.is_file()]
    if not built:
        pytest.skip("no perfbudget CLI: set PERFBUDGET_CLI or build build/ or build-dev/")
    return max(built, key=lambda p: p.stat().st_mtime)
