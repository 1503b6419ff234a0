/* SPDX-License-Identifier: MIT */
/* The site (perfbudget report --format site): a page per benchmark whatever its name, every
 * name escaped, the verdict's reasons and the steps on the pages, and a site that replaces only
 * a site, in one step. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "test_helpers.h"

static char directory[64];
static char path[512];

static int make_directory(void **state) {
    snprintf(directory, sizeof directory, "/tmp/perfbudget-site-XXXXXX");
    if (mkdtemp(directory) == NULL) return -1;
    return context_setup(state);
}

static int remove_directory(void **state) {
    char command[300];
    snprintf(command, sizeof command, "rm -rf %s", directory);
    context_teardown(state);
    return system(command);
}

static const char *in_directory(const char *name) {
    snprintf(path, sizeof path, "%s/%s", directory, name);
    return path;
}

/* Hostile names: a path that climbs, one that is only "..", Unicode, markup. */
static const char *const NAMES[] = {"plain", "a/b/../../etc/passwd", "..", "日本語 ü",
                                    "<script>alert(1)</script>"};
enum { N_NAMES = sizeof NAMES / sizeof NAMES[0], RUNS = 30 };

static perfbudget_result *result_of(perfbudget_context *ctx, const char *name, double centre) {
    double samples[12];
    for (int i = 0; i < 12; i++) samples[i] = centre * (1.0 + 0.01 * (i % 4));
    perfbudget_result *r;
    assert_int_equal(perfbudget_result_new(ctx, name, samples, 12, NULL, PERFBUDGET_RUN_OK, "", &r),
                     PERFBUDGET_OK);
    return r;
}

/* 30 runs; "plain" doubles from the 16th run on. */
static perfbudget_history *history_of(perfbudget_context *ctx) {
    perfbudget_history *h = NULL;
    assert_int_equal(perfbudget_history_new(ctx, in_directory("history.sqlite"), &h),
                     PERFBUDGET_OK);
    for (int run = 0; run < RUNS; run++) {
        perfbudget_result *r[N_NAMES];
        for (size_t i = 0; i < N_NAMES; i++)
            r[i] = result_of(ctx, NAMES[i], (1e4 + 1e3 * (double)i) * (1 + 0.004 * (run % 3)) *
                                                (i == 0 && run >= 15 ? 2 : 1));
        char commit[16];
        snprintf(commit, sizeof commit, "%07dabc", run);
        perfbudget_run_info info = {.source = "ctest", .commit = commit, .branch = "main",
                                    .environment = "env-A"};
        assert_int_equal(perfbudget_history_add_run(h, &info, r, N_NAMES, NULL), PERFBUDGET_OK);
        for (size_t i = 0; i < N_NAMES; i++) perfbudget_result_free(r[i]);
    }
    return h;
}

