/* SPDX-License-Identifier: MIT */
/* Instructions mode: what is judged, what is compared, and that a result keeps its mode. Counting
 * under callgrind itself is tested end to end by tests/cli/test_instructions.sh. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <unistd.h>

#include "test_helpers.h"

static perfbudget_result *counted(perfbudget_context *ctx, double instructions) {
    double samples[10];
    for (int i = 0; i < 10; i++) samples[i] = 5000.0 + i; /* valgrind's times: never judged */
    perfbudget_metrics m;
    perfbudget_metrics_init(&m);
    m.instructions_per_iteration = instructions;
    m.peak_rss_bytes = 9e9;
    perfbudget_result *r;
    assert_int_equal(perfbudget_result_new(ctx, "work", samples, 10, &m, PERFBUDGET_RUN_OK, NULL, &r),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_set_mode(r, PERFBUDGET_MODE_INSTRUCTIONS), PERFBUDGET_OK);
    return r;
}

static void test_names(void **state) {
    (void)state;
    perfbudget_mode mode = PERFBUDGET_MODE_TIME;
    assert_int_equal(perfbudget_mode_parse("instructions", &mode), PERFBUDGET_OK);
    assert_int_equal(mode, PERFBUDGET_MODE_INSTRUCTIONS);
    assert_string_equal(perfbudget_mode_name(mode), "instructions");
    assert_int_equal(perfbudget_mode_parse("time", &mode), PERFBUDGET_OK);
    assert_int_equal(mode, PERFBUDGET_MODE_TIME);
    assert_int_equal(perfbudget_mode_parse("cycles", &mode), PERFBUDGET_EINVAL);
    assert_null(perfbudget_mode_name((perfbudget_mode)7));
    perfbudget_run_options opts;
    perfbudget_run_options_init(&opts);
    assert_int_equal(opts.mode, PERFBUDGET_MODE_TIME);
}

/* The mode is part of the identity, so no baseline or history series mixes the two. */
static void test_identity_carries_the_mode(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_result *r = counted(ctx, 1000.0);
    assert_string_equal(perfbudget_result_identity(r), "[instructions mode]");
    assert_int_equal(perfbudget_result_set_identity(r, "abc123"), PERFBUDGET_OK);
    assert_string_equal(perfbudget_result_identity(r), "abc123 [instructions mode]");
    /* setting it again (a result file read back) does not tag it twice */
    assert_int_equal(perfbudget_result_set_identity(r, "abc123 [instructions mode]"), PERFBUDGET_OK);
    assert_string_equal(perfbudget_result_identity(r), "abc123 [instructions mode]");
    assert_int_equal(perfbudget_result_set_mode(r, PERFBUDGET_MODE_TIME), PERFBUDGET_OK);
    assert_string_equal(perfbudget_result_identity(r), "abc123");
    /* a tagged identity (from the history) brings its mode back */
    assert_int_equal(perfbudget_result_set_identity(r, "[instructions mode]"), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_mode(r), PERFBUDGET_MODE_INSTRUCTIONS);
    perfbudget_result_free(r);
}

static void test_result_file_keeps_the_mode(void **state) {
    perfbudget_context *ctx = *state;
    char path[] = "/tmp/perfbudget-test-mode-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    perfbudget_result *r = counted(ctx, 1234.5);
    assert_int_equal(perfbudget_result_set_identity(r, "v1"), PERFBUDGET_OK);
    assert_int_equal(perfbudget_results_write_json(ctx, path, "suite", &r, 1), PERFBUDGET_OK);
    perfbudget_result **loaded = NULL;
    size_t count = 0;
    assert_int_equal(perfbudget_results_new_from_file(ctx, path, &loaded, &count), PERFBUDGET_OK);
    assert_int_equal(count, 1);
    assert_int_equal(perfbudget_result_mode(loaded[0]), PERFBUDGET_MODE_INSTRUCTIONS);
    assert_string_equal(perfbudget_result_identity(loaded[0]), "v1 [instructions mode]");
    perfbudget_results_free(loaded, count);
    perfbudget_result_free(r);
    /* a mode this version does not know is an error naming the field, not a time result */
    FILE *f = fopen(path, "w");
    fputs("{\"suite\": \"s\", \"benchmarks\": [{\"name\": \"b\", \"status\": \"ok\", \"samples\": "
          "[1, 2, 3], \"mode\": \"cycles\"}]}", f);
    fclose(f);
    assert_int_equal(perfbudget_results_new_from_file(ctx, path, &loaded,
                                                      &count), PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(ctx), "mode"));
    unlink(path);
}

