#!/usr/bin/env bash
# Hostile input end to end: benchmark names built to reach a shell, escape a directory, inject
# SQL, drive a terminal or run script in a report; and result files that are damaged or lie.
# Names must never reach a shell, files made from them stay in their directory, the history
# keeps them exactly, the terminal sees them escaped, and every report format stays
# well-formed. Bad result files are input errors (exit 2) with a message, never a crash.
# Usage: test_hostile.sh PATH_TO_PERFBUDGET
set -euo pipefail
perfbudget=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/in"
cd "$work/in"
failures=0
fail() { echo "FAILED: $*"; failures=$((failures + 1)); }

# One name per line in names.txt is impossible (newlines), so the names live in a NUL-separated
# file that python reads back for the comparisons.
names=(
  '$(touch pwned-dollar)'
  '`touch pwned-backtick`'
  'a; touch pwned-semicolon && echo'
  "quotes ' and \" and \\ backslash"
  '../../escaped'
  '/absolute/path'
  '..'
  $'two\nlines'
  $'csi \x1b[2J\x1b[31mred osc \x1b]0;title\x07 bel'
  $'c1 \xc2\x9b31m control'
  '<script>alert(1)</script>'
  "x'); DROP TABLE runs;--"
  '| md | pipe |'
  'comma, "quoted", csv'
  'µs ünïcödé ✓'
  '=HYPERLINK("http://example.invalid/?"&A1,"csv formula")'
  '+cmd|'"'"'/C calc'"'"'!A0'
  '-2+3+cmd'
  '@SUM(A1:A9)'
  $'\tTAB=1+1'
  '-3.5'
  $'bidi \xe2\x80\xae override'
)
printf '%s\0' "${names[@]}" > ../names.bin

"$perfbudget" session open sess > /dev/null
for name in "${names[@]}"; do
  status=0
  "$perfbudget" run --name "$name" --runs 2 --warmup 0 --history h.sqlite --session sess \
    -- true > run.txt 2>&1 || status=$?
  [[ $status -eq 0 ]] || { fail "run --name $(printf %q "$name"): exit $status"; cat run.txt; }
  cat run.txt >> terminal.txt
done
"$perfbudget" session close sess --json all.json --history h.sqlite --report report.md \
  --report report.html --report report.csv > close.txt 2>&1 || fail "session close: $(cat close.txt)"
cat close.txt >> terminal.txt
"$perfbudget" history --history h.sqlite >> terminal.txt 2>&1 || fail "history failed"
"$perfbudget" check all.json >> terminal.txt 2>&1 || fail "check all.json failed"
"$perfbudget" report --format json --history h.sqlite > history.json || fail "report json failed"
"$perfbudget" baseline save hostile --history h.sqlite > /dev/null || fail "baseline save failed"
"$perfbudget" baseline export hostile exported.json --history h.sqlite > /dev/null ||
  fail "baseline export failed"
"$perfbudget" baseline import exported.json --history again.sqlite > /dev/null ||
  fail "baseline import failed"
"$perfbudget" report --format json --history again.sqlite > again.json || fail "report again failed"
# What else prints names: a report to the terminal (its title too), baseline save, list and an
# import whose default name comes from the file's name.
"$perfbudget" report --history h.sqlite --title $'title \x1b]0;retitled\x07 \x1b[2J' \
  >> terminal.txt 2>&1 || fail "report to the terminal failed"
"$perfbudget" report --format csv --history h.sqlite > history.csv || fail "report csv failed"
"$perfbudget" baseline save $'saved \x1b[31m\nname' --history h.sqlite >> terminal.txt 2>&1 ||
  fail "baseline save of a hostile name failed"
cp exported.json $'from file \x1b]0;t\x07.json'
"$perfbudget" baseline import $'from file \x1b]0;t\x07.json' --history h.sqlite \
  >> terminal.txt 2>&1 || fail "baseline import by a hostile file name failed"
"$perfbudget" baseline list --history h.sqlite > list.txt 2>&1 || fail "baseline list failed"
cat list.txt >> terminal.txt
grep -qF 'saved \x1b[31m\nname' list.txt || fail "baseline list does not show a name escaped"
grep -qF 'from file \x1b]0;t\x07 ' list.txt || fail "an imported file's name is not escaped"
grep -qF '### title \x1b]0;retitled\x07 \x1b[2J: ' terminal.txt || fail "--title is not escaped"

