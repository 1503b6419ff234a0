/* SPDX-License-Identifier: MIT */
/* Result files: written atomically, readable, unavailable figures as null. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "test_helpers.h"

static uint64_t fake_clock(void *userdata) { return *(uint64_t *)userdata; }

static void body(perfbudget_state *state) {
    uint64_t *now = perfbudget_state_userdata(state);
    while (perfbudget_loop(state)) *now += 25;
}

static size_t entries_in(const char *dir) {
    DIR *d = opendir(dir);
    size_t count = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) count += e->d_name[0] != '.';
    closedir(d);
    return count;
}

static void test_write_and_read_back(void **state) {
    uint64_t now = 1;
    perfbudget_context_set_clock(*state, fake_clock, &now);
    perfbudget_suite *suite;
    assert_int_equal(perfbudget_suite_new(*state, "io", &suite), PERFBUDGET_OK);
    perfbudget_benchmark_def def = {.name = "read \"quoted\" <name>", .run = body, .userdata = &now};
    assert_int_equal(perfbudget_suite_add(suite, &def), PERFBUDGET_OK);
    perfbudget_run_options opts;
    perfbudget_run_options_init(&opts);
    opts.hardware_counters = 0;
    perfbudget_result *r;
    assert_int_equal(perfbudget_suite_run(suite, 0, &opts, &r), PERFBUDGET_OK);
    assert_string_equal(perfbudget_result_identity(r), "");
    assert_int_equal(perfbudget_result_set_identity(r, "v2"), PERFBUDGET_OK);

    char dir[] = "/tmp/perfbudget-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/result.json", dir);
    assert_int_equal(perfbudget_results_write_json(*state, path, "io", &r, 1), PERFBUDGET_OK);
    assert_int_equal(entries_in(dir), 1); /* no temporary file left behind */

    json_error_t error;
    json_t *root = json_load_file(path, 0, &error);
    assert_non_null(root);
    assert_int_equal(json_integer_value(json_object_get(root, "schema_version")), 1);
    assert_string_equal(json_string_value(json_object_get(root, "suite")), "io");
    assert_non_null(json_object_get(json_object_get(root, "environment"), "cpu_model"));
    json_t *bench = json_array_get(json_object_get(root, "benchmarks"), 0);
    assert_string_equal(json_string_value(json_object_get(bench, "name")), def.name);
    assert_string_equal(json_string_value(json_object_get(bench, "status")), "ok");
    json_t *summary = json_object_get(bench, "summary");
    assert_close(json_real_value(json_object_get(summary, "median")), 25.0, 0);
    size_t count;
    perfbudget_result_samples(r, &count);
    assert_int_equal(json_array_size(json_object_get(bench, "samples")), count);
    json_t *metrics = json_object_get(bench, "metrics");
    assert_true(json_is_null(json_object_get(metrics, "instructions_per_iteration")));
    json_decref(root);

    /* A directory that does not exist: a clear error naming the path. */
    char missing[300];
    snprintf(missing, sizeof missing, "%s/no/such/dir/result.json", dir);
    assert_int_equal(perfbudget_results_write_json(*state, missing, "io", &r, 1), PERFBUDGET_EIO);
    assert_non_null(strstr(perfbudget_errmsg(*state), missing));

    /* Read back: same samples, same summary to the bit (doubles are written with 17 digits). */
    perfbudget_result **loaded;
    size_t loaded_count;
    assert_int_equal(perfbudget_results_new_from_file(*state, path, &loaded, &loaded_count),
                     PERFBUDGET_OK);
    assert_int_equal(loaded_count, 1);
    assert_string_equal(perfbudget_result_name(loaded[0]), def.name);
    assert_string_equal(perfbudget_result_identity(loaded[0]), "v2");
    assert_memory_equal(perfbudget_result_summary(loaded[0]), perfbudget_result_summary(r),
                        sizeof(perfbudget_summary));
    assert_int_equal(perfbudget_result_metrics(loaded[0])->rounds,
                     perfbudget_result_metrics(r)->rounds);
    assert_true(isnan(perfbudget_result_metrics(loaded[0])->instructions_per_iteration));
    perfbudget_results_free(loaded, loaded_count);

    /* Wrong files give clear errors, not crashes. */
    const char *bad[][2] = {
        {"{\"schema\": \"perfbudget-result\", \"schema_version\": 2, \"benchmarks\": []}",
         "schema version 2"},
        {"{\"benchmarks\": []}", "not a perfbudget result file"},
        {"{\"schema\": \"perfbudget-result\", \"schema_version\": 1, \"benchmarks\": "
         "[{\"name\": \"x\", \"samples\": [1, \"two\"]}]}",
         "sample 1 is not a number"},
        {"{\"schema\": \"perfbudget-result\", \"schema_version\": 1, \"benchmarks\": "
         "[{\"samples\": []}]}",
         "needs a \"name\""},
        {"[1, 2", ":1:"},
        /* Hostile or damaged files: wrong types, NaN, negative counts, truncation. */
#define BENCH(json) \
    "{\"schema\": \"perfbudget-result\", \"schema_version\": 1, \"benchmarks\": [" json "]}"
        {BENCH("{\"name\": \"x\", \"samples\": [NaN]}"),
         ":1:97: not a JSON result file: invalid token near 'NaN'"},
        {BENCH("{\"name\": \"x\", \"samples\": [Infinity]}"), "invalid token"},
        {BENCH("{\"name\": \"x\", \"samples\": [1e999]}"), "real number overflow"},
        {BENCH("{\"name\": 7, \"samples\": [1]}"), "benchmark 0 needs a \"name\" string"},
        {BENCH("{\"name\": \"x\", \"samples\": {}}"), "and a \"samples\" array"},
        {BENCH("{\"name\": \"x\", \"samples\": [1], \"metrics\": {\"rounds\": -5}}"),
         "benchmark 'x': metrics.rounds must be a whole number >= 0"},
        {BENCH("{\"name\": \"x\", \"samples\": [1], \"metrics\": {\"rounds\": 1e30}}"),
         "metrics.rounds must be a whole number >= 0"},
        {BENCH("{\"name\": \"x\", \"samples\": [1], \"metrics\": [1]}"),
         "\"metrics\" must be an object"},
        {BENCH("{\"name\": \"x\", \"samples\": [1], \"metrics\": {\"peak_rss_bytes\": \"1MB\"}}"),
         "metrics.peak_rss_bytes must be a number >= 0 or null"},
        {BENCH("{\"name\": \"x\", \"samples\": [1], \"metrics\": {\"wall_ns\": -1}}"),
         "metrics.wall_ns must be a number >= 0"},
        {BENCH("{\"name\": \"x\", \"samples\": [1], \"metrics\": {\"time_capped\": 1}}"),
         "metrics.time_capped must be true or false"},
        {BENCH("{\"name\": \"x\", \"samples\": [1], \"custom_metrics\": [{\"name\": 1}]}"),
         "a custom metric is malformed"},
        {BENCH("{\"name\": \"x\", \"samples\": [1], \"status\": 3}"),
         "unknown status '(not a string)'"},
        {"{\"schema\": \"perfbudget-result\", \"schema_version\": 1, \"benchmarks\": [{\"na",
         "not a JSON result file"},
#undef BENCH
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        FILE *f = fopen(path, "w");
        fputs(bad[i][0], f);
        fclose(f);
        assert_int_equal(perfbudget_results_new_from_file(*state, path, &loaded, &loaded_count),
                         PERFBUDGET_EPARSE);
        if (strstr(perfbudget_errmsg(*state), bad[i][1]) == NULL)
            fail_msg("case %zu: '%s' lacks '%s'", i, perfbudget_errmsg(*state), bad[i][1]);
        /* The same text from memory: the same refusal, naming what the caller called it. */
        assert_int_equal(perfbudget__results_parse_json(*state, bad[i][0], strlen(bad[i][0]),
                                                        "memory.json", &loaded, &loaded_count),
                         PERFBUDGET_EPARSE);
        assert_null(loaded);
        if (strstr(perfbudget_errmsg(*state), bad[i][1]) == NULL ||
            strncmp(perfbudget_errmsg(*state), "memory.json:", 12) != 0)
            fail_msg("case %zu from memory: '%s'", i, perfbudget_errmsg(*state));
    }

    unlink(path);
    rmdir(dir);
    perfbudget_result_free(r);
    perfbudget_suite_free(suite);
}

