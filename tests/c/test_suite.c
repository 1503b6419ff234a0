/* SPDX-License-Identifier: MIT */
/* The benchmark loop's logic (calibration, warm-up, rounds, time cap, setup/teardown, failure)
 * driven by a fake clock that only the benchmark body advances: no real time is asserted; CPU
 * samples with the real clock, asserted only to exist. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "test_helpers.h"

typedef struct fake {
    uint64_t now;
    uint64_t step_ns; /* per iteration of the body */
    uint64_t iterations;
    int setups, teardowns;
} fake;

static uint64_t fake_clock(void *userdata) { return ((fake *)userdata)->now; }

static void advancing_body(perfbudget_state *state) {
    fake *f = perfbudget_state_userdata(state);
    while (perfbudget_loop(state)) {
        f->now += f->step_ns;
        f->iterations++;
    }
}

static int counting_setup(perfbudget_state *state) {
    ((fake *)perfbudget_state_userdata(state))->setups++;
    return 0;
}

static void counting_teardown(perfbudget_state *state) {
    ((fake *)perfbudget_state_userdata(state))->teardowns++;
}

static perfbudget_result *run_one(perfbudget_context *ctx, const perfbudget_benchmark_def *def,
                                  const perfbudget_run_options *opts) {
    perfbudget_suite *suite;
    assert_int_equal(perfbudget_suite_new(ctx, "suite", &suite), PERFBUDGET_OK);
    assert_int_equal(perfbudget_suite_add(suite, def), PERFBUDGET_OK);
    perfbudget_result *result = NULL;
    assert_int_equal(perfbudget_suite_run(suite, 0, opts, &result), PERFBUDGET_OK);
    perfbudget_suite_free(suite);
    return result;
}

static perfbudget_run_options quiet_options(void) {
    perfbudget_run_options opts;
    perfbudget_run_options_init(&opts);
    opts.hardware_counters = 0;
    return opts;
}

static void test_calibration_reaches_the_target_sample_time(void **state) {
    fake f = {.now = 1000, .step_ns = 50};
    perfbudget_context_set_clock(*state, fake_clock, &f);
    perfbudget_benchmark_def def = {.name = "fifty", .run = advancing_body, .userdata = &f,
                                    .items_per_iteration = 4};
    perfbudget_run_options opts = quiet_options();
    perfbudget_result *r = run_one(*state, &def, &opts);
    const perfbudget_metrics *m = perfbudget_result_metrics(r);
    const perfbudget_summary *s = perfbudget_result_summary(r);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_OK);
    /* Default target: 100 us per sample with a fake clock; growth is at most 10x per step. */
    assert_true(m->iterations_per_sample * 50 >= 100000);
    assert_true(m->iterations_per_sample * 50 <= 10 * 100000);
    assert_true(m->rounds >= 30);
    assert_true(m->wall_ns >= 100e6); /* min_time */
    assert_int_equal(m->time_capped, 0);
    assert_close(s->median, 50.0, 0);
    assert_close(s->stddev, 0.0, 0);
    assert_close(m->items_per_second, 4 * 1e9 / 50.0, 1e-12);
    assert_true(isnan(m->instructions_per_iteration));
    assert_non_null(strstr(perfbudget_result_counters_note(r), "not requested"));
    assert_true(perfbudget_context_clock_info(*state).is_fake);
    size_t count;
    perfbudget_result_samples(r, &count);
    assert_int_equal(count, m->rounds);
    assert_int_equal(m->total_iterations, m->rounds * m->iterations_per_sample);
    perfbudget_result_free(r);
}

/* A body whose first call is cold (1 ms, then 50 ns): the first call is timed apart and kept
 * as its own figure, and calibration still reaches the target sample time on the warm calls
 * instead of stopping at one call per sample. */
static void cold_first_call_body(perfbudget_state *state) {
    fake *f = perfbudget_state_userdata(state);
    while (perfbudget_loop(state)) {
        f->now += f->iterations == 0 ? UINT64_C(1000000) : f->step_ns;
        f->iterations++;
    }
}

static void test_a_cold_first_call_is_timed_apart(void **state) {
    fake f = {.now = 1000, .step_ns = 50};
    perfbudget_context_set_clock(*state, fake_clock, &f);
    perfbudget_benchmark_def def = {.name = "cold", .run = cold_first_call_body, .userdata = &f};
    perfbudget_run_options opts = quiet_options();
    perfbudget_result *r = run_one(*state, &def, &opts);
    const perfbudget_metrics *m = perfbudget_result_metrics(r);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_OK);
    assert_close(m->first_call_ns, 1e6, 0);
    assert_int_equal(m->compared_statistic, PERFBUDGET_STAT_P10); /* a batch of C calls a sample */
    assert_true(m->iterations_per_sample * 50 >= 100000);
    assert_close(perfbudget_result_summary(r)->max, 50.0, 0); /* no sample holds the cold call */
    perfbudget_result_free(r);
}

