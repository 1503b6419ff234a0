/* SPDX-License-Identifier: MIT */
/* Alerts: which webhook gets a message for which findings, and what the message says. Delivery
 * over HTTP is tested against a local server in tests/python/test_alerts.py; here only an
 * address nothing listens on. */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <string.h>

#include "internal.h"
#include "test_helpers.h"

/* 30 samples around centre, +-1 %. */
static perfbudget_result *result_of(perfbudget_context *ctx, const char *name, double centre) {
    return patterned_result(ctx, name, centre, 30, NULL);
}

/* Benchmark "b" of median `centre` judged against its budget and a baseline of 1000 ns
 * (threshold 5 %): 1300 regressed, 1000 did not. */
static perfbudget_result *judged(perfbudget_context *ctx, const perfbudget_budget *budget,
                                 double centre) {
    perfbudget_result *base = result_of(ctx, "b", 1000.0);
    perfbudget_result *now = result_of(ctx, "b", centre);
    perfbudget_conclude_options o;
    perfbudget_conclude_options_init(&o);
    o.budget = budget;
    o.regression = 1;
    o.baseline = &base;
    o.baseline_count = 1;
    assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
    perfbudget_result_free(base);
    return now;
}

static const char slack_and_generic[] =
    "version: 1\n"
    "budgets:\n  b: {latency: {p95: 1100ns}}\n"
    "alerts:\n"
    "  - url: https://hooks.example.com/services/T0/B0/SECRET\n"
    "  - url: https://collector.example.com/perf\n"
    "    format: generic\n"
    "    branches: [main, \"release/*\"]\n"
    "  - url: https://hooks.example.com/breaches\n"
    "    events: breach\n";

static void test_alerts_are_read_from_the_budget_file(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_budget *budget = parsed_budget(ctx, slack_and_generic);
    assert_int_equal(perfbudget_budget_alert_count(budget), 3);
    perfbudget_budget_free(budget);
    budget = parsed_budget(ctx, "version: 1\n");
    assert_int_equal(perfbudget_budget_alert_count(budget), 0);
    perfbudget_budget_free(budget);
    assert_int_equal(perfbudget_budget_alert_count(NULL), 0);
}

/* A +30 % regression that also breaks p95: the Slack message has both one-line verdicts. */
static void test_slack_message_has_the_verdict_lines(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_budget *budget = parsed_budget(ctx, slack_and_generic);
    perfbudget_result *r = judged(ctx, budget, 1300.0);
    char *body = NULL;
    assert_int_equal(perfbudget__alert_payload(ctx, budget, 0, &r, 1, "main", "abc123", &body),
                     PERFBUDGET_OK);
    assert_non_null(body);
    json_error_t error;
    json_t *message = json_loads(body, 0, &error);
    assert_non_null(message);
    assert_int_equal(json_object_size(message), 1);
    const char *text = json_string_value(json_object_get(message, "text"));
    assert_non_null(text);
    assert_non_null(strstr(text, "perfbudget: 1 regression and 1 budget breach on main at abc123"));
    assert_non_null(strstr(text, "\nFAIL b: p95 "));
    assert_non_null(strstr(text, "> 1.1 µs budget"));
    assert_non_null(strstr(text, "\nFAIL b: median "));
    assert_non_null(strstr(text, "regression (critical)"));
    json_decref(message);
    free(body);
    perfbudget_result_free(r);
    perfbudget_budget_free(budget);
}

