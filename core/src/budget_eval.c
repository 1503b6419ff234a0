/* SPDX-License-Identifier: MIT */
/* Judging measured figures against a budget's limits, with a line for people per limit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "budget_internal.h"

static const char *const status_names[] = {"pass", "warn", "fail", "unavailable"};

const char *perfbudget_limit_status_name(perfbudget_limit_status status) {
    return (size_t)status < sizeof status_names / sizeof *status_names ? status_names[status]
                                                                       : NULL;
}

void perfbudget__observation_init(perfbudget_observation *out, const perfbudget_summary *summary,
                                  const perfbudget_metrics *metrics) {
    if (out == NULL) return;
    memset(out, 0, sizeof *out);
    for (int m = 0; m < PERFBUDGET__METRIC_COUNT; m++) out->values[m] = NAN;
    out->bytes_per_second = NAN;
    if (summary != NULL && summary->n > 0) {
        out->values[PERFBUDGET_METRIC_MIN] = summary->min;
        out->values[PERFBUDGET_METRIC_MAX] = summary->max;
        out->values[PERFBUDGET_METRIC_MEAN] = summary->mean;
        out->values[PERFBUDGET_METRIC_MEDIAN] = summary->median;
        out->values[PERFBUDGET_METRIC_P50] = summary->p50;
        out->values[PERFBUDGET_METRIC_P90] = summary->p90;
        out->values[PERFBUDGET_METRIC_P95] = summary->p95;
        out->values[PERFBUDGET_METRIC_P99] = summary->p99;
        out->values[PERFBUDGET_METRIC_STDDEV] = summary->stddev;
    }
    if (metrics != NULL) {
        out->values[PERFBUDGET_METRIC_MEMORY] = metrics->peak_rss_bytes;
        out->values[PERFBUDGET_METRIC_MEMORY_GROWTH] = metrics->memory_growth_bytes;
        out->values[PERFBUDGET_METRIC_CPU] = 100.0 * metrics->cpu_utilization;
        out->values[PERFBUDGET_METRIC_THROUGHPUT] = metrics->items_per_second;
        out->values[PERFBUDGET_METRIC_INSTRUCTIONS] = metrics->instructions_per_iteration;
        out->bytes_per_second = metrics->bytes_per_second;
        /* Resources per iteration (a command: per run); NaN stays n/a. */
        _Static_assert(PERFBUDGET_METRIC_IO_READ + PERFBUDGET__RESOURCE_COUNT ==
                           PERFBUDGET_METRIC_CUSTOM,
                       "resources in perfbudget__resource_names order");
        double resources[PERFBUDGET__RESOURCE_COUNT];
        perfbudget__resource_values(metrics, resources);
        for (size_t i = 0; i < PERFBUDGET__RESOURCE_COUNT; i++)
            out->values[PERFBUDGET_METRIC_IO_READ + i] = resources[i];
    }
}

int perfbudget_observation_new(perfbudget_context *ctx, const perfbudget_summary *summary,
                               const perfbudget_metrics *metrics, perfbudget_observation **out) {
    if (out == NULL) return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "observation: NULL argument");
    *out = NULL;
    perfbudget_metrics known;
    if (metrics != NULL) {
        int code = perfbudget__metrics_read(ctx, metrics, &known);
        if (code != PERFBUDGET_OK) return code;
    }
    perfbudget_observation *o = malloc(sizeof *o);
    if (o == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "observation: out of memory");
    perfbudget__observation_init(o, summary, metrics != NULL ? &known : NULL);
    *out = o;
    return PERFBUDGET_OK;
}

void perfbudget_observation_free(perfbudget_observation *observation) { free(observation); }

int perfbudget_observation_set(perfbudget_observation *observation, perfbudget_metric metric,
                               double value) {
    if (observation == NULL || (int)metric < 0 || metric >= PERFBUDGET_METRIC_CUSTOM)
        return PERFBUDGET_EINVAL;
    observation->values[metric] = value;
    return PERFBUDGET_OK;
}

