/* SPDX-License-Identifier: MIT */
/* The site: a static dashboard over the whole history, as asv's `publish` makes. An index of
 * every benchmark (its newest result's verdict and why, its last step and a sparkline of its
 * trend, filterable by branch, environment and mode) and a page per benchmark with its trend,
 * its steps and its distributions, drawn with the HTML report's pieces. Plain files that work
 * from file:// and as a CI artifact: no script or style is fetched. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* The runs a benchmark's trend, sparkline and steps cover: `perfbudget history`'s default
 * window and step threshold, so that both show the same steps. */
enum { SITE_WINDOW = 100, MAX_STEPS = 16, SPARK_WIDTH = 120, SPARK_HEIGHT = 24 };
#define SITE_MIN_CHANGE_PCT 5.0

static void text(perfbudget__text *h, const char *s) {
    static const char *const entities[] = {"&lt;", "&gt;", "&amp;", "&quot;", "&#39;"};
    perfbudget__append_text(h, s, "<>&\"'", entities);
}

/* A run of the history, loaded once for every benchmark whose newest result it holds. */
typedef struct loaded_run {
    perfbudget_run_record record;
    perfbudget_result **results;
    size_t count;
} loaded_run;

typedef struct site_row {
    const char *name;                 /* borrowed from the names' array */
    char file[80];                    /* the page's file name: ASCII, no slash, unique */
    perfbudget_series_point *points;  /* the newest series, oldest first */
    size_t n;
    perfbudget_step steps[MAX_STEPS];
    size_t found;
    const loaded_run *run;           /* the newest result's run (NULL: no successful result) */
    perfbudget_result *latest;       /* borrowed from run */
    perfbudget_result *previous;     /* the series' run before it, borrowed (NULL: none) */
    perfbudget__word word;
    int by_count;                    /* instructions mode: valgrind's times are not drawn */
} site_row;

typedef struct site {
    perfbudget_context *ctx;
    const perfbudget_report_info *info;
    loaded_run **runs; /* each apart: the rows point at them while the array grows */
    size_t n_runs, runs_capacity;
    site_row *rows;
    size_t n_rows;
} site;

/* The page's file name: "b" and the row's number (unique whatever the names), then the name's
 * letters, digits, '-' and '_' (others as '_'), so that no name can climb out of the directory
 * ('/', "..") or need escaping in a link. */
static void page_name(char *out, size_t size, size_t index, const char *name) {
    int used = snprintf(out, size, "b%04zu-", index);
    size_t k = used > 0 ? (size_t)used : 0;
    for (const char *c = name; *c && k + 6 < size && k < 48; c++) {
        int keep = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                   (*c >= '0' && *c <= '9') || *c == '-' || *c == '_';
        char shown = keep ? *c : '_';
        if (shown == '_' && k > 0 && out[k - 1] == '_') continue;
        out[k++] = shown;
    }
    snprintf(out + k, size - k, ".html");
}

/* The run of that id, from the runs loaded so far or the history. */
static int load_run(site *s, int64_t run_id, const loaded_run **out) {
    for (size_t i = 0; i < s->n_runs; i++)
        if (s->runs[i]->record.id == run_id) return *out = s->runs[i], PERFBUDGET_OK;
    if (s->n_runs == s->runs_capacity) {
        size_t capacity = s->runs_capacity ? 2 * s->runs_capacity : 8;
        loaded_run **runs = realloc(s->runs, capacity * sizeof *runs);
        if (runs == NULL) return perfbudget__fail(s->ctx, PERFBUDGET_ENOMEM, "site: out of memory");
        s->runs = runs, s->runs_capacity = capacity;
    }
    loaded_run *run = calloc(1, sizeof *run);
    if (run == NULL) return perfbudget__fail(s->ctx, PERFBUDGET_ENOMEM, "site: out of memory");
    int code = perfbudget_history_run(s->info->history, run_id, &run->record);
    if (code == PERFBUDGET_OK)
        code = perfbudget_history_load_run(s->info->history, run_id, &run->results, &run->count);
    if (code != PERFBUDGET_OK) {
        free(run);
        return code;
    }
    s->runs[s->n_runs++] = run;
    *out = run;
    return PERFBUDGET_OK;
}

