/* SPDX-License-Identifier: MIT */
/* The history: every run of every suite, in one SQLite database per repository; baselines are
 * named runs. Safe for concurrent writers (ctest -j, xdist workers, parallel CI jobs). */
#ifndef PERFBUDGET_HISTORY_H
#define PERFBUDGET_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "perfbudget/budget.h"
#include "perfbudget/context.h"
#include "perfbudget/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An open history database. Opaque; one per thread. */
typedef struct perfbudget_history perfbudget_history;

/** Open (or create, with its directory) the history at path, migrating an older schema.
 *  WAL mode and a busy timeout (30 s; $PERFBUDGET_BUSY_TIMEOUT_MS sets it in milliseconds) let
 *  several processes write at once. A history that exists but cannot be written (read-only file
 *  or file system) opens for reading as perfbudget_history_new_read_only() does; writes then
 *  fail with PERFBUDGET_EIO saying why. A file that is not a perfbudget history (garbage,
 *  damaged, another program's SQLite database) is refused and left unchanged. path must be a
 *  regular file (or a symbolic link to one) or a new path: an empty path, a directory, a device
 *  or a FIFO is refused with PERFBUDGET_EINVAL before SQLite opens it.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_EIO (cannot create or open, read-only,
 *  locked too long, or not a perfbudget history: the message says which) or PERFBUDGET_ENOMEM.
 *  Returns a new object in *out; free with perfbudget_history_free(). ctx must outlive it. */
PERFBUDGET_API int perfbudget_history_new(perfbudget_context *ctx, const char *path,
                                          perfbudget_history **out);

/** Open an existing history for reading only: writes through it fail with PERFBUDGET_EIO, and
 *  it creates no file that outlives it. Where this process may write the file and its
 *  directory, SQLite's -wal and -shm files come and go with the connection, as for a writer;
 *  where it may not, SQLite reads the file with mode=ro, through the -wal and -shm files
 *  already there (creating them only in a directory it can write, where they stay), or, when
 *  no -wal file holds runs and nobody but root may write the file (no write permission for
 *  anyone, a read-only file system), with immutable=1, which creates nothing.
 *  Path rules and codes as perfbudget_history_new(), plus PERFBUDGET_ENOTFOUND when path
 *  does not exist.
 *  Returns a new object in *out; free with perfbudget_history_free(). ctx must outlive it. */
PERFBUDGET_API int perfbudget_history_new_read_only(perfbudget_context *ctx, const char *path,
                                                    perfbudget_history **out);
/** Close and free a history; NULL is a no-op. */
PERFBUDGET_API void perfbudget_history_free(perfbudget_history *history);

/** Where a run comes from. NULL fields are unknown. */
typedef struct perfbudget_run_info {
    const char *source;      /**< "ctest", "pytest", "cli", "suite" */
    const char *commit;      /**< git commit, when in a work tree */
    const char *branch;
    int dirty;               /**< 1: uncommitted changes */
    const char *environment; /**< fingerprint; NULL: perfbudget_environment_fingerprint(NULL) */
} perfbudget_run_info;

/** This machine's environment fingerprint: host, CPU model, core count, OS and kernel, the
 *  toolchain given (compiler or Python version; NULL: the compiler that built perfbudget), and
 *  the build type from $PERFBUDGET_BUILD_TYPE when set (ctest sets it for perf tests; a suite
 *  sets it from the build type compiled into it).
 *  Writes into buf and returns it. */
PERFBUDGET_API char *perfbudget_environment_fingerprint(const char *toolchain, char *buf,
                                                        size_t size);

/** What a result file records about this machine, as a JSON object's text: "host", "os",
 *  "kernel", "machine", "cpu_model", "cpu_count", ... (docs/formats.md, "environment").
 *  Returns a new string; free with perfbudget_free(). NULL when out of memory. */
PERFBUDGET_API char *perfbudget_environment_json_text(void);

/** The runner type of a fingerprint: the fingerprint without its host ("host=...; "), so that
 *  machines alike in CPU model, cores, OS, kernel, toolchain and build type (the runners of one
 *  CI runner type) are one type. merge-base (commit:) baselines and the run-to-run spread take
 *  runs of the runner type, recorded on any host.
 *  Borrowed: points into fingerprint. */
