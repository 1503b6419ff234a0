/* SPDX-License-Identifier: MIT */
/* Declarations shared between the core's source files; not installed. */
#ifndef PERFBUDGET_INTERNAL_H
#define PERFBUDGET_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "perfbudget/perfbudget.h"

#define PERFBUDGET__MESSAGE_SIZE 1024
/* The widest a name column of a terminal table grows: a longer name overflows its own row
 * only, instead of padding every row to its length. */
#define PERFBUDGET__NAME_COLUMNS PERFBUDGET_NAME_COLUMNS /* perfbudget/text.h */

#if defined(__GNUC__) || defined(__clang__)
#define PERFBUDGET__PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define PERFBUDGET__PRINTF(fmt, args)
#endif

/* context.c: the one setter of error state; returns code so callers can `return fail(...)`. */
int perfbudget__fail(perfbudget_context *ctx, int code, const char *fmt, ...)
    PERFBUDGET__PRINTF(3, 4);
void perfbudget__clear_error(perfbudget_context *ctx);

/* context.c: records that grow carry a size_t struct_size first, which the caller sets (the
 * record's _init function does) and which the core checks: at least min_size, the record's size
 * when struct_size came in (a field added later goes at the end, and min_size stays), at most
 * size, the size compiled here. A record of another size is refused with PERFBUDGET_EINVAL.
 * _read copies a caller's record in into local, which holds the defaults, field by field up to
 * its struct_size (local's struct_size becomes size); _check checks a caller's output record;
 * _write copies local into it, up to its struct_size. */
int perfbudget__sized_read(perfbudget_context *ctx, const char *type, const void *in,
                           size_t min_size, size_t size, void *local);
int perfbudget__sized_check(perfbudget_context *ctx, const char *type, const void *out,
                            size_t min_size, size_t size);
void perfbudget__sized_write(void *out, const void *local);
#define PERFBUDGET__SIZE_UNTIL(type, last) (offsetof(type, last) + sizeof(((type *)0)->last))
/* The size of each such record when struct_size came in. */
#define PERFBUDGET__METRICS_SIZE_1 PERFBUDGET__SIZE_UNTIL(perfbudget_metrics, allocations_per_call)
#define PERFBUDGET__COMPARISON_SIZE_1 \
    PERFBUDGET__SIZE_UNTIL(perfbudget_comparison, speed_correction_pct)
#define PERFBUDGET__RUN_OPTIONS_SIZE_1 \
    PERFBUDGET__SIZE_UNTIL(perfbudget_run_options, speed_correction)
#define PERFBUDGET__COMMAND_OPTIONS_SIZE_1 \
    PERFBUDGET__SIZE_UNTIL(perfbudget_command_options, cancel_fd)
#define PERFBUDGET__EFFECTIVE_BUDGET_SIZE_1 \
    PERFBUDGET__SIZE_UNTIL(perfbudget_effective_budget, scaling_efficiency_pct)
/* budget_resolve.c: perfbudget_budget_resolve() into the core's own record (its struct_size
 * set), for the core's callers. */
int perfbudget__budget_resolve(const perfbudget_budget *budget, const char *name,
                               perfbudget_effective_budget *out);
#define PERFBUDGET__REPORT_INFO_SIZE_1 PERFBUDGET__SIZE_UNTIL(perfbudget_report_info, history)
/* report_formats.c: a caller's report info (NULL: every field NULL) into *out. */
int perfbudget__report_info_read(perfbudget_context *ctx, const perfbudget_report_info *in,
                                 perfbudget_report_info *out);
#define PERFBUDGET__COMPARE_OPTIONS_SIZE_1 \
    PERFBUDGET__SIZE_UNTIL(perfbudget_compare_options, assumed_run_spread)
/* A caller's metrics (may not be NULL) into *out, the figures past its struct_size
 * unavailable. Returns PERFBUDGET_OK or PERFBUDGET_EINVAL. */
int perfbudget__metrics_read(perfbudget_context *ctx, const perfbudget_metrics *in,
                             perfbudget_metrics *out);
/* Each of these records a caller gave, into *out with the defaults past its struct_size;
 * in NULL gives the defaults. Returns PERFBUDGET_OK or PERFBUDGET_EINVAL. */
int perfbudget__run_options_read(perfbudget_context *ctx, const perfbudget_run_options *in,
                                 perfbudget_run_options *out);
int perfbudget__command_options_read(perfbudget_context *ctx,
                                     const perfbudget_command_options *in,
                                     perfbudget_command_options *out);
/* perfbudget_command_measure, with the machine probes (probe_ns, spawn_probe_ns) timed before
 * the measured runs when probed is nonzero; interleaved pairs keep only the runs' times. */
