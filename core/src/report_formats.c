/* SPDX-License-Identifier: MIT */
/* Reports people read: Markdown for pull requests, CSV for spreadsheets, JSON for tools. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "internal.h"

/* In enum order. */
static const char *const format_names[] = {"md",          "csv",         "json",
                                           "pytest-benchmark", "google-benchmark", "bencher",
                                           "openmetrics", "html",        "chrome-trace"};

const char *perfbudget__report_format_name(perfbudget_report_format format) {
    return (size_t)format < sizeof format_names / sizeof *format_names ? format_names[format]
                                                                       : NULL;
}

char *perfbudget__report_format_list(char *buf, size_t size) {
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof format_names / sizeof *format_names && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", format_names[i]);
    return buf;
}

int perfbudget_report_format_parse(const char *name, perfbudget_report_format *out) {
    if (name == NULL || out == NULL) return PERFBUDGET_EINVAL;
    for (size_t i = 0; i < sizeof format_names / sizeof *format_names; i++)
        if (strcmp(name, format_names[i]) == 0) {
            *out = (perfbudget_report_format)i;
            return PERFBUDGET_OK;
        }
    if (strcmp(name, "markdown") == 0) *out = PERFBUDGET_REPORT_MARKDOWN;
    else if (strcmp(name, "trace") == 0) *out = PERFBUDGET_REPORT_CHROME_TRACE;
    else return PERFBUDGET_EINVAL;
    return PERFBUDGET_OK;
}

static int ends_with(const char *text, const char *suffix) {
    size_t length = strlen(text), suffix_length = strlen(suffix);
    return length >= suffix_length && strcasecmp(text + length - suffix_length, suffix) == 0;
}

int perfbudget_report_format_for_path(const char *path, perfbudget_report_format *out) {
    if (path == NULL || out == NULL) return PERFBUDGET_EINVAL;
    static const struct {
        const char *suffix;
        perfbudget_report_format format;
    } suffixes[] = {{".trace.json", PERFBUDGET_REPORT_CHROME_TRACE},
                    {".md", PERFBUDGET_REPORT_MARKDOWN},
                    {".markdown", PERFBUDGET_REPORT_MARKDOWN},
                    {".csv", PERFBUDGET_REPORT_CSV},
                    {".json", PERFBUDGET_REPORT_JSON},
                    {".html", PERFBUDGET_REPORT_HTML}};
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++)
        if (ends_with(path, suffixes[i].suffix)) {
            *out = suffixes[i].format;
            return PERFBUDGET_OK;
        }
    return PERFBUDGET_EINVAL;
}


/* Order: errors and failures first, then what to look at (inconclusive, warned), improvements,
 * skips, passes; by name in natural order ("x[100]" before "x[1000]"). */
static int by_rank_then_name(const void *a, const void *b) {
    const perfbudget_result *x = *(perfbudget_result *const *)a, *y = *(perfbudget_result *const *)b;
    int order = (int)perfbudget__word_of(x) - (int)perfbudget__word_of(y);
    return order ? order : perfbudget__natural_compare(perfbudget_result_name(x),
                                                       perfbudget_result_name(y));
}

/* Markdown table cells: control characters escaped as text (\n, \x1b), HTML-escaped, pipes
 * escaped. */
static void put_cell(perfbudget__text *b, const char *text) {
    static const char *const replacements[] = {"&lt;", "&gt;", "&amp;", "\\|", "&#96;"};
    perfbudget__append_text(b, text, "<>&|`", replacements);
}

/* The verdict and why: "FAIL: median 2.52 ms > 1 ms budget<br>note: ...". A reason's label is
 * left out where the word or the text already says it. */
static void verdict_cell(perfbudget__text *b, const perfbudget_result *r) {
    perfbudget__word word = perfbudget__word_of(r);
    perfbudget__append(b, "%s", perfbudget__word_name(word));
    if (word == PERFBUDGET__PASSED) return;
    size_t count;
    perfbudget__reason *reasons = perfbudget__reasons(r, &count);
    if (reasons == NULL && count == SIZE_MAX) b->failed = 1;
    for (size_t i = 0; i < count; i++) {
        const char *label = reasons[i].label;
        int said = strcmp(label, perfbudget__word_name(word)) == 0 ||
                   (word == PERFBUDGET__ERRORED && strcmp(label, "error") == 0) ||
                   strcmp(label, "regression") == 0 || strcmp(label, "improvement") == 0 ||
                   strcmp(label, "inconclusive") == 0;
        perfbudget__append(b, "%s%s%s", i ? "<br>" : ": ", said ? "" : label, said ? "" : ": ");
        put_cell(b, reasons[i].text);
    }
    perfbudget__reasons_free(reasons, count);
}

static void markdown_heading(perfbudget__text *b) {
    perfbudget__append(b, "| benchmark | median | p95 | p99 | memory | throughput | Δ vs baseline "
                          "| verdict |\n|---|---:|---:|---:|---:|---:|---:|---|\n");
}

/* One row; instructions mode shows the instruction count where times would be (valgrind's
 * times say nothing about the code) and its change. */
