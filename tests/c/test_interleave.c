/* SPDX-License-Identifier: MIT */
/* Interleaved A/B comparison: the Wilcoxon signed-rank test against scipy.stats.wilcoxon's
 * values (computed independently, printed with repr), the paired verdict with its floor, and
 * the alternation itself driven by a fake clock that only the bodies advance. */
#include <string.h>

#include "internal.h"
#include "test_helpers.h"

/* ---- the signed-rank test ------------------------------------------------------------------ */

typedef struct wilcoxon_case {
    const char *name;
    double d[80];
    size_t n;
    double statistic, p_value; /* scipy.stats.wilcoxon(d) (method="asymptotic" with ties) */
    int exact;
} wilcoxon_case;

static const wilcoxon_case cases[] = {
    {"exact, mixed signs", {0.5, -0.2, 1.3, 0.8, -0.1, 2.2, 0.7, 1.1}, 8, 3.0, 0.0390625, 1},
    {"exact, all positive", {0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, 6, 0.0, 0.03125, 1},
    {"ties: normal approximation with the tie correction",
     {1, -1, 2, 2, -2, 3, 3, 3, -0.5, 4, 1, 2}, 12, 10.5, 0.024362451745785673, 0},
    {"zeros dropped",
     {0, 0.5, -0.3, 0, 1.2, 0.9, -0.4, 0.6, 1.5, 0.2, 0.8, 1.1, 0.05, -0.7, 0.3}, 15, 16.5,
     0.042631440323418625, 0},
    {"80 normal values (numpy default_rng(7), rounded to 6 places)",
     {0.10123,   0.398746,  -0.174138, -0.790592, -0.354671, -0.891647, 0.160144,  1.440215,
      -0.392207, -0.520475, 0.589842,  0.456887,  0.205414,  -0.830468, 0.070748,  0.795303,
      -1.244215, -0.357616, -1.801223, -1.189538, -1.741735, -0.135091, -1.167446, 0.371264,
      0.256751,  -0.086931, -2.41676,  -0.438693, 0.051499,  0.213309,  -1.430136, -0.377753,
      -0.878519, -0.708837, 1.160899,  -0.707535, 0.067478,  0.98439,   -0.4836,   -0.011702,
      0.210464,  0.163782,  -1.125056, 0.17614,   1.458823,  -1.447145, 0.959383,  0.219354,
      -0.54147,  2.100417,  0.86226,   -1.099289, 0.174516,  0.67669,   -0.088782, 0.78291,
      0.033483,  0.767248,  1.538523,  -0.575662, 0.303139,  -0.363308, 0.227268,  -1.087195,
      -0.479302, -0.096196, 0.998764,  1.245222,  -1.223528, -0.694642, 0.746903,  -1.89242,
      -0.36317,  0.002713,  1.357015,  0.789404,  -0.227213, -0.268576, -0.150195, 1.623529},
     80, 1472.0, 0.47779684636432396, 0},
};

static void test_wilcoxon_matches_scipy(void **state) {
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        perfbudget__wilcoxon_result w;
        assert_int_equal(perfbudget__wilcoxon(*state, cases[i].d, cases[i].n, &w), PERFBUDGET_OK);
        if (w.statistic != cases[i].statistic || w.exact != cases[i].exact ||
            !doubles_close(w.p_value, cases[i].p_value, 1e-12, 0.0))
            fail_msg("%s: W %g p %.17g exact %d, scipy W %g p %.17g", cases[i].name, w.statistic,
                     w.p_value, w.exact, cases[i].statistic, cases[i].p_value);
    }
}

static void test_wilcoxon_without_differences(void **state) {
    double zeros[] = {0.0, 0.0, 0.0};
    perfbudget__wilcoxon_result w;
    assert_int_equal(perfbudget__wilcoxon(*state, zeros, 3, &w), PERFBUDGET_OK);
    assert_int_equal(w.nonzero, 0);
    assert_int_equal(w.zeros, 3);
    assert_true(w.p_value == 1.0);
}

/* ---- the paired comparison ------------------------------------------------------------------ */

