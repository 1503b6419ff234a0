/* SPDX-License-Identifier: MIT */
/* Measurement: clocks, CPU time, memory, hardware counters and the in-process benchmark loop. */
#ifndef PERFBUDGET_MEASURE_H
#define PERFBUDGET_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "perfbudget/context.h"
#include "perfbudget/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Clocks and resources -------------------------------------------------------------- */

/** CPU time consumed so far, in ns. */
typedef struct perfbudget_cpu_times {
    uint64_t process_ns; /**< all threads of this process (CLOCK_PROCESS_CPUTIME_ID) */
    uint64_t thread_ns;  /**< the calling thread (CLOCK_THREAD_CPUTIME_ID) */
} perfbudget_cpu_times;

/** Read the process and thread CPU clocks.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL or PERFBUDGET_EUNAVAILABLE. */
PERFBUDGET_API int perfbudget_cpu_times_read(perfbudget_context *ctx, perfbudget_cpu_times *out);

/** Resident memory of this process, in bytes. */
typedef struct perfbudget_memory_usage {
    int64_t rss_bytes;      /**< resident set size now */
    int64_t peak_rss_bytes; /**< high-water mark since start or the last successful reset */
} perfbudget_memory_usage;

/** Read current and peak RSS (/proc/self/status; getrusage() where /proc is missing).
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL or PERFBUDGET_EUNAVAILABLE. */
PERFBUDGET_API int perfbudget_memory_read(perfbudget_context *ctx, perfbudget_memory_usage *out);

/** Reset the peak-RSS high-water mark to the current RSS through /proc/self/clear_refs, after
 *  returning memory already freed to the system (glibc's malloc_trim), so that it does not count.
 *  Returns PERFBUDGET_OK, or PERFBUDGET_EUNAVAILABLE when the kernel refuses; the peak then keeps
 *  counting from process start. */
PERFBUDGET_API int perfbudget_memory_reset_peak(perfbudget_context *ctx);

/** Hardware counters (instructions and cycles, user space) of the calling thread; under
 *  valgrind's callgrind, the instructions callgrind counts (Ir) and no cycles. */
typedef struct perfbudget_counters perfbudget_counters;

/** Open the counters, stopped and zeroed: callgrind's when running under valgrind, else
 *  perf_event_open's.
 *  Returns PERFBUDGET_OK, PERFBUDGET_ENOMEM or PERFBUDGET_EUNAVAILABLE (no PMU, a VM, or
 *  perf_event_paranoid; the message says which).
 *  Returns a new object in *out; free with perfbudget_counters_free(). */
PERFBUDGET_API int perfbudget_counters_open(perfbudget_context *ctx, perfbudget_counters **out);
PERFBUDGET_API void perfbudget_counters_free(perfbudget_counters *counters);
/** Start or stop counting; counts accumulate across start/stop pairs. */
PERFBUDGET_API int perfbudget_counters_start(perfbudget_counters *counters);
PERFBUDGET_API int perfbudget_counters_stop(perfbudget_counters *counters);
/** Read the totals. Returns PERFBUDGET_OK or PERFBUDGET_EIO. Under callgrind, *cycles is 0 and
 *  reading dumps callgrind's counts (to PERFBUDGET_CALLGRIND_DIR, else the working directory),
 *  which zeroes them; the dump file is removed once read. */
PERFBUDGET_API int perfbudget_counters_read(perfbudget_counters *counters, uint64_t *instructions,
                                            uint64_t *cycles);
/** "perf_event", "callgrind", or "none" for NULL. */
PERFBUDGET_API const char *perfbudget_counters_source(const perfbudget_counters *counters);
/** 1 when the process runs under valgrind (any tool), else 0. */
PERFBUDGET_API int perfbudget_running_on_valgrind(void);

/* ---- In-process benchmarks --------------------------------------------------------------- */

/** The running benchmark's state, passed to its function. Opaque. */
typedef struct perfbudget_state perfbudget_state;

typedef void (*perfbudget_benchmark_fn)(perfbudget_state *state);

/** A benchmark definition: a name, a body and optional per-benchmark setup and teardown.
 *  Arrays of these may be static const. */
