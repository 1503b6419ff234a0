"""bench/detection.py's own logic: the slowdowns it injects and the table it merges. A wrong
injection or a merge that keeps a superseded cell would put wrong figures in docs/performance.md
without any measurement looking odd."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def detection() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location("detection", BENCH / "detection.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["detection"] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


def fake_probe(ns_per_step: float, overhead_ns: float = 0.0) -> Any:
    return lambda language, kind, steps: overhead_ns + steps * ns_per_step


def test_loop_workloads_make_every_slowdown_a_whole_number_of_steps(detection: ModuleType) -> None:
    # C: 1.47 ns a step; 100 ns would be 68 steps, where +5 % rounds to 71 (+4.4 %).
    w = detection.workload_for("c", 100.0, fake_probe(1.47))
    assert (w.kind, w.base) == ("loop", 100)
    assert [w.candidate(s) for s in (0, 1, 2, 5, 10)] == [100, 101, 102, 105, 110]
    w = detection.workload_for("c", 1e4, fake_probe(1.47))
    assert w.base == 6800 and w.candidate(1) == 6868
    w = detection.workload_for("python", 1e6, fake_probe(66.0))
    assert w.base % 100 == 0 and abs(w.base * 66.0 - 1e6) < 50 * 66.0


def test_python_100ns_scans_bytes_and_adds_the_slowdowns_share_of_the_call(
        detection: ModuleType) -> None:
    # 60 ns of call overhead and 0.25 ns a byte: 160 bytes make 100 ns; +10 % of 100 ns is 40 bytes.
    w = detection.workload_for("python", 100.0, fake_probe(0.25, overhead_ns=60.0))
    assert (w.kind, w.base) == ("scan", 160)
    assert w.ns_per_call == pytest.approx(100.0)
    assert [w.candidate(s) for s in (0, 1, 5, 10)] == [160, 164, 180, 200]


def trial(tool: str, slowdown: float, flagged: bool, change: float | None,
          **cell: Any) -> dict[str, Any]:
    return {"load": "none", "language": "c", "size": "10us", "tool": tool, "trial": 0,
            "slowdown_pct": slowdown, "flagged": flagged, "measured_change_pct": change,
            "ns_per_call": 10000.0, "steps": [7000, 7000], **cell}


def test_a_later_run_replaces_a_cell_and_keeps_the_others(detection: ModuleType,
                                                         tmp_path: Path) -> None:
    first, second, out = tmp_path / "first", tmp_path / "second", tmp_path / "out"
    for folder, raw in (
            (first, [trial("perfbudget", 0, True, 3.5), trial("perfbudget", 5, True, 5.0),
                     trial("Google Benchmark", 0, True, 1.0),
                     trial("Google Benchmark", 5, True, 5.0)]),
            (second, [trial("perfbudget", 0, False, 0.5), trial("perfbudget", 0, False, -0.5),
                      trial("perfbudget", 5, True, 5.0), trial("perfbudget", 5, False, 2.0)])):
        folder.mkdir()
        (folder / "detection-raw.json").write_text(json.dumps(raw))
        (folder / "detection.json").write_text(json.dumps({"settings": [f"20 trials, {folder.name}"]}))
    assert detection.merge([first, second], out) == 0
    rows = {(r["tool"], r["slowdown_pct"]): r
            for r in json.loads((out / "detection.json").read_text())["rows"]}
    assert rows[("perfbudget", 0)]["flagged_share"] == 0.0  # the second run's, not the first's
    assert rows[("perfbudget", 5)]["flagged_share"] == 0.5
    assert rows[("perfbudget", 0)]["stdev_change_pct"] == pytest.approx(2 ** 0.5 / 2)
    assert rows[("Google Benchmark", 0)]["flagged_share"] == 1.0  # kept from the first run
    table = (out / "detection.md").read_text()
    assert ("| none | c | 10us | 7,000 loop steps, 10,000 ns | perfbudget | 0% | 50% | 0.71 % |"
            in table)
    assert "first: 20 trials, first; second: 20 trials, second" in table
    assert len(json.loads((out / "detection-raw.json").read_text())) == 6
    # merged again into itself: each run keeps its one name
    assert detection.merge([out, second], out) == 0
    assert ("first: 20 trials, first; second: 20 trials, second; second: 20 trials, second;"
            in (out / "detection.md").read_text())


def test_measured_change_divides_out_the_speed_where_both_runs_measured_it(
        detection: ModuleType, tmp_path: Path) -> None:
    def result(name: str, median: float, reference: float | None) -> Path:
        metrics = {} if reference is None else {"reference_ns": reference}
        path = tmp_path / name
        path.write_text(json.dumps({"benchmarks": [{"summary": {"median": median},
                                                    "metrics": metrics}]}))
        return path

    base = result("base.json", 100.0, 1000.0)
    # 5 % more work on a machine 2 % slower: +7.1 % raw, +5 % with the speed divided out
    assert detection.measured_change(result("c.json", 107.1, 1020.0), base) == pytest.approx(5.0)
    assert detection.measured_change(result("d.json", 107.1, None), base) == pytest.approx(7.1)
