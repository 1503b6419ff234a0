/* SPDX-License-Identifier: MIT */
/* Importing Google Benchmark, hyperfine, nanobench and pytest-benchmark JSON (files in
 * tests/c/data/): what imports, what is refused and how, and that it stays linear. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "test_helpers.h"

static perfbudget_result **import(perfbudget_context *ctx, const char *file, const char *format,
                                  const char *single_name, size_t *count) {
    char path[512];
    snprintf(path, sizeof path, "%s/data/%s", PERFBUDGET_TESTS_C_DIR, file);
    perfbudget_result **results = NULL;
    int status = perfbudget_results_new_imported(ctx, path, format, single_name, &results, count);
    if (status != PERFBUDGET_OK) fail_msg("%s: %s", file, perfbudget_errmsg(ctx));
    return results;
}

static void test_google_benchmark(void **state) {
    size_t count;
    perfbudget_result **r = import(*state, "google-benchmark.json", "google-benchmark", NULL, &count);
    assert_int_equal(count, 2);
    assert_string_equal(perfbudget_result_name(r[0]), "BM_crc32/4096");
    size_t n;
    const double *samples = perfbudget_result_samples(r[0], &n);
    assert_int_equal(n, 3); /* repetitions, aggregates skipped */
    assert_close(samples[0], 8500, 1e-12);
    assert_close(perfbudget_result_summary(r[0])->median, 8600, 1e-12);
    const perfbudget_metrics *m = perfbudget_result_metrics(r[0]);
    assert_close(m->bytes_per_second, (4.8e8 + 4.7e8 + 4.75e8) / 3, 1e-12);
    assert_int_equal(m->iterations_per_sample, 80000);
    assert_int_equal(perfbudget_result_status(r[1]), PERFBUDGET_RUN_FAILED);
    assert_non_null(strstr(perfbudget_result_message(r[1]), "input file missing"));
    perfbudget_results_free(r, count);
}

/* Google Benchmark with --benchmark_repetitions: repetitions are the samples; a benchmark
 * reported only as aggregates (--benchmark_report_aggregates_only) has its median as its one
 * sample, the mean only when no median is given; "google-benchmark-cpu" judges cpu_time. */