int perfbudget__command_measure(perfbudget_context *ctx, const char *name, char *const argv[],
                                const perfbudget_command_options *opts, int probed,
                                perfbudget_result **out);
int perfbudget__compare_options_read(perfbudget_context *ctx,
                                     const perfbudget_compare_options *in,
                                     perfbudget_compare_options *out);
/* A caller's comparison (may not be NULL) into *out. Returns PERFBUDGET_OK or EINVAL. */
int perfbudget__comparison_read(perfbudget_context *ctx, const perfbudget_comparison *in,
                                perfbudget_comparison *out);

/* The number of each enum's values, kept out of the public headers so that no public record is
 * sized by them (a new metric would change its layout). */
#define PERFBUDGET__METRIC_COUNT (PERFBUDGET_METRIC_CUSTOM + 1)
#define PERFBUDGET__GROUP_COUNT (PERFBUDGET_GROUP_INSTRUCTIONS + 1)
/* budget.c: group's threshold in t, by group (NULL for an unknown one). */
double *perfbudget__group_threshold_slot(perfbudget_group_thresholds *t, int group);
/* budget_eval.c: the observation, which the core fills on the stack. */
struct perfbudget_observation {
    double values[PERFBUDGET__METRIC_COUNT]; /* throughput: items per second */
    double bytes_per_second;                 /* for throughput limits in MB/s and the like */
    const char *const *custom_names;         /* custom metrics (borrowed) */
    const double *custom_values;             /* in the base unit of their kind */
    size_t custom_count;
};
/* Fill an observation from a summary and run metrics (either may be NULL); the metrics are the
 * core's own (their struct_size is not checked). */
void perfbudget__observation_init(perfbudget_observation *out, const perfbudget_summary *summary,
                                  const perfbudget_metrics *metrics);

/* report.c: a comparison of the result's figure name for people, as the test report says it
 * ("median 120 µs vs 107 µs baseline: +12.0 % ...: regression (critical)"). Returns buf. */
char *perfbudget__format_named(const perfbudget_result *r, const char *name,
                               const perfbudget_comparison *c, perfbudget_unit unit, char *buf,
                               size_t size);
/* alerts.c: the JSON message of the budget's alert index for results on branch and commit
 * (either may be NULL), or NULL in *out when that alert has nothing to send (no finding of its
 * events, or a branch its branches: do not match). Free *out with free(). */
int perfbudget__alert_payload(perfbudget_context *ctx, const perfbudget_budget *budget,
                              size_t index, perfbudget_result *const *results, size_t count,
                              const char *branch, const char *commit, char **out);
/* report.c: a malloc'd copy of text (NULL when out of memory). */
char *perfbudget__strdup(const char *text);
/* items (an array of *capacity items of item_size bytes, or NULL) with room for one item more
 * than count: the same block, or one doubled in size (from `first` items) when full, with
 * *capacity updated. NULL when out of memory: items is then as it was, still the caller's. */
void *perfbudget__grow(void *items, size_t *capacity, size_t count, size_t item_size,
                       size_t first);
/* FNV-1a over a NUL-terminated string: name indexes and file names (not for hostile input). */
uint64_t perfbudget__fnv1a(const char *text);

/* clock.c */
uint64_t perfbudget__monotonic_ns(void);
/* resources.c: how long a thread waited for a CPU while runnable, in ns (Linux schedstat): the
 * calling thread for pid 0, else process pid's main thread (also a zombie not yet reaped). NaN
 * where the kernel does not say. */
double perfbudget__runqueue_wait_ns(pid_t pid);
/* resources.c: the "rchar" and "wchar" lines of an io file (/proc/thread-self/io,
 * /proc/<pid>/io) into *read_bytes and *write_bytes; NaN for each the file does not give, both
 * when it cannot be read. */
void perfbudget__io_read(const char *path, double *read_bytes, double *write_bytes);
/* resources.c: the RAPL energy counters of the CPU packages under powercap_root (normally
 * /sys/class/powercap): each top-level intel-rapl:N zone's energy_uj and
 * max_energy_range_uj (to undo a wrap). count is 0 when none is readable. */
enum { PERFBUDGET__RAPL_ZONES = 8 };
typedef struct perfbudget__rapl {
    size_t count;
    double energy_uj[PERFBUDGET__RAPL_ZONES], range_uj[PERFBUDGET__RAPL_ZONES];
} perfbudget__rapl;
void perfbudget__rapl_read(const char *powercap_root, perfbudget__rapl *out);
/* Joules used between two readings of the same zones; NaN when either read none. */
double perfbudget__rapl_joules(const perfbudget__rapl *start, const perfbudget__rapl *end);

/* process.c: "SIGSEGV" for 11, ...; "an unnamed signal" for others. Static text. */
const char *perfbudget__signal_name(int signal);
/* For a program that spawns only measured commands (the CLI): become the subreaper of what they
 * leave behind (Linux), and later kill and reap every child of ours still there, so an
 * orphaned daemon comes back to us instead of init. Returns how many were killed. */
