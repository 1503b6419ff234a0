/* SPDX-License-Identifier: MIT */
/* The budget file corpus of tests/budgets/: every good file loads, and every bad file reports
 * exactly the problems its .expect file lists (tests/budgets/README.md describes the format). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "test_helpers.h"

enum { CAPACITY = 256, MAX_EXPECTED = 64 };

typedef struct expected_error {
    int line, column;
    char text[480];
} expected_error;

static int is_yml(const struct dirent *entry) {
    size_t length = strlen(entry->d_name);
    return length > 4 && strcmp(entry->d_name + length - 4, ".yml") == 0;
}

static int is_expect(const struct dirent *entry) {
    size_t length = strlen(entry->d_name);
    return length > 7 && strcmp(entry->d_name + length - 7, ".expect") == 0;
}

/* The files of a corpus directory in name order, so failures read the same on every run. */
static int list_files(const char *dir, int (*filter)(const struct dirent *),
                      struct dirent ***names) {
    int n = scandir(dir, names, filter, alphasort);
    if (n < 0) fail_msg("cannot read %s", dir);
    return n;
}

static void free_list(struct dirent **names, int n) {
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

/* "LINE:COLUMN: substring" per line; blank lines and lines starting with # are skipped.
 * Returns the number of expectations, or -1 when the file is missing or malformed. */
static int read_expect(const char *path, expected_error *out, size_t capacity) {
    FILE *file = fopen(path, "r");
    if (file == NULL) return -1;
    char buffer[1024];
    int count = 0, malformed = 0;
    while (fgets(buffer, sizeof buffer, file) != NULL) {
        size_t length = strlen(buffer);
        while (length > 0 && (buffer[length - 1] == '\n' || buffer[length - 1] == '\r' ||
                              buffer[length - 1] == ' '))
            buffer[--length] = '\0';
        if (length == 0 || buffer[0] == '#') continue;
        int line, column, consumed = 0;
        if (sscanf(buffer, "%d:%d: %n", &line, &column, &consumed) != 2 || consumed == 0 ||
            buffer[consumed] == '\0' || (size_t)count >= capacity) {
            malformed = 1;
            break;
        }
        out[count].line = line;
        out[count].column = column;
        snprintf(out[count].text, sizeof out[count].text, "%s", buffer + consumed);
        count++;
    }
    fclose(file);
    return malformed ? -1 : count;
}

/* Messages reach Python front ends and editors: a cut must never split a UTF-8 sequence. */
static int valid_utf8(const char *text) {
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        int extra = *s < 0x80 ? 0 : (*s & 0xE0) == 0xC0 ? 1 : (*s & 0xF0) == 0xE0 ? 2
                  : (*s & 0xF8) == 0xF0 ? 3 : -1;
        if (extra < 0) return 0;
        s++;
        for (int i = 0; i < extra; i++, s++)
            if ((*s & 0xC0) != 0x80) return 0;
    }
    return 1;
}

static void print_actual(const char *name, const perfbudget_budget_error *errors, size_t n) {
    print_error("  %s reported %zu problem%s:\n", name, n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n && i < CAPACITY; i++)
        print_error("    %d:%d: %s\n", errors[i].line, errors[i].column, errors[i].message);
}

