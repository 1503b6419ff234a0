/* SPDX-License-Identifier: MIT */
/* Current and peak RSS, and resetting the peak; I/O bytes, page faults and RAPL energy, read
 * from fake /proc and sysfs files; the resource figures in result files, budgets and reports. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "test_helpers.h"

enum { BLOCK = 64 * 1024 * 1024 };

static void test_peak_follows_a_large_allocation(void **state) {
    perfbudget_memory_usage before, during, after;
    assert_int_equal(perfbudget_memory_read(*state, &before), PERFBUDGET_OK);
    assert_true(before.rss_bytes > 0 && before.peak_rss_bytes >= before.rss_bytes);
    /* mmap, not malloc: a sanitizer's allocator would keep a freed block resident. */
    char *block = mmap(NULL, BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(block != MAP_FAILED);
    memset(block, 1, BLOCK);
    assert_int_equal(perfbudget_memory_read(*state, &during), PERFBUDGET_OK);
    assert_true(during.rss_bytes >= before.rss_bytes + BLOCK * 0.9);
    assert_true(during.peak_rss_bytes >= during.rss_bytes);
    munmap(block, BLOCK);
    int reset = perfbudget_memory_reset_peak(*state);
    assert_int_equal(perfbudget_memory_read(*state, &after), PERFBUDGET_OK);
    if (reset == PERFBUDGET_OK) {
        assert_true(after.peak_rss_bytes < during.peak_rss_bytes - BLOCK / 2);
    } else {
        assert_int_equal(reset, PERFBUDGET_EUNAVAILABLE);
        assert_non_null(strstr(perfbudget_errmsg(*state), "clear_refs"));
        assert_true(after.peak_rss_bytes >= during.peak_rss_bytes);
    }
    assert_int_equal(perfbudget_memory_read(*state, NULL), PERFBUDGET_EINVAL);
}

/* ---- I/O, energy and the other resources (issue 23) ---------------------------------------- */

