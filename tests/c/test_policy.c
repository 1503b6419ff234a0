/* SPDX-License-Identifier: MIT */
/* Advice and policy: a budget entry's advice: and link: shown under its failure, and
 * policy: {fail_on: ...} deciding what fails a test, with the verdict kept as a warning. */
#include <string.h>

#include "internal.h"
#include "test_helpers.h"

/* 30 samples around centre, +-1 %. */
static perfbudget_result *result_of(perfbudget_context *ctx, double centre) {
    return patterned_result(ctx, "b", centre, 30, NULL);
}

/* Judge a result of median `centre` against a baseline of 1000 ns (threshold 5 %, critical
 * 10 %) under the budget text. */
static perfbudget_result *judged(perfbudget_context *ctx, const char *budget_text, double centre,
                                 perfbudget_budget **budget, perfbudget_result **base) {
    *budget = parsed_budget(ctx, budget_text);
    *base = result_of(ctx, 1000.0);
    perfbudget_result *now = result_of(ctx, centre);
    perfbudget_conclude_options o;
    perfbudget_conclude_options_init(&o);
    o.budget = *budget;
    o.regression = 1;
    o.baseline = base;
    o.baseline_count = 1;
    assert_int_equal(perfbudget_result_conclude(ctx, now, &o), PERFBUDGET_OK);
    return now;
}

static char *test_report(perfbudget_context *ctx, const perfbudget_result *r, char **out) {
    assert_int_equal(perfbudget_render_test_report(ctx, r, NULL, 0, out), PERFBUDGET_OK);
    return *out;
}

static void test_policy_names(void **state) {
    (void)state;
    perfbudget_fail_on policy;
    assert_int_equal(perfbudget_fail_on_parse("critical", &policy), PERFBUDGET_OK);
    assert_int_equal(policy, PERFBUDGET_FAIL_ON_CRITICAL);
    assert_int_equal(perfbudget_fail_on_parse("never", &policy), PERFBUDGET_OK);
    assert_int_equal(policy, PERFBUDGET_FAIL_ON_NEVER);
    assert_int_equal(perfbudget_fail_on_parse("Never", &policy), PERFBUDGET_EINVAL);
    assert_int_equal(perfbudget_fail_on_parse(NULL, &policy), PERFBUDGET_EINVAL);
    assert_string_equal(perfbudget_fail_on_name(PERFBUDGET_FAIL_ON_REGRESSION), "regression");
    assert_null(perfbudget_fail_on_name((perfbudget_fail_on)7));
}

/* A +7 % regression (a warning, not critical) fails by default, warns under fail_on: critical;
 * a +30 % one (critical) fails under critical and warns under never. */
static void test_fail_on_decides_the_status_not_the_verdict(void **state) {
    perfbudget_context *ctx = *state;
    const char *policies[] = {"", "policy: {fail_on: critical}\n", "policy: {fail_on: never}\n"};
    const struct {
        double centre;
        perfbudget_test_status status[3];
    } cases[] = {
        {1070.0, {PERFBUDGET_TEST_FAIL, PERFBUDGET_TEST_PASS, PERFBUDGET_TEST_PASS}},
        {1300.0, {PERFBUDGET_TEST_FAIL, PERFBUDGET_TEST_FAIL, PERFBUDGET_TEST_PASS}},
    };
    for (size_t c = 0; c < 2; c++)
        for (size_t p = 0; p < 3; p++) {
            char text[256];
            snprintf(text, sizeof text,
                     "version: 1\n%sdefaults: {regression: {threshold: 5%%, critical: 10%%}}\n"
                     "budgets:\n  b: {latency: {p95: 10min}}\n",
                     policies[p]);
            perfbudget_budget *budget;
            perfbudget_result *base;
            perfbudget_result *now = judged(ctx, text, cases[c].centre, &budget, &base);
            const perfbudget_comparison *latency = perfbudget_result_latency_comparison(now);
            assert_non_null(latency);
            /* the verdict stands whatever the policy */
            assert_int_equal(latency->outcome, PERFBUDGET_OUTCOME_REGRESSION);
            if (perfbudget_result_test_status(now, NULL) != cases[c].status[p])
                fail_msg("centre %g, policy %zu: status %d", cases[c].centre, p,
                         (int)perfbudget_result_test_status(now, NULL));
            int warned = cases[c].status[p] == PERFBUDGET_TEST_PASS;
            assert_int_equal(perfbudget_result_policy_warned(now, NULL), warned);
            char *report = NULL;
            test_report(ctx, now, &report);
            assert_non_null(strstr(report, warned ? "WARN b: " : "FAIL b: "));
            assert_non_null(strstr(report, "regression"));
            if (warned) assert_non_null(strstr(report, "(not failing: fail_on: "));
            perfbudget_free(report);
            perfbudget_result_free(now);
            perfbudget_result_free(base);
            perfbudget_budget_free(budget);
        }
}

