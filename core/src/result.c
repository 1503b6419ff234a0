/* SPDX-License-Identifier: MIT */
/* Result files: benchmark results as versioned JSON (docs/formats.md). */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

enum { RESULT_SCHEMA_VERSION = 1 };

/* The resource figures (docs/budgets.md, "Resources"): written only where known, so that
 * files stay as they were elsewhere and a missing one, as in older files, reads as NaN (n/a). */
static const struct {
    const char *name;
    size_t offset;
} resource_figures[] = {
    {"io_read_bytes", offsetof(perfbudget_metrics, io_read_bytes)},
    {"io_write_bytes", offsetof(perfbudget_metrics, io_write_bytes)},
    {"minor_faults", offsetof(perfbudget_metrics, minor_faults)},
    {"major_faults", offsetof(perfbudget_metrics, major_faults)},
    {"energy_joules", offsetof(perfbudget_metrics, energy_joules)},
    {"gc_collections", offsetof(perfbudget_metrics, gc_collections)},
    {"gc_time_ns", offsetof(perfbudget_metrics, gc_time_ns)},
    {"allocations_per_call", offsetof(perfbudget_metrics, allocations_per_call)}};
enum { RESOURCE_FIGURES = sizeof resource_figures / sizeof *resource_figures };

static double *resource_figure(perfbudget_metrics *m, size_t i) {
    return (double *)(void *)((char *)m + resource_figures[i].offset);
}
static double resource_value(const perfbudget_metrics *m, size_t i) {
    return *(const double *)(const void *)((const char *)m + resource_figures[i].offset);
}

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

/* JSON integers are signed 64-bit: a larger count (an imported file's sum of iterations) is
 * written as the largest one, never as a negative number no reader would take back. */
static json_int_t count(uint64_t value) {
    return value > (uint64_t)INT64_MAX ? (json_int_t)INT64_MAX : (json_int_t)value;
}

const char *perfbudget__metrics_problem(const perfbudget_metrics *m, char *buf, size_t size) {
    const struct {
        const char *name;
        double value;
    } figures[] = {{"wall_ns", m->wall_ns},
                   {"cpu_ns_per_iteration", m->cpu_ns_per_iteration},
                   {"cpu_utilization", m->cpu_utilization},
                   {"peak_rss_bytes", m->peak_rss_bytes},
                   {"instructions_per_iteration", m->instructions_per_iteration},
                   {"cycles_per_iteration", m->cycles_per_iteration},
                   {"items_per_second", m->items_per_second},
                   {"bytes_per_second", m->bytes_per_second},
                   {"involuntary_switches", m->involuntary_switches},
                   {"voluntary_switches", m->voluntary_switches},
                   {"runqueue_wait_ns", m->runqueue_wait_ns},
                   {"probe_ns", m->probe_ns},
                   {"probe_fast_ns", m->probe_fast_ns},
                   {"spawn_probe_ns", m->spawn_probe_ns},
                   {"interpreter_probe_ns", m->interpreter_probe_ns},
                   {"first_call_ns", m->first_call_ns}};
    for (size_t i = 0; i < sizeof figures / sizeof *figures; i++)
        if (figures[i].value < 0) { /* NaN (unavailable) compares false */
            snprintf(buf, size, "%s must not be negative (%g)", figures[i].name, figures[i].value);
            return buf;
        }
    for (size_t i = 0; i < RESOURCE_FIGURES; i++) {
        double value = resource_value(m, i);
        if (value < 0) {
            snprintf(buf, size, "%s must not be negative (%g)", resource_figures[i].name, value);
            return buf;
        }
    }
    if (m->compared_statistic != -1 &&
        perfbudget_statistic_name((perfbudget_statistic)m->compared_statistic) == NULL) {
        snprintf(buf, size, "compared_statistic %d is neither -1 nor a perfbudget_statistic",
                 m->compared_statistic);
        return buf;
    }
    return NULL;
}

json_t *perfbudget__metrics_json(const perfbudget_metrics *m) {
    json_t *object = json_pack(
        "{s:I, s:I, s:I, s:b, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
        "s:o}",
        "iterations_per_sample", count(m->iterations_per_sample), "rounds", count(m->rounds),
        "total_iterations", count(m->total_iterations),
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
    /* Only results measured with speed correction carry it, so other files stay as they were. */
    if (object != NULL && isfinite(m->reference_ns))
        json_object_set_new(object, "reference_ns", json_real(m->reference_ns));
    if (object != NULL) {
        json_object_set_new(object, "involuntary_switches", number(m->involuntary_switches));
        json_object_set_new(object, "voluntary_switches", number(m->voluntary_switches));
        json_object_set_new(object, "runqueue_wait_ns", number(m->runqueue_wait_ns));
        json_object_set_new(object, "probe_ns", number(m->probe_ns));
        /* Only where the first call was timed apart, so other files stay as they were. */
        if (isfinite(m->first_call_ns))
            json_object_set_new(object, "first_call_ns", json_real(m->first_call_ns));
        if (isfinite(m->probe_fast_ns))
            json_object_set_new(object, "probe_fast_ns", json_real(m->probe_fast_ns));
        if (isfinite(m->spawn_probe_ns)) /* commands' only */
            json_object_set_new(object, "spawn_probe_ns", json_real(m->spawn_probe_ns));
        if (isfinite(m->interpreter_probe_ns)) /* the Python front end's only */
            json_object_set_new(object, "interpreter_probe_ns",
                                json_real(m->interpreter_probe_ns));
        /* Only where the front end chose one, so other files stay as they were. */
        perfbudget_statistic compared = (perfbudget_statistic)m->compared_statistic;
        const char *statistic = perfbudget_statistic_name(compared);
        if (m->compared_statistic >= 0 && statistic != NULL)
            json_object_set_new(object, "compared_statistic", json_string(statistic));
        for (size_t i = 0; i < RESOURCE_FIGURES; i++) {
            double value = resource_value(m, i);
            if (isfinite(value))
                json_object_set_new(object, resource_figures[i].name, json_real(value));
        }
    }
    return object;
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
    const char *link, *advice = perfbudget_result_advice(r, &link);
    return json_pack("{s:s?, s:o, s:s?, s:s?, s:s}", "entry", entry, "verdicts", list, "advice",
                     advice, "link", link, "fail_on",
                     perfbudget_fail_on_name(perfbudget_result_fail_on(r)));
}

json_t *perfbudget__custom_metrics_json(const perfbudget_result *r) {
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < perfbudget_result_metric_count(r); i++) {
        const char *name;
        double value;
        perfbudget_quantity_kind kind;
        int higher;
        perfbudget_result_metric_at(r, i, &name, &value, &kind, &higher);
        json_array_append_new(list, json_pack("{s:s, s:o, s:s, s:b}", "name", name, "value",
                                              number(value), "kind",
                                              perfbudget_quantity_kind_name(kind),
                                              "higher_is_better", higher));
    }
    return list;
}