typedef struct perfbudget_benchmark_def {
    const char *name;
    perfbudget_benchmark_fn run; /**< must loop: while (perfbudget_loop(state)) { ... } */
    /** Runs once before the body; returns 0, or non-zero to fail the benchmark. */
    int (*setup)(perfbudget_state *state);
    /** Runs once after the body when setup succeeded. */
    void (*teardown)(perfbudget_state *state);
    void *userdata; /**< initial value of perfbudget_state_userdata() */
    uint64_t items_per_iteration; /**< for items/s; 0 for none */
    uint64_t bytes_per_iteration; /**< for bytes/s; 0 for none */
    /** An input sweep (complexity.h): the suite adds one benchmark per size, named
     *  "name/<size>", whose body reads its size with perfbudget_state_size(); sizes above 0,
     *  each once. size_count 0: a single benchmark. The sizes are copied. */
    const uint64_t *sizes;
    size_t size_count;
    /** One word of letters, digits and _ ("unit", "integration"), or NULL: perf_discover_tests
     *  makes it a CTest label of this benchmark's test (ctest -L integration). */
    const char *category;
    /** Thread counts (threads.h): after its usual one-thread run, the benchmark runs again with
     *  each count of threads at once, each thread with its own state (setup and teardown per
     *  thread; perfbudget_state_thread_index() tells the body which thread it is), and its
     *  result keeps the scaling (perfbudget_result_scaling()). 1 is always run, for the
     *  efficiency; counts 1..PERFBUDGET_THREADS_MAX, each once, at most
     *  PERFBUDGET_THREAD_COUNTS_MAX. thread_count 0: one thread only. The counts are copied. */
    const uint32_t *threads;
    size_t thread_count;
} perfbudget_benchmark_def;

/** What a run measures to be judged on. */
typedef enum perfbudget_mode {
    PERFBUDGET_MODE_TIME = 0,        /**< wall time, CPU, memory, counters where available */
    /** Instructions per iteration, counted exactly (the PMU, or callgrind under valgrind) over
     *  ten batches; only instruction budgets and regressions are judged, and a change beyond
     *  the threshold is a regression on one run: counts do not need a significance test. */
    PERFBUDGET_MODE_INSTRUCTIONS = 1
} perfbudget_mode;

/** How long and how often to measure. */
typedef struct perfbudget_run_options {
    uint64_t warmup_iterations; /**< discarded iterations after calibration (default 0) */
    uint64_t warmup_ns;         /**< discarded time after calibration (default 10 ms) */
    uint32_t min_rounds;        /**< minimum number of samples (default 30) */
    uint64_t min_time_ns;       /**< keep sampling at least this long (default 100 ms) */
    uint64_t max_time_ns;       /**< cap on the whole benchmark, calibration included (default 2 s) */
    uint64_t min_sample_ns; /**< a sample lasts at least this; 0 = automatic: max(100 us,
                                 1000 x clock overhead, 100 x clock resolution) */
    uint64_t max_rounds;    /**< stop after this many samples (default 1,000,000) */
    int hardware_counters;  /**< 1 (default): count instructions and cycles where available */
    perfbudget_mode mode;   /**< PERFBUDGET_MODE_TIME (default); INSTRUCTIONS fails a benchmark
                                 when no counter is available, and sets the timing itself */
    int speed_correction;   /**< 1: time a fixed reference loop after each sample (metric
                                 reference_ns), so that comparisons can divide out a change of
                                 the machine's speed (default 0; ignored in instructions mode) */
} perfbudget_run_options;

/** "time" or "instructions"; NULL for another value. */
PERFBUDGET_API const char *perfbudget_mode_name(perfbudget_mode mode);
/** Parse "time" or "instructions". Returns PERFBUDGET_OK or PERFBUDGET_EINVAL. */
PERFBUDGET_API int perfbudget_mode_parse(const char *name, perfbudget_mode *out);

/** Fill opts with the defaults above. */
PERFBUDGET_API void perfbudget_run_options_init(perfbudget_run_options *opts);

/* The loop's fast path is inline so an empty body costs a decrement and a branch. It relies on
 * the iteration counter being the state's first member (a pointer to a struct points to its first
 * member); the rest of the state stays opaque. */
PERFBUDGET_API bool perfbudget_loop_next_batch_(perfbudget_state *state);

