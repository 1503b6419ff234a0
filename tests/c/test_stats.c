/* SPDX-License-Identifier: MIT */
/* Summary statistics and the line fit, against hand-computed values. */
#include <string.h>

#include "internal.h"
#include "test_helpers.h"

static void test_four_values(void **state) {
    const double samples[] = {4, 1, 3, 2};
    perfbudget_summary s;
    assert_int_equal(perfbudget_summarize(*state, samples, 4, &s), PERFBUDGET_OK);
    assert_int_equal(s.n, 4);
    assert_close(s.min, 1, 0);
    assert_close(s.max, 4, 0);
    assert_close(s.mean, 2.5, 1e-15);
    assert_close(s.stddev, sqrt(5.0 / 3.0), 1e-15);
    assert_close(s.median, 2.5, 0);
    assert_close(s.p25, 1.75, 0);
    assert_close(s.p75, 3.25, 0);
    assert_close(s.p90, 3.7, 1e-15);
    assert_close(s.iqr, 1.5, 0);
    assert_close(s.mad, 1.0, 0); /* deviations 1.5 0.5 0.5 1.5 */
    assert_int_equal(s.outliers_low + s.outliers_high, 0);
    /* n = 4: no rank qualifies at 95 %, so the CI is [min, max] at level 1 - 2/16. */
    assert_close(s.median_ci_low, 1, 0);
    assert_close(s.median_ci_high, 4, 0);
    assert_close(s.median_ci_level, 0.875, 1e-15);
    assert_close(samples[0], 4, 0); /* input untouched */
}

static void test_empty_and_single(void **state) {
    perfbudget_summary s;
    assert_int_equal(perfbudget_summarize(*state, NULL, 0, &s), PERFBUDGET_OK);
    assert_int_equal(s.n, 0);
    assert_true(isnan(s.mean) && isnan(s.median) && isnan(s.p99) && isnan(s.median_ci_level));
    const double one = 7.5;
    assert_int_equal(perfbudget_summarize(*state, &one, 1, &s), PERFBUDGET_OK);
    assert_close(s.median, 7.5, 0);
    assert_close(s.p99, 7.5, 0);
    assert_close(s.mad, 0, 0);
    assert_true(isnan(s.stddev));
    assert_close(s.median_ci_level, 0, 0);
}

static void test_non_finite_is_an_error(void **state) {
    const double samples[] = {1, 2, NAN, 4};
    perfbudget_summary s;
    assert_int_equal(perfbudget_summarize(*state, samples, 4, &s), PERFBUDGET_EDOMAIN);
    assert_non_null(strstr(perfbudget_errmsg(*state), "sample 2 is NaN"));
    const double infinite[] = {1, INFINITY};
    assert_int_equal(perfbudget_summarize(*state, infinite, 2, &s), PERFBUDGET_EDOMAIN);
    assert_non_null(strstr(perfbudget_errmsg(*state), "infinite"));
    assert_int_equal(perfbudget_summarize(*state, samples, 4, NULL), PERFBUDGET_EINVAL);
}

static void test_tukey_outliers(void **state) {
    const double samples[] = {-100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100, 101};
    perfbudget_summary s;
    assert_int_equal(perfbudget_summarize(*state, samples, 12, &s), PERFBUDGET_OK);
    /* p25 = 2.75, p75 = 8.25, fences -5.5 and 16.5 */
    assert_close(s.p25, 2.75, 1e-15);
    assert_close(s.p75, 8.25, 1e-15);
    assert_int_equal(s.outliers_low, 1);
    assert_int_equal(s.outliers_high, 2);
}

static void test_huge_values_do_not_overflow(void **state) {
    const double samples[] = {1.5e308, 1e308, 1.5e308, 1e308};
    perfbudget_summary s;
    assert_int_equal(perfbudget_summarize(*state, samples, 4, &s), PERFBUDGET_OK);
    assert_close(s.mean, 1.25e308, 1e-15);
    assert_close(s.stddev, 0.25e308 * sqrt(4.0 / 3.0), 1e-15);
    assert_close(s.median, 1.25e308, 1e-15);
    /* Neighbours of opposite sign whose difference overflows: the quantiles between them stay
     * finite (found by fuzz/fuzz_result, fuzz/regressions/result/opposite_extremes.json). */
    const double spread[] = {-1.7e308, 1.7e308};
    assert_int_equal(perfbudget_summarize(*state, spread, 2, &s), PERFBUDGET_OK);
    assert_true(s.median == 0.0);
    assert_close(s.p25, -0.85e308, 1e-15);
    assert_close(s.p75, 0.85e308, 1e-15);
    assert_true(isfinite(s.p90) && isfinite(s.mean));
}

static void test_million_samples(void **state) {
    enum { N = 1000000 };
    double *samples = malloc(N * sizeof *samples);
    assert_non_null(samples);
    /* A permutation of 0 .. N-1: every order statistic is known. */
    for (size_t i = 0; i < N; i++) samples[i] = (double)((i * 7919) % N);
    perfbudget_summary s;
    assert_int_equal(perfbudget_summarize(*state, samples, N, &s), PERFBUDGET_OK);
    assert_close(s.median, 499999.5, 0);
    assert_close(s.p99, 0.99 * (N - 1), 1e-12);
    assert_close(s.mad, 250000.0, 0);
    assert_close(s.mean, 499999.5, 1e-12);
    assert_true(s.median_ci_low < s.median && s.median < s.median_ci_high);
    assert_true(s.median_ci_level >= 0.95 && s.median_ci_level < 0.951);
    free(samples);
}

