/* SPDX-License-Identifier: MIT */
/* Concurrency: a benchmark run by N threads at once, each timing its own batches; per-thread
 * latency percentiles, aggregate throughput, the spread between threads and the scaling
 * efficiency against one thread, judged against a budget's scaling: entry. */
#ifndef PERFBUDGET_THREADS_H
#define PERFBUDGET_THREADS_H

#include <stddef.h>
#include <stdint.h>

#include "perfbudget/budget.h"
#include "perfbudget/context.h"
#include "perfbudget/result.h"
#include "perfbudget/suite.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The most threads one scaling point runs, and the most thread counts one benchmark lists. */
#define PERFBUDGET_THREADS_MAX 64
#define PERFBUDGET_THREAD_COUNTS_MAX 8

/** One thread's samples at one thread count, in ns per call. */
typedef struct perfbudget_thread_latency {
    size_t samples; /**< batches it timed */
    double p50_ns, p90_ns, p99_ns;
} perfbudget_thread_latency;

/** A benchmark run by threads threads at once. NaN marks a figure that is unavailable. */
typedef struct perfbudget_scaling_point {
    uint32_t threads;
    double calls;      /**< measured calls of all threads together */
    double wall_ns;    /**< from the first thread's first batch to the last thread's last */
    double throughput; /**< calls per second of all threads together: calls / wall time */
    /** throughput / (threads x the 1-thread point's throughput): 1.0 is perfect scaling, 1/N
     *  is none (the threads took turns). NaN without a 1-thread point. */
    double efficiency;
    /** The slowest thread's median over the fastest's (>= 1): contention for a lock, a cache
     *  line or a core shows here. 1.0 with one thread. */
    double spread;
    double p50_ns, p99_ns; /**< over all threads' samples together */
    perfbudget_thread_latency thread[PERFBUDGET_THREADS_MAX]; /**< [0, threads) */
} perfbudget_scaling_point;

/** Summarize one thread count from per-thread samples measured elsewhere (injected by tests,
 *  timed by the Python front end): samples[t] holds counts[t] batch times of thread t, each in
 *  ns per call, each batch calls_per_sample calls; wall_ns is the time all threads ran
 *  together (<= 0: the longest thread's sum of batch times). efficiency is left NaN: see
 *  perfbudget_scaling_set_efficiency().
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (NULL, threads 0 or above PERFBUDGET_THREADS_MAX,
 *  calls_per_sample 0), PERFBUDGET_ENODATA (a thread without samples), PERFBUDGET_EDOMAIN (a
 *  negative or non-finite sample) or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_scaling_point_from_samples(perfbudget_context *ctx,
                                                         uint32_t threads,
                                                         const double *const *samples,
                                                         const size_t *counts,
                                                         uint64_t calls_per_sample,
                                                         double wall_ns,
                                                         perfbudget_scaling_point *out);

/** How a thread count is measured after a one-thread result: batches of the result's
 *  iterations per sample, and per thread as many batches as fill opts->min_time_ns at the
 *  result's median (throughput is counted over the wall time, which one preemption of a short
 *  run would dominate), at least max(opts->min_rounds, 10) and at most 100,000. opts may be
 *  NULL for the defaults. Returns PERFBUDGET_OK or PERFBUDGET_EINVAL. */
PERFBUDGET_API int perfbudget_scaling_plan(const perfbudget_result *result,
                                           const perfbudget_run_options *opts,
                                           uint64_t *iterations, uint32_t *samples_per_thread);

/** Set each point's efficiency against the 1-thread point among them (NaN for all when there
 *  is none or its throughput is not above 0). Returns PERFBUDGET_OK or PERFBUDGET_EINVAL. */
PERFBUDGET_API int perfbudget_scaling_set_efficiency(perfbudget_scaling_point *points,
                                                     size_t count);

/** Run the suite's benchmark index with threads threads at once, each thread with its own
 *  state (setup and teardown run once per thread, in the calling thread; the body reads its
 *  thread with perfbudget_state_thread_index()), timing samples_per_thread batches of
 *  iterations calls each. The threads share nothing perfbudget writes: each fills its own
 *  sample buffer. *out has its efficiency NaN.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL, PERFBUDGET_ENOMEM, PERFBUDGET_EUNAVAILABLE (a
 *  thread could not be started) or PERFBUDGET_ESTATE when the body failed or skipped in a
 *  thread (the message names the thread and its reason). */
PERFBUDGET_API int perfbudget_suite_run_threads(perfbudget_suite *suite, size_t index,
                                                uint32_t threads, uint64_t iterations,
                                                uint32_t samples_per_thread,
                                                perfbudget_scaling_point *out);

/** The verdict on a benchmark's scaling against its budget's scaling: entry. */
typedef struct perfbudget_scaling_verdict {
    perfbudget_limit_status status; /**< FAIL: below the allowed efficiency; UNAVAILABLE: the
                                         budgeted thread count was not run */
    uint32_t threads;               /**< the budgeted thread count; 0 when the budget sets none */
    double allowed_pct;             /**< the least efficiency allowed, in %; NaN without one */
    double measured_pct;            /**< the efficiency at threads, in %; NaN when not run */
    char text[200]; /**< "2 threads: efficiency 63 % < 80 % allowed (scaling:)" */
} perfbudget_scaling_verdict;

/** Judge points against the scaling: of the budget entry for name (budget may be NULL: the
 *  verdict passes with threads 0). Returns PERFBUDGET_OK or PERFBUDGET_EINVAL. */
PERFBUDGET_API int perfbudget_scaling_judge(perfbudget_context *ctx,
                                            const perfbudget_budget *budget, const char *name,
                                            const perfbudget_scaling_point *points, size_t count,
                                            perfbudget_scaling_verdict *out);

/** Keep a benchmark's scaling points (copied, at most PERFBUDGET_THREAD_COUNTS_MAX) and their
 *  verdict (NULL: none) with its result: its JSON then carries them as "scaling"
 *  (docs/formats.md), reports show them, and a result file read back restores them.
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL or PERFBUDGET_ENOMEM. */
PERFBUDGET_API int perfbudget_result_set_scaling(perfbudget_result *result,
                                                 const perfbudget_scaling_point *points,
                                                 size_t count,
                                                 const perfbudget_scaling_verdict *verdict);
/** The scaling points kept with result (count in *count; NULL with 0 when none) and, when
 *  verdict is not NULL, their verdict (threads 0 when none was kept). Borrowed. */
PERFBUDGET_API const perfbudget_scaling_point *perfbudget_result_scaling(
    const perfbudget_result *result, size_t *count, perfbudget_scaling_verdict *verdict);

/** One line for people: "threads 1/2/4: 10.1/18.3/19.0 Mcalls/s, efficiency 100/91/47 %,
 *  spread 1.00/1.05/1.62". Writes into buf and returns it ("" when count is 0). */
PERFBUDGET_API char *perfbudget_scaling_describe(const perfbudget_scaling_point *points,
                                                 size_t count, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
