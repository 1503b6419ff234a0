/* SPDX-License-Identifier: MIT */
/* The history's storage interface: what history.c (queries, baselines, steps, trends, copies)
 * asks of a database, and the two that answer it, SQLite (history_sqlite.c) and PostgreSQL
 * (history_postgresql.c). Each backend holds all of its SQL, one text per history_sql, with the
 * same parameters and the same columns in the same order; history.c holds none. */
#ifndef PERFBUDGET_HISTORY_STORE_H
#define PERFBUDGET_HISTORY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* Both backends number their schema alike: each migrates a database to this version. */
enum { HISTORY_SCHEMA_VERSION = 6 };

/* Every statement history.c runs. Parameters are numbered from 1, columns from 0. */
typedef enum history_sql {
    HISTORY_INSERT_RUN,       /* created_ns, source, commit, branch, dirty, environment -> id */
    HISTORY_INSERT_BENCHMARK, /* name, identity -> id (the row, new or not) */
    HISTORY_INSERT_RESULT,    /* run, benchmark, status, message, n, median, p95, samples,
                               * metrics, custom metrics, verdict, stages, cpu samples,
                               * sample encoding, probe samples */
    HISTORY_RUNS_NEWEST,      /* limit -> RUN_COLUMNS, newest first */
    HISTORY_RUN,              /* id -> RUN_COLUMNS */
    HISTORY_RESULTS_OF_RUN,   /* run -> RESULT_COLUMNS by name */
    HISTORY_LATEST_RESULTS,   /* environment, branch -> RESULT_COLUMNS by name */
    HISTORY_BASELINE_RESULTS, /* baseline name -> RESULT_COLUMNS by name */
    HISTORY_RUN_LEVELS,       /* name, identity, runner type, branch, limit (-1: none), up to
                               * run (0: all), with samples (1: yes) -> median,
                               * metrics, samples (NULL unless asked), sample encoding;
                               * oldest first */
    HISTORY_LATEST_RUN,       /* environment, branch -> id */
    HISTORY_RUN_OF_COMMIT,    /* commit, runner type -> id */
    HISTORY_BASELINE_RUN,     /* name -> run id */
    HISTORY_NEWEST_RUN,       /* -> id of the newest run (no row: no run) */
    HISTORY_SAVE_BASELINE,    /* name, run, created_ns */
    HISTORY_SAVE_BASELINE_MODES, /* name, run: the modes the run measured */
    HISTORY_BASELINES,        /* -> name, run id, created_ns; by name */
    HISTORY_BENCHMARK_VERSIONS, /* name -> benchmark id, by identity */
    HISTORY_SERIES_RESULTS,   /* benchmark id, limit (0: none), since_ns -> run id, median,
                               * p95, n; newest first. Where the backend's series_joined is
                               * set, also the run's created_ns, commit and environment
                               * (columns 4 to 6), and only the newest `limit` results of runs
                               * created at or after since_ns; else the limit and since_ns may
                               * go unused (the caller applies both) */
    HISTORY_SERIES_RUNS,      /* up to run id, benchmark id -> id, created_ns, commit,
                               * environment; newest first (at least the runs holding the
                               * benchmark's results); unused where series_joined is set */
    HISTORY_BENCHMARK_NAMES,  /* -> distinct names, sorted by bytes */
    HISTORY_RUNNER_TYPES,     /* commit or NULL -> type, runs, hosts, newest run */
    HISTORY_MEASURE,          /* -> runs, results, baselines, benchmarks, sample bytes */
    HISTORY_PRUNE_RUNS,       /* keep */
    HISTORY_PRUNE_BENCHMARKS,
    HISTORY_RUNS_AFTER,       /* id -> id, created_ns, source, commit, branch, dirty,
                               * environment; oldest first, the first 256 */
    HISTORY_RAW_RESULTS,      /* run -> name, identity, status, message, n, median, p95,
                               * samples, metrics, custom metrics, verdict, stages, cpu
                               * samples, sample encoding, probe samples */
    HISTORY_RUN_BY_KEY,       /* created_ns, source, commit, branch, environment -> id */
    HISTORY_BASELINE_MODES,   /* -> name, mode, run id */
    HISTORY_COPY_BASELINE_MODE, /* name, mode, run */
    HISTORY_LOCK_RUN_KEY,     /* created_ns -> a row: holds other writers of a run of that
                               * time until this transaction ends, so that looking a run up by
                               * its key (HISTORY_RUN_BY_KEY) and adding it is one step (an
                               * SQLite write transaction holds every other writer already) */
    HISTORY_SQL_COUNT
} history_sql;

