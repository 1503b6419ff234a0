/* SPDX-License-Identifier: MIT */
/* The HTML report: one self-contained file (no network at view time) with a sortable summary
 * table and, per benchmark, the distribution of its samples against the baseline's with the
 * budget's limits drawn in, and its trend over the history with the detected steps marked. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* Every text from user data goes through here: names, messages, commits, the title. Control
 * characters are not allowed in HTML, even as references: they are shown as text (\x1b). */
static void text(perfbudget__text *h, const char *s) {
    static const char *const entities[] = {"&lt;", "&gt;", "&amp;", "&quot;", "&#39;"};
    perfbudget__append_text(h, s, "<>&\"'", entities);
}

enum { WIDTH = 640, HEIGHT = 120, MARGIN = 40 };
/* Dots drawn per band: 600 px cannot show more, and one <circle> per sample made the report of
 * a 1,000,000-sample benchmark 60 MB that no browser opens. */
enum { MAX_DOTS = 2000 };

static double x_of(double value, double low, double high) {
    return high > low ? MARGIN + (value - low) / (high - low) * (WIDTH - 2 * MARGIN) : WIDTH / 2.0;
}

/* Samples of the current run (upper band) and of the baseline (lower band), and the budget's
 * latency limits as vertical lines. */
static void distribution(perfbudget__text *h, const perfbudget_result *r,
                         const perfbudget_result *base) {
    size_t n, nb = 0;
    const double *samples = perfbudget_result_samples(r, &n);
    const double *baseline = base ? perfbudget_result_samples(base, &nb) : NULL;
    if (n == 0) return;
    double low = INFINITY, high = -INFINITY;
    for (size_t i = 0; i < n; i++) low = fmin(low, samples[i]), high = fmax(high, samples[i]);
    for (size_t i = 0; i < nb; i++) low = fmin(low, baseline[i]), high = fmax(high, baseline[i]);
    const perfbudget_limit_verdict *verdicts;
    size_t count = perfbudget_result_verdicts(r, &verdicts);
    for (size_t i = 0; i < count; i++)
        if (verdicts[i].limit->kind == PERFBUDGET_QUANTITY_DURATION && isfinite(verdicts[i].allowed) &&
            verdicts[i].limit->metric != PERFBUDGET_METRIC_CUSTOM &&
            verdicts[i].allowed < 10 * high)
            high = fmax(high, verdicts[i].allowed);
    double pad = (high - low) * 0.05 + 1e-9;
    low -= pad, high += pad;
    perfbudget__append(h, "<svg class=\"plot distribution\" viewBox=\"0 0 %d %d\" role=\"img\" "
                       "aria-label=\"distribution of samples\">", WIDTH, HEIGHT);
    perfbudget__append(h, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>",
                       MARGIN, HEIGHT - 25,
                       WIDTH - MARGIN, HEIGHT - 25);
    char label[32];
    perfbudget_format_value(low, PERFBUDGET_UNIT_NS, label, sizeof label);
    perfbudget__append(h, "<text x=\"%d\" y=\"%d\" class=\"tick\">%s</text>",
                       MARGIN, HEIGHT - 8, label);
    perfbudget_format_value(high, PERFBUDGET_UNIT_NS, label, sizeof label);
    perfbudget__append(h, "<text x=\"%d\" y=\"%d\" class=\"tick\" text-anchor=\"end\">%s</text>",
                       WIDTH - MARGIN,
                       HEIGHT - 8, label);
    /* A fixed jitter pattern: the same file for the same data. Beyond MAX_DOTS, every k-th
     * sample: an even subsample of the run, whose min and max still set the axis. */
    size_t step = n > MAX_DOTS ? (n + MAX_DOTS - 1) / MAX_DOTS : 1;
    for (size_t i = 0; i < n; i += step)
        perfbudget__append(h, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" class=\"current\"/>",
                           x_of(samples[i], low, high), 20.0 + (double)((i / step * 37) % 17));
    if (step > 1)
        perfbudget__append(h, "<text x=\"%d\" y=\"12\" class=\"legend\" text-anchor=\"end\">"
                              "%zu of %zu samples drawn</text>",
                           WIDTH - 4, (n + step - 1) / step, n);
    step = nb > MAX_DOTS ? (nb + MAX_DOTS - 1) / MAX_DOTS : 1;
    for (size_t i = 0; i < nb; i += step)
        perfbudget__append(h, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" class=\"baseline\"/>",
                           x_of(baseline[i], low, high), 55.0 + (double)((i / step * 37) % 17));
    perfbudget__append(h, "<text x=\"4\" y=\"32\" class=\"legend\">now</text>");
    if (nb) perfbudget__append(h, "<text x=\"4\" y=\"67\" class=\"legend\">base</text>");
    for (size_t i = 0; i < count; i++) {
        const perfbudget_limit *limit = verdicts[i].limit;
        if (limit->kind != PERFBUDGET_QUANTITY_DURATION || limit->metric == PERFBUDGET_METRIC_CUSTOM)
            continue;
        const double levels[2] = {limit->warn, limit->fail};
        for (int k = 0; k < 2; k++) {
            if (!isfinite(levels[k]) || levels[k] < low || levels[k] > high) continue;
            double x = x_of(levels[k], low, high);
            perfbudget__append(h, "<line x1=\"%.1f\" y1=\"8\" x2=\"%.1f\" y2=\"%d\" class=\"limit %s\"/>", x, x,
                               HEIGHT - 25, k ? "fail" : "warn");
            perfbudget__append(h, "<text x=\"%.1f\" y=\"10\" class=\"limit-label\">", x + 3);
            text(h, limit->name);
            perfbudget__append(h, " %s</text>", k ? "budget" : "warn");
        }
    }
    perfbudget__append(h, "</svg>");
}

