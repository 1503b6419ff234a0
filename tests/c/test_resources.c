/* SPDX-License-Identifier: MIT */
/* Current and peak RSS, and resetting the peak. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>

#include "test_helpers.h"

enum { BLOCK = 64 * 1024 * 1024 };

static void test_peak_follows_a_large_allocation(void **state) {
    perfbudget_memory_usage before, during, after;
    assert_int_equal(perfbudget_memory_read(*state, &before), PERFBUDGET_OK);
    assert_true(before.rss_bytes > 0 && before.peak_rss_bytes >= before.rss_bytes);
    /* mmap, not malloc: a sanitizer's allocator would keep a freed block resident. */
    char *block = mmap(NULL, BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(block != MAP_FAILED);
    memset(block, 1, BLOCK);
    assert_int_equal(perfbudget_memory_read(*state, &during), PERFBUDGET_OK);
    assert_true(during.rss_bytes >= before.rss_bytes + BLOCK * 0.9);
    assert_true(during.peak_rss_bytes >= during.rss_bytes);
    munmap(block, BLOCK);
    int reset = perfbudget_memory_reset_peak(*state);
    assert_int_equal(perfbudget_memory_read(*state, &after), PERFBUDGET_OK);
    if (reset == PERFBUDGET_OK) {
        assert_true(after.peak_rss_bytes < during.peak_rss_bytes - BLOCK / 2);
    } else {
        assert_int_equal(reset, PERFBUDGET_EUNAVAILABLE);
        assert_non_null(strstr(perfbudget_errmsg(*state), "clear_refs"));
        assert_true(after.peak_rss_bytes >= during.peak_rss_bytes);
    }
    assert_int_equal(perfbudget_memory_read(*state, NULL), PERFBUDGET_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_peak_follows_a_large_allocation, context_setup,
                                        context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
