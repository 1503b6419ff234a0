/* SPDX-License-Identifier: MIT */
/* What test runners show: verdict first, CTest measurements, skips; tables; file names. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "internal.h"
#include "test_helpers.h"

/* Like assert_non_null(strstr(...)), but shows the text when the line is missing. */
static void expect_in(const char *text, const char *needle) {
    if (strstr(text, needle) == NULL) fail_msg("missing '%s' in:\n%s", needle, text);
}

static perfbudget_budget *budget_of(perfbudget_context *ctx, const char *text) {
    perfbudget_budget *budget = NULL;
    assert_int_equal(perfbudget_budget_new_from_text(ctx, text, strlen(text), "b.yml", &budget,
                                                     NULL, 0, NULL),
                     PERFBUDGET_OK);
    return budget;
}

static perfbudget_result *result_of(perfbudget_context *ctx, const char *name, double centre) {
    double samples[20];
    for (int i = 0; i < 20; i++) samples[i] = centre * (1.0 + 0.001 * (i % 5));
    perfbudget_metrics m;
    perfbudget_metrics_init(&m);
    m.peak_rss_bytes = 3e6;
    m.cpu_utilization = 0.98;
    m.rounds = 20;
    m.iterations_per_sample = 1;
    perfbudget_result *r;
    assert_int_equal(perfbudget_result_new(ctx, name, samples, 20, &m, PERFBUDGET_RUN_OK, NULL, &r),
                     PERFBUDGET_OK);
    return r;
}

static char *render(perfbudget_context *ctx, perfbudget_result *r,
                    const perfbudget_comparison *c) {
    char *text = NULL;
    assert_int_equal(perfbudget_render_test_report(ctx, r, c, 1, &text), PERFBUDGET_OK);
    return text;
}

static void test_failure_comes_first(void **state) {
    perfbudget_budget *b = budget_of(*state, "version: 1\nbudgets:\n  decode:\n"
                                             "    latency: {p95: 2ms, median: 1ms}\n"
                                             "    memory: 1GB\n");
    perfbudget_result *r = result_of(*state, "decode", 2.3e6);
    perfbudget_limit_status worst;
    assert_int_equal(perfbudget_result_judge(*state, r, b, NULL, &worst), PERFBUDGET_OK);
    assert_int_equal(worst, PERFBUDGET_LIMIT_FAIL);
    assert_int_equal(perfbudget_result_test_status(r, NULL), PERFBUDGET_TEST_FAIL);
    char *text = render(*state, r, NULL);
    const char *first_line = "FAIL decode: p95 2.31 ms > 2 ms budget (and more below)\n";
    assert_memory_equal(text, first_line, strlen(first_line));
    expect_in(text, "  FAIL median 2.30 ms > 1 ms budget\n");
    expect_in(text, "  pass memory 3 MB <= 1 GB budget\n");
    expect_in(text, "<CTestMeasurement type=\"numeric/double\" name=\"median_ns\">2304600");
    assert_null(strstr(text, "instructions_per_iteration")); /* unavailable: no tag, no zero */
    perfbudget_free(text);
    perfbudget_result_free(r);
    perfbudget_budget_free(b);
}

static void test_unmeasurable_limit_skips(void **state) {
    /* Items per second: the benchmark declared no items, so the figure does not exist here. */
    perfbudget_budget *b = budget_of(*state, "version: 1\nbudgets:\n  decode:\n"
                                             "    latency: {p95: 1min}\n    throughput: 1000/s\n");
    perfbudget_result *r = result_of(*state, "decode", 1e3);
    perfbudget_result_judge(*state, r, b, NULL, NULL);
    assert_int_equal(perfbudget_result_test_status(r, NULL), PERFBUDGET_TEST_SKIP);
    char *text = render(*state, r, NULL);
    assert_memory_equal(text, "SKIP decode: PERFBUDGET_SKIP", 28);
    expect_in(text, "  skip throughput unavailable here");
    perfbudget_free(text);
    /* With a failing limit beside it, the test fails and the skip token must not appear, or
     * CTest would show the failure as skipped. */
    perfbudget_budget_free(b);
    b = budget_of(*state, "version: 1\nbudgets:\n  decode:\n"
                          "    latency: {p95: 1ns}\n    throughput: 1000/s\n");
    perfbudget_result_judge(*state, r, b, NULL, NULL);
    assert_int_equal(perfbudget_result_test_status(r, NULL), PERFBUDGET_TEST_FAIL);
    text = render(*state, r, NULL);
    assert_null(strstr(text, "PERFBUDGET_SKIP"));
    perfbudget_free(text);
    perfbudget_result_free(r);
    perfbudget_budget_free(b);
}

