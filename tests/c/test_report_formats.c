/* SPDX-License-Identifier: MIT */
/* Markdown and CSV reports against golden files (tests/c/data/report.md, report.csv) on fixed
 * inputs: a breached budget, a regression, a pass, and a name that must be escaped. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"
#include "test_helpers.h"

static perfbudget_result *result_of(perfbudget_context *ctx, const char *name, double centre,
                                    double memory) {
    double samples[10];
    for (int i = 0; i < 10; i++) samples[i] = centre * (1.0 + 0.002 * i);
    perfbudget_metrics m;
    perfbudget_metrics_init(&m);
    m.peak_rss_bytes = memory;
    m.cpu_utilization = 0.5;
    m.items_per_second = 1e9 / centre;
    perfbudget_result *r;
    assert_int_equal(perfbudget_result_new(ctx, name, samples, 10, &m, PERFBUDGET_RUN_OK, NULL, &r),
                     PERFBUDGET_OK);
    return r;
}

static char *read_file(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/data/%s", PERFBUDGET_TESTS_C_DIR, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char text[16384];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

/* PERFBUDGET_UPDATE_GOLDEN=1 rewrites the golden files (review the diff before committing). */
static void expect_golden(const char *actual, const char *file) {
    if (getenv("PERFBUDGET_UPDATE_GOLDEN") != NULL) {
        char path[512];
        snprintf(path, sizeof path, "%s/data/%s", PERFBUDGET_TESTS_C_DIR, file);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fputs(actual, f);
        fclose(f);
        return;
    }
    const char *golden = read_file(file);
    if (strcmp(actual, golden) != 0) {
        size_t at = 0;
        while (actual[at] && actual[at] == golden[at]) at++;
        fail_msg("%s differs from byte %zu: '%.60s' where the golden file has '%.60s'", file, at,
                 actual + at, golden + at);
    }
}

static void test_markdown_and_csv(void **state) {
    perfbudget_context *ctx = *state;
    const char *text = "version: 1\nbudgets:\n  decode: {latency: {median: 1ms}}\n";
    perfbudget_budget *budget;
    assert_int_equal(perfbudget_budget_new_from_text(ctx, text, strlen(text), "perfbudget.yml",
                                                     &budget, NULL, 0, NULL),
                     PERFBUDGET_OK);
    perfbudget_result *r[3] = {result_of(ctx, "encode", 2000, 4e6),
                               result_of(ctx, "decode", 2.5e6, 8e6),
                               result_of(ctx, "parse <a|b>, \"quoted\"", 500, 2e6)};
    for (int i = 0; i < 3; i++) perfbudget_result_judge(ctx, r[i], budget, NULL, NULL);
    /* encode ran 20 % slower than its baseline */
    perfbudget_result *base = result_of(ctx, "encode", 1666.6666666666667, 4e6);
    size_t nb, nc;
    const double *bs = perfbudget_result_samples(base, &nb), *cs = perfbudget_result_samples(r[0], &nc);
    perfbudget_comparison c;
    perfbudget_comparison_init(&c);
    assert_int_equal(perfbudget_compare(ctx, bs, nb, cs, nc, NULL, &c), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_add_comparison(ctx, r[0], "median", PERFBUDGET_UNIT_NS, &c),
                     PERFBUDGET_OK);
    perfbudget_report_info info = {.struct_size = sizeof(perfbudget_report_info),
                                   .title = "checksum (ctest)",
                                   .commit = "0123456789abcdef0123",
                                   .baseline = "baseline 'main' (run 7)",
                                   .created_ns = INT64_C(1795000000) * 1000000000};
    char *out;
    assert_int_equal(perfbudget_render_report(ctx, r, 3, PERFBUDGET_REPORT_MARKDOWN, &info, &out),
                     PERFBUDGET_OK);
    expect_golden(out, "report.md");
    perfbudget_free(out);
    assert_int_equal(perfbudget_render_report(ctx, r, 3, PERFBUDGET_REPORT_CSV, &info, &out),
                     PERFBUDGET_OK);
    expect_golden(out, "report.csv");
    perfbudget_free(out);
    assert_int_equal(perfbudget_render_report(ctx, r, 3, PERFBUDGET_REPORT_JSON, &info, &out),
                     PERFBUDGET_OK);
    assert_non_null(strstr(out, "\"schema\": \"perfbudget-result\""));
    perfbudget_free(out);
    assert_int_equal(perfbudget_render_report(ctx, r, 3, PERFBUDGET_REPORT_OPENMETRICS, &info, &out),
                     PERFBUDGET_OK);
    expect_golden(out, "report.openmetrics");
    perfbudget_free(out);
    assert_int_equal(perfbudget_render_report(ctx, r, 3, PERFBUDGET_REPORT_BENCHER, &info, &out),
                     PERFBUDGET_OK);
    expect_golden(out, "report.bencher.json");
    perfbudget_free(out);
    perfbudget_report_format format;
    assert_int_equal(perfbudget_report_format_parse("markdown", &format), PERFBUDGET_OK);
    assert_int_equal(format, PERFBUDGET_REPORT_MARKDOWN);
    assert_int_equal(perfbudget_report_format_parse("pdf", &format), PERFBUDGET_EINVAL);
    for (int i = 0; i < 3; i++) perfbudget_result_free(r[i]);
    perfbudget_result_free(base);
    perfbudget_budget_free(budget);
}

