/* SPDX-License-Identifier: MIT */
/* Every shared vector in tests/vectors/: the C core must reproduce the values that numpy and
 * scipy computed (tests/vectors/README.md). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <jansson.h>
#include <string.h>

#include "test_helpers.h"

typedef struct tolerance {
    double rel, abs;
} tolerance;

/* Numbers may be written as the strings "NaN", "Infinity", "-Infinity". */
static double number_of(const json_t *value) {
    if (json_is_number(value)) return json_number_value(value);
    const char *text = json_string_value(value);
    if (text != NULL && strcmp(text, "NaN") == 0) return NAN;
    if (text != NULL && strcmp(text, "Infinity") == 0) return INFINITY;
    if (text != NULL && strcmp(text, "-Infinity") == 0) return -INFINITY;
    fail_msg("not a number in a vector");
    return NAN;
}

static double *numbers_of(const json_t *array, size_t *n) {
    *n = json_array_size(array);
    double *values = malloc((*n ? *n : 1) * sizeof *values);
    assert_non_null(values);
    for (size_t i = 0; i < *n; i++) values[i] = number_of(json_array_get(array, i));
    return values;
}

static void expect_number(const char *file, const json_t *expected, const char *key, double actual,
                          tolerance tol) {
    const json_t *value = json_object_get(expected, key);
    if (value == NULL) fail_msg("%s: expected value %s missing", file, key);
    double want = number_of(value);
    if (!doubles_close(actual, want, tol.rel, tol.abs))
        fail_msg("%s: %s = %.17g, expected %.17g", file, key, actual, want);
}

static void expect_flag(const char *file, const json_t *expected, const char *key, int actual) {
    const json_t *value = json_object_get(expected, key);
    if (!json_is_boolean(value)) fail_msg("%s: expected flag %s missing", file, key);
    if (json_is_true(value) != (actual != 0))
        fail_msg("%s: %s = %d, expected %d", file, key, actual, json_is_true(value));
}

static void expect_name(const char *file, const json_t *expected, const char *key,
                        const char *actual) {
    const char *want = json_string_value(json_object_get(expected, key));
    if (want == NULL || strcmp(want, actual) != 0)
        fail_msg("%s: %s = %s, expected %s", file, key, actual, want ? want : "(missing)");
}

/* The call's status must match the vector's "error", if any. Returns 1 when values follow. */
static int check_status(const char *file, const json_t *vector, int status,
                        perfbudget_context *ctx) {
    const char *error = json_string_value(json_object_get(vector, "error"));
    if (error != NULL) {
        const char *name = perfbudget_errname(status);
        if (name == NULL || strcmp(name, error) != 0)
            fail_msg("%s: status %s, expected %s", file, name ? name : "?", error);
        return 0;
    }
    if (status != PERFBUDGET_OK) fail_msg("%s: failed: %s", file, perfbudget_errmsg(ctx));
    return 1;
}

static void check_summary(perfbudget_context *ctx, const char *file, const json_t *vector,
                          tolerance tol) {
    size_t n;
    double *samples = numbers_of(json_object_get(vector, "samples"), &n);
    perfbudget_summary s;
    int status = perfbudget_summarize(ctx, samples, n, &s);
    free(samples);
    if (!check_status(file, vector, status, ctx)) return;
    const json_t *e = json_object_get(vector, "expected");
    expect_number(file, e, "n", (double)s.n, tol);
    struct {
        const char *key;
        double value;
    } fields[] = {{"min", s.min},           {"max", s.max},
                  {"mean", s.mean},         {"stddev", s.stddev},
                  {"median", s.median},     {"mad", s.mad},
                  {"iqr", s.iqr},           {"p25", s.p25},
                  {"p50", s.p50},           {"p75", s.p75},
                  {"p90", s.p90},           {"p95", s.p95},
                  {"p99", s.p99},           {"outliers_low", (double)s.outliers_low},
                  {"outliers_high", (double)s.outliers_high},
                  {"median_ci_low", s.median_ci_low},
                  {"median_ci_high", s.median_ci_high},
                  {"median_ci_level", s.median_ci_level}};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        expect_number(file, e, fields[i].key, fields[i].value, tol);
}