/* Comparisons of metrics with the baseline kept with the result. */
static json_t *comparisons_json(const perfbudget_result *r) {
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < perfbudget_result_comparison_count(r); i++) {
        const char *metric;
        const perfbudget_comparison *c;
        perfbudget_result_comparison_at(r, i, &metric, NULL, &c);
        json_t *item = json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:b}", "metric", metric,
                                 "baseline", number(c->baseline_value), "current",
                                 number(c->current_value), "change_pct", number(c->change_pct),
                                 "p_value", number(c->p_value), "run_spread_pct",
                                 number(c->run_spread_pct), "outcome",
                                 perfbudget_outcome_name(c->outcome), "severity",
                                 perfbudget_severity_name(c->severity), "regressed", c->regressed);
        if (item != NULL && isfinite(c->speed_correction_pct) && c->speed_correction_pct != 0.0)
            json_object_set_new(item, "speed_correction_pct", json_real(c->speed_correction_pct));
        /* The rest of the verdict record: what the change stood against. */
        if (item != NULL) {
            json_object_set_new(item, "ci_low_pct", number(c->ci_low_pct));
            json_object_set_new(item, "ci_high_pct", number(c->ci_high_pct));
            json_object_set_new(item, "resolvable_pct", number(c->resolvable_pct));
            json_object_set_new(item, "threshold_pct", number(c->threshold_pct));
            json_object_set_new(item, "critical_pct", number(c->critical_pct));
            json_object_set_new(item, "significant", json_boolean(c->significant));
        }
        json_array_append_new(list, item);
    }
    return list;
}

/* The notes of the verdict record. */
static json_t *notes_json(const perfbudget_result *r) {
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < perfbudget_result_note_count(r); i++) {
        perfbudget_note_kind kind;
        const char *text = perfbudget_result_note_at(r, i, &kind);
        json_array_append_new(list, json_pack("{s:s, s:s}", "kind", perfbudget_note_kind_name(kind),
                                              "text", text));
    }
    return list;
}

/* A sweep's fit kept with this result, or NULL. */
static json_t *complexity_json(const perfbudget_result *r) {
    perfbudget_complexity_fit fit;
    perfbudget_complexity_verdict verdict;
    if (!perfbudget_result_complexity(r, &fit, &verdict)) return NULL;
    return json_pack("{s:s, s:o, s:o, s:I, s:s, s:s?, s:o, s:b, s:s}", "class",
                     perfbudget_complexity_name(fit.complexity), "coefficient",
                     number(fit.coefficient), "rms", number(fit.rms), "points", (json_int_t)fit.n,
                     "status", perfbudget_limit_status_name(verdict.status), "allowed",
                     verdict.allowed != PERFBUDGET_COMPLEXITY_NONE
                         ? perfbudget_complexity_name(verdict.allowed)
                         : NULL,
                     "change_pct", number(verdict.change_pct), "regressed", verdict.regressed,
                     "text", verdict.text);
}

/* The fit read back; 0, or -1 when it is malformed. */
static int complexity_from_json(perfbudget_result *r, const json_t *object) {
    if (object == NULL) return 0;
    perfbudget_complexity_fit fit = {0};
    perfbudget_complexity_verdict verdict;
    memset(&verdict, 0, sizeof verdict);
    verdict.change_pct = verdict.threshold_pct = NAN;
    const char *name = json_string_value(json_object_get(object, "class"));
    const char *allowed = json_string_value(json_object_get(object, "allowed"));
    const char *status = json_string_value(json_object_get(object, "status"));
    const char *text = json_string_value(json_object_get(object, "text"));
    perfbudget_complexity parsed;
    if (name == NULL || perfbudget_complexity_parse(NULL, name, &parsed) != PERFBUDGET_OK)
        return -1;
    fit.complexity = parsed;
    fit.coefficient = json_number_value(json_object_get(object, "coefficient"));
    fit.rms = json_is_number(json_object_get(object, "rms"))
                  ? json_number_value(json_object_get(object, "rms"))
                  : NAN;
    json_int_t points = json_integer_value(json_object_get(object, "points"));
    fit.n = points > 0 ? (size_t)points : 0;
    if (allowed != NULL) {
        if (perfbudget_complexity_parse(NULL, allowed, &parsed) != PERFBUDGET_OK) return -1;
        verdict.allowed = parsed;
    }
    verdict.status = status != NULL && strcmp(status, "fail") == 0 ? PERFBUDGET_LIMIT_FAIL
                                                                  : PERFBUDGET_LIMIT_PASS;
    if (json_is_number(json_object_get(object, "change_pct")))
        verdict.change_pct = json_number_value(json_object_get(object, "change_pct"));
    verdict.regressed = json_is_true(json_object_get(object, "regressed"));
    snprintf(verdict.text, sizeof verdict.text, "%s", text ? text : "");
    return perfbudget_result_set_complexity(r, &fit, &verdict) == PERFBUDGET_OK ? 0 : -1;
}

/* A threaded benchmark's scaling points and verdict (threads.h), or NULL. */
static json_t *scaling_json(const perfbudget_result *r) {
    size_t count;
    perfbudget_scaling_verdict verdict;
    const perfbudget_scaling_point *points = perfbudget_result_scaling(r, &count, &verdict);
    if (count == 0) return NULL;
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < count; i++) {
        const perfbudget_scaling_point *p = &points[i];
        json_t *threads = json_array();
        for (uint32_t t = 0; threads != NULL && t < p->threads; t++)
            json_array_append_new(threads, json_pack("{s:I, s:o, s:o, s:o}", "samples",
                                                     (json_int_t)p->thread[t].samples, "p50_ns",
                                                     number(p->thread[t].p50_ns), "p90_ns",
                                                     number(p->thread[t].p90_ns), "p99_ns",
                                                     number(p->thread[t].p99_ns)));
        json_array_append_new(list, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                                              "threads", (json_int_t)p->threads, "calls",
                                              number(p->calls), "wall_ns", number(p->wall_ns),
                                              "throughput", number(p->throughput), "efficiency",
                                              number(p->efficiency), "spread", number(p->spread),
                                              "p50_ns", number(p->p50_ns), "p99_ns",
                                              number(p->p99_ns), "per_thread", threads));
    }
    json_t *object = json_pack("{s:o}", "points", list);
    if (object != NULL && verdict.threads > 0)
        json_object_set_new(object, "verdict",
                            json_pack("{s:I, s:o, s:o, s:s, s:s}", "threads",
                                      (json_int_t)verdict.threads, "allowed_pct",
                                      number(verdict.allowed_pct), "measured_pct",
                                      number(verdict.measured_pct), "status",
                                      perfbudget_limit_status_name(verdict.status), "text",
                                      verdict.text));
    return object;
}