static void markdown_row(perfbudget__text *b, const perfbudget_result *r) {
    const perfbudget_summary *s = perfbudget_result_summary(r);
    const perfbudget_metrics *m = perfbudget_result_metrics(r);
    char median[40], p95[32], p99[32], memory[32], rate[32], delta[32] = "";
    int by_count = perfbudget_result_mode(r) == PERFBUDGET_MODE_INSTRUCTIONS;
    if (by_count) {
        perfbudget_format_value(m->instructions_per_iteration, PERFBUDGET_UNIT_COUNT, p95,
                                sizeof p95);
        snprintf(median, sizeof median, "%s instr", p95);
        p95[0] = p99[0] = '\0';
    } else {
        perfbudget_format_value(s->median, PERFBUDGET_UNIT_NS, median, sizeof median);
        perfbudget_format_value(s->p95, PERFBUDGET_UNIT_NS, p95, sizeof p95);
        perfbudget_format_value(s->p99, PERFBUDGET_UNIT_NS, p99, sizeof p99);
    }
    /* One unit down a column (MiB): a budget in MB shows MB in its own reasons only. */
    perfbudget_format_value(m->peak_rss_bytes, PERFBUDGET_UNIT_BYTES, memory, sizeof memory);
    if (isnan(m->items_per_second) && !isnan(m->bytes_per_second))
        perfbudget_format_value(m->bytes_per_second, PERFBUDGET_UNIT_BYTES_PER_SECOND, rate,
                                sizeof rate);
    else
        perfbudget_format_value(m->items_per_second, PERFBUDGET_UNIT_PER_SECOND, rate,
                                sizeof rate);
    const perfbudget_comparison *c = perfbudget__headline_change(r, NULL);
    if (c != NULL && isfinite(c->change_pct))
        snprintf(delta, sizeof delta, "%+.1f %%", c->change_pct);
    perfbudget__append(b, "| ");
    put_cell(b, perfbudget_result_name(r));
    perfbudget__append(b, " | %s | %s | %s | %s | %s | %s | ", median, p95, p99, memory, rate,
                       delta);
    verdict_cell(b, r);
    perfbudget__append(b, " |\n");
}

/* GitHub refuses a comment over 65,536 characters; bytes are at least as many. The closing
 * lines (the count of what was left out, </details>) have room kept for them. */
enum { COMMENT_LIMIT = 65536, CLOSING_ROOM = 1024 };

/* Append the rows of sorted[from, to) while the report stays within the limit; returns how many
 * were left out. */
static size_t markdown_rows(perfbudget__text *b, perfbudget_result **sorted, size_t from,
                            size_t to) {
    size_t left_out = 0;
    for (size_t i = from; i < to; i++) {
        perfbudget__text row = {0};
        markdown_row(&row, sorted[i]);
        if (row.failed) b->failed = 1;
        if (row.data != NULL && b->length + row.length + CLOSING_ROOM <= COMMENT_LIMIT)
            perfbudget__append(b, "%s", row.data);
        else
            left_out++;
        free(row.data);
    }
    return left_out;
}

static void plural(perfbudget__text *b, const char *separator, size_t n, const char *what) {
    if (n) perfbudget__append(b, "%s%zu %s", separator, n, what);
}

/* A pull-request comment that leads with what changed: errors, failures, results to look at
 * and improvements in a table first, with their reasons; the rest folded into <details>. The
 * counts are the test outcomes' (a warning or an inconclusive change passes, as in CTest and
 * pytest), then what the passes hold. */
/* The resources per iteration of the benchmarks that have any, folded: "n/a" where the
 * kernel did not give one. Rows past the comment limit are left out. */
static void markdown_resources(perfbudget__text *b, perfbudget_result **sorted, size_t n) {
    int header = 0;
    for (size_t i = 0; i < n; i++) {
        double v[PERFBUDGET__RESOURCE_COUNT];
        if (perfbudget__resource_values(perfbudget_result_metrics(sorted[i]), v) == 0) continue;
        if (!header) {
            perfbudget__append(b, "\n<details><summary>resources per iteration</summary>\n\n"
                                  "| benchmark | I/O read | I/O written | minor faults | major "
                                  "faults | voluntary switches | involuntary switches | energy | "
                                  "gc collections | gc time | allocations |\n"
                                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            header = 1;
        }
        perfbudget__text row = {0};
        perfbudget__append(&row, "| ");
        put_cell(&row, perfbudget_result_name(sorted[i]));
        perfbudget__append(&row, " |");
        for (size_t k = 0; k < PERFBUDGET__RESOURCE_COUNT; k++) {
            char cell[32];
            perfbudget__append(&row, " %s |",
                               perfbudget__format_resource(k, v[k], cell, sizeof cell));
        }
        perfbudget__append(&row, "\n");
        if (row.failed) b->failed = 1;
        if (row.data && b->length + row.length + CLOSING_ROOM <= COMMENT_LIMIT)
            perfbudget__append(b, "%s", row.data);
        free(row.data);
    }
    if (header) perfbudget__append(b, "\n</details>\n");
}

/* The heading: the title, then the test outcomes' counts. */
static void markdown_counts(perfbudget__text *b, const size_t *words,
                            const perfbudget_report_info *info) {
    size_t failed = words[PERFBUDGET__ERRORED] + words[PERFBUDGET__FAILED];
    size_t passed = words[PERFBUDGET__INCONCLUSIVE] + words[PERFBUDGET__WARNED] +
                    words[PERFBUDGET__IMPROVED] + words[PERFBUDGET__PASSED];
    perfbudget__append(b, "### ");
    put_cell(b, info && info->title ? info->title : "perfbudget");
    perfbudget__append(b, ": ");
    if (failed) {
        perfbudget__append(b, "%zu failed", failed);
        if (words[PERFBUDGET__ERRORED])
            perfbudget__append(b, " (%zu errored)", words[PERFBUDGET__ERRORED]);
        perfbudget__append(b, ", ");
    }
    perfbudget__append(b, "%zu passed", passed);
    if (passed > words[PERFBUDGET__PASSED]) {
        const char *separator = " (";
        static const char *const what[] = {"inconclusive", "warned", "improved"};
        for (int w = PERFBUDGET__INCONCLUSIVE; w <= PERFBUDGET__IMPROVED; w++)
            if (words[w]) {
                plural(b, separator, words[w], what[w - PERFBUDGET__INCONCLUSIVE]);
                separator = ", ";
            }
        perfbudget__append(b, ")");
    }
    plural(b, ", ", words[PERFBUDGET__SKIPPED], "skipped");
    perfbudget__append(b, "\n\n");
}

/* The small print under the heading: commit, time and baseline, those the report has. */
static void markdown_run_line(perfbudget__text *b, const perfbudget_report_info *info) {
    if (!(info && (info->commit || info->baseline || info->created_ns))) return;
    const char *separator = "";
    perfbudget__append(b, "<sub>");
    if (info->commit && info->commit[0]) {
        char commit[13];
        snprintf(commit, sizeof commit, "%.12s", info->commit);
        perfbudget__append(b, "commit ");
        put_cell(b, commit);
        separator = " · ";
    }
    if (info->created_ns) {
        time_t seconds = (time_t)(info->created_ns / 1000000000);
        struct tm utc;
        char when[32];
        strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime_r(&seconds, &utc));
        perfbudget__append(b, "%s%s", separator, when);
        separator = " · ";
    }
    if (info->baseline) {
        perfbudget__append(b, "%scompared with ", separator);
        put_cell(b, info->baseline);
    }
    perfbudget__append(b, "</sub>\n\n");
}

