/* SPDX-License-Identifier: MIT */
/* Precision and recall of perfbudget_detect_steps() on synthetic series with known steps
 * (docs/history.md, "Step detection"). Each series has 100 runs, 0 to 3 steps at least 10 runs
 * apart and 5 runs from either end, each of a random size between +-10 % and +-100 % (as a ratio
 * of levels), Gaussian noise of a given relative deviation, and, in the "outliers" sets, 2 % of
 * the runs at 2x their level. A step found within 2 runs of a true one not yet matched counts
 * as found; every other step found is a false one. Seeded: the same figures on every run.
 * Run: build/bench/step_accuracy [--series N] */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <perfbudget/perfbudget.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { RUNS = 100, MAX_STEPS = 3, TOLERANCE = 2 };

static uint64_t next_random(uint64_t *state) {
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double uniform(uint64_t *state) { return ((double)(next_random(state) >> 11) + 0.5) * 0x1p-53; }

static double gaussian(uint64_t *state) {
    return sqrt(-2.0 * log(uniform(state))) * cos(6.283185307179586 * uniform(state));
}

typedef struct tally {
    size_t true_steps, found, matched;
    size_t by_size_true[3], by_size_matched[3]; /* |ratio - 1| in [10, 20), [20, 50), [50, 100] % */
} tally;

static int size_class(double ratio) {
    double pct = 100.0 * fabs(ratio > 1.0 ? ratio - 1.0 : 1.0 / ratio - 1.0);
    return pct < 20.0 ? 0 : pct < 50.0 ? 1 : 2;
}

static void run_set(perfbudget_context *ctx, size_t series_count, double noise_sd,
                    double outlier_share, uint64_t seed, tally *t) {
    memset(t, 0, sizeof *t);
    double values[RUNS];
    for (size_t s = 0; s < series_count; s++) {
        size_t positions[MAX_STEPS], steps = (size_t)(next_random(&seed) % (MAX_STEPS + 1));
        double ratios[MAX_STEPS];
        /* Positions at least 10 apart and 5 from either end, by rejection. */
        for (size_t k = 0; k < steps; k++) {
            size_t p;
            int clash;
            do {
                p = 5 + (size_t)(next_random(&seed) % (RUNS - 9));
                clash = 0;
                for (size_t j = 0; j < k; j++)
                    if ((p > positions[j] ? p - positions[j] : positions[j] - p) < 10) clash = 1;
            } while (clash);
            positions[k] = p;
            double size = 0.10 + 0.90 * uniform(&seed);
            ratios[k] = next_random(&seed) % 2 ? 1.0 + size : 1.0 / (1.0 + size);
        }
        for (size_t k = 1; k < steps; k++) /* in order of position */
            for (size_t j = k; j > 0 && positions[j - 1] > positions[j]; j--) {
                size_t p = positions[j];
                positions[j] = positions[j - 1], positions[j - 1] = p;
                double r = ratios[j];
                ratios[j] = ratios[j - 1], ratios[j - 1] = r;
            }
        double level = 1e5;
        for (size_t i = 0, k = 0; i < RUNS; i++) {
            while (k < steps && positions[k] == i) level *= ratios[k++];
            values[i] = level * exp(noise_sd * gaussian(&seed));
            if (uniform(&seed) < outlier_share) values[i] *= 2.0;
        }
        perfbudget_step found[16];
        size_t count = 0;
        perfbudget_detect_steps(ctx, values, RUNS, 5.0, 5, found, 16, &count);
        int used[MAX_STEPS] = {0};
        t->true_steps += steps;
        t->found += count;
        for (size_t k = 0; k < steps; k++) t->by_size_true[size_class(ratios[k])]++;
        for (size_t f = 0; f < count; f++)
            for (size_t k = 0; k < steps; k++) {
                size_t d = found[f].index > positions[k] ? found[f].index - positions[k]
                                                         : positions[k] - found[f].index;
                if (!used[k] && d <= TOLERANCE) {
                    used[k] = 1;
                    t->matched++;
                    t->by_size_matched[size_class(ratios[k])]++;
                    break;
                }
            }
    }
}

static double share(size_t a, size_t b) { return b ? 100.0 * (double)a / (double)b : NAN; }

int main(int argc, char **argv) {
    size_t series_count = 1000;
    for (int i = 1; i + 1 < argc; i += 2)
        if (strcmp(argv[i], "--series") == 0) series_count = strtoull(argv[i + 1], NULL, 10);
    perfbudget_context *ctx;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) return 1;
    static const struct {
        const char *name;
        double noise_sd, outlier_share;
    } sets[] = {{"2% noise", 0.02, 0.0}, {"5% noise", 0.05, 0.0},
                {"2% noise, outliers", 0.02, 0.02}, {"5% noise, outliers", 0.05, 0.02}};
    printf("%zu series of %d runs per set, 0-%d steps of 10-100 %%, found within %d runs\n",
           series_count, RUNS, MAX_STEPS, TOLERANCE);
    printf("| set | true steps | found | precision | recall | recall 10-20 %% | 20-50 %% | "
           "50-100 %% | time per series |\n|---|---|---|---|---|---|---|---|---|\n");
    for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
        tally t;
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        run_set(ctx, series_count, sets[k].noise_sd, sets[k].outlier_share, 20 + k, &t);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3;
        printf("| %s | %zu | %zu | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %.0f µs |\n",
               sets[k].name, t.true_steps, t.found, share(t.matched, t.found),
               share(t.matched, t.true_steps), share(t.by_size_matched[0], t.by_size_true[0]),
               share(t.by_size_matched[1], t.by_size_true[1]),
               share(t.by_size_matched[2], t.by_size_true[2]), us / (double)series_count);
    }
    perfbudget_context_free(ctx);
    return 0;
}