static void write_file(const char *dir, const char *name, const char *text) {
    char path[512];
    int length = snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_true(length > 0 && (size_t)length < sizeof path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_io_reader_takes_rchar_and_wchar_from_a_fake_proc(void **state) {
    (void)state;
    char dir[] = "/tmp/perfbudget-io-XXXXXX";
    assert_non_null(mkdtemp(dir));
    write_file(dir, "io", "rchar: 1200\nwchar: 3400\nsyscr: 5\nsyscw: 6\nread_bytes: 0\n"
                          "write_bytes: 4096\ncancelled_write_bytes: 0\n");
    write_file(dir, "partial", "rchar: 7\n");
    char path[512];
    double read_bytes, write_bytes;
    snprintf(path, sizeof path, "%s/io", dir);
    perfbudget__io_read(path, &read_bytes, &write_bytes);
    assert_true(read_bytes == 1200 && write_bytes == 3400);
    snprintf(path, sizeof path, "%s/partial", dir);
    perfbudget__io_read(path, &read_bytes, &write_bytes);
    assert_true(read_bytes == 7 && isnan(write_bytes)); /* not given: n/a, never 0 */
    snprintf(path, sizeof path, "%s/missing", dir);
    perfbudget__io_read(path, &read_bytes, &write_bytes);
    assert_true(isnan(read_bytes) && isnan(write_bytes));
    char command[600];
    snprintf(command, sizeof command, "rm -rf %s", dir);
    assert_int_equal(system(command), 0);
}

static void test_io_counts_at_least_what_this_thread_wrote(void **state) {
    (void)state;
    double read_before, write_before, read_after, write_after;
    perfbudget__io_read("/proc/thread-self/io", &read_before, &write_before);
    if (isnan(write_before)) {
        print_message("skipped: no /proc/thread-self/io here, so I/O bytes are n/a\n");
        skip();
    }
    int fd = open("/dev/null", O_WRONLY);
    assert_true(fd >= 0);
    char block[4096] = {0};
    for (int i = 0; i < 4; i++) assert_int_equal(write(fd, block, sizeof block), sizeof block);
    close(fd);
    perfbudget__io_read("/proc/thread-self/io", &read_after, &write_after);
    assert_true(write_after - write_before >= 4 * sizeof block);
}

static void test_rapl_reader_sums_packages_and_undoes_a_wrap(void **state) {
    (void)state;
    char root[] = "/tmp/perfbudget-rapl-XXXXXX";
    assert_non_null(mkdtemp(root));
    perfbudget__rapl none, start, end;
    perfbudget__rapl_read(root, &none); /* no zones: n/a */
    assert_int_equal(none.count, 0);
    char dir[512];
    for (int zone = 0; zone < 2; zone++) {
        snprintf(dir, sizeof dir, "%s/intel-rapl:%d", root, zone);
        assert_int_equal(mkdir(dir, 0700), 0);
        write_file(dir, "max_energy_range_uj", "1000000000\n");
    }
    /* a subzone (the cores) is inside its package's figure: not counted again */
    snprintf(dir, sizeof dir, "%s/intel-rapl:0:0", root);
    assert_int_equal(mkdir(dir, 0700), 0);
    write_file(dir, "energy_uj", "999999999\n");
    snprintf(dir, sizeof dir, "%s/intel-rapl:0", root);
    write_file(dir, "energy_uj", "5000000\n");
    snprintf(dir, sizeof dir, "%s/intel-rapl:1", root);
    write_file(dir, "energy_uj", "999000000\n");
    perfbudget__rapl_read(root, &start);
    assert_int_equal(start.count, 2);
    assert_true(isnan(perfbudget__rapl_joules(&none, &start)));
    snprintf(dir, sizeof dir, "%s/intel-rapl:0", root);
    write_file(dir, "energy_uj", "7500000\n"); /* +2.5 J */
    snprintf(dir, sizeof dir, "%s/intel-rapl:1", root);
    write_file(dir, "energy_uj", "500000\n"); /* wrapped at 1000 J: +1.5 J */
    perfbudget__rapl_read(root, &end);
    assert_true(fabs(perfbudget__rapl_joules(&start, &end) - 4.0) < 1e-9);
    char command[600];
    snprintf(command, sizeof command, "rm -rf %s", root);
    assert_int_equal(system(command), 0);
}

/* A result whose figures are set by hand: 10 iterations. */
static perfbudget_result *result_with(void **state, const perfbudget_metrics *m) {
    const double samples[] = {100, 110, 120};
    perfbudget_result *r = NULL;
    assert_int_equal(perfbudget_result_new(*state, "io_heavy", samples, 3, m, PERFBUDGET_RUN_OK,
                                           "", &r),
                     PERFBUDGET_OK);
    return r;
}

static void test_resource_figures_round_trip_and_missing_reads_as_na(void **state) {
    perfbudget_metrics m;
    perfbudget_metrics_init(&m);
    m.total_iterations = 10;
    m.io_read_bytes = 0; /* measured, and none: 0, not n/a */
    m.io_write_bytes = 40960;
    m.minor_faults = 3;
    m.gc_collections = 2;
    m.allocations_per_call = 12;
    perfbudget_result *r = result_with(state, &m);
    char path[] = "/tmp/perfbudget-resources-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(perfbudget_results_write_json(*state, path, "s", &r, 1), PERFBUDGET_OK);
    perfbudget_result **back = NULL;
    size_t count = 0;
    assert_int_equal(perfbudget_results_new_from_file(*state, path, &back, &count), PERFBUDGET_OK);
    const perfbudget_metrics *b = perfbudget_result_metrics(back[0]);
    assert_true(b->io_read_bytes == 0 && b->io_write_bytes == 40960 && b->minor_faults == 3);
    assert_true(b->gc_collections == 2 && b->allocations_per_call == 12);
    /* not measured, as in every older file: n/a */
    assert_true(isnan(b->major_faults) && isnan(b->energy_joules) && isnan(b->gc_time_ns));
    perfbudget_results_free(back, count);
    /* a negative figure from a broken writer is refused, named */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"schema\": \"perfbudget-result\", \"schema_version\": 1, \"benchmarks\": [{\"name\": "
          "\"x\", \"samples\": [1], \"metrics\": {\"major_faults\": -1}}]}", f);
    fclose(f);
    assert_int_equal(perfbudget_results_new_from_file(*state, path, &back,
                                                      &count), PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state), "major_faults"));
    unlink(path);
    perfbudget_result_free(r);
}

static void test_a_resource_budget_fails_per_iteration_with_a_clear_line(void **state) {
    static const char text[] = "version: 1\n"
                               "budgets:\n"
                               "  io_heavy:\n"
                               "    resources:\n"
                               "      io_write: 2 KB\n"
                               "      minor_faults: 1\n"
                               "      energy: 5\n";
    perfbudget_budget *budget = NULL;
    assert_int_equal(perfbudget_budget_new_from_text(*state, text, strlen(text), "b.yml", &budget,
                                                     NULL, 0, NULL),
                     PERFBUDGET_OK);
    perfbudget_metrics m;
    perfbudget_metrics_init(&m);
    m.total_iterations = 10;
    m.io_write_bytes = 40960; /* 4096 B per iteration */
    m.minor_faults = 3;       /* 0.3 per iteration */
    perfbudget_result *r = result_with(state, &m);
    perfbudget_limit_status worst;
    assert_int_equal(perfbudget_result_judge(*state, r, budget, NULL, &worst), PERFBUDGET_OK);
    assert_int_equal(worst, PERFBUDGET_LIMIT_FAIL);
    const perfbudget_limit_verdict *v;
    assert_int_equal(perfbudget_result_verdicts(r, &v), 3);
    assert_int_equal(v[0].status, PERFBUDGET_LIMIT_FAIL);
    assert_string_equal(v[0].limit->name, "io_write");
    assert_true(v[0].measured == 4096);
    assert_non_null(strstr(v[0].text, "io_write"));
    assert_non_null(strstr(v[0].text, "> 2 KB budget"));
    assert_int_equal(v[1].status, PERFBUDGET_LIMIT_PASS);
    assert_int_equal(v[2].status, PERFBUDGET_LIMIT_UNAVAILABLE); /* no RAPL: n/a, not 0 J */
    /* the test's report says it, with the resources line */
    char *report = NULL;
    assert_int_equal(perfbudget_render_test_report(*state, r, NULL, 0, &report), PERFBUDGET_OK);
    assert_non_null(strstr(report, "resources per iteration: I/O n/a read, 4.00 KiB written"));
    assert_non_null(strstr(report, "energy n/a"));
    perfbudget_free(report);
    perfbudget_result_free(r);
    perfbudget_budget_free(budget);
    /* a misspelt key is named with the valid ones */
    static const char typo[] = "version: 1\nbudgets:\n  x:\n    resources:\n      io_writes: 1\n";
    assert_int_equal(perfbudget_budget_new_from_text(*state, typo, strlen(typo), "t.yml", &budget,
                                                     NULL, 0, NULL),
                     PERFBUDGET_EPARSE);
    assert_non_null(strstr(perfbudget_errmsg(*state), "did you mean 'io_write'?"));
}