/** The benchmark loop: while (perfbudget_loop(state)) { body }. Calibrates, warms up and
 *  measures; returns false when measuring is done. Call it in one loop per benchmark run. */
static inline bool perfbudget_loop(perfbudget_state *state) {
    uint64_t *remaining = (uint64_t *)(void *)state;
    if (*remaining != 0) {
        --*remaining;
        return true;
    }
    return perfbudget_loop_next_batch_(state);
}

/* The next batch of PERFBUDGET_LOOP: how many times to run the body, 0 when measuring is done.
 * The batch is counted down in the caller's own variable, never stored back to the state. */
static inline uint64_t perfbudget_loop_batch_(perfbudget_state *state) {
    uint64_t *remaining = (uint64_t *)(void *)state;
    if (!perfbudget_loop_next_batch_(state)) return 0;
    uint64_t batch = *remaining + 1; /* the call itself is the batch's first iteration */
    *remaining = 0;
    return batch;
}

/** The lean benchmark loop: PERFBUDGET_LOOP(state) { body }. It measures as
 *  while (perfbudget_loop(state)) does, but counts each batch down in a local variable whose
 *  address is never taken, so that a barrier in the body (PERFBUDGET_CLOBBER_MEMORY(), or
 *  PERFBUDGET_DO_NOT_OPTIMIZE's memory clobber) cannot make the compiler store and reload the
 *  counter each iteration, as Google Benchmark's `for (auto _ : state)` keeps its own. The body
 *  must not `break` or `goto` out of the loop (a failure or skip reported in it takes effect at
 *  the end of the batch). */
#define PERFBUDGET_LOOP(state)                                                             \
    for (uint64_t perfbudget_batch_left_;                                                  \
         (perfbudget_batch_left_ = perfbudget_loop_batch_(state)) != 0;)                   \
        for (; perfbudget_batch_left_ != 0; --perfbudget_batch_left_)

/** Keep the compiler from optimizing away a value or the work that produced it. */
#if defined(__GNUC__) || defined(__clang__)
#define PERFBUDGET_DO_NOT_OPTIMIZE(value) __asm__ volatile("" : : "r,m"(value) : "memory")
#define PERFBUDGET_CLOBBER_MEMORY() __asm__ volatile("" : : : "memory")
#else
#define PERFBUDGET_DO_NOT_OPTIMIZE(value) perfbudget_do_not_optimize_(&(value))
#define PERFBUDGET_CLOBBER_MEMORY() perfbudget_do_not_optimize_(0)
#endif
/** Out-of-line fallback of PERFBUDGET_DO_NOT_OPTIMIZE for compilers without inline asm. */
PERFBUDGET_API void perfbudget_do_not_optimize_(const volatile void *p);

/** The benchmark's user data (from its definition or set by setup). Borrowed. */
PERFBUDGET_API void *perfbudget_state_userdata(perfbudget_state *state);
PERFBUDGET_API void perfbudget_state_set_userdata(perfbudget_state *state, void *userdata);
/** The input size of a sweep's run (perfbudget_benchmark_def.sizes); 0 outside a sweep. */
PERFBUDGET_API uint64_t perfbudget_state_size(const perfbudget_state *state);
/** Which thread of a threaded run (perfbudget_benchmark_def.threads) calls: 0 .. threads - 1;
 *  0 in the usual one-thread run. */
PERFBUDGET_API uint32_t perfbudget_state_thread_index(const perfbudget_state *state);
/** How many threads run the benchmark at once: 1 in the usual run. */
PERFBUDGET_API uint32_t perfbudget_state_threads(const perfbudget_state *state);
/** Override items or bytes processed per iteration (e.g. from setup, once the input is known). */
PERFBUDGET_API void perfbudget_state_set_items_per_iteration(perfbudget_state *state, uint64_t n);
PERFBUDGET_API void perfbudget_state_set_bytes_per_iteration(perfbudget_state *state, uint64_t n);
/** Mark the run failed (or skipped: it cannot run here) with a reason; perfbudget_loop() then
 *  returns false. The reason is copied. */
PERFBUDGET_API void perfbudget_state_fail(perfbudget_state *state, const char *reason);
PERFBUDGET_API void perfbudget_state_skip(perfbudget_state *state, const char *reason);