/* The rows of one benchmark's stages within the limit; counts those left out and the stages
 * whose mean is above their p99. */
static void markdown_stage_rows(perfbudget__text *b, const perfbudget_result *r,
                                size_t *left_out, size_t *mean_above_p99) {
    size_t stage_count;
    const perfbudget_stage *stages = perfbudget_result_stages(r, &stage_count);
    for (size_t k = 0; k < stage_count; k++) {
        char mean[32], p99[32], total[32];
        perfbudget_format_value(stages[k].mean_ns, PERFBUDGET_UNIT_NS, mean, sizeof mean);
        perfbudget_format_value(stages[k].p99_ns, PERFBUDGET_UNIT_NS, p99, sizeof p99);
        perfbudget_format_value(stages[k].total_ns, PERFBUDGET_UNIT_NS, total, sizeof total);
        int above = stages[k].mean_ns > stages[k].p99_ns;
        *mean_above_p99 += above;
        perfbudget__text row = {0};
        perfbudget__append(&row, "| ");
        put_cell(&row, perfbudget_result_name(r));
        perfbudget__append(&row, " | ");
        put_cell(&row, stages[k].name);
        perfbudget__append(&row, " | %llu | %s%s | %s | %s |\n",
                           (unsigned long long)stages[k].count, mean, above ? " ¹" : "", p99,
                           total);
        if (row.failed) b->failed = 1;
        if (row.data && b->length + row.length + CLOSING_ROOM <= COMMENT_LIMIT)
            perfbudget__append(b, "%s", row.data);
        else
            (*left_out)++;
        free(row.data);
    }
}

/* The stages table, folded into <details> when every benchmark is in the changed table (else
 * it goes in the open <details> of the rest); returns the stage rows left out. */
static size_t markdown_stages(perfbudget__text *b, perfbudget_result **sorted, size_t n,
                              size_t changed) {
    int any_stages = 0;
    for (size_t i = 0; i < n && !any_stages; i++) any_stages = perfbudget_result_stages(sorted[i], NULL) != NULL;
    if (any_stages && changed == n)
        perfbudget__append(b, "\n<details><summary>stages</summary>\n");
    if (any_stages) {
        perfbudget__append(b, "\n| benchmark | stage | count | mean | p99 | total |\n");
        perfbudget__append(b, "|---|---|---:|---:|---:|---:|\n");
    }
    size_t stage_rows_left_out = 0, mean_above_p99 = 0;
    for (size_t i = 0; any_stages && i < n; i++)
        markdown_stage_rows(b, sorted[i], &stage_rows_left_out, &mean_above_p99);
    if (mean_above_p99)
        perfbudget__append(b, "\n¹ mean above p99: a few long occurrences (under 1 %%) took most "
                              "of the stage's time.\n");
    if (changed < n || any_stages) perfbudget__append(b, "\n</details>\n");
    return stage_rows_left_out;
}

static void markdown(perfbudget__text *b, perfbudget_result **sorted, size_t n,
                     const perfbudget_report_info *info) {
    size_t words[PERFBUDGET__PASSED + 1] = {0};
    for (size_t i = 0; i < n; i++) words[perfbudget__word_of(sorted[i])]++;
    size_t changed = n - words[PERFBUDGET__SKIPPED] - words[PERFBUDGET__PASSED];
    markdown_counts(b, words, info);
    markdown_run_line(b, info);
    size_t left_out = 0, changed_left_out = 0;
    if (changed) {
        perfbudget__append(b, "**What changed**: failures, results to look at and "
                              "improvements, with their reasons\n\n");
        markdown_heading(b);
        changed_left_out = markdown_rows(b, sorted, 0, changed);
        left_out += changed_left_out;
    } else if (n) {
        perfbudget__append(b, "Nothing changed: no failure, regression, warning, improvement or "
                              "inconclusive result.\n");
    }
    if (changed < n) {
        perfbudget__append(b, "\n<details><summary>%zu %s%s", n - changed, changed ? "more " : "",
                           n - changed == 1 ? "benchmark" : "benchmarks");
        plural(b, ": ", words[PERFBUDGET__PASSED], "passed");
        plural(b, words[PERFBUDGET__PASSED] ? ", " : ": ", words[PERFBUDGET__SKIPPED], "skipped");
        perfbudget__append(b, "</summary>\n\n");
        markdown_heading(b);
        left_out += markdown_rows(b, sorted, changed, n);
    }
    size_t stage_rows_left_out = markdown_stages(b, sorted, n, changed);
    markdown_resources(b, sorted, n);
    if (left_out || stage_rows_left_out) {
        perfbudget__append(b, "\n_Left out to stay under GitHub's 65,536-character comment limit: "
                              "%zu benchmark%s", left_out, left_out == 1 ? "" : "s");
        if (changed_left_out) perfbudget__append(b, " (%zu of them changed)", changed_left_out);
        if (stage_rows_left_out) perfbudget__append(b, " and %zu stage rows", stage_rows_left_out);
        perfbudget__append(b, ". The HTML, CSV and JSON reports have all of them._\n");
    }
}

/* A text cell: control characters escaped, formulas neutralised, quoted as RFC 4180 says
 * (text.c). Figures are written as numbers, never through here. */
static void put_csv_field(perfbudget__text *b, const char *text) {
    perfbudget__append_csv_text(b, text);
}

/* One row; its reason says why its verdict is not a pass (the limit's text, the comparison with
 * its interval and threshold), and the headline row (the median, the instruction count in
 * instructions mode) carries the notes of a result that is not a plain pass. */
