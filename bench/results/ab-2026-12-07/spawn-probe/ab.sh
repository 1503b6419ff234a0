#!/bin/bash
# alternate the sparse (installed) and dense (build-dev) spawn probes: N pairs
cd /tmp/ext/proj; out=/tmp/ext/ab; rm -rf $out; mkdir -p $out
for i in $(seq 1 $1); do
  /tmp/ext/prefix/bin/perfbudget run --runs 20 --warmup 1 --history /tmp/ext/ab/h1.sqlite --json $out/sparse$i.json -- build/decoder 4096 > /dev/null 2>&1
  /work/main/build-dev/perfbudget run --runs 20 --warmup 1 --history /tmp/ext/ab/h2.sqlite --json $out/dense$i.json -- build/decoder 4096 > /dev/null 2>&1
  sleep 2
done
echo done > $out/done
