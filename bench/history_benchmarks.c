/* SPDX-License-Identifier: MIT */
/* The history store's hot paths, measured with perfbudget's own C API:
 *   history_append_100x100  appending one run of 100 benchmarks x 100 samples (target < 20 ms)
 *   history_trend_100k      the series of one benchmark over a history of 100,000 runs
 *                           (what `perfbudget history` reads per benchmark; target < 200 ms)
 *   history_latest_100k     the baseline "latest" (each benchmark's newest result) over the
 *                           same history: linear in its size, where it once was quadratic
 * Run: build/bench/history_benchmarks [--filter NAME] */
#define _POSIX_C_SOURCE 200809L
#include <perfbudget/perfbudget.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { BENCHMARKS = 100, SAMPLES = 100, RUNS = 100000 };

typedef struct fixture {
    perfbudget_context *ctx;
    perfbudget_history *history;
    perfbudget_result *results[BENCHMARKS];
    char path[256];
} fixture;

static int open_fresh(fixture *f, const char *name) {
    snprintf(f->path, sizeof f->path, "%s/perfbudget-bench-%s-%d.sqlite",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", name, (int)getpid());
    unlink(f->path);
    return perfbudget_context_new(&f->ctx) == PERFBUDGET_OK &&
                   perfbudget_history_new(f->ctx, f->path, &f->history) == PERFBUDGET_OK
               ? 0
               : -1;
}

static int setup_append(perfbudget_state *state) {
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL || open_fresh(f, "append") != 0) return -1;
    double samples[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) samples[i] = 1000.0 + i;
    for (int b = 0; b < BENCHMARKS; b++) {
        char name[64];
        snprintf(name, sizeof name, "suite::benchmark_%03d", b);
        if (perfbudget_result_new(f->ctx, name, samples, SAMPLES, NULL, PERFBUDGET_RUN_OK, "",
                                  &f->results[b]) != PERFBUDGET_OK)
            return -1;
    }
    perfbudget_state_set_userdata(state, f);
    return 0;
}

/* 100,000 runs of 10 benchmarks, written straight through SQLite in one transaction: the
 * store's own API commits once per run, which would make this setup take minutes. */
static int setup_trend(perfbudget_state *state) {
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL || open_fresh(f, "trend") != 0) return -1;
    double samples[10];
    for (int i = 0; i < 10; i++) samples[i] = 1000.0 + i;
    perfbudget_result *seed;
    perfbudget_result_new(f->ctx, "seed", samples, 10, NULL, PERFBUDGET_RUN_OK, "", &seed);
    perfbudget_run_info info = {.source = "seed"}; /* creates the schema */
    perfbudget_history_add_run(f->history, &info, &seed, 1, NULL);
    perfbudget_result_free(seed);
    sqlite3 *db;
    if (sqlite3_open(f->path, &db) != SQLITE_OK) return -1;
    int ok = sqlite3_exec(
                 db,
                 "BEGIN;"
                 "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 9) "
                 "INSERT INTO benchmarks(name) SELECT 'bench_' || i FROM k;"
                 "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 100000) "
                 "INSERT INTO runs(created_ns, source, environment) SELECT i, 'bench', 'env' FROM r;"
                 "INSERT INTO results(run_id, benchmark_id, status, message, n, median, p95, "
                 "samples, metrics, custom_metrics) SELECT r.id, b.id, 'ok', '', 10, "
                 "1000 + (r.id % 7), 1100, zeroblob(80), '{}', '[]' FROM runs r, benchmarks b "
                 "WHERE r.source = 'bench' AND b.name LIKE 'bench_%';"
                 "COMMIT;",
                 NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_close(db);
    if (!ok) return -1;
    perfbudget_state_set_userdata(state, f);
    return 0;
}

static void teardown(perfbudget_state *state) {
    fixture *f = perfbudget_state_userdata(state);
    for (int b = 0; b < BENCHMARKS; b++) perfbudget_result_free(f->results[b]);
    perfbudget_history_free(f->history);
    perfbudget_context_free(f->ctx);
    unlink(f->path);
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", f->path);
    unlink(wal);
    free(f);
}

static void bench_append(perfbudget_state *state) {
    fixture *f = perfbudget_state_userdata(state);
    perfbudget_run_info info = {.source = "bench", .branch = "main", .commit = "0123456789abcdef"};
    while (perfbudget_loop(state))
        if (perfbudget_history_add_run(f->history, &info, f->results, BENCHMARKS, NULL) !=
            PERFBUDGET_OK)
            perfbudget_state_fail(state, perfbudget_errmsg(f->ctx));
}

static void bench_trend(perfbudget_state *state) {
    fixture *f = perfbudget_state_userdata(state);
    while (perfbudget_loop(state)) {
        perfbudget_series_point *points;
        size_t count;
        if (perfbudget_history_series(f->history, "bench_3", 0, 0, &points, &count) !=
                PERFBUDGET_OK ||
            count != RUNS)
            perfbudget_state_fail(state, "the series does not hold 100,000 points");
        else
            perfbudget_free(points);
    }
}

static void bench_latest(perfbudget_state *state) {
    fixture *f = perfbudget_state_userdata(state);
    while (perfbudget_loop(state)) {
        perfbudget_result **latest;
        size_t count;
        if (perfbudget_history_load_latest(f->history, "env", NULL, &latest, &count) !=
                PERFBUDGET_OK ||
            count != 10)
            perfbudget_state_fail(state, "latest does not hold the 10 benchmarks");
        else
            perfbudget_results_free(latest, count);
    }
}

static const perfbudget_benchmark_def benchmarks[] = {
    {.name = "history_append_100x100", .run = bench_append, .setup = setup_append,
     .teardown = teardown},
    {.name = "history_trend_100k", .run = bench_trend, .setup = setup_trend, .teardown = teardown},
    {.name = "history_latest_100k", .run = bench_latest, .setup = setup_trend,
     .teardown = teardown},
};

int main(int argc, char **argv) {
    return perfbudget_main(argc, argv, "perfbudget_history", benchmarks,
                           sizeof benchmarks / sizeof benchmarks[0]);
}