static void csv_row(perfbudget__text *b, const perfbudget_result *r, const char *metric, double value,
                    const char *unit, const char *category, const perfbudget_report_info *info,
                    const char *timestamp, int headline) {
    if (isnan(value)) return;
    const perfbudget_comparison *c = NULL;
    perfbudget_unit c_unit = PERFBUDGET_UNIT_NS;
    for (size_t i = 0; i < perfbudget_result_comparison_count(r); i++) {
        const char *name;
        perfbudget_unit candidate_unit;
        const perfbudget_comparison *candidate;
        perfbudget_result_comparison_at(r, i, &name, &candidate_unit, &candidate);
        if (strcmp(name, metric) == 0) c = candidate, c_unit = candidate_unit;
    }
    const char *verdict = "";
    perfbudget__text reason = {0};
    const perfbudget_limit_verdict *verdicts;
    size_t count = perfbudget_result_verdicts(r, &verdicts);
    for (size_t i = 0; i < count; i++)
        if (strcmp(verdicts[i].limit->name, metric) == 0) {
            verdict = perfbudget_limit_status_name(verdicts[i].status);
            if (verdicts[i].status != PERFBUDGET_LIMIT_PASS)
                perfbudget__append(&reason, "%s%s", reason.length ? "; " : "", verdicts[i].text);
        }
    if (verdict[0] == '\0' && c != NULL) verdict = perfbudget_outcome_name(c->outcome);
    if (c != NULL && c->outcome != PERFBUDGET_OUTCOME_PASS) {
        char line[512];
        perfbudget__comparison_text(r, metric, c_unit, c, line, sizeof line);
        perfbudget__append(&reason, "%s%s", reason.length ? "; " : "", line);
    }
    if (headline && perfbudget__word_of(r) != PERFBUDGET__PASSED)
        for (size_t i = 0; i < perfbudget_result_note_count(r); i++)
            perfbudget__append(&reason, "%snote: %s", reason.length ? "; " : "",
                               perfbudget_result_note_at(r, i, NULL));
    if (reason.failed) b->failed = 1;
    put_csv_field(b, perfbudget_result_name(r));
    perfbudget__append(b, ",");
    put_csv_field(b, metric); /* custom metric and stage names come from users */
    perfbudget__append(b, ",%.17g,%s,%s,", value, unit, category);
    if (c != NULL && isfinite(c->baseline_value)) perfbudget__append(b, "%.17g", c->baseline_value);
    perfbudget__append(b, ",");
    if (c != NULL && isfinite(c->change_pct)) perfbudget__append(b, "%.17g", c->change_pct);
    perfbudget__append(b, ",%s,%s,", verdict, timestamp);
    put_csv_field(b, info && info->commit ? info->commit : "");
    perfbudget__append(b, ",");
    put_csv_field(b, reason.data ? reason.data : "");
    perfbudget__append(b, "\r\n");
    free(reason.data);
}

/* A threaded benchmark's figures per thread count: "threads 2 throughput" and so on. */
static void csv_scaling_rows(perfbudget__text *b, const perfbudget_result *r,
                             const perfbudget_report_info *info, const char *timestamp) {
    size_t count;
    const perfbudget_scaling_point *points = perfbudget_result_scaling(r, &count, NULL);
    for (size_t k = 0; k < count; k++) {
        const struct {
            const char *figure;
            double value;
            const char *unit;
        } figures[] = {{"throughput", points[k].throughput, "/s"},
                       {"efficiency", 100.0 * points[k].efficiency, "%"},
                       {"spread", points[k].spread, ""},
                       {"p50", points[k].p50_ns, "ns"},
                       {"p99", points[k].p99_ns, "ns"}};
        for (size_t f = 0; f < sizeof figures / sizeof *figures; f++) {
            char metric[64];
            snprintf(metric, sizeof metric, "threads %u %s", (unsigned)points[k].threads,
                     figures[f].figure);
            csv_row(b, r, metric, figures[f].value, figures[f].unit, "scaling", info, timestamp,
                    0);
        }
    }
}