/* A loop driven from outside that timed its first call itself: the figure is the caller's, and
 * the sampler's first batch calibrates at once (pedantic's rounds spend no call on it). */
static void test_a_sampler_takes_the_callers_first_call(void **state) {
    fake f = {.now = 1, .step_ns = 0};
    perfbudget_context_set_clock(*state, fake_clock, &f);
    perfbudget_run_options opts = quiet_options();
    opts.min_sample_ns = 1;
    opts.min_rounds = opts.max_rounds = 3;
    opts.warmup_ns = opts.min_time_ns = 0;
    perfbudget_sampler *sampler;
    assert_int_equal(perfbudget_sampler_new(*state, "given", &opts, &sampler), PERFBUDGET_OK);
    assert_int_equal(perfbudget_sampler_set_first_call(sampler, 7000.0), PERFBUDGET_OK);
    unsigned batches = 0;
    for (uint64_t n = perfbudget_sampler_next(sampler, 0); n != 0;
         n = perfbudget_sampler_next(sampler, 10))
        batches++;
    assert_int_equal(batches, 1 + 3); /* calibration and 3 rounds: no first call */
    assert_int_equal(perfbudget_sampler_set_first_call(sampler, 1.0), PERFBUDGET_ESTATE);
    perfbudget_result *r;
    assert_int_equal(perfbudget_sampler_finish(sampler, &r), PERFBUDGET_OK);
    assert_close(perfbudget_result_metrics(r)->first_call_ns, 7000.0, 0);
    perfbudget_result_free(r);
    perfbudget_sampler_free(sampler);
    /* Without it, the first batch is the first call, timed apart. */
    assert_int_equal(perfbudget_sampler_new(*state, "own", &opts, &sampler), PERFBUDGET_OK);
    batches = 0;
    for (uint64_t n = perfbudget_sampler_next(sampler, 0); n != 0;
         n = perfbudget_sampler_next(sampler, batches == 1 ? 900 : 10))
        batches++;
    assert_int_equal(batches, 1 + 1 + 3);
    assert_int_equal(perfbudget_sampler_finish(sampler, &r), PERFBUDGET_OK);
    assert_close(perfbudget_result_metrics(r)->first_call_ns, 900.0, 0);
    perfbudget_result_free(r);
    perfbudget_sampler_free(sampler);
}

/* The interpreter probe a loop driven from outside timed between batches: each sample carries
 * the one noted last before it was recorded, those before the first the first; a sampler given
 * none has no probe samples. 300 rounds: past the first growth of the arrays. */
static void test_a_sampler_tags_samples_with_the_probe(void **state) {
    fake f = {.now = 1, .step_ns = 0};
    perfbudget_context_set_clock(*state, fake_clock, &f);
    perfbudget_run_options opts = quiet_options();
    opts.min_sample_ns = 1;
    opts.min_rounds = opts.max_rounds = 300;
    opts.warmup_ns = opts.min_time_ns = 0;
    for (int probing = 0; probing < 2; probing++) {
        perfbudget_sampler *sampler;
        assert_int_equal(perfbudget_sampler_new(*state, "probed", &opts, &sampler), PERFBUDGET_OK);
        assert_int_equal(perfbudget_sampler_set_first_call(sampler, 10.0), PERFBUDGET_OK);
        assert_int_equal(perfbudget_sampler_note_probe(sampler, -1.0), PERFBUDGET_EINVAL);
        assert_int_equal(perfbudget_sampler_note_probe(sampler, NAN), PERFBUDGET_EINVAL);
        unsigned call = 0;
        for (uint64_t n = perfbudget_sampler_next(sampler, 0); n != 0;
             n = perfbudget_sampler_next(sampler, 10)) {
            call++;
            if (probing && call % 100 == 5)
                assert_int_equal(perfbudget_sampler_note_probe(sampler, 1000.0 * call),
                                 PERFBUDGET_OK);
        }
        perfbudget_result *r;
        assert_int_equal(perfbudget_sampler_finish(sampler, &r), PERFBUDGET_OK);
        size_t n = 0, count = 0;
        perfbudget_result_samples(r, &n);
        const double *probes = perfbudget_result_probe_samples(r, &count);
        assert_int_equal(n, 300);
        if (!probing) {
            assert_null(probes);
        } else {
            assert_int_equal(count, n);
            /* Call 2 ends the calibration, call k >= 3 records sample k - 3: the probe noted
             * after call c is first carried by sample c - 2; samples 0 to 2 carry the first. */
            for (size_t i = 0; i < n; i++) {
                double expected = i < 3 ? 5000.0 : 1000.0 * (double)((i - 3) / 100 * 100 + 5);
                if (probes[i] != expected)
                    fail_msg("sample %zu: probe %.0f, not %.0f", i, probes[i], expected);
            }
        }
        perfbudget_result_free(r);
        perfbudget_sampler_free(sampler);
    }
}

