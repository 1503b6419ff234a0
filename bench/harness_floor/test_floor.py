"""bench/harness_floor (spin.c says how to run it): each harness's own share at one call a
round. A no-op measured by pytest-benchmark at one call a round (as it calibrates calls of 2 to
8 us) and by perfbudget; spin(5000), about 3 us, by pytest-benchmark at 1 and at 100 calls a
round and by perfbudget."""
import json, os
import pytest
from test_calibrated import spin

OUT = os.path.join(os.path.dirname(__file__), "floor.jsonl")

def noop():
    pass

@pytest.mark.parametrize("rep", range(3))
def test_floor(benchmark, perf, rep):
    benchmark.pedantic(noop, rounds=200_000, iterations=1)
    perf(noop)
    with open(OUT, "a") as f:
        f.write(json.dumps({"what": "noop", "pb_1": benchmark.stats.stats.median * 1e9,
                            "perf": perf.result.summary.median}) + "\n")

@pytest.mark.parametrize("iterations", [1, 100])
@pytest.mark.parametrize("rep", range(3))
def test_spin_iterations(benchmark, perf, iterations, rep):
    benchmark.pedantic(spin, args=(5000,), rounds=max(20_000 // iterations, 200),
                       iterations=iterations)
    perf(spin, 5000)
    with open(OUT, "a") as f:
        f.write(json.dumps({"what": f"spin5000 it{iterations}",
                            "pb": benchmark.stats.stats.median * 1e9,
                            "perf": perf.result.summary.median}) + "\n")