# A name that is not UTF-8 is refused at entry with the offset of its first bad byte, before
# the command runs, and the history stays readable.
status=0
"$perfbudget" run --name $'bad\xff name' --history h.sqlite -- touch ran > out.txt 2>&1 || status=$?
[[ $status -eq 2 && ! -e ran ]] && grep -qF "benchmark name 'bad\xff name' is not valid UTF-8: byte 0xff at byte offset 3" out.txt ||
  fail "run --name with a byte that is not UTF-8: exit $status, $(cat out.txt)"
cp exported.json $'bad\xfe.json'
status=0
"$perfbudget" baseline import $'bad\xfe.json' --history h.sqlite > out.txt 2>&1 || status=$?
[[ $status -eq 2 ]] && grep -qF "baseline name 'bad\xfe' is not valid UTF-8: byte 0xfe at byte offset 3 (give one with --name)" out.txt ||
  fail "import with a default name that is not UTF-8: exit $status, $(cat out.txt)"
status=0
"$perfbudget" baseline save $'b\xc3' --history h.sqlite > out.txt 2>&1 || status=$?
[[ $status -eq 2 ]] && grep -qF "byte 0xc3 at byte offset 1" out.txt ||
  fail "baseline save with a name that is not UTF-8: exit $status, $(cat out.txt)"
"$perfbudget" report --format json --history h.sqlite > /dev/null || fail "the history is unreadable"
echo "ok: names that are not UTF-8 refused with their byte offset"

# A 100 KB name makes its own row long, not every row: the name column stops at 60 columns.
long=$(head -c 100000 /dev/zero | tr '\0' x)
for name in short "$long"; do
  "$perfbudget" run --name "$name" --runs 2 --warmup 0 --history long.sqlite -- true > /dev/null ||
    fail "run --name of $(printf %.20s "$name"): failed"
