"""The package as a user installs it: an sdist of this tree, installed with pip into a fresh
virtual environment, gives a working plugin, the `perfbudget` command and `python -m perfbudget`.
Slow (the C core is compiled twice, for the extension and for the command): about a minute."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PERF_TEST = """
def test_sums(perf):
    perf(sum, range(100))
"""


def project_version() -> str:
    text = (ROOT / "CMakeLists.txt").read_text(encoding="utf-8")
    match = re.search(r"project\(perfbudget VERSION ([\d.]+)", text)
    assert match is not None
    return match.group(1)


def clean_environment() -> dict[str, str]:
    """This process's environment without what would import perfbudget from elsewhere."""
    return {k: v for k, v in os.environ.items()
            if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "COVERAGE_PROCESS_START"}}


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                               env=clean_environment(), timeout=900)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    return completed


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with perfbudget installed from an sdist of this tree."""
    pytest.importorskip("build")
    work = tmp_path_factory.mktemp("packaging")
    # --no-isolation: the build requirements (setuptools, cffi) are those of this interpreter,
    # so the test needs no index for them; the install below fetches pytest and cffi.
    run(sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", work / "dist",
        ROOT)
    sdists = list((work / "dist").glob("perfbudget-*.tar.gz"))
    assert [s.name for s in sdists] == [f"perfbudget-{project_version()}.tar.gz"]
    environment = work / "venv"
    venv.create(environment, with_pip=True)
    run(environment / "bin" / "python", "-m", "pip", "install", "-q",
        "--disable-pip-version-check", sdists[0])
    return environment


def test_the_sdist_installs_a_working_plugin(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "test_sums.py").write_text(PERF_TEST, encoding="utf-8")
    (tmp_path / "perfbudget.yml").write_text(
        "version: 1\ndefaults: {min_time: 10ms, max_time: 50ms}\n", encoding="utf-8")
    completed = run(installed / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    cwd=tmp_path)
    assert "1 passed" in completed.stdout
    # Imported from the environment, not from this checkout.
    where = run(installed / "bin" / "python", "-c", "import perfbudget; print(perfbudget.__file__)",
                cwd=tmp_path)
    assert str(installed) in where.stdout


def test_the_command_and_python_minus_m(installed: Path, tmp_path: Path) -> None:
    expected = f"perfbudget {project_version()}"
    assert run(installed / "bin" / "perfbudget", "--version").stdout.strip() == expected
    assert run(installed / "bin" / "python", "-m", "perfbudget", "--version",
               cwd=tmp_path).stdout.strip() == expected
    # The same command line as CMake's: its exit status and messages pass through.
    budget = tmp_path / "perfbudget.yml"
    budget.write_text("version: 1\nbudgets:\n  x:\n    latency: {median: fast}\n",
                      encoding="utf-8")
    bad = subprocess.run([installed / "bin" / "perfbudget", "validate", budget],
                         capture_output=True, text=True, env=clean_environment())
    assert bad.returncode == 2
    assert f"{budget}:4:" in bad.stdout + bad.stderr
