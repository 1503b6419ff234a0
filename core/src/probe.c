/* SPDX-License-Identifier: MIT */
/* The machine probe: a short walk through a 64 KiB table with branches that depend on what it
 * reads, timed now and then while a benchmark is measured. Its median time is the speed the
 * machine gave code that leans on caches and branch prediction while that benchmark ran.
 *
 * Why not the reference loop of speed correction: on this project's 2-core VM, code bound by
 * memory or branches (the Python interpreter, qsort, table walks) ran 1.4-1.8x slower for
 * seconds at a time, with a full CPU share and no wait for a CPU, while a register-only loop did
 * not move (docs/statistics.md, "A machine at another speed"). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

#define PROBE_TABLE_BYTES 65536u /* beyond L1, within L2: where a busy neighbour shows */
#define PROBE_STEPS 2048
#define PROBE_CAPACITY 4096 /* at one probe per 2 ms, more than any default measurement */

struct perfbudget__probe {
    unsigned char *table;
    double *times;
    size_t count;
    double *spawn_times; /* perfbudget__probe_spawn's */
    size_t spawn_count;
};

int perfbudget__probe_new(perfbudget__probe **out) {
    perfbudget__probe *p = calloc(1, sizeof *p);
    if (p != NULL) {
        p->table = malloc(PROBE_TABLE_BYTES);
        p->times = malloc(PROBE_CAPACITY * sizeof *p->times);
        p->spawn_times = malloc(PROBE_CAPACITY * sizeof *p->spawn_times);
    }
    if (p == NULL || p->table == NULL || p->times == NULL || p->spawn_times == NULL) {
        perfbudget__probe_free(p);
        *out = NULL;
        return PERFBUDGET_ENOMEM;
    }
    uint64_t x = UINT64_C(88172645463325252); /* xorshift64: the same table in every process */
    for (size_t i = 0; i < PROBE_TABLE_BYTES; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p->table[i] = (unsigned char)x;
    }
    *out = p;
    return PERFBUDGET_OK;
}

void perfbudget__probe_free(perfbudget__probe *p) {
    if (p == NULL) return;
    free(p->table);
    free(p->times);
    free(p->spawn_times);
    free(p);
}

void perfbudget__probe_run(perfbudget__probe *p, perfbudget_context *ctx) {
    if (p == NULL || p->count == PROBE_CAPACITY) return;
    /* Bring the table back into the caches the benchmark took them from: the timed walk then
     * measures the machine, not how much memory the benchmark touched. */
    unsigned sum = 0;
    for (size_t i = 0; i < PROBE_TABLE_BYTES; i += 64) sum += p->table[i];
    PERFBUDGET_DO_NOT_OPTIMIZE(sum);
    uint64_t start = perfbudget_context_now_ns(ctx);
    /* A new path each time (the clock seeds it), so the branch predictor cannot learn it. */
    uint32_t h = (uint32_t)start;
    for (uint32_t i = 0; i < PROBE_STEPS; i++) {
        h = h * 31u + p->table[(h ^ i) & (PROBE_TABLE_BYTES - 1)];
        if (h & 1u) h += 7u;
        else h ^= h >> 3;
    }
    PERFBUDGET_DO_NOT_OPTIMIZE(h);
    p->times[p->count++] = (double)(perfbudget_context_now_ns(ctx) - start);
}

void perfbudget__probe_spawn(perfbudget__probe *p, perfbudget_context *ctx) {
    if (p == NULL || p->spawn_count == PROBE_CAPACITY) return;
    uint64_t start = perfbudget_context_now_ns(ctx);
    pid_t child = fork();
    if (child == 0) _exit(0);
    if (child < 0) return; /* no timing: a machine out of processes is not a speed */
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    p->spawn_times[p->spawn_count++] = (double)(perfbudget_context_now_ns(ctx) - start);
}

double *perfbudget__probe_sorted(const double *times, size_t n) {
    double *sorted = n < 3 ? NULL : malloc(n * sizeof *sorted);
    if (sorted == NULL) return NULL;
    memcpy(sorted, times, n * sizeof *sorted);
    perfbudget__sort(sorted, n, NULL);
    return sorted;
}

void perfbudget__probe_metrics(const perfbudget__probe *p, perfbudget_metrics *metrics) {
    metrics->probe_ns = metrics->probe_fast_ns = metrics->spawn_probe_ns = NAN;
    if (p == NULL) return;
    double *sorted = perfbudget__probe_sorted(p->times, p->count);
    if (sorted != NULL) {
        metrics->probe_ns = perfbudget__quantile_sorted(sorted, p->count, 0.5);
        metrics->probe_fast_ns = perfbudget__quantile_sorted(sorted, p->count, 0.1);
    }
    free(sorted);
    sorted = perfbudget__probe_sorted(p->spawn_times, p->spawn_count);
    if (sorted != NULL)
        metrics->spawn_probe_ns = perfbudget__quantile_sorted(sorted, p->spawn_count, 0.5);
    free(sorted);
}
