/* SPDX-License-Identifier: MIT */
/* What test runners show for a benchmark: the verdict first, then the figures. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

void perfbudget_free(void *p) { free(p); }

uint64_t perfbudget__fnv1a(const char *text) {
    uint64_t hash = UINT64_C(14695981039346656037);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        hash = (hash ^ *p) * UINT64_C(1099511628211);
    return hash;
}

char *perfbudget__strdup(const char *text) {
    size_t size = strlen(text) + 1;
    char *copy = malloc(size);
    if (copy != NULL) memcpy(copy, text, size);
    return copy;
}

void *perfbudget__grow(void *items, size_t *capacity, size_t count, size_t item_size,
                       size_t first) {
    if (count < *capacity) return items;
    size_t more = *capacity ? 2 * *capacity : first;
    if (more > SIZE_MAX / item_size) return NULL;
    void *grown = realloc(items, more * item_size);
    if (grown != NULL) *capacity = more;
    return grown;
}

void perfbudget__append(perfbudget__text *t, const char *fmt, ...) {
    if (t->failed) return;
    va_list args;
    va_start(args, fmt);
    va_list copy;
    va_copy(copy, args);
    int needed = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (needed < 0 || t->length + (size_t)needed + 1 > t->capacity) {
        size_t capacity = (t->capacity + (size_t)(needed > 0 ? needed : 0) + 1) * 2;
        char *data = needed < 0 ? NULL : realloc(t->data, capacity);
        if (data == NULL) {
            t->failed = 1;
            va_end(args);
            return;
        }
        t->data = data;
        t->capacity = capacity;
    }
    vsnprintf(t->data + t->length, t->capacity - t->length, fmt, args);
    t->length += (size_t)needed;
    va_end(args);
}

void perfbudget__append_escaped(perfbudget__text *t, const char *s, const char *special,
                                const char *const *with) {
    for (const char *p = s ? s : ""; *p;) {
        size_t plain = strcspn(p, special);
        if (plain > 0) perfbudget__append(t, "%.*s", (int)plain, p);
        p += plain;
        if (*p == '\0') break;
        perfbudget__append(t, "%s", with[strchr(special, *p) - special]);
        p++;
    }
}

static char *format_named(const perfbudget_result *r, const char *name,
                          const perfbudget_comparison *c, perfbudget_unit unit, char *buf,
                          size_t size);

char *perfbudget__format_named(const perfbudget_result *r, const char *name,
                               const perfbudget_comparison *c, perfbudget_unit unit, char *buf,
                               size_t size) {
    return format_named(r, name, c, unit, buf, size);
}

/* A caller's comparison of a size this library knows, copied into *local; else NULL: the
 * functions without an error channel take it as no comparison at all. */
static const perfbudget_comparison *known_comparison(const perfbudget_comparison *c,
                                                     perfbudget_comparison *local) {
    if (c == NULL || c->struct_size == sizeof *c) return c;
    return perfbudget__comparison_read(NULL, c, local) == PERFBUDGET_OK ? local : NULL;
}

char *perfbudget_format_comparison(const perfbudget_comparison *c, perfbudget_unit unit,
                                   char *buf, size_t size) {
    perfbudget_comparison known;
    c = known_comparison(c, &known);
    if (c == NULL) {
        if (buf != NULL && size > 0) snprintf(buf, size, "n/a");
        return buf;
    }
    return format_named(NULL, perfbudget_statistic_name(c->statistic), c, unit, buf, size);
}

/* A limit written in decimal units ("64 MB", 10^6 bytes each) on one of the result's sizes. */
static int memory_limit_is_decimal(const perfbudget_result *r) {
    const perfbudget_limit_verdict *verdicts;
    size_t count = r ? perfbudget_result_verdicts(r, &verdicts) : 0;
    for (size_t i = 0; i < count; i++)
        if (verdicts[i].limit->kind == PERFBUDGET_QUANTITY_SIZE && verdicts[i].limit->unit &&
            (verdicts[i].limit->metric == PERFBUDGET_METRIC_MEMORY ||
             verdicts[i].limit->metric == PERFBUDGET_METRIC_MEMORY_GROWTH))
            return strstr(verdicts[i].limit->unit, "iB") == NULL;
    return 0;
}

char *perfbudget__format_memory(const perfbudget_result *r, double bytes, char *buf,
                                size_t size) {
    return perfbudget__format_size(bytes, memory_limit_is_decimal(r), buf, size);
}

/* A figure of a comparison in its unit; sizes as the result's memory limit writes them, byte
 * rates as bytes per second (kept as "per second" in the record: the metric says bytes). */
static char *comparison_value(const perfbudget_result *r, const char *metric, double value,
                              perfbudget_unit unit, char *buf, size_t size) {
    if (unit == PERFBUDGET_UNIT_BYTES) return perfbudget__format_memory(r, value, buf, size);
    if (unit == PERFBUDGET_UNIT_PER_SECOND && metric && strstr(metric, "(bytes)") != NULL)
        unit = PERFBUDGET_UNIT_BYTES_PER_SECOND;
    return perfbudget_format_value(value, unit, buf, size);
}

/* "memory 600 MB vs 512 MB baseline: +17.2 % ...": the p-value and CI only where a sample test
 * made them (a metric measured once per run has neither). */
static char *format_named(const perfbudget_result *r, const char *name,
                          const perfbudget_comparison *c, perfbudget_unit unit, char *buf,
                          size_t size) {
    if (buf == NULL || size == 0) return buf;
    char current[32], baseline[32];
    comparison_value(r, name, c->current_value, unit, current, sizeof current);
    comparison_value(r, name, c->baseline_value, unit, baseline, sizeof baseline);
    const char *severity = c->severity == PERFBUDGET_SEVERITY_NONE
                               ? ""
                               : perfbudget_severity_name(c->severity);
    char spread[160] = "", test[96] = "";
    if (!isnan(c->run_spread_pct))
        snprintf(spread, sizeof spread, ", run-to-run spread +-%.1f%%", c->run_spread_pct);
    /* Corrected for the machine's speed: said, so that the raw figures can be recomputed. */
    if (isfinite(c->speed_correction_pct) && c->speed_correction_pct != 0.0) {
        size_t used = strlen(spread);
        snprintf(spread + used, sizeof spread - used, ", machine %.2g%% %s than for the baseline "
                 "(divided out)", fabs(c->speed_correction_pct),
                 c->speed_correction_pct > 0 ? "slower" : "faster");
    }
    /* A figure that could not be computed (a CI from one sample, a threshold a restored record
     * lacks) is left out rather than printed as nan. */
    if (!isnan(c->p_value) && isfinite(c->ci_low_pct) && isfinite(c->ci_high_pct))
        snprintf(test, sizeof test, " (95%% CI %+.1f%% .. %+.1f%%), p = %.2g", c->ci_low_pct,
                 c->ci_high_pct, c->p_value);
    else if (!isnan(c->p_value))
        snprintf(test, sizeof test, ", p = %.2g", c->p_value);
    else if (c->significant && isnan(c->run_spread_pct))
        snprintf(test, sizeof test, " (exact counts)");
    char threshold[48] = "";
    if (isfinite(c->threshold_pct))
        snprintf(threshold, sizeof threshold, ", threshold %g%%", c->threshold_pct);
    snprintf(buf, size, "%s %s vs %s baseline: %+.1f%%%s%s%s: %s%s%s%s", name, current, baseline,
             c->change_pct, test, spread, threshold, perfbudget_outcome_name(c->outcome),
             severity[0] ? " (" : "", severity, severity[0] ? ")" : "");
    return buf;
}