/* The result of that name (and mode; -1: any) in the run, or NULL. */
static perfbudget_result *find_result(const loaded_run *run, const char *name, int mode) {
    for (size_t k = 0; k < run->count; k++)
        if (strcmp(perfbudget_result_name(run->results[k]), name) == 0 &&
            (mode < 0 || (int)perfbudget_result_mode(run->results[k]) == mode))
            return run->results[k];
    return NULL;
}

/* One row: the newest series of the benchmark, its steps, and its newest result judged. */
static int gather(site *s, site_row *row, const perfbudget_conclude_options *judging) {
    size_t *series_of = NULL, n = 0;
    int code = perfbudget_history_trend(s->info->history, row->name, SITE_WINDOW, 0,
                                        &row->points, &series_of, &n);
    if (code != PERFBUDGET_OK) return code;
    /* The newest series only (one code version on one environment), as `perfbudget history`
     * compares: runs of others are never compared with it. */
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (series_of[k] == 0 && !isnan(row->points[k].median)) row->points[m++] = row->points[k];
    perfbudget_free(series_of);
    row->n = m;
    row->word = PERFBUDGET__SKIPPED; /* shown as "no result" */
    if (m == 0) return PERFBUDGET_OK;
    if ((code = load_run(s, row->points[m - 1].run_id, &row->run)) != PERFBUDGET_OK) return code;
    row->latest = find_result(row->run, row->name, -1);
    if (row->latest == NULL) return PERFBUDGET_OK;
    if (judging != NULL) {
        perfbudget_conclude_options options = *judging;
        if (options.history != NULL) {
            options.environment = row->run->record.environment;
            options.branch = row->run->record.branch[0] ? row->run->record.branch : NULL;
        }
        if ((code = perfbudget_result_conclude(s->ctx, row->latest, &options)) != PERFBUDGET_OK)
            return code;
    }
    row->word = perfbudget__word_of(row->latest);
    row->by_count = perfbudget_result_mode(row->latest) == PERFBUDGET_MODE_INSTRUCTIONS;
    if (row->by_count || m < 2) return PERFBUDGET_OK;
    /* Without a baseline, the distributions drawn are the newest run's and the run's before */
    if (s->info->baseline_count == 0) {
        const loaded_run *before;
        if ((code = load_run(s, row->points[m - 2].run_id, &before)) != PERFBUDGET_OK) return code;
        row->previous = find_result(before, row->name, perfbudget_result_mode(row->latest));
    }
    double *medians = malloc(m * sizeof *medians);
    if (medians == NULL) return perfbudget__fail(s->ctx, PERFBUDGET_ENOMEM, "site: out of memory");
    for (size_t k = 0; k < m; k++) medians[k] = row->points[k].median;
    if (perfbudget_detect_steps(s->ctx, medians, m, SITE_MIN_CHANGE_PCT, 5, row->steps,
                                MAX_STEPS, &row->found) != PERFBUDGET_OK)
        row->found = 0;
    free(medians);
    return PERFBUDGET_OK;
}

static const char *mode_of(const site_row *row) {
    return row->latest ? perfbudget_mode_name(perfbudget_result_mode(row->latest)) : "";
}
static const char *branch_of(const site_row *row) {
    return row->run && row->run->record.branch[0] ? row->run->record.branch : "(none)";
}
static const char *environment_of(const site_row *row) {
    return row->run && row->run->record.environment[0] ? row->run->record.environment : "(none)";
}

static void date_of(int64_t created_ns, char *out, size_t size) {
    time_t seconds = (time_t)(created_ns / 1000000000);
    struct tm utc;
    if (created_ns <= 0 || gmtime_r(&seconds, &utc) == NULL) snprintf(out, size, "?");
    else strftime(out, size, "%Y-%m-%d %H:%M UTC", &utc);
}

/* The newest figure: the median time, or in instructions mode the instruction count. */
static double latest_figure(const site_row *row, char *out, size_t size) {
    out[0] = '\0';
    if (row->latest == NULL) return NAN;
    if (row->by_count) {
        double count = perfbudget_result_metrics(row->latest)->instructions_per_iteration;
        char shown[32];
        perfbudget_format_value(count, PERFBUDGET_UNIT_COUNT, shown, sizeof shown);
        snprintf(out, size, "%s instr", shown);
        return count;
    }
    double median = perfbudget_result_summary(row->latest)->median;
    perfbudget_format_value(median, PERFBUDGET_UNIT_NS, out, size);
    return median;
}

