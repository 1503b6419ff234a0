/* SPDX-License-Identifier: MIT */
/* Budgets and the quantities they are written in ("250ms", "512MB", "70%", "100/s"). */
#ifndef PERFBUDGET_BUDGET_H
#define PERFBUDGET_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#include "perfbudget/context.h"
#include "perfbudget/result.h"
#include "perfbudget/stats.h"
#include "perfbudget/suite.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The kind of a quantity, which decides the metrics it may limit. */
typedef enum perfbudget_quantity_kind {
    PERFBUDGET_QUANTITY_NUMBER = 0,    /**< no unit: a count, or iterations */
    PERFBUDGET_QUANTITY_DURATION = 1,  /**< ns us µs ms s min; value in ns */
    PERFBUDGET_QUANTITY_SIZE = 2,      /**< B KB MB GB TB (10^3) KiB MiB GiB TiB (2^10); bytes */
    PERFBUDGET_QUANTITY_PERCENT = 3,   /**< %; value in percent */
    PERFBUDGET_QUANTITY_RATE = 4,      /**< /s ops/s items/s; value per second */
    PERFBUDGET_QUANTITY_BYTE_RATE = 5  /**< MB/s and other size units per second; bytes/s */
} perfbudget_quantity_kind;

typedef struct perfbudget_quantity {
    double value; /**< in the kind's base unit (ns, bytes, percent, per second) */
    perfbudget_quantity_kind kind;
} perfbudget_quantity;

/** Parse "250ms", "2.5 s", "512MiB", "70%", "100/s", "42": a finite decimal number, optional
 *  spaces, then a unit. Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (NULL argument) or
 *  PERFBUDGET_EPARSE (the message says what is wrong and lists the units). */
PERFBUDGET_API int perfbudget_quantity_parse(perfbudget_context *ctx, const char *text,
                                             perfbudget_quantity *out);

/** A lower-case name of a kind ("duration", "size", ...). Static storage. */
PERFBUDGET_API const char *perfbudget_quantity_kind_name(perfbudget_quantity_kind kind);

/* ---- Budget files ---------------------------------------------------------------------------- */

/** What a limit constrains. Latency statistics come from the summary (ns per iteration). */
typedef enum perfbudget_metric {
    PERFBUDGET_METRIC_MIN = 0,
    PERFBUDGET_METRIC_MAX,
    PERFBUDGET_METRIC_MEAN,
    PERFBUDGET_METRIC_MEDIAN,
    PERFBUDGET_METRIC_P50,
    PERFBUDGET_METRIC_P90,
    PERFBUDGET_METRIC_P95,
    PERFBUDGET_METRIC_P99,
    PERFBUDGET_METRIC_STDDEV,
    PERFBUDGET_METRIC_MEMORY,        /**< peak RSS, bytes */
    PERFBUDGET_METRIC_MEMORY_GROWTH, /**< RSS growth over the run, bytes */
    PERFBUDGET_METRIC_CPU,           /**< CPU utilisation, percent of one core */
    PERFBUDGET_METRIC_THROUGHPUT,    /**< items/s or bytes/s; a minimum */
    PERFBUDGET_METRIC_INSTRUCTIONS,  /**< per iteration */
    /* Resources (under resources: in a budget entry), per iteration (a command: per run). */
    PERFBUDGET_METRIC_IO_READ,              /**< bytes */
    PERFBUDGET_METRIC_IO_WRITE,             /**< bytes */
    PERFBUDGET_METRIC_MINOR_FAULTS,
    PERFBUDGET_METRIC_MAJOR_FAULTS,
    PERFBUDGET_METRIC_VOLUNTARY_SWITCHES,
    PERFBUDGET_METRIC_INVOLUNTARY_SWITCHES,
    PERFBUDGET_METRIC_ENERGY,               /**< joules */
    PERFBUDGET_METRIC_GC_COLLECTIONS,       /**< Python */
    PERFBUDGET_METRIC_GC_TIME,              /**< Python, ns */
    PERFBUDGET_METRIC_ALLOCATIONS,          /**< Python, with tracemalloc */
    PERFBUDGET_METRIC_CUSTOM         /**< recorded by the test itself, by name; the last */
} perfbudget_metric;

