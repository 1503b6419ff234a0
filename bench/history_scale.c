/* SPDX-License-Identifier: MIT */
/* The history at scale (issue 24): generates a history of RUNS runs x BENCHMARKS benchmarks
 * through the history's own schema, then times what reads it, each case REPEATS times, and
 * prints the median and the range beside its goal:
 *   generate          the history itself (goal < 2 min for 100,000 runs)
 *   history           `perfbudget history` (default window), the whole command (goal < 1 s)
 *   history --all     `perfbudget history --all`: every run of every benchmark
 *   latest            the "latest" baseline: perfbudget_history_find + _load_latest (< 20 ms)
 *   commit, name      the commit: (and merge-base) and named baseline lookups
 *   trend 100         one benchmark's newest 100 runs (perfbudget_history_trend)
 *   trend all         one benchmark's every run
 *   steps all         the step finder over one benchmark's every run
 *   size              bytes per run on disk (`perfbudget history size`)
 *   append            perfbudget_history_add_run of 100 benchmarks x 100 samples (< 50 ms)
 * The commands and the trends also print their CPU time (user and system), which a busy machine
 * changes less than their wall time.
 * The medians step up by 30 % every 25,000 runs, with 2 % noise and a 2x outlier every 997
 * runs, so the finder has steps to find.
 * Run: build/bench/history_scale [--runs N] [--benchmarks N] [--samples N] [--cli PATH]
 *      [--keep FILE | --reuse FILE] [--postgresql URI]
 *      (--cli defaults to build/perfbudget beside this program)
 * --postgresql also makes the same history in the PostgreSQL database URI (dropping any perfbudget
 * history there) and times the same cases there, after SQLite's, in the same run.
 * --keep leaves the history in FILE; --reuse reads the one FILE holds instead of generating one,
 * so that two builds can read the same history in turn (LD_LIBRARY_PATH=OTHER/build for
 * another build's library, --cli OTHER/build/perfbudget for its command); with --postgresql, the
 * database's history is reused too. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <perfbudget/perfbudget.h>
#include <fcntl.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum { REPEATS = 5 };

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t next_random(uint64_t *state) {
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double uniform(uint64_t *state) { return (double)(next_random(state) >> 11) * 0x1p-53; }

/* The median of run r: a level that steps up 30 % every 25,000 runs, 2 % noise, an outlier. */
static double level_of(size_t r, uint64_t *state) {
    double level = 1e6 * pow(1.3, (double)(r / 25000));
    double value = level * (1.0 + 0.04 * (uniform(state) - 0.5));
    return r % 997 == 500 ? 2.0 * value : value;
}

static int fail(const char *what, sqlite3 *db) {
    fprintf(stderr, "history_scale: %s: %s\n", what, db ? sqlite3_errmsg(db) : "failed");
    return 1;
}

/* Samples as the history stores them: little-endian doubles (what perfbudget writes is read
 * back the same way whatever the encoding it chose, as the schema version says). */
static void encode(const double *samples, size_t n, unsigned char *out) {
    for (size_t i = 0; i < n; i++) {
        uint64_t bits;
        memcpy(&bits, &samples[i], sizeof bits);
        for (int b = 0; b < 8; b++) out[8 * i + (size_t)b] = (unsigned char)(bits >> (8 * b));
    }
}

