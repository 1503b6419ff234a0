/* SPDX-License-Identifier: MIT */
/* The history in a PostgreSQL database, through libpq: its schema and migrations (the same
 * versions as SQLite's), and every statement of history_store.h in PostgreSQL's SQL. Values are
 * bound as parameters, never spliced into SQL; samples travel as binary. Results come back as
 * text, which PostgreSQL writes for doubles in the shortest form that reads back bit for bit,
 * but for a trend's series, which come in binary (their numbers as stored). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history_store.h"

#ifndef PERFBUDGET_HAVE_LIBPQ

int perfbudget__history_postgresql_open(perfbudget_history *h, const char *uri) {
    (void)uri;
    return perfbudget__fail(h->ctx, PERFBUDGET_EINVAL,
                            "history %s: this perfbudget was built without PostgreSQL (libpq); "
                            "rebuild it with libpq-dev installed",
                            h->path);
}

#else

#include <dlfcn.h>
#include <libpq-fe.h>

/* The libpq functions the backend calls, loaded when a PostgreSQL history is opened: a program
 * that only ever opens SQLite files does not load libpq and the libraries it pulls in (they
 * tripled the start-up time of a `perfbudget` command). */
typedef struct libpq_api {
    void *library; /* dlopen()'s handle */
    PGconn *(*PQconnectdb)(const char *conninfo);
    ConnStatusType (*PQstatus)(const PGconn *connection);
    char *(*PQerrorMessage)(const PGconn *connection);
    void (*PQfinish)(PGconn *connection);
    PQnoticeProcessor (*PQsetNoticeProcessor)(PGconn *connection, PQnoticeProcessor processor,
                                              void *argument);
    PGresult *(*PQexec)(PGconn *connection, const char *sql);
    PGresult *(*PQexecParams)(PGconn *connection, const char *sql, int count, const Oid *types,
                              const char *const *values, const int *lengths, const int *formats,
                              int result_format);
    ExecStatusType (*PQresultStatus)(const PGresult *result);
    char *(*PQresultErrorMessage)(const PGresult *result);
    char *(*PQresultErrorField)(const PGresult *result, int field);
    void (*PQclear)(PGresult *result);
    int (*PQntuples)(const PGresult *result);
    char *(*PQgetvalue)(const PGresult *result, int row, int column);
    int (*PQgetisnull)(const PGresult *result, int row, int column);
    int (*PQgetlength)(const PGresult *result, int row, int column);
    char *(*PQcmdStatus)(PGresult *result);
    char *(*PQcmdTuples)(PGresult *result);
    unsigned char *(*PQunescapeBytea)(const unsigned char *text, size_t *length);
    void (*PQfreemem)(void *pointer);
} libpq_api;

/* Fills api from libpq's shared library; 0, or -1 with why in error. */
static int load_libpq(libpq_api *api, char *error, size_t size) {
#define LIBPQ_FUNCTION(name) {#name, offsetof(libpq_api, name)}
    static const struct {
        const char *name;
        size_t offset;
    } functions[] = {
        LIBPQ_FUNCTION(PQconnectdb), LIBPQ_FUNCTION(PQstatus), LIBPQ_FUNCTION(PQerrorMessage),
        LIBPQ_FUNCTION(PQfinish), LIBPQ_FUNCTION(PQsetNoticeProcessor), LIBPQ_FUNCTION(PQexec),
        LIBPQ_FUNCTION(PQexecParams), LIBPQ_FUNCTION(PQresultStatus),
        LIBPQ_FUNCTION(PQresultErrorMessage), LIBPQ_FUNCTION(PQresultErrorField),
        LIBPQ_FUNCTION(PQclear), LIBPQ_FUNCTION(PQntuples), LIBPQ_FUNCTION(PQgetvalue),
        LIBPQ_FUNCTION(PQgetisnull), LIBPQ_FUNCTION(PQgetlength), LIBPQ_FUNCTION(PQcmdStatus),
        LIBPQ_FUNCTION(PQcmdTuples),
        LIBPQ_FUNCTION(PQunescapeBytea), LIBPQ_FUNCTION(PQfreemem),
    };
#undef LIBPQ_FUNCTION
    /* Never unloaded (RTLD_NODELETE): libpq's own libraries (Kerberos, OpenSSL) keep
     * process-wide state, which unloading them would orphan (LeakSanitizer: "leaks" from an
     * unknown module after a failed connection). */
    api->library = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (api->library == NULL) {
        snprintf(error, size, "cannot load libpq (%s); install libpq5", dlerror());
        return -1;
    }
    for (size_t i = 0; i < sizeof functions / sizeof *functions; i++) {
        void *function = dlsym(api->library, functions[i].name);
        if (function == NULL) {
            snprintf(error, size, "libpq.so.5 has no %s", functions[i].name);
            return -1;
        }
        /* A function pointer of the member's own type, from dlsym's void *. */
        memcpy((char *)api + functions[i].offset, &function, sizeof function);
    }
    return 0;
}

