/* SPDX-License-Identifier: MIT */
/* Two-sided Wilcoxon signed-rank test of paired differences, as scipy.stats.wilcoxon with its
 * defaults (zero_method="wilcox", correction=False): zeros dropped, mid-ranks for ties, exact for
 * up to 50 differences without ties or zeros, otherwise the normal approximation with the tie
 * correction. */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

enum { EXACT_MAX_N = 50 };

/* P(W+ <= t) under the null for n differences: counts of the subsets of {1..n} by their sum,
 * built one rank at a time. 2^50 is below 2^53, so the counts stay exact in doubles. */
static int exact_cdf(size_t n, double t, double *out) {
    size_t total = n * (n + 1) / 2;
    double *counts = calloc(total + 1, sizeof *counts);
    if (counts == NULL) return PERFBUDGET_ENOMEM;
    counts[0] = 1.0;
    size_t reached = 0;
    for (size_t rank = 1; rank <= n; rank++) {
        reached += rank;
        for (size_t s = reached + 1; s-- > rank;) counts[s] += counts[s - rank];
    }
    double all = 0.0, below = 0.0;
    for (size_t s = 0; s <= total; s++) {
        all += counts[s];
        if ((double)s <= t) below += counts[s];
    }
    free(counts);
    *out = below / all;
    return PERFBUDGET_OK;
}

static int by_magnitude(const void *a, const void *b) {
    double x = fabs(*(const double *)a), y = fabs(*(const double *)b);
    return (x > y) - (x < y);
}

int perfbudget__wilcoxon(perfbudget_context *ctx, const double *differences, size_t n,
                         perfbudget__wilcoxon_result *out) {
    double *d = malloc((n ? n : 1) * sizeof *d);
    if (d == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "Wilcoxon: out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (differences[i] != 0.0) d[m++] = differences[i];
    out->zeros = n - m;
    out->nonzero = m;
    qsort(d, m, sizeof *d, by_magnitude);
    /* Mid-ranks over groups of equal magnitude; the tie term sums t^3 - t over the groups. */
    double r_plus = 0.0, r_minus = 0.0, tie_term = 0.0;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j < m && fabs(d[j]) == fabs(d[i])) j++;
        double group = (double)(j - i), rank = ((double)i + 1.0 + (double)j) / 2.0;
        for (size_t k = i; k < j; k++) {
            if (d[k] > 0.0) r_plus += rank;
            else r_minus += rank;
        }
        tie_term += group * group * group - group;
        i = j;
    }
    free(d);
    double t = fmin(r_plus, r_minus), count = (double)m;
    out->statistic = t;
    out->r_plus = r_plus;
    if (m == 0) {
        out->exact = 0;
        out->p_value = 1.0;
        return PERFBUDGET_OK;
    }
    if (tie_term == 0.0 && out->zeros == 0 && m <= EXACT_MAX_N) {
        double cdf;
        if (exact_cdf(m, t, &cdf) != PERFBUDGET_OK)
            return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "Wilcoxon: out of memory");
        out->exact = 1;
        out->p_value = fmin(1.0, 2.0 * cdf);
        return PERFBUDGET_OK;
    }
    double mean = count * (count + 1.0) / 4.0;
    double se = sqrt((count * (count + 1.0) * (2.0 * count + 1.0) - tie_term / 2.0) / 24.0);
    out->exact = 0;
    out->p_value = se > 0.0 ? fmin(1.0, 2.0 * perfbudget__normal_sf(fabs(t - mean) / se)) : 1.0;
    return PERFBUDGET_OK;
}