/* The history's medians of this benchmark, with steps marked and commits and dates on x. */
static void trend(perfbudget__text *h, perfbudget_context *ctx, perfbudget_history *history,
                  const perfbudget_result *r) {
    perfbudget_series_point *points = NULL;
    size_t n = 0;
    if (history == NULL ||
        perfbudget_history_series(history, perfbudget_result_name(r), 100, 0, &points, &n) !=
            PERFBUDGET_OK || n < 2) {
        perfbudget_free(points);
        return;
    }
    double *medians = malloc(n * sizeof *medians);
    if (medians == NULL) {
        perfbudget_free(points);
        return;
    }
    double low = INFINITY, high = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        medians[i] = points[i].median;
        low = fmin(low, medians[i]), high = fmax(high, medians[i]);
    }
    double pad = (high - low) * 0.1 + 1e-9;
    low -= pad, high += pad;
    perfbudget_step steps[8];
    size_t found = 0;
    perfbudget_detect_steps(ctx, medians, n, 5.0, 5, steps, 8, &found);
    perfbudget__append(h, "<svg class=\"plot trend\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"trend over "
                       "the history\">", WIDTH, HEIGHT + 20);
    perfbudget__append(h, "<polyline class=\"series\" points=\"");
    for (size_t i = 0; i < n; i++)
        perfbudget__append(h, "%.1f,%.1f ",
                           MARGIN + (double)i / (double)(n - 1) * (WIDTH - 2 * MARGIN),
                           10 + (1 - (medians[i] - low) / (high - low)) * (HEIGHT - 30));
    perfbudget__append(h, "\"/>");
    for (size_t k = 0; k < found; k++) {
        double x = MARGIN + (double)steps[k].index / (double)(n - 1) * (WIDTH - 2 * MARGIN);
        perfbudget__append(h, "<line x1=\"%.1f\" y1=\"5\" x2=\"%.1f\" y2=\"%d\" class=\"step\"/>",
                           x, x, HEIGHT - 20);
        perfbudget__append(h, "<text x=\"%.1f\" y=\"14\" class=\"step-label\">step %+.1f%%</text>",
                           x + 3,
                           steps[k].change_pct);
    }
    /* x labels: the first and last run, and every step, by commit and date */
    size_t labelled[10] = {0, n - 1};
    size_t labels = 2;
    for (size_t k = 0; k < found && labels < 10; k++) labelled[labels++] = steps[k].index;
    for (size_t k = 0; k < labels; k++) {
        const perfbudget_series_point *p = &points[labelled[k]];
        double x = MARGIN + (double)labelled[k] / (double)(n - 1) * (WIDTH - 2 * MARGIN);
        time_t seconds = (time_t)(p->created_ns / 1000000000);
        struct tm utc;
        char when[16];
        strftime(when, sizeof when, "%m-%d", gmtime_r(&seconds, &utc));
        perfbudget__append(h, "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">",
                           x, HEIGHT + 2);
        if (p->commit[0]) {
            char commit[8];
            snprintf(commit, sizeof commit, "%.7s", p->commit);
            text(h, commit);
            perfbudget__append(h, " ");
        }
        perfbudget__append(h, "%s</text>", when);
    }
    char label[32];
    perfbudget_format_value(high, PERFBUDGET_UNIT_NS, label, sizeof label);
    perfbudget__append(h, "<text x=\"2\" y=\"14\" class=\"tick\">%s</text>", label);
    perfbudget_format_value(low, PERFBUDGET_UNIT_NS, label, sizeof label);
    perfbudget__append(h, "<text x=\"2\" y=\"%d\" class=\"tick\">%s</text>", HEIGHT - 20, label);
    perfbudget__append(h, "</svg>");
    free(medians);
    perfbudget_free(points);
}

