/* SPDX-License-Identifier: MIT */
/* Stages timed inside a benchmark: counted over measured iterations only, summarised, kept as a
 * timeline, carried through result files and the history, rendered in every report. A fake clock
 * that only the body advances makes every figure exact. */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "test_helpers.h"

typedef struct fake {
    uint64_t now;
    uint64_t iterations;
} fake;

static uint64_t fake_clock(void *userdata) { return ((fake *)userdata)->now; }

/* Each iteration: decode 30 ns, then render 20 ns with blit 5 ns inside it. */
static void staged_body(perfbudget_state *state) {
    fake *f = perfbudget_state_userdata(state);
    while (perfbudget_loop(state)) {
        perfbudget_stage_begin(state, "decode");
        f->now += 30;
        perfbudget_stage_end(state, "decode");
        perfbudget_stage_begin(state, "render");
        perfbudget_stage_begin(state, "blit");
        f->now += 5;
        perfbudget_stage_end(state, "blit");
        f->now += 15;
        perfbudget_stage_end(state, "render");
        f->iterations++;
    }
}

static perfbudget_result *run_one(perfbudget_context *ctx, const perfbudget_benchmark_def *def) {
    perfbudget_run_options opts;
    perfbudget_run_options_init(&opts);
    opts.hardware_counters = 0;
    perfbudget_suite *suite;
    assert_int_equal(perfbudget_suite_new(ctx, "suite", &suite), PERFBUDGET_OK);
    assert_int_equal(perfbudget_suite_add(suite, def), PERFBUDGET_OK);
    perfbudget_result *result = NULL;
    assert_int_equal(perfbudget_suite_run(suite, 0, &opts, &result), PERFBUDGET_OK);
    perfbudget_suite_free(suite);
    return result;
}

static perfbudget_result *staged_result(perfbudget_context *ctx, fake *f) {
    perfbudget_context_set_clock(ctx, fake_clock, f);
    perfbudget_benchmark_def def = {.name = "codec", .run = staged_body, .userdata = f};
    return run_one(ctx, &def);
}

static void test_stages_count_measured_iterations(void **state) {
    fake f = {.now = 1000};
    perfbudget_result *r = staged_result(*state, &f);
    assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_OK);
    const perfbudget_metrics *m = perfbudget_result_metrics(r);
    assert_true(m->total_iterations < f.iterations); /* calibration and warm-up ran too */
    size_t count;
    const perfbudget_stage *stages = perfbudget_result_stages(r, &count);
    assert_int_equal(count, 3);
    const char *names[] = {"decode", "render", "blit"};
    const double means[] = {30, 20, 5};
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(stages[i].name, names[i]);
        assert_int_equal(stages[i].count, m->total_iterations);
        assert_close(stages[i].mean_ns, means[i], 0);
        assert_close(stages[i].p99_ns, means[i], 0);
        assert_close(stages[i].total_ns, means[i] * (double)m->total_iterations, 0);
    }
    /* The timeline: the first 4,096 occurrences, in the order they ended, from the start of
     * measuring; blit inside render. */
    size_t n_events;
    const perfbudget_trace_event *events = perfbudget_result_trace_events(r, &n_events);
    assert_int_equal(n_events, 4096);
    assert_int_equal(events[0].stage, 0);
    assert_close(events[0].start_ns, 0, 0);
    assert_close(events[0].duration_ns, 30, 0);
    assert_int_equal(events[1].stage, 2);
    assert_int_equal(events[1].depth, 1);
    assert_close(events[1].start_ns, 30, 0);
    assert_int_equal(events[2].stage, 1);
    assert_int_equal(events[2].depth, 0);
    assert_close(events[2].start_ns, 30, 0);
    assert_close(events[2].duration_ns, 20, 0);
    assert_close(events[3].start_ns, 50, 0);
    perfbudget_result_free(r);
}

/* p99 is numpy's: exact up to 10,000 occurrences (durations 1..1000 -> 990.01), and from a
 * uniform sample of 10,000 beyond that. */
