#!/usr/bin/env bash
# Faulty storage through the command line: a read-only file system, a full disk, baseline
# exports killed with SIGKILL mid-write, concurrent writers of one report, one baseline name and
# one history; outputs and histories that are device nodes, FIFOs or directories; a read-only
# history read by another user. Each write must fail with a message naming the file, or succeed
# whole; what was there before stays readable and unchanged.
# The read-only and full-disk cases mount a tmpfs, which needs root (CI runs as root): the
# script re-runs itself in a private mount namespace (unshare -m), so no mount outlives it even
# when it is killed. Without root they fall back to permission bits (read-only) or are skipped,
# saying why.
# Usage: test_storage.sh PATH_TO_PERFBUDGET
set -euo pipefail
tests_cli=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
perfbudget=$(realpath "$1")
command -v python3 >/dev/null || { echo "test_storage.sh needs python3 (it writes and checks JSON)"; exit 1; }
if [[ $(id -u) -eq 0 && ${PERFBUDGET_STORAGE_NAMESPACE:-0} != 1 ]] &&
   unshare -m --propagation private true 2>/dev/null; then
  PERFBUDGET_STORAGE_NAMESPACE=1 exec unshare -m --propagation private bash "$0" "$@"
fi
work=$(mktemp -d)
cleanup() {
  chattr -i "$work/immutable.sqlite" 2>/dev/null || true
  chmod -R u+w "$work" 2>/dev/null || true
  for mounted in "$work/ro" "$work/full"; do
    mountpoint -q "$mounted" 2>/dev/null && umount "$mounted"
  done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
source "$tests_cli/common.sh"


same() { # same FILE COPY: FILE is byte for byte COPY
  cmp -s "$1" "$2" || fail "$1 changed (it should be as before the failed write)"
}

no_temporaries() { # no_temporaries DIR [NAME]: no NAME.tmp.* (default: any) in DIR
  local left
  left=$(find "$1" -name "${2:-*}.tmp.*" | head -5)
  [[ -z $left ]] || fail "temporary files left behind in $1: $left"
}

runs_of() { # runs_of HISTORY: the number of runs, each checked to hold its benchmark
  "$perfbudget" history runs --history "$1" --last 1000 | awk 'NR > 1 { n++; if ($NF != 1) bad = 1 }
    END { if (bad) print "incomplete"; else print n + 0 }'
}

can_mount=0
if [[ $(id -u) -eq 0 ]]; then
  mkdir -p probe
  if mount -t tmpfs -o size=64k tmpfs probe 2>/dev/null; then
    umount probe
    can_mount=1
  fi
  rmdir probe
fi

# A run of 10 benchmarks x 50,000 samples (4 MB in the history, 12 MB exported).
python3 - <<'PY'
import json, random
r = random.Random(1)
benchmarks = [{"name": "b%d" % i, "status": "ok", "message": "", "unit": "ns",
               "samples": [r.uniform(1e3, 2e3) for _ in range(50000)]} for i in range(10)]
json.dump({"schema": "perfbudget-result", "schema_version": 1, "suite": "big",
           "benchmarks": benchmarks}, open("big.json", "w"))
PY

# ---- A read-only history, result file and report ------------------------------------------------
mkdir ro
if ((can_mount)); then
  mount -t tmpfs -o size=4m tmpfs ro
fi
expect 0 "recorded" -- "$perfbudget" run --name a --runs 2 --warmup 0 --history ro/h.sqlite -- true
expect 0 "recorded" -- "$perfbudget" run --name a --runs 2 --warmup 0 --history ro/h.sqlite --json ro/r.json -- true
expect 0 "" -- "$perfbudget" report --history ro/h.sqlite --output ro/report.md
cp ro/h.sqlite ro/r.json ro/report.md .
if ((can_mount)); then
  mount -o remount,ro ro
  why="Read-only file system"
  echo "read-only: a tmpfs remounted read-only"
else
  chmod a-w ro ro/*
  why="Permission denied"
  echo "read-only: by permission bits (not root: no read-only mount)"
fi
if ((can_mount)) || [[ $(id -u) -ne 0 ]]; then
  if ((can_mount)); then
    # Nothing can change a read-only file system, so SQLite reads it as immutable: trends, runs
    # and reports still work.
    expect 0 "^a +2 " -- "$perfbudget" history --history ro/h.sqlite
    expect 0 "" -- "$perfbudget" report --history ro/h.sqlite
  else
    # No write permission for anyone (chmod a-w): nobody but root writes it, so SQLite reads it
    # as immutable, without the -shm file it could not create here.
    expect 0 "^a +2 " -- "$perfbudget" history --history ro/h.sqlite
  fi
  # Writing says what and why.
  expect 2 "history ro/h.sqlite: .*it is read-only \($why\)" -- "$perfbudget" run --name a --runs 2 --warmup 0 --history ro/h.sqlite -- true
  expect 2 "history ro/h.sqlite: .*it is read-only \($why\)" -- "$perfbudget" baseline save main --history ro/h.sqlite
  expect 2 "history ro/new/h.sqlite: cannot create its directory: $why" -- "$perfbudget" run --name a --runs 2 --warmup 0 --history ro/new/h.sqlite -- true
  expect 2 "history ro/h2.sqlite: cannot create it: $why" -- "$perfbudget" run --name a --runs 2 --warmup 0 --history ro/h2.sqlite -- true
  expect 2 "cannot create ro/r.json: $why" -- "$perfbudget" run --name a --runs 2 --warmup 0 --json ro/r.json -- true
  expect 2 "cannot create ro/report.md: $why" -- "$perfbudget" report --history h.sqlite --output ro/report.md
  same ro/r.json r.json
  same ro/report.md report.md
  same ro/h.sqlite h.sqlite
else
  echo "SKIP read-only: running as root without a mount namespace, and root writes through permission bits"
fi
if ((can_mount)); then mount -o remount,rw ro; else chmod u+w ro ro/*; fi
[[ $(runs_of ro/h.sqlite) == 2 ]] || fail "the read-only history lost a run: $(runs_of ro/h.sqlite)"
expect 0 "recorded" -- "$perfbudget" run --name a --runs 2 --warmup 0 --history ro/h.sqlite -- true

# ---- An immutable history (chattr +i): root cannot write it either ----------------------------
expect 0 "recorded" -- "$perfbudget" run --name a --runs 2 --warmup 0 --history immutable.sqlite -- true
cp immutable.sqlite immutable.before
if [[ $(id -u) -eq 0 ]] && chattr +i immutable.sqlite 2>/dev/null; then
  echo "immutable: chattr +i"
  expect 0 "^a +1 " -- "$perfbudget" history --history immutable.sqlite
  expect 2 "history immutable.sqlite: recording a run: it is read-only \(Operation not permitted\)" -- "$perfbudget" run --name a --runs 2 --warmup 0 --history immutable.sqlite -- true
  chattr -i immutable.sqlite
  same immutable.sqlite immutable.before
else
  echo "SKIP immutable: chattr +i needs root and a file system with the attribute (uid $(id -u))"
fi

# ---- Outputs and histories that are not regular files --------------------------------------------
# Only a regular file or a new path is replaced (atomically); a device node or a FIFO is written
# in place and stays what it is; a directory is refused and left as it was.
expect 0 "recorded" -- "$perfbudget" run --name a --runs 2 --warmup 0 --history special.sqlite -- true
expect 0 "saved" -- "$perfbudget" baseline save s --history special.sqlite
expect 0 "" -- "$perfbudget" report --history special.sqlite --run 1 --output special.md
mkdir special
if mknod special/null c 1 3 2>/dev/null; then
  expect 0 "" -- "$perfbudget" report --history special.sqlite --output special/null
  expect 0 "recorded" -- "$perfbudget" run --name a --runs 2 --warmup 0 --history special.sqlite --json special/null -- true
  expect 0 "exported to special/null" -- "$perfbudget" baseline export s special/null --history special.sqlite
  expect 0 "" -- "$perfbudget" session open special-session
  expect 0 "" -- "$perfbudget" session close special-session --json special/null
  [[ -c special/null ]] || fail "an output to a device node replaced the node: $(ls -l special/null)"
  # A history on a device is refused before SQLite opens it, so no -journal appears beside it.
  expect 2 "history special/null is a character device" -- "$perfbudget" run --name a --runs 2 --warmup 0 --history special/null -- true
  expect 2 "history special/null is a character device" -- "$perfbudget" history --history special/null
  [[ -c special/null && ! -e special/null-journal ]] || fail "--history on a device node: $(ls special)"
else
  echo "SKIP device node: mknod is not permitted here (uid $(id -u))"
fi
mkfifo special/fifo
timeout 60 cat special/fifo > fifo.out &
reader=$!
expect 0 "" -- timeout 60 "$perfbudget" report --history special.sqlite --run 1 --output special/fifo
wait "$reader" || fail "the reader of the FIFO failed"
cmp -s fifo.out special.md || fail "the report through a FIFO differs from the report file"
[[ -p special/fifo ]] || fail "an output to a FIFO replaced it: $(ls -l special/fifo)"
ls -A special > special.before
expect 2 "cannot write special: it is a directory" -- "$perfbudget" report --history special.sqlite --output special
[[ -d special ]] && ls -A special | cmp -s - special.before || fail "--output DIR changed the directory"
no_temporaries special
no_temporaries .
# - is standard output: the JSON alone there, the note on standard error.
"$perfbudget" baseline export s - --history special.sqlite 2>/dev/null | python3 -c "import json, sys; json.load(sys.stdin)" ||
  fail "baseline export s - did not write the JSON alone to standard output"

# ---- An empty history path: SQLite's temporary database, every run lost ------------------------
expect 2 "--history needs a file name" -- "$perfbudget" run --name a --runs 2 --warmup 0 --history '' -- true
expect 2 "the history path is empty" -- "$perfbudget" history --history ''
printf 'version: 1\nsettings:\n  history: ""\n' > empty-history.yml
expect 2 "^empty-history.yml:3:12: history is empty" -- "$perfbudget" run --name a --runs 2 --warmup 0 --budget empty-history.yml -- true

# ---- A FIFO as the budget file: refused at once, not waited on ---------------------------------
mkfifo fifo.yml
expect 2 "fifo.yml: not a regular file \(a FIFO\)" -- timeout 20 "$perfbudget" validate fifo.yml
expect 2 "fifo.yml: not a regular file \(a FIFO\)" -- timeout 20 "$perfbudget" run --name a --runs 2 --budget fifo.yml -- true
mkdir fifo-budget && mkfifo fifo-budget/perfbudget.yml
expect 2 "perfbudget.yml: not a regular file \(a FIFO\)" -- bash -c "cd fifo-budget && timeout 20 '$perfbudget' history"

# ---- A read-only history of another user, read from a directory the reader cannot write ---------
# Readers leave no -wal or -shm behind: the owner's reader (it could write, so SQLite removes its
# files on closing) and another user's (nobody may write the file, so SQLite reads it as immutable).
mkdir shared-ro
expect 0 "recorded" -- "$perfbudget" run --name a --runs 2 --warmup 0 --history shared-ro/h.sqlite -- true
expect 0 "^a +1 " -- "$perfbudget" history --history shared-ro/h.sqlite
expect 0 "" -- "$perfbudget" report --history shared-ro/h.sqlite
[[ $(ls -A shared-ro) == h.sqlite ]] || fail "a reader left files beside the history: $(ls -A shared-ro)"
as_nobody=()
if [[ $(id -u) -eq 0 ]] && command -v setpriv >/dev/null; then
  as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
elif [[ $(id -u) -eq 0 ]] && command -v runuser >/dev/null; then
  as_nobody=(runuser -u nobody --)
fi
if ((${#as_nobody[@]})); then
  chmod 0444 shared-ro/h.sqlite
  chmod 0555 shared-ro
  chmod 0755 "$work"
  expect 0 "^a +1 " -- "${as_nobody[@]}" "$perfbudget" history --history shared-ro/h.sqlite
  expect 0 "passed" -- "${as_nobody[@]}" "$perfbudget" report --history shared-ro/h.sqlite
  expect 0 "no baselines yet" -- "${as_nobody[@]}" "$perfbudget" baseline list --history shared-ro/h.sqlite
  expect 2 "it is read-only" -- "${as_nobody[@]}" "$perfbudget" baseline save x --history shared-ro/h.sqlite
  [[ $(ls -A shared-ro) == h.sqlite ]] || fail "another user's reader left files: $(ls -A shared-ro)"
  chmod 0755 shared-ro
else
  echo "SKIP another user's reader: needs root and setpriv or runuser (uid $(id -u))"
fi

# ---- A full disk ---------------------------------------------------------------------------------
if ((can_mount)); then
  echo "full disk: a 512 KiB tmpfs, filled"
  mkdir full keep before
  mount -t tmpfs -o size=512k tmpfs full
  for i in 1 2 3; do
    expect 0 "recorded" -- "$perfbudget" run --name a --runs 3 --warmup 0 --history full/h.sqlite -- true
  done
  expect 0 "recorded" -- "$perfbudget" run --name a --runs 3 --warmup 0 --json full/r.json --history keep/h.sqlite -- true
  expect 0 "saved" -- "$perfbudget" baseline save main --history keep/h.sqlite
  expect 0 "exported" -- "$perfbudget" baseline export main full/base.json --history keep/h.sqlite
  expect 0 "" -- "$perfbudget" report --history keep/h.sqlite --output full/report.md
  cp full/h.sqlite full/r.json full/base.json full/report.md before/
  dd if=/dev/zero of=full/filler bs=4k status=none 2>/dev/null || true
  echo "    $(df -k full | awk 'NR == 2 { print $4 " KiB left" }')"
  # The history: the run is not recorded, the message says so, earlier runs stay.
  expect 2 "history full/h.sqlite: reading the schema version: no space left on device; the history is unchanged" -- "$perfbudget" run --name a --runs 200 --warmup 0 --history full/h.sqlite -- true
  # Result file, baseline export and report: a clear error naming the file; the old file stays.
  expect 2 "cannot write full/r.json: No space left on device" -- "$perfbudget" run --name a --runs 3 --warmup 0 --json full/r.json -- true
  expect 2 "cannot write full/base.json: No space left on device" -- "$perfbudget" baseline export main full/base.json --history keep/h.sqlite
  expect 2 "cannot write full/report.md: No space left on device" -- "$perfbudget" report --history keep/h.sqlite --output full/report.md
  same full/r.json before/r.json
  same full/base.json before/base.json
  same full/report.md before/report.md
  no_temporaries full
  rm full/filler
  # Room to open the history but not for the run: SQLite runs out of space inside the
  # transaction, which is rolled back whole.
  free_kib=$(df -k --output=avail full | tail -1)
  dd if=/dev/zero of=full/filler bs=4k count=$(((free_kib - 128) / 4)) status=none
  expect 2 "history full/h.sqlite: recording a result: no space left on device" -- "$perfbudget" baseline import big.json --name big --history full/h.sqlite
  rm full/filler
  [[ $(runs_of full/h.sqlite) == 3 ]] || fail "the history on the full disk: $(runs_of full/h.sqlite) runs, wanted 3 whole"
  if command -v sqlite3 >/dev/null; then
    check=$(sqlite3 full/h.sqlite 'PRAGMA integrity_check')
    [[ $check == ok ]] || fail "integrity_check after the full disk: $check"
  fi
  expect 0 "history: run 4 recorded" -- "$perfbudget" run --name a --runs 3 --warmup 0 --history full/h.sqlite -- true
  umount full
else
  echo "SKIP full disk: needs root to mount a small tmpfs (running as uid $(id -u))"
fi

# ---- baseline export killed with SIGKILL mid-write: the old file or the new one ---------------
expect 0 "imported 10 benchmarks" -- "$perfbudget" baseline import big.json --name big --history export.sqlite
expect 0 "recorded" -- "$perfbudget" run --name small --runs 2 --warmup 0 --history export.sqlite -- true
expect 0 "saved" -- "$perfbudget" baseline save small --history export.sqlite
expect 0 "exported" -- "$perfbudget" baseline export small exported.json --history export.sqlite
kills=0
for round in $(seq 1 12); do
  "$perfbudget" baseline export big exported.json --history export.sqlite >/dev/null &
  writer=$!
  sleep "$(awk -v r="$round" 'BEGIN { print r * 0.125 }')" # across the whole export
  kill -KILL "$writer" 2>/dev/null && kills=$((kills + 1))
  wait "$writer" 2>/dev/null || true
  python3 - <<'PY' || fail "round $round: exported.json is neither the old export nor a whole new one"
import json, sys
data = json.load(open("exported.json"))
expected = {"small": 1, "big": 10}
name = data["baseline"]["name"]
sys.exit(0 if len(data["benchmarks"]) == expected[name] else 1)
PY
done
echo "baseline export: killed $kills of 12 exports before they finished; the file was always whole"

# ---- concurrent writers: one report file, one baseline name, one history ----------------------
for round in 1 2 3; do
  pids=()
  for writer in $(seq 1 8); do
    "$perfbudget" report --history export.sqlite --run 2 --output shared.md >/dev/null 2>"err.$writer" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || fail "a concurrent report write failed: $(cat err.*)"; done
done
"$perfbudget" report --history export.sqlite --run 2 --output alone.md
same shared.md alone.md
no_temporaries . shared.md
pids=()
for writer in $(seq 1 8); do
  ( for i in 1 2 3 4 5; do
      "$perfbudget" run --name "w$writer" --runs 2 --warmup 0 --history shared.sqlite -- true >/dev/null &&
        "$perfbudget" baseline save same --history shared.sqlite >/dev/null || exit 1
    done ) &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || fail "a concurrent writer failed"; done
[[ $(runs_of shared.sqlite) == 40 ]] || fail "8 writers x 5 runs: $(runs_of shared.sqlite) runs"
expect 0 "^same +run" -- "$perfbudget" baseline list --history shared.sqlite

finish "storage"
