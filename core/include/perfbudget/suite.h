/* SPDX-License-Identifier: MIT */
/* In-process benchmarks: a benchmark's definition, the running benchmark's state and its inline
 * loop, stages inside a body, suites of benchmarks, and the ready-made main() of a suite. */
#ifndef PERFBUDGET_SUITE_H
#define PERFBUDGET_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "perfbudget/context.h"
#include "perfbudget/result.h"

#ifdef __cplusplus
extern "C" {
#endif

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

/** How long and how often to measure. */
typedef struct perfbudget_run_options {
    /** sizeof(perfbudget_run_options) as the caller was compiled;
     *  perfbudget_run_options_init() sets it. The core reads and writes the fields within it
     *  only, and refuses a size it does not know (PERFBUDGET_EINVAL); fields are only ever
     *  added at the end. */
    size_t struct_size;
    uint64_t warmup_iterations; /**< discarded iterations after calibration (default 0) */
    uint64_t warmup_ns;         /**< discarded time after calibration (default 10 ms) */
    uint32_t min_rounds;        /**< minimum number of samples (default 30) */
    uint64_t min_time_ns;       /**< keep sampling at least this long (default 100 ms) */
    uint64_t max_time_ns;       /**< cap on the whole benchmark, calibration included (default 2 s) */
    uint64_t min_sample_ns; /**< a sample lasts at least this; 0 = automatic: max(100 us,
                                 1000 x clock overhead, 100 x clock resolution), and in a
                                 suite 200 x perfbudget's own work between batches (at most
                                 1 ms) */
    uint64_t max_rounds;    /**< stop after this many samples (default 1,000,000) */
    int hardware_counters;  /**< 1 (default): count instructions and cycles where available */
    perfbudget_mode mode;   /**< PERFBUDGET_MODE_TIME (default); INSTRUCTIONS fails a benchmark
                                 when no counter is available, and sets the timing itself */
    int speed_correction;   /**< 1: time a fixed reference loop after each sample (metric
                                 reference_ns), so that comparisons can divide out a change of
                                 the machine's speed (default 0; ignored in instructions mode) */
} perfbudget_run_options;

/** Fill opts with the defaults above and set its struct_size. */
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

/** A suite: named benchmarks run in order. */
typedef struct perfbudget_suite perfbudget_suite;

/** Create an empty suite named name (copied).
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL or PERFBUDGET_ENOMEM.
 *  Returns a new object in *out; free with perfbudget_suite_free(). ctx must outlive it. */
PERFBUDGET_API int perfbudget_suite_new(perfbudget_context *ctx, const char *name,
                                        perfbudget_suite **out);
/** Free a suite; NULL is a no-op. Results it ran stay the caller's. */
PERFBUDGET_API void perfbudget_suite_free(perfbudget_suite *suite);

/** Add a benchmark, or with sizes one per size ("name/<size>"); the definition and its name
 *  are copied. Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (no name or body, a duplicate name, a
 *  size of 0 or one given twice; nothing is added then) or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_suite_add(perfbudget_suite *suite,
                                        const perfbudget_benchmark_def *def);

/** The suite's name. Borrowed: valid until the suite is freed. */
PERFBUDGET_API const char *perfbudget_suite_name(const perfbudget_suite *suite);
/** How many benchmarks the suite has (a sweep counts one per size). */
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

/** Run benchmark index of the suite. opts may be NULL for the defaults. A failed or skipped
 *  benchmark still yields a result (see perfbudget_result_status()).
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_ESTATE (the body never called
 *  perfbudget_loop) or PERFBUDGET_ENOMEM.
 *  Returns a new object in *out; free with perfbudget_result_free(). */
PERFBUDGET_API int perfbudget_suite_run(perfbudget_suite *suite, size_t index,
                                        const perfbudget_run_options *opts,
                                        perfbudget_result **out);

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