static void test_warmup_iterations_are_not_measured(void **state) {
    fake f = {.now = 1, .step_ns = 1000};
    perfbudget_context_set_clock(*state, fake_clock, &f);
    perfbudget_benchmark_def def = {.name = "warm", .run = advancing_body, .userdata = &f};
    perfbudget_run_options opts = quiet_options();
    opts.warmup_iterations = 5000;
    opts.warmup_ns = 0;
    opts.min_time_ns = 0;
    perfbudget_result *r = run_one(*state, &def, &opts);
    const perfbudget_metrics *m = perfbudget_result_metrics(r);
    assert_int_equal(m->rounds, 30);
    assert_true(f.iterations >= m->total_iterations + 5000);
    perfbudget_result_free(r);
}

static void test_time_cap_stops_a_slow_benchmark(void **state) {
    fake f = {.now = 1, .step_ns = UINT64_C(700000000)}; /* 0.7 s per iteration */
    perfbudget_context_set_clock(*state, fake_clock, &f);
    perfbudget_benchmark_def def = {.name = "slow", .run = advancing_body, .userdata = &f};
    perfbudget_run_options opts = quiet_options();
    perfbudget_result *r = run_one(*state, &def, &opts);
    const perfbudget_metrics *m = perfbudget_result_metrics(r);
    assert_int_equal(m->iterations_per_sample, 1);
    assert_true(m->rounds >= 1 && m->rounds < 30);
    assert_int_equal(m->time_capped, 1);
    /* Stops at the first sample boundary past 2 s. */
    assert_true(f.now - 1 < UINT64_C(2000000000) + UINT64_C(700000000));
    perfbudget_result_free(r);
}

static void test_max_rounds_and_explicit_sample_time(void **state) {
    fake f = {.now = 1, .step_ns = 10};
    perfbudget_context_set_clock(*state, fake_clock, &f);
    perfbudget_benchmark_def def = {.name = "bounded", .run = advancing_body, .userdata = &f};
    perfbudget_run_options opts = quiet_options();
    opts.min_sample_ns = 1000000;
    opts.max_rounds = 7;
    opts.min_rounds = 5;
    perfbudget_result *r = run_one(*state, &def, &opts);
    const perfbudget_metrics *m = perfbudget_result_metrics(r);
    assert_int_equal(m->rounds, 7);
    assert_true(m->iterations_per_sample * 10 >= 1000000);
    perfbudget_result_free(r);
}

static void test_setup_and_teardown_run_once(void **state) {
    fake f = {.now = 1, .step_ns = 100};
    perfbudget_context_set_clock(*state, fake_clock, &f);
    perfbudget_benchmark_def def = {.name = "framed", .run = advancing_body, .userdata = &f,
                                    .setup = counting_setup, .teardown = counting_teardown};
    perfbudget_run_options opts = quiet_options();
    perfbudget_result *r = run_one(*state, &def, &opts);
    assert_int_equal(f.setups, 1);
    assert_int_equal(f.teardowns, 1);
    perfbudget_result_free(r);
}

static int failing_setup(perfbudget_state *state) {
    (void)state;
    return -1;
}

static void test_failing_setup_fails_the_benchmark(void **state) {
    fake f = {.now = 1, .step_ns = 100};
    perfbudget_benchmark_def def = {.name = "broken", .run = advancing_body, .userdata = &f,
                                    .setup = failing_setup, .teardown = counting_teardown};
    perfbudget_run_options opts = quiet_options();
    perfbudget_result *r = run_one(*state, &def, &opts);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_FAILED);
    assert_string_equal(perfbudget_result_message(r), "setup failed");
    assert_int_equal(f.teardowns, 0);
    assert_int_equal(f.iterations, 0);
    assert_int_equal(perfbudget_result_summary(r)->n, 0);
    perfbudget_result_free(r);
}