static void test_google_benchmark_aggregates_and_cpu_time(void **state) {
    static const char text[] =
        "{\"context\": {\"host_name\": \"box\", \"num_cpus\": 2},\n"
        " \"benchmarks\": [\n"
        "  {\"name\": \"BM_rep\", \"run_name\": \"BM_rep\", \"run_type\": \"iteration\",\n"
        "   \"repetitions\": 2, \"iterations\": 10, \"real_time\": 100, \"cpu_time\": 50,\n"
        "   \"time_unit\": \"ns\"},\n"
        "  {\"name\": \"BM_rep\", \"run_name\": \"BM_rep\", \"run_type\": \"iteration\",\n"
        "   \"repetitions\": 2, \"iterations\": 10, \"real_time\": 120, \"cpu_time\": 60,\n"
        "   \"time_unit\": \"ns\"},\n"
        "  {\"name\": \"BM_rep_median\", \"run_name\": \"BM_rep\", \"run_type\": \"aggregate\",\n"
        "   \"aggregate_name\": \"median\", \"iterations\": 2, \"real_time\": 110,\n"
        "   \"cpu_time\": 55, \"time_unit\": \"ns\"},\n"
        "  {\"name\": \"BM_agg_mean\", \"run_name\": \"BM_agg\", \"run_type\": \"aggregate\",\n"
        "   \"aggregate_name\": \"mean\", \"iterations\": 5, \"real_time\": 3.5,\n"
        "   \"cpu_time\": 3.0, \"time_unit\": \"us\"},\n"
        "  {\"name\": \"BM_agg_median\", \"run_name\": \"BM_agg\", \"run_type\": \"aggregate\",\n"
        "   \"aggregate_name\": \"median\", \"iterations\": 5, \"real_time\": 3.2,\n"
        "   \"cpu_time\": 2.9, \"time_unit\": \"us\"},\n"
        "  {\"name\": \"BM_agg_stddev\", \"run_name\": \"BM_agg\", \"run_type\": \"aggregate\",\n"
        "   \"aggregate_name\": \"stddev\", \"iterations\": 5, \"real_time\": 0.4,\n"
        "   \"cpu_time\": 0.3, \"time_unit\": \"us\"},\n"
        "  {\"name\": \"BM_mean_only_mean\", \"run_name\": \"BM_mean_only\",\n"
        "   \"run_type\": \"aggregate\", \"aggregate_name\": \"mean\", \"iterations\": 5,\n"
        "   \"real_time\": 7, \"cpu_time\": 6, \"time_unit\": \"ns\"}]}\n";
    perfbudget_result **r;
    size_t count, n;
    assert_int_equal(perfbudget__results_import_text(*state, text, sizeof text - 1, "gb.json",
                                                     "google-benchmark", NULL, &r, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 3);
    assert_string_equal(perfbudget_result_name(r[0]), "BM_rep");
    const double *samples = perfbudget_result_samples(r[0], &n);
    assert_int_equal(n, 2); /* the repetitions; its median aggregate is not a third sample */
    assert_close(samples[0], 100, 0);
    assert_close(samples[1], 120, 0);
    assert_string_equal(perfbudget_result_name(r[1]), "BM_agg");
    samples = perfbudget_result_samples(r[1], &n);
    assert_int_equal(n, 1);
    assert_close(samples[0], 3200, 1e-12); /* the median, not the mean or the stddev */
    assert_int_equal(perfbudget_result_metrics(r[1])->iterations_per_sample, 5);
    assert_string_equal(perfbudget_result_name(r[2]), "BM_mean_only");
    samples = perfbudget_result_samples(r[2], &n);
    assert_int_equal(n, 1);
    assert_close(samples[0], 7, 0);
    perfbudget_results_free(r, count);

    assert_int_equal(perfbudget__results_import_text(*state, text, sizeof text - 1, "gb.json",
                                                     "google-benchmark-cpu", NULL, &r, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 3);
    samples = perfbudget_result_samples(r[0], &n);
    assert_int_equal(n, 2);
    assert_close(samples[0], 50, 0);
    assert_close(samples[1], 60, 0);
    samples = perfbudget_result_samples(r[1], &n);
    assert_close(samples[0], 2900, 1e-12);
    perfbudget_results_free(r, count);
}

static void test_hyperfine(void **state) {
    size_t count;
    perfbudget_result **r = import(*state, "hyperfine.json", "hyperfine", "decode_frame", &count);
    assert_int_equal(count, 1);
    assert_string_equal(perfbudget_result_name(r[0]), "decode_frame"); /* the single name */
    assert_close(perfbudget_result_summary(r[0])->median, 2.1e6, 1e-12);
    const perfbudget_metrics *m = perfbudget_result_metrics(r[0]);
    assert_close(m->peak_rss_bytes, 4325376, 0);
    assert_close(m->cpu_utilization, 0.0019 / 0.0021, 1e-12);
    perfbudget_results_free(r, count);
}

static void test_nanobench(void **state) {
    size_t count;
    perfbudget_result **r = import(*state, "nanobench.json", "nanobench", NULL, &count);
    assert_int_equal(count, 1);
    assert_string_equal(perfbudget_result_name(r[0]), "crc32 4k");
    assert_close(perfbudget_result_summary(r[0])->median, 8600, 1e-12);
    assert_close(perfbudget_result_metrics(r[0])->instructions_per_iteration, 41000.5, 0);
    perfbudget_results_free(r, count);
}

static void test_errors(void **state) {
    perfbudget_result **r;
    size_t count;
    char path[512];
    snprintf(path, sizeof path, "%s/data/hyperfine.json", PERFBUDGET_TESTS_C_DIR);
    assert_int_equal(perfbudget_results_new_imported(*state, path, "criterion", NULL, &r, &count),
                     PERFBUDGET_EINVAL);
    assert_non_null(strstr(perfbudget_errmsg(*state), "unknown format 'criterion'"));
    assert_int_equal(perfbudget_results_new_imported(*state, path, "google-benchmark", NULL, &r,
                                                     &count),
                     PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state),
                           "not Google Benchmark JSON (no \"benchmarks\" array)"));
    /* a time that is not a number names the command, its entry and the time's index */
    char bad[] = "/tmp/perfbudget-import-XXXXXX";
    int fd = mkstemp(bad);
    assert_true(fd >= 0);
    const char *text = "{\"results\": [{\"command\": \"sleep\", \"times\": [0.1, \"x\"]}]}";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(perfbudget_results_new_imported(*state, bad, "hyperfine", NULL, &r, &count),
                     PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state),
                           "benchmark 'sleep' (entry 0): times[1] is \"x\", not a number"));
    remove(bad);
    assert_int_equal(perfbudget_results_new_imported(*state, "/nonexistent.json", "hyperfine", NULL,
                                                     &r, &count),
                     PERFBUDGET_EIO);
}

