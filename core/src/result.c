/* SPDX-License-Identifier: MIT */
/* Result files: benchmark results as versioned JSON (docs/formats.md). */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

enum { RESULT_SCHEMA_VERSION = 1 };

/* JSON has no NaN or infinity: an unavailable figure is null. */
static json_t *number(double value) { return isfinite(value) ? json_real(value) : json_null(); }

static json_t *summary_json(const perfbudget_summary *s) {
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
                     "s:I, s:I, s:o, s:o, s:o}",
                     "n", (json_int_t)s->n, "min", number(s->min), "max", number(s->max), "mean",
                     number(s->mean), "stddev", number(s->stddev), "median", number(s->median),
                     "mad", number(s->mad), "iqr", number(s->iqr), "p25", number(s->p25), "p50",
                     number(s->p50), "p75", number(s->p75), "p90", number(s->p90), "p95",
                     number(s->p95), "p99", number(s->p99), "outliers_low",
                     (json_int_t)s->outliers_low, "outliers_high", (json_int_t)s->outliers_high,
                     "median_ci_low", number(s->median_ci_low), "median_ci_high",
                     number(s->median_ci_high), "median_ci_level", number(s->median_ci_level));
}

static json_t *metrics_json(const perfbudget_metrics *m) {
    return json_pack(
        "{s:I, s:I, s:I, s:b, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
        "s:o}",
        "iterations_per_sample", (json_int_t)m->iterations_per_sample, "rounds",
        (json_int_t)m->rounds, "total_iterations", (json_int_t)m->total_iterations,
        "time_capped", m->time_capped, "wall_ns", number(m->wall_ns), "cpu_ns_per_iteration",
        number(m->cpu_ns_per_iteration), "cpu_utilization", number(m->cpu_utilization),
        "peak_rss_bytes", number(m->peak_rss_bytes), "peak_rss_reset", m->peak_rss_reset,
        "memory_growth_bytes", number(m->memory_growth_bytes),
        "memory_growth_per_iteration_bytes", number(m->memory_growth_per_iteration_bytes),
        "memory_growth_stderr_bytes", number(m->memory_growth_stderr_bytes),
        "instructions_per_iteration", number(m->instructions_per_iteration),
        "cycles_per_iteration", number(m->cycles_per_iteration), "items_per_second",
        number(m->items_per_second), "bytes_per_second", number(m->bytes_per_second),
        "clock_overhead_ns", number(m->clock_overhead_ns), "clock_resolution_ns",
        number(m->clock_resolution_ns));
}

static const char *status_name(perfbudget_run_status status) {
    return status == PERFBUDGET_RUN_OK ? "ok" : status == PERFBUDGET_RUN_SKIPPED ? "skipped"
                                                                                : "failed";
}

/* Verdicts against the budget, when the result was judged; null otherwise. */
static json_t *budget_json(const perfbudget_result *r) {
    const perfbudget_limit_verdict *verdicts;
    size_t count = perfbudget_result_verdicts(r, &verdicts);
    const char *entry = perfbudget_result_budget_entry(r);
    if (count == 0 && entry == NULL) return json_null();
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < count; i++) {
        const perfbudget_limit_verdict *v = &verdicts[i];
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:s}", "metric",
                            v->limit->name, "status", perfbudget_limit_status_name(v->status),
                            "kind", perfbudget_quantity_kind_name(v->limit->kind), "measured",
                            number(v->measured), "warn", number(v->limit->warn), "fail",
                            number(v->limit->fail), "allowed", number(v->allowed),
                            "higher_is_better", v->limit->higher_is_better, "text", v->text));
    }
    return json_pack("{s:s?, s:o}", "entry", entry, "verdicts", list);
}

static json_t *result_json(const perfbudget_result *r) {
    size_t count;
    const double *samples = perfbudget_result_samples(r, &count);
    json_t *array = json_array();
    for (size_t i = 0; array != NULL && i < count; i++) json_array_append_new(array, number(samples[i]));
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:o}", "name",
                     perfbudget_result_name(r), "status",
                     status_name(perfbudget_result_status(r)), "message",
                     perfbudget_result_message(r), "unit", "ns", "samples", array, "summary",
                     summary_json(perfbudget_result_summary(r)), "metrics",
                     metrics_json(perfbudget_result_metrics(r)), "counters_note",
                     perfbudget_result_counters_note(r), "budget", budget_json(r));
}

int perfbudget_results_write_json(perfbudget_context *ctx, const char *path,
                                  const char *suite_name, perfbudget_result *const *results,
                                  size_t count) {
    if (path == NULL || suite_name == NULL || (results == NULL && count > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "write_json: NULL argument");
    char created[32];
    time_t now = time(NULL);
    struct tm utc;
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &utc));
    json_t *benchmarks = json_array();
    for (size_t i = 0; benchmarks != NULL && i < count; i++)
        if (json_array_append_new(benchmarks, result_json(results[i])) != 0) {
            json_decref(benchmarks);
            benchmarks = NULL;
        }
    json_t *root = json_pack("{s:s, s:i, s:s, s:s, s:s, s:o*, s:o}", "schema", "perfbudget-result",
                             "schema_version", RESULT_SCHEMA_VERSION, "perfbudget_version",
                             perfbudget_version(), "created", created, "suite", suite_name,
                             "environment", perfbudget__environment_json(), "benchmarks",
                             benchmarks);
    char *text = root ? json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(root);
    if (text == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM,
                                "cannot encode results as JSON (out of memory or invalid UTF-8 "
                                "in a name)");
    int status = perfbudget__write_file_atomic(ctx, path, text, strlen(text));
    free(text);
    return status;
}
