/* SPDX-License-Identifier: MIT */
/* The judging stage: a result, its budget, its baseline and the settings in; one verdict record,
 * kept with the result, out. Every front end and every report renders that record and none
 * decides again (docs/statistics.md, "Verdict"). */
#ifndef PERFBUDGET_VERDICT_H
#define PERFBUDGET_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "perfbudget/budget.h"
#include "perfbudget/compare.h"
#include "perfbudget/history.h"
#include "perfbudget/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a note of a verdict says; the text says it in words. */
typedef enum perfbudget_note_kind {
    PERFBUDGET_NOTE_BASELINE = 0,       /**< about the baseline as a whole (none yet, ...) */
    PERFBUDGET_NOTE_NEW_SERIES = 1,     /**< the baseline has no result of this benchmark */
    PERFBUDGET_NOTE_OTHER_MODE = 2,     /**< the baseline measured it only in another mode */
    PERFBUDGET_NOTE_CODE_CHANGED = 3,   /**< the benchmarked code's version differs */
    PERFBUDGET_NOTE_MACHINE_BUSIER = 4, /**< this run had less of a CPU than the baseline's */
    PERFBUDGET_NOTE_CPU_TIME = 5,       /**< judged on CPU time: one run had a busier machine */
    PERFBUDGET_NOTE_NOT_COMPARED = 6,   /**< the comparison failed; the text says why */
    PERFBUDGET_NOTE_RUN_SPREAD = 7,     /**< the spread between runs that the change stood against */
    PERFBUDGET_NOTE_MACHINE_SPEED = 8,  /**< the machine ran its probe at another speed */
    PERFBUDGET_NOTE_MEDIAN_ROSE = 9,    /**< p10 compared: the median rose beyond the threshold */
    PERFBUDGET_NOTE_SAME_STATE = 10     /**< only samples taken in the same machine state compared */
} perfbudget_note_kind;

/** "baseline", "new_series", "other_mode", "code_changed", "machine_busier", "cpu_time",
 *  "not_compared", "run_spread", "machine_speed", "median_rose", "same_state"; NULL for an unknown kind.
 *  Static storage. */
PERFBUDGET_API const char *perfbudget_note_kind_name(perfbudget_note_kind kind);

/** What a result is judged against. */
typedef struct perfbudget_conclude_options {
    const perfbudget_budget *budget; /**< NULL: no budget */
    /** The budget entry's name to judge by (a marker's or BUDGET_NAME); NULL: the first of the
     *  result's name and the names it implies (for a pytest node id "f.py::test_x[a]" also
     *  "test_x[a]" and "test_x") that an entry matches exactly, else the first a glob matches. */
    const char *budget_name;
    /** Compare with a baseline: the baseline's results (the one of the same name and mode is
     *  chosen), or none when it has none yet (say why in baseline_note). */
    int regression;
    perfbudget_result *const *baseline;
    size_t baseline_count;
    const char *baseline_note; /**< NULL, or why there is nothing to compare with */
    /** Where earlier runs give the spread between runs (NULL: none), on environment and
     *  branch, up to the baseline's run (0: each benchmark's latest). Borrowed. */
    perfbudget_history *history;
    const char *environment, *branch;
    int64_t baseline_run;
    double threshold_pct; /**< NaN: the budget's regression threshold, else 5 */
    double critical_pct;  /**< NaN: the budget's, else twice the threshold */
    int statistic;        /**< a perfbudget_statistic; -1: the budget's, else the median */
} perfbudget_conclude_options;

/** Fill opts with: no budget, no regression check, thresholds NaN, statistic -1. */
PERFBUDGET_API void perfbudget_conclude_options_init(perfbudget_conclude_options *opts);

/** Judge result against its budget limits and, with opts->regression, its baseline, and keep the
 *  whole verdict record with the result: the limit verdicts (perfbudget_result_verdicts()), the
 *  latency comparison (perfbudget_result_latency_comparison()), the comparisons of memory, CPU
 *  and throughput that the budget's regression.per_metric asks for and, in instructions mode,
 *  of the instruction counts (perfbudget_result_comparison_at()), and the notes
 *  (perfbudget_result_note_at()). perfbudget_result_test_status(result, NULL) then gives the
 *  test status, and the result file carries all of it. With a regression check, a result
 *  concluded before is compared anew; without one, the comparisons and notes it has stay (a
 *  result file's, say) and only the limits are judged again. The budget must outlive the
 *  result.
 *
 *  The machine's state is judged too (docs/statistics.md). When the machine took more of the
 *  CPU from one run than from the other (it waited for a CPU 10 % more of its wall time, by the
 *  metrics' runqueue_wait_ns; where either lacks that figure, a CPU share below 85 % of the
 *  other's with 1.5 times the involuntary context switches per CPU second), wall time measures
 *  the machine: the latency is compared on CPU time where both results have CPU-time samples,
 *  and a change a busy machine can make to CPU time itself (60 %) is inconclusive; without
 *  them a change it could explain is inconclusive. The notes say so in words.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_EIO (the history) or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_result_conclude(perfbudget_context *ctx, perfbudget_result *result,
                                              const perfbudget_conclude_options *opts);

/** The latency comparison of the verdict record, or NULL when there is none. Borrowed. */
PERFBUDGET_API const perfbudget_comparison *perfbudget_result_latency_comparison(
    const perfbudget_result *result);

/** The notes of the verdict record: their number, and each one's text and kind (kind may be
 *  NULL). Returns NULL for an index out of range. Borrowed. */
PERFBUDGET_API size_t perfbudget_result_note_count(const perfbudget_result *result);
PERFBUDGET_API const char *perfbudget_result_note_at(const perfbudget_result *result, size_t index,
                                                     perfbudget_note_kind *kind);

/** Keep a note with the result (e.g. one read back from a result file).
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_result_add_note(perfbudget_context *ctx, perfbudget_result *result,
                                              perfbudget_note_kind kind, const char *text);

/** --perf-confirm N (confirmations): whether to measure result's benchmark again before its
 *  verdict stands; result is the latest measurement, concluded, and done the re-measurements
 *  made so far (0: result is the first measurement). A first measurement is measured again
 *  only when it fails on its latency regression alone (no budget limit fails); a
 *  re-measurement that fails too is measured again until confirmations were made.
 *  Returns 1 to measure again, or 0 when result's verdict stands; then note (may be NULL)
 *  receives the line its report gains after "note: " ("" for none): that a suspected
 *  regression was not confirmed by re-measurement done of confirmations, or that it was
 *  confirmed by all of them. */
PERFBUDGET_API int perfbudget_result_confirm_next(const perfbudget_result *result, unsigned done,
                                                  unsigned confirmations, char *note,
                                                  size_t size);

/** Parse a note kind's name. Returns PERFBUDGET_OK or PERFBUDGET_EINVAL. */
PERFBUDGET_API int perfbudget_note_kind_parse(const char *name, perfbudget_note_kind *out);

#ifdef __cplusplus
}
#endif

#endif
