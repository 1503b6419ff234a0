/* SPDX-License-Identifier: MIT */
/* The result of measuring one benchmark: its samples, summary and figures (perfbudget_metrics),
 * its stages, its identity and mode. The stages after measuring keep their records with it too:
 * budget.h (limit verdicts, custom metrics), verdict.h (the verdict record and its notes),
 * report.h (comparisons, test status), complexity.h and threads.h (sweeps and scaling). */
#ifndef PERFBUDGET_RESULT_H
#define PERFBUDGET_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "perfbudget/context.h"
#include "perfbudget/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a run measures to be judged on. */
typedef enum perfbudget_mode {
    PERFBUDGET_MODE_TIME = 0,        /**< wall time, CPU, memory, counters where available */
    /** Instructions per iteration, counted exactly (the PMU, or callgrind under valgrind) over
     *  ten batches; only instruction budgets and regressions are judged, and a change beyond
     *  the threshold is a regression on one run: counts do not need a significance test. */
    PERFBUDGET_MODE_INSTRUCTIONS = 1
} perfbudget_mode;

/** "time" or "instructions"; NULL for another value. Static storage. */
PERFBUDGET_API const char *perfbudget_mode_name(perfbudget_mode mode);
/** Parse "time" or "instructions". Returns PERFBUDGET_OK or PERFBUDGET_EINVAL. */
PERFBUDGET_API int perfbudget_mode_parse(const char *name, perfbudget_mode *out);

/** What a stage took over the measured iterations. p99 is exact up to 10,000 occurrences, then
 *  taken from a uniform sample of 10,000 of them. */
typedef struct perfbudget_stage {
    const char *name;
    uint64_t count; /**< times the stage ran */
    double mean_ns, p99_ns, total_ns;
} perfbudget_stage;

/** One occurrence of a stage, for a timeline (Chrome trace events): the first 4,096 of a run
 *  are kept. */
typedef struct perfbudget_trace_event {
    size_t stage;       /**< index into perfbudget_result_stages() */
    uint32_t depth;     /**< 0 for a stage not inside another */
    double start_ns;    /**< since measuring began */
    double duration_ns;
} perfbudget_trace_event;

/** What became of a benchmark run. */
typedef enum perfbudget_run_status {
    PERFBUDGET_RUN_OK = 0,
    PERFBUDGET_RUN_FAILED = 1,  /**< setup failed or the body called perfbudget_state_fail() */
    PERFBUDGET_RUN_SKIPPED = 2  /**< the body called perfbudget_state_skip() */
} perfbudget_run_status;

/** Figures of one benchmark run beside its samples. NaN marks a figure that is unavailable.
 *  A record the core returns (perfbudget_result_metrics()) has the core's struct_size: read a
 *  field only when struct_size reaches past it. */