/* Right-align text in width columns, counting characters, not bytes ("µs" is one column). */
static void cell(perfbudget__text *t, const char *value, int width) {
    int columns = perfbudget__columns(value);
    perfbudget__append(t, " %*s%s", width > columns ? width - columns : 0, "", value);
}

/* The figures of a table row after the name: " rounds x iters" and seven cells, each a space
 * and its width: as narrow as the widest figure ("1.00 ms", "100.0 %", "1023 KiB") allows,
 * so that names keep room on a 100-column terminal. */
static const int CELL_WIDTHS[] = {8, 8, 8, 6, 7, 9, 10};
enum { FIGURE_COLUMNS = 1 + 14 + 7 + 8 + 8 + 8 + 6 + 7 + 9 + 10 };

/* The terminal's width: the COLUMNS variable where it is exported, else the width of the
 * terminal on standard output or error, else 100; at least 40. */
static int terminal_columns(void) {
    const char *text = getenv("COLUMNS");
    char *end;
    long value = text ? strtol(text, &end, 10) : 0;
    if (text == NULL || end == text || *end != '\0' || value <= 0) {
        struct winsize size;
        value = 100;
        for (int fd = 1; fd <= 2; fd++)
            if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
                value = size.ws_col;
                break;
            }
    }
    return value < 40 ? 40 : value > 1000 ? 1000 : (int)value;
}

/* A name too long for its column, cut in the middle at whole characters with "…", so that both
 * the test's start and its parameters at the end stay readable: one row per result, as the
 * callers that add columns to each row expect. Returns a new string or NULL. */
static char *middle_cut(const char *name, int width) {
    int columns = perfbudget__columns(name);
    if (columns <= width) return perfbudget__strdup(name);
    int head = (width - 1) / 2, tail = width - 1 - head;
    const char *p = name, *end;
    for (int i = 0; i < head; i++)
        do p++; while ((*p & 0xC0) == 0x80); /* a UTF-8 character's continuation bytes */
    end = p;
    for (int i = 0; i < columns - tail - head; i++)
        do p++; while ((*p & 0xC0) == 0x80);
    perfbudget__text cut = {0};
    perfbudget__append(&cut, "%.*s\xE2\x80\xA6%s", (int)(end - name), name, p);
    if (cut.failed) {
        free(cut.data);
        return NULL;
    }
    return cut.data;
}

/* The columns a front end adds after the figures (perfbudget_render_summary_table), and the
 * groups whose rows get a heading; NULL for the plain table. */
typedef struct added_columns {
    const char *const *groups;
    const perfbudget_table_column *columns;
    size_t count;
    size_t line_start;   /* where the row being written starts in the text */
    int heading_columns; /* the heading line's width: rows are padded to it */
} added_columns;

/* A column's width: as given, or for the last one (0) its widest cell or heading. */
static int added_width(const perfbudget_table_column *column, size_t rows) {
    if (column->width > 0) return column->width;
    int width = perfbudget__columns(column->heading);
    for (size_t i = 0; i < rows; i++)
        if (perfbudget__columns(column->cells[i]) > width) width = perfbudget__columns(column->cells[i]);
    return width;
}

/* Two spaces and the cell, right-aligned in its width (the last column as it is). */
static void added_cell(perfbudget__text *t, const char *text, int width) {
    int columns = perfbudget__columns(text);
    perfbudget__append(t, "  %*s%s", width > columns ? width - columns : 0, "", text);
}

/* The end of row i (or the heading line, i == SIZE_MAX): padded to the heading's width, then
 * the added cells. */
static void end_row(perfbudget__text *t, added_columns *added, size_t i) {
    if (added != NULL && !t->failed) {
        int columns = perfbudget__columns(t->data + added->line_start);
        if (i == SIZE_MAX) added->heading_columns = columns;
        if (columns < added->heading_columns)
            perfbudget__append(t, "%*s", added->heading_columns - columns, "");
        for (size_t c = 0; c < added->count; c++) {
            const perfbudget_table_column *column = &added->columns[c];
            const char *text = i == SIZE_MAX ? column->heading : column->cells[i];
            if (column->width > 0)
                added_cell(t, text, column->width);
            else
                perfbudget__append(t, "  %s", text);
        }
    }
    perfbudget__append(t, "\n");
    if (added != NULL) added->line_start = t->length;
}

/* Before row i: its group's heading, where a group of several rows starts. */
static void group_heading(perfbudget__text *t, added_columns *added, size_t i, size_t count) {
    if (added == NULL || added->groups == NULL) return;
    const char *group = added->groups[i];
    if (i > 0 && strcmp(group, added->groups[i - 1]) == 0) return;
    size_t members = 0;
    for (size_t k = 0; k < count; k++) members += strcmp(added->groups[k], group) == 0;
    if (members < 2) return;
    perfbudget__append_printable(t, group, 0);
    perfbudget__append(t, ":\n");
    added->line_start = t->length;
}

/* The name column's width for name_width (see perfbudget_render_table). */
static int name_column(perfbudget_result *const *results, size_t count, int name_width) {
    int width = name_width > 0 ? name_width : 9;
    for (size_t i = 0; name_width <= 0 && i < count; i++) {
        char *shown = perfbudget__printable(perfbudget_result_name(results[i]));
        int length = shown ? perfbudget__columns(shown) : 0;
        if (length > width) width = length;
        free(shown);
    }
    if (width > PERFBUDGET__NAME_COLUMNS) width = PERFBUDGET__NAME_COLUMNS;
    /* name_width < 0 fits the terminal: the figures take FIGURE_COLUMNS, the name column what
     * is left (at least 9), and a longer name is cut in its middle. Otherwise a longer name
     * overflows its own row, as callers that match rows by name expect. */
    int fit = name_width < 0;
    int columns = name_width < -1 ? -name_width : fit ? terminal_columns() : 0;
    if (fit && width > columns - FIGURE_COLUMNS) width = columns - FIGURE_COLUMNS;
    return width < 9 ? 9 : width;
}