/* ---- Stages inside a benchmark ------------------------------------------------------------ */

/** Time a stage of the benchmark body: perfbudget_stage_begin(state, "decode"); ...;
 *  perfbudget_stage_end(state, "decode"). Stages nest (up to 16 deep) and each end names the
 *  stage it closes. Only measured iterations count (not calibration or warm-up). Each pair costs
 *  two clock reads, which the benchmark's own samples include. A mismatched end, an end without
 *  a begin, more than 64 distinct names or a stage still open when the loop ends fails the run
 *  with the reason. The name is copied the first time it is seen. */
PERFBUDGET_API void perfbudget_stage_begin(perfbudget_state *state, const char *name);
PERFBUDGET_API void perfbudget_stage_end(perfbudget_state *state, const char *name);

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

/** A suite: named benchmarks run in order. */
typedef struct perfbudget_suite perfbudget_suite;

/** Create an empty suite named name (copied).
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL or PERFBUDGET_ENOMEM.
 *  Returns a new object in *out; free with perfbudget_suite_free(). ctx must outlive it. */
PERFBUDGET_API int perfbudget_suite_new(perfbudget_context *ctx, const char *name,
                                        perfbudget_suite **out);
PERFBUDGET_API void perfbudget_suite_free(perfbudget_suite *suite);

/** Add a benchmark, or with sizes one per size ("name/<size>"); the definition and its name
 *  are copied. Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (no name or body, a duplicate name, a
 *  size of 0 or one given twice; nothing is added then) or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_suite_add(perfbudget_suite *suite,
                                        const perfbudget_benchmark_def *def);

PERFBUDGET_API const char *perfbudget_suite_name(const perfbudget_suite *suite);
PERFBUDGET_API size_t perfbudget_suite_count(const perfbudget_suite *suite);
/** Borrowed: valid until the suite is freed. NULL when index is out of range. */
PERFBUDGET_API const char *perfbudget_suite_benchmark_name(const perfbudget_suite *suite,
                                                           size_t index);
/** The input size of benchmark index when it is a point of a sweep, else 0. */
PERFBUDGET_API uint64_t perfbudget_suite_benchmark_size(const perfbudget_suite *suite,
                                                        size_t index);
/** The benchmark's category, or NULL for none or an index out of range. Borrowed. */
PERFBUDGET_API const char *perfbudget_suite_benchmark_category(const perfbudget_suite *suite,
                                                               size_t index);

/** Reads a running count of the process's allocations (perfbudget_suite_set_alloc_counter()): returns 1 with *count set, or 0 when nothing is
 *  counted here (the figure is then n/a). */
typedef int (*perfbudget_alloc_counter_fn)(void *userdata, uint64_t *count);

/** Count allocations per call: fn (NULL: none, the default) is read just before and just after
 *  each measured batch, and the result's allocations_per_call is the difference summed over the
 *  measured batches divided by their iterations (n/a without a counter, or when fn returns 0).
 *  A counter counts what it counts: perfbudget_alloc_hook_read() of perfbudget::alloc_hook
 *  counts every call to malloc, calloc, realloc, aligned_alloc, posix_memalign and memalign in
 *  the process; a wrapper around an allocator of your own may count its calls. A suite run by
 *  perfbudget_main() uses perfbudget_alloc_hook_read() when the executable links
 *  perfbudget::alloc_hook. */
PERFBUDGET_API void perfbudget_suite_set_alloc_counter(perfbudget_suite *suite,
                                                       perfbudget_alloc_counter_fn fn,
                                                       void *userdata);

/** Defined only by the object library perfbudget::alloc_hook, which a suite executable links to
 *  count its allocations: it replaces malloc, calloc, realloc, aligned_alloc, posix_memalign
 *  and memalign of glibc by ones that count each call (all threads) and then call glibc's.
 *  Returns 1 with the count so far; 0 where it cannot count: not glibc, built with a
 *  sanitizer (which owns malloc), or under valgrind's memcheck (whose malloc takes the place of
 *  the executable's; checked by one call to malloc). userdata is unused. */
int perfbudget_alloc_hook_read(void *userdata, uint64_t *count);

