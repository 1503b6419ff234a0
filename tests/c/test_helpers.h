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
#include <string.h>

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

/* A result of n samples (at most 64) around centre, +-1 % in a fixed pattern: the judging
 * tests' measurement whose median and spread are known. */
static inline perfbudget_result *patterned_result(perfbudget_context *ctx, const char *name,
                                                  double centre, size_t n,
                                                  const perfbudget_metrics *metrics) {
    double samples[64];
    assert_true(n <= 64);
    for (size_t i = 0; i < n; i++)
        samples[i] = centre * (1.0 + 0.01 * ((double)(i % 11) - 5.0) / 5.0);
    perfbudget_result *r = NULL;
    assert_int_equal(perfbudget_result_new(ctx, name, samples, n, metrics, PERFBUDGET_RUN_OK, "",
                                           &r),
                     PERFBUDGET_OK);
    return r;
}

/* A budget file's text, which must parse. */
static inline perfbudget_budget *parsed_budget(perfbudget_context *ctx, const char *text) {
    perfbudget_budget *budget = NULL;
    assert_int_equal(perfbudget_budget_new_from_text(ctx, text, strlen(text), "perfbudget.yml",
                                                     &budget, NULL, 0, NULL),
                     PERFBUDGET_OK);
    return budget;
}

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