static void test_generic_message_has_the_figures(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_budget *budget = parsed_budget(ctx, slack_and_generic);
    perfbudget_result *r = judged(ctx, budget, 1300.0);
    char *body = NULL;
    assert_int_equal(perfbudget__alert_payload(ctx, budget, 1, &r, 1, "release/2.0", "abc123",
                                               &body),
                     PERFBUDGET_OK);
    assert_non_null(body);
    json_t *message = json_loads(body, 0, NULL);
    assert_non_null(message);
    assert_string_equal(json_string_value(json_object_get(message, "branch")), "release/2.0");
    assert_string_equal(json_string_value(json_object_get(message, "commit")), "abc123");
    assert_string_equal(json_string_value(json_object_get(message, "verdict")), "fail");
    json_t *tests = json_object_get(message, "tests");
    assert_int_equal(json_array_size(tests), 1); /* one test, two findings */
    assert_string_equal(json_string_value(json_array_get(tests, 0)), "b");
    json_t *findings = json_object_get(message, "findings");
    assert_int_equal(json_array_size(findings), 2);
    json_t *breach = json_array_get(findings, 0), *regression = json_array_get(findings, 1);
    assert_string_equal(json_string_value(json_object_get(breach, "kind")), "breach");
    assert_string_equal(json_string_value(json_object_get(breach, "metric")), "p95");
    assert_string_equal(json_string_value(json_object_get(breach, "unit")), "ns");
    assert_close(json_number_value(json_object_get(breach, "allowed")), 1100.0, 1e-12);
    assert_true(json_number_value(json_object_get(breach, "measured")) > 1100.0);
    assert_true(json_is_null(json_object_get(breach, "baseline")));
    assert_true(json_is_null(json_object_get(breach, "p")));
    assert_string_equal(json_string_value(json_object_get(regression, "kind")), "regression");
    assert_string_equal(json_string_value(json_object_get(regression, "metric")), "median");
    assert_string_equal(json_string_value(json_object_get(regression, "severity")), "critical");
    assert_close(json_number_value(json_object_get(regression, "baseline")), 1000.0, 0.02);
    assert_close(json_number_value(json_object_get(regression, "change_pct")), 30.0, 0.05);
    assert_true(json_number_value(json_object_get(regression, "p")) < 0.05);
    assert_string_equal(json_string_value(json_object_get(regression, "verdict")), "fail");
    json_decref(message);
    free(body);
    perfbudget_result_free(r);
    perfbudget_budget_free(budget);
}

/* branches: globs; no branch known matches only an alert without branches:. */
static void test_only_the_chosen_branches_are_alerted(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_budget *budget = parsed_budget(ctx, slack_and_generic);
    perfbudget_result *r = judged(ctx, budget, 1300.0);
    const struct {
        const char *branch;
        int sent;
    } cases[] = {{"main", 1}, {"release/2.0", 1}, {"feature/x", 0}, {"mainline", 0}, {NULL, 0},
                 {"", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *body = NULL;
        assert_int_equal(perfbudget__alert_payload(ctx, budget, 1, &r, 1, cases[i].branch, NULL,
                                                   &body),
                         PERFBUDGET_OK);
        if ((body != NULL) != cases[i].sent)
            fail_msg("branch %s: %s", cases[i].branch ? cases[i].branch : "(none)",
                     body ? "sent" : "not sent");
        free(body);
        /* the Slack alert has no branches: */
        assert_int_equal(perfbudget__alert_payload(ctx, budget, 0, &r, 1, cases[i].branch, NULL,
                                                   &body),
                         PERFBUDGET_OK);
        assert_non_null(body);
        free(body);
    }
    perfbudget_result_free(r);
    perfbudget_budget_free(budget);
}

/* events: breach ignores a regression within the budget; nothing regressed, nothing is sent. */
static void test_only_the_chosen_events_are_alerted(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_budget *budget = parsed_budget(
        ctx, "version: 1\nbudgets:\n  b: {latency: {p95: 10ms}}\nalerts:\n"
             "  - {url: 'https://a.example.com/x', events: breach}\n"
             "  - {url: 'https://a.example.com/y', events: [regression]}\n");
    perfbudget_result *regressed = judged(ctx, budget, 1300.0);
    perfbudget_result *unchanged = judged(ctx, budget, 1000.0);
    char *body = NULL;
    assert_int_equal(perfbudget__alert_payload(ctx, budget, 0, &regressed, 1, "main", NULL, &body),
                     PERFBUDGET_OK);
    assert_null(body);
    assert_int_equal(perfbudget__alert_payload(ctx, budget, 1, &regressed, 1, "main", NULL, &body),
                     PERFBUDGET_OK);
    assert_non_null(body);
    assert_non_null(strstr(body, "perfbudget: 1 regression on main"));
    free(body);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(
            perfbudget__alert_payload(ctx, budget, i, &unchanged, 1, "main", NULL, &body),
            PERFBUDGET_OK);
        assert_null(body);
    }
    /* nothing to send: no log, no error */
    char *log = NULL;
    perfbudget_alert_origin origin = {.branch = "main", .commit = "abc"};
    assert_int_equal(perfbudget_alerts_send(ctx, budget, &unchanged, 1, &origin, &log),
                     PERFBUDGET_OK);
    assert_string_equal(log, "");
    perfbudget_free(log);
    perfbudget_result_free(regressed);
    perfbudget_result_free(unchanged);
    perfbudget_budget_free(budget);
}

