/* SPDX-License-Identifier: MIT */
/* Concurrency: per-thread percentiles, throughput, spread and efficiency from injected samples;
 * the scaling: budget and its verdict; a suite benchmark run by threads (what each thread sees,
 * not how fast it is); the scaling in result files. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <unistd.h>

#include "test_helpers.h"

/* Two threads: thread 0 took 100, 200 and 300 ns per call, thread 1 400 ns thrice; batches of
 * 10 calls over 6 us of wall time. */
static void test_point_from_injected_samples(void **state) {
    const double first[] = {300, 100, 200}, second[] = {400, 400, 400};
    const double *samples[] = {first, second};
    const size_t counts[] = {3, 3};
    perfbudget_scaling_point p;
    assert_int_equal(perfbudget_scaling_point_from_samples(*state, 2, samples, counts, 10, 6000.0,
                                                           &p),
                     PERFBUDGET_OK);
    assert_int_equal(p.threads, 2);
    assert_close(p.calls, 60.0, 0);
    assert_close(p.wall_ns, 6000.0, 0);
    assert_close(p.throughput, 1e7, 1e-12); /* 60 calls in 6 us */
    assert_true(isnan(p.efficiency));      /* set against the 1-thread point, later */
    assert_int_equal(p.thread[0].samples, 3);
    assert_close(p.thread[0].p50_ns, 200.0, 0);
    assert_close(p.thread[0].p90_ns, 280.0, 1e-12); /* linear: 200 + 0.8 x 100 */
    assert_close(p.thread[1].p50_ns, 400.0, 0);
    assert_close(p.spread, 2.0, 1e-12);   /* the slowest thread's median over the fastest's */
    assert_close(p.p50_ns, 350.0, 1e-12); /* over 100 200 300 400 400 400 */
    assert_close(p.p99_ns, 400.0, 1e-12);
    /* The input is left as it was. */
    assert_close(first[0], 300.0, 0);
}

/* Without a wall time, the longest-busy thread's time stands for it. */
static void test_wall_time_defaults_to_the_busiest_thread(void **state) {
    const double first[] = {100, 200, 300}, second[] = {400, 400, 400};
    const double *samples[] = {first, second};
    const size_t counts[] = {3, 3};
    perfbudget_scaling_point p;
    assert_int_equal(perfbudget_scaling_point_from_samples(*state, 2, samples, counts, 10, 0.0,
                                                           &p),
                     PERFBUDGET_OK);
    assert_close(p.wall_ns, 12000.0, 1e-12); /* thread 1: 3 x 10 x 400 ns */
    assert_close(p.throughput, 60.0 * 1e9 / 12000.0, 1e-12);
}

static void test_bad_samples_are_refused(void **state) {
    const double good[] = {1, 2}, bad[] = {1, NAN}, negative[] = {-1};
    const double *two[] = {good, good};
    const size_t counts[] = {2, 0};
    perfbudget_scaling_point p;
    assert_int_equal(perfbudget_scaling_point_from_samples(*state, 2, two, counts, 1, 0, &p),
                     PERFBUDGET_ENODATA);
    assert_non_null(strstr(perfbudget_errmsg(*state), "thread 1 of 2 has no samples"));
    const double *nan_samples[] = {bad};
    const size_t two_counts[] = {2};
    assert_int_equal(perfbudget_scaling_point_from_samples(*state, 1, nan_samples, two_counts, 1,
                                                           0, &p),
                     PERFBUDGET_EDOMAIN);
    const double *negative_samples[] = {negative};
    const size_t one_count[] = {1};
    assert_int_equal(perfbudget_scaling_point_from_samples(*state, 1, negative_samples, one_count,
                                                           1, 0, &p),
                     PERFBUDGET_EDOMAIN);
    assert_int_equal(perfbudget_scaling_point_from_samples(*state, 0, two, counts, 1, 0, &p),
                     PERFBUDGET_EINVAL);
    assert_int_equal(perfbudget_scaling_point_from_samples(*state, PERFBUDGET_THREADS_MAX + 1,
                                                           two, counts, 1, 0, &p),
                     PERFBUDGET_EINVAL);
    assert_int_equal(perfbudget_scaling_point_from_samples(*state, 1, two, counts, 0, 0, &p),
                     PERFBUDGET_EINVAL);
}