/* h->db of a PostgreSQL history. */
typedef struct postgresql_store {
    libpq_api api;
    PGconn *connection;
    char error[512];  /* the last failure's message */
    char state[6];    /* its SQLSTATE, or "" */
    int64_t changes;  /* rows the last statement changed */
} postgresql_store;

static postgresql_store *store(perfbudget_history *h) { return h->db; }

enum { MAX_PARAMETERS = 16, MAX_COLUMNS = 16 };

struct history_statement {
    postgresql_store *store;
    const char *sql;
    int parameters; /* the highest $N of sql: binding others is a no-op */
    const char *values[MAX_PARAMETERS];
    int lengths[MAX_PARAMETERS];
    int formats[MAX_PARAMETERS];
    char numbers[MAX_PARAMETERS][32]; /* integers and doubles as text */
    int binary;       /* results in binary: numbers as they are stored, no text to parse */
    PGresult *result; /* NULL until the first step after a reset */
    int row;
    unsigned char *blobs[MAX_COLUMNS]; /* this row's bytea columns, unescaped */
    size_t blob_sizes[MAX_COLUMNS];
};

/* Each step takes the schema from version i to i + 1, as history_sqlite.c's do. Text that
 * SQLite compares byte by byte is collated "C" here, so that names sort alike. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE runs("
    "  id BIGSERIAL PRIMARY KEY,"
    "  created_ns BIGINT NOT NULL,"
    "  source TEXT NOT NULL,"
    "  git_commit TEXT,"
    "  branch TEXT,"
    "  dirty INTEGER NOT NULL DEFAULT 0,"
    "  environment TEXT NOT NULL);"
    "CREATE INDEX runs_by_environment ON runs(environment, branch, id);"
    "CREATE INDEX runs_by_commit ON runs(git_commit, id);"
    "CREATE TABLE benchmarks("
    "  id BIGSERIAL PRIMARY KEY,"
    "  name TEXT COLLATE \"C\" NOT NULL,"
    "  identity TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
    "  UNIQUE(name, identity));"
    "CREATE TABLE results("
    "  run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  benchmark_id BIGINT NOT NULL REFERENCES benchmarks(id),"
    "  status TEXT NOT NULL,"
    "  message TEXT NOT NULL,"
    "  n BIGINT NOT NULL,"
    "  median DOUBLE PRECISION,"
    "  p95 DOUBLE PRECISION,"
    "  samples BYTEA NOT NULL,"
    "  metrics TEXT NOT NULL,"
    "  custom_metrics TEXT NOT NULL,"
    "  verdict TEXT,"
    "  PRIMARY KEY(run_id, benchmark_id));"
    "CREATE INDEX results_by_benchmark ON results(benchmark_id, run_id);"
    "CREATE TABLE baselines("
    "  name TEXT COLLATE \"C\" PRIMARY KEY,"
    "  run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  created_ns BIGINT NOT NULL);",
    /* 1 -> 2 */
    "ALTER TABLE results ADD COLUMN stages TEXT;",
    /* 2 -> 3 */
    "ALTER TABLE results ADD COLUMN cpu_samples BYTEA;",
    /* 3 -> 4 */
    "CREATE TABLE baseline_modes("
    "  name TEXT COLLATE \"C\" NOT NULL REFERENCES baselines(name) ON DELETE CASCADE,"
    "  mode TEXT COLLATE \"C\" NOT NULL,"
    "  run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  PRIMARY KEY(name, mode));"
    "INSERT INTO baseline_modes(name, mode, run_id) SELECT DISTINCT s.name, CASE WHEN "
    "b.identity LIKE '%[instructions mode]' THEN 'instructions' ELSE 'time' END, s.run_id FROM "
    "baselines s JOIN results r ON r.run_id = s.run_id JOIN benchmarks b ON b.id = "
    "r.benchmark_id;",
    /* 4 -> 5 */
    "ALTER TABLE results ADD COLUMN sample_encoding INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX results_series ON results(benchmark_id, run_id, status, median, p95, n);"
    "DROP INDEX results_by_benchmark;",
    /* 5 -> 6 */
    "ALTER TABLE results ADD COLUMN probe_samples BYTEA;",
};
enum { SCHEMA_VERSION = sizeof migrations / sizeof *migrations };
_Static_assert((int)SCHEMA_VERSION == (int)HISTORY_SCHEMA_VERSION,
               "one schema version for every backend");