/* Nothing listens on 127.0.0.1:1: every try is refused, the warning says how many and shows
 * the address without its user, password, path and query. */
static void test_undelivered_alert_is_a_warning_without_secrets(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_budget *budget = parsed_budget(
        ctx, "version: 1\nbudgets:\n  b: {latency: {p95: 1ns}}\nalerts:\n"
             "  - url: http://user:pw@127.0.0.1:1/services/SECRET?token=hidden\n"
             "    tries: 2\n    timeout: 2s\n");
    perfbudget_result *r = judged(ctx, budget, 1000.0);
    perfbudget_test_status before = perfbudget_result_test_status(r, NULL);
    char *log = NULL;
    perfbudget_alert_origin origin = {.branch = "main"};
    assert_int_equal(perfbudget_alerts_send(ctx, budget, &r, 1, &origin, &log), PERFBUDGET_EIO);
    assert_non_null(strstr(log, "warning: alert to http://127.0.0.1:1/... not delivered after 2 "
                                "tries: "));
    assert_null(strstr(log, "SECRET"));
    assert_null(strstr(log, "hidden"));
    assert_null(strstr(log, "pw"));
    assert_non_null(strstr(perfbudget_errmsg(ctx), "not delivered after 2 tries"));
    assert_int_equal(perfbudget_result_test_status(r, NULL), before);
    perfbudget_free(log);
    /* PERFBUDGET_ALERTS=0: not tried at all */
    setenv("PERFBUDGET_ALERTS", "0", 1);
    assert_int_equal(perfbudget_alerts_send(ctx, budget, &r, 1, &origin, &log), PERFBUDGET_OK);
    unsetenv("PERFBUDGET_ALERTS");
    assert_string_equal(log, "alert: not sent to http://127.0.0.1:1/...: PERFBUDGET_ALERTS=0\n");
    perfbudget_free(log);
    perfbudget_result_free(r);
    perfbudget_budget_free(budget);
}

/* url_env: the address comes from the environment; unset, the alert is a warning. */
static void test_url_from_the_environment(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_budget *budget = parsed_budget(
        ctx, "version: 1\nbudgets:\n  b: {latency: {p95: 1ns}}\nalerts:\n"
             "  - url_env: PERFBUDGET_TEST_WEBHOOK\n");
    perfbudget_result *r = judged(ctx, budget, 1000.0);
    char *log = NULL;
    perfbudget_alert_origin origin = {.branch = "main"};
    unsetenv("PERFBUDGET_TEST_WEBHOOK");
    assert_int_equal(perfbudget_alerts_send(ctx, budget, &r, 1, &origin, &log), PERFBUDGET_EIO);
    assert_string_equal(log, "warning: alert (line 5) not sent: $PERFBUDGET_TEST_WEBHOOK is not "
                             "set\n");
    perfbudget_free(log);
    setenv("PERFBUDGET_TEST_WEBHOOK", "file:///etc/passwd", 1);
    assert_int_equal(perfbudget_alerts_send(ctx, budget, &r, 1, &origin, &log), PERFBUDGET_EIO);
    assert_non_null(strstr(log, "is not an http:// or https:// address"));
    unsetenv("PERFBUDGET_TEST_WEBHOOK");
    perfbudget_free(log);
    perfbudget_result_free(r);
    perfbudget_budget_free(budget);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_alerts_are_read_from_the_budget_file, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_slack_message_has_the_verdict_lines, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_generic_message_has_the_figures, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_only_the_chosen_branches_are_alerted, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_only_the_chosen_events_are_alerted, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_undelivered_alert_is_a_warning_without_secrets,
                                        context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_url_from_the_environment, context_setup,
                                        context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