/* Counts are exact: one baseline run decides, and only the instruction count is compared. */
static void test_exact_comparison(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_result *base = counted(ctx, 1208.0);
    perfbudget_result *slower = counted(ctx, 1220.0); /* +0.99 % */
    perfbudget_result *same = counted(ctx, 1208.06); /* +0.005 %: layout noise at most */
    assert_int_equal(perfbudget_result_compare_metrics(ctx, slower, base, NULL, NULL, NULL, 0, NULL,
                                                       0.5),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_comparison_count(slower), 1); /* not memory: valgrind's */
    const char *metric;
    const perfbudget_comparison *c;
    assert_int_equal(perfbudget_result_comparison_at(slower, 0, &metric, NULL, &c), PERFBUDGET_OK);
    assert_string_equal(metric, "instructions");
    assert_int_equal(c->outcome, PERFBUDGET_OUTCOME_REGRESSION);
    assert_close(c->change_pct, 100.0 * 12.0 / 1208.0, 1e-12);
    assert_true(isnan(c->p_value));
    assert_int_equal(perfbudget_result_test_status(slower, NULL), PERFBUDGET_TEST_FAIL);
    assert_int_equal(perfbudget_result_compare_metrics(ctx, same, base, NULL, NULL, NULL, 0, NULL,
                                                       0.5),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_comparison_at(same, 0, NULL, NULL, &c), PERFBUDGET_OK);
    assert_int_equal(c->outcome, PERFBUDGET_OUTCOME_PASS);
    char *text = NULL;
    assert_int_equal(perfbudget_render_test_report(ctx, slower, NULL, 0, &text), PERFBUDGET_OK);
    if (strstr(text, "(exact counts), threshold 0.5%: regression") == NULL ||
        strstr(text, "instructions mode: ") == NULL)
        fail_msg("unexpected report:\n%s", text);
    perfbudget_free(text);
    perfbudget_result_free(base);
    perfbudget_result_free(slower);
    perfbudget_result_free(same);
}

/* Budgets: instruction limits judge; times and memory, measured under valgrind, are not judged
 * and skip nothing. */
static void test_only_instruction_limits_judge(void **state) {
    perfbudget_context *ctx = *state;
    static const char text[] = "version: 1\nbudgets:\n  work:\n    latency:\n      median: 1us\n"
                               "    memory: 1MB\n    instructions: 1200\n";
    perfbudget_budget *budget = NULL;
    assert_int_equal(perfbudget_budget_new_from_text(ctx, text, strlen(text), "b.yml", &budget,
                                                     NULL, 0, NULL),
                     PERFBUDGET_OK);
    perfbudget_result *within = counted(ctx, 1100.0), *beyond = counted(ctx, 1300.0);
    assert_int_equal(perfbudget_result_judge(ctx, within, budget, NULL, NULL), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_test_status(within, NULL), PERFBUDGET_TEST_PASS);
    const perfbudget_limit_verdict *verdicts;
    size_t n = perfbudget_result_verdicts(within, &verdicts);
    assert_int_equal(n, 3);
    int not_judged = 0;
    for (size_t i = 0; i < n; i++)
        not_judged += strstr(verdicts[i].text, "not judged in instructions mode") != NULL;
    assert_int_equal(not_judged, 2);
    assert_int_equal(perfbudget_result_judge(ctx, beyond, budget, NULL, NULL), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_test_status(beyond, NULL), PERFBUDGET_TEST_FAIL);
    perfbudget_result_free(within);
    perfbudget_result_free(beyond);
    perfbudget_budget_free(budget);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test_setup_teardown(test_identity_carries_the_mode, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_result_file_keeps_the_mode, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_exact_comparison, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_only_instruction_limits_judge, context_setup,
                                        context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
