/* SPDX-License-Identifier: MIT */
/* libFuzzer target: result files (result.c), then everything a loaded result goes through: each
 * report format, and writing the file again and reading that back unchanged. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"

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
            perfbudget_free(report);
        }
        fuzz_check_round_trip(ctx, results, count);
        perfbudget_results_free(results, count);
    } else if (results != NULL || count != 0 || perfbudget_errmsg(ctx)[0] == '\0') {
        abort();
    }
    perfbudget_context_free(ctx);
    return 0;
}