/* A result's mode, from its benchmark's identity (suite.c tags instructions mode there). */
#define MODE_OF_IDENTITY \
    "CASE WHEN b.identity LIKE '%[instructions mode]' THEN 'instructions' ELSE 'time' END"

/* perfbudget_environment_runner_type() in SQL, for a column. */
#define RUNNER_TYPE_OF(x)                                                                     \
    "(CASE WHEN substr(" x ", 1, 5) = 'host=' AND strpos(" x ", '; ') > 0 THEN substr(" x     \
    ", strpos(" x ", '; ') + 2) ELSE " x " END)"

/* Whether column's runner type is type: the column is the type, or "host=H; " and then it. */
#define SAME_RUNNER_TYPE(column, type)                                                        \
    "(" column " = " type " OR (right(" column ", length(" type ")) = " type " AND substr("      \
    column ", 1, 5) = 'host=' AND strpos(" column ", '; ') = length(" column ") - length(" type \
    ") - 1))"

#define RUN_COLUMNS                                                                            \
    "SELECT r.id, r.created_ns, r.source, r.git_commit, r.branch, r.dirty, r.environment, "   \
    "(SELECT count(*) FROM results WHERE run_id = r.id) FROM runs r "

#define RESULT_COLUMNS \
    "b.name, b.identity, r.status, r.message, r.samples, r.metrics, r.custom_metrics, r.stages, " \
    "r.cpu_samples, r.sample_encoding, r.probe_samples"

