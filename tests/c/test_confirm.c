/* SPDX-License-Identifier: MIT */
/* --perf-confirm: when a suspected regression is measured again, and what its report then
 * says (perfbudget_result_confirm_next). */
#include <string.h>

#include "test_helpers.h"

/* 30 samples around centre, +-1 %. */
static perfbudget_result *result_of(perfbudget_context *ctx, double centre) {
    return patterned_result(ctx, "b", centre, 30, NULL);
}

static perfbudget_budget *budget_of(perfbudget_context *ctx, const char *limit) {
    char text[200];
    snprintf(text, sizeof text, "version: 1\nbudgets:\n  b: {latency: {median: %s}}\n", limit);
    return parsed_budget(ctx, text);
}

/* now concluded against budget and a baseline at 1000 ns. */
static void conclude(perfbudget_context *ctx, perfbudget_result *now,
                     const perfbudget_budget *budget) {
    perfbudget_result *baseline = result_of(ctx, 1000.0);
    perfbudget_conclude_options o;
    perfbudget_conclude_options_init(&o);
    o.budget = budget;
    o.regression = 1;
    o.baseline = &baseline;
    o.baseline_count = 1;
    assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
    perfbudget_result_free(baseline);
}

static void test_a_regression_alone_is_measured_again(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_budget *budget = budget_of(ctx, "10min");
    char note[200];
    perfbudget_result *slower = result_of(ctx, 2000.0);
    conclude(ctx, slower, budget);
    assert_int_equal(perfbudget_result_test_status(slower, NULL), PERFBUDGET_TEST_FAIL);
    assert_int_equal(perfbudget_result_confirm_next(slower, 0, 0, note, sizeof note), 0);
    assert_int_equal(perfbudget_result_confirm_next(slower, 0, 2, note, sizeof note), 1);
    assert_int_equal(perfbudget_result_confirm_next(slower, 1, 2, note, sizeof note), 1);
    /* every re-measurement regressed too: the verdict stands, and says so */
    assert_int_equal(perfbudget_result_confirm_next(slower, 2, 2, note, sizeof note), 0);
    assert_string_equal(note, "the regression was confirmed by 2 re-measurements");
    /* a re-measurement that passes ends it */
    perfbudget_result *same = result_of(ctx, 1000.0);
    conclude(ctx, same, budget);
    assert_int_equal(perfbudget_result_confirm_next(same, 1, 2, note, sizeof note), 0);
    assert_string_equal(note, "a suspected regression was not confirmed by re-measurement 1 of 2");
    /* a first measurement that passes is not measured again */
    assert_int_equal(perfbudget_result_confirm_next(same, 0, 2, note, sizeof note), 0);
    assert_string_equal(note, "");
    perfbudget_result_free(slower);
    perfbudget_result_free(same);
    perfbudget_budget_free(budget);
}

static void test_a_breached_limit_is_not_measured_again(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_budget *budget = budget_of(ctx, "1ns");
    char note[200] = "x";
    perfbudget_result *slower = result_of(ctx, 2000.0);
    conclude(ctx, slower, budget);
    assert_int_equal(perfbudget_result_test_status(slower, NULL), PERFBUDGET_TEST_FAIL);
    assert_int_equal(perfbudget_result_confirm_next(slower, 0, 3, note, sizeof note), 0);
    assert_string_equal(note, "");
    perfbudget_result_free(slower);
    perfbudget_budget_free(budget);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_regression_alone_is_measured_again, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_a_breached_limit_is_not_measured_again,
                                        context_setup, context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