PERFBUDGET_API const char *perfbudget_environment_runner_type(const char *fingerprint);

/** A runner type the history holds runs of (perfbudget_history_runner_types()). */
typedef struct perfbudget_runner_type_record {
    char runner_type[512]; /**< perfbudget_environment_runner_type() of the runs */
    int64_t runs;
    int64_t hosts;         /**< distinct hosts that recorded them */
    int64_t latest_run;    /**< id of the newest */
} perfbudget_runner_type_record;

/** Every runner type with its run counts, the one with the newest run first; with commit (not
 *  NULL) only the runs of that commit: the runner types a commit: or merge-base baseline can be
 *  found for. Returns PERFBUDGET_OK, PERFBUDGET_EIO or PERFBUDGET_ENOMEM.
 *  Returns a new array in *out; free with perfbudget_free(). */
PERFBUDGET_API int perfbudget_history_runner_types(perfbudget_history *history, const char *commit,
                                                   perfbudget_runner_type_record **out,
                                                   size_t *count);

/** Append a run with its results in one transaction: a reader sees all of it or none.
 *  *run_id (may be NULL) receives the new run's id.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_EIO or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_history_add_run(perfbudget_history *history,
                                              const perfbudget_run_info *info,
                                              perfbudget_result *const *results, size_t count,
                                              int64_t *run_id);

/** A run as the history keeps it. */
typedef struct perfbudget_run_record {
    int64_t id;
    int64_t created_ns; /**< Unix time in ns */
    char source[16];
    char commit[64];
    char branch[128];
    int dirty;
    char environment[512];
    size_t result_count;
} perfbudget_run_record;

/** The latest runs, newest first: up to capacity records, *count how many were written.
 *  Returns PERFBUDGET_OK or PERFBUDGET_EIO. */
PERFBUDGET_API int perfbudget_history_runs(perfbudget_history *history,
                                           perfbudget_run_record *records, size_t capacity,
                                           size_t *count);

/** One run by id. Returns PERFBUDGET_OK, PERFBUDGET_ENOTFOUND or PERFBUDGET_EIO. */
PERFBUDGET_API int perfbudget_history_run(perfbudget_history *history, int64_t run_id,
                                          perfbudget_run_record *out);

/** The results of a run, summaries recomputed from the stored samples.
 *  Returns PERFBUDGET_OK, PERFBUDGET_ENOTFOUND, PERFBUDGET_EIO or PERFBUDGET_ENOMEM.
 *  Returns a new array in *out; free with perfbudget_results_free(). */
PERFBUDGET_API int perfbudget_history_load_run(perfbudget_history *history, int64_t run_id,
                                               perfbudget_result ***out, size_t *count);

/** For every benchmark measured on environment and branch (NULL: no branch), its most recent
 *  result: the baseline "latest", which stays complete when a run measured only a subset.
 *  *count is 0 when there is none yet. Returns PERFBUDGET_OK, PERFBUDGET_EIO or ENOMEM.
 *  Returns a new array in *out; free with perfbudget_results_free(). */
PERFBUDGET_API int perfbudget_history_load_latest(perfbudget_history *history,
                                                  const char *environment, const char *branch,
                                                  perfbudget_result ***out, size_t *count);

/** The medians of a benchmark's last `last` successful runs of the same code (identity) on
 *  environment's runner type (any host; perfbudget_environment_runner_type()) and branch up
 *  to run up_to (0: the newest), oldest first: the baseline's run-to-run spread that
 *  perfbudget_compare_runs() judges a change against.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EIO or PERFBUDGET_ENOMEM.
 *  Returns a new array in *out; free with perfbudget_free(). */
PERFBUDGET_API int perfbudget_history_run_medians(perfbudget_history *history, const char *name,
                                                  const char *identity, const char *environment,
                                                  const char *branch, int64_t up_to,
                                                  size_t last, double **out, size_t *count);