/* efficiency = throughput(N) / (N x throughput(1)), whatever order the points come in. */
static void test_efficiency_against_one_thread(void **state) {
    (void)state;
    perfbudget_scaling_point points[3];
    memset(points, 0, sizeof points);
    points[0].threads = 4, points[0].throughput = 200.0;
    points[1].threads = 1, points[1].throughput = 100.0;
    points[2].threads = 2, points[2].throughput = 160.0;
    assert_int_equal(perfbudget_scaling_set_efficiency(points, 3), PERFBUDGET_OK);
    assert_close(points[0].efficiency, 0.5, 1e-12);
    assert_close(points[1].efficiency, 1.0, 1e-12);
    assert_close(points[2].efficiency, 0.8, 1e-12);
    /* Without a 1-thread point there is nothing to scale against. */
    assert_int_equal(perfbudget_scaling_set_efficiency(points, 1), PERFBUDGET_OK);
    assert_true(isnan(points[0].efficiency));
    assert_int_equal(perfbudget_scaling_set_efficiency(NULL, 1), PERFBUDGET_EINVAL);
}

static perfbudget_budget *parse_budget(perfbudget_context *ctx, const char *text) {
    perfbudget_budget *budget = NULL;
    perfbudget_budget_error errors[4];
    size_t error_count = 0;
    int status = perfbudget_budget_new_from_text(ctx, text, strlen(text), "perfbudget.yml", &budget,
                                                 errors, 4, &error_count);
    if (status != PERFBUDGET_OK) fail_msg("%s", perfbudget_errmsg(ctx));
    return budget;
}

static void set_points(perfbudget_scaling_point *points, double efficiency_at_2) {
    memset(points, 0, 2 * sizeof *points);
    points[0].threads = 1, points[0].efficiency = 1.0;
    points[1].threads = 2, points[1].efficiency = efficiency_at_2;
}

/* scaling: {threads: 2, efficiency: 80%} fails below 80 % at 2 threads, with one line naming
 * the threads, the measured and the allowed efficiency. */
static void test_scaling_budget_verdict(void **state) {
    perfbudget_budget *budget = parse_budget(*state, "version: 1\n"
                                                     "budgets:\n"
                                                     "  pool:\n"
                                                     "    scaling: {threads: 2, efficiency: 80%}\n");
    perfbudget_effective_budget effective = {.struct_size = sizeof effective};
    assert_int_equal(perfbudget_budget_resolve(budget, "pool", &effective), PERFBUDGET_OK);
    assert_int_equal(effective.scaling_threads, 2);
    assert_close(effective.scaling_efficiency_pct, 80.0, 0);

    perfbudget_scaling_point points[2];
    perfbudget_scaling_verdict verdict;
    set_points(points, 0.63);
    assert_int_equal(perfbudget_scaling_judge(*state, budget, "pool", points, 2, &verdict),
                     PERFBUDGET_OK);
    assert_int_equal(verdict.status, PERFBUDGET_LIMIT_FAIL);
    assert_int_equal(verdict.threads, 2);
    assert_close(verdict.measured_pct, 63.0, 1e-12);
    assert_close(verdict.allowed_pct, 80.0, 0);
    assert_string_equal(verdict.text, "2 threads: efficiency 63.0 % < 80 % allowed (scaling:)");

    set_points(points, 0.85);
    assert_int_equal(perfbudget_scaling_judge(*state, budget, "pool", points, 2, &verdict),
                     PERFBUDGET_OK);
    assert_int_equal(verdict.status, PERFBUDGET_LIMIT_PASS);

    /* The budgeted count was not run: said, not passed silently. */
    assert_int_equal(perfbudget_scaling_judge(*state, budget, "pool", points, 1, &verdict),
                     PERFBUDGET_OK);
    assert_int_equal(verdict.status, PERFBUDGET_LIMIT_UNAVAILABLE);
    assert_non_null(strstr(verdict.text, "not run with 2 threads"));

    /* Another benchmark, or no budget: nothing to judge. */
    assert_int_equal(perfbudget_scaling_judge(*state, budget, "other", points, 2, &verdict),
                     PERFBUDGET_OK);
    assert_int_equal(verdict.threads, 0);
    assert_int_equal(verdict.status, PERFBUDGET_LIMIT_PASS);
    assert_int_equal(perfbudget_scaling_judge(*state, NULL, "pool", points, 2, &verdict),
                     PERFBUDGET_OK);
    assert_int_equal(verdict.threads, 0);
    perfbudget_budget_free(budget);
}

