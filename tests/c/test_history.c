/* SPDX-License-Identifier: MIT */
/* The history store: round trips, lookups, baselines, series, pruning, concurrent writers, a
 * writer killed mid-write, damaged files, paths that are no history, readers that leave
 * nothing behind. With PERFBUDGET_TEST_HISTORY_BACKEND=postgresql, the tests that look at no
 * file run against the PostgreSQL server PERFBUDGET_TEST_POSTGRESQL names (tests/postgresql/
 * start), each in a schema of its own, and the same runs recorded in both give the same
 * answers. */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* mknod */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef PERFBUDGET_HAVE_LIBPQ
#include <libpq-fe.h>
#endif

#include "internal.h"
#include "test_helpers.h"

static char directory[] = "/tmp/perfbudget-history-XXXXXX";
static char path[256];
static const char *postgresql; /* the server's URI when the tests run against PostgreSQL */

static int make_directory(void **state) {
    (void)state;
    if (mkdtemp(directory) == NULL) return -1;
    return 0;
}

static int remove_directory(void **state) {
    (void)state;
    char command[300];
    snprintf(command, sizeof command, "rm -rf %s", directory);
    return system(command);
}

static const char *fresh_file(const char *name) {
    snprintf(path, sizeof path, "%s/%s/nested/history.sqlite", directory, name);
    return path;
}

/* A URI of the server whose searched schema is test_NAME, made empty. */
static const char *fresh_schema(const char *name) {
#ifdef PERFBUDGET_HAVE_LIBPQ
    PGconn *connection = PQconnectdb(postgresql);
    if (PQstatus(connection) != CONNECTION_OK) fail_msg("%s", PQerrorMessage(connection));
    char sql[256];
    snprintf(sql, sizeof sql, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS test_%s "
             "CASCADE; CREATE SCHEMA test_%s", name, name);
    PGresult *result = PQexec(connection, sql);
    if (PQresultStatus(result) != PGRES_COMMAND_OK) fail_msg("%s", PQerrorMessage(connection));
    PQclear(result);
    PQfinish(connection);
    snprintf(path, sizeof path, "%s%coptions=-csearch_path%%3Dtest_%s", postgresql,
             strchr(postgresql, '?') ? '&' : '?', name);
    return path;
#else
    (void)name;
    fail_msg("built without libpq");
    return NULL;
#endif
}

/* A fresh database for each test. */
static const char *fresh(const char *name) {
    return postgresql != NULL ? fresh_schema(name) : fresh_file(name);
}

static perfbudget_result *result_of(perfbudget_context *ctx, const char *name, double centre) {
    double samples[12];
    for (int i = 0; i < 12; i++) samples[i] = centre * (1.0 + 0.01 * (i % 4)) + 1e-7 * i;
    perfbudget_metrics m;
    perfbudget_metrics_init(&m);
    m.peak_rss_bytes = 4096;
    m.rounds = 12;
    perfbudget_result *r;
    assert_int_equal(perfbudget_result_new(ctx, name, samples, 12, &m, PERFBUDGET_RUN_OK, "", &r),
                     PERFBUDGET_OK);
    return r;
}

static perfbudget_history *open_history(perfbudget_context *ctx, const char *name) {
    perfbudget_history *h = NULL;
    int code = perfbudget_history_new(ctx, fresh(name), &h);
    if (code != PERFBUDGET_OK) fail_msg("open: %s", perfbudget_errmsg(ctx));
    return h;
}

static int64_t add(perfbudget_context *ctx, perfbudget_history *h, const char *branch,
                   const char *commit, double centre) {
    perfbudget_result *r[2] = {result_of(ctx, "decode", centre), result_of(ctx, "encode", 2 * centre)};
    perfbudget_result_set_identity(r[1], "v2");
    perfbudget_result_add_metric(ctx, r[1], "hit_rate", 91.5, "%", 1);
    perfbudget_run_info info = {.source = "cli", .commit = commit, .branch = branch,
                                .environment = "env-A"};
    int64_t id = 0;
    int code = perfbudget_history_add_run(h, &info, r, 2, &id);
    if (code != PERFBUDGET_OK) fail_msg("add_run: %s", perfbudget_errmsg(ctx));
    perfbudget_result_free(r[0]);
    perfbudget_result_free(r[1]);
    return id;
}

static void test_round_trip(void **state) {
    perfbudget_history *h = open_history(*state, "round_trip");
    int64_t id = add(*state, h, "main", "abc123", 1000);
    perfbudget_result **loaded;
    size_t count;
    assert_int_equal(perfbudget_history_load_run(h, id, &loaded, &count), PERFBUDGET_OK);
    assert_int_equal(count, 2);
    perfbudget_result *original = result_of(*state, "decode", 1000);
    size_t n1, n2;
    const double *a = perfbudget_result_samples(original, &n1), *b = perfbudget_result_samples(loaded[0], &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, n1 * sizeof *a); /* every bit */
    assert_memory_equal(perfbudget_result_summary(original), perfbudget_result_summary(loaded[0]),
                        sizeof(perfbudget_summary));
    assert_string_equal(perfbudget_result_name(loaded[1]), "encode");
    assert_string_equal(perfbudget_result_identity(loaded[1]), "v2");
    assert_int_equal(perfbudget_result_metric_count(loaded[1]), 1);
    assert_close(perfbudget_result_metrics(loaded[0])->peak_rss_bytes, 4096, 0);
    perfbudget_results_free(loaded, count);
    perfbudget_result_free(original);
    perfbudget_run_record record;
    assert_int_equal(perfbudget_history_run(h, id, &record), PERFBUDGET_OK);
    assert_string_equal(record.branch, "main");
    assert_string_equal(record.commit, "abc123");
    assert_string_equal(record.environment, "env-A");
    assert_int_equal(record.result_count, 2);
    assert_int_equal(perfbudget_history_run(h, 999, &record), PERFBUDGET_ENOTFOUND);
    perfbudget_history_free(h);
}

static void test_lookups_and_baselines(void **state) {
    perfbudget_history *h = open_history(*state, "lookups");
    char why[256];
    int64_t found;
    assert_int_equal(perfbudget_history_find(h, NULL, "env-A", "main", &found, why, sizeof why),
                     PERFBUDGET_ENOTFOUND);
    assert_non_null(strstr(why, "no earlier run"));
    int64_t first = add(*state, h, "main", "c1", 1000);
    int64_t feature = add(*state, h, "feature", "c2", 1000);
    int64_t second = add(*state, h, "main", "c3", 1000);
    assert_int_equal(perfbudget_history_find(h, "latest", "env-A", "main", &found, why, sizeof why),
                     PERFBUDGET_OK);
    assert_int_equal(found, second);
    assert_non_null(strstr(why, "latest run"));
    assert_int_equal(perfbudget_history_find(h, NULL, "env-A", "feature", &found, why, sizeof why),
                     PERFBUDGET_OK);
    assert_int_equal(found, feature);
    assert_int_equal(perfbudget_history_find(h, NULL, "env-B", "main", &found, why, sizeof why),
                     PERFBUDGET_ENOTFOUND); /* another environment is never the default */
    /* latest, per benchmark: a later run of a subset does not hide the others */
    perfbudget_result *only = result_of(*state, "decode", 5000);
    perfbudget_run_info subset = {.source = "cli", .branch = "main", .environment = "env-A"};
    int64_t partial;
    assert_int_equal(perfbudget_history_add_run(h, &subset, &only, 1, &partial), PERFBUDGET_OK);
    perfbudget_result_free(only);
    perfbudget_result **latest;
    size_t latest_count;
    assert_int_equal(perfbudget_history_load_latest(h, "env-A", "main", &latest, &latest_count),
                     PERFBUDGET_OK);
    assert_int_equal(latest_count, 2);
    assert_string_equal(perfbudget_result_name(latest[0]), "decode");
    assert_true(perfbudget_result_summary(latest[0])->median > 4000); /* from the subset run */
    assert_string_equal(perfbudget_result_name(latest[1]), "encode");  /* from the run before */
    perfbudget_results_free(latest, latest_count);
    assert_int_equal(perfbudget_history_load_latest(h, "env-B", "main", &latest, &latest_count),
                     PERFBUDGET_OK);
    assert_int_equal(latest_count, 0);
    perfbudget_results_free(latest, latest_count);
    assert_int_equal(perfbudget_history_find(h, "commit:c1", "env-A", NULL, &found, why, sizeof why),
                     PERFBUDGET_OK);
    assert_int_equal(found, first);
    assert_int_equal(perfbudget_history_save_baseline(h, "release", first), PERFBUDGET_OK);
    assert_int_equal(perfbudget_history_find(h, "release", "env-A", NULL, &found, why, sizeof why),
                     PERFBUDGET_OK);
    assert_int_equal(found, first);
    assert_int_equal(perfbudget_history_save_baseline(h, "release", 0), PERFBUDGET_OK); /* moves */
    assert_int_equal(perfbudget_history_find(h, "release", NULL, NULL, &found, why, sizeof why),
                     PERFBUDGET_OK);
    assert_int_equal(found, partial);
    assert_int_equal(perfbudget_history_find(h, "nightly", NULL, NULL, &found, why, sizeof why),
                     PERFBUDGET_ENOTFOUND);
    assert_non_null(strstr(perfbudget_errmsg(*state), "no baseline named 'nightly'"));
    char run_spec[32];
    snprintf(run_spec, sizeof run_spec, "run:%lld", (long long)second);
    assert_int_equal(perfbudget_history_find(h, run_spec, NULL, NULL, &found, why, sizeof why),
                     PERFBUDGET_OK);
    assert_int_equal(found, second);
    assert_int_equal(perfbudget_history_find(h, "run:99999", NULL, NULL, &found, why, sizeof why),
                     PERFBUDGET_ENOTFOUND);
    assert_int_equal(perfbudget_history_find(h, "run:2x", NULL, NULL, &found, why, sizeof why),
                     PERFBUDGET_EINVAL); /* once read as run 2 */
    assert_non_null(strstr(why, "run:ID needs a run number"));
    assert_int_equal(perfbudget_history_find(h, "run:", NULL, NULL, &found, why, sizeof why),
                     PERFBUDGET_EINVAL);
    assert_int_equal(perfbudget_history_save_baseline(h, "x", 12345), PERFBUDGET_ENOTFOUND);
    perfbudget_baseline_record baselines[4];
    size_t count;
    assert_int_equal(perfbudget_history_baselines(h, baselines, 4, &count), PERFBUDGET_OK);
    assert_int_equal(count, 1);
    assert_string_equal(baselines[0].name, "release");
    perfbudget_history_free(h);
}

/* A fleet: runners of one type (fingerprints alike but for the host) share merge-base runs and
 * the run-to-run spread; another type never does. */
static int64_t add_on(perfbudget_context *ctx, perfbudget_history *h, const char *environment,
                      const char *branch, const char *commit, double centre) {
    perfbudget_result *r = result_of(ctx, "decode", centre);
    perfbudget_run_info info = {.source = "ctest", .commit = commit, .branch = branch,
                                .environment = environment};
    int64_t id = 0;
    if (perfbudget_history_add_run(h, &info, &r, 1, &id) != PERFBUDGET_OK)
        fail_msg("add_run: %s", perfbudget_errmsg(ctx));
    perfbudget_result_free(r);
    return id;
}

