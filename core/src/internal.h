/* SPDX-License-Identifier: MIT */
/* Declarations shared between the core's source files; not installed. */
#ifndef PERFBUDGET_INTERNAL_H
#define PERFBUDGET_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "perfbudget/perfbudget.h"

#define PERFBUDGET__MESSAGE_SIZE 1024

#if defined(__GNUC__) || defined(__clang__)
#define PERFBUDGET__PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define PERFBUDGET__PRINTF(fmt, args)
/* atomic_file.c: write data to path through a temporary file in the same directory, fsync and
 * rename, so readers see the old file or the new one, never half of one. */
int perfbudget__write_file_atomic(perfbudget_context *ctx, const char *path, const char *data,
                                  size_t size);

/* environment.c: what a result records about the machine; a jansson object (json_t *). */
struct json_t;
struct json_t *perfbudget__environment_json(void);

#endif

/* context.c: the one setter of error state; returns code so callers can `return fail(...)`. */
int perfbudget__fail(perfbudget_context *ctx, int code, const char *fmt, ...)
    PERFBUDGET__PRINTF(3, 4);
void perfbudget__clear_error(perfbudget_context *ctx);

/* clock.c */
uint64_t perfbudget__monotonic_ns(void);

/* sort.c: ascending sort of finite doubles; scratch holds n doubles (or NULL for n <= 64). */
void perfbudget__sort(double *values, size_t n, double *scratch);
/* A sorted copy of n finite samples in *out (caller frees); EDOMAIN names the first bad index. */
int perfbudget__sorted_copy(perfbudget_context *ctx, const double *samples, size_t n,
                            const char *what, double **out);

/* distributions.c */
double perfbudget__normal_sf(double z);
double perfbudget__normal_ppf(double p);
/* Ranks [l, u] (1-based) of the order-statistic CI of quantile q, and its achieved level. */
void perfbudget__quantile_ci_ranks(size_t n, double q, double alpha, size_t *l, size_t *u,
                                   double *level);

/* stats.c: quantile of sorted values by numpy's linear method; n > 0. */
double perfbudget__quantile_sorted(const double *sorted, size_t n, double q);

/* mannwhitney.c: two-sided Mann-Whitney U on two sorted sets. */
typedef struct perfbudget__mwu {
    double u_second; /* U of the second set */
    double p_value;
    int exact;
} perfbudget__mwu;
int perfbudget__mann_whitney(perfbudget_context *ctx, const double *first, size_t n_first,
                             const double *second, size_t n_second, perfbudget__mwu *out);

/* atomic_file.c: write data to path through a temporary file in the same directory, fsync and
 * rename, so readers see the old file or the new one, never half of one. */
int perfbudget__write_file_atomic(perfbudget_context *ctx, const char *path, const char *data,
                                  size_t size);

/* environment.c: what a result records about the machine; a jansson object (json_t *). */
struct json_t;
struct json_t *perfbudget__environment_json(void);

#endif
