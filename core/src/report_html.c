/* SPDX-License-Identifier: MIT */
/* The HTML report: one self-contained file (no network at view time) with a sortable summary
 * table and, per benchmark, its verdict and why, the distribution of its samples against the
 * baseline's with the budget's limits and the threshold drawn in, and its trend over the
 * history with the detected steps marked. */
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

/* Plot geometry in SVG units. A label's width is estimated at CHAR_PX per character (10 px
 * sans-serif averages under 6), so labels placed apart by the estimate are apart on screen. */
enum { WIDTH = 640, LEFT = 52, RIGHT = 16, LANE = 13 };
#define CHAR_PX 6.4
/* Points drawn per band and runs per trend: a report of 100 benchmarks stays under 1 MB
 * whatever their sample counts (the summaries, box and whiskers, stand for all samples). */
enum { MAX_DOTS = 30, TREND_RUNS = 30, MAX_LABELS = 16 };

/* A horizontal or vertical value axis: linear from low, or logarithmic (low > 0). */
typedef struct axis {
    double low, high;
    int log;
    double from, to; /* pixels */
} axis;

static double position(const axis *a, double value) {
    if (value < a->low) value = a->low;
    if (value > a->high) value = a->high;
    double t = a->log ? (log(value) - log(a->low)) / (log(a->high) - log(a->low))
                      : (value - a->low) / (a->high - a->low);
    if (!isfinite(t)) t = 0.5;
    return a->from + t * (a->to - a->from);
}

static double label_width(const char *label) { return CHAR_PX * perfbudget__columns(label); }

/* Tick values: about five round numbers (1, 2 or 5 times a power of ten apart) inside the
 * axis, or on a log axis spanning more than a factor 20 the 1-2-5 series; never below the axis's
 * low end, so never negative on a non-negative axis. */
static size_t tick_values(const axis *a, double *ticks, size_t capacity) {
    size_t n = 0;
    if (a->log && a->high / a->low > 20) {
        for (double decade = pow(10, floor(log10(a->low))); decade <= a->high && n < capacity;
             decade *= 10)
            for (int k = 0; k < 3 && n < capacity; k++) {
                double value = decade * (k == 0 ? 1 : k == 1 ? 2 : 5);
                if (value >= a->low && value <= a->high) ticks[n++] = value;
            }
        return n;
    }
    double raw = (a->high - a->low) / 5, magnitude = pow(10, floor(log10(raw)));
    double ratio = raw / magnitude;
    double step = magnitude * (ratio < 1.5 ? 1 : ratio < 3.5 ? 2 : ratio < 7.5 ? 5 : 10);
    if (!(step > 0) || !isfinite(step)) return 0;
    for (double value = ceil(a->low / step) * step; value <= a->high * (1 + 1e-12) && n < capacity;
         value += step)
        ticks[n++] = fabs(value) < step * 1e-9 ? 0.0 : value;
    return n;
}

/* A label's extent on the x axis, for the overlap checks. */
typedef struct extent {
    double left, right;
} extent;

static int overlaps(extent a, extent b) { return a.left < b.right + 4 && b.left < a.right + 4; }

/* The x axis: the line, tick marks and labels that do not collide (a crowded low end of a log
 * axis keeps every other one), and the axis title under them. */
static void x_axis(perfbudget__text *h, const axis *a, double y, perfbudget_unit unit,
                   const char *title) {
    double ticks[32];
    size_t n = tick_values(a, ticks, 32);
    extent kept[32];
    size_t shown = 0;
    char previous[32] = "";
    perfbudget__append(h, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>",
                       a->from, y, a->to, y);
    for (size_t i = 0; i < n; i++) {
        char label[32];
        perfbudget_format_value(ticks[i], unit, label, sizeof label);
        /* three significant digits can print two ticks alike: one of them only */
        if (strcmp(label, previous) == 0) continue;
        snprintf(previous, sizeof previous, "%s", label);
        double x = position(a, ticks[i]), w = label_width(label);
        extent e = {x - w / 2, x + w / 2};
        int clear = e.left >= 2 && e.right <= WIDTH - 2;
        for (size_t k = 0; clear && k < shown; k++) clear = !overlaps(e, kept[k]);
        if (!clear) continue;
        kept[shown++] = e;
        perfbudget__append(h, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                              "class=\"tick-mark\"/><text x=\"%.1f\" y=\"%.1f\" class=\"tick\" "
                              "text-anchor=\"middle\">%s</text>",
                           x, y, x, y + 3, x, y + 13, label);
    }
    perfbudget__append(h, "<text x=\"%d\" y=\"%.1f\" class=\"axis-title\" text-anchor=\"end\">",
                       WIDTH - RIGHT, y + 27);
    text(h, title);
    perfbudget__append(h, "</text>");
}

/* Labels of vertical lines (limits, thresholds, steps) in lanes above the plot: each in the
 * first lane where it clears the labels already there, written beside its line (or before it
 * near the right edge). Returns the number of lanes used. */
typedef struct line_label {
    double x;
    char text[160];
    const char *cls;
    extent at;
    int lane, end_anchored;
} line_label;

static int place_labels(line_label *labels, size_t n) {
    int lanes = 0;
    for (size_t i = 0; i < n; i++) {
        double w = label_width(labels[i].text);
        labels[i].end_anchored = labels[i].x + 3 + w > WIDTH - 2;
        labels[i].at = labels[i].end_anchored ? (extent){labels[i].x - 3 - w, labels[i].x - 3}
                                              : (extent){labels[i].x + 3, labels[i].x + 3 + w};
        int lane = 0;
        for (;; lane++) {
            int clear = 1;
            for (size_t k = 0; clear && k < i; k++)
                clear = labels[k].lane != lane || !overlaps(labels[k].at, labels[i].at);
            if (clear) break;
        }
        labels[i].lane = lane;
        if (lane + 1 > lanes) lanes = lane + 1;
    }
    return lanes;
}