/* Ends the stage lines under a row: the next row starts here. */
static void mark_line(const perfbudget__text *t, added_columns *added) {
    if (added != NULL) added->line_start = t->length;
}

static int render_table(perfbudget_context *ctx, perfbudget_result *const *results,
                        size_t count, int name_width, int header, added_columns *added,
                        char **out) {
    perfbudget__text t = {0};
    int width = name_column(results, count, name_width), fit = name_width < 0;
    static const char *const headings[] = {"median", "p95", "p99", "MAD", "CPU", "peak mem",
                                           "instr/iter"};
    const int *widths = CELL_WIDTHS;
    if (header) {
        perfbudget__append(&t, "%-*s %14s", width, "benchmark", "rounds x iters");
        for (size_t c = 0; c < 7; c++) cell(&t, headings[c], widths[c]);
        end_row(&t, added, SIZE_MAX);
    }
    for (size_t i = 0; i < count; i++) {
        const perfbudget_result *r = results[i];
        group_heading(&t, added, i, count);
        char *name = perfbudget__printable(perfbudget_result_name(r));
        if (name == NULL) {
            t.failed = 1;
            break;
        }
        if (fit) {
            char *cut = middle_cut(name, width);
            free(name);
            if ((name = cut) == NULL) {
                t.failed = 1;
                break;
            }
        }
        int pad = width - perfbudget__columns(name); /* by characters: "µ" is one column */
        if (pad < 0) pad = 0;
        if (perfbudget_result_status(r) != PERFBUDGET_RUN_OK) {
            perfbudget__append(&t, "%s%*s %s: ", name, pad, "",
                   perfbudget_result_status(r) == PERFBUDGET_RUN_SKIPPED ? "SKIPPED" : "FAILED");
            perfbudget__append_printable(&t, perfbudget_result_message(r), 0);
            end_row(&t, added, i);
            free(name);
            continue;
        }
        const perfbudget_summary *s = perfbudget_result_summary(r);
        const perfbudget_metrics *m = perfbudget_result_metrics(r);
        char cells[7][32], shape[48];
        snprintf(shape, sizeof shape, "%llu x %llu", (unsigned long long)m->rounds,
                 (unsigned long long)m->iterations_per_sample);
        perfbudget_format_value(s->median, PERFBUDGET_UNIT_NS, cells[0], sizeof cells[0]);
        perfbudget_format_value(s->p95, PERFBUDGET_UNIT_NS, cells[1], sizeof cells[1]);
        perfbudget_format_value(s->p99, PERFBUDGET_UNIT_NS, cells[2], sizeof cells[2]);
        perfbudget_format_value(s->median > 0 ? 100.0 * s->mad / s->median : s->mad,
                                PERFBUDGET_UNIT_PERCENT, cells[3], sizeof cells[3]);
        perfbudget_format_value(100.0 * m->cpu_utilization, PERFBUDGET_UNIT_PERCENT, cells[4],
                                sizeof cells[4]);
        /* One unit down a column (MiB): a budget in MB shows MB in its own lines only. */
        perfbudget_format_value(m->peak_rss_bytes, PERFBUDGET_UNIT_BYTES, cells[5], sizeof cells[5]);
        perfbudget_format_value(m->instructions_per_iteration, PERFBUDGET_UNIT_COUNT, cells[6],
                                sizeof cells[6]);
        perfbudget__append(&t, "%s%*s %14s", name, pad, "", shape);
        for (size_t c = 0; c < 7; c++) cell(&t, cells[c], widths[c]);
        end_row(&t, added, i);
        size_t stage_count;
        const perfbudget_stage *stages = perfbudget_result_stages(r, &stage_count);
        for (size_t k = 0; k < stage_count; k++) {
            char times[32], mean[32], p99[32], total[32];
            perfbudget_format_value((double)stages[k].count, PERFBUDGET_UNIT_COUNT, times,
                                    sizeof times);
            perfbudget_format_value(stages[k].mean_ns, PERFBUDGET_UNIT_NS, mean, sizeof mean);
            perfbudget_format_value(stages[k].p99_ns, PERFBUDGET_UNIT_NS, p99, sizeof p99);
            perfbudget_format_value(stages[k].total_ns, PERFBUDGET_UNIT_NS, total, sizeof total);
            perfbudget__append(&t, "    stage ");
            perfbudget__append_printable(&t, stages[k].name, 0);
            perfbudget__append(&t, ": %s times, mean %s, p99 %s, total %s%s\n", times, mean, p99,
                               total, perfbudget__stage_mean_note(&stages[k]));
        }
        mark_line(&t, added);
        free(name);
    }
    if (t.failed) {
        free(t.data);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "render_table: out of memory");
    }
    *out = t.data ? t.data : calloc(1, 1);
    return *out ? PERFBUDGET_OK : perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
}

int perfbudget_render_table(perfbudget_context *ctx, perfbudget_result *const *results,
                            size_t count, int name_width, int header, char **out) {
    if (out == NULL || (results == NULL && count > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "render_table: NULL argument");
    return render_table(ctx, results, count, name_width, header, NULL, out);
}

int perfbudget_render_summary_table(perfbudget_context *ctx, perfbudget_result *const *results,
                                    size_t count, const char *const *groups,
                                    const perfbudget_table_column *columns, size_t column_count,
                                    int name_width, char **out) {
    if (out == NULL || (results == NULL && count > 0) || (columns == NULL && column_count > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "render_summary_table: NULL argument");
    for (size_t i = 0; i < count; i++)
        if (groups != NULL && groups[i] == NULL)
            return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "render_summary_table: NULL group");
    int added_total = 0;
    for (size_t c = 0; c < column_count; c++) {
        if (columns[c].heading == NULL || (columns[c].cells == NULL && count > 0))
            return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "render_summary_table: NULL column");
        for (size_t i = 0; i < count; i++)
            if (columns[c].cells[i] == NULL)
                return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "render_summary_table: NULL cell");
        added_total += 2 + added_width(&columns[c], count);
    }
    /* Fitted to a width: the name column gets what the figures and the added columns leave. */
    if (name_width < 0) {
        int total = name_width < -1 ? -name_width : terminal_columns();
        name_width = -(total - added_total > 2 ? total - added_total : 2);
    }
    added_columns added = {.groups = groups, .columns = columns, .count = column_count};
    return render_table(ctx, results, count, name_width, 1, &added, out);
}

