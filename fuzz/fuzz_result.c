/* SPDX-License-Identifier: MIT */
/* libFuzzer target: result files (result.c), then everything a loaded result goes through: each
 * report format, and writing the file again and reading that back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    perfbudget_context *ctx = NULL;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) abort();
    perfbudget_result **results = NULL;
    size_t count = 0;
    int code = perfbudget__results_parse_json(ctx, (const char *)data, size, "fuzz.json", &results,
                                              &count);
    if (code == PERFBUDGET_OK) {
        for (int format = PERFBUDGET_REPORT_MARKDOWN; format <= PERFBUDGET_REPORT_HTML; format++) {
            char *report = NULL;
            if (perfbudget_render_report(ctx, results, count, (perfbudget_report_format)format,
                                         NULL, &report) != PERFBUDGET_OK)
                abort();
            /* What was read is written so that it reads back: same number of benchmarks. */
            perfbudget_result **again = NULL;
            size_t again_count = 0;
            if (format == PERFBUDGET_REPORT_JSON &&
                (perfbudget__results_parse_json(ctx, report, strlen(report), "again.json", &again,
                                                &again_count) != PERFBUDGET_OK ||
                 again_count != count))
                abort();
            perfbudget_results_free(again, again_count);
            perfbudget_free(report);
        }
        perfbudget_results_free(results, count);
    } else if (results != NULL || count != 0 || perfbudget_errmsg(ctx)[0] == '\0') {
        abort();
    }
    perfbudget_context_free(ctx);
    return 0;
}