void perfbudget__adopt_orphans(void);
int perfbudget__kill_adopted(void);
/* Kill every process but this one with marker ("NAME=value") in its environment; returns how
 * many there were. Linux (/proc); elsewhere 0. */
int perfbudget__kill_marked(const char *marker);
/* The same, where only processes whose id was handed out since first (a process started
 * before any of the marked ones; 0: none known) can be marked: a caller that is no subreaper
 * then reads their environments only. */
int perfbudget__kill_marked_since(const char *marker, long first);
/* Is pid among the ids handed out from first to last, in the kernel's cycle of ids? */
int perfbudget__pid_allocated_since(long pid, long first, long last);
/* Wait for pid (a forked measuring process) up to timeout_ns (0: forever) or until cancel_fd
 * (-1: none) is readable, kill it then, and afterwards whatever it left: processes carrying
 * marker ("NAME=value") in their environment and children adopted by this subreaper. Returns
 * its exit code (0-2); -1 with the reason in reason: a signal, another exit code, a timeout,
 * processes left behind; -2 when cancel_fd became readable (all of it killed). */
int perfbudget__supervise(pid_t pid, uint64_t timeout_ns, int cancel_fd, const char *marker,
                          char *reason, size_t size);

/* suite.c: the resident pages, the second number of /proc/PID/statm's text ("size resident
 * ..."); -1 when it has no such number. */
int64_t perfbudget__statm_resident_pages(const char *text);

/* sort.c: ascending sort of finite doubles; scratch holds n doubles (or NULL for n <= 64). */
void perfbudget__sort(double *values, size_t n, double *scratch);
/* Speed correction: the reference time of n > 0 timings of the reference loop (sorts them). */
double perfbudget__reference_time(double *times, size_t n);
/* Scales each sample, and its CPU sample (cpu_samples may be NULL), by the run's reference time
 * over the timing after it; returns the former. */
double perfbudget__speed_correct(double *samples, double *cpu_samples, const double *times,
                                 size_t n);
/* The machine probe (probe.c): a cache- and branch-bound walk timed now and then while a
 * benchmark is measured; its median is metric probe_ns. _new: ENOMEM or OK. */
/* At most one probe every 2 ms of measuring: a probe of about 13 us, so about 0.6 % of the
 * time, and still tens of probes in the shortest default measurement, while a machine's speed
 * holds for seconds. */
#define PERFBUDGET__PROBE_INTERVAL_NS UINT64_C(2000000)
typedef struct perfbudget__probe perfbudget__probe;
int perfbudget__probe_new(perfbudget__probe **out);
void perfbudget__probe_run(perfbudget__probe *p, perfbudget_context *ctx);
/* Commands only: fork() a child that exits at once and reap it, timed (metric spawn_probe_ns). */
void perfbudget__probe_spawn(perfbudget__probe *p, perfbudget_context *ctx);
/* The probe's figures into metrics: probe_ns, the median of its times, and probe_fast_ns, their
 * fastest tenth; spawn_probe_ns, the median of the spawn timings; NaN from fewer than 3. */
void perfbudget__probe_metrics(const perfbudget__probe *p, perfbudget_metrics *metrics);
/* A sorted copy of n probe timings (caller frees); NULL for fewer than 3 (a measurement of a
 * few ms says too little about the machine) or no memory. */
double *perfbudget__probe_sorted(const double *times, size_t n);
void perfbudget__probe_free(perfbudget__probe *p);
/* A sorted copy of n finite samples in *out (caller frees); EDOMAIN names the first bad index. */
int perfbudget__sorted_copy(perfbudget_context *ctx, const double *samples, size_t n,
                            const char *what, double **out);

/* distributions.c */
double perfbudget__normal_sf(double z);
double perfbudget__normal_ppf(double p);
/* Student's t with df degrees of freedom (INFINITY: the normal distribution). */
double perfbudget__student_sf(double t, double df);
double perfbudget__student_ppf(double p, double df);
/* Ranks [l, u] (1-based) of the order-statistic CI of quantile q, and its achieved level. */
void perfbudget__quantile_ci_ranks(size_t n, double q, double alpha, size_t *l, size_t *u,
                                   double *level);

/* stats.c: quantile of sorted values by numpy's linear method; n > 0. The mean and the sample
 * standard deviation (NaN for n < 2), both safe from overflow near DBL_MAX. */
double perfbudget__quantile_sorted(const double *sorted, size_t n, double q);
double perfbudget__mean(const double *values, size_t n);
double perfbudget__stddev(const double *values, size_t n, double mean);
/* splitmix64: the next pseudo-random number from *state (any seed). */
uint64_t perfbudget__splitmix64(uint64_t *state);