/* Compares one bad file's problems with its expectations; 0 when they agree exactly. */
static int check_bad_file(perfbudget_context *ctx, const char *dir, const char *name) {
    char path[4096], expect_path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(expect_path, sizeof expect_path, "%.*s.expect", (int)(strlen(path) - 4), path);
    static expected_error expected[MAX_EXPECTED];
    int n_expected = read_expect(expect_path, expected, MAX_EXPECTED);
    if (n_expected <= 0) {
        print_error("%s: %s is missing, empty or malformed\n", name, expect_path);
        return 1;
    }
    static perfbudget_budget_error errors[CAPACITY];
    memset(errors, 0, sizeof errors);
    size_t count = 0;
    perfbudget_budget *budget = NULL;
    int status = perfbudget_budget_new_from_file(ctx, path, &budget, errors, CAPACITY, &count);
    if (status != PERFBUDGET_EPARSE || budget != NULL) {
        print_error("%s: status %s, expected PERFBUDGET_EPARSE\n", name,
                    perfbudget_errname(status) ? perfbudget_errname(status) : "?");
        perfbudget_budget_free(budget);
        return 1;
    }
    int failed = 0;
    if (count != (size_t)n_expected) {
        print_error("%s: %zu problems, expected %d\n", name, count, n_expected);
        failed = 1;
    }
    for (size_t i = 0; i < count && i < (size_t)n_expected && i < CAPACITY; i++) {
        const expected_error *want = &expected[i];
        const perfbudget_budget_error *have = &errors[i];
        if (have->line != want->line || have->column != want->column ||
            strstr(have->message, want->text) == NULL) {
            print_error("%s: problem %zu is %d:%d: %s\n  expected %d:%d: ...%s...\n", name,
                        i + 1, have->line, have->column, have->message, want->line,
                        want->column, want->text);
            failed = 1;
        }
    }
    for (size_t i = 0; i < count && i < CAPACITY; i++)
        if (!valid_utf8(errors[i].message)) {
            print_error("%s: problem %zu at %d:%d is not valid UTF-8\n", name, i + 1,
                        errors[i].line, errors[i].column);
            failed = 1;
        }
    /* perfbudget_errmsg() carries the first problem in the file:line:column form. */
    char first[4096 + 600];
    if (count > 0) {
        snprintf(first, sizeof first, "%s:%d:%d: %s", path, errors[0].line, errors[0].column,
                 errors[0].message);
        if (strcmp(perfbudget_errmsg(ctx), first) != 0) {
            print_error("%s: errmsg is '%s', expected '%s'\n", name, perfbudget_errmsg(ctx),
                        first);
            failed = 1;
        }
    }
    if (failed) print_actual(name, errors, count);
    return failed;
}

static void test_good_files_load(void **state) {
    perfbudget_context *ctx = *state;
    const char *dir = PERFBUDGET_BUDGETS_DIR "/good";
    struct dirent **names;
    int n = list_files(dir, is_yml, &names);
    int failures = 0;
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        static perfbudget_budget_error errors[CAPACITY];
        size_t count = 99;
        perfbudget_budget *budget = NULL;
        int status = perfbudget_budget_new_from_file(ctx, path, &budget, errors, CAPACITY, &count);
        if (status != PERFBUDGET_OK || budget == NULL || count != 0) {
            print_error("%s: status %s, expected PERFBUDGET_OK\n", names[i]->d_name,
                        perfbudget_errname(status) ? perfbudget_errname(status) : "?");
            print_actual(names[i]->d_name, errors, count);
            failures++;
        }
        perfbudget_budget_free(budget);
    }
    free_list(names, n);
    print_message("checked %d good budget files\n", n);
    if (failures) fail_msg("%d good budget file(s) were rejected", failures);
    assert_true(n >= 8);
}

static void test_bad_files_report_expected_errors(void **state) {
    perfbudget_context *ctx = *state;
    const char *dir = PERFBUDGET_BUDGETS_DIR "/bad";
    struct dirent **names;
    int n = list_files(dir, is_yml, &names);
    int failures = 0;
    for (int i = 0; i < n; i++) failures += check_bad_file(ctx, dir, names[i]->d_name);
    free_list(names, n);
    print_message("checked %d bad budget files\n", n);
    if (failures) fail_msg("%d bad budget file(s) disagree with their .expect", failures);
    assert_true(n >= 45);
}

