/* SPDX-License-Identifier: MIT */
/* Budget files: resolution of the budget for a benchmark, and evaluation of limits; files and
 * settings refused. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_helpers.h"

static const char *const FILE_TEXT =
    "version: 1\n"
    "settings:\n"
    "  history: perf/history.sqlite\n"
    "defaults:\n"
    "  warmup: 100ms\n"
    "  rounds: 30\n"
    "  max_time: 2s\n"
    "  regression:\n"
    "    threshold: 5%\n"
    "    statistic: median\n"
    "    per_metric: {memory: 20%}\n"
    "budgets:\n"
    "  \"parse_*\":\n"
    "    latency: {p95: 2ms}\n"
    "  \"parse_json*\":\n"
    "    latency: {p95: 3ms}\n"
    "    rounds: 50\n"
    "  \"pars?_*\":\n"
    "    latency: {p95: 9ms}\n"
    "  parse_json_big:\n"
    "    latency:\n"
    "      p95: 10ms\n"
    "      p99: {warn: 12ms, fail: 15ms}\n"
    "    memory: 512MB\n"
    "    cpu: 90%\n"
    "    throughput: 100/s\n"
    "    instructions: 2000000\n"
    "    metrics:\n"
    "      cache_hit_rate: {fail: 80%, higher_is_better: true}\n"
    "    regression: {threshold: 3%, critical: 9%}\n"
    "    warmup: 7\n"
    "  \"tests/test_io.py::*\":\n"
    "    memory_growth: 1MiB\n"
    "  unused_typo_name:\n"
    "    cpu: 50%\n";

static perfbudget_budget *load(perfbudget_context *ctx) {
    perfbudget_budget *budget = NULL;
    perfbudget_budget_error errors[4];
    size_t count = 0;
    int status = perfbudget_budget_new_from_text(ctx, FILE_TEXT, strlen(FILE_TEXT),
                                                 "conf/perfbudget.yml", &budget, errors, 4, &count);
    if (status != PERFBUDGET_OK)
        fail_msg("%d: %d:%d: %s", status, errors[0].line, errors[0].column, errors[0].message);
    return budget;
}

static void test_resolution_order(void **state) {
    perfbudget_budget *budget = load(*state);
    perfbudget_effective_budget e = {.struct_size = sizeof e};
    assert_int_equal(perfbudget_budget_resolve(budget, "parse_json_big", &e), PERFBUDGET_OK);
    assert_string_equal(e.entry, "parse_json_big"); /* exact beats every glob */
    assert_true(e.exact);
    assert_int_equal(e.entry_line, 20);
    assert_int_equal(e.limit_count, 7);

    assert_int_equal(perfbudget_budget_resolve(budget, "parse_json_small", &e), PERFBUDGET_OK);
    assert_string_equal(e.entry, "parse_json*"); /* longer literal prefix */
    assert_false(e.exact);
    assert_int_equal(e.measure.rounds, 50);
    assert_int_equal(e.measure.max_time_ns, 2000000000); /* from defaults */

    assert_int_equal(perfbudget_budget_resolve(budget, "parse_xml", &e), PERFBUDGET_OK);
    assert_string_equal(e.entry, "parse_*"); /* "pars?_*" matches too, with a shorter prefix */

    assert_int_equal(perfbudget_budget_resolve(budget, "tests/test_io.py::test_read[big]", &e),
                     PERFBUDGET_OK);
    assert_string_equal(e.entry, "tests/test_io.py::*");

    assert_int_equal(perfbudget_budget_resolve(budget, "encode", &e), PERFBUDGET_OK);
    assert_null(e.entry); /* only the defaults */
    assert_int_equal(e.limit_count, 0);
    assert_close(e.regression.threshold_pct, 5, 0);
    assert_int_equal(e.measure.warmup_ns, 100000000);
    perfbudget_budget_free(budget);
}

static void test_merged_settings(void **state) {
    perfbudget_budget *budget = load(*state);
    perfbudget_effective_budget e = {.struct_size = sizeof e};
    assert_int_equal(perfbudget_budget_resolve(budget, "parse_json_big", &e), PERFBUDGET_OK);
    assert_close(e.regression.threshold_pct, 3, 0);
    assert_close(e.regression.critical_pct, 9, 0);
    assert_int_equal(e.regression.statistic, PERFBUDGET_STAT_MEDIAN);
    assert_close(e.regression.per_metric.memory_pct, 20, 0);
    assert_true(isnan(e.regression.per_metric.cpu_pct));
    assert_close(perfbudget_group_threshold(&e.regression.per_metric, PERFBUDGET_GROUP_MEMORY), 20,
                 0);
    assert_true(isnan(perfbudget_group_threshold(&e.regression.per_metric, PERFBUDGET_GROUP_CPU)));
    assert_true(isnan(perfbudget_group_threshold(NULL, PERFBUDGET_GROUP_MEMORY)));
    /* A record whose struct_size the caller did not set is refused, and left as it was. */
    perfbudget_effective_budget unsized = {.struct_size = 0, .entry_line = -7};
    assert_int_equal(perfbudget_budget_resolve(budget, "x", &unsized), PERFBUDGET_EINVAL);
    assert_int_equal(unsized.entry_line, -7);
    assert_true(isnan(perfbudget_group_threshold(&e.regression.per_metric,
                                                 (perfbudget_metric_group)99)));
    assert_int_equal(e.measure.warmup_iterations, 7); /* a count replaces the default duration */
    assert_int_equal(e.measure.warmup_ns, 0);
    assert_int_equal(e.measure.rounds, 30);
    assert_string_equal(perfbudget_budget_history_path(budget), "conf/perf/history.sqlite");
    perfbudget_budget_free(budget);
}

