"""The plugin's types hold: `mypy --strict` on pytest_plugin/perfbudget, with the settings in
pyproject.toml ([tool.mypy]), finds nothing. The package ships py.typed, so its users' type
checkers read these annotations."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                    reason="mypy is not installed (it is in the test extras: pip install .[test])")
def test_mypy_strict_finds_no_error_in_the_package(tmp_path: Path) -> None:
    # The cache goes to tmp_path: a .mypy_cache in the checkout would outlive a changed stub.
    completed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", str(tmp_path / "mypy_cache"), "--no-error-summary",
         str(Path("pytest_plugin") / "perfbudget")],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout + completed.stderr