/** The groups that regression.per_metric can set a threshold for. */
typedef enum perfbudget_metric_group {
    PERFBUDGET_GROUP_LATENCY = 0,
    PERFBUDGET_GROUP_MEMORY,
    PERFBUDGET_GROUP_MEMORY_GROWTH,
    PERFBUDGET_GROUP_CPU,
    PERFBUDGET_GROUP_THROUGHPUT,
    PERFBUDGET_GROUP_INSTRUCTIONS    /**< the last */
} perfbudget_metric_group;

/** Name of a metric as budget files write it ("p95", "memory"); static storage. */
PERFBUDGET_API const char *perfbudget_metric_name(perfbudget_metric metric);
/** The group of metric that regression.per_metric sets a threshold for (latency for the
 *  latency statistics and for any metric without a group of its own). */
PERFBUDGET_API perfbudget_metric_group perfbudget_metric_group_of(perfbudget_metric metric);

/** One limit of a budget entry. Values are in the kind's base unit; NaN when absent. */
typedef struct perfbudget_limit {
    perfbudget_metric metric;
    const char *name;       /**< "p95", "memory", or the custom metric's name. Borrowed. */
    double warn, fail;      /**< at least one is set */
    int higher_is_better;   /**< 1: the limit is a minimum (throughput) */
    perfbudget_quantity_kind kind;
    const char *unit;       /**< the unit as written ("ms", "MB"), for messages. Borrowed. */
    double unit_factor;     /**< base units per written unit */
    int line, column;       /**< where the limit is written */
} perfbudget_limit;

/** Measuring settings; -1 where the file leaves a setting to the front end's default. */
typedef struct perfbudget_measure_settings {
    int64_t warmup_iterations, warmup_ns, rounds, min_time_ns, max_time_ns;
    int64_t speed_correction; /**< 1 or 0 (speed_correction: true/false), -1 when not set */
} perfbudget_measure_settings;

/** regression.per_metric: a threshold for each group of metrics (perfbudget_metric_group), in
 *  percent; NaN where not set. */
typedef struct perfbudget_group_thresholds {
    double latency_pct, memory_pct, memory_growth_pct, cpu_pct, throughput_pct, instructions_pct;
} perfbudget_group_thresholds;

/** Regression settings; NaN (or -1 for statistic) where not set. */
typedef struct perfbudget_regression_settings {
    double threshold_pct, critical_pct;
    int statistic; /**< a perfbudget_statistic, or -1 */
    perfbudget_group_thresholds per_metric;
} perfbudget_regression_settings;

/** The per_metric threshold of group in thresholds (NULL: none), in percent.
 *  Returns it; NaN when not set, for NULL and for an unknown group. */
PERFBUDGET_API double perfbudget_group_threshold(const perfbudget_group_thresholds *thresholds,
                                                 perfbudget_metric_group group);

/** A parsed, validated budget file. Opaque. */
typedef struct perfbudget_budget perfbudget_budget;

/** One problem in a budget file, at a 1-based line and column (characters, not bytes). */
typedef struct perfbudget_budget_error {
    int line, column;
    char message[480];
} perfbudget_budget_error;

/** Load and validate a budget file. All problems are found, not just the first: up to capacity
 *  of them are stored in errors (may be NULL), and *error_count (may be NULL) receives how many
 *  there were. perfbudget_errmsg(ctx) holds the first as "file:line:column: message".
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_EIO (cannot read the file, or it is
 *  not a regular file: a FIFO is refused at once, not waited on), PERFBUDGET_EPARSE (invalid;
 *  see errors) or PERFBUDGET_ENOMEM.
 *  Returns a new object in *out; free with perfbudget_budget_free(). */
PERFBUDGET_API int perfbudget_budget_new_from_file(perfbudget_context *ctx, const char *path,
                                                   perfbudget_budget **out,
                                                   perfbudget_budget_error *errors, size_t capacity,
                                                   size_t *error_count);

/** As perfbudget_budget_new_from_file() from text in memory (size bytes); name is used in
 *  messages and to resolve relative paths (settings.history) and may be a path. Codes and
 *  ownership as perfbudget_budget_new_from_file(), without PERFBUDGET_EIO. */
PERFBUDGET_API int perfbudget_budget_new_from_text(perfbudget_context *ctx, const char *text,
                                                   size_t size, const char *name,
                                                   perfbudget_budget **out,
                                                   perfbudget_budget_error *errors, size_t capacity,
                                                   size_t *error_count);

/** Free a budget; NULL is a no-op. */
PERFBUDGET_API void perfbudget_budget_free(perfbudget_budget *budget);