/* The last step, "+98.7 % at run 16", or why there is none. */
static void last_change(const site_row *row, char *out, size_t size) {
    if (row->by_count) snprintf(out, size, "not looked for (instructions mode)");
    else if (row->found == 0)
        snprintf(out, size, "none in %zu run%s", row->n, row->n == 1 ? "" : "s");
    else {
        const perfbudget_step *step = &row->steps[row->found - 1];
        snprintf(out, size, "%+.1f %% at run %lld", step->change_pct,
                 (long long)row->points[step->index].run_id);
    }
}

/* A sparkline: the series' medians on an axis from 0 (a 2x step looks like one), the steps as
 * red ticks; no text, the figures are in the row. */
static void sparkline(perfbudget__text *h, const site_row *row) {
    if (row->by_count || row->n < 2) {
        perfbudget__append(h, "—");
        return;
    }
    double top = 0;
    for (size_t k = 0; k < row->n; k++) top = fmax(top, row->points[k].median);
    if (!(top > 0)) top = 1;
    double span = (SPARK_WIDTH - 2.0) / (double)(row->n - 1);
    perfbudget__append(h, "<svg class=\"spark\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
                          "role=\"img\" aria-label=\"trend\">",
                       SPARK_WIDTH, SPARK_HEIGHT, SPARK_WIDTH, SPARK_HEIGHT);
    for (size_t k = 0; k < row->found; k++) {
        double x = 1 + (double)row->steps[k].index * span;
        perfbudget__append(h, "<line class=\"step\" x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\"/>",
                           x, x, SPARK_HEIGHT);
    }
    perfbudget__append(h, "<polyline class=\"series\" points=\"");
    for (size_t k = 0; k < row->n; k++)
        perfbudget__append(h, "%.1f,%.1f ", 1 + (double)k * span,
                           SPARK_HEIGHT - 1 - (SPARK_HEIGHT - 2) * row->points[k].median / top);
    perfbudget__append(h, "\"/></svg>");
}

static const char SITE_STYLE[] =
    "td.why{text-align:left;max-width:32em;font-size:12px}td.why ul{margin:0;padding-left:1em}"
    "td.env{max-width:14em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;"
    "text-align:left}td.left{text-align:left}svg.spark{display:block}"
    "svg.spark .series{stroke-width:1.2}form.filters{margin:1em 0}form.filters label{"
    "margin-right:1.2em}table.steps td{text-align:right}section.benchmark{color:#222}"
    "#index th{text-align:left}select.filter{max-width:22em}";

/* The filters: each select keeps the rows whose data-KEY is its value ("" for all). */
static const char FILTER_SCRIPT[] =
    "(function(){var selects=document.querySelectorAll('select.filter');"
    "function apply(){var shown=0;document.querySelectorAll('#index tbody tr').forEach("
    "function(row){var keep=true;selects.forEach(function(s){"
    "if(s.value!==''&&row.getAttribute('data-'+s.name)!==s.value)keep=false;});"
    "row.hidden=!keep;if(keep)shown++;});"
    "document.getElementById('shown').textContent=shown+' shown';}"
    "selects.forEach(function(s){s.addEventListener('change',apply);});apply();})();";