typedef struct perfbudget_metrics {
    /** sizeof(perfbudget_metrics) as the caller was compiled;
     *  perfbudget_metrics_init() sets it. The core reads and writes the fields within it
     *  only, and refuses a size it does not know (PERFBUDGET_EINVAL); fields are only ever
     *  added at the end. */
    size_t struct_size;
    uint64_t iterations_per_sample;
    uint64_t rounds;           /**< samples taken */
    uint64_t total_iterations; /**< measured iterations (calibration and warm-up excluded) */
    int time_capped;           /**< max_time ended measuring before min_rounds */
    double wall_ns;            /**< wall time of the measuring phase */
    double cpu_ns_per_iteration;
    double cpu_utilization; /**< process CPU time / wall time while measuring (1.0 = one core) */
    double peak_rss_bytes;
    int peak_rss_reset;         /**< 1: peak is this benchmark's; 0: the process's since start */
    double memory_growth_bytes; /**< RSS at the last sample minus RSS at the first */
    double memory_growth_per_iteration_bytes; /**< least-squares slope of RSS over iterations */
    double memory_growth_stderr_bytes;        /**< its standard error */
    double instructions_per_iteration;        /**< NaN without hardware counters */
    double cycles_per_iteration;              /**< NaN without hardware counters */
    double items_per_second, bytes_per_second; /**< from the median; NaN when not declared */
    double clock_overhead_ns, clock_resolution_ns;
    /** With speed_correction: the run's time of perfbudget's reference loop, timed after each
     *  sample (the mean of the timings within 1 % of their median): the machine's speed while
     *  measuring, to which each sample was scaled. NaN otherwise. */
    double reference_ns;
    /** Context switches of the measuring thread (commands: the child's) while measuring:
     *  involuntary ones show the machine taking the CPU away; NaN when unknown. */
    double involuntary_switches, voluntary_switches;
    /** Time the measuring thread (commands: the process started) was ready to run but waited
     *  for a CPU while measuring, from Linux's schedstat: the share of the wall time the
     *  machine took away. NaN when unknown. */
    double runqueue_wait_ns;
    /** The median time of perfbudget's machine probe (a cache- and branch-bound walk through a
     *  64 KiB table, timed at most every 2 ms while measuring): the speed the machine gave such
     *  code during the run; commands: timed by perfbudget three times before the first measured
     *  run, then before a run once 2 ms have passed since the last.
     *  Time mode with a real clock; NaN otherwise. */
    double probe_ns;
    /** The benchmark's first call, timed alone before calibration (code generation and caches
     *  being filled make it slower than the rest), in ns; calibration starts after it. NaN when
     *  not timed apart (pedantic rounds, commands, imported files, older results). */
    double first_call_ns;
    /** Resources used while measuring, NaN where the kernel (or the front end) does not give
     *  them, never 0 for unknown (docs/budgets.md, "Resources"). In-process: the measuring
     *  thread's, over the measured iterations (warm-up and calibration aside); commands: the
     *  sum over the measured runs of each child's.
     *  I/O: bytes passed through read- and write-family system calls (files, pipes, sockets),
     *  /proc/thread-self/io's rchar and wchar; a command's from /proc/<pid>/io read before it
     *  is reaped (it includes the children it reaped). */
    double io_read_bytes, io_write_bytes;
    /** Page faults that needed no disk I/O and those that did (getrusage; wait4 for commands). */
    double minor_faults, major_faults;
    /** Energy the CPU packages used while measuring, in joules, from RAPL
     *  (/sys/class/powercap/intel-rapl:N/energy_uj): the whole machine's, not just this
     *  thread's. NaN where unreadable (most VMs; root-only on kernels since 5.10). */
    double energy_joules;
    /** Python front end: garbage collections during the measured calls and the time they took
     *  (gc.callbacks); allocations per call (tracemalloc, opt-in; in C with an allocation
     *  counter, perfbudget_suite_set_alloc_counter(), else NaN). */
    double gc_collections, gc_time_ns, allocations_per_call;
    /** The fastest tenth of the machine probe's times (their p10), in ns: the speed of the
     *  machine's fast state during the run, which a comparison of p10 sets beside the
     *  baseline's (docs/statistics.md, "A machine at another speed"). NaN where probe_ns is,
     *  and in results written before it. */
    double probe_fast_ns;
    /** The statistic a regression check compares when neither its caller nor the budget names
     *  one: a perfbudget_statistic, or -1 for the median (perfbudget_metrics_init()). The front
     *  end's choice for how its samples are read: C suites set PERFBUDGET_STAT_P10 in time
     *  mode, since a sample there is a batch of C calls whose fastest tenth reads through the
     *  machine's speed states that move a run's median (docs/statistics.md, "Which statistic
     *  is compared"). */
    int compared_statistic;
    /** Commands: the median time, in ns, perfbudget took to fork() a child that exits at once
     *  and to reap it, timed beside probe_ns. Creating and ending processes is most of a short
     *  command's time, and the machine's slow state moves it far more than the code probe_ns
     *  walks (docs/statistics.md, "A machine at another speed"). NaN for in-process
     *  measurements, fake clocks, fewer than 3 timings, and results written before it. */
    double spawn_probe_ns;
    /** Python front end: the median time, in ns, of perfbudget's interpreter probe (a walk of
     *  256 steps through a list with branches on what it reads, in Python), timed warm (after
     *  an untimed pass) between batches at most every 4 ms while measuring
     *  (perfbudget_result_set_interpreter_probe()).
     *  Interpreted code moves with the machine's speed states further than probe_ns does, and
     *  a change within this probe's reach may be the machine's (docs/statistics.md, "A machine
     *  at another speed"). NaN elsewhere and in results written before it. */
    double interpreter_probe_ns;
} perfbudget_metrics;

/** The result of running one benchmark. Opaque. */
typedef struct perfbudget_result perfbudget_result;

/** Free a result; NULL is a no-op. */
PERFBUDGET_API void perfbudget_result_free(perfbudget_result *result);