static const char *const statements[HISTORY_SQL_COUNT] = {
    [HISTORY_INSERT_RUN] = "INSERT INTO runs(created_ns, source, git_commit, branch, dirty, "
                           "environment) VALUES($1, $2, $3, $4, $5, $6) RETURNING id",
    [HISTORY_INSERT_BENCHMARK] = "INSERT INTO benchmarks(name, identity) VALUES($1, $2) "
                                 "ON CONFLICT(name, identity) DO UPDATE SET name = excluded.name "
                                 "RETURNING id",
    [HISTORY_INSERT_RESULT] =
        "INSERT INTO results(run_id, benchmark_id, status, message, n, median, p95, samples, "
        "metrics, custom_metrics, verdict, stages, cpu_samples, sample_encoding, probe_samples) "
        "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    [HISTORY_RUNS_NEWEST] = RUN_COLUMNS "ORDER BY r.id DESC LIMIT $1",
    [HISTORY_RUN] = RUN_COLUMNS "WHERE r.id = $1",
    [HISTORY_RESULTS_OF_RUN] = "SELECT " RESULT_COLUMNS " FROM results r JOIN benchmarks b ON "
                               "b.id = r.benchmark_id WHERE r.run_id = $1 ORDER BY b.name",
    [HISTORY_LATEST_RESULTS] =
        "SELECT " RESULT_COLUMNS " FROM benchmarks b JOIN results r ON "
        "r.benchmark_id = b.id AND r.run_id = (SELECT x.run_id FROM results x "
        "JOIN runs u ON u.id = x.run_id WHERE x.benchmark_id = b.id AND "
        "u.environment = $1 AND u.branch IS NOT DISTINCT FROM $2::text "
        "ORDER BY x.run_id DESC LIMIT 1) ORDER BY b.name",
    [HISTORY_BASELINE_RESULTS] =
        "SELECT " RESULT_COLUMNS " FROM baseline_modes m JOIN results r ON "
        "r.run_id = m.run_id JOIN benchmarks b ON b.id = r.benchmark_id "
        "WHERE m.name = $1 AND " MODE_OF_IDENTITY " = m.mode ORDER BY b.name",
    [HISTORY_RUN_LEVELS] =
        "SELECT median, metrics, samples, sample_encoding FROM (SELECT r.run_id, r.median, "
        "r.metrics, CASE WHEN $7::bigint = 1 THEN r.samples END AS samples, r.sample_encoding "
        "FROM "
        "results r JOIN benchmarks b ON b.id = r.benchmark_id JOIN runs u ON "
        "u.id = r.run_id WHERE b.name = $1 AND b.identity = $2 AND "
        SAME_RUNNER_TYPE("u.environment", "$3::text")
        " AND u.branch IS NOT DISTINCT FROM $4::text AND r.status = 'ok' AND "
        "($6::bigint = 0 OR r.run_id <= $6::bigint) ORDER BY r.run_id DESC "
        "LIMIT CASE WHEN $5::bigint < 0 THEN NULL ELSE $5::bigint END) AS newest "
        "ORDER BY run_id",
    [HISTORY_LATEST_RUN] = "SELECT id FROM runs WHERE environment = $1 AND branch IS NOT "
                           "DISTINCT FROM $2::text ORDER BY id DESC LIMIT 1",
    [HISTORY_RUN_OF_COMMIT] = "SELECT id FROM runs WHERE git_commit = $1 AND "
                              SAME_RUNNER_TYPE("environment", "$2::text")
                              " ORDER BY id DESC LIMIT 1",
    [HISTORY_BASELINE_RUN] = "SELECT run_id FROM baselines WHERE name = $1",
    [HISTORY_NEWEST_RUN] = "SELECT max(id) FROM runs HAVING max(id) IS NOT NULL",
    [HISTORY_SAVE_BASELINE] = "INSERT INTO baselines(name, run_id, created_ns) VALUES($1, $2, $3) "
                              "ON CONFLICT(name) DO UPDATE SET run_id = excluded.run_id, "
                              "created_ns = excluded.created_ns",
    [HISTORY_SAVE_BASELINE_MODES] =
        "INSERT INTO baseline_modes(name, mode, run_id) SELECT DISTINCT $1::text, "
        MODE_OF_IDENTITY ", $2::bigint FROM results r JOIN benchmarks b ON b.id = "
        "r.benchmark_id WHERE r.run_id = $2::bigint ON CONFLICT(name, mode) DO UPDATE "
        "SET run_id = excluded.run_id",
    [HISTORY_BASELINES] = "SELECT name, run_id, created_ns FROM baselines ORDER BY name",
    [HISTORY_BENCHMARK_VERSIONS] = "SELECT id FROM benchmarks WHERE name = $1 ORDER BY identity",
    /* One query per code version, its window in SQL (series_joined): libpq receives every row
     * of a query at once, so a window of 100 runs must not send 100,000 (it took 237 ms, and
     * `perfbudget history` 3.5 s, at 100,000 runs). The results come newest first from
     * results_series, each with its run by primary key, until the limit. */
    [HISTORY_SERIES_RESULTS] =
        "SELECT r.run_id, r.median, r.p95, r.n, u.created_ns, u.git_commit, u.environment "
        "FROM results r JOIN runs u ON u.id = r.run_id WHERE r.benchmark_id = $1 AND "
        "r.status = 'ok' AND u.created_ns >= $3::bigint ORDER BY r.run_id DESC "
        "LIMIT CASE WHEN $2::bigint > 0 THEN $2::bigint END",
    [HISTORY_SERIES_RUNS] = NULL, /* series_joined */
    [HISTORY_BENCHMARK_NAMES] = "SELECT DISTINCT name FROM benchmarks ORDER BY name",
    [HISTORY_RUNNER_TYPES] =
        "SELECT " RUNNER_TYPE_OF("environment") " AS type, count(*), "
        "count(DISTINCT CASE WHEN substr(environment, 1, 5) = 'host=' THEN "
        "substr(environment, 1, strpos(environment || '; ', '; ')) ELSE '' "
        "END), max(id) FROM runs WHERE $1::text IS NULL OR git_commit = $1::text "
        "GROUP BY type ORDER BY max(id) DESC",
    [HISTORY_MEASURE] =
        "SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM results), "
        "(SELECT count(*) FROM baselines), (SELECT count(*) FROM benchmarks), "
        "(SELECT coalesce(sum(length(samples)) + sum(coalesce(length(cpu_samples), 0)) + "
        "sum(coalesce(length(probe_samples), 0)), 0) FROM results)",
    [HISTORY_PRUNE_RUNS] =
        "DELETE FROM runs WHERE id NOT IN (SELECT id FROM runs ORDER BY id "
        "DESC LIMIT $1) AND id NOT IN (SELECT run_id FROM baselines) AND id NOT "
        "IN (SELECT run_id FROM baseline_modes)",
    [HISTORY_PRUNE_BENCHMARKS] =
        "DELETE FROM benchmarks WHERE id NOT IN (SELECT benchmark_id FROM results)",
    [HISTORY_RUNS_AFTER] = "SELECT id, created_ns, source, git_commit, branch, dirty, environment "
                           "FROM runs WHERE id > $1 ORDER BY id LIMIT 256",
    [HISTORY_RAW_RESULTS] =
        "SELECT b.name, b.identity, r.status, r.message, r.n, r.median, r.p95, r.samples, "
        "r.metrics, r.custom_metrics, r.verdict, r.stages, r.cpu_samples, r.sample_encoding, "
        "r.probe_samples FROM results r JOIN benchmarks b ON b.id = r.benchmark_id "
        "WHERE r.run_id = $1 ORDER BY b.name, b.identity",
    [HISTORY_RUN_BY_KEY] = "SELECT id FROM runs WHERE created_ns = $1 AND source = $2 AND "
                           "git_commit IS NOT DISTINCT FROM $3::text AND branch IS NOT DISTINCT "
                           "FROM $4::text AND environment = $5",
    [HISTORY_BASELINE_MODES] = "SELECT name, mode, run_id FROM baseline_modes ORDER BY name, mode",
    [HISTORY_COPY_BASELINE_MODE] = "INSERT INTO baseline_modes(name, mode, run_id) "
                                   "VALUES($1, $2, $3) ON CONFLICT(name, mode) DO UPDATE "
                                   "SET run_id = excluded.run_id",
    /* READ COMMITTED: the lookup after this lock sees a run another writer committed while
     * this one waited. The key: the time, hashed with a prefix of perfbudget's own. */
    [HISTORY_LOCK_RUN_KEY] = "SELECT pg_advisory_xact_lock(hashtextextended('perfbudget run ' "
                             "|| $1::text, 0))",
};