/* The from-memory twin reads the same results, and names the text as told in messages. */
static void test_from_text(void **state) {
    char path[512];
    snprintf(path, sizeof path, "%s/data/nanobench.json", PERFBUDGET_TESTS_C_DIR);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char text[65536];
    size_t size = fread(text, 1, sizeof text, f);
    fclose(f);
    assert_true(size > 0 && size < sizeof text);
    perfbudget_result **r;
    size_t count;
    assert_int_equal(perfbudget__results_import_text(*state, text, size, "memory.json",
                                                     "nanobench", NULL, &r, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 1);
    assert_string_equal(perfbudget_result_name(r[0]), "crc32 4k");
    assert_close(perfbudget_result_summary(r[0])->median, 8600, 1e-12);
    perfbudget_results_free(r, count);
    assert_int_equal(perfbudget__results_import_text(*state, text, size, "memory.json",
                                                     "google-benchmark", NULL, &r, &count),
                     PERFBUDGET_EPARSE);
    assert_null(r);
    assert_non_null(strstr(perfbudget_errmsg(*state), "memory.json: not Google Benchmark JSON"));
    assert_int_equal(perfbudget__results_import_text(*state, "[1,", 3, "memory.json",
                                                     "hyperfine", NULL, &r, &count),
                     PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state), "memory.json:1:"));
    assert_int_equal(perfbudget__results_import_text(*state, text, size, "memory.json",
                                                     "criterion", NULL, &r, &count),
                     PERFBUDGET_EINVAL);
}

/* A figure no tool writes, a negative rate, is refused at import with the benchmark named, as the
 * result-file loader refuses it: perfbudget never writes a file it cannot read back (found by
 * fuzz/fuzz_import, fuzz/regressions/import/google_negative_rate.json). */
static void test_negative_figures(void **state) {
    static const char text[] =
        "{\"benchmarks\": [{\"name\": \"y\", \"real_time\": 10, \"cpu_time\": 5, "
        "\"time_unit\": \"ns\", \"items_per_second\": -1e308}]}";
    perfbudget_result **r;
    size_t count;
    assert_int_equal(perfbudget__results_import_text(*state, text, sizeof text - 1, "gb.json",
                                                     "google-benchmark", NULL, &r, &count),
                     PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state),
                           "gb.json: benchmark 'y': items_per_second must not be negative"));
}

/* Values a tool never writes are refused, each message naming the file, the benchmark and where
 * it is: the entry (counted from 0) and, in an array, the element. */