static double number_or_nan(const json_t *object, const char *key);

/* One scaling point read back; 0, or -1 when it is malformed. */
static int scaling_point_from_json(const json_t *item, perfbudget_scaling_point *p) {
    memset(p, 0, sizeof *p);
    json_int_t threads = json_integer_value(json_object_get(item, "threads"));
    const json_t *per_thread = json_object_get(item, "per_thread");
    if (threads < 1 || threads > PERFBUDGET_THREADS_MAX || !json_is_array(per_thread) ||
        json_array_size(per_thread) != (size_t)threads)
        return -1;
    p->threads = (uint32_t)threads;
    p->calls = number_or_nan(item, "calls");
    p->wall_ns = number_or_nan(item, "wall_ns");
    p->throughput = number_or_nan(item, "throughput");
    p->efficiency = number_or_nan(item, "efficiency");
    p->spread = number_or_nan(item, "spread");
    p->p50_ns = number_or_nan(item, "p50_ns");
    p->p99_ns = number_or_nan(item, "p99_ns");
    for (size_t t = 0; t < (size_t)threads; t++) {
        const json_t *one = json_array_get(per_thread, t);
        json_int_t samples = json_integer_value(json_object_get(one, "samples"));
        p->thread[t].samples = samples > 0 ? (size_t)samples : 0;
        p->thread[t].p50_ns = number_or_nan(one, "p50_ns");
        p->thread[t].p90_ns = number_or_nan(one, "p90_ns");
        p->thread[t].p99_ns = number_or_nan(one, "p99_ns");
    }
    return 0;
}

/* The scaling read back; 0, or -1 when it is malformed. */
static int scaling_from_json(perfbudget_result *r, const json_t *object) {
    if (object == NULL) return 0;
    const json_t *list = json_object_get(object, "points");
    size_t count = json_array_size(list);
    if (!json_is_array(list) || count == 0 || count > PERFBUDGET_THREAD_COUNTS_MAX + 1) return -1;
    perfbudget_scaling_point *points = malloc(count * sizeof *points);
    if (points == NULL) return -1;
    int status = 0;
    for (size_t i = 0; status == 0 && i < count; i++)
        status = scaling_point_from_json(json_array_get(list, i), &points[i]);
    perfbudget_scaling_verdict verdict;
    memset(&verdict, 0, sizeof verdict);
    verdict.allowed_pct = verdict.measured_pct = NAN;
    const json_t *judged = json_object_get(object, "verdict");
    if (status == 0 && judged != NULL) {
        json_int_t threads = json_integer_value(json_object_get(judged, "threads"));
        const char *state = json_string_value(json_object_get(judged, "status"));
        const char *text = json_string_value(json_object_get(judged, "text"));
        if (threads < 1 || threads > PERFBUDGET_THREADS_MAX || state == NULL) status = -1;
        verdict.threads = status == 0 ? (uint32_t)threads : 0;
        verdict.allowed_pct = number_or_nan(judged, "allowed_pct");
        verdict.measured_pct = number_or_nan(judged, "measured_pct");
        for (int k = 0; state != NULL && k <= PERFBUDGET_LIMIT_UNAVAILABLE; k++)
            if (strcmp(state, perfbudget_limit_status_name((perfbudget_limit_status)k)) == 0)
                verdict.status = (perfbudget_limit_status)k;
        snprintf(verdict.text, sizeof verdict.text, "%s", text ? text : "");
    }
    if (status == 0 && perfbudget_result_set_scaling(r, points, count, &verdict) != PERFBUDGET_OK)
        status = -1;
    free(points);
    return status;
}

/* A per-sample array (the CPU or probe samples) as JSON; NULL for none. */
static json_t *samples_json(const double *values, size_t count) {
    json_t *array = values != NULL ? json_array() : NULL;
    for (size_t i = 0; array != NULL && i < count; i++)
        json_array_append_new(array, number(values[i]));
    return array;
}

static json_t *result_json(const perfbudget_result *r) {
    size_t count;
    const double *samples = perfbudget_result_samples(r, &count);
    json_t *array = json_array();
    for (size_t i = 0; array != NULL && i < count; i++) json_array_append_new(array, number(samples[i]));
    /* Only results whose CPU time was measured per sample carry "cpu_samples", only those of
     * the Python front end "probe_samples". */
    json_t *cpu_array = samples_json(perfbudget_result_cpu_samples(r, NULL), count);
    json_t *probe_array = samples_json(perfbudget_result_probe_samples(r, NULL), count);
    json_t *object = json_pack(
        "{s:s, s:s, s:s, s:s, s:o, s:o*, s:o*, s:o, s:o, s:o, s:s, s:o, s:s, s:o}",
                     "name", perfbudget_result_name(r), "status",
                     status_name(perfbudget_result_status(r)), "message",
                     perfbudget_result_message(r), "unit", "ns", "samples", array, "cpu_samples",
                     cpu_array, "probe_samples", probe_array, "summary",
                     summary_json(perfbudget_result_summary(r)), "metrics",
                     perfbudget__metrics_json(perfbudget_result_metrics(r)), "custom_metrics",
                     perfbudget__custom_metrics_json(r), "counters_note", perfbudget_result_counters_note(r),
                     "budget", budget_json(r), "identity", perfbudget_result_identity(r),
                     "comparisons", comparisons_json(r));
    /* Only results measured in instructions mode say so, and only results that timed stages
     * carry them, so other files stay as they were. */
    if (object != NULL && perfbudget_result_note_count(r) > 0)
        json_object_set_new(object, "notes", notes_json(r));
    if (object != NULL && perfbudget_result_mode(r) != PERFBUDGET_MODE_TIME)
        json_object_set_new(object, "mode", json_string(perfbudget_mode_name(perfbudget_result_mode(r))));
    perfbudget__stages *stages = perfbudget__result_stages((perfbudget_result *)r);
    if (object != NULL && stages->stage_count > 0) {
        json_object_set_new(object, "stages", perfbudget__stages_json(stages));
        json_object_set_new(object, "trace_events", perfbudget__trace_events_json(stages));
    }
    json_t *complexity = object != NULL ? complexity_json(r) : NULL;
    if (complexity != NULL) json_object_set_new(object, "complexity", complexity);
    json_t *scaling = object != NULL ? scaling_json(r) : NULL;
    if (scaling != NULL) json_object_set_new(object, "scaling", scaling);
    return object;
}

