/* SPDX-License-Identifier: MIT */
/* libFuzzer target: result files (result.c), then everything a loaded result goes through:
 * judging against a budget, comparing with the result before it as a baseline, the test report,
 * each report format, and writing the file again and reading that back unchanged. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A limit of every kind, so each figure a result file can carry is judged. */
static const char budget_text[] =
    "version: 1\n"
    "defaults:\n"
    "  regression: {threshold: 5%, per_metric: {memory: 20%, throughput: 10%, cpu: 25%}}\n"
    "budgets:\n"
    "  \"*\":\n"
    "    latency: {p95: 250ms, p99: {warn: 300ms, fail: 400ms}, mean: 1s, stddev: 1ms}\n"
    "    memory: 512MB\n"
    "    memory_growth: 1MB\n"
    "    cpu: 70%\n"
    "    throughput: 100/s\n"
    "    instructions: 1e6\n"
    "    metrics: {m: 5ms, hits: {fail: 90%, higher_is_better: true}, speed: 1MB/s, n: 3}\n";

/* Judge, compare with the previous result and render each result's test report. */
static void judge_and_compare(perfbudget_context *ctx, const perfbudget_budget *budget,
                              perfbudget_result **results, size_t count) {
    for (size_t i = 0; i < count; i++) {
        perfbudget_limit_status worst;
        if (perfbudget_result_judge(ctx, results[i], budget, NULL, &worst) != PERFBUDGET_OK)
            abort();
        perfbudget_comparison regression;
        perfbudget_comparison_init(&regression);
        const perfbudget_comparison *compared = NULL;
        size_t n_base = 0, n_current = 0;
        const double *base = i ? perfbudget_result_samples(results[i - 1], &n_base) : NULL;
        const double *current = perfbudget_result_samples(results[i], &n_current);
        if (n_base > 0 && n_current > 0) {
            /* The baseline's first samples stand in for its earlier runs' medians. */
            if (perfbudget_compare_runs(ctx, base, n_base, current, n_current, base,
                                        n_base < 5 ? n_base : 5, NULL, &regression) ==
                PERFBUDGET_OK)
                compared = &regression;
            if (perfbudget_result_compare_metrics(ctx, results[i], results[i - 1], NULL, NULL,
                                                  NULL, 0, NULL, 5.0) != PERFBUDGET_OK)
                abort();
        }
        (void)perfbudget_result_test_status(results[i], compared);
        char *text = NULL;
        if (perfbudget_render_test_report(ctx, results[i], compared, 1, &text) != PERFBUDGET_OK)
            abort();
        perfbudget_free(text);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    perfbudget_context *ctx = NULL;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) abort();
    perfbudget_result **results = NULL;
    size_t count = 0;
    int code = perfbudget__results_parse_json(ctx, (const char *)data, size, "fuzz.json", &results,
                                              &count);
    perfbudget_budget *budget = NULL;
    if (perfbudget_budget_new_from_text(ctx, budget_text, sizeof budget_text - 1, "fuzz.yml",
                                        &budget, NULL, 0, NULL) != PERFBUDGET_OK)
        abort();
    if (code == PERFBUDGET_OK) {
        judge_and_compare(ctx, budget, results, count);
        /* The HTML report draws each result against a baseline: the results themselves. */
        perfbudget_report_info info = {.struct_size = sizeof(perfbudget_report_info),
                                       .title = "fuzz <&>", .commit = "0123abc",
                                       .baseline = "main", .created_ns = 1,
                                       .baseline_results = results, .baseline_count = count};
        for (int format = PERFBUDGET_REPORT_MARKDOWN; format <= PERFBUDGET_REPORT_CHROME_TRACE; format++) {
            char *report = NULL;
            if (perfbudget_render_report(ctx, results, count, (perfbudget_report_format)format,
                                         &info, &report) != PERFBUDGET_OK)
                abort();
            perfbudget_free(report);
        }
        fuzz_check_round_trip(ctx, results, count);
        perfbudget_results_free(results, count);
    } else if (results != NULL || count != 0 || perfbudget_errmsg(ctx)[0] == '\0') {
        abort();
    }
    perfbudget_budget_free(budget);
    perfbudget_context_free(ctx);
    return 0;
}
