/* SPDX-License-Identifier: MIT */
/* Status codes: one name and one text per code, numbers stable. */
#include <string.h>

#include "test_helpers.h"

static void test_table(void **state) {
    (void)state;
    assert_string_equal(perfbudget_errstr(PERFBUDGET_OK), "success");
    assert_string_equal(perfbudget_errname(PERFBUDGET_ENODATA), "ENODATA");
    assert_string_equal(perfbudget_errstr(12345), "unknown error");
    assert_null(perfbudget_errname(-1));
    /* Released numbers never change. */
    assert_int_equal(PERFBUDGET_EINVAL, 1);
    assert_int_equal(PERFBUDGET_ENOMEM, 2);
    assert_int_equal(PERFBUDGET_EDOMAIN, 4);
    assert_int_equal(PERFBUDGET_EPARSE, 7);
    for (int code = 0; code <= PERFBUDGET_EINTERRUPTED; code++) {
        assert_non_null(perfbudget_errname(code));
        assert_string_not_equal(perfbudget_errstr(code), "unknown error");
        for (int other = 0; other < code; other++)
            assert_string_not_equal(perfbudget_errname(code), perfbudget_errname(other));
    }
    assert_string_equal(perfbudget_version(), PERFBUDGET_VERSION_STRING);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_table)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