/* speed_correction: the defaults' value, an entry's over it, -1 where neither sets it; a suite's
 * run options take it from there. */
static void test_speed_correction_setting(void **state) {
    static const char text[] = "version: 1\n"
                               "defaults: {speed_correction: true}\n"
                               "budgets:\n"
                               "  exact_one: {speed_correction: false}\n"
                               "  other: {cpu: 50%}\n";
    static const char unset[] = "version: 1\n";
    perfbudget_budget *budget = NULL, *plain = NULL;
    assert_int_equal(perfbudget_budget_new_from_text(*state, text, strlen(text), "b.yml", &budget,
                                                     NULL, 0, NULL), PERFBUDGET_OK);
    assert_int_equal(perfbudget_budget_new_from_text(*state, unset, strlen(unset), "c.yml", &plain,
                                                     NULL, 0, NULL), PERFBUDGET_OK);
    perfbudget_effective_budget e = {.struct_size = sizeof e};
    perfbudget_run_options run;
    assert_int_equal(perfbudget_budget_resolve(budget, "other", &e), PERFBUDGET_OK);
    assert_int_equal(e.measure.speed_correction, 1);
    perfbudget_run_options_init(&run);
    perfbudget_run_options_apply(&run, &e.measure);
    assert_int_equal(run.speed_correction, 1);
    assert_int_equal(perfbudget_budget_resolve(budget, "exact_one", &e), PERFBUDGET_OK);
    assert_int_equal(e.measure.speed_correction, 0);
    perfbudget_run_options_apply(&run, &e.measure);
    assert_int_equal(run.speed_correction, 0);
    assert_int_equal(perfbudget_budget_resolve(plain, "any", &e), PERFBUDGET_OK);
    assert_int_equal(e.measure.speed_correction, -1);
    run.speed_correction = 1;
    perfbudget_run_options_apply(&run, &e.measure); /* unset: leaves it as it was */
    assert_int_equal(run.speed_correction, 1);
    perfbudget_budget_free(budget);
    perfbudget_budget_free(plain);
}

static void test_unused_entries(void **state) {
    perfbudget_budget *budget = load(*state);
    const char *names[] = {"parse_json_big", "parse_xml", "tests/test_io.py::test_read"};
    size_t unused[8], count = 0;
    assert_int_equal(perfbudget_budget_unused_entries(budget, names, 3, unused, &count),
                     PERFBUDGET_OK);
    /* "parse_json*" matches parse_json_big, though the exact entry wins there: it is used.
     * Only the typo matches nothing. */
    assert_int_equal(count, 1);
    assert_string_equal(perfbudget_budget_entry_pattern(budget, unused[0], NULL),
                        "unused_typo_name");
    perfbudget_budget_free(budget);
}