/* Appends a benchmark's JSON as an element of the root's "benchmarks" array at depth 2: the
 * text json_dumps would give inside the whole document, two more spaces after each newline (a
 * JSON string never holds a raw newline). Copied by hand: a million samples are a million
 * lines, too many for a formatted append each. */
static int append_nested(perfbudget__text *out, const char *element) {
    size_t length = strlen(element), lines = 1;
    /* A plain loop, not strchr: a sanitizer checks the whole rest of the string on each call
     * (strict_string_checks), which made a million lines quadratic. */
    for (const char *p = element; *p; p++) lines += *p == '\n';
    size_t needed = out->length + length + 2 * lines + 1;
    if (!out->failed && needed > out->capacity) {
        char *grown = realloc(out->data, 2 * needed);
        if (grown == NULL) out->failed = 1;
        else out->data = grown, out->capacity = 2 * needed;
    }
    if (out->failed) return -1;
    char *w = out->data + out->length;
    *w++ = ' ', *w++ = ' ';
    for (const char *p = element; *p; p++) {
        *w++ = *p;
        if (*p == '\n') *w++ = ' ', *w++ = ' ';
    }
    *w = '\0';
    out->length = (size_t)(w - out->data);
    return 0;
}

/* One benchmark's JSON tree at a time, dumped and freed before the next: the trees of a whole
 * suite cost ~8 KB a benchmark, ten times the text (80 MB of 130 at 10,000 benchmarks). */
int perfbudget__results_json_text(perfbudget_context *ctx, const char *suite_name,
                                  perfbudget_result *const *results, size_t count, char **text) {
    static const char fail_text[] = "cannot encode results as JSON (out of memory or invalid "
                                    "UTF-8 in a name)";
    const size_t flags = JSON_INDENT(1) | JSON_REAL_PRECISION(17);
    char created[32];
    time_t now = time(NULL);
    struct tm utc;
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &utc));
    json_t *root = json_pack("{s:s, s:i, s:s, s:s, s:s, s:o*, s:[]}", "schema",
                             "perfbudget-result", "schema_version", RESULT_SCHEMA_VERSION,
                             "perfbudget_version", perfbudget_version(), "created", created,
                             "suite", suite_name, "environment", perfbudget__environment_json(),
                             "benchmarks");
    char *head = root ? json_dumps(root, flags) : NULL;
    json_decref(root);
    /* The head ends in the empty array, "[]\n}", that the benchmarks go into. */
    size_t head_length = head ? strlen(head) : 0;
    if (head == NULL || head_length < 4 || strcmp(head + head_length - 4, "[]\n}") != 0) {
        free(head);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "%s", fail_text);
    }
    perfbudget__text out = {0};
    perfbudget__append(&out, "%.*s%s", (int)(head_length - (count ? 3 : 2)), head,
                       count ? "\n" : "");
    free(head);
    for (size_t i = 0; i < count && !out.failed; i++) {
        json_t *benchmark = result_json(results[i]);
        char *element = benchmark ? json_dumps(benchmark, flags) : NULL;
        json_decref(benchmark);
        if (element == NULL || append_nested(&out, element) != 0) out.failed = 1;
        else perfbudget__append(&out, i + 1 < count ? ",\n" : "\n ]");
        free(element);
    }
    perfbudget__append(&out, "\n}");
    if (out.failed) {
        free(out.data);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "%s", fail_text);
    }
    /* jansson escapes C0 controls; DEL, C1 and the like as the rule of text.c says */
    *text = perfbudget__json_shown(out.data);
    return *text ? PERFBUDGET_OK : perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
}

