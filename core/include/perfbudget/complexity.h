/* SPDX-License-Identifier: MIT */
/* Input sweeps: least-squares fits of time against input size to a complexity class (Google
 * Benchmark's Complexity(), with relative residuals), and their verdict against a budget and a
 * baseline. */
#ifndef PERFBUDGET_COMPLEXITY_H
#define PERFBUDGET_COMPLEXITY_H

#include <stddef.h>

#include "perfbudget/budget.h"
#include "perfbudget/context.h"
#include "perfbudget/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A complexity class, in order of growth: a larger value grows faster. Logarithms are base 2,
 *  as in Google Benchmark, so coefficients compare with its figures. */
typedef enum perfbudget_complexity {
    PERFBUDGET_COMPLEXITY_NONE = 0, /**< no class: not fitted, or no budget */
    PERFBUDGET_COMPLEXITY_O1,       /**< O(1) */
    PERFBUDGET_COMPLEXITY_LOG_N,    /**< O(log n) */
    PERFBUDGET_COMPLEXITY_N,        /**< O(n) */
    PERFBUDGET_COMPLEXITY_N_LOG_N,  /**< O(n log n) */
    PERFBUDGET_COMPLEXITY_N2,       /**< O(n^2) */
    PERFBUDGET_COMPLEXITY_N3,       /**< O(n^3) */
    PERFBUDGET_COMPLEXITY_COUNT
} perfbudget_complexity;

/** A fit time(n) = coefficient * f(n) over the points of a sweep, minimising the squares of
 *  the residuals relative to each time, sum((1 - coefficient f(n) / t)^2): timing noise is in
 *  proportion to the time, and Google Benchmark's absolute residuals let the largest size
 *  alone pick the class. */
typedef struct perfbudget_complexity_fit {
    perfbudget_complexity complexity;
    double coefficient; /**< ns per unit of f(n): sum(f(n)/t) / sum((f(n)/t)^2) */
    double rms;         /**< RMS of the relative residuals 1 - coefficient f(n) / t (0.05 = 5 %) */
    size_t n;           /**< points fitted */
} perfbudget_complexity_fit;

/** "O(1)", "O(log n)", "O(n)", "O(n log n)", "O(n^2)", "O(n^3)"; "none" for NONE, NULL for
 *  another value. Static storage. */
PERFBUDGET_API const char *perfbudget_complexity_name(perfbudget_complexity complexity);

/** Parse a class as budget files write it, ignoring case and spaces, with or without O( ):
 *  "1", "log n", "n", "n log n" (also "nlogn", "n*log(n)"), "n^2" (also "n²", "n**2", "n*n"),
 *  "n^3", or "constant", "logarithmic", "linear", "linearithmic", "quadratic", "cubic".
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (NULL) or PERFBUDGET_EPARSE (the message lists the
 *  forms). */
PERFBUDGET_API int perfbudget_complexity_parse(perfbudget_context *ctx, const char *text,
                                               perfbudget_complexity *out);

/** Fit count points (sizes > 0, times > 0 in ns, all finite) to one class, or with
 *  PERFBUDGET_COMPLEXITY_NONE to every class, keeping the one with the least RMS (on a tie the
 *  slower-growing one).
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (NULL, unknown class), PERFBUDGET_ENODATA (fewer
 *  than 2 points) or PERFBUDGET_EDOMAIN (a size or time <= 0, a non-finite value, all sizes
 *  equal, or log n = 0 at every size for O(log n)). */
PERFBUDGET_API int perfbudget_complexity_fit_points(perfbudget_context *ctx,
                                                    perfbudget_complexity complexity,
                                                    const double *sizes, const double *times,
                                                    size_t count,
                                                    perfbudget_complexity_fit *out);

/** Fit the sweep named name among results: those named "name/<size>" (a whole number) that
 *  ran, each contributing its median time per iteration. complexity as above.
 *  Returns what perfbudget_complexity_fit_points() returns; PERFBUDGET_ENODATA when fewer than
 *  2 such results ran, PERFBUDGET_ENOMEM when out of memory. */
PERFBUDGET_API int perfbudget_results_fit_complexity(perfbudget_context *ctx,
                                                     perfbudget_result *const *results,
                                                     size_t count, const char *name,
                                                     perfbudget_complexity complexity,
                                                     perfbudget_complexity_fit *out);

/** The verdict on a sweep's fit. */
typedef struct perfbudget_complexity_verdict {
    perfbudget_limit_status status; /**< FAIL: the class is worse than allowed */
    perfbudget_complexity allowed;  /**< from the budget; NONE when it sets none */
    int regressed;       /**< 1: the coefficient grew beyond threshold_pct over the baseline's */
    double change_pct;   /**< the coefficient against the baseline's; NaN without a baseline */
    double threshold_pct;
    char text[320];      /**< "sort: O(n log n), coefficient 12.3 ns, RMS 2.1 % ..." */
} perfbudget_complexity_verdict;

/** Judge a sweep's fit: against the complexity: of the budget entry for name (budget may be
 *  NULL), and, when baseline is not NULL, its coefficient against the baseline's, which must
 *  be fitted to the same class (perfbudget_results_fit_complexity() with fit->complexity).
 *  The coefficient regressed when it grew by more than the entry's regression threshold
 *  (latency's per_metric threshold first; 5 % when neither is set).
 *  Returns PERFBUDGET_OK or PERFBUDGET_EINVAL (NULL, or the baseline is of another class). */
PERFBUDGET_API int perfbudget_complexity_judge(perfbudget_context *ctx,
                                               const perfbudget_budget *budget, const char *name,
                                               const perfbudget_complexity_fit *fit,
                                               const perfbudget_complexity_fit *baseline,
                                               perfbudget_complexity_verdict *out);

/** Keep a sweep's fit and its verdict (may be NULL) with one of its results, e.g. its largest
 *  size: the result's JSON then carries them as "complexity" (docs/formats.md), and a result
 *  file read back restores them. Returns PERFBUDGET_OK or PERFBUDGET_EINVAL. */
PERFBUDGET_API int perfbudget_result_set_complexity(perfbudget_result *result,
                                                    const perfbudget_complexity_fit *fit,
                                                    const perfbudget_complexity_verdict *verdict);
/** 1 when result keeps a sweep's fit, copied to *fit and *verdict (either may be NULL); else 0.
 *  A fit kept without a verdict has a zeroed verdict (status PASS, text ""). */
PERFBUDGET_API int perfbudget_result_complexity(const perfbudget_result *result,
                                                perfbudget_complexity_fit *fit,
                                                perfbudget_complexity_verdict *verdict);

#ifdef __cplusplus
}
#endif

#endif
