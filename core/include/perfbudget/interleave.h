/* SPDX-License-Identifier: MIT */
/* Interleaved A/B comparison: suites loadable as modules, a baseline and a candidate measured
 * alternately in one process (or as alternating whole runs of two commands), and the paired
 * test that judges them (docs/statistics.md, "Interleaved comparison"). */
#ifndef PERFBUDGET_INTERLEAVE_H
#define PERFBUDGET_INTERLEAVE_H

#include <stddef.h>
#include <stdint.h>

#include "perfbudget/command.h"
#include "perfbudget/compare.h"
#include "perfbudget/context.h"
#include "perfbudget/result.h"
#include "perfbudget/suite.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Suites as loadable modules ------------------------------------------------------------ */

/** Bumped when perfbudget_suite_module_info or perfbudget_benchmark_def change layout. */
#define PERFBUDGET_SUITE_ABI_VERSION 1
/** The symbol perfbudget compare --interleave looks up in a module (dlsym). */
#define PERFBUDGET_SUITE_ENTRY_SYMBOL "perfbudget_suite_entry"

/** What a suite module exports: its name and benchmark definitions. Static storage. */
typedef struct perfbudget_suite_module_info {
    uint32_t abi_version; /**< PERFBUDGET_SUITE_ABI_VERSION of the headers it was built with */
    uint32_t def_size;    /**< sizeof(perfbudget_benchmark_def) there */
    const char *suite_name;
    const perfbudget_benchmark_def *defs;
    size_t count;
} perfbudget_suite_module_info;

/** The type of perfbudget_suite_entry(). */
typedef const perfbudget_suite_module_info *(*perfbudget_suite_entry_fn)(void);

#if defined(__GNUC__) || defined(__clang__)
#define PERFBUDGET_SUITE_EXPORT_ __attribute__((visibility("default")))
#else
#define PERFBUDGET_SUITE_EXPORT_
#endif
#ifdef __cplusplus
#define PERFBUDGET_SUITE_EXTERN_C_ extern "C"
#else
#define PERFBUDGET_SUITE_EXTERN_C_
#endif

/** Define the exported entry function perfbudget_suite_entry() of a suite: name is a string
 *  literal, defs an array of perfbudget_benchmark_def (not a pointer), count its length. */
#define PERFBUDGET_SUITE_ENTRY_N(name, defs, count)                                           \
    PERFBUDGET_SUITE_EXTERN_C_ PERFBUDGET_SUITE_EXPORT_ const perfbudget_suite_module_info *  \
    perfbudget_suite_entry(void);                                                             \
    PERFBUDGET_SUITE_EXTERN_C_ PERFBUDGET_SUITE_EXPORT_ const perfbudget_suite_module_info *  \
    perfbudget_suite_entry(void) {                                                            \
        static const perfbudget_suite_module_info perfbudget_suite_info_ = {                  \
            PERFBUDGET_SUITE_ABI_VERSION, (uint32_t)sizeof(perfbudget_benchmark_def), (name), \
            (defs), (count)};                                                                 \
        return &perfbudget_suite_info_;                                                       \
    }

/** A suite's main() and its module entry in one line, after the definitions:
 *      PERFBUDGET_SUITE_MAIN("codec", benchmarks)
 *  As an executable it is perfbudget_main(argc, argv, name, defs, count); built as a module
 *  (add_perf_suite_module(), which defines PERFBUDGET_SUITE_MODULE) only the entry remains,
 *  so the same source serves perf_discover_tests() and perfbudget compare --interleave. */
#ifdef PERFBUDGET_SUITE_MODULE
#define PERFBUDGET_SUITE_MAIN_N(name, defs, count) PERFBUDGET_SUITE_ENTRY_N(name, defs, count)
#else
#define PERFBUDGET_SUITE_MAIN_N(name, defs, count)                                            \
    PERFBUDGET_SUITE_ENTRY_N(name, defs, count)                                               \
    int main(int argc, char **argv) { return perfbudget_main(argc, argv, (name), (defs), (count)); }
#endif
#define PERFBUDGET_SUITE_MAIN(name, defs) \
    PERFBUDGET_SUITE_MAIN_N(name, defs, sizeof(defs) / sizeof((defs)[0]))

/* ---- Measuring baseline and candidate alternately ------------------------------------------- */

/** How to alternate. */
typedef struct perfbudget_interleave_options {
    uint64_t time_budget_ns; /**< time of both sides and the calibration together (default
                                  2 s); 0 = none, then max_pairs must be set */
    uint64_t max_pairs;      /**< stop after this many pairs; 0 = no limit (default 0) */
    uint32_t min_pairs;      /**< at least this many, even past the time budget (default 10) */
    uint64_t batch_ns;       /**< calibrate a batch to last this long (default 1 ms) */
    uint32_t warmup_pairs;   /**< pairs measured first and discarded (default 1) */
} perfbudget_interleave_options;

/** Fill opts with the defaults above. */
PERFBUDGET_API void perfbudget_interleave_options_init(perfbudget_interleave_options *opts);