/* compare.c: the verdict rule of docs/statistics.md ("Verdict"), shared by the two-sample and the
 * paired comparison: from the change, its CI, significance and thresholds, the outcome and
 * severity; enough_data = 0 makes it inconclusive. */
typedef struct perfbudget__verdict_input {
    double change_pct, ci_low_pct, ci_high_pct;
    int significant;
    double threshold_pct, critical_pct;
    int higher_is_better, enough_data;
} perfbudget__verdict_input;
typedef struct perfbudget__verdict {
    perfbudget_outcome outcome;
    perfbudget_severity severity;
    double resolvable_pct;
    int regressed;
    int significant; /* significant, and the interval agrees */
} perfbudget__verdict;
void perfbudget__decide(const perfbudget__verdict_input *in, perfbudget__verdict *out);

/* mannwhitney.c: two-sided Mann-Whitney U on two sorted sets. */
typedef struct perfbudget__mwu {
    double u_second; /* U of the second set */
    double p_value;
    int exact;
} perfbudget__mwu;
int perfbudget__mann_whitney(perfbudget_context *ctx, const double *first, size_t n_first,
                             const double *second, size_t n_second, perfbudget__mwu *out);

/* wilcoxon.c: two-sided Wilcoxon signed-rank test of paired differences (scipy.stats.wilcoxon's
 * defaults: zeros dropped, no continuity correction). */
typedef struct perfbudget__wilcoxon_result {
    double statistic; /* min(W+, W-) */
    double r_plus;    /* W+ */
    double p_value;
    size_t nonzero, zeros;
    int exact;
} perfbudget__wilcoxon_result;
int perfbudget__wilcoxon(perfbudget_context *ctx, const double *differences, size_t n,
                         perfbudget__wilcoxon_result *out);

/* history.c: perfbudget_history_run_medians() with each run's value of `statistic` (from its
 * samples; the median as stored) and its machine state beside its median: its CPU share and the
 * share of its wall time it waited for a CPU (NaN where unknown), so that runs the machine
 * disturbed can be left out of the spread. A new array; free with free(). */
typedef struct perfbudget__run_level {
    double value, level, cpu_share, wait_share; /* value: the median; level: the statistic's */
} perfbudget__run_level;
int perfbudget__history_run_levels(perfbudget_history *history, const char *name,
                                   const char *identity, const char *environment,
                                   const char *branch, int64_t up_to, size_t last,
                                   perfbudget_statistic statistic, perfbudget__run_level **out,
                                   size_t *count);

/* compare.c: the statistic of sorted values (the mean, or its quantile); NaN for none. */
double perfbudget__statistic_sorted(const double *sorted, size_t n, perfbudget_statistic statistic);

/* environment.c: what a result records about the machine; a jansson object (json_t *). */
struct json_t;
struct json_t *perfbudget__environment_json(void);

/* result.c: the JSON of a result's metrics and custom metrics, both ways (shared with the
 * history, which stores them the same way). from_json returns 0, or -1 for a malformed entry. */
struct json_t *perfbudget__metrics_json(const perfbudget_metrics *metrics);
/* What is wrong with figures from outside (an imported file): a negative one; NULL when none.
 * The result-file loader refuses the same. */
const char *perfbudget__metrics_problem(const perfbudget_metrics *metrics, char *buf, size_t size);
void perfbudget__metrics_from_json(const struct json_t *object, perfbudget_metrics *out);
struct json_t *perfbudget__custom_metrics_json(const perfbudget_result *result);
int perfbudget__results_json_text(perfbudget_context *ctx, const char *suite_name,
                                  perfbudget_result *const *results, size_t count, char **text);
int perfbudget__custom_metrics_from_json(perfbudget_context *ctx, perfbudget_result *result,
                                         const struct json_t *list);

/* result.c and import.c: perfbudget_results_new_from_file() and
 * perfbudget_results_new_imported() from text in memory; name stands for the file in
 * messages. Same codes, same ownership. */
int perfbudget__results_parse_json(perfbudget_context *ctx, const char *text, size_t size,
                                   const char *name, perfbudget_result ***out, size_t *count);
int perfbudget__results_import_text(perfbudget_context *ctx, const char *text, size_t size,
                                    const char *name, const char *format,
                                    const char *single_name, perfbudget_result ***out,
                                    size_t *count);

/* import.c: how an import found its benchmarks by name, for a test that must catch quadratic
 * lookups without a clock. */
typedef struct perfbudget__import_stats {
    size_t name_probes; /* index slots examined: about one per entry of the file, not n^2 / 2 */
} perfbudget__import_stats;
/* perfbudget__results_import_text() that also fills stats. */
int perfbudget__results_import_counted(perfbudget_context *ctx, const char *text, size_t size,
                                       const char *name, const char *format,
                                       const char *single_name, perfbudget_result ***out,
                                       size_t *count, perfbudget__import_stats *stats);