static void test_paired_effect_is_the_median_ratio(void **state) {
    /* Ratios 0.99, 0.99, 1.01, 1.02, 1.03, 1.03, 1.05: the median ratio is 1.02. */
    double a[] = {100, 200, 300, 400, 500, 600, 700};
    double b[] = {101, 204, 309, 420, 495, 594, 721};
    perfbudget_paired_comparison c;
    assert_int_equal(perfbudget_paired_compare(*state, a, b, 7, NULL, &c), PERFBUDGET_OK);
    assert_close(c.change_pct, 2.0, 1e-9);
    assert_int_equal(c.pairs, 7);
    assert_close(c.baseline_value, 400.0, 0.0);
    assert_close(c.current_value, 420.0, 0.0);
    assert_true(c.ci_low_pct <= c.change_pct && c.change_pct <= c.ci_high_pct);
    assert_close(c.ci_low_pct, -1.0, 1e-9); /* n = 7: the sign test's CI spans ranks 1 and 7 */
    assert_close(c.ci_high_pct, 5.0, 1e-9);
    assert_false(c.exact); /* 0.99 and 1.03 occur twice: tied ranks */
    assert_close(c.threshold_pct, 5.0, 0.0);
}

static void paired_constant(perfbudget_context *ctx, double ratio, size_t n,
                            const perfbudget_paired_options *o, perfbudget_paired_comparison *c) {
    double a[200], b[200];
    for (size_t i = 0; i < n; i++) {
        a[i] = 1000.0 + (double)i;
        b[i] = a[i] * ratio * (1.0 + 1e-6 * (double)(i % 7)); /* no ties, all above ratio */
    }
    assert_int_equal(perfbudget_paired_compare(ctx, a, b, n, o, c), PERFBUDGET_OK);
}

static void test_paired_verdicts(void **state) {
    perfbudget_paired_options o;
    perfbudget_paired_options_init(&o);
    o.threshold_pct = 1.0;
    perfbudget_paired_comparison c;
    paired_constant(*state, 1.03, 100, &o, &c);
    assert_int_equal(c.outcome, PERFBUDGET_OUTCOME_REGRESSION);
    assert_int_equal(c.severity, PERFBUDGET_SEVERITY_CRITICAL); /* 3 % >= 2 x 1 % */
    assert_true(c.regressed && c.significant);
    paired_constant(*state, 1.015, 100, &o, &c);
    assert_int_equal(c.severity, PERFBUDGET_SEVERITY_WARNING);
    paired_constant(*state, 0.97, 100, &o, &c);
    assert_int_equal(c.outcome, PERFBUDGET_OUTCOME_IMPROVEMENT);
    paired_constant(*state, 1.004, 100, &o, &c); /* significant, below the threshold: info */
    assert_int_equal(c.outcome, PERFBUDGET_OUTCOME_PASS);
    assert_true(c.significant);
    /* Too few pairs for any verdict. */
    paired_constant(*state, 1.5, 5, &o, &c);
    assert_int_equal(c.outcome, PERFBUDGET_OUTCOME_INCONCLUSIVE);
    o.higher_is_better = 1; /* throughput: 3 % less is the regression */
    paired_constant(*state, 0.97, 100, &o, &c);
    assert_int_equal(c.outcome, PERFBUDGET_OUTCOME_REGRESSION);
}

static void test_the_floor_holds_below_any_threshold(void **state) {
    perfbudget_paired_options o;
    perfbudget_paired_options_init(&o);
    o.threshold_pct = 0.0; /* asked for 0 %: the floor (0.5 %) still rules */
    perfbudget_paired_comparison c;
    paired_constant(*state, 1.003, 200, &o, &c);
    assert_true(c.significant);
    assert_close(c.threshold_pct, 0.5, 0.0);
    assert_int_equal(c.outcome, PERFBUDGET_OUTCOME_PASS);
    assert_int_equal(c.severity, PERFBUDGET_SEVERITY_NONE);
    paired_constant(*state, 1.008, 200, &o, &c);
    assert_int_equal(c.outcome, PERFBUDGET_OUTCOME_REGRESSION);
    o.floor_pct = 0.0; /* a floor of 0 lets the threshold rule */
    paired_constant(*state, 1.003, 200, &o, &c);
    assert_int_equal(c.outcome, PERFBUDGET_OUTCOME_REGRESSION);
}

