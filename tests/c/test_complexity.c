/* SPDX-License-Identifier: MIT */
/* Complexity fits of input sweeps: the class picked from noisy synthetic series, the
 * coefficient and RMS against hand-computed values, parsing, and the verdict. */
#include <string.h>

#include "test_helpers.h"

/* A seeded generator (SplitMix64) so that every trial is reproducible. */
static uint64_t next_random(uint64_t *seed) {
    uint64_t z = (*seed += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Uniform in [-1, 1). */
static double uniform(uint64_t *seed) {
    return (double)(next_random(seed) >> 11) / 4503599627370496.0 - 1.0;
}

static double class_growth(perfbudget_complexity c, double n) {
    switch (c) {
    case PERFBUDGET_COMPLEXITY_N: return n;
    case PERFBUDGET_COMPLEXITY_N_LOG_N: return n * log2(n);
    case PERFBUDGET_COMPLEXITY_N2: return n * n;
    default: return NAN;
    }
}

/* Standard normal, by Box-Muller. */
static double gaussian(uint64_t *seed) {
    double u = (uniform(seed) + 1.0) / 2.0, v = (uniform(seed) + 1.0) / 2.0;
    return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

/* 100 of 100 seeded trials with 5 % multiplicative noise, uniform within +-5 % or normal with
 * a standard deviation of 5 %, recover n, n log n and n^2 over sizes a sweep would use (powers
 * of two from 2^6 to 2^16). Google Benchmark's absolute residuals fail this for n and n log n. */
static void test_noisy_series_pick_their_class(void **state) {
    const perfbudget_complexity classes[] = {PERFBUDGET_COMPLEXITY_N,
                                             PERFBUDGET_COMPLEXITY_N_LOG_N,
                                             PERFBUDGET_COMPLEXITY_N2};
    enum { POINTS = 11, TRIALS = 100 };
    double sizes[POINTS], times[POINTS];
    for (int i = 0; i < POINTS; i++) sizes[i] = (double)(UINT64_C(1) << (6 + i));
    for (int normal = 0; normal <= 1; normal++)
        for (size_t k = 0; k < sizeof classes / sizeof classes[0]; k++) {
            int right = 0;
            for (int trial = 0; trial < TRIALS; trial++) {
                uint64_t seed = UINT64_C(1000) * (k + 1) + (uint64_t)trial + 7919u * normal;
                for (int i = 0; i < POINTS; i++) {
                    double noise = normal ? gaussian(&seed) : uniform(&seed);
                    times[i] = 3.0 * class_growth(classes[k], sizes[i]) * (1.0 + 0.05 * noise);
                }
                perfbudget_complexity_fit fit;
                assert_int_equal(perfbudget_complexity_fit_points(
                                     *state, PERFBUDGET_COMPLEXITY_NONE, sizes, times, POINTS, &fit),
                                 PERFBUDGET_OK);
                right += fit.complexity == classes[k];
            }
            if (right != TRIALS)
                fail_msg("%s, %s noise: %d of %d trials fitted right",
                         perfbudget_complexity_name(classes[k]), normal ? "normal" : "uniform",
                         right, TRIALS);
        }
}

static void test_coefficient_and_rms_by_hand(void **state) {
    const double sizes[] = {1, 2, 3};
    const double times[] = {2, 5, 5};
    perfbudget_complexity_fit fit;
    assert_int_equal(perfbudget_complexity_fit_points(*state, PERFBUDGET_COMPLEXITY_N, sizes,
                                                      times, 3, &fit),
                     PERFBUDGET_OK);
    /* Relative residuals: r = n / t = (0.5, 0.4, 0.6), c = sum(r) / sum(r^2) = 1.5 / 0.77. */
    double c = 1.5 / 0.77;
    double squares = pow(1 - 0.5 * c, 2) + pow(1 - 0.4 * c, 2) + pow(1 - 0.6 * c, 2);
    assert_close(fit.coefficient, c, 1e-15);
    assert_close(fit.rms, sqrt(squares / 3.0), 1e-14);
    assert_int_equal(fit.n, 3);
    assert_int_equal(fit.complexity, PERFBUDGET_COMPLEXITY_N);
    /* Constant times: O(1) with RMS 0, never a growing class. */
    const double flat[] = {7, 7, 7};
    assert_int_equal(perfbudget_complexity_fit_points(*state, PERFBUDGET_COMPLEXITY_NONE, sizes,
                                                      flat, 3, &fit),
                     PERFBUDGET_OK);
    assert_int_equal(fit.complexity, PERFBUDGET_COMPLEXITY_O1);
    assert_close(fit.coefficient, 7, 1e-15);
    assert_close(fit.rms, 0, 0);
}

static void test_bad_points_are_refused(void **state) {
    const double sizes[] = {4, 4}, times[] = {1, 2}, zero[] = {0, 0};
    const double good_sizes[] = {1, 8}, negative[] = {1, -1};
    perfbudget_complexity_fit fit;
    assert_int_equal(perfbudget_complexity_fit_points(*state, 0, good_sizes, times, 1, &fit),
                     PERFBUDGET_ENODATA);
    assert_int_equal(perfbudget_complexity_fit_points(*state, 0, sizes, times, 2, &fit),
                     PERFBUDGET_EDOMAIN);
    assert_non_null(strstr(perfbudget_errmsg(*state), "different sizes"));
    assert_int_equal(perfbudget_complexity_fit_points(*state, 0, good_sizes, zero, 2, &fit),
                     PERFBUDGET_EDOMAIN);
    assert_int_equal(perfbudget_complexity_fit_points(*state, 0, good_sizes, negative, 2, &fit),
                     PERFBUDGET_EDOMAIN);
    assert_int_equal(perfbudget_complexity_fit_points(*state, 0, negative, times, 2, &fit),
                     PERFBUDGET_EDOMAIN);
    assert_int_equal(perfbudget_complexity_fit_points(*state, PERFBUDGET_COMPLEXITY_COUNT,
                                                      good_sizes, times, 2, &fit),
                     PERFBUDGET_EINVAL);
}

static void test_parse_and_name(void **state) {
    static const struct {
        const char *text;
        perfbudget_complexity expected;
    } cases[] = {{"n log n", PERFBUDGET_COMPLEXITY_N_LOG_N},
                 {"O(n log n)", PERFBUDGET_COMPLEXITY_N_LOG_N},
                 {"o(n)", PERFBUDGET_COMPLEXITY_N},
                 {"N^2", PERFBUDGET_COMPLEXITY_N2},
                 {"n\xc2\xb2", PERFBUDGET_COMPLEXITY_N2},
                 {"O(n**3)", PERFBUDGET_COMPLEXITY_N3},
                 {"O(1)", PERFBUDGET_COMPLEXITY_O1},
                 {"log n", PERFBUDGET_COMPLEXITY_LOG_N},
                 {"linear", PERFBUDGET_COMPLEXITY_N}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        perfbudget_complexity c = PERFBUDGET_COMPLEXITY_NONE;
        assert_int_equal(perfbudget_complexity_parse(*state, cases[i].text, &c), PERFBUDGET_OK);
        assert_int_equal(c, cases[i].expected);
    }
    perfbudget_complexity c;
    assert_int_equal(perfbudget_complexity_parse(*state, "n^4", &c), PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state), "n log n"));
    assert_string_equal(perfbudget_complexity_name(PERFBUDGET_COMPLEXITY_N_LOG_N), "O(n log n)");
    assert_null(perfbudget_complexity_name(PERFBUDGET_COMPLEXITY_COUNT));
}

static perfbudget_budget *parse_budget(perfbudget_context *ctx, const char *text) {
    perfbudget_budget *budget = NULL;
    assert_int_equal(perfbudget_budget_new_from_text(ctx, text, strlen(text), "perfbudget.yml",
                                                     &budget, NULL, 0, NULL),
                     PERFBUDGET_OK);
    return budget;
}

static void test_budget_fails_a_worse_class(void **state) {
    perfbudget_budget *budget = parse_budget(*state,
                                             "version: 1\n"
                                             "budgets:\n"
                                             "  sort:\n"
                                             "    complexity: n log n\n"
                                             "    regression: {threshold: 10%}\n");
    perfbudget_effective_budget effective = {.struct_size = sizeof effective};
    assert_int_equal(perfbudget_budget_resolve(budget, "sort", &effective), PERFBUDGET_OK);
    assert_int_equal(effective.complexity, PERFBUDGET_COMPLEXITY_N_LOG_N);
    perfbudget_complexity_fit fit = {PERFBUDGET_COMPLEXITY_N2, 1.5, 0.02, 8};
    perfbudget_complexity_verdict verdict;
    assert_int_equal(perfbudget_complexity_judge(*state, budget, "sort", &fit, NULL, &verdict),
                     PERFBUDGET_OK);
    assert_int_equal(verdict.status, PERFBUDGET_LIMIT_FAIL);
    assert_int_equal(verdict.allowed, PERFBUDGET_COMPLEXITY_N_LOG_N);
    assert_non_null(strstr(verdict.text, "O(n^2) worse than the budget O(n log n)"));
    assert_non_null(strstr(verdict.text, "coefficient 1.5 ns"));
    /* A better or equal class passes. */
    fit.complexity = PERFBUDGET_COMPLEXITY_N;
    assert_int_equal(perfbudget_complexity_judge(*state, budget, "sort", &fit, NULL, &verdict),
                     PERFBUDGET_OK);
    assert_int_equal(verdict.status, PERFBUDGET_LIMIT_PASS);
    assert_true(isnan(verdict.change_pct));
    /* The coefficient against the baseline's: 20 % more is beyond the entry's 10 %. */
    perfbudget_complexity_fit base = {PERFBUDGET_COMPLEXITY_N, 1.25, 0.02, 8};
    assert_int_equal(perfbudget_complexity_judge(*state, budget, "sort", &fit, &base, &verdict),
                     PERFBUDGET_OK);
    assert_close(verdict.change_pct, 20.0, 1e-12);
    assert_close(verdict.threshold_pct, 10.0, 0);
    assert_int_equal(verdict.regressed, 1);
    assert_non_null(strstr(verdict.text, "regression"));
    base.coefficient = 1.45;
    assert_int_equal(perfbudget_complexity_judge(*state, budget, "sort", &fit, &base, &verdict),
                     PERFBUDGET_OK);
    assert_int_equal(verdict.regressed, 0);
    /* A baseline fitted to another class cannot be compared. */
    base.complexity = PERFBUDGET_COMPLEXITY_N2;
    assert_int_equal(perfbudget_complexity_judge(*state, budget, "sort", &fit, &base, &verdict),
                     PERFBUDGET_EINVAL);
    /* No entry: no class limit, the default 5 % threshold. */
    assert_int_equal(perfbudget_complexity_judge(*state, budget, "other", &fit, NULL, &verdict),
                     PERFBUDGET_OK);
    assert_int_equal(verdict.allowed, PERFBUDGET_COMPLEXITY_NONE);
    assert_close(verdict.threshold_pct, 5.0, 0);
    perfbudget_budget_free(budget);
}

static void test_budget_rejects_an_unknown_class(void **state) {
    const char *text = "version: 1\nbudgets:\n  sort:\n    complexity: n^4\n";
    perfbudget_budget *budget = NULL;
    perfbudget_budget_error errors[4];
    size_t count = 0;
    assert_int_equal(perfbudget_budget_new_from_text(*state, text, strlen(text), "perfbudget.yml",
                                                     &budget, errors, 4, &count),
                     PERFBUDGET_EPARSE);
    assert_int_equal(count, 1);
    assert_int_equal(errors[0].line, 4);
    assert_int_equal(errors[0].column, 17);
    assert_non_null(strstr(errors[0].message, "not a complexity class"));
}

static void test_results_fit_by_name(void **state) {
    /* sort/16 .. sort/1024 with medians 2n; a result of another name and a failed one ignored. */
    perfbudget_result *results[6] = {0};
    const char *names[] = {"sort/16", "sort/64", "sort/256", "sort/1024", "sorted/5", "sort/32"};
    const double medians[] = {32, 128, 512, 2048, 1e9, 1e9};
    for (int i = 0; i < 6; i++)
        assert_int_equal(perfbudget_result_new(*state, names[i], &medians[i], 1, NULL,
                                               i == 5 ? PERFBUDGET_RUN_FAILED : PERFBUDGET_RUN_OK,
                                               "", &results[i]),
                         PERFBUDGET_OK);
    perfbudget_complexity_fit fit;
    assert_int_equal(perfbudget_results_fit_complexity(*state, results, 6, "sort",
                                                       PERFBUDGET_COMPLEXITY_NONE, &fit),
                     PERFBUDGET_OK);
    assert_int_equal(fit.complexity, PERFBUDGET_COMPLEXITY_N);
    assert_int_equal(fit.n, 4);
    assert_close(fit.coefficient, 2.0, 1e-15);
    /* Forced to a class, e.g. to compare a baseline's coefficient. */
    assert_int_equal(perfbudget_results_fit_complexity(*state, results, 6, "sort",
                                                       PERFBUDGET_COMPLEXITY_N2, &fit),
                     PERFBUDGET_OK);
    assert_int_equal(fit.complexity, PERFBUDGET_COMPLEXITY_N2);
    assert_int_equal(perfbudget_results_fit_complexity(*state, results, 6, "none",
                                                       PERFBUDGET_COMPLEXITY_NONE, &fit),
                     PERFBUDGET_ENODATA);
    for (int i = 0; i < 6; i++) perfbudget_result_free(results[i]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_noisy_series_pick_their_class, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_coefficient_and_rms_by_hand, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_bad_points_are_refused, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_parse_and_name, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_budget_fails_a_worse_class, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_budget_rejects_an_unknown_class, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_results_fit_by_name, context_setup,
                                        context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
