/* SPDX-License-Identifier: MIT */
/* --perf-confirm: a suspected regression is measured again before its verdict stands. The
 * front end re-measures; when to, and what the report then says, is decided here. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>

#include "internal.h"

/* Fails on its latency regression alone: no budget limit fails. */
static int fails_on_regression_alone(const perfbudget_result *result) {
    const perfbudget_comparison *comparison = perfbudget_result_latency_comparison(result);
    if (comparison == NULL || comparison->outcome != PERFBUDGET_OUTCOME_REGRESSION) return 0;
    const perfbudget_limit_verdict *verdicts = NULL;
    size_t count = perfbudget_result_verdicts(result, &verdicts);
    for (size_t i = 0; i < count; i++)
        if (verdicts[i].status == PERFBUDGET_LIMIT_FAIL) return 0;
    return 1;
}

int perfbudget_result_confirm_next(const perfbudget_result *result, unsigned done,
                                   unsigned confirmations, char *note, size_t size) {
    if (note != NULL && size > 0) note[0] = '\0';
    if (result == NULL || confirmations == 0) return 0;
    int fails = perfbudget_result_test_status(result, NULL) == PERFBUDGET_TEST_FAIL;
    if (done == 0) return fails && fails_on_regression_alone(result);
    if (!fails) {
        if (note != NULL && size > 0)
            snprintf(note, size, "a suspected regression was not confirmed by re-measurement %u "
                                 "of %u", done, confirmations);
        return 0;
    }
    if (done < confirmations) return 1;
    if (note != NULL && size > 0)
        snprintf(note, size, "the regression was confirmed by %u re-measurement%s", confirmations,
                 confirmations > 1 ? "s" : "");
    return 0;
}