int perfbudget_results_write_json(perfbudget_context *ctx, const char *path,
                                  const char *suite_name, perfbudget_result *const *results,
                                  size_t count) {
    if (path == NULL || suite_name == NULL || (results == NULL && count > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "write_json: NULL argument");
    char *text;
    int status = perfbudget__results_json_text(ctx, suite_name, results, count, &text);
    if (status != PERFBUDGET_OK) return status;
    status = perfbudget_output_write(ctx, path, text, strlen(text));
    free(text);
    return status;
}

int perfbudget__custom_metrics_from_json(perfbudget_context *ctx, perfbudget_result *r,
                                         const json_t *list) {
    /* Stored in base units; the base unit of each kind reads them back unchanged. */
    static const char *const base_units[] = {"", "ns", "B", "%", "/s", "B/s"};
    size_t k;
    const json_t *custom;
    json_array_foreach(list, k, custom) {
        const char *metric = json_string_value(json_object_get(custom, "name"));
        const char *kind = json_string_value(json_object_get(custom, "kind"));
        const json_t *value = json_object_get(custom, "value");
        size_t unit = 0;
        while (unit < 6 && (kind == NULL ||
                            strcmp(perfbudget_quantity_kind_name((perfbudget_quantity_kind)unit), kind) != 0))
            unit++;
        if (metric == NULL || !json_is_number(value) || unit == 6 ||
            perfbudget_result_add_metric(ctx, r, metric, json_number_value(value), base_units[unit],
                                         json_is_true(json_object_get(custom, "higher_is_better"))) !=
                PERFBUDGET_OK)
            return -1;
    }
    return 0;
}

/* ---- reading result files back ---------------------------------------------------------------- */

static double number_or_nan(const json_t *object, const char *key) {
    const json_t *value = json_object_get(object, key);
    return json_is_number(value) ? json_number_value(value) : NAN;
}

static uint64_t count_or_zero(const json_t *object, const char *key) {
    const json_t *value = json_object_get(object, key);
    return json_is_integer(value) && json_integer_value(value) > 0
               ? (uint64_t)json_integer_value(value)
               : 0;
}

void perfbudget__metrics_from_json(const json_t *m, perfbudget_metrics *out) {
    perfbudget_metrics_init(out);
    if (!json_is_object(m)) return;
    out->iterations_per_sample = count_or_zero(m, "iterations_per_sample");
    out->rounds = count_or_zero(m, "rounds");
    out->total_iterations = count_or_zero(m, "total_iterations");
    out->time_capped = json_is_true(json_object_get(m, "time_capped"));
    out->wall_ns = number_or_nan(m, "wall_ns");
    out->cpu_ns_per_iteration = number_or_nan(m, "cpu_ns_per_iteration");
    out->cpu_utilization = number_or_nan(m, "cpu_utilization");
    out->peak_rss_bytes = number_or_nan(m, "peak_rss_bytes");
    out->peak_rss_reset = json_is_true(json_object_get(m, "peak_rss_reset"));
    out->memory_growth_bytes = number_or_nan(m, "memory_growth_bytes");
    out->memory_growth_per_iteration_bytes = number_or_nan(m, "memory_growth_per_iteration_bytes");
    out->memory_growth_stderr_bytes = number_or_nan(m, "memory_growth_stderr_bytes");
    out->instructions_per_iteration = number_or_nan(m, "instructions_per_iteration");
    out->cycles_per_iteration = number_or_nan(m, "cycles_per_iteration");
    out->items_per_second = number_or_nan(m, "items_per_second");
    out->bytes_per_second = number_or_nan(m, "bytes_per_second");
    out->clock_overhead_ns = number_or_nan(m, "clock_overhead_ns");
    out->clock_resolution_ns = number_or_nan(m, "clock_resolution_ns");
    out->reference_ns = number_or_nan(m, "reference_ns");
    out->involuntary_switches = number_or_nan(m, "involuntary_switches");
    out->voluntary_switches = number_or_nan(m, "voluntary_switches");
    out->runqueue_wait_ns = number_or_nan(m, "runqueue_wait_ns");
    out->probe_ns = number_or_nan(m, "probe_ns");
    out->first_call_ns = number_or_nan(m, "first_call_ns"); /* absent in older files */
    out->probe_fast_ns = number_or_nan(m, "probe_fast_ns");
    out->spawn_probe_ns = number_or_nan(m, "spawn_probe_ns");
    out->interpreter_probe_ns = number_or_nan(m, "interpreter_probe_ns");
    perfbudget_statistic statistic;
    if (perfbudget_statistic_parse(json_string_value(json_object_get(m, "compared_statistic")),
                                   &statistic) == PERFBUDGET_OK)
        out->compared_statistic = (int)statistic;
    for (size_t i = 0; i < RESOURCE_FIGURES; i++)
        *resource_figure(out, i) = number_or_nan(m, resource_figures[i].name);
}

/* What is wrong with a result file's "metrics" object, in buf; NULL when nothing is. The
 * reader above takes what it can use; a file from elsewhere must not smuggle in a negative
 * count or a string where a figure belongs, so the loader asks this first. */
static const char *metrics_problem(const json_t *m, char *buf, size_t size) {
    static const char *const counts[] = {"iterations_per_sample", "rounds", "total_iterations"};
    static const char *const flags[] = {"time_capped", "peak_rss_reset"};
    static const char *const figures[] = {
        "wall_ns", "cpu_ns_per_iteration", "cpu_utilization", "peak_rss_bytes",
        "instructions_per_iteration", "cycles_per_iteration", "items_per_second",
        "bytes_per_second", "clock_overhead_ns", "clock_resolution_ns", "reference_ns",
        "involuntary_switches", "voluntary_switches", "runqueue_wait_ns", "probe_ns",
        "first_call_ns", "probe_fast_ns", "spawn_probe_ns", "interpreter_probe_ns",
        "io_read_bytes", "io_write_bytes", "minor_faults", "major_faults", "energy_joules",
        "gc_collections", "gc_time_ns", "allocations_per_call"};
    static const char *const signed_figures[] = {
        "memory_growth_bytes", "memory_growth_per_iteration_bytes", "memory_growth_stderr_bytes"};
    if (m == NULL || json_is_null(m)) return NULL;
    if (!json_is_object(m)) return "\"metrics\" must be an object";
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
        const json_t *v = json_object_get(m, counts[i]);
        if (v != NULL && !json_is_null(v) && (!json_is_integer(v) || json_integer_value(v) < 0)) {
            snprintf(buf, size, "metrics.%s must be a whole number >= 0", counts[i]);
            return buf;
        }
    }
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
        const json_t *v = json_object_get(m, flags[i]);
        if (v != NULL && !json_is_boolean(v)) {
            snprintf(buf, size, "metrics.%s must be true or false", flags[i]);
            return buf;
        }
    }
    for (size_t i = 0; i < sizeof figures / sizeof *figures; i++) {
        const json_t *v = json_object_get(m, figures[i]);
        if (v != NULL && !json_is_null(v) && (!json_is_number(v) || json_number_value(v) < 0)) {
            snprintf(buf, size, "metrics.%s must be a number >= 0 or null", figures[i]);
            return buf;
        }
    }
    const json_t *statistic = json_object_get(m, "compared_statistic");
    perfbudget_statistic parsed;
    if (statistic != NULL && !json_is_null(statistic) &&
        perfbudget_statistic_parse(json_string_value(statistic), &parsed) != PERFBUDGET_OK) {
        return "metrics.compared_statistic must name a statistic, as regression.statistic does "
               "in a budget file";
    }
    for (size_t i = 0; i < sizeof signed_figures / sizeof *signed_figures; i++) {
        const json_t *v = json_object_get(m, signed_figures[i]);
        if (v != NULL && !json_is_null(v) && !json_is_number(v)) {
            snprintf(buf, size, "metrics.%s must be a number or null", signed_figures[i]);
            return buf;
        }
    }
    return NULL;
}

/* A benchmark's optional per-sample array key ("cpu_samples", "probe_samples"): absent in
 * files that did not measure them (and in files older than them); when present, one number
 * >= 0 per sample, given to the result by set. */
