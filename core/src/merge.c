/* SPDX-License-Identifier: MIT */
/* One result from the same benchmark measured in several processes (pytest's --perf-processes,
 * PROCESSES in CTest): what every front end pools, in one place. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The figures of perfbudget_metrics kept as doubles, and how processes combine them: totals
 * over the measured iterations are summed, the rest is the median over processes. */
static const struct {
    size_t offset;
    int summed;
} double_figures[] = {
    {offsetof(perfbudget_metrics, wall_ns), 1},
    {offsetof(perfbudget_metrics, cpu_ns_per_iteration), 0},
    {offsetof(perfbudget_metrics, cpu_utilization), 0},
    {offsetof(perfbudget_metrics, peak_rss_bytes), 0},
    {offsetof(perfbudget_metrics, memory_growth_bytes), 0},
    {offsetof(perfbudget_metrics, memory_growth_per_iteration_bytes), 0},
    {offsetof(perfbudget_metrics, memory_growth_stderr_bytes), 0},
    {offsetof(perfbudget_metrics, instructions_per_iteration), 0},
    {offsetof(perfbudget_metrics, cycles_per_iteration), 0},
    {offsetof(perfbudget_metrics, items_per_second), 0},
    {offsetof(perfbudget_metrics, bytes_per_second), 0},
    {offsetof(perfbudget_metrics, clock_overhead_ns), 0},
    {offsetof(perfbudget_metrics, clock_resolution_ns), 0},
    {offsetof(perfbudget_metrics, reference_ns), 0},
    {offsetof(perfbudget_metrics, involuntary_switches), 1},
    {offsetof(perfbudget_metrics, voluntary_switches), 1},
    {offsetof(perfbudget_metrics, runqueue_wait_ns), 1},
    {offsetof(perfbudget_metrics, probe_ns), 0},
    {offsetof(perfbudget_metrics, first_call_ns), 0},
    {offsetof(perfbudget_metrics, io_read_bytes), 1},
    {offsetof(perfbudget_metrics, io_write_bytes), 1},
    {offsetof(perfbudget_metrics, minor_faults), 1},
    {offsetof(perfbudget_metrics, major_faults), 1},
    {offsetof(perfbudget_metrics, energy_joules), 1},
    {offsetof(perfbudget_metrics, gc_collections), 1},
    {offsetof(perfbudget_metrics, gc_time_ns), 1},
    {offsetof(perfbudget_metrics, allocations_per_call), 0},
    {offsetof(perfbudget_metrics, probe_fast_ns), 0},
    {offsetof(perfbudget_metrics, spawn_probe_ns), 0},
    {offsetof(perfbudget_metrics, interpreter_probe_ns), 0},
};
enum { DOUBLE_FIGURES = sizeof double_figures / sizeof *double_figures };

/* The base unit of each quantity kind, for perfbudget_result_add_metric. */
static const char *base_unit(perfbudget_quantity_kind kind) {
    switch (kind) {
    case PERFBUDGET_QUANTITY_DURATION: return "ns";
    case PERFBUDGET_QUANTITY_SIZE: return "B";
    case PERFBUDGET_QUANTITY_PERCENT: return "%";
    case PERFBUDGET_QUANTITY_RATE: return "/s";
    case PERFBUDGET_QUANTITY_BYTE_RATE: return "B/s";
    case PERFBUDGET_QUANTITY_NUMBER: break;
    }
    return "";
}

/* The median of n values (n > 0; values is reordered); NaN when out of memory. */
static double median_of(perfbudget_context *ctx, const double *values, size_t n) {
    perfbudget_summary summary;
    return perfbudget_summarize(ctx, values, n, &summary) == PERFBUDGET_OK ? summary.median : NAN;
}

/* The merged metrics: each known (non-NaN) double figure summed or the median over the
 * processes that have it; counts of rounds and iterations summed, the other counts the median
 * (truncated). scratch holds count doubles. */