double perfbudget_observation_get(const perfbudget_observation *observation,
                                  perfbudget_metric metric) {
    if (observation == NULL || (int)metric < 0 || metric >= PERFBUDGET_METRIC_CUSTOM) return NAN;
    return observation->values[metric];
}

void perfbudget_observation_set_bytes_per_second(perfbudget_observation *observation,
                                                 double bytes_per_second) {
    if (observation != NULL) observation->bytes_per_second = bytes_per_second;
}

void perfbudget_observation_set_custom(perfbudget_observation *observation,
                                       const char *const *names, const double *values,
                                       size_t count) {
    if (observation == NULL) return;
    int none = names == NULL || values == NULL;
    observation->custom_names = none ? NULL : names;
    observation->custom_values = none ? NULL : values;
    observation->custom_count = none ? 0 : count;
}

static double observed_value(const perfbudget_limit *limit, const perfbudget_observation *o) {
    if (limit->metric == PERFBUDGET_METRIC_CUSTOM) {
        for (size_t i = 0; i < o->custom_count; i++)
            if (o->custom_names[i] != NULL && strcmp(o->custom_names[i], limit->name) == 0)
                return o->custom_values[i];
        return NAN;
    }
    if (limit->metric == PERFBUDGET_METRIC_THROUGHPUT && limit->kind == PERFBUDGET_QUANTITY_BYTE_RATE)
        return o->bytes_per_second;
    return o->values[limit->metric];
}

/* A size or byte rate in the family the limit was written in (MB: decimal, MiB: binary), scaled
 * to the value: "memory 3 MB <= 1 GB budget". */
static void size_in_limit_unit(const perfbudget_limit *limit, double value, int exact, char *buf,
                               size_t size) {
    int binary = strstr(limit->unit ? limit->unit : "", "iB") != NULL;
    static const char *const decimal_units[] = {"B", "KB", "MB", "GB", "TB"};
    static const char *const binary_units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double base = binary ? 1024.0 : 1000.0, scaled = value;
    size_t i = 0;
    while (i < 4 && fabs(scaled) >= base) scaled /= base, i++;
    const char *suffix = limit->kind == PERFBUDGET_QUANTITY_BYTE_RATE ? "/s" : "";
    const char *unit = binary ? binary_units[i] : decimal_units[i];
    if (exact || scaled == floor(scaled))
        snprintf(buf, size, "%g %s%s", scaled, unit, suffix);
    else
        snprintf(buf, size, "%.3g %s%s", scaled, unit, suffix);
}

/* A value in the unit the limit was written in: "2.31 ms" beside "2 ms". Durations without a
 * written unit cannot happen; plain numbers use k/M/G. */
static void in_limit_unit(const perfbudget_limit *limit, double value, int exact, char *buf,
                          size_t size) {
    if (limit->kind == PERFBUDGET_QUANTITY_DURATION) {
        /* Durations read best in the unit their magnitude calls for: "9.71 µs", "1 ms". */
        static const struct {
            double factor;
            const char *unit;
        } scales[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "\xC2\xB5s"}, {1, "ns"}};
        size_t i = 0;
        while (i < 3 && fabs(value) < scales[i].factor) i++;
        if (exact)
            snprintf(buf, size, "%g %s", value / scales[i].factor, scales[i].unit);
        else
            perfbudget_format_value(value, PERFBUDGET_UNIT_NS, buf, size);
        return;
    }
    if (limit->kind == PERFBUDGET_QUANTITY_SIZE || limit->kind == PERFBUDGET_QUANTITY_BYTE_RATE) {
        size_in_limit_unit(limit, value, exact, buf, size);
        return;
    }
    if (limit->kind == PERFBUDGET_QUANTITY_NUMBER || limit->unit == NULL || limit->unit[0] == '\0') {
        if (exact && value == floor(value) && fabs(value) < 1e15)
            snprintf(buf, size, "%.0f", value);
        else if (exact)
            snprintf(buf, size, "%g", value);
        else
            perfbudget_format_value(value, PERFBUDGET_UNIT_COUNT, buf, size);
        return;
    }
    double scaled = value / limit->unit_factor;
    const char *space = limit->unit[0] == '%' || limit->unit[0] == '/' ? "" : " ";
    if (exact)
        snprintf(buf, size, "%g%s%s", scaled, space, limit->unit);
    else if (fabs(scaled) >= 1000 || scaled == floor(scaled))
        snprintf(buf, size, "%.0f%s%s", scaled, space, limit->unit);
    else
        snprintf(buf, size, "%.3g%s%s", scaled, space, limit->unit);
}

