/* SPDX-License-Identifier: MIT */
/* The summary table with a front end's columns (perfbudget_render_summary_table): pytest's
 * ops/s, change and verdict after the core's figures, group headings, fitting a width. */
#include <string.h>

#include "test_helpers.h"

static perfbudget_result *result_of(perfbudget_context *ctx, const char *name) {
    const double samples[] = {100, 110, 120};
    perfbudget_result *r = NULL;
    assert_int_equal(perfbudget_result_new(ctx, name, samples, 3, NULL, PERFBUDGET_RUN_OK, "", &r),
                     PERFBUDGET_OK);
    return r;
}

/* The line of text that starts with start, copied into line. */
static void line_starting(const char *text, const char *start, char *line, size_t size) {
    const char *at = strstr(text, start);
    assert_non_null(at);
    size_t length = strcspn(at, "\n");
    assert_true(length < size);
    memcpy(line, at, length);
    line[length] = '\0';
}

static void test_added_columns_follow_each_row(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_result *results[] = {result_of(ctx, "t.py::test_a[1]"),
                                    result_of(ctx, "t.py::test_c[a rather long parameter that "
                                                   "no terminal row has room for]"),
                                    result_of(ctx, "t.py::test_b"),
                                    result_of(ctx, "t.py::test_a[2]")};
    const char *groups[] = {"t.py::test_a", "t.py::test_c", "t.py::test_b", "t.py::test_a"};
    const char *change[] = {"+1.0%", "", "new", ""};
    const char *verdict[] = {"pass", "pass", "FAIL, regression", "pass"};
    const perfbudget_table_column columns[] = {{"Δ baseline", 11, change}, {"verdict", 0, verdict}};
    char *table = NULL, *plain = NULL;
    assert_int_equal(perfbudget_render_summary_table(ctx, results, 4, groups, columns, 2, 0,
                                                     &table),
                     PERFBUDGET_OK);
    assert_int_equal(perfbudget_render_table(ctx, results, 4, 0, 1, &plain), PERFBUDGET_OK);
    char line[512], heading[512], plain_heading[512];
    line_starting(table, "benchmark", heading, sizeof heading);
    line_starting(plain, "benchmark", plain_heading, sizeof plain_heading);
    /* the heading line: the core's, then each added heading right-aligned in its width */
    char expected[600];
    snprintf(expected, sizeof expected, "%s   Δ baseline  verdict", plain_heading);
    perfbudget_free(plain);
    assert_string_equal(heading, expected);
    line_starting(table, "t.py::test_b", line, sizeof line);
    assert_non_null(strstr(line, "          new  FAIL, regression"));
    /* test_a's rows are apart, so its heading comes twice; test_b alone gets none */
    assert_non_null(strstr(table, "t.py::test_a:\nt.py::test_a[1]"));
    assert_non_null(strstr(table, "t.py::test_a:\nt.py::test_a[2]"));
    assert_null(strstr(table, "t.py::test_b:"));
    /* fitted to 140 columns, the added ones included: no line is wider, the long name cut */
    perfbudget_free(table);
    assert_int_equal(perfbudget_render_summary_table(ctx, results, 4, NULL, columns, 2, -140,
                                                     &table),
                     PERFBUDGET_OK);
    for (const char *at = table; *at != '\0'; at += strcspn(at, "\n") + 1) {
        char row[512];
        size_t length = strcspn(at, "\n");
        memcpy(row, at, length);
        row[length] = '\0';
        int characters = 0;
        for (const char *c = row; *c; c++) characters += (*c & 0xC0) != 0x80;
        assert_true(characters <= 140);
    }
    assert_non_null(strstr(table, "\xE2\x80\xA6"));
    const char *missing[] = {"x", NULL, "y", "z"};
    const perfbudget_table_column bad[] = {{"verdict", 0, missing}};
    char *none = NULL;
    assert_int_equal(perfbudget_render_summary_table(ctx, results, 4, NULL, bad, 1, 0, &none),
                     PERFBUDGET_EINVAL);
    assert_null(none);
    perfbudget_free(table);
    for (size_t i = 0; i < 4; i++) perfbudget_result_free(results[i]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_added_columns_follow_each_row, context_setup,
                                        context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
