# SPDX-License-Identifier: MIT
"""perfbudget.summarize against numpy for the same figures (issue 24), in one run, taking turns.

Each round times, on the same 1,000,000 samples held in a Python list:
  perfbudget   perfbudget.summarize(samples): min, max, mean, stddev, the six quantiles, MAD,
               IQR, the Tukey outlier counts and the median's confidence interval;
  numpy        np.asarray(samples), then min, max, mean, std(ddof=1), np.percentile at the six
               quantiles, MAD (a second median) and the outlier counts: the same figures but the
               interval, list conversion included as for perfbudget.
Prints the median of ROUNDS rounds of each and their ratio, in wall and in CPU time (the
process's, which other load on the machine changes less).

Run from a worktree whose cffi extension is built in place:
  PYTHONPATH=pytest_plugin python3 bench/summarize_scale.py [--samples N] [--rounds N]
"""
import argparse
import random
import statistics
import time

import numpy as np

import perfbudget


def numpy_figures(samples):
    a = np.asarray(samples, dtype=np.float64)
    p25, p50, p75, p90, p95, p99 = np.percentile(a, [25, 50, 75, 90, 95, 99])
    iqr = p75 - p25
    return (a.min(), a.max(), a.mean(), a.std(ddof=1), p25, p50, p75, p90, p95, p99,
            np.median(np.abs(a - p50)), int((a < p25 - 1.5 * iqr).sum()),
            int((a > p75 + 1.5 * iqr).sum()))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(24)
    samples = [1000.0 * rng.lognormvariate(0.0, 0.1) for _ in range(args.samples)]
    mine, theirs, mine_cpu, theirs_cpu = [], [], [], []
    s = perfbudget.summarize(samples)
    figures = numpy_figures(samples)
    assert abs(s.median - figures[5]) <= 1e-9 * abs(figures[5]), (s.median, figures[5])
    assert abs(s.p99 - figures[9]) <= 1e-9 * abs(figures[9]), (s.p99, figures[9])
    assert abs(s.mad - figures[10]) <= 1e-9 * abs(figures[10]), (s.mad, figures[10])
    for _ in range(args.rounds):
        t0, c0 = time.perf_counter(), time.process_time()
        perfbudget.summarize(samples)
        t1, c1 = time.perf_counter(), time.process_time()
        numpy_figures(samples)
        t2, c2 = time.perf_counter(), time.process_time()
        mine.append(t1 - t0)
        theirs.append(t2 - t1)
        mine_cpu.append(c1 - c0)
        theirs_cpu.append(c2 - c1)
    print(f"{args.samples:,} samples, {args.rounds} rounds taking turns, medians (min .. max):")
    for clock, a_values, b_values in (("wall", mine, theirs), ("CPU", mine_cpu, theirs_cpu)):
        a, b = statistics.median(a_values), statistics.median(b_values)
        print(f"  perfbudget.summarize, {clock:4}  {1e3 * a:8.1f} ms  "
              f"({1e3 * min(a_values):.1f} .. {1e3 * max(a_values):.1f})")
        print(f"  numpy, same figures, {clock:4}  {1e3 * b:8.1f} ms  "
              f"({1e3 * min(b_values):.1f} .. {1e3 * max(b_values):.1f})")
        print(f"  ratio perfbudget / numpy, {clock}: {a / b:.2f}")


if __name__ == "__main__":
    main()