static int generate(const char *path, size_t runs, size_t benchmarks, size_t samples) {
    perfbudget_context *ctx;
    perfbudget_history *history;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK ||
        perfbudget_history_new(ctx, path, &history) != PERFBUDGET_OK)
        return fail("creating the history", NULL);
    perfbudget_history_free(history); /* the schema is there now, at its current version */
    perfbudget_context_free(ctx);
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) return fail("opening", db);
    sqlite3_stmt *run, *result, *bench;
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO benchmarks(name, identity) VALUES(?1, 'v1')", -1,
                           &bench, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO runs(id, created_ns, source, git_commit, branch, dirty, "
                           "environment) VALUES(?1, ?2, 'bench', ?3, 'main', 0, 'env')",
                           -1, &run, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO results(run_id, benchmark_id, status, message, n, median, "
                           "p95, samples, metrics, custom_metrics) VALUES(?1, ?2, 'ok', '', ?3, "
                           "?4, ?5, ?6, '{\"rounds\":20}', '[]')",
                           -1, &result, NULL) != SQLITE_OK)
        return fail("preparing", db);
    int64_t *ids = malloc(benchmarks * sizeof *ids);
    double *values = malloc(samples * sizeof *values);
    unsigned char *blob = malloc(8 * samples);
    if (ids == NULL || values == NULL || blob == NULL) return fail("out of memory", NULL);
    for (size_t b = 0; b < benchmarks; b++) {
        char name[64];
        snprintf(name, sizeof name, "suite::bench_%02zu", b);
        sqlite3_reset(bench);
        sqlite3_bind_text(bench, 1, name, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(bench) != SQLITE_DONE) return fail("inserting a benchmark", db);
        ids[b] = sqlite3_last_insert_rowid(db);
    }
    uint64_t state = 24;
    for (size_t r = 1; r <= runs; r++) {
        char commit[41];
        snprintf(commit, sizeof commit, "%040zx", r);
        sqlite3_reset(run);
        sqlite3_bind_int64(run, 1, (sqlite3_int64)r);
        sqlite3_bind_int64(run, 2, (sqlite3_int64)(1700000000000000000 + (int64_t)r * 60000000000));
        sqlite3_bind_text(run, 3, commit, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(run) != SQLITE_DONE) return fail("inserting a run", db);
        for (size_t b = 0; b < benchmarks; b++) {
            double median = level_of(r, &state) * (1.0 + 0.1 * (double)b);
            for (size_t i = 0; i < samples; i++)
                values[i] = median * (1.0 + 0.01 * (uniform(&state) - 0.5));
            encode(values, samples, blob);
            sqlite3_reset(result);
            sqlite3_bind_int64(result, 1, (sqlite3_int64)r);
            sqlite3_bind_int64(result, 2, ids[b]);
            sqlite3_bind_int64(result, 3, (sqlite3_int64)samples);
            sqlite3_bind_double(result, 4, median);
            sqlite3_bind_double(result, 5, median * 1.01);
            sqlite3_bind_blob(result, 6, blob, (int)(8 * samples), SQLITE_STATIC);
            if (sqlite3_step(result) != SQLITE_DONE) return fail("inserting a result", db);
        }
    }
    sqlite3_finalize(bench);
    sqlite3_finalize(run);
    sqlite3_finalize(result);
    free(ids);
    free(values);
    free(blob);
    if (sqlite3_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK)
        return fail("committing", db);
    sqlite3_close(db);
    return 0;
}

/* CPU time, user and system: on this shared 2-core machine the wall time of a case mostly says
 * how busy the machine was, so both are printed. who: RUSAGE_SELF or RUSAGE_CHILDREN. */
static double cpu_s(int who) {
    struct rusage usage;
    getrusage(who, &usage);
    return (double)usage.ru_utime.tv_sec + 1e-6 * (double)usage.ru_utime.tv_usec +
           (double)usage.ru_stime.tv_sec + 1e-6 * (double)usage.ru_stime.tv_usec;
}

/* Runs the CLI with its output thrown away; its wall time, or a negative number on failure;
 * its CPU time in *cpu. */
static double time_command(char *const argv[], double *cpu) {
    double cpu_before = cpu_s(RUSAGE_CHILDREN);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    double start = now_s();
    pid_t pid;
    int status = -1;
    if (posix_spawn(&pid, argv[0], &actions, NULL, argv, environ) == 0) waitpid(pid, &status, 0);
    double elapsed = now_s() - start;
    *cpu = cpu_s(RUSAGE_CHILDREN) - cpu_before;
    posix_spawn_file_actions_destroy(&actions);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? elapsed : -1.0;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *times, const char *goal) {
    qsort(times, REPEATS, sizeof *times, by_value);
    if (times[0] < 0) {
        printf("%-16s failed\n", what);
        return;
    }
    printf("%-16s median %9.3f ms  (%.3f .. %.3f)  %s\n", what, 1e3 * times[REPEATS / 2],
           1e3 * times[0], 1e3 * times[REPEATS - 1], goal);
}