static int parallel_samples_from_json(perfbudget_context *ctx, const char *path, const char *name,
                                      perfbudget_result *r, const json_t *b, const char *key,
                                      int (*set)(perfbudget_context *, perfbudget_result *,
                                                 const double *, size_t)) {
    const json_t *list = json_object_get(b, key);
    if (list == NULL) return PERFBUDGET_OK;
    size_t count = 0;
    perfbudget_result_samples(r, &count);
    if (!json_is_array(list))
        return perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                "%s: benchmark '%s': \"%s\" must be an array", path, name, key);
    if (json_array_size(list) != count)
        return perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                "%s: benchmark '%s': %zu %s for %zu samples (they must be as "
                                "many)",
                                path, name, json_array_size(list), key, count);
    double *values = malloc((count ? count : 1) * sizeof *values);
    if (values == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    for (size_t i = 0; i < count; i++) {
        const json_t *value = json_array_get(list, i);
        if (!json_is_number(value) || json_number_value(value) < 0) {
            free(values);
            return perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                    "%s: benchmark '%s': %s[%zu] is not a number >= 0", path,
                                    name, key, i);
        }
        values[i] = json_number_value(value);
    }
    int code = set(ctx, r, values, count);
    free(values);
    return code;
}

/* Comparisons with a baseline, as written: the figures a report shows again. */
static int comparisons_from_json(perfbudget_context *ctx, perfbudget_result *r, const json_t *list) {
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item) {
        const char *metric = json_string_value(json_object_get(item, "metric"));
        if (metric == NULL) continue;
        perfbudget_comparison c;
        memset(&c, 0, sizeof c);
        c.struct_size = sizeof c;
        c.baseline_value = number_or_nan(item, "baseline");
        c.current_value = number_or_nan(item, "current");
        c.change_pct = number_or_nan(item, "change_pct");
        c.p_value = number_or_nan(item, "p_value");
        c.run_spread_pct = number_or_nan(item, "run_spread_pct");
        c.speed_correction_pct = number_or_nan(item, "speed_correction_pct");
        c.ci_low_pct = number_or_nan(item, "ci_low_pct");
        c.ci_high_pct = number_or_nan(item, "ci_high_pct");
        c.resolvable_pct = number_or_nan(item, "resolvable_pct");
        c.threshold_pct = number_or_nan(item, "threshold_pct");
        c.critical_pct = number_or_nan(item, "critical_pct");
        c.u_statistic = NAN;
        c.significant = json_is_true(json_object_get(item, "significant"));
        c.regressed = json_is_true(json_object_get(item, "regressed"));
        const char *outcome = json_string_value(json_object_get(item, "outcome"));
        const char *severity = json_string_value(json_object_get(item, "severity"));
        for (int k = 0; k < 4; k++) {
            if (outcome && strcmp(outcome, perfbudget_outcome_name((perfbudget_outcome)k)) == 0)
                c.outcome = (perfbudget_outcome)k;
            if (severity && strcmp(severity, perfbudget_severity_name((perfbudget_severity)k)) == 0)
                c.severity = (perfbudget_severity)k;
        }
        /* The latency is named by its statistic, "median" or "median cpu time". */
        char first_word[16];
        snprintf(first_word, sizeof first_word, "%.*s", (int)strcspn(metric, " "), metric);
        perfbudget_statistic statistic;
        if (perfbudget_statistic_parse(first_word, &statistic) == PERFBUDGET_OK) c.statistic = statistic;
        perfbudget_unit unit = perfbudget_statistic_parse(first_word, &statistic) == PERFBUDGET_OK
                                   ? PERFBUDGET_UNIT_NS
                               : strcmp(metric, "memory") == 0 ? PERFBUDGET_UNIT_BYTES
                               : strcmp(metric, "cpu") == 0    ? PERFBUDGET_UNIT_PERCENT
                               : strcmp(metric, "instructions") == 0 ? PERFBUDGET_UNIT_COUNT
                                                                     : PERFBUDGET_UNIT_PER_SECOND;
        int code = perfbudget_result_add_comparison(ctx, r, metric, unit, &c);
        if (code != PERFBUDGET_OK) return code;
    }
    return PERFBUDGET_OK;
}

/* Limit verdicts as written, so that a report of results judged elsewhere (each CTest test
 * with its own budget file or entry) shows what their tests decided. */
static int verdicts_from_json(perfbudget_context *ctx, perfbudget_result *r, const json_t *budget) {
    const json_t *list = json_object_get(budget, "verdicts");
    size_t count = json_array_size(list);
    if (!json_is_object(budget)) return PERFBUDGET_OK;
    perfbudget_fail_on policy;
    if (perfbudget_fail_on_parse(json_string_value(json_object_get(budget, "fail_on")),
                                 &policy) == PERFBUDGET_OK)
        perfbudget_result_set_fail_on(r, policy);
    if (perfbudget__result_set_advice(r, json_string_value(json_object_get(budget, "advice")),
                                      json_string_value(json_object_get(budget, "link"))) !=
        PERFBUDGET_OK)
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    if (count == 0) return PERFBUDGET_OK;
    perfbudget_limit *limits = calloc(count, sizeof *limits);
    perfbudget_limit_verdict *verdicts = calloc(count, sizeof *verdicts);
    if (limits == NULL || verdicts == NULL) {
        free(limits);
        free(verdicts);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    }
    size_t n = 0, i;
    const json_t *item;
    json_array_foreach(list, i, item) {
        const char *name = json_string_value(json_object_get(item, "metric"));
        const char *status = json_string_value(json_object_get(item, "status"));
        const char *kind = json_string_value(json_object_get(item, "kind"));
        const char *text = json_string_value(json_object_get(item, "text"));
        if (name == NULL || status == NULL) continue;
        perfbudget_limit *l = &limits[n];
        l->metric = PERFBUDGET_METRIC_CUSTOM;
        for (int m = 0; m < PERFBUDGET_METRIC_CUSTOM; m++)
            if (strcmp(name, perfbudget_metric_name((perfbudget_metric)m)) == 0)
                l->metric = (perfbudget_metric)m;
        l->name = name;
        l->unit = "";
        l->unit_factor = 1.0;
        l->warn = number_or_nan(item, "warn");
        l->fail = number_or_nan(item, "fail");
        l->higher_is_better = json_is_true(json_object_get(item, "higher_is_better"));
        for (int k = 0; kind != NULL && k <= PERFBUDGET_QUANTITY_BYTE_RATE; k++)
            if (strcmp(kind, perfbudget_quantity_kind_name((perfbudget_quantity_kind)k)) == 0)
                l->kind = (perfbudget_quantity_kind)k;
        perfbudget_limit_verdict *v = &verdicts[n];
        v->limit = l;
        v->status = PERFBUDGET_LIMIT_PASS;
        for (int s = 0; s <= PERFBUDGET_LIMIT_UNAVAILABLE; s++)
            if (strcmp(status, perfbudget_limit_status_name((perfbudget_limit_status)s)) == 0)
                v->status = (perfbudget_limit_status)s;
        v->measured = number_or_nan(item, "measured");
        v->allowed = number_or_nan(item, "allowed");
        snprintf(v->text, sizeof v->text, "%s", text ? text : "");
        n++;
    }
    int code = perfbudget__result_restore_verdicts(
        ctx, r, json_string_value(json_object_get(budget, "entry")), verdicts, n);
    free(limits);
    free(verdicts);
    return code;
}

