#!/bin/bash
# series.sh LABEL COUNT INTERVAL_S : unchanged (or reconfigured) ctest runs of decode_frame against baseline main
label=$1; count=$2; interval=$3
cd /tmp/ext/proj
out=/tmp/ext/results/$label; mkdir -p $out
for i in $(seq 1 $count); do
  PERFBUDGET_REGRESSION=1 PERFBUDGET_BASELINE=main ctest --test-dir build -R decode_frame -V > $out/run$i.log 2>&1
  cp build/perfbudget-results.json $out/run$i.json 2>/dev/null
  grep -E "^[0-9]+: (PASS|FAIL|WARN) decode_frame|note|machine|Passed|Failed" $out/run$i.log | head -5 | sed "s/^/$i /" >> $out/summary.txt
  sleep $interval
done
echo done >> $out/summary.txt