static size_t occurrences(const char *haystack, const char *needle) {
    size_t count = 0;
    for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle)) count++;
    return count;
}

/* The HTML report: names escaped, one distribution per benchmark with the baseline's samples and
 * the budget's line, and a trend for a benchmark with history. */
static void test_html(void **state) {
    perfbudget_context *ctx = *state;
    const char *text = "version: 1\nbudgets:\n  decode: {latency: {median: 3ms}}\n";
    perfbudget_budget *budget;
    assert_int_equal(perfbudget_budget_new_from_text(ctx, text, strlen(text), "perfbudget.yml",
                                                     &budget, NULL, 0, NULL),
                     PERFBUDGET_OK);
    perfbudget_result *r[2] = {result_of(ctx, "decode", 2.5e6, 8e6),
                               result_of(ctx, "<script>alert(1)</script>", 500, 2e6)};
    for (int i = 0; i < 2; i++) perfbudget_result_judge(ctx, r[i], budget, NULL, NULL);
    perfbudget_result *base = result_of(ctx, "decode", 2.4e6, 8e6);

    char path[] = "/tmp/perfbudget-html-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    remove(path);
    perfbudget_history *history;
    assert_int_equal(perfbudget_history_new(ctx, path, &history), PERFBUDGET_OK);
    perfbudget_run_info run = {.source = "suite", .commit = "abcdef0123456789", .environment = "e"};
    for (int k = 0; k < 3; k++) {
        perfbudget_result *h = result_of(ctx, "decode", 2.4e6 + 1e4 * k, 8e6);
        assert_int_equal(perfbudget_history_add_run(history, &run, &h, 1, NULL), PERFBUDGET_OK);
        perfbudget_result_free(h);
    }
    perfbudget_report_info info = {.struct_size = sizeof(perfbudget_report_info),
                                   .title = "a <b> report", .commit = "abcdef0",
                                   .baseline_results = &base, .baseline_count = 1,
                                   .history = history};
    char *out;
    assert_int_equal(perfbudget_render_report(ctx, r, 2, PERFBUDGET_REPORT_HTML, &info, &out),
                     PERFBUDGET_OK);
    assert_null(strstr(out, "<script>alert"));
    assert_non_null(strstr(out, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(out, "<title>a &lt;b&gt; report</title>"));
    assert_int_equal(occurrences(out, "class=\"plot distribution\""), 2);
    assert_int_equal(occurrences(out, "class=\"plot trend\""), 1); /* only decode has history */
    assert_int_equal(occurrences(out, "<g class=\"baseline\">"), 1); /* decode's baseline box */
    assert_int_equal(occurrences(out, "class=\"limit fail\""), 1);  /* decode's 3 ms budget */
    assert_non_null(strstr(out, "abcdef0 "));                       /* commit on the trend axis */
    perfbudget_free(out);
    perfbudget_report_info missing = {.struct_size = sizeof(perfbudget_report_info),
                                      .baseline_count = 1}; /* a count without results */
    assert_int_equal(perfbudget_render_report(ctx, r, 2, PERFBUDGET_REPORT_HTML, &missing, &out),
                     PERFBUDGET_EINVAL);

    perfbudget_history_free(history);
    remove(path);
    for (int i = 0; i < 2; i++) perfbudget_result_free(r[i]);
    perfbudget_result_free(base);
    perfbudget_budget_free(budget);
}

/* A benchmark of 1,000,000 samples draws its box and 30 of them at even ranks (one <circle>
 * each), and says so: a dot per sample made a 60 MB page. */
static void test_html_many_samples(void **state) {
    perfbudget_context *ctx = *state;
    size_t n = 1000000;
    double *samples = malloc(n * sizeof *samples);
    for (size_t i = 0; i < n; i++) samples[i] = 1000.0 + (double)(i % 1000);
    perfbudget_result *r;
    assert_int_equal(perfbudget_result_new(ctx, "big", samples, n, NULL, PERFBUDGET_RUN_OK, NULL,
                                           &r),
                     PERFBUDGET_OK);
    free(samples);
    char *out;
    assert_int_equal(perfbudget_render_report(ctx, &r, 1, PERFBUDGET_REPORT_HTML, NULL, &out),
                     PERFBUDGET_OK);
    assert_int_equal(occurrences(out, "<circle "), 30);
    assert_non_null(strstr(out, "dots: 30 samples at even ranks"));
    assert_true(strlen(out) < 20000);
    perfbudget_free(out);
    perfbudget_result_free(r);
}

/* An input sweep's largest size, which keeps the fit, draws the points and the fit on log-log
 * axes with the verdict's text; the other sizes draw no such plot. */
static void test_html_plots_a_sweep(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_result *r[3];
    const char *names[] = {"scan/16", "scan/64", "scan/256"};
    for (int i = 0; i < 3; i++) {
        double sample = 2.0 * 16 * pow(4, i);
        assert_int_equal(perfbudget_result_new(ctx, names[i], &sample, 1, NULL, PERFBUDGET_RUN_OK,
                                               NULL, &r[i]),
                         PERFBUDGET_OK);
    }
    perfbudget_complexity_fit fit;
    assert_int_equal(perfbudget_results_fit_complexity(ctx, r, 3, "scan",
                                                       PERFBUDGET_COMPLEXITY_NONE, &fit),
                     PERFBUDGET_OK);
    perfbudget_complexity_verdict verdict;
    assert_int_equal(perfbudget_complexity_judge(ctx, NULL, "scan", &fit, NULL, &verdict),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_set_complexity(r[2], &fit, &verdict), PERFBUDGET_OK);
    char *out;
    assert_int_equal(perfbudget_render_report(ctx, r, 3, PERFBUDGET_REPORT_HTML, NULL, &out),
                     PERFBUDGET_OK);
    assert_int_equal(occurrences(out, "class=\"plot sweep\""), 1);
    assert_non_null(strstr(out, "<polyline class=\"fit\""));
    assert_non_null(strstr(out, "complexity O(n): coefficient 2 ns, RMS 0.0 % over 3 sizes"));
    perfbudget_free(out);
    for (int i = 0; i < 3; i++) perfbudget_result_free(r[i]);
}

/* A failed benchmark in Google Benchmark's JSON is one errored run, as the tool writes it: its
 * samples written as iterations read back as a pass, and one without samples vanished (found by
 * fuzz/fuzz_import, fuzz/regressions/import/hyperfine_failed_without_times.json). */
static void test_google_benchmark_failures(void **state) {
    perfbudget_context *ctx = *state;
    double samples[] = {1000, 1100, 1200};
    perfbudget_result *results[3];
    assert_int_equal(perfbudget_result_new(ctx, "crashed", samples, 3, NULL, PERFBUDGET_RUN_FAILED,
                                           "exited with code 3", &results[0]),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_new(ctx, "empty", NULL, 0, NULL, PERFBUDGET_RUN_OK, NULL,
                                           &results[1]),
                     PERFBUDGET_OK);
    results[2] = result_of(ctx, "fine", 1000, 1e6);
    char *text;
    assert_int_equal(perfbudget_render_report(ctx, results, 3, PERFBUDGET_REPORT_GOOGLE_BENCHMARK,
                                              NULL, &text),
                     PERFBUDGET_OK);
    perfbudget_result **back;
    size_t count;
    assert_int_equal(perfbudget__results_import_text(ctx, text, strlen(text), "gb.json",
                                                     "google-benchmark", NULL, &back, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 3);
    assert_string_equal(perfbudget_result_name(back[0]), "crashed");
    assert_int_equal(perfbudget_result_status(back[0]), PERFBUDGET_RUN_FAILED);
    assert_non_null(strstr(perfbudget_result_message(back[0]), "exited with code 3"));
    assert_string_equal(perfbudget_result_name(back[1]), "empty");
    assert_int_equal(perfbudget_result_status(back[1]), PERFBUDGET_RUN_FAILED);
    assert_non_null(strstr(perfbudget_result_message(back[1]), "no samples"));
    size_t n;
    perfbudget_result_samples(back[2], &n);
    assert_int_equal(perfbudget_result_status(back[2]), PERFBUDGET_RUN_OK);
    assert_int_equal(n, 10);
    perfbudget_results_free(back, count);
    perfbudget_free(text);
    for (int i = 0; i < 3; i++) perfbudget_result_free(results[i]);
}

/* A CPU share so large that sample x share overflows: the Google Benchmark report keeps the
 * benchmark (with its real time as CPU time) instead of leaving it out without a word (found by
 * fuzz/fuzz_import, fuzz/regressions/import/hyperfine_cpu_share_overflow.json). */
static void test_google_benchmark_cpu_overflow(void **state) {
    perfbudget_context *ctx = *state;
    double samples[] = {1e9, 9.2e27}; /* a negative one, as in that file, no import takes now */
    perfbudget_metrics m;
    perfbudget_metrics_init(&m);
    m.cpu_utilization = 1e308;
    perfbudget_result *r;
    assert_int_equal(perfbudget_result_new(ctx, "a", samples, 2, &m, PERFBUDGET_RUN_OK, NULL, &r),
                     PERFBUDGET_OK);
    char *text;
    assert_int_equal(perfbudget_render_report(ctx, &r, 1, PERFBUDGET_REPORT_GOOGLE_BENCHMARK, NULL,
                                              &text),
                     PERFBUDGET_OK);
    perfbudget_result **back;
    size_t count, n;
    assert_int_equal(perfbudget__results_import_text(ctx, text, strlen(text), "gb.json",
                                                     "google-benchmark", NULL, &back, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 1);
    const double *again = perfbudget_result_samples(back[0], &n);
    assert_int_equal(n, 2);
    assert_close(again[1], 9.2e27, 0);
    perfbudget_results_free(back, count);
    perfbudget_free(text);
    perfbudget_result_free(r);
}

static void expect_in(const char *text, const char *needle) {
    if (strstr(text, needle) == NULL) fail_msg("'%s' not in:\n%s", needle, text);
}

/* The text of the line of text that starts with prefix (up to its end), for a CSV row. */
static const char *line_starting(const char *text, const char *prefix) {
    for (const char *line = text; line != NULL && *line; line = strchr(line, '\n')) {
        if (*line == '\n') line++;
        if (strncmp(line, prefix, strlen(prefix)) == 0) return line;
    }
    fail_msg("no line starts with '%s' in:\n%s", prefix, text);
    return NULL;
}

/* One rule for text from users in every text report: control characters shown as text (\x1b,
 * \n), never raw, in Markdown, HTML, CSV and OpenMetrics, the title included; JSON escapes them
 * as JSON does (\u001b, and DEL, C1 and bidirectional overrides too). */
static void test_control_characters_in_reports(void **state) {
    perfbudget_context *ctx = *state;
    const char *hostile = "esc\x1b]0;t\x07 new\nline\xc2\x9b" "bidi\xe2\x80\xae";
    const char *shown = "esc\\x1b]0;t\\x07 new\\nline\\u009bbidi\\u202e";
    perfbudget_result *r[2] = {result_of(ctx, hostile, 1000, 1e6),
                               result_of(ctx, "plain", 1000, 1e6)};
    perfbudget_report_info info = {.struct_size = sizeof(perfbudget_report_info),
                                   .title = "T\x1b[31m\x07", .commit = "c\x1b",
                                   .baseline = "b\x1b"};
    static const perfbudget_report_format text_formats[] = {
        PERFBUDGET_REPORT_MARKDOWN, PERFBUDGET_REPORT_HTML, PERFBUDGET_REPORT_CSV,
        PERFBUDGET_REPORT_OPENMETRICS};
    for (size_t f = 0; f < 4; f++) {
        char *out;
        assert_int_equal(perfbudget_render_report(ctx, r, 2, text_formats[f], &info, &out),
                         PERFBUDGET_OK);
        assert_null(strchr(out, '\x1b'));
        assert_null(strchr(out, '\x07'));
        assert_null(strstr(out, "\xc2\x9b"));
        assert_null(strstr(out, "\xe2\x80\xae"));
        if (text_formats[f] == PERFBUDGET_REPORT_OPENMETRICS)
            expect_in(out, "benchmark=\"esc\\\\x1b]0;t\\\\x07 new\\\\nline"
                           "\\\\u009bbidi\\\\u202e\"");
        else
            expect_in(out, shown);
        if (text_formats[f] == PERFBUDGET_REPORT_MARKDOWN) expect_in(out, "### T\\x1b[31m\\x07: ");
        if (text_formats[f] == PERFBUDGET_REPORT_HTML) {
            expect_in(out, "<title>T\\x1b[31m\\x07</title>");
            expect_in(out, "<h1>T\\x1b[31m\\x07</h1>");
        }
        perfbudget_free(out);
    }
    static const perfbudget_report_format json_formats[] = {
        PERFBUDGET_REPORT_JSON, PERFBUDGET_REPORT_GOOGLE_BENCHMARK, PERFBUDGET_REPORT_BENCHER,
        PERFBUDGET_REPORT_PYTEST_BENCHMARK, PERFBUDGET_REPORT_CHROME_TRACE};
    for (size_t f = 0; f < 5; f++) {
        char *out;
        assert_int_equal(perfbudget_render_report(ctx, r, 2, json_formats[f], &info, &out),
                         PERFBUDGET_OK);
        assert_null(strchr(out, '\x1b'));
        assert_null(strstr(out, "\xc2\x9b"));
        assert_null(strstr(out, "\xe2\x80\xae"));
        expect_in(out, "esc\\u001B]0;t\\u0007 new\\nline\\u009Bbidi\\u202E");
        json_error_t error;
        json_t *root = json_loads(out, 0, &error); /* the same document to a parser */
        assert_non_null(root);
        json_decref(root);
        perfbudget_free(out);
    }
    for (int i = 0; i < 2; i++) perfbudget_result_free(r[i]);
}

/* OWASP's rule for CSV injection: a text cell starting with =, +, -, @, tab or carriage return
 * gets a leading ' and is quoted, so a spreadsheet shows it as text; a name that is a plain
 * number ("-3.5") and the figures (a negative change) stay numbers. */
static void test_csv_formulas_neutralised(void **state) {
    perfbudget_context *ctx = *state;
    const char *names[] = {"=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3+cmd",
                           "@SUM(A1:A9)", "\tTab=1", "\rCR=1", "-3.5", "plain=1"};
    enum { N = sizeof names / sizeof *names };
    perfbudget_result *r[N];
    for (size_t i = 0; i < N; i++) r[i] = result_of(ctx, names[i], 2000, 1e6);
    /* plain=1 ran faster than its baseline: a negative change_pct */
    perfbudget_result *base = result_of(ctx, "plain=1", 2500, 1e6);
    size_t nb, nc;
    const double *bs = perfbudget_result_samples(base, &nb);
    const double *cs = perfbudget_result_samples(r[N - 1], &nc);
    perfbudget_comparison c;
    perfbudget_comparison_init(&c);
    assert_int_equal(perfbudget_compare(ctx, bs, nb, cs, nc, NULL, &c), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_add_comparison(ctx, r[N - 1], "median", PERFBUDGET_UNIT_NS,
                                                      &c),
                     PERFBUDGET_OK);
    perfbudget_report_info info = {.struct_size = sizeof(perfbudget_report_info), .commit = "=1+1"};
    char *out;
    assert_int_equal(perfbudget_render_report(ctx, r, N, PERFBUDGET_REPORT_CSV, &info, &out),
                     PERFBUDGET_OK);
    line_starting(out, "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",median,2018,");
    line_starting(out, "\"'+cmd|' /C calc'!A0\",median,");
    line_starting(out, "\"'-2+3+cmd\",median,");
    line_starting(out, "\"'@SUM(A1:A9)\",median,");
    line_starting(out, "\"'\\tTab=1\",median,");
    line_starting(out, "\"'\\rCR=1\",median,");
    line_starting(out, "-3.5,median,2018,ns,latency,");
    /* a negative change is a figure, written as a number */
    static const char plain_row[] = "plain=1,median,2018,ns,latency,2522.5,-";
    const char *plain = line_starting(out, plain_row);
    assert_true(plain[sizeof plain_row - 1] >= '1' && plain[sizeof plain_row - 1] <= '2');
    expect_in(plain, ",\"'=1+1\","); /* the commit is text too */
    perfbudget_free(out);
    for (size_t i = 0; i < N; i++) perfbudget_result_free(r[i]);
    perfbudget_result_free(base);
}

/* A comparison as the judging stage keeps it, with the figures a reason must show. */
static perfbudget_comparison comparison_of(double baseline, double current, perfbudget_outcome outcome) {
    perfbudget_comparison c = {0};
    c.struct_size = sizeof c;
    c.baseline_value = baseline, c.current_value = current;
    c.change_pct = 100.0 * (current - baseline) / baseline;
    c.ci_low_pct = c.change_pct - 7.5, c.ci_high_pct = c.change_pct + 7.5;
    c.p_value = 0.03, c.threshold_pct = 5, c.critical_pct = 10;
    c.statistic = PERFBUDGET_STAT_MEDIAN, c.run_spread_pct = NAN, c.speed_correction_pct = NAN;
    c.outcome = outcome;
    c.regressed = outcome == PERFBUDGET_OUTCOME_REGRESSION;
    c.severity = c.regressed ? PERFBUDGET_SEVERITY_CRITICAL : PERFBUDGET_SEVERITY_NONE;
    c.significant = outcome != PERFBUDGET_OUTCOME_INCONCLUSIVE;
    return c;
}

static void add_comparison(perfbudget_context *ctx, perfbudget_result *r, const char *metric,
                           perfbudget_unit unit, perfbudget_comparison c) {
    assert_int_equal(perfbudget_result_add_comparison(ctx, r, metric, unit, &c), PERFBUDGET_OK);
}

/* Every format says why: a failed limit, a warning, an inconclusive change (its interval and
 * threshold) and a note show in the terminal text, Markdown, CSV, HTML and the tools' formats
 * that have a place for them; a warning is shown as warn, never as pass. */
static void test_every_format_says_why(void **state) {
    perfbudget_context *ctx = *state;
    const char *text = "version: 1\nbudgets:\n  slow: {latency: {median: 1ms}}\n"
                       "  edgy: {latency: {p95: {warn: 1us, fail: 1s}}}\n";
    perfbudget_budget *budget;
    assert_int_equal(perfbudget_budget_new_from_text(ctx, text, strlen(text), "perfbudget.yml",
                                                     &budget, NULL, 0, NULL),
                     PERFBUDGET_OK);
    perfbudget_result *r[3] = {result_of(ctx, "slow", 2.5e6, 8e6), result_of(ctx, "edgy", 2000, 1e6),
                               result_of(ctx, "noisy", 3000, 1e6)};
    for (int i = 0; i < 3; i++)
        assert_int_equal(perfbudget_result_judge(ctx, r[i], budget, NULL, NULL), PERFBUDGET_OK);
    add_comparison(ctx, r[2], "median", PERFBUDGET_UNIT_NS,
                   comparison_of(2800, 3000, PERFBUDGET_OUTCOME_INCONCLUSIVE));
    assert_int_equal(perfbudget_result_add_note(ctx, r[2], PERFBUDGET_NOTE_RUN_SPREAD,
                                                "the history has only 1 earlier run"),
                     PERFBUDGET_OK);
    /* '>' is escaped in Markdown and HTML: the parts either side of it */
    const char *fail = "median 2.52 ms ", *fail_level = " 1 ms budget";
    const char *warn = "p95 2.03 µs ", *warn_level = " 1 µs warning level";
    const char *inconclusive = "median 3.00 µs vs 2.80 µs baseline: +7.1% (95% CI -0.4% .. "
                               "+14.6%), p = 0.03, threshold 5%: inconclusive";
    const char *note = "the history has only 1 earlier run";
    static const perfbudget_report_format formats[] = {
        PERFBUDGET_REPORT_MARKDOWN, PERFBUDGET_REPORT_CSV, PERFBUDGET_REPORT_HTML,
        PERFBUDGET_REPORT_PYTEST_BENCHMARK, PERFBUDGET_REPORT_GOOGLE_BENCHMARK};
    for (size_t f = 0; f < sizeof formats / sizeof *formats; f++) {
        char *out;
        assert_int_equal(perfbudget_render_report(ctx, r, 3, formats[f], NULL, &out),
                         PERFBUDGET_OK);
        expect_in(out, fail);
        expect_in(out, fail_level);
        expect_in(out, warn);
        expect_in(out, warn_level);
        expect_in(out, inconclusive);
        expect_in(out, note);
        if (formats[f] == PERFBUDGET_REPORT_MARKDOWN) {
            expect_in(out, "| warn: p95 2.03 µs &gt; 1 µs warning level");
            expect_in(out, "| inconclusive: median 3.00 µs");
            expect_in(out, "<br>note: the history");
        }
        if (formats[f] == PERFBUDGET_REPORT_HTML) {
            expect_in(out, "class=\"verdict warn\">warn</td>");
            expect_in(out, "class=\"verdict inconclusive\">inconclusive</td>");
            expect_in(out, "<li class=\"reason fail\"><b>FAIL</b>median 2.52 ms");
        }
        if (formats[f] == PERFBUDGET_REPORT_CSV) {
            expect_in(out, ",reason\r\n");
            expect_in(out, "edgy,p95,");
        }
        if (formats[f] == PERFBUDGET_REPORT_PYTEST_BENCHMARK)
            expect_in(out, "\"perfbudget_verdict\": \"warn\"");
        perfbudget_free(out);
    }
    /* The result file carries the whole verdict record: limits with their text, comparisons
     * with interval and threshold, notes. */
    char *json;
    assert_int_equal(perfbudget_render_report(ctx, r, 3, PERFBUDGET_REPORT_JSON, NULL, &json),
                     PERFBUDGET_OK);
    expect_in(json, "\"status\": \"warn\"");
    expect_in(json, "\"text\": \"p95 2.03 µs > 1 µs warning level (fails > 1 s)\"");
    expect_in(json, "\"outcome\": \"inconclusive\"");
    expect_in(json, "\"threshold_pct\": 5");
    expect_in(json, "\"ci_low_pct\": ");
    expect_in(json, note);
    perfbudget_free(json);
    char *terminal;
    assert_int_equal(perfbudget_render_test_report(ctx, r[2], NULL, 0, &terminal), PERFBUDGET_OK);
    expect_in(terminal, inconclusive);
    expect_in(terminal, note);
    perfbudget_free(terminal);
    assert_int_equal(perfbudget_render_test_report(ctx, r[1], NULL, 0, &terminal), PERFBUDGET_OK);
    expect_in(terminal, "WARN p95 2.03 µs > 1 µs warning level");
    perfbudget_free(terminal);
    for (int i = 0; i < 3; i++) perfbudget_result_free(r[i]);
    perfbudget_budget_free(budget);
}

/* Instructions mode: the count where times would be, and its change in the delta column;
 * valgrind's times appear in no report's table. */
static void test_instructions_mode_shows_counts(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_result *r = result_of(ctx, "counted", 36e6, 2e6);
    perfbudget_metrics m = *perfbudget_result_metrics(r);
    m.instructions_per_iteration = 1.1e6;
    perfbudget_result *counted;
    size_t n;
    const double *samples = perfbudget_result_samples(r, &n);
    assert_int_equal(perfbudget_result_new(ctx, "counted", samples, n, &m, PERFBUDGET_RUN_OK, NULL,
                                           &counted),
                     PERFBUDGET_OK);
    perfbudget_result_free(r);
    assert_int_equal(perfbudget_result_set_mode(counted, PERFBUDGET_MODE_INSTRUCTIONS),
                     PERFBUDGET_OK);
    add_comparison(ctx, counted, "instructions", PERFBUDGET_UNIT_COUNT,
                   comparison_of(1e6, 1.1e6, PERFBUDGET_OUTCOME_REGRESSION));
    char *out;
    assert_int_equal(perfbudget_render_report(ctx, &counted, 1, PERFBUDGET_REPORT_MARKDOWN, NULL,
                                              &out),
                     PERFBUDGET_OK);
    expect_in(out, "| counted | 1.10 M instr |  |  | ");
    expect_in(out, " | +10.0 % | FAIL: instructions 1.10 M vs 1.00 M baseline: +10.0%");
    assert_null(strstr(out, "36.0 ms"));
    perfbudget_free(out);
    assert_int_equal(perfbudget_render_report(ctx, &counted, 1, PERFBUDGET_REPORT_HTML, NULL, &out),
                     PERFBUDGET_OK);
    expect_in(out, ">1.10 M instr</td>");
    expect_in(out, ">+10.0 %</td>");
    assert_null(strstr(out, "36.0 ms"));
    assert_null(strstr(out, "class=\"plot distribution\""));
    perfbudget_free(out);
    assert_int_equal(perfbudget_render_report(ctx, &counted, 1, PERFBUDGET_REPORT_CSV, NULL, &out),
                     PERFBUDGET_OK);
    assert_null(strstr(out, "counted,median,"));
    expect_in(out, "counted,instructions,1100000,,instructions,1000000,");
    perfbudget_free(out);
    perfbudget_result_free(counted);
}

/* The pull-request comment for 2,000 benchmarks: what changed first (regressions, results to
 * look at, improvements), the rest folded into <details>, under GitHub's 65,536 characters,
 * saying how many it left out; the rows shown plus those left out are all 2,000. */
static void test_markdown_leads_with_changes(void **state) {
    perfbudget_context *ctx = *state;
    enum { N = 2000 };
    perfbudget_result **r = calloc(N, sizeof *r);
    for (int i = 0; i < N; i++) {
        char name[48];
        snprintf(name, sizeof name, "suite/bench_%04d[size=%d]", i, i % 7);
        r[i] = result_of(ctx, name, 1000 + i, 1e6);
        perfbudget_outcome outcome = i % 100 == 1   ? PERFBUDGET_OUTCOME_REGRESSION
                                     : i % 100 == 2 ? PERFBUDGET_OUTCOME_INCONCLUSIVE
                                     : i % 100 == 3 ? PERFBUDGET_OUTCOME_IMPROVEMENT
                                                    : PERFBUDGET_OUTCOME_PASS;
        double before = outcome == PERFBUDGET_OUTCOME_REGRESSION ? 500 + i
                        : outcome == PERFBUDGET_OUTCOME_IMPROVEMENT ? 2000 + 2 * i
                                                                    : 1000 + i;
        add_comparison(ctx, r[i], "median", PERFBUDGET_UNIT_NS,
                       comparison_of(before, 1000 + i, outcome));
    }
    char *out;
    assert_int_equal(perfbudget_render_report(ctx, r, N, PERFBUDGET_REPORT_MARKDOWN, NULL, &out),
                     PERFBUDGET_OK);
    size_t characters = (size_t)perfbudget__columns(out);
    assert_true(characters < 65536);
    expect_in(out, ": 20 failed, 1980 passed (20 inconclusive, 20 improved)\n");
    const char *details = strstr(out, "<details><summary>1940 more benchmarks: 1940 passed");
    assert_non_null(details);
    /* every change is shown before the fold, failures first */
    const char *first_fail = strstr(out, "| suite/bench_0001[size=1] |");
    const char *first_inconclusive = strstr(out, "| suite/bench_0002[size=2] |");
    const char *first_improved = strstr(out, "| suite/bench_0003[size=3] |");
    assert_non_null(first_fail);
    assert_true(first_fail < first_inconclusive && first_inconclusive < first_improved &&
                first_improved < details);
    size_t rows = occurrences(out, "| suite/bench_");
    const char *left = strstr(out, "comment limit: ");
    assert_non_null(left);
    assert_int_equal(rows + strtoul(left + strlen("comment limit: "), NULL, 10), N);
    assert_true(rows > 100);
    perfbudget_free(out);
    for (int i = 0; i < N; i++) perfbudget_result_free(r[i]);
    free(r);
}

/* The counts agree with the test outcomes (a warning or an inconclusive change passes, as CTest
 * and pytest count it), a run that errored is counted and listed with its message, and
 * parameters sort by value: [100] before [1000] before [10000]. */
static void test_markdown_counts_errors_and_order(void **state) {
    perfbudget_context *ctx = *state;
    double samples[] = {1000, 1100};
    perfbudget_result *r[5] = {result_of(ctx, "f[10000]", 1000, 1e6),
                               result_of(ctx, "f[1000]", 1000, 1e6),
                               result_of(ctx, "f[100]", 1000, 1e6), NULL,
                               result_of(ctx, "g", 1000, 1e6)};
    assert_int_equal(perfbudget_result_new(ctx, "broken", samples, 2, NULL, PERFBUDGET_RUN_FAILED,
                                           "fixture 'db' not found", &r[3]),
                     PERFBUDGET_OK);
    add_comparison(ctx, r[4], "median", PERFBUDGET_UNIT_NS,
                   comparison_of(990, 1000, PERFBUDGET_OUTCOME_INCONCLUSIVE));
    char *out;
    assert_int_equal(perfbudget_render_report(ctx, r, 5, PERFBUDGET_REPORT_MARKDOWN, NULL, &out),
                     PERFBUDGET_OK);
    expect_in(out, ": 1 failed (1 errored), 4 passed (1 inconclusive)\n");
    expect_in(out, "| broken | ");
    expect_in(out, "| errored: fixture 'db' not found |");
    const char *a = strstr(out, "| f[100] |"), *b = strstr(out, "| f[1000] |"),
               *c = strstr(out, "| f[10000] |");
    assert_true(a != NULL && b != NULL && c != NULL && a < b && b < c);
    perfbudget_free(out);
    assert_int_equal(perfbudget_render_report(ctx, r, 5, PERFBUDGET_REPORT_CSV, NULL, &out),
                     PERFBUDGET_OK);
    expect_in(out, "broken,run,,,run,,,error,,,fixture 'db' not found\r\n");
    perfbudget_free(out);
    for (int i = 0; i < 5; i++) perfbudget_result_free(r[i]);
}

/* One unit family beside a limit: memory shows in MB (10^6 bytes, as the budget file reads MB)
 * where the limit is written in MB, in MiB otherwise; byte throughput is MiB/s, not "M/s". */
static void test_units_beside_limits(void **state) {
    perfbudget_context *ctx = *state;
    const char *text = "version: 1\nbudgets:\n  m: {memory: 64 MB}\n";
    perfbudget_budget *budget;
    assert_int_equal(perfbudget_budget_new_from_text(ctx, text, strlen(text), "perfbudget.yml",
                                                     &budget, NULL, 0, NULL),
                     PERFBUDGET_OK);
    perfbudget_metrics m;
    perfbudget_metrics_init(&m);
    m.peak_rss_bytes = 4.32e6;
    m.bytes_per_second = 119.0 * 1048576;
    double samples[] = {1000, 1010, 1020};
    perfbudget_result *r[2];
    assert_int_equal(perfbudget_result_new(ctx, "m", samples, 3, &m, PERFBUDGET_RUN_OK, NULL, &r[0]),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_new(ctx, "n", samples, 3, &m, PERFBUDGET_RUN_OK, NULL, &r[1]),
                     PERFBUDGET_OK);
    for (int i = 0; i < 2; i++)
        assert_int_equal(perfbudget_result_judge(ctx, r[i], budget, NULL, NULL), PERFBUDGET_OK);
    char *out;
    assert_int_equal(perfbudget_render_test_report(ctx, r[0], NULL, 0, &out), PERFBUDGET_OK);
    expect_in(out, "memory 4.32 MB <= 64 MB budget");
    expect_in(out, "peak memory 4.32 MB,");
    perfbudget_free(out);
    assert_int_equal(perfbudget_render_report(ctx, r, 2, PERFBUDGET_REPORT_MARKDOWN, NULL, &out),
                     PERFBUDGET_OK);
    /* A table's column has one unit, MiB, whatever unit a row's budget was written in. */
    expect_in(out, "| m | 1.01 µs | 1.02 µs | 1.02 µs | 4.12 MiB | 119 MiB/s |");
    expect_in(out, "| n | 1.01 µs | 1.02 µs | 1.02 µs | 4.12 MiB | 119 MiB/s |");
    perfbudget_free(out);
    for (int i = 0; i < 2; i++) perfbudget_result_free(r[i]);
    perfbudget_budget_free(budget);
}

/* One list of format names: each parses to its own format, and the list the CLI's help and
 * messages show names every one (it once named 3 of 9). */
static void test_format_names(void **state) {
    (void)state;
    char list[256];
    perfbudget__report_format_list(list, sizeof list);
    size_t count = 0;
    for (int f = 0; perfbudget__report_format_name((perfbudget_report_format)f) != NULL; f++) {
        const char *name = perfbudget__report_format_name((perfbudget_report_format)f);
        perfbudget_report_format parsed;
        assert_int_equal(perfbudget_report_format_parse(name, &parsed), PERFBUDGET_OK);
        assert_int_equal(parsed, f);
        assert_non_null(strstr(list, name));
        count++;
    }
    assert_int_equal(count, PERFBUDGET_REPORT_CHROME_TRACE + 1);
    perfbudget_report_format parsed;
    assert_int_equal(perfbudget_report_format_parse("markdown", &parsed), PERFBUDGET_OK);
    assert_int_equal(parsed, PERFBUDGET_REPORT_MARKDOWN);
    assert_int_equal(perfbudget_report_format_parse("trace", &parsed), PERFBUDGET_OK);
    assert_int_equal(parsed, PERFBUDGET_REPORT_CHROME_TRACE);
    assert_int_equal(perfbudget_report_format_parse("xml", &parsed), PERFBUDGET_EINVAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_names),
        cmocka_unit_test_setup_teardown(test_html_plots_a_sweep, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_control_characters_in_reports, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_csv_formulas_neutralised, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_markdown_and_csv, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_html, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_every_format_says_why, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_instructions_mode_shows_counts, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_markdown_leads_with_changes, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_markdown_counts_errors_and_order, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_units_beside_limits, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_html_many_samples, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_google_benchmark_failures, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_google_benchmark_cpu_overflow, context_setup,
                                        context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