static int by_string(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A select of the distinct values of one attribute over the rows. */
static void filter(perfbudget__text *h, const site *s, const char *key, const char *label,
                   const char *(*value_of)(const site_row *)) {
    const char **values = malloc((s->n_rows ? s->n_rows : 1) * sizeof *values);
    if (values == NULL) {
        h->failed = 1;
        return;
    }
    for (size_t i = 0; i < s->n_rows; i++) values[i] = value_of(&s->rows[i]);
    qsort(values, s->n_rows, sizeof *values, by_string);
    perfbudget__append(h, "<label>%s <select class=\"filter\" name=\"%s\" id=\"filter-%s\">"
                          "<option value=\"\">all</option>", label, key, key);
    for (size_t i = 0; i < s->n_rows; i++) {
        if (i > 0 && strcmp(values[i], values[i - 1]) == 0) continue;
        perfbudget__append(h, "<option value=\"");
        text(h, values[i]);
        perfbudget__append(h, "\">");
        text(h, values[i]);
        perfbudget__append(h, "</option>");
    }
    perfbudget__append(h, "</select></label>");
    free(values);
}

static void page_head(perfbudget__text *h, const char *title) {
    perfbudget__append(h, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                          "<title>");
    text(h, title);
    perfbudget__append(h, "</title><style>%s%s</style></head><body>", perfbudget__html_style,
                       SITE_STYLE);
}

static void render_index(perfbudget__text *h, const site *s) {
    const char *title = s->info->title ? s->info->title : "perfbudget";
    page_head(h, title);
    perfbudget__append(h, "<h1>");
    text(h, title);
    perfbudget__append(h, "</h1>");
    size_t words[PERFBUDGET__PASSED + 1] = {0};
    for (size_t i = 0; i < s->n_rows; i++) words[s->rows[i].word]++;
    size_t failed = words[PERFBUDGET__ERRORED] + words[PERFBUDGET__FAILED];
    perfbudget__append(h, "<p class=\"%s\">%zu benchmark%s in the history, %zu failed",
                       failed ? "fail" : "pass", s->n_rows, s->n_rows == 1 ? "" : "s", failed);
    static const char *const counted[] = {"errored", NULL, "inconclusive", "warned", "improved",
                                          "skipped"};
    for (int w = PERFBUDGET__ERRORED; w < PERFBUDGET__PASSED; w++)
        if (counted[w] && words[w]) perfbudget__append(h, ", %zu %s", words[w], counted[w]);
    if (s->info->baseline) {
        perfbudget__append(h, " · compared with ");
        text(h, s->info->baseline);
    }
    perfbudget__append(h, " · each row is the benchmark's newest result; trends and steps over "
                          "its last %d runs of one code version and environment</p>",
                       SITE_WINDOW);
    perfbudget__append(h, "<form class=\"filters\">");
    filter(h, s, "branch", "branch", branch_of);
    filter(h, s, "environment", "environment", environment_of);
    filter(h, s, "mode", "mode", mode_of);
    perfbudget__append(h, "<span id=\"shown\"></span></form>\n"
                          "<table class=\"sortable\" id=\"index\"><thead><tr><th>benchmark</th>"
                          "<th>status</th><th>why</th><th>latest</th><th>last change</th>"
                          "<th>trend</th><th>runs</th><th>branch</th><th>environment</th>"
                          "<th>mode</th><th>source</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < s->n_rows; i++) {
        const site_row *row = &s->rows[i];
        perfbudget__append(h, "<tr data-branch=\"");
        text(h, branch_of(row));
        perfbudget__append(h, "\" data-environment=\"");
        text(h, environment_of(row));
        perfbudget__append(h, "\" data-mode=\"%s\"><td data-sort=\"", mode_of(row));
        text(h, row->name);
        perfbudget__append(h, "\"><a href=\"%s\">", row->file);
        text(h, row->name);
        perfbudget__append(h, "</a></td><td data-sort=\"%d\" class=\"verdict %s\">%s</td>"
                              "<td class=\"why\" data-sort=\"%d\">",
                           (int)row->word, perfbudget__html_word_class(row->word),
                           row->latest ? perfbudget__word_name(row->word) : "no result",
                           (int)row->word);
        if (row->latest) perfbudget__html_reasons(h, row->latest);
        else perfbudget__append(h, "no successful result in the last %d runs", SITE_WINDOW);
        char figure[48], change[64];
        double value = latest_figure(row, figure, sizeof figure);
        last_change(row, change, sizeof change);
        perfbudget__append(h, "</td><td data-sort=\"%.17g\">%s</td>",
                           isfinite(value) ? value : -1.0, figure);
        perfbudget__append(h, "<td data-sort=\"%.17g\" class=\"left\">%s</td><td data-sort=\"0\">",
                           row->found ? row->steps[row->found - 1].change_pct : 0.0, change);
        sparkline(h, row);
        perfbudget__append(h, "</td><td data-sort=\"%zu\">%zu</td><td class=\"left\" data-sort=\"",
                           row->n, row->n);
        text(h, branch_of(row));
        perfbudget__append(h, "\">");
        text(h, branch_of(row));
        perfbudget__append(h, "</td><td class=\"env\" data-sort=\"");
        text(h, environment_of(row));
        perfbudget__append(h, "\" title=\"");
        text(h, environment_of(row));
        perfbudget__append(h, "\">");
        text(h, environment_of(row));
        perfbudget__append(h, "</td><td class=\"left\" data-sort=\"%s\">%s</td>"
                              "<td class=\"left\" data-sort=\"",
                           mode_of(row), mode_of(row));
        text(h, row->run ? row->run->record.source : "");
        perfbudget__append(h, "\">");
        text(h, row->run ? row->run->record.source : "");
        perfbudget__append(h, "</td></tr>\n");
    }
    perfbudget__append(h, "</tbody></table>\n<script>%s%s</script></body></html>\n",
                       perfbudget__html_sort_script, FILTER_SCRIPT);
}

static void render_page(perfbudget__text *h, const site *s, const site_row *row) {
    page_head(h, row->name);
    perfbudget__append(h, "<p><a href=\"index.html\">← all benchmarks</a></p>"
                          "<section class=\"benchmark %s\"><h2>",
                       perfbudget__html_word_class(row->word));
    text(h, row->name);
    perfbudget__append(h, " <span class=\"%s\">%s</span></h2>",
                       perfbudget__html_word_class(row->word),
                       row->latest ? perfbudget__word_name(row->word) : "no result");
    if (row->latest == NULL) {
        perfbudget__append(h, "<p>No successful result in the last %d runs.</p></section>"
                              "</body></html>\n", SITE_WINDOW);
        return;
    }
    perfbudget__html_reasons(h, row->latest);
    char when[40], figure[48];
    date_of(row->run->record.created_ns, when, sizeof when);
    latest_figure(row, figure, sizeof figure);
    perfbudget__append(h, "<p class=\"meta\">newest result: %s, run %lld, commit ", figure,
                       (long long)row->run->record.id);
    text(h, row->run->record.commit[0] ? row->run->record.commit : "(none)");
    perfbudget__append(h, ", %s · branch ", when);
    text(h, branch_of(row));
    perfbudget__append(h, " · environment ");
    text(h, environment_of(row));
    perfbudget__append(h, " · mode %s · source ", mode_of(row));
    text(h, row->run->record.source);
    perfbudget__append(h, "</p>");
    if (row->by_count) {
        perfbudget__append(h, "<p>instructions mode: %s per iteration (valgrind's times are not "
                              "the code's: no trend, steps or distributions are drawn)</p>",
                           figure);
        perfbudget__html_stages(h, row->latest);
        perfbudget__append(h, "</section></body></html>\n");
        return;
    }
    perfbudget__append(h, "<h3>Trend</h3>");
    if (row->n < 2) perfbudget__append(h, "<p>One run so far: no trend yet.</p>");
    perfbudget__html_trend(h, row->points, row->n, row->steps, row->found);
    perfbudget__append(h, "<h3>Steps</h3>");
    if (row->found == 0) {
        perfbudget__append(h, "<p class=\"steps\">No step in the last %zu run%s (a change of at "
                              "least %g %% between runs, p &lt; 0.01).</p>",
                           row->n, row->n == 1 ? "" : "s", SITE_MIN_CHANGE_PCT);
    } else {
        perfbudget__append(h, "<table class=\"steps\"><thead><tr><th>run</th><th>commit</th>"
                              "<th>date</th><th>before</th><th>after</th><th>change</th>"
                              "<th>p</th></tr></thead><tbody>");
        for (size_t k = 0; k < row->found; k++) {
            const perfbudget_step *step = &row->steps[k];
            const perfbudget_series_point *p = &row->points[step->index];
            char before[32], after[32], date[40];
            perfbudget_format_value(step->before, PERFBUDGET_UNIT_NS, before, sizeof before);
            perfbudget_format_value(step->after, PERFBUDGET_UNIT_NS, after, sizeof after);
            date_of(p->created_ns, date, sizeof date);
            perfbudget__append(h, "<tr class=\"step\"><td>%lld</td><td>", (long long)p->run_id);
            char commit[16];
            snprintf(commit, sizeof commit, "%.12s", p->commit);
            text(h, commit);
            perfbudget__append(h, "</td><td>%s</td><td>%s</td><td>%s</td><td>%+.1f %%</td>"
                                  "<td>%.2g</td></tr>",
                               date, before, after, step->change_pct, step->p_value);
        }
        perfbudget__append(h, "</tbody></table>");
    }
    perfbudget__append(h, "<h3>Distributions</h3>");
    const perfbudget_result *base = NULL;
    const perfbudget_report_info *info = s->info;
    for (size_t k = 0; k < info->baseline_count && base == NULL; k++) {
        const perfbudget_result *candidate = info->baseline_results[k];
        if (strcmp(perfbudget_result_name(candidate), row->name) == 0 &&
            perfbudget_result_mode(candidate) == perfbudget_result_mode(row->latest))
            base = candidate;
    }
    if (base != NULL) {
        perfbudget__append(h, "<p>The newest run's samples (now) against the baseline's "
                              "(base).</p>");
    } else if (row->previous != NULL) {
        base = row->previous;
        perfbudget__append(h, "<p>The newest run's samples (now) against those of run %lld, the "
                              "series' run before it (base).</p>",
                           (long long)row->points[row->n - 2].run_id);
    } else {
        perfbudget__append(h, "<p>The newest run's samples.</p>");
    }
    perfbudget__html_distribution(h, row->latest, base);
    perfbudget__html_stages(h, row->latest);
    perfbudget__append(h, "</section><script>%s</script></body></html>\n",
                       perfbudget__html_sort_script);
}

static int write_file(perfbudget_context *ctx, const char *directory, const char *name,
                      const perfbudget__text *h) {
    if (h->failed) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "site: out of memory");
    size_t size = strlen(directory) + strlen(name) + 2;
    char *path = malloc(size);
    if (path == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "site: out of memory");
    snprintf(path, size, "%s/%s", directory, name);
    FILE *out = fopen(path, "wx");
    int ok = out != NULL && fwrite(h->data ? h->data : "", 1, h->length, out) == h->length;
    int saved = errno;
    if (out != NULL && fclose(out) != 0 && ok) ok = 0, saved = errno;
    int code = ok ? PERFBUDGET_OK
                  : perfbudget__fail(ctx, PERFBUDGET_EIO, "site: cannot write %s: %s", path,
                                     strerror(saved));
    free(path);
    return code;
}

