#!/usr/bin/env python3
"""Would a power estimated from the history help? For each test of each set and each ordered
pair of runs, the power by which the test's run medians followed the interpreter probe's run
medians is fitted (least squares on the logs, clamped to 0..2) over every run of the set but the
one judged (the history), and the pair's change is divided by the probes' ratio to that power.
Prints the share of pairs of unchanged runs beyond +-5 % raw, so corrected, and corrected with
the power 1 for every test. Not what the judge does: the next step's evidence.

    python3 history_power.py set1 set2 set3      # the folders of pairs/*.tar.gz
"""

from __future__ import annotations

import glob
import itertools
import json
import math
import statistics
import sys


def share_beyond(changes: list[float], limit: float = 0.05) -> float:
    return sum(abs(math.expm1(c)) > limit for c in changes) / len(changes)


for folder in sys.argv[1:]:
    runs = [{b["name"]: b for b in json.load(open(f))["benchmarks"]}
            for f in sorted(glob.glob(f"{folder}/r*.json"))]
    for name in runs[0]:
        level = [math.log(statistics.median(r[name]["samples"])) for r in runs]
        probe = [math.log(statistics.median(r[name]["probe_samples"])) for r in runs]
        raw, fitted, unit = [], [], []
        for a, b in itertools.permutations(range(len(runs)), 2):
            history = [i for i in range(len(runs)) if i != b]
            xs, ys = [probe[i] for i in history], [level[i] for i in history]
            mx, my = statistics.mean(xs), statistics.mean(ys)
            sxx = sum((x - mx) ** 2 for x in xs)
            power = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx > 1e-6 else 0.0
            power = min(max(power, 0.0), 2.0)
            change, ratio = level[b] - level[a], probe[b] - probe[a]
            raw.append(change)
            fitted.append(change - power * ratio)
            unit.append(change - ratio)
        print(f"{folder} {name.split('::')[1]:26} beyond 5 %: raw {100 * share_beyond(raw):3.0f} %"
              f"  fitted power {100 * share_beyond(fitted):3.0f} %"
              f"  power 1 {100 * share_beyond(unit):3.0f} %")
