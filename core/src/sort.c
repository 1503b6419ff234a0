/* SPDX-License-Identifier: MIT */
/* Sorting doubles: insertion sort for short sets, LSD radix sort for long ones, so a million
 * samples sort in milliseconds without a comparison callback per element. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { RADIX_BITS = 11, RADIX_BUCKETS = 1 << RADIX_BITS, SMALL_SORT = 64 };

/* Map a double to an unsigned key whose order is the numeric order (finite values). */
static uint64_t to_key(double value) {
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    return (bits >> 63) ? ~bits : bits | UINT64_C(0x8000000000000000);
}

static double from_key(uint64_t key) {
    uint64_t bits = (key >> 63) ? key & ~UINT64_C(0x8000000000000000) : ~key;
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static void insertion_sort(double *values, size_t n) {
    for (size_t i = 1; i < n; i++) {
        double value = values[i];
        size_t j = i;
        for (; j > 0 && values[j - 1] > value; j--) values[j] = values[j - 1];
        values[j] = value;
    }
}

enum { RADIX_PASSES = (64 + RADIX_BITS - 1) / RADIX_BITS };

void perfbudget__sort(double *values, size_t n, double *scratch) {
    if (n <= SMALL_SORT || scratch == NULL) {
        insertion_sort(values, n);
        return;
    }
    /* Keys are built in place over the doubles' storage (same size), then mapped back. Every
     * digit's counts come from one read of the keys, made while building them. */
    uint64_t *keys = (uint64_t *)(void *)values, *other = (uint64_t *)(void *)scratch;
    size_t *counts = calloc((size_t)RADIX_PASSES * RADIX_BUCKETS, sizeof *counts);
    if (counts == NULL) {
        insertion_sort(values, n); /* slow but right; only when out of memory */
        return;
    }
    for (size_t i = 0; i < n; i++) {
        double value = values[i];
        uint64_t key = to_key(value);
        keys[i] = key;
        for (unsigned pass = 0; pass < RADIX_PASSES; pass++)
            counts[pass * RADIX_BUCKETS + ((key >> (pass * RADIX_BITS)) & (RADIX_BUCKETS - 1))]++;
    }
    for (unsigned pass = 0; pass < RADIX_PASSES; pass++) {
        unsigned shift = pass * RADIX_BITS;
        size_t *digit = counts + (size_t)pass * RADIX_BUCKETS;
        if (digit[(keys[0] >> shift) & (RADIX_BUCKETS - 1)] == n) continue; /* one digit */
        size_t offset = 0;
        for (size_t b = 0; b < RADIX_BUCKETS; b++) {
            size_t count = digit[b];
            digit[b] = offset;
            offset += count;
        }
        for (size_t i = 0; i < n; i++) other[digit[(keys[i] >> shift) & (RADIX_BUCKETS - 1)]++] = keys[i];
        uint64_t *swap = keys;
        keys = other;
        other = swap;
    }
    free(counts);
    double *sorted = values;
    for (size_t i = 0; i < n; i++) {
        uint64_t key = keys[i];
        sorted[i] = from_key(key);
    }
}

int perfbudget__sorted_copy(perfbudget_context *ctx, const double *samples, size_t n,
                            const char *what, double **out) {
    *out = NULL;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(samples[i]))
            return perfbudget__fail(ctx, PERFBUDGET_EDOMAIN, "%s sample %zu is %s", what, i,
                                    isnan(samples[i]) ? "NaN" : "infinite");
    if (n == 0) return PERFBUDGET_OK;
    double *copy = malloc(n * sizeof *copy);
    double *scratch = n > SMALL_SORT ? malloc(n * sizeof *scratch) : NULL;
    if (copy == NULL || (n > SMALL_SORT && scratch == NULL)) {
        free(copy);
        free(scratch);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory sorting %zu samples", n);
    }
    memcpy(copy, samples, n * sizeof *copy);
    perfbudget__sort(copy, n, scratch);
    free(scratch);
    *out = copy;
    return PERFBUDGET_OK;
}