/* A limit applies to the mode that measures it: instructions a time-mode run could not count
 * are instructions mode's to judge, and do not skip the time-mode test; in instructions mode
 * the same missing count does. */
static void test_instructions_limit_applies_to_its_mode(void **state) {
    perfbudget_budget *b = budget_of(*state, "version: 1\nbudgets:\n  decode:\n"
                                             "    latency: {p95: 1min}\n    instructions: 5000\n");
    perfbudget_result *r = result_of(*state, "decode", 1e3);
    perfbudget_result_judge(*state, r, b, NULL, NULL);
    assert_int_equal(perfbudget_result_test_status(r, NULL), PERFBUDGET_TEST_PASS);
    char *text = render(*state, r, NULL);
    assert_memory_equal(text, "PASS decode: ", 13);
    expect_in(text, "  skip instructions not judged in time mode: not counted here");
    assert_null(strstr(text, "PERFBUDGET_SKIP"));
    perfbudget_free(text);
    assert_int_equal(perfbudget_result_set_mode(r, PERFBUDGET_MODE_INSTRUCTIONS), PERFBUDGET_OK);
    perfbudget_result_judge(*state, r, b, NULL, NULL);
    assert_int_equal(perfbudget_result_test_status(r, NULL), PERFBUDGET_TEST_SKIP);
    perfbudget_result_free(r);
    perfbudget_budget_free(b);
}

static void test_regression_line(void **state) {
    perfbudget_result *base = result_of(*state, "decode", 1e6);
    perfbudget_result *now = result_of(*state, "decode", 1.2e6);
    size_t nb, nc;
    const double *b = perfbudget_result_samples(base, &nb), *c = perfbudget_result_samples(now, &nc);
    perfbudget_comparison cmp;
    perfbudget_comparison_init(&cmp);
    assert_int_equal(perfbudget_compare(*state, b, nb, c, nc, NULL, &cmp), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_test_status(now, &cmp), PERFBUDGET_TEST_FAIL);
    char *text = render(*state, now, &cmp);
    expect_in(text, "FAIL decode: median 1.20 ms vs 1.00 ms baseline: +20.0%");
    expect_in(text, "regression (critical)");
    expect_in(text, "name=\"change_pct\">20");
    perfbudget_free(text);
    perfbudget_result_free(base);
    perfbudget_result_free(now);
}

static void test_failed_run_and_table(void **state) {
    setenv("COLUMNS", "200", 1); /* wide enough for every name */
    perfbudget_result *r[2];
    r[0] = result_of(*state, "a_long_benchmark_name", 1234.0);
    assert_int_equal(perfbudget_result_new(*state, "crashes", NULL, 0, NULL, PERFBUDGET_RUN_FAILED,
                                           "killed by signal 11", &r[1]),
                     PERFBUDGET_OK);
    char *text = render(*state, r[1], NULL);
    assert_string_equal(text, "FAIL crashes: killed by signal 11\n");
    perfbudget_free(text);
    assert_int_equal(perfbudget_render_table(*state, r, 2, 0, 1, &text), PERFBUDGET_OK);
    expect_in(text, "benchmark             rounds x iters");
    expect_in(text, "a_long_benchmark_name         20 x 1  1.24 \xC2\xB5s");
    expect_in(text, "crashes               FAILED: killed by signal 11");
    perfbudget_free(text);
    perfbudget_result_free(r[0]);
    perfbudget_result_free(r[1]);
}

static void test_custom_metrics(void **state) {
    perfbudget_budget *b = budget_of(*state, "version: 1\nbudgets:\n  decode:\n    metrics:\n"
                                             "      hit_rate: {fail: 80%, higher_is_better: true}\n"
                                             "      parse_time: 2ms\n");
    perfbudget_result *r = result_of(*state, "decode", 1e3);
    assert_int_equal(perfbudget_result_add_metric(*state, r, "hit_rate", 92, "%", 1), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_add_metric(*state, r, "parse_time", 2.5, "ms", 0),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_add_metric(*state, r, "x", 1, "parsecs", 0), PERFBUDGET_EINVAL);
    assert_int_equal(perfbudget_result_metric_count(r), 2);
    double value;
    perfbudget_result_metric_at(r, 1, NULL, &value, NULL, NULL);
    assert_close(value, 2.5e6, 0); /* stored in ns */
    perfbudget_limit_status worst;
    perfbudget_result_judge(*state, r, b, NULL, &worst);
    assert_int_equal(worst, PERFBUDGET_LIMIT_FAIL);
    char *text = render(*state, r, NULL);
    expect_in(text, "FAIL decode: parse_time 2.50 ms > 2 ms budget");
    expect_in(text, "  pass hit_rate 92% >= 80% minimum");
    perfbudget_free(text);
    perfbudget_result_free(r);
    perfbudget_budget_free(b);
}