static void merge_metrics(perfbudget_context *ctx, const perfbudget_result *const *runs,
                          size_t count, double *scratch, perfbudget_metrics *out) {
    perfbudget_metrics_init(out);
    for (size_t f = 0; f < DOUBLE_FIGURES; f++) {
        size_t known = 0;
        double sum = 0;
        for (size_t i = 0; i < count; i++) {
            const char *m = (const char *)perfbudget_result_metrics(runs[i]);
            double value;
            memcpy(&value, m + double_figures[f].offset, sizeof value);
            if (!isnan(value)) scratch[known++] = value, sum += value;
        }
        if (known == 0) continue;
        double merged = double_figures[f].summed ? sum : median_of(ctx, scratch, known);
        memcpy((char *)out + double_figures[f].offset, &merged, sizeof merged);
    }
    uint64_t rounds = 0, iterations = 0;
    for (size_t i = 0; i < count; i++) {
        rounds += perfbudget_result_metrics(runs[i])->rounds;
        iterations += perfbudget_result_metrics(runs[i])->total_iterations;
    }
    out->rounds = rounds;
    out->total_iterations = iterations;
    for (size_t i = 0; i < count; i++)
        scratch[i] = (double)perfbudget_result_metrics(runs[i])->iterations_per_sample;
    out->iterations_per_sample = (uint64_t)median_of(ctx, scratch, count);
    for (size_t i = 0; i < count; i++)
        scratch[i] = perfbudget_result_metrics(runs[i])->time_capped;
    out->time_capped = (int)median_of(ctx, scratch, count);
    for (size_t i = 0; i < count; i++)
        scratch[i] = perfbudget_result_metrics(runs[i])->peak_rss_reset;
    out->peak_rss_reset = (int)median_of(ctx, scratch, count);
    out->compared_statistic = perfbudget_result_metrics(runs[0])->compared_statistic;
}

typedef const double *(*parallel_getter)(const perfbudget_result *, size_t *);

/* A per-sample array (the CPU or probe samples) pooled in process order, into *out: NULL when
 * a process lacks it. Returns 0, or -1 when out of memory. */
static int pool_parallel(const perfbudget_result *const *runs, size_t count, size_t total,
                         parallel_getter get, double **out) {
    *out = NULL;
    for (size_t i = 0; i < count; i++) {
        size_t k, parallel_k;
        perfbudget_result_samples(runs[i], &k);
        get(runs[i], &parallel_k);
        if (parallel_k != k) return 0;
    }
    if ((*out = malloc((total ? total : 1) * sizeof **out)) == NULL) return -1;
    size_t at = 0;
    for (size_t i = 0; i < count; i++) {
        size_t k;
        const double *part = get(runs[i], &k);
        if (k > 0) memcpy(*out + at, part, k * sizeof *part);
        at += k;
    }
    return 0;
}

/* The pooled samples (and CPU and probe samples, when every process has them) in process
 * order. */
static int pool_samples(perfbudget_context *ctx, const perfbudget_result *const *runs,
                        size_t count, double **samples, double **cpu, double **probes,
                        size_t *total) {
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        size_t k;
        perfbudget_result_samples(runs[i], &k);
        n += k;
    }
    *total = n;
    if (pool_parallel(runs, count, n, perfbudget_result_samples, samples) != 0 ||
        pool_parallel(runs, count, n, perfbudget_result_cpu_samples, cpu) != 0 ||
        pool_parallel(runs, count, n, perfbudget_result_probe_samples, probes) != 0)
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "results_merge: out of memory");
    return PERFBUDGET_OK;
}

/* runs[0]'s custom metrics, each the median over the processes that recorded it. */
static int merge_custom_metrics(perfbudget_context *ctx, const perfbudget_result *const *runs,
                                size_t count, double *scratch, perfbudget_result *merged) {
    int code = PERFBUDGET_OK;
    for (size_t m = 0; code == PERFBUDGET_OK && m < perfbudget_result_metric_count(runs[0]); m++) {
        const char *name;
        perfbudget_quantity_kind kind;
        int higher;
        perfbudget_result_metric_at(runs[0], m, &name, NULL, &kind, &higher);
        size_t known = 0;
        for (size_t i = 0; i < count; i++)
            for (size_t j = 0; j < perfbudget_result_metric_count(runs[i]); j++) {
                const char *other;
                double value;
                perfbudget_result_metric_at(runs[i], j, &other, &value, NULL, NULL);
                if (strcmp(other, name) == 0) {
                    scratch[known++] = value;
                    break;
                }
            }
        code = perfbudget_result_add_metric(ctx, merged, name, median_of(ctx, scratch, known),
                                            base_unit(kind), higher);
    }
    return code;
}

