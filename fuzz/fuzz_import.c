/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the importers of other tools' JSON (import.c). Every input goes through all
 * four readers, so one corpus serves them all; what imports must also make a result file that
 * reads back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What perfbudget writes in a tool's format, the importer of that format reads back: the same
 * benchmarks in the same order, failed where they failed. Google Benchmark's JSON carries every
 * result (a failed or empty one as an errored run); pytest-benchmark's has no failures and
 * keeps only results that ran. Names are unique here: the importers merge by name. */
static void check_interchange(perfbudget_context *ctx, perfbudget_result *const *results,
                              size_t count, perfbudget_report_format format, const char *name) {
    int pytest = format == PERFBUDGET_REPORT_PYTEST_BENCHMARK;
    char *text = NULL;
    if (perfbudget_render_report(ctx, results, count, format, NULL, &text) != PERFBUDGET_OK)
        abort();
    perfbudget_result **again = NULL;
    size_t again_count = 0, next = 0;
    int code = perfbudget__results_import_text(ctx, text, strlen(text), "again.json", name, NULL,
                                               &again, &again_count);
    for (size_t i = 0; i < count; i++) {
        size_t n;
        perfbudget_result_samples(results[i], &n);
        int ran = perfbudget_result_status(results[i]) == PERFBUDGET_RUN_OK && n > 0;
        if (pytest && !ran) continue;
        if (code != PERFBUDGET_OK || next == again_count ||
            strcmp(perfbudget_result_name(results[i]), perfbudget_result_name(again[next])) != 0 ||
            (perfbudget_result_status(again[next]) == PERFBUDGET_RUN_OK) != ran)
            abort();
        next++;
    }
    if (next != again_count) abort();
    perfbudget_results_free(again, again_count);
    perfbudget_free(text);
}

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
        check_interchange(ctx, results, count, PERFBUDGET_REPORT_GOOGLE_BENCHMARK,
                          "google-benchmark");
        check_interchange(ctx, results, count, PERFBUDGET_REPORT_PYTEST_BENCHMARK,
                          "pytest-benchmark");
        perfbudget_results_free(results, count);
    }
    perfbudget_context_free(ctx);
    return 0;
}