/* An .expect without its .yml would silently test nothing. */
static void test_every_expect_has_a_file(void **state) {
    (void)state;
    const char *dir = PERFBUDGET_BUDGETS_DIR "/bad";
    struct dirent **names;
    int n = list_files(dir, is_expect, &names);
    int orphans = 0;
    for (int i = 0; i < n; i++) {
        char path[4096];
        const char *name = names[i]->d_name;
        snprintf(path, sizeof path, "%s/%.*s.yml", dir, (int)(strlen(name) - 7), name);
        if (access(path, R_OK) != 0) {
            print_error("%s has no matching .yml\n", name);
            orphans++;
        }
    }
    free_list(names, n);
    assert_int_equal(orphans, 0);
}

static char *read_whole(const char *path, size_t *size) {
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    long length = ftell(file);
    assert_true(length >= 0);
    rewind(file);
    char *text = malloc((size_t)length + 1);
    assert_non_null(text);
    *size = fread(text, 1, (size_t)length, file);
    fclose(file);
    assert_int_equal(*size, (size_t)length);
    return text;
}

/* perfbudget_budget_new_from_text() on the text in memory agrees with
 * perfbudget_budget_new_from_file(). */
static void test_parse_agrees_with_load(void **state) {
    perfbudget_context *ctx = *state;
    const char *dir = PERFBUDGET_BUDGETS_DIR "/bad";
    struct dirent **names;
    int n = list_files(dir, is_yml, &names);
    static perfbudget_budget_error loaded[CAPACITY], parsed[CAPACITY];
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        size_t size, n_loaded = 0, n_parsed = 0;
        char *text = read_whole(path, &size);
        perfbudget_budget *a = NULL, *b = NULL;
        assert_int_equal(perfbudget_budget_new_from_file(ctx, path, &a, loaded, CAPACITY,
                                                         &n_loaded),
                         PERFBUDGET_EPARSE);
        assert_int_equal(perfbudget_budget_new_from_text(ctx, text, size, path, &b, parsed,
                                                         CAPACITY, &n_parsed),
                         PERFBUDGET_EPARSE);
        free(text);
        assert_null(a);
        assert_null(b);
        if (n_loaded != n_parsed) fail_msg("%s: load %zu, parse %zu", path, n_loaded, n_parsed);
        for (size_t e = 0; e < n_loaded && e < CAPACITY; e++) {
            assert_int_equal(loaded[e].line, parsed[e].line);
            assert_int_equal(loaded[e].column, parsed[e].column);
            assert_string_equal(loaded[e].message, parsed[e].message);
        }
    }
    free_list(names, n);
}

/* With less room than problems, the count is still the full count, the stored ones are in file
 * order, and errmsg names the earliest; errors may be NULL. */
static void test_capacity_smaller_than_problem_count(void **state) {
    perfbudget_context *ctx = *state;
    const char *path = PERFBUDGET_BUDGETS_DIR "/bad/many_errors.yml";
    perfbudget_budget_error all[CAPACITY], some[3];
    size_t n_all = 0, n_some = 0, n_none = 0;
    perfbudget_budget *budget = NULL;
    assert_int_equal(perfbudget_budget_new_from_file(ctx, path, &budget, all, CAPACITY, &n_all),
                     PERFBUDGET_EPARSE);
    assert_true(n_all > 3);
    assert_int_equal(perfbudget_budget_new_from_file(ctx, path, &budget, some, 3, &n_some),
                     PERFBUDGET_EPARSE);
    assert_int_equal(n_some, n_all);
    for (size_t i = 1; i < 3; i++)
        assert_true(some[i - 1].line < some[i].line ||
                    (some[i - 1].line == some[i].line && some[i - 1].column <= some[i].column));
    assert_int_equal(perfbudget_budget_new_from_file(ctx, path, &budget, NULL, 0, &n_none),
                     PERFBUDGET_EPARSE);
    assert_int_equal(n_none, n_all);
    char first[1024];
    snprintf(first, sizeof first, "%s:%d:%d: %s", path, all[0].line, all[0].column,
             all[0].message);
    assert_string_equal(perfbudget_errmsg(ctx), first);
    assert_int_equal(perfbudget_budget_new_from_file(ctx, path, &budget, NULL, 0,
                                                     NULL), PERFBUDGET_EPARSE);
    assert_null(budget);
}

