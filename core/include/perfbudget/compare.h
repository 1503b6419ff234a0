/* SPDX-License-Identifier: MIT */
/* Baseline vs current: relative change, significance and the verdict rule of docs/statistics.md. */
#ifndef PERFBUDGET_COMPARE_H
#define PERFBUDGET_COMPARE_H

#include <stddef.h>

#include "perfbudget/context.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum perfbudget_statistic {
    PERFBUDGET_STAT_MEDIAN = 0,
    PERFBUDGET_STAT_MEAN = 1,
    PERFBUDGET_STAT_P90 = 2,
    PERFBUDGET_STAT_P95 = 3,
    PERFBUDGET_STAT_P99 = 4,
    /** The fastest tenth: on a machine that switches between speed states, it reads the fast
     *  state whenever the run spent a tenth of its time there (docs/statistics.md). */
    PERFBUDGET_STAT_P10 = 5
} perfbudget_statistic;

typedef enum perfbudget_outcome {
    PERFBUDGET_OUTCOME_PASS = 0,
    PERFBUDGET_OUTCOME_IMPROVEMENT = 1,
    PERFBUDGET_OUTCOME_REGRESSION = 2,
    PERFBUDGET_OUTCOME_INCONCLUSIVE = 3
} perfbudget_outcome;

typedef enum perfbudget_severity {
    PERFBUDGET_SEVERITY_NONE = 0,
    PERFBUDGET_SEVERITY_INFO = 1,
    PERFBUDGET_SEVERITY_WARNING = 2,
    PERFBUDGET_SEVERITY_CRITICAL = 3
} perfbudget_severity;

/** How to compare. */
typedef struct perfbudget_compare_options {
    /** sizeof(perfbudget_compare_options) as the caller was compiled;
     *  perfbudget_compare_options_init() sets it. The core reads and writes the fields within it
     *  only, and refuses a size it does not know (PERFBUDGET_EINVAL); fields are only ever
     *  added at the end. */
    size_t struct_size;
    perfbudget_statistic statistic; /**< default median */
    double threshold_pct;           /**< default 5; a regression must exceed it */
    double critical_pct;            /**< default (<= 0): 2 x threshold */
    double alpha;                   /**< significance level, default 0.05 */
    int higher_is_better;           /**< 0 for times and memory, 1 for throughput */
    /** How much slower the machine ran for the current set than for the baseline (current over
     *  baseline reference time, perfbudget_result_speed_ratio()): the current values are divided
     *  by it before they are compared. Default 1; NaN or 1: no correction. */
    double speed_ratio;
    /** perfbudget_compare_runs with fewer than 3 earlier runs: the standard deviation between
     *  runs to assume instead, as a multiple of the larger of the two runs' own standard errors
     *  (on the log scale), at most 0.10. Default 0: none, the interval then covers only the two runs'
     *  samples. The judging stage uses 3 (docs/statistics.md). */
    double assumed_run_spread;
} perfbudget_compare_options;

/** Fill opts with the defaults above and set its struct_size. */
PERFBUDGET_API void perfbudget_compare_options_init(perfbudget_compare_options *opts);

/** A comparison of a current set with a baseline. The caller of perfbudget_compare() and its
 *  kin sets struct_size (perfbudget_comparison_init()), and they fill the fields within it. A
 *  record the core returns (perfbudget_result_latency_comparison(), ...) has the core's
 *  struct_size: read a field only when struct_size reaches past it. */
typedef struct perfbudget_comparison {
    /** sizeof(perfbudget_comparison) as the caller was compiled;
     *  perfbudget_comparison_init() sets it. The core reads and writes the fields within it
     *  only, and refuses a size it does not know (PERFBUDGET_EINVAL); fields are only ever
     *  added at the end. */
    size_t struct_size;
    double baseline_value, current_value; /**< the chosen statistic of each set */
    double change_pct;                    /**< 100 * (current - baseline) / |baseline| */
    double ci_low_pct, ci_high_pct;       /**< CI of change_pct (delta method; compare_runs: see there) */
    double resolvable_pct; /**< smallest threshold this data could call a pass */
    double p_value;        /**< two-sided Mann-Whitney U (compare_runs: its estimator) */
    double u_statistic;    /**< U of the current set */
    int exact;             /**< 1: exact null distribution; 0: normal approximation */
    int significant;       /**< p_value < alpha */
    int regressed;         /**< outcome == PERFBUDGET_OUTCOME_REGRESSION */
    double threshold_pct, critical_pct; /**< the effective thresholds */
    perfbudget_statistic statistic;     /**< the statistic compared */
    double run_spread_pct; /**< run-to-run noise band (perfbudget_compare_runs); else NaN */
    perfbudget_outcome outcome;
    perfbudget_severity severity;
    /** The machine's speed change divided out of the current values (100 x (speed_ratio - 1):
     *  +2.4 means the machine ran 2.4 % slower than for the baseline); NaN when none was. */
    double speed_correction_pct;
} perfbudget_comparison;

