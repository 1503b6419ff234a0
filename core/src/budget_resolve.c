/* SPDX-License-Identifier: MIT */
/* Which budget applies to a benchmark: exact names first, then the most specific glob. */
#define _POSIX_C_SOURCE 200809L
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "budget_internal.h"

static int by_pattern(const void *a, const void *b) {
    return strcmp((*(const entry *const *)a)->pattern, (*(const entry *const *)b)->pattern);
}

int perfbudget__budget_index(perfbudget_budget *budget) {
    size_t n = budget->entry_count;
    /* The check for duplicate names has sorted every entry by name already, when there were two
     * or more. */
    int sorted = budget->exact != NULL && budget->exact_count == n;
    if (!sorted) {
        free(budget->exact);
        budget->exact = malloc((n ? n : 1) * sizeof *budget->exact);
        budget->exact_count = 0;
    }
    budget->globs = malloc((n ? n : 1) * sizeof *budget->globs);
    if (budget->exact == NULL || budget->globs == NULL) return PERFBUDGET_ENOMEM;
    /* Every entry is looked up by its exact text first, so a name with glob characters
     * (a parametrized pytest id "test_read[small]") still matches itself literally. */
    for (size_t i = 0; i < n; i++) {
        entry *e = &budget->entries[i];
        e->literal_prefix = strcspn(e->pattern, "*?[");
        e->is_glob = e->pattern[e->literal_prefix] != '\0';
        if (e->is_glob) budget->globs[budget->glob_count++] = e;
        if (!sorted) budget->exact[budget->exact_count++] = e;
    }
    if (!sorted) qsort(budget->exact, budget->exact_count, sizeof *budget->exact, by_pattern);
    return PERFBUDGET_OK;
}

static const entry *find_exact(const perfbudget_budget *budget, const char *name) {
    size_t low = 0, high = budget->exact_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int order = strcmp(budget->exact[middle]->pattern, name);
        if (order == 0) return budget->exact[middle];
        if (order < 0) low = middle + 1;
        else high = middle;
    }
    return NULL;
}

static const entry *find_entry(const perfbudget_budget *budget, const char *name) {
    const entry *found = find_exact(budget, name);
    if (found != NULL) return found;
    for (size_t i = 0; i < budget->glob_count; i++) {
        const entry *e = budget->globs[i];
        /* A longer literal prefix is more specific; on a tie the earlier entry stays. */
        if ((found == NULL || e->literal_prefix > found->literal_prefix) &&
            strncmp(e->pattern, name, e->literal_prefix) == 0 && fnmatch(e->pattern, name, 0) == 0)
            found = e;
    }
    return found;
}

static void merge_measure(perfbudget_measure_settings *into,
                          const perfbudget_measure_settings *from) {
    /* warm-up is one setting written two ways: a count or a duration */
    if (from->warmup_iterations >= 0 || from->warmup_ns >= 0) {
        into->warmup_iterations = from->warmup_iterations;
        into->warmup_ns = from->warmup_ns;
    }
    if (from->rounds >= 0) into->rounds = from->rounds;
    if (from->min_time_ns >= 0) into->min_time_ns = from->min_time_ns;
    if (from->max_time_ns >= 0) into->max_time_ns = from->max_time_ns;
    if (from->speed_correction >= 0) into->speed_correction = from->speed_correction;
}

static void merge_regression(perfbudget_regression_settings *into,
                             const perfbudget_regression_settings *from) {
    if (!isnan(from->threshold_pct)) into->threshold_pct = from->threshold_pct;
    if (!isnan(from->critical_pct)) into->critical_pct = from->critical_pct;
    if (from->statistic >= 0) into->statistic = from->statistic;
    for (int g = 0; g < PERFBUDGET__GROUP_COUNT; g++) {
        double given = perfbudget_group_threshold(&from->per_metric, (perfbudget_metric_group)g);
        if (!isnan(given)) *perfbudget__group_threshold_slot(&into->per_metric, g) = given;
    }
}

int perfbudget_budget_resolve(const perfbudget_budget *budget, const char *name,
                              perfbudget_effective_budget *out) {
    if (out == NULL || perfbudget__sized_check(NULL, "perfbudget_effective_budget", out,
                                               PERFBUDGET__EFFECTIVE_BUDGET_SIZE_1,
                                               sizeof *out) != PERFBUDGET_OK)
        return PERFBUDGET_EINVAL;
    perfbudget_effective_budget resolved;
    int code = perfbudget__budget_resolve(budget, name, &resolved);
    if (code == PERFBUDGET_OK) perfbudget__sized_write(out, &resolved);
    return code;
}

int perfbudget__budget_resolve(const perfbudget_budget *budget, const char *name,
                               perfbudget_effective_budget *out) {
    if (budget == NULL || name == NULL || out == NULL) return PERFBUDGET_EINVAL;
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    out->measure = budget->measure;
    out->regression = budget->regression;
    const entry *e = find_entry(budget, name);
    if (e == NULL) return PERFBUDGET_OK;
    out->entry = e->pattern;
    out->entry_line = e->line;
    out->exact = strcmp(e->pattern, name) == 0;
    merge_measure(&out->measure, &e->measure);
    merge_regression(&out->regression, &e->regression);
    out->limits = e->limits;
    out->limit_count = e->limit_count;
    out->complexity = e->complexity;
    out->scaling_threads = e->scaling_threads;
    out->scaling_efficiency_pct = e->scaling_efficiency_pct;
    return PERFBUDGET_OK;
}

int perfbudget_budget_unused_entries(const perfbudget_budget *budget, const char *const *names,
                                     size_t name_count, size_t *unused, size_t *unused_count) {
    if (budget == NULL || (names == NULL && name_count > 0) || unused == NULL ||
        unused_count == NULL)
        return PERFBUDGET_EINVAL;
    /* An entry is used when it matches some name, even if a more specific entry wins there. */
    unsigned char *used = calloc(budget->entry_count ? budget->entry_count : 1, 1);
    if (used == NULL) return PERFBUDGET_ENOMEM;
    for (size_t i = 0; i < name_count; i++) {
        const entry *e = find_exact(budget, names[i]);
        if (e != NULL) used[e - budget->entries] = 1;
    }
    for (size_t g = 0; g < budget->glob_count; g++) {
        const entry *e = budget->globs[g];
        for (size_t i = 0; i < name_count && !used[e - budget->entries]; i++)
            if (fnmatch(e->pattern, names[i], 0) == 0) used[e - budget->entries] = 1;
    }
    *unused_count = 0;
    for (size_t i = 0; i < budget->entry_count; i++)
        if (!used[i]) unused[(*unused_count)++] = i;
    free(used);
    return PERFBUDGET_OK;
}