/* Remove a directory the site wrote: its files, then itself. Returns 0 or -1. */
static int remove_site(const char *directory) {
    DIR *d = opendir(directory);
    if (d == NULL) return -1;
    int fd = dirfd(d), failed = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            failed |= unlinkat(fd, e->d_name, 0) != 0;
    closedir(d);
    return failed || rmdir(directory) != 0 ? -1 : 0;
}

/* Whether an existing directory may be replaced: it is empty, or a site (it has the marker). */
static int replaceable(const char *directory) {
    DIR *d = opendir(directory);
    if (d == NULL) return 0;
    int empty = 1, marked = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        empty = 0;
        marked |= strcmp(e->d_name, PERFBUDGET__SITE_MARKER) == 0;
    }
    closedir(d);
    return empty || marked;
}

/* "parent/.base.WHAT-XXXXXX" for mkdtemp: beside the directory, so that rename() moves it. */
static char *sibling(const char *directory, const char *what) {
    size_t length = strlen(directory);
    while (length > 1 && directory[length - 1] == '/') length--;
    size_t slash = length;
    while (slash > 0 && directory[slash - 1] != '/') slash--;
    size_t size = length + strlen(what) + 16;
    char *out = malloc(size);
    if (out != NULL)
        snprintf(out, size, "%.*s.%.*s.%s-XXXXXX", (int)slash, directory, (int)(length - slash),
                 directory + slash, what);
    return out;
}