/* Keeps a failed result's message and SQLSTATE for fail(); clears result. */
static void keep_error(postgresql_store *s, PGresult *result) {
    const char *message = result != NULL ? s->api.PQresultErrorMessage(result) : "";
    if (message[0] == '\0') message = s->api.PQerrorMessage(s->connection);
    snprintf(s->error, sizeof s->error, "%s", message);
    s->error[strcspn(s->error, "\n")] = '\0';
    const char *state = result != NULL ? s->api.PQresultErrorField(result, PG_DIAG_SQLSTATE) : NULL;
    snprintf(s->state, sizeof s->state, "%s", state ? state : "");
    s->api.PQclear(result);
}

/* Runs sql, which returns no rows; 0 or -1 (kept for fail()). */
static int run_command(postgresql_store *s, const char *sql) {
    PGresult *result = s->api.PQexec(s->connection, sql);
    ExecStatusType status = s->api.PQresultStatus(result);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        s->api.PQclear(result);
        return 0;
    }
    keep_error(s, result);
    return -1;
}

static int postgresql_fail(perfbudget_history *h, const char *what) {
    postgresql_store *s = store(h);
    if (s->connection == NULL || s->api.PQstatus(s->connection) != CONNECTION_OK)
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO,
                                "history %s: %s: the server cannot be reached (%s)", h->path,
                                what, s->error[0] ? s->error : "connection lost");
    return perfbudget__fail(h->ctx, PERFBUDGET_EIO, "history %s: %s: %s", h->path, what,
                            s->error[0] ? s->error : "failed");
}

/* One writer migrates at a time (an advisory lock held to the end of its transaction); the
 * others wait, then find the work done. DDL is transactional here: a failed step leaves the
 * schema as it was. */