static void skipping_body(perfbudget_state *state) {
    perfbudget_state_skip(state, "needs hardware counters");
    while (perfbudget_loop(state)) {
    }
}

static void lazy_body(perfbudget_state *state) { (void)state; }

static void early_exit_body(perfbudget_state *state) {
    int n = 0;
    while (perfbudget_loop(state))
        if (++n == 3) break;
}

static void test_skip_and_misuse(void **state) {
    perfbudget_run_options opts = quiet_options();
    perfbudget_benchmark_def skip = {.name = "skip", .run = skipping_body};
    perfbudget_result *r = run_one(*state, &skip, &opts);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_SKIPPED);
    assert_string_equal(perfbudget_result_message(r), "needs hardware counters");
    perfbudget_result_free(r);

    perfbudget_benchmark_def lazy = {.name = "lazy", .run = lazy_body};
    r = run_one(*state, &lazy, &opts);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_FAILED);
    assert_non_null(strstr(perfbudget_result_message(r), "never called perfbudget_loop"));
    perfbudget_result_free(r);

    perfbudget_benchmark_def early = {.name = "early", .run = early_exit_body};
    r = run_one(*state, &early, &opts);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_FAILED);
    assert_non_null(strstr(perfbudget_result_message(r), "left the loop"));
    perfbudget_result_free(r);
}

/* A loop driven from outside (as Python drives it) follows the same rules as perfbudget_loop. */
static void test_sampler_matches_the_loop(void **state) {
    fake f = {.now = 1000, .step_ns = 50};
    perfbudget_context_set_clock(*state, fake_clock, &f);
    perfbudget_run_options opts = quiet_options();
    perfbudget_benchmark_def def = {.name = "fifty", .run = advancing_body, .userdata = &f};
    perfbudget_result *looped = run_one(*state, &def, &opts);

    f.now = 1000;
    perfbudget_sampler *sampler;
    assert_int_equal(perfbudget_sampler_new(*state, "fifty", &opts, &sampler), PERFBUDGET_OK);
    perfbudget_result *r;
    assert_int_equal(perfbudget_sampler_finish(sampler, &r), PERFBUDGET_ESTATE);
    uint64_t previous = 0, n;
    while ((n = perfbudget_sampler_next(sampler, previous)) != 0) {
        f.now += n * 50;
        previous = n * 50;
    }
    assert_int_equal(perfbudget_sampler_finish(sampler, &r), PERFBUDGET_OK);
    assert_int_equal(perfbudget_sampler_finish(sampler, &r), PERFBUDGET_ESTATE);
    perfbudget_sampler_free(sampler);
    const perfbudget_metrics *a = perfbudget_result_metrics(looped), *b = perfbudget_result_metrics(r);
    assert_int_equal(a->iterations_per_sample, b->iterations_per_sample);
    assert_int_equal(a->rounds, b->rounds);
    assert_close(perfbudget_result_summary(r)->median, 50.0, 0);
    assert_string_equal(perfbudget_result_name(r), "fifty");
    perfbudget_result_free(r);
    perfbudget_result_free(looped);
}

typedef struct ticks {
    int calls;
    uint64_t last_elapsed_ns, smallest_gap_ns, last_rounds;
    char name[16];
} ticks;

static void count_ticks(void *userdata, const char *name, uint64_t elapsed_ns, uint64_t rounds) {
    ticks *t = userdata;
    uint64_t gap = elapsed_ns - t->last_elapsed_ns;
    if (t->calls == 0 || gap < t->smallest_gap_ns) t->smallest_gap_ns = gap;
    assert_true(rounds >= t->last_rounds);
    t->calls++;
    t->last_elapsed_ns = elapsed_ns;
    t->last_rounds = rounds;
    snprintf(t->name, sizeof t->name, "%s", name);
}

/* A long benchmark reports progress every interval while it runs (for a ticking progress
 * line): 0.25 s per iteration under a 3.5 s cap gives a call at 1, 2 and 3 s, none at the end. */
