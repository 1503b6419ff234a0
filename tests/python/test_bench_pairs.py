"""bench/process_pairs.py: which files make a pair, and the change in sampling errors."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("process_pairs", ROOT / "bench" / "process_pairs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["process_pairs"] = module
    spec.loader.exec_module(module)
    return module


def test_pairs_are_a_baseline_and_each_of_its_candidates(tmp_path: Path) -> None:
    pairs = load_module().pairs
    for name in ("c1ms-1-base.json", "c1ms-1-cand0.json", "c1ms-1-cand10.json",
                 "py10us-2-base.json", "py10us-2-cand5.json", "py10us-3-cand5.json"):
        (tmp_path / name).write_text("{}")
    found = sorted((cell, pct, base.name, cand.name) for cell, pct, base, cand in pairs([tmp_path]))
    assert found == [("c1ms", 0, "c1ms-1-base.json", "c1ms-1-cand0.json"),
                     ("c1ms", 10, "c1ms-1-base.json", "c1ms-1-cand10.json"),
                     ("py10us", 5, "py10us-2-base.json", "py10us-2-cand5.json")]


def test_change_in_sampling_errors() -> None:
    """An interval of +-1.96 errors around the change: +10 % with errors of 2.5 % reads 3.8."""
    sampling_z = load_module().sampling_z
    error = 0.025
    change = math.log(1.10)
    record = {"comparisons": [{"change_pct": 10.0,
                               "ci_low_pct": 100 * math.expm1(change - 1.959964 * error),
                               "ci_high_pct": 100 * math.expm1(change + 1.959964 * error)}]}
    assert abs(sampling_z(record) - change / error) < 1e-6