/** The file's path or name as given. Borrowed. */
PERFBUDGET_API const char *perfbudget_budget_path(const perfbudget_budget *budget);
/** settings.history resolved against the budget file's directory (default
 *  .perfbudget/history.sqlite beside it). Borrowed. */
PERFBUDGET_API const char *perfbudget_budget_history_path(const perfbudget_budget *budget);

/** Entries of the budgets: mapping, in file order. Borrowed strings. */
PERFBUDGET_API size_t perfbudget_budget_entry_count(const perfbudget_budget *budget);
PERFBUDGET_API const char *perfbudget_budget_entry_pattern(const perfbudget_budget *budget,
                                                           size_t index, int *line);

/** The budget that applies to a benchmark: the defaults merged with the most specific matching
 *  entry. entry is NULL when no entry matches (only the defaults apply). */
typedef struct perfbudget_effective_budget {
    /** sizeof(perfbudget_effective_budget) as the caller was compiled, set by the caller before
     *  perfbudget_budget_resolve() ({.struct_size = sizeof(perfbudget_effective_budget)}), which
     *  fills the fields within it only and refuses a size it does not know; fields are only
     *  ever added at the end. */
    size_t struct_size;
    const char *entry;  /**< the matching entry's pattern, or NULL. Borrowed. */
    int entry_line;
    int exact;          /**< 1 when the entry is the benchmark's exact name */
    perfbudget_measure_settings measure;
    perfbudget_regression_settings regression;
    const perfbudget_limit *limits; /**< the entry's limits. Borrowed. */
    size_t limit_count;
    /** The entry's complexity: for input sweeps, a perfbudget_complexity (complexity.h); 0
     *  (PERFBUDGET_COMPLEXITY_NONE) when not set. */
    int complexity;
    /** The entry's scaling: (threads.h): the thread count whose efficiency is bounded, 0 when
     *  not set, and the least efficiency allowed, in % (efficiency: 80%). */
    uint32_t scaling_threads;
    double scaling_efficiency_pct;
} perfbudget_effective_budget;

/** Resolve name into *out (out->struct_size set by the caller): an exact entry beats a glob;
 *  among globs the longer literal prefix wins, then the earlier entry. Borrowed pointers stay
 *  valid until the budget is freed.
 *  Returns PERFBUDGET_OK or PERFBUDGET_EINVAL (NULL, or out of a struct_size this library does
 *  not know; nothing is written then). */
PERFBUDGET_API int perfbudget_budget_resolve(const perfbudget_budget *budget, const char *name,
                                             perfbudget_effective_budget *out);

/** Entries that match none of names: their indexes go to unused (capacity: the entry count),
 *  their number to *unused_count. A typo in a name must not silently disable a budget.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_budget_unused_entries(const perfbudget_budget *budget,
                                                    const char *const *names, size_t name_count,
                                                    size_t *unused, size_t *unused_count);

/** What was measured, by metric, for perfbudget_budget_evaluate(); NaN where a figure is
 *  unavailable. Opaque. */
typedef struct perfbudget_observation perfbudget_observation;

/** An observation of a summary and run metrics; either may be NULL (its figures are then NaN).
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (out NULL, or metrics whose struct_size this
 *  library does not know) or PERFBUDGET_ENOMEM.
 *  Returns a new object in *out; free with perfbudget_observation_free(). */
PERFBUDGET_API int perfbudget_observation_new(perfbudget_context *ctx,
                                              const perfbudget_summary *summary,
                                              const perfbudget_metrics *metrics,
                                              perfbudget_observation **out);
/** Free an observation; NULL is a no-op. */
PERFBUDGET_API void perfbudget_observation_free(perfbudget_observation *observation);

/** Set the figure of metric, in its kind's base unit (throughput: items per second); NaN makes
 *  it unavailable. Custom metrics are set with perfbudget_observation_set_custom().
 *  Returns PERFBUDGET_OK or PERFBUDGET_EINVAL (NULL, PERFBUDGET_METRIC_CUSTOM or an unknown
 *  metric). */
PERFBUDGET_API int perfbudget_observation_set(perfbudget_observation *observation,
                                              perfbudget_metric metric, double value);
/** Returns the figure of metric; NaN when unavailable, for NULL and for an unknown metric. */
PERFBUDGET_API double perfbudget_observation_get(const perfbudget_observation *observation,
                                                 perfbudget_metric metric);