static void check_compare(perfbudget_context *ctx, const char *file, const json_t *vector,
                          tolerance tol) {
    size_t nb, nc;
    double *baseline = numbers_of(json_object_get(vector, "baseline"), &nb);
    double *current = numbers_of(json_object_get(vector, "current"), &nc);
    const json_t *o = json_object_get(vector, "options");
    perfbudget_compare_options opts;
    perfbudget_compare_options_init(&opts);
    assert_int_equal(
        perfbudget_statistic_parse(json_string_value(json_object_get(o, "statistic")), &opts.statistic),
        PERFBUDGET_OK);
    opts.threshold_pct = number_of(json_object_get(o, "threshold_pct"));
    opts.critical_pct = number_of(json_object_get(o, "critical_pct"));
    opts.alpha = number_of(json_object_get(o, "alpha"));
    opts.higher_is_better = json_is_true(json_object_get(o, "higher_is_better"));
    perfbudget_comparison c;
    perfbudget_comparison_init(&c);
    int status = perfbudget_compare(ctx, baseline, nb, current, nc, &opts, &c);
    free(baseline);
    free(current);
    if (!check_status(file, vector, status, ctx)) return;
    const json_t *e = json_object_get(vector, "expected");
    expect_number(file, e, "baseline_value", c.baseline_value, tol);
    expect_number(file, e, "current_value", c.current_value, tol);
    expect_number(file, e, "change_pct", c.change_pct, tol);
    expect_number(file, e, "ci_low_pct", c.ci_low_pct, tol);
    expect_number(file, e, "ci_high_pct", c.ci_high_pct, tol);
    expect_number(file, e, "resolvable_pct", c.resolvable_pct, tol);
    expect_number(file, e, "p_value", c.p_value, tol);
    expect_number(file, e, "u_statistic", c.u_statistic, tol);
    expect_flag(file, e, "exact", c.exact);
    expect_flag(file, e, "significant", c.significant);
    expect_flag(file, e, "regressed", c.regressed);
    expect_name(file, e, "outcome", perfbudget_outcome_name(c.outcome));
    expect_name(file, e, "severity", perfbudget_severity_name(c.severity));
}

static void check_line_fit(perfbudget_context *ctx, const char *file, const json_t *vector,
                           tolerance tol) {
    size_t nx, ny;
    double *x = numbers_of(json_object_get(vector, "x"), &nx);
    double *y = numbers_of(json_object_get(vector, "y"), &ny);
    assert_int_equal(nx, ny);
    perfbudget_line_fit fit;
    int status = perfbudget_fit_line(ctx, x, y, nx, &fit);
    free(x);
    free(y);
    if (!check_status(file, vector, status, ctx)) return;
    const json_t *e = json_object_get(vector, "expected");
    expect_number(file, e, "slope", fit.slope, tol);
    expect_number(file, e, "intercept", fit.intercept, tol);
    expect_number(file, e, "slope_stderr", fit.slope_stderr, tol);
    expect_number(file, e, "r_squared", fit.r_squared, tol);
}

static void test_all_vectors(void **state) {
    perfbudget_context *ctx = *state;
    DIR *dir = opendir(PERFBUDGET_VECTORS_DIR);
    assert_non_null(dir);
    size_t checked = 0;
    struct dirent *entry;
    char path[4096];
    while ((entry = readdir(dir)) != NULL) {
        size_t length = strlen(entry->d_name);
        if (length < 6 || strcmp(entry->d_name + length - 5, ".json") != 0) continue;
        snprintf(path, sizeof path, "%s/%s", PERFBUDGET_VECTORS_DIR, entry->d_name);
        json_error_t error;
        json_t *vector = json_load_file(path, 0, &error);
        if (vector == NULL) fail_msg("%s:%d: %s", path, error.line, error.text);
        const json_t *t = json_object_get(vector, "tolerance");
        tolerance tol = {1e-9, 0.0};
        if (json_object_get(t, "rel")) tol.rel = number_of(json_object_get(t, "rel"));
        if (json_object_get(t, "abs")) tol.abs = number_of(json_object_get(t, "abs"));
        const char *kind = json_string_value(json_object_get(vector, "kind"));
        if (kind != NULL && strcmp(kind, "summary") == 0)
            check_summary(ctx, entry->d_name, vector, tol);
        else if (kind != NULL && strcmp(kind, "compare") == 0)
            check_compare(ctx, entry->d_name, vector, tol);
        else if (kind != NULL && strcmp(kind, "linear_fit") == 0)
            check_line_fit(ctx, entry->d_name, vector, tol);
        else
            fail_msg("%s: unknown kind", entry->d_name);
        json_decref(vector);
        checked++;
    }
    closedir(dir);
    print_message("checked %zu vectors\n", checked);
    assert_true(checked >= 30);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_all_vectors, context_setup, context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