static char *slurp(const char *file) {
    FILE *f = fopen(file, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = calloc(1, (size_t)size + 1);
    if (text != NULL && fread(text, 1, (size_t)size, f) != (size_t)size) text[0] = '\0';
    fclose(f);
    return text;
}

/* Every entry of the site's directory: ASCII letters, digits, '.', '-', '_' only. */
static size_t count_safe_entries(const char *site) {
    DIR *d = opendir(site);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        for (const char *c = e->d_name; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9') || *c == '.' || *c == '-' || *c == '_'))
                fail_msg("unsafe file name in the site: %s", e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static int write_site(perfbudget_context *ctx, perfbudget_history *h, const char *site,
                      const perfbudget_budget *budget) {
    perfbudget_conclude_options judging;
    perfbudget_conclude_options_init(&judging);
    judging.budget = budget;
    perfbudget_report_info info = {.struct_size = sizeof(perfbudget_report_info),
                                   .title = "site <test>", .history = h};
    size_t pages = 0;
    int code = perfbudget__write_site(ctx, site, &info, &judging, &pages);
    if (code == PERFBUDGET_OK) assert_int_equal(pages, N_NAMES);
    return code;
}

static void test_pages_for_hostile_names(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_history *h = history_of(ctx);
    static const char budget_text[] = "version: 1\nbudgets:\n  plain: {latency: {median: 15us}}\n";
    perfbudget_budget *budget = NULL;
    assert_int_equal(perfbudget_budget_new_from_text(ctx, budget_text, strlen(budget_text), "b.yml",
                                                     &budget, NULL, 0, NULL),
                     PERFBUDGET_OK);
    char site[512];
    snprintf(site, sizeof site, "%s/site", directory);
    assert_int_equal(write_site(ctx, h, site, budget), PERFBUDGET_OK);
    /* index.html, the marker and one page per benchmark, all inside the site */
    assert_int_equal(count_safe_entries(site), N_NAMES + 2);
    char *index = slurp(in_directory("site/index.html"));
    assert_non_null(index);
    assert_null(strstr(index, "<script>alert"));
    assert_non_null(strstr(index, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(index, "日本語 ü"));
    assert_non_null(strstr(index, "site &lt;test&gt;"));
    /* plain: failed, with its reason in the index, and its step as the last change */
    assert_non_null(strstr(index, "class=\"verdict fail\">FAIL"));
    assert_non_null(strstr(index, "&gt; 15 µs budget"));
    assert_non_null(strstr(index, "at run 16"));
    /* each page linked from the index, and each page naming its benchmark */
    DIR *d = opendir(site);
    size_t linked = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] != 'b') continue;
        char link[300];
        snprintf(link, sizeof link, "href=\"%s\"", e->d_name);
        assert_non_null(strstr(index, link));
        char page_path[1024];
        snprintf(page_path, sizeof page_path, "%s/%s", site, e->d_name);
        char *page = slurp(page_path);
        assert_non_null(page);
        assert_null(strstr(page, "<script>alert"));
        assert_non_null(strstr(page, "href=\"index.html\""));
        if (strstr(page, "<h2>plain ") != NULL) {
            assert_non_null(strstr(page, "class=\"plot trend\""));
            assert_non_null(strstr(page, "class=\"plot distribution\""));
            assert_non_null(strstr(page, "<tr class=\"step\"><td>16</td>"));
            assert_non_null(strstr(page, "li class=\"reason fail\""));
        }
        free(page);
        linked++;
    }
    closedir(d);
    assert_int_equal(linked, N_NAMES);
    free(index);
    perfbudget_budget_free(budget);
    perfbudget_history_free(h);
}

static void test_replaces_a_site_only(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_history *h = history_of(ctx);
    char site[512], stray[600];
    snprintf(site, sizeof site, "%s/again", directory);
    assert_int_equal(write_site(ctx, h, site, NULL), PERFBUDGET_OK);
    /* a second run replaces the whole site: a page it no longer writes goes */
    snprintf(stray, sizeof stray, "%s/b9999-gone.html", site);
    FILE *f = fopen(stray, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(write_site(ctx, h, site, NULL), PERFBUDGET_OK);
    assert_int_equal(access(stray, F_OK), -1);
    assert_int_equal(count_safe_entries(site), N_NAMES + 2);
    /* a directory of someone else's files is not replaced, nor is a file */
    char mine[512], kept[600];
    snprintf(mine, sizeof mine, "%s/mine", directory);
    assert_int_equal(mkdir(mine, 0755), 0);
    snprintf(kept, sizeof kept, "%s/notes.txt", mine);
    f = fopen(kept, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(write_site(ctx, h, mine, NULL), PERFBUDGET_EINVAL);
    assert_non_null(strstr(perfbudget_errmsg(ctx), "not replaced"));
    assert_int_equal(access(kept, F_OK), 0);
    assert_int_equal(write_site(ctx, h, kept, NULL), PERFBUDGET_EINVAL);
    /* and no half site is left beside them */
    DIR *d = opendir(directory);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strstr(e->d_name, ".tmp-") || strstr(e->d_name, ".old-"))
            fail_msg("left behind: %s", e->d_name);
    closedir(d);
    perfbudget_history_free(h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pages_for_hostile_names, make_directory,
                                        remove_directory),
        cmocka_unit_test_setup_teardown(test_replaces_a_site_only, make_directory,
                                        remove_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