static void test_p99_exact_then_sampled(void **state) {
    (void)state;
    perfbudget__stage_recorder *recorder = NULL;
    char why[256];
    uint64_t now = 0;
    for (uint64_t d = 1; d <= 1000; d++) {
        assert_int_equal(perfbudget__stage_begin(&recorder, "s", now, 1, why, sizeof why), 0);
        now += d;
        assert_int_equal(perfbudget__stage_end(recorder, "s", now, 0, why, sizeof why), 0);
    }
    perfbudget__stages out;
    assert_int_equal(perfbudget__stages_finish(recorder, &out, why, sizeof why), 0);
    assert_close(out.stages[0].p99_ns, 990.01, 1e-9);
    assert_close(out.stages[0].mean_ns, 500.5, 1e-12);
    perfbudget__stages_clear(&out);
    perfbudget__stage_recorder_free(recorder);

    recorder = NULL;
    for (uint64_t i = 0; i < 100000; i++) { /* durations 1..100, uniform: p99 = 99.01 */
        assert_int_equal(perfbudget__stage_begin(&recorder, "s", now, 1, why, sizeof why), 0);
        now += i % 100 + 1;
        assert_int_equal(perfbudget__stage_end(recorder, "s", now, 0, why, sizeof why), 0);
    }
    assert_int_equal(perfbudget__stages_finish(recorder, &out, why, sizeof why), 0);
    assert_int_equal(out.stages[0].count, 100000);
    assert_close(out.stages[0].mean_ns, 50.5, 1e-12);
    assert_true(fabs(out.stages[0].p99_ns - 99.01) <= 1.0);
    perfbudget__stages_clear(&out);
    perfbudget__stage_recorder_free(recorder);
}

static void mismatched_body(perfbudget_state *state) {
    while (perfbudget_loop(state)) {
        perfbudget_stage_begin(state, "a");
        perfbudget_stage_end(state, "b");
    }
}

static void unmatched_end_body(perfbudget_state *state) {
    while (perfbudget_loop(state)) perfbudget_stage_end(state, "a");
}

static void never_ended_body(perfbudget_state *state) {
    perfbudget_stage_begin(state, "setup"); /* outside the loop: not counted, but must end */
    while (perfbudget_loop(state)) {
    }
}

static void too_deep_body(perfbudget_state *state) {
    while (perfbudget_loop(state)) {
        for (int i = 0; i < 17; i++) perfbudget_stage_begin(state, "deep");
        for (int i = 0; i < 17; i++) perfbudget_stage_end(state, "deep");
    }
}

static void too_many_body(perfbudget_state *state) {
    while (perfbudget_loop(state)) {
        for (int i = 0; i < 65; i++) {
            char name[16];
            snprintf(name, sizeof name, "s%d", i);
            perfbudget_stage_begin(state, name);
            perfbudget_stage_end(state, name);
        }
    }
}