int perfbudget_fail_on_parse(const char *name, perfbudget_fail_on *out) {
    static const char *const names[] = {"regression", "critical", "never"};
    for (int i = 0; name != NULL && out != NULL && i < 3; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (perfbudget_fail_on)i;
            return PERFBUDGET_OK;
        }
    return PERFBUDGET_EINVAL;
}

const char *perfbudget_fail_on_name(perfbudget_fail_on policy) {
    static const char *const names[] = {"regression", "critical", "never"};
    return (unsigned)policy < 3 ? names[policy] : NULL;
}

/* Whether a regression fails the test under a policy: fail_on: critical lets the smaller ones
 * pass as warnings. */
static int regression_fails(const perfbudget_comparison *c, perfbudget_fail_on policy) {
    if (!c->regressed) return 0;
    return policy == PERFBUDGET_FAIL_ON_REGRESSION ||
           (policy == PERFBUDGET_FAIL_ON_CRITICAL && c->severity == PERFBUDGET_SEVERITY_CRITICAL);
}

/* The status under a policy; perfbudget_result_policy_warned() compares two of them. */
static perfbudget_test_status status_under(const perfbudget_result *result,
                                           const perfbudget_comparison *regression,
                                           perfbudget_fail_on policy) {
    if (perfbudget_result_status(result) == PERFBUDGET_RUN_FAILED) return PERFBUDGET_TEST_FAIL;
    if (regression != NULL && regression_fails(regression, policy)) return PERFBUDGET_TEST_FAIL;
    for (size_t i = 0; i < perfbudget_result_comparison_count(result); i++) {
        const perfbudget_comparison *c;
        perfbudget_result_comparison_at(result, i, NULL, NULL, &c);
        if (regression_fails(c, policy)) return PERFBUDGET_TEST_FAIL;
    }
    const perfbudget_limit_verdict *verdicts;
    size_t count = perfbudget_result_verdicts(result, &verdicts);
    int unavailable = perfbudget_result_status(result) == PERFBUDGET_RUN_SKIPPED;
    int by_count = perfbudget_result_mode(result) == PERFBUDGET_MODE_INSTRUCTIONS;
    for (size_t i = 0; i < count; i++) {
        if (verdicts[i].status == PERFBUDGET_LIMIT_FAIL && policy != PERFBUDGET_FAIL_ON_NEVER)
            return PERFBUDGET_TEST_FAIL;
        /* A limit applies to the mode that measures it: in instructions mode times and memory
         * are not judged, in time mode instruction counts only where they were counted. Neither
         * skips the test; the other mode's test judges them. */
        perfbudget_metric metric = verdicts[i].limit->metric;
        int not_judged = by_count ? metric != PERFBUDGET_METRIC_INSTRUCTIONS &&
                                        metric != PERFBUDGET_METRIC_CUSTOM
                                  : metric == PERFBUDGET_METRIC_INSTRUCTIONS;
        if (verdicts[i].status == PERFBUDGET_LIMIT_UNAVAILABLE && !not_judged) unavailable = 1;
    }
    perfbudget_scaling_verdict scaling; /* a budget's scaling: (threads.h) */
    perfbudget_result_scaling(result, NULL, &scaling);
    if (scaling.threads > 0 && scaling.status == PERFBUDGET_LIMIT_FAIL &&
        policy != PERFBUDGET_FAIL_ON_NEVER)
        return PERFBUDGET_TEST_FAIL;
    return unavailable ? PERFBUDGET_TEST_SKIP : PERFBUDGET_TEST_PASS;
}

perfbudget_test_status perfbudget_result_test_status(const perfbudget_result *result,
                                                     const perfbudget_comparison *regression) {
    perfbudget_comparison known;
    regression = known_comparison(regression, &known);
    return status_under(result, regression, perfbudget_result_fail_on(result));
}

int perfbudget_result_policy_warned(const perfbudget_result *result,
                                    const perfbudget_comparison *regression) {
    perfbudget_comparison known;
    regression = known_comparison(regression, &known);
    return perfbudget_result_fail_on(result) != PERFBUDGET_FAIL_ON_REGRESSION &&
           status_under(result, regression, perfbudget_result_fail_on(result)) !=
               PERFBUDGET_TEST_FAIL &&
           status_under(result, regression, PERFBUDGET_FAIL_ON_REGRESSION) == PERFBUDGET_TEST_FAIL;
}

/* How the comparison ended, in a few words for the verdict line: an inconclusive one names the
 * machine where a note says its load or its speed changed, else the noise. */
static const char *regression_summary(const perfbudget_result *r, const perfbudget_comparison *c) {
    int busier = 0, speed = 0;
    for (size_t i = 0; c->outcome == PERFBUDGET_OUTCOME_INCONCLUSIVE &&
                       i < perfbudget_result_note_count(r); i++) {
        perfbudget_note_kind kind;
        perfbudget_result_note_at(r, i, &kind);
        busier |= kind == PERFBUDGET_NOTE_MACHINE_BUSIER;
        speed |= kind == PERFBUDGET_NOTE_MACHINE_SPEED;
    }
    if (busier && speed)
        return "inconclusive against the baseline (the machine was busier and ran at another "
               "speed than for the baseline: see the notes)";
    if (busier) return "inconclusive against the baseline (the machine was busier: see the note)";
    if (speed)
        return "inconclusive against the baseline (the machine ran at another speed than for the "
               "baseline: see the notes)";
    switch (c->outcome) {
    case PERFBUDGET_OUTCOME_IMPROVEMENT:
        return "improved on the baseline";
    case PERFBUDGET_OUTCOME_INCONCLUSIVE:
        return "inconclusive against the baseline (too noisy to resolve the threshold)";
    case PERFBUDGET_OUTCOME_REGRESSION:
        return "regression";
    default:
        return "no regression";
    }
}

/* A regression's label in a test report: WARN where the result's policy lets it pass. */
static const char *check_label(const perfbudget_result *r, const perfbudget_comparison *c) {
    return regression_fails(c, perfbudget_result_fail_on(r)) ? "FAIL" : "WARN";
}

const char *const perfbudget__resource_names[PERFBUDGET__RESOURCE_COUNT] = {
    "io_read", "io_write", "minor_faults", "major_faults", "voluntary_switches",
    "involuntary_switches", "energy", "gc_collections", "gc_time", "allocations"};