/* A result file whose metrics hold `members` (JSON) is refused, with `message` in the error. */
static void refused_metrics(perfbudget_context *ctx, const char *members, const char *message) {
    char text[512];
    snprintf(text, sizeof text,
             "{\"schema\": \"perfbudget-result\", \"schema_version\": 1, \"benchmarks\": "
             "[{\"name\": \"x\", \"samples\": [1], \"metrics\": {%s}}]}",
             members);
    perfbudget_result **loaded = NULL;
    size_t count = 0;
    assert_int_equal(perfbudget__results_parse_json(ctx, text, strlen(text), "h.json", &loaded,
                                                    &count),
                     PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(ctx), message));
}

/* Speed correction's figures survive a result file: the reference time in the metrics, the
 * correction in a comparison; results without them write neither key. */
static void test_speed_correction_figures_round_trip(void **state) {
    const double samples[] = {100, 101, 102};
    perfbudget_metrics metrics;
    perfbudget_metrics_init(&metrics);
    metrics.reference_ns = 1518.5;
    perfbudget_result *results[2];
    assert_int_equal(perfbudget_result_new(*state, "corrected", samples, 3, &metrics,
                                           PERFBUDGET_RUN_OK, "", &results[0]), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_new(*state, "plain", samples, 3, NULL, PERFBUDGET_RUN_OK,
                                           "", &results[1]), PERFBUDGET_OK);
    perfbudget_comparison c;
    perfbudget_comparison_init(&c);
    assert_int_equal(perfbudget_compare(*state, samples, 3, samples, 3, NULL, &c), PERFBUDGET_OK);
    c.speed_correction_pct = 2.4;
    assert_int_equal(perfbudget_result_add_comparison(*state, results[0], "median",
                                                      PERFBUDGET_UNIT_NS, &c), PERFBUDGET_OK);
    char dir[] = "/tmp/perfbudget-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/result.json", dir);
    assert_int_equal(perfbudget_results_write_json(*state, path, "io", results, 2), PERFBUDGET_OK);
    json_t *root = json_load_file(path, 0, NULL);
    json_t *plain = json_array_get(json_object_get(root, "benchmarks"), 1);
    assert_null(json_object_get(json_object_get(plain, "metrics"), "reference_ns"));
    json_decref(root);
    perfbudget_result **loaded;
    size_t count;
    assert_int_equal(perfbudget_results_new_from_file(*state, path, &loaded,
                                                      &count), PERFBUDGET_OK);
    assert_close(perfbudget_result_metrics(loaded[0])->reference_ns, 1518.5, 0);
    assert_true(isnan(perfbudget_result_metrics(loaded[1])->reference_ns));
    const char *metric;
    const perfbudget_comparison *read;
    perfbudget_result_comparison_at(loaded[0], 0, &metric, NULL, &read);
    assert_close(read->speed_correction_pct, 2.4, 0);
    perfbudget_results_free(loaded, count);
    /* A negative reference time is refused like any other negative figure. */
    refused_metrics(*state, "\"reference_ns\": -3", "metrics.reference_ns must be a number >= 0");
    unlink(path);
    rmdir(dir);
    perfbudget_result_free(results[0]);
    perfbudget_result_free(results[1]);
}