done
"$perfbudget" history --history long.sqlite > long.txt 2>&1 || fail "history of the long name failed"
short_row=$(grep '^short ' long.txt | head -1)
[[ -n $short_row && ${#short_row} -lt 200 ]] ||
  fail "perfbudget history: the short name's row is ${#short_row} characters long"
grep -q "^$long " long.txt || fail "perfbudget history: the long name is not shown whole"
echo "ok: with a 100 KB name, the other rows stay ${#short_row} characters long"

# No name reached a shell.
pwned=$(find "$work" / -maxdepth 1 -name 'pwned-*' 2>/dev/null || true)
[[ -z $pwned ]] || fail "a name was run by a shell: $pwned"

# Files derived from names: plain names, all inside the session directory, nothing outside.
outside=$(cd "$work" && find . -path ./in -prune -o -type f ! -name names.bin -print)
[[ -z $outside ]] || fail "files escaped the working directory: $outside"
[[ ! -e /absolute/path && ! -e "$work/escaped" ]] || fail "a name made a file outside"
count=$(find sess -type f | wc -l)
odd=$(find sess -mindepth 1 \( -type d -o ! -name '*.json' \) -print; find sess -type f -name '*[^A-Za-z0-9._-]*' -print)
[[ -z $odd ]] || fail "session files with odd names or places: $odd"
# shellcheck disable=SC2012
echo "ok: ${#names[@]} hostile names, $count session files, e.g. $(ls sess | head -3 | tr '\n' ' ')"

# The terminal never saw a control character: ESC, BEL, C1 and newlines inside names arrive
# escaped, and each verdict is one line.
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]\|\xc2[\x80-\x9f]' terminal.txt; then
  fail "control characters reached the terminal:"
  LC_ALL=C grep -n $'[\x01-\x08\x0b-\x1f\x7f]\|\xc2[\x80-\x9f]' terminal.txt | cat -A | head -5
fi
grep -qF 'PASS csi \x1b[2J\x1b[31mred osc \x1b]0;title\x07 bel: ' terminal.txt ||
  fail "the ESC sequences are not shown escaped"
grep -qF 'PASS two\nlines: ' terminal.txt || fail "a newline in a name is not shown as \\n"
grep -qF 'PASS c1 \u009b31m control: ' terminal.txt || fail "a C1 control is not shown escaped"

# Every format keeps every name exactly (JSON, the history through SQLite, a baseline export
# and import) or well-formed (CSV, Markdown, HTML).
python3 - ../names.bin <<'PY' || fail "the formats do not keep the names (see above)"
import csv, html.parser, json, sys

names = open(sys.argv[1], "rb").read().decode().split("\0")[:-1]
problems = []

def same(what, got):
    if sorted(got) != sorted(names):
        problems.append(f"{what}: {sorted(set(names) ^ set(got))!r} differ")

def shown(name):
    """The one rule for text formats: control characters, DEL, C1 and bidirectional overrides
    shown as text."""
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    out = ""
    for ch in name:
        code = ord(ch)
        if ch in named:
            out += named[ch]
        elif code < 0x20 or code == 0x7f:
            out += f"\\x{code:02x}"
        elif 0x80 <= code <= 0x9f or 0x2028 <= code <= 0x202e or 0x2066 <= code <= 0x2069:
            out += f"\\u{code:04x}"
        else:
            out += ch
    return out

def csv_cell(name):
    """OWASP: a text cell a spreadsheet would take for a formula starts with '."""
    formula = name[:1] in ("=", "+", "-", "@", "\t", "\r")
    try:
        float(name)
        formula = False  # a plain number, never a formula
    except ValueError:
        pass
    return ("'" if formula else "") + shown(name)

same("session result file", [b["name"] for b in json.load(open("all.json"))["benchmarks"]])
same("history", [b["name"] for b in json.load(open("history.json"))["benchmarks"]])
same("exported baseline", [b["name"] for b in json.load(open("exported.json"))["benchmarks"]])
same("imported baseline", [b["name"] for b in json.load(open("again.json"))["benchmarks"]])

for report in ("report.csv", "history.csv"):
    rows = list(csv.reader(open(report, newline="")))
    width = {len(row) for row in rows}
    if len(width) != 1:
        problems.append(f"{report}: rows of different widths {width}")
    got = sorted({row[0] for row in rows[1:]})  # one row per figure
    if got != sorted(csv_cell(name) for name in names):
        problems.append(f"{report}: {set(got) ^ set(csv_cell(name) for name in names)!r} differ")
    for row in rows[1:]:
        for figure in (row[2], row[5], row[6]):  # value, baseline, change_pct: numbers
            try:
                float(figure or "0")
            except ValueError:
                problems.append(f"{report}: figure {figure!r} is not a plain number")
    raw = open(report, "rb").read()
    if any(byte < 0x20 and byte not in (0x0a, 0x0d) for byte in raw) or b"\xc2\x9b" in raw:
        problems.append(f"{report}: raw control characters")

lines = open("report.md").read().splitlines()
# the summary table; the folded resources table after it has a row per benchmark as well
resources = next((i for i, line in enumerate(lines) if "resources per iteration</summary>" in line),
                 len(lines))
table = [line for line in lines[:resources] if line.startswith("|")]
if resources < len(lines):
    resource_rows = [line for line in lines[resources:] if line.startswith("|")]
    if len(resource_rows) != len(names) + 2:
        problems.append(f"Markdown resources: {len(resource_rows)} table lines for {len(names)} names")
cells = {len(line.replace("\\|", "").split("|")) for line in table}
if len(table) != len(names) + 2 or len(cells) != 1:
    problems.append(f"Markdown: {len(table)} table lines for {len(names)} names, cells {cells}")
if "<script>" in open("report.md").read():
    problems.append("Markdown: a raw <script> tag")

class Scripts(html.parser.HTMLParser):
    found = []
    def handle_starttag(self, tag, attrs):
        self.current = tag
    def handle_data(self, data):
        if getattr(self, "current", None) == "script" and "alert(1)" in data:
            self.found.append(data)

page = open("report.html").read()
parser = Scripts()
parser.feed(page)
if parser.found or "<script>alert(1)</script>" in page:
    problems.append("HTML: the name's <script> is live")
if "&lt;script&gt;alert(1)&lt;/script&gt;" not in page:
    problems.append("HTML: the name is not shown escaped")

for problem in problems:
    print("   ", problem)
sys.exit(1 if problems else 0)
PY

# ---- damaged or lying result files: exit 2 and a message naming the problem ----
bad() { # bad NAME PATTERN [CONTENT]: check, report --input and baseline import all refuse
  local name=$1 pattern=$2 # NAME.json (CONTENT, if given)
  [[ $# -lt 3 ]] || printf '%s' "$3" > "$name.json"
  local command status
  for command in "check $name.json" "report --input $name.json --format md" \
                 "baseline import $name.json --history bad.sqlite"; do
    status=0
    # shellcheck disable=SC2086
    "$perfbudget" $command > out.txt 2>&1 || status=$?
    if [[ $status -ne 2 ]] || ! grep -qE -- "$pattern" out.txt; then
      fail "$command: exit $status (want 2), output lacks /$pattern/:"
      head -c 2000 out.txt | sed 's/^/    /'
    fi
  done
}
head='"schema": "perfbudget-result", "schema_version": 1, "benchmarks": '
bad truncated "truncated.json:1:[0-9]+: .*(expected|end of file)" "{$head[{\"name\": \"a\", \"samples\": [1, 2"
bad nan "nan.json:1:[0-9]+: .*invalid token near 'NaN'" "{$head[{\"name\": \"a\", \"samples\": [NaN]}]}"
bad infinity "invalid token near 'Infinity'" "{$head[{\"name\": \"a\", \"samples\": [1, Infinity]}]}"
bad overflow "real number overflow" "{$head[{\"name\": \"a\", \"samples\": [1e999]}]}"
bad string_sample "benchmark 'a': sample 1 is not a number" "{$head[{\"name\": \"a\", \"samples\": [1, \"2\"]}]}"
bad name_number "benchmark 0 needs a \"name\" string" "{$head[{\"name\": 5, \"samples\": [1]}]}"
bad samples_object "needs a \"name\" string and a \"samples\" array" "{$head[{\"name\": \"a\", \"samples\": {}}]}"
bad negative_rounds "metrics.rounds must be a whole number >= 0" "{$head[{\"name\": \"a\", \"samples\": [1], \"metrics\": {\"rounds\": -5}}]}"
bad string_memory "metrics.peak_rss_bytes must be a number >= 0" "{$head[{\"name\": \"a\", \"samples\": [1], \"metrics\": {\"peak_rss_bytes\": \"1GB\"}}]}"
bad status_number "unknown status" "{$head[{\"name\": \"a\", \"samples\": [1], \"status\": 1}]}"
bad benchmarks_object "not a perfbudget result file|benchmarks" "{$head{}}"
bad top_array "not a perfbudget result file|benchmarks" "[1, 2, 3]"
bad deep "maximum parsing depth" "$(printf '%*s' 100000 '' | tr ' ' '[')"
bad empty "" ""
printf '\x00\xff\xfe garbage' > binary.json
bad binary ""
# A huge file loads (2,000,000 samples, 10 MB) or, short of memory, is refused with a message.
python3 -c "
import json
print(json.dumps({'schema': 'perfbudget-result', 'schema_version': 1,
                  'benchmarks': [{'name': 'huge', 'samples': [1.0 + i % 7 for i in range(2000000)]}]}))" > huge.json
status=0
"$perfbudget" check huge.json > out.txt 2>&1 || status=$?
[[ $status -eq 0 ]] && grep -q "2000000 samples" out.txt || fail "2,000,000 samples: exit $status, $(head -c 500 out.txt)"
# Short of memory (120 MB of address space: not enough here): a message, never a crash.
# Sanitizer runtimes reserve terabytes of address space, so no limit for them.
# (clang links their runtime statically, gcc dynamically: look for it in the binary itself).
if ! grep -qa '__asan_init\|__tsan_init\|__msan_init' "$perfbudget"; then
  status=0
  (ulimit -v 120000; "$perfbudget" check huge.json) > out.txt 2>&1 || status=$?
  if [[ $status -ne 0 && ( $status -ne 2 || -z $(grep "out of memory" out.txt) ) ]]; then
    fail "2,000,000 samples in 120 MB of address space: exit $status, $(head -c 500 out.txt)"
  fi
  echo "ok: 2,000,000 samples (10 MB) within 120 MB of address space: exit $status, $(head -1 out.txt)"
fi
if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all hostile-input checks passed"