/* Put the finished site in place of directory: moved aside first if it is a site, so that
 * a failure leaves the old one where it was. */
static int place(perfbudget_context *ctx, const char *staged, const char *directory) {
    struct stat st;
    if (lstat(directory, &st) != 0) {
        if (errno == ENOENT && rename(staged, directory) == 0) return PERFBUDGET_OK;
        return perfbudget__fail(ctx, PERFBUDGET_EIO, "site: cannot create %s: %s", directory,
                                strerror(errno));
    }
    if (!S_ISDIR(st.st_mode))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "site: %s exists and is not a directory: not replaced", directory);
    if (!replaceable(directory))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "site: %s is not empty and is not a site perfbudget wrote (no "
                                "%s in it): not replaced", directory, PERFBUDGET__SITE_MARKER);
    char *old = sibling(directory, "old");
    if (old == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "site: out of memory");
    int code = PERFBUDGET_OK;
    /* rename() replaces the empty directory mkdtemp() made */
    if (mkdtemp(old) == NULL || rename(directory, old) != 0) {
        code = perfbudget__fail(ctx, PERFBUDGET_EIO, "site: cannot move %s aside: %s", directory,
                                strerror(errno));
        rmdir(old);
    } else if (rename(staged, directory) != 0) {
        code = perfbudget__fail(ctx, PERFBUDGET_EIO, "site: cannot rename into %s: %s",
                                directory, strerror(errno));
        rename(old, directory);
    } else {
        remove_site(old); /* what cannot be removed stays as .NAME.old-*, the site is in place */
    }
    free(old);
    return code;
}

