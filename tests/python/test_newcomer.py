"""A newcomer's path through the pytest side (issue 18): commands that must work the second time
as they did the first, options that say what they do, one file per --perf-report, and the
README's pytest example run as the README shows it. Timing never decides a test here: budgets
are 10 s for a call of microseconds."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
from pathlib import Path

import pytest

from perfbudget._core import Result

ROOT = Path(__file__).resolve().parents[2]

# Short measurements: these tests are about options and files, not about precision.
BUDGETS = """\
version: 1
defaults:
  rounds: 5
  min_time: 1ms
  max_time: 200ms
  warmup: 0
budgets:
  "*":
    latency:
      median: 10s
"""


def run_in(pytester: pytest.Pytester, directory: Path, *args: str) -> pytest.RunResult:
    """pytest in a fresh process started in directory, as a user types it there."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(directory)
        return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


# ---- item 1: the main job works only once ------------------------------------------------------


@pytest.fixture
def src_layout(pytester: pytest.Pytester) -> Path:
    """A project whose tests import its code through the ini file's pythonpath, as
    examples/python does."""
    project = pytester.mkdir("project")
    (project / "pytest.ini").write_text("[pytest]\npythonpath = src\ntestpaths = tests\n")
    (project / "perfbudget.yml").write_text(BUDGETS)
    (project / "src").mkdir()
    (project / "src" / "wordy.py").write_text("def count(text):\n    return len(text.split())\n")
    (project / "tests").mkdir()
    (project / "tests" / "test_wordy.py").write_text(
        "import wordy\n\n\ndef test_count(perf):\n    assert perf(wordy.count, 'a b c') == 3\n")
    return project


@pytest.mark.parametrize("report", ["../reports/report.md", "REPORTS/report.html"])
def test_a_report_given_as_two_arguments_works_the_second_time(
        pytester: pytest.Pytester, src_layout: Path, report: str) -> None:
    """`--perf-report FILE` as two arguments, FILE outside the project: once FILE exists, pytest
    (which picks its rootdir before plugins load) took it for a test path, lost pytest.ini and
    its pythonpath, and the second run failed with ModuleNotFoundError."""
    (pytester.path / "reports").mkdir()
    report = report.replace("REPORTS", str(pytester.path / "reports"))
    written = pytester.path / "reports" / Path(report).name
    for attempt in (1, 2):
        # No other existing path on the command line: one inside the project would lead pytest
        # back to pytest.ini.
        result = run_in(pytester, src_layout, "--perf-report", report, "--perf-json",
                        "../reports/results.json")
        assert result.ret == pytest.ExitCode.OK, f"run {attempt}:\n{result.stdout.str()}"
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines([f"rootdir: {src_layout}", "configfile: pytest.ini*",
                                     f"history: run {attempt} recorded in "
                                     ".perfbudget/history.sqlite",
                                     f"report written to *reports/{written.name}"])
        assert written.is_file() and "tests/test_wordy.py::test_count" in written.read_text()


def test_a_value_that_names_a_test_directory_stays_a_value(
        pytester: pytest.Pytester, src_layout: Path) -> None:
    """`--perf-save-baseline tests` names a baseline, even with a directory tests/ there."""
    result = run_in(pytester, src_layout, "--perf-save-baseline", "tests", "--perf-history",
                    "h.sqlite")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["baseline 'tests' saved (run 1 in h.sqlite)"])


def test_a_project_run_from_its_own_directory_keeps_its_setup(pytester: pytest.Pytester,
                                                              src_layout: Path) -> None:
    """Joining option values changes nothing else: pytest's own positional arguments, the ini's
    addopts, and a value after `--` stay as they were."""
    (src_layout / "pytest.ini").write_text("[pytest]\npythonpath = src\naddopts = -m performance\n")
    (src_layout / "tests" / "test_plain.py").write_text("def test_plain():\n    pass\n")
    result = run_in(pytester, src_layout, "tests", "--perf-report", "report.md")
    result.assert_outcomes(passed=1, deselected=1)  # addopts' -m performance applied once
    assert (src_layout / "report.md").is_file()


# ---- item 6: options that say what they do ---------------------------------------------------


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".yml", perfbudget=BUDGETS)
    pytester.makepyfile(test_it="""
        def test_sum(perf):
            assert perf(sum, range(10)) == 45

        def test_len(perf):
            assert perf(len, "abc") == 3
    """)
    return pytester


def test_save_baseline_help_says_where_the_baseline_goes(project: pytest.Pytester) -> None:
    """The help names what --perf-save-baseline does (a name in the history, for --perf-baseline),
    not a file that is never written."""
    help_text = project.runpytest_subprocess("--help").stdout.str()
    option = help_text[help_text.index("--perf-save-baseline"):help_text.index("--perf-json")]
    assert ".perfbudget/baselines" not in option
    assert "history" in option and "--perf-baseline NAME" in " ".join(option.split())
    saved = run_in(project, project.path, "--perf-save-baseline", "main")
    saved.stdout.fnmatch_lines(["baseline 'main' saved (run 1 in .perfbudget/history.sqlite)"])
    assert not (project.path / ".perfbudget" / "baselines").exists()
    compared = run_in(project, project.path, "--perf-baseline", "main", "--perf-threshold", "400")
    compared.assert_outcomes(passed=2)
    compared.stdout.fnmatch_lines(["compared with baseline 'main'*"])