static void expect_budget_error(perfbudget_context *ctx, const char *scaling, const char *text) {
    char yaml[256];
    snprintf(yaml, sizeof yaml, "version: 1\nbudgets:\n  pool:\n    scaling: %s\n", scaling);
    perfbudget_budget *budget = NULL;
    perfbudget_budget_error errors[4];
    size_t error_count = 0;
    assert_int_equal(perfbudget_budget_new_from_text(ctx, yaml, strlen(yaml), "perfbudget.yml",
                                                     &budget, errors, 4, &error_count),
                     PERFBUDGET_EPARSE);
    if (strstr(perfbudget_errmsg(ctx), text) == NULL)
        fail_msg("'%s' does not say '%s'", perfbudget_errmsg(ctx), text);
}

static void test_scaling_budget_errors(void **state) {
    expect_budget_error(*state, "{threads: 2}", "scaling needs threads and efficiency");
    expect_budget_error(*state, "{efficiency: 80%}", "scaling needs threads and efficiency");
    expect_budget_error(*state, "{threads: 2, efficiency: 120%}",
                        "scaling.efficiency must be at most 100%");
    expect_budget_error(*state, "{threads: 0, efficiency: 80%}", "scaling.threads must be at least 1");
    expect_budget_error(*state, "{threads: 65, efficiency: 80%}", "at most 64");
    expect_budget_error(*state, "{threads: 2, efficiency: 2ms}", "scaling.efficiency");
    expect_budget_error(*state, "{threads: 2, eficiency: 80%}", "did you mean 'efficiency'");
    expect_budget_error(*state, "80%", "scaling must be a mapping");
}

/* ---- a suite benchmark run by threads -------------------------------------------------------- */

/* What each thread saw, in a slot of its own (thread_index): no two threads write one slot. */
typedef struct sightings {
    uint32_t threads_seen[PERFBUDGET_THREADS_MAX];
    uint64_t calls[PERFBUDGET_THREADS_MAX];
    uint32_t setups, teardowns; /* setup and teardown run in the calling thread */
    uint32_t fail_thread;       /* a thread index that fails its body; 0: none */
} sightings;

typedef struct per_thread {
    sightings *seen;
    uint32_t index;
} per_thread;

static sightings *shared_sightings(perfbudget_state *state) {
    return perfbudget_state_userdata(state);
}

static int counting_setup(perfbudget_state *state) {
    sightings *seen = shared_sightings(state);
    seen->setups++;
    return 0;
}

static void counting_teardown(perfbudget_state *state) { shared_sightings(state)->teardowns++; }

static void counting_body(perfbudget_state *state) {
    sightings *seen = shared_sightings(state);
    uint32_t index = perfbudget_state_thread_index(state);
    seen->threads_seen[index] = perfbudget_state_threads(state);
    if (seen->fail_thread != 0 && index == seen->fail_thread) {
        perfbudget_state_fail(state, "this thread's input is broken");
        return;
    }
    while (perfbudget_loop(state)) seen->calls[index]++;
}

static perfbudget_run_options short_run(void) {
    perfbudget_run_options opts;
    perfbudget_run_options_init(&opts);
    opts.min_time_ns = 1000000;  /* 1 ms */
    opts.max_time_ns = 50000000; /* 50 ms */
    opts.warmup_ns = 0;
    opts.min_rounds = 10;
    opts.hardware_counters = 0;
    return opts;
}