/** Told, while a benchmark runs, its name, how long it has run (calibration included) and the
 *  samples taken so far. */
typedef void (*perfbudget_progress_fn)(void *userdata, const char *name, uint64_t elapsed_ns,
                                       uint64_t rounds);

/** Call fn (NULL: none) at the end of a batch of the suite's running benchmark once at least
 *  interval_ns passed since the benchmark started or fn was last called, e.g. to keep a progress
 *  line ticking; a batch lasts about a sample's time, so a single iteration longer than
 *  interval_ns delays it. fn must not call back into the suite. */
PERFBUDGET_API void perfbudget_suite_set_progress(perfbudget_suite *suite, perfbudget_progress_fn fn,
                                                  void *userdata, uint64_t interval_ns);

/** What became of a benchmark run. */
typedef enum perfbudget_run_status {
    PERFBUDGET_RUN_OK = 0,
    PERFBUDGET_RUN_FAILED = 1,  /**< setup failed or the body called perfbudget_state_fail() */
    PERFBUDGET_RUN_SKIPPED = 2  /**< the body called perfbudget_state_skip() */
} perfbudget_run_status;

/** Figures of one benchmark run beside its samples. NaN marks a figure that is unavailable. */
typedef struct perfbudget_metrics {
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
     *  code during the run; commands: timed by perfbudget three times before each measured run.
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
} perfbudget_metrics;

/** The result of running one benchmark. Opaque. */
typedef struct perfbudget_result perfbudget_result;

/** Run benchmark index of the suite. opts may be NULL for the defaults. A failed or skipped
 *  benchmark still yields a result (see perfbudget_result_status()).
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_ESTATE (the body never called
 *  perfbudget_loop) or PERFBUDGET_ENOMEM.
 *  Returns a new object in *out; free with perfbudget_result_free(). */
PERFBUDGET_API int perfbudget_suite_run(perfbudget_suite *suite, size_t index,
                                        const perfbudget_run_options *opts,
                                        perfbudget_result **out);
PERFBUDGET_API void perfbudget_result_free(perfbudget_result *result);

/** Borrowed: valid until the result is freed. */
PERFBUDGET_API const char *perfbudget_result_name(const perfbudget_result *result);
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
/** Borrowed. */
PERFBUDGET_API const perfbudget_summary *perfbudget_result_summary(const perfbudget_result *result);
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
 *  (every figure unavailable). status and message say whether the run itself failed.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_EDOMAIN (a non-finite sample) or
 *  PERFBUDGET_ENOMEM. Returns a new object in *out; free with perfbudget_result_free(). */
PERFBUDGET_API int perfbudget_result_new(perfbudget_context *ctx, const char *name,
                                         const double *samples, size_t count,
                                         const perfbudget_metrics *metrics,
                                         perfbudget_run_status status, const char *message,
                                         perfbudget_result **out);

/** Metrics with every figure unavailable (NaN) and every count 0. */
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

/** Results read back from a result file (docs/formats.md), summaries recomputed from the
 *  samples. Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_EIO, PERFBUDGET_EPARSE (the
 *  message names what is wrong and where) or PERFBUDGET_ENOMEM.
 *  Returns a new array in *out; free with perfbudget_results_free(). */
PERFBUDGET_API int perfbudget_results_load_json(perfbudget_context *ctx, const char *path,
                                                perfbudget_result ***out, size_t *count);

/** Import the JSON another benchmark tool wrote: format "google-benchmark" (each "iteration"
 *  run of a benchmark, e.g. from --benchmark_repetitions, is one sample; aggregates are
 *  skipped), "hyperfine" (--export-json: every run's time is a sample), "nanobench" (the
 *  templates::json() output: every epoch's elapsed time per iteration is a sample) or
 *  "pytest-benchmark" (a saved run: its raw data when saved with --benchmark-save-data, else
 *  its median as a single sample). When the
 *  file holds a single benchmark and single_name is not NULL, the result takes that name.
 *  Entries of one name are one benchmark's samples, except in pytest-benchmark files, which
 *  name each test once: there a name twice is refused.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (unknown format), PERFBUDGET_EIO, PERFBUDGET_EPARSE
 *  (also for a negative time, one too large to count in ns, iterations below 1 or a duplicate;
 *  the message names the file, the benchmark and its entry) or PERFBUDGET_ENOMEM. Returns a new array in *out; free with perfbudget_results_free(). */
