/* SPDX-License-Identifier: MIT */
/* The machine's speed states, seen by four kinds of code timed in turns (bench/machine_states.py
 * flicker): the example's adler32 (examples/c) over 64 KiB (in L2) and over 4 KiB (in L1) four
 * times, perfbudget's probe walk (core/src/probe.c) and a register-only xorshift chain. Prints,
 * per window of 40 turns (about 1.5 ms), the median time of each in ns, one line per window. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "checksum.h" /* examples/c: the adler32 of the example's benchmarks */

enum { TURNS = 40, KINDS = 4 };

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* The probe's walk (core/src/probe.c): 2,048 steps through a 64 KiB table, on a new path each
 * time, branching on what it reads. The caller brings the table back into the caches first. */
static uint32_t walk(const unsigned char *table, uint32_t seed) {
    uint32_t h = seed;
    for (uint32_t i = 0; i < 2048; i++) {
        h = h * 31u + table[(h ^ i) & 65535u];
        if (h & 1u) h += 7u;
        else h ^= h >> 3;
    }
    return h;
}

static uint64_t xorshift(uint64_t x, int steps) {
    for (int i = 0; i < steps; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static volatile uint64_t sink;

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 20.0;
    unsigned char *large = malloc(65536), *small = malloc(4096), *table = malloc(65536);
    if (large == NULL || small == NULL || table == NULL) return 1;
    for (size_t i = 0; i < 65536; i++) large[i] = (unsigned char)rand(), table[i] = (unsigned char)rand();
    for (size_t i = 0; i < 4096; i++) small[i] = (unsigned char)rand();
    uint64_t end = now_ns() + (uint64_t)(seconds * 1e9);
    while (now_ns() < end) {
        double t[KINDS][TURNS];
        for (int k = 0; k < TURNS; k++) {
            uint64_t t0 = now_ns();
            sink = checksum_adler32(1, large, 65536);
            uint64_t t1 = now_ns();
            for (int r = 0; r < 4; r++) sink = checksum_adler32(1, small, 4096);
            uint64_t t2 = now_ns();
            for (size_t i = 0; i < 65536; i += 64) sink += table[i];
            uint64_t t3 = now_ns();
            sink = walk(table, (uint32_t)t3);
            uint64_t t4 = now_ns();
            sink = xorshift(t4, 3000);
            uint64_t t5 = now_ns();
            t[0][k] = (double)(t1 - t0), t[1][k] = (double)(t2 - t1);
            t[2][k] = (double)(t4 - t3), t[3][k] = (double)(t5 - t4);
        }
        for (int j = 0; j < KINDS; j++) qsort(t[j], TURNS, sizeof t[j][0], by_value);
        printf("%.0f %.0f %.0f %.0f\n", t[0][TURNS / 2], t[1][TURNS / 2], t[2][TURNS / 2],
               t[3][TURNS / 2]);
    }
    free(large);
    free(small);
    free(table);
    return 0;
}