static void test_suite_runs_each_thread_count(void **state) {
    static sightings seen;
    memset(&seen, 0, sizeof seen);
    const uint32_t counts[] = {4, 2}; /* 1 is added, and the counts sorted */
    perfbudget_benchmark_def def = {.name = "pool", .run = counting_body, .setup = counting_setup,
                                    .teardown = counting_teardown, .userdata = &seen,
                                    .threads = counts, .thread_count = 2};
    perfbudget_suite *suite = NULL;
    assert_int_equal(perfbudget_suite_new(*state, "s", &suite), PERFBUDGET_OK);
    assert_int_equal(perfbudget_suite_add(suite, &def), PERFBUDGET_OK);
    perfbudget_run_options opts = short_run();
    perfbudget_result *r = NULL;
    assert_int_equal(perfbudget_suite_run(suite, 0, &opts, &r), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_OK);
    size_t count;
    const perfbudget_scaling_point *points = perfbudget_result_scaling(r, &count, NULL);
    assert_int_equal(count, 3);
    const uint32_t expected[] = {1, 2, 4};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(points[i].threads, expected[i]);
        for (uint32_t t = 0; t < points[i].threads; t++)
            assert_true(points[i].thread[t].samples >= 10); /* min_rounds each */
        assert_true(points[i].throughput > 0.0);
    }
    assert_close(points[0].efficiency, 1.0, 1e-12);
    assert_true(points[2].efficiency > 0.0);
    /* Each of the 4 threads ran the body and saw 4 threads; setup and teardown ran once per
     * thread per count plus once for the usual run: 1 + (1 + 2 + 4). */
    for (uint32_t t = 0; t < 4; t++) {
        assert_int_equal(seen.threads_seen[t], 4);
        assert_true(seen.calls[t] > 0);
    }
    assert_int_equal(seen.setups, 8);
    assert_int_equal(seen.teardowns, 8);
    perfbudget_result_free(r);
    perfbudget_suite_free(suite);
}

static void test_a_thread_that_fails_fails_the_result(void **state) {
    static sightings seen;
    memset(&seen, 0, sizeof seen);
    seen.fail_thread = 1;
    const uint32_t counts[] = {2};
    perfbudget_benchmark_def def = {.name = "pool", .run = counting_body, .userdata = &seen,
                                    .threads = counts, .thread_count = 1};
    perfbudget_suite *suite = NULL;
    assert_int_equal(perfbudget_suite_new(*state, "s", &suite), PERFBUDGET_OK);
    assert_int_equal(perfbudget_suite_add(suite, &def), PERFBUDGET_OK);
    perfbudget_run_options opts = short_run();
    perfbudget_result *r = NULL;
    assert_int_equal(perfbudget_suite_run(suite, 0, &opts, &r), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_FAILED);
    assert_string_equal(perfbudget_result_message(r),
                        "pool with 2 threads: thread 1: this thread's input is broken");
    perfbudget_result_free(r);
    perfbudget_suite_free(suite);
}

static int setup_fails_in_thread_1(perfbudget_state *state) {
    return perfbudget_state_thread_index(state) == 1 ? -1 : 0;
}

/* Setup runs once per thread: a thread whose setup fails fails the result, and the threads
 * set up before it are torn down. */
static void test_a_thread_whose_setup_fails_fails_the_result(void **state) {
    static sightings seen;
    memset(&seen, 0, sizeof seen);
    const uint32_t counts[] = {2};
    perfbudget_benchmark_def def = {.name = "pool", .run = counting_body,
                                    .setup = setup_fails_in_thread_1,
                                    .teardown = counting_teardown, .userdata = &seen,
                                    .threads = counts, .thread_count = 1};
    perfbudget_suite *suite = NULL;
    assert_int_equal(perfbudget_suite_new(*state, "s", &suite), PERFBUDGET_OK);
    assert_int_equal(perfbudget_suite_add(suite, &def), PERFBUDGET_OK);
    perfbudget_run_options opts = short_run();
    perfbudget_result *r = NULL;
    assert_int_equal(perfbudget_suite_run(suite, 0, &opts, &r), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_FAILED);
    assert_string_equal(perfbudget_result_message(r), "pool with 2 threads: thread 1: setup failed");
    /* the usual run's, 1 thread's, and thread 0 of the 2 */
    assert_int_equal(seen.teardowns, 3);
    perfbudget_result_free(r);
    perfbudget_suite_free(suite);
}