static void csv(perfbudget__text *b, perfbudget_result **sorted, size_t n, const perfbudget_report_info *info) {
    char timestamp[32] = "";
    if (info && info->created_ns) {
        time_t seconds = (time_t)(info->created_ns / 1000000000);
        struct tm utc;
        strftime(timestamp, sizeof timestamp, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&seconds, &utc));
    }
    perfbudget__append(b, "benchmark,metric,value,unit,category,baseline,change_pct,verdict,timestamp,"
                          "commit,reason\r\n");
    for (size_t i = 0; i < n; i++) {
        const perfbudget_result *r = sorted[i];
        const perfbudget_summary *s = perfbudget_result_summary(r);
        const perfbudget_metrics *m = perfbudget_result_metrics(r);
        const struct {
            const char *metric;
            double value;
            const char *unit, *category;
        } rows[] = {
            {"median", s->median, "ns", "latency"},   {"p95", s->p95, "ns", "latency"},
            {"p99", s->p99, "ns", "latency"},         {"mean", s->mean, "ns", "latency"},
            {"stddev", s->stddev, "ns", "latency"},
            {"memory", m->peak_rss_bytes, "B", "memory"},
            {"memory_growth", m->memory_growth_bytes, "B", "memory"},
            {"cpu", 100.0 * m->cpu_utilization, "%", "cpu"},
            {"throughput", m->items_per_second, "/s", "throughput"},
            {"throughput (bytes)", m->bytes_per_second, "B/s", "throughput"},
            {"instructions", m->instructions_per_iteration, "", "instructions"},
        };
        /* A run that failed or was skipped has no figures: one row says so, with its message. */
        if (perfbudget_result_status(r) != PERFBUDGET_RUN_OK) {
            put_csv_field(b, perfbudget_result_name(r));
            perfbudget__append(b, ",run,,,run,,,%s,%s,",
                               perfbudget_result_status(r) == PERFBUDGET_RUN_FAILED ? "error"
                                                                                    : "skipped",
                               timestamp);
            put_csv_field(b, info && info->commit ? info->commit : "");
            perfbudget__append(b, ",");
            put_csv_field(b, perfbudget_result_message(r));
            perfbudget__append(b, "\r\n");
        }
        /* In instructions mode the times are the counting tool's, not the code's: left out. */
        int by_count = perfbudget_result_mode(r) == PERFBUDGET_MODE_INSTRUCTIONS;
        for (size_t k = by_count ? 5 : 0; k < sizeof rows / sizeof *rows; k++)
            csv_row(b, r, rows[k].metric, rows[k].value, rows[k].unit, rows[k].category, info,
                    timestamp, by_count ? k == 10 : k == 0);
        double resources[PERFBUDGET__RESOURCE_COUNT];
        perfbudget__resource_values(m, resources);
        for (size_t k = 0; !by_count && k < PERFBUDGET__RESOURCE_COUNT; k++)
            csv_row(b, r, perfbudget__resource_names[k], resources[k],
                    k <= 1 ? "B" : k == 6 ? "J" : k == 8 ? "ns" : "", "resources", info,
                    timestamp, 0);
        static const char *const base_units[] = {"", "ns", "B", "%", "/s", "B/s"};
        for (size_t k = 0; k < perfbudget_result_metric_count(r); k++) {
            const char *name;
            double value;
            perfbudget_quantity_kind kind;
            perfbudget_result_metric_at(r, k, &name, &value, &kind, NULL);
            csv_row(b, r, name, value, base_units[kind], "custom", info, timestamp, 0);
        }
        csv_scaling_rows(b, r, info, timestamp);
        size_t stage_count;
        const perfbudget_stage *stages = perfbudget_result_stages(r, &stage_count);
        for (size_t k = 0; k < stage_count; k++) {
            const struct {
                const char *figure;
                double value;
                const char *unit;
            } figures[] = {{"count", (double)stages[k].count, ""},
                           {"mean", stages[k].mean_ns, "ns"},
                           {"p99", stages[k].p99_ns, "ns"},
                           {"total", stages[k].total_ns, "ns"}};
            for (size_t f = 0; f < sizeof figures / sizeof *figures; f++) {
                perfbudget__text metric = {0};
                perfbudget__append(&metric, "stage %s %s", stages[k].name, figures[f].figure);
                if (metric.failed) {
                    b->failed = 1;
                    return;
                }
                csv_row(b, r, metric.data, figures[f].value, figures[f].unit, "stage", info,
                        timestamp, 0);
                free(metric.data);
            }
        }
    }
}

/* ---- other tools' formats --------------------------------------------------------------------- */

static json_t *real_or_null(double value) { return isfinite(value) ? json_real(value) : json_null(); }

/* Add one benchmark's entry to an array (key NULL) or object. An entry that could not be built
 * (out of memory, or a figure JSON cannot hold) fails the whole report: leaving the benchmark
 * out would go unseen. */
static void add_entry(json_t **container, const char *key, json_t *entry) {
    if (*container != NULL && entry != NULL &&
        (key ? json_object_set_new(*container, key, entry)
             : json_array_append_new(*container, entry)) == 0)
        return;
    if (*container == NULL || entry == NULL) json_decref(entry); /* else the setter freed it */
    json_decref(*container);
    *container = NULL;
}

static void iso_time(const perfbudget_report_info *info, char *out, size_t size) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    time_t seconds = info && info->created_ns ? (time_t)(info->created_ns / 1000000000) : now.tv_sec;
    struct tm utc;
    strftime(out, size, "%Y-%m-%dT%H:%M:%S+00:00", gmtime_r(&seconds, &utc));
}

/* pytest-benchmark's saved run: stats in seconds, raw data kept ("--benchmark-save-data"). */
/* The verdict and its reasons where a tool's format has a free-form place for them: {} for a
 * plain pass, else {"perfbudget_verdict": "warn", "perfbudget_reasons": ["warn: ...", ...]}. */
static json_t *verdict_json(const perfbudget_result *r) {
    json_t *object = json_object();
    perfbudget__word word = perfbudget__word_of(r);
    if (object == NULL || word == PERFBUDGET__PASSED) return object;
    size_t count;
    perfbudget__reason *reasons = perfbudget__reasons(r, &count);
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && reasons != NULL && i < count; i++) {
        perfbudget__text line = {0};
        perfbudget__append(&line, "%s: %s", reasons[i].label, reasons[i].text);
        if (line.data == NULL || json_array_append_new(list, json_string(line.data)) != 0) {
            json_decref(list);
            list = NULL;
        }
        free(line.data);
    }
    perfbudget__reasons_free(reasons, count);
    if (list == NULL || (reasons == NULL && count == SIZE_MAX) ||
        json_object_set_new(object, "perfbudget_verdict",
                            json_string(perfbudget__word_name(word))) != 0 ||
        json_object_set_new(object, "perfbudget_reasons", list) != 0) {
        json_decref(object);
        return NULL;
    }
    return object;
}

/* The reasons in one line, for a format's one text field (Google Benchmark's label). */
static char *reasons_line(const perfbudget_result *r) {
    perfbudget__word word = perfbudget__word_of(r);
    if (word == PERFBUDGET__PASSED) return NULL;
    size_t count;
    perfbudget__reason *reasons = perfbudget__reasons(r, &count);
    perfbudget__text line = {0};
    perfbudget__append(&line, "%s", perfbudget__word_name(word));
    for (size_t i = 0; reasons != NULL && i < count; i++)
        perfbudget__append(&line, "%s%s: %s", i ? "; " : " (", reasons[i].label, reasons[i].text);
    if (reasons != NULL && count > 0) perfbudget__append(&line, ")");
    perfbudget__reasons_free(reasons, count);
    if (line.failed) {
        free(line.data);
        return NULL;
    }
    return line.data;
}