/* What the spread between processes is judged by (judge.c): each process's median. */
static int add_process_medians(perfbudget_context *ctx, const perfbudget_result *const *runs,
                               size_t count, perfbudget_result *merged) {
    int code = PERFBUDGET_OK;
    for (size_t i = 0; code == PERFBUDGET_OK && i < count; i++) {
        size_t k;
        perfbudget_result_samples(runs[i], &k);
        if (k == 0) continue;
        char name[40];
        snprintf(name, sizeof name, "process_median_%zu", i + 1);
        code = perfbudget_result_add_metric(ctx, merged, name,
                                            perfbudget_result_summary(runs[i])->median, "ns", 0);
    }
    return code;
}

/* The first process that failed or was skipped: the merged result says so too. */
static void take_status(const perfbudget_result *const *runs, size_t count,
                        perfbudget_run_status *status, const char **message) {
    *status = PERFBUDGET_RUN_OK;
    *message = "";
    for (size_t i = 0; i < count; i++)
        if (perfbudget_result_status(runs[i]) != PERFBUDGET_RUN_OK) {
            *status = perfbudget_result_status(runs[i]);
            *message = perfbudget_result_message(runs[i]);
            return;
        }
}

int perfbudget_result_new_merged(perfbudget_context *ctx, const char *name,
                                 const perfbudget_result *const *runs, size_t count,
                                 perfbudget_result **out) {
    if (out == NULL || runs == NULL || count == 0)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "results_merge: no results to merge");
    *out = NULL;
    for (size_t i = 0; i < count; i++)
        if (runs[i] == NULL)
            return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "results_merge: NULL result");
    if (name == NULL) name = perfbudget_result_name(runs[0]);
    double *samples = NULL, *cpu = NULL, *probes = NULL;
    double *scratch = malloc(count * sizeof *scratch);
    size_t total = 0;
    int code = scratch == NULL
                   ? perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "results_merge: out of memory")
                   : pool_samples(ctx, runs, count, &samples, &cpu, &probes, &total);
    perfbudget_result *merged = NULL;
    if (code == PERFBUDGET_OK) {
        perfbudget_metrics metrics;
        merge_metrics(ctx, runs, count, scratch, &metrics);
        perfbudget_run_status status;
        const char *message;
        take_status(runs, count, &status, &message);
        code = perfbudget_result_new(ctx, name, samples, total, &metrics, status, message,
                                     &merged);
    }
    if (code == PERFBUDGET_OK && cpu != NULL)
        code = perfbudget_result_set_cpu_samples(ctx, merged, cpu, total);
    if (code == PERFBUDGET_OK && probes != NULL)
        code = perfbudget_result_set_probe_samples(ctx, merged, probes, total);
    if (code == PERFBUDGET_OK) code = merge_custom_metrics(ctx, runs, count, scratch, merged);
    if (code == PERFBUDGET_OK) code = add_process_medians(ctx, runs, count, merged);
    for (size_t i = 0; code == PERFBUDGET_OK && i < count; i++) {
        size_t stages;
        perfbudget_result_stages(runs[i], &stages);
        if (stages > 0) { /* one process's stages: a timeline has one origin */
            code = perfbudget_result_copy_stages(ctx, merged, runs[i]);
            break;
        }
    }
    /* The code measured and the way it was measured are the same in every process. */
    if (code == PERFBUDGET_OK) code = perfbudget_result_set_identity(merged, perfbudget_result_identity(runs[0]));
    if (code == PERFBUDGET_OK) code = perfbudget_result_set_mode(merged, perfbudget_result_mode(runs[0]));
    free(samples), free(cpu), free(probes), free(scratch);
    if (code != PERFBUDGET_OK) {
        perfbudget_result_free(merged);
        return code;
    }
    *out = merged;
    return PERFBUDGET_OK;
}
