/* SPDX-License-Identifier: MIT */
/* One result from several processes (perfbudget_result_new_merged) and pinning to one CPU
 * (perfbudget_cpu_pin): what pytest's --perf-processes and --perf-cpu and CTest's PROCESSES and
 * CPU share. */
#define _GNU_SOURCE
#include <math.h>
#include <sched.h>
#include <string.h>

#include "test_helpers.h"

static perfbudget_result *process(perfbudget_context *ctx, const double *samples, size_t n,
                                  double wall_ns, double peak, double cpu_factor) {
    perfbudget_metrics metrics;
    perfbudget_metrics_init(&metrics);
    metrics.rounds = n;
    metrics.total_iterations = 10 * n;
    metrics.iterations_per_sample = 10;
    metrics.wall_ns = wall_ns;
    metrics.peak_rss_bytes = peak;
    perfbudget_result *r = NULL;
    assert_int_equal(perfbudget_result_new(ctx, "bench", samples, n, &metrics,
                                           PERFBUDGET_RUN_OK, "", &r),
                     PERFBUDGET_OK);
    if (cpu_factor > 0) {
        double cpu[8];
        for (size_t i = 0; i < n; i++) cpu[i] = samples[i] * cpu_factor;
        assert_int_equal(perfbudget_result_set_cpu_samples(ctx, r, cpu, n), PERFBUDGET_OK);
    }
    return r;
}

static double custom(const perfbudget_result *r, const char *wanted) {
    for (size_t i = 0; i < perfbudget_result_metric_count(r); i++) {
        const char *name;
        double value;
        perfbudget_result_metric_at(r, i, &name, &value, NULL, NULL);
        if (strcmp(name, wanted) == 0) return value;
    }
    return NAN;
}

static void test_samples_pool_and_each_process_keeps_its_median(void **state) {
    perfbudget_context *ctx = *state;
    const double a[] = {100, 110, 105}, b[] = {200, 190}, c[] = {150, 151, 149};
    perfbudget_result *runs[] = {process(ctx, a, 3, 1000, 5e6, 0.5),
                                 process(ctx, b, 2, 2000, 7e6, 0.5),
                                 process(ctx, c, 3, 4000, 6e6, 0.5)};
    assert_int_equal(perfbudget_result_add_metric(ctx, runs[0], "hit_rate", 90, "%", 1),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_add_metric(ctx, runs[2], "hit_rate", 80, "%", 1),
                     PERFBUDGET_OK);
    perfbudget_result *merged = NULL;
    assert_int_equal(perfbudget_result_new_merged(ctx, NULL, (const perfbudget_result *const *)runs,
                                                  3, &merged),
                     PERFBUDGET_OK);
    size_t n, cpu_n;
    const double *samples = perfbudget_result_samples(merged, &n);
    assert_int_equal(n, 8);
    assert_true(samples[0] == 100 && samples[3] == 200 && samples[7] == 149); /* process order */
    perfbudget_result_cpu_samples(merged, &cpu_n);
    assert_int_equal(cpu_n, 8);
    const perfbudget_metrics *m = perfbudget_result_metrics(merged);
    assert_int_equal(m->rounds, 8);                 /* counts summed */
    assert_int_equal(m->total_iterations, 80);
    assert_close(m->wall_ns, 7000, 1e-12);          /* totals summed */
    assert_close(m->peak_rss_bytes, 6e6, 1e-12);    /* the rest: the median over processes */
    assert_true(isnan(m->instructions_per_iteration)); /* unknown everywhere: unknown */
    assert_close(custom(merged, "process_median_1"), 105, 1e-12);
    assert_close(custom(merged, "process_median_2"), 195, 1e-12);
    assert_close(custom(merged, "process_median_3"), 150, 1e-12);
    assert_close(custom(merged, "hit_rate"), 85, 1e-12); /* over the processes that have it */
    assert_string_equal(perfbudget_result_name(merged), "bench");
    perfbudget_result_free(merged);
    for (size_t i = 0; i < 3; i++) perfbudget_result_free(runs[i]);
}