static void test_quantile(void **state) {
    const double samples[] = {10, 20, 30};
    double q;
    assert_int_equal(perfbudget_quantile(*state, samples, 3, 0.25, &q), PERFBUDGET_OK);
    assert_close(q, 15, 0);
    assert_int_equal(perfbudget_quantile(*state, samples, 3, 1.5, &q), PERFBUDGET_EINVAL);
    assert_int_equal(perfbudget_quantile(*state, samples, 0, 0.5, &q), PERFBUDGET_ENODATA);
}

static void test_fit_line(void **state) {
    const double x[] = {0, 1, 2, 3, 4}, y[] = {1, 3, 5, 7, 9};
    perfbudget_line_fit fit;
    assert_int_equal(perfbudget_fit_line(*state, x, y, 5, &fit), PERFBUDGET_OK);
    assert_close(fit.slope, 2, 1e-15);
    assert_close(fit.intercept, 1, 1e-15);
    assert_close(fit.slope_stderr, 0, 0);
    assert_close(fit.r_squared, 1, 1e-15);
    const double noisy[] = {1, 2, 2, 4, 4}; /* hand: slope 0.8, intercept 1.0 */
    assert_int_equal(perfbudget_fit_line(*state, x, noisy, 5, &fit), PERFBUDGET_OK);
    assert_close(fit.slope, 0.8, 1e-15);
    assert_close(fit.intercept, 1.0, 1e-15);
    /* SSres = 0.8, stderr = sqrt(0.8 / 3 / 10) */
    assert_close(fit.slope_stderr, sqrt(0.8 / 30.0), 1e-14);
    assert_int_equal(perfbudget_fit_line(*state, x, y, 1, &fit), PERFBUDGET_ENODATA);
    const double same_x[] = {2, 2, 2};
    assert_int_equal(perfbudget_fit_line(*state, same_x, y, 3, &fit), PERFBUDGET_EDOMAIN);
}

/* Every figure that comes from order statistics is what a full sort gives, whatever the data's
 * order, repeats or tails: the selection reads the same ranks a sort would put there. */
static double reference_quantile(perfbudget_context *ctx, const double *v, size_t n, double q) {
    double out = NAN;
    assert_int_equal(perfbudget_quantile(ctx, v, n, q, &out), PERFBUDGET_OK);
    return out;
}

static void expect_sorted_figures(perfbudget_context *ctx, const double *v, size_t n,
                                  const char *data) {
    perfbudget_summary s;
    assert_int_equal(perfbudget_summarize(ctx, v, n, &s), PERFBUDGET_OK);
    static const double qs[] = {0.25, 0.5, 0.75, 0.90, 0.95, 0.99};
    const double got[] = {s.p25, s.median, s.p75, s.p90, s.p95, s.p99};
    for (size_t k = 0; k < 6; k++)
        if (got[k] != reference_quantile(ctx, v, n, qs[k]))
            fail_msg("%s, n = %zu: quantile %g is %.17g, a sort gives %.17g", data, n, qs[k],
                     got[k], reference_quantile(ctx, v, n, qs[k]));
    assert_true(s.min == reference_quantile(ctx, v, n, 0.0));
    assert_true(s.max == reference_quantile(ctx, v, n, 1.0));
    size_t l, u;
    double level;
    perfbudget__quantile_ci_ranks(n, 0.5, 0.05, &l, &u, &level);
    double *sorted = malloc(n * sizeof *sorted), *deviations = malloc(n * sizeof *deviations);
    assert_non_null(sorted);
    assert_non_null(deviations);
    memcpy(sorted, v, n * sizeof *sorted);
    perfbudget__sort(sorted, n, deviations);
    assert_true(s.median_ci_low == sorted[l - 1] && s.median_ci_high == sorted[u - 1]);
    for (size_t i = 0; i < n; i++) deviations[i] = fabs(v[i] - s.median);
    if (s.mad != reference_quantile(ctx, deviations, n, 0.5))
        fail_msg("%s, n = %zu: MAD %.17g, a sort gives %.17g", data, n, s.mad,
                 reference_quantile(ctx, deviations, n, 0.5));
    free(sorted);
    free(deviations);
}

static void test_figures_match_a_full_sort(void **state) {
    static const size_t sizes[] = {1, 2, 3, 31, 32, 33, 100, 1000, 4097, 100000};
    double *v = malloc(100000 * sizeof *v);
    assert_non_null(v);
    uint64_t seed = 24;
    for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
        size_t n = sizes[z];
        for (size_t i = 0; i < n; i++) /* spread, with a long tail */
            v[i] = 1000.0 + (double)(perfbudget__splitmix64(&seed) % 1000) *
                                ((i % 97 == 0) ? 50.0 : 1.0);
        expect_sorted_figures(*state, v, n, "random with a tail");
        for (size_t i = 0; i < n; i++) v[i] = (double)i;
        expect_sorted_figures(*state, v, n, "ascending");
        for (size_t i = 0; i < n; i++) v[i] = (double)(n - i);
        expect_sorted_figures(*state, v, n, "descending");
        for (size_t i = 0; i < n; i++) v[i] = (double)(perfbudget__splitmix64(&seed) % 3);
        expect_sorted_figures(*state, v, n, "three values");
        for (size_t i = 0; i < n; i++) v[i] = 5.0;
        expect_sorted_figures(*state, v, n, "all equal");
        for (size_t i = 0; i < n; i++) v[i] = i % 2 ? -1e300 : 1e300 * (double)(i % 7);
        expect_sorted_figures(*state, v, n, "huge, both signs");
    }
    free(v);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_four_values, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_empty_and_single, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_non_finite_is_an_error, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_tukey_outliers, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_huge_values_do_not_overflow, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_million_samples, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_quantile, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_figures_match_a_full_sort, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_fit_line, context_setup, context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