/* Files over 16 MiB are refused before parsing; a sparse file costs no disk. */
static void test_oversized_file(void **state) {
    perfbudget_context *ctx = *state;
    char path[] = "/tmp/perfbudget_corpus_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int truncated = ftruncate(fd, (off_t)(16 * 1024 * 1024 + 1));
    close(fd);
    perfbudget_budget_error errors[4];
    size_t count = 0;
    perfbudget_budget *budget = NULL;
    int status = perfbudget_budget_new_from_file(ctx, path, &budget, errors, 4, &count);
    unlink(path);
    assert_int_equal(truncated, 0);
    assert_int_equal(status, PERFBUDGET_EPARSE);
    assert_null(budget);
    assert_int_equal(count, 1);
    assert_int_equal(errors[0].line, 1);
    assert_int_equal(errors[0].column, 1);
    assert_non_null(strstr(errors[0].message, "larger than 16 MiB"));
}

/* 0 when name resolves to entry (NULL: to no entry); reports and returns 1 otherwise. */
static int resolves_to(const perfbudget_budget *budget, const char *name, const char *entry) {
    perfbudget_effective_budget effective = {.struct_size = sizeof effective};
    if (perfbudget_budget_resolve(budget, name, &effective) != PERFBUDGET_OK) {
        print_error("%s: perfbudget_budget_resolve failed\n", name);
        return 1;
    }
    if (entry == NULL ? effective.entry == NULL
                      : effective.entry != NULL && strcmp(effective.entry, entry) == 0)
        return 0;
    print_error("%s resolved to %s, expected %s\n", name,
                effective.entry ? effective.entry : "(no entry)", entry ? entry : "(no entry)");
    return 1;
}

/* The matching rules docs/budgets.md promises, on the file it quotes. */
static void test_names_and_globs_resolve_as_documented(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_budget *budget = NULL;
    assert_int_equal(perfbudget_budget_new_from_file(ctx,
                                                     PERFBUDGET_BUDGETS_DIR "/good/names_and_globs.yml",
                                                     &budget, NULL, 0, NULL),
                     PERFBUDGET_OK);
    static const struct {
        const char *name, *entry;
    } cases[] = {
        {"crc32_4k", "crc32_4k"}, /* exact beats crc32_* */
        {"crc32_64k", "crc32_*"},
        {"tests/test_io.py::test_read", "tests/test_io.py::test_read"},
        /* An entry written exactly as the node id matches it literally, brackets and all. */
        {"tests/test_io.py::test_read[small]", "tests/test_io.py::test_read[small]"},
        {"tests/test_io.py::test_read[large-1]", "tests/test_io.py::test_read[[]large-*]"},
        /* No exact entry and no more specific glob for this parameter: the file's glob. */
        {"tests/test_io.py::test_read[medium]", "tests/test_io.py::*"},
        {"tests/test_io.py::TestWriter::test_flush", "tests/test_io.py::TestWriter::test_*"},
        {"tests/net/test_tcp.py::test_a", "tests/*/test_*.py::test_?"},
        {"bench_b_sort", "bench_[abc]_sort"},
        {"bench_d_sort", NULL},
        {"quoted names: with a colon", "quoted names: with a colon"},
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        failures += resolves_to(budget, cases[i].name, cases[i].entry);
    perfbudget_budget_free(budget);
    assert_int_equal(failures, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good_files_load, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_bad_files_report_expected_errors, context_setup,
                                        context_teardown),
        cmocka_unit_test(test_every_expect_has_a_file),
        cmocka_unit_test_setup_teardown(test_parse_agrees_with_load, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_capacity_smaller_than_problem_count, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_oversized_file, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_names_and_globs_resolve_as_documented,
                                        context_setup, context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