PERFBUDGET_API int perfbudget_results_import(perfbudget_context *ctx, const char *path,
                                             const char *format, const char *single_name,
                                             perfbudget_result ***out, size_t *count);

/** A file name for a benchmark's result that is safe on any file system and never leaves its
 *  directory: letters, digits, '.', '-' and '_' kept, anything else '_', no leading '.', at
 *  most 80 characters, then a hash of the full name and ".json" so distinct names stay
 *  distinct. Writes into buf (at least 100 bytes) and returns it. */
PERFBUDGET_API char *perfbudget_result_file_name(const char *name, char *buf, size_t size);

/** Free an array of results from perfbudget_results_load_json(); NULL is a no-op. */
PERFBUDGET_API void perfbudget_results_free(perfbudget_result **results, size_t count);

/** Write results as a JSON result file (docs/formats.md) by the output rule of
 *  perfbudget_output_write(): a regular file atomically, a device or FIFO in place.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_EIO or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_results_write_json(perfbudget_context *ctx, const char *path,
                                                 const char *suite_name,
                                                 perfbudget_result *const *results, size_t count);

/** The result file perfbudget_results_write_json() writes, as text: results travel between
 *  processes so. Returns PERFBUDGET_OK, PERFBUDGET_EINVAL or PERFBUDGET_ENOMEM (also for a name
 *  that is not UTF-8). Returns a new string in *text; free with perfbudget_free(). */
PERFBUDGET_API int perfbudget_results_to_json_text(perfbudget_context *ctx,
                                                   const char *suite_name,
                                                   perfbudget_result *const *results,
                                                   size_t count, char **text);

/** Results read back from result-file text (size bytes; perfbudget_results_to_json_text()),
 *  as perfbudget_results_load_json() reads a file; name stands for the text in messages.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_EPARSE or PERFBUDGET_ENOMEM.
 *  Returns a new array in *out; free with perfbudget_results_free(). */
PERFBUDGET_API int perfbudget_results_from_json_text(perfbudget_context *ctx, const char *text,
                                                     size_t size, const char *name,
                                                     perfbudget_result ***out, size_t *count);

/** perfbudget_results_import() of a file named shown_as in every message ("the output of
 *  'CMD'" for a captured temporary file), read whole but never past 256 MiB (PERFBUDGET_EIO
 *  beyond it). Same codes; returns a new array in *out; free with perfbudget_results_free(). */
PERFBUDGET_API int perfbudget_results_import_as(perfbudget_context *ctx, const char *path,
                                                const char *shown_as, const char *format,
                                                const char *single_name,
                                                perfbudget_result ***out, size_t *count);

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
PERFBUDGET_API int perfbudget_results_merge(perfbudget_context *ctx, const char *name,
                                           const perfbudget_result *const *runs, size_t count,
                                           perfbudget_result **out);

/** The CPUs the calling thread may run on, saved by perfbudget_cpu_pin(). Opaque. */
typedef struct perfbudget_cpu_affinity perfbudget_cpu_affinity;

/** Pin the calling thread (and the processes it starts afterwards) to CPU cpu, for
 *  --perf-cpu and CPU in CTest. Linux only.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (cpu negative or not one this thread may use: the
 *  message lists those it may), PERFBUDGET_EUNAVAILABLE (not Linux) or PERFBUDGET_ENOMEM.
 *  Returns a new object in *previous, the affinity before; give it back with
 *  perfbudget_cpu_restore(), which frees it. Nothing changes on an error. */
PERFBUDGET_API int perfbudget_cpu_pin(perfbudget_context *ctx, int cpu,
                                      perfbudget_cpu_affinity **previous);
/** Restore the calling thread's affinity saved by perfbudget_cpu_pin() and free it; NULL is a
 *  no-op. Returns PERFBUDGET_OK, or PERFBUDGET_EINVAL when the kernel refused it (then the
 *  thread stays pinned; the object is freed all the same). */
PERFBUDGET_API int perfbudget_cpu_restore(perfbudget_cpu_affinity *previous);

/* ---- Loops driven from outside (Python, other languages) ------------------------------------- */

