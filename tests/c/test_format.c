/* SPDX-License-Identifier: MIT */
/* Figures formatted for people. */
#include "test_helpers.h"

static void expect(double value, perfbudget_unit unit, const char *text) {
    char buf[32];
    assert_string_equal(perfbudget_format_value(value, unit, buf, sizeof buf), text);
}

static void test_formats(void **state) {
    (void)state;
    expect(812, PERFBUDGET_UNIT_NS, "812 ns");
    expect(0.5, PERFBUDGET_UNIT_NS, "0.50 ns");
    expect(1234, PERFBUDGET_UNIT_NS, "1.23 \xC2\xB5s");
    expect(2310000, PERFBUDGET_UNIT_NS, "2.31 ms");
    expect(45.6e6, PERFBUDGET_UNIT_NS, "45.6 ms");
    expect(1.5e9, PERFBUDGET_UNIT_NS, "1.50 s");
    expect(512, PERFBUDGET_UNIT_BYTES, "512 B");
    expect(3.2 * 1048576, PERFBUDGET_UNIT_BYTES, "3.20 MiB");
    expect(42, PERFBUDGET_UNIT_PERCENT, "42.0 %");
    expect(1.25e6, PERFBUDGET_UNIT_PER_SECOND, "1.25 M/s");
    expect(1.23e9, PERFBUDGET_UNIT_COUNT, "1.23 G");
    expect(17, PERFBUDGET_UNIT_COUNT, "17");
    expect(NAN, PERFBUDGET_UNIT_NS, "n/a");
    char tiny[4];
    assert_string_equal(perfbudget_format_value(2310000, PERFBUDGET_UNIT_NS, tiny, sizeof tiny),
                        "2.3");
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_formats)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
