/* SPDX-License-Identifier: MIT */
/* bench/harness_floor: a call of fixed cost for comparing pytest-benchmark's and perfbudget's
 * readings at 2 to 8 us (docs/performance.md, "Migrating a real pytest-benchmark suite"). Run:
 *   cc -O2 -shared -fPIC -o bench/harness_floor/libspin.so bench/harness_floor/spin.c
 *   python3 -m pytest bench/harness_floor -p no:cacheprovider -q
 * with pytest-benchmark and perfbudget both installed; each test appends its figures to
 * floor.jsonl or truth.jsonl beside it. */
/* A call of known cost: n turns of a loop the compiler must keep, about a cycle each. */
void spin(long n) {
    for (long i = 0; i < n; i++) __asm__ volatile("");
}
