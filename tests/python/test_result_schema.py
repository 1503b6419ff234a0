"""docs/result.schema.json against result files written for real: by the C CLI (a plain run, a
failing command, a judged run, regression comparisons, an exported baseline), by the Python
binding and by the pytest plugin's --perf-json. Timing decides nothing here: budgets are either
far beyond or far below what a run can take."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

import perfbudget
from perfbudget._core import Result

ROOT = Path(__file__).resolve().parents[2]
SCHEMA: dict[str, Any] = json.loads((ROOT / "docs" / "result.schema.json").read_text("utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)


def validate(path: Path) -> dict[str, Any]:
    """The file's contents, after asserting that they match the schema (every error listed)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    errors = [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in VALIDATOR.iter_errors(data)]
    assert not errors, f"{path.name} does not match the schema:\n" + "\n".join(errors)
    return data


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(SCHEMA)


# ---- the C CLI ------------------------------------------------------------------------------


Run = Callable[..., None]


@pytest.fixture
def run(cli: Path, tmp_path: Path) -> Run:
    """Run the CLI in tmp_path without the caller's PERFBUDGET_* settings; check its status."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERFBUDGET_")}

    def run(*args: str, status: int = 0) -> None:
        done = subprocess.run([str(cli), *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=120)
        command = " ".join(args)
        assert done.returncode == status, f"perfbudget {command}:\n{done.stdout}{done.stderr}"

    return run


def test_cli_run(run: Run, tmp_path: Path) -> None:
    run("run", "--name", "x", "--runs", "3", "--json", "ok.json", "--", "true")
    bench = validate(tmp_path / "ok.json")["benchmarks"][0]
    assert (bench["status"], len(bench["samples"]), bench["budget"]) == ("ok", 3, None)


def test_cli_failing_command(run: Run, tmp_path: Path) -> None:
    run("run", "--name", "exits", "--runs", "3", "--json", "failed.json", "--",
        "sh", "-c", "exit 3", status=1)
    bench = validate(tmp_path / "failed.json")["benchmarks"][0]
    assert bench["status"] == "failed" and "code 3" in bench["message"]
    assert bench["summary"]["median"] is None  # nothing measured: null, never 0


def test_cli_budget_verdicts(run: Run, tmp_path: Path) -> None:
    (tmp_path / "budget.yml").write_text(
        "version: 1\nbudgets:\n  x:\n    latency:\n      median: {warn: 1ns, fail: 1min}\n"
        "      p95: 1ns\n    memory: 1GB\n    instructions: 100\n", encoding="utf-8")
    run("run", "--name", "x", "--runs", "3", "--budget", "budget.yml", "--json", "judged.json",
        "--", "true", status=1)
    budget = validate(tmp_path / "judged.json")["benchmarks"][0]["budget"]
    assert budget["entry"] == "x"
    assert {"pass", "warn", "fail"} <= {v["status"] for v in budget["verdicts"]}


def test_cli_comparisons_and_exported_baseline(run: Run, tmp_path: Path) -> None:
    for name in ("first.json", "second.json"):
        run("run", "--name", "x", "--runs", "3", "--history", "h.sqlite", "--baseline", "latest",
            "--threshold", "1000", "--json", name, "--", "true")
    validate(tmp_path / "first.json")
    assert validate(tmp_path / "second.json")["benchmarks"][0]["comparisons"]
    run("baseline", "export", "latest", "exported.json", "--history", "h.sqlite")
    exported = validate(tmp_path / "exported.json")
    assert (exported["baseline"]["name"], exported["baseline"]["run_id"]) == ("latest", 2)


# ---- Python --------------------------------------------------------------------------------


def python_results(tmp_path: Path) -> Path:
    """A result file from the binding: plain, single-sample, custom metrics, judged, failed."""
    (tmp_path / "budget.yml").write_text(
        "version: 1\nbudgets:\n  judged:\n    latency:\n      median: {warn: 1ns, fail: 1min}\n"
        "    metrics:\n      hit_rate: {warn: 97%, fail: 95%, higher_is_better: true}\n"
        "      misses: 10\n", encoding="utf-8")
    custom = Result.from_samples("custom", [1e3, 2e3, 3e3], metrics={"peak_rss_bytes": 4096.0})
    judged = Result.from_samples("judged", [5e3, 6e3, 7e3, 8e3])
    for result in (custom, judged):
        result.add_metric("hit_rate", 96, "%", higher_is_better=True)
        result.add_metric("misses", 3)
        result.add_metric("tail", 2.5, "ms")
        result.add_metric("bandwidth", 1.5, "MB/s", higher_is_better=True)
    assert judged.judge(perfbudget.load_budgets(tmp_path / "budget.yml")) == "warn"
    results = [Result.from_samples("plain", [1.0, 2.0, 3.0]), Result.from_samples("single", [5.0]),
               custom, judged, Result.from_samples("broken", [], failed="setup raised")]
    path = tmp_path / "python.json"
    Result.write_json(results, path, suite="python")
    return path


def test_python_results(tmp_path: Path) -> None:
    benches = {b["name"]: b for b in validate(python_results(tmp_path))["benchmarks"]}
    assert benches["single"]["summary"]["stddev"] is None
    assert {m["kind"] for m in benches["custom"]["custom_metrics"]} == {
        "percent", "number", "duration", "byte rate"}
    verdicts = benches["judged"]["budget"]["verdicts"]
    assert [v["status"] for v in verdicts] == ["warn", "warn", "pass"]
    assert benches["broken"]["status"] == "failed"


# ---- pytest --perf-json --------------------------------------------------------------------


def test_pytest_perf_json(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yml", perfbudget="version: 1\ndefaults:\n  rounds: 5\n  min_time: 1ms\n"
                      "  max_time: 300ms\n  warmup: 0\nbudgets:\n  '*':\n    latency:\n"
                      "      median: 10s\n")
    pytester.makepyfile(test_tiny="def test_sum(perf):\n    assert perf(sum, range(10)) == 45\n\n\n"
                        "def test_staged(perf):\n    def body():\n"
                        "        with perf.stage('sum'):\n            sum(range(10))\n"
                        "    perf(body)\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--perf-json", "out.json")
    result.assert_outcomes(passed=2)
    plain, staged = validate(pytester.path / "out.json")["benchmarks"]
    assert plain["name"].endswith("test_sum") and plain["budget"]["verdicts"][0]["status"] == "pass"
    assert "stages" not in plain and staged["stages"][0]["name"] == "sum"


# ---- the schema refuses -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["benchmarks"][0].update(samples="1.0 2.0 3.0"), "samples"),
        (lambda d: d["benchmarks"][0].update(status="passed"), "status"),
        (lambda d: d["benchmarks"][0]["summary"].update(median="fast"), "median"),
        (lambda d: d["benchmarks"][0]["metrics"].update(extra=1.0), "metrics"),
        (lambda d: d.update(schema_version=2), "schema_version"),
    ],
)
def test_schema_rejects_wrong_files(tmp_path: Path, change: Callable[[dict[str, Any]], None],
                                    where: str) -> None:
    data = validate(python_results(tmp_path))
    change(data)
    errors = list(VALIDATOR.iter_errors(data))
    assert errors and any(where in f"{list(e.absolute_path)} {e.message}" for e in errors)