def test_perf_json_and_a_json_report_are_one_document(project: pytest.Pytester) -> None:
    """--perf-json FILE and --perf-report FILE.json: the same result file, latency comparison
    included, whichever option wrote it."""
    run_in(project, project.path)
    result = run_in(project, project.path, "--performance-regression", "--perf-threshold", "400",
                    "--perf-json", "results.json", "--perf-report", "report.json")
    result.assert_outcomes(passed=2)
    documents = [json.loads((project.path / name).read_text())
                 for name in ("results.json", "report.json")]
    for document in documents:
        document.pop("created")
    assert documents[0] == documents[1]
    for benchmark in documents[0]["benchmarks"]:  # the median's, or its CPU time's when busy
        assert [c["metric"] for c in benchmark["comparisons"]] in (["median"],
                                                                   ["median cpu time"])
    loaded = Result.load_json(project.path / "results.json")
    assert [r.latency_comparison is not None for r in loaded] == [True, True]


def test_several_reports_each_in_its_format(project: pytest.Pytester) -> None:
    """--perf-report given again adds a report; it never replaces the first. The ini twin takes a
    list."""
    result = run_in(project, project.path, "--perf-report", "out/report.md", "--perf-report",
                    "out/report.csv", "--perf-report=out/report.html")
    result.assert_outcomes(passed=2)
    out = project.path / "out"
    result.stdout.fnmatch_lines([f"report written to {out / 'report.md'}",
                                 f"report written to {out / 'report.csv'}",
                                 f"report written to {out / 'report.html'}"])
    assert "| benchmark | median |" in (out / "report.md").read_text()
    assert (out / "report.csv").read_text().startswith("benchmark,metric,value,unit,")
    assert (out / "report.html").read_text().lstrip().lower().startswith("<!doctype html")
    project.makeini("[pytest]\nperf_report = ini/a.md ini/b.json\n")
    run_in(project, project.path).assert_outcomes(passed=2)
    assert (project.path / "ini" / "a.md").is_file()
    assert len(Result.load_json(project.path / "ini" / "b.json")) == 2
    refused = run_in(project, project.path, "--perf-report", "a.md", "--perf-report", "b.txt")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(["ERROR: --perf-report: the report format follows*'.txt'*"])


# ---- item 7: the summary fits the terminal --------------------------------------------------


def test_the_table_fits_the_columns_it_is_given() -> None:
    """On a terminal the summary's table fits its width (less the plugin's own columns): long
    names are cut in their middle, one row each; without a width, names stay whole."""
    long = "tests/test_parse.py::test_a_rather_long_benchmark_name[" + "x" * 150 + "]"
    results = [Result.from_samples(long, [1000.0, 1010.0, 1020.0]),
               Result.from_samples("tests/test_parse.py::test_short", [1000.0, 1010.0, 1020.0])]
    fitted = Result.table(results, 120).rstrip("\n").split("\n")
    assert len(fitted) == 3 and max(len(line) for line in fitted) <= 120
    assert fitted[1].startswith("tests/test_parse.py:") and "…" in fitted[1]
    assert fitted[1].split()[0].endswith("xx]")  # both ends of the name stay readable
    whole = Result.table(results).rstrip("\n").split("\n")
    assert whole[1].startswith(long)


# ---- item 7: errored perf tests are in the reports -------------------------------------------

ERRORING = """
import pytest


@pytest.fixture
def database():
    raise RuntimeError("no database")


def test_setup_errors(perf, database):
    perf(sum, range(10))


def test_raises_before_measuring(perf):
    raise ValueError("bad input")


def test_fine(perf):
    perf(sum, range(10))
"""


def test_errored_perf_tests_are_listed_in_the_reports(pytester: pytest.Pytester) -> None:
    """A perf test that errors at setup, or fails before it is measured, is counted and listed
    with pytest's reason in the summary and the Markdown, and kept out of the history."""
    pytester.makepyfile(test_err=ERRORING)
    (pytester.path / "perfbudget.yml").write_text(BUDGETS)
    result = run_in(pytester, pytester.path, "--perf-report", "report.md", "--perf-json",
                    "results.json")
    result.assert_outcomes(passed=1, failed=1, errors=1)
    result.stdout.fnmatch_lines([
        "*test_setup_errors*error at setup: RuntimeError: no database*FAIL",
        "*test_raises_before_measuring*failed before it was measured: ValueError: bad input*FAIL"])
    markdown = (pytester.path / "report.md").read_text()
    assert markdown.splitlines()[0].endswith("2 failed (2 errored), 1 passed")
    assert "errored: error at setup: RuntimeError: no database" in markdown
    assert "errored: failed before it was measured: ValueError: bad input" in markdown
    assert len(Result.load_json(pytester.path / "results.json")) == 3
    with sqlite3.connect(pytester.path / ".perfbudget" / "history.sqlite") as history:
        recorded = [name for (name,) in history.execute("SELECT name FROM benchmarks")]
    assert recorded == ["test_err.py::test_fine"]  # nothing to compare with later