/* A breached limit fails under critical, not under never; the entry's policy beats the file's,
 * and a front end's setting beats both. A failed run fails whatever the policy. */
static void test_limits_and_precedence(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_budget *budget =
        parsed_budget(ctx, "version: 1\npolicy: {fail_on: critical}\nbudgets:\n"
                       "  b: {latency: {median: 1ns}}\n"
                       "  c: {latency: {median: 1ns}, policy: {fail_on: never}}\n");
    perfbudget_result *r = result_of(ctx, 1000.0);
    perfbudget_conclude_options o;
    perfbudget_conclude_options_init(&o);
    o.budget = budget;
    assert_int_equal(perfbudget_result_conclude(ctx, r, &o), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_fail_on(r), PERFBUDGET_FAIL_ON_CRITICAL);
    assert_int_equal(perfbudget_result_test_status(r, NULL), PERFBUDGET_TEST_FAIL);
    o.budget_name = "c";
    assert_int_equal(perfbudget_result_conclude(ctx, r, &o), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_fail_on(r), PERFBUDGET_FAIL_ON_NEVER);
    assert_int_equal(perfbudget_result_test_status(r, NULL), PERFBUDGET_TEST_PASS);
    assert_true(perfbudget_result_policy_warned(r, NULL));
    char *report = NULL;
    test_report(ctx, r, &report);
    assert_non_null(strstr(report, "WARN b: median"));
    assert_non_null(strstr(report, "(not failing: fail_on: never)"));
    perfbudget_free(report);
    perfbudget_result_set_fail_on(r, PERFBUDGET_FAIL_ON_REGRESSION);
    assert_int_equal(perfbudget_result_test_status(r, NULL), PERFBUDGET_TEST_FAIL);
    perfbudget_result_free(r);
    perfbudget_result *crashed = NULL;
    assert_int_equal(perfbudget_result_new(ctx, "b", NULL, 0, NULL, PERFBUDGET_RUN_FAILED,
                                           "exited with code 1", &crashed),
                     PERFBUDGET_OK);
    perfbudget_result_set_fail_on(crashed, PERFBUDGET_FAIL_ON_NEVER);
    assert_int_equal(perfbudget_result_test_status(crashed, NULL), PERFBUDGET_TEST_FAIL);
    perfbudget_result_free(crashed);
    perfbudget_budget_free(budget);
}

/* advice: and link: appear under the failure in the test report, in Markdown and in the
 * result file, which carries them (and the policy) to reports made elsewhere. */