static void test_paired_refuses_bad_input(void **state) {
    double a[] = {1.0, 2.0}, b[] = {1.0, 0.0}, nan_[] = {1.0, NAN};
    perfbudget_paired_comparison c;
    assert_int_equal(perfbudget_paired_compare(*state, a, b, 2, NULL, &c), PERFBUDGET_EDOMAIN);
    assert_non_null(strstr(perfbudget_errmsg(*state), "pair 1"));
    assert_int_equal(perfbudget_paired_compare(*state, a, nan_, 2, NULL, &c), PERFBUDGET_EDOMAIN);
    assert_int_equal(perfbudget_paired_compare(*state, a, a, 0, NULL, &c), PERFBUDGET_ENODATA);
    assert_int_equal(perfbudget_paired_compare(*state, NULL, a, 2, NULL, &c), PERFBUDGET_EINVAL);
    perfbudget_paired_options o;
    perfbudget_paired_options_init(&o);
    o.floor_pct = -1.0;
    assert_int_equal(perfbudget_paired_compare(*state, a, a, 2, &o, &c), PERFBUDGET_EINVAL);
    /* Identical sides: no difference at all, a pass. */
    assert_int_equal(perfbudget_paired_compare(*state, a, a, 2, NULL, &c), PERFBUDGET_OK);
    assert_int_equal(c.zero_pairs, 2);
    assert_close(c.change_pct, 0.0, 0.0);
}

/* ---- the alternation, with a fake clock --------------------------------------------------- */

typedef struct fake_clock_state {
    uint64_t now;
    char log[512]; /* the first bodies called: 'A' or 'B' */
    size_t logged;
} fake_clock_state;

typedef struct side {
    fake_clock_state *clock;
    char label;
    uint64_t step_ns; /* per iteration */
    uint64_t calls, iterations;
    int setups, teardowns, fail_setup;
} side;

static uint64_t fake_now(void *userdata) { return ((fake_clock_state *)userdata)->now; }

static void body(perfbudget_state *state) {
    side *s = perfbudget_state_userdata(state);
    if (s->clock->logged < sizeof s->clock->log) s->clock->log[s->clock->logged++] = s->label;
    s->calls++;
    while (perfbudget_loop(state)) {
        s->clock->now += s->step_ns;
        s->iterations++;
    }
}

static int setup(perfbudget_state *state) {
    side *s = perfbudget_state_userdata(state);
    s->setups++;
    return s->fail_setup ? 1 : 0;
}

static void teardown(perfbudget_state *state) {
    ((side *)perfbudget_state_userdata(state))->teardowns++;
}

static void test_alternation_reports_the_known_ratio(void **state) {
    fake_clock_state clock = {.now = 1};
    perfbudget_context_set_clock(*state, fake_now, &clock);
    side a = {&clock, 'A', 1000, 0, 0, 0, 0, 0}, b = {&clock, 'B', 1010, 0, 0, 0, 0, 0};
    perfbudget_benchmark_def da = {.name = "work", .run = body, .setup = setup,
                                   .teardown = teardown, .userdata = &a};
    perfbudget_benchmark_def db = da;
    db.userdata = &b;
    perfbudget_result *ra = NULL, *rb = NULL;
    assert_int_equal(perfbudget_interleave_run(*state, NULL, &da, &db, NULL, &ra, &rb),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_status(ra), PERFBUDGET_RUN_OK);
    assert_int_equal(perfbudget_result_status(rb), PERFBUDGET_RUN_OK);
    assert_string_equal(perfbudget_result_name(rb), "work");
    assert_int_equal(a.setups, 1);
    assert_int_equal(b.teardowns, 1);
    size_t na, nb;
    const double *sa = perfbudget_result_samples(ra, &na), *sb = perfbudget_result_samples(rb, &nb);
    assert_int_equal(na, nb);
    /* 1 ms batches of 1000 ns iterations, 2 s of fake time in all: about 990 pairs. */
    assert_true(na > 900 && na < 1000);
    const perfbudget_metrics *m = perfbudget_result_metrics(ra);
    assert_true(m->iterations_per_sample >= 1000 && m->iterations_per_sample < 2000);
    assert_int_equal(perfbudget_result_metrics(rb)->iterations_per_sample, m->iterations_per_sample);
    /* The calibration ran on the baseline alone; then pairs, one body of each, in both orders
     * (random from a fixed seed: the same every run). */
    size_t calibration = (size_t)(a.calls - b.calls), orders[2] = {0, 0};
    for (size_t i = calibration; i + 1 < sizeof clock.log; i += 2) {
        assert_true(clock.log[i] != clock.log[i + 1]);
        orders[clock.log[i] == 'B']++;
    }
    assert_true(orders[0] > 80 && orders[1] > 80);
    perfbudget_paired_comparison c;
    assert_int_equal(perfbudget_paired_compare(*state, sa, sb, na, NULL, &c), PERFBUDGET_OK);
    assert_close(c.change_pct, 1.0, 1e-9);
    assert_close(c.ci_low_pct, 1.0, 1e-9);
    assert_close(c.ci_high_pct, 1.0, 1e-9);
    assert_true(c.p_value < 1e-10);
    assert_int_equal(c.outcome, PERFBUDGET_OUTCOME_PASS); /* 1 % < 5 % */
    perfbudget_result_free(ra);
    perfbudget_result_free(rb);
}