static void report_cpu(double *cpu) {
    qsort(cpu, REPEATS, sizeof *cpu, by_value);
    printf("%-16s   CPU %9.3f ms  (%.3f .. %.3f)\n", "", 1e3 * cpu[REPEATS / 2], 1e3 * cpu[0],
           1e3 * cpu[REPEATS - 1]);
}

/* Appends REPEATS runs of 100 benchmarks x 100 samples, each timed: what recording a big suite
 * costs (perfbudget_history_add_run, one transaction). Returns 0, or 1 on failure. */
static int time_append(perfbudget_context *ctx, perfbudget_history *h, double *times) {
    enum { APPENDED = 100, APPENDED_SAMPLES = 100 };
    perfbudget_result *results[APPENDED];
    double values[APPENDED_SAMPLES];
    uint64_t state = 22;
    size_t made = 0;
    for (; made < APPENDED; made++) {
        char name[64];
        snprintf(name, sizeof name, "append::bench_%03zu", made);
        for (size_t i = 0; i < APPENDED_SAMPLES; i++) values[i] = 1e6 * (1.0 + uniform(&state));
        if (perfbudget_result_new(ctx, name, values, APPENDED_SAMPLES, NULL, PERFBUDGET_RUN_OK, "",
                                  &results[made]) != PERFBUDGET_OK)
            break;
    }
    perfbudget_run_info info = {.source = "bench", .commit = "append", .branch = "append",
                                .environment = "append"};
    for (int k = 0; k < REPEATS; k++) {
        double t0 = now_s();
        int ok = made == APPENDED &&
                 perfbudget_history_add_run(h, &info, results, APPENDED, NULL) == PERFBUDGET_OK;
        times[k] = ok ? now_s() - t0 : -1.0;
        if (!ok) fprintf(stderr, "history_scale: append: %s\n", perfbudget_errmsg(ctx));
    }
    for (size_t i = 0; i < made; i++) perfbudget_result_free(results[i]);
    return 0;
}

/* The history of generate() in a PostgreSQL database, made by the server itself (psql, one
 * transaction of INSERT ... SELECT over generate_series, as row-by-row inserts over the network
 * would take hours): the same runs, commits, benchmarks and medians' shape; the samples are
 * constant (1.0e6 ns each), which no case here reads but `latest`, for its size. It ends with
 * VACUUM ANALYZE, as autovacuum leaves tables that have been there a while (their visibility
 * map lets a series be read from its index alone). Any perfbudget history at location is
 * dropped first. */
static int generate_postgresql(const char *location, size_t runs, size_t benchmarks,
                               size_t samples) {
    char command[4200];
    snprintf(command, sizeof command, "psql -qX -v ON_ERROR_STOP=1 '%s' >/dev/null", location);
    FILE *psql = popen(command, "w");
    if (psql == NULL) return fail("starting psql", NULL);
    fprintf(psql, "SET client_min_messages = warning;\n"
                  "DROP TABLE IF EXISTS baseline_modes, baselines, results, benchmarks, runs, "
                  "perfbudget_schema CASCADE;\n");
    if (pclose(psql) != 0) return fail("dropping the old history with psql", NULL);
    perfbudget_context *ctx;
    perfbudget_history *history;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK ||
        perfbudget_history_new(ctx, location, &history) != PERFBUDGET_OK)
        return fail("creating the history", NULL);
    perfbudget_history_free(history);
    perfbudget_context_free(ctx);
    psql = popen(command, "w");
    if (psql == NULL) return fail("starting psql", NULL);
    fprintf(psql,
            "BEGIN;\n"
            "INSERT INTO benchmarks(id, name, identity) SELECT b, 'suite::bench_' || "
            "lpad((b - 1)::text, 2, '0'), 'v1' FROM generate_series(1, %zu) b;\n"
            "INSERT INTO runs(id, created_ns, source, git_commit, branch, dirty, environment) "
            "SELECT r, 1700000000000000000 + r * 60000000000, 'bench', lpad(to_hex(r), 40, '0'), "
            "'main', 0, 'env' FROM generate_series(1, %zu) r;\n"
            "INSERT INTO results(run_id, benchmark_id, status, message, n, median, p95, samples, "
            "metrics, custom_metrics) SELECT r, b, 'ok', '', %zu, m, m * 1.01, "
            "decode(repeat('0000000080842e41', %zu), 'hex'), '{\"rounds\":20}', '[]' FROM "
            "(SELECT r, b, 1e6 * power(1.3, r / 25000) * (1 + 0.1 * (b - 1)) * "
            "(1 + 0.04 * (random() - 0.5)) * (CASE WHEN r %% 997 = 500 THEN 2 ELSE 1 END) AS m "
            "FROM generate_series(1, %zu) r, generate_series(1, %zu) b) AS x;\n"
            "SELECT setval('runs_id_seq', %zu), setval('benchmarks_id_seq', %zu);\n"
            "COMMIT;\nVACUUM ANALYZE;\n",
            benchmarks, runs, samples, samples, runs, benchmarks, runs, benchmarks);
    return pclose(psql) == 0 ? 0 : fail("generating the history with psql", NULL);
}