static void test_progress_ticks_during_a_long_benchmark(void **state) {
    fake f = {.now = 1, .step_ns = UINT64_C(250000000)};
    perfbudget_context_set_clock(*state, fake_clock, &f);
    perfbudget_run_options opts = quiet_options();
    opts.max_time_ns = UINT64_C(3500000000);
    perfbudget_suite *suite;
    assert_int_equal(perfbudget_suite_new(*state, "suite", &suite), PERFBUDGET_OK);
    perfbudget_benchmark_def def = {.name = "slow", .run = advancing_body, .userdata = &f};
    assert_int_equal(perfbudget_suite_add(suite, &def), PERFBUDGET_OK);
    ticks t = {0};
    perfbudget_suite_set_progress(suite, count_ticks, &t, UINT64_C(1000000000));
    perfbudget_result *r;
    assert_int_equal(perfbudget_suite_run(suite, 0, &opts, &r), PERFBUDGET_OK);
    assert_int_equal(t.calls, 3);
    assert_true(t.smallest_gap_ns >= UINT64_C(1000000000));
    assert_int_equal(t.last_elapsed_ns, UINT64_C(3000000000));
    assert_string_equal(t.name, "slow");
    assert_true(t.last_rounds > 0);
    perfbudget_result_free(r);
    perfbudget_suite_set_progress(suite, NULL, NULL, 0); /* off: the next run calls nothing */
    t.calls = 0;
    f.now = 1;
    assert_int_equal(perfbudget_suite_run(suite, 0, &opts, &r), PERFBUDGET_OK);
    assert_int_equal(t.calls, 0);
    perfbudget_result_free(r);
    perfbudget_suite_free(suite);
}

static void test_suite_bookkeeping(void **state) {
    perfbudget_suite *suite;
    assert_int_equal(perfbudget_suite_new(*state, "codec", &suite), PERFBUDGET_OK);
    perfbudget_benchmark_def def = {.name = "decode", .run = lazy_body};
    assert_int_equal(perfbudget_suite_add(suite, &def), PERFBUDGET_OK);
    assert_int_equal(perfbudget_suite_add(suite, &def), PERFBUDGET_EINVAL);
    assert_non_null(strstr(perfbudget_errmsg(*state), "defined twice"));
    perfbudget_benchmark_def nameless = {.name = "", .run = lazy_body};
    assert_int_equal(perfbudget_suite_add(suite, &nameless), PERFBUDGET_EINVAL);
    assert_int_equal(perfbudget_suite_count(suite), 1);
    assert_string_equal(perfbudget_suite_name(suite), "codec");
    assert_string_equal(perfbudget_suite_benchmark_name(suite, 0), "decode");
    assert_null(perfbudget_suite_benchmark_name(suite, 1));
    /* Names are found again after the name table has grown several times. */
    perfbudget_suite *big;
    assert_int_equal(perfbudget_suite_new(*state, "big", &big), PERFBUDGET_OK);
    char name[32];
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < 1000; i++) {
            snprintf(name, sizeof name, "bench_%d", i);
            perfbudget_benchmark_def each = {.name = name, .run = lazy_body};
            assert_int_equal(perfbudget_suite_add(big, &each),
                             pass == 0 ? PERFBUDGET_OK : PERFBUDGET_EINVAL);
        }
    assert_int_equal(perfbudget_suite_count(big), 1000);
    assert_string_equal(perfbudget_suite_benchmark_name(big, 999), "bench_999");
    perfbudget_suite_free(big);
    perfbudget_result *r;
    assert_int_equal(perfbudget_suite_run(suite, 3, NULL, &r), PERFBUDGET_EINVAL);
    perfbudget_suite_free(suite);
    perfbudget_suite_free(NULL);
    perfbudget_result_free(NULL);
}

/* A sweep's body takes n log2 n ns at size n: perfbudget_state_size() tells it n. */
static void n_log_n_body(perfbudget_state *state) {
    fake *f = perfbudget_state_userdata(state);
    double n = (double)perfbudget_state_size(state);
    while (perfbudget_loop(state)) f->now += (uint64_t)(n * log2(n));
}