static void test_misuse_fails_the_run_with_the_reason(void **state) {
    const struct {
        perfbudget_benchmark_fn body;
        const char *reason;
    } cases[] = {
        {mismatched_body, "perfbudget_stage_end(\"b\"): the open stage is \"a\""},
        {unmatched_end_body, "perfbudget_stage_end(\"a\"): no stage is open"},
        {never_ended_body, "stage \"setup\" was begun but never ended"},
        {too_deep_body, "perfbudget_stage_begin(\"deep\"): stages nest 16 deep at most"},
        {too_many_body, "perfbudget_stage_begin(\"s64\"): more than 64 stages"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        perfbudget_benchmark_def def = {.name = "misuse", .run = cases[i].body};
        perfbudget_result *r = run_one(*state, &def);
        assert_int_equal(perfbudget_result_status(r), PERFBUDGET_RUN_FAILED);
        assert_string_equal(perfbudget_result_message(r), cases[i].reason);
        size_t count;
        assert_null(perfbudget_result_stages(r, &count));
        assert_int_equal(count, 0);
        perfbudget_result_free(r);
    }
}

/* Result files keep stages and the timeline; the history keeps the stages. */
static void test_files_and_history_keep_stages(void **state) {
    fake f = {.now = 1000};
    perfbudget_result *r = staged_result(*state, &f);
    char dir[] = "/tmp/perfbudget-stages-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], db[256];
    snprintf(path, sizeof path, "%s/results.json", dir);
    snprintf(db, sizeof db, "%s/history.sqlite", dir);
    assert_int_equal(perfbudget_results_write_json(*state, path, "suite", &r, 1), PERFBUDGET_OK);
    perfbudget_result **loaded;
    size_t n;
    assert_int_equal(perfbudget_results_new_from_file(*state, path, &loaded, &n), PERFBUDGET_OK);
    size_t a, b, ea, eb;
    const perfbudget_stage *before = perfbudget_result_stages(r, &a);
    const perfbudget_stage *after = perfbudget_result_stages(loaded[0], &b);
    assert_int_equal(a, b);
    for (size_t i = 0; i < a; i++) {
        assert_string_equal(before[i].name, after[i].name);
        assert_int_equal(before[i].count, after[i].count);
        assert_close(before[i].total_ns, after[i].total_ns, 0);
        assert_close(before[i].p99_ns, after[i].p99_ns, 0);
    }
    const perfbudget_trace_event *events = perfbudget_result_trace_events(r, &ea);
    const perfbudget_trace_event *read = perfbudget_result_trace_events(loaded[0], &eb);
    assert_int_equal(ea, eb);
    for (size_t i = 0; i < ea; i++) {
        assert_int_equal(events[i].stage, read[i].stage);
        assert_int_equal(events[i].depth, read[i].depth);
        assert_close(events[i].start_ns, read[i].start_ns, 0);
        assert_close(events[i].duration_ns, read[i].duration_ns, 0);
    }

    perfbudget_history *history;
    assert_int_equal(perfbudget_history_new(*state, db, &history), PERFBUDGET_OK);
    perfbudget_run_info info = {.source = "test"};
    int64_t run_id;
    assert_int_equal(perfbudget_history_add_run(history, &info, &r, 1, &run_id), PERFBUDGET_OK);
    perfbudget_result **stored;
    assert_int_equal(perfbudget_history_load_run(history, run_id, &stored, &n), PERFBUDGET_OK);
    after = perfbudget_result_stages(stored[0], &b);
    assert_int_equal(b, 3);
    assert_string_equal(after[2].name, "blit");
    assert_close(after[2].total_ns, before[2].total_ns, 0);
    perfbudget_result_trace_events(stored[0], &eb);
    assert_int_equal(eb, 0); /* timelines stay in result files */
    perfbudget_results_free(stored, n);
    perfbudget_history_free(history);

    perfbudget_result *copy;
    assert_int_equal(perfbudget_result_new(*state, "copy", NULL, 0, NULL, PERFBUDGET_RUN_OK, "", &copy),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_copy_stages(*state, copy, r), PERFBUDGET_OK);
    perfbudget_result_stages(copy, &b);
    perfbudget_result_trace_events(copy, &eb);
    assert_int_equal(b, 3);
    assert_int_equal(eb, 4096);
    perfbudget_result_free(copy);
    perfbudget_results_free(loaded, 1);
    perfbudget_result_free(r);
    char command[300];
    snprintf(command, sizeof command, "rm -rf %s", dir);
    assert_int_equal(system(command), 0);
}

/* A hostile file cannot smuggle a bad stage in: wrong types, an index out of range, NaN. */
static void test_malformed_stages_are_refused(void **state) {
    const char *cases[] = {
        "{\"stages\": [{\"name\": \"a\", \"count\": -1, \"mean_ns\": 1, \"p99_ns\": 1, \"total_ns\": 1}]}",
        "{\"stages\": [{\"name\": 3, \"count\": 1, \"mean_ns\": 1, \"p99_ns\": 1, \"total_ns\": 1}]}",
        "{\"stages\": [{\"name\": \"a\", \"count\": 1, \"mean_ns\": 1, \"p99_ns\": 1, \"total_ns\": 1}],"
        " \"trace_events\": [[1, 0, 0, 5]]}",
        "{\"stages\": [{\"name\": \"a\", \"count\": 1, \"mean_ns\": 1, \"p99_ns\": 1, \"total_ns\": 1}],"
        " \"trace_events\": [[0, 0, -3, 5]]}",
        "{\"stages\": {}}",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_error_t error;
        json_t *object = json_loads(cases[i], 0, &error);
        assert_non_null(object);
        perfbudget__stages out;
        char why[256];
        assert_int_equal(perfbudget__stages_from_json(json_object_get(object, "stages"),
                                                      json_object_get(object, "trace_events"),
                                                      &out, why, sizeof why),
                         -1);
        assert_int_equal(out.stage_count, 0);
        json_decref(object);
    }
    (void)state;
}

static char *render(perfbudget_context *ctx, perfbudget_result *r, perfbudget_report_format format) {
    char *text = NULL;
    perfbudget_report_info info = {.struct_size = sizeof(perfbudget_report_info), .title = "suite"};
    assert_int_equal(perfbudget_render_report(ctx, &r, 1, format, &info, &text), PERFBUDGET_OK);
    return text;
}

static void test_reports_show_stages(void **state) {
    fake f = {.now = 1000};
    perfbudget_result *r = staged_result(*state, &f);
    char *md = render(*state, r, PERFBUDGET_REPORT_MARKDOWN);
    assert_non_null(strstr(md, "| benchmark | stage | count | mean | p99 | total |"));
    assert_non_null(strstr(md, "| codec | render |"));
    char row[128];
    snprintf(row, sizeof row, "| codec | render | %llu | 20 ns | 20 ns | ",
             (unsigned long long)perfbudget_result_metrics(r)->total_iterations);
    assert_non_null(strstr(md, row));
    perfbudget_free(md);
    char *csv = render(*state, r, PERFBUDGET_REPORT_CSV);
    assert_non_null(strstr(csv, "codec,stage blit mean,5,ns,stage,"));
    perfbudget_free(csv);
    char *html = render(*state, r, PERFBUDGET_REPORT_HTML);
    assert_non_null(strstr(html, "<table class=\"stages\">"));
    assert_non_null(strstr(html, "<td>decode</td>"));
    perfbudget_free(html);
    char *table = NULL;
    assert_int_equal(perfbudget_render_table(*state, &r, 1, 0, 1, &table), PERFBUDGET_OK);
    assert_non_null(strstr(table, "    stage decode: "));
    assert_non_null(strstr(table, "mean 30 ns, p99 30 ns"));
    perfbudget_free(table);

    /* The Chrome trace: metadata naming the track, the measuring slice, and each kept stage
     * occurrence as a complete event inside it, in microseconds. */
    char *trace = render(*state, r, PERFBUDGET_REPORT_CHROME_TRACE);
    json_error_t error;
    json_t *doc = json_loads(trace, 0, &error);
    assert_non_null(doc);
    json_t *events = json_object_get(doc, "traceEvents");
    assert_int_equal(json_array_size(events), 3 + 1 + 4096);
    json_t *thread = json_array_get(events, 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(thread, "args"), "name")),
                        "codec");
    json_t *slice = json_array_get(events, 3);
    assert_string_equal(json_string_value(json_object_get(slice, "ph")), "X");
    double wall_us = perfbudget_result_metrics(r)->wall_ns / 1e3;
    assert_close(json_number_value(json_object_get(slice, "dur")), wall_us, 1e-9);
    json_t *second = json_array_get(events, 5);
    assert_string_equal(json_string_value(json_object_get(second, "name")), "blit");
    assert_close(json_number_value(json_object_get(second, "ts")), 0.030, 1e-12);
    assert_close(json_number_value(json_object_get(second, "dur")), 0.005, 1e-12);
    json_decref(doc);
    perfbudget_free(trace);

    perfbudget_report_format format;
    assert_int_equal(perfbudget_report_format_for_path("out/run.trace.json", &format), PERFBUDGET_OK);
    assert_int_equal(format, PERFBUDGET_REPORT_CHROME_TRACE);
    assert_int_equal(perfbudget_report_format_for_path("REPORT.MD", &format), PERFBUDGET_OK);
    assert_int_equal(format, PERFBUDGET_REPORT_MARKDOWN);
    assert_int_equal(perfbudget_report_format_for_path("report.json", &format), PERFBUDGET_OK);
    assert_int_equal(format, PERFBUDGET_REPORT_JSON);
    assert_int_equal(perfbudget_report_format_for_path("report.txt", &format), PERFBUDGET_EINVAL);
    perfbudget_result_free(r);
}