/* The most perfbudget reads of a tool's JSON, captured or a file (docs/formats.md). */
#define PERFBUDGET__IMPORT_LIMIT ((size_t)256 * 1024 * 1024)
/* perfbudget_results_new_imported() of a file read whole but never past limit bytes (EIO beyond
 * it); shown_as names the file in every message ("the output of 'CMD'" for a captured temporary
 * file). Same codes, same ownership. */
int perfbudget__results_import_capped(perfbudget_context *ctx, const char *path,
                                      const char *shown_as, size_t limit, const char *format,
                                      const char *single_name, perfbudget_result ***out,
                                      size_t *count);

/* suite.c: hand a failed command's output (malloc'd) to its result. */
void perfbudget__result_take_output(perfbudget_result *result, char *output);

/* suite.c: a benchmark whose body measures exactly one batch of a given size per call, for
 * interleave.c. new runs the setup (a failed setup leaves the batch failed, see status); run
 * calls the body once and returns 0 with the batch's time, or -1 when the body failed, skipped
 * or misused the loop (status says why); free runs the teardown when setup succeeded. */
typedef struct perfbudget__batch perfbudget__batch;
int perfbudget__batch_new(perfbudget_context *ctx, const perfbudget_benchmark_def *def,
                          perfbudget__batch **out);
/* The same for thread thread_index of threads running def at once (threads.c), with a sweep's
 * size (0 for none). */
int perfbudget__batch_new_thread(perfbudget_context *ctx, const perfbudget_benchmark_def *def,
                                 uint64_t size, uint32_t thread_index, uint32_t threads,
                                 perfbudget__batch **out);
/* The suite's definition of benchmark index (borrowed) and its sweep size; NULL out of range. */
const perfbudget_benchmark_def *perfbudget__suite_def(const perfbudget_suite *suite, size_t index,
                                                     uint64_t *size);
perfbudget_context *perfbudget__suite_context(const perfbudget_suite *suite);
int perfbudget__batch_run(perfbudget__batch *batch, uint64_t iterations, uint64_t *elapsed_ns);
perfbudget_run_status perfbudget__batch_status(const perfbudget__batch *batch,
                                               const char **message);
void perfbudget__batch_free(perfbudget__batch *batch);

/* stages.c: stages recorded while a benchmark measures (a recorder, created at the first
 * begin), and what a result keeps of them. begin/end/finish return 0, or -1 with why set: the
 * benchmark then fails with that reason. */
typedef struct perfbudget__stage_recorder perfbudget__stage_recorder;
typedef struct perfbudget__stages {
    perfbudget_stage *stages; /* names owned */
    size_t stage_count;
    perfbudget_trace_event *events;
    size_t event_count;
} perfbudget__stages;
int perfbudget__stage_begin(perfbudget__stage_recorder **recorder, const char *name,
                            uint64_t now_ns, int measuring, char *why, size_t why_size);
int perfbudget__stage_end(perfbudget__stage_recorder *recorder, const char *name,
                          uint64_t now_ns, uint64_t origin_ns, char *why, size_t why_size);
int perfbudget__stages_finish(perfbudget__stage_recorder *recorder, perfbudget__stages *out,
                              char *why, size_t why_size);
void perfbudget__stage_recorder_free(perfbudget__stage_recorder *recorder);
void perfbudget__stages_clear(perfbudget__stages *stages);
int perfbudget__stages_copy(perfbudget__stages *dst, const perfbudget__stages *src);
struct json_t *perfbudget__stages_json(const perfbudget__stages *stages);
struct json_t *perfbudget__trace_events_json(const perfbudget__stages *stages);
int perfbudget__stages_from_json(const struct json_t *stages, const struct json_t *events,
                                 perfbudget__stages *out, char *why, size_t why_size);
/* suite.c: a result's stages, for the readers and writers of files and the history. */
perfbudget__stages *perfbudget__result_stages(perfbudget_result *result);

/* judge.c: the notes of a verdict record (perfbudget_result_conclude()), kept with the result. */
typedef struct perfbudget__notes {
    struct perfbudget__note {
        perfbudget_note_kind kind;
        char *text;
    } *items;
    size_t count;
} perfbudget__notes;
void perfbudget__notes_clear(perfbudget__notes *notes);
int perfbudget__notes_add(perfbudget_context *ctx, perfbudget__notes *notes,
                          perfbudget_note_kind kind, const char *text);