static const char STYLE[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse}th,td{padding:3px 8px;border-bottom:1px solid #ddd;"
    "text-align:right}th{cursor:pointer;background:#f4f4f4}td:first-child,th:first-child{"
    "text-align:left}.fail{color:#b00}.pass{color:#070}.note{color:#a60}"
    "svg.plot{width:100%;max-width:680px;display:block;margin:.5em 0;background:#fafafa}"
    ".axis{stroke:#888}.tick,.legend{font-size:10px;fill:#555}.current{fill:#2466c2;opacity:.7}"
    ".baseline{fill:#999;opacity:.7}line.limit{stroke-dasharray:4 3;stroke-width:1.5}"
    "line.limit.fail{stroke:#c00}line.limit.warn{stroke:#e90}.limit-label{font-size:10px;"
    "fill:#c00}.series{fill:none;stroke:#2466c2;stroke-width:1.5}.step{stroke:#c00;"
    "stroke-dasharray:3 3}.step-label{font-size:10px;fill:#c00}section{margin-top:2em}";

/* Sorting by a column's data-sort values (numbers where the cell is a figure). */
static const char SCRIPT[] =
    "document.querySelectorAll('table.sortable th').forEach(function(th,col){"
    "th.addEventListener('click',function(){var body=th.closest('table').tBodies[0];"
    "var rows=Array.prototype.slice.call(body.rows);var up=th.dataset.order!=='asc';"
    "th.dataset.order=up?'asc':'desc';rows.sort(function(a,b){"
    "var x=a.cells[col].dataset.sort,y=b.cells[col].dataset.sort;"
    "var nx=parseFloat(x),ny=parseFloat(y);var c=(isNaN(nx)||isNaN(ny))?"
    "String(x).localeCompare(String(y)):nx-ny;return up?c:-c;});"
    "rows.forEach(function(r){body.appendChild(r);});});});";

static void cell(perfbudget__text *h, double sort_value, const char *shown, const char *cls) {
    perfbudget__append(h, "<td data-sort=\"%.17g\"%s%s%s>",
                       isfinite(sort_value) ? sort_value : -1.0,
                       cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    text(h, shown);
    perfbudget__append(h, "</td>");
}

/* Where the time of each iteration went: the stages the benchmark timed, with their share of
 * the measuring phase's wall time. */
static void stages_table(perfbudget__text *h, const perfbudget_result *r) {
    size_t count;
    const perfbudget_stage *stages = perfbudget_result_stages(r, &count);
    if (count == 0) return;
    double wall = perfbudget_result_metrics(r)->wall_ns;
    perfbudget__append(h, "<table class=\"stages\"><thead><tr><th>stage</th><th>count</th>"
                          "<th>mean</th><th>p99</th><th>total</th><th>share</th></tr></thead><tbody>");
    for (size_t k = 0; k < count; k++) {
        char mean[32], p99[32], total[32], share[32];
        perfbudget_format_value(stages[k].mean_ns, PERFBUDGET_UNIT_NS, mean, sizeof mean);
        perfbudget_format_value(stages[k].p99_ns, PERFBUDGET_UNIT_NS, p99, sizeof p99);
        perfbudget_format_value(stages[k].total_ns, PERFBUDGET_UNIT_NS, total, sizeof total);
        perfbudget_format_value(wall > 0 ? 100.0 * stages[k].total_ns / wall : NAN,
                                PERFBUDGET_UNIT_PERCENT, share, sizeof share);
        perfbudget__append(h, "<tr><td>");
        text(h, stages[k].name);
        perfbudget__append(h, "</td><td>%llu</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>",
                           (unsigned long long)stages[k].count, mean, p99, total, share);
    }
    perfbudget__append(h, "</tbody></table>");
}

int perfbudget__render_html(perfbudget_context *ctx, perfbudget_result *const *results, size_t n,
                            const perfbudget_report_info *info, char **result_text) {
    perfbudget_result *const *baseline = info ? info->baseline_results : NULL;
    size_t n_baseline = info ? info->baseline_count : 0;
    perfbudget_history *history = info ? info->history : NULL;
    if (result_text == NULL || (results == NULL && n > 0) || (baseline == NULL && n_baseline > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "render_html: NULL argument");
    perfbudget__text h = {0};
    const char *title = info && info->title ? info->title : "perfbudget";
    perfbudget__append(&h, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
    text(&h, title);
    perfbudget__append(&h, "</title><style>%s</style></head><body><h1>", STYLE);
    text(&h, title);
    perfbudget__append(&h, "</h1>");
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) failed += perfbudget_result_test_status(results[i], NULL) == PERFBUDGET_TEST_FAIL;
    perfbudget__append(&h, "<p class=\"%s\">%zu benchmark%s, %zu failed", failed ? "fail" : "pass", n,
                       n == 1 ? "" : "s", failed);
    if (info && info->commit) {
        perfbudget__append(&h, " · commit ");
        text(&h, info->commit);
    }
    if (info && info->baseline) {
        perfbudget__append(&h, " · compared with ");
        text(&h, info->baseline);
    }
    perfbudget__append(&h, "</p>\n<table class=\"sortable\" id=\"summary\"><thead><tr><th>benchmark</th>"
            "<th>median</th><th>p95</th><th>p99</th><th>memory</th><th>Δ vs baseline</th>"
                       "<th>verdict</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const perfbudget_result *r = results[i];
        const perfbudget_summary *s = perfbudget_result_summary(r);
        const perfbudget_metrics *m = perfbudget_result_metrics(r);
        char buf[4][32], delta[32] = "";
        perfbudget_format_value(s->median, PERFBUDGET_UNIT_NS, buf[0], sizeof buf[0]);
        perfbudget_format_value(s->p95, PERFBUDGET_UNIT_NS, buf[1], sizeof buf[1]);
        perfbudget_format_value(s->p99, PERFBUDGET_UNIT_NS, buf[2], sizeof buf[2]);
        perfbudget_format_value(m->peak_rss_bytes, PERFBUDGET_UNIT_BYTES, buf[3], sizeof buf[3]);
        const perfbudget_comparison *latency = perfbudget_result_latency_comparison(r);
        double change = latency != NULL ? latency->change_pct : NAN;
        if (!isnan(change)) snprintf(delta, sizeof delta, "%+.1f %%", change);
        perfbudget_test_status status = perfbudget_result_test_status(r, NULL);
        perfbudget__append(&h, "<tr><td data-sort=\"");
        text(&h, perfbudget_result_name(r));
        perfbudget__append(&h, "\"><a href=\"#b%zu\">", i);
        text(&h, perfbudget_result_name(r));
        perfbudget__append(&h, "</a></td>");
        cell(&h, s->median, buf[0], NULL);
        cell(&h, s->p95, buf[1], NULL);
        cell(&h, s->p99, buf[2], NULL);
        cell(&h, m->peak_rss_bytes, buf[3], NULL);
        cell(&h, change, delta, NULL);
        static const char *const words[] = {"pass", "FAIL", "skipped"};
        cell(&h, (double)status, words[status], status == PERFBUDGET_TEST_FAIL ? "fail" : "pass");
        perfbudget__append(&h, "</tr>");
    }
    perfbudget__append(&h, "</tbody></table>\n");
    for (size_t i = 0; i < n; i++) {
        const perfbudget_result *r = results[i];
        const perfbudget_result *base = NULL;
        for (size_t k = 0; k < n_baseline && base == NULL; k++)
            if (strcmp(perfbudget_result_name(baseline[k]), perfbudget_result_name(r)) == 0)
                base = baseline[k];
        perfbudget__append(&h, "<section id=\"b%zu\"><h2>", i);
        text(&h, perfbudget_result_name(r));
        perfbudget__append(&h, "</h2>");
        if (perfbudget_result_status(r) != PERFBUDGET_RUN_OK) {
            perfbudget__append(&h, "<p class=\"fail\">");
            text(&h, perfbudget_result_message(r));
            perfbudget__append(&h, "</p>");
        }
        const perfbudget_limit_verdict *verdicts;
        size_t count = perfbudget_result_verdicts(r, &verdicts);
        if (count) perfbudget__append(&h, "<ul>");
        for (size_t k = 0; k < count; k++) {
            perfbudget__append(&h, "<li class=\"%s\">", verdicts[k].status == PERFBUDGET_LIMIT_FAIL ? "fail"
                               : verdicts[k].status == PERFBUDGET_LIMIT_PASS ? "pass"
                               : "note");
            text(&h, verdicts[k].text);
            perfbudget__append(&h, "</li>");
        }
        if (count) perfbudget__append(&h, "</ul>");
        distribution(&h, r, base);
        stages_table(&h, r);
        trend(&h, ctx, history, r);
        perfbudget__append(&h, "</section>\n");
    }
    perfbudget__append(&h, "<script>%s</script></body></html>\n", SCRIPT);
    if (h.failed) {
        free(h.data);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "render_html: out of memory");
    }
    *result_text = h.data;
    return PERFBUDGET_OK;
}