static void draw_labels(perfbudget__text *h, const line_label *labels, size_t n, double top,
                        double bottom, double first_lane_y) {
    for (size_t i = 0; i < n; i++) {
        double y = first_lane_y + LANE * labels[i].lane;
        perfbudget__append(h, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"%s\"/>",
                           labels[i].x, y < top ? y : top, labels[i].x, bottom, labels[i].cls);
        /* a step's label keeps the class "step-label" that tools read the steps by */
        int step = strcmp(labels[i].cls, "step") == 0;
        perfbudget__append(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"%s%s\"%s>",
                           labels[i].end_anchored ? labels[i].at.right : labels[i].at.left, y,
                           step ? "step-label" : "line-label ", step ? "" : labels[i].cls,
                           labels[i].end_anchored ? " text-anchor=\"end\"" : "");
        text(h, labels[i].text);
        perfbudget__append(h, "</text>");
    }
}

/* The sorted samples' box: quartiles, whiskers to the furthest samples within 1.5 IQR. */
typedef struct box {
    double q1, median, q3, low_whisker, high_whisker, min, max;
} box;

static box box_of(const double *sorted, size_t n) {
    box b = {perfbudget__quantile_sorted(sorted, n, 0.25),
             perfbudget__quantile_sorted(sorted, n, 0.5),
             perfbudget__quantile_sorted(sorted, n, 0.75), 0, 0, sorted[0], sorted[n - 1]};
    double iqr = b.q3 - b.q1, low_fence = b.q1 - 1.5 * iqr, high_fence = b.q3 + 1.5 * iqr;
    size_t i = 0, k = n - 1;
    while (i < k && sorted[i] < low_fence) i++;
    while (k > i && sorted[k] > high_fence) k--;
    b.low_whisker = sorted[i], b.high_whisker = sorted[k];
    return b;
}

/* One band: box and whiskers, MAX_DOTS samples at evenly spaced ranks, and at either edge a
 * marker for the samples beyond the axis, with their count on hover. */
static void band(perfbudget__text *h, const axis *a, const double *sorted, size_t n, const box *b,
                 double y, const char *cls) {
    double x1 = position(a, b->q1), xm = position(a, b->median), x3 = position(a, b->q3);
    perfbudget__append(h, "<g class=\"%s\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                          "class=\"whisker\"/><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                          "height=\"16\" class=\"box\"/><line x1=\"%.1f\" y1=\"%.1f\" "
                          "x2=\"%.1f\" y2=\"%.1f\" class=\"median\"/>",
                       cls, position(a, b->low_whisker), y, position(a, b->high_whisker), y, x1,
                       y - 8, x3 - x1 > 1 ? x3 - x1 : 1, xm, y - 10, xm, y + 10);
    size_t dots = n < MAX_DOTS ? n : MAX_DOTS;
    for (size_t i = 0; i < dots; i++) {
        double value = sorted[dots == n ? i : (size_t)((i + 0.5) * (double)n / (double)dots)];
        if (value < a->low || value > a->high) continue;
        perfbudget__append(h, "<circle cx=\"%.0f\" cy=\"%.0f\" r=\"2\"/>", position(a, value),
                           y - 6 + (double)((i * 7) % 13));
    }
    size_t below = 0, above = 0;
    for (size_t i = 0; i < n; i++) below += sorted[i] < a->low, above += sorted[i] > a->high;
    char far[32];
    if (below) {
        perfbudget_format_value(sorted[0], PERFBUDGET_UNIT_NS, far, sizeof far);
        perfbudget__append(h, "<polygon class=\"outlier\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\">"
                              "<title>%zu sample%s below the axis, down to %s</title></polygon>",
                           a->from, y, a->from + 6, y - 5, a->from + 6, y + 5, below,
                           below == 1 ? "" : "s", far);
    }
    if (above) {
        perfbudget_format_value(sorted[n - 1], PERFBUDGET_UNIT_NS, far, sizeof far);
        perfbudget__append(h, "<polygon class=\"outlier\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\">"
                              "<title>%zu sample%s beyond the axis, up to %s</title></polygon>",
                           a->to, y, a->to - 6, y - 5, a->to - 6, y + 5, above,
                           above == 1 ? "" : "s", far);
    }
    perfbudget__append(h, "</g>");
}

/* The lines to draw: limits on latency statistics and the regression threshold, in LABELS and
 * LEVELS (MAX_LABELS at most); returns how many. */
static size_t distribution_labels(const perfbudget_result *r, line_label *labels,
                                  double *levels) {
    size_t n_labels = 0;
    const perfbudget_limit_verdict *verdicts;
    size_t count = perfbudget_result_verdicts(r, &verdicts);
    for (size_t i = 0; i < count; i++) {
        const perfbudget_limit *limit = verdicts[i].limit;
        if (limit->kind != PERFBUDGET_QUANTITY_DURATION || limit->metric == PERFBUDGET_METRIC_CUSTOM)
            continue;
        const double at[2] = {limit->warn, limit->fail};
        for (int k = 0; k < 2 && n_labels < MAX_LABELS; k++) {
            if (!isfinite(at[k]) || at[k] <= 0) continue;
            char value[32];
            perfbudget_format_value(at[k], PERFBUDGET_UNIT_NS, value, sizeof value);
            line_label *l = &labels[n_labels];
            levels[n_labels++] = at[k];
            snprintf(l->text, sizeof l->text, "%s %s %s", limit->name, k ? "budget" : "warn",
                     value);
            l->cls = k ? "limit fail" : "limit warn";
        }
    }
    const perfbudget_comparison *c = perfbudget_result_latency_comparison(r);
    if (c != NULL && isfinite(c->baseline_value) && isfinite(c->threshold_pct) &&
        n_labels < MAX_LABELS) {
        line_label *l = &labels[n_labels];
        levels[n_labels++] = c->baseline_value * (1 + c->threshold_pct / 100);
        snprintf(l->text, sizeof l->text, "%s threshold %+g %%",
                 perfbudget_statistic_name(c->statistic), c->threshold_pct);
        l->cls = "threshold";
    }
    return n_labels;
}

/* The axis over [low, high] and the lines: a line near the data (within a quarter of its range)
 * widens the axis to show it; a far one is marked at the edge, so that it cannot squeeze the
 * samples into a corner. Sets each label's x. */