/* suite.c: a result's notes (mutable through a const result: the record is kept beside it). */
perfbudget__notes *perfbudget__result_notes(const perfbudget_result *result);
/* suite.c: limit verdicts read back from a result file, kept with copies of their limits. */
int perfbudget__result_restore_verdicts(perfbudget_context *ctx, perfbudget_result *result,
                                       const char *entry, const perfbudget_limit_verdict *verdicts,
                                       size_t count);
/* budget.c: what an entry resolved to (its pattern, perfbudget_effective_budget.entry, or NULL)
 * says beyond its limits: advice and link (NULL where not written) and the failure policy (the
 * entry's, else the file's, else PERFBUDGET_FAIL_ON_REGRESSION). */
void perfbudget__budget_guidance(const perfbudget_budget *budget, const char *entry_pattern,
                                 const char **advice, const char **link, int *fail_on);

/* suite.c: keep copies of a budget entry's advice and link (either may be NULL) with a result.
 * Returns PERFBUDGET_OK or PERFBUDGET_ENOMEM. */
int perfbudget__result_set_advice(perfbudget_result *result, const char *advice,
                                  const char *link);
/* suite.c: forget a result's comparisons and notes, before it is concluded anew. */
void perfbudget__result_clear_record(perfbudget_result *result);
/* units.c: the parse behind perfbudget_quantity_parse(), also telling the unit as written. */
typedef struct perfbudget__unit_info {
    const char *unit; /* points into the parsed text */
    size_t unit_length;
    double factor;    /* base units per written unit (for "/s" units of sizes: bytes) */
} perfbudget__unit_info;
int perfbudget__quantity_parse(perfbudget_context *ctx, const char *text, perfbudget_quantity *out,
                               perfbudget__unit_info *unit_info);

/* yaml_doc.c: a YAML document as a small tree with 1-based positions, built from libyaml's
 * events. Aliases are refused and depth, size and scalar length bounded, so a hostile file can
 * neither explode nor recurse deeply. */
typedef enum perfbudget__node_kind {
    PERFBUDGET__SCALAR,
    PERFBUDGET__MAPPING,
    PERFBUDGET__SEQUENCE
} perfbudget__node_kind;

/* 32 bytes: a budget file of 10,000 entries holds about 170,000 of them. */
typedef struct perfbudget__node {
    char *text;    /* scalar text, NUL-terminated (stored right after the node) */
    struct perfbudget__node **items; /* mapping: key, value, key, value...; sequence: values */
    int line, column;
    unsigned count;       /* number of items (twice the pairs for a mapping) */
    unsigned char kind;   /* a perfbudget__node_kind */
    unsigned char plain;  /* scalar written without quotes */
} perfbudget__node;

typedef struct perfbudget__doc perfbudget__doc;

/* Parse text into *out (NULL root for an empty file). On a syntax error returns EPARSE and sets
 * *line, *column and message. */
int perfbudget__doc_parse(const char *text, size_t size, perfbudget__doc **out,
                          perfbudget__node **root, int *line, int *column, char *message,
                          size_t message_size);
void perfbudget__doc_free(perfbudget__doc *doc);
/* Copy a string into the document's arena (lives as long as the document). */
char *perfbudget__doc_strdup(perfbudget__doc *doc, const char *text);

/* A growing string, which the report renderers write into; on allocation failure it stops
 * growing and remembers, so a renderer checks once, at the end. */
typedef struct perfbudget__text {
    char *data;
    size_t length, capacity;
    int failed;
} perfbudget__text;

void perfbudget__append(perfbudget__text *t, const char *fmt, ...) PERFBUDGET__PRINTF(2, 3);

/* Append s (NULL: nothing) with each character of special replaced by the string at the same
 * position in with: one escaper for each format's table. */
void perfbudget__append_escaped(perfbudget__text *t, const char *s, const char *special,
                                const char *const *with);

/* text.c: the one rule for text from users on its way to a terminal or a file. */
/* Append s (NULL: nothing) fit for a terminal: control characters, DEL, the C1 controls
 * (U+0080-U+009F), the line separators and the bidirectional overrides as \n, \t, \x1b,
 * \u009b..., and bytes that are not UTF-8 as \xff, so a name or a command's output cannot move
 * the cursor, retitle the window or forge a line. keep_lines keeps newlines and tabs (output). */
void perfbudget__append_printable(perfbudget__text *t, const char *s, int keep_lines);
/* The same as a new string (free() it); NULL when out of memory. */
char *perfbudget__printable(const char *s);
/* The same into out (size bytes), cut at a whole character with "..." when too long; returns
 * out. For a name in a message. */
char *perfbudget__shown(const char *text, char *out, size_t size);
/* Append s printable (above), then each character of special replaced by the string at the
 * same position in with: the rule of the text formats (Markdown, HTML, OpenMetrics). */
void perfbudget__append_text(perfbudget__text *t, const char *s, const char *special,
                             const char *const *with);
