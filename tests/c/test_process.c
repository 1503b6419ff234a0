/* SPDX-License-Identifier: MIT */
/* Whole-command measurement: exit codes, signals, timeouts and stray processes are failures
 * with a reason; nothing is left running. Timing is never asserted. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "test_helpers.h"

static perfbudget_result *measure(perfbudget_context *ctx, char *const argv[], int shell,
                                  uint64_t timeout_ns) {
    perfbudget_command_options opts;
    perfbudget_command_options_init(&opts);
    opts.runs = 3;
    opts.use_shell = shell;
    opts.timeout_ns = timeout_ns;
    perfbudget_result *r = NULL;
    assert_int_equal(perfbudget_command_measure(ctx, "cmd", argv, &opts, &r), PERFBUDGET_OK);
    return r;
}

static void expect_failure(perfbudget_context *ctx, const char *script, uint64_t timeout_ns,
                           const char *reason, const char *output) {
    char *argv[] = {(char *)script, NULL};
    perfbudget_result *r = measure(ctx, argv, 1, timeout_ns);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_FAILED);
    if (strstr(perfbudget_result_message(r), reason) == NULL)
        fail_msg("'%s': message '%s' lacks '%s'", script, perfbudget_result_message(r), reason);
    if (output != NULL && strstr(perfbudget_result_output(r), output) == NULL)
        fail_msg("'%s': output '%s' lacks '%s'", script, perfbudget_result_output(r), output);
    perfbudget_result_free(r);
}

static void test_success(void **state) {
    char *argv[] = {"true", NULL};
    perfbudget_result *r = measure(*state, argv, 0, 0);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_OK);
    size_t n;
    const double *samples = perfbudget_result_samples(r, &n);
    assert_int_equal(n, 3);
    assert_true(samples[0] > 0);
    const perfbudget_metrics *m = perfbudget_result_metrics(r);
    assert_true(m->peak_rss_bytes > 0);
    assert_int_equal(m->rounds, 3);
    assert_string_equal(perfbudget_result_output(r), "");
    perfbudget_result_free(r);
}

static void test_failures(void **state) {
    expect_failure(*state, "echo broken; exit 3", 0, "exited with code 3", "broken");
    expect_failure(*state, "kill -SEGV $$", 0, "killed by signal 11", NULL);
    expect_failure(*state, "kill -ABRT $$", 0, "killed by signal 6", NULL);
    expect_failure(*state, "sleep 30", 200000000, "timed out after 0.2 s", NULL);
    expect_failure(*state, "sleep 30 & echo child started", 0, "left processes running",
                   "child started");
    expect_failure(*state, "echo bad >&2; exit 1", 0, "warm-up run 1 of 1", "bad");
    char *missing[] = {"/nonexistent/program", NULL};
    perfbudget_result *r = measure(*state, missing, 0, 0);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_FAILED);
    assert_non_null(strstr(perfbudget_result_message(r), "cannot start"));
    perfbudget_result_free(r);
    /* Nothing from the timed-out or abandoned commands survives. */
    assert_int_not_equal(system("pgrep -f 'sleep 3[0]' >/dev/null"), 0); /* [0]: not itself */
}

static void test_output_is_bounded(void **state) {
    perfbudget_command_options opts;
    perfbudget_command_options_init(&opts);
    opts.runs = 1;
    opts.use_shell = 1;
    opts.output_limit = 1000;
    char *argv[] = {"head -c 5000000 /dev/zero | tr '\\\\0' x; exit 1", NULL};
    perfbudget_result *r;
    assert_int_equal(perfbudget_command_measure(*state, "big", argv, &opts, &r), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_FAILED);
    assert_true(strlen(perfbudget_result_output(r)) < 1100);
    assert_non_null(strstr(perfbudget_result_output(r), "bytes not shown"));
    perfbudget_result_free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_success, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_failures, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_output_is_bounded, context_setup, context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