/* What step() returns. */
enum { HISTORY_ROW = 1, HISTORY_DONE = 0, HISTORY_ERROR = -1, HISTORY_DUPLICATE = -2 /* a
       unique key already held */ };

typedef struct history_statement history_statement;
typedef struct history_backend history_backend;

struct perfbudget_history {
    perfbudget_context *ctx;
    const history_backend *backend;
    void *db;   /* the backend's connection */
    char *path; /* as messages show it: a file, or a URI without its password */
    int reader; /* opened with perfbudget_history_new_read_only() */
};

/* A backend. A failed call leaves its message for fail(); bind_* take effect at the next step
 * and copy nothing that must outlive it (the caller keeps the values alive until then). */
struct history_backend {
    const char *name;
    /* The run cursor of a trend (HISTORY_SERIES_RUNS) seeks instead of walking past more than
     * this many run ids. */
    int64_t series_seek_gap;
    /* 1: HISTORY_SERIES_RESULTS brings each result's run and applies the window itself (a
     * server sends every row of a query, so it must send only those wanted, in one query);
     * 0: a second cursor walks the runs beside the results (HISTORY_SERIES_RUNS). */
    int series_joined;
    int (*begin)(perfbudget_history *h);  /* a write transaction, its lock taken */
    int (*commit)(perfbudget_history *h); /* fails through fail() */
    void (*rollback)(perfbudget_history *h);
    /* Fails through fail() with what. */
    int (*prepare)(perfbudget_history *h, history_sql which, history_statement **out);
    void (*reset)(history_statement *s);
    void (*finalize)(history_statement *s); /* NULL: no-op */
    void (*bind_int64)(history_statement *s, int index, int64_t value);
    void (*bind_double)(history_statement *s, int index, double value); /* NaN: NULL */
    void (*bind_text)(history_statement *s, int index, const char *value); /* NULL: NULL */
    void (*bind_blob)(history_statement *s, int index, const void *value, size_t size);
    int (*step)(history_statement *s);
    int (*is_null)(history_statement *s, int column);
    int64_t (*column_int64)(history_statement *s, int column);
    double (*column_double)(history_statement *s, int column); /* NULL: NaN */
    const char *(*column_text)(history_statement *s, int column);
    const unsigned char *(*column_blob)(history_statement *s, int column, size_t *size);
    int64_t (*changes)(perfbudget_history *h); /* rows the last statement changed */
    int64_t (*stored_bytes)(perfbudget_history *h); /* the database's size, or -1 */
    /* A PERFBUDGET_* code and message for the last failure, while doing what. */
    int (*fail)(perfbudget_history *h, const char *what);
    void (*close)(perfbudget_history *h);
};

/* perfbudget_history_add_run_at() of a run that may be there already (a spooled run sent
 * again after a crash between its commit and its removal from the spool): a run with the same
 * key (time, source, commit, branch, environment) is not added again, *was_there says so, and
 * *run_id is its id. */
int perfbudget__history_add_run_once(perfbudget_history *h, const perfbudget_run_info *info,
                                     int64_t created_ns, perfbudget_result *const *results,
                                     size_t count, int64_t *run_id, int *was_there);

/* Opening: h has ctx, path and reader set; these connect h->db, migrate and set h->backend. */
int perfbudget__history_sqlite_open(perfbudget_history *h);
/* uri: as given (with its password, which h->path has not). Without libpq: EINVAL, saying so. */
int perfbudget__history_postgresql_open(perfbudget_history *h, const char *uri);

#endif