/* Append s as a CSV text cell: printable, a would-be formula (=, +, -, @, tab or CR first,
 * OWASP's rule) made text with a leading ', quoted as RFC 4180 says. */
void perfbudget__append_csv_text(perfbudget__text *t, const char *s);
/* How many characters (UTF-8 code points) text has: its columns on a terminal. */
int perfbudget__columns(const char *text);
/* 1 when text is valid UTF-8 (as jansson takes it), else 0 with the first bad byte's offset. */
int perfbudget__utf8_valid(const char *text, size_t *offset);
/* PERFBUDGET_OK, or EINVAL naming what ("benchmark name") and the offset of its first byte
 * that is not UTF-8: the gate where names enter. */
int perfbudget__check_name(perfbudget_context *ctx, const char *what, const char *name);
/* Text read back from storage made valid UTF-8, bytes that are not as \xff (control
 * characters kept): a new string (free() it), NULL when out of memory; and the same into out,
 * cut at a whole character. */
char *perfbudget__utf8_repaired(const char *s);
char *perfbudget__copy_utf8(char *out, size_t size, const char *text);
/* JSON text (from json_dumps, which escapes only C0) with DEL, the C1 controls, the line
 * separators and the bidirectional overrides escaped as \u...: the same document to a parser,
 * harmless on a terminal. Takes json and returns it or its replacement (free() it); NULL when
 * out of memory. */
char *perfbudget__json_shown(char *json);

/* format.c: a size in decimal (kB, MB: the budget file's MB is 10^6 bytes) or, with decimal 0,
 * binary multiples (KiB, MiB). Returns buf. */
char *perfbudget__format_size(double value, int decimal, char *buf, size_t size);

/* report.c: what every report says about a judged result. It renders the verdict record and
 * decides nothing: the word comes from the test status, the limits' statuses and the
 * comparisons' outcomes. In the order reports list them. */
typedef enum perfbudget__word {
    PERFBUDGET__ERRORED = 0,      /* the run itself failed (a test error, not a budget) */
    PERFBUDGET__FAILED = 1,       /* a limit failed, or a regression */
    PERFBUDGET__INCONCLUSIVE = 2, /* a comparison could not resolve the threshold */
    PERFBUDGET__WARNED = 3,       /* a limit's warning level */
    PERFBUDGET__IMPROVED = 4,     /* better than the baseline, beyond the threshold */
    PERFBUDGET__SKIPPED = 5,      /* a budgeted figure cannot be measured here */
    PERFBUDGET__PASSED = 6
} perfbudget__word;
perfbudget__word perfbudget__word_of(const perfbudget_result *r);
/* "errored", "FAIL", "inconclusive", "warn", "improved", "skipped", "pass". */
const char *perfbudget__word_name(perfbudget__word word);

/* One reason behind a verdict: a label ("FAIL", "warn", "unavailable", "regression",
 * "improvement", "inconclusive", "note", "error") and the text, with metric, measured value,
 * the limit or the baseline, the interval and the threshold. */
typedef struct perfbudget__reason {
    const char *label;
    char *text;
} perfbudget__reason;
/* The reasons of r: the failed run's message, each limit not passed, each comparison that is
 * not a plain pass, and the notes. Returns a new array (free with perfbudget__reasons_free);
 * NULL with *count 0 when there are none, NULL with *count SIZE_MAX when out of memory. */
perfbudget__reason *perfbudget__reasons(const perfbudget_result *r, size_t *count);
void perfbudget__reasons_free(perfbudget__reason *reasons, size_t count);
/* The change a report shows in its delta column: the latency comparison, or in instructions
 * mode the instruction counts'; NULL when there is none. *unit (may be NULL) gets its unit. */
const perfbudget_comparison *perfbudget__headline_change(const perfbudget_result *r,
                                                         perfbudget_unit *unit);
/* report.c: the resource figures per iteration (a command: per run), in the order of
 * perfbudget__resource_names (their names under a budget's resources:); NaN where unknown.
 * Returns how many are known. */
enum { PERFBUDGET__RESOURCE_COUNT = 10 };
extern const char *const perfbudget__resource_names[PERFBUDGET__RESOURCE_COUNT];
size_t perfbudget__resource_values(const perfbudget_metrics *m,
                                   double values[PERFBUDGET__RESOURCE_COUNT]);
/* One of them formatted with its unit ("4.00 KiB", "12", "0.31 J", "1.20 ms"), "n/a" for NaN. */
char *perfbudget__format_resource(size_t index, double value, char *buf, size_t size);
/* Peak memory as reports show it: in the family the result's budget wrote its memory limit in
 * (MB beside "memory 4.32 MB <= 64 MB"), else in MiB. Returns buf. */
char *perfbudget__format_memory(const perfbudget_result *r, double bytes, char *buf,
                                size_t size);
