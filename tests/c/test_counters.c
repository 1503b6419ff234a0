/* SPDX-License-Identifier: MIT */
/* Hardware counters: real counts where the kernel has a PMU, and otherwise "unavailable" with a
 * reason, never a zero. */
#include <string.h>

#include "test_helpers.h"

static void test_counts_or_says_why_not(void **state) {
    perfbudget_counters *counters = NULL;
    int status = perfbudget_counters_new(*state, &counters);
    if (status == PERFBUDGET_EUNAVAILABLE) {
        assert_null(counters);
        assert_true(strlen(perfbudget_errmsg(*state)) > 10);
        print_message("counters unavailable: %s\n", perfbudget_errmsg(*state));
        return;
    }
    assert_int_equal(status, PERFBUDGET_OK);
    assert_int_equal(perfbudget_counters_start(counters), PERFBUDGET_OK);
    volatile uint64_t sink = 0;
    for (uint64_t i = 0; i < 1000000; i++) sink += i;
    (void)sink;
    assert_int_equal(perfbudget_counters_stop(counters), PERFBUDGET_OK);
    uint64_t instructions, cycles;
    assert_int_equal(perfbudget_counters_read(counters, &instructions, &cycles), PERFBUDGET_OK);
    assert_true(instructions > 1000000);
    assert_true(cycles > 0);
    perfbudget_counters_free(counters);
}

static void body(perfbudget_state *state) {
    while (perfbudget_loop(state)) PERFBUDGET_CLOBBER_MEMORY();
}

static void test_result_reports_unavailable_as_nan(void **state) {
    perfbudget_suite *suite;
    assert_int_equal(perfbudget_suite_new(*state, "counters", &suite), PERFBUDGET_OK);
    perfbudget_benchmark_def def = {.name = "empty", .run = body};
    assert_int_equal(perfbudget_suite_add(suite, &def), PERFBUDGET_OK);
    perfbudget_run_options opts;
    perfbudget_run_options_init(&opts);
    opts.min_time_ns = 0;
    opts.warmup_ns = 0;
    perfbudget_result *r;
    assert_int_equal(perfbudget_suite_run(suite, 0, &opts, &r), PERFBUDGET_OK);
    const perfbudget_metrics *m = perfbudget_result_metrics(r);
    if (perfbudget_result_counters_note(r)[0] != '\0')
        assert_true(isnan(m->instructions_per_iteration) && isnan(m->cycles_per_iteration));
    else
        assert_true(m->instructions_per_iteration > 0);
    perfbudget_result_free(r);
    perfbudget_suite_free(suite);
    perfbudget_counters_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_counts_or_says_why_not, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_result_reports_unavailable_as_nan, context_setup,
                                        context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