/** Set struct_size and every figure of c to NaN (no comparison: outcome pass, severity none). */
PERFBUDGET_API void perfbudget_comparison_init(perfbudget_comparison *c);

/** Compare a current sample set with a baseline sample set into *out (the fields within its
 *  struct_size; nothing is written on an error). opts may be NULL for the defaults.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (NULL pointer, bad option, or opts or out of a
 *  struct_size this library does not know), PERFBUDGET_ENODATA (an empty set),
 *  PERFBUDGET_EDOMAIN (a non-finite sample) or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_compare(perfbudget_context *ctx, const double *baseline,
                                      size_t n_baseline, const double *current, size_t n_current,
                                      const perfbudget_compare_options *opts,
                                      perfbudget_comparison *out);

/** The rule test verdicts use (docs/statistics.md, "Test verdicts"): one estimator gives the
 *  p-value and the interval, so significance never contradicts the interval. The change is
 *  the log ratio of the two statistics; its variance adds each side's standard error (the
 *  larger of the order-statistic one and the spread of 8 consecutive blocks of samples, which
 *  catches drift within a run) and, with 3 or more run_values (the statistic of the
 *  benchmark's earlier runs of the same code here), twice their variance on a log scale: the
 *  baseline is one run and this is another. p comes from Student's t with runs - 1 degrees of
 *  freedom (the normal without runs), the (1 - alpha) interval from the same quantile.
 *  out->run_spread_pct is the between-run part of the interval's half-width (NaN without
 *  runs); p_value is this estimator's, u_statistic still the Mann-Whitney U. Sets with a value
 *  <= 0 keep perfbudget_compare()'s result.
 *  Returns as perfbudget_compare(), or PERFBUDGET_EDOMAIN for a non-finite run value. */
PERFBUDGET_API int perfbudget_compare_runs(perfbudget_context *ctx, const double *baseline,
                                           size_t n_baseline, const double *current,
                                           size_t n_current, const double *run_values,
                                           size_t n_runs, const perfbudget_compare_options *opts,
                                           perfbudget_comparison *out);

/** Compare a figure measured once per run (peak memory, CPU, throughput, instructions) with
 *  the same figure of the baseline's runs, oldest first, the baseline's own run last. change_pct
 *  is against that last value. With 3 or more runs, a change beyond the threshold is a
 *  regression (or improvement) only outside the 95 % prediction band of their values, and
 *  inconclusive inside it; with fewer, one run cannot tell a change from noise: within the
 *  threshold it passes, beyond it it is inconclusive. p_value is NaN (no sample test).
 *  out, opts and the codes as perfbudget_compare(): PERFBUDGET_OK, PERFBUDGET_EINVAL,
 *  PERFBUDGET_ENODATA (no baseline value) or PERFBUDGET_EDOMAIN (a non-finite value). */
PERFBUDGET_API int perfbudget_compare_metric(perfbudget_context *ctx, const double *baseline_runs,
                                             size_t n_runs, double current,
                                             const perfbudget_compare_options *opts,
                                             perfbudget_comparison *out);

/** Lower-case names ("median", "regression", "warning"); NULL for an unknown value.
 *  Static storage. */
PERFBUDGET_API const char *perfbudget_statistic_name(perfbudget_statistic statistic);
PERFBUDGET_API const char *perfbudget_outcome_name(perfbudget_outcome outcome);
PERFBUDGET_API const char *perfbudget_severity_name(perfbudget_severity severity);

/** Parse a statistic name ("median", "mean", "p90", "p95", "p99", "p10").
 *  Returns PERFBUDGET_OK or PERFBUDGET_EINVAL. */
PERFBUDGET_API int perfbudget_statistic_parse(const char *name, perfbudget_statistic *out);

#ifdef __cplusplus
}
#endif

#endif