static json_t *pytest_benchmark_json(perfbudget_result *const *results, size_t n,
                                     const perfbudget_report_info *info) {
    json_t *benchmarks = json_array();
    for (size_t i = 0; benchmarks != NULL && i < n; i++) {
        const perfbudget_result *r = results[i];
        const perfbudget_summary *s = perfbudget_result_summary(r);
        if (perfbudget_result_status(r) != PERFBUDGET_RUN_OK || s->n == 0) continue;
        size_t count;
        const double *samples = perfbudget_result_samples(r, &count);
        json_t *data = json_array();
        double total = 0;
        for (size_t k = 0; k < count; k++) {
            json_array_append_new(data, json_real(samples[k] / 1e9));
            total += samples[k] / 1e9;
        }
        const char *full = perfbudget_result_name(r), *colons = strrchr(full, ':');
        const char *short_name = colons ? colons + 1 : full;
        const perfbudget_metrics *m = perfbudget_result_metrics(r);
        add_entry(
            &benchmarks, NULL,
            json_pack("{s:n, s:s, s:s, s:n, s:n, s:o, s:{s:b, s:s, s:f, s:i, s:f, s:b}, "
                      "s:{s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:s, s:I, s:s, s:o, "
                      "s:o, s:o, s:f, s:I, s:o}}",
                      "group", "name", short_name, "fullname", full, "params", "param",
                      "extra_info", verdict_json(r), "options", "disable_gc", 0, "timer", "perfbudget",
                      "min_rounds", 1.0, "max_time", 1, "min_time", 0.0, "warmup", 0, "stats",
                      "min", real_or_null(s->min / 1e9), "max", real_or_null(s->max / 1e9),
                      "mean", real_or_null(s->mean / 1e9), "stddev",
                      real_or_null(isnan(s->stddev) ? 0 : s->stddev / 1e9), "rounds",
                      (json_int_t)s->n, "median", real_or_null(s->median / 1e9), "iqr",
                      real_or_null(s->iqr / 1e9), "q1", real_or_null(s->p25 / 1e9), "q3",
                      real_or_null(s->p75 / 1e9), "iqr_outliers", "0", "stddev_outliers",
                      (json_int_t)0, "outliers", "0;0", "ld15iqr", real_or_null(s->min / 1e9),
                      "hd15iqr", real_or_null(s->max / 1e9), "ops",
                      real_or_null(s->mean > 0 ? 1e9 / s->mean : NAN), "total", total,
                      "iterations", (json_int_t)(m->iterations_per_sample ? m->iterations_per_sample : 1),
                      "data", data));
    }
    char when[40];
    iso_time(info, when, sizeof when);
    return json_pack("{s:{s:s, s:s}, s:{s:s?}, s:o, s:s, s:s}", "machine_info", "node",
                     "perfbudget", "python_implementation", "perfbudget", "commit_info", "id",
                     info ? info->commit : NULL, "benchmarks", benchmarks, "datetime", when,
                     "version", "5.2.3");
}

/* Google Benchmark's JSON: every sample an "iteration" run of the benchmark, as
 * --benchmark_repetitions writes them, so its compare script has samples for its U test. */
static json_t *google_benchmark_json(perfbudget_result *const *results, size_t n,
                                     const perfbudget_report_info *info) {
    json_t *benchmarks = json_array();
    for (size_t i = 0; benchmarks != NULL && i < n; i++) {
        const perfbudget_result *r = results[i];
        size_t count;
        const double *samples = perfbudget_result_samples(r, &count);
        const perfbudget_metrics *m = perfbudget_result_metrics(r);
        double cpu_share = isfinite(m->cpu_utilization) ? m->cpu_utilization : 1.0;
        if (perfbudget_result_status(r) != PERFBUDGET_RUN_OK || count == 0) {
            /* One errored run, as Google Benchmark writes a benchmark that failed: samples of a
             * failed run written as iterations would read back as a pass, and a benchmark with
             * none would vanish. */
            perfbudget_run_status status = perfbudget_result_status(r);
            const char *message = perfbudget_result_message(r);
            if (message == NULL || message[0] == '\0')
                message = status == PERFBUDGET_RUN_FAILED    ? "failed"
                          : status == PERFBUDGET_RUN_SKIPPED ? "skipped"
                                                             : "no samples";
            add_entry(
                &benchmarks, NULL,
                json_pack("{s:s, s:I, s:I, s:s, s:s, s:I, s:I, s:i, s:b, s:s, s:I, s:f, s:f, s:s}",
                          "name", perfbudget_result_name(r), "family_index", (json_int_t)i,
                          "per_family_instance_index", (json_int_t)0, "run_name",
                          perfbudget_result_name(r), "run_type", "iteration", "repetitions",
                          (json_int_t)1, "repetition_index", (json_int_t)0, "threads", 1,
                          "error_occurred", 1, "error_message", message, "iterations",
                          (json_int_t)0, "real_time", 0.0, "cpu_time", 0.0, "time_unit", "ns"));
            continue;
        }
        /* Google Benchmark's label (shown beside the run by its reporters): the verdict and
         * why, for what is not a plain pass. */
        char *label = reasons_line(r);
        for (size_t k = 0; benchmarks != NULL && k < count; k++) {
            /* A CPU share so large that the CPU time overflows says nothing: real time, as
             * when the share is unknown. */
            double cpu_time = samples[k] * cpu_share;
            if (!isfinite(cpu_time)) cpu_time = samples[k];
            add_entry(
                &benchmarks, NULL,
                json_pack("{s:s, s:I, s:I, s:s, s:s, s:I, s:I, s:i, s:I, s:f, s:f, s:s, s:s*}", "name",
                          perfbudget_result_name(r), "family_index", (json_int_t)i,
                          "per_family_instance_index", (json_int_t)0, "run_name",
                          perfbudget_result_name(r), "run_type", "iteration", "repetitions",
                          (json_int_t)count, "repetition_index", (json_int_t)k, "threads", 1,
                          "iterations",
                          (json_int_t)(m->iterations_per_sample ? m->iterations_per_sample : 1),
                          "real_time", samples[k], "cpu_time", cpu_time, "time_unit", "ns",
                          "label", label));
        }
        free(label);
    }
    char when[40];
    iso_time(info, when, sizeof when);
    return json_pack("{s:{s:s, s:s, s:s, s:i, s:f, s:b, s:[], s:s}, s:o}", "context", "date", when,
                     "host_name", "perfbudget", "executable", info && info->title ? info->title : "perfbudget",
                     "num_cpus", 0, "mhz_per_cpu", 0.0, "cpu_scaling_enabled", 0, "caches",
                     "library_build_type", "release", "benchmarks", benchmarks);
}