/* The cold first call, the statistic the front end chose and the spawn and interpreter probes
 * survive a result file; a result without them writes no key, and a file from before them (no key) reads
 * NaN and -1; a negative figure or an unknown statistic is refused. */
static void test_first_call_round_trips(void **state) {
    const double samples[] = {100, 101, 102};
    perfbudget_metrics metrics;
    perfbudget_metrics_init(&metrics);
    metrics.first_call_ns = 250000.0;
    metrics.compared_statistic = PERFBUDGET_STAT_P10;
    metrics.spawn_probe_ns = 241179.0;
    metrics.interpreter_probe_ns = 10231.0;
    perfbudget_result *results[2];
    assert_int_equal(perfbudget_result_new(*state, "cold", samples, 3, &metrics,
                                           PERFBUDGET_RUN_OK, "", &results[0]), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_new(*state, "older", samples, 3, NULL, PERFBUDGET_RUN_OK,
                                           "", &results[1]), PERFBUDGET_OK);
    char dir[] = "/tmp/perfbudget-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/result.json", dir);
    assert_int_equal(perfbudget_results_write_json(*state, path, "io", results, 2), PERFBUDGET_OK);
    json_t *root = json_load_file(path, 0, NULL);
    json_t *older = json_array_get(json_object_get(root, "benchmarks"), 1);
    assert_null(json_object_get(json_object_get(older, "metrics"), "first_call_ns"));
    assert_null(json_object_get(json_object_get(older, "metrics"), "compared_statistic"));
    assert_null(json_object_get(json_object_get(older, "metrics"), "spawn_probe_ns"));
    assert_null(json_object_get(json_object_get(older, "metrics"), "interpreter_probe_ns"));
    json_decref(root);
    perfbudget_result **loaded;
    size_t count;
    assert_int_equal(perfbudget_results_new_from_file(*state, path, &loaded,
                                                      &count), PERFBUDGET_OK);
    assert_close(perfbudget_result_metrics(loaded[0])->first_call_ns, 250000.0, 0);
    assert_true(isnan(perfbudget_result_metrics(loaded[1])->first_call_ns));
    assert_int_equal(perfbudget_result_metrics(loaded[0])->compared_statistic, PERFBUDGET_STAT_P10);
    assert_int_equal(perfbudget_result_metrics(loaded[1])->compared_statistic, -1);
    assert_close(perfbudget_result_metrics(loaded[0])->spawn_probe_ns, 241179.0, 0);
    assert_true(isnan(perfbudget_result_metrics(loaded[1])->spawn_probe_ns));
    assert_close(perfbudget_result_metrics(loaded[0])->interpreter_probe_ns, 10231.0, 0);
    assert_true(isnan(perfbudget_result_metrics(loaded[1])->interpreter_probe_ns));
    perfbudget_results_free(loaded, count);
    refused_metrics(*state, "\"compared_statistic\": \"p42\"",
                    "metrics.compared_statistic must name");
    refused_metrics(*state, "\"first_call_ns\": -3", "metrics.first_call_ns must be a number");
    refused_metrics(*state, "\"spawn_probe_ns\": \"fast\"",
                    "metrics.spawn_probe_ns must be a number");
    refused_metrics(*state, "\"interpreter_probe_ns\": -1",
                    "metrics.interpreter_probe_ns must be a number");
    unlink(path);
    rmdir(dir);
    perfbudget_result_free(results[0]);
    perfbudget_result_free(results[1]);
}