static void test_evaluation(void **state) {
    perfbudget_budget *budget = load(*state);
    perfbudget_effective_budget e = {.struct_size = sizeof e};
    assert_int_equal(perfbudget_budget_resolve(budget, "parse_json_big", &e), PERFBUDGET_OK);
    perfbudget_summary s;
    const double samples[] = {9e6, 9.5e6, 9.6e6, 12.5e6, 13e6}; /* ns */
    assert_int_equal(perfbudget_summarize(*state, samples, 5, &s), PERFBUDGET_OK);
    perfbudget_metrics m;
    perfbudget_metrics_init(&m);
    m.peak_rss_bytes = 600e6;
    m.cpu_utilization = 0.5;
    m.items_per_second = 80;
    m.bytes_per_second = NAN;
    m.memory_growth_bytes = 0;
    m.instructions_per_iteration = NAN;
    perfbudget_observation *o = NULL;
    assert_int_equal(perfbudget_observation_new(*state, &s, &m, &o), PERFBUDGET_OK);
    assert_close(perfbudget_observation_get(o, PERFBUDGET_METRIC_CPU), 50, 1e-12);
    const char *custom_names[] = {"cache_hit_rate"};
    const double custom_values[] = {92};
    perfbudget_observation_set_custom(o, custom_names, custom_values, 1);
    perfbudget_limit_verdict v[8];
    perfbudget_limit_status worst;
    assert_int_equal(perfbudget_budget_evaluate(*state, &e, o, v, 8, &worst), PERFBUDGET_OK);
    assert_int_equal(worst, PERFBUDGET_LIMIT_FAIL);
    /* p95 = 12.9 ms > 10 ms; p99 = 12.98 ms between warn 12 and fail 15 */
    assert_int_equal(v[0].status, PERFBUDGET_LIMIT_FAIL);
    assert_string_equal(v[0].text, "p95 12.9 ms > 10 ms budget");
    assert_int_equal(v[1].status, PERFBUDGET_LIMIT_WARN);
    assert_string_equal(v[1].text, "p99 13.0 ms > 12 ms warning level (fails > 15 ms)");
    assert_int_equal(v[2].status, PERFBUDGET_LIMIT_FAIL);
    assert_string_equal(v[2].text, "memory 600 MB > 512 MB budget");
    assert_int_equal(v[3].status, PERFBUDGET_LIMIT_PASS);
    assert_string_equal(v[3].text, "cpu 50% <= 90% budget");
    assert_int_equal(v[4].status, PERFBUDGET_LIMIT_FAIL);
    assert_string_equal(v[4].text, "throughput 80/s < 100/s minimum");
    assert_int_equal(v[5].status, PERFBUDGET_LIMIT_UNAVAILABLE);
    assert_string_equal(v[5].text, "instructions unavailable here (budget 2000000)");
    assert_int_equal(v[6].status, PERFBUDGET_LIMIT_PASS);
    assert_string_equal(v[6].text, "cache_hit_rate 92% >= 80% minimum");
    assert_int_equal(perfbudget_budget_evaluate(*state, &e, o, v, 2, &worst), PERFBUDGET_EINVAL);
    perfbudget_observation_free(o);
    perfbudget_budget_free(budget);
}

static void test_unavailable_ranks_below_warn(void **state) {
    const char *text = "version: 1\nbudgets:\n  x: {instructions: 100, memory: 1KB}\n";
    perfbudget_budget *budget;
    assert_int_equal(perfbudget_budget_new_from_text(*state, text, strlen(text), "t.yml", &budget,
                                                     NULL, 0, NULL),
                     PERFBUDGET_OK);
    perfbudget_effective_budget e = {.struct_size = sizeof e};
    perfbudget_budget_resolve(budget, "x", &e);
    perfbudget_observation *o = NULL;
    assert_int_equal(perfbudget_observation_new(*state, NULL, NULL, &o), PERFBUDGET_OK);
    assert_true(isnan(perfbudget_observation_get(o, PERFBUDGET_METRIC_MEMORY)));
    assert_int_equal(perfbudget_observation_set(o, PERFBUDGET_METRIC_MEMORY, 10), PERFBUDGET_OK);
    assert_int_equal(perfbudget_observation_set(o, PERFBUDGET_METRIC_CUSTOM, 1), PERFBUDGET_EINVAL);
    perfbudget_limit_verdict v[2];
    perfbudget_limit_status worst;
    assert_int_equal(perfbudget_budget_evaluate(*state, &e, o, v, 2, &worst), PERFBUDGET_OK);
    assert_int_equal(worst, PERFBUDGET_LIMIT_UNAVAILABLE);
    assert_int_equal(perfbudget_observation_set(o, PERFBUDGET_METRIC_MEMORY, 2000), PERFBUDGET_OK);
    assert_close(perfbudget_observation_get(o, PERFBUDGET_METRIC_MEMORY), 2000, 0);
    assert_int_equal(perfbudget_budget_evaluate(*state, &e, o, v, 2, &worst), PERFBUDGET_OK);
    assert_int_equal(worst, PERFBUDGET_LIMIT_FAIL);
    perfbudget_observation_free(o);
    /* Metrics whose struct_size is not set are refused, with a message saying so. */
    perfbudget_metrics unsized;
    perfbudget_metrics_init(&unsized);
    unsized.struct_size = 0;
    assert_int_equal(perfbudget_observation_new(*state, NULL, &unsized, &o), PERFBUDGET_EINVAL);
    assert_non_null(strstr(perfbudget_errmsg(*state), "struct_size"));
    perfbudget_budget_free(budget);
}

