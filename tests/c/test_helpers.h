/* SPDX-License-Identifier: MIT */
/* cmocka plus the helpers every C test uses. */
#ifndef PERFBUDGET_TEST_HELPERS_H
#define PERFBUDGET_TEST_HELPERS_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "perfbudget/perfbudget.h"

/* Debian's cmocka 1.1.5 has no assert_double_equal. Equal when identical, both NaN, or within
 * rel x max(|a|, |b|) + abs. */
static inline int doubles_close(double a, double b, double rel, double abs_tolerance) {
    if (a == b || (isnan(a) && isnan(b))) return 1;
    return fabs(a - b) <= rel * fmax(fabs(a), fabs(b)) + abs_tolerance;
}

#define assert_close(actual, expected, rel)                                                \
    do {                                                                                   \
        double actual_ = (actual), expected_ = (expected);                                 \
        if (!doubles_close(actual_, expected_, (rel), 0.0))                                \
            fail_msg("%s = %.17g, expected %.17g", #actual, actual_, expected_);          \
    } while (0)

/* A fresh context per test, freed by the teardown. */
static inline int context_setup(void **state) {
    perfbudget_context *ctx = NULL;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) return -1;
    *state = ctx;
    return 0;
}

static inline int context_teardown(void **state) {
    perfbudget_context_free(*state);
    return 0;
}

#endif
