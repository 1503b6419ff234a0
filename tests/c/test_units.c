/* SPDX-License-Identifier: MIT */
/* Quantities with units, as budgets and options write them. */
#include <string.h>

#include "test_helpers.h"

static void expect(perfbudget_context *ctx, const char *text, double value,
                   perfbudget_quantity_kind kind) {
    perfbudget_quantity q;
    int status = perfbudget_quantity_parse(ctx, text, &q);
    if (status != PERFBUDGET_OK) fail_msg("'%s': %s", text, perfbudget_errmsg(ctx));
    assert_close(q.value, value, 1e-15);
    assert_int_equal(q.kind, kind);
}

static void expect_error(perfbudget_context *ctx, const char *text, const char *message_part) {
    perfbudget_quantity q;
    assert_int_equal(perfbudget_quantity_parse(ctx, text, &q), PERFBUDGET_EPARSE);
    if (strstr(perfbudget_errmsg(ctx), message_part) == NULL)
        fail_msg("'%s': message '%s' lacks '%s'", text, perfbudget_errmsg(ctx), message_part);
}

static void test_units(void **state) {
    perfbudget_context *ctx = *state;
    expect(ctx, "250ms", 250e6, PERFBUDGET_QUANTITY_DURATION);
    expect(ctx, "2.5 s", 2.5e9, PERFBUDGET_QUANTITY_DURATION);
    expect(ctx, "40us", 40e3, PERFBUDGET_QUANTITY_DURATION);
    expect(ctx, "40\xC2\xB5s", 40e3, PERFBUDGET_QUANTITY_DURATION);
    expect(ctx, "3ns", 3, PERFBUDGET_QUANTITY_DURATION);
    expect(ctx, "2min", 120e9, PERFBUDGET_QUANTITY_DURATION);
    expect(ctx, "1KB", 1000, PERFBUDGET_QUANTITY_SIZE);
    expect(ctx, "512MiB", 512.0 * 1048576, PERFBUDGET_QUANTITY_SIZE);
    expect(ctx, "1.5GB", 1.5e9, PERFBUDGET_QUANTITY_SIZE);
    expect(ctx, "70%", 70, PERFBUDGET_QUANTITY_PERCENT);
    expect(ctx, "100/s", 100, PERFBUDGET_QUANTITY_RATE);
    expect(ctx, "5e3 ops/s", 5000, PERFBUDGET_QUANTITY_RATE);
    expect(ctx, "20 items/s", 20, PERFBUDGET_QUANTITY_RATE);
    expect(ctx, "10MB/s", 1e7, PERFBUDGET_QUANTITY_BYTE_RATE);
    expect(ctx, "42", 42, PERFBUDGET_QUANTITY_NUMBER);
    expect(ctx, ".5ms", 5e5, PERFBUDGET_QUANTITY_DURATION);
    /* Whole numbers have a path of their own: it must read what the general one reads. */
    expect(ctx, "007ms", 7e6, PERFBUDGET_QUANTITY_DURATION);
    expect(ctx, "123456789012345ns", 123456789012345.0, PERFBUDGET_QUANTITY_DURATION);
    expect(ctx, "12345678901234567ns", 12345678901234567.0, PERFBUDGET_QUANTITY_DURATION);
    expect(ctx, "1E3ms", 1e9, PERFBUDGET_QUANTITY_DURATION);
    expect(ctx, "2. s", 2e9, PERFBUDGET_QUANTITY_DURATION);
}

static void test_errors(void **state) {
    perfbudget_context *ctx = *state;
    expect_error(ctx, "250 parsecs", "unknown unit 'parsecs'");
    expect_error(ctx, "fast", "not a number");
    expect_error(ctx, "inf", "not a finite number");
    expect_error(ctx, "nan ms", "not a finite number");
    expect_error(ctx, "", "not a number");
    expect_error(ctx, "1e999ms", "too large");
    expect_error(ctx, "0x10ms", "not a number");
    expect_error(ctx, "5 m", "unknown unit 'm'");
    perfbudget_quantity q;
    assert_int_equal(perfbudget_quantity_parse(ctx, NULL, &q), PERFBUDGET_EINVAL);
    assert_string_equal(perfbudget_quantity_kind_name(PERFBUDGET_QUANTITY_BYTE_RATE), "byte rate");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_units, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_errors, context_setup, context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