static void test_pairs_and_time_budget(void **state) {
    fake_clock_state clock = {.now = 1};
    perfbudget_context_set_clock(*state, fake_now, &clock);
    side a = {&clock, 'A', 500, 0, 0, 0, 0, 0}, b = {&clock, 'B', 400, 0, 0, 0, 0, 0};
    perfbudget_benchmark_def da = {.name = "a", .run = body, .userdata = &a};
    perfbudget_benchmark_def db = {.name = "b", .run = body, .userdata = &b};
    perfbudget_interleave_options o;
    perfbudget_interleave_options_init(&o);
    o.max_pairs = 25;
    o.batch_ns = 10000;
    perfbudget_result *ra = NULL, *rb = NULL;
    assert_int_equal(perfbudget_interleave_run(*state, "x", &da, &db, &o, &ra, &rb),
                     PERFBUDGET_OK);
    size_t n;
    const double *sa = perfbudget_result_samples(ra, &n);
    assert_int_equal(n, 25);
    assert_close(sa[0], 500.0, 0.0);
    assert_close(perfbudget_result_samples(rb, NULL)[24], 400.0, 0.0);
    assert_string_equal(perfbudget_result_name(ra), "x");
    perfbudget_paired_comparison c;
    assert_int_equal(perfbudget_paired_compare(*state, sa, perfbudget_result_samples(rb, NULL), n,
                                               NULL, &c),
                     PERFBUDGET_OK);
    assert_close(c.change_pct, -20.0, 1e-9);
    assert_int_equal(c.outcome, PERFBUDGET_OUTCOME_IMPROVEMENT);
    perfbudget_result_free(ra);
    perfbudget_result_free(rb);
    /* A tiny time budget still yields min_pairs. */
    o.max_pairs = 0;
    o.time_budget_ns = 1;
    o.min_pairs = 12;
    assert_int_equal(perfbudget_interleave_run(*state, "x", &da, &db, &o, &ra, &rb),
                     PERFBUDGET_OK);
    perfbudget_result_samples(ra, &n);
    assert_int_equal(n, 12);
    perfbudget_result_free(ra);
    perfbudget_result_free(rb);
}

