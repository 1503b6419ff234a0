#!/usr/bin/env bash
# perfbudget run vs hyperfine on the same trivial command, same number of runs, in one go.
# Usage: bench/run_overhead.sh [BUILD_DIR] [RUNS]
# Prints each tool's median per-run time; the difference is the per-run cost of the tool.
set -euo pipefail
build=${1:-build}
runs=${2:-300}
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for round in 1 2 3; do   # alternate the tools, so drift hits both alike
  hyperfine -N --warmup 5 --runs "$runs" --export-json "$tmp/hf-$round.json" /bin/true >/dev/null 2>&1
  "$build/perfbudget" run --warmup 5 --runs "$runs" --json "$tmp/pb-$round.json" -- /bin/true >/dev/null
done
python3 - "$tmp" <<'PY'
import json, statistics, sys, glob
tmp = sys.argv[1]
hf = [statistics.median(json.load(open(f))["results"][0]["times"]) * 1e6 for f in sorted(glob.glob(tmp + "/hf-*.json"))]
pb = [json.load(open(f))["benchmarks"][0]["summary"]["median"] / 1e3 for f in sorted(glob.glob(tmp + "/pb-*.json"))]
print("median wall time per run of /bin/true, µs (3 alternating rounds)")
print("  hyperfine -N      :", " ".join(f"{v:7.1f}" for v in hf), f"  median {statistics.median(hf):7.1f}")
print("  perfbudget run    :", " ".join(f"{v:7.1f}" for v in pb), f"  median {statistics.median(pb):7.1f}")
print(f"  ratio perfbudget/hyperfine: {statistics.median(pb) / statistics.median(hf):.3f}")
PY