static axis distribution_axis(double low, double high, line_label *labels, const double *levels,
                              size_t n_labels) {
    for (size_t i = 0; i < n_labels; i++)
        if (levels[i] <= high * 1.25 && levels[i] >= low / 1.25)
            low = fmin(low, levels[i]), high = fmax(high, levels[i]);
    axis a = {low, high, low > 0, LEFT, WIDTH - RIGHT};
    if (a.log) {
        double pad = pow(high / low, 0.05);
        if (!(high / low > 1.02)) pad = 1.02; /* one value: a visible range around it */
        a.low = low / pad, a.high = high * pad;
    } else {
        a.low = 0, a.high = high > 0 ? high * 1.05 : 1;
    }
    for (size_t i = 0; i < n_labels; i++) {
        labels[i].x = position(&a, levels[i]);
        if (levels[i] > a.high || levels[i] < a.low) {
            size_t used = strlen(labels[i].text);
            snprintf(labels[i].text + used, sizeof labels[i].text - used, " %s",
                     levels[i] > a.high ? "(beyond the axis)" : "(below the axis)");
        }
    }
    return a;
}

/* The run's samples (upper band) against the baseline's (lower band) as box plots with dots, on
 * a log axis over the robust range (outliers past 3 IQR marked at the edge, not stretching the
 * scale), with the budget's latency limits and the regression threshold as labelled lines. */