static int migrate(perfbudget_history *h) {
    postgresql_store *s = store(h);
    PGresult *result = s->api.PQexec(s->connection,
                              "SELECT (SELECT max(version) FROM perfbudget_schema), (SELECT "
                              "count(*) FROM information_schema.tables WHERE table_schema = "
                              "current_schema() AND table_name IN ('runs', 'results', "
                              "'benchmarks', 'baselines')) WHERE to_regclass('perfbudget_schema') "
                              "IS NOT NULL");
    /* Without the version table the query above fails to plan: that is version 0. */
    int version = 0;
    if (s->api.PQresultStatus(result) == PGRES_TUPLES_OK && s->api.PQntuples(result) == 1)
        version = atoi(s->api.PQgetvalue(result, 0, 0));
    int known = s->api.PQresultStatus(result) == PGRES_TUPLES_OK;
    s->api.PQclear(result);
    if (known && version == SCHEMA_VERSION) return PERFBUDGET_OK;
    if (version > SCHEMA_VERSION)
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO,
                                "history %s: schema version %d is newer than this perfbudget "
                                "(%s) reads (%d); upgrade perfbudget",
                                h->path, version, perfbudget_version(), SCHEMA_VERSION);
    if (h->reader)
        return version == 0 ? perfbudget__fail(h->ctx, PERFBUDGET_ENOTFOUND,
                                               "history %s does not exist (no run has been "
                                               "recorded there)",
                                               h->path)
                            : perfbudget__fail(h->ctx, PERFBUDGET_EIO,
                                               "history %s: needs its schema upgraded, and was "
                                               "opened for reading only",
                                               h->path);
    if (run_command(s, "BEGIN") != 0 ||
        run_command(s, "SELECT pg_advisory_xact_lock(7079616274)") != 0 || /* "perfbudget" */
        run_command(s, "CREATE TABLE IF NOT EXISTS perfbudget_schema(version INTEGER NOT NULL)") !=
            0) {
        int code = postgresql_fail(h, "locking for migration");
        run_command(s, "ROLLBACK");
        return code;
    }
    result = s->api.PQexec(s->connection,
                    "SELECT coalesce((SELECT max(version) FROM perfbudget_schema), 0), (SELECT "
                    "count(*) FROM information_schema.tables WHERE table_schema = "
                    "current_schema() AND table_name IN ('runs', 'results', 'benchmarks', "
                    "'baselines'))");
    if (s->api.PQresultStatus(result) != PGRES_TUPLES_OK) {
        keep_error(s, result);
        int code = postgresql_fail(h, "reading the schema version");
        run_command(s, "ROLLBACK");
        return code;
    }
    version = atoi(s->api.PQgetvalue(result, 0, 0));
    int tables = atoi(s->api.PQgetvalue(result, 0, 1));
    s->api.PQclear(result);
    if (version == 0 && tables > 0) {
        run_command(s, "ROLLBACK");
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO,
                                "history %s holds tables named like a perfbudget history's but is "
                                "not one (%d of runs, results, benchmarks, baselines); left "
                                "unchanged",
                                h->path, tables);
    }
    for (int step = version; step < SCHEMA_VERSION; step++)
        if (run_command(s, migrations[step]) != 0) {
            int code = postgresql_fail(h, "migrating the schema");
            run_command(s, "ROLLBACK");
            return code;
        }
    char update[96];
    snprintf(update, sizeof update, "DELETE FROM perfbudget_schema; INSERT INTO perfbudget_schema "
             "VALUES(%d)", SCHEMA_VERSION);
    if (run_command(s, update) != 0 || run_command(s, "COMMIT") != 0) {
        int code = postgresql_fail(h, "migrating the schema");
        run_command(s, "ROLLBACK");
        return code;
    }
    return PERFBUDGET_OK;
}

/* Server notices (CREATE ... IF NOT EXISTS) are not the user's business. */
static void ignore_notice(void *unused, const char *message) {
    (void)unused;
    (void)message;
}

static const history_backend postgresql_backend;

int perfbudget__history_postgresql_open(perfbudget_history *h, const char *uri) {
    postgresql_store *s = calloc(1, sizeof *s);
    if (s == NULL)
        return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "history_open: out of memory");
    h->db = s;
    h->backend = &postgresql_backend;
    /* The URI as given: libpq reads PGPASSWORD, PGSERVICE and ~/.pgpass for what it leaves
     * out, as every libpq client does. */
    if (load_libpq(&s->api, s->error, sizeof s->error) != 0)
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO, "history %s: %s", h->path, s->error);
    s->connection = s->api.PQconnectdb(uri);
    if (s->connection == NULL)
        return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "history %s: out of memory", h->path);
    if (s->api.PQstatus(s->connection) != CONNECTION_OK) {
        keep_error(s, NULL);
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO, "history %s: cannot connect: %s", h->path,
                                s->error);
    }
    s->api.PQsetNoticeProcessor(s->connection, ignore_notice, NULL);
    if (h->reader && run_command(s, "SET default_transaction_read_only = on") != 0)
        return postgresql_fail(h, "opening");
    return migrate(h);
}

static int postgresql_begin(perfbudget_history *h) {
    return run_command(store(h), "BEGIN") == 0 ? PERFBUDGET_OK : PERFBUDGET_EIO;
}

/* A transaction that failed ends with "ROLLBACK" for a COMMIT: that is no commit. */
static int postgresql_commit(perfbudget_history *h) {
    postgresql_store *s = store(h);
    PGresult *result = s->api.PQexec(s->connection, "COMMIT");
    int ok = s->api.PQresultStatus(result) == PGRES_COMMAND_OK &&
             strcmp(s->api.PQcmdStatus(result), "COMMIT") == 0;
    if (ok) {
        s->api.PQclear(result);
        return PERFBUDGET_OK;
    }
    keep_error(s, result);
    if (s->error[0] == '\0') snprintf(s->error, sizeof s->error, "the transaction was rolled back");
    return PERFBUDGET_EIO;
}