/* The read cases, then the append case, against the history at location (a file or a
 * postgresql:// URI) of runs runs x benchmarks benchmarks. Returns 0, or 1 when it cannot open. */
static int measure(const char *cli, const char *location, size_t runs, size_t benchmarks) {
    printf("-- %s\n", location);
    double times[REPEATS], cpu[REPEATS];
    char *history_default[] = {(char *)cli, "history", "--history", (char *)location, NULL};
    char *history_all[] = {(char *)cli, "history", "--history", (char *)location, "--all", NULL};
    for (int k = 0; k < REPEATS; k++) times[k] = time_command(history_default, &cpu[k]);
    report("history", times, "(goal < 1 s, the whole command)");
    report_cpu(cpu);
    for (int k = 0; k < REPEATS; k++) times[k] = time_command(history_all, &cpu[k]);
    report("history --all", times, "(every run of every benchmark)");
    report_cpu(cpu);

    perfbudget_context *ctx;
    perfbudget_history *h;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK ||
        perfbudget_history_new(ctx, location, &h) != PERFBUDGET_OK)
        return fail("opening the history", NULL);
    char why[512], commit_spec[64];
    int64_t run_id;
    for (int k = 0; k < REPEATS; k++) {
        double t0 = now_s();
        perfbudget_result **latest;
        size_t count;
        int ok = perfbudget_history_find(h, "latest", "env", "main", &run_id, why, sizeof why) ==
                     PERFBUDGET_OK &&
                 perfbudget_history_load_latest(h, "env", "main", &latest, &count) ==
                     PERFBUDGET_OK &&
                 count == benchmarks;
        times[k] = ok ? now_s() - t0 : -1.0;
        if (ok) perfbudget_results_free(latest, count);
    }
    report("latest", times, "(goal < 20 ms)");
    snprintf(commit_spec, sizeof commit_spec, "commit:%040zx", runs / 2);
    for (int k = 0; k < REPEATS; k++) {
        double t0 = now_s();
        int ok = perfbudget_history_find(h, commit_spec, "env", "main", &run_id, why,
                                         sizeof why) == PERFBUDGET_OK;
        times[k] = ok ? now_s() - t0 : -1.0;
    }
    report("commit lookup", times, "(commit: and merge-base)");
    perfbudget_history_save_baseline(h, "release", (int64_t)(runs / 3));
    for (int k = 0; k < REPEATS; k++) {
        double t0 = now_s();
        perfbudget_result **named;
        size_t count;
        int ok = perfbudget_history_find(h, "release", "env", "main", &run_id, why, sizeof why) ==
                     PERFBUDGET_OK &&
                 perfbudget_history_load_baseline(h, "release", run_id, &named, &count) ==
                     PERFBUDGET_OK;
        times[k] = ok ? now_s() - t0 : -1.0;
        if (ok) perfbudget_results_free(named, count);
    }
    report("named baseline", times, "(find and load)");
    size_t found_steps = 0, points_read = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < REPEATS; k++) {
            double t0 = now_s(), c0 = cpu_s(RUSAGE_SELF);
            perfbudget_series_point *points;
            size_t *series_of, count;
            int ok = perfbudget_history_trend(h, "suite::bench_03", pass == 0 ? 100 : 0, 0,
                                              &points, &series_of, &count) == PERFBUDGET_OK;
            times[k] = ok ? now_s() - t0 : -1.0;
            cpu[k] = cpu_s(RUSAGE_SELF) - c0;
            if (!ok) continue;
            points_read = count;
            if (pass == 1 && k == 0) {
                double *medians = malloc(count * sizeof *medians);
                for (size_t i = 0; medians != NULL && i < count; i++) medians[i] = points[i].median;
                double steps_times[REPEATS];
                perfbudget_step steps[64];
                for (int j = 0; medians != NULL && j < REPEATS; j++) {
                    double s0 = now_s();
                    int fine = perfbudget_detect_steps(ctx, medians, count, 5.0, 5, steps, 64,
                                                       &found_steps) == PERFBUDGET_OK;
                    steps_times[j] = fine ? now_s() - s0 : -1.0;
                }
                free(medians);
                report("steps all", steps_times, "(the finder over every run of one benchmark)");
                printf("%-16s %zu steps found in %zu runs (%zu were made)\n", "", found_steps,
                       count, (runs - 1) / 25000);
            }
            perfbudget_free(points);
            perfbudget_free(series_of);
        }
        report(pass == 0 ? "trend 100" : "trend all", times,
               pass == 0 ? "(one benchmark, newest 100 runs)" : "(one benchmark, every run)");
        report_cpu(cpu);
        printf("%-16s %zu points\n", "", points_read);
    }
    int appended = time_append(ctx, h, times);
    report("append", times, "(a run of 100 benchmarks x 100 samples; goal < 50 ms)");
    perfbudget_history_free(h);
    perfbudget_context_free(ctx);
    return appended;
}