/** The benchmark loop's calibration, warm-up and stopping rules for a loop the caller runs
 *  itself, e.g. in Python: ask how many iterations the next batch has, time them, report the
 *  time, until the sampler says 0. Same rules, same result as perfbudget_loop(). Opaque. */
typedef struct perfbudget_sampler perfbudget_sampler;

/** Start sampling a benchmark named name (copied); resets the peak-RSS mark. opts may be NULL.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL or PERFBUDGET_ENOMEM.
 *  Returns a new object in *out; free with perfbudget_sampler_free(). ctx must outlive it. */
PERFBUDGET_API int perfbudget_sampler_new(perfbudget_context *ctx, const char *name,
                                          const perfbudget_run_options *opts,
                                          perfbudget_sampler **out);
PERFBUDGET_API void perfbudget_sampler_free(perfbudget_sampler *sampler);

/** Iterations to run in the next batch, given how long the previous batch took (ignored on the
 *  first call); 0 when sampling is done. */
PERFBUDGET_API uint64_t perfbudget_sampler_next(perfbudget_sampler *sampler,
                                                uint64_t previous_batch_ns);

/** The caller timed the benchmark's first call itself, apart from the batches (first_call_ns,
 *  e.g. before its own warm-up; NaN: no first call is timed apart, as for pedantic's declared
 *  rounds): the sampler's first batch then calibrates at once instead of being one call timed
 *  apart. Call it before the first perfbudget_sampler_next().
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (NULL, a negative time) or PERFBUDGET_ESTATE
 *  (sampling has begun). */
PERFBUDGET_API int perfbudget_sampler_set_first_call(perfbudget_sampler *sampler,
                                                     double first_call_ns);

/** The sampler's underlying state, for perfbudget_state_fail(), _skip() and
 *  _set_items_per_iteration(). Borrowed. */
PERFBUDGET_API perfbudget_state *perfbudget_sampler_state(perfbudget_sampler *sampler);

/** The result of what was sampled (summary, CPU, memory, growth); call once sampling is done.
 *  Returns PERFBUDGET_OK, PERFBUDGET_ESTATE (sampling not finished) or PERFBUDGET_ENOMEM.
 *  Returns a new object in *out; free with perfbudget_result_free(). */
PERFBUDGET_API int perfbudget_sampler_finish(perfbudget_sampler *sampler,
                                             perfbudget_result **out);

/* ---- Whole commands (like hyperfine) --------------------------------------------------------- */

/** How to run and measure a command. */
typedef struct perfbudget_command_options {
    uint32_t warmup_runs;          /**< discarded runs first (default 1) */
    uint32_t runs;                 /**< measured runs (default 10) */
    uint64_t timeout_ns;           /**< per run; 0 = none (default 60 s) */
    const char *working_directory; /**< NULL: the current one */
    int use_shell;                 /**< 1: argv[0] is a command line for /bin/sh -c */
    size_t output_limit;           /**< bytes of a failing run's output kept (default 64 KiB) */
    const char *stdout_path;       /**< NULL: capture stdout with stderr; else write it here */
    /** -1 (default): none. Else a descriptor the caller makes readable to stop measuring (a
     *  signalfd, a self-pipe's read end): the running command's process group and whatever it
     *  started are killed, and PERFBUDGET_EINTERRUPTED is returned. Polled, never read. */
    int cancel_fd;
} perfbudget_command_options;

PERFBUDGET_API void perfbudget_command_options_init(perfbudget_command_options *opts);

/** Run argv (no shell unless opts->use_shell) warm-up plus measured times, each in its own process
 *  group with stdin from /dev/null and stdout+stderr captured: wall time, user+system CPU and
 *  peak RSS per run from wait4(). A run that exits non-zero, dies from a signal, times out (the
 *  whole process group is killed) or leaves processes behind ends measuring and makes the result
 *  PERFBUDGET_RUN_FAILED with the reason as its message and the run's output kept
 *  (perfbudget_result_output()). Samples are ns per run.
 *  Returns PERFBUDGET_OK (check the result's status), PERFBUDGET_EINVAL (also for a
 *  working_directory that is not an enterable directory, named in the message),
 *  PERFBUDGET_ENOMEM, or PERFBUDGET_EINTERRUPTED once opts->cancel_fd became readable.
 *  Returns a new object in *out; free with perfbudget_result_free(). */