size_t perfbudget__resource_values(const perfbudget_metrics *m,
                                   double values[PERFBUDGET__RESOURCE_COUNT]) {
    double iterations = m->total_iterations > 0 ? (double)m->total_iterations : NAN;
    const double totals[PERFBUDGET__RESOURCE_COUNT] = {
        m->io_read_bytes, m->io_write_bytes, m->minor_faults, m->major_faults,
        m->voluntary_switches, m->involuntary_switches, m->energy_joules, m->gc_collections,
        m->gc_time_ns, NAN};
    size_t known = 0;
    for (size_t i = 0; i < PERFBUDGET__RESOURCE_COUNT; i++) {
        values[i] = i == 9 ? m->allocations_per_call /* already per call */ : totals[i] / iterations;
        known += !isnan(values[i]);
    }
    return known;
}

char *perfbudget__format_resource(size_t index, double value, char *buf, size_t size) {
    if (index <= 1) return perfbudget_format_value(value, PERFBUDGET_UNIT_BYTES, buf, size);
    if (index == 8) return perfbudget_format_value(value, PERFBUDGET_UNIT_NS, buf, size);
    if (isnan(value)) snprintf(buf, size, "n/a");
    else snprintf(buf, size, index == 6 ? "%.3g J" : "%.3g", value);
    return buf;
}

/* "  resources per iteration: I/O 0 B read, 4.00 KiB written; ...": where any is known. */
static void resources_line(perfbudget__text *t, const perfbudget_metrics *m) {
    double v[PERFBUDGET__RESOURCE_COUNT];
    if (perfbudget__resource_values(m, v) == 0) return;
    char f[PERFBUDGET__RESOURCE_COUNT][32];
    for (size_t i = 0; i < PERFBUDGET__RESOURCE_COUNT; i++)
        perfbudget__format_resource(i, v[i], f[i], sizeof f[i]);
    perfbudget__append(t, "  resources per iteration: I/O %s read, %s written; page faults %s "
                          "minor, %s major; context switches %s voluntary, %s involuntary; "
                          "energy %s",
                       f[0], f[1], f[2], f[3], f[4], f[5], f[6]);
    /* The Python figures only where the Python front end measured them; allocations also where
     * a C suite counted them (perfbudget::alloc_hook). */
    if (!isnan(v[7]))
        perfbudget__append(t, "; gc %s collections, %s; allocations %s", f[7], f[8], f[9]);
    else if (!isnan(v[9]))
        perfbudget__append(t, "; allocations %s", f[9]);
    perfbudget__append(t, "\n");
}

static void measurement(perfbudget__text *t, const char *name, double value) {
    if (isfinite(value))
        perfbudget__append(t, "<CTestMeasurement type=\"numeric/double\" name=\"%s\">%.17g</CTestMeasurement>\n",
                           name, value);
}

/* The limits failed and warned; returns the first failure's text, NULL if none. */
static const char *limit_counts(const perfbudget_limit_verdict *verdicts, size_t count,
                                size_t *failed, size_t *warned) {
    const char *first = NULL;
    for (size_t i = 0; i < count; i++) {
        if (verdicts[i].status == PERFBUDGET_LIMIT_FAIL && first == NULL) first = verdicts[i].text;
        *failed += verdicts[i].status == PERFBUDGET_LIMIT_FAIL;
        *warned += verdicts[i].status == PERFBUDGET_LIMIT_WARN;
    }
    return first;
}

/* The metric comparisons kept with the result, rendered once, a line each (the latency's,
 * REGRESSION, left empty: it has its own line); NULL when out of memory. */
static char (*metric_lines_of(const perfbudget_result *r, const perfbudget_comparison *regression,
                              const char **first_metric, size_t *metric_failures))[512] {
    size_t n_metrics = perfbudget_result_comparison_count(r);
    char (*metric_lines)[512] = calloc(n_metrics + 1, sizeof *metric_lines);
    for (size_t i = 0; metric_lines != NULL && i < n_metrics; i++) {
        const char *metric;
        perfbudget_unit unit;
        const perfbudget_comparison *c;
        perfbudget_result_comparison_at(r, i, &metric, &unit, &c);
        if (c == regression) continue; /* the latency: its own line */
        format_named(r, metric, c, unit, metric_lines[i], sizeof metric_lines[i]);
        if (c->regressed && *first_metric == NULL) *first_metric = metric_lines[i];
        *metric_failures += c->regressed != 0;
    }
    return metric_lines;
}

/* A failure's first line (WARN under a policy that lets it pass), with the advice and link. */
static void failure_line(perfbudget__text *t, const perfbudget_result *r, const char *name,
                         perfbudget_test_status status, const char *failure, size_t failures) {
    /* Under a policy that lets it pass the verdict is still said, as a warning. */
    int warned_by_policy = status != PERFBUDGET_TEST_FAIL;
    perfbudget__append(t, "%s %s: ", warned_by_policy ? "WARN" : "FAIL", name);
    perfbudget__append_printable(t, failure, 0); /* limit and metric names from users */
    perfbudget__append(t, "%s", failures > 1 ? " (and more below)" : "");
    if (warned_by_policy)
        perfbudget__append(t, " (not failing: fail_on: %s)",
                           perfbudget_fail_on_name(perfbudget_result_fail_on(r)));
    perfbudget__append(t, "\n");
    const char *link, *advice = perfbudget_result_advice(r, &link);
    if (advice != NULL) {
        perfbudget__append(t, "  advice: ");
        perfbudget__append_printable(t, advice, 0);
        perfbudget__append(t, "\n");
    }
    if (link != NULL) {
        perfbudget__append(t, "  see: ");
        perfbudget__append_printable(t, link, 0);
        perfbudget__append(t, "\n");
    }
}

/* The first line of a result without a failure: skipped, or passed with what it met. */
static void pass_line(perfbudget__text *t, const perfbudget_result *r, const char *name,
                      perfbudget_test_status status, size_t count, size_t warned,
                      const perfbudget_scaling_verdict *scaling,
                      const perfbudget_comparison *regression) {
    if (status == PERFBUDGET_TEST_SKIP)
        perfbudget__append(t, "SKIP %s: PERFBUDGET_SKIP a budgeted figure cannot be measured here\n", name);
    else if (count == 0 && scaling->threads > 0)
        perfbudget__append(t, "PASS %s: %s\n", name, scaling->text);
    else if (count == 0)
        perfbudget__append(t, "PASS %s: %s\n", name,
               regression ? regression_summary(r, regression) : "measured; no budget applies");
    else
        perfbudget__append(t, "PASS %s: %zu limit%s met%s%s%s\n", name, count - warned,
                           count - warned == 1 ? "" : "s", warned ? ", warnings below" : "",
               regression ? ", " : "", regression ? regression_summary(r, regression) : "");
}