# ---- item 7: the header says how to turn regression checks on --------------------------------


def test_header_says_how_to_turn_regression_checks_on(project: pytest.Pytester) -> None:
    result = run_in(project, project.path, "--co")
    result.stdout.fnmatch_lines(
        ["perfbudget: *, regression checks: off (turn on with --performance-regression)"])
    assert "regression checks off (--performance-regression)" not in result.stdout.str()


# ---- item 8: the checkout's own virtual environment ------------------------------------------

SCRIPTS = [ROOT / "scripts" / name for name in
           ("setup", "build", "test", "perf", "test-loaded", "test-sanitize", "fuzz")]
SCRIPTS += [ROOT / ".ci" / "run"]


def _commands(path: Path) -> list[str]:
    """The lines of a script, comments left out."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split(" #")[0] for line in lines if not line.lstrip().startswith("#")]


def test_scripts_run_pytest_and_pip_in_a_virtual_environment() -> None:
    """Nothing the README's commands run installs into, or runs pytest from, the system's
    Python: pytest from the checkout's .venv (scripts/test, perf, test-loaded) or the sanitizer
    build's own venv (test-sanitize); pip only as a venv's python -m pip."""
    system = re.compile(r"(^|[\s;&|(])python3 -m (pytest|pip)\b|(^|[;&|(])\s*pip3? install\b")
    found = [f"{path.relative_to(ROOT)}: {line.strip()}" for path in SCRIPTS
             for line in _commands(path) if system.search(line)]
    assert found == []
    for name in ("test", "perf", "test-loaded"):
        text = "\n".join(_commands(ROOT / "scripts" / name))
        assert re.search(r"\.venv/bin/python\"? -m pytest", text), name
    setup = "\n".join(_commands(ROOT / "scripts" / "setup"))
    assert 'python3 -m venv --clear "$venv"' in setup and '"$venv/bin/python" -m pip install' in setup
    schema_test = (ROOT / "tests" / "budgets" / "CMakeLists.txt").read_text(encoding="utf-8")
    assert ".venv/bin/python" in schema_test  # jsonschema and PyYAML are in .venv


def test_the_virtual_environment_stays_out_of_git() -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    import subprocess

    ignored = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", ".venv/bin/python"])
    assert ignored.returncode == 0


# ---- the README's pytest example, from the README text ---------------------------------------


def _readme_blocks() -> tuple[str, dict[str, str], str]:
    """The README's budget file (the block marked `<!-- readme-test: perfbudget.yml -->`, shared
    with the CMake example's test, else its first yaml block), the blocks marked
    `<!-- readme-pytest: FILE -->` by FILE, and the commands of `<!-- readme-pytest: run -->`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    budget = (re.search(r"<!-- readme-test: perfbudget\.yml -->\n```yaml\n(.*?)```", text, re.S)
              or re.search(r"```yaml\n(.*?)```", text, re.S))
    assert budget, "README.md has no yaml block (the budget file)"
    marked = dict(re.findall(r"<!-- readme-pytest: (\S+) -->\n```\w*\n(.*?)```", text, re.S))
    assert "run" in marked, "README.md has no block marked <!-- readme-pytest: run -->"
    return budget.group(1), marked, marked.pop("run")


def test_the_readme_pytest_example_runs_as_shown(tmp_path: Path) -> None:
    """The README's pytest blocks, each written to the file its marker names in an empty
    directory with the README's budget file beside them, and its commands run in turn, as a
    user following the README would. The second command compares with the first run at the
    README's 5 % threshold: it must find and compare with baseline main; its verdict is the
    machine's."""
    budget, files, run_block = _readme_blocks()
    (tmp_path / "perfbudget.yml").write_text(budget, encoding="utf-8")
    assert files, "README.md has no block marked <!-- readme-pytest: FILE -->"
    for name, body in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body, encoding="utf-8")
    commands = [line.split()[1:] for line in run_block.splitlines() if line.startswith("pytest ")]
    assert len(commands) == 2, run_block
    import subprocess

    outputs = []
    for command in commands:
        done = subprocess.run([sys.executable, "-m", "pytest", *command], cwd=tmp_path,
                              capture_output=True, text=True, timeout=600,
                              env=dict(os.environ, NO_COLOR="1"))
        outputs.append((done.returncode, done.stdout + done.stderr))
    (first, first_out), (second, second_out) = outputs
    assert first == 0, first_out
    assert "1 passed" in first_out and "baseline 'main' saved" in first_out, first_out
    assert "tests/test_parse.py::test_parse" in first_out
    assert "'tests/test_parse.py::*' matched no perf test" not in first_out  # the glob applies
    assert "compared with baseline 'main'" in second_out, second_out
    # Passed, or failed on the comparison alone (a machine busier for one run); never an error.
    assert second == 0 or (second == 1 and "1 failed" in second_out), second_out