static void postgresql_rollback(perfbudget_history *h) {
    PGresult *result = store(h)->api.PQexec(store(h)->connection, "ROLLBACK");
    store(h)->api.PQclear(result);
}

static int postgresql_prepare(perfbudget_history *h, history_sql which, history_statement **out) {
    history_statement *q = calloc(1, sizeof *q);
    *out = q;
    if (q == NULL) {
        snprintf(store(h)->error, sizeof store(h)->error, "out of memory");
        return PERFBUDGET_ENOMEM;
    }
    q->store = store(h);
    q->sql = statements[which];
    if (q->sql == NULL) { /* one this backend does without */
        free(q);
        *out = NULL;
        snprintf(store(h)->error, sizeof store(h)->error, "no statement %d here", (int)which);
        return PERFBUDGET_EIO;
    }
    for (const char *p = strchr(q->sql, '$'); p != NULL; p = strchr(p + 1, '$')) {
        int number = atoi(p + 1);
        if (number > q->parameters && number <= MAX_PARAMETERS) q->parameters = number;
    }
    /* A trend's every run is 100,000 rows: read in binary, they arrive in half the bytes and
     * need no strtod(). Its columns are bigint, double precision and text only. */
    q->binary = which == HISTORY_SERIES_RESULTS;
    q->row = -1;
    return PERFBUDGET_OK;
}

static void forget_row(history_statement *q) {
    for (int c = 0; c < MAX_COLUMNS; c++) {
        q->store->api.PQfreemem(q->blobs[c]);
        q->blobs[c] = NULL;
    }
}

static void postgresql_reset(history_statement *q) {
    forget_row(q);
    q->store->api.PQclear(q->result);
    q->result = NULL;
    q->row = -1;
}

static void postgresql_finalize(history_statement *q) {
    postgresql_reset(q);
    free(q);
}

static void bind_value(history_statement *q, int index, const char *value, int length,
                       int format) {
    if (index < 1 || index > q->parameters) return;
    q->values[index - 1] = value;
    q->lengths[index - 1] = length;
    q->formats[index - 1] = format;
}

static void postgresql_bind_int64(history_statement *q, int index, int64_t value) {
    if (index < 1 || index > q->parameters) return;
    snprintf(q->numbers[index - 1], sizeof q->numbers[index - 1], "%lld", (long long)value);
    bind_value(q, index, q->numbers[index - 1], 0, 0);
}

static void postgresql_bind_double(history_statement *q, int index, double value) {
    if (index < 1 || index > q->parameters) return;
    if (isnan(value)) {
        bind_value(q, index, NULL, 0, 0);
        return;
    }
    if (isinf(value)) snprintf(q->numbers[index - 1], 32, value > 0 ? "Infinity" : "-Infinity");
    else snprintf(q->numbers[index - 1], sizeof q->numbers[index - 1], "%.17g", value);
    bind_value(q, index, q->numbers[index - 1], 0, 0);
}

static void postgresql_bind_text(history_statement *q, int index, const char *value) {
    bind_value(q, index, value, 0, 0);
}

static void postgresql_bind_blob(history_statement *q, int index, const void *value, size_t size) {
    bind_value(q, index, value, (int)size, 1);
}

static int postgresql_step(history_statement *q) {
    forget_row(q);
    if (q->result == NULL) {
        q->result = q->store->api.PQexecParams(q->store->connection, q->sql, q->parameters, NULL,
                                               q->values, q->lengths, q->formats, q->binary);
        ExecStatusType status = q->store->api.PQresultStatus(q->result);
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            keep_error(q->store, q->result);
            q->result = NULL;
            return strcmp(q->store->state, "23505") == 0 ? HISTORY_DUPLICATE : HISTORY_ERROR;
        }
        const char *changed = q->store->api.PQcmdTuples(q->result);
        q->store->changes = changed[0] ? strtoll(changed, NULL, 10) : 0;
        q->row = -1;
    }
    if (q->row + 1 >= q->store->api.PQntuples(q->result)) return HISTORY_DONE;
    q->row++;
    return HISTORY_ROW;
}

static int postgresql_is_null(history_statement *q, int column) {
    return q->store->api.PQgetisnull(q->result, q->row, column);
}

