/* SPDX-License-Identifier: MIT */
/* perfbudget_main(): the command line every suite executable gets. Budgets are far above or far
 * below anything a trivial body takes, so no assertion depends on the machine's speed. */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_helpers.h"

static void spin(perfbudget_state *state) {
    while (perfbudget_loop(state)) PERFBUDGET_CLOBBER_MEMORY();
}

static const perfbudget_benchmark_def defs[] = {
    {.name = "fast_a", .run = spin},
    {.name = "fast_b", .run = spin},
};

/* A quadratic body: n^2 steps at size n, so its time grows 64-fold over the sizes below,
 * far beyond what a noisy machine blurs into O(1) or beyond O(n^3). */
static void quadratic(perfbudget_state *state) {
    uint64_t n = perfbudget_state_size(state);
    while (perfbudget_loop(state))
        for (uint64_t i = 0; i < n * n; i++) PERFBUDGET_CLOBBER_MEMORY();
}

static const uint64_t sweep_sizes[] = {64, 128, 256, 512};
static const perfbudget_benchmark_def sweep_defs[] = {
    {.name = "square", .run = quadratic, .sizes = sweep_sizes, .size_count = 4},
};

/* Every thread's work under one lock: threads never overlap, so four threads do one thread's
 * work and the efficiency at 4 threads is about 25 %, far from the budgets below (1 %, 95 %):
 * only a machine four times faster for the 4 threads than for the 1 would pass 95 %. */
static pthread_mutex_t one_at_a_time = PTHREAD_MUTEX_INITIALIZER;

static void locked(perfbudget_state *state) {
    while (perfbudget_loop(state)) {
        pthread_mutex_lock(&one_at_a_time);
        for (int i = 0; i < 2000; i++) PERFBUDGET_CLOBBER_MEMORY();
        pthread_mutex_unlock(&one_at_a_time);
    }
}

static const uint32_t four_threads[] = {4};
static const perfbudget_benchmark_def threaded_defs[] = {
    {.name = "locked", .run = locked, .threads = four_threads, .thread_count = 1},
};

/* The definitions run_main() passes. */
static const perfbudget_benchmark_def *run_defs = defs;
static size_t run_count = 2;

static char directory[] = "/tmp/perfbudget-main-XXXXXX";

static int make_directory(void **state) {
    (void)state;
    return mkdtemp(directory) == NULL ? -1 : 0;
}

static const char *path_in(const char *name) {
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", directory, name);
    return path;
}

