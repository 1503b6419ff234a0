/* SPDX-License-Identifier: MIT */
/* Checks shared by the fuzz targets. */
#ifndef PERFBUDGET_FUZZ_COMMON_H
#define PERFBUDGET_FUZZ_COMMON_H

#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Results written as a result file must read back as they were: names, statuses and samples
 * bit for bit (doubles are written with 17 digits so that C and Python read the same bits). */
static inline void fuzz_check_round_trip(perfbudget_context *ctx, perfbudget_result *const *results,
                                         size_t count) {
    char *text = NULL;
    if (perfbudget_render_report(ctx, results, count, PERFBUDGET_REPORT_JSON, NULL, &text) !=
        PERFBUDGET_OK)
        abort();
    perfbudget_result **again = NULL;
    size_t again_count = 0;
    if (perfbudget__results_parse_json(ctx, text, strlen(text), "again.json", &again,
                                       &again_count) != PERFBUDGET_OK ||
        again_count != count)
        abort();
    for (size_t i = 0; i < count; i++) {
        size_t n, again_n;
        const double *samples = perfbudget_result_samples(results[i], &n);
        const double *again_samples = perfbudget_result_samples(again[i], &again_n);
        if (strcmp(perfbudget_result_name(results[i]), perfbudget_result_name(again[i])) != 0 ||
            perfbudget_result_status(results[i]) != perfbudget_result_status(again[i]) ||
            n != again_n || (n > 0 && memcmp(samples, again_samples, n * sizeof *samples) != 0))
            abort();
    }
    perfbudget_results_free(again, again_count);
    perfbudget_free(text);
}

#endif