static void test_runner_types(void **state) {
    const char *runner_a = "host=runner-a; cpu=EPYC 7763; cores=4; os=Linux 6.5 x86_64; "
                           "toolchain=GCC 12",
               *runner_b = "host=runner-b; cpu=EPYC 7763; cores=4; os=Linux 6.5 x86_64; "
                           "toolchain=GCC 12",
               *arm = "host=runner-c; cpu=Neoverse-N1; cores=4; os=Linux 6.5 aarch64; "
                      "toolchain=GCC 12";
    assert_string_equal(perfbudget_environment_runner_type(runner_a),
                        "cpu=EPYC 7763; cores=4; os=Linux 6.5 x86_64; toolchain=GCC 12");
    assert_string_equal(perfbudget_environment_runner_type(runner_a),
                        perfbudget_environment_runner_type(runner_b));
    assert_string_equal(perfbudget_environment_runner_type("env-A"), "env-A");
    char fingerprint[512];
    const char *here = perfbudget_environment_fingerprint(NULL, fingerprint, sizeof fingerprint);
    assert_null(strstr(perfbudget_environment_runner_type(here), "host="));

    perfbudget_history *h = open_history(*state, "runner_types");
    /* main's runs alternate between the two runners; the merge base ran on runner-b */
    for (int i = 0; i < 6; i++) add_on(*state, h, i % 2 ? runner_b : runner_a, "main", "old", 1000);
    int64_t base = add_on(*state, h, runner_b, "main", "merge-base-sha", 1000);
    int64_t other_type = add_on(*state, h, arm, "main", "merge-base-sha", 3000);
    /* ends as runner-a's fingerprint does, but its type has one field more */
    char longer[512];
    snprintf(longer, sizeof longer, "host=runner-d; cpu=Other; %s",
             perfbudget_environment_runner_type(runner_a));
    add_on(*state, h, longer, "main", "merge-base-sha", 5000);
    add_on(*state, h, runner_a, "feature", "head", 1000);
    int64_t found;
    char why[512];
    /* runner-a's pull request finds main's run of the merge base recorded on runner-b ... */
    assert_int_equal(perfbudget_history_find(h, "commit:merge-base-sha", runner_a, "feature",
                                             &found, why, sizeof why),
                     PERFBUDGET_OK);
    assert_int_equal(found, base);
    assert_non_null(strstr(why, "recorded on another runner of this type (host=runner-b)"));
    /* ... and never the newer one of another type */
    assert_int_equal(perfbudget_history_find(h, "commit:merge-base-sha", arm, NULL, &found, why,
                                             sizeof why),
                     PERFBUDGET_OK);
    assert_int_equal(found, other_type);
    assert_int_equal(perfbudget_history_find(h, "commit:head", arm, NULL, &found, why, sizeof why),
                     PERFBUDGET_ENOTFOUND);
    assert_non_null(strstr(why, "on this runner type"));
    /* latest stays on this host */
    assert_int_equal(perfbudget_history_find(h, "latest", runner_b, "feature", &found, why,
                                             sizeof why),
                     PERFBUDGET_ENOTFOUND);
    /* the spread: main's 7 runs of this type up to the baseline, from both runners */
    double *medians;
    size_t count;
    assert_int_equal(perfbudget_history_run_medians(h, "decode", "", runner_a, "main", base, 10,
                                                    &medians, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 7);
    for (size_t i = 0; i < count; i++) assert_true(medians[i] < 2000); /* no other type's */
    perfbudget_free(medians);
    perfbudget_runner_type_record *types;
    assert_int_equal(perfbudget_history_runner_types(h, NULL, &types, &count), PERFBUDGET_OK);
    assert_int_equal(count, 3);
    assert_string_equal(types[0].runner_type, perfbudget_environment_runner_type(runner_a));
    assert_int_equal(types[0].runs, 8);
    assert_int_equal(types[0].hosts, 2);
    assert_int_equal(types[0].latest_run, other_type + 2);
    assert_string_equal(types[1].runner_type, perfbudget_environment_runner_type(longer));
    assert_string_equal(types[2].runner_type, perfbudget_environment_runner_type(arm));
    assert_int_equal(types[2].runs, 1);
    assert_int_equal(types[2].hosts, 1);
    perfbudget_free(types);
    /* the types that measured a commit: where its merge-base run can be found */
    assert_int_equal(perfbudget_history_runner_types(h, "merge-base-sha", &types, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 3);
    assert_int_equal(types[2].runs, 1);
    assert_int_equal(types[2].latest_run, base);
    perfbudget_free(types);
    assert_int_equal(perfbudget_history_runner_types(h, "head", &types, &count), PERFBUDGET_OK);
    assert_int_equal(count, 1);
    assert_int_equal(types[0].runs, 1);
    perfbudget_free(types);
    assert_int_equal(perfbudget_history_runner_types(h, "never-measured", &types, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 0);
    perfbudget_free(types);
    perfbudget_history_free(h);
}

static void test_series_and_prune(void **state) {
    perfbudget_history *h = open_history(*state, "series");
    int64_t ids[10];
    for (int i = 0; i < 10; i++) ids[i] = add(*state, h, "main", "c", 1000 + i);
    perfbudget_series_point *points;
    size_t count;
    assert_int_equal(perfbudget_history_series(h, "decode", 4, 0, &points, &count), PERFBUDGET_OK);
    assert_int_equal(count, 4);
    assert_int_equal(points[0].run_id, ids[6]); /* the last four, oldest first */
    assert_int_equal(points[3].run_id, ids[9]);
    assert_true(points[3].median > points[0].median);
    perfbudget_free(points);
    char **names;
    assert_int_equal(perfbudget_history_benchmarks(h, "enc*", &names, &count), PERFBUDGET_OK);
    assert_int_equal(count, 1);
    assert_string_equal(names[0], "encode");
    perfbudget_strings_free(names, count);
    assert_int_equal(perfbudget_history_save_baseline(h, "old", ids[0]), PERFBUDGET_OK);
    size_t deleted;
    assert_int_equal(perfbudget_history_prune(h, 3, &deleted), PERFBUDGET_OK);
    assert_int_equal(deleted, 6); /* 10 runs, 3 kept, 1 kept for its baseline */
    perfbudget_run_record runs[20];
    assert_int_equal(perfbudget_history_runs(h, runs, 20, &count), PERFBUDGET_OK);
    assert_int_equal(count, 4);
    assert_int_equal(runs[3].id, ids[0]);
    perfbudget_history_free(h);
}

/* A process that appends `runs` runs (forever for runs < 0) of `results` results each
 * (at most 5, named a to e) to the history at location, then exits 0; 1 when it cannot open the
 * history, 2 when a run is refused. With gate >= 0 it opens the history only once it has
 * read a byte from gate (the parent writes one for each writer: all start at once). Returns
 * its pid. */
static pid_t spawn_writer(const char *location, int runs, int results, int gate) {
    pid_t child = fork();
    if (child != 0) return child;
    char byte;
    if (gate >= 0 && read(gate, &byte, 1) != 1) _exit(3);
    perfbudget_context *ctx;
    perfbudget_history *mine;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK ||
        perfbudget_history_new(ctx, location, &mine) != PERFBUDGET_OK)
        _exit(1);
    static const char *const names[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; runs < 0 || i < runs; i++) {
        perfbudget_result *r[5];
        for (int k = 0; k < results; k++) r[k] = result_of(ctx, names[k], 1000 + k);
        perfbudget_run_info info = {.source = "cli", .branch = "main"};
        int code = perfbudget_history_add_run(mine, &info, r, (size_t)results, NULL);
        for (int k = 0; k < results; k++) perfbudget_result_free(r[k]);
        if (code != PERFBUDGET_OK) _exit(2);
    }
    perfbudget_history_free(mine);
    perfbudget_context_free(ctx);
    _exit(0);
}

/* Waits for the writers (spawn_writer, or forks like them) and fails unless each exited 0. */
static void await_writers(const pid_t *children, int count) {
    for (int c = 0; c < count; c++) {
        int status;
        waitpid(children[c], &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail_msg("writer %d (pid %ld) ended with status %d", c, (long)children[c], status);
    }
}

/* 8 processes open one new history at the same moment, 10 times: every one opens it and
 * records its run. Switching a new SQLite file to WAL answers some of them SQLITE_BUSY at once,
 * whatever the busy timeout (a fresh-clone CI run saw "the database is locked" from 3 of 8
 * CLI writers); the opening is tried again. */
static void test_concurrent_first_open(void **state) {
    for (int round = 0; round < 10; round++) {
        char name[32];
        snprintf(name, sizeof name, "first_open_%d", round);
        const char *location = fresh(name);
        int gate[2];
        assert_int_equal(pipe(gate), 0);
        pid_t children[8];
        for (int c = 0; c < 8; c++) children[c] = spawn_writer(location, 1, 1, gate[0]);
        assert_int_equal(write(gate[1], "gogogogo", 8), 8); /* one byte each: go */
        close(gate[0]);
        close(gate[1]);
        await_writers(children, 8);
        perfbudget_history *h;
        perfbudget_history_size size;
        assert_int_equal(perfbudget_history_new(*state, location, &h), PERFBUDGET_OK);
        assert_int_equal(perfbudget_history_measure(h, &size), PERFBUDGET_OK);
        assert_int_equal(size.runs, 8);
        perfbudget_history_free(h);
    }
}

/* 8 processes append 100 runs each at once: exactly 800 runs, each complete. */
static void test_concurrent_writers(void **state) {
    const char *db = fresh("concurrent");
    perfbudget_history *h = open_history(*state, "concurrent");
    perfbudget_history_free(h);
    pid_t children[8];
    for (int c = 0; c < 8; c++) children[c] = spawn_writer(db, 100, 1, -1);
    await_writers(children, 8);
    perfbudget_history_size size;
    assert_int_equal(perfbudget_history_new(*state, db, &h), PERFBUDGET_OK);
    assert_int_equal(perfbudget_history_measure(h, &size), PERFBUDGET_OK);
    assert_int_equal(size.runs, 800);
    assert_int_equal(size.results, 800);
    perfbudget_history_free(h);
}

/* Readers during the writes never see half a run: while 4 writers append 40 runs of 5
 * results each, a reader (its own read-only connection) lists the runs and loads the newest
 * again and again; every run it sees has all 5 results, each with all 12 samples. */
static void test_reader_sees_whole_runs(void **state) {
    const char *db = fresh("readers");
    perfbudget_history *h = open_history(*state, "readers");
    perfbudget_history_free(h);
    enum { WRITERS = 4, RUNS = 40, RESULTS = 5 };
    pid_t children[WRITERS];
    for (int c = 0; c < WRITERS; c++) children[c] = spawn_writer(db, RUNS, RESULTS, -1);
    perfbudget_history *reader;
    assert_int_equal(perfbudget_history_new_read_only(*state, db, &reader), PERFBUDGET_OK);
    perfbudget_run_record *runs = malloc(WRITERS * RUNS * sizeof *runs);
    size_t reads = 0, count, running = WRITERS;
    do {
        assert_int_equal(perfbudget_history_runs(reader, runs, WRITERS * RUNS, &count),
                         PERFBUDGET_OK);
        for (size_t i = 0; i < count; i++) assert_int_equal(runs[i].result_count, RESULTS);
        if (count > 0) {
            perfbudget_result **loaded;
            size_t loaded_count;
            assert_int_equal(perfbudget_history_load_run(reader, runs[0].id, &loaded,
                                                         &loaded_count), PERFBUDGET_OK);
            assert_int_equal(loaded_count, RESULTS);
            for (size_t k = 0; k < loaded_count; k++) {
                size_t n;
                perfbudget_result_samples(loaded[k], &n);
                assert_int_equal(n, 12);
            }
            perfbudget_results_free(loaded, loaded_count);
        }
        reads++;
        for (int c = 0; c < WRITERS; c++) {
            int status;
            if (children[c] > 0 && waitpid(children[c], &status, WNOHANG) == children[c]) {
                assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
                children[c] = 0;
                running--;
            }
        }
    } while (running > 0);
    print_message("%zu reads during the writes\n", reads);
    assert_int_equal(perfbudget_history_runs(reader, runs, WRITERS * RUNS, &count), PERFBUDGET_OK);
    assert_int_equal(count, WRITERS * RUNS);
    for (size_t i = 0; i < count; i++) assert_int_equal(runs[i].result_count, RESULTS);
    free(runs);
    perfbudget_history_free(reader);
}

/* A spooled run sent, then found in the spool again (the process crashed after the commit and
 * before removing the files): sent again, it is not recorded twice. Then 4 processes send the
 * same 6 spooled runs at once: each recorded once, and the spool is left empty. */
static void test_push_is_idempotent(void **state) {
    perfbudget_context *ctx = *state;
    const char *db = fresh("push");
    char location[1024], spool[512];
    snprintf(location, sizeof location, "%s", db);
    snprintf(spool, sizeof spool, "%s/spool-%s", directory, postgresql ? "postgresql" : "sqlite");
    setenv("PERFBUDGET_SPOOL_DIR", spool, 1);
    perfbudget_history *h;
    assert_int_equal(perfbudget_history_new(ctx, location, &h), PERFBUDGET_OK);
    perfbudget_result *r[2] = {result_of(ctx, "decode", 1000), result_of(ctx, "encode", 2000)};
    perfbudget_run_info info = {.source = "suite", .commit = "c1", .branch = "main",
                                .environment = "host=a; cpu=x"};
    char kept[4400];
    size_t sent;
    perfbudget_history_size size;
    for (int again = 0; again < 2; again++) {
        /* The same run spooled again: the files a crash would have left behind. */
        assert_int_equal(perfbudget_history_spool_run(ctx, location, &info, 1700000000000000123,
                                                      r, 2, kept, sizeof kept), PERFBUDGET_OK);
        assert_int_equal(access(kept, F_OK), 0);
        assert_int_equal(perfbudget_history_push_spool(ctx, h, location, &sent), PERFBUDGET_OK);
        assert_int_equal(sent, again ? 0 : 1);
        assert_int_not_equal(access(kept, F_OK), 0); /* it left the spool either way */
        assert_int_equal(perfbudget_history_measure(h, &size), PERFBUDGET_OK);
        assert_int_equal(size.runs, 1);
        assert_int_equal(size.results, 2);
    }
    enum { SPOOLED = 6, SENDERS = 4 };
    for (int i = 0; i < SPOOLED; i++)
        assert_int_equal(perfbudget_history_spool_run(ctx, location, &info,
                                                      1700000000000001000 + i, r, 2, kept,
                                                      sizeof kept), PERFBUDGET_OK);
    perfbudget_history_free(h);
    pid_t children[SENDERS];
    for (int c = 0; c < SENDERS; c++) {
        if ((children[c] = fork()) == 0) {
            perfbudget_context *mine_ctx;
            perfbudget_history *mine;
            size_t mine_sent;
            if (perfbudget_context_new(&mine_ctx) != PERFBUDGET_OK ||
                perfbudget_history_new(mine_ctx, location, &mine) != PERFBUDGET_OK)
                _exit(1);
            int code = perfbudget_history_push_spool(mine_ctx, mine, location, &mine_sent);
            if (code != PERFBUDGET_OK) fprintf(stderr, "push: %s\n", perfbudget_errmsg(mine_ctx));
            perfbudget_history_free(mine);
            perfbudget_context_free(mine_ctx);
            _exit(code == PERFBUDGET_OK ? (int)mine_sent + 10 : 1);
        }
    }
    int total = 0;
    for (int c = 0; c < SENDERS; c++) {
        int status;
        waitpid(children[c], &status, 0);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) >= 10);
        total += WEXITSTATUS(status) - 10;
    }
    assert_int_equal(total, SPOOLED); /* each sent by exactly one of them */
    assert_int_equal(perfbudget_history_new(ctx, location, &h), PERFBUDGET_OK);
    assert_int_equal(perfbudget_history_measure(h, &size), PERFBUDGET_OK);
    assert_int_equal(size.runs, 1 + SPOOLED);
    assert_int_equal(size.results, 2 * (1 + SPOOLED));
    DIR *left = opendir(spool);
    assert_non_null(left);
    struct dirent *entry;
    while ((entry = readdir(left)) != NULL)
        if (entry->d_name[0] != '.') fail_msg("%s left in the spool", entry->d_name);
    closedir(left);
    perfbudget_history_free(h);
    perfbudget_result_free(r[0]);
    perfbudget_result_free(r[1]);
    unsetenv("PERFBUDGET_SPOOL_DIR");
}

/* A writer killed with SIGKILL mid-stream leaves only whole runs behind. */
static void test_killed_writer(void **state) {
    const char *db = fresh("killed");
    perfbudget_history *h = open_history(*state, "killed");
    perfbudget_history_free(h);
    pid_t child = spawn_writer(db, -1, 3, -1);
    struct timespec pause = {0, 300000000};
    nanosleep(&pause, NULL);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    assert_int_equal(perfbudget_history_new(*state, db, &h), PERFBUDGET_OK);
    enum { MOST = 20000 };
    perfbudget_run_record *runs = malloc(MOST * sizeof *runs);
    size_t count;
    assert_int_equal(perfbudget_history_runs(h, runs, MOST, &count), PERFBUDGET_OK);
    print_message("%zu runs written before the kill\n", count);
    assert_true(count > 0);
    for (size_t i = 0; i < count; i++) assert_int_equal(runs[i].result_count, 3);
    free(runs);
    perfbudget_history_free(h);
}

static void test_damaged_and_unwritable(void **state) {
    const char *db = fresh("damaged");
    perfbudget_history *h = open_history(*state, "damaged");
    perfbudget_history_free(h);
    FILE *f = fopen(db, "w");
    fputs("this is not a database, but it is long enough to look like a header of one....", f);
    fclose(f);
    assert_int_equal(perfbudget_history_new(*state, db, &h), PERFBUDGET_EIO);
    assert_null(h);
    assert_non_null(strstr(perfbudget_errmsg(*state), "not a perfbudget history or is damaged"));
    assert_int_equal(perfbudget_history_new(*state, "/proc/perfbudget/history.sqlite", &h),
                     PERFBUDGET_EIO);
    assert_non_null(strstr(perfbudget_errmsg(*state), "/proc/perfbudget"));
}

/* The whole file, for checking that a refused file was left byte for byte as it was. */
static char *slurp(const char *file, size_t *size) {
    FILE *f = fopen(file, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long length = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)length + 1);
    *size = fread(data, 1, (size_t)length, f);
    fclose(f);
    return data;
}