/* Notes of the verdict record, as written; an unknown kind reads as a baseline note. */
static int notes_from_json(perfbudget_context *ctx, perfbudget_result *r, const json_t *list) {
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item) {
        const char *text = json_string_value(json_object_get(item, "text"));
        perfbudget_note_kind kind = PERFBUDGET_NOTE_BASELINE;
        perfbudget_note_kind_parse(json_string_value(json_object_get(item, "kind")), &kind);
        if (text == NULL) continue;
        int code = perfbudget_result_add_note(ctx, r, kind, text);
        if (code != PERFBUDGET_OK) return code;
    }
    return PERFBUDGET_OK;
}

/* The samples of benchmark index (named name) into *values, count of them (freed by the
 * caller); each is a number, not negative. */
static int samples_from_json(perfbudget_context *ctx, const char *path, size_t index,
                             const char *name, const json_t *samples, size_t count,
                             double **values) {
    double *v = malloc((count ? count : 1) * sizeof *v);
    if (v == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    for (size_t i = 0; i < count; i++) {
        const json_t *value = json_array_get(samples, i);
        if (!json_is_number(value)) {
            free(v);
            return perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                    "%s: benchmark '%s': sample %zu is not a number", path, name,
                                    i);
        }
        v[i] = json_number_value(value);
        /* A time or a count: a negative one comes from a broken writer, and would be judged as
         * faster than anything (JSON has no NaN or infinity, and 1e999 fails to parse). */
        if (!(v[i] >= 0)) {
            free(v);
            return perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                    "%s: benchmark '%s' (entry %zu): sample %zu is %g; a sample "
                                    "must not be negative",
                                    path, name, index, i, json_number_value(value));
        }
    }
    *values = v;
    return PERFBUDGET_OK;
}

/* A benchmark's "status" ("ok" when missing) into *status. */
static int status_from_json(perfbudget_context *ctx, const char *path, const char *name,
                            const json_t *status_json, perfbudget_run_status *status) {
    const char *status_text = json_string_value(status_json);
    if (status_json != NULL && status_text == NULL) status_text = "(not a string)";
    *status = PERFBUDGET_RUN_OK;
    if (status_text == NULL || strcmp(status_text, "ok") == 0) return PERFBUDGET_OK;
    if (strcmp(status_text, "failed") == 0) *status = PERFBUDGET_RUN_FAILED;
    else if (strcmp(status_text, "skipped") == 0) *status = PERFBUDGET_RUN_SKIPPED;
    else
        return perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                "%s: benchmark '%s': unknown status '%s'", path, name, status_text);
    return PERFBUDGET_OK;
}

/* A benchmark's "mode" ("time" when missing) into r. */
static int mode_from_json(perfbudget_context *ctx, const char *path, const char *name,
                          perfbudget_result *r, const json_t *mode_json) {
    perfbudget_mode mode = PERFBUDGET_MODE_TIME;
    if (mode_json != NULL &&
        (!json_is_string(mode_json) ||
         perfbudget_mode_parse(json_string_value(mode_json), &mode) != PERFBUDGET_OK))
        return perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                "%s: benchmark '%s': mode must be \"time\" or \"instructions\"",
                                path, name);
    return perfbudget_result_set_mode(r, mode);
}

/* What a benchmark record holds beyond its samples, status and metrics, into r. */
static int benchmark_details_from_json(perfbudget_context *ctx, const char *path,
                                       const char *name, const json_t *b, perfbudget_result *r) {
    int code = perfbudget_result_set_identity(r, json_string_value(json_object_get(b, "identity")));
    if (code == PERFBUDGET_OK)
        code = mode_from_json(ctx, path, name, r, json_object_get(b, "mode"));
    if (code == PERFBUDGET_OK)
        code = parallel_samples_from_json(ctx, path, name, r, b, "cpu_samples",
                                          perfbudget_result_set_cpu_samples);
    if (code == PERFBUDGET_OK)
        code = parallel_samples_from_json(ctx, path, name, r, b, "probe_samples",
                                          perfbudget_result_set_probe_samples);
    if (code == PERFBUDGET_OK) code = comparisons_from_json(ctx, r, json_object_get(b, "comparisons"));
    if (code == PERFBUDGET_OK) code = notes_from_json(ctx, r, json_object_get(b, "notes"));
    if (code == PERFBUDGET_OK) code = verdicts_from_json(ctx, r, json_object_get(b, "budget"));
    if (code == PERFBUDGET_OK &&
        perfbudget__custom_metrics_from_json(ctx, r, json_object_get(b, "custom_metrics")) != 0)
        code = perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                "%s: benchmark '%s': a custom metric is malformed", path, name);
    if (code == PERFBUDGET_OK && complexity_from_json(r, json_object_get(b, "complexity")) != 0)
        code = perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                "%s: benchmark '%s': complexity is malformed", path, name);
    if (code == PERFBUDGET_OK && scaling_from_json(r, json_object_get(b, "scaling")) != 0)
        code = perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                "%s: benchmark '%s': scaling is malformed", path, name);
    char why[PERFBUDGET__MESSAGE_SIZE];
    if (code == PERFBUDGET_OK &&
        perfbudget__stages_from_json(json_object_get(b, "stages"), json_object_get(b, "trace_events"),
                                     perfbudget__result_stages(r), why, sizeof why) != 0)
        code = perfbudget__fail(ctx, PERFBUDGET_EPARSE, "%s: benchmark '%s': %s", path, name, why);
    return code;
}

