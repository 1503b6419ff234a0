/* SPDX-License-Identifier: MIT */
/* The context: the one handle that carries what other libraries keep in globals
 * (the clock and its measured overhead, the last error message). */
#ifndef PERFBUDGET_CONTEXT_H
#define PERFBUDGET_CONTEXT_H

#include <stdint.h>

#include "perfbudget/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque context. Not thread-safe: use one context per thread. */
typedef struct perfbudget_context perfbudget_context;

/** A clock returning nanoseconds from an arbitrary origin; tests inject a fake one. */
typedef uint64_t (*perfbudget_clock_fn)(void *userdata);

/** What the context measured about its clock when it was created. */
typedef struct perfbudget_clock_info {
    double overhead_ns;   /**< mean cost of one clock read */
    double resolution_ns; /**< smallest step the clock reports (max of clock_getres and observed) */
    int is_fake;          /**< 1 when a clock was injected with perfbudget_context_set_clock() */
} perfbudget_clock_info;

/** Create a context and measure the monotonic clock's overhead and resolution (about 100 µs).
 *  Returns PERFBUDGET_OK, PERFBUDGET_EINVAL (out NULL) or PERFBUDGET_ENOMEM.
 *  Returns a new object in *out; free with perfbudget_context_free(). */
PERFBUDGET_API int perfbudget_context_new(perfbudget_context **out);

/** Free a context; NULL is a no-op. Objects created from it must be freed first. */
PERFBUDGET_API void perfbudget_context_free(perfbudget_context *ctx);

/** The message of the last failed call made with ctx ("" when none).
 *  Borrowed: valid until the next call that uses ctx. */
PERFBUDGET_API const char *perfbudget_errmsg(const perfbudget_context *ctx);

/** The status code of the last failed call made with ctx (PERFBUDGET_OK when none). */
PERFBUDGET_API int perfbudget_errcode(const perfbudget_context *ctx);

/** Replace the clock used for timing benchmarks (for tests); fn = NULL restores the monotonic
 *  clock. An injected clock reports overhead 0 and resolution 1 ns. */
PERFBUDGET_API void perfbudget_context_set_clock(perfbudget_context *ctx, perfbudget_clock_fn fn,
                                                 void *userdata);

/** The clock's measured overhead and resolution. */
PERFBUDGET_API perfbudget_clock_info perfbudget_context_clock_info(const perfbudget_context *ctx);

/** The current time of the context's clock in ns (monotonic unless a clock was injected). */
PERFBUDGET_API uint64_t perfbudget_context_now_ns(const perfbudget_context *ctx);

#ifdef __cplusplus
}
#endif

#endif
