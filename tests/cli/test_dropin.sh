#!/usr/bin/env bash
# Suites moving over from Google Benchmark and pytest-benchmark (issue 19): one Google Benchmark
# executable's several benchmarks under CTest, cpu_time judged, and pytest-benchmark's and
# Google Benchmark's files imported as baselines with the environment and commit they name.
# Budgets are far from the figures in the files, so nothing depends on this machine's speed.
# Usage: test_dropin.sh PATH_TO_PERFBUDGET
set -euo pipefail
perfbudget=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
failed() { echo "FAILED: $*"; failures=$((failures + 1)); }

# A Google Benchmark file: BM_fast passes its budget, BM_slow fails it on real_time (5.1 us) but
# not on cpu_time (810 ns); BM_agg was reported as aggregates only.
cat > gb.json <<'JSON'
{"context": {"host_name": "a-host-that-is-not-this-one", "num_cpus": 64},
 "benchmarks": [
  {"name": "BM_fast", "run_name": "BM_fast", "run_type": "iteration", "repetitions": 2,
   "iterations": 100, "real_time": 100, "cpu_time": 90, "time_unit": "ns"},
  {"name": "BM_fast", "run_name": "BM_fast", "run_type": "iteration", "repetitions": 2,
   "iterations": 100, "real_time": 110, "cpu_time": 95, "time_unit": "ns"},
  {"name": "BM_fast_mean", "run_name": "BM_fast", "run_type": "aggregate",
   "aggregate_name": "mean", "iterations": 2, "real_time": 105, "cpu_time": 92, "time_unit": "ns"},
  {"name": "BM_slow", "run_name": "BM_slow", "run_type": "iteration", "repetitions": 2,
   "iterations": 100, "real_time": 5000, "cpu_time": 800, "time_unit": "ns"},
  {"name": "BM_slow", "run_name": "BM_slow", "run_type": "iteration", "repetitions": 2,
   "iterations": 100, "real_time": 5200, "cpu_time": 820, "time_unit": "ns"},
  {"name": "BM_agg_median", "run_name": "BM_agg", "run_type": "aggregate",
   "aggregate_name": "median", "iterations": 3, "real_time": 40, "cpu_time": 39, "time_unit": "ns"},
  {"name": "BM_agg_stddev", "run_name": "BM_agg", "run_type": "aggregate",
   "aggregate_name": "stddev", "iterations": 3, "real_time": 2, "cpu_time": 2, "time_unit": "ns"}
 ]}
JSON
cat > b.yml <<'YAML'
version: 1
budgets:
  BM_fast: {latency: {median: 1ms}}
  BM_slow: {latency: {median: 1us}}
  BM_agg: {latency: {median: 1ms}}
YAML

status=0
"$perfbudget" run --ctest --name gb --budget b.yml --history h.sqlite --format google-benchmark \
  -- cat gb.json > real.txt 2>&1 || status=$?
[[ $status -eq 1 ]] || failed "a failing benchmark: exit $status, wanted 1"
# The verdict first: CTest shows the first line.
[[ $(head -n 1 real.txt) == "FAIL BM_slow: median 5.10 µs > 1 µs budget" ]] ||
  failed "the first line is not the failure: $(head -n 1 real.txt)"
# Each measurement name once, named after its benchmark.
names=$(grep -o '<CTestMeasurement type="numeric/double" name="[^"]*"' real.txt | sort)
[[ -z $(uniq -d <<<"$names") ]] || failed "duplicate measurement names: $(uniq -d <<<"$names")"
grep -q 'name="BM_slow.median_ns">5100<' real.txt || failed "no BM_slow.median_ns 5100"
grep -q 'name="BM_agg.median_ns">40<' real.txt || failed "BM_agg (aggregates only) has no median 40"
grep -q '^PASS BM_agg: ' real.txt || failed "BM_agg, reported as aggregates only, not judged"

status=0
"$perfbudget" run --ctest --name gb --budget b.yml --history h.sqlite --format google-benchmark \
  --time cpu -- cat gb.json > cpu.txt 2>&1 || status=$?
[[ $status -eq 0 ]] || failed "--time cpu: exit $status, wanted 0 (cpu_time 810 ns <= 1 us)"
grep -q 'name="BM_slow.median_ns">810<' cpu.txt || failed "--time cpu did not judge cpu_time"
status=0
"$perfbudget" run --time cpu -- true > misuse.txt 2>&1 || status=$?
[[ $status -eq 2 ]] && grep -q -- "--time cpu needs --format google-benchmark" misuse.txt ||
  failed "--time cpu without --format google-benchmark: exit $status, $(cat misuse.txt)"

# pytest-benchmark's saved file: the environment from machine_info, the commit from commit_info.
cat > 0001_pb.json <<'JSON'
{"machine_info": {"node": "ci-box", "machine": "x86_64", "python_implementation": "CPython",
                  "python_version": "3.11.7", "release": "6.1.0", "system": "Linux",
                  "cpu": {"brand_raw": "Some CPU", "count": 8}},
 "commit_info": {"id": "abcdef0123456789abcdef0123456789abcdef01", "dirty": true,
                 "branch": "feature"},
 "benchmarks": [{"name": "test_a", "fullname": "t.py::test_a",
                 "stats": {"median": 1e-6, "data": [1e-6, 1.1e-6, 0.9e-6], "iterations": 1}}]}
JSON
"$perfbudget" baseline import 0001_pb.json --history pb.sqlite > import.txt ||
  failed "baseline import of a pytest-benchmark file"
runs=$("$perfbudget" history runs --history pb.sqlite)
grep -qE "import +abcdef012345 +feature .*uncommitted" <<<"$runs" ||
  failed "the commit and branch of commit_info were not kept: $runs"
"$perfbudget" baseline export 0001_pb exported.json --history pb.sqlite > /dev/null
grep -q '"environment": "host=ci-box; cpu=Some CPU; cores=8; os=Linux 6.1.0 x86_64; toolchain=CPython 3.11.7"' exported.json ||
  failed "the environment of machine_info was not kept: $(grep environment exported.json)"
# Outside a repository pytest-benchmark writes "unversioned" and "(unknown)": no commit, no branch.
sed -e 's/"abcdef0123456789abcdef0123456789abcdef01"/"unversioned"/' \
    -e 's/"feature"/"(unknown)"/' 0001_pb.json > 0002_pb.json
"$perfbudget" baseline import 0002_pb.json --history pb.sqlite > /dev/null || failed "import of 0002"
"$perfbudget" history runs --history pb.sqlite | grep -qE "import +- +- " ||
  failed "unversioned was kept as a commit: $("$perfbudget" history runs --history pb.sqlite)"
# Google Benchmark's context from another host: its own environment, not this machine's.
"$perfbudget" baseline import gb.json --history pb.sqlite > /dev/null || failed "import of gb.json"
"$perfbudget" baseline export gb gb-exported.json --history pb.sqlite > /dev/null
grep -q '"environment": "host=a-host-that-is-not-this-one; cpu=unknown; cores=64' gb-exported.json ||
  failed "the environment of a Google Benchmark context: $(grep environment gb-exported.json)"

if [[ $failures -ne 0 ]]; then
  echo "$failures failed"
  exit 1
fi
echo "test_dropin.sh: all passed"