/* Each iteration flushes in 10 ns, every 200th in 100 µs: under 1 % of the occurrences take
 * most of the time, so the mean is above the p99, and the tables say why. */
static void rare_flush_body(perfbudget_state *state) {
    fake *f = perfbudget_state_userdata(state);
    while (perfbudget_loop(state)) {
        perfbudget_stage_begin(state, "flush");
        f->now += ++f->iterations % 200 == 0 ? 100000 : 10;
        perfbudget_stage_end(state, "flush");
    }
}

static void test_mean_above_p99_is_explained(void **state) {
    fake f = {.now = 1000};
    perfbudget_context_set_clock(*state, fake_clock, &f);
    perfbudget_benchmark_def def = {.name = "writer", .run = rare_flush_body, .userdata = &f};
    perfbudget_result *r = run_one(*state, &def);
    size_t count;
    const perfbudget_stage *stages = perfbudget_result_stages(r, &count);
    assert_int_equal(count, 1);
    assert_true(stages[0].mean_ns > stages[0].p99_ns);
    char *table = NULL;
    assert_int_equal(perfbudget_render_table(*state, &r, 1, 0, 1, &table), PERFBUDGET_OK);
    assert_non_null(strstr(table, "(mean above p99: a few long occurrences, under 1 %"));
    perfbudget_free(table);
    char *md = render(*state, r, PERFBUDGET_REPORT_MARKDOWN);
    assert_non_null(strstr(md, "¹ mean above p99: a few long occurrences (under 1 %)"));
    perfbudget_free(md);
    char *html = render(*state, r, PERFBUDGET_REPORT_HTML);
    assert_non_null(strstr(html, "¹ mean above p99"));
    perfbudget_free(html);
    perfbudget_result_free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stages_count_measured_iterations, context_setup,
                                        context_teardown),
        cmocka_unit_test(test_p99_exact_then_sampled),
        cmocka_unit_test_setup_teardown(test_misuse_fails_the_run_with_the_reason, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_files_and_history_keep_stages, context_setup,
                                        context_teardown),
        cmocka_unit_test(test_malformed_stages_are_refused),
        cmocka_unit_test_setup_teardown(test_reports_show_stages, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_mean_above_p99_is_explained, context_setup,
                                        context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
