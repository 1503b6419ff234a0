/* SPDX-License-Identifier: MIT */
/* Summary statistics, quantiles and the least-squares line. */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

double perfbudget__quantile_sorted(const double *sorted, size_t n, double q) {
    /* numpy's "linear" method, including its choice of lerp form by weight for equal bits. */
    double h = (double)(n - 1) * q;
    double floor_h = floor(h);
    size_t lo = (size_t)floor_h;
    if (lo >= n - 1) return sorted[n - 1];
    double t = h - floor_h, a = sorted[lo], b = sorted[lo + 1], diff = b - a;
    /* b - a overflows only for neighbours of opposite sign beyond DBL_MAX / 2; weighting each
     * end cannot, and finite samples keep finite quantiles. */
    if (isinf(diff)) return a * (1.0 - t) + b * t;
    return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

uint64_t perfbudget__splitmix64(uint64_t *state) {
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Mean without overflow for values near DBL_MAX: a running mean. Where a value and the mean so
 * far are of opposite sign and the step overflows, each is divided first (other data keep
 * their bits). */
double perfbudget__mean(const double *values, size_t n) {
    double mean = 0.0;
    for (size_t i = 0; i < n; i++) {
        double k = (double)(i + 1), step = values[i] - mean;
        mean += isinf(step) ? values[i] / k - mean / k : step / k;
    }
    return mean;
}

/* Two-pass sample standard deviation, scaled by the largest deviation so squares of huge
 * deviations do not overflow and squares of tiny ones do not underflow. */
double perfbudget__stddev(const double *values, size_t n, double mean) {
    if (n < 2) return NAN;
    double scale = 0.0;
    for (size_t i = 0; i < n; i++) {
        double deviation = fabs(values[i] - mean);
        if (deviation > scale) scale = deviation;
    }
    if (scale == 0.0) return 0.0;
    if (isinf(scale)) return INFINITY;
    double sum = 0.0, correction = 0.0;
    for (size_t i = 0; i < n; i++) {
        double scaled = (values[i] - mean) / scale;
        sum += scaled * scaled;
        correction += scaled;
    }
    /* The corrected two-pass formula (Chan, Golub and LeVeque) removes the mean's rounding. */
    double variance = (sum - correction * correction / (double)n) / (double)(n - 1);
    return scale * sqrt(variance > 0.0 ? variance : 0.0);
}

/* Median absolute deviation of sorted data: the deviations left of the median, read right to
 * left, and those right of it, read left to right, are each sorted; merging them is O(n). */
static double mad_of(const double *sorted, size_t n, double median, double *deviations) {
    size_t split = 0;
    while (split < n && sorted[split] < median) split++;
    size_t left = split, right = split, k = 0;
    while (left > 0 || right < n) {
        int take_left = left > 0 && (right == n || median - sorted[left - 1] <= sorted[right] - median);
        deviations[k++] = take_left ? median - sorted[--left] : sorted[right++] - median;
    }
    return perfbudget__quantile_sorted(deviations, n, 0.5);
}

static void set_undefined(perfbudget_summary *out) {
    out->n = 0;
    out->min = out->max = out->mean = out->stddev = out->median = out->mad = out->iqr = NAN;
    out->p25 = out->p50 = out->p75 = out->p90 = out->p95 = out->p99 = NAN;
    out->outliers_low = out->outliers_high = 0;
    out->median_ci_low = out->median_ci_high = out->median_ci_level = NAN;
}

int perfbudget_summarize(perfbudget_context *ctx, const double *samples, size_t n,
                         perfbudget_summary *out) {
    if (out == NULL || (samples == NULL && n > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "summarize: NULL argument");
    double *sorted;
    int status = perfbudget__sorted_copy(ctx, samples, n, "summarize:", &sorted);
    if (status != PERFBUDGET_OK) return status;
    set_undefined(out);
    if (n == 0) return PERFBUDGET_OK;
    double *deviations = malloc(n * sizeof *deviations);
    if (deviations == NULL) {
        free(sorted);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "summarize: out of memory");
    }
    out->n = n;
    out->min = sorted[0];
    out->max = sorted[n - 1];
    out->mean = perfbudget__mean(sorted, n);
    out->stddev = perfbudget__stddev(sorted, n, out->mean);
    out->p25 = perfbudget__quantile_sorted(sorted, n, 0.25);
    out->p50 = out->median = perfbudget__quantile_sorted(sorted, n, 0.5);
    out->p75 = perfbudget__quantile_sorted(sorted, n, 0.75);
    out->p90 = perfbudget__quantile_sorted(sorted, n, 0.90);
    out->p95 = perfbudget__quantile_sorted(sorted, n, 0.95);
    out->p99 = perfbudget__quantile_sorted(sorted, n, 0.99);
    out->iqr = out->p75 - out->p25;
    out->mad = mad_of(sorted, n, out->median, deviations);
    double low_fence = out->p25 - 1.5 * out->iqr, high_fence = out->p75 + 1.5 * out->iqr;
    for (size_t i = 0; i < n && sorted[i] < low_fence; i++) out->outliers_low++;
    for (size_t i = n; i > 0 && sorted[i - 1] > high_fence; i--) out->outliers_high++;
    size_t l, u;
    perfbudget__quantile_ci_ranks(n, 0.5, 0.05, &l, &u, &out->median_ci_level);
    out->median_ci_low = sorted[l - 1];
    out->median_ci_high = sorted[u - 1];
    free(deviations);
    free(sorted);
    return PERFBUDGET_OK;
}

int perfbudget_quantile(perfbudget_context *ctx, const double *samples, size_t n, double q,
                        double *out) {
    if (out == NULL || (samples == NULL && n > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "quantile: NULL argument");
    if (!(q >= 0.0 && q <= 1.0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "quantile: q = %g is outside [0, 1]", q);
    if (n == 0) return perfbudget__fail(ctx, PERFBUDGET_ENODATA, "quantile: no samples");
    double *sorted;
    int status = perfbudget__sorted_copy(ctx, samples, n, "quantile:", &sorted);
    if (status != PERFBUDGET_OK) return status;
    *out = perfbudget__quantile_sorted(sorted, n, q);
    free(sorted);
    return PERFBUDGET_OK;
}

int perfbudget_fit_line(perfbudget_context *ctx, const double *x, const double *y, size_t n,
                        perfbudget_line_fit *out) {
    if (out == NULL || ((x == NULL || y == NULL) && n > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "fit_line: NULL argument");
    if (n < 2)
        return perfbudget__fail(ctx, PERFBUDGET_ENODATA, "fit_line: %zu point(s), need 2", n);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]) || !isfinite(y[i]))
            return perfbudget__fail(ctx, PERFBUDGET_EDOMAIN, "fit_line: point %zu is not finite",
                                    i);
    double mean_x = perfbudget__mean(x, n), mean_y = perfbudget__mean(y, n);
    double sxx = 0.0, sxy = 0.0, syy = 0.0;
    for (size_t i = 0; i < n; i++) {
        double dx = x[i] - mean_x, dy = y[i] - mean_y;
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    if (sxx == 0.0)
        return perfbudget__fail(ctx, PERFBUDGET_EDOMAIN, "fit_line: all x are equal");
    out->n = n;
    out->slope = sxy / sxx;
    out->intercept = mean_y - out->slope * mean_x;
    double residual = syy - out->slope * sxy;
    if (residual < 0.0) residual = 0.0;
    out->r_squared = syy == 0.0 ? NAN : 1.0 - residual / syy;
    out->slope_stderr = n > 2 ? sqrt(residual / (double)(n - 2) / sxx) : NAN;
    return PERFBUDGET_OK;
}

/* ---- steps in a series ---------------------------------------------------------------------- */

typedef struct step_search {
    perfbudget_context *ctx;
    const double *values;
    double min_change_pct;
    size_t min_segment;
    perfbudget_step *steps;
    size_t capacity, count;
    int failed;
} step_search;

static double median_of(perfbudget_context *ctx, const double *values, size_t n, int *failed) {
    double median = NAN;
    if (perfbudget_quantile(ctx, values, n, 0.5, &median) != PERFBUDGET_OK) *failed = 1;
    return median;
}

/* Sum of absolute deviations from the median: the L1 cost of a segment. */
static double l1_cost(step_search *s, const double *values, size_t n) {
    double median = median_of(s->ctx, values, n, &s->failed), cost = 0.0;
    for (size_t i = 0; i < n; i++) cost += fabs(values[i] - median);
    return cost;
}

/* Binary segmentation with an L1 cost: split where the two segments' absolute deviations from
 * their own medians sum to the least (robust to outliers, and unlike a rank statistic it does
 * not move a step onto points that merely rank high), keep the split when a Mann-Whitney U test
 * between the sides gives p < 0.01 and the medians differ by at least min_change_pct, then look
 * again on each side. */
static void segment(step_search *s, size_t begin, size_t end) {
    if (s->failed || end - begin < 2 * s->min_segment) return;
    size_t split = 0;
    double best = INFINITY;
    for (size_t t = begin + s->min_segment; t + s->min_segment <= end && !s->failed; t++) {
        double cost = l1_cost(s, s->values + begin, t - begin) + l1_cost(s, s->values + t, end - t);
        if (cost < best) best = cost, split = t;
    }
    if (s->failed || split == 0) return;
    double before = median_of(s->ctx, s->values + begin, split - begin, &s->failed);
    double after = median_of(s->ctx, s->values + split, end - split, &s->failed);
    double change = before != 0.0 ? 100.0 * (after - before) / fabs(before) : 0.0;
    perfbudget_comparison c;
    if (s->failed || fabs(change) < s->min_change_pct ||
        perfbudget_compare(s->ctx, s->values + begin, split - begin, s->values + split,
                           end - split, NULL, &c) != PERFBUDGET_OK ||
        c.p_value >= 0.01)
        return;
    segment(s, begin, split);
    if (s->count < s->capacity)
        s->steps[s->count++] = (perfbudget_step){split, before, after, change, c.p_value};
    segment(s, split, end);
}

int perfbudget_detect_steps(perfbudget_context *ctx, const double *values, size_t n,
                            double min_change_pct, size_t min_segment, perfbudget_step *steps,
                            size_t capacity, size_t *count) {
    if ((values == NULL && n > 0) || count == NULL || (steps == NULL && capacity > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "detect_steps: NULL argument");
    step_search s = {ctx, values, min_change_pct, min_segment ? min_segment : 1, steps, capacity,
                     0, 0};
    segment(&s, 0, n);
    *count = s.count;
    return s.failed ? perfbudget__fail(ctx, PERFBUDGET_EDOMAIN,
                                       "detect_steps: the series holds a non-finite value")
                    : PERFBUDGET_OK;
}