static void test_refused_values(void **state) {
    static const struct {
        const char *format, *text, *message;
    } cases[] = {
        /* Google Benchmark: durations, then iterations */
        {"google-benchmark",
         "{\"benchmarks\": [{\"name\": \"ok\", \"real_time\": 1, \"time_unit\": \"ns\"},"
         " {\"name\": \"BM_a\", \"real_time\": -5, \"time_unit\": \"ns\"}]}",
         "in.json: benchmark 'BM_a' (entry 1): real_time is -5 ns; a time must not be negative"},
        {"google-benchmark",
         "{\"benchmarks\": [{\"name\": \"BM_a\", \"real_time\": 1e308, \"time_unit\": \"s\"}]}",
         "in.json: benchmark 'BM_a' (entry 0): real_time is 1e+308 s, too large to count in "
         "nanoseconds"},
        {"google-benchmark",
         "{\"benchmarks\": [{\"name\": \"BM_a\", \"real_time\": 3, \"cpu_time\": -1, "
         "\"time_unit\": \"us\"}]}",
         "in.json: benchmark 'BM_a' (entry 0): cpu_time is -1 us; a time must not be negative"},
        {"google-benchmark",
         "{\"benchmarks\": [{\"name\": \"BM_a\", \"real_time\": 3, \"cpu_time\": \"3\"}]}",
         "in.json: benchmark 'BM_a' (entry 0): cpu_time is \"3\", not a number"},
        {"google-benchmark",
         "{\"benchmarks\": [{\"name\": \"BM_a\", \"real_time\": 3, \"iterations\": 7},"
         " {\"name\": \"BM_a\", \"real_time\": 3, \"iterations\": 0}]}",
         "in.json: benchmark 'BM_a' (entry 1): iterations is 0; it must be a whole number >= 1"},
        {"google-benchmark",
         "{\"benchmarks\": [{\"name\": \"BM_a\", \"real_time\": 3, \"iterations\": -5}]}",
         "in.json: benchmark 'BM_a' (entry 0): iterations is -5; it must be a whole number >= 1"},
        {"google-benchmark",
         "{\"benchmarks\": [{\"name\": \"BM_a\", \"real_time\": 3, \"iterations\": 2.5}]}",
         "in.json: benchmark 'BM_a' (entry 0): iterations is 2.5; it must be a whole number >= 1"},
        /* pytest-benchmark: raw data, the median, iterations */
        {"pytest-benchmark",
         "{\"benchmarks\": [{\"fullname\": \"t::ok\", \"stats\": {\"median\": 1}},"
         " {\"fullname\": \"t::x\", \"stats\": {\"data\": [0.1, 0.2, -0.001]}}]}",
         "in.json: benchmark 't::x' (entry 1): stats.data[2] is -0.001 s; a time must not be "
         "negative"},
        {"pytest-benchmark",
         "{\"benchmarks\": [{\"fullname\": \"t::x\", \"stats\": {\"data\": [1e308]}}]}",
         "in.json: benchmark 't::x' (entry 0): stats.data[0] is 1e+308 s, too large to count in "
         "nanoseconds"},
        {"pytest-benchmark",
         "{\"benchmarks\": [{\"fullname\": \"t::x\", \"stats\": {\"median\": -2}}]}",
         "in.json: benchmark 't::x' (entry 0): stats.median is -2 s; a time must not be negative"},
        {"pytest-benchmark",
         "{\"benchmarks\": [{\"fullname\": \"t::x\", \"stats\": {\"data\": \"fast\", "
         "\"median\": 1}}]}",
         "in.json: benchmark 't::x' (entry 0): stats.data is \"fast\", not an array of times in "
         "seconds"},
        {"pytest-benchmark",
         "{\"benchmarks\": [{\"fullname\": \"t::x\", \"stats\": {\"data\": {\"a\": 1}}}]}",
         "in.json: benchmark 't::x' (entry 0): stats.data is {\"a\":1}, not an array"},
        {"pytest-benchmark",
         "{\"benchmarks\": [{\"fullname\": \"t::x\", \"stats\": {\"data\": [1, null]}}]}",
         "in.json: benchmark 't::x' (entry 0): stats.data[1] is null, not a number"},
        {"pytest-benchmark",
         "{\"benchmarks\": [{\"fullname\": \"t::x\", \"stats\": {\"median\": 1, "
         "\"iterations\": 0}}]}",
         "in.json: benchmark 't::x' (entry 0): stats.iterations is 0; it must be a whole number "
         ">= 1"},
        {"pytest-benchmark",
         "{\"benchmarks\": [{\"fullname\": \"t::x\", \"stats\": {\"median\": 1, "
         "\"iterations\": -5}}]}",
         "in.json: benchmark 't::x' (entry 0): stats.iterations is -5; it must be a whole number "
         ">= 1"},
        /* the other two formats share the duration check */
        {"hyperfine", "{\"results\": [{\"command\": \"sleep\", \"times\": [0.1, -0.1]}]}",
         "in.json: benchmark 'sleep' (entry 0): times[1] is -0.1 s; a time must not be negative"},
        {"nanobench",
         "{\"results\": [{\"name\": \"n\", \"measurements\": [{\"elapsed\": 1e-9}, "
         "{\"elapsed\": 1e300}]}]}",
         "in.json: benchmark 'n' (entry 0): measurements[1].elapsed is 1e+300 s, too large"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        perfbudget_result **r = NULL;
        size_t count = 0;
        int code = perfbudget__results_import_text(*state, cases[i].text, strlen(cases[i].text),
                                                   "in.json", cases[i].format, NULL, &r, &count);
        const char *message = perfbudget_errmsg(*state);
        if (code != PERFBUDGET_EPARSE || strstr(message, cases[i].message) == NULL)
            fail_msg("case %zu: code %d, message \"%s\", wanted \"%s\"", i, code, message,
                     cases[i].message);
        assert_null(r);
        assert_int_equal(count, 0);
    }
}

/* A result file's negative sample is refused as the importers refuse one. */
static void test_result_file_negative_sample(void **state) {
    static const char text[] =
        "{\"schema\": \"perfbudget-result\", \"schema_version\": 1, \"benchmarks\": ["
        "{\"name\": \"a\", \"samples\": [1]}, {\"name\": \"b\", \"samples\": [1, -3]}]}";
    perfbudget_result **r = NULL;
    size_t count = 0;
    assert_int_equal(perfbudget__results_parse_json(*state, text, sizeof text - 1, "r.json", &r,
                                                    &count),
                     PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state),
                           "r.json: benchmark 'b' (entry 1): sample 1 is -3; a sample must not be "
                           "negative"));
    assert_null(r);
}