static void judge(const perfbudget_limit *limit, double measured, perfbudget_limit_verdict *v) {
    v->limit = limit;
    v->measured = measured;
    char have[48], fail[48], warn[48];
    in_limit_unit(limit, limit->fail, 1, fail, sizeof fail);
    in_limit_unit(limit, limit->warn, 1, warn, sizeof warn);
    if (isnan(measured)) {
        v->status = PERFBUDGET_LIMIT_UNAVAILABLE;
        v->allowed = isnan(limit->fail) ? limit->warn : limit->fail;
        snprintf(v->text, sizeof v->text, "%s unavailable here (budget %s)", limit->name,
                 isnan(limit->fail) ? warn : fail);
        return;
    }
    in_limit_unit(limit, measured, 0, have, sizeof have);
    int up = !limit->higher_is_better;
    const char *beyond = up ? ">" : "<", *within = up ? "<=" : ">=";
    int breaks_fail = !isnan(limit->fail) && (up ? measured > limit->fail : measured < limit->fail);
    int breaks_warn = !isnan(limit->warn) && (up ? measured > limit->warn : measured < limit->warn);
    const char *kind = up ? "budget" : "minimum";
    if (breaks_fail) {
        v->status = PERFBUDGET_LIMIT_FAIL;
        v->allowed = limit->fail;
        snprintf(v->text, sizeof v->text, "%s %s %s %s %s", limit->name, have, beyond, fail, kind);
    } else if (breaks_warn) {
        v->status = PERFBUDGET_LIMIT_WARN;
        v->allowed = limit->warn;
        if (isnan(limit->fail))
            snprintf(v->text, sizeof v->text, "%s %s %s %s warning level", limit->name, have,
                     beyond, warn);
        else
            snprintf(v->text, sizeof v->text, "%s %s %s %s warning level (fails %s %s)",
                     limit->name, have, beyond, warn, beyond, fail);
    } else {
        v->status = PERFBUDGET_LIMIT_PASS;
        v->allowed = isnan(limit->fail) ? limit->warn : limit->fail;
        snprintf(v->text, sizeof v->text, "%s %s %s %s %s", limit->name, have, within,
                 isnan(limit->fail) ? warn : fail, isnan(limit->fail) ? "warning level" : kind);
    }
}

int perfbudget_budget_evaluate(perfbudget_context *ctx, const perfbudget_effective_budget *budget,
                               const perfbudget_observation *observed,
                               perfbudget_limit_verdict *verdicts, size_t capacity,
                               perfbudget_limit_status *worst) {
    if (budget == NULL || observed == NULL || worst == NULL ||
        (verdicts == NULL && budget->limit_count > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "evaluate: NULL argument");
    int sized = perfbudget__sized_check(ctx, "perfbudget_effective_budget", budget,
                                        PERFBUDGET__EFFECTIVE_BUDGET_SIZE_1, sizeof *budget);
    if (sized != PERFBUDGET_OK) return sized;
    if (capacity < budget->limit_count)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "evaluate: room for %zu verdicts, the budget has %zu limits",
                                capacity, budget->limit_count);
    /* Unavailable ranks below warn and fail: a figure this machine cannot measure is reported,
     * and the front ends skip on it only when nothing failed. */
    static const int rank[] = {0, 2, 3, 1};
    *worst = PERFBUDGET_LIMIT_PASS;
    for (size_t i = 0; i < budget->limit_count; i++) {
        const perfbudget_limit *limit = &budget->limits[i];
        judge(limit, observed_value(limit, observed), &verdicts[i]);
        if (rank[verdicts[i].status] > rank[*worst]) *worst = verdicts[i].status;
    }
    return PERFBUDGET_OK;
}
