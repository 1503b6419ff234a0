/* SPDX-License-Identifier: MIT */
/* The budget object, shared by budget.c (loading), budget_resolve.c and budget_eval.c. */
#ifndef PERFBUDGET_BUDGET_INTERNAL_H
#define PERFBUDGET_BUDGET_INTERNAL_H

#include "internal.h"

typedef struct entry {
    const char *pattern; /* in the document's arena */
    int line, column;
    int is_glob;
    size_t literal_prefix; /* characters before the first wildcard */
    perfbudget_measure_settings measure;
    perfbudget_regression_settings regression;
    perfbudget_limit *limits;
    size_t limit_count, limit_capacity;
    int complexity; /* complexity: a perfbudget_complexity; 0 when not set */
    uint32_t scaling_threads;     /* scaling.threads; 0 when not set */
    double scaling_efficiency_pct; /* scaling.efficiency, in % */
    const char *advice, *link; /* advice: and link:, or NULL; in the document's arena */
    int fail_on;               /* policy.fail_on: a perfbudget_fail_on, or -1 */
} entry;

/* One webhook of the alerts: section (docs/budgets.md, "Alerts"). Strings and nodes live in the
 * document's arena. */
typedef struct perfbudget__alert {
    const char *url;                  /* url:, or NULL when url_env: names the variable */
    const char *url_env;              /* url_env:, or NULL */
    int generic;                      /* format: generic (1) or slack (0) */
    const perfbudget__node *branches; /* branches: a scalar or a sequence of globs; NULL: all */
    int on_regression, on_breach;     /* events: */
    int tries;                        /* attempts in all, 1-10 */
    int64_t timeout_ns;               /* per attempt */
    int line;
} perfbudget__alert;

struct perfbudget_budget {
    perfbudget__doc *doc; /* owns every string the budget hands out */
    char *path, *history;
    const char *history_setting;
    perfbudget_measure_settings measure;       /* defaults */
    perfbudget_regression_settings regression; /* defaults.regression */
    entry *entries;
    size_t entry_count;
    const entry **exact; /* exact names, sorted for binary search */
    size_t exact_count;
    const entry **globs; /* in file order */
    size_t glob_count;
    int fail_on; /* the file's policy.fail_on: a perfbudget_fail_on, or -1 */
    perfbudget__alert *alerts; /* alerts:, in file order */
    size_t alert_count;
};

/* budget_resolve.c: build the lookup structures once the file is valid. */
int perfbudget__budget_index(perfbudget_budget *budget);

#endif