/** Measure two versions of a benchmark, baseline and candidate (e.g. the same name from two
 *  suite modules), in this process and alternately: run each setup once, calibrate one batch
 *  size on the baseline (the same iteration count for both), then measure pairs of batches, one
 *  of each, in random order (from a fixed seed) so order effects and periodic interference
 *  cancel, until the time budget is spent (counted on the context's clock) or max_pairs; then
 *  run each teardown. Both results have the same number of samples (ns per iteration) and
 *  sample i of one is paired with sample i of the other (perfbudget_paired_compare()). A side
 *  that fails (setup, perfbudget_state_fail(), a misused loop) or skips ends measuring; its
 *  result carries the status and the reason, and both keep the pairs completed before.
 *  name names both results (NULL: the baseline's name). opts may be NULL.
 *  Returns PERFBUDGET_OK (check each result's status), PERFBUDGET_EINVAL (no body, or neither a
 *  time budget nor max_pairs) or PERFBUDGET_ENOMEM.
 *  Returns new objects in *baseline_out and *candidate_out; free each with
 *  perfbudget_result_free(). */
PERFBUDGET_API int perfbudget_interleave_run(perfbudget_context *ctx, const char *name,
                                             const perfbudget_benchmark_def *baseline,
                                             const perfbudget_benchmark_def *candidate,
                                             const perfbudget_interleave_options *opts,
                                             perfbudget_result **baseline_out,
                                             perfbudget_result **candidate_out);

/** The same with whole processes: alternate one run of baseline_argv and one of candidate_argv
 *  (perfbudget_command_measure(), one run per call; command->warmup_runs of each first), the
 *  order random as above, until the time budget (wall time of the runs) or max_pairs
 *  (opts->batch_ns is unused). command may be NULL for the defaults; its runs is ignored.
 *  Samples are ns per run. A failing run ends measuring with the reason on its side's result.
 *  Returns and ownership as perfbudget_interleave_run(); also PERFBUDGET_EINTERRUPTED once
 *  command->cancel_fd became readable (the running command killed, no results). */
PERFBUDGET_API int perfbudget_interleave_commands(perfbudget_context *ctx, const char *name,
                                                  char *const baseline_argv[],
                                                  char *const candidate_argv[],
                                                  const perfbudget_command_options *command,
                                                  const perfbudget_interleave_options *opts,
                                                  perfbudget_result **baseline_out,
                                                  perfbudget_result **candidate_out);

/* ---- The paired test --------------------------------------------------------------------- */

/** How to judge paired samples. */
typedef struct perfbudget_paired_options {
    double threshold_pct; /**< default 5; a regression must exceed it */
    double critical_pct;  /**< default (<= 0): 2 x the effective threshold */
    double floor_pct;     /**< default 0.5: the effective threshold is never below it */
    double alpha;         /**< significance level, default 0.05 */
    int higher_is_better; /**< 0 for times, 1 for throughput */
} perfbudget_paired_options;

/** Fill opts with the defaults above. */
PERFBUDGET_API void perfbudget_paired_options_init(perfbudget_paired_options *opts);

typedef struct perfbudget_paired_comparison {
    size_t pairs;                         /**< pairs compared */
    size_t zero_pairs;                    /**< pairs with equal values (left out of the test) */
    double baseline_value, current_value; /**< the median of each side */
    double change_pct;  /**< 100 (exp(median of ln(current_i / baseline_i)) - 1) */
    double ci_low_pct, ci_high_pct; /**< CI of change_pct from the sign test's order statistics */
    double ci_level;                /**< its achieved level (at least 0.95 when n allows) */
    double resolvable_pct; /**< smallest threshold this data could call a pass */
    double p_value;        /**< two-sided Wilcoxon signed-rank test of the log ratios */
    double w_statistic;    /**< min(W+, W-), as scipy.stats.wilcoxon reports it */
    int exact;             /**< 1: exact null distribution; 0: normal approximation */
    int significant;       /**< p_value < alpha */
    int regressed;         /**< outcome == PERFBUDGET_OUTCOME_REGRESSION */
    double threshold_pct, critical_pct, floor_pct; /**< effective: threshold >= floor */
    perfbudget_outcome outcome;
    perfbudget_severity severity;
} perfbudget_paired_comparison;

/** Judge paired samples (baseline[i] with current[i], both > 0): the effect is the median of
 *  the pairs' log ratios; significance from the two-sided Wilcoxon signed-rank test (pairs with
 *  a zero difference dropped, exact for up to 50 pairs without ties, else the normal
 *  approximation with the tie correction, no continuity correction: scipy.stats.wilcoxon's
 *  defaults). A regression is significant and beyond the effective threshold, max(threshold,
 *  floor); fewer than 6 non-zero pairs cannot reach p < 0.05 and are inconclusive.
 *  opts may be NULL for the defaults.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (NULL pointer or bad option), PERFBUDGET_ENODATA (no
 *  pairs), PERFBUDGET_EDOMAIN (a value that is not finite and > 0) or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_paired_compare(perfbudget_context *ctx, const double *baseline,
                                             const double *current, size_t n,
                                             const perfbudget_paired_options *opts,
                                             perfbudget_paired_comparison *out);

#ifdef __cplusplus
}
#endif

#endif