static void test_reports_list_the_resources_with_na(void **state) {
    perfbudget_metrics m;
    perfbudget_metrics_init(&m);
    m.total_iterations = 10;
    m.io_write_bytes = 40960;
    m.major_faults = 0;
    perfbudget_result *r = result_with(state, &m);
    perfbudget_metrics none;
    perfbudget_metrics_init(&none);
    perfbudget_result *plain = result_with(state, &none);
    perfbudget_result *both[] = {r, plain};
    char *text = NULL;
    assert_int_equal(perfbudget_render_report(*state, both, 2, PERFBUDGET_REPORT_MARKDOWN, NULL,
                                              &text),
                     PERFBUDGET_OK);
    assert_non_null(strstr(text, "resources per iteration"));
    assert_non_null(strstr(text, "| io_heavy | n/a | 4.00 KiB | n/a | 0 | n/a |"));
    /* one row: a result without any figure has none */
    assert_null(strstr(strstr(text, "| io_heavy | n/a | 4.00 KiB") + 1, "| io_heavy | n/a"));
    perfbudget_free(text);
    assert_int_equal(perfbudget_render_report(*state, &r, 1, PERFBUDGET_REPORT_CSV, NULL, &text),
                     PERFBUDGET_OK);
    assert_non_null(strstr(text, "io_heavy,io_write,4096,B,resources,"));
    assert_null(strstr(text, "io_read")); /* n/a: no row, never 0 */
    perfbudget_free(text);
    assert_int_equal(perfbudget_render_report(*state, &r, 1, PERFBUDGET_REPORT_HTML, NULL, &text),
                     PERFBUDGET_OK);
    assert_non_null(strstr(text, "<table class=\"resources\">"));
    assert_non_null(strstr(text, "<td>n/a</td><td>4.00 KiB</td>"));
    perfbudget_free(text);
    /* without any figure (fake clocks, imports, older files): no resources line */
    assert_int_equal(perfbudget_render_test_report(*state, plain, NULL, 0, &text), PERFBUDGET_OK);
    assert_null(strstr(text, "resources"));
    perfbudget_free(text);
    perfbudget_result_free(r);
    perfbudget_result_free(plain);
}

static void test_a_measured_benchmark_has_fault_and_io_figures_or_na(void **state) {
    /* The kernel counts every thread's faults (getrusage): a figure, possibly 0; I/O only
     * where /proc/thread-self/io exists. */
    char *argv[] = {"/bin/sh", "-c", "echo hello", NULL};
    perfbudget_command_options opts;
    perfbudget_command_options_init(&opts);
    opts.warmup_runs = 0;
    opts.runs = 2;
    perfbudget_result *r = NULL;
    assert_int_equal(perfbudget_command_measure(*state, "cmd", argv, &opts, &r), PERFBUDGET_OK);
    const perfbudget_metrics *m = perfbudget_result_metrics(r);
    assert_true(m->minor_faults > 0); /* starting a program faults pages in */
    assert_true(m->major_faults >= 0);
    double read_bytes, write_bytes;
    perfbudget__io_read("/proc/self/io", &read_bytes, &write_bytes);
    if (!isnan(write_bytes)) /* each run wrote "hello\n" to its captured output */
        assert_true(m->io_write_bytes >= 2 * 6);
    else
        assert_true(isnan(m->io_write_bytes));
    assert_true(isnan(m->gc_collections) && isnan(m->allocations_per_call));
    perfbudget_result_free(r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_peak_follows_a_large_allocation, context_setup,
                                        context_teardown),
        cmocka_unit_test(test_io_reader_takes_rchar_and_wchar_from_a_fake_proc),
        cmocka_unit_test(test_io_counts_at_least_what_this_thread_wrote),
        cmocka_unit_test(test_rapl_reader_sums_packages_and_undoes_a_wrap),
        cmocka_unit_test_setup_teardown(test_resource_figures_round_trip_and_missing_reads_as_na,
                                        context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_a_resource_budget_fails_per_iteration_with_a_clear_line,
                                        context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_reports_list_the_resources_with_na, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_a_measured_benchmark_has_fault_and_io_figures_or_na,
                                        context_setup, context_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
