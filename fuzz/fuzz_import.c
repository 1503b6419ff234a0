/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the importers of other tools' JSON (import.c). Every input goes through all
 * four readers, so one corpus serves them all; what imports must also make a result file that
 * reads back. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const formats[] = {"google-benchmark", "hyperfine", "nanobench",
                                          "pytest-benchmark"};
    perfbudget_context *ctx = NULL;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) abort();
    for (size_t f = 0; f < sizeof formats / sizeof *formats; f++) {
        perfbudget_result **results = NULL;
        size_t count = 0;
        int code = perfbudget__results_import_text(ctx, (const char *)data, size, "fuzz.json",
                                                   formats[f], NULL, &results, &count);
        if (code != PERFBUDGET_OK) {
            if (results != NULL || count != 0 || perfbudget_errmsg(ctx)[0] == '\0') abort();
            continue;
        }
        fuzz_check_round_trip(ctx, results, count);
        perfbudget_results_free(results, count);
    }
    perfbudget_context_free(ctx);
    return 0;
}
