/* SPDX-License-Identifier: MIT */
/* libFuzzer target: budget files (YAML through yaml_doc.c, validation in budget.c), then what is
 * done with a budget that loads: resolving names, judging figures against its limits. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Judge made-up figures against the budget a name resolves to. */
static void judge(perfbudget_context *ctx, const perfbudget_budget *budget, const char *name,
                  double figure) {
    perfbudget_effective_budget effective = {.struct_size = sizeof effective};
    if (perfbudget_budget_resolve(budget, name, &effective) != PERFBUDGET_OK) abort();
    perfbudget_observation observed;
    perfbudget__observation_init(&observed, NULL, NULL);
    for (size_t m = 0; m < PERFBUDGET__METRIC_COUNT; m++) observed.values[m] = figure;
    observed.bytes_per_second = figure;
    /* Every custom limit gets a figure, so each one is judged rather than unavailable. */
    const char **names = calloc(effective.limit_count + 1, sizeof *names);
    double *values = calloc(effective.limit_count + 1, sizeof *values);
    if (names == NULL || values == NULL) abort();
    for (size_t i = 0; i < effective.limit_count; i++) {
        names[i] = effective.limits[i].name;
        values[i] = figure;
    }
    observed.custom_names = names;
    observed.custom_values = values;
    observed.custom_count = effective.limit_count;
    perfbudget_limit_verdict *verdicts =
        calloc(effective.limit_count + 1, sizeof *verdicts);
    if (verdicts == NULL) abort();
    perfbudget_limit_status worst;
    if (perfbudget_budget_evaluate(ctx, &effective, &observed, verdicts, effective.limit_count,
                                   &worst) != PERFBUDGET_OK)
        abort();
    free(verdicts);
    free(values);
    free(names);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    perfbudget_context *ctx = NULL;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) abort();
    perfbudget_budget *budget = NULL;
    perfbudget_budget_error errors[8];
    size_t error_count = 0;
    /* The text is passed as is, not NUL-terminated, as a mapped file would be. */
    int code = perfbudget_budget_new_from_text(ctx, (const char *)data, size, "fuzz/perfbudget.yml",
                                               &budget, errors, sizeof errors / sizeof *errors,
                                               &error_count);
    if (code == PERFBUDGET_OK) {
        if (budget == NULL || error_count != 0) abort();
        size_t entries = perfbudget_budget_entry_count(budget);
        const char **names = calloc(entries + 1, sizeof *names);
        if (names == NULL) abort();
        for (size_t i = 0; i < entries; i++) {
            int line;
            names[i] = perfbudget_budget_entry_pattern(budget, i, &line);
            judge(ctx, budget, names[i], 1.0);
            judge(ctx, budget, names[i], NAN);
        }
        judge(ctx, budget, "tests/test_io.py::test_parse[big]", 1e12);
        size_t *unused = calloc(entries + 1, sizeof *unused);
        size_t unused_count;
        if (unused == NULL ||
            perfbudget_budget_unused_entries(budget, names, entries, unused, &unused_count) !=
                PERFBUDGET_OK)
            abort();
        free(unused);
        free(names);
        perfbudget_budget_free(budget);
    } else {
        if (budget != NULL) abort();
        /* A refused file says where and why. */
        if (code == PERFBUDGET_EPARSE &&
            (error_count == 0 || errors[0].line < 1 || errors[0].column < 1 ||
             perfbudget_errmsg(ctx)[0] == '\0'))
            abort();
    }
    perfbudget_context_free(ctx);
    return 0;
}