/* CPU and probe samples and context switches survive a result file bit for bit; a result
 * without them writes no key; a file without them loads; a length mismatch is refused by
 * name. */
static void test_cpu_samples_round_trip(void **state) {
    const double samples[] = {100.5, 101.25, 102.125};
    /* values whose shortest decimal form needs all 17 digits */
    const double cpu[] = {0.1 + 0.2, 1.0 / 3.0, 98.76543210123456};
    perfbudget_metrics metrics;
    perfbudget_metrics_init(&metrics);
    metrics.involuntary_switches = 3;
    metrics.voluntary_switches = 0;
    perfbudget_result *results[2];
    assert_int_equal(perfbudget_result_new(*state, "timed", samples, 3, &metrics,
                                           PERFBUDGET_RUN_OK, "", &results[0]), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_set_cpu_samples(*state, results[0], cpu, 3), PERFBUDGET_OK);
    const double probes[] = {30125.0, 30125.0, 46017.5};
    assert_int_equal(perfbudget_result_set_probe_samples(*state, results[0], probes, 3),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_new(*state, "plain", samples, 3, NULL, PERFBUDGET_RUN_OK,
                                           "", &results[1]), PERFBUDGET_OK);
    char dir[] = "/tmp/perfbudget-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/result.json", dir);
    assert_int_equal(perfbudget_results_write_json(*state, path, "io", results, 2), PERFBUDGET_OK);
    json_t *root = json_load_file(path, 0, NULL);
    json_t *timed = json_array_get(json_object_get(root, "benchmarks"), 0);
    json_t *plain = json_array_get(json_object_get(root, "benchmarks"), 1);
    assert_int_equal(json_array_size(json_object_get(timed, "cpu_samples")), 3);
    assert_null(json_object_get(plain, "cpu_samples"));
    assert_int_equal(json_array_size(json_object_get(timed, "probe_samples")), 3);
    assert_null(json_object_get(plain, "probe_samples"));
    /* unknown switches are written as null, like every unavailable figure */
    json_t *switches = json_object_get(json_object_get(plain, "metrics"), "involuntary_switches");
    assert_non_null(switches);
    assert_true(json_is_null(switches));
    json_decref(root);
    perfbudget_result **loaded;
    size_t count, n;
    assert_int_equal(perfbudget_results_new_from_file(*state, path, &loaded,
                                                      &count), PERFBUDGET_OK);
    const double *back = perfbudget_result_cpu_samples(loaded[0], &n);
    assert_int_equal(n, 3);
    assert_memory_equal(back, cpu, sizeof cpu); /* every bit */
    assert_null(perfbudget_result_cpu_samples(loaded[1], &n));
    back = perfbudget_result_probe_samples(loaded[0], &n);
    assert_int_equal(n, 3);
    assert_memory_equal(back, probes, sizeof probes);
    assert_null(perfbudget_result_probe_samples(loaded[1], &n));
    assert_close(perfbudget_result_metrics(loaded[0])->involuntary_switches, 3, 0);
    assert_close(perfbudget_result_metrics(loaded[0])->voluntary_switches, 0, 0);
    assert_true(isnan(perfbudget_result_metrics(loaded[1])->involuntary_switches));
    assert_true(isnan(perfbudget_result_metrics(loaded[1])->voluntary_switches));
    perfbudget_results_free(loaded, count);
    unlink(path);
    rmdir(dir);
    perfbudget_result_free(results[0]);
    perfbudget_result_free(results[1]);

    /* A file from before CPU samples and switches loads, without them. */
    static const char older[] =
        "{\"schema\": \"perfbudget-result\", \"schema_version\": 1, \"benchmarks\": [{\"name\": "
        "\"x\", \"samples\": [1, 2], \"metrics\": {\"rounds\": 2}}]}";
    assert_int_equal(perfbudget__results_parse_json(*state, older, strlen(older), "old.json",
                                                    &loaded, &count), PERFBUDGET_OK);
    assert_null(perfbudget_result_cpu_samples(loaded[0], &n));
    assert_int_equal(n, 0);
    assert_true(isnan(perfbudget_result_metrics(loaded[0])->involuntary_switches));
    perfbudget_results_free(loaded, count);
    static const char mismatch[] =
        "{\"schema\": \"perfbudget-result\", \"schema_version\": 1, \"benchmarks\": [{\"name\": "
        "\"x\", \"samples\": [1, 2], \"cpu_samples\": [1]}]}";
    assert_int_equal(perfbudget__results_parse_json(*state, mismatch, strlen(mismatch), "m.json",
                                                    &loaded, &count), PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state), "m.json: benchmark 'x': 1 cpu_samples for 2 samples"));
    static const char probe_mismatch[] =
        "{\"schema\": \"perfbudget-result\", \"schema_version\": 1, \"benchmarks\": [{\"name\": "
        "\"x\", \"samples\": [1, 2], \"probe_samples\": [1, 2, 3]}]}";
    assert_int_equal(perfbudget__results_parse_json(*state, probe_mismatch, strlen(probe_mismatch),
                                                    "p.json", &loaded, &count), PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state),
                           "p.json: benchmark 'x': 3 probe_samples for 2 samples"));
    static const char negative[] =
        "{\"schema\": \"perfbudget-result\", \"schema_version\": 1, \"benchmarks\": [{\"name\": "
        "\"x\", \"samples\": [1], \"cpu_samples\": [-1], \"metrics\": {}}]}";
    assert_int_equal(perfbudget__results_parse_json(*state, negative, strlen(negative), "n.json",
                                                    &loaded, &count), PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state), "cpu_samples[0] is not a number >= 0"));
    static const char switches_negative[] =
        "{\"schema\": \"perfbudget-result\", \"schema_version\": 1, \"benchmarks\": [{\"name\": "
        "\"x\", \"samples\": [1], \"metrics\": {\"voluntary_switches\": -2}}]}";
    assert_int_equal(perfbudget__results_parse_json(*state, switches_negative,
                                                    strlen(switches_negative), "s.json", &loaded,
                                                    &count), PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state), "metrics.voluntary_switches must be a number"));
}