static void test_errors_are_all_reported_in_file_order(void **state) {
    const char *text = "version: 1\n"
                       "budgets:\n"
                       "  a:\n"
                       "    memmory: 5MB\n"
                       "    cpu: 250ms\n"
                       "  b: {latency: {p95: 3}}\n";
    perfbudget_budget *budget = (perfbudget_budget *)1;
    perfbudget_budget_error errors[8];
    size_t count = 0;
    assert_int_equal(perfbudget_budget_new_from_text(*state, text, strlen(text), "x.yml", &budget,
                                                     errors, 8, &count),
                     PERFBUDGET_EPARSE);
    assert_null(budget);
    assert_int_equal(count, 3);
    assert_int_equal(errors[0].line, 4);
    assert_int_equal(errors[0].column, 5);
    assert_non_null(strstr(errors[0].message, "did you mean 'memory'?"));
    assert_int_equal(errors[1].line, 5);
    assert_int_equal(errors[2].line, 6);
    assert_string_equal(perfbudget_errmsg(*state),
                        "x.yml:4:5: unknown key 'memmory' in budget 'a' (did you mean 'memory'?)");
    /* A smaller error array still counts every problem. */
    assert_int_equal(perfbudget_budget_new_from_text(*state, text, strlen(text), "x.yml", &budget,
                                                     errors, 1, &count),
                     PERFBUDGET_EPARSE);
    assert_int_equal(count, 3);
    assert_int_equal(perfbudget_budget_new_from_file(*state, "/nonexistent/perfbudget.yml", &budget,
                                                     NULL, 0, NULL),
                     PERFBUDGET_EIO);
    assert_non_null(strstr(perfbudget_errmsg(*state), "/nonexistent/perfbudget.yml"));
}

static void test_column_counts_characters(void **state) {
    /* "µ" is two bytes; the error column after it must count it once. */
    const char *text = "version: 1\nbudgets:\n  \xC2\xB5" "bench: {cpu: 5ms}\n";
    perfbudget_budget *budget;
    perfbudget_budget_error errors[2];
    size_t count;
    assert_int_equal(perfbudget_budget_new_from_text(*state, text, strlen(text), "u.yml", &budget,
                                                     errors, 2, &count),
                     PERFBUDGET_EPARSE);
    assert_int_equal(errors[0].line, 3);
    assert_int_equal(errors[0].column, 17); /* 18 if bytes were counted */
}

/* settings.history "" would send every run to SQLite's temporary database, lost on closing
 * (and "dir/" names a directory): an error at the value's line and column. */
static void test_history_setting_names_a_file(void **state) {
    const char *texts[] = {"version: 1\nsettings:\n  history: \"\"\n",
                           "version: 1\nsettings:\n  history:\n",
                           "version: 1\nsettings: {history: perf/}\n"};
    const int lines[] = {3, 3, 2}, columns[] = {12, 11, 21};
    const char *phrases[] = {"history is empty", "history needs a value", "names a directory"};
    for (int k = 0; k < 3; k++) {
        perfbudget_budget *budget = NULL;
        perfbudget_budget_error errors[2];
        size_t count = 0;
        assert_int_equal(perfbudget_budget_new_from_text(*state, texts[k], strlen(texts[k]),
                                                         "h.yml", &budget, errors, 2, &count),
                         PERFBUDGET_EPARSE);
        assert_null(budget);
        assert_int_equal(count, 1);
        print_message("%s\n", perfbudget_errmsg(*state));
        assert_int_equal(errors[0].line, lines[k]);
        assert_int_equal(errors[0].column, columns[k]);
        assert_non_null(strstr(errors[0].message, phrases[k]));
    }
}

/* A FIFO as the budget file is refused at once, naming it, instead of waiting forever for a
 * writer (alarm: a hang fails the test in 10 s rather than at ctest's timeout). */
static void test_fifo_budget_file_refused(void **state) {
    char directory[] = "/tmp/perfbudget-budget-XXXXXX";
    assert_non_null(mkdtemp(directory));
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/perfbudget.yml", directory);
    assert_int_equal(mkfifo(fifo, 0666), 0);
    perfbudget_budget *budget = NULL;
    alarm(10);
    int status = perfbudget_budget_new_from_file(*state, fifo, &budget, NULL, 0, NULL);
    alarm(0);
    assert_int_equal(status, PERFBUDGET_EIO);
    assert_null(budget);
    assert_non_null(strstr(perfbudget_errmsg(*state), fifo));
    assert_non_null(strstr(perfbudget_errmsg(*state), "not a regular file (a FIFO)"));
    assert_int_equal(perfbudget_budget_new_from_file(*state, directory, &budget, NULL, 0, NULL),
                     PERFBUDGET_EIO);
    assert_non_null(strstr(perfbudget_errmsg(*state), "a directory"));
    unlink(fifo);
    rmdir(directory);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_resolution_order, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_merged_settings, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_speed_correction_setting, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_unused_entries, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_evaluation, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_unavailable_ranks_below_warn, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_errors_are_all_reported_in_file_order, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_column_counts_characters, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_history_setting_names_a_file, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_fifo_budget_file_refused, context_setup,
                                        context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
