"""bench/harness_floor (spin.c says how to run it): spin(n) calls of 2 to 8 us measured by
pytest-benchmark (as it calibrates them: 1 call a round) and by perfbudget in one test, the order
alternating, beside an estimate of their cost from CPU time (thread_time_ns, which a busy
machine's preemptions leave out): the ctypes call from a long loop of spin(0) less the empty
loop, plus n times a turn's time from spin(50,000,000). The estimate drifts with the machine
(docs/performance.md quotes the two tools' readings, not it)."""
import ctypes, json, os, statistics, time
from itertools import repeat
import pytest

lib = ctypes.CDLL(os.path.join(os.path.dirname(__file__), "libspin.so"))
spin = lib.spin
spin.argtypes = [ctypes.c_long]
spin.restype = None
clock = time.perf_counter_ns
cpu = time.thread_time_ns  # the truth: CPU time, which a busy machine's preemptions leave out
OUT = os.path.join(os.path.dirname(__file__), "truth.jsonl")

def loop_ns(fn, arg, n):
    start = cpu()
    if arg is None:
        for _ in repeat(None, n):
            pass
    else:
        for _ in repeat(None, n):
            fn(arg)
    return (cpu() - start) / n

def truth(n_turns):
    per_turn = statistics.median((lambda t: (spin(50_000_000), cpu() - t)[1])(cpu()) / 5e7
                                 for _ in range(3))
    call = statistics.median(loop_ns(spin, 0, 50_000) for _ in range(5))
    empty = statistics.median(loop_ns(None, None, 50_000) for _ in range(5))
    return call - empty + per_turn * n_turns, per_turn, call - empty

TARGETS = [2000, 3000, 4000, 6000, 8000]  # ns

@pytest.mark.parametrize("rep", range(3))
@pytest.mark.parametrize("target", TARGETS)
def test_spin(benchmark, perf, target, rep):
    _, per_turn, call = truth(0)
    n = int((target - call) / per_turn)
    if rep % 2:
        perf(spin, n)
        benchmark(spin, n)
    else:
        benchmark(spin, n)
        perf(spin, n)
    true_ns, per_turn2, call2 = truth(n)
    with open(OUT, "a") as f:
        f.write(json.dumps({"target": target, "rep": rep, "n": n, "truth": true_ns,
                            "call_ns": call2, "per_turn": per_turn2,
                            "pb": benchmark.stats.stats.median * 1e9,
                            "pb_rounds": benchmark.stats.stats.rounds,
                            "pb_iterations": benchmark.stats.iterations,
                            "perf": perf.result.summary.median,
                            "perf_iterations": perf.result.metrics["iterations_per_sample"]})
                + "\n")