static void write_text(const char *name, const char *text) {
    FILE *f = fopen(path_in(name), "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* How the suite under test says it was built (perfbudget_main_built); optimized -2: through the
 * perfbudget_main macro, as this source was built. */
static const char *built_as;
static int built_optimized = -2;

/* Run perfbudget_main with stdout and stderr captured into output. */
static int run_main(char *output, size_t size, int argc, const char **argv) {
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    FILE *capture = tmpfile();
    assert_non_null(capture);
    dup2(fileno(capture), 1);
    dup2(fileno(capture), 2);
    int code = built_optimized == -2
                   ? perfbudget_main(argc, (char **)argv, "demo", run_defs, run_count)
                   : perfbudget_main_built(argc, (char **)argv, "demo", run_defs, run_count, built_as,
                                           built_optimized);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    rewind(capture);
    size_t length = fread(output, 1, size - 1, capture);
    output[length] = '\0';
    fclose(capture);
    return code;
}

#define RUN(output, ...)                                                                  \
    run_main(output, sizeof output, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(char *)), \
             (const char *[]){__VA_ARGS__})

static void test_list_filter_and_usage(void **state) {
    (void)state;
    char out[8192];
    assert_int_equal(RUN(out, "demo", "--list"), 0);
    assert_string_equal(out, "fast_a\nfast_b\n");
    assert_int_equal(RUN(out, "demo", "--list", "--filter", "*_b"), 0);
    assert_string_equal(out, "fast_b\n");
    assert_int_equal(RUN(out, "demo", "--bogus"), 2);
    assert_non_null(strstr(out, "unknown option '--bogus'"));
    assert_int_equal(RUN(out, "demo", "--rounds"), 2);
    assert_non_null(strstr(out, "--rounds needs a value"));
    assert_int_equal(RUN(out, "demo", "--max-time", "5 parsecs"), 2);
    assert_int_equal(RUN(out, "demo", "--help"), 0);
    assert_non_null(strstr(out, "--budget FILE"));
    assert_int_equal(RUN(out, "demo", "--filter", "nothing*", "--max-time", "10ms"), 2);
    assert_non_null(strstr(out, "no benchmark matches"));
}

static void test_budget_pass_and_fail(void **state) {
    (void)state;
    write_text("pass.yml", "version: 1\n"
                           "defaults: {max_time: 10s, min_time: 1ms, rounds: 5}\n"
                           "budgets:\n"
                           "  \"fast_*\": {latency: {p95: 1min}}\n");
    write_text("fail.yml", "version: 1\n"
                           "defaults: {max_time: 10s, min_time: 1ms, rounds: 5}\n"
                           "budgets:\n"
                           "  fast_a: {latency: {median: 0.001ns}}\n"
                           "  typo_name: {cpu: 50%}\n");
    char out[16384], pass[256], fail[256], json[256];
    snprintf(pass, sizeof pass, "%s", path_in("pass.yml"));
    snprintf(fail, sizeof fail, "%s", path_in("fail.yml"));
    snprintf(json, sizeof json, "%s", path_in("result.json"));
    assert_int_equal(RUN(out, "demo", "--budget", pass), 0);
    assert_non_null(strstr(out, "pass p95"));
    assert_null(strstr(out, "FAIL"));

    assert_int_equal(RUN(out, "demo", "--budget", fail, "--json", json), 1);
    assert_non_null(strstr(out, "FAIL median"));
    assert_non_null(strstr(out, "> 0.001 ns budget"));
    assert_non_null(strstr(out, "warning: budget 'typo_name'"));
    assert_non_null(strstr(out, "history: run 2 recorded in")); /* after pass.yml's run 1 */
    json_error_t error;
    json_t *root = json_load_file(json, 0, &error);
    assert_non_null(root);
    json_t *a = json_array_get(json_object_get(root, "benchmarks"), 0);
    json_t *budget = json_object_get(a, "budget");
    assert_string_equal(json_string_value(json_object_get(budget, "entry")), "fast_a");
    json_t *verdict = json_array_get(json_object_get(budget, "verdicts"), 0);
    assert_string_equal(json_string_value(json_object_get(verdict, "status")), "fail");
    assert_true(json_is_null(json_object_get(json_array_get(json_object_get(root, "benchmarks"), 1),
                                             "budget")));
    /* The command line beats the budget file's settings. */
    assert_int_equal(json_integer_value(json_object_get(json_object_get(a, "metrics"), "rounds")) >= 5,
                     1);
    json_decref(root);
}

static void test_a_sweep_is_fitted_and_judged(void **state) {
    (void)state;
    run_defs = sweep_defs;
    run_count = 1;
    write_text("sweep_fail.yml", "version: 1\n"
                                 "defaults: {max_time: 10s, min_time: 1ms, rounds: 5}\n"
                                 "budgets:\n"
                                 "  square: {complexity: O(1)}\n");
    write_text("sweep_pass.yml", "version: 1\n"
                                 "defaults: {max_time: 10s, min_time: 1ms, rounds: 5}\n"
                                 "budgets:\n"
                                 "  square: {complexity: n^3}\n");
    char out[16384], fail[256], pass[256];
    snprintf(fail, sizeof fail, "%s", path_in("sweep_fail.yml"));
    snprintf(pass, sizeof pass, "%s", path_in("sweep_pass.yml"));
    assert_int_equal(RUN(out, "demo", "--list"), 0);
    assert_string_equal(out, "square/64\nsquare/128\nsquare/256\nsquare/512\n");
    int code = RUN(out, "demo", "--budget", fail);
    if (code != 1 || strstr(out, "FAIL square: complexity O(") == NULL ||
        strstr(out, "worse than the budget O(1): coefficient") == NULL)
        fail_msg("exit %d, output:\n%s", code, out);
    assert_null(strstr(out, "warning: budget 'square'")); /* the sweep uses its entry */
    char json[256];
    snprintf(json, sizeof json, "%s", path_in("sweep.json"));
    code = RUN(out, "demo", "--budget", pass, "--json", json);
    if (code != 0 || strstr(out, "pass square: complexity O(") == NULL ||
        strstr(out, "within the budget O(n^3)") == NULL)
        fail_msg("exit %d, output:\n%s", code, out);
    /* The fit goes with the largest size into the result file, and is read back. */
    json_error_t error;
    json_t *root = json_load_file(json, 0, &error);
    assert_non_null(root);
    json_t *benchmarks = json_object_get(root, "benchmarks");
    assert_null(json_object_get(json_array_get(benchmarks, 0), "complexity"));
    json_t *fit = json_object_get(json_array_get(benchmarks, 3), "complexity");
    assert_non_null(fit);
    assert_string_equal(json_string_value(json_object_get(fit, "allowed")), "O(n^3)");
    assert_string_equal(json_string_value(json_object_get(fit, "status")), "pass");
    assert_int_equal(json_integer_value(json_object_get(fit, "points")), 4);
    json_decref(root);
    perfbudget_result **loaded = NULL;
    size_t loaded_count = 0;
    assert_int_equal(perfbudget_results_new_from_file(NULL, json, &loaded, &loaded_count),
                     PERFBUDGET_OK);
    perfbudget_complexity_fit kept;
    perfbudget_complexity_verdict kept_verdict;
    assert_int_equal(perfbudget_result_complexity(loaded[0], &kept, NULL), 0);
    assert_int_equal(perfbudget_result_complexity(loaded[3], &kept, &kept_verdict), 1);
    assert_int_equal(kept.n, 4);
    assert_int_equal(kept_verdict.allowed, PERFBUDGET_COMPLEXITY_N3);
    assert_non_null(strstr(kept_verdict.text, "within the budget O(n^3)"));
    perfbudget_results_free(loaded, loaded_count);
    run_defs = defs;
    run_count = 2;
}

static void test_threads_are_run_and_judged(void **state) {
    (void)state;
    run_defs = threaded_defs;
    run_count = 1;
    write_text("threads_fail.yml", "version: 1\n"
                                   "defaults: {max_time: 10s, min_time: 20ms, rounds: 10}\n"
                                   "budgets:\n"
                                   "  locked: {scaling: {threads: 4, efficiency: 95%}}\n");
    write_text("threads_pass.yml", "version: 1\n"
                                   "defaults: {max_time: 10s, min_time: 20ms, rounds: 10}\n"
                                   "budgets:\n"
                                   "  locked: {scaling: {threads: 4, efficiency: 1%}}\n");
    char out[16384], fail[256], pass[256], json[256];
    snprintf(fail, sizeof fail, "%s", path_in("threads_fail.yml"));
    snprintf(pass, sizeof pass, "%s", path_in("threads_pass.yml"));
    snprintf(json, sizeof json, "%s", path_in("threads.json"));
    int code = RUN(out, "demo", "--budget", fail, "--json", json);
    if (code != 1 || strstr(out, "FAIL locked: 4 threads: efficiency ") == NULL ||
        strstr(out, " % < 95 % allowed (scaling:)") == NULL ||
        strstr(out, "  scaling: threads 1/4: ") == NULL)
        fail_msg("exit %d, output:\n%s", code, out);
    json_error_t error;
    json_t *root = json_load_file(json, 0, &error);
    assert_non_null(root);
    json_t *scaling = json_object_get(json_array_get(json_object_get(root, "benchmarks"), 0),
                                      "scaling");
    assert_int_equal(json_array_size(json_object_get(scaling, "points")), 2);
    assert_string_equal(json_string_value(json_object_get(json_object_get(scaling, "verdict"),
                                                          "status")),
                        "fail");
    json_decref(root);
    code = RUN(out, "demo", "--budget", pass);
    if (code != 0 || strstr(out, "PASS locked: 4 threads: efficiency ") == NULL)
        fail_msg("exit %d, output:\n%s", code, out);
    /* Without a budget the scaling goes under the table's row. */
    char history[256];
    snprintf(history, sizeof history, "%s", path_in("threads.sqlite"));
    code = RUN(out, "demo", "--min-time", "5ms", "--history", history);
    if (code != 0 || strstr(out, "\n  scaling: threads 1/4: ") == NULL)
        fail_msg("exit %d, output:\n%s", code, out);
    run_defs = defs;
    run_count = 2;
}

static void test_bad_budget_is_a_usage_error(void **state) {
    (void)state;
    write_text("bad.yml", "version: 1\nbudgets:\n  x: {cpu: 5ms, memmory: 1MB}\n");
    char out[8192], bad[256];
    snprintf(bad, sizeof bad, "%s", path_in("bad.yml"));
    assert_int_equal(RUN(out, "demo", "--budget", bad), 2);
    assert_non_null(strstr(out, "bad.yml:3:12: cpu: '5ms' is a duration"));
    assert_non_null(strstr(out, "bad.yml:3:17: unknown key 'memmory'"));
    assert_int_equal(RUN(out, "demo", "--budget", "/nonexistent.yml"), 2);
    assert_non_null(strstr(out, "/nonexistent.yml"));
}

/* The suite knows how it was built: a Debug or unoptimised build is measured with a warning
 * before the table, and its build type goes into the environment the fingerprint and the result
 * file read. */
static void test_build_type(void **state) {
    (void)state;
    char out[16384], json[256];
    snprintf(json, sizeof json, "%s", path_in("built.json"));
    built_as = "Debug", built_optimized = 0;
    assert_int_equal(RUN(out, "demo", "--filter", "fast_a", "--max-time", "20ms", "--min-time",
                         "1ms", "--rounds", "3", "--json", json), 0);
    assert_memory_equal(out, "***WARNING*** the suite was built as Debug", 42);
    assert_string_equal(getenv("PERFBUDGET_BUILD_TYPE"), "Debug");
    json_error_t error;
    json_t *root = json_load_file(json, 0, &error);
    assert_non_null(root);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(root, "environment"), "build_type")),
        "Debug");
    json_decref(root);
    /* Under --ctest the suite starts itself again, which a test executable cannot stand in
     * for: tests/cmake/edges.cmake checks the warning after the verdict. */
    built_as = "", built_optimized = 0; /* CMAKE_BUILD_TYPE empty, no -O */
    assert_int_equal(RUN(out, "demo", "--filter", "fast_a", "--max-time", "20ms", "--min-time",
                         "1ms", "--rounds", "3"), 0);
    assert_non_null(strstr(out, "***WARNING*** the suite was built without optimisation"));
    assert_string_equal(getenv("PERFBUDGET_BUILD_TYPE"), "unoptimized");
    built_as = "Release", built_optimized = 1;
    assert_int_equal(RUN(out, "demo", "--filter", "fast_a", "--max-time", "20ms", "--min-time",
                         "1ms", "--rounds", "3"), 0);
    assert_null(strstr(out, "WARNING"));
    assert_string_equal(getenv("PERFBUDGET_BUILD_TYPE"), "Release");
    built_as = NULL, built_optimized = -2;
    unsetenv("PERFBUDGET_BUILD_TYPE");
}

static int remove_directory(void **state) {
    (void)state;
    /* the runs with a budget also left their history in .perfbudget/ */
    char command[300];
    snprintf(command, sizeof command, "rm -rf '%s'", directory);
    return system(command);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_filter_and_usage),
        cmocka_unit_test(test_budget_pass_and_fail),
        cmocka_unit_test(test_a_sweep_is_fitted_and_judged),
        cmocka_unit_test(test_threads_are_run_and_judged),
        cmocka_unit_test(test_bad_budget_is_a_usage_error),
        cmocka_unit_test(test_build_type),
    };
    return cmocka_run_group_tests(tests, make_directory, remove_directory);
}