PERFBUDGET_API int perfbudget_command_measure(perfbudget_context *ctx, const char *name,
                                              char *const argv[],
                                              const perfbudget_command_options *opts,
                                              perfbudget_result **out);

/** The version of the benchmarked code (an add_perf_test VERSION, a hash of a Python test's
 *  source): results of different versions start different series and are never compared.
 *  "" by default; the text is copied. Returns PERFBUDGET_OK or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_result_set_identity(perfbudget_result *result, const char *identity);
/** Borrowed. */
PERFBUDGET_API const char *perfbudget_result_identity(const perfbudget_result *result);
/** The mode the result was measured in (result files without one: time). Instructions mode is
 *  part of the identity too, "<version> [instructions mode]", so that neither a baseline nor the
 *  history ever compares counted results with timed ones; setting an identity with that tag
 *  sets the mode. Returns PERFBUDGET_OK, PERFBUDGET_EINVAL or PERFBUDGET_ENOMEM. */
PERFBUDGET_API perfbudget_mode perfbudget_result_mode(const perfbudget_result *result);
PERFBUDGET_API int perfbudget_result_set_mode(perfbudget_result *result, perfbudget_mode mode);

/** The captured output of the run that failed ("" when none). Borrowed. */
PERFBUDGET_API const char *perfbudget_result_output(const perfbudget_result *result);

/** A ready-made main() for suite executables: --list, --filter PATTERN, --json FILE,
 *  --budget FILE, --help and the measuring options. Prints a summary table; returns the process
 *  exit code (0 pass, 1 a benchmark failed or breached its budget, 2 usage error). With --ctest
 *  (Linux) it measures in a child, the executable started again, and fails the test with the
 *  reason when that child crashes, exits, outlives --timeout or leaves processes behind; the
 *  process calling it becomes the child subreaper of what it starts.
 *  Lives in the perfbudget_main library, the one part of perfbudget that prints. */
PERFBUDGET_API int perfbudget_main(int argc, char **argv, const char *suite_name,
                                   const perfbudget_benchmark_def *defs, size_t count);

/** perfbudget_main() told how the calling source was built, which the perfbudget_main macro
 *  below fills in: build_type is the CMake configuration ("Release", "Debug"; "" when
 *  CMAKE_BUILD_TYPE is empty), NULL when unknown; optimized is 1 when compiled with
 *  optimisation (__OPTIMIZE__), 0 without, -1 when the compiler does not say. The suite records
 *  the build type with its results and in the environment fingerprint (by ctest or by hand
 *  alike), and warns, like Google Benchmark, when the build is Debug or unoptimised. */
PERFBUDGET_API int perfbudget_main_built(int argc, char **argv, const char *suite_name,
                                         const perfbudget_benchmark_def *defs, size_t count,
                                         const char *build_type, int optimized);

/* PerfBudget.cmake's perf_discover_tests() defines PERFBUDGET_BUILD_TYPE as the suite's
 * configuration ("$<CONFIG>"); a suite built otherwise may define it itself. */
#ifdef PERFBUDGET_BUILD_TYPE
#define PERFBUDGET_CALLER_BUILD_TYPE_ PERFBUDGET_BUILD_TYPE
#else
#define PERFBUDGET_CALLER_BUILD_TYPE_ NULL
#endif
#if defined(__OPTIMIZE__)
#define PERFBUDGET_CALLER_OPTIMIZED_ 1
#elif defined(__GNUC__) || defined(__clang__)
#define PERFBUDGET_CALLER_OPTIMIZED_ 0
#else
#define PERFBUDGET_CALLER_OPTIMIZED_ (-1)
#endif
/** A call of perfbudget_main() passes the build of the source it is written in. */
#define perfbudget_main(argc, argv, suite_name, defs, count)                                  \
    perfbudget_main_built((argc), (argv), (suite_name), (defs), (count),                    \
                          PERFBUDGET_CALLER_BUILD_TYPE_, PERFBUDGET_CALLER_OPTIMIZED_)

#ifdef __cplusplus
}
#endif

#endif
