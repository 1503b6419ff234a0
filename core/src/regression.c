/* SPDX-License-Identifier: MIT */
/* Regressions of the figures measured once per run: memory, CPU, throughput, instructions. */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

typedef struct metric_def {
    const char *name;      /* as reports and budgets call it */
    const char *field;     /* in the result file's metrics */
    perfbudget_metric_group group;
    perfbudget_unit unit;
    double scale;          /* to the unit's figures (cpu: a fraction to percent) */
    int higher_is_better;
} metric_def;

static const metric_def metrics[] = {
    {"memory", "peak_rss_bytes", PERFBUDGET_GROUP_MEMORY, PERFBUDGET_UNIT_BYTES, 1.0, 0},
    {"cpu", "cpu_utilization", PERFBUDGET_GROUP_CPU, PERFBUDGET_UNIT_PERCENT, 100.0, 0},
    {"throughput", "items_per_second", PERFBUDGET_GROUP_THROUGHPUT, PERFBUDGET_UNIT_PER_SECOND, 1.0,
     1},
    {"throughput (bytes)", "bytes_per_second", PERFBUDGET_GROUP_THROUGHPUT, PERFBUDGET_UNIT_PER_SECOND,
     1.0, 1},
    {"instructions", "instructions_per_iteration", PERFBUDGET_GROUP_INSTRUCTIONS,
     PERFBUDGET_UNIT_COUNT, 1.0, 0},
};

static double field_of(const perfbudget_metrics *m, size_t which) {
    switch (which) {
    case 0: return m->peak_rss_bytes;
    case 1: return m->cpu_utilization;
    case 2: return m->items_per_second;
    case 3: return m->bytes_per_second;
    default: return m->instructions_per_iteration;
    }
}

int perfbudget_result_compare_metrics(perfbudget_context *ctx, perfbudget_result *result,
                                      const perfbudget_result *baseline,
                                      perfbudget_history *history, const char *environment,
                                      const char *branch, int64_t up_to,
                                      const perfbudget_regression_settings *settings,
                                      double threshold_pct) {
    if (result == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "compare_metrics: NULL result");
    const perfbudget_metrics *now = perfbudget_result_metrics(result);
    /* In instructions mode only the counts mean anything, and they are exact. */
    int by_count = perfbudget_result_mode(result) == PERFBUDGET_MODE_INSTRUCTIONS;
    for (size_t i = 0; i < sizeof metrics / sizeof *metrics; i++) {
        const metric_def *d = &metrics[i];
        double current = field_of(now, i);
        if (!isfinite(current)) continue;
        if (by_count && d->group != PERFBUDGET_GROUP_INSTRUCTIONS) continue;
        /* Memory, CPU share and throughput depend on the machine and on what else the process
         * holds (throughput is the latency's inverse besides): judged only when asked. */
        double group_pct = settings != NULL
                               ? perfbudget_group_threshold(&settings->per_metric, d->group)
                               : NAN;
        int asked = !isnan(group_pct);
        if (d->group != PERFBUDGET_GROUP_INSTRUCTIONS && !asked) continue;
        double *values = NULL;
        size_t n = 0;
        if (history != NULL) {
            int code = perfbudget_history_run_metric(history, perfbudget_result_name(result),
                                                     perfbudget_result_identity(result),
                                                     environment, branch, up_to, 10, d->field,
                                                     &values, &n);
            if (code != PERFBUDGET_OK) return code;
        } else if (baseline != NULL && isfinite(field_of(perfbudget_result_metrics(baseline), i))) {
            values = malloc(sizeof *values);
            if (values == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
            values[0] = field_of(perfbudget_result_metrics(baseline), i);
            n = 1;
        }
        for (size_t k = 0; k < n; k++) values[k] *= d->scale;
        perfbudget_compare_options opts;
        perfbudget_compare_options_init(&opts);
        opts.threshold_pct = threshold_pct;
        if (!isnan(group_pct)) opts.threshold_pct = group_pct;
        if (settings != NULL && !isnan(settings->critical_pct) &&
            isnan(group_pct))
            opts.critical_pct = settings->critical_pct;
        opts.higher_is_better = d->higher_is_better;
        perfbudget_comparison c;
        int code = n > 0 ? perfbudget__compare_metric(ctx, values, n, current * d->scale, &opts,
                                                      by_count, &c)
                         : PERFBUDGET_ENODATA;
        perfbudget_free(values);
        if (code == PERFBUDGET_OK) code = perfbudget_result_add_comparison(ctx, result, d->name, d->unit, &c);
        else if (code == PERFBUDGET_ENODATA || code == PERFBUDGET_EDOMAIN) code = PERFBUDGET_OK;
        if (code != PERFBUDGET_OK) return code;
    }
    return PERFBUDGET_OK;
}
