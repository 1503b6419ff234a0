"""The spread between unchanged runs of one workload: each run's median, and the median of only
the samples measured while the machine was in that run's fast state (the interpreter probe
timed nearest in time within 1.2x of the run's fastest tenth of probes).

    python3 analyse.py out100.jsonl.gz out10us.jsonl.gz out1ms.jsonl.gz

A sample's moment is its share of the run's summed sample time; the probes came every 4 ms
between batches, so probe j stands for the j-th n-th of the run. Runs whose probe's fastest
tenth is more than 10 % above the lowest of all runs' had no fast state and are left out."""
import gzip
import json
import statistics
import sys


def fast_state(run, factor=1.2):
    probes, samples = run["probes"], run["samples"]
    n, total, elapsed, kept = len(probes), sum(samples), 0.0, []
    for x in samples:
        elapsed += x
        if probes[min(n - 1, int(elapsed / total * n))] <= factor * run["probe_p10"]:
            kept.append(x)
    return kept


for path in sys.argv[1:]:
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        runs = [json.loads(line) for line in f]
    plain = [r["median"] for r in runs]
    matched = [statistics.median(fast_state(r) or [float("nan")]) for r in runs]
    lowest = min(r["probe_p10"] for r in runs)
    keep = [i for i, r in enumerate(runs) if r["probe_p10"] <= 1.1 * lowest]

    def spread(values):
        v = [values[i] for i in keep]
        return 100 * (max(v) / min(v) - 1), 100 * statistics.pstdev(v) / statistics.mean(v)

    print(f"{path}: {len(runs)} runs, {len(keep)} with a fast state")
    print("  median of all samples:     max/min - 1 %5.1f %%, sd %4.1f %%" % spread(plain))
    print("  median in the fast state:  max/min - 1 %5.1f %%, sd %4.1f %%" % spread(matched))
    for r, a, b in zip(runs, plain, matched):
        print(f"    median {a:12.1f}   fast-state {b:12.1f}   probe p10 {r['probe_p10']:6.0f}"
              f"  median {r['probe_med']:6.0f}  p90 {r['probe_p90']:6.0f}")