static int benchmark_from_json(perfbudget_context *ctx, const char *path, size_t index,
                               const json_t *b, perfbudget_result **out) {
    const char *name = json_string_value(json_object_get(b, "name"));
    const json_t *samples = json_object_get(b, "samples");
    if (!json_is_object(b) || name == NULL || !json_is_array(samples))
        return perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                "%s: benchmark %zu needs a \"name\" string and a \"samples\" array",
                                path, index);
    size_t count = json_array_size(samples);
    double *values = NULL;
    int code = samples_from_json(ctx, path, index, name, samples, count, &values);
    if (code != PERFBUDGET_OK) return code;
    perfbudget_run_status status;
    code = status_from_json(ctx, path, name, json_object_get(b, "status"), &status);
    char problem_text[96];
    const char *problem = NULL;
    if (code == PERFBUDGET_OK)
        problem = metrics_problem(json_object_get(b, "metrics"), problem_text, sizeof problem_text);
    if (problem != NULL)
        code = perfbudget__fail(ctx, PERFBUDGET_EPARSE, "%s: benchmark '%s': %s", path, name,
                                problem);
    if (code != PERFBUDGET_OK) {
        free(values);
        return code;
    }
    perfbudget_metrics metrics;
    perfbudget__metrics_from_json(json_object_get(b, "metrics"), &metrics);
    code = perfbudget_result_new(ctx, name, values, count, &metrics, status,
                                 json_string_value(json_object_get(b, "message")), out);
    free(values);
    if (code == PERFBUDGET_OK) code = benchmark_details_from_json(ctx, path, name, b, *out);
    if (code != PERFBUDGET_OK && *out != NULL && code != PERFBUDGET_EDOMAIN) {
        perfbudget_result_free(*out);
        *out = NULL;
        return code;
    }
    if (code == PERFBUDGET_EDOMAIN)
        return perfbudget__fail(ctx, PERFBUDGET_EPARSE, "%s: benchmark '%s': %s", path, name,
                                perfbudget_errmsg(ctx));
    return code;
}

/* The results in a parsed result file; path names the file in messages. */
static int results_from_root(perfbudget_context *ctx, const char *path, const json_t *root,
                             perfbudget_result ***out, size_t *count) {
    const char *schema = json_string_value(json_object_get(root, "schema"));
    const json_t *version = json_object_get(root, "schema_version");
    const json_t *benchmarks = json_object_get(root, "benchmarks");
    int code = PERFBUDGET_OK;
    if (schema == NULL || strcmp(schema, "perfbudget-result") != 0 || !json_is_array(benchmarks))
        code = perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                "%s: not a perfbudget result file (no \"schema\": "
                                "\"perfbudget-result\" with a \"benchmarks\" array)",
                                path);
    else if (!json_is_integer(version) || json_integer_value(version) != RESULT_SCHEMA_VERSION)
        code = perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                "%s: result schema version %lld is not supported (this perfbudget "
                                "reads version %d)",
                                path, json_is_integer(version) ? (long long)json_integer_value(version) : -1LL,
                                RESULT_SCHEMA_VERSION);
    size_t n = code == PERFBUDGET_OK ? json_array_size(benchmarks) : 0;
    perfbudget_result **results = code == PERFBUDGET_OK ? calloc(n ? n : 1, sizeof *results) : NULL;
    if (code == PERFBUDGET_OK && results == NULL)
        code = perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    size_t loaded = 0;
    for (; code == PERFBUDGET_OK && loaded < n; loaded++) {
        code = benchmark_from_json(ctx, path, loaded, json_array_get(benchmarks, loaded),
                                   &results[loaded]);
        if (code != PERFBUDGET_OK) break;
    }
    if (code != PERFBUDGET_OK) {
        perfbudget_results_free(results, loaded);
        return code;
    }
    *out = results;
    *count = n;
    return PERFBUDGET_OK;
}

int perfbudget_results_new_from_file(perfbudget_context *ctx, const char *path,
                                     perfbudget_result ***out, size_t *count) {
    if (path == NULL || out == NULL || count == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "load_json: NULL argument");
    *out = NULL;
    *count = 0;
    json_error_t error;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
    if (root == NULL) {
        int missing = error.line < 0 || (error.line == -1 && error.position == 0);
        return perfbudget__fail(ctx, missing ? PERFBUDGET_EIO : PERFBUDGET_EPARSE,
                                missing ? "%s:%d:%d: %s" : "%s:%d:%d: not a JSON result file: %s",
                                path, error.line, error.column, error.text);
    }
    int code = results_from_root(ctx, path, root, out, count);
    json_decref(root);
    return code;
}

int perfbudget__results_parse_json(perfbudget_context *ctx, const char *text, size_t size,
                                   const char *name, perfbudget_result ***out, size_t *count) {
    if (text == NULL || name == NULL || out == NULL || count == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "parse_json: NULL argument");
    *out = NULL;
    *count = 0;
    json_error_t error;
    json_t *root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &error);
    if (root == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EPARSE, "%s:%d:%d: not a JSON result file: %s",
                                name, error.line, error.column, error.text);
    int code = results_from_root(ctx, name, root, out, count);
    json_decref(root);
    return code;
}

char *perfbudget_result_file_name(const char *name, char *buf, size_t size) {
    if (buf == NULL || size == 0) return buf;
    /* A hash of the whole name keeps names that sanitise alike apart. */
    uint64_t hash = perfbudget__fnv1a(name);
    char safe[81];
    size_t length = 0;
    for (const char *p = name; *p && length < 80; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || (c == '.' && length > 0);
        safe[length++] = ok ? c : '_';
    }
    safe[length] = '\0';
    snprintf(buf, size, "%s-%08llx.json", length ? safe : "benchmark",
             (unsigned long long)(hash & 0xFFFFFFFFu));
    return buf;
}

int perfbudget_results_to_json_text(perfbudget_context *ctx, const char *suite_name,
                                    perfbudget_result *const *results, size_t count,
                                    char **text) {
    if (suite_name == NULL || (results == NULL && count > 0) || text == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "to_json_text: NULL argument");
    *text = NULL;
    return perfbudget__results_json_text(ctx, suite_name, results, count, text);
}

int perfbudget_results_new_from_text(perfbudget_context *ctx, const char *text, size_t size,
                                     const char *name, perfbudget_result ***out, size_t *count) {
    return perfbudget__results_parse_json(ctx, text, size, name, out, count);
}
