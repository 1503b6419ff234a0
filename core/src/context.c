/* SPDX-License-Identifier: MIT */
/* The context handle: clock selection, clock calibration and the last error. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

struct perfbudget_context {
    perfbudget_clock_fn clock_fn; /* NULL: the monotonic clock */
    void *clock_userdata;
    double overhead_ns, resolution_ns; /* of the monotonic clock, measured at creation */
    int last_code;
    char message[PERFBUDGET__MESSAGE_SIZE];
};

/* Median of several short bursts, so one preemption does not inflate the overhead. */
static void measure_clock(double *overhead_ns, double *resolution_ns) {
    enum { BURSTS = 9, READS = 256 };
    double burst_ns[BURSTS];
    uint64_t smallest_step = UINT64_MAX;
    for (int b = 0; b < BURSTS; b++) {
        uint64_t start = perfbudget__monotonic_ns(), previous = start;
        for (int i = 0; i < READS; i++) {
            uint64_t now = perfbudget__monotonic_ns();
            if (now > previous && now - previous < smallest_step) smallest_step = now - previous;
            previous = now;
        }
        burst_ns[b] = (double)(previous - start) / READS;
    }
    perfbudget__sort(burst_ns, BURSTS, NULL);
    *overhead_ns = burst_ns[BURSTS / 2];

    struct timespec res;
    double reported = clock_getres(CLOCK_MONOTONIC, &res) == 0
                          ? (double)res.tv_sec * 1e9 + (double)res.tv_nsec
                          : 1.0;
    double observed = smallest_step == UINT64_MAX ? reported : (double)smallest_step;
    *resolution_ns = observed > reported ? observed : reported;
}

int perfbudget_context_new(perfbudget_context **out) {
    if (out == NULL) return PERFBUDGET_EINVAL;
    perfbudget_context *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL) return PERFBUDGET_ENOMEM;
    measure_clock(&ctx->overhead_ns, &ctx->resolution_ns);
    *out = ctx;
    return PERFBUDGET_OK;
}

void perfbudget_context_free(perfbudget_context *ctx) { free(ctx); }

const char *perfbudget_errmsg(const perfbudget_context *ctx) {
    return ctx == NULL ? "no context" : ctx->message;
}

int perfbudget_errcode(const perfbudget_context *ctx) {
    return ctx == NULL ? PERFBUDGET_EINVAL : ctx->last_code;
}

int perfbudget__fail(perfbudget_context *ctx, int code, const char *fmt, ...) {
    if (ctx == NULL) return code;
    ctx->last_code = code;
    va_list args;
    va_start(args, fmt);
    char message[2 * sizeof ctx->message];
    vsnprintf(message, sizeof message, fmt, args);
    va_end(args);
    /* Messages name benchmarks, files and commands: shown as text reaching a terminal is. */
    perfbudget__shown(message, ctx->message, sizeof ctx->message);
    return code;
}

/* Both directions check the caller's struct_size the same way: at least the record's size when
 * struct_size came in, at most the size this library was built with (a larger one comes from
 * newer headers, whose fields this library would silently ignore or leave unwritten). */
static int sized_known(perfbudget_context *ctx, const char *type, size_t struct_size,
                       size_t min_size, size_t size) {
    if (struct_size >= min_size && struct_size <= size) return PERFBUDGET_OK;
    if (struct_size == 0)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "%s: struct_size is 0: set it to sizeof(%s), or initialise the "
                                "record with its _init function",
                                type, type);
    return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                            "%s: struct_size %zu is not a size this library knows (%zu to %zu)",
                            type, struct_size, min_size, size);
}

int perfbudget__sized_read(perfbudget_context *ctx, const char *type, const void *in,
                           size_t min_size, size_t size, void *local) {
    size_t struct_size;
    memcpy(&struct_size, in, sizeof struct_size);
    int code = sized_known(ctx, type, struct_size, min_size, size);
    if (code != PERFBUDGET_OK) return code;
    memcpy(local, in, struct_size);
    memcpy(local, &size, sizeof size);
    return PERFBUDGET_OK;
}

int perfbudget__sized_check(perfbudget_context *ctx, const char *type, const void *out,
                            size_t min_size, size_t size) {
    size_t struct_size;
    memcpy(&struct_size, out, sizeof struct_size);
    return sized_known(ctx, type, struct_size, min_size, size);
}

void perfbudget__sized_write(void *out, const void *local) {
    size_t struct_size;
    memcpy(&struct_size, out, sizeof struct_size);
    memcpy((char *)out + sizeof struct_size, (const char *)local + sizeof struct_size,
           struct_size - sizeof struct_size);
}

void perfbudget__clear_error(perfbudget_context *ctx) {
    if (ctx == NULL) return;
    ctx->last_code = PERFBUDGET_OK;
    ctx->message[0] = '\0';
}

void perfbudget_context_set_clock(perfbudget_context *ctx, perfbudget_clock_fn fn,
                                  void *userdata) {
    if (ctx == NULL) return;
    ctx->clock_fn = fn;
    ctx->clock_userdata = userdata;
}

perfbudget_clock_info perfbudget_context_clock_info(const perfbudget_context *ctx) {
    perfbudget_clock_info info = {0.0, 1.0, 0};
    if (ctx == NULL) return info;
    if (ctx->clock_fn != NULL) {
        info.is_fake = 1;
        return info;
    }
    info.overhead_ns = ctx->overhead_ns;
    info.resolution_ns = ctx->resolution_ns;
    return info;
}

uint64_t perfbudget_context_now_ns(const perfbudget_context *ctx) {
    if (ctx != NULL && ctx->clock_fn != NULL) return ctx->clock_fn(ctx->clock_userdata);
    return perfbudget__monotonic_ns();
}
