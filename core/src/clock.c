/* SPDX-License-Identifier: MIT */
/* Wall and CPU clocks. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static uint64_t timespec_ns(const struct timespec *ts) {
    return (uint64_t)ts->tv_sec * UINT64_C(1000000000) + (uint64_t)ts->tv_nsec;
}

uint64_t perfbudget__monotonic_ns(void) {
    struct timespec ts;
    /* CLOCK_MONOTONIC cannot fail on Linux with a valid pointer; 0 is never a real reading. */
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0;
    return timespec_ns(&ts);
}

int perfbudget_cpu_times_read(perfbudget_context *ctx, perfbudget_cpu_times *out) {
    if (out == NULL) return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "cpu times: out is NULL");
    struct timespec process, thread;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &process) != 0 ||
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &thread) != 0)
        return perfbudget__fail(ctx, PERFBUDGET_EUNAVAILABLE, "CPU-time clocks: %s",
                                strerror(errno));
    out->process_ns = timespec_ns(&process);
    out->thread_ns = timespec_ns(&thread);
    return PERFBUDGET_OK;
}
