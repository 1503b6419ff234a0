/* SPDX-License-Identifier: MIT */
/* The machine's resources as a measurement reads them: CPU clocks, resident memory, hardware
 * counters, and the CPUs the calling thread may run on. */
#ifndef PERFBUDGET_RESOURCES_H
#define PERFBUDGET_RESOURCES_H

#include <stdint.h>

#include "perfbudget/context.h"

#ifdef __cplusplus
extern "C" {
#endif

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
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (out NULL), PERFBUDGET_ENOMEM or
 *  PERFBUDGET_EUNAVAILABLE (no PMU, a VM, or
 *  perf_event_paranoid; the message says which).
 *  Returns a new object in *out; free with perfbudget_counters_free(). */
PERFBUDGET_API int perfbudget_counters_new(perfbudget_context *ctx, perfbudget_counters **out);
/** Close and free counters; NULL is a no-op. */
PERFBUDGET_API void perfbudget_counters_free(perfbudget_counters *counters);
/** Start or stop counting; counts accumulate across start/stop pairs.
 *  Returns PERFBUDGET_OK, or PERFBUDGET_EIO (NULL, or the kernel refused). */
PERFBUDGET_API int perfbudget_counters_start(perfbudget_counters *counters);
PERFBUDGET_API int perfbudget_counters_stop(perfbudget_counters *counters);
/** Read the totals. Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (a NULL argument) or
 *  PERFBUDGET_EIO. Under callgrind, *cycles is 0 and
 *  reading dumps callgrind's counts (to PERFBUDGET_CALLGRIND_DIR, else the working directory),
 *  which zeroes them; the dump file is removed once read. */
PERFBUDGET_API int perfbudget_counters_read(perfbudget_counters *counters, uint64_t *instructions,
                                            uint64_t *cycles);
/** "perf_event", "callgrind", or "none" for NULL. Static storage. */
PERFBUDGET_API const char *perfbudget_counters_source(const perfbudget_counters *counters);
/** 1 when the process runs under valgrind (any tool), else 0. */
PERFBUDGET_API int perfbudget_running_on_valgrind(void);

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

#ifdef __cplusplus
}
#endif

#endif
