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
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PROBE_TABLE_BYTES 65536u /* beyond L1, within L2: where a busy neighbour shows */
#define PROBE_STEPS 2048
#define PROBE_CAPACITY 4096 /* at one probe per 2 ms, more than any default measurement */

struct perfbudget__probe {
    unsigned char *table;
    double *times;
    size_t *samples_before; /* how many samples the run had when each probe was timed */
    size_t count;
};

int perfbudget__probe_new(perfbudget__probe **out) {
    perfbudget__probe *p = calloc(1, sizeof *p);
    if (p != NULL) {
        p->table = malloc(PROBE_TABLE_BYTES);
        p->times = malloc(PROBE_CAPACITY * sizeof *p->times);
        p->samples_before = malloc(PROBE_CAPACITY * sizeof *p->samples_before);
    }
    if (p == NULL || p->table == NULL || p->times == NULL || p->samples_before == NULL) {
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
    free(p->samples_before);
    free(p);
}

void perfbudget__probe_run(perfbudget__probe *p, perfbudget_context *ctx, size_t samples_before) {
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
    p->times[p->count] = (double)(perfbudget_context_now_ns(ctx) - start);
    p->samples_before[p->count++] = samples_before;
}

double perfbudget__probe_median(const perfbudget__probe *p) {
    /* Fewer than 3 timings (a measurement of a few ms) say too little about the machine. */
    if (p == NULL || p->count < 3) return NAN;
    double *sorted = malloc(p->count * sizeof *sorted);
    if (sorted == NULL) return NAN;
    memcpy(sorted, p->times, p->count * sizeof *sorted);
    perfbudget__sort(sorted, p->count, NULL);
    double median = perfbudget__quantile_sorted(sorted, p->count, 0.5);
    free(sorted);
    return median;
}

/* How closely the benchmark's samples followed the probe within the run: the machine's speed
 * changes within a run too (on this project's VM it switched between two levels about 20 %
 * apart every 50-100 ms), so the samples taken while the probe ran slow and those taken while
 * it ran fast tell how much the machine's state moves this benchmark. Code bound by registers
 * hardly moves while the probe does; the Python interpreter moves as much or more.
 *
 * Each sample gets the median of the 5 probes around it (a single 8 us probe is too noisy to
 * sort samples by: the noise would hide how much the samples follow), the samples are split
 * at the median of those figures (ties with the smaller half), and the exponent b in time ~ probe^b is the log ratio of the
 * two halves' sample medians over that of their probe medians. Returned: an upper bound, b
 * plus 3 standard errors of the samples' log ratio (from their MADs; batches in a row are not
 * independent, hence 3, not 2), at least 0. NaN when the probe moved less than 5 % between the
 * halves or a half has fewer than 8 samples: the run cannot tell. */
double perfbudget__probe_sensitivity(const perfbudget__probe *p, const double *samples, size_t n) {
    enum { AROUND = 2, MIN_HALF = 8 };
    if (p == NULL || p->count < 2 * AROUND + 1 || n < 2 * MIN_HALF) return NAN;
    double *level = malloc(n * sizeof *level);    /* the probe's figure for each sample */
    double *scratch = malloc(n * sizeof *scratch); /* sorted copies, and the halves */
    double result = NAN;
    if (level == NULL || scratch == NULL) goto done;
    size_t j = 0; /* the last probe timed before sample i */
    for (size_t i = 0; i < n; i++) {
        while (j + 1 < p->count && p->samples_before[j + 1] <= i) j++;
        size_t first = j < AROUND ? 0 : j - AROUND;
        if (first + 2 * AROUND + 1 > p->count) first = p->count - (2 * AROUND + 1);
        double window[2 * AROUND + 1];
        memcpy(window, p->times + first, sizeof window);
        perfbudget__sort(window, 2 * AROUND + 1, NULL);
        level[i] = window[AROUND];
    }
    memcpy(scratch, level, n * sizeof *scratch);
    perfbudget__sort(scratch, n, NULL);
    double split = perfbudget__quantile_sorted(scratch, n, 0.5);
    /* Figures equal to the split (a machine at two levels gives many) join the smaller half. */
    size_t below = 0, above = 0;
    for (size_t i = 0; i < n; i++) {
        below += level[i] < split;
        above += level[i] > split;
    }
    int ties_slow = above < below;
    /* Log figures of each half, for medians and MADs: probe levels, then samples. */
    double fit[2][2], spread[2];
    size_t sizes[2] = {0, 0};
    for (int half = 0; half < 2; half++) {
        for (int what = 0; what < 2; what++) {
            size_t k = 0;
            for (size_t i = 0; i < n; i++)
                if ((level[i] > split || (level[i] == split && ties_slow)) == half &&
                    samples[i] > 0.0)
                    scratch[k++] = log(what == 0 ? level[i] : samples[i]);
            sizes[half] = k;
            if (k < MIN_HALF) goto done;
            perfbudget__sort(scratch, k, NULL);
            fit[half][what] = perfbudget__quantile_sorted(scratch, k, 0.5);
            if (what == 1) {
                for (size_t i = 0; i < k; i++) scratch[i] = fabs(scratch[i] - fit[half][1]);
                perfbudget__sort(scratch, k, NULL);
                spread[half] = 1.4826 * perfbudget__quantile_sorted(scratch, k, 0.5);
            }
        }
    }
    double probe_apart = fit[1][0] - fit[0][0];
    if (probe_apart < log(1.05)) goto done;
    /* The standard error of a median: 1.2533 sigma / sqrt(n). */
    double error = 1.2533 * sqrt(spread[0] * spread[0] / (double)sizes[0] +
                                 spread[1] * spread[1] / (double)sizes[1]);
    result = fmax(0.0, (fit[1][1] - fit[0][1] + 3.0 * error) / probe_apart);
done:
    free(level);
    free(scratch);
    return result;
}
