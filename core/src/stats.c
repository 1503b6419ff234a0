/* SPDX-License-Identifier: MIT */
/* Summary statistics, quantiles and the least-squares line. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* perfbudget__quantile_sorted's figure from the two order statistics it reads: a at rank
 * floor((n - 1) q) < n - 1, b at the next. */
static double quantile_between(size_t n, double q, double a, double b) {
    /* numpy's "linear" method, including its choice of lerp form by weight for equal bits. */
    double h = (double)(n - 1) * q;
    double t = h - floor(h), diff = b - a;
    /* b - a overflows only for neighbours of opposite sign beyond DBL_MAX / 2; weighting each
     * end cannot, and finite samples keep finite quantiles. */
    if (isinf(diff)) return a * (1.0 - t) + b * t;
    return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

double perfbudget__quantile_sorted(const double *sorted, size_t n, double q) {
    size_t lo = (size_t)floor((double)(n - 1) * q);
    if (lo >= n - 1) return sorted[n - 1];
    return quantile_between(n, q, sorted[lo], sorted[lo + 1]);
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

/* The second pass of perfbudget__stddev, given the largest deviation from the mean. */
static double stddev_scaled(const double *values, size_t n, double mean, double scale) {
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

/* Two-pass sample standard deviation, scaled by the largest deviation so squares of huge
 * deviations do not overflow and squares of tiny ones do not underflow. */
double perfbudget__stddev(const double *values, size_t n, double mean) {
    if (n < 2) return NAN;
    double scale = 0.0;
    for (size_t i = 0; i < n; i++) {
        double deviation = fabs(values[i] - mean);
        if (deviation > scale) scale = deviation;
    }
    return stddev_scaled(values, n, mean, scale);
}

/* Quickselect for several ranks at once, between two buffers: each pass reads a stretch from one
 * and writes it, partitioned, to the same places in the other, so no value is swapped in place
 * (a swap every step made the partition wait on its own stores) and the input is only read.
 * Pivots come from an evenly spaced, sorted sample of the stretch: between the two ranks
 * farthest apart when there are several, and a bracket around them when they lie close
 * together, so that one pass keeps only the values near them. */
enum { SELECT_SMALL = 32, SAMPLE_MAX = 1023 };

typedef struct selection {
    double *a, *b;            /* n values each: a stretch moves from one to the other each pass */
    double *sample, *scratch; /* SAMPLE_MAX values each */
} selection;

static double *other_buffer(const selection *s, const double *from) {
    return from == s->a ? s->b : s->a;
}

/* Sorts a sample of [lo, hi) (evenly spaced, about 1 value in 64, 15 to SAMPLE_MAX) into
 * s->sample; returns its size. */
static size_t take_sample(const selection *s, const double *from, size_t lo, size_t hi) {
    size_t len = hi - lo, size = len / 64;
    size = size < 15 ? 15 : size > SAMPLE_MAX ? SAMPLE_MAX : size;
    double step = (double)len / (double)size;
    for (size_t j = 0; j < size; j++) s->sample[j] = from[lo + (size_t)(((double)j + 0.5) * step)];
    perfbudget__sort(s->sample, size, s->scratch);
    return size;
}

/* The sample's value at position `at` (in sample units); -inf and +inf beyond its ends. */
static double sample_at(const selection *s, size_t size, double at) {
    if (at < 0.0) return -INFINITY;
    if (at >= (double)size) return INFINITY;
    return s->sample[(size_t)at];
}

/* Writes from[lo, hi) to to[lo, hi), those below pivot (or equal to it, with or_equal) first;
 * returns where the others start. Each value is written to both ends' next place, and the end
 * it belongs to moves on: no branch to mispredict. */
static size_t partition_into(const double *from, double *to, size_t lo, size_t hi, double pivot,
                             int or_equal) {
    size_t front = lo, back = hi;
    if (or_equal) {
        for (size_t i = lo; i < hi; i++) {
            double x = from[i];
            int below = x <= pivot;
            to[front] = x;
            to[back - 1] = x;
            front += (size_t)below;
            back -= (size_t)!below;
        }
    } else {
        for (size_t i = lo; i < hi; i++) {
            double x = from[i];
            int below = x < pivot;
            to[front] = x;
            to[back - 1] = x;
            front += (size_t)below;
            back -= (size_t)!below;
        }
    }
    return front;
}

/* Copies the values of from[lo, hi) within [low, high] to the front of to[lo, hi), counts those
 * below low into *below, and returns how many were copied. */
static size_t extract_into(const double *from, double *to, size_t lo, size_t hi, double low,
                           double high, size_t *below) {
    size_t kept = lo, under = 0;
    for (size_t i = lo; i < hi; i++) {
        double x = from[i];
        to[kept] = x;
        kept += (size_t)((x >= low) & (x <= high));
        under += (size_t)(x < low);
    }
    *below = under;
    return kept - lo;
}

/* Puts into values[k] the value a full sort of [lo, hi) would put at ranks[k], for ranks[0..m)
 * ascending within [lo, hi); the stretch is in from (the input, or s->a or s->b). Expected
 * O(n) for a few ranks; repeated values make progress too (the values equal to a pivot that
 * nothing is below are set aside). Smaller side by recursion, the larger in the loop. */
static void select_ranks(const selection *s, const double *from, size_t lo, size_t hi,
                         const size_t *ranks, size_t m, double *values) {
    while (m > 0 && hi - lo > SELECT_SMALL) {
        size_t len = hi - lo, size = take_sample(s, from, lo, hi);
        double *to = other_buffer(s, from), per_rank = (double)size / (double)len;
        size_t first = ranks[0], last = ranks[m - 1];
        /* The ranks' place in the sample, widened by about 3 standard errors of a sample
         * quantile (sqrt(size) / 2) each way. */
        double margin = 1.5 * sqrt((double)size) + 1.0;
        double low_at = (double)(first - lo) * per_rank - margin;
        double high_at = (double)(last - lo + 1) * per_rank + margin;
        if (high_at - low_at < (double)size / 2) {
            /* Close together: keep only the values between those two sample values. */
            double low = sample_at(s, size, low_at), high = sample_at(s, size, high_at);
            size_t below, kept = extract_into(from, to, lo, hi, low, high, &below);
            if (first >= lo + below && last < lo + below + kept && kept < len) {
                memmove(to + lo + below, to + lo, kept * sizeof *to);
                from = to;
                hi = lo + below + kept;
                lo += below;
                continue;
            } /* a rank outside the bracket (rare), or no progress: split them instead */
        }
        size_t widest = 0; /* between ranks[widest] and the next, or the middle of one rank */
        for (size_t k = 1; k + 1 < m; k++)
            if (ranks[k + 1] - ranks[k] > ranks[widest + 1] - ranks[widest]) widest = k;
        double cut = m > 1 ? ((double)ranks[widest] + (double)ranks[widest + 1] + 1.0) / 2.0
                           : (double)first + 0.5;
        double pivot = s->sample[(size_t)fmin((cut - (double)lo) * per_rank, (double)size - 1)];
        size_t lt = partition_into(from, to, lo, hi, pivot, 0), gt = lt;
        from = to;
        if (lt == lo) { /* nothing below the pivot: [lo, gt) equal it */
            to = other_buffer(s, from);
            gt = partition_into(from, to, lo, hi, pivot, 1);
            from = to;
        }
        size_t left = 0, right;
        while (left < m && ranks[left] < lt) left++;
        for (right = left; right < m && ranks[right] < gt; right++) values[right] = pivot;
        if (lt - lo < hi - gt) {
            select_ranks(s, from, lo, lt, ranks, left, values);
            ranks += right, values += right, m -= right, lo = gt;
        } else {
            select_ranks(s, from, gt, hi, ranks + right, m - right, values + right);
            m = left, hi = lt;
        }
    }
    if (m == 0) return;
    double *to = other_buffer(s, from); /* a short stretch: sorted whole */
    for (size_t i = lo; i < hi; i++) {
        double value = from[i];
        size_t j = i;
        for (; j > lo && to[j - 1] > value; j--) to[j] = to[j - 1];
        to[j] = value;
    }
    for (size_t k = 0; k < m; k++) values[k] = to[ranks[k]];
}

static int by_rank(const void *x, const void *y) {
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return a < b ? -1 : a > b;
}

/* The ranks perfbudget__quantile_sorted() reads for q, added to ranks. */
static size_t add_quantile_ranks(size_t n, double q, size_t *ranks, size_t m) {
    size_t lo = (size_t)floor((double)(n - 1) * q);
    ranks[m++] = lo;
    if (lo + 1 < n) ranks[m++] = lo + 1;
    return m;
}

/* Sorts ranks and drops repeats; the new count. */
static size_t distinct_ranks(size_t *ranks, size_t m) {
    qsort(ranks, m, sizeof *ranks, by_rank);
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        if (k == 0 || ranks[k - 1] != ranks[i]) ranks[k++] = ranks[i];
    return k;
}

static void set_undefined(perfbudget_summary *out) {
    out->n = 0;
    out->min = out->max = out->mean = out->stddev = out->median = out->mad = out->iqr = NAN;
    out->p25 = out->p50 = out->p75 = out->p90 = out->p95 = out->p99 = NAN;
    out->outliers_low = out->outliers_high = 0;
    out->median_ci_low = out->median_ci_high = out->median_ci_level = NAN;
}

/* The value select_ranks found for rank r, which is among ranks[0..m). */
static double value_at(const size_t *ranks, const double *values, size_t m, size_t r) {
    size_t k = 0;
    while (k + 1 < m && ranks[k] != r) k++;
    return values[k];
}

/* perfbudget__quantile_sorted's figure from the selected ranks. */
static double quantile_selected(size_t n, double q, const size_t *ranks, const double *values,
                                size_t m) {
    size_t lo = (size_t)floor((double)(n - 1) * q);
    if (lo >= n - 1) return value_at(ranks, values, m, n - 1);
    return quantile_between(n, q, value_at(ranks, values, m, lo),
                            value_at(ranks, values, m, lo + 1));
}

/* The sum of the values with Neumaier's compensation (more exact than the running mean, and
 * without its division a value); not finite when it overflows. */
static double compensated_sum(const double *values, size_t n) {
    double sum = 0.0, compensation = 0.0;
    for (size_t i = 0; i < n; i++) {
        double x = values[i], t = sum + x;
        compensation += fabs(sum) >= fabs(x) ? (sum - t) + x : (x - t) + sum;
        sum = t;
    }
    return sum + compensation;
}

int perfbudget_summarize(perfbudget_context *ctx, const double *samples, size_t n,
                         perfbudget_summary *out) {
    if (out == NULL || (samples == NULL && n > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "summarize: NULL argument");
    double lowest = n ? samples[0] : 0.0, highest = lowest;
    for (size_t i = 0; i < n; i++) {
        double x = samples[i];
        if (!isfinite(x))
            return perfbudget__fail(ctx, PERFBUDGET_EDOMAIN, "summarize: sample %zu is %s", i,
                                    isnan(x) ? "NaN" : "infinite");
        lowest = x < lowest ? x : lowest;
        highest = x > highest ? x : highest;
    }
    set_undefined(out);
    if (n == 0) return PERFBUDGET_OK;
    /* One allocation: the two buffers the selection moves values between (the samples are only
     * read: no copy of them is made), and its sample. Quantiles by selection of the ranks
     * every figure reads, not a full sort (numpy's percentile selects too). */
    double *buffers = malloc((2 * n + 2 * SAMPLE_MAX) * sizeof *buffers);
    if (buffers == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "summarize: out of memory");
    selection s = {buffers, buffers + n, buffers + 2 * n, buffers + 2 * n + SAMPLE_MAX};
    static const double quantiles[] = {0.25, 0.5, 0.75, 0.90, 0.95, 0.99};
    size_t l, u, ranks[2 * sizeof quantiles / sizeof *quantiles + 2], m = 0;
    double values[sizeof ranks / sizeof *ranks];
    perfbudget__quantile_ci_ranks(n, 0.5, 0.05, &l, &u, &out->median_ci_level);
    ranks[m++] = l - 1;
    ranks[m++] = u - 1;
    for (size_t k = 0; k < sizeof quantiles / sizeof *quantiles; k++)
        m = add_quantile_ranks(n, quantiles[k], ranks, m);
    m = distinct_ranks(ranks, m);
    select_ranks(&s, samples, 0, n, ranks, m, values);
    out->n = n;
    out->min = lowest;
    out->max = highest;
    double sum = compensated_sum(samples, n);
    out->mean = isfinite(sum) ? sum / (double)n : perfbudget__mean(samples, n);
    /* The largest deviation from the mean is the lowest's or the highest's (a rounded
     * difference never decreases as the value grows). */
    if (n >= 2)
        out->stddev = stddev_scaled(samples, n, out->mean,
                                    fmax(fabs(lowest - out->mean), fabs(highest - out->mean)));
    out->p25 = quantile_selected(n, 0.25, ranks, values, m);
    out->p50 = out->median = quantile_selected(n, 0.5, ranks, values, m);
    out->p75 = quantile_selected(n, 0.75, ranks, values, m);
    out->p90 = quantile_selected(n, 0.90, ranks, values, m);
    out->p95 = quantile_selected(n, 0.95, ranks, values, m);
    out->p99 = quantile_selected(n, 0.99, ranks, values, m);
    out->iqr = out->p75 - out->p25;
    out->median_ci_low = value_at(ranks, values, m, l - 1);
    out->median_ci_high = value_at(ranks, values, m, u - 1);
    double low_fence = out->p25 - 1.5 * out->iqr, high_fence = out->p75 + 1.5 * out->iqr;
    double *deviations = s.a;
    for (size_t i = 0; i < n; i++) {
        out->outliers_low += samples[i] < low_fence;
        out->outliers_high += samples[i] > high_fence;
        deviations[i] = fabs(samples[i] - out->median);
    }
    m = distinct_ranks(ranks, add_quantile_ranks(n, 0.5, ranks, 0));
    select_ranks(&s, deviations, 0, n, ranks, m, values);
    out->mad = quantile_selected(n, 0.5, ranks, values, m);
    free(buffers);
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

/* The finder works on the logarithm of the values (a 2x step is the same shift at any level, and
 * the noise of timings is relative), after a Hampel filter has put every run that stands alone
 * back to the median of its neighbours: PELT with a Gaussian cost would otherwise cut a single
 * slow run out as two steps. */
enum { HAMPEL_HALF_WINDOW = 2, PELT_MAX_CANDIDATES = 200 };
static const double HAMPEL_SIGMAS = 4.0;
/* Below this relative noise (0.1 %) the finder treats a series as that noisy: instruction
 * counts repeat exactly, and a zero noise estimate would make every wobble a step. */
static const double NOISE_FLOOR = 1e-3;

typedef struct series_view {
    double *level;   /* log of each value (or the value over its median scale, if any is <= 0) */
    double *clean;   /* level with the runs that stand alone replaced by their neighbours' median */
    double *nearby;  /* median of each run's neighbourhood (two runs either side) */
    double sigma;    /* robust noise estimate of level */
    double scale;    /* what level is divided by when it is not a logarithm */
    int logarithmic;
} series_view;

static void series_view_free(series_view *v) {
    free(v->level);
    free(v->clean);
    free(v->nearby);
}

static double median_of_few(const double *values, size_t n) {
    double few[2 * HAMPEL_HALF_WINDOW + 1];
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        for (; j > 0 && few[j - 1] > values[i]; j--) few[j] = few[j - 1];
        few[j] = values[i];
    }
    return n % 2 ? few[n / 2] : 0.5 * (few[n / 2 - 1] + few[n / 2]);
}

static int series_view_of(perfbudget_context *ctx, const double *values, size_t n, const char *what,
                          series_view *v) {
    memset(v, 0, sizeof *v);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(values[i]))
            return perfbudget__fail(ctx, PERFBUDGET_EDOMAIN, "%s: the series holds a non-finite "
                                    "value at %zu", what, i);
    size_t cells = n ? n : 1;
    v->level = malloc(cells * sizeof *v->level);
    v->clean = malloc(cells * sizeof *v->clean);
    v->nearby = malloc(cells * sizeof *v->nearby);
    double *differences = malloc(cells * sizeof *differences);
    double *scratch = malloc(cells * sizeof *scratch);
    if (v->level == NULL || v->clean == NULL || v->nearby == NULL || differences == NULL ||
        scratch == NULL) {
        series_view_free(v);
        free(differences);
        free(scratch);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "%s: out of memory", what);
    }
    v->logarithmic = 1;
    for (size_t i = 0; i < n; i++) v->logarithmic &= values[i] > 0.0;
    double scale = 1.0;
    v->scale = 1.0;
    if (!v->logarithmic && n > 0) {
        for (size_t i = 0; i < n; i++) differences[i] = fabs(values[i]);
        perfbudget__sort(differences, n, scratch);
        scale = perfbudget__quantile_sorted(differences, n, 0.5);
        if (!(scale > 0.0)) scale = 1.0;
        v->scale = scale;
    }
    for (size_t i = 0; i < n; i++)
        v->level[i] = v->logarithmic ? log(values[i]) : values[i] / scale;
    /* Noise from the differences of neighbours: a step moves one of them, a lone run two. */
    for (size_t i = 0; i + 1 < n; i++) differences[i] = fabs(v->level[i + 1] - v->level[i]);
    double typical = 0.0;
    if (n > 1) {
        perfbudget__sort(differences, n - 1, scratch);
        typical = perfbudget__quantile_sorted(differences, n - 1, 0.5);
    }
    v->sigma = 1.4826 * typical / sqrt(2.0);
    if (v->sigma < NOISE_FLOOR) v->sigma = NOISE_FLOOR;
    for (size_t i = 0; i < n; i++) {
        size_t begin = i >= HAMPEL_HALF_WINDOW ? i - HAMPEL_HALF_WINDOW : 0;
        size_t end = i + HAMPEL_HALF_WINDOW + 1 < n ? i + HAMPEL_HALF_WINDOW + 1 : n;
        v->nearby[i] = median_of_few(v->level + begin, end - begin);
        v->clean[i] = fabs(v->level[i] - v->nearby[i]) > HAMPEL_SIGMAS * v->sigma ? v->nearby[i]
                                                                                  : v->level[i];
    }
    free(differences);
    free(scratch);
    return PERFBUDGET_OK;
}

/* The value a level stands for. */
static double value_of_level(const series_view *v, double level) {
    return v->logarithmic ? exp(level) : level * v->scale;
}

/* PELT (Killick, Fearnhead and Eckley 2012): the segmentation of clean[] that minimises the
 * Gaussian cost of each segment (its squared deviations from its mean, over the noise
 * variance) plus a penalty of 3 ln n per change (MBIC, as R's changepoint package uses for a
 * change in mean), each segment at least min_segment long. Pruning keeps it about linear when
 * the level changes now and then; a series that never changes keeps every candidate, so at most
 * PELT_MAX_CANDIDATES are kept (the least promising goes), which may cut a long flat stretch
 * where nothing changed, and such a cut is merged away afterwards. Writes the ends of the
 * segments in order to ends[] (the last is n); returns how many, or 0 when out of memory. */
/* Keeps the candidates (with their scores) that can still end the best segmentation: one that
 * cannot beat the best (least) even without a penalty never will. Past PELT_MAX_CANDIDATES the
 * least promising goes. Returns how many are kept. */
static size_t prune_candidates(size_t *candidates, double *scores, size_t count, double least) {
    size_t kept = 0, worst = 0;
    for (size_t k = 0; k < count; k++)
        if (scores[k] <= least) {
            scores[kept] = scores[k];
            candidates[kept++] = candidates[k];
            if (scores[kept - 1] > scores[worst]) worst = kept - 1;
        }
    if (kept > PELT_MAX_CANDIDATES) {
        candidates[worst] = candidates[kept - 1];
        kept--;
    }
    return kept;
}

static size_t pelt(const series_view *v, size_t n, size_t min_segment, size_t *ends) {
    double *sum = malloc((n + 1) * sizeof *sum), *squares = malloc((n + 1) * sizeof *squares);
    double *best = malloc((n + 1) * sizeof *best);
    size_t *previous = malloc((n + 1) * sizeof *previous);
    size_t *candidates = malloc((n + 1) * sizeof *candidates);
    double *scores = malloc((n + 1) * sizeof *scores);
    size_t segments = 0;
    if (sum && squares && best && previous && candidates && scores) {
        /* Centred first, so that the sums of squares keep their low digits. */
        double centre = n > 0 ? v->clean[n / 2] : 0.0, variance = v->sigma * v->sigma;
        sum[0] = squares[0] = 0.0;
        for (size_t i = 0; i < n; i++) {
            double y = v->clean[i] - centre;
            sum[i + 1] = sum[i] + y;
            squares[i + 1] = squares[i] + y * y;
        }
        double penalty = 3.0 * log((double)(n > 1 ? n : 2));
        size_t count = 0;
        best[0] = -penalty;
        previous[0] = 0;
        for (size_t t = 1; t <= n; t++) {
            best[t] = INFINITY;
            previous[t] = 0;
        }
        for (size_t t = min_segment; t <= n; t++) {
            /* s = t - min_segment becomes a candidate once a segment can end there. */
            size_t s = t - min_segment;
            if (s == 0 || (s >= min_segment && isfinite(best[s]))) candidates[count++] = s;
            double least = INFINITY;
            size_t argmin = 0;
            for (size_t k = 0; k < count; k++) {
                size_t c = candidates[k];
                double length = (double)(t - c), total = sum[t] - sum[c];
                double cost = (squares[t] - squares[c] - total * total / length) / variance;
                if (cost < 0.0) cost = 0.0;
                scores[k] = best[c] + cost;
                if (scores[k] + penalty < least) least = scores[k] + penalty, argmin = c;
            }
            best[t] = least;
            previous[t] = argmin;
            count = prune_candidates(candidates, scores, count, least);
        }
        /* Backtrack from n; a series shorter than min_segment is one segment. */
        if (n < min_segment || !isfinite(best[n])) {
            ends[segments++] = n;
        } else {
            size_t reversed = 0;
            for (size_t t = n; t > 0; t = previous[t]) candidates[reversed++] = t;
            while (reversed > 0) ends[segments++] = candidates[--reversed];
        }
    }
    free(sum);
    free(squares);
    free(best);
    free(previous);
    free(candidates);
    free(scores);
    return segments;
}

typedef struct segment_values {
    size_t begin, end;
    double *sorted; /* the original values of the segment, sorted */
} segment_values;

/* How the boundary between two segments looks: the change of medians and, when that is large
 * enough to matter, the Mann-Whitney p-value. */
static int judge_boundary(perfbudget_context *ctx, const segment_values *left,
                          const segment_values *right, double min_change_pct, perfbudget_step *out) {
    size_t nl = left->end - left->begin, nr = right->end - right->begin;
    out->index = right->begin;
    out->before = perfbudget__quantile_sorted(left->sorted, nl, 0.5);
    out->after = perfbudget__quantile_sorted(right->sorted, nr, 0.5);
    out->change_pct = out->before != 0.0 ? 100.0 * (out->after - out->before) / fabs(out->before)
                                         : 0.0;
    out->p_value = 1.0;
    if (fabs(out->change_pct) < min_change_pct) return PERFBUDGET_OK;
    perfbudget__mwu mwu;
    int code = perfbudget__mann_whitney(ctx, left->sorted, nl, right->sorted, nr, &mwu);
    if (code == PERFBUDGET_OK) out->p_value = mwu.p_value;
    return code;
}

static int boundary_holds(const perfbudget_step *b, double min_change_pct) {
    return fabs(b->change_pct) >= min_change_pct && b->p_value < 0.01;
}

/* Merges the boundaries that do not hold (the smallest change first), re-judging the two
 * around each merge, until every one left holds. */
static int merge_weak(perfbudget_context *ctx, segment_values *segments, perfbudget_step *bounds,
                      size_t *count, double min_change_pct) {
    for (;;) {
        size_t weakest = 0;
        int found = 0;
        for (size_t j = 1; j < *count; j++)
            if (!boundary_holds(&bounds[j], min_change_pct) &&
                (!found || fabs(bounds[j].change_pct) < fabs(bounds[weakest].change_pct)))
                weakest = j, found = 1;
        if (!found) return PERFBUDGET_OK;
        segment_values *left = &segments[weakest - 1], *right = &segments[weakest];
        size_t nl = left->end - left->begin, nr = right->end - right->begin, i = 0, k = 0, o = 0;
        double *merged = malloc((nl + nr) * sizeof *merged);
        if (merged == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
        while (i < nl || k < nr)
            merged[o++] = k == nr || (i < nl && left->sorted[i] <= right->sorted[k])
                              ? left->sorted[i++] : right->sorted[k++];
        free(left->sorted);
        free(right->sorted);
        left->sorted = merged;
        left->end = right->end;
        (*count)--;
        memmove(&segments[weakest], &segments[weakest + 1],
                (*count - weakest) * sizeof *segments);
        memmove(&bounds[weakest], &bounds[weakest + 1], (*count - weakest) * sizeof *bounds);
        int code = PERFBUDGET_OK;
        if (weakest > 1)
            code = judge_boundary(ctx, &segments[weakest - 2], left, min_change_pct,
                                  &bounds[weakest - 1]);
        if (code == PERFBUDGET_OK && weakest < *count)
            code = judge_boundary(ctx, left, &segments[weakest], min_change_pct, &bounds[weakest]);
        if (code != PERFBUDGET_OK) return code;
    }
}

/* Each segment's bounds (from the ends pelt wrote) and original values, sorted: medians and
 * ranks are read from them. */
static int sort_segments(perfbudget_context *ctx, const double *values, const size_t *ends,
                         size_t segments, segment_values *parts) {
    int code = PERFBUDGET_OK;
    for (size_t j = 0; code == PERFBUDGET_OK && j < segments; j++) {
        parts[j].begin = j == 0 ? 0 : ends[j - 1];
        parts[j].end = ends[j];
        code = perfbudget__sorted_copy(ctx, values + parts[j].begin, parts[j].end - parts[j].begin,
                                       "detect_steps:", &parts[j].sorted);
    }
    return code;
}

int perfbudget_detect_steps(perfbudget_context *ctx, const double *values, size_t n,
                            double min_change_pct, size_t min_segment, perfbudget_step *steps,
                            size_t capacity, size_t *count) {
    if ((values == NULL && n > 0) || count == NULL || (steps == NULL && capacity > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "detect_steps: NULL argument");
    *count = 0;
    if (min_segment == 0) min_segment = 1;
    series_view view;
    int code = series_view_of(ctx, values, n, "detect_steps", &view);
    if (code != PERFBUDGET_OK) return code;
    size_t *ends = malloc((n + 1) * sizeof *ends);
    size_t segments = ends != NULL ? pelt(&view, n, min_segment, ends) : 0;
    segment_values *parts = calloc(segments ? segments : 1, sizeof *parts);
    perfbudget_step *bounds = calloc(segments ? segments : 1, sizeof *bounds);
    if (segments == 0 || parts == NULL || bounds == NULL)
        code = perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "detect_steps: out of memory");
    series_view_free(&view);
    if (code == PERFBUDGET_OK) code = sort_segments(ctx, values, ends, segments, parts);
    for (size_t j = 1; code == PERFBUDGET_OK && j < segments; j++)
        code = judge_boundary(ctx, &parts[j - 1], &parts[j], min_change_pct, &bounds[j]);
    if (code == PERFBUDGET_OK) code = merge_weak(ctx, parts, bounds, &segments, min_change_pct);
    for (size_t j = 1; code == PERFBUDGET_OK && j < segments && *count < capacity; j++)
        steps[(*count)++] = bounds[j];
    for (size_t j = 0; parts != NULL && j < segments; j++) free(parts[j].sorted);
    free(parts);
    free(bounds);
    free(ends);
    if (code != PERFBUDGET_OK) *count = 0;
    return code;
}

int perfbudget_detect_outliers(perfbudget_context *ctx, const double *values, size_t n,
                               double min_change_pct, perfbudget_outlier *outliers,
                               size_t capacity, size_t *count) {
    if ((values == NULL && n > 0) || count == NULL || (outliers == NULL && capacity > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "detect_outliers: NULL argument");
    *count = 0;
    series_view view;
    int code = series_view_of(ctx, values, n, "detect_outliers", &view);
    if (code != PERFBUDGET_OK) return code;
    for (size_t i = 0; i < n && *count < capacity; i++) {
        if (view.clean[i] == view.level[i]) continue;
        double level = value_of_level(&view, view.nearby[i]);
        double change = level != 0.0 ? 100.0 * (values[i] - level) / fabs(level) : 0.0;
        if (fabs(change) < min_change_pct) continue;
        outliers[(*count)++] = (perfbudget_outlier){i, values[i], level, change};
    }
    series_view_free(&view);
    return PERFBUDGET_OK;
}