/** Like perfbudget_history_run_medians() for a figure measured once per run: metric is a
 *  field of the result file's "metrics" ("peak_rss_bytes", "cpu_utilization",
 *  "items_per_second", "bytes_per_second", "instructions_per_iteration"); runs where it was
 *  unavailable are left out. Codes and ownership as perfbudget_history_run_medians(). */
PERFBUDGET_API int perfbudget_history_run_metric(perfbudget_history *history, const char *name,
                                                 const char *identity, const char *environment,
                                                 const char *branch, int64_t up_to, size_t last,
                                                 const char *metric, double **out,
                                                 size_t *count);

/** Find the run to compare with. spec: NULL or "latest" (the most recent run of the same
 *  environment and branch), "run:ID", "commit:SHA" (the latest run of that commit on the
 *  environment's runner type, recorded on any host, e.g. the merge base), or a baseline name.
 *  explanation receives one line saying which run was chosen and why. Returns PERFBUDGET_OK,
 *  PERFBUDGET_ENOTFOUND (explanation says what is missing), PERFBUDGET_EINVAL (run: without a
 *  run number; explanation says so) or PERFBUDGET_EIO. */
PERFBUDGET_API int perfbudget_history_find(perfbudget_history *history, const char *spec,
                                           const char *environment, const char *branch,
                                           int64_t *run_id, char *explanation, size_t size);

/** The results of the baseline spec that perfbudget_history_find() found as run_id: that run's
 *  results, and for a baseline name, each mode's results from the run last saved under the name
 *  that measured the mode (one name holds a time-mode and an instructions-mode run).
 *  Returns like perfbudget_history_load_run(). */
PERFBUDGET_API int perfbudget_history_load_baseline(perfbudget_history *history, const char *spec,
                                                    int64_t run_id, perfbudget_result ***out,
                                                    size_t *count);

/** Name a run as a baseline (run_id 0: the latest run); an existing name moves, for the modes
 *  the run measured (perfbudget_history_load_baseline()).
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_ENOTFOUND or PERFBUDGET_EIO. */
PERFBUDGET_API int perfbudget_history_save_baseline(perfbudget_history *history, const char *name,
                                                    int64_t run_id);

/** A named baseline. */
typedef struct perfbudget_baseline_record {
    char name[128];
    int64_t run_id;
    int64_t created_ns;
} perfbudget_baseline_record;

/** The baselines, by name. Returns PERFBUDGET_OK or PERFBUDGET_EIO. */
PERFBUDGET_API int perfbudget_history_baselines(perfbudget_history *history,
                                                perfbudget_baseline_record *records,
                                                size_t capacity, size_t *count);

/** One point of a benchmark's series: a run's median and its commit. */
typedef struct perfbudget_series_point {
    int64_t run_id;
    int64_t created_ns;
    char commit[64];
    double median, p95; /**< ns per iteration */
    size_t n;
} perfbudget_series_point;

/** The series of a benchmark, oldest first: of the newest `last` runs that measured it (0: all)
 *  created at or after since_ns (0: any time), those of the newest result's code version
 *  (identity) and environment (see perfbudget_history_trend() for every series).
 *  Returns PERFBUDGET_OK, PERFBUDGET_EIO or PERFBUDGET_ENOMEM.
 *  Returns a new array in *out; free with perfbudget_free(). */
PERFBUDGET_API int perfbudget_history_series(perfbudget_history *history, const char *benchmark,
                                             size_t last, int64_t since_ns,
                                             perfbudget_series_point **out, size_t *count);

/** The newest `last` successful results of the benchmark named `name` (0: all) created at or
 *  after since_ns (0: any time), oldest first, and in (*series_of)[i] the series each belongs
 *  to: the results of one code version (identity, which carries the mode) on one environment
 *  form a series, numbered 0 for the series of the newest result, then in the order of each
 *  series' newest result. Steps are looked for within one series only. One indexed walk per
 *  code version, newest first, so the cost follows `last`, not the size of the history.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_EIO or PERFBUDGET_ENOMEM; free *points
 *  and *series_of with perfbudget_free(). */