static void test_a_sweep_runs_each_size_and_fits(void **state) {
    fake f = {.now = 1000};
    perfbudget_context_set_clock(*state, fake_clock, &f);
    static const uint64_t sizes[] = {16, 64, 256, 1024};
    perfbudget_benchmark_def def = {.name = "sort", .run = n_log_n_body, .userdata = &f,
                                    .sizes = sizes, .size_count = 4};
    perfbudget_suite *suite;
    assert_int_equal(perfbudget_suite_new(*state, "s", &suite), PERFBUDGET_OK);
    assert_int_equal(perfbudget_suite_add(suite, &def), PERFBUDGET_OK);
    assert_int_equal(perfbudget_suite_count(suite), 4);
    assert_string_equal(perfbudget_suite_benchmark_name(suite, 2), "sort/256");
    assert_int_equal(perfbudget_suite_benchmark_size(suite, 2), 256);
    /* The same sweep again, or a size twice or of 0, is refused whole. */
    assert_int_equal(perfbudget_suite_add(suite, &def), PERFBUDGET_EINVAL);
    static const uint64_t twice[] = {8, 8}, zero[] = {8, 0};
    perfbudget_benchmark_def bad = {.name = "b", .run = n_log_n_body, .sizes = twice,
                                    .size_count = 2};
    assert_int_equal(perfbudget_suite_add(suite, &bad), PERFBUDGET_EINVAL);
    assert_non_null(strstr(perfbudget_errmsg(*state), "given twice"));
    bad.sizes = zero;
    assert_int_equal(perfbudget_suite_add(suite, &bad), PERFBUDGET_EINVAL);
    assert_int_equal(perfbudget_suite_count(suite), 4);
    perfbudget_result *results[4];
    perfbudget_run_options opts = quiet_options();
    opts.min_rounds = 5;
    opts.min_time_ns = 0;
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(perfbudget_suite_run(suite, i, &opts, &results[i]), PERFBUDGET_OK);
    assert_close(perfbudget_result_summary(results[3])->median, 1024.0 * 10.0, 0);
    perfbudget_complexity_fit fit;
    assert_int_equal(perfbudget_results_fit_complexity(*state, results, 4, "sort",
                                                       PERFBUDGET_COMPLEXITY_NONE, &fit),
                     PERFBUDGET_OK);
    assert_int_equal(fit.complexity, PERFBUDGET_COMPLEXITY_N_LOG_N);
    assert_close(fit.coefficient, 1.0, 1e-12);
    for (size_t i = 0; i < 4; i++) perfbudget_result_free(results[i]);
    perfbudget_suite_free(suite);
}

/* A clock that moves by tick at every read besides what the body adds: the reference loop,
 * timed between two reads, takes exactly one tick. */
static uint64_t ticking_clock(void *userdata) {
    fake *f = userdata;
    f->now += f->setups; /* setups: the tick, in this test */
    return f->now;
}

/* The reference time: the mean of the timings within 1 % of their median, so finer than the
 * clock's whole ns, and blind to an interrupted loop and to the machine's other speed. */
static void test_the_reference_time(void **state) {
    (void)state;
    double times[] = {5000, 1001, 1000, 1030, 1001, 1000, 1001, 1000, 1001, 1000, 1001, 1000};
    /* sorted: 1000 x5, 1001 x5, 1030, 5000; median 1001; within 1 %: the ten */
    assert_close(perfbudget__reference_time(times, 12), 1000.5, 1e-12);
    double one[] = {7};
    assert_close(perfbudget__reference_time(one, 1), 7, 0);
}

/* A run that switched speed: each sample is brought to the run's reference speed by the loop
 * timed after it; a loop hit by an interrupt (more than 25 % off) leaves its sample alone. */
static void test_each_sample_is_brought_to_the_runs_speed(void **state) {
    (void)state;
    double samples[] = {100.0, 102.4, 100.0, 102.4, 100.0, 100.0, 101.0};
    const double times[] = {1000, 1024, 1000, 1024, 1000, 1000, 2000};
    assert_close(perfbudget__speed_correct(samples, NULL, times, 7), 1000.0, 0);
    for (int i = 0; i < 6; i++) assert_close(samples[i], 100.0, 1e-12);
    assert_close(samples[6], 101.0, 0);
}

static perfbudget_result *run_with_tick(perfbudget_context *ctx, int tick, int speed_correction) {
    fake f = {.now = 1000, .step_ns = 50, .setups = tick};
    perfbudget_context_set_clock(ctx, ticking_clock, &f);
    perfbudget_benchmark_def def = {.name = "fifty", .run = advancing_body, .userdata = &f};
    perfbudget_run_options opts = quiet_options();
    opts.speed_correction = speed_correction;
    return run_one(ctx, &def, &opts);
}

static void test_speed_correction_times_the_reference_loop(void **state) {
    perfbudget_result *plain = run_with_tick(*state, 10, 0);
    perfbudget_result *fast = run_with_tick(*state, 10, 1);
    perfbudget_result *slow = run_with_tick(*state, 12, 1);
    assert_true(isnan(perfbudget_result_metrics(plain)->reference_ns));
    assert_close(perfbudget_result_metrics(fast)->reference_ns, 10.0, 0);
    assert_close(perfbudget_result_metrics(slow)->reference_ns, 12.0, 0);
    assert_close(perfbudget_result_speed_ratio(slow, fast), 1.2, 1e-15);
    assert_close(perfbudget_result_speed_ratio(fast, slow), 10.0 / 12.0, 1e-15);
    assert_true(isnan(perfbudget_result_speed_ratio(fast, plain)));
    assert_true(isnan(perfbudget_result_speed_ratio(plain, fast)));
    assert_true(isnan(perfbudget_result_speed_ratio(NULL, fast)));
    /* The reference is timed outside the samples: they are the body's 50 ns plus the ticks of
     * the clock reads around each batch, with or without it. */
    assert_close(perfbudget_result_summary(fast)->median, perfbudget_result_summary(plain)->median, 0);
    perfbudget_result_free(plain);
    perfbudget_result_free(fast);
    perfbudget_result_free(slow);
}

