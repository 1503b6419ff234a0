/* SPDX-License-Identifier: MIT */
/* Allocations per call in C: a suite's allocation counter (perfbudget_suite_set_alloc_counter),
 * perfbudget::alloc_hook (linked into this test) counting malloc and its kin, and
 * perfbudget_main() picking the hook up by itself, with a resources: budget on the figure. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test_helpers.h"

/* Exactly three allocations per call, freed again; the pointers escape so that the compiler
 * cannot drop a malloc and free pair. */
static void three_mallocs(perfbudget_state *state) {
    while (perfbudget_loop(state)) {
        void *a = malloc(16), *b = malloc(64), *c = malloc(256);
        PERFBUDGET_DO_NOT_OPTIMIZE(a);
        PERFBUDGET_DO_NOT_OPTIMIZE(b);
        PERFBUDGET_DO_NOT_OPTIMIZE(c);
        free(a);
        free(b);
        free(c);
    }
}

/* One each of calloc, realloc (a new block) and posix_memalign. */
static void other_allocators(perfbudget_state *state) {
    while (perfbudget_loop(state)) {
        void *a = calloc(4, 8), *b = realloc(NULL, 32), *c = NULL;
        if (posix_memalign(&c, 64, 128) != 0) c = NULL;
        PERFBUDGET_DO_NOT_OPTIMIZE(a);
        PERFBUDGET_DO_NOT_OPTIMIZE(b);
        PERFBUDGET_DO_NOT_OPTIMIZE(c);
        free(a);
        free(b);
        free(c);
    }
}

static void no_allocation(perfbudget_state *state) {
    uint64_t x = 1;
    while (perfbudget_loop(state)) {
        x = x * 3 + 1;
        PERFBUDGET_DO_NOT_OPTIMIZE(x);
    }
}

/* An allocator of the user's own that counts its calls: two per call of the body. */
typedef struct pool {
    uint64_t calls;
    char block[64];
} pool;

static void *pool_take(pool *p) {
    p->calls++;
    return p->block;
}

static int pool_count(void *userdata, uint64_t *count) {
    *count = ((pool *)userdata)->calls;
    return 1;
}

static void two_from_the_pool(perfbudget_state *state) {
    pool *p = perfbudget_state_userdata(state);
    while (perfbudget_loop(state)) {
        void *a = pool_take(p), *b = pool_take(p);
        PERFBUDGET_DO_NOT_OPTIMIZE(a);
        PERFBUDGET_DO_NOT_OPTIMIZE(b);
    }
}

static perfbudget_run_options quick(void) {
    perfbudget_run_options o;
    perfbudget_run_options_init(&o);
    o.min_rounds = 5;
    o.min_time_ns = 1000000;
    o.warmup_ns = 1000000;
    o.hardware_counters = 0;
    return o;
}

static double allocations_of(perfbudget_context *ctx, perfbudget_benchmark_fn body, void *userdata,
                             perfbudget_alloc_counter_fn counter, void *counter_userdata) {
    perfbudget_suite *suite = NULL;
    assert_int_equal(perfbudget_suite_new(ctx, "alloc", &suite), PERFBUDGET_OK);
    perfbudget_benchmark_def def = {.name = "b", .run = body, .userdata = userdata};
    assert_int_equal(perfbudget_suite_add(suite, &def), PERFBUDGET_OK);
    perfbudget_suite_set_alloc_counter(suite, counter, counter_userdata);
    perfbudget_run_options o = quick();
    perfbudget_result *r = NULL;
    assert_int_equal(perfbudget_suite_run(suite, 0, &o, &r), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_OK);
    assert_true(perfbudget_result_metrics(r)->total_iterations > 5);
    double figure = perfbudget_result_metrics(r)->allocations_per_call;
    perfbudget_result_free(r);
    perfbudget_suite_free(suite);
    return figure;
}

static int hook_counts(void) {
    uint64_t count;
    return perfbudget_alloc_hook_read(NULL, &count);
}

static void test_the_hook_counts_three_mallocs_as_three(void **state) {
    perfbudget_context *ctx = *state;
    if (!hook_counts()) skip(); /* a sanitizer build: its malloc is not replaced */
    assert_close(allocations_of(ctx, three_mallocs, NULL, perfbudget_alloc_hook_read, NULL), 3.0,
                 0.0);
    assert_close(allocations_of(ctx, other_allocators, NULL, perfbudget_alloc_hook_read, NULL),
                 3.0, 0.0);
    assert_close(allocations_of(ctx, no_allocation, NULL, perfbudget_alloc_hook_read, NULL), 0.0,
                 0.0);
}

/* A counter of the user's own allocator: the same figure, whatever malloc does. */
static void test_an_allocator_of_ones_own(void **state) {
    perfbudget_context *ctx = *state;
    pool p = {0};
    assert_close(allocations_of(ctx, two_from_the_pool, &p, pool_count, &p), 2.0, 0.0);
}

static int never_counts(void *userdata, uint64_t *count) {
    (void)userdata;
    *count = 0;
    return 0;
}

/* No counter, or one that cannot count here: n/a, never 0. */
static void test_without_a_counter_allocations_are_na(void **state) {
    perfbudget_context *ctx = *state;
    assert_true(isnan(allocations_of(ctx, three_mallocs, NULL, NULL, NULL)));
    assert_true(isnan(allocations_of(ctx, three_mallocs, NULL, never_counts, NULL)));
}

static const perfbudget_benchmark_def suite_defs[] = {
    {.name = "three_mallocs", .run = three_mallocs},
};

/* perfbudget_main() of an executable that links perfbudget::alloc_hook counts by itself: the
 * result file has the figure, and resources: {allocations: N} judges it. */
static void test_perfbudget_main_uses_the_hook(void **state) {
    perfbudget_context *ctx = *state;
    if (!hook_counts()) skip();
    char directory[] = "/tmp/perfbudget-alloc-XXXXXX";
    assert_non_null(mkdtemp(directory));
    char budget[128], json[128];
    snprintf(budget, sizeof budget, "%s/perfbudget.yml", directory);
    snprintf(json, sizeof json, "%s/out.json", directory);
    const char *limits[] = {"3", "2"};
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(budget, "w");
        assert_non_null(f);
        fprintf(f, "version: 1\nbudgets:\n  three_mallocs:\n    resources: {allocations: %s}\n",
                limits[i]);
        fclose(f);
        const char *argv[] = {"suite", "--budget", budget, "--json", json, "--rounds", "5",
                              "--min-time", "1ms", "--no-counters"};
        fflush(stdout);
        int saved = dup(1);
        FILE *sink = tmpfile();
        dup2(fileno(sink), 1);
        int code = perfbudget_main(10, (char **)argv, "alloc", suite_defs, 1);
        fflush(stdout);
        dup2(saved, 1);
        close(saved);
        fclose(sink);
        assert_int_equal(code, i == 0 ? 0 : 1); /* 3 <= 3 passes; 3 > 2 fails */
        perfbudget_result **results = NULL;
        size_t n = 0;
        assert_int_equal(perfbudget_results_new_from_file(ctx, json, &results, &n), PERFBUDGET_OK);
        assert_int_equal(n, 1);
        assert_close(perfbudget_result_metrics(results[0])->allocations_per_call, 3.0, 0.0);
        perfbudget_results_free(results, n);
    }
    remove(budget);
    remove(json);
    rmdir(directory);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_the_hook_counts_three_mallocs_as_three,
                                        context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_an_allocator_of_ones_own, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_without_a_counter_allocations_are_na, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_perfbudget_main_uses_the_hook, context_setup,
                                        context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