/* The file is written one benchmark at a time; its text must be exactly what jansson gives for
 * the whole document (indent 1, 17 digits), for 0, 1 and several benchmarks with names and
 * messages that need escaping (newlines included). */
static void test_text_as_one_document(void **state) {
    char dir[] = "/tmp/perfbudget-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/result.json", dir);
    perfbudget_result *r[5];
    const double samples[4] = {1.5, 2.0, 3e-9, 1e300};
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "b\"%d\n\\x", i);
        assert_int_equal(perfbudget_result_new(*state, name, samples, 1 + i % 4, NULL,
                                               (perfbudget_run_status)(i % 3), "two\nlines",
                                               &r[i]),
                         PERFBUDGET_OK);
        perfbudget_result_add_metric(*state, r[i], "hit_rate", 91.5, "%", 1);
    }
    for (size_t count = 0; count <= 5; count += count < 2 ? 1 : 3) {
        assert_int_equal(perfbudget_results_write_json(*state, path, "io", r, count),
                         PERFBUDGET_OK);
        FILE *f = fopen(path, "rb");
        char *written = malloc(1 << 20);
        size_t length = fread(written, 1, (1 << 20) - 1, f);
        written[length] = '\0';
        fclose(f);
        json_error_t error;
        json_t *root = json_loads(written, 0, &error);
        assert_non_null(root);
        assert_int_equal(json_array_size(json_object_get(root, "benchmarks")), count);
        char *whole = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(17));
        assert_string_equal(written, whole);
        free(whole);
        free(written);
        json_decref(root);
    }
    unlink(path);
    rmdir(dir);
    for (int i = 0; i < 5; i++) perfbudget_result_free(r[i]);
}