PERFBUDGET_API int perfbudget_history_trend(perfbudget_history *history, const char *name,
                                            size_t last, int64_t since_ns,
                                            perfbudget_series_point **points, size_t **series_of,
                                            size_t *count);

/** The distinct benchmark names in the history, matching the glob pattern (NULL: all).
 *  Returns PERFBUDGET_OK, PERFBUDGET_EIO or PERFBUDGET_ENOMEM.
 *  Returns a new array of strings in *out; free with perfbudget_strings_free(). */
PERFBUDGET_API int perfbudget_history_benchmarks(perfbudget_history *history, const char *pattern,
                                                 char ***out, size_t *count);
/** Free an array of strings and each string in it; NULL is a no-op. */
PERFBUDGET_API void perfbudget_strings_free(char **strings, size_t count);

/** How big the history is. */
typedef struct perfbudget_history_size {
    int64_t file_bytes;  /**< the database file (without its write-ahead log) */
    int64_t runs, results, baselines, benchmarks;
    int64_t sample_bytes; /**< of which samples and CPU samples, as stored (packed) */
} perfbudget_history_size;

/** Count what the history holds. Returns PERFBUDGET_OK or PERFBUDGET_EIO. */
PERFBUDGET_API int perfbudget_history_measure(perfbudget_history *history,
                                              perfbudget_history_size *out);

/** Keep the newest `keep` runs (and every run a baseline names); delete the rest, in one
 *  transaction. *deleted (may be NULL) receives how many runs went.
 *  Returns PERFBUDGET_OK or PERFBUDGET_EIO (nothing deleted then). */
PERFBUDGET_API int perfbudget_history_prune(perfbudget_history *history, size_t keep,
                                            size_t *deleted);

/** Where the code under test stands in git. Empty strings when not in a work tree. */
typedef struct perfbudget_git_info {
    char commit[64];
    char branch[128];
    int dirty;
    char merge_base[64]; /**< where this branch left main/master (origin's first), or "" */
} perfbudget_git_info;

/** Ask git (run directly, never through a shell) about the work tree containing directory.
 *  Returns PERFBUDGET_OK, or PERFBUDGET_ENOTFOUND when there is no git or no work tree (out
 *  is then all empty). */
PERFBUDGET_API int perfbudget_git_describe(perfbudget_context *ctx, const char *directory,
                                           perfbudget_git_info *out);

/** A step in a series: where a benchmark's level changed and by how much. */
typedef struct perfbudget_step {
    size_t index;       /**< first point at the new level */
    double before, after; /**< medians of the segments either side */
    double change_pct;
    double p_value;     /**< Mann-Whitney U between the two sides */
} perfbudget_step;

/** Find the steps in a series (docs/history.md, "Step detection"): PELT with a Gaussian cost on
 *  the logarithm of the values and a penalty of 3 ln n per change, after a Hampel filter has set
 *  each run that stands alone (more than 4 noise deviations from the median of the two runs
 *  either side) to that median. A change is kept when the medians of the segments either side
 *  differ by at least min_change_pct and a Mann-Whitney U test between them gives p < 0.01;
 *  the others are merged away, the smallest first. Each segment holds at least min_segment
 *  points. About linear in n. A lone outlier is no step: see perfbudget_detect_outliers().
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (a NULL argument), PERFBUDGET_EDOMAIN (a non-finite
 *  value) or PERFBUDGET_ENOMEM; up to
 *  capacity steps in index order. */
PERFBUDGET_API int perfbudget_detect_steps(perfbudget_context *ctx, const double *values,
                                           size_t n, double min_change_pct, size_t min_segment,
                                           perfbudget_step *steps, size_t capacity,
                                           size_t *count);

/** A run that stands alone: far from the runs around it, and not the start of a new level. */
typedef struct perfbudget_outlier {
    size_t index;
    double value;      /**< the run's value */
    double level;      /**< the median of the runs around it (two either side) */
    double change_pct; /**< value against level */
} perfbudget_outlier;

/** The runs perfbudget_detect_steps() sets aside as outliers, those at least min_change_pct
 *  away from the median around them. Returns PERFBUDGET_OK, PERFBUDGET_EINVAL,
 *  PERFBUDGET_EDOMAIN or PERFBUDGET_ENOMEM; up to capacity outliers in index order. */