/* A binary value: a big-endian integer of its length (2, 4 or 8 bytes). */
static uint64_t big_endian(history_statement *q, int column, int *length) {
    const unsigned char *bytes =
        (const unsigned char *)q->store->api.PQgetvalue(q->result, q->row, column);
    *length = q->store->api.PQgetlength(q->result, q->row, column);
    uint64_t value = 0;
    for (int i = 0; i < *length && i < 8; i++) value = value << 8 | bytes[i];
    return value;
}

static int64_t postgresql_column_int64(history_statement *q, int column) {
    if (!q->binary) return strtoll(q->store->api.PQgetvalue(q->result, q->row, column), NULL, 10);
    int length;
    uint64_t value = big_endian(q, column, &length);
    return length == 8 ? (int64_t)value : length == 4 ? (int32_t)(uint32_t)value
                                                        : (int16_t)(uint16_t)value;
}

static double postgresql_column_double(history_statement *q, int column) {
    if (q->store->api.PQgetisnull(q->result, q->row, column)) return NAN;
    if (!q->binary) return strtod(q->store->api.PQgetvalue(q->result, q->row, column), NULL);
    int length;
    uint64_t bits = big_endian(q, column, &length);
    double value;
    memcpy(&value, &bits, sizeof value);
    return length == 8 ? value : NAN;
}

static const char *postgresql_column_text(history_statement *q, int column) {
    const libpq_api *pq = &q->store->api;
    return pq->PQgetisnull(q->result, q->row, column) ? NULL
                                                      : pq->PQgetvalue(q->result, q->row, column);
}

static const unsigned char *postgresql_column_blob(history_statement *q, int column,
                                                   size_t *size) {
    *size = 0;
    if (column >= MAX_COLUMNS || q->store->api.PQgetisnull(q->result, q->row, column)) return NULL;
    if (q->binary) {
        *size = (size_t)q->store->api.PQgetlength(q->result, q->row, column);
        return (const unsigned char *)q->store->api.PQgetvalue(q->result, q->row, column);
    }
    if (q->blobs[column] == NULL)
        q->blobs[column] = q->store->api.PQunescapeBytea(
            (const unsigned char *)q->store->api.PQgetvalue(q->result, q->row, column),
            &q->blob_sizes[column]);
    *size = q->blobs[column] != NULL ? q->blob_sizes[column] : 0;
    return q->blobs[column];
}

static int64_t postgresql_changes(perfbudget_history *h) { return store(h)->changes; }

/* The history's tables and their indexes (the database may hold others). */
static int64_t postgresql_stored_bytes(perfbudget_history *h) {
    PGresult *result = store(h)->api.PQexec(store(h)->connection,
                              "SELECT sum(pg_total_relation_size(to_regclass(t))) FROM unnest("
                              "ARRAY['runs', 'benchmarks', 'results', 'baselines', "
                              "'baseline_modes']) AS t");
    const libpq_api *pq = &store(h)->api;
    int64_t bytes = pq->PQresultStatus(result) == PGRES_TUPLES_OK && pq->PQntuples(result) == 1
                        ? strtoll(pq->PQgetvalue(result, 0, 0), NULL, 10)
                        : -1;
    store(h)->api.PQclear(result);
    return bytes;
}

static void postgresql_close(perfbudget_history *h) {
    postgresql_store *s = store(h);
    if (s == NULL) return;
    if (s->connection != NULL) s->api.PQfinish(s->connection);
    if (s->api.library != NULL) dlclose(s->api.library);
    free(s);
}

static const history_backend postgresql_backend = {
    .name = "postgresql",
    .series_seek_gap = INT64_MAX,
    .series_joined = 1,
    .begin = postgresql_begin,
    .commit = postgresql_commit,
    .rollback = postgresql_rollback,
    .prepare = postgresql_prepare,
    .reset = postgresql_reset,
    .finalize = postgresql_finalize,
    .bind_int64 = postgresql_bind_int64,
    .bind_double = postgresql_bind_double,
    .bind_text = postgresql_bind_text,
    .bind_blob = postgresql_bind_blob,
    .step = postgresql_step,
    .is_null = postgresql_is_null,
    .column_int64 = postgresql_column_int64,
    .column_double = postgresql_column_double,
    .column_text = postgresql_column_text,
    .column_blob = postgresql_column_blob,
    .changes = postgresql_changes,
    .stored_bytes = postgresql_stored_bytes,
    .fail = postgresql_fail,
    .close = postgresql_close,
};

#endif