/* CPU and probe samples pool in process order where every process has them, else none. */
static void test_cpu_samples_only_when_every_process_has_them(void **state) {
    perfbudget_context *ctx = *state;
    const double a[] = {100, 110}, b[] = {120, 130};
    perfbudget_result *runs[] = {process(ctx, a, 2, 1, 1, 0.5), process(ctx, b, 2, 1, 1, 0)};
    const double probes_a[] = {30000, 31000}, probes_b[] = {46000, 45000};
    assert_int_equal(perfbudget_result_set_probe_samples(ctx, runs[0], probes_a, 2),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_set_probe_samples(ctx, runs[1], probes_b, 2),
                     PERFBUDGET_OK);
    perfbudget_result *merged = NULL;
    assert_int_equal(perfbudget_result_new_merged(ctx, "renamed",
                                                  (const perfbudget_result *const *)runs, 2,
                                                  &merged),
                     PERFBUDGET_OK);
    size_t cpu_n = 99;
    perfbudget_result_cpu_samples(merged, &cpu_n);
    assert_int_equal(cpu_n, 0);
    size_t probe_n = 0;
    const double *probes = perfbudget_result_probe_samples(merged, &probe_n);
    assert_int_equal(probe_n, 4);
    assert_true(probes[0] == 30000 && probes[1] == 31000 && probes[2] == 46000 &&
                probes[3] == 45000);
    assert_string_equal(perfbudget_result_name(merged), "renamed");
    perfbudget_result_free(merged);
    /* one process without probe samples: the merged result has none */
    assert_int_equal(perfbudget_result_set_probe_samples(ctx, runs[1], NULL, 0), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_new_merged(ctx, NULL,
                                                  (const perfbudget_result *const *)runs, 2,
                                                  &merged),
                     PERFBUDGET_OK);
    assert_null(perfbudget_result_probe_samples(merged, &probe_n));
    perfbudget_result_free(merged);
    for (size_t i = 0; i < 2; i++) perfbudget_result_free(runs[i]);
}

static void test_a_failed_process_fails_the_merged_result(void **state) {
    perfbudget_context *ctx = *state;
    const double a[] = {100, 110};
    perfbudget_result *runs[] = {process(ctx, a, 2, 1, 1, 0), process(ctx, a, 2, 1, 1, 0)};
    perfbudget_result_set_status(runs[1], PERFBUDGET_RUN_FAILED, "crashed");
    perfbudget_result *merged = NULL;
    assert_int_equal(perfbudget_result_new_merged(ctx, NULL, (const perfbudget_result *const *)runs,
                                                  2, &merged),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_status(merged), PERFBUDGET_RUN_FAILED);
    assert_string_equal(perfbudget_result_message(merged), "crashed");
    perfbudget_result_free(merged);
    for (size_t i = 0; i < 2; i++) perfbudget_result_free(runs[i]);
    assert_int_equal(perfbudget_result_new_merged(ctx, NULL, NULL, 0, &merged), PERFBUDGET_EINVAL);
}

static void test_pinning_leaves_one_cpu_and_restores_the_rest(void **state) {
    perfbudget_context *ctx = *state;
    cpu_set_t before, during, after;
    assert_int_equal(sched_getaffinity(0, sizeof before, &before), 0);
    int last = -1;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &before)) last = cpu;
    perfbudget_cpu_affinity *previous = NULL;
    assert_int_equal(perfbudget_cpu_pin(ctx, last, &previous), PERFBUDGET_OK);
    assert_int_equal(sched_getaffinity(0, sizeof during, &during), 0);
    assert_int_equal(CPU_COUNT(&during), 1);
    assert_true(CPU_ISSET(last, &during));
    assert_int_equal(perfbudget_cpu_restore(previous), PERFBUDGET_OK);
    assert_int_equal(sched_getaffinity(0, sizeof after, &after), 0);
    assert_true(CPU_EQUAL(&before, &after));
    /* a CPU this process may not use: refused, naming those it may */
    assert_int_equal(perfbudget_cpu_pin(ctx, CPU_SETSIZE - 1, &previous), PERFBUDGET_EINVAL);
    assert_null(previous);
    assert_non_null(strstr(perfbudget_errmsg(ctx), "may use CPUs"));
    assert_int_equal(perfbudget_cpu_pin(ctx, -1, &previous), PERFBUDGET_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_samples_pool_and_each_process_keeps_its_median,
                                        context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_cpu_samples_only_when_every_process_has_them,
                                        context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_a_failed_process_fails_the_merged_result,
                                        context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_pinning_leaves_one_cpu_and_restores_the_rest,
                                        context_setup, context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