/* A row per benchmark of the history, each with what gather() finds for it. */
static int gather_rows(site *s, char **names, size_t count,
                       const perfbudget_conclude_options *judging) {
    int code = PERFBUDGET_OK;
    if (count > 0 && (s->rows = calloc(count, sizeof *s->rows)) == NULL)
        code = perfbudget__fail(s->ctx, PERFBUDGET_ENOMEM, "site: out of memory");
    for (size_t i = 0; code == PERFBUDGET_OK && i < count; i++) {
        site_row *row = &s->rows[s->n_rows++];
        row->name = names[i];
        page_name(row->file, sizeof row->file, i + 1, names[i]);
        code = gather(s, row, judging);
    }
    return code;
}

/* The empty directory beside DIRECTORY the site is written into first; NULL after a failure. */
static char *make_staging(perfbudget_context *ctx, const char *directory, int *code) {
    char *staged = sibling(directory, "tmp");
    if (staged == NULL) {
        *code = perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "site: out of memory");
        return NULL;
    }
    if (mkdtemp(staged) == NULL) {
        *code = perfbudget__fail(ctx, PERFBUDGET_EIO, "site: cannot create a directory beside "
                                 "%s: %s", directory, strerror(errno));
        free(staged);
        return NULL;
    }
    /* readable as any published file is, whatever mkdtemp's 0700 */
    chmod(staged, 0755);
    return staged;
}

/* The marker, the index and a page per benchmark, into STAGED. */
static int write_pages(perfbudget_context *ctx, const char *staged, site *s) {
    perfbudget__text h = {0};
    int code = write_file(ctx, staged, PERFBUDGET__SITE_MARKER, &h);
    if (code == PERFBUDGET_OK) {
        render_index(&h, s);
        code = write_file(ctx, staged, "index.html", &h);
    }
    for (size_t i = 0; code == PERFBUDGET_OK && i < s->n_rows; i++) {
        h.length = 0;
        render_page(&h, s, &s->rows[i]);
        code = write_file(ctx, staged, s->rows[i].file, &h);
    }
    free(h.data);
    return code;
}

static void site_free(site *s) {
    for (size_t i = 0; i < s->n_rows; i++) perfbudget_free(s->rows[i].points);
    free(s->rows);
    for (size_t i = 0; i < s->n_runs; i++) {
        perfbudget_results_free(s->runs[i]->results, s->runs[i]->count);
        free(s->runs[i]);
    }
    free(s->runs);
}

int perfbudget__write_site(perfbudget_context *ctx, const char *directory,
                           const perfbudget_report_info *info,
                           const perfbudget_conclude_options *judging, size_t *pages) {
    if (directory == NULL || directory[0] == '\0' || info == NULL || info->history == NULL ||
        (info->baseline_results == NULL && info->baseline_count > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "write_site: a directory and a history "
                                                        "are needed");
    site s = {.ctx = ctx, .info = info};
    char **names = NULL;
    size_t count = 0;
    int code = perfbudget_history_benchmarks(info->history, NULL, &names, &count);
    if (code == PERFBUDGET_OK) code = gather_rows(&s, names, count, judging);
    char *staged = code == PERFBUDGET_OK ? make_staging(ctx, directory, &code) : NULL;
    if (code == PERFBUDGET_OK) code = write_pages(ctx, staged, &s);
    if (code == PERFBUDGET_OK) code = place(ctx, staged, directory);
    if (code != PERFBUDGET_OK && staged != NULL) remove_site(staged);
    if (code == PERFBUDGET_OK && pages != NULL) *pages = s.n_rows;
    free(staged);
    site_free(&s);
    perfbudget_strings_free(names, count);
    return code;
}

int perfbudget_report_write_site(perfbudget_context *ctx, const char *directory,
                                 const perfbudget_report_info *info,
                                 const perfbudget_conclude_options *judging, size_t *pages) {
    perfbudget_report_info known;
    if (info != NULL) {
        if (perfbudget__report_info_read(ctx, info, &known) != PERFBUDGET_OK)
            return PERFBUDGET_EINVAL;
        info = &known;
    }
    return perfbudget__write_site(ctx, directory, info, judging, pages);
}