int main(int argc, char **argv) {
    size_t runs = 100000, benchmarks = 10, samples = 20;
    const char *keep = NULL, *postgresql = NULL;
    int reuse = 0;
    char cli[4096];
    snprintf(cli, sizeof cli, "%s", argv[0]);
    char *slash = strrchr(cli, '/');
    snprintf(slash ? slash + 1 : cli, sizeof cli - (size_t)(slash ? slash + 1 - cli : 0),
             "../perfbudget");
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--runs") == 0) runs = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--benchmarks") == 0) benchmarks = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--samples") == 0) samples = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--cli") == 0) snprintf(cli, sizeof cli, "%s", argv[i + 1]);
        else if (strcmp(argv[i], "--keep") == 0) keep = argv[i + 1];
        else if (strcmp(argv[i], "--reuse") == 0) keep = argv[i + 1], reuse = 1;
        else if (strcmp(argv[i], "--postgresql") == 0) postgresql = argv[i + 1];
    }
    if (runs < 2 || benchmarks < 1 || samples < 1) {
        fprintf(stderr, "history_scale: --runs >= 2, --benchmarks >= 1, --samples >= 1\n");
        return 2;
    }
    char path[4096];
    if (keep != NULL) snprintf(path, sizeof path, "%s", keep);
    else
        snprintf(path, sizeof path, "%s/perfbudget-history-scale-%d.sqlite",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
    if (reuse) {
        printf("history read from %s (--runs must say how many runs it holds)\n", path);
    } else {
        unlink(path);
        printf("history of %zu runs x %zu benchmarks x %zu samples: %s\n", runs, benchmarks,
               samples, path);
        double start = now_s();
        if (generate(path, runs, benchmarks, samples) != 0) return 1;
        printf("%-16s %9.1f s  (goal < 120 s for 100,000 runs)\n", "generate", now_s() - start);
    }
    struct stat info;
    if (stat(path, &info) == 0)
        printf("%-16s %9.0f bytes per run (%zu benchmarks x %zu samples)\n", "size",
               (double)info.st_size / (double)runs, benchmarks, samples);

    if (measure(cli, path, runs, benchmarks) != 0) return 1;
    if (postgresql != NULL) {
        if (!reuse) {
            printf("the same history in %s\n", postgresql);
            double start = now_s();
            if (generate_postgresql(postgresql, runs, benchmarks, samples) != 0) return 1;
            printf("%-16s %9.1f s\n", "generate", now_s() - start);
        }
        if (measure(cli, postgresql, runs, benchmarks) != 0) return 1;
    }
    if (keep == NULL) {
        char extra[4200];
        unlink(path);
        snprintf(extra, sizeof extra, "%s-wal", path);
        unlink(extra);
        snprintf(extra, sizeof extra, "%s-shm", path);
        unlink(extra);
    }
    return 0;
}