void perfbudget__html_distribution(perfbudget__text *h, const perfbudget_result *r,
                                   const perfbudget_result *base) {
    size_t n, nb = 0;
    const double *samples = perfbudget_result_samples(r, &n);
    const double *baseline = base ? perfbudget_result_samples(base, &nb) : NULL;
    if (n == 0) return;
    double *now = malloc(n * sizeof *now), *then = malloc((nb ? nb : 1) * sizeof *then);
    double *scratch = malloc((n > nb ? n : nb) * sizeof *scratch); /* the radix sort's */
    if (now == NULL || then == NULL || scratch == NULL) {
        free(now), free(then), free(scratch);
        h->failed = 1;
        return;
    }
    memcpy(now, samples, n * sizeof *now);
    if (nb) memcpy(then, baseline, nb * sizeof *then);
    perfbudget__sort(now, n, scratch);
    if (nb) perfbudget__sort(then, nb, scratch);
    free(scratch);
    box bn = box_of(now, n), bb = nb ? box_of(then, nb) : bn;
    double low = fmax(bn.min, bn.q1 - 3 * (bn.q3 - bn.q1));
    double high = fmin(bn.max, bn.q3 + 3 * (bn.q3 - bn.q1));
    if (nb) {
        low = fmin(low, fmax(bb.min, bb.q1 - 3 * (bb.q3 - bb.q1)));
        high = fmax(high, fmin(bb.max, bb.q3 + 3 * (bb.q3 - bb.q1)));
    }
    line_label labels[MAX_LABELS];
    double levels[MAX_LABELS];
    size_t n_labels = distribution_labels(r, labels, levels);
    axis a = distribution_axis(low, high, labels, levels, n_labels);
    int lanes = place_labels(labels, n_labels);
    double top = 8 + LANE * lanes, now_y = top + 14, base_y = now_y + 30;
    double axis_y = (nb ? base_y : now_y) + 18, height = axis_y + 33;
    perfbudget__append(h, "<svg class=\"plot distribution\" viewBox=\"0 0 %d %.0f\" role=\"img\" "
                          "aria-label=\"distribution of samples\">", WIDTH, height);
    band(h, &a, now, n, &bn, now_y, "current");
    perfbudget__append(h, "<text x=\"4\" y=\"%.1f\" class=\"legend\">now</text>", now_y + 3);
    if (nb) {
        band(h, &a, then, nb, &bb, base_y, "baseline");
        perfbudget__append(h, "<text x=\"4\" y=\"%.1f\" class=\"legend\">base</text>", base_y + 3);
    }
    draw_labels(h, labels, n_labels, top, axis_y, 16);
    char title[128];
    snprintf(title, sizeof title, "time per iteration, log scale%s",
             n > MAX_DOTS || nb > MAX_DOTS ? " (box: quartiles; dots: 30 samples at even ranks)"
                                           : "");
    if (!a.log) snprintf(title, sizeof title, "time per iteration");
    x_axis(h, &a, axis_y, PERFBUDGET_UNIT_NS, title);
    perfbudget__append(h, "</svg>");
    free(now);
    free(then);
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The stretches between the steps (their bounds in BOUNDS, 0 and N included) and each one's
 * run-to-run band, median +- 1.4826 MAD; returns how many stretches. The scale's top goes in
 * TOP: robust, a blip 3 bands above its stretch does not set it, and never above the largest
 * median. SORTED is scratch for N values. */
static size_t trend_bands(const double *medians, double *sorted, size_t n,
                          const perfbudget_step *steps, size_t found, size_t *bounds,
                          double *band_low, double *band_high, double *top) {
    size_t stretches = 0;
    for (size_t k = 0; k < found; k++) bounds[++stretches] = steps[k].index;
    bounds[++stretches] = n;
    double top_value = 0;
    for (size_t s = 0; s < stretches; s++) {
        size_t from = bounds[s], m = bounds[s + 1] - from;
        memcpy(sorted, medians + from, m * sizeof *sorted);
        qsort(sorted, m, sizeof *sorted, by_value);
        double centre = perfbudget__quantile_sorted(sorted, m, 0.5);
        for (size_t i = 0; i < m; i++) sorted[i] = fabs(sorted[i] - centre);
        qsort(sorted, m, sizeof *sorted, by_value);
        double spread = 1.4826 * perfbudget__quantile_sorted(sorted, m, 0.5);
        band_low[s] = fmax(0, centre - spread), band_high[s] = centre + spread;
        top_value = fmax(top_value, centre + fmax(3 * spread, 0.5 * centre));
    }
    double largest = 0;
    for (size_t i = 0; i < n; i++) largest = fmax(largest, medians[i]);
    if (largest < top_value) top_value = largest;
    *top = top_value;
    return stretches;
}

/* y ticks from 0, each label at the left clear of the one below it */
static void trend_y_ticks(perfbudget__text *h, const axis *y) {
    double ticks[32], last_y = 1e9;
    size_t n_ticks = tick_values(y, ticks, 32);
    for (size_t i = 0; i < n_ticks; i++) {
        double at = position(y, ticks[i]);
        if (last_y - at < 14) continue;
        last_y = at;
        char label[32];
        perfbudget_format_value(ticks[i], PERFBUDGET_UNIT_NS, label, sizeof label);
        perfbudget__append(h, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"grid\"/>"
                              "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>",
                           LEFT, at, WIDTH - RIGHT, at, LEFT - 4, at + 3, label);
    }
}

/* The medians' line, and a dot per run with its commit, date and median on hover. */
static void trend_points(perfbudget__text *h, const perfbudget_series_point *points,
                         const double *medians, size_t n, const axis *y, double span) {
    perfbudget__append(h, "<polyline class=\"series\" points=\"");
    for (size_t i = 0; i < n; i++)
        perfbudget__append(h, "%.0f,%.0f ", LEFT + (double)i * span, position(y, medians[i]));
    perfbudget__append(h, "\"/>");
    for (size_t i = 0; i < n; i++) {
        const perfbudget_series_point *p = &points[i];
        time_t seconds = (time_t)(p->created_ns / 1000000000);
        struct tm utc;
        char when[24], median[32];
        strftime(when, sizeof when, "%Y-%m-%d", gmtime_r(&seconds, &utc));
        perfbudget_format_value(p->median, PERFBUDGET_UNIT_NS, median, sizeof median);
        perfbudget__append(h, "<circle%s cx=\"%.0f\" cy=\"%.0f\" r=\"2.5\"><title>",
                           medians[i] > y->high ? " class=\"outlier\"" : "",
                           LEFT + (double)i * span, position(y, medians[i]));
        char commit[8];
        snprintf(commit, sizeof commit, "%.7s", p->commit);
        text(h, commit);
        perfbudget__append(h, " %s: %s</title></circle>", when, median);
    }
}

/* x labels: the first and the last run, then each step, where they fit */
static void trend_x_labels(perfbudget__text *h, const perfbudget_series_point *points, size_t n,
                           const perfbudget_step *steps, size_t found, double span,
                           double bottom) {
    size_t candidates[10] = {0, n - 1};
    size_t n_candidates = 2;
    for (size_t k = 0; k < found && n_candidates < 10; k++)
        candidates[n_candidates++] = steps[k].index;
    extent kept[10];
    size_t shown = 0;
    for (size_t k = 0; k < n_candidates; k++) {
        const perfbudget_series_point *p = &points[candidates[k]];
        time_t seconds = (time_t)(p->created_ns / 1000000000);
        struct tm utc;
        char label[40], when[16];
        strftime(when, sizeof when, "%m-%d", gmtime_r(&seconds, &utc));
        char *commit = perfbudget__printable(p->commit);
        snprintf(label, sizeof label, "%.7s%s%s", commit ? commit : "", p->commit[0] ? " " : "",
                 when);
        free(commit);
        double x = LEFT + (double)candidates[k] * span, w = label_width(label);
        extent e = {x - w / 2, x + w / 2};
        if (e.left < 2) e.left = 2, e.right = 2 + w;
        if (e.right > WIDTH - 2) e.right = WIDTH - 2, e.left = WIDTH - 2 - w;
        int clear = 1;
        for (size_t i = 0; clear && i < shown; i++) clear = !overlaps(e, kept[i]);
        if (!clear) continue;
        kept[shown++] = e;
        perfbudget__append(h, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">",
                           (e.left + e.right) / 2, bottom + 15);
        text(h, label);
        perfbudget__append(h, "</text>");
    }
}

/* A series' medians on an axis from 0: the run-to-run band (median +- 1.4826 MAD of each
 * stretch between the steps given) shaded, the steps marked and labelled, and each run's commit,
 * date and median on hover. Up to 8 steps are drawn. */
void perfbudget__html_trend(perfbudget__text *h, const perfbudget_series_point *points, size_t n,
                            const perfbudget_step *steps, size_t found) {
    if (n < 2) return;
    if (found > 8) found = 8;
    double *medians = malloc(n * sizeof *medians), *sorted = malloc(n * sizeof *sorted);
    if (medians == NULL || sorted == NULL) {
        free(medians), free(sorted);
        h->failed = 1;
        return;
    }
    for (size_t i = 0; i < n; i++) medians[i] = sorted[i] = points[i].median;
    size_t bounds[10] = {0};
    double band_low[9], band_high[9];
    double top_value = 0;
    size_t stretches = trend_bands(medians, sorted, n, steps, found, bounds, band_low, band_high,
                                   &top_value);
    axis y = {0, top_value > 0 ? top_value * 1.08 : 1, 0, 0, 0};
    line_label labels[8];
    for (size_t k = 0; k < found; k++) {
        labels[k].x = LEFT + (double)steps[k].index / (double)(n - 1) * (WIDTH - LEFT - RIGHT);
        snprintf(labels[k].text, sizeof labels[k].text, "step %+.1f%%", steps[k].change_pct);
        labels[k].cls = "step";
    }
    int lanes = place_labels(labels, found);
    /* the title's row, then the step labels' lanes, then the plot */
    double title_y = 11, top = title_y + 12 + LANE * lanes, bottom = top + 100;
    y.from = bottom, y.to = top;
    perfbudget__append(h, "<svg class=\"plot trend\" viewBox=\"0 0 %d %.0f\" role=\"img\" "
                          "aria-label=\"trend over the history\">", WIDTH, bottom + 35);
    perfbudget__append(h, "<text x=\"4\" y=\"%.1f\" class=\"axis-title\">median time per "
                          "iteration, last %zu runs</text>", title_y, n);
    double span = (double)(WIDTH - LEFT - RIGHT) / (double)(n - 1);
    for (size_t s = 0; s < stretches; s++) {
        double x0 = LEFT + (double)bounds[s] * span - (s ? span / 2 : 0);
        double x1 = LEFT + (double)(bounds[s + 1] - 1) * span + (s + 1 < stretches ? span / 2 : 0);
        double y0 = position(&y, band_high[s]), y1 = position(&y, band_low[s]);
        perfbudget__append(h, "<rect class=\"band\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                              "height=\"%.1f\"><title>run-to-run band</title></rect>",
                           x0, y0, x1 - x0 > 1 ? x1 - x0 : 1, y1 - y0 > 1 ? y1 - y0 : 1);
    }
    trend_y_ticks(h, &y);
    trend_points(h, points, medians, n, &y, span);
    draw_labels(h, labels, found, top, bottom, title_y + 13);
    trend_x_labels(h, points, n, steps, found, span, bottom);
    perfbudget__append(h, "<text x=\"%d\" y=\"%.1f\" class=\"axis-title\" text-anchor=\"end\">run "
                          "(commit, date)</text></svg>", WIDTH - RIGHT, bottom + 29);
    free(medians);
    free(sorted);
}

/* The history's medians of this benchmark over its last TREND_RUNS runs, with the steps found
 * in them. */
static void trend(perfbudget__text *h, perfbudget_context *ctx, perfbudget_history *history,
                  const perfbudget_result *r) {
    perfbudget_series_point *points = NULL;
    size_t n = 0;
    if (history == NULL ||
        perfbudget_history_series(history, perfbudget_result_name(r), TREND_RUNS, 0, &points,
                                  &n) != PERFBUDGET_OK ||
        n < 2) {
        perfbudget_free(points);
        return;
    }
    double *medians = malloc(n * sizeof *medians);
    perfbudget_step steps[8];
    size_t found = 0;
    if (medians == NULL) h->failed = 1;
    for (size_t i = 0; medians != NULL && i < n; i++) medians[i] = points[i].median;
    if (medians != NULL &&
        perfbudget_detect_steps(ctx, medians, n, 5.0, 5, steps, 8, &found) != PERFBUDGET_OK)
        found = 0;
    if (medians != NULL) perfbudget__html_trend(h, points, n, steps, found);
    free(medians);
    perfbudget_free(points);
}

/* An input sweep's points and fit (complexity.h), drawn under the sweep's largest size, which
 * keeps the fit: median time against size on log-log axes, the points as dots and
 * coefficient * f(n) as a line. */
static double growth_of(perfbudget_complexity c, double n) {
    switch (c) {
    case PERFBUDGET_COMPLEXITY_LOG_N: return log2(n);
    case PERFBUDGET_COMPLEXITY_N: return n;
    case PERFBUDGET_COMPLEXITY_N_LOG_N: return n * log2(n);
    case PERFBUDGET_COMPLEXITY_N2: return n * n;
    case PERFBUDGET_COMPLEXITY_N3: return n * n * n;
    default: return 1.0;
    }
}

static void sweep_plot(perfbudget__text *h, perfbudget_result *const *results, size_t n,
                       const perfbudget_result *r, const perfbudget_complexity_fit *fit,
                       const perfbudget_complexity_verdict *verdict) {
    const char *name = perfbudget_result_name(r), *slash = strrchr(name, '/');
    if (slash == NULL) return;
    size_t prefix = (size_t)(slash - name) + 1;
    enum { MAX_POINTS = 64, CURVE = 48 };
    double sizes[MAX_POINTS], times[MAX_POINTS];
    size_t points = 0;
    for (size_t i = 0; i < n && points < MAX_POINTS; i++) {
        const char *other = perfbudget_result_name(results[i]);
        const char *digits = other + prefix;
        if (strncmp(other, name, prefix) != 0 || digits[0] == '\0' ||
            strspn(digits, "0123456789") != strlen(digits))
            continue;
        double median = perfbudget_result_summary(results[i])->median;
        if (!(median > 0.0)) continue;
        sizes[points] = strtod(digits, NULL);
        times[points++] = median;
    }
    if (points < 2) return;
    axis x = {sizes[0], sizes[0], 1, LEFT, WIDTH - RIGHT};
    axis y = {times[0], times[0], 1, 150, 12};
    for (size_t i = 0; i < points; i++) {
        x.low = fmin(x.low, sizes[i]), x.high = fmax(x.high, sizes[i]);
        y.low = fmin(y.low, times[i]), y.high = fmax(y.high, times[i]);
    }
    double curve_x[CURVE], curve_y[CURVE];
    for (int k = 0; k < CURVE; k++) {
        curve_x[k] = x.low * pow(x.high / x.low, (double)k / (CURVE - 1));
        curve_y[k] = fit->coefficient * growth_of(fit->complexity, curve_x[k]);
        if (curve_y[k] > 0.0) y.low = fmin(y.low, curve_y[k]), y.high = fmax(y.high, curve_y[k]);
    }
    if (!(x.high > x.low)) return;
    if (!(y.high > y.low)) y.high = y.low * 2;
    perfbudget__append(h, "<svg class=\"plot sweep\" viewBox=\"0 0 %d 196\" role=\"img\" "
                          "aria-label=\"time against input size, log-log, with the fit\">",
                       WIDTH);
    perfbudget__append(h, "<polyline class=\"fit\" fill=\"none\" stroke=\"#888\" points=\"");
    for (int k = 0; k < CURVE; k++)
        if (curve_y[k] > 0.0)
            perfbudget__append(h, "%.1f,%.1f ", position(&x, curve_x[k]), position(&y, curve_y[k]));
    perfbudget__append(h, "\"/>");
    for (size_t i = 0; i < points; i++)
        perfbudget__append(h, "<circle class=\"dot current\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\"/>",
                           position(&x, sizes[i]), position(&y, times[i]));
    char low[32], high[32];
    perfbudget_format_value(y.low, PERFBUDGET_UNIT_NS, low, sizeof low);
    perfbudget_format_value(y.high, PERFBUDGET_UNIT_NS, high, sizeof high);
    perfbudget__append(h, "<text x=\"4\" y=\"%.1f\" class=\"tick\">%s</text>"
                          "<text x=\"4\" y=\"%.1f\" class=\"tick\">%s</text>",
                       position(&y, y.high) + 4, high, position(&y, y.low) + 4, low);
    x_axis(h, &x, 162, PERFBUDGET_UNIT_COUNT, "input size n, log scale; time per iteration, log");
    perfbudget__append(h, "</svg><p class=\"sweep\">");
    text(h, verdict->text[0] ? verdict->text : perfbudget_complexity_name(fit->complexity));
    perfbudget__append(h, "</p>");
}

const char perfbudget__html_style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse}th,td{padding:3px 8px;border-bottom:1px solid #ddd;"
    "text-align:right}th{cursor:pointer;background:#f4f4f4}td:first-child,th:first-child{"
    "text-align:left}td.verdict{text-align:left}.fail,.errored{color:#b00}.pass{color:#070}"
    ".warn,.inconclusive,.note{color:#a60}.improved{color:#05a}"
    "ul.reasons{margin:.3em 0}ul.reasons b{font-weight:600;margin-right:.4em}"
    "svg.plot{width:100%;max-width:680px;display:block;margin:.5em 0;background:#fafafa;"
    "font-family:sans-serif}"
    ".axis,.tick-mark{stroke:#888}.grid{stroke:#e4e4e4}.tick,.legend,.axis-title{font-size:10px;"
    "fill:#555}.current circle{fill:#2466c2;opacity:.6}.baseline circle{fill:#888;opacity:.6}"
    ".box{fill:none;stroke-width:1.5}.current .box,.current .median,.current .whisker{stroke:#2466c2}"
    ".baseline .box,.baseline .median,.baseline .whisker{stroke:#666}.median{stroke-width:2.5}"
    ".outlier{fill:#c00}line.limit,line.threshold{stroke-dasharray:4 3;stroke-width:1.5}"
    "line.limit.fail{stroke:#c00}line.limit.warn{stroke:#e90}line.threshold{stroke:#7a3fb0}"
    ".line-label,.step-label{font-size:10px}.line-label.fail,.step-label{fill:#c00}"
    ".line-label.warn{fill:#b60}.line-label.threshold{fill:#7a3fb0}"
    ".series{fill:none;stroke:#2466c2;stroke-width:1.5}.trend circle{fill:#2466c2}"
    ".trend circle.outlier{fill:#c00}"
    ".band{fill:#2466c2;opacity:.12}line.step{stroke:#c00;stroke-dasharray:3 3}"
    "section{margin-top:2em}";

/* Sorting by a column's data-sort values (numbers where the cell is a figure, names in natural
 * order: "x[100]" before "x[1000]"). */
const char perfbudget__html_sort_script[] =
    "document.querySelectorAll('table.sortable th').forEach(function(th,col){"
    "th.addEventListener('click',function(){var body=th.closest('table').tBodies[0];"
    "var rows=Array.prototype.slice.call(body.rows);var up=th.dataset.order!=='asc';"
    "th.dataset.order=up?'asc':'desc';rows.sort(function(a,b){"
    "var x=a.cells[col].dataset.sort,y=b.cells[col].dataset.sort;"
    "var nx=parseFloat(x),ny=parseFloat(y);var c=(isNaN(nx)||isNaN(ny))?"
    "String(x).localeCompare(String(y),undefined,{numeric:true}):nx-ny;return up?c:-c;});"
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
void perfbudget__html_stages(perfbudget__text *h, const perfbudget_result *r) {
    size_t count;
    const perfbudget_stage *stages = perfbudget_result_stages(r, &count);
    if (count == 0) return;
    double wall = perfbudget_result_metrics(r)->wall_ns;
    perfbudget__append(h, "<table class=\"stages\"><thead><tr><th>stage</th><th>count</th>"
                          "<th>mean</th><th>p99</th><th>total</th><th>share</th></tr></thead><tbody>");
    int mean_above_p99 = 0;
    for (size_t k = 0; k < count; k++) {
        char mean[32], p99[32], total[32], share[32];
        perfbudget_format_value(stages[k].mean_ns, PERFBUDGET_UNIT_NS, mean, sizeof mean);
        perfbudget_format_value(stages[k].p99_ns, PERFBUDGET_UNIT_NS, p99, sizeof p99);
        perfbudget_format_value(stages[k].total_ns, PERFBUDGET_UNIT_NS, total, sizeof total);
        perfbudget_format_value(wall > 0 ? 100.0 * stages[k].total_ns / wall : NAN,
                                PERFBUDGET_UNIT_PERCENT, share, sizeof share);
        int above = stages[k].mean_ns > stages[k].p99_ns;
        mean_above_p99 |= above;
        perfbudget__append(h, "<tr><td>");
        text(h, stages[k].name);
        perfbudget__append(h, "</td><td>%llu</td><td>%s%s</td><td>%s</td><td>%s</td><td>%s</td></tr>",
                           (unsigned long long)stages[k].count, mean, above ? " ¹" : "", p99,
                           total, share);
    }
    perfbudget__append(h, "</tbody></table>");
    if (mean_above_p99)
        perfbudget__append(h, "<p class=\"note\">¹ mean above p99: a few long occurrences (under "
                              "1 %%) took most of the stage's time.</p>");
}

/* A threaded benchmark's scaling: per thread count the throughput, efficiency and spread, and
 * each thread's median and p99. */
void perfbudget__html_scaling(perfbudget__text *h, const perfbudget_result *r) {
    size_t count;
    const perfbudget_scaling_point *points = perfbudget_result_scaling(r, &count, NULL);
    if (count == 0) return;
    perfbudget__append(h, "<table class=\"scaling\"><thead><tr><th>threads</th>"
                          "<th>throughput</th><th>efficiency</th><th>spread</th>"
                          "<th>per thread: median / p99</th></tr></thead><tbody>");
    for (size_t k = 0; k < count; k++) {
        char efficiency[32];
        perfbudget_format_value(100.0 * points[k].efficiency, PERFBUDGET_UNIT_PERCENT,
                                efficiency, sizeof efficiency);
        perfbudget__append(h, "<tr><td>%u</td><td>%.4g /s</td><td>%s</td><td>%.2f</td><td>",
                           (unsigned)points[k].threads, points[k].throughput, efficiency,
                           points[k].spread);
        for (uint32_t t = 0; t < points[k].threads; t++) {
            char p50[32], p99[32];
            perfbudget_format_value(points[k].thread[t].p50_ns, PERFBUDGET_UNIT_NS, p50,
                                    sizeof p50);
            perfbudget_format_value(points[k].thread[t].p99_ns, PERFBUDGET_UNIT_NS, p99,
                                    sizeof p99);
            perfbudget__append(h, "%s%s / %s", t ? ", " : "", p50, p99);
        }
        perfbudget__append(h, "</td></tr>");
    }
    perfbudget__append(h, "</tbody></table><p class=\"note\">Efficiency: throughput over the "
                          "threads times one thread's; spread: the slowest thread's median over "
                          "the fastest's.</p>");
}

/* The resources per iteration, where any is known; "n/a" for those the kernel did not give. */
void perfbudget__html_resources(perfbudget__text *h, const perfbudget_result *r) {
    double values[PERFBUDGET__RESOURCE_COUNT];
    if (perfbudget__resource_values(perfbudget_result_metrics(r), values) == 0) return;
    perfbudget__append(h, "<table class=\"resources\"><thead><tr>");
    for (size_t k = 0; k < PERFBUDGET__RESOURCE_COUNT; k++)
        perfbudget__append(h, "<th>%s</th>", perfbudget__resource_names[k]);
    perfbudget__append(h, "</tr></thead><tbody><tr>");
    for (size_t k = 0; k < PERFBUDGET__RESOURCE_COUNT; k++) {
        char shown[32];
        perfbudget__append(h, "<td>%s</td>",
                           perfbudget__format_resource(k, values[k], shown, sizeof shown));
    }
    perfbudget__append(h, "</tr></tbody></table><p class=\"note\">Resources per iteration (a "
                          "command: per run).</p>");
}

/* The verdict's reasons, as every report gives them: label and text. */
void perfbudget__html_reasons(perfbudget__text *h, const perfbudget_result *r) {
    size_t count;
    perfbudget__reason *reasons = perfbudget__reasons(r, &count);
    if (reasons == NULL && count == SIZE_MAX) h->failed = 1;
    if (reasons == NULL) return;
    perfbudget__append(h, "<ul class=\"reasons\">");
    for (size_t i = 0; i < count; i++) {
        const char *label = reasons[i].label;
        const char *cls = strcmp(label, "FAIL") == 0 || strcmp(label, "regression") == 0 ||
                                  strcmp(label, "error") == 0
                              ? "fail"
                          : strcmp(label, "improvement") == 0 ? "improved"
                          : strcmp(label, "note") == 0        ? "note"
                                                              : "warn";
        perfbudget__append(h, "<li class=\"reason %s\"><b>%s</b>", cls, label);
        text(h, reasons[i].text);
        perfbudget__append(h, "</li>");
    }
    perfbudget__append(h, "</ul>");
    perfbudget__reasons_free(reasons, count);
}

const char *perfbudget__html_word_class(perfbudget__word word) {
    static const char *const classes[] = {"errored", "fail",    "inconclusive", "warn",
                                          "improved", "skipped", "pass"};
    return classes[word];
}

/* The title, and the line under it with the outcomes' counts, the commit and the baseline. */
static void html_heading(perfbudget__text *h, perfbudget_result *const *results, size_t n,
                         const perfbudget_report_info *info) {
    const char *title = info && info->title ? info->title : "perfbudget";
    perfbudget__append(h, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
    text(h, title);
    perfbudget__append(h, "</title><style>%s</style></head><body><h1>", perfbudget__html_style);
    text(h, title);
    perfbudget__append(h, "</h1>");
    size_t words[PERFBUDGET__PASSED + 1] = {0};
    for (size_t i = 0; i < n; i++) words[perfbudget__word_of(results[i])]++;
    size_t failed = words[PERFBUDGET__ERRORED] + words[PERFBUDGET__FAILED];
    perfbudget__append(h, "<p class=\"%s\">%zu benchmark%s, %zu failed", failed ? "fail" : "pass", n,
                       n == 1 ? "" : "s", failed);
    static const char *const counted[] = {"errored", NULL, "inconclusive", "warned", "improved",
                                          "skipped"};
    for (int w = PERFBUDGET__ERRORED; w < PERFBUDGET__PASSED; w++)
        if (counted[w] && words[w]) perfbudget__append(h, ", %zu %s", words[w], counted[w]);
    if (info && info->commit) {
        perfbudget__append(h, " · commit ");
        text(h, info->commit);
    }
    if (info && info->baseline) {
        perfbudget__append(h, " · compared with ");
        text(h, info->baseline);
    }
}

/* The summary table's row of benchmark I, linking to its section. */
static void html_summary_row(perfbudget__text *h, const perfbudget_result *r, size_t i) {
    const perfbudget_summary *s = perfbudget_result_summary(r);
    const perfbudget_metrics *m = perfbudget_result_metrics(r);
    char buf[4][40], delta[32] = "";
    int by_count = perfbudget_result_mode(r) == PERFBUDGET_MODE_INSTRUCTIONS;
    double figures[3] = {s->median, s->p95, s->p99};
    if (by_count) {
        /* valgrind's times say nothing about the code: the count stands in their place */
        char count[32];
        perfbudget_format_value(m->instructions_per_iteration, PERFBUDGET_UNIT_COUNT, count,
                                sizeof count);
        snprintf(buf[0], sizeof buf[0], "%s instr", count);
        buf[1][0] = buf[2][0] = '\0';
        figures[0] = m->instructions_per_iteration, figures[1] = figures[2] = NAN;
    } else {
        perfbudget_format_value(s->median, PERFBUDGET_UNIT_NS, buf[0], sizeof buf[0]);
        perfbudget_format_value(s->p95, PERFBUDGET_UNIT_NS, buf[1], sizeof buf[1]);
        perfbudget_format_value(s->p99, PERFBUDGET_UNIT_NS, buf[2], sizeof buf[2]);
    }
    /* One unit down a column (MiB): a budget in MB shows MB in its own reasons only. */
    perfbudget_format_value(m->peak_rss_bytes, PERFBUDGET_UNIT_BYTES, buf[3], sizeof buf[3]);
    const perfbudget_comparison *change = perfbudget__headline_change(r, NULL);
    double change_pct = change != NULL ? change->change_pct : NAN;
    if (!isnan(change_pct)) snprintf(delta, sizeof delta, "%+.1f %%", change_pct);
    perfbudget__word word = perfbudget__word_of(r);
    perfbudget__append(h, "<tr><td data-sort=\"");
    text(h, perfbudget_result_name(r));
    perfbudget__append(h, "\"><a href=\"#b%zu\">", i);
    text(h, perfbudget_result_name(r));
    perfbudget__append(h, "</a></td>");
    for (int k = 0; k < 3; k++) cell(h, figures[k], buf[k], NULL);
    cell(h, m->peak_rss_bytes, buf[3], NULL);
    cell(h, change_pct, delta, NULL);
    perfbudget__append(h, "<td data-sort=\"%d\" class=\"verdict %s\">%s</td>", (int)word,
                       perfbudget__html_word_class(word), perfbudget__word_name(word));
    perfbudget__append(h, "</tr>");
}

/* the limits met, under the reasons (which hold the others) */
static void html_limits_met(perfbudget__text *h, const perfbudget_result *r) {
    const perfbudget_limit_verdict *verdicts;
    size_t count = perfbudget_result_verdicts(r, &verdicts);
    size_t met = 0;
    for (size_t k = 0; k < count; k++) {
        if (verdicts[k].status != PERFBUDGET_LIMIT_PASS) continue;
        perfbudget__append(h, "%s<li class=\"pass\">pass: ",
                           met++ ? "" : "<ul class=\"limits\">");
        text(h, verdicts[k].text);
        perfbudget__append(h, "</li>");
    }
    if (met) perfbudget__append(h, "</ul>");
}

/* The baseline's result of R's benchmark, measured the same way; NULL if none. */
static const perfbudget_result *html_baseline_of(const perfbudget_result *r,
                                                 perfbudget_result *const *baseline,
                                                 size_t n_baseline) {
    for (size_t k = 0; k < n_baseline; k++)
        if (strcmp(perfbudget_result_name(baseline[k]), perfbudget_result_name(r)) == 0 &&
            perfbudget_result_mode(baseline[k]) == perfbudget_result_mode(r))
            return baseline[k];
    return NULL;
}

/* Benchmark I's section: its verdict and reasons, the limits met, its plots and tables. */
static void html_section(perfbudget__text *h, perfbudget_context *ctx,
                         perfbudget_result *const *results, size_t n, size_t i,
                         const perfbudget_report_info *info) {
    const perfbudget_result *r = results[i];
    const perfbudget_result *base =
        info ? html_baseline_of(r, info->baseline_results, info->baseline_count) : NULL;
    perfbudget__word word = perfbudget__word_of(r);
    perfbudget__append(h, "<section id=\"b%zu\" class=\"benchmark %s\"><h2>", i,
                       perfbudget__html_word_class(word));
    text(h, perfbudget_result_name(r));
    perfbudget__append(h, " <span class=\"%s\">%s</span></h2>", perfbudget__html_word_class(word),
                       perfbudget__word_name(word));
    perfbudget__html_reasons(h, r);
    html_limits_met(h, r);
    if (perfbudget_result_mode(r) == PERFBUDGET_MODE_INSTRUCTIONS) {
        char now[32], then[32] = "";
        perfbudget_format_value(perfbudget_result_metrics(r)->instructions_per_iteration,
                                PERFBUDGET_UNIT_COUNT, now, sizeof now);
        if (base != NULL)
            perfbudget_format_value(perfbudget_result_metrics(base)->instructions_per_iteration,
                                    PERFBUDGET_UNIT_COUNT, then, sizeof then);
        perfbudget__append(h, "<p>instructions mode: %s instructions per iteration%s%s%s "
                              "(valgrind's times are not the code's, and are not drawn)</p>",
                           now, then[0] ? ", baseline " : "", then, "");
    } else {
        perfbudget__html_distribution(h, r, base);
        trend(h, ctx, info ? info->history : NULL, r);
    }
    perfbudget_complexity_fit fit;
    perfbudget_complexity_verdict fit_verdict;
    if (perfbudget_result_complexity(r, &fit, &fit_verdict))
        sweep_plot(h, results, n, r, &fit, &fit_verdict);
    perfbudget__html_stages(h, r);
    perfbudget__html_scaling(h, r);
    perfbudget__html_resources(h, r);
    perfbudget__append(h, "</section>\n");
}

int perfbudget__render_html(perfbudget_context *ctx, perfbudget_result *const *results, size_t n,
                            const perfbudget_report_info *info, char **result_text) {
    perfbudget_result *const *baseline = info ? info->baseline_results : NULL;
    size_t n_baseline = info ? info->baseline_count : 0;
    if (result_text == NULL || (results == NULL && n > 0) || (baseline == NULL && n_baseline > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "render_html: NULL argument");
    perfbudget__text h = {0};
    html_heading(&h, results, n, info);
    perfbudget__append(&h, "</p>\n<table class=\"sortable\" id=\"summary\"><thead><tr><th>benchmark</th>"
            "<th>median</th><th>p95</th><th>p99</th><th>memory</th><th>Δ vs baseline</th>"
                       "<th>verdict</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) html_summary_row(&h, results[i], i);
    perfbudget__append(&h, "</tbody></table>\n");
    for (size_t i = 0; i < n; i++) html_section(&h, ctx, results, n, i, info);
    perfbudget__append(&h, "<script>%s</script></body></html>\n", perfbudget__html_sort_script);
    if (h.failed) {
        free(h.data);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "render_html: out of memory");
    }
    *result_text = h.data;
    return PERFBUDGET_OK;
}