/** The benchmark's name. Borrowed: valid until the result is freed. */
PERFBUDGET_API const char *perfbudget_result_name(const perfbudget_result *result);
/** Whether the run went through, failed or was skipped. */
PERFBUDGET_API perfbudget_run_status perfbudget_result_status(const perfbudget_result *result);
/** Why it failed or was skipped ("" when it ran). Borrowed. */
PERFBUDGET_API const char *perfbudget_result_message(const perfbudget_result *result);
/** The samples in ns per iteration, in the order taken. Borrowed. */
PERFBUDGET_API const double *perfbudget_result_samples(const perfbudget_result *result,
                                                       size_t *count);
/** The CPU time of each sample in ns per iteration, in the order taken, the same count as
 *  perfbudget_result_samples(): the measuring thread's CPU time (CLOCK_THREAD_CPUTIME_ID) for
 *  in-process samples, the child's user + system time for commands. NULL with *count 0 when
 *  it was not measured (fake clocks, imported files, older results). Borrowed. */
PERFBUDGET_API const double *perfbudget_result_cpu_samples(const perfbudget_result *result, size_t *count);
/** Give result CPU-time samples (count must equal its wall-time sample count, or be 0 to drop
 *  them), e.g. injected by tests or merged from several processes.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (count mismatch, NULL) , PERFBUDGET_EDOMAIN (non-finite) or PERFBUDGET_ENOMEM.
 *  The values are copied; on an error the result keeps the CPU samples it had. */
PERFBUDGET_API int perfbudget_result_set_cpu_samples(perfbudget_context *ctx, perfbudget_result *result, const double *cpu_samples, size_t count);
/** The time of the front end's interpreter probe (perfbudget_sampler_note_probe(), in ns)
 *  last timed before each sample was recorded, the same count as perfbudget_result_samples():
 *  which state the machine was in for each sample, so that the judge can compare the samples
 *  of two runs taken in the same state. NULL with *count 0 where no probe was timed (C
 *  benchmarks, commands, instructions mode, older results). Borrowed. */
PERFBUDGET_API const double *perfbudget_result_probe_samples(const perfbudget_result *result,
                                                             size_t *count);
/** Give result probe samples (count must equal its sample count, or be 0 to drop them), as
 *  perfbudget_result_set_cpu_samples(). Returns PERFBUDGET_OK, PERFBUDGET_EINVAL,
 *  PERFBUDGET_EDOMAIN or PERFBUDGET_ENOMEM; on an error the result keeps what it had. */
PERFBUDGET_API int perfbudget_result_set_probe_samples(perfbudget_context *ctx,
                                                       perfbudget_result *result,
                                                       const double *probe_samples, size_t count);
/** The summary of the samples. Borrowed: valid until the result is freed. */
PERFBUDGET_API const perfbudget_summary *perfbudget_result_summary(const perfbudget_result *result);
/** The run's figures, with the core's struct_size. Borrowed: valid until the result is freed. */
PERFBUDGET_API const perfbudget_metrics *perfbudget_result_metrics(const perfbudget_result *result);
/** How much slower the machine ran for result than for baseline: the ratio of their reference
 *  times (metric reference_ns, measured with speed_correction), for
 *  perfbudget_compare_options.speed_ratio. NaN when either lacks one. */
PERFBUDGET_API double perfbudget_result_speed_ratio(const perfbudget_result *result,
                                                   const perfbudget_result *baseline);
/** Why hardware counters are unavailable ("" when they were counted). Borrowed. */
PERFBUDGET_API const char *perfbudget_result_counters_note(const perfbudget_result *result);

/** The stages the benchmark timed (perfbudget_stage_begin), in the order first seen; empty
 *  when it timed none. Borrowed. */
PERFBUDGET_API const perfbudget_stage *perfbudget_result_stages(const perfbudget_result *result,
                                                                size_t *count);
/** The stage occurrences kept for a timeline, in the order they ended. Borrowed. */
PERFBUDGET_API const perfbudget_trace_event *perfbudget_result_trace_events(
    const perfbudget_result *result, size_t *count);
/** Give result a copy of the stages and trace events of from (replacing its own), e.g. when a
 *  result is merged from several processes. Returns PERFBUDGET_OK, PERFBUDGET_EINVAL or
 *  PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_result_copy_stages(perfbudget_context *ctx,
                                                 perfbudget_result *result,
                                                 const perfbudget_result *from);

/** A result from samples measured elsewhere (a command's runs, an imported file, a Python
 *  loop): the summary is computed from the samples (ns per iteration); metrics may be NULL
 *  (every figure unavailable) and are copied. status and message say whether the run itself
 *  failed. Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (also for metrics of a struct_size this
 *  library does not know), PERFBUDGET_EDOMAIN (a non-finite sample) or
 *  PERFBUDGET_ENOMEM. Returns a new object in *out; free with perfbudget_result_free(). */