PERFBUDGET_API int perfbudget_detect_outliers(perfbudget_context *ctx, const double *values,
                                              size_t n, double min_change_pct,
                                              perfbudget_outlier *outliers, size_t capacity,
                                              size_t *count);

/** Compare the figures a result measured once per run (peak memory, CPU, throughput,
 *  instructions per iteration) with the baseline and keep the comparisons with the result
 *  (perfbudget_result_add_comparison). Instruction counts are always compared; memory, CPU
 *  share and throughput, which depend on the machine and the process, only when the budget's
 *  regression.per_metric names them. The baseline's values come from the history (the
 *  benchmark's last 10 runs of the same code on environment and branch up to run up_to; 0: up
 *  to the newest), else from the baseline result alone. Thresholds: regression.per_metric of
 *  the budget (settings, may be NULL), else threshold_pct; critical as the budget says, else
 *  twice the threshold. Figures unavailable on either side are skipped.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (result NULL), PERFBUDGET_EIO or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_result_compare_metrics(perfbudget_context *ctx,
                                                     perfbudget_result *result,
                                                     const perfbudget_result *baseline,
                                                     perfbudget_history *history,
                                                     const char *environment, const char *branch,
                                                     int64_t up_to,
                                                     const perfbudget_regression_settings *settings,
                                                     double threshold_pct);

/** 1 when location names a PostgreSQL database (a postgresql:// or postgres:// URI), 0 for a
 *  file. */
PERFBUDGET_API int perfbudget_history_is_database(const char *location);

/** location as messages show it: a URI's password replaced by "***".
 *  Returns a new string; free with perfbudget_free(). NULL when out of memory. */
PERFBUDGET_API char *perfbudget_history_shown_location(const char *location);

/** perfbudget_history_add_run() recorded at created_ns (ns since the epoch; 0: now), for a run
 *  that waited in the spool. Returns as perfbudget_history_add_run(). */
PERFBUDGET_API int perfbudget_history_add_run_at(perfbudget_history *history,
                                                 const perfbudget_run_info *info,
                                                 int64_t created_ns,
                                                 perfbudget_result *const *results, size_t count,
                                                 int64_t *run_id);

/** Copies every run of from (its results and samples as stored, bit for bit) and every baseline
 *  name into to. A run already in to (the same time, source, commit, branch and environment) is
 *  not copied again, so a copy can be repeated. *copied and *present count runs. Errors are
 *  set on to's context. Returns PERFBUDGET_OK, PERFBUDGET_EIO or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_history_copy(perfbudget_history *from, perfbudget_history *to,
                                           size_t *copied, size_t *present);

/** Where runs wait that a PostgreSQL history could not take: $PERFBUDGET_SPOOL_DIR, else
 *  .perfbudget/spool. Borrowed from the environment or static. */
PERFBUDGET_API const char *perfbudget_history_spool_directory(void);

/** Keeps a run the history at location could not take in the spool: NAME.json (its results as
 *  a result file), then NAME.run (the rest of the run, JSON), which marks it complete. kept
 *  (size bytes) receives NAME.json. Returns PERFBUDGET_OK, PERFBUDGET_EIO or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_history_spool_run(perfbudget_context *ctx, const char *location,
                                                const perfbudget_run_info *info,
                                                int64_t created_ns,
                                                perfbudget_result *const *results, size_t count,
                                                char *kept, size_t size);

/** Sends the spooled runs for location to history (already open there), oldest first, each
 *  removed from the spool once recorded; *sent counts them. A run the history holds already
 *  (the same time, source, commit, branch and environment: sent before, its files left behind
 *  by a crash, or sent by another process at once) is not recorded again, and leaves the spool
 *  uncounted. The runs not sent stay. Returns
 *  PERFBUDGET_OK or the failure's code. */
PERFBUDGET_API int perfbudget_history_push_spool(perfbudget_context *ctx,
                                                 perfbudget_history *history,
                                                 const char *location, size_t *sent);

#ifdef __cplusplus
}
#endif

#endif
