"""Reports in other tools' formats, read back by those tools where they are installed (not only
by perfbudget's own parser)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from perfbudget._core import Result, import_results, render_report


def _results() -> list[Result]:
    fast = Result.from_samples("tests/test_io.py::test_read", [1000.0 + i for i in range(20)],
                               {"peak_rss_bytes": 4e6, "items_per_second": 1e6, "cpu_utilization": 1.0,
                                "iterations_per_sample": 100})
    slow = Result.from_samples("decode \"frame\"", [2.5e6 * (1 + 0.001 * i) for i in range(10)])
    return [fast, slow]


def test_pytest_benchmark_compare_reads_our_file(tmp_path: Path) -> None:
    # pytest-benchmark's command, run by this interpreter (whose environment has it, and
    # perfbudget): a command on PATH may belong to another interpreter, which loads that one's
    # pytest plugins (a venv made with --system-site-packages has no command of its own).
    pytest.importorskip("pytest_benchmark.cli")
    tool = [sys.executable, "-c", "import sys; from pytest_benchmark.cli import main; sys.exit(main())"]
    text = render_report(_results(), "pytest-benchmark")
    path = tmp_path / "0001_perfbudget.json"
    path.write_text(text)
    shown = subprocess.run([*tool, "compare", str(path)], capture_output=True, text=True, check=True).stdout
    assert "test_read" in shown and "decode" in shown
    # pytest-benchmark's own figures, from our file: the median of 1000..1019 ns
    stats = {b["fullname"]: b["stats"] for b in json.loads(text)["benchmarks"]}
    assert stats["tests/test_io.py::test_read"]["median"] == pytest.approx(1009.5e-9, rel=1e-12)
    assert stats["tests/test_io.py::test_read"]["rounds"] == 20
    # and perfbudget imports it back as a baseline would: the raw data, to the bit
    back = {r.name: r for r in import_results(path, "pytest-benchmark")}
    assert back["tests/test_io.py::test_read"].samples == pytest.approx(_results()[0].samples, rel=1e-15)


def test_google_benchmark_json_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "gb.json"
    path.write_text(render_report(_results(), "google-benchmark"))
    document = json.loads(path.read_text())
    assert {"context", "benchmarks"} <= document.keys()
    runs = [b for b in document["benchmarks"] if b["run_name"] == "tests/test_io.py::test_read"]
    assert len(runs) == 20 and all(b["run_type"] == "iteration" and b["time_unit"] == "ns" for b in runs)
    back = {r.name: r for r in import_results(path, "google-benchmark")}
    assert back["tests/test_io.py::test_read"].samples == _results()[0].samples
    assert back["decode \"frame\""].summary.median == _results()[1].summary.median


def test_google_benchmark_compare_reads_our_files(tmp_path: Path) -> None:
    """Google Benchmark's own compare.py (Debian's libbenchmark-tools) on two of our files: it
    finds the samples as repetitions and runs its U test on them."""
    tool = Path("/usr/share/benchmark/compare.py")
    if not tool.exists():
        pytest.skip("Google Benchmark's compare.py is not installed (libbenchmark-tools)")
    pytest.importorskip("scipy")  # compare.py's U test
    before = [Result.from_samples("encode", [1000.0 + i for i in range(20)])]
    after = [Result.from_samples("encode", [1200.0 + i for i in range(20)])]
    (tmp_path / "before.json").write_text(render_report(before, "google-benchmark"))
    (tmp_path / "after.json").write_text(render_report(after, "google-benchmark"))
    shown = subprocess.run(["python3", str(tool), "benchmarks", str(tmp_path / "before.json"),
                            str(tmp_path / "after.json")],
                           capture_output=True, text=True, check=True).stdout
    shown = re.sub(r"\x1b\[[0-9;]*m", "", shown)
    assert re.search(r"encode_pvalue +0\.0000 +0\.0000 +U Test, Repetitions: 20 vs 20", shown), shown
    assert re.search(r"OVERALL_GEOMEAN +\+0\.19", shown), shown  # about 1010 -> 1210 ns


def test_openmetrics_parses(tmp_path: Path) -> None:
    parser = pytest.importorskip("prometheus_client.openmetrics.parser")
    text = render_report(_results(), "openmetrics")
    families = {family.name: family for family in parser.text_string_to_metric_families(text)}
    latency = families["perfbudget_latency_seconds"]
    medians = {s.labels["benchmark"]: s.value for s in latency.samples if s.labels["statistic"] == "median"}
    assert medians["decode \"frame\""] == pytest.approx(2.5e6 * 1.0045e-9, rel=1e-12)
    assert "perfbudget_peak_memory_bytes" in families and "perfbudget_failed" in families


def test_bencher_metric_format() -> None:
    document = json.loads(render_report(_results(), "bencher"))
    read = document["tests/test_io.py::test_read"]
    assert read["latency"]["value"] == pytest.approx(1009.5)
    assert read["latency"]["lower_value"] <= read["latency"]["value"] <= read["latency"]["upper_value"]
    assert read["throughput"]["value"] == 1e6 and read["memory"]["value"] == 4e6