static void spit(const char *file, const void *data, size_t size, const char *mode) {
    FILE *f = fopen(file, mode);
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, size, f), size);
    fclose(f);
}

static int file_exists(const char *file) { return access(file, F_OK) == 0; }

static void assert_refused_unchanged(perfbudget_context *ctx, const char *db, const char *phrase) {
    size_t before_size, after_size;
    char *before = slurp(db, &before_size);
    assert_non_null(before);
    perfbudget_history *h = NULL;
    assert_int_equal(perfbudget_history_new(ctx, db, &h), PERFBUDGET_EIO);
    assert_null(h);
    const char *message = perfbudget_errmsg(ctx);
    print_message("%s\n", message);
    assert_non_null(strstr(message, db));
    assert_non_null(strstr(message, phrase));
    char *after = slurp(db, &after_size);
    assert_int_equal(before_size, after_size);
    assert_memory_equal(before, after, before_size);
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", db);
    assert_false(file_exists(wal));
    free(before);
    free(after);
}

/* CPU samples ride with their result, every bit; a result without them comes back without. */
static void test_cpu_samples_round_trip(void **state) {
    perfbudget_history *h = open_history(*state, "cpu_samples");
    perfbudget_result *r[2] = {result_of(*state, "decode", 1000), result_of(*state, "encode", 5)};
    double cpu[12];
    for (int i = 0; i < 12; i++) cpu[i] = 987.654321 + 0.1 * i + 1e-9 * i;
    assert_int_equal(perfbudget_result_set_cpu_samples(*state, r[0], cpu, 12), PERFBUDGET_OK);
    perfbudget_run_info info = {.source = "cli", .environment = "env-A"};
    int64_t id = 0;
    assert_int_equal(perfbudget_history_add_run(h, &info, r, 2, &id), PERFBUDGET_OK);
    perfbudget_result **loaded;
    size_t count, n;
    assert_int_equal(perfbudget_history_load_run(h, id, &loaded, &count), PERFBUDGET_OK);
    assert_int_equal(count, 2);
    const double *back = perfbudget_result_cpu_samples(loaded[0], &n);
    assert_non_null(back);
    assert_int_equal(n, 12);
    assert_memory_equal(back, cpu, sizeof cpu);
    assert_null(perfbudget_result_cpu_samples(loaded[1], &n));
    assert_int_equal(n, 0);
    perfbudget_results_free(loaded, count);
    perfbudget_result_free(r[0]);
    perfbudget_result_free(r[1]);
    perfbudget_history_free(h);
}

/* Loaded results decode, encode and parse: decode's and parse's probe samples are whole and
 * fractional (12 each), encode has none. Frees them. */
static void assert_probe_samples(perfbudget_result **loaded, size_t count, const double *whole,
                                 const double *fractional) {
    size_t n;
    assert_int_equal(count, 3); /* by name: decode, encode, parse */
    const double *back = perfbudget_result_probe_samples(loaded[0], &n);
    assert_non_null(back);
    assert_int_equal(n, 12);
    assert_memory_equal(back, whole, 12 * sizeof *whole);
    assert_null(perfbudget_result_probe_samples(loaded[1], &n));
    assert_int_equal(n, 0);
    back = perfbudget_result_probe_samples(loaded[2], &n);
    assert_non_null(back);
    assert_int_equal(n, 12);
    assert_memory_equal(back, fractional, 12 * sizeof *fractional);
    perfbudget_results_free(loaded, count);
}

/* Probe samples ride with their result, every bit, packed as the samples are (whole numbers
 * in a few bytes each, others as doubles), copied as stored and counted in the stored sample
 * bytes; a result without them comes back without. */