/* A line per limit, then the scaling verdict and what the scaling points show. */
static void limit_lines(perfbudget__text *t, const perfbudget_result *r,
                        const perfbudget_limit_verdict *verdicts, size_t count,
                        const perfbudget_scaling_verdict *scaling,
                        const perfbudget_scaling_point *points, size_t scaling_count) {
    for (size_t i = 0; i < count; i++) {
        static const char *const labels[] = {"pass", "WARN", "FAIL", "skip"};
        int excused = verdicts[i].status == PERFBUDGET_LIMIT_FAIL &&
                      perfbudget_result_fail_on(r) == PERFBUDGET_FAIL_ON_NEVER;
        perfbudget__append(t, "  %s ", excused ? "WARN" : labels[verdicts[i].status]);
        perfbudget__append_printable(t, verdicts[i].text, 0);
        perfbudget__append(t, "\n");
    }
    if (scaling->threads > 0) {
        static const char *const labels[] = {"pass", "WARN", "FAIL", "n/a "};
        int excused = scaling->status == PERFBUDGET_LIMIT_FAIL &&
                      perfbudget_result_fail_on(r) == PERFBUDGET_FAIL_ON_NEVER;
        perfbudget__append(t, "  %s %s\n", excused ? "WARN" : labels[scaling->status],
                           scaling->text);
    }
    if (scaling_count > 0) {
        char described[512];
        perfbudget__append(t, "  scaling: %s\n",
                           perfbudget_scaling_describe(points, scaling_count, described,
                                                       sizeof described));
    }
}

/* One "regression check" line: C's outcome, then its text LINE. */
static void check_line(perfbudget__text *t, const perfbudget_result *r,
                       const perfbudget_comparison *c, const char *line) {
    perfbudget__append(t, "  %s regression check: ",
                       c->regressed ? check_label(r, c)
                       : c->outcome == PERFBUDGET_OUTCOME_INCONCLUSIVE ? "note"
                       : "pass");
    perfbudget__append_printable(t, line, 0);
    perfbudget__append(t, "\n");
}

/* The regression checks (the latency's, then the other metrics'), then the notes. */
static void check_lines(perfbudget__text *t, const perfbudget_result *r,
                        const perfbudget_comparison *regression, const char *line,
                        char (*metric_lines)[512]) {
    if (regression != NULL) check_line(t, r, regression, line);
    size_t n_metrics = perfbudget_result_comparison_count(r);
    for (size_t i = 0; metric_lines != NULL && i < n_metrics; i++) {
        const perfbudget_comparison *c;
        perfbudget_result_comparison_at(r, i, NULL, NULL, &c);
        if (c == regression) continue;
        check_line(t, r, c, metric_lines[i]);
    }
    for (size_t i = 0; i < perfbudget_result_note_count(r); i++) {
        perfbudget__append(t, "  note: ");
        perfbudget__append_printable(t, perfbudget_result_note_at(r, i, NULL), 0);
        perfbudget__append(t, "\n");
    }
}

/* What a run that completed was judged: the first line says it all; the rest explains. */
static void judged_lines(perfbudget__text *t, const perfbudget_result *r, const char *name,
                         perfbudget_test_status status, const perfbudget_comparison *regression,
                         const char *latency_name) {
    const perfbudget_limit_verdict *verdicts;
    size_t count = perfbudget_result_verdicts(r, &verdicts);
    char line[512];
    size_t failed = 0, warned = 0;
    const char *first = limit_counts(verdicts, count, &failed, &warned);
    perfbudget_scaling_verdict scaling; /* judged like a limit, after the limits */
    size_t scaling_count;
    const perfbudget_scaling_point *points = perfbudget_result_scaling(r, &scaling_count,
                                                                       &scaling);
    if (scaling.threads > 0 && scaling.status == PERFBUDGET_LIMIT_FAIL) {
        if (first == NULL) first = scaling.text;
        failed++;
    }
    if (regression != NULL && latency_name != NULL)
        format_named(r, latency_name, regression, PERFBUDGET_UNIT_NS, line, sizeof line);
    else if (regression != NULL)
        perfbudget_format_comparison(regression, PERFBUDGET_UNIT_NS, line, sizeof line);
    size_t metric_failures = 0;
    const char *first_metric = NULL;
    char (*metric_lines)[512] = metric_lines_of(r, regression, &first_metric, &metric_failures);
    size_t failures = failed + (regression && regression->regressed) + metric_failures;
    const char *failure = first != NULL ? first
                          : regression != NULL && regression->regressed ? line
                                                                        : first_metric;
    if (failure != NULL)
        failure_line(t, r, name, status, failure, failures);
    else
        pass_line(t, r, name, status, count, warned, &scaling, regression);
    limit_lines(t, r, verdicts, count, &scaling, points, scaling_count);
    check_lines(t, r, regression, line, metric_lines);
    free(metric_lines);
}

/* The figures measured: the latency's statistics (or the instruction count), CPU, memory and
 * the resources. */
static void figures_lines(perfbudget__text *t, const perfbudget_result *r) {
    const perfbudget_summary *s = perfbudget_result_summary(r);
    const perfbudget_metrics *m = perfbudget_result_metrics(r);
    char median[32], p95[32], p99[32], peak[32], cpu[32];
    perfbudget_format_value(100.0 * m->cpu_utilization, PERFBUDGET_UNIT_PERCENT, cpu, sizeof cpu);
    perfbudget_format_value(s->median, PERFBUDGET_UNIT_NS, median, sizeof median);
    perfbudget_format_value(s->p95, PERFBUDGET_UNIT_NS, p95, sizeof p95);
    perfbudget_format_value(s->p99, PERFBUDGET_UNIT_NS, p99, sizeof p99);
    perfbudget__format_memory(r, m->peak_rss_bytes, peak, sizeof peak);
    if (perfbudget_result_mode(r) == PERFBUDGET_MODE_INSTRUCTIONS) {
        char instructions[32];
        perfbudget_format_value(m->instructions_per_iteration, PERFBUDGET_UNIT_COUNT,
                                instructions, sizeof instructions);
        perfbudget__append(t, "  instructions mode: %s instructions per iteration "
                           "(times, %s median, are not judged)\n", instructions, median);
    } else {
        /* The CPU time is the whole process's (its threads, a command's children) over
         * wall time: above 100 % for single-threaded code beside other busy threads. */
        perfbudget__append(t, "  median %s, p95 %s, p99 %s, process CPU %s of one core, "
                           "peak memory %s, %zu samples\n", median, p95, p99, cpu, peak, s->n);
        resources_line(t, m);
    }
}