/** Set the bytes per second that throughput limits written in MB/s and the like are judged
 *  on (NaN: unavailable). */
PERFBUDGET_API void perfbudget_observation_set_bytes_per_second(
    perfbudget_observation *observation, double bytes_per_second);
/** Set the custom metrics: count names and their values in the base unit of their kind.
 *  Borrowed: names and values must stay valid while the observation is evaluated. */
PERFBUDGET_API void perfbudget_observation_set_custom(perfbudget_observation *observation,
                                                      const char *const *names,
                                                      const double *values, size_t count);

typedef enum perfbudget_limit_status {
    PERFBUDGET_LIMIT_PASS = 0,
    PERFBUDGET_LIMIT_WARN = 1,
    PERFBUDGET_LIMIT_FAIL = 2,
    PERFBUDGET_LIMIT_UNAVAILABLE = 3 /**< the metric could not be measured here */
} perfbudget_limit_status;

/** The verdict on one limit, with a line for people: "p95 2.31 ms > 2 ms budget". */
typedef struct perfbudget_limit_verdict {
    const perfbudget_limit *limit; /**< borrowed from the budget */
    perfbudget_limit_status status;
    double measured; /**< base unit; NaN when unavailable */
    double allowed;  /**< the level that decided: fail, or warn for a warning */
    char text[192];
} perfbudget_limit_verdict;

/** Judge an observation against every limit of an effective budget (from
 *  perfbudget_budget_resolve()); verdicts must have room for budget->limit_count entries.
 *  *worst receives the worst status (PASS when there are none).
 *  Returns PERFBUDGET_OK or PERFBUDGET_EINVAL (also for a budget of a struct_size this library
 *  does not know). */
PERFBUDGET_API int perfbudget_budget_evaluate(perfbudget_context *ctx,
                                              const perfbudget_effective_budget *budget,
                                              const perfbudget_observation *observed,
                                              perfbudget_limit_verdict *verdicts,
                                              size_t capacity, perfbudget_limit_status *worst);

/** "pass", "warn", "fail", "unavailable"; NULL for another value. Static storage. */
PERFBUDGET_API const char *perfbudget_limit_status_name(perfbudget_limit_status status);

/** Judge a benchmark result against the budget that applies to budget_name (NULL: the result's
 *  own name) and keep the verdicts with the result (its JSON then carries them). The budget must
 *  outlive the result. *worst (may be NULL) receives the worst status.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_result_judge(perfbudget_context *ctx, perfbudget_result *result,
                                           const perfbudget_budget *budget,
                                           const char *budget_name,
                                           perfbudget_limit_status *worst);

/** The verdicts stored by perfbudget_result_judge() (none before). Borrowed. */
PERFBUDGET_API size_t perfbudget_result_verdicts(const perfbudget_result *result,
                                                 const perfbudget_limit_verdict **verdicts);

/** The budget entry that matched at judgement (NULL for none). Borrowed. */
PERFBUDGET_API const char *perfbudget_result_budget_entry(const perfbudget_result *result);

/** Record a custom metric a test measured itself ("cache_hit_rate" 92 "%"), for budgets'
 *  metrics: entries and the result file. unit is any unit of a budget file ("ms", "MB", "%",
 *  "/s") or "" for a plain number; the value is stored in the unit kind's base unit.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (unknown unit, non-finite value) or
 *  PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_result_add_metric(perfbudget_context *ctx,
                                                perfbudget_result *result, const char *name,
                                                double value, const char *unit,
                                                int higher_is_better);

/** How many custom metrics the result has recorded (0 for NULL). */
PERFBUDGET_API size_t perfbudget_result_metric_count(const perfbudget_result *result);
/** Custom metric index: its name (borrowed: valid until the result is freed), value in base
 *  unit, kind and direction through the out-parameters (any may be NULL).
 *  Returns PERFBUDGET_OK, or PERFBUDGET_EINVAL (NULL, index out of range). */
PERFBUDGET_API int perfbudget_result_metric_at(const perfbudget_result *result, size_t index,
                                               const char **name, double *value,
                                               perfbudget_quantity_kind *kind,
                                               int *higher_is_better);

/** Apply a budget's measuring settings (where set) to run options; nothing for NULL or for
 *  options of a struct_size other than this library's. */
PERFBUDGET_API void perfbudget_run_options_apply(perfbudget_run_options *opts,
                                                 const perfbudget_measure_settings *settings);

#ifdef __cplusplus
}
#endif

#endif
