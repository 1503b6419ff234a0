#!/bin/bash
cd /tmp/ext/proj && rm -rf .perfbudget
for i in 1 2 3 4 5 6 7 8; do ctest --test-dir build -L performance > /dev/null 2>&1; sleep 10; done
best=$(python3 - <<'P'
import sqlite3, json
c=sqlite3.connect('.perfbudget/history.sqlite')
rows=list(c.execute("select r.run_id, r.median, r.metrics from results r join benchmarks b on b.id=r.benchmark_id where b.name='decode_frame' and r.run_id>=4 order by r.median"))
print(rows[0][0])
P
)
/tmp/ext/prefix/bin/perfbudget baseline save main --run $best
python3 - <<'P'
import sqlite3, json
c=sqlite3.connect('.perfbudget/history.sqlite')
for rid, med, m in c.execute("select r.run_id, r.median, r.metrics from results r join benchmarks b on b.id=r.benchmark_id where b.name='decode_frame' order by r.run_id"):
    m=json.loads(m); print(rid, round(med/1e3,1), m.get('probe_ns'), m.get('spawn_probe_ns'))
P