/* Speed correction scales a sample's CPU time by the factor of its wall time. */
static void test_cpu_samples_are_speed_corrected_alike(void **state) {
    (void)state;
    double samples[] = {100.0, 100.0, 100.0, 102.4, 101.0};
    double cpu[] = {90.0, 90.0, 90.0, 92.16, 95.0};
    const double times[] = {1000, 1000, 1000, 1024, 2000};
    assert_close(perfbudget__speed_correct(samples, cpu, times, 5), 1000.0, 0);
    assert_close(samples[3], 100.0, 1e-12);
    assert_close(cpu[3], 90.0, 1e-12);
    assert_close(cpu[0], 90.0, 0);
    assert_close(cpu[4], 95.0, 0); /* its sample was left alone: so is its CPU time */
}

static void spinning_body(perfbudget_state *state) {
    uint64_t x = 1;
    while (perfbudget_loop(state)) {
        for (int i = 0; i < 64; i++) x = x * UINT64_C(6364136223846793005) + 1;
        PERFBUDGET_DO_NOT_OPTIMIZE(x);
    }
}

static perfbudget_run_options short_real_options(void) {
    perfbudget_run_options opts = quiet_options();
    opts.warmup_ns = 0;
    opts.min_rounds = 20;
    opts.min_time_ns = 0;
    return opts;
}

static void assert_cpu_samples_match(const perfbudget_result *r) {
    size_t n, cpu_n;
    perfbudget_result_samples(r, &n);
    const double *cpu = perfbudget_result_cpu_samples(r, &cpu_n);
    assert_true(n > 0);
    assert_non_null(cpu);
    assert_int_equal(cpu_n, n);
    /* Nothing about their size beyond > 0: the machine is loaded and has two cores. */
    for (size_t i = 0; i < n; i++) assert_true(isfinite(cpu[i]) && cpu[i] > 0.0);
    const perfbudget_metrics *m = perfbudget_result_metrics(r);
    assert_true(isfinite(m->involuntary_switches) && m->involuntary_switches >= 0.0);
    assert_true(isfinite(m->voluntary_switches) && m->voluntary_switches >= 0.0);
}

/* With the real clock every sample has its CPU time and the run its context switches, from the
 * loop and from a loop driven from outside alike, with and without speed correction. */
static void test_real_clock_records_cpu_samples(void **state) {
    perfbudget_benchmark_def def = {.name = "spin", .run = spinning_body};
    perfbudget_run_options opts = short_real_options();
    perfbudget_result *r = run_one(*state, &def, &opts);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_OK);
    assert_cpu_samples_match(r);
    perfbudget_result_free(r);

    opts.speed_correction = 1;
    r = run_one(*state, &def, &opts);
    assert_cpu_samples_match(r);
    perfbudget_result_free(r);

    opts.speed_correction = 0;
    perfbudget_sampler *sampler;
    assert_int_equal(perfbudget_sampler_new(*state, "outside", &opts, &sampler), PERFBUDGET_OK);
    uint64_t previous = 0, n;
    while ((n = perfbudget_sampler_next(sampler, previous)) != 0) {
        uint64_t start = perfbudget_context_now_ns(*state), x = 1;
        for (uint64_t i = 0; i < 64 * n; i++) x = x * UINT64_C(6364136223846793005) + 1;
        PERFBUDGET_DO_NOT_OPTIMIZE(x);
        previous = perfbudget_context_now_ns(*state) - start;
    }
    assert_int_equal(perfbudget_sampler_finish(sampler, &r), PERFBUDGET_OK);
    perfbudget_sampler_free(sampler);
    assert_cpu_samples_match(r);
    perfbudget_result_free(r);
}

/* A fake clock's samples are not real time: no CPU samples, switches unknown. */
static void test_fake_clock_records_no_cpu_samples(void **state) {
    fake f = {.now = 1000, .step_ns = 50};
    perfbudget_context_set_clock(*state, fake_clock, &f);
    perfbudget_benchmark_def def = {.name = "fifty", .run = advancing_body, .userdata = &f};
    perfbudget_run_options opts = quiet_options();
    perfbudget_result *r = run_one(*state, &def, &opts);
    size_t n = 99;
    assert_null(perfbudget_result_cpu_samples(r, &n));
    assert_int_equal(n, 0);
    assert_true(isnan(perfbudget_result_metrics(r)->involuntary_switches));
    assert_true(isnan(perfbudget_result_metrics(r)->voluntary_switches));
    perfbudget_result_free(r);
}