/* Bencher Metric Format: per benchmark, per measure, a value with its bounds. */
static json_t *bencher_json(perfbudget_result *const *results, size_t n) {
    json_t *root = json_object();
    for (size_t i = 0; root != NULL && i < n; i++) {
        const perfbudget_result *r = results[i];
        const perfbudget_summary *s = perfbudget_result_summary(r);
        const perfbudget_metrics *m = perfbudget_result_metrics(r);
        if (perfbudget_result_status(r) != PERFBUDGET_RUN_OK || s->n == 0) continue;
        json_t *measures = json_pack("{s:{s:o, s:o, s:o}}", "latency", "value",
                                     real_or_null(s->median),
                                     "lower_value", real_or_null(s->p25), "upper_value",
                                     real_or_null(s->p75));
        if (isfinite(m->items_per_second))
            json_object_set_new(measures, "throughput", json_pack("{s:f}", "value", m->items_per_second));
        if (isfinite(m->peak_rss_bytes))
            json_object_set_new(measures, "memory", json_pack("{s:f}", "value", m->peak_rss_bytes));
        if (isfinite(m->instructions_per_iteration))
            json_object_set_new(measures, "instructions",
                                json_pack("{s:f}", "value", m->instructions_per_iteration));
        add_entry(&root, perfbudget_result_name(r), measures);
    }
    return root;
}

/* OpenMetrics text: label values with control characters escaped as text, then backslash,
 * quote and newline escaped as the format says. */
static void put_label(perfbudget__text *b, const char *text) {
    static const char *const escapes[] = {"\\\\", "\\\"", "\\n"};
    perfbudget__append_text(b, text, "\\\"\n", escapes);
}

static void openmetrics(perfbudget__text *b, perfbudget_result *const *results, size_t n) {
    static const char *const statistics[] = {"median", "p95", "p99", "mean", "min", "max"};
    perfbudget__append(b, "# TYPE perfbudget_latency_seconds gauge\n");
    perfbudget__append(b, "# UNIT perfbudget_latency_seconds seconds\n");
    perfbudget__append(b, "# HELP perfbudget_latency_seconds Time per iteration of a benchmark, by statistic.\n");
    for (size_t i = 0; i < n; i++) {
        const perfbudget_summary *s = perfbudget_result_summary(results[i]);
        const double values[] = {s->median, s->p95, s->p99, s->mean, s->min, s->max};
        for (size_t k = 0; k < 6 && s->n > 0; k++) {
            perfbudget__append(b, "perfbudget_latency_seconds{benchmark=\"");
            put_label(b, perfbudget_result_name(results[i]));
            perfbudget__append(b, "\",statistic=\"%s\"} %.17g\n", statistics[k], values[k] / 1e9);
        }
    }
    perfbudget__append(b, "# TYPE perfbudget_peak_memory_bytes gauge\n");
    perfbudget__append(b, "# UNIT perfbudget_peak_memory_bytes bytes\n");
    perfbudget__append(b, "# HELP perfbudget_peak_memory_bytes Peak resident memory while measuring.\n");
    for (size_t i = 0; i < n; i++) {
        double peak = perfbudget_result_metrics(results[i])->peak_rss_bytes;
        if (!isfinite(peak)) continue;
        perfbudget__append(b, "perfbudget_peak_memory_bytes{benchmark=\"");
        put_label(b, perfbudget_result_name(results[i]));
        perfbudget__append(b, "\"} %.17g\n", peak);
    }
    perfbudget__append(b, "# TYPE perfbudget_failed gauge\n");
    perfbudget__append(b, "# HELP perfbudget_failed 1 when the benchmark failed its budget, a regression or its run.\n");
    for (size_t i = 0; i < n; i++) {
        perfbudget__append(b, "perfbudget_failed{benchmark=\"");
        put_label(b, perfbudget_result_name(results[i]));
        perfbudget__append(b, "\"} %d\n", perfbudget_result_test_status(results[i], NULL) == PERFBUDGET_TEST_FAIL);
    }
    perfbudget__append(b, "# EOF\n");
}

/* Chrome's trace-event JSON (which Perfetto and chrome://tracing open): one track per benchmark,
 * its measuring phase as the outer slice and the kept stage occurrences inside it. Times are
 * microseconds from the start of that benchmark's measuring; "X" is a complete event. */
static json_t *chrome_trace_json(perfbudget_result *const *results, size_t n,
                                 const perfbudget_report_info *info) {
    json_t *events = json_array();
    json_array_append_new(events, json_pack("{s:s, s:s, s:i, s:i, s:{s:s}}", "name", "process_name",
                                            "ph", "M", "pid", 1, "tid", 0, "args", "name",
                                            info && info->title ? info->title : "perfbudget"));
    for (size_t i = 0; i < n; i++) {
        const perfbudget_result *r = results[i];
        const perfbudget_metrics *m = perfbudget_result_metrics(r);
        json_int_t track = (json_int_t)i + 1;
        json_array_append_new(events, json_pack("{s:s, s:s, s:i, s:I, s:{s:s}}", "name",
                                                "thread_name", "ph", "M", "pid", 1, "tid", track,
                                                "args", "name", perfbudget_result_name(r)));
        json_array_append_new(events, json_pack("{s:s, s:I, s:s, s:I, s:{s:I}}", "name",
                                                "thread_sort_index", "tid", track, "ph", "M",
                                                "pid", (json_int_t)1, "args", "sort_index", track));
        if (!isfinite(m->wall_ns) || m->wall_ns <= 0.0) continue; /* never measured */
        json_array_append_new(
            events, json_pack("{s:s, s:s, s:s, s:i, s:I, s:f, s:f, s:{s:o, s:I}}", "name",
                              perfbudget_result_name(r), "cat", "benchmark", "ph", "X", "pid", 1,
                              "tid", track, "ts", 0.0, "dur", m->wall_ns / 1e3, "args",
                              "median_ns", real_or_null(perfbudget_result_summary(r)->median),
                              "rounds", (json_int_t)m->rounds));
        size_t stage_count, event_count;
        const perfbudget_stage *stages = perfbudget_result_stages(r, &stage_count);
        const perfbudget_trace_event *kept = perfbudget_result_trace_events(r, &event_count);
        for (size_t k = 0; k < event_count; k++)
            json_array_append_new(
                events, json_pack("{s:s, s:s, s:s, s:i, s:I, s:f, s:f}", "name",
                                  stages[kept[k].stage].name, "cat", "stage", "ph", "X", "pid", 1,
                                  "tid", track, "ts", kept[k].start_ns / 1e3, "dur",
                                  kept[k].duration_ns / 1e3));
    }
    return json_pack("{s:o, s:s}", "traceEvents", events, "displayTimeUnit", "ns");
}