static void test_a_failing_side_ends_measuring(void **state) {
    fake_clock_state clock = {.now = 1};
    perfbudget_context_set_clock(*state, fake_now, &clock);
    side a = {&clock, 'A', 100, 0, 0, 0, 0, 0}, b = {&clock, 'B', 100, 0, 0, 0, 0, 1};
    perfbudget_benchmark_def da = {.name = "w", .run = body, .setup = setup,
                                   .teardown = teardown, .userdata = &a};
    perfbudget_benchmark_def db = da;
    db.userdata = &b;
    perfbudget_result *ra = NULL, *rb = NULL;
    assert_int_equal(perfbudget_interleave_run(*state, NULL, &da, &db, NULL, &ra, &rb),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_status(ra), PERFBUDGET_RUN_OK);
    assert_int_equal(perfbudget_result_status(rb), PERFBUDGET_RUN_FAILED);
    assert_string_equal(perfbudget_result_message(rb), "setup failed");
    assert_int_equal(b.calls, 0);
    assert_int_equal(b.teardowns, 0); /* no teardown after a failed setup */
    assert_int_equal(a.teardowns, 1);
    size_t n;
    perfbudget_result_samples(rb, &n);
    assert_int_equal(n, 0);
    perfbudget_result_free(ra);
    perfbudget_result_free(rb);
    assert_int_equal(perfbudget_interleave_run(*state, NULL, &da, NULL, NULL, &ra, &rb),
                     PERFBUDGET_EINVAL);
    perfbudget_interleave_options endless;
    perfbudget_interleave_options_init(&endless);
    endless.time_budget_ns = 0; /* and no max_pairs: it would never end */
    assert_int_equal(perfbudget_interleave_run(*state, NULL, &da, &da, &endless, &ra, &rb),
                     PERFBUDGET_EINVAL);
    assert_non_null(strstr(perfbudget_errmsg(*state), "a time budget or a number of pairs"));
    /* No time budget but a number of pairs: fine. */
    endless.max_pairs = 7;
    a.fail_setup = 0;
    assert_int_equal(perfbudget_interleave_run(*state, NULL, &da, &da, &endless, &ra, &rb),
                     PERFBUDGET_OK);
    size_t seven;
    perfbudget_result_samples(ra, &seven);
    assert_int_equal(seven, 7);
    perfbudget_result_free(ra);
    perfbudget_result_free(rb);
}

static void no_loop(perfbudget_state *state) { (void)state; }

static void test_a_body_without_the_loop_fails(void **state) {
    fake_clock_state clock = {.now = 1};
    perfbudget_context_set_clock(*state, fake_now, &clock);
    side a = {&clock, 'A', 100, 0, 0, 0, 0, 0};
    perfbudget_benchmark_def da = {.name = "w", .run = body, .userdata = &a};
    perfbudget_benchmark_def db = {.name = "w", .run = no_loop};
    perfbudget_result *ra = NULL, *rb = NULL;
    assert_int_equal(perfbudget_interleave_run(*state, NULL, &da, &db, NULL, &ra, &rb),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_status(rb), PERFBUDGET_RUN_FAILED);
    assert_non_null(strstr(perfbudget_result_message(rb), "never called perfbudget_loop"));
    perfbudget_result_free(ra);
    perfbudget_result_free(rb);
}

static void test_commands_alternate_whole_runs(void **state) {
    char *t[] = {"true", NULL}, *f[] = {"false", NULL};
    perfbudget_interleave_options o;
    perfbudget_interleave_options_init(&o);
    o.max_pairs = 6;
    perfbudget_command_options co;
    perfbudget_command_options_init(&co);
    co.warmup_runs = 0;
    perfbudget_result *ra = NULL, *rb = NULL;
    assert_int_equal(perfbudget_interleave_commands(*state, "true", t, t, &co, &o, &ra, &rb),
                     PERFBUDGET_OK);
    size_t n;
    perfbudget_result_samples(ra, &n);
    assert_int_equal(n, 6);
    assert_int_equal(perfbudget_result_status(rb), PERFBUDGET_RUN_OK);
    perfbudget_result_free(ra);
    perfbudget_result_free(rb);
    assert_int_equal(perfbudget_interleave_commands(*state, "x", t, f, &co, &o, &ra, &rb),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_status(ra), PERFBUDGET_RUN_OK);
    assert_int_equal(perfbudget_result_status(rb), PERFBUDGET_RUN_FAILED);
    assert_non_null(strstr(perfbudget_result_message(rb), "exit"));
    perfbudget_result_free(ra);
    perfbudget_result_free(rb);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wilcoxon_matches_scipy, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_wilcoxon_without_differences, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_paired_effect_is_the_median_ratio, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_paired_verdicts, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_the_floor_holds_below_any_threshold, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_paired_refuses_bad_input, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_alternation_reports_the_known_ratio, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_pairs_and_time_budget, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_a_failing_side_ends_measuring, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_a_body_without_the_loop_fails, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_commands_alternate_whole_runs, context_setup,
                                        context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