/* A name or a message cannot drive the terminal or forge a line: controls are printed escaped,
 * printable text (UTF-8 included) as it is. */
static void test_control_characters(void **state) {
    const char *hostile = "a\nFAIL forged\x1b[2J\x1b]0;title\x07\t\r\x7f\xc2\x9b" "31m\xc2\xb5s";
    perfbudget_result *r[2];
    r[0] = result_of(*state, hostile, 1e3);
    assert_int_equal(perfbudget_result_new(*state, hostile, NULL, 0, NULL, PERFBUDGET_RUN_FAILED,
                                           "cannot start '\x1b[31m': no", &r[1]),
                     PERFBUDGET_OK);
    const char *shown = "a\\nFAIL forged\\x1b[2J\\x1b]0;title\\x07\\t\\r\\x7f\\u009b31m\xc2\xb5s";
    char *text = render(*state, r[0], NULL);
    expect_in(text, shown);
    assert_null(strchr(text, '\x1b'));
    assert_int_equal(strchr(text, '\n') - text, strcspn(text, "\n")); /* the first line is whole */
    assert_non_null(strstr(strchr(text, '\n'), "\n  median")); /* and the next is the figures */
    perfbudget_free(text);
    text = render(*state, r[1], NULL);
    expect_in(text, "FAIL ");
    expect_in(text, ": cannot start '\\x1b[31m': no\n");
    assert_null(strchr(text, '\x1b'));
    perfbudget_free(text);
    assert_int_equal(perfbudget_render_table(*state, r, 2, 0, 1, &text), PERFBUDGET_OK);
    expect_in(text, shown);
    assert_null(strchr(text, '\x1b'));
    assert_null(strchr(text, '\x07'));
    perfbudget_free(text);
    perfbudget_result_free(r[0]);
    perfbudget_result_free(r[1]);
}

/* A 100 KB name overflows its own row only: the name column stops at 60 columns, so the other
 * rows stay as wide as a short name makes them; fitting the terminal, it is cut in its middle
 * to those 60 columns. Columns are characters ("µ" and "…" are one). */