/* pytest-benchmark writes each test once: a name twice would mix two tests' figures into one
 * benchmark, so the import refuses it and names both entries. Google Benchmark's repetitions
 * are entries of one name by design and stay one benchmark's samples. */
static void test_duplicates(void **state) {
    static const char pytest[] =
        "{\"benchmarks\": [{\"fullname\": \"t::a\", \"stats\": {\"median\": 1}},"
        " {\"fullname\": \"t::b\", \"stats\": {\"median\": 1}},"
        " {\"fullname\": \"t::a\", \"stats\": {\"median\": 2}}]}";
    perfbudget_result **r = NULL;
    size_t count = 0;
    assert_int_equal(perfbudget__results_import_text(*state, pytest, sizeof pytest - 1, "pb.json",
                                                     "pytest-benchmark", NULL, &r, &count),
                     PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state),
                           "pb.json: benchmark 't::a' (entry 2): the same name as entry 0"));
    assert_null(r);
    static const char google[] =
        "{\"benchmarks\": [{\"name\": \"a\", \"real_time\": 1}, {\"name\": \"a\", "
        "\"real_time\": 2}]}";
    assert_int_equal(perfbudget__results_import_text(*state, google, sizeof google - 1, "gb.json",
                                                     "google-benchmark", NULL, &r, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 1);
    size_t n;
    perfbudget_result_samples(r[0], &n);
    assert_int_equal(n, 2);
    perfbudget_results_free(r, count);
}

/* 50,000 Google Benchmark entries, 25,000 names repeated twice, the second time in reverse
 * order: every name found again by the index. Counting the slots the lookups examine catches
 * a quadratic search without a clock (a search through the list examines about n^2 / 4 = 625
 * million; the index about 1.5 per entry). */
static void test_linear_in_entries(void **state) {
    enum { NAMES = 25000, ENTRIES = 2 * NAMES };
    perfbudget__text json = {0};
    perfbudget__append(&json, "{\"benchmarks\": [");
    for (size_t i = 0; i < ENTRIES; i++) {
        size_t name = i < NAMES ? i : ENTRIES - 1 - i;
        perfbudget__append(&json,
                                "%s{\"name\": \"BM_codec/%zu/real_time\", \"run_type\": "
                                "\"iteration\", \"iterations\": 1000, \"real_time\": %zu, "
                                "\"cpu_time\": %zu, \"time_unit\": \"ns\"}",
                                i ? ", " : "", name, 100 + i, 100 + i);
    }
    perfbudget__append(&json, "]}");
    assert_false(json.failed);
    perfbudget_result **r = NULL;
    size_t count = 0;
    perfbudget__import_stats stats = {0};
    assert_int_equal(perfbudget__results_import_counted(*state, json.data, json.length, "gb.json",
                                                        "google-benchmark", NULL, &r, &count,
                                                        &stats),
                     PERFBUDGET_OK);
    assert_int_equal(count, NAMES);
    assert_string_equal(perfbudget_result_name(r[7]), "BM_codec/7/real_time");
    size_t n;
    const double *samples = perfbudget_result_samples(r[7], &n);
    assert_int_equal(n, 2);
    assert_close(samples[0], 107, 0);
    assert_close(samples[1], 100 + ENTRIES - 1 - 7, 0);
    if (stats.name_probes > 3 * ENTRIES)
        fail_msg("%zu index slots examined for %d entries", stats.name_probes, ENTRIES);
    perfbudget_results_free(r, count);
    free(json.data);
}

