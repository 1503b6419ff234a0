#!/bin/bash
# One unchanged detection workload (bench/detection.py's PYTHON_TEST) measured N times, one pytest
# process each, with every interpreter-probe timing kept beside the result's samples.
#
#   PYTHON=build/peers/venv/bin/python PLUGIN=$PWD/pytest_plugin \
#       bash bench/results/ab-2026-12-07/state-matched-offline/run.sh KIND STEPS N OUT.jsonl
#
# KIND STEPS: scan 70 (about 100 ns a call), loop 150 (10 us), loop 15000 (1 ms). Each line of
# OUT: the run's median, its probe's p10/median/p90, the samples and the probe timings in order.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
out=$(realpath -m "$4")
project=$(mktemp -d)
trap 'rm -rf "$project"' EXIT
cp "$here/conftest.py" "$project/"
python3 -c "import sys; sys.path.insert(0, '$root/bench'); import detection
open('$project/test_work.py', 'w').write(detection.PYTHON_TEST.replace('TOOL', 'perf'))"
printf 'version: 1\ndefaults:\n  min_time: 0.5s\n  max_time: 0.5s\n' >"$project/perfbudget.yml"
cd "$project"
for _ in $(seq 1 "$3"); do
  rm -f probes.txt
  PROBE_DUMP=$project/probes.txt PYTHONPATH=$PLUGIN PEERS_WORK_STEPS=$2 PEERS_WORK_KIND=$1 \
    PYTHONHASHSEED=0 PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 "$PYTHON" -m pytest -q -p no:cacheprovider \
    --rootdir . -p perfbudget.plugin --perf-json r.json --perf-history h.sqlite >/dev/null 2>&1
  python3 - >>"$out" <<'EOF'
import json, statistics
b = json.load(open("r.json"))["benchmarks"][0]
probes = json.loads(open("probes.txt").readline())
p = sorted(probes)
n = len(p)
print(json.dumps({"median": b["summary"]["median"], "probe_med": statistics.median(p),
                  "probe_p10": p[n // 10], "probe_p90": p[9 * n // 10],
                  "slow_frac": sum(x > 1.2 * p[n // 10] for x in p) / n, "n_probe": n,
                  "samples": b["samples"], "probes": probes}))
EOF
done