/* "median 120 µs vs 107 µs baseline: +12.0 % (95% CI ...), p = ..., threshold 5%: regression",
 * sizes and byte rates as perfbudget__format_memory and "MiB/s" say. Returns buf. */
char *perfbudget__comparison_text(const perfbudget_result *r, const char *metric,
                                  perfbudget_unit unit, const perfbudget_comparison *c, char *buf,
                                  size_t size);
/* Why a stage's mean is above its p99, for the tables that show both; "" when it is not. */
const char *perfbudget__stage_mean_note(const perfbudget_stage *stage);
/* Names in natural order: "x[100]" < "x[1000]" < "x[10000]" (digit runs by value). */
int perfbudget__natural_compare(const char *a, const char *b);
/* The name of a report format as perfbudget_report_format_parse() takes it ("md", "csv", ...,
 * "chrome-trace"), NULL past the last one: the one list the CLI's help and messages show. */
const char *perfbudget__report_format_name(perfbudget_report_format format);
/* Every format's name, joined by ", ", into buf. */
char *perfbudget__report_format_list(char *buf, size_t size);

/* The HTML report (perfbudget_render_report's "html"), from report_html.c. */
int perfbudget__render_html(perfbudget_context *ctx, perfbudget_result *const *results,
                            size_t count, const perfbudget_report_info *info, char **out);
/* Its pieces, which the site (report_site.c) draws its pages with: the page's style and its
 * table-sorting script; the samples against the baseline's (base may be NULL) with the limits
 * and the threshold drawn in; a series' trend with the steps given marked; the verdict's
 * reasons; the stages' table; the CSS class of a verdict's word. */
extern const char perfbudget__html_style[];
extern const char perfbudget__html_sort_script[];
void perfbudget__html_distribution(perfbudget__text *h, const perfbudget_result *r,
                                   const perfbudget_result *base);
void perfbudget__html_trend(perfbudget__text *h, const perfbudget_series_point *points, size_t n,
                            const perfbudget_step *steps, size_t found);
void perfbudget__html_reasons(perfbudget__text *h, const perfbudget_result *r);
void perfbudget__html_stages(perfbudget__text *h, const perfbudget_result *r);
/* report_html.c: the resources per iteration as a table, where any is known. */
void perfbudget__html_resources(perfbudget__text *h, const perfbudget_result *r);
void perfbudget__html_scaling(perfbudget__text *h, const perfbudget_result *r);
const char *perfbudget__html_word_class(perfbudget__word word);

/* The site (perfbudget report --format site), from report_site.c: an index of every benchmark
 * in info->history (its newest result judged as `judging` says, its last step and a sparkline,
 * filterable by branch, environment and mode) and a page per benchmark (trend, steps,
 * distributions), written to a new directory beside `directory` and renamed into place, so
 * that a failed run leaves the old site or none, never half of one. An existing directory is
 * replaced only when it is empty or a site written so (it holds SITE_MARKER).
 * info->baseline_results are drawn beside the samples. *pages (may be NULL) gets the number of
 * benchmark pages. Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_EIO or
 * PERFBUDGET_ENOMEM. */
#define PERFBUDGET__SITE_MARKER ".perfbudget-site"
int perfbudget__write_site(perfbudget_context *ctx, const char *directory,
                           const perfbudget_report_info *info,
                           const perfbudget_conclude_options *judging, size_t *pages);

/* The medians of the separate processes each side was measured in (--perf-processes: custom
 * metrics process_median_<i>), none for a side of one process. */
typedef struct perfbudget__processes {
    const double *baseline;
    size_t n_baseline;
    const double *current;
    size_t n_current;
} perfbudget__processes;

/* Whether the processes give enough degrees of freedom (2: three processes in all, a side of
 * one counting none) for their spread to stand in for the spread between runs; fewer, and the
 * assumed one does. */
int perfbudget__processes_measure_spread(const perfbudget__processes *processes);

/* perfbudget_compare_runs, and where the runs give no spread between runs (fewer than 3) but a
 * side was measured in several processes, the spread between those processes instead of the
 * assumed one (processes may be NULL). */
int perfbudget__compare_runs(perfbudget_context *ctx, const double *baseline, size_t n_baseline,
                             const double *current, size_t n_current, const double *run_values,
                             size_t n_runs, const perfbudget__processes *processes,
                             const perfbudget_compare_options *opts, perfbudget_comparison *out);

/* perfbudget_compare_metric, and with exact = 1 for figures that do not vary between runs of the
 * same code: a change beyond the threshold is then a regression on one run. */
int perfbudget__compare_metric(perfbudget_context *ctx, const double *runs, size_t n_runs,
                               double current, const perfbudget_compare_options *opts, int exact,
                               perfbudget_comparison *out);

#endif
