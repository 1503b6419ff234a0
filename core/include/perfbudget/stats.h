/* SPDX-License-Identifier: MIT */
/* Robust summary statistics of a sample set; docs/statistics.md defines each figure. */
#ifndef PERFBUDGET_STATS_H
#define PERFBUDGET_STATS_H

#include <stddef.h>

#include "perfbudget/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Summary of one sample set. Double fields are NaN when undefined (n = 0; stddev when n < 2). */
typedef struct perfbudget_summary {
    size_t n;
    double min, max, mean;
    double stddev; /**< sample standard deviation (n - 1) */
    double median;
    double mad; /**< unscaled median absolute deviation */
    double iqr; /**< p75 - p25 */
    double p25, p50, p75, p90, p95, p99; /**< numpy's default (linear) interpolation */
    size_t outliers_low, outliers_high;  /**< beyond the Tukey fences, 1.5 x IQR */
    double median_ci_low, median_ci_high; /**< distribution-free CI of the median */
    double median_ci_level;               /**< its achieved coverage (below 0.95 for n < 6) */
} perfbudget_summary;

/** Summarize n samples in any order; the input is not modified.
 *  n = 0 succeeds with every double field NaN.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (NULL pointer), PERFBUDGET_EDOMAIN (a NaN or infinite
 *  sample; the message names its index) or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_summarize(perfbudget_context *ctx, const double *samples, size_t n,
                                        perfbudget_summary *out);

/** One quantile (0 <= q <= 1) of n samples, by numpy's default linear interpolation.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_ENODATA (n = 0), PERFBUDGET_EDOMAIN or
 *  PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_quantile(perfbudget_context *ctx, const double *samples, size_t n,
                                       double q, double *out);

/** Ordinary least-squares line y = intercept + slope * x, used for memory growth. */
typedef struct perfbudget_line_fit {
    size_t n;
    double slope, intercept;
    double slope_stderr; /**< n - 2 degrees of freedom; NaN when n = 2 */
    double r_squared;    /**< NaN when all y are equal */
} perfbudget_line_fit;

/** Fit a least-squares line through n points.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_ENODATA (n < 2) or PERFBUDGET_EDOMAIN
 *  (non-finite input, or all x equal). */
PERFBUDGET_API int perfbudget_fit_line(perfbudget_context *ctx, const double *x, const double *y,
                                       size_t n, perfbudget_line_fit *out);

#ifdef __cplusplus
}
#endif

#endif