static void test_probe_samples_round_trip(void **state) {
    perfbudget_history *h = open_history(*state, "probe_samples");
    perfbudget_result *r[3] = {result_of(*state, "decode", 1000), result_of(*state, "encode", 5),
                               result_of(*state, "parse", 70)};
    double whole[12], fractional[12];
    for (int i = 0; i < 12; i++) {
        whole[i] = 41234.0 + (double)((i * 7919) % 3001) - 1500.0; /* ns, as timed */
        fractional[i] = 38765.4321 + 0.1 * i + 1e-9 * i;
    }
    assert_int_equal(perfbudget_result_set_probe_samples(*state, r[0], whole, 12), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_set_probe_samples(*state, r[2], fractional, 12),
                     PERFBUDGET_OK);
    perfbudget_run_info info = {.source = "cli", .environment = "env-A"};
    int64_t id = 0;
    assert_int_equal(perfbudget_history_add_run(h, &info, r, 3, &id), PERFBUDGET_OK);
    perfbudget_history_size with, without;
    assert_int_equal(perfbudget_history_measure(h, &with), PERFBUDGET_OK);
    perfbudget_result **loaded;
    size_t count, n;
    assert_int_equal(perfbudget_history_load_run(h, id, &loaded, &count), PERFBUDGET_OK);
    assert_probe_samples(loaded, count, whole, fractional);
    perfbudget_history *copy = open_history(*state, "probe_samples_copy");
    size_t copied = 0, present = 0;
    assert_int_equal(perfbudget_history_copy(h, copy, &copied, &present), PERFBUDGET_OK);
    assert_int_equal(copied, 1);
    assert_int_equal(perfbudget_history_load_latest(copy, "env-A", NULL, &loaded, &count),
                     PERFBUDGET_OK);
    assert_probe_samples(loaded, count, whole, fractional);
    perfbudget_history_free(copy);
    /* The same run again without probe samples: the difference is theirs. The fractional ones
     * are 12 doubles and a 2-byte header; the whole ones at most 3 bytes each and 3 of header. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(perfbudget_result_set_probe_samples(*state, r[i], NULL, 0),
                         PERFBUDGET_OK);
    assert_int_equal(perfbudget_history_add_run(h, &info, r, 3, &id), PERFBUDGET_OK);
    assert_int_equal(perfbudget_history_measure(h, &without), PERFBUDGET_OK);
    int64_t probe_bytes = 2 * with.sample_bytes - without.sample_bytes;
    assert_in_range(probe_bytes, 2 + 12 * 8 + 3 + 12, 2 + 12 * 8 + 3 + 12 * 3);
    assert_int_equal(perfbudget_history_load_run(h, id, &loaded, &count), PERFBUDGET_OK);
    assert_null(perfbudget_result_probe_samples(loaded[0], &n));
    perfbudget_results_free(loaded, count);
    for (int i = 0; i < 3; i++) perfbudget_result_free(r[i]);
    perfbudget_history_free(h);
}

/* Probe samples of another count than the samples', or that do not unpack, are damage: the
 * load fails naming the history and the benchmark. */
static void test_damaged_probe_samples(void **state) {
    perfbudget_history *h = open_history(*state, "damaged_probe");
    perfbudget_result *r = result_of(*state, "decode", 1000);
    double probe[12];
    for (int i = 0; i < 12; i++) probe[i] = 40000.0 + i;
    assert_int_equal(perfbudget_result_set_probe_samples(*state, r, probe, 12), PERFBUDGET_OK);
    perfbudget_run_info info = {.source = "cli", .environment = "env-A"};
    int64_t id = 0;
    assert_int_equal(perfbudget_history_add_run(h, &info, &r, 1, &id), PERFBUDGET_OK);
    perfbudget_result_free(r);
    perfbudget_history_free(h);
    /* two whole numbers (1, 2) for 12 samples; then bytes that are no packed samples */
    static const char *const damage[] = {"UPDATE results SET probe_samples = x'0102010202'",
                                         "UPDATE results SET probe_samples = x'FF'"};
    for (size_t k = 0; k < sizeof damage / sizeof *damage; k++) {
        sqlite3 *raw;
        assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
        assert_int_equal(sqlite3_exec(raw, damage[k], NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(raw);
        assert_int_equal(perfbudget_history_new(*state, path, &h), PERFBUDGET_OK);
        perfbudget_result **loaded = NULL;
        size_t count = 0;
        assert_int_equal(perfbudget_history_load_run(h, id, &loaded, &count), PERFBUDGET_EIO);
        const char *message = perfbudget_errmsg(*state);
        print_message("%s\n", message);
        assert_non_null(strstr(message, path));
        assert_non_null(strstr(message, "damaged probe samples of decode"));
        assert_non_null(strstr(message, "for 12 samples"));
        perfbudget_history_free(h);
    }
}

/* A history written at schema version 2 (before CPU samples), frozen here as it was released:
 * it opens, upgrades to the current version, keeps its results (without CPU or probe samples)
 * and takes new results with them. */
/* A run of one benchmark in one mode. */
static int64_t add_in_mode(perfbudget_context *ctx, perfbudget_history *h, perfbudget_mode mode,
                           double centre) {
    perfbudget_result *r = result_of(ctx, "decode", centre);
    assert_int_equal(perfbudget_result_set_mode(r, mode), PERFBUDGET_OK);
    perfbudget_run_info info = {.source = "pytest", .environment = "env-A"};
    int64_t id = 0;
    if (perfbudget_history_add_run(h, &info, &r, 1, &id) != PERFBUDGET_OK)
        fail_msg("add_run: %s", perfbudget_errmsg(ctx));
    perfbudget_result_free(r);
    return id;
}

/* Saving a name from an instructions-mode run keeps the time-mode results it held, and the
 * other way round: one name, both modes, each from the run that last measured it. */
static void test_baseline_per_mode(void **state) {
    perfbudget_history *h = open_history(*state, "per_mode");
    int64_t timed = add_in_mode(*state, h, PERFBUDGET_MODE_TIME, 1000);
    assert_int_equal(perfbudget_history_save_baseline(h, "main", timed), PERFBUDGET_OK);
    int64_t counted = add_in_mode(*state, h, PERFBUDGET_MODE_INSTRUCTIONS, 5000);
    assert_int_equal(perfbudget_history_save_baseline(h, "main", counted), PERFBUDGET_OK);
    char why[256];
    int64_t found;
    assert_int_equal(perfbudget_history_find(h, "main", NULL, NULL, &found, why, sizeof why),
                     PERFBUDGET_OK);
    assert_int_equal(found, counted); /* the run saved last */
    perfbudget_result **loaded;
    size_t count;
    assert_int_equal(perfbudget_history_load_baseline(h, "main", found, &loaded, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 2);
    int modes = 0;
    for (size_t i = 0; i < count; i++) {
        perfbudget_mode mode = perfbudget_result_mode(loaded[i]);
        double median = perfbudget_result_summary(loaded[i])->median;
        modes |= 1 << mode;
        assert_true(mode == PERFBUDGET_MODE_TIME ? median < 2000 : median > 4000);
    }
    assert_int_equal(modes, (1 << PERFBUDGET_MODE_TIME) | (1 << PERFBUDGET_MODE_INSTRUCTIONS));
    perfbudget_results_free(loaded, count);
    /* a new time-mode save moves only the time mode */
    int64_t retimed = add_in_mode(*state, h, PERFBUDGET_MODE_TIME, 3000);
    assert_int_equal(perfbudget_history_save_baseline(h, "main", retimed), PERFBUDGET_OK);
    assert_int_equal(perfbudget_history_load_baseline(h, "main", retimed, &loaded, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 2);
    for (size_t i = 0; i < count; i++)
        assert_true(perfbudget_result_summary(loaded[i])->median > 2500);
    perfbudget_results_free(loaded, count);
    /* a run id is that run alone */
    assert_int_equal(perfbudget_history_load_baseline(h, "run:1", timed, &loaded, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 1);
    perfbudget_results_free(loaded, count);
    /* pruning keeps every run a name holds */
    size_t deleted = 0;
    assert_int_equal(perfbudget_history_prune(h, 1, &deleted), PERFBUDGET_OK);
    assert_int_equal(deleted, 1); /* the first time-mode run, no longer held */
    assert_int_equal(perfbudget_history_load_baseline(h, "main", retimed, &loaded, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 2);
    perfbudget_results_free(loaded, count);
    perfbudget_history_free(h);
}

/* The tables of history schema 2, as perfbudget 0.2 created them: older files for the
 * upgrade tests start from these. */
#define SCHEMA_2_TABLES                                                                         \
    "CREATE TABLE runs(id INTEGER PRIMARY KEY, created_ns INTEGER NOT NULL, source TEXT NOT "   \
    "NULL, git_commit TEXT, branch TEXT, dirty INTEGER NOT NULL DEFAULT 0, environment TEXT "   \
    "NOT NULL);"                                                                                \
    "CREATE INDEX runs_by_environment ON runs(environment, branch, id);"                        \
    "CREATE INDEX runs_by_commit ON runs(git_commit, id);"                                      \
    "CREATE TABLE benchmarks(id INTEGER PRIMARY KEY, name TEXT NOT NULL, identity TEXT NOT "    \
    "NULL DEFAULT '', UNIQUE(name, identity));"                                                 \
    "CREATE TABLE results(run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, "      \
    "benchmark_id INTEGER NOT NULL REFERENCES benchmarks(id), status TEXT NOT NULL, message "   \
    "TEXT NOT NULL, n INTEGER NOT NULL, median REAL, p95 REAL, samples BLOB NOT NULL, metrics " \
    "TEXT NOT NULL, custom_metrics TEXT NOT NULL, verdict TEXT, PRIMARY KEY(run_id, "           \
    "benchmark_id));"                                                                           \
    "CREATE INDEX results_by_benchmark ON results(benchmark_id, run_id);"                       \
    "CREATE TABLE baselines(name TEXT PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs(id) " \
    "ON DELETE CASCADE, created_ns INTEGER NOT NULL);"                                          \
    "ALTER TABLE results ADD COLUMN stages TEXT;"

static void test_upgrade_from_version_2(void **state) {
    const char *db = fresh("upgrade_v2");
    char dir[300];
    snprintf(dir, sizeof dir, "%s/upgrade_v2", directory);
    mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/upgrade_v2/nested", directory);
    mkdir(dir, 0700);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    static const char version_2[] =
        SCHEMA_2_TABLES
        "INSERT INTO runs VALUES(1, 1, 'cli', NULL, NULL, 0, 'env-A');"
        "INSERT INTO benchmarks VALUES(1, 'old', '');"
        /* two samples, 1.0 and 2.0, as little-endian doubles */
        "INSERT INTO results VALUES(1, 1, 'ok', '', 2, 1.5, 2.0, "
        "x'000000000000F03F0000000000000040', '{\"rounds\": 2}', '[]', NULL, NULL);"
        "INSERT INTO baselines VALUES('old', 1, 1);"
        "PRAGMA user_version = 2;";
    assert_int_equal(sqlite3_exec(raw, version_2, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);

    perfbudget_history *h = NULL;
    if (perfbudget_history_new(*state, db, &h) != PERFBUDGET_OK)
        fail_msg("open: %s", perfbudget_errmsg(*state));
    perfbudget_result **loaded;
    size_t count, n;
    assert_int_equal(perfbudget_history_load_run(h, 1, &loaded, &count), PERFBUDGET_OK);
    assert_int_equal(count, 1);
    const double *samples = perfbudget_result_samples(loaded[0], &n);
    assert_int_equal(n, 2);
    assert_close(samples[1], 2.0, 0);
    assert_null(perfbudget_result_cpu_samples(loaded[0], &n));
    assert_int_equal(n, 0);
    assert_null(perfbudget_result_probe_samples(loaded[0], &n));
    assert_int_equal(n, 0);
    assert_true(isnan(perfbudget_result_metrics(loaded[0])->involuntary_switches));
    perfbudget_results_free(loaded, count);
    /* a name saved before names held a run per mode holds its run's mode */
    assert_int_equal(perfbudget_history_load_baseline(h, "old", 1, &loaded, &count), PERFBUDGET_OK);
    assert_int_equal(count, 1);
    perfbudget_results_free(loaded, count);

    perfbudget_result *r = result_of(*state, "new", 10);
    double cpu[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12.5};
    double probe[12] = {40001, 39876, 41234, 40500, 40499, 52000, 40010, 40020, 39990, 40000,
                        40003, 40002};
    assert_int_equal(perfbudget_result_set_cpu_samples(*state, r, cpu, 12), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_set_probe_samples(*state, r, probe, 12), PERFBUDGET_OK);
    perfbudget_run_info info = {.source = "cli", .environment = "env-A"};
    int64_t id = 0;
    assert_int_equal(perfbudget_history_add_run(h, &info, &r, 1, &id), PERFBUDGET_OK);
    perfbudget_result_free(r);
    assert_int_equal(perfbudget_history_load_run(h, id, &loaded, &count), PERFBUDGET_OK);
    const double *back = perfbudget_result_cpu_samples(loaded[0], &n);
    assert_int_equal(n, 12);
    assert_memory_equal(back, cpu, sizeof cpu);
    back = perfbudget_result_probe_samples(loaded[0], &n);
    assert_int_equal(n, 12);
    assert_memory_equal(back, probe, sizeof probe);
    perfbudget_results_free(loaded, count);
    perfbudget_history_free(h);

    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), 6);
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
}

/* A text file, random bytes, another program's SQLite database: each refused with the file
 * named, and left byte for byte as it was. */
static void test_foreign_files_left_unchanged(void **state) {
    const char *db = fresh("foreign");
    perfbudget_history_free(open_history(*state, "foreign"));
    const char *yaml = "version: 1\nbudgets:\n  decode: {latency: {p95: 250ms}}\n";
    spit(db, yaml, strlen(yaml), "wb");
    assert_refused_unchanged(*state, db, "not a perfbudget history or is damaged");
    unsigned char noise_bytes[65536];
    uint64_t seed = 7;
    for (size_t i = 0; i < sizeof noise_bytes; i++) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        noise_bytes[i] = (unsigned char)seed;
    }
    spit(db, noise_bytes, sizeof noise_bytes, "wb");
    assert_refused_unchanged(*state, db, "not a perfbudget history or is damaged");
    unlink(db);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "CREATE TABLE notes(body TEXT); INSERT INTO notes "
                                       "VALUES('mine')", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    assert_refused_unchanged(*state, db, "an SQLite database but not a perfbudget history");
}

/* A history cut short (a copy interrupted, a full disk outside SQLite's control): the error
 * names the file and says it is damaged; the file is not rewritten. */
static void test_truncated(void **state) {
    const char *db = fresh("truncated");
    perfbudget_history *h = open_history(*state, "truncated");
    for (int i = 0; i < 200; i++) add(*state, h, "main", "c", 1000 + i);
    perfbudget_history_free(h); /* the last close checkpoints: everything is in the file */
    size_t size = 0;
    char *whole = slurp(db, &size);
    free(whole);
    print_message("history of 200 runs: %zu bytes; cut to %zu\n", size, size / 2);
    assert_int_equal(truncate(db, (off_t)(size / 2)), 0);
    int code = perfbudget_history_new(*state, db, &h);
    perfbudget_run_record *runs = malloc(300 * sizeof *runs);
    size_t count = 0;
    if (code == PERFBUDGET_OK) { /* page 1 survived: the damage shows on reading */
        code = perfbudget_history_runs(h, runs, 300, &count);
        perfbudget_history_free(h);
    }
    free(runs);
    assert_int_equal(code, PERFBUDGET_EIO);
    print_message("%s\n", perfbudget_errmsg(*state));
    assert_non_null(strstr(perfbudget_errmsg(*state), db));
    assert_non_null(strstr(perfbudget_errmsg(*state), "damaged"));
    struct stat after;
    assert_int_equal(stat(db, &after), 0);
    assert_int_equal((size_t)after.st_size, size / 2);
}

/* Garbage in the WAL: a torn tail after a crash is ignored (SQLite checks every frame's
 * checksum), so the committed runs stay; a WAL that is garbage from its first byte is ignored
 * entirely, and the runs already checkpointed into the file stay. */
static void test_wal_with_garbage(void **state) {
    const char *db = fresh("wal");
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", db);
    perfbudget_history *h = open_history(*state, "wal");
    for (int i = 0; i < 3; i++) add(*state, h, "main", "checkpointed", 1000);
    perfbudget_history_free(h);
    pid_t child = fork();
    if (child == 0) { /* commits 5 runs into the WAL, then dies without a checkpoint */
        perfbudget_context *ctx;
        perfbudget_history *mine;
        if (perfbudget_context_new(&ctx) != PERFBUDGET_OK ||
            perfbudget_history_new(ctx, db, &mine) != PERFBUDGET_OK)
            _exit(1);
        for (int i = 0; i < 5; i++) {
            perfbudget_result *r = result_of(ctx, "decode", 1000);
            perfbudget_run_info info = {.source = "cli"};
            if (perfbudget_history_add_run(mine, &info, &r, 1, NULL) != PERFBUDGET_OK) _exit(2);
            perfbudget_result_free(r);
        }
        kill(getpid(), SIGKILL);
    }
    int status;
    waitpid(child, &status, 0);
    assert_true(WIFSIGNALED(status));
    assert_true(file_exists(wal));
    char garbage[10000];
    for (size_t i = 0; i < sizeof garbage; i++) garbage[i] = (char)(i * 7919 % 251);
    spit(wal, garbage, sizeof garbage, "ab");
    assert_int_equal(perfbudget_history_new(*state, db, &h), PERFBUDGET_OK);
    perfbudget_run_record runs[16];
    size_t count;
    assert_int_equal(perfbudget_history_runs(h, runs, 16, &count), PERFBUDGET_OK);
    assert_int_equal(count, 8);
    add(*state, h, "main", "after", 1000); /* and it takes new runs */
    perfbudget_history_free(h);
    /* Now the whole WAL is garbage (its header included). */
    spit(wal, garbage, sizeof garbage, "wb");
    assert_int_equal(perfbudget_history_new(*state, db, &h), PERFBUDGET_OK);
    assert_int_equal(perfbudget_history_runs(h, runs, 16, &count), PERFBUDGET_OK);
    assert_int_equal(count, 9);
    for (size_t i = 0; i < count; i++) assert_int_equal(runs[i].result_count, runs[i].id <= 3 || runs[i].id == 9 ? 2 : 1);
    perfbudget_history_free(h);
}

/* Another connection holds the write lock past the busy timeout: the writer gives up with an
 * error that says locked and names the file; once the lock goes, writing works again. A
 * connection in EXCLUSIVE locking mode keeps even readers out: opening says locked too. */
static void test_locked(void **state) {
    const char *db = fresh("locked");
    perfbudget_history *h = open_history(*state, "locked");
    add(*state, h, "main", "c", 1000);
    perfbudget_history_free(h);
    setenv("PERFBUDGET_BUSY_TIMEOUT_MS", "200", 1);
    for (int exclusive = 0; exclusive < 2; exclusive++) {
        int ready[2], release[2];
        assert_int_equal(pipe(ready), 0);
        assert_int_equal(pipe(release), 0);
        pid_t child = fork();
        if (child == 0) {
            sqlite3 *raw;
            char byte = 'x';
            if (sqlite3_open(db, &raw) != SQLITE_OK ||
                sqlite3_exec(raw,
                             exclusive ? "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; "
                                         "DELETE FROM baselines"
                                       : "BEGIN IMMEDIATE; DELETE FROM baselines",
                             NULL, NULL, NULL) != SQLITE_OK)
                _exit(1);
            if (write(ready[1], &byte, 1) != 1 || read(release[0], &byte, 1) != 1) _exit(2);
            sqlite3_exec(raw, "ROLLBACK", NULL, NULL, NULL);
            sqlite3_close(raw);
            _exit(0);
        }
        char byte;
        assert_int_equal(read(ready[0], &byte, 1), 1);
        int code = perfbudget_history_new(*state, db, &h);
        if (exclusive) {
            assert_int_equal(code, PERFBUDGET_EIO);
        } else {
            assert_int_equal(code, PERFBUDGET_OK);
            perfbudget_result *r = result_of(*state, "decode", 1000);
            perfbudget_run_info info = {.source = "cli"};
            assert_int_equal(perfbudget_history_add_run(h, &info, &r, 1, NULL), PERFBUDGET_EIO);
            perfbudget_result_free(r);
            perfbudget_history_free(h);
        }
        print_message("%s\n", perfbudget_errmsg(*state));
        assert_non_null(strstr(perfbudget_errmsg(*state), db));
        assert_non_null(strstr(perfbudget_errmsg(*state), "locked by another connection"));
        assert_non_null(strstr(perfbudget_errmsg(*state), "waited 200 ms"));
        assert_int_equal(write(release[1], "x", 1), 1);
        int status;
        waitpid(child, &status, 0);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        close(ready[0]), close(ready[1]), close(release[0]), close(release[1]);
    }
    h = open_history(*state, "locked");
    add(*state, h, "main", "c", 1000);
    perfbudget_run_record runs[4];
    size_t count;
    assert_int_equal(perfbudget_history_runs(h, runs, 4, &count), PERFBUDGET_OK);
    assert_int_equal(count, 2); /* the refused run left nothing behind */
    perfbudget_history_free(h);
    setenv("PERFBUDGET_BUSY_TIMEOUT_MS", "soon", 1);
    assert_int_equal(perfbudget_history_new(*state, db, &h), PERFBUDGET_EINVAL);
    assert_non_null(strstr(perfbudget_errmsg(*state), "PERFBUDGET_BUSY_TIMEOUT_MS=soon"));
    unsetenv("PERFBUDGET_BUSY_TIMEOUT_MS");
}

/* 8 processes move the same baseline name 50 times each: no error, one baseline, pointing at
 * a run one of them named. */
static void test_concurrent_baseline_save(void **state) {
    const char *db = fresh("baseline_race");
    perfbudget_history *h = open_history(*state, "baseline_race");
    int64_t ids[8];
    for (int c = 0; c < 8; c++) ids[c] = add(*state, h, "main", "c", 1000 + c);
    perfbudget_history_free(h);
    pid_t children[8];
    for (int c = 0; c < 8; c++) {
        if ((children[c] = fork()) == 0) {
            perfbudget_context *ctx;
            perfbudget_history *mine;
            if (perfbudget_context_new(&ctx) != PERFBUDGET_OK ||
                perfbudget_history_new(ctx, db, &mine) != PERFBUDGET_OK)
                _exit(1);
            for (int i = 0; i < 50; i++)
                if (perfbudget_history_save_baseline(mine, "release", ids[c]) != PERFBUDGET_OK)
                    _exit(2);
            perfbudget_history_free(mine);
            perfbudget_context_free(ctx);
            _exit(0);
        }
    }
    await_writers(children, 8);
    assert_int_equal(perfbudget_history_new(*state, db, &h), PERFBUDGET_OK);
    perfbudget_baseline_record baselines[4];
    size_t count;
    assert_int_equal(perfbudget_history_baselines(h, baselines, 4, &count), PERFBUDGET_OK);
    assert_int_equal(count, 1);
    assert_true(baselines[0].run_id >= ids[0] && baselines[0].run_id <= ids[7]);
    perfbudget_history_free(h);
}

/* Deterministic noise of about +-2 %. */
static double noise(uint64_t *seed) {
    *seed ^= *seed << 13, *seed ^= *seed >> 7, *seed ^= *seed << 17;
    return 0.02 * ((double)(*seed % 2001) / 1000.0 - 1.0);
}

static void test_step_detection(void **state) {
    double series[60];
    uint64_t seed = 42;
    for (int i = 0; i < 60; i++) series[i] = 1000.0 * (1.0 + noise(&seed)) * (i >= 40 ? 1.15 : 1.0);
    perfbudget_step steps[4];
    size_t count;
    assert_int_equal(perfbudget_detect_steps(*state, series, 60, 5.0, 5, steps, 4, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 1);
    assert_int_equal(steps[0].index, 40);
    assert_true(steps[0].change_pct > 12 && steps[0].change_pct < 18);
    for (int i = 0; i < 60; i++) series[i] = 1000.0 * (1.0 + noise(&seed));
    assert_int_equal(perfbudget_detect_steps(*state, series, 60, 5.0, 5, steps, 4, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 0);
}

/* Gaussian noise of relative deviation sd (Box-Muller over the xorshift above): seeded, so each
 * series is the same on every run. */
static double gaussian(uint64_t *seed, double sd) {
    double u = (noise(seed) / 0.02 + 1.0001) / 2.0002, v = (noise(seed) / 0.02 + 1.0001) / 2.0002;
    return sd * sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Issue 20's case: 15 runs at 10 ms, then 15 at 20 ms. One step, of about +100 %, at the 16th
 * run (index 15), whatever the seed of the noise. */
static void test_step_of_a_doubling(void **state) {
    for (uint64_t trial = 1; trial <= 20; trial++) {
        uint64_t seed = 1000 + trial;
        double series[30];
        for (int i = 0; i < 30; i++)
            series[i] = 10e6 * (i >= 15 ? 2.0 : 1.0) * (1.0 + gaussian(&seed, 0.02));
        perfbudget_step steps[4];
        size_t count;
        assert_int_equal(perfbudget_detect_steps(*state, series, 30, 5.0, 5, steps, 4, &count),
                         PERFBUDGET_OK);
        assert_int_equal(count, 1);
        assert_int_equal(steps[0].index, 15);
        assert_true(steps[0].change_pct >= 90.0 && steps[0].change_pct <= 110.0);
        assert_true(steps[0].before > 9e6 && steps[0].before < 11e6);
        assert_true(steps[0].p_value < 0.01);
        perfbudget_outlier outliers[4];
        assert_int_equal(perfbudget_detect_outliers(*state, series, 30, 5.0, outliers, 4, &count),
                         PERFBUDGET_OK);
        assert_int_equal(count, 0); /* the first runs at the new level are no outliers */
    }
}

/* A single run at twice the level is an outlier: no step before it nor after it. */
static void test_lone_outlier_is_no_step(void **state) {
    uint64_t seed = 7;
    double series[30];
    for (int i = 0; i < 30; i++) series[i] = 10e6 * (1.0 + gaussian(&seed, 0.02));
    series[12] *= 2.0;
    perfbudget_step steps[4];
    size_t count;
    assert_int_equal(perfbudget_detect_steps(*state, series, 30, 5.0, 5, steps, 4, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 0);
    perfbudget_outlier outliers[4];
    assert_int_equal(perfbudget_detect_outliers(*state, series, 30, 5.0, outliers, 4, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 1);
    assert_int_equal(outliers[0].index, 12);
    assert_true(outliers[0].change_pct > 85.0 && outliers[0].change_pct < 115.0);
    /* Two slow runs in a row are outliers too; a third makes a level, and the step is found
     * only once at least 5 runs hold it. */
    series[13] *= 2.0;
    assert_int_equal(perfbudget_detect_steps(*state, series, 30, 5.0, 5, steps, 4, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 0);
    for (int i = 12; i < 17; i++) series[i] = 2.0 * 10e6 * (1.0 + gaussian(&seed, 0.02));
    assert_int_equal(perfbudget_detect_steps(*state, series, 30, 5.0, 5, steps, 4, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 2); /* up at run 12, down at run 17 */
    assert_int_equal(steps[0].index, 12);
    assert_int_equal(steps[1].index, 17);
    assert_true(steps[0].change_pct > 85.0 && steps[1].change_pct < -40.0);
}

/* Several steps of either sign; a series that never changes, of 50,000 runs, has none (the
 * finder keeps a bounded set of candidates there, and merges the cuts that bound makes). */
static void test_several_steps(void **state) {
    uint64_t seed = 99;
    double series[200];
    static const double levels[] = {1.0, 1.3, 1.3 * 0.8, 2.0};
    for (int i = 0; i < 200; i++)
        series[i] = 5000.0 * levels[i / 50] * (1.0 + gaussian(&seed, 0.03));
    perfbudget_step steps[8];
    size_t count;
    assert_int_equal(perfbudget_detect_steps(*state, series, 200, 5.0, 5, steps, 8, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 3);
    for (size_t k = 0; k < 3; k++) assert_int_equal(steps[k].index, 50 * (k + 1));
    assert_true(steps[1].change_pct < -15.0 && steps[1].change_pct > -25.0);
    size_t n = 50000;
    double *flat = malloc(n * sizeof *flat);
    assert_non_null(flat);
    for (size_t i = 0; i < n; i++) flat[i] = 5000.0 * (1.0 + gaussian(&seed, 0.03));
    assert_int_equal(perfbudget_detect_steps(*state, flat, n, 5.0, 5, steps, 8, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 0);
    free(flat);
    /* Values of zero or below are compared on a linear scale. */
    double signed_series[40];
    for (int i = 0; i < 40; i++) signed_series[i] = (i >= 20 ? 10.0 : 0.0) + gaussian(&seed, 0.5);
    assert_int_equal(perfbudget_detect_steps(*state, signed_series, 40, 5.0, 5, steps, 8, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 1);
    assert_int_equal(steps[0].index, 20);
    double bad[6] = {1, 2, 3, NAN, 5, 6};
    assert_int_equal(perfbudget_detect_steps(*state, bad, 6, 5.0, 1, steps, 8, &count),
                     PERFBUDGET_EDOMAIN);
}

/* A trend splits a name's runs into series of one code version and environment, newest first,
 * reading only the newest `last` runs. */
static void test_trend_series(void **state) {
    perfbudget_history *h = open_history(*state, "trend");
    static const struct {
        const char *identity, *environment;
    } runs[] = {{"v1", "env-A"}, {"v1", "env-A"}, {"v1", "env-B"}, {"v2", "env-A"},
                {"v2", "env-A"}, {"v1", "env-B"}};
    int64_t ids[6];
    for (int i = 0; i < 6; i++) {
        perfbudget_result *r = result_of(*state, "decode", 1000 + i);
        perfbudget_result_set_identity(r, runs[i].identity);
        perfbudget_run_info info = {.source = "cli", .environment = runs[i].environment};
        assert_int_equal(perfbudget_history_add_run(h, &info, &r, 1, &ids[i]), PERFBUDGET_OK);
        perfbudget_result_free(r);
    }
    perfbudget_series_point *points;
    size_t *series_of, count;
    assert_int_equal(perfbudget_history_trend(h, "decode", 0, 0, &points, &series_of, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 6);
    static const size_t expected[] = {2, 2, 0, 1, 1, 0}; /* v1/env-B newest, then v2/env-A */
    for (int i = 0; i < 6; i++) {
        assert_int_equal(points[i].run_id, ids[i]);
        assert_int_equal(series_of[i], expected[i]);
    }
    perfbudget_free(points);
    perfbudget_free(series_of);
    assert_int_equal(perfbudget_history_trend(h, "decode", 3, 0, &points, &series_of, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 3);
    assert_int_equal(points[0].run_id, ids[3]);
    assert_int_equal(series_of[2], 0);
    assert_int_equal(series_of[0], 1);
    perfbudget_free(points);
    perfbudget_free(series_of);
    assert_int_equal(perfbudget_history_trend(h, "nothing", 0, 0, &points, &series_of, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 0);
    perfbudget_free(points);
    perfbudget_free(series_of);
    perfbudget_history_free(h);
}

/* A benchmark measured in a few runs among many: each point carries its own run's commit and
 * time, whether the runs between are few or many; `last` and since_ns select as documented. */
static void test_trend_sparse(void **state) {
    perfbudget_history *h = open_history(*state, "sparse");
    static const int measured[] = {0, 1, 2, 40, 45, 130, 131, 139};
    enum { RUNS = 140, MEASURED = sizeof measured / sizeof *measured };
    int64_t ids[MEASURED];
    size_t next = 0;
    for (int i = 0; i < RUNS; i++) {
        perfbudget_result *r[2] = {result_of(*state, "filler", 1000), NULL};
        int with_sparse = next < MEASURED && measured[next] == i;
        if (with_sparse) r[1] = result_of(*state, "sparse", 2000 + i);
        char commit[16];
        snprintf(commit, sizeof commit, "c%d", i);
        perfbudget_run_info info = {.source = "cli", .commit = commit, .environment = "env-A"};
        int64_t id;
        assert_int_equal(perfbudget_history_add_run(h, &info, r, with_sparse ? 2 : 1, &id),
                         PERFBUDGET_OK);
        if (with_sparse) ids[next++] = id;
        perfbudget_result_free(r[0]);
        perfbudget_result_free(r[1]);
    }
    perfbudget_series_point *points, *all;
    size_t *series_of, count, all_count;
    assert_int_equal(perfbudget_history_trend(h, "sparse", 0, 0, &all, &series_of, &all_count),
                     PERFBUDGET_OK);
    perfbudget_free(series_of);
    assert_int_equal(all_count, MEASURED);
    for (size_t i = 0; i < MEASURED; i++) {
        char commit[16];
        snprintf(commit, sizeof commit, "c%d", measured[i]);
        assert_int_equal(all[i].run_id, ids[i]);
        assert_string_equal(all[i].commit, commit);
        assert_true(all[i].median > 2000 + measured[i] - 1);
        if (i > 0) assert_true(all[i].created_ns >= all[i - 1].created_ns);
    }
    assert_int_equal(perfbudget_history_trend(h, "sparse", 3, 0, &points, &series_of, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, 3);
    assert_int_equal(points[0].run_id, ids[MEASURED - 3]);
    assert_string_equal(points[2].commit, "c139");
    perfbudget_free(points);
    perfbudget_free(series_of);
    int64_t since = all[4].created_ns;
    size_t expected = 0;
    for (size_t i = 0; i < MEASURED; i++) expected += all[i].created_ns >= since;
    assert_int_equal(perfbudget_history_trend(h, "sparse", 0, since, &points, &series_of, &count),
                     PERFBUDGET_OK);
    assert_int_equal(count, expected);
    assert_int_equal(points[count - 1].run_id, ids[MEASURED - 1]);
    for (size_t i = 0; i < count; i++) assert_true(points[i].created_ns >= since);
    perfbudget_free(points);
    perfbudget_free(series_of);
    perfbudget_free(all);
    perfbudget_history_free(h);
}

/* Samples are stored packed and read back bit for bit: whole numbers, and whole numbers over
 * the iterations per sample (a batch's clock reading over its iterations), as varints of their
 * differences; any other values as doubles. */
static void test_packed_samples(void **state) {
    perfbudget_history *h = open_history(*state, "packed");
    double whole[200], divided[200], cpu[200], other[3] = {1e300, 2.5e-3 / 3.0, 1e-320};
    for (int i = 0; i < 200; i++) {
        whole[i] = 1000000.0 + (double)((i * 7919) % 3001);
        divided[i] = (2000000.0 + (double)((i * 104729) % 5003)) / 7.0;
        cpu[i] = (1900000.0 + (double)((i * 7919) % 4001)) / 7.0;
    }
    perfbudget_metrics per_seven;
    perfbudget_metrics_init(&per_seven);
    per_seven.iterations_per_sample = 7;
    perfbudget_result *r[3];
    assert_int_equal(perfbudget_result_new(*state, "whole", whole, 200, NULL, PERFBUDGET_RUN_OK, "",
                                           &r[0]), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_new(*state, "divided", divided, 200, &per_seven,
                                           PERFBUDGET_RUN_OK, "", &r[1]), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_new(*state, "other", other, 3, NULL, PERFBUDGET_RUN_OK, "",
                                           &r[2]), PERFBUDGET_OK);
    assert_int_equal(perfbudget_result_set_cpu_samples(*state, r[1], cpu, 200), PERFBUDGET_OK);
    perfbudget_run_info info = {.source = "cli", .environment = "env-A"};
    int64_t id;
    assert_int_equal(perfbudget_history_add_run(h, &info, r, 3, &id), PERFBUDGET_OK);
    perfbudget_history_size size;
    assert_int_equal(perfbudget_history_measure(h, &size), PERFBUDGET_OK);
    /* 600 whole numbers in at most 3 bytes each, 3 doubles, and the headers */
    assert_true(size.sample_bytes < 600 * 3 + 3 * 8 + 4 * 8);
    perfbudget_result **loaded;
    size_t count, n;
    assert_int_equal(perfbudget_history_load_run(h, id, &loaded, &count), PERFBUDGET_OK);
    assert_int_equal(count, 3); /* by name: divided, other, whole */
    const double *values = perfbudget_result_samples(loaded[0], &n);
    assert_int_equal(n, 200);
    assert_memory_equal(values, divided, sizeof divided);
    values = perfbudget_result_cpu_samples(loaded[0], &n);
    assert_non_null(values);
    assert_memory_equal(values, cpu, sizeof cpu);
    values = perfbudget_result_samples(loaded[1], &n);
    assert_int_equal(n, 3);
    assert_memory_equal(values, other, sizeof other);
    values = perfbudget_result_samples(loaded[2], &n);
    assert_int_equal(n, 200);
    assert_memory_equal(values, whole, sizeof whole);
    perfbudget_results_free(loaded, count);
    for (int i = 0; i < 3; i++) perfbudget_result_free(r[i]);
    perfbudget_history_free(h);
}

/* A run as pytest's fixture records it (64 benchmarks of 300 samples, each a batch of 250 calls
 * in whole ns, with CPU samples and the usual figures, some unavailable) takes at most twice
 * what pytest-benchmark's JSON without data takes for it (about 1.4 KB a benchmark): 1 KiB
 * pages, unavailable figures left out of the stored metrics, read back as NaN. */
static void test_a_run_is_compact(void **state) {
    perfbudget_history *h = open_history(*state, "compact");
    enum { BENCHMARKS = 64, SAMPLES = 300, PER_SAMPLE = 250 };
    perfbudget_result *r[BENCHMARKS];
    uint64_t noise = 12345;
    for (int b = 0; b < BENCHMARKS; b++) {
        double wall[SAMPLES], cpu[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
            noise = noise * 6364136223846793005u + 1442695040888963407u;
            double batch = 100000.0 + (double)((noise >> 33) % 4000);
            wall[i] = batch / PER_SAMPLE;
            cpu[i] = (batch - (double)((noise >> 20) % 900)) / PER_SAMPLE;
        }
        perfbudget_metrics m;
        perfbudget_metrics_init(&m);
        m.iterations_per_sample = PER_SAMPLE;
        m.rounds = SAMPLES;
        m.total_iterations = SAMPLES * PER_SAMPLE;
        m.wall_ns = 100187644.0;
        m.cpu_ns_per_iteration = 387.65734844396479;
        m.cpu_utilization = 0.98910031260940723;
        m.peak_rss_bytes = 41324544.0;
        m.memory_growth_bytes = 12288.0;
        m.memory_growth_per_iteration_bytes = 0.15029737316268077;
        m.memory_growth_stderr_bytes = 0.0081727002171871725;
        m.clock_overhead_ns = 36.55078125;
        m.clock_resolution_ns = 30.0;
        m.involuntary_switches = 12.0;
        m.voluntary_switches = 0.0;
        m.runqueue_wait_ns = 51207976.0;
        m.probe_ns = 12233.0;
        m.first_call_ns = 250123.0;
        m.compared_statistic = PERFBUDGET_STAT_P10;
        m.spawn_probe_ns = 241179.0;
        m.interpreter_probe_ns = 10231.0;
        char name[96];
        snprintf(name, sizeof name, "tests/test_bench.py::test_structure_unstructure[case-%02d]", b);
        assert_int_equal(perfbudget_result_new(*state, name, wall, SAMPLES, &m, PERFBUDGET_RUN_OK,
                                               "", &r[b]), PERFBUDGET_OK);
        assert_int_equal(perfbudget_result_set_cpu_samples(*state, r[b], cpu, SAMPLES),
                         PERFBUDGET_OK);
    }
    perfbudget_run_info info = {.source = "pytest", .environment = "env-A"};
    int64_t id;
    assert_int_equal(perfbudget_history_add_run(h, &info, r, BENCHMARKS, &id), PERFBUDGET_OK);
    perfbudget_result **loaded;
    size_t count;
    assert_int_equal(perfbudget_history_load_run(h, id, &loaded, &count), PERFBUDGET_OK);
    assert_int_equal(count, BENCHMARKS);
    const perfbudget_metrics *m = perfbudget_result_metrics(loaded[0]);
    assert_true(isnan(m->instructions_per_iteration) && isnan(m->reference_ns));
    assert_close(m->first_call_ns, 250123.0, 0);
    assert_int_equal(m->compared_statistic, PERFBUDGET_STAT_P10);
    assert_close(m->spawn_probe_ns, 241179.0, 0);
    assert_close(m->interpreter_probe_ns, 10231.0, 0);
    assert_close(m->memory_growth_per_iteration_bytes, 0.15029737316268077, 0);
    perfbudget_results_free(loaded, count);
    for (int b = 0; b < BENCHMARKS; b++) perfbudget_result_free(r[b]);
    perfbudget_history_free(h); /* the last connection: the WAL is folded into the file */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size <= 2 * BENCHMARKS * 1400);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(raw, "SELECT count(*) FROM results WHERE metrics LIKE "
                                             "'%null%'", -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), 0);
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
}

static void test_git_describe(void **state) {
    char repo[300], command[1024];
    snprintf(repo, sizeof repo, "%s/repo with space", directory);
    snprintf(command, sizeof command,
             "mkdir -p '%s' && cd '%s' && git -c init.defaultBranch=main init -q && "
             "echo a > file && git add file && git -c user.name=t -c user.email=t@t commit -qm one",
             repo, repo);
    if (system(command) != 0) skip(); /* no git here */
    perfbudget_git_info info;
    assert_int_equal(perfbudget_git_describe(*state, repo, &info), PERFBUDGET_OK);
    assert_int_equal(strlen(info.commit), 40);
    assert_string_equal(info.branch, "main");
    assert_false(info.dirty);
    assert_string_equal(info.merge_base, info.commit);
    snprintf(command, sizeof command, "echo b >> '%s/file'", repo);
    assert_int_equal(system(command), 0);
    assert_int_equal(perfbudget_git_describe(*state, repo, &info), PERFBUDGET_OK);
    assert_true(info.dirty);
    assert_int_equal(perfbudget_git_describe(*state, "/proc", &info), PERFBUDGET_ENOTFOUND);
    assert_string_equal(info.commit, "");
}

/* A history written before names had to be UTF-8 may hold a name that is not (and a branch
 * cut in the middle of a character): its runs still load, the name with its other bytes as
 * \xff, and every JSON of them can be written. Baseline names are refused at entry. */
static void test_names_not_utf8(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_history *h = open_history(ctx, "utf8");
    perfbudget_result *r = result_of(ctx, "bad", 1e3);
    perfbudget_run_info info = {.source = "cli", .branch = "main", .environment = "e"};
    int64_t run;
    assert_int_equal(perfbudget_history_add_run(h, &info, &r, 1, &run), PERFBUDGET_OK);
    perfbudget_result_free(r);
    assert_int_equal(perfbudget_history_save_baseline(h, "base\xc3", run), PERFBUDGET_EINVAL);
    assert_non_null(strstr(perfbudget_errmsg(ctx), "baseline name 'base\\xc3' is not valid "
                                                   "UTF-8: byte 0xc3 at byte offset 4"));
    perfbudget_history_free(h);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "UPDATE benchmarks SET name = CAST(x'626164ff' AS TEXT); "
                                       "UPDATE runs SET branch = CAST(x'6d61696ee282' AS TEXT)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    assert_int_equal(perfbudget_history_new(ctx, path, &h), PERFBUDGET_OK);
    perfbudget_result **results;
    size_t count;
    assert_int_equal(perfbudget_history_load_run(h, run, &results, &count), PERFBUDGET_OK);
    assert_int_equal(count, 1);
    assert_string_equal(perfbudget_result_name(results[0]), "bad\\xff");
    char *text;
    assert_int_equal(perfbudget__results_json_text(ctx, "s", results, count, &text),
                     PERFBUDGET_OK);
    assert_non_null(strstr(text, "\"name\": \"bad\\\\xff\""));
    free(text);
    perfbudget_run_record record;
    assert_int_equal(perfbudget_history_run(h, run, &record), PERFBUDGET_OK);
    assert_string_equal(record.branch, "main\\xe2\\x82");
    perfbudget_results_free(results, count);
    perfbudget_history_free(h);
}

/* The names in dir besides . and .., joined by spaces: what a reader must not have added to. */
static void names_in(const char *dir, char *out, size_t size) {
    out[0] = '\0';
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
            snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? " " : "", e->d_name);
    closedir(d);
}

/* An empty path (SQLite's temporary database: every run lost), a directory, a FIFO or a device
 * node is refused before SQLite opens it: no -journal appears beside it. */
static void test_paths_that_are_no_history(void **state) {
    perfbudget_history *h = NULL;
    assert_int_equal(perfbudget_history_new(*state, "", &h), PERFBUDGET_EINVAL);
    assert_null(h);
    assert_non_null(strstr(perfbudget_errmsg(*state), "empty"));
    assert_int_equal(perfbudget_history_new_read_only(*state, "", &h), PERFBUDGET_EINVAL);

    char dir[300], fifo[320], node[320], names[512];
    snprintf(dir, sizeof dir, "%s/no_history", directory);
    assert_int_equal(mkdir(dir, 0777), 0);
    assert_int_equal(perfbudget_history_new(*state, dir, &h), PERFBUDGET_EINVAL);
    assert_non_null(strstr(perfbudget_errmsg(*state), "is a directory"));
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0666), 0);
    assert_int_equal(perfbudget_history_new(*state, fifo, &h), PERFBUDGET_EINVAL);
    assert_non_null(strstr(perfbudget_errmsg(*state), "is a FIFO"));
    snprintf(node, sizeof node, "%s/null", dir);
    if (mknod(node, S_IFCHR | 0666, makedev(1, 3)) == 0) {
        assert_int_equal(perfbudget_history_new(*state, node, &h), PERFBUDGET_EINVAL);
        assert_non_null(strstr(perfbudget_errmsg(*state), node));
        assert_non_null(strstr(perfbudget_errmsg(*state), "is a character device"));
        assert_int_equal(perfbudget_history_new_read_only(*state, node, &h), PERFBUDGET_EINVAL);
        names_in(dir, names, sizeof names);
        assert_true(strcmp(names, "fifo null") == 0 || strcmp(names, "null fifo") == 0);
    } else {
        print_message("device node not tried: mknod is not permitted here (%s)\n",
                      strerror(errno));
        names_in(dir, names, sizeof names);
        assert_string_equal(names, "fifo");
    }
}

/* A reader sees every run, writes nothing through its handle, and leaves no -wal or -shm; a
 * history that is not there is not created. */
static void test_reader_leaves_nothing(void **state) {
    char dir[300], names[512];
    const char *db = fresh("reader");
    snprintf(dir, sizeof dir, "%s/reader/nested", directory);
    perfbudget_history *h = open_history(*state, "reader");
    add(*state, h, "main", "abc", 1000);
    perfbudget_history_free(h);
    names_in(dir, names, sizeof names);
    assert_string_equal(names, "history.sqlite");

    assert_int_equal(perfbudget_history_new_read_only(*state, db, &h), PERFBUDGET_OK);
    perfbudget_run_record runs[4];
    size_t count;
    assert_int_equal(perfbudget_history_runs(h, runs, 4, &count), PERFBUDGET_OK);
    assert_int_equal(count, 1);
    perfbudget_result *r = result_of(*state, "decode", 1000);
    perfbudget_run_info info = {.source = "cli", .environment = "env-A"};
    assert_int_equal(perfbudget_history_add_run(h, &info, &r, 1, NULL), PERFBUDGET_EIO);
    assert_non_null(strstr(perfbudget_errmsg(*state), "reading only"));
    perfbudget_result_free(r);
    perfbudget_history_free(h);
    names_in(dir, names, sizeof names);
    assert_string_equal(names, "history.sqlite");

    char missing[320];
    snprintf(missing, sizeof missing, "%s/missing.sqlite", dir);
    assert_int_equal(perfbudget_history_new_read_only(*state, missing, &h), PERFBUDGET_ENOTFOUND);
    assert_non_null(strstr(perfbudget_errmsg(*state), "does not exist"));
    assert_false(file_exists(missing));
}

/* A history owned by root, read-only (file 0444, directory 0555), read by nobody (uid 65534),
 * who cannot create SQLite's -shm beside it: read through immutable=1, with both the reader's
 * open and the writer's, which falls back to reading; nothing is left behind. */
static void test_read_only_history_of_another_user(void **state) {
    if (geteuid() != 0) {
        print_message("skipped: needs root, to read as another user\n");
        skip();
    }
    char dir[300], names[512];
    const char *db = fresh("other_user");
    snprintf(dir, sizeof dir, "%s/other_user/nested", directory);
    perfbudget_history *h = open_history(*state, "other_user");
    add(*state, h, "main", "abc", 1000);
    add(*state, h, "main", "def", 1100);
    perfbudget_history_free(h);
    char parent[300];
    snprintf(parent, sizeof parent, "%s/other_user", directory);
    assert_int_equal(chmod(directory, 0755), 0);
    assert_int_equal(chmod(parent, 0755), 0);
    assert_int_equal(chmod(db, 0444), 0);
    assert_int_equal(chmod(dir, 0555), 0);
    pid_t reader = fork();
    if (reader == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0) _exit(10);
        perfbudget_context *ctx;
        if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) _exit(11);
        int failed = 0;
        for (int writer = 0; writer < 2; writer++) {
            perfbudget_history *mine = NULL;
            int code = writer ? perfbudget_history_new(ctx, db, &mine)
                              : perfbudget_history_new_read_only(ctx, db, &mine);
            perfbudget_run_record runs[4];
            size_t count = 0;
            if (code != PERFBUDGET_OK || perfbudget_history_runs(mine, runs, 4, &count) != 0 ||
                count != 2) {
                fprintf(stderr, "reader %d: %s (%zu runs)\n", writer, perfbudget_errmsg(ctx),
                        count);
                failed = 1;
            }
            perfbudget_history_free(mine);
        }
        perfbudget_context_free(ctx);
        _exit(failed);
    }
    int status;
    waitpid(reader, &status, 0);
    assert_int_equal(chmod(dir, 0755), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    names_in(dir, names, sizeof names);
    assert_string_equal(names, "history.sqlite");
}

/* A read-only history of an older schema, written by sql (its one result: samples 1.0 and 2.0,
 * CPU samples 0.5 and 1.0) in name/nested, stays readable as it is, without probe samples. */
static void assert_read_only_readable(const char *name, const char *sql) {
    if (geteuid() != 0) {
        print_message("skipped: needs root, to read as another user\n");
        skip();
    }
    const char *db = fresh(name);
    char dir[300], parent[300];
    snprintf(parent, sizeof parent, "%s/%s", directory, name);
    snprintf(dir, sizeof dir, "%s/%s/nested", directory, name);
    mkdir(parent, 0755);
    mkdir(dir, 0755);
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    assert_int_equal(chmod(directory, 0755), 0);
    assert_int_equal(chmod(db, 0444), 0);
    assert_int_equal(chmod(dir, 0555), 0);
    pid_t reader = fork();
    if (reader == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0) _exit(10);
        perfbudget_context *ctx;
        if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) _exit(11);
        perfbudget_history *mine = NULL;
        perfbudget_result **loaded = NULL;
        perfbudget_series_point *points = NULL;
        size_t count = 0, n = 0, cpu_n = 0, probe_n = 1;
        int failed = perfbudget_history_new_read_only(ctx, db, &mine) != PERFBUDGET_OK ||
                     perfbudget_history_load_run(mine, 1, &loaded, &count) != PERFBUDGET_OK ||
                     count != 1 ||
                     perfbudget_history_series(mine, "old", 0, 0, &points, &n) != PERFBUDGET_OK ||
                     n != 1;
        const double *samples = failed ? NULL : perfbudget_result_samples(loaded[0], &n);
        const double *cpu = failed ? NULL : perfbudget_result_cpu_samples(loaded[0], &cpu_n);
        const double *probe = failed ? NULL : perfbudget_result_probe_samples(loaded[0], &probe_n);
        if (!failed && (n != 2 || samples[0] != 1.0 || samples[1] != 2.0 || cpu == NULL ||
                        cpu_n != 2 || cpu[0] != 0.5 || probe != NULL || probe_n != 0))
            failed = 1;
        if (failed) fprintf(stderr, "%s reader: %s\n", name, perfbudget_errmsg(ctx));
        perfbudget_free(points);
        perfbudget_results_free(loaded, count);
        perfbudget_history_free(mine);
        perfbudget_context_free(ctx);
        _exit(failed);
    }
    int status;
    waitpid(reader, &status, 0);
    assert_int_equal(chmod(dir, 0755), 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* The tables of history schema 4, from those of schema 2. */
#define SCHEMA_4_TABLES                                                                         \
    SCHEMA_2_TABLES                                                                             \
    "ALTER TABLE results ADD COLUMN cpu_samples BLOB;"                                          \
    "CREATE TABLE baseline_modes(name TEXT NOT NULL REFERENCES baselines(name) ON DELETE "      \
    "CASCADE, mode TEXT NOT NULL, run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE "       \
    "CASCADE, PRIMARY KEY(name, mode));"

/* A read-only history written before packed samples (schema 4) stays readable as it is. */
static void test_read_only_history_of_schema_4(void **state) {
    (void)state;
    assert_read_only_readable(
        "schema_4",
        SCHEMA_4_TABLES
        "INSERT INTO runs VALUES(1, 1, 'cli', 'abc', 'main', 0, 'env-A');"
        "INSERT INTO benchmarks VALUES(1, 'old', '');"
        "INSERT INTO results VALUES(1, 1, 'ok', '', 2, 1.5, 2.0, "
        "x'000000000000F03F0000000000000040', '{\"rounds\": 2}', '[]', NULL, NULL, "
        "x'000000000000E03F000000000000F03F');"
        "PRAGMA user_version = 4;");
}

/* A read-only history written before probe samples (schema 5) stays readable as it is: one
 * result packed (sample_encoding 1: whole numbers 1 and 2; CPU samples 0.5 and 1 as doubles). */
static void test_read_only_history_of_schema_5(void **state) {
    (void)state;
    assert_read_only_readable(
        "schema_5",
        SCHEMA_4_TABLES
        "ALTER TABLE results ADD COLUMN sample_encoding INTEGER NOT NULL DEFAULT 0;"
        "CREATE INDEX results_series ON results(benchmark_id, run_id, status, median, p95, n);"
        "DROP INDEX results_by_benchmark;"
        "INSERT INTO runs VALUES(1, 1, 'cli', 'abc', 'main', 0, 'env-A');"
        "INSERT INTO benchmarks VALUES(1, 'old', '');"
        "INSERT INTO results VALUES(1, 1, 'ok', '', 2, 1.5, 2.0, x'0102010202', "
        "'{\"rounds\": 2}', '[]', NULL, NULL, x'0002000000000000E03F000000000000F03F', 1);"
        "PRAGMA user_version = 5;");
}

/* Records one run of the comparison below, the same in each history given. */
static void add_same(perfbudget_context *ctx, perfbudget_history **histories, size_t count,
                     int run, uint64_t *seed) {
    double level = 1000.0 * (run >= 25 ? 1.3 : 1.0);
    perfbudget_result *r[3] = {result_of(ctx, "decode", level * (1.0 + noise(seed))),
                               result_of(ctx, "encode", 2 * level * (1.0 + noise(seed))),
                               result_of(ctx, "parse", 77.0 + run)};
    perfbudget_result_set_identity(r[1], "v2");
    perfbudget_result_add_metric(ctx, r[1], "hit_rate", 91.5 + noise(seed), "%", 1);
    assert_int_equal(perfbudget_result_set_mode(r[2], PERFBUDGET_MODE_INSTRUCTIONS), PERFBUDGET_OK);
    char commit[16];
    snprintf(commit, sizeof commit, "c%d", run);
    perfbudget_run_info info = {.source = "cli", .commit = commit, .branch = "main",
                                .environment = run % 3 ? "host=a; cpu=x" : "host=b; cpu=x"};
    for (size_t h = 0; h < count; h++)
        if (perfbudget_history_add_run(histories[h], &info, r, 3, NULL) != PERFBUDGET_OK)
            fail_msg("add_run: %s", perfbudget_errmsg(ctx));
    for (int k = 0; k < 3; k++) perfbudget_result_free(r[k]);
}

static void assert_same_results(perfbudget_result **a, size_t a_count, perfbudget_result **b,
                                size_t b_count) {
    assert_int_equal(a_count, b_count);
    for (size_t i = 0; i < a_count; i++) {
        assert_string_equal(perfbudget_result_name(a[i]), perfbudget_result_name(b[i]));
        assert_string_equal(perfbudget_result_identity(a[i]), perfbudget_result_identity(b[i]));
        size_t n, m;
        const double *x = perfbudget_result_samples(a[i], &n), *y = perfbudget_result_samples(b[i], &m);
        assert_int_equal(n, m);
        assert_memory_equal(x, y, n * sizeof *x); /* bit for bit */
        assert_memory_equal(perfbudget_result_summary(a[i]), perfbudget_result_summary(b[i]),
                            sizeof(perfbudget_summary));
    }
    perfbudget_results_free(a, a_count);
    perfbudget_results_free(b, b_count);
}

/* The same runs recorded in an SQLite file and in PostgreSQL: every answer is the same (runs,
 * their results bit for bit, the latest, commit and named baselines, earlier medians, trends,
 * steps, runner types, benchmark names); only the time each run was recorded differs. */
static void test_same_answers_as_sqlite(void **state) {
    perfbudget_context *ctx = *state;
    perfbudget_history *h[2];
    char file[1024];
    snprintf(file, sizeof file, "%s", fresh_file("same"));
    assert_int_equal(perfbudget_history_new(ctx, file, &h[0]), PERFBUDGET_OK);
    if (perfbudget_history_new(ctx, fresh_schema("same"), &h[1]) != PERFBUDGET_OK)
        fail_msg("open: %s", perfbudget_errmsg(ctx));
    uint64_t seed = 7;
    for (int run = 0; run < 40; run++) {
        add_same(ctx, h, 2, run, &seed);
        if (run == 10) {
            assert_int_equal(perfbudget_history_save_baseline(h[0], "release", 0), PERFBUDGET_OK);
            assert_int_equal(perfbudget_history_save_baseline(h[1], "release", 0), PERFBUDGET_OK);
        }
    }
    perfbudget_run_record runs[2][64];
    memset(runs, 0, sizeof runs); /* text past each string's end compares equal too */
    size_t run_count[2];
    for (int k = 0; k < 2; k++)
        assert_int_equal(perfbudget_history_runs(h[k], runs[k], 64, &run_count[k]), PERFBUDGET_OK);
    assert_int_equal(run_count[0], 40);
    assert_int_equal(run_count[1], 40);
    /* Trends over a window (the newest 7, 3 or all runs, since the 12th newest run was
     * recorded in each, or always): the same points. */
    int64_t since[2] = {runs[0][11].created_ns, runs[1][11].created_ns};
    static const char *const trend_names[] = {"decode", "encode", "parse"};
    static const size_t windows[] = {7, 3, 0};
    for (size_t w = 0; w < 6; w++) {
        perfbudget_series_point *points[2];
        size_t *series_of[2], point_count[2];
        for (int k = 0; k < 2; k++)
            assert_int_equal(perfbudget_history_trend(h[k], trend_names[w % 3], windows[w / 2],
                                                      w % 2 ? since[k] : 0, &points[k],
                                                      &series_of[k], &point_count[k]),
                             PERFBUDGET_OK);
        assert_int_equal(point_count[0], point_count[1]);
        assert_true(point_count[0] >= 3);
        for (size_t i = 0; i < point_count[0]; i++) {
            assert_int_equal(points[0][i].run_id, points[1][i].run_id);
            assert_memory_equal(&points[0][i].median, &points[1][i].median, sizeof(double));
        }
        assert_memory_equal(series_of[0], series_of[1], point_count[0] * sizeof(size_t));
        for (int k = 0; k < 2; k++) {
            free(points[k]);
            free(series_of[k]);
        }
    }
    for (size_t i = 0; i < 40; i++) {
        runs[1][i].created_ns = runs[0][i].created_ns;
        assert_memory_equal(&runs[0][i], &runs[1][i], sizeof runs[0][i]);
        perfbudget_result **loaded[2];
        size_t loaded_count[2];
        for (int k = 0; k < 2; k++)
            assert_int_equal(perfbudget_history_load_run(h[k], runs[k][i].id, &loaded[k],
                                                         &loaded_count[k]), PERFBUDGET_OK);
        assert_same_results(loaded[0], loaded_count[0], loaded[1], loaded_count[1]);
    }
    static const char *const specs[] = {"latest", "commit:c30", "release", "run:5", "commit:none"};
    for (size_t s = 0; s < sizeof specs / sizeof *specs; s++) {
        int64_t id[2] = {0, 0};
        char why[2][256];
        int code[2];
        perfbudget_result **loaded[2] = {NULL, NULL};
        size_t loaded_count[2] = {0, 0};
        for (int k = 0; k < 2; k++) {
            code[k] = perfbudget_history_find(h[k], specs[s], "host=a; cpu=x", "main", &id[k],
                                              why[k], sizeof why[k]);
            if (code[k] == PERFBUDGET_OK)
                assert_int_equal(perfbudget_history_load_baseline(h[k], specs[s], id[k],
                                                                  &loaded[k], &loaded_count[k]),
                                 PERFBUDGET_OK);
        }
        assert_int_equal(code[0], code[1]);
        assert_int_equal(id[0], id[1]);
        assert_string_equal(why[0], why[1]);
        if (code[0] == PERFBUDGET_OK)
            assert_same_results(loaded[0], loaded_count[0], loaded[1], loaded_count[1]);
    }
    perfbudget_result **latest[2];
    size_t latest_count[2];
    for (int k = 0; k < 2; k++)
        assert_int_equal(perfbudget_history_load_latest(h[k], "host=b; cpu=x", "main", &latest[k],
                                                        &latest_count[k]), PERFBUDGET_OK);
    assert_same_results(latest[0], latest_count[0], latest[1], latest_count[1]);
    double *medians[2], *metric[2];
    size_t median_count[2], metric_count[2];
    for (int k = 0; k < 2; k++) {
        assert_int_equal(perfbudget_history_run_medians(h[k], "decode", "", "host=c; cpu=x",
                                                        "main", 0, 0, &medians[k],
                                                        &median_count[k]), PERFBUDGET_OK);
        assert_int_equal(perfbudget_history_run_metric(h[k], "encode", "v2", "host=a; cpu=x",
                                                       "main", 30, 12, "rounds", &metric[k],
                                                       &metric_count[k]), PERFBUDGET_OK);
    }
    assert_int_equal(median_count[0], 40);
    assert_int_equal(median_count[1], 40);
    assert_memory_equal(medians[0], medians[1], 40 * sizeof(double));
    assert_int_equal(metric_count[0], metric_count[1]);
    assert_memory_equal(metric[0], metric[1], metric_count[0] * sizeof(double));
    perfbudget_step steps[2][8];
    size_t step_count[2];
    for (int k = 0; k < 2; k++) {
        assert_int_equal(perfbudget_detect_steps(ctx, medians[k], median_count[k], 5.0, 5,
                                                 steps[k], 8, &step_count[k]), PERFBUDGET_OK);
        free(medians[k]);
        free(metric[k]);
    }
    assert_int_equal(step_count[0], 1);
    assert_int_equal(step_count[1], 1);
    assert_memory_equal(steps[0], steps[1], sizeof steps[0][0]);
    static const char *const names[] = {"decode", "encode", "parse"};
    for (size_t b = 0; b < 3; b++) {
        perfbudget_series_point *points[2];
        size_t *series_of[2], point_count[2];
        for (int k = 0; k < 2; k++)
            assert_int_equal(perfbudget_history_trend(h[k], names[b], 0, 0, &points[k],
                                                      &series_of[k], &point_count[k]),
                             PERFBUDGET_OK);
        assert_int_equal(point_count[0], 40);
        assert_int_equal(point_count[1], 40);
        for (size_t i = 0; i < point_count[0]; i++) {
            perfbudget_series_point *p = &points[0][i], *q = &points[1][i];
            assert_int_equal(p->run_id, q->run_id);
            assert_string_equal(p->commit, q->commit);
            assert_memory_equal(&p->median, &q->median, sizeof p->median);
            assert_memory_equal(&p->p95, &q->p95, sizeof p->p95);
            assert_int_equal(p->n, q->n);
        }
        assert_memory_equal(series_of[0], series_of[1], point_count[0] * sizeof(size_t));
        for (int k = 0; k < 2; k++) {
            free(points[k]);
            free(series_of[k]);
        }
    }
    perfbudget_runner_type_record *types[2];
    size_t type_count[2];
    char **benchmarks[2];
    size_t benchmark_count[2];
    for (int k = 0; k < 2; k++) {
        assert_int_equal(perfbudget_history_runner_types(h[k], NULL, &types[k], &type_count[k]),
                         PERFBUDGET_OK);
        assert_int_equal(perfbudget_history_benchmarks(h[k], "*", &benchmarks[k],
                                                       &benchmark_count[k]), PERFBUDGET_OK);
    }
    assert_int_equal(type_count[0], 1);
    assert_int_equal(type_count[1], 1);
    assert_string_equal(types[0]->runner_type, types[1]->runner_type);
    assert_int_equal(types[0]->runs, types[1]->runs);
    assert_int_equal(types[0]->hosts, types[1]->hosts);
    assert_int_equal(types[0]->latest_run, types[1]->latest_run);
    assert_int_equal(benchmark_count[0], 3);
    assert_int_equal(benchmark_count[1], 3);
    for (size_t b = 0; b < 3; b++) assert_string_equal(benchmarks[0][b], benchmarks[1][b]);
    for (int k = 0; k < 2; k++) {
        free(types[k]);
        perfbudget_strings_free(benchmarks[k], benchmark_count[k]);
        perfbudget_history_free(h[k]);
    }
}

/* The tests that look at no file, run against the server postgresql names. */
static int run_against_postgresql(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_same_answers_as_sqlite, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_lookups_and_baselines, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_series_and_prune, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_runner_types, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_first_open, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_reader_sees_whole_runs, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_push_is_idempotent, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_baseline_save, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_trend_series, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_trend_sparse, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_packed_samples, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_cpu_samples_round_trip, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_probe_samples_round_trip, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_baseline_per_mode, context_setup, context_teardown),
    };
    return cmocka_run_group_tests(tests, make_directory, remove_directory);
}

int main(void) {
    const char *backend = getenv("PERFBUDGET_TEST_HISTORY_BACKEND");
    if (backend != NULL && strcmp(backend, "postgresql") == 0) {
        postgresql = getenv("PERFBUDGET_TEST_POSTGRESQL");
        const char *ci = getenv("CI");
        int required = ci != NULL && strcmp(ci, "true") == 0;
#ifndef PERFBUDGET_HAVE_LIBPQ
        postgresql = NULL;
#endif
        if (postgresql == NULL || postgresql[0] == '\0') {
            /* CTest reads 77 as skipped; CI must run these, never skip them. */
            fprintf(stderr, "%s: no PostgreSQL server (PERFBUDGET_TEST_POSTGRESQL is unset, or "
                    "perfbudget was built without libpq); tests/postgresql/start starts one\n",
                    required ? "FAIL under CI=true" : "skipped");
            return required ? 1 : 77;
        }
        return run_against_postgresql();
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_names_not_utf8, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_lookups_and_baselines, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_series_and_prune, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_runner_types, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_first_open, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_reader_sees_whole_runs, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_push_is_idempotent, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_killed_writer, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_damaged_and_unwritable, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_foreign_files_left_unchanged, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_truncated, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_wal_with_garbage, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_locked, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_baseline_save, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_step_detection, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_step_of_a_doubling, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_lone_outlier_is_no_step, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_several_steps, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_trend_series, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_trend_sparse, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_a_run_is_compact, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_packed_samples, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_git_describe, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_cpu_samples_round_trip, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_probe_samples_round_trip, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_damaged_probe_samples, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_baseline_per_mode, context_setup, context_teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_from_version_2, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_paths_that_are_no_history, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_reader_leaves_nothing, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_read_only_history_of_schema_4, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_read_only_history_of_schema_5, context_setup,
                                        context_teardown),
        cmocka_unit_test_setup_teardown(test_read_only_history_of_another_user, context_setup,
                                        context_teardown),
    };
    return cmocka_run_group_tests(tests, make_directory, remove_directory);
}
