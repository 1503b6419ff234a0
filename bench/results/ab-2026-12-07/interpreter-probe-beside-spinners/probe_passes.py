"""The interpreter probe timed twice in a row between calls of bench/busy's loop (250 and 25,000
steps), for 1 s each: the median of the first pass and of the second. Usage: python
probe_passes.py LABEL (with the repository's pytest_plugin importable, the extension built)."""
import sys, time, statistics
from pathlib import Path
ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT / 'pytest_plugin')); sys.path.insert(0, str(ROOT / 'bench' / 'busy'))
from perfbudget.fixture import interpreter_probe
from test_busy import loop
def run(steps, seconds=1.0):
    first, second, calls = [], [], []
    end = time.perf_counter() + seconds; last = 0
    while time.perf_counter() < end:
        c0 = time.thread_time_ns(); loop(steps); calls.append(time.thread_time_ns() - c0)
        now = time.perf_counter_ns()
        if now - last >= 2_000_000:
            w0 = time.perf_counter_ns(); interpreter_probe(); w1 = time.perf_counter_ns(); interpreter_probe(); w2 = time.perf_counter_ns()
            first.append(w1 - w0); second.append(w2 - w1); last = w2
    return statistics.median(calls), statistics.median(first), statistics.median(second)
for steps in (250, 25000):
    c, a, b = run(steps)
    print(f"{sys.argv[1]} steps={steps} call_cpu={c/1e3:.1f}us first={a/1e3:.1f}us second={b/1e3:.1f}us")