/* A file with text, for the capped reader; returns its path in path. */
static void write_file(char *path, const char *text) {
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* A tool's captured output is read up to a cap and named as the command's output, never as
 * perfbudget's temporary file; here with a cap of 100 bytes instead of the CLI's 256 MiB. */
static void test_captured_output_cap(void **state) {
    static const char gb[] =
        "{\"benchmarks\": [{\"name\": \"BM_a\", \"real_time\": 3, \"time_unit\": \"ns\"}, "
        "{\"name\": \"BM_b\", \"real_time\": 4, \"time_unit\": \"ns\"}]}";
    assert_true(sizeof gb - 1 > 100);
    const char *shown_as = "the output of './bench --benchmark_format=json'";
    char path[] = "/tmp/perfbudget-test-import-XXXXXX";
    write_file(path, gb);
    perfbudget_result **r = NULL;
    size_t count = 0;
    /* over the cap: refused, naming the command's output and the cap */
    assert_int_equal(perfbudget__results_import_capped(*state, path, shown_as, 100,
                                                       "google-benchmark", NULL, &r, &count),
                     PERFBUDGET_EIO);
    assert_non_null(strstr(perfbudget_errmsg(*state), shown_as));
    assert_non_null(strstr(perfbudget_errmsg(*state), "is larger than 100 B"));
    assert_null(strstr(perfbudget_errmsg(*state), path));
    assert_null(r);
    /* within it: imported */
    assert_int_equal(perfbudget__results_import_capped(*state, path, shown_as, 4096,
                                                       "google-benchmark", NULL, &r, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 2);
    perfbudget_results_free(r, count);
    /* what is wrong inside is named by the command's output too */
    static const char bad[] = "{\"benchmarks\": [{\"name\": \"BM_a\", \"real_time\": -1}]}";
    char bad_path[] = "/tmp/perfbudget-test-import-XXXXXX";
    write_file(bad_path, bad);
    assert_int_equal(perfbudget__results_import_capped(*state, bad_path, shown_as, 4096,
                                                       "google-benchmark", NULL, &r, &count),
                     PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state),
                           "the output of './bench --benchmark_format=json': benchmark 'BM_a' "
                           "(entry 0): real_time is -1 ns"));
    assert_null(strstr(perfbudget_errmsg(*state), bad_path));
    remove(bad_path);
    /* something that is not a regular file (a pipe, as --output /dev/stdin would be) is cut off
     * once it passes the cap */
    int pipe_fds[2];
    assert_int_equal(pipe(pipe_fds), 0);
    assert_int_equal(write(pipe_fds[1], gb, sizeof gb - 1), (ssize_t)(sizeof gb - 1));
    close(pipe_fds[1]);
    char pipe_path[64];
    snprintf(pipe_path, sizeof pipe_path, "/proc/self/fd/%d", pipe_fds[0]);
    assert_int_equal(perfbudget__results_import_capped(*state, pipe_path, shown_as, 100,
                                                       "google-benchmark", NULL, &r, &count),
                     PERFBUDGET_EIO);
    assert_non_null(strstr(perfbudget_errmsg(*state), "is larger than 100 B"));
    close(pipe_fds[0]);
    remove(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_google_benchmark, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_google_benchmark_aggregates_and_cpu_time,
                                        context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_hyperfine, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_nanobench, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_errors, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_from_text, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_negative_figures, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_refused_values, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_result_file_negative_sample, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_duplicates, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_linear_in_entries, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_captured_output_cap, context_setup,
                                        context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
