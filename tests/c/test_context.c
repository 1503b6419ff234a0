/* SPDX-License-Identifier: MIT */
/* The context: clock calibration, clock injection and error state. */
#include <string.h>

#include "test_helpers.h"

static uint64_t fixed_clock(void *userdata) { return *(uint64_t *)userdata; }

static void test_clock_info_is_plausible(void **state) {
    perfbudget_clock_info info = perfbudget_context_clock_info(*state);
    print_message("clock overhead %.1f ns, resolution %.1f ns\n", info.overhead_ns,
                  info.resolution_ns);
    assert_true(info.overhead_ns > 0 && info.overhead_ns < 1e6);
    assert_true(info.resolution_ns >= 1);
    assert_false(info.is_fake);
}

static void test_injected_clock(void **state) {
    uint64_t now = 42;
    perfbudget_context_set_clock(*state, fixed_clock, &now);
    assert_int_equal(perfbudget_context_now_ns(*state), 42);
    assert_true(perfbudget_context_clock_info(*state).is_fake);
    perfbudget_context_set_clock(*state, NULL, NULL);
    assert_false(perfbudget_context_clock_info(*state).is_fake);
    assert_true(perfbudget_context_now_ns(*state) > 42);
}

static void test_error_state(void **state) {
    assert_string_equal(perfbudget_errmsg(*state), "");
    assert_int_equal(perfbudget_errcode(*state), PERFBUDGET_OK);
    double q;
    assert_int_equal(perfbudget_quantile(*state, NULL, 0, 0.5, &q), PERFBUDGET_ENODATA);
    assert_int_equal(perfbudget_errcode(*state), PERFBUDGET_ENODATA);
    assert_non_null(strstr(perfbudget_errmsg(*state), "no samples"));
    assert_string_equal(perfbudget_errmsg(NULL), "no context");
    assert_int_equal(perfbudget_context_new(NULL), PERFBUDGET_EINVAL);
    perfbudget_context_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_clock_info_is_plausible, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_injected_clock, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_error_state, context_setup, context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