/* The JSON another tool reads (pytest-benchmark, Google Benchmark, Bencher, a Chrome trace). */
static int render_tool_json(perfbudget_context *ctx, perfbudget_result *const *results,
                            size_t count, perfbudget_report_format format,
                            const perfbudget_report_info *info, char **out) {
    json_t *tool = format == PERFBUDGET_REPORT_PYTEST_BENCHMARK   ? pytest_benchmark_json(results, count, info)
                   : format == PERFBUDGET_REPORT_GOOGLE_BENCHMARK ? google_benchmark_json(results, count, info)
                   : format == PERFBUDGET_REPORT_BENCHER          ? bencher_json(results, count)
                   : format == PERFBUDGET_REPORT_CHROME_TRACE     ? chrome_trace_json(results, count, info)
                                                                  : NULL;
    /* A trace holds thousands of events: one line each, not one line per field. */
    size_t flags = format == PERFBUDGET_REPORT_CHROME_TRACE ? JSON_COMPACT : JSON_INDENT(2);
    /* jansson escapes C0 controls; DEL, C1 and the like as the rule of text.c says */
    *out = tool ? perfbudget__json_shown(json_dumps(tool, flags | JSON_REAL_PRECISION(17))) : NULL;
    json_decref(tool);
    return *out ? PERFBUDGET_OK
                : perfbudget__fail(ctx, PERFBUDGET_ENOMEM,
                                   "cannot encode the report (out of memory, or a figure JSON "
                                   "cannot hold)");
}

/* Markdown, CSV or OpenMetrics, what to look at first, names in natural order. */
static int render_text_report(perfbudget_context *ctx, perfbudget_result *const *results,
                              size_t count, perfbudget_report_format format,
                              const perfbudget_report_info *info, char **out) {
    perfbudget_result **sorted = malloc((count ? count : 1) * sizeof *sorted);
    if (sorted == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    if (count) memcpy(sorted, results, count * sizeof *sorted);
    qsort(sorted, count, sizeof *sorted, by_rank_then_name);
    perfbudget__text b = {0};
    if (format == PERFBUDGET_REPORT_MARKDOWN) markdown(&b, sorted, count, info);
    else if (format == PERFBUDGET_REPORT_CSV) csv(&b, sorted, count, info);
    else if (format == PERFBUDGET_REPORT_OPENMETRICS) openmetrics(&b, sorted, count);
    else b.failed = 2;
    free(sorted);
    if (b.failed) {
        free(b.data);
        return b.failed == 2 ? perfbudget__fail(ctx, PERFBUDGET_EINVAL, "unknown report format %d",
                                                (int)format)
                             : perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    }
    *out = b.data ? b.data : calloc(1, 1);
    return *out ? PERFBUDGET_OK : perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
}

void perfbudget_report_info_init(perfbudget_report_info *info) {
    if (info == NULL) return;
    memset(info, 0, sizeof *info);
    info->struct_size = sizeof *info;
}

int perfbudget__report_info_read(perfbudget_context *ctx, const perfbudget_report_info *in,
                                 perfbudget_report_info *out) {
    perfbudget_report_info_init(out);
    if (in == NULL) return PERFBUDGET_OK;
    return perfbudget__sized_read(ctx, "perfbudget_report_info", in,
                                  PERFBUDGET__REPORT_INFO_SIZE_1, sizeof *out, out);
}

int perfbudget_render_report(perfbudget_context *ctx, perfbudget_result *const *results,
                             size_t count, perfbudget_report_format format,
                             const perfbudget_report_info *info, char **out) {
    if (out == NULL || (results == NULL && count > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "render_report: NULL argument");
    /* The renderers below take NULL as "nothing known": keep it so, else the caller's fields. */
    perfbudget_report_info known;
    if (info != NULL) {
        if (perfbudget__report_info_read(ctx, info, &known) != PERFBUDGET_OK)
            return PERFBUDGET_EINVAL;
        info = &known;
    }
    if (format == PERFBUDGET_REPORT_HTML) {
        /* What to look at first, names in natural order, as in Markdown */
        perfbudget_result **ordered = malloc((count ? count : 1) * sizeof *ordered);
        if (ordered == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
        if (count) memcpy(ordered, results, count * sizeof *ordered);
        qsort(ordered, count, sizeof *ordered, by_rank_then_name);
        int code = perfbudget__render_html(ctx, ordered, count, info, out);
        free(ordered);
        return code;
    }
    if (format == PERFBUDGET_REPORT_JSON)
        return perfbudget__results_json_text(ctx, info && info->title ? info->title : "report",
                                             results, count, out);
    if (format == PERFBUDGET_REPORT_PYTEST_BENCHMARK || format == PERFBUDGET_REPORT_GOOGLE_BENCHMARK ||
        format == PERFBUDGET_REPORT_BENCHER || format == PERFBUDGET_REPORT_CHROME_TRACE)
        return render_tool_json(ctx, results, count, format, info, out);
    return render_text_report(ctx, results, count, format, info, out);
}

char *perfbudget_report_format_list(char *buf, size_t size) {
    if (buf == NULL || size == 0) return buf;
    return perfbudget__report_format_list(buf, size);
}