/* The figures as CTest measurements, which CDash keeps and plots. */
static void ctest_measurements(perfbudget__text *t, const perfbudget_result *r,
                               const perfbudget_comparison *regression) {
    const perfbudget_summary *s = perfbudget_result_summary(r);
    const perfbudget_metrics *m = perfbudget_result_metrics(r);
    measurement(t, "median_ns", s->median);
    measurement(t, "p95_ns", s->p95);
    measurement(t, "p99_ns", s->p99);
    measurement(t, "mean_ns", s->mean);
    measurement(t, "stddev_ns", s->stddev);
    measurement(t, "cpu_percent", 100.0 * m->cpu_utilization);
    measurement(t, "peak_memory_bytes", m->peak_rss_bytes);
    measurement(t, "instructions_per_iteration", m->instructions_per_iteration);
    measurement(t, "items_per_second", m->items_per_second);
    measurement(t, "bytes_per_second", m->bytes_per_second);
    double resources[PERFBUDGET__RESOURCE_COUNT];
    perfbudget__resource_values(m, resources);
    for (size_t i = 0; i < PERFBUDGET__RESOURCE_COUNT; i++)
        measurement(t, perfbudget__resource_names[i], resources[i]);
    if (regression != NULL) measurement(t, "change_pct", regression->change_pct);
}

int perfbudget_render_test_report(perfbudget_context *ctx, const perfbudget_result *r,
                                  const perfbudget_comparison *regression, int ctest_tags,
                                  char **out) {
    if (r == NULL || out == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "render: NULL argument");
    /* A record of this library's size is used as it is: below, the result's own latency
     * comparison is told apart from the others by its address. */
    perfbudget_comparison known;
    if (regression != NULL && regression->struct_size != sizeof *regression) {
        if (perfbudget__comparison_read(ctx, regression, &known) != PERFBUDGET_OK)
            return PERFBUDGET_EINVAL;
        regression = &known;
    }
    perfbudget__text t = {0};
    /* Whoever named the benchmark cannot write to the terminal through its name. */
    char *name = perfbudget__printable(perfbudget_result_name(r));
    if (name == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "render: out of memory");
    /* Without one passed in, the latency comparison of the verdict record, under its name. */
    const char *latency_name = NULL;
    for (size_t i = 0; regression == NULL && i < perfbudget_result_comparison_count(r); i++) {
        perfbudget_unit unit;
        const perfbudget_comparison *c;
        const char *metric;
        perfbudget_result_comparison_at(r, i, &metric, &unit, &c);
        if (unit == PERFBUDGET_UNIT_NS) regression = c, latency_name = metric;
    }
    perfbudget_test_status status = perfbudget_result_test_status(r, regression);
    if (perfbudget_result_status(r) != PERFBUDGET_RUN_OK) {
        /* The token is what CTest's SKIP_REGULAR_EXPRESSION looks for; only a skip prints it. */
        perfbudget__append(&t, "%s %s: %s", status == PERFBUDGET_TEST_SKIP ? "SKIP" : "FAIL", name,
                           status == PERFBUDGET_TEST_SKIP ? "PERFBUDGET_SKIP " : "");
        perfbudget__append_printable(&t, perfbudget_result_message(r), 0);
        perfbudget__append(&t, "\n");
    } else {
        judged_lines(&t, r, name, status, regression, latency_name);
    }
    if (perfbudget_result_budget_entry(r) != NULL) {
        perfbudget__append(&t, "  budget entry: ");
        perfbudget__append_printable(&t, perfbudget_result_budget_entry(r), 0);
        perfbudget__append(&t, "\n");
    }
    size_t samples = perfbudget_result_summary(r)->n;
    if (samples > 0) figures_lines(&t, r);
    if (ctest_tags && samples > 0) ctest_measurements(&t, r, regression);
    const char *output = perfbudget_result_output(r);
    if (output[0] != '\0') {
        perfbudget__append(&t, "--- output of the failing run ---\n");
        perfbudget__append_printable(&t, output, 1);
        perfbudget__append(&t, "\n");
    }
    free(name);
    if (t.failed || t.data == NULL) {
        free(t.data);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "render: out of memory");
    }
    *out = t.data;
    return PERFBUDGET_OK;
}

/* ---- what every report says about a judged result ------------------------------------------- */

perfbudget__word perfbudget__word_of(const perfbudget_result *r) {
    if (perfbudget_result_status(r) == PERFBUDGET_RUN_FAILED) return PERFBUDGET__ERRORED;
    perfbudget_test_status status = perfbudget_result_test_status(r, NULL);
    if (status == PERFBUDGET_TEST_FAIL) return PERFBUDGET__FAILED;
    if (perfbudget_result_policy_warned(r, NULL)) return PERFBUDGET__WARNED;
    if (status == PERFBUDGET_TEST_SKIP) return PERFBUDGET__SKIPPED;
    int improved = 0;
    for (size_t i = 0; i < perfbudget_result_comparison_count(r); i++) {
        const perfbudget_comparison *c;
        perfbudget_result_comparison_at(r, i, NULL, NULL, &c);
        if (c->outcome == PERFBUDGET_OUTCOME_INCONCLUSIVE) return PERFBUDGET__INCONCLUSIVE;
        improved |= c->outcome == PERFBUDGET_OUTCOME_IMPROVEMENT;
    }
    const perfbudget_limit_verdict *verdicts;
    size_t count = perfbudget_result_verdicts(r, &verdicts);
    for (size_t i = 0; i < count; i++)
        if (verdicts[i].status == PERFBUDGET_LIMIT_WARN) return PERFBUDGET__WARNED;
    return improved ? PERFBUDGET__IMPROVED : PERFBUDGET__PASSED;
}

const char *perfbudget__word_name(perfbudget__word word) {
    static const char *const names[] = {"errored", "FAIL",    "inconclusive", "warn",
                                        "improved", "skipped", "pass"};
    return (size_t)word < sizeof names / sizeof *names ? names[word] : "pass";
}

const perfbudget_comparison *perfbudget__headline_change(const perfbudget_result *r,
                                                         perfbudget_unit *unit) {
    const perfbudget_comparison *latency = perfbudget_result_latency_comparison(r);
    if (unit) *unit = PERFBUDGET_UNIT_NS;
    if (latency != NULL || perfbudget_result_mode(r) != PERFBUDGET_MODE_INSTRUCTIONS)
        return latency;
    for (size_t i = 0; i < perfbudget_result_comparison_count(r); i++) {
        const char *metric;
        const perfbudget_comparison *c;
        perfbudget_result_comparison_at(r, i, &metric, unit, &c);
        if (strcmp(metric, "instructions") == 0) return c;
    }
    return NULL;
}