/* Results travel between processes as text (perfbudget/measure.h): what one process writes,
 * another reads back the same, and text that is not a result file is refused, named. */
static void test_results_as_text_round_trip(void **state) {
    perfbudget_result *r[2];
    const double samples[3] = {1.5, 2.0, 1e300};
    assert_int_equal(perfbudget_result_new(*state, "first \u00b5s", samples, 3, NULL,
                                           PERFBUDGET_RUN_OK, NULL, &r[0]),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_new(*state, "second", samples, 1, NULL,
                                           PERFBUDGET_RUN_FAILED, "it broke", &r[1]),
                     PERFBUDGET_OK);
    char *text = NULL;
    assert_int_equal(perfbudget_results_to_json_text(*state, "io", r, 2, &text), PERFBUDGET_OK);
    perfbudget_result **back = NULL;
    size_t count = 0;
    assert_int_equal(perfbudget_results_new_from_text(*state, text, strlen(text), "child 1", &back,
                                                      &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 2);
    assert_string_equal(perfbudget_result_name(back[0]), "first \u00b5s");
    size_t n;
    const double *read = perfbudget_result_samples(back[0], &n);
    assert_int_equal(n, 3);
    assert_true(read[0] == 1.5 && read[2] == 1e300);
    assert_int_equal(perfbudget_result_status(back[1]), PERFBUDGET_RUN_FAILED);
    assert_string_equal(perfbudget_result_message(back[1]), "it broke");
    perfbudget_results_free(back, count);
    perfbudget_free(text);
    assert_int_equal(perfbudget_results_new_from_text(*state, "{\"x\": 1}", 8, "child 2", &back,
                                                      &count),
                     PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state), "child 2"));
    for (int i = 0; i < 2; i++) perfbudget_result_free(r[i]);
}

