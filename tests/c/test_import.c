/* SPDX-License-Identifier: MIT */
/* Importing Google Benchmark, hyperfine and nanobench JSON (files in tests/c/data/). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "test_helpers.h"

static perfbudget_result **import(perfbudget_context *ctx, const char *file, const char *format,
                                  const char *single_name, size_t *count) {
    char path[512];
    snprintf(path, sizeof path, "%s/data/%s", PERFBUDGET_TESTS_C_DIR, file);
    perfbudget_result **results = NULL;
    int status = perfbudget_results_import(ctx, path, format, single_name, &results, count);
    if (status != PERFBUDGET_OK) fail_msg("%s: %s", file, perfbudget_errmsg(ctx));
    return results;
}

static void test_google_benchmark(void **state) {
    size_t count;
    perfbudget_result **r = import(*state, "google-benchmark.json", "google-benchmark", NULL, &count);
    assert_int_equal(count, 2);
    assert_string_equal(perfbudget_result_name(r[0]), "BM_crc32/4096");
    size_t n;
    const double *samples = perfbudget_result_samples(r[0], &n);
    assert_int_equal(n, 3); /* repetitions, aggregates skipped */
    assert_close(samples[0], 8500, 1e-12);
    assert_close(perfbudget_result_summary(r[0])->median, 8600, 1e-12);
    const perfbudget_metrics *m = perfbudget_result_metrics(r[0]);
    assert_close(m->bytes_per_second, (4.8e8 + 4.7e8 + 4.75e8) / 3, 1e-12);
    assert_int_equal(m->iterations_per_sample, 80000);
    assert_int_equal(perfbudget_result_status(r[1]), PERFBUDGET_RUN_FAILED);
    assert_non_null(strstr(perfbudget_result_message(r[1]), "input file missing"));
    perfbudget_results_free(r, count);
}

static void test_hyperfine(void **state) {
    size_t count;
    perfbudget_result **r = import(*state, "hyperfine.json", "hyperfine", "decode_frame", &count);
    assert_int_equal(count, 1);
    assert_string_equal(perfbudget_result_name(r[0]), "decode_frame"); /* the single name */
    assert_close(perfbudget_result_summary(r[0])->median, 2.1e6, 1e-12);
    const perfbudget_metrics *m = perfbudget_result_metrics(r[0]);
    assert_close(m->peak_rss_bytes, 4325376, 0);
    assert_close(m->cpu_utilization, 0.0019 / 0.0021, 1e-12);
    perfbudget_results_free(r, count);
}

static void test_nanobench(void **state) {
    size_t count;
    perfbudget_result **r = import(*state, "nanobench.json", "nanobench", NULL, &count);
    assert_int_equal(count, 1);
    assert_string_equal(perfbudget_result_name(r[0]), "crc32 4k");
    assert_close(perfbudget_result_summary(r[0])->median, 8600, 1e-12);
    assert_close(perfbudget_result_metrics(r[0])->instructions_per_iteration, 41000.5, 0);
    perfbudget_results_free(r, count);
}

static void test_errors(void **state) {
    perfbudget_result **r;
    size_t count;
    char path[512];
    snprintf(path, sizeof path, "%s/data/hyperfine.json", PERFBUDGET_TESTS_C_DIR);
    assert_int_equal(perfbudget_results_import(*state, path, "criterion", NULL, &r, &count),
                     PERFBUDGET_EINVAL);
    assert_non_null(strstr(perfbudget_errmsg(*state), "unknown format 'criterion'"));
    assert_int_equal(perfbudget_results_import(*state, path, "google-benchmark", NULL, &r, &count),
                     PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state),
                           "not Google Benchmark JSON (no \"benchmarks\" array)"));
    /* a time that is not a number names the command and the time's index */
    char bad[] = "/tmp/perfbudget-import-XXXXXX";
    int fd = mkstemp(bad);
    assert_true(fd >= 0);
    const char *text = "{\"results\": [{\"command\": \"sleep\", \"times\": [0.1, \"x\"]}]}";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(perfbudget_results_import(*state, bad, "hyperfine", NULL, &r, &count),
                     PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state), "'sleep': time 1 is not a number"));
    remove(bad);
    assert_int_equal(perfbudget_results_import(*state, "/nonexistent.json", "hyperfine", NULL, &r,
                                               &count),
                     PERFBUDGET_EIO);
}

/* The from-memory twin reads the same results, and names the text as told in messages. */
static void test_from_text(void **state) {
    char path[512];
    snprintf(path, sizeof path, "%s/data/nanobench.json", PERFBUDGET_TESTS_C_DIR);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char text[65536];
    size_t size = fread(text, 1, sizeof text, f);
    fclose(f);
    assert_true(size > 0 && size < sizeof text);
    perfbudget_result **r;
    size_t count;
    assert_int_equal(perfbudget__results_import_text(*state, text, size, "memory.json",
                                                     "nanobench", NULL, &r, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 1);
    assert_string_equal(perfbudget_result_name(r[0]), "crc32 4k");
    assert_close(perfbudget_result_summary(r[0])->median, 8600, 1e-12);
    perfbudget_results_free(r, count);
    assert_int_equal(perfbudget__results_import_text(*state, text, size, "memory.json",
                                                     "google-benchmark", NULL, &r, &count),
                     PERFBUDGET_EPARSE);
    assert_null(r);
    assert_non_null(strstr(perfbudget_errmsg(*state), "memory.json: not Google Benchmark JSON"));
    assert_int_equal(perfbudget__results_import_text(*state, "[1,", 3, "memory.json",
                                                     "hyperfine", NULL, &r, &count),
                     PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state), "memory.json:1:"));
    assert_int_equal(perfbudget__results_import_text(*state, text, size, "memory.json",
                                                     "criterion", NULL, &r, &count),
                     PERFBUDGET_EINVAL);
}

/* A figure no tool writes, a negative rate, is refused at import with the benchmark named, as the
 * result-file loader refuses it: perfbudget never writes a file it cannot read back (found by
 * fuzz/fuzz_import, fuzz/regressions/import/google_negative_rate.json). */
static void test_negative_figures(void **state) {
    static const char text[] =
        "{\"benchmarks\": [{\"name\": \"y\", \"real_time\": 10, \"cpu_time\": 5, "
        "\"time_unit\": \"ns\", \"items_per_second\": -1e308}]}";
    perfbudget_result **r;
    size_t count;
    assert_int_equal(perfbudget__results_import_text(*state, text, sizeof text - 1, "gb.json",
                                                     "google-benchmark", NULL, &r, &count),
                     PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state),
                           "gb.json: benchmark 'y': items_per_second must not be negative"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_google_benchmark, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_hyperfine, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_nanobench, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_errors, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_from_text, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_negative_figures, context_setup, context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
