/* SPDX-License-Identifier: MIT */
/* perfbudget's own hot paths, measured with its own C benchmark API:
 *   summarize_1m       summarizing one million samples (target: well under 100 ms)
 *   budget_parse_10k   parsing and validating a budget file of 10,000 entries (target: < 50 ms)
 *   budget_resolve_10k resolving all 10,000 names against that file
 * Run: build/bench/core_benchmarks [--filter NAME] */
#include <perfbudget/perfbudget.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SAMPLES = 1000000, ENTRIES = 10000 };

typedef struct fixture {
    perfbudget_context *ctx;
    double *samples;
    char *budget_text;
    size_t budget_size;
    perfbudget_budget *budget;
    char (*names)[48];
} fixture;

static int setup(perfbudget_state *state) {
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL || perfbudget_context_new(&f->ctx) != PERFBUDGET_OK) return -1;
    f->samples = malloc(SAMPLES * sizeof *f->samples);
    f->budget_text = malloc((size_t)ENTRIES * 160 + 256);
    f->names = malloc(ENTRIES * sizeof *f->names);
    if (f->samples == NULL || f->budget_text == NULL || f->names == NULL) return -1;
    uint64_t x = 88172645463325252u;
    for (size_t i = 0; i < SAMPLES; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        f->samples[i] = 1000.0 + (double)(x % 100000) / 100.0;
    }
    char *p = f->budget_text;
    p += sprintf(p, "version: 1\ndefaults:\n  regression: {threshold: 5%%}\nbudgets:\n");
    for (int i = 0; i < ENTRIES; i++) {
        snprintf(f->names[i], sizeof f->names[i], "suite_%d::bench_%05d", i % 17, i);
        if (i % 100 == 0) /* a glob every hundred entries */
            p += sprintf(p, "  \"suite_%d::glob_%05d*\":\n    latency: {p95: 2ms}\n", i % 17, i);
        else
            p += sprintf(p,
                         "  %s:\n    latency: {p95: %dus, p99: {warn: 3ms, fail: 4ms}}\n"
                         "    memory: 64MB\n",
                         f->names[i], 100 + i % 900);
    }
    f->budget_size = (size_t)(p - f->budget_text);
    if (perfbudget_budget_new_from_text(f->ctx, f->budget_text, f->budget_size, "bench.yml",
                                        &f->budget, NULL, 0, NULL) != PERFBUDGET_OK)
        return -1;
    perfbudget_state_set_userdata(state, f);
    return 0;
}

static void teardown(perfbudget_state *state) {
    fixture *f = perfbudget_state_userdata(state);
    perfbudget_budget_free(f->budget);
    perfbudget_context_free(f->ctx);
    free(f->samples);
    free(f->budget_text);
    free(f->names);
    free(f);
}

static void bench_summarize(perfbudget_state *state) {
    fixture *f = perfbudget_state_userdata(state);
    perfbudget_summary s;
    while (perfbudget_loop(state)) {
        if (perfbudget_summarize(f->ctx, f->samples, SAMPLES, &s) != PERFBUDGET_OK)
            perfbudget_state_fail(state, perfbudget_errmsg(f->ctx));
        PERFBUDGET_DO_NOT_OPTIMIZE(s);
    }
}

static void bench_parse(perfbudget_state *state) {
    fixture *f = perfbudget_state_userdata(state);
    while (perfbudget_loop(state)) {
        perfbudget_budget *budget = NULL;
        if (perfbudget_budget_new_from_text(f->ctx, f->budget_text, f->budget_size, "bench.yml",
                                            &budget, NULL, 0, NULL) != PERFBUDGET_OK)
            perfbudget_state_fail(state, perfbudget_errmsg(f->ctx));
        perfbudget_budget_free(budget);
    }
}

static void bench_resolve(perfbudget_state *state) {
    fixture *f = perfbudget_state_userdata(state);
    while (perfbudget_loop(state)) {
        perfbudget_effective_budget e = {.struct_size = sizeof e};
        for (int i = 0; i < ENTRIES; i++) {
            perfbudget_budget_resolve(f->budget, f->names[i], &e);
            PERFBUDGET_DO_NOT_OPTIMIZE(e);
        }
    }
}

static const perfbudget_benchmark_def benchmarks[] = {
    {.name = "summarize_1m", .run = bench_summarize, .setup = setup, .teardown = teardown},
    {.name = "budget_parse_10k", .run = bench_parse, .setup = setup, .teardown = teardown},
    {.name = "budget_resolve_10k", .run = bench_resolve, .setup = setup, .teardown = teardown},
};

int main(int argc, char **argv) {
    return perfbudget_main(argc, argv, "perfbudget_core", benchmarks,
                           sizeof benchmarks / sizeof benchmarks[0]);
}