static void test_suite_refuses_bad_thread_counts(void **state) {
    static void (*const body)(perfbudget_state *) = counting_body;
    const uint32_t zero[] = {0}, twice[] = {2, 2}, many[] = {PERFBUDGET_THREADS_MAX + 1};
    const uint32_t nine[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    struct {
        const uint32_t *counts;
        size_t count;
        const char *says;
    } cases[] = {{zero, 1, "0 threads; from 1 to 64"},
                 {twice, 2, "2 threads is given twice"},
                 {many, 1, "65 threads; from 1 to 64"},
                 {nine, 9, "9 thread counts; at most 8"},
                 {NULL, 1, "thread_count without threads"}};
    perfbudget_suite *suite = NULL;
    assert_int_equal(perfbudget_suite_new(*state, "s", &suite), PERFBUDGET_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        perfbudget_benchmark_def def = {.name = "pool", .run = body, .threads = cases[i].counts,
                                        .thread_count = cases[i].count};
        assert_int_equal(perfbudget_suite_add(suite, &def), PERFBUDGET_EINVAL);
        if (strstr(perfbudget_errmsg(*state), cases[i].says) == NULL)
            fail_msg("'%s' does not say '%s'", perfbudget_errmsg(*state), cases[i].says);
    }
    assert_int_equal(perfbudget_suite_count(suite), 0);
    perfbudget_suite_free(suite);
}

/* ---- result files and the text line ------------------------------------------------------------ */

static void test_scaling_in_result_files(void **state) {
    const double samples[] = {100, 110, 120};
    perfbudget_result *r = NULL;
    assert_int_equal(perfbudget_result_new(*state, "pool", samples, 3, NULL, PERFBUDGET_RUN_OK,
                                           "", &r),
                     PERFBUDGET_OK);
    const double one[] = {100, 100}, two_a[] = {150, 150}, two_b[] = {300, 300};
    const double *single[] = {one}, *pair[] = {two_a, two_b};
    const size_t counts[] = {2, 2};
    perfbudget_scaling_point points[2];
    assert_int_equal(perfbudget_scaling_point_from_samples(*state, 1, single, counts, 5, 1000, &points[0]),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_scaling_point_from_samples(*state, 2, pair, counts, 5, 1250, &points[1]),
                     PERFBUDGET_OK);
    perfbudget_scaling_set_efficiency(points, 2);
    assert_close(points[1].efficiency, 0.8, 1e-12); /* 20 calls/1.25 us against 2 x 10/1 us */
    perfbudget_scaling_verdict verdict;
    perfbudget_budget *budget = parse_budget(*state, "version: 1\nbudgets:\n  pool:\n"
                                                     "    scaling: {threads: 2, efficiency: 90%}\n");
    assert_int_equal(perfbudget_scaling_judge(*state, budget, "pool", points, 2, &verdict),
                     PERFBUDGET_OK);
    perfbudget_budget_free(budget);
    assert_int_equal(perfbudget_result_set_scaling(r, points, 2, &verdict), PERFBUDGET_OK);

    char path[] = "/tmp/perfbudget_test_threads_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    perfbudget_result *list[] = {r};
    assert_int_equal(perfbudget_results_write_json(*state, path, "s", list, 1), PERFBUDGET_OK);
    perfbudget_result **back = NULL;
    size_t back_count = 0;
    assert_int_equal(perfbudget_results_new_from_file(*state, path, &back,
                                                      &back_count), PERFBUDGET_OK);
    unlink(path);
    assert_int_equal(back_count, 1);
    size_t count;
    perfbudget_scaling_verdict read_verdict;
    const perfbudget_scaling_point *read = perfbudget_result_scaling(back[0], &count, &read_verdict);
    assert_int_equal(count, 2);
    assert_int_equal(read[1].threads, 2);
    assert_close(read[1].efficiency, points[1].efficiency, 0);
    assert_close(read[1].throughput, points[1].throughput, 0);
    assert_close(read[1].spread, 2.0, 0);
    assert_close(read[1].thread[1].p50_ns, 300.0, 0);
    assert_int_equal(read[1].thread[0].samples, 2);
    assert_int_equal(read_verdict.status, PERFBUDGET_LIMIT_FAIL);
    assert_int_equal(read_verdict.threads, 2);
    assert_string_equal(read_verdict.text, verdict.text);

    /* A breach fails the test as a breached limit does, and the report's first line says so. */
    assert_int_equal(perfbudget_result_test_status(back[0], NULL), PERFBUDGET_TEST_FAIL);
    char *report = NULL;
    assert_int_equal(perfbudget_render_test_report(*state, back[0], NULL, 0, &report),
                     PERFBUDGET_OK);
    assert_non_null(strstr(report, "FAIL pool: 2 threads: efficiency 80.0 % < 90 % allowed "
                                   "(scaling:)\n"));
    assert_non_null(strstr(report, "\n  scaling: threads 1/2: "));
    perfbudget_free(report);
    perfbudget_result_set_fail_on(back[0], PERFBUDGET_FAIL_ON_NEVER); /* warn-only roll-out */
    assert_int_equal(perfbudget_result_test_status(back[0], NULL), PERFBUDGET_TEST_PASS);
    /* Without a verdict the scaling is only shown. */
    assert_int_equal(perfbudget_result_set_scaling(r, points, 2, NULL), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_test_status(r, NULL), PERFBUDGET_TEST_PASS);

    char line[256];
    assert_string_equal(perfbudget_scaling_describe(read, count, line, sizeof line),
                        "threads 1/2: 1e+07/1.6e+07 calls/s, efficiency 100/80 %, spread 1.00/2.00");
    /* Every report that lists results shows the scaling and the breach. */
    perfbudget_result_set_fail_on(back[0], PERFBUDGET_FAIL_ON_REGRESSION);
    struct {
        perfbudget_report_format format;
        const char *says[2];
    } reports[] = {
        {PERFBUDGET_REPORT_MARKDOWN, {"2 threads: efficiency 80.0 % &lt; 90 % allowed",
                                      "threads 1/2: 1e+07/1.6e+07 calls/s"}},
        {PERFBUDGET_REPORT_CSV, {"pool,threads 2 efficiency,80,%,scaling,",
                                 "pool,threads 1 throughput,10000000,/s,scaling,"}},
        {PERFBUDGET_REPORT_HTML, {"<table class=\"scaling\">",
                                  "<tr><td>2</td><td>1.6e+07 /s</td><td>80"}},
    };
    for (size_t i = 0; i < sizeof reports / sizeof reports[0]; i++) {
        char *text = NULL;
        assert_int_equal(perfbudget_render_report(*state, back, 1, reports[i].format, NULL, &text),
                         PERFBUDGET_OK);
        for (int k = 0; k < 2; k++)
            if (strstr(text, reports[i].says[k]) == NULL)
                fail_msg("report %d does not say '%s'", (int)reports[i].format, reports[i].says[k]);
        perfbudget_free(text);
    }
    perfbudget_results_free(back, back_count);
    perfbudget_result_free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_point_from_injected_samples, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_wall_time_defaults_to_the_busiest_thread,
                                        context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_bad_samples_are_refused, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_efficiency_against_one_thread, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_scaling_budget_verdict, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_scaling_budget_errors, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_suite_runs_each_thread_count, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_a_thread_that_fails_fails_the_result, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_a_thread_whose_setup_fails_fails_the_result,
                                        context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_suite_refuses_bad_thread_counts, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_scaling_in_result_files, context_setup,
                                        context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
