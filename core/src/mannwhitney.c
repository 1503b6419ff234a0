/* SPDX-License-Identifier: MIT */
/* Two-sided Mann-Whitney U test: exact for small sets without ties, otherwise the normal
 * approximation with tie and continuity corrections (as scipy.stats.mannwhitneyu). */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

enum { EXACT_MAX_N = 50 };

/* P(U >= u) under the null for sets of sizes m and n: counts of arrangements by U, built with
 * the recurrence f(i, j, u) = f(i - 1, j, u - j) + f(i, j - 1, u), one row of i at a time. */
static int exact_sf(size_t m, size_t n, double u, double *out) {
    if (m > n) {
        size_t swap = m;
        m = n;
        n = swap;
    }
    size_t width = m * n + 1;
    double *rows = calloc((m + 1) * width, sizeof *rows);
    if (rows == NULL) return PERFBUDGET_ENOMEM;
    for (size_t i = 0; i <= m; i++) rows[i * width] = 1.0; /* f(i, 0) = [1] */
    for (size_t j = 1; j <= n; j++)
        for (size_t i = 1; i <= m; i++) {
            double *current = rows + i * width;
            const double *shorter = rows + (i - 1) * width; /* already f(i - 1, j) */
            for (size_t v = (i - 1) * j + 1; v-- > 0;) current[v + j] += shorter[v];
        }
    const double *counts = rows + m * width;
    double total = 0.0, tail = 0.0;
    for (size_t v = 0; v < width; v++) {
        total += counts[v];
        if ((double)v >= u) tail += counts[v];
    }
    free(rows);
    *out = tail / total;
    return PERFBUDGET_OK;
}

int perfbudget__mann_whitney(perfbudget_context *ctx, const double *first, size_t n_first,
                             const double *second, size_t n_second, perfbudget__mwu *out) {
    /* Walk both sorted sets together, one group of equal values at a time: mid-ranks for the
     * second set's rank sum, and group sizes for the tie correction. */
    double rank_sum = 0.0, tie_term = 0.0, position = 0.0;
    size_t i = 0, j = 0;
    while (i < n_first || j < n_second) {
        double value = i == n_first                ? second[j]
                       : j == n_second             ? first[i]
                       : first[i] < second[j]      ? first[i]
                                                   : second[j];
        double in_first = 0.0, in_second = 0.0;
        while (i < n_first && first[i] == value) i++, in_first++;
        while (j < n_second && second[j] == value) j++, in_second++;
        double group = in_first + in_second;
        rank_sum += in_second * (position + (group + 1.0) / 2.0);
        tie_term += group * group * group - group;
        position += group;
    }
    double nf = (double)n_first, ns = (double)n_second;
    double u_second = rank_sum - ns * (ns + 1.0) / 2.0;
    double u = fmax(u_second, nf * ns - u_second);
    out->u_second = u_second;
    if (tie_term == 0.0 && n_first <= EXACT_MAX_N && n_second <= EXACT_MAX_N) {
        double sf;
        if (exact_sf(n_first, n_second, u, &sf) != PERFBUDGET_OK)
            return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "Mann-Whitney: out of memory");
        out->exact = 1;
        out->p_value = fmin(1.0, 2.0 * sf);
        return PERFBUDGET_OK;
    }
    double total = nf + ns;
    double sigma = sqrt(nf * ns / 12.0 * ((total + 1.0) - tie_term / (total * (total - 1.0))));
    out->exact = 0;
    out->p_value = sigma > 0.0 ? fmin(1.0, 2.0 * perfbudget__normal_sf((u - nf * ns / 2.0 - 0.5) / sigma))
                               : 1.0;
    return PERFBUDGET_OK;
}