static int add_reason(perfbudget__reason **list, size_t *count, const char *label,
                      const char *text) {
    perfbudget__reason *grown = realloc(*list, (*count + 1) * sizeof **list);
    if (grown == NULL) return 0;
    *list = grown;
    grown[*count].label = label;
    grown[*count].text = perfbudget__strdup(text ? text : "");
    if (grown[*count].text == NULL) return 0;
    (*count)++;
    return 1;
}

/* The limits that did not pass, each with its verdict's text. */
static int add_limit_reasons(const perfbudget_result *r, perfbudget__reason **list, size_t *n) {
    static const char *const labels[] = {"pass", "warn", "FAIL", "unavailable"};
    const perfbudget_limit_verdict *verdicts;
    size_t limits = perfbudget_result_verdicts(r, &verdicts);
    int by_count = perfbudget_result_mode(r) == PERFBUDGET_MODE_INSTRUCTIONS;
    for (size_t i = 0; i < limits; i++) {
        perfbudget_limit_status status = verdicts[i].status;
        /* A limit applies to the mode that measures it (as the test status says): another
         * mode's "unavailable" is no reason. */
        perfbudget_metric metric = verdicts[i].limit->metric;
        int not_judged = by_count ? metric != PERFBUDGET_METRIC_INSTRUCTIONS &&
                                        metric != PERFBUDGET_METRIC_CUSTOM
                                  : metric == PERFBUDGET_METRIC_INSTRUCTIONS;
        if (status == PERFBUDGET_LIMIT_PASS ||
            (status == PERFBUDGET_LIMIT_UNAVAILABLE && not_judged))
            continue;
        if (!add_reason(list, n, labels[status], verdicts[i].text)) return 0;
    }
    /* A threaded benchmark's scaling: its verdict where it did not pass, and its figures. */
    perfbudget_scaling_verdict scaling;
    size_t points_count;
    const perfbudget_scaling_point *points = perfbudget_result_scaling(r, &points_count, &scaling);
    if (scaling.threads > 0 && scaling.status != PERFBUDGET_LIMIT_PASS &&
        !add_reason(list, n, labels[scaling.status], scaling.text))
        return 0;
    char described[512];
    return points_count == 0 ||
           add_reason(list, n, "scaling",
                      perfbudget_scaling_describe(points, points_count, described,
                                                  sizeof described));
}

/* The comparisons that did not pass, then the notes. */
static int add_comparison_reasons(const perfbudget_result *r, perfbudget__reason **list,
                                  size_t *n) {
    for (size_t i = 0; i < perfbudget_result_comparison_count(r); i++) {
        const char *metric;
        perfbudget_unit unit;
        const perfbudget_comparison *c;
        perfbudget_result_comparison_at(r, i, &metric, &unit, &c);
        if (c->outcome == PERFBUDGET_OUTCOME_PASS) continue;
        char line[512];
        format_named(r, metric, c, unit, line, sizeof line);
        if (!add_reason(list, n, perfbudget_outcome_name(c->outcome), line)) return 0;
    }
    for (size_t i = 0; i < perfbudget_result_note_count(r); i++)
        if (!add_reason(list, n, "note", perfbudget_result_note_at(r, i, NULL))) return 0;
    return 1;
}

/* What the team wrote for a failed or warned test, and the policy that let it through. */
static int add_policy_reasons(const perfbudget_result *r, perfbudget__reason **list, size_t *n) {
    if (perfbudget_result_policy_warned(r, NULL)) {
        char why[64];
        snprintf(why, sizeof why, "not failing: fail_on: %s",
                 perfbudget_fail_on_name(perfbudget_result_fail_on(r)));
        if (!add_reason(list, n, "policy", why)) return 0;
    }
    perfbudget__word word = perfbudget__word_of(r);
    if (word != PERFBUDGET__FAILED && word != PERFBUDGET__WARNED) return 1;
    const char *link, *advice = perfbudget_result_advice(r, &link);
    return (advice == NULL || add_reason(list, n, "advice", advice)) &&
           (link == NULL || add_reason(list, n, "see", link));
}

perfbudget__reason *perfbudget__reasons(const perfbudget_result *r, size_t *count) {
    perfbudget__reason *list = NULL;
    size_t n = 0;
    int ok = 1;
    if (perfbudget_result_status(r) != PERFBUDGET_RUN_OK)
        ok = add_reason(&list, &n,
                        perfbudget_result_status(r) == PERFBUDGET_RUN_FAILED ? "error" : "skipped",
                        perfbudget_result_message(r));
    ok = ok && add_limit_reasons(r, &list, &n) && add_comparison_reasons(r, &list, &n) &&
         add_policy_reasons(r, &list, &n);
    if (!ok) {
        perfbudget__reasons_free(list, n);
        *count = SIZE_MAX;
        return NULL;
    }
    *count = n;
    return list;
}

void perfbudget__reasons_free(perfbudget__reason *reasons, size_t count) {
    for (size_t i = 0; reasons != NULL && i < count; i++) free(reasons[i].text);
    free(reasons);
}

int perfbudget__natural_compare(const char *a, const char *b) {
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    while (*x && *y) {
        if (*x >= '0' && *x <= '9' && *y >= '0' && *y <= '9') {
            /* Two runs of digits: by value (length without leading zeros, then digits). */
            while (*x == '0' && x[1] >= '0' && x[1] <= '9') x++;
            while (*y == '0' && y[1] >= '0' && y[1] <= '9') y++;
            size_t nx = 0, ny = 0;
            while (x[nx] >= '0' && x[nx] <= '9') nx++;
            while (y[ny] >= '0' && y[ny] <= '9') ny++;
            if (nx != ny) return nx < ny ? -1 : 1;
            int order = memcmp(x, y, nx);
            if (order != 0) return order < 0 ? -1 : 1;
            x += nx, y += ny;
            continue;
        }
        if (*x != *y) return *x < *y ? -1 : 1;
        x++, y++;
    }
    if (*x != *y) return *x < *y ? -1 : 1;
    return strcmp(a, b); /* "x01" and "x1": still one order */
}

const char *perfbudget__stage_mean_note(const perfbudget_stage *stage) {
    /* Not an error: when under 1 % of the occurrences take most of the time, the mean is above
     * the p99 (999 of 1 µs and one of 1 ms: mean 2 µs, p99 1 µs). */
    return stage->mean_ns > stage->p99_ns ? " (mean above p99: a few long occurrences, under 1 %, "
                                            "took most of the time)"
                                          : "";
}

char *perfbudget__comparison_text(const perfbudget_result *r, const char *metric,
                                  perfbudget_unit unit, const perfbudget_comparison *c, char *buf,
                                  size_t size) {
    return format_named(r, metric, c, unit, buf, size);
}