static void empty_body(perfbudget_state *s) { (void)s; }

/* A name that is not UTF-8 is refused where it enters, with the offset of its first bad byte:
 * stored, it would fail every JSON report of its run. Every entry point: a measured or
 * imported result, a C suite's benchmark, a Python loop, a custom metric, a suite. */
static void test_names_must_be_utf8(void **state) {
    perfbudget_context *ctx = *state;
    const char *bad[] = {"bad\xff", "bad\xc3(", "bad\xc0\xaf" /* overlong '/' */,
                         "bad\xed\xa0\x80" /* a surrogate */, "bad\xf4\x90\x80\x80",
                         "bad\xe2\x82" /* cut short */};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        perfbudget_result *r = NULL;
        assert_int_equal(perfbudget_result_new(ctx, bad[i], NULL, 0, NULL, PERFBUDGET_RUN_OK, NULL,
                                               &r),
                         PERFBUDGET_EINVAL);
        assert_null(r);
        char expected[96];
        snprintf(expected, sizeof expected, "is not valid UTF-8: byte 0x%02x at byte offset 3",
                 (unsigned char)bad[i][3]);
        if (strstr(perfbudget_errmsg(ctx), expected) == NULL)
            fail_msg("'%s' not in '%s'", expected, perfbudget_errmsg(ctx));
        assert_null(strchr(perfbudget_errmsg(ctx), '\xff')); /* the message itself is text */
    }
    assert_non_null(strstr(perfbudget_errmsg(ctx), "benchmark name 'bad\\xe2\\x82'"));
    perfbudget_result *r = NULL;
    assert_int_equal(perfbudget_result_new(ctx, "µs \xe2\x80\xae ok \xf0\x9f\x98\x80", NULL, 0,
                                           NULL, PERFBUDGET_RUN_OK, NULL, &r),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_add_metric(ctx, r, "hits\xff", 1, "", 0), PERFBUDGET_EINVAL);
    assert_non_null(strstr(perfbudget_errmsg(ctx), "metric name 'hits\\xff'"));
    /* a message (a command's output, cut at any byte) is kept as UTF-8, not refused */
    perfbudget_result_set_status(r, PERFBUDGET_RUN_FAILED, "died: \xff\x1b");
    assert_string_equal(perfbudget_result_message(r), "died: \\xff\x1b");
    perfbudget_result_free(r);
    perfbudget_suite *suite;
    assert_int_equal(perfbudget_suite_new(ctx, "suite\xff", &suite), PERFBUDGET_EINVAL);
    assert_int_equal(perfbudget_suite_new(ctx, "suite", &suite), PERFBUDGET_OK);
    perfbudget_benchmark_def def = {.name = "b\x80", .run = empty_body};
    assert_int_equal(perfbudget_suite_add(suite, &def), PERFBUDGET_EINVAL);
    assert_non_null(strstr(perfbudget_errmsg(ctx), "byte 0x80 at byte offset 1"));
    assert_int_equal(perfbudget_suite_count(suite), 0);
    perfbudget_suite_free(suite);
    perfbudget_sampler *sampler = NULL;
    assert_int_equal(perfbudget_sampler_new(ctx, "loop\xfe", NULL, &sampler), PERFBUDGET_EINVAL);
    assert_null(sampler);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_names_must_be_utf8, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_write_and_read_back, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_cpu_samples_round_trip, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_first_call_round_trips, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_speed_correction_figures_round_trip, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_text_as_one_document, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_results_as_text_round_trip, context_setup,
                                        context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