static void test_advice_under_the_failure(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_budget *budget =
        parsed_budget(ctx, "version: 1\nbudgets:\n"
                       "  b:\n    latency: {median: 1ns}\n"
                       "    advice: \"Profile with perf record; the parser is the usual suspect\"\n"
                       "    link: https://wiki.example.com/perf/parser\n"
                       "    policy: {fail_on: critical}\n");
    perfbudget_result *r = result_of(ctx, 1000.0);
    perfbudget_conclude_options o;
    perfbudget_conclude_options_init(&o);
    o.budget = budget;
    assert_int_equal(perfbudget_result_conclude(ctx, r, &o), PERFBUDGET_OK);
    const char *link;
    assert_string_equal(perfbudget_result_advice(r, &link),
                        "Profile with perf record; the parser is the usual suspect");
    assert_string_equal(link, "https://wiki.example.com/perf/parser");
    char *report = NULL;
    test_report(ctx, r, &report);
    const char *failure = strstr(report, "FAIL b: median");
    const char *advice = strstr(report, "\n  advice: Profile with perf record; the parser");
    const char *see = strstr(report, "\n  see: https://wiki.example.com/perf/parser\n");
    assert_non_null(failure);
    assert_non_null(advice);
    assert_non_null(see);
    /* under the failure line */
    assert_true(strlen(failure) > strlen(advice) && strlen(advice) > strlen(see));
    perfbudget_free(report);
    char *markdown = NULL;
    assert_int_equal(perfbudget_render_report(ctx, &r, 1, PERFBUDGET_REPORT_MARKDOWN, NULL,
                                              &markdown),
                     PERFBUDGET_OK);
    assert_non_null(strstr(markdown, "advice: Profile with perf record"));
    assert_non_null(strstr(markdown, "see: https://wiki.example.com/perf/parser"));
    perfbudget_free(markdown);
    char *html = NULL;
    assert_int_equal(perfbudget_render_report(ctx, &r, 1, PERFBUDGET_REPORT_HTML, NULL, &html),
                     PERFBUDGET_OK);
    assert_non_null(strstr(html, "Profile with perf record; the parser is the usual suspect"));
    perfbudget_free(html);
    char *json = NULL;
    assert_int_equal(perfbudget__results_json_text(ctx, "t", &r, 1, &json), PERFBUDGET_OK);
    assert_non_null(strstr(json, "\"fail_on\": \"critical\""));
    perfbudget_result **back = NULL;
    size_t count = 0;
    assert_int_equal(perfbudget__results_parse_json(ctx, json, strlen(json), "t.json", &back,
                                                    &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 1);
    assert_string_equal(perfbudget_result_advice(back[0], &link),
                        "Profile with perf record; the parser is the usual suspect");
    assert_string_equal(link, "https://wiki.example.com/perf/parser");
    assert_int_equal(perfbudget_result_fail_on(back[0]), PERFBUDGET_FAIL_ON_CRITICAL);
    perfbudget_results_free(back, count);
    perfbudget_free(json);
    /* a passing result shows no advice */
    perfbudget_result *fast = result_of(ctx, 1000.0);
    perfbudget_budget *loose =
        parsed_budget(ctx, "version: 1\nbudgets:\n  b: {latency: {median: 10min}, advice: profile it}\n");
    o.budget = loose;
    assert_int_equal(perfbudget_result_conclude(ctx, fast, &o), PERFBUDGET_OK);
    test_report(ctx, fast, &report);
    assert_null(strstr(report, "advice"));
    perfbudget_free(report);
    perfbudget_result_free(fast);
    perfbudget_budget_free(loose);
    perfbudget_result_free(r);
    perfbudget_budget_free(budget);
}

/* Mistakes are reported where they are written, with the valid values. */
static void test_errors_at_their_place(void **state) {
    perfbudget_context *ctx = *state;
    const char *text = "version: 1\n"
                       "policy: {fail_on: sometimes}\n"
                       "budgets:\n"
                       "  b:\n"
                       "    latency: {median: 1ms}\n"
                       "    advice: [a, b]\n"
                       "    link: see the wiki\n"
                       "    policy: {fial_on: never}\n";
    perfbudget_budget *budget = NULL;
    perfbudget_budget_error errors[8];
    size_t count = 0;
    assert_int_equal(perfbudget_budget_new_from_text(ctx, text, strlen(text), "perfbudget.yml",
                                                     &budget, errors, 8, &count),
                     PERFBUDGET_EPARSE);
    assert_null(budget);
    assert_int_equal(count, 4);
    assert_int_equal(errors[0].line, 2);
    assert_int_equal(errors[0].column, 19);
    assert_non_null(strstr(errors[0].message, "fail_on must be regression, critical or never"));
    assert_int_equal(errors[1].line, 6);
    assert_int_equal(errors[1].column, 13);
    assert_non_null(strstr(errors[1].message, "advice must be a single value"));
    assert_int_equal(errors[2].line, 7);
    assert_int_equal(errors[2].column, 11);
    assert_non_null(strstr(errors[2].message, "link 'see the wiki' must be one URL"));
    assert_int_equal(errors[3].line, 8);
    assert_int_equal(errors[3].column, 14);
    assert_non_null(strstr(errors[3].message, "did you mean 'fail_on'?"));
    assert_string_equal(perfbudget_errmsg(ctx),
                        "perfbudget.yml:2:19: fail_on must be regression, critical or never, not "
                        "'sometimes'");
}

static void empty_body(perfbudget_state *state) {
    while (perfbudget_loop(state)) {
    }
}

/* A benchmark's category is one word (a CTest label, a pytest marker), kept as a copy. */
static void test_benchmark_category(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_suite *suite = NULL;
    assert_int_equal(perfbudget_suite_new(ctx, "s", &suite), PERFBUDGET_OK);
    char word[] = "integration";
    perfbudget_benchmark_def def = {.name = "a", .run = empty_body, .category = word};
    assert_int_equal(perfbudget_suite_add(suite, &def), PERFBUDGET_OK);
    word[0] = 'X'; /* the suite keeps its own copy */
    assert_string_equal(perfbudget_suite_benchmark_category(suite, 0), "integration");
    def = (perfbudget_benchmark_def){.name = "b", .run = empty_body};
    assert_int_equal(perfbudget_suite_add(suite, &def), PERFBUDGET_OK);
    assert_null(perfbudget_suite_benchmark_category(suite, 1));
    assert_null(perfbudget_suite_benchmark_category(suite, 2));
    const char *bad[] = {"two words", "", "1st", "a-b"};
    for (size_t i = 0; i < 4; i++) {
        def = (perfbudget_benchmark_def){.name = "c", .run = empty_body, .category = bad[i]};
        assert_int_equal(perfbudget_suite_add(suite, &def), PERFBUDGET_EINVAL);
        assert_non_null(strstr(perfbudget_errmsg(ctx), "is not one word"));
    }
    assert_int_equal(perfbudget_suite_count(suite), 2);
    perfbudget_suite_free(suite);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_names),
        cmocka_unit_test_setup_teardown(test_fail_on_decides_the_status_not_the_verdict,
                                        context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_limits_and_precedence, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_advice_under_the_failure, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_errors_at_their_place, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_benchmark_category, context_setup, context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
