/* SPDX-License-Identifier: MIT */
/* Real measurements whose outcome does not depend on the machine's speed: a leak shows as
 * memory growth of the leaked size per iteration; a clean body does not. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>

#include "test_helpers.h"

/* Pages straight from the kernel, so the figures do not depend on the allocator (a sanitizer's
 * quarantine would keep freed blocks resident). */
static char *map_pages(size_t size) {
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(p != MAP_FAILED);
    memset(p, 1, size); /* touched, so resident */
    return p;
}

enum { LEAK_BYTES = 8192 };

typedef struct leak_list {
    void **blocks;
    size_t count, capacity;
} leak_list;

static void leaking_body(perfbudget_state *state) {
    leak_list *leaks = perfbudget_state_userdata(state);
    while (perfbudget_loop(state)) {
        if (leaks->count == leaks->capacity) {
            leaks->capacity = leaks->capacity ? 2 * leaks->capacity : 1024;
            leaks->blocks = realloc(leaks->blocks, leaks->capacity * sizeof *leaks->blocks);
        }
        leaks->blocks[leaks->count++] = map_pages(LEAK_BYTES);
    }
}

/* What a clean body may grow per iteration, as a share of a leak's. AddressSanitizer's
 * detect_stack_use_after_return gives calls frames on a fake stack that it maps as it goes:
 * about 800 B per iteration here (clang 14), before per-sample CPU time was read as after. */
#if defined(__SANITIZE_ADDRESS__)
#define CLEAN_GROWTH_LIMIT 0.15
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CLEAN_GROWTH_LIMIT 0.15
#endif
#endif
#ifndef CLEAN_GROWTH_LIMIT
#define CLEAN_GROWTH_LIMIT 0.05
#endif

static void clean_body(perfbudget_state *state) {
    while (perfbudget_loop(state)) {
        char *block = map_pages(LEAK_BYTES);
        PERFBUDGET_DO_NOT_OPTIMIZE(block);
        munmap(block, LEAK_BYTES);
    }
}

static perfbudget_run_options short_run(void) {
    perfbudget_run_options opts;
    perfbudget_run_options_init(&opts);
    opts.min_sample_ns = 20000;
    opts.min_time_ns = 0;
    opts.warmup_ns = 0;
    opts.min_rounds = 40;
    opts.max_rounds = 40;
    opts.hardware_counters = 0;
    return opts;
}

static const perfbudget_result *run(perfbudget_suite *suite, size_t index, perfbudget_result **r) {
    perfbudget_run_options opts = short_run();
    assert_int_equal(perfbudget_suite_run(suite, index, &opts, r), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_status(*r), PERFBUDGET_RUN_OK);
    return *r;
}

static void test_leak_and_clean_body(void **state) {
    leak_list leaks = {0};
    perfbudget_suite *suite;
    assert_int_equal(perfbudget_suite_new(*state, "memory", &suite), PERFBUDGET_OK);
    perfbudget_benchmark_def leak = {.name = "leak", .run = leaking_body, .userdata = &leaks};
    perfbudget_benchmark_def clean = {.name = "clean", .run = clean_body};
    assert_int_equal(perfbudget_suite_add(suite, &leak), PERFBUDGET_OK);
    assert_int_equal(perfbudget_suite_add(suite, &clean), PERFBUDGET_OK);

    perfbudget_result *r;
    const perfbudget_metrics *m = perfbudget_result_metrics(run(suite, 0, &r));
    print_message("leak: %.1f B/iteration (+- %.1f), growth %.0f B over %llu iterations\n",
                  m->memory_growth_per_iteration_bytes, m->memory_growth_stderr_bytes,
                  m->memory_growth_bytes, (unsigned long long)m->total_iterations);
    assert_true(m->memory_growth_per_iteration_bytes > 0.8 * LEAK_BYTES);
    assert_true(m->memory_growth_per_iteration_bytes < 1.3 * LEAK_BYTES);
    assert_true(m->memory_growth_bytes > 0);
    assert_true(m->peak_rss_bytes > 0);
    perfbudget_result_free(r);

    m = perfbudget_result_metrics(run(suite, 1, &r));
    print_message("clean: %.3f B/iteration\n", m->memory_growth_per_iteration_bytes);
    assert_true(fabs(m->memory_growth_per_iteration_bytes) < CLEAN_GROWTH_LIMIT * LEAK_BYTES);
    assert_true(m->cpu_ns_per_iteration > 0);
    assert_true(m->cpu_utilization > 0);
    const perfbudget_summary *s = perfbudget_result_summary(r);
    assert_true(s->min > 0 && s->median >= s->min && s->p99 <= s->max);
    perfbudget_result_free(r);

    for (size_t i = 0; i < leaks.count; i++) munmap(leaks.blocks[i], LEAK_BYTES);
    free(leaks.blocks);
    perfbudget_suite_free(suite);
}

/* The lean loop measures as the while form does: every batch runs its iterations in full. */
static void lean_body(perfbudget_state *state) {
    uint64_t *calls = perfbudget_state_userdata(state);
    PERFBUDGET_LOOP(state) {
        ++*calls;
        PERFBUDGET_CLOBBER_MEMORY();
    }
}

static void test_lean_loop(void **state) {
    uint64_t calls = 0;
    perfbudget_suite *suite;
    assert_int_equal(perfbudget_suite_new(*state, "lean", &suite), PERFBUDGET_OK);
    perfbudget_benchmark_def lean = {.name = "lean", .run = lean_body, .userdata = &calls};
    assert_int_equal(perfbudget_suite_add(suite, &lean), PERFBUDGET_OK);
    perfbudget_result *r;
    const perfbudget_metrics *m = perfbudget_result_metrics(run(suite, 0, &r));
    size_t n;
    perfbudget_result_samples(r, &n);
    assert_int_equal(n, 40);
    assert_true(m->total_iterations >= 40);
    assert_true(calls >= m->total_iterations); /* calibration and warm-up ran it too */
    perfbudget_result_free(r);
    perfbudget_suite_free(suite);
}

static void test_clock_and_cpu(void **state) {
    perfbudget_cpu_times before, after;
    assert_int_equal(perfbudget_cpu_times_read(*state, &before), PERFBUDGET_OK);
    volatile double sink = 0;
    for (int i = 0; i < 1000000; i++) sink += i;
    (void)sink;
    assert_int_equal(perfbudget_cpu_times_read(*state, &after), PERFBUDGET_OK);
    assert_true(after.process_ns >= before.process_ns);
    assert_true(after.thread_ns >= before.thread_ns);
    assert_int_equal(perfbudget_cpu_times_read(*state, NULL), PERFBUDGET_EINVAL);
    uint64_t a = perfbudget_context_now_ns(*state), b = perfbudget_context_now_ns(*state);
    assert_true(b >= a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_leak_and_clean_body, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_clock_and_cpu, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_lean_loop, context_setup, context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