static void test_long_name_table(void **state) {
    setenv("COLUMNS", "200", 1);
    enum { LONG = 100 * 1024 };
    char *name = malloc(LONG + 1);
    assert_non_null(name);
    memset(name, 'x', LONG);
    name[LONG] = '\0';
    name[LONG - 1] = 'z';
    perfbudget_result *r[3] = {result_of(*state, "short", 1e3), result_of(*state, name, 1e3),
                               result_of(*state, "µs-µs", 1e3)};
    char *text;
    assert_int_equal(perfbudget_render_table(*state, r, 3, 0, 1, &text), PERFBUDGET_OK);
    const char *line = text;
    size_t lengths[4];
    for (int i = 0; i < 4; i++) {
        lengths[i] = strcspn(line, "\n");
        line += lengths[i] + 1;
    }
    assert_true(lengths[0] < 200 && lengths[1] < 200); /* the heading, short */
    assert_true(lengths[2] > LONG);                     /* the long name, whole, on its row */
    assert_int_equal(lengths[3], lengths[1] + 2); /* two "µ", two bytes each, one column each */
    perfbudget_free(text);
    assert_int_equal(perfbudget_render_table(*state, r, 3, -1, 1, &text), PERFBUDGET_OK);
    line = text;
    for (int i = 0; i < 4; i++) {
        lengths[i] = strcspn(line, "\n");
        line += lengths[i] + 1;
    }
    assert_int_equal(lengths[2], lengths[1] + 2);       /* "…": three bytes, one column */
    assert_int_equal(lengths[3], lengths[1] + 2); /* two "µ", two bytes each, one column each */
    expect_in(text, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xE2\x80\xA6xxxxxxxxxxxxxxxxxxxxxxxxxxxxxz ");
    /* the heading "benchmark" padded to 60 columns, then " rounds x iters" */
    assert_int_equal(strspn(text + strlen("benchmark"), " "), 60 - strlen("benchmark") + 1);
    perfbudget_free(text);
    /* A width asked for (the suite runner's) is capped the same way. */
    assert_int_equal(perfbudget_render_table(*state, r, 1, LONG, 1, &text), PERFBUDGET_OK);
    assert_true(strlen(text) < 400);
    perfbudget_free(text);
    for (int i = 0; i < 3; i++) perfbudget_result_free(r[i]);
    free(name);
}

/* Asked to (name_width < 0), the table fits the terminal's width (COLUMNS); long names are cut
 * in the middle, so a test's start and its parameters both show. */
static void test_table_fits_the_terminal(void **state) {
    const char *names[] = {"tests/test_parse.py::test_parse_document[utf8-10000]",
                           "tests/test_parse.py::test_parse_document[utf8-100]", "short"};
    perfbudget_result *r[3];
    for (int i = 0; i < 3; i++) r[i] = result_of(*state, names[i], 1e3);
    static const char *const widths[] = {"100", "120"};
    for (int w = 0; w < 2; w++) {
        setenv("COLUMNS", widths[w], 1);
        int columns = atoi(widths[w]);
        char *text;
        assert_int_equal(perfbudget_render_table(*state, r, 3, -1, 1, &text), PERFBUDGET_OK);
        int lines = 0;
        for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n"), lines++)
            if (perfbudget__columns(line) > columns)
                fail_msg("%d columns, wider than %d: '%s'", perfbudget__columns(line), columns,
                         line);
        assert_int_equal(lines, 4); /* one row per result */
        perfbudget_free(text);
        assert_int_equal(perfbudget_render_table(*state, r, 3, -1, 0, &text), PERFBUDGET_OK);
        expect_in(text, "\xE2\x80\xA6");
        expect_in(text, "10000] ");
        expect_in(text, "-100] ");
        expect_in(text, "tests");
        perfbudget_free(text);
    }
    unsetenv("COLUMNS");
    for (int i = 0; i < 3; i++) perfbudget_result_free(r[i]);
}

static void test_file_names(void **state) {
    (void)state;
    char a[128], b[128];
    perfbudget_result_file_name("tests/test_io.py::test_read[../../etc]", a, sizeof a);
    assert_null(strchr(a, '/'));
    assert_true(a[0] != '.');
    assert_non_null(strstr(a, ".json"));
    perfbudget_result_file_name("a/b", a, sizeof a);
    perfbudget_result_file_name("a_b", b, sizeof b);
    assert_string_not_equal(a, b); /* sanitised alike, kept apart by the hash */
    perfbudget_result_file_name("..", a, sizeof a);
    assert_true(a[0] != '.');
}

/* Colour on a terminal: the verdict words only, the rest of each line as it was; and nothing
 * but the text without colour (a captured run, NO_COLOR). */
static void test_colour(void **state) {
    (void)state;
    const char *report = "FAIL decode: median 2 ms > 1 ms budget\n"
                         "  pass p95 1 ms <= 5 ms budget\n"
                         "  budget entry: decode\n"
                         "PASSING is not a verdict";
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    perfbudget_frontend_write_report(out, report, 1);
    fclose(out);
    assert_string_equal(text, "\033[1;31mFAIL\033[0m decode: median 2 ms > 1 ms budget\n"
                              "  \033[32mpass\033[0m p95 1 ms <= 5 ms budget\n"
                              "  budget entry: decode\n"
                              "PASSING is not a verdict");
    free(text);
    out = open_memstream(&text, &size);
    assert_non_null(out);
    perfbudget_frontend_write_report(out, report, 0);
    fclose(out);
    assert_string_equal(text, report);
    free(text);
    setenv("NO_COLOR", "1", 1);
    out = open_memstream(&text, &size);
    assert_int_equal(perfbudget_frontend_use_colour(out), 0);
    fclose(out);
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_failure_comes_first, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_unmeasurable_limit_skips, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_instructions_limit_applies_to_its_mode, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_regression_line, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_failed_run_and_table, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_custom_metrics, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_control_characters, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_long_name_table, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_table_fits_the_terminal, context_setup,
                                        context_teardown),
        cmocka_unit_test(test_file_names),
        cmocka_unit_test(test_colour),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
