"""bench/migration.py's own logic: matching the two tools' benchmarks and the figures it puts in
docs/performance.md. A benchmark matched to the wrong one, a ratio upside down or a size taken
from the wrong file would give wrong figures without any measurement looking odd. Fake inputs:
no network, no timing."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration", BENCH / "migration.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pb_document(medians_s: dict[str, float], data: bool = True) -> dict[str, Any]:
    """pytest-benchmark's saved JSON, in the shape version 5 writes."""
    benchmarks = []
    for fullname, median in medians_s.items():
        stats: dict[str, Any] = {"min": median, "median": median, "rounds": 3, "iterations": 1}
        if data:
            stats["data"] = [median] * 3
        benchmarks.append({"group": None, "name": fullname.split("::")[-1], "fullname": fullname,
                           "params": None, "stats": stats})
    return {"machine_info": {}, "commit_info": {}, "benchmarks": benchmarks,
            "datetime": "2026-12-06T12:00:00", "version": "5.3.1"}


def perf_document(medians: dict[str, float], unit: str = "ns") -> dict[str, Any]:
    return {"schema": "perfbudget-result", "benchmarks": [
        {"name": name, "status": "ok", "unit": unit, "summary": {"median": m}}
        for name, m in medians.items()]}


def test_medians_of_both_files_in_ns(migration: ModuleType) -> None:
    pb = migration.pytest_benchmark_medians_ns(pb_document({"t.py::a": 2e-6}))
    assert pb == {"t.py::a": pytest.approx(2000.0)}
    assert migration.perfbudget_medians_ns(perf_document({"t.py::a": 1.5}, unit="us")) == {
        "t.py::a": pytest.approx(1500.0)}
    errored = {"benchmarks": [{"name": "t.py::b", "status": "error", "summary": None}]}
    assert migration.perfbudget_medians_ns(errored) == {}


def test_ratios_pair_the_rounds_and_match_by_node_id(migration: ModuleType) -> None:
    pb = [{"t::a": 100.0, "t::b": 1000.0, "t::only_pb": 5.0},
          {"t::a": 200.0, "t::b": 1000.0, "t::only_pb": 5.0}]
    perf = [{"t::a": 90.0, "t::b": 1100.0, "t::only_perf": 7.0},
            {"t::a": 210.0, "t::b": 1200.0}]
    matched = migration.match_ratios(pb, perf)
    a = matched["per_benchmark"]["t::a"]
    # perfbudget / pytest-benchmark, round by round (not the ratio of the pooled medians)
    assert a["ratios"] == pytest.approx([0.9, 1.05])
    assert a["median"] == pytest.approx(0.975)
    assert matched["per_benchmark"]["t::b"]["ratios"] == pytest.approx([1.1, 1.2])
    assert matched["only_pytest_benchmark"] == ["t::only_pb"]
    assert matched["only_perfbudget"] == ["t::only_perf"]
    with pytest.raises(ValueError):
        migration.match_ratios(pb, perf[:1])


def test_summary_figures(migration: ModuleType) -> None:
    def round_(perf_a: float, pb_wall: float, perf_wall: float, history: int) -> dict[str, Any]:
        return {"pb_medians": {"t::a": 100.0, "t::b": 20_000.0},
                "perf_medians": {"t::a": perf_a, "t::b": 22_000.0},
                "pb_wall_s": pb_wall, "perf_wall_s": perf_wall,
                "pb_json_bytes": 1_000_000, "pb_json_nodata_bytes": 1000,
                "history_bytes": history, "report_bytes": 300, "perf_json_bytes": 50}

    rounds = [round_(80.0, 100.0, 10.0, 3000), round_(90.0, 100.0, 20.0, 5000),
              round_(100.0, 50.0, 10.0, 7000)]
    summary = migration.summarize(rounds)
    assert summary["benchmarks_matched"] == 2
    # per benchmark: a 0.9 (median of 0.8, 0.9, 1.0), b 1.1; over benchmarks median 1.0
    assert summary["medians_ratio"] == pytest.approx(
        {"median": 1.0, "min": 0.9, "max": 1.1, "n": 2})
    by_size = summary["medians_ratio_by_size"]
    assert by_size["under 10 µs"]["median"] == pytest.approx(0.9)
    assert by_size["10 µs or more"]["median"] == pytest.approx(1.1)
    assert summary["wall_ratios"] == pytest.approx([0.1, 0.2, 0.2])
    assert summary["wall_ratio"]["median"] == pytest.approx(0.2)
    storage = summary["storage"]
    # the history is one file that grows: its last size against every saved JSON file
    assert storage["history_after_first_run"] == 3000
    assert storage["history_after_all_runs"] == 7000
    assert storage["pb_json_with_data_all_runs"] == 3_000_000
    assert storage["history_vs_pb_with_data_all_runs"] == pytest.approx(7000 / 3_000_000)
    assert storage["history_vs_pb_without_data_all_runs"] == pytest.approx(7000 / 3000)
    markdown = migration.render_markdown(summary, {
        "suite": "s", "suite_version": "1", "command": "c", "packages": [], "python": "3"})
    assert "| 1.000 (range 0.900 .. 1.100) |" in markdown
    assert "0.200 (10.0 s vs 100.0 s)" in markdown


def test_size_without_data_is_what_pytest_benchmark_writes(migration: ModuleType,
                                                           tmp_path: Path) -> None:
    medians = {"t.py::a": 1e-6, "t.py::b": 2.5e-3}
    with_data = pb_document(medians)
    stripped = migration.without_data(with_data)
    assert stripped == pb_document(medians, data=False)
    assert "data" in with_data["benchmarks"][0]["stats"]  # the document read is left as it was
    # pytest-benchmark's file storage: json.dumps(..., ensure_ascii=True, indent=4)
    saved = tmp_path / "0001_x.json"
    saved.write_text(json.dumps(with_data, ensure_ascii=True, indent=4))
    assert migration.serialized_size(with_data) == saved.stat().st_size
    assert migration.serialized_size(stripped) < saved.stat().st_size
