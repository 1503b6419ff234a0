/* SPDX-License-Identifier: MIT */
/* What the CLI and every suite's main() do alike once a result exists: judge it against the
 * budget and a baseline, print the verdict, file it in the CTest session. Part of the
 * perfbudget_main library, which may print; the core library never does. */
#ifndef PERFBUDGET_FRONTEND_H
#define PERFBUDGET_FRONTEND_H

#include <stdio.h>

#include "internal.h"

typedef struct perfbudget__verdict_options {
    const perfbudget_budget *budget;   /* NULL: no budget */
    const char *budget_name;           /* resolve this name instead of the result's */
    perfbudget_result **baseline;      /* results of a baseline file, or NULL */
    size_t baseline_count;
    double threshold_pct;              /* NaN: from the environment, the budget, or 5 */
    int ctest;                         /* CTest output: tags and PERFBUDGET_SKIP */
    const char *session_dir;           /* also write the result here */
} perfbudget__verdict_options;

/* Load a budget file, printing every problem as file:line:column: message; NULL on failure. */
perfbudget_budget *perfbudget__load_budget(perfbudget_context *ctx, const char *program,
                                           const char *path);

/* Load the baseline named by path or $PERFBUDGET_BASELINE (when path is NULL and
 * $PERFBUDGET_REGRESSION is 1); 0 on success or when there is none, 2 after printing an error. */
int perfbudget__load_baseline(perfbudget_context *ctx, const char *program, const char *path,
                              perfbudget__verdict_options *o);

/* Judge, compare, print the report to out and write the session file.
 * Returns the test status, or -1 after printing an I/O error. */
int perfbudget__conclude(perfbudget_context *ctx, const char *program, perfbudget_result *result,
                         const perfbudget__verdict_options *o, FILE *out);

/* "--threshold 5", "5%": a percentage >= 0, or -1. */
double perfbudget__parse_percent(const char *text);

#endif
