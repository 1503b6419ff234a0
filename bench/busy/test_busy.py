"""bench/busy.py's pytest workloads: pure-Python loops of about 50 µs and about 5 ms a call (at
~200 ns a step, CPython 3.11 on the study's machine), their size scaled by
PERFBUDGET_STUDY_FACTOR so a candidate 10 % slower does exactly 10 % more steps. The same
workloads with perfbudget's `perf` fixture and pytest-benchmark's `benchmark` fixture; the
harness runs each tool's tests in its own pytest process (-k perf / -k bench)."""

import os

FACTOR = float(os.environ.get("PERFBUDGET_STUDY_FACTOR", "1.0"))
STEPS_50US = round(250 * FACTOR)
STEPS_5MS = round(25000 * FACTOR)


def loop(steps: int) -> int:
    x = 1
    for _ in range(steps):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
    return x


def test_perf_50us(perf) -> None:
    perf(loop, STEPS_50US)


def test_perf_5ms(perf) -> None:
    perf(loop, STEPS_5MS)


def test_bench_50us(benchmark) -> None:
    benchmark(loop, STEPS_50US)


def test_bench_5ms(benchmark) -> None:
    benchmark(loop, STEPS_5MS)
