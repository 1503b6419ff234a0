/* SPDX-License-Identifier: MIT */
/* The radix sort against qsort on awkward inputs. */
#include <string.h>

#include "internal.h"
#include "test_helpers.h"

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_matches_qsort(void **state) {
    (void)state;
    uint64_t seed = 88172645463325252u;
    const size_t sizes[] = {0, 1, 2, 63, 64, 65, 1000, 4097, 100000};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t n = sizes[k];
        double *values = malloc((n + 1) * sizeof *values), *expected = malloc((n + 1) * sizeof *values);
        double *scratch = malloc((n + 1) * sizeof *values);
        for (size_t i = 0; i < n; i++) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17; /* xorshift64 */
            double magnitude = ldexp((double)(seed >> 11), (int)(seed % 200) - 150);
            values[i] = i % 7 == 0 ? 3.0 : i % 11 == 0 ? -0.0 : (seed & 1) ? -magnitude : magnitude;
        }
        memcpy(expected, values, n * sizeof *values);
        qsort(expected, n, sizeof *expected, by_value);
        perfbudget__sort(values, n, scratch);
        for (size_t i = 0; i < n; i++)
            if (values[i] != expected[i]) fail_msg("n=%zu: index %zu differs", n, i);
        free(values);
        free(expected);
        free(scratch);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_matches_qsort)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