/* Given CPU samples must match the samples in number and be finite; 0 drops them. */
static void test_set_cpu_samples(void **state) {
    const double samples[] = {10, 11, 12};
    perfbudget_result *r;
    assert_int_equal(perfbudget_result_new(*state, "x", samples, 3, NULL, PERFBUDGET_RUN_OK, "", &r),
                     PERFBUDGET_OK);
    assert_true(isnan(perfbudget_result_metrics(r)->involuntary_switches));
    size_t n = 99;
    assert_null(perfbudget_result_cpu_samples(r, &n));
    assert_int_equal(n, 0);
    const double cpu[] = {9, 10, 11, 12};
    assert_int_equal(perfbudget_result_set_cpu_samples(*state, r, cpu, 2), PERFBUDGET_EINVAL);
    assert_non_null(strstr(perfbudget_errmsg(*state), "2 CPU samples for 3 samples"));
    assert_int_equal(perfbudget_result_set_cpu_samples(*state, r, cpu, 4), PERFBUDGET_EINVAL);
    assert_int_equal(perfbudget_result_set_cpu_samples(*state, r, NULL, 3), PERFBUDGET_EINVAL);
    assert_int_equal(perfbudget_result_set_cpu_samples(*state, NULL, cpu, 3), PERFBUDGET_EINVAL);
    const double bad[] = {1, NAN, 3};
    assert_int_equal(perfbudget_result_set_cpu_samples(*state, r, bad, 3), PERFBUDGET_EDOMAIN);
    assert_null(perfbudget_result_cpu_samples(r, &n));
    assert_int_equal(perfbudget_result_set_cpu_samples(*state, r, cpu, 3), PERFBUDGET_OK);
    const double *back = perfbudget_result_cpu_samples(r, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(back, cpu, 3 * sizeof *cpu);
    assert_int_equal(perfbudget_result_set_cpu_samples(*state, r, NULL, 0), PERFBUDGET_OK);
    assert_null(perfbudget_result_cpu_samples(r, &n));
    assert_int_equal(n, 0);
    perfbudget_result_free(r);
}

/* The resident set comes from statm's second number, read without sscanf: spaces before each
 * number, anything after the second; a text without two numbers gives -1. */
static void test_statm_resident_pages(void **state) {
    (void)state;
    assert_int_equal(perfbudget__statm_resident_pages("2614 1380 1045 201 0 345 0\n"), 1380);
    assert_int_equal(perfbudget__statm_resident_pages("  7   0"), 0);
    assert_int_equal(perfbudget__statm_resident_pages("123456789 987654321\n"), 987654321);
    assert_int_equal(perfbudget__statm_resident_pages("2614"), -1);
    assert_int_equal(perfbudget__statm_resident_pages("2614 x"), -1);
    assert_int_equal(perfbudget__statm_resident_pages(""), -1);
    assert_int_equal(perfbudget__statm_resident_pages("1 99999999999999999999"), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statm_resident_pages),
        cmocka_unit_test_setup_teardown(test_calibration_reaches_the_target_sample_time,
                                        context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_speed_correction_times_the_reference_loop,
                                        context_setup, context_teardown),
        cmocka_unit_test(test_the_reference_time),
        cmocka_unit_test(test_each_sample_is_brought_to_the_runs_speed),
        cmocka_unit_test_setup_teardown(test_a_cold_first_call_is_timed_apart, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_a_sampler_tags_samples_with_the_probe, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_a_sampler_takes_the_callers_first_call,
                                        context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_warmup_iterations_are_not_measured, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_time_cap_stops_a_slow_benchmark, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_max_rounds_and_explicit_sample_time, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_setup_and_teardown_run_once, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_failing_setup_fails_the_benchmark, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_skip_and_misuse, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_sampler_matches_the_loop, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_progress_ticks_during_a_long_benchmark, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_a_sweep_runs_each_size_and_fits, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_suite_bookkeeping, context_setup, context_teardown),
        cmocka_unit_test(test_cpu_samples_are_speed_corrected_alike),
        cmocka_unit_test_setup_teardown(test_real_clock_records_cpu_samples, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_fake_clock_records_no_cpu_samples, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_set_cpu_samples, context_setup, context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