PERFBUDGET_API int perfbudget_result_new(perfbudget_context *ctx, const char *name,
                                         const double *samples, size_t count,
                                         const perfbudget_metrics *metrics,
                                         perfbudget_run_status status, const char *message,
                                         perfbudget_result **out);

/** Metrics with every figure unavailable (NaN), every count 0 and struct_size set. */
PERFBUDGET_API void perfbudget_metrics_init(perfbudget_metrics *metrics);

/** Mark a result failed (or skipped) after the fact, e.g. when its command crashed; the message
 *  is copied. */
PERFBUDGET_API void perfbudget_result_set_status(perfbudget_result *result,
                                                 perfbudget_run_status status,
                                                 const char *message);

/** Give result the figures a front end measured itself (NaN: not measured): the Python garbage
 *  collector's collections and their time over the measured iterations, and allocations per
 *  call (perfbudget_metrics). Returns PERFBUDGET_OK, or PERFBUDGET_EINVAL for a NULL result or
 *  a negative figure (nothing is changed then). */
PERFBUDGET_API int perfbudget_result_set_runtime_figures(perfbudget_result *result,
                                                         double gc_collections, double gc_time_ns,
                                                         double allocations_per_call);

/** Give result the times of the front end's interpreter probe (metric interpreter_probe_ns:
 *  their median; NaN from fewer than 3). Returns PERFBUDGET_OK, or PERFBUDGET_EINVAL for a NULL
 *  result, NULL times with n > 0, or a time that is negative or not finite (nothing is changed
 *  then), or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_result_set_interpreter_probe(perfbudget_result *result,
                                                           const double *times_ns, size_t n);

/** Free an array of results and each result in it (the arrays of
 *  perfbudget_results_new_from_file(), perfbudget_history_load_run() and the others that say
 *  so); NULL is a no-op. */
PERFBUDGET_API void perfbudget_results_free(perfbudget_result **results, size_t count);

/** One result from the same benchmark measured in count processes (runs in process order):
 *  the samples and, when every process has them, the CPU samples pooled in that order; each
 *  figure of perfbudget_metrics the median over the processes that know it, totals (rounds,
 *  iterations, wall time, context switches, run-queue wait, I/O, faults, energy, collections)
 *  summed; the custom metrics of runs[0], each the median over the processes that have it;
 *  each process's median as custom metric process_median_<i> (i from 1; the judge measures the
 *  spread between processes by them); the stages of the first process that has any; the
 *  identity and mode of runs[0]; the status and message of the first process that did not run
 *  OK. name NULL keeps runs[0]'s name. The runs are not changed.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (no runs, a NULL one, a bad name) or
 *  PERFBUDGET_ENOMEM. Returns a new object in *out; free with perfbudget_result_free(). */
PERFBUDGET_API int perfbudget_result_new_merged(perfbudget_context *ctx, const char *name,
                                                const perfbudget_result *const *runs, size_t count,
                                                perfbudget_result **out);

/** The version of the benchmarked code (an add_perf_test VERSION, a hash of a Python test's
 *  source): results of different versions start different series and are never compared.
 *  "" by default; the text is copied.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (result NULL) or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_result_set_identity(perfbudget_result *result, const char *identity);
/** The identity. Borrowed: valid until the result is freed or its identity or mode is set. */
PERFBUDGET_API const char *perfbudget_result_identity(const perfbudget_result *result);
/** The mode the result was measured in (result files without one: time). Instructions mode is
 *  part of the identity too, "<version> [instructions mode]", so that neither a baseline nor the
 *  history ever compares counted results with timed ones; setting an identity with that tag
 *  sets the mode. */
PERFBUDGET_API perfbudget_mode perfbudget_result_mode(const perfbudget_result *result);
/** Set the mode (and with it the identity's tag).
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (NULL, an unknown mode) or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_result_set_mode(perfbudget_result *result, perfbudget_mode mode);

/** The captured output of the command run that failed ("" when none). Borrowed: valid until
 *  the result is freed. */
PERFBUDGET_API const char *perfbudget_result_output(const perfbudget_result *result);

#ifdef __cplusplus
}
#endif

#endif
