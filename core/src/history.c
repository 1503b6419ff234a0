/* SPDX-License-Identifier: MIT */
/* The history store: SQLite (WAL, busy timeout), a versioned schema with migrations, runs
 * appended in one transaction each. Every value is bound, never spliced into SQL. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fnmatch.h>
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

struct perfbudget_history {
    perfbudget_context *ctx;
    sqlite3 *db;
    char *path;
    int busy_timeout_ms;
    int read_only_errno; /* why the history could only be opened for reading; 0: writable */
    int reader;          /* opened with perfbudget_history_open_read_only() */
};

enum { DEFAULT_BUSY_TIMEOUT_MS = 30000 };

/* A result's mode in SQL, from its benchmark's identity (suite.c tags instructions mode there). */
#define MODE_OF_IDENTITY \
    "CASE WHEN b.identity LIKE '%[instructions mode]' THEN 'instructions' ELSE 'time' END"

/* Each step takes the schema from version i to i + 1; released steps never change. */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE runs("
    "  id INTEGER PRIMARY KEY,"
    "  created_ns INTEGER NOT NULL,"
    "  source TEXT NOT NULL,"
    "  git_commit TEXT,"
    "  branch TEXT,"
    "  dirty INTEGER NOT NULL DEFAULT 0,"
    "  environment TEXT NOT NULL);"
    "CREATE INDEX runs_by_environment ON runs(environment, branch, id);"
    "CREATE INDEX runs_by_commit ON runs(git_commit, id);"
    "CREATE TABLE benchmarks("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  identity TEXT NOT NULL DEFAULT '',"
    "  UNIQUE(name, identity));"
    "CREATE TABLE results("
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  benchmark_id INTEGER NOT NULL REFERENCES benchmarks(id),"
    "  status TEXT NOT NULL,"
    "  message TEXT NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  median REAL,"
    "  p95 REAL,"
    "  samples BLOB NOT NULL,"         /* little-endian IEEE 754 doubles, in the order taken */
    "  metrics TEXT NOT NULL,"         /* JSON, as in result files */
    "  custom_metrics TEXT NOT NULL,"  /* JSON array, as in result files */
    "  verdict TEXT,"                  /* worst budget verdict, or NULL when not judged */
    "  PRIMARY KEY(run_id, benchmark_id));"
    "CREATE INDEX results_by_benchmark ON results(benchmark_id, run_id);"
    "CREATE TABLE baselines("
    "  name TEXT PRIMARY KEY,"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  created_ns INTEGER NOT NULL);",
    /* 1 -> 2: the stages a benchmark timed (JSON array, as in result files; NULL: none). Their
     * trace events stay in result files: a timeline per run would outgrow the history. */
    "ALTER TABLE results ADD COLUMN stages TEXT;",
    /* 2 -> 3: the CPU time of each sample, like samples (NULL: not measured, and every result
     * recorded before). */
    "ALTER TABLE results ADD COLUMN cpu_samples BLOB;",
    /* 3 -> 4: a baseline name holds a run per mode, so that saving it in instructions mode
     * keeps the time-mode results it held (baselines.run_id: the run saved last). */
    "CREATE TABLE baseline_modes("
    "  name TEXT NOT NULL REFERENCES baselines(name) ON DELETE CASCADE,"
    "  mode TEXT NOT NULL,"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    "  PRIMARY KEY(name, mode));"
    "INSERT INTO baseline_modes(name, mode, run_id) SELECT DISTINCT s.name, " MODE_OF_IDENTITY
    ", s.run_id FROM baselines s JOIN results r ON r.run_id = s.run_id JOIN benchmarks b ON "
    "b.id = r.benchmark_id;",
    /* 4 -> 5: samples and CPU samples packed (pack_samples()) where sample_encoding is 1; the
     * rows written before keep their little-endian doubles (0) and read as ever. A series is
     * read from an index that holds what it shows, so that reading one benchmark's runs does
     * not read every benchmark's rows beside them (and their samples); it also serves every
     * lookup results_by_benchmark served. */
    "ALTER TABLE results ADD COLUMN sample_encoding INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX results_series ON results(benchmark_id, run_id, status, median, p95, n);"
    "DROP INDEX results_by_benchmark;",
};
enum { SCHEMA_VERSION = sizeof migrations / sizeof *migrations };

/* Why path cannot be written (errno), or 0: the file's own permission when it exists, then
 * its directory's, where SQLite keeps the -wal and -shm files beside it. Names the cause that
 * SQLite only reports as "unable to open". */
static int directory_unwritable(const char *path) {
    size_t length = strlen(path);
    char *directory = malloc(length + 2);
    if (directory == NULL) return 0;
    memcpy(directory, path, length + 1);
    char *slash = strrchr(directory, '/');
    if (slash == NULL) strcpy(directory, ".");
    else if (slash == directory) slash[1] = '\0';
    else *slash = '\0';
    int error = access(directory, W_OK) == 0 ? 0 : errno;
    free(directory);
    return error;
}

static int unwritable(const char *path) {
    if (access(path, F_OK) == 0 && access(path, W_OK) != 0) return errno;
    return directory_unwritable(path);
}

/* The message says what the user can act on: locked (by whom it cannot know, so how long it
 * waited and how to wait longer), the disk full, the file damaged or read-only. */
static int db_fail(perfbudget_history *h, const char *what) {
    const char *detail = sqlite3_errmsg(h->db);
    int code = sqlite3_errcode(h->db);
    /* "disk I/O error" hides the cause; the system's errno names it (a full disk fails the
     * -shm file's growth this way, not as SQLITE_FULL). */
    int error = code == SQLITE_IOERR || code == SQLITE_CANTOPEN ? sqlite3_system_errno(h->db) : 0;
    if (error == ENOSPC || error == EDQUOT) code = SQLITE_FULL;
    else if (error != 0)
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO, "history %s: %s: %s (%s)", h->path, what,
                                detail, strerror(error));
    switch (code) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO,
                                "history %s: %s: the database is locked by another connection "
                                "(waited %d ms; PERFBUDGET_BUSY_TIMEOUT_MS sets the wait)",
                                h->path, what, h->busy_timeout_ms);
    case SQLITE_FULL:
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO,
                                "history %s: %s: no space left on device; the history is "
                                "unchanged",
                                h->path, what);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO,
                                "history %s is not a perfbudget history or is damaged (%s, while "
                                "%s); left unchanged: move it aside to start a new one",
                                h->path, detail, what);
    case SQLITE_READONLY: {
        if (h->reader)
            return perfbudget__fail(h->ctx, PERFBUDGET_EIO,
                                    "history %s: %s: it was opened for reading only", h->path,
                                    what);
        int cause = h->read_only_errno ? h->read_only_errno : unwritable(h->path);
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO, "history %s: %s: it is read-only (%s)",
                                h->path, what, cause ? strerror(cause) : detail);
    }
    default:
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO, "history %s: %s: %s", h->path, what,
                                detail);
    }
}

static int64_t wall_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* mkdir -p of the directory part of path. */
static int make_parent_directories(const char *path) {
    size_t length = strlen(path);
    char *copy = malloc(length + 1);
    if (copy == NULL) return -1;
    memcpy(copy, path, length + 1);
    for (char *p = copy + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(copy, 0777) != 0 && errno != EEXIST) {
                free(copy);
                return -1;
            }
            *p = '/';
        }
    free(copy);
    return 0;
}

/* Version 0 with tables in it is some other program's database: adding ours would change a
 * file that is not ours. */
static int foreign_database(perfbudget_history *h, int objects) {
    return perfbudget__fail(h->ctx, PERFBUDGET_EIO,
                            "history %s is an SQLite database but not a perfbudget history (it "
                            "holds %d tables or indexes of another program); left unchanged",
                            h->path, objects);
}

static int migrate(perfbudget_history *h) {
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(h->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(h, "reading the schema version");
    int version = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    if (version < 0) return db_fail(h, "reading the schema version");
    if (version > SCHEMA_VERSION)
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO,
                                "history %s: schema version %d is newer than this perfbudget "
                                "(%s) reads (%d); upgrade perfbudget",
                                h->path, version, perfbudget_version(), SCHEMA_VERSION);
    if (version == SCHEMA_VERSION) return PERFBUDGET_OK;
    /* A read-only history of schema 4 (before packed samples) is read as it is: its samples
     * are all doubles, which a view over its results says to every query (a temporary view
     * is the connection's own; the file is not touched). */
    if (h->read_only_errno != 0 && version == 4 &&
        sqlite3_exec(h->db,
                     "CREATE TEMP VIEW results AS SELECT *, 0 AS sample_encoding FROM "
                     "main.results",
                     NULL, NULL, NULL) == SQLITE_OK)
        return PERFBUDGET_OK;
    if (h->read_only_errno != 0)
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO,
                                "history %s: %s, and read-only (%s)", h->path,
                                version == 0 ? "not a perfbudget history yet"
                                             : "needs its schema upgraded",
                                strerror(h->read_only_errno));
    /* One writer migrates; the others wait on the lock, then find the work done. */
    if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(h, "locking for migration");
    if (sqlite3_prepare_v2(h->db,
                           "SELECT (SELECT user_version FROM pragma_user_version), "
                           "(SELECT count(*) FROM sqlite_master)",
                           -1, &stmt, NULL) != SQLITE_OK) {
        int code = db_fail(h, "reading the schema version");
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
        return code;
    }
    int objects = 0;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        version = sqlite3_column_int(stmt, 0);
        objects = sqlite3_column_int(stmt, 1);
    }
    sqlite3_finalize(stmt);
    if (version == 0 && objects > 0) {
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
        return foreign_database(h, objects);
    }
    for (int step = version; step < SCHEMA_VERSION; step++)
        if (sqlite3_exec(h->db, migrations[step], NULL, NULL, NULL) != SQLITE_OK) {
            int code = db_fail(h, "migrating the schema");
            sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
            return code;
        }
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", (int)SCHEMA_VERSION);
    if (sqlite3_exec(h->db, pragma, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        int code = db_fail(h, "migrating the schema");
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
        return code;
    }
    return PERFBUDGET_OK;
}

/* PERFBUDGET_BUSY_TIMEOUT_MS: how long a writer waits for another one's lock. */
static int busy_timeout(perfbudget_context *ctx, int *out) {
    const char *text = getenv("PERFBUDGET_BUSY_TIMEOUT_MS");
    *out = DEFAULT_BUSY_TIMEOUT_MS;
    if (text == NULL || text[0] == '\0') return PERFBUDGET_OK;
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || value < 0 || value > 86400000)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "PERFBUDGET_BUSY_TIMEOUT_MS=%s: expected milliseconds, 0 to "
                                "86400000",
                                text);
    *out = (int)value;
    return PERFBUDGET_OK;
}

/* Refuses a file that is an SQLite database of some other program (a mistyped --history)
 * before anything is written to it, switching it to WAL included. */
static int check_ours(perfbudget_history *h) {
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(h->db,
                           "SELECT (SELECT user_version FROM pragma_user_version), "
                           "(SELECT count(*) FROM sqlite_master)",
                           -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(h, "reading the schema version");
    int step = sqlite3_step(stmt);
    int version = step == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : -1;
    int objects = step == SQLITE_ROW ? sqlite3_column_int(stmt, 1) : 0;
    sqlite3_finalize(stmt);
    if (step != SQLITE_ROW) return db_fail(h, "reading the schema version");
    return version == 0 && objects > 0 ? foreign_database(h, objects) : PERFBUDGET_OK;
}

/* "file:" URI of path with a query (mode=ro, immutable=1), percent-encoded as SQLite's URI
 * rules want; a new string. */
static char *file_uri(const char *path, const char *query) {
    static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-~";
    size_t length = strlen(path);
    char *uri = malloc(3 * length + strlen(query) + sizeof "file:?");
    if (uri == NULL) return NULL;
    char *out = uri + sprintf(uri, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        out += strchr(safe, *p) != NULL ? sprintf(out, "%c", *p) : sprintf(out, "%%%02X", *p);
    sprintf(out, "?%s", query);
    return uri;
}

/* query: NULL to open the path itself, else the URI query to open it with. */
static int connect_database(perfbudget_history *h, int flags, const char *query) {
    char *uri = NULL;
    if (query != NULL) {
        if ((uri = file_uri(h->path, query)) == NULL)
            return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "history %s: out of memory",
                                    h->path);
        flags |= SQLITE_OPEN_URI;
    }
    int status = sqlite3_open_v2(uri ? uri : h->path, &h->db, flags, NULL);
    free(uri);
    if (status == SQLITE_OK) sqlite3_busy_timeout(h->db, h->busy_timeout_ms);
    /* A new history's pages are 1 KiB, not SQLite's 4 KiB: a result's row (packed samples and
     * metrics, 1 to 2 KiB) left a quarter of each 4 KiB page empty, and a table or index with
     * one row still takes a page. SQLite keeps the size of an existing file (no effect there). */
    if (status == SQLITE_OK && (flags & SQLITE_OPEN_CREATE))
        status = sqlite3_exec(h->db, "PRAGMA page_size=1024", NULL, NULL, NULL);
    int code = status == SQLITE_OK ? check_ours(h) : PERFBUDGET_OK;
    /* WAL: readers never block the writer and never see half a transaction. A reader needs
     * not switch modes: the file says WAL already. */
    if (status == SQLITE_OK && code == PERFBUDGET_OK && (flags & SQLITE_OPEN_READWRITE) &&
        !h->reader)
        status = sqlite3_exec(h->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    if (status == SQLITE_OK && code == PERFBUDGET_OK)
        status = sqlite3_exec(h->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
    if (status != SQLITE_OK)
        code = h->db != NULL ? db_fail(h, "opening")
                             : perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM,
                                                "history %s: out of memory", h->path);
    if (code == PERFBUDGET_OK) code = migrate(h);
    /* A reader that may write (so that SQLite removes its -wal and -shm on closing) still
     * writes nothing. */
    if (code == PERFBUDGET_OK && h->reader && (flags & SQLITE_OPEN_READWRITE) &&
        sqlite3_exec(h->db, "PRAGMA query_only=1", NULL, NULL, NULL) != SQLITE_OK)
        code = db_fail(h, "opening");
    if (code != PERFBUDGET_OK) {
        sqlite3_close(h->db);
        h->db = NULL;
    }
    return code;
}

/* Nothing but root can change the file: a read-only file system or an immutable file
 * (cause), or no write permission for anyone. */
static int unchangeable(const char *path, int cause) {
    struct stat info;
    return cause == EROFS || cause == EPERM ||
           (stat(path, &info) == 0 && (info.st_mode & 0222) == 0);
}

/* Opens h->path, which exists, for reading, creating no file that would outlive the
 * connection. SQLite reads a WAL database through its -wal and -shm files: a connection that
 * can write removes them when it closes, a read-only one (mode=ro) leaves those it created,
 * and where they can be neither found nor created, only immutable=1 reads the file, which is
 * safe only while nothing writes it. */
static int connect_reader(perfbudget_history *h) {
    int cause = unwritable(h->path);
    if (cause == 0) return connect_database(h, SQLITE_OPEN_READWRITE, NULL);
    h->read_only_errno = cause;
    size_t length = strlen(h->path);
    char *wal = malloc(length + sizeof "-wal");
    if (wal == NULL)
        return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "history %s: out of memory", h->path);
    snprintf(wal, length + sizeof "-wal", "%s-wal", h->path);
    int have_wal = access(wal, F_OK) == 0;
    free(wal);
    /* Without a -wal file every committed run is in the file itself. */
    if (!have_wal && unchangeable(h->path, cause))
        return connect_database(h, SQLITE_OPEN_READONLY, "immutable=1");
    int code = connect_database(h, SQLITE_OPEN_READONLY, "mode=ro");
    if (code != PERFBUDGET_OK && !have_wal && directory_unwritable(h->path) != 0)
        code = perfbudget__fail(h->ctx, PERFBUDGET_EIO,
                                "history %s: it is read-only (%s), and SQLite cannot read it "
                                "without creating %s-shm beside it; make it read-only for "
                                "everyone (chmod a-w), or copy it somewhere writable",
                                h->path, strerror(cause), h->path);
    return code;
}

/* A history is a regular file or a new path: SQLite would put its -journal beside a device
 * or a FIFO, and an empty path is its private temporary database, lost on closing. *exists
 * says whether the file is there. */
static int check_path(perfbudget_context *ctx, const char *path, int *exists) {
    *exists = 0;
    if (path[0] == '\0')
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "the history path is empty (--history '', or settings.history "
                                "\"\"); give a file, such as .perfbudget/history.sqlite");
    struct stat info;
    if (stat(path, &info) != 0) {
        if (errno == ENOENT) return PERFBUDGET_OK;
        return perfbudget__fail(ctx, PERFBUDGET_EIO, "history %s: %s", path, strerror(errno));
    }
    *exists = 1;
    if (S_ISREG(info.st_mode)) return PERFBUDGET_OK;
    const char *kind = S_ISDIR(info.st_mode)    ? "a directory"
                       : S_ISCHR(info.st_mode)  ? "a character device"
                       : S_ISBLK(info.st_mode)  ? "a block device"
                       : S_ISFIFO(info.st_mode) ? "a FIFO"
                       : S_ISSOCK(info.st_mode) ? "a socket"
                                                : "not a regular file";
    return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                            "history %s is %s; a history is a regular file or a new path (left "
                            "unchanged)",
                            path, kind);
}

static int new_history(perfbudget_context *ctx, const char *path, perfbudget_history **out) {
    int timeout;
    if (busy_timeout(ctx, &timeout) != PERFBUDGET_OK) return PERFBUDGET_EINVAL;
    perfbudget_history *h = calloc(1, sizeof *h);
    if (h == NULL || (h->path = malloc(strlen(path) + 1)) == NULL) {
        free(h);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "history_open: out of memory");
    }
    memcpy(h->path, path, strlen(path) + 1);
    h->ctx = ctx;
    h->busy_timeout_ms = timeout;
    *out = h;
    return PERFBUDGET_OK;
}

int perfbudget_history_open(perfbudget_context *ctx, const char *path, perfbudget_history **out) {
    if (path == NULL || out == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "history_open: NULL argument");
    *out = NULL;
    int exists, code = check_path(ctx, path, &exists);
    if (code != PERFBUDGET_OK) return code;
    perfbudget_history *h = NULL;
    if ((code = new_history(ctx, path, &h)) != PERFBUDGET_OK) return code;
    if (make_parent_directories(path) != 0) {
        int error = errno;
        perfbudget_history_close(h);
        return perfbudget__fail(ctx, PERFBUDGET_EIO, "history %s: cannot create its directory: %s",
                                path, strerror(error));
    }
    code = connect_database(h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    int error = code == PERFBUDGET_OK ? 0 : unwritable(path);
    if (error != 0 && access(path, F_OK) != 0) {
        code = perfbudget__fail(ctx, PERFBUDGET_EIO, "history %s: cannot create it: %s", path,
                                strerror(error));
    } else if (error != 0) {
        /* A read-only file or file system (a mounted checkout, an archived CI workspace) still
         * serves reports and trends; writing fails later, saying why. */
        code = connect_reader(h);
    }
    if (code != PERFBUDGET_OK) {
        perfbudget_history_close(h);
        return code;
    }
    *out = h;
    return PERFBUDGET_OK;
}

int perfbudget_history_open_read_only(perfbudget_context *ctx, const char *path,
                                      perfbudget_history **out) {
    if (path == NULL || out == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "history_open_read_only: NULL argument");
    *out = NULL;
    int exists, code = check_path(ctx, path, &exists);
    if (code != PERFBUDGET_OK) return code;
    if (!exists)
        return perfbudget__fail(ctx, PERFBUDGET_ENOTFOUND,
                                "history %s does not exist (no run has been recorded there)",
                                path);
    perfbudget_history *h = NULL;
    if ((code = new_history(ctx, path, &h)) != PERFBUDGET_OK) return code;
    h->reader = 1;
    code = connect_reader(h);
    if (code != PERFBUDGET_OK) {
        perfbudget_history_close(h);
        return code;
    }
    *out = h;
    return PERFBUDGET_OK;
}

void perfbudget_history_close(perfbudget_history *history) {
    if (history == NULL) return;
    sqlite3_close(history->db);
    free(history->path);
    free(history);
}

char *perfbudget_environment_fingerprint(const char *toolchain, char *buf, size_t size) {
    json_t *env = perfbudget__environment_json();
    const char *compiler = json_string_value(json_object_get(env, "compiler"));
    snprintf(buf, size, "host=%s; cpu=%s; cores=%lld; os=%s %s %s; toolchain=%s",
             json_string_value(json_object_get(env, "host")),
             json_string_value(json_object_get(env, "cpu_model")),
             (long long)json_integer_value(json_object_get(env, "cpu_count")),
             json_string_value(json_object_get(env, "os")),
             json_string_value(json_object_get(env, "kernel")),
             json_string_value(json_object_get(env, "machine")),
             toolchain ? toolchain : compiler ? compiler : "unknown");
    json_decref(env);
    /* The build type of the code under test, when the front end knows it (add_perf_test sets
     * it): a Debug build is never compared with a Release baseline. */
    const char *build = getenv("PERFBUDGET_BUILD_TYPE");
    size_t length = strlen(buf);
    if (build != NULL && build[0] != '\0' && length < size)
        snprintf(buf + length, size - length, "; build=%s", build);
    return buf;
}

const char *perfbudget_environment_runner_type(const char *fingerprint) {
    if (fingerprint == NULL || strncmp(fingerprint, "host=", 5) != 0) return fingerprint;
    const char *rest = strstr(fingerprint, "; ");
    return rest != NULL ? rest + 2 : fingerprint;
}

/* perfbudget_environment_runner_type() in SQL, for a column. */
#define RUNNER_TYPE_OF(x)                                                                   \
    "(CASE WHEN substr(" x ", 1, 5) = 'host=' AND instr(" x ", '; ') > 0 THEN substr(" x     \
    ", instr(" x ", '; ') + 2) ELSE " x " END)"

/* Whether column's runner type is type (a parameter: a runner type computed in C): the column
 * is the type, or "host=H; " and then the type, its first "; " just before it. The same answer
 * as RUNNER_TYPE_OF(column) = type, in 0.38 s instead of 0.48 s where a benchmark's 100,000
 * runs are all of another type (plain equality of fingerprints: 0.28 s). */
#define SAME_RUNNER_TYPE(column, type)                                                        \
    "(" column " = " type " OR (substr(" column ", -length(" type ")) = " type " AND substr("    \
    column ", 1, 5) = 'host=' AND instr(" column ", '; ') = length(" column ") - length(" type  \
    ") - 1))"

/* ---- writing a run ------------------------------------------------------------------------------ */

/* Samples as schema version 4 and before stored them (sample_encoding 0): little-endian
 * doubles. Packed blobs fall back to them for values no other form holds. */
static void encode_samples(const double *samples, size_t n, unsigned char *out) {
    for (size_t i = 0; i < n; i++) {
        uint64_t bits;
        memcpy(&bits, &samples[i], sizeof bits);
        for (int b = 0; b < 8; b++) out[8 * i + (size_t)b] = (unsigned char)(bits >> (8 * b));
    }
}

static double decode_sample(const unsigned char *in) {
    uint64_t bits = 0;
    for (int b = 7; b >= 0; b--) bits = (bits << 8) | in[b];
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

/* A packed blob (sample_encoding 1): one byte naming the form, the count as a varint, then
 * the values. A sample is a batch's clock reading over its iterations, so every sample of a
 * result is a whole number over one divisor (the iterations per sample, or 1): such samples are
 * kept as that divisor and varints of the zigzagged differences between neighbouring whole
 * numbers, mostly 1 to 3 bytes each, and read back bit for bit; any other set as doubles. */
enum { PACKED_DOUBLES = 0, PACKED_WHOLE_OVER_DIVISOR = 1 };

static size_t put_varint(unsigned char *out, uint64_t value) {
    size_t k = 0;
    for (; value >= 0x80; value >>= 7) out[k++] = (unsigned char)(value | 0x80);
    out[k++] = (unsigned char)value;
    return k;
}

static int get_varint(const unsigned char *in, size_t size, size_t *at, uint64_t *value) {
    *value = 0;
    for (unsigned shift = 0; shift < 64 && *at < size; shift += 7) {
        unsigned char byte = in[(*at)++];
        *value |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) return 0;
    }
    return -1;
}

/* Whether every sample is a whole number over divisor that reads back bit for bit. */
static int whole_over(const double *samples, size_t n, uint64_t divisor) {
    double d = (double)divisor;
    for (size_t i = 0; i < n; i++) {
        double whole = nearbyint(samples[i] * d);
        if (!(fabs(whole) <= 9007199254740992.0) || whole / d != samples[i] ||
            (samples[i] == 0.0 && signbit(samples[i])))
            return 0;
    }
    return 1;
}

/* A new blob of the samples in *size bytes, or NULL when out of memory. divisor_hint: the
 * iterations per sample, or 0. */
static unsigned char *pack_samples(const double *samples, size_t n, uint64_t divisor_hint,
                                   size_t *size) {
    uint64_t divisor = whole_over(samples, n, 1) ? 1
                       : divisor_hint > 1 && divisor_hint < (UINT64_C(1) << 53) &&
                               whole_over(samples, n, divisor_hint)
                           ? divisor_hint
                           : 0;
    unsigned char *blob = malloc(21 + 10 * n);
    if (blob == NULL) return NULL;
    size_t k = 0;
    blob[k++] = divisor ? PACKED_WHOLE_OVER_DIVISOR : PACKED_DOUBLES;
    k += put_varint(blob + k, n);
    if (divisor == 0) {
        encode_samples(samples, n, blob + k);
        *size = k + 8 * n;
        return blob;
    }
    k += put_varint(blob + k, divisor);
    int64_t previous = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t value = (int64_t)nearbyint(samples[i] * (double)divisor), delta = value - previous;
        previous = value;
        k += put_varint(blob + k, ((uint64_t)delta << 1) ^ (uint64_t)(delta >> 63));
    }
    *size = k;
    return blob;
}

/* The samples of a blob of either encoding: a new array in *out (n values), or -1 when the
 * blob is damaged, -2 when out of memory. */
static int unpack_samples(const unsigned char *blob, size_t size, int encoding, double **out,
                          size_t *n) {
    *out = NULL;
    if (encoding == 0) {
        if (size % 8 != 0) return -1;
        *n = size / 8;
        if ((*out = malloc(*n ? *n * sizeof **out : 1)) == NULL) return -2;
        for (size_t i = 0; i < *n; i++) (*out)[i] = decode_sample(blob + 8 * i);
        return 0;
    }
    size_t at = 1;
    uint64_t count, divisor = 1;
    if (size < 2 || encoding != 1 || get_varint(blob, size, &at, &count) != 0 || count > size)
        return -1;
    int form = blob[0];
    if (form == PACKED_WHOLE_OVER_DIVISOR &&
        (get_varint(blob, size, &at, &divisor) != 0 || divisor == 0))
        return -1;
    if (form > PACKED_WHOLE_OVER_DIVISOR || (form == PACKED_DOUBLES && size - at != 8 * count))
        return -1;
    double *values = malloc(count ? count * sizeof *values : 1);
    if (values == NULL) return -2;
    int64_t previous = 0;
    for (size_t i = 0; i < count; i++) {
        if (form == PACKED_WHOLE_OVER_DIVISOR) {
            uint64_t zigzag;
            if (get_varint(blob, size, &at, &zigzag) != 0) {
                free(values);
                return -1;
            }
            previous += (int64_t)(zigzag >> 1) ^ -(int64_t)(zigzag & 1);
            values[i] = (double)previous / (double)divisor;
        } else {
            values[i] = decode_sample(blob + at);
            at += 8;
        }
    }
    if (at != size) {
        free(values);
        return -1;
    }
    *out = values;
    *n = (size_t)count;
    return 0;
}

static const char *verdict_of(const perfbudget_result *r) {
    const perfbudget_limit_verdict *verdicts;
    size_t count = perfbudget_result_verdicts(r, &verdicts);
    if (count == 0 && perfbudget_result_budget_entry(r) == NULL) return NULL;
    static const int rank[] = {0, 2, 3, 1};
    perfbudget_limit_status worst = PERFBUDGET_LIMIT_PASS;
    for (size_t i = 0; i < count; i++)
        if (rank[verdicts[i].status] > rank[worst]) worst = verdicts[i].status;
    return perfbudget_limit_status_name(worst);
}

static int64_t benchmark_id(perfbudget_history *h, const char *name, const char *identity) {
    sqlite3_stmt *stmt;
    int64_t id = -1;
    if (sqlite3_prepare_v2(h->db,
                           "INSERT INTO benchmarks(name, identity) VALUES(?1, ?2) "
                           "ON CONFLICT(name, identity) DO UPDATE SET name = excluded.name "
                           "RETURNING id",
                           -1, &stmt, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, identity, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW) id = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return id;
}

static int insert_result(perfbudget_history *h, sqlite3_stmt *stmt, int64_t run_id,
                         const perfbudget_result *r) {
    int64_t bench = benchmark_id(h, perfbudget_result_name(r), perfbudget_result_identity(r));
    if (bench < 0) return db_fail(h, "recording a benchmark");
    size_t n, cpu_n;
    const double *samples = perfbudget_result_samples(r, &n);
    const double *cpu_samples = perfbudget_result_cpu_samples(r, &cpu_n);
    size_t blob_size = 0, cpu_blob_size = 0;
    uint64_t per_sample = perfbudget_result_metrics(r)->iterations_per_sample;
    unsigned char *blob = pack_samples(samples, n, per_sample, &blob_size);
    unsigned char *cpu_blob =
        cpu_samples != NULL ? pack_samples(cpu_samples, cpu_n, per_sample, &cpu_blob_size) : NULL;
    json_t *metrics = perfbudget__metrics_json(perfbudget_result_metrics(r));
    /* An unavailable figure is left out rather than stored as null: it reads back as NaN
     * either way (perfbudget__metrics_from_json), and a row is a tenth smaller. */
    const char *key;
    json_t *value;
    void *next;
    json_object_foreach_safe(metrics, next, key, value) {
        if (json_is_null(value)) json_object_del(metrics, key);
    }
    json_t *custom = perfbudget__custom_metrics_json(r);
    perfbudget__stages *timed = perfbudget__result_stages((perfbudget_result *)r);
    json_t *stages = timed->stage_count > 0 ? perfbudget__stages_json(timed) : NULL;
    char *stages_text = stages ? json_dumps(stages, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(stages);
    char *metrics_text = metrics ? json_dumps(metrics, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
    char *custom_text = custom ? json_dumps(custom, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
    json_decref(metrics);
    json_decref(custom);
    int code = PERFBUDGET_OK;
    if (blob == NULL || metrics_text == NULL || custom_text == NULL ||
        (timed->stage_count > 0 && stages_text == NULL) || (cpu_samples != NULL && cpu_blob == NULL)) {
        code = perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "history: out of memory");
    } else {
        const perfbudget_summary *s = perfbudget_result_summary(r);
        static const char *const statuses[] = {"ok", "failed", "skipped"};
        const char *verdict = verdict_of(r);
        sqlite3_reset(stmt);
        sqlite3_bind_int64(stmt, 1, run_id);
        sqlite3_bind_int64(stmt, 2, bench);
        sqlite3_bind_text(stmt, 3, statuses[perfbudget_result_status(r)], -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 4, perfbudget_result_message(r), -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 5, (sqlite3_int64)n);
        if (isnan(s->median)) sqlite3_bind_null(stmt, 6); else sqlite3_bind_double(stmt, 6, s->median);
        if (isnan(s->p95)) sqlite3_bind_null(stmt, 7); else sqlite3_bind_double(stmt, 7, s->p95);
        sqlite3_bind_blob(stmt, 8, blob, (int)blob_size, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 9, metrics_text, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 10, custom_text, -1, SQLITE_STATIC);
        if (verdict) sqlite3_bind_text(stmt, 11, verdict, -1, SQLITE_STATIC);
        else sqlite3_bind_null(stmt, 11);
        if (stages_text) sqlite3_bind_text(stmt, 12, stages_text, -1, SQLITE_STATIC);
        else sqlite3_bind_null(stmt, 12);
        if (cpu_blob != NULL) {
            sqlite3_bind_blob(stmt, 13, cpu_blob, (int)cpu_blob_size, SQLITE_STATIC);
        } else {
            sqlite3_bind_null(stmt, 13);
        }
        int step = sqlite3_step(stmt);
        if (step == SQLITE_CONSTRAINT)
            code = perfbudget__fail(h->ctx, PERFBUDGET_EINVAL,
                                    "history: benchmark '%s' appears twice in one run",
                                    perfbudget_result_name(r));
        else if (step != SQLITE_DONE)
            code = db_fail(h, "recording a result");
    }
    free(blob);
    free(cpu_blob);
    free(metrics_text);
    free(custom_text);
    free(stages_text);
    return code;
}

int perfbudget_history_add_run(perfbudget_history *h, const perfbudget_run_info *info,
                               perfbudget_result *const *results, size_t count, int64_t *run_id) {
    if (h == NULL || info == NULL || (results == NULL && count > 0))
        return perfbudget__fail(h ? h->ctx : NULL, PERFBUDGET_EINVAL, "add_run: NULL argument");
    char fingerprint[512];
    const char *environment = info->environment
                                  ? info->environment
                                  : perfbudget_environment_fingerprint(NULL, fingerprint,
                                                                       sizeof fingerprint);
    /* IMMEDIATE takes the write lock up front, so concurrent writers queue on the busy
     * timeout instead of failing halfway. */
    if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(h, "starting a run");
    sqlite3_stmt *run = NULL, *result = NULL;
    int code = PERFBUDGET_OK;
    if (sqlite3_prepare_v2(h->db,
                           "INSERT INTO runs(created_ns, source, git_commit, branch, dirty, "
                           "environment) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                           -1, &run, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h->db,
                           "INSERT INTO results(run_id, benchmark_id, status, message, n, median, "
                           "p95, samples, metrics, custom_metrics, verdict, stages, cpu_samples, "
                           "sample_encoding) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                           "?12, ?13, 1)",
                           -1, &result, NULL) != SQLITE_OK) {
        code = db_fail(h, "preparing a run");
    } else {
        sqlite3_bind_int64(run, 1, wall_ns());
        sqlite3_bind_text(run, 2, info->source ? info->source : "unknown", -1, SQLITE_STATIC);
        sqlite3_bind_text(run, 3, info->commit, -1, SQLITE_STATIC);
        sqlite3_bind_text(run, 4, info->branch, -1, SQLITE_STATIC);
        sqlite3_bind_int(run, 5, info->dirty != 0);
        sqlite3_bind_text(run, 6, environment, -1, SQLITE_STATIC);
        if (sqlite3_step(run) != SQLITE_DONE) code = db_fail(h, "recording a run");
    }
    int64_t id = sqlite3_last_insert_rowid(h->db);
    for (size_t i = 0; code == PERFBUDGET_OK && i < count; i++)
        code = insert_result(h, result, id, results[i]);
    sqlite3_finalize(run);
    sqlite3_finalize(result);
    if (code == PERFBUDGET_OK && sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        code = db_fail(h, "committing a run");
    if (code != PERFBUDGET_OK) {
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
        return code;
    }
    if (run_id != NULL) *run_id = id;
    return PERFBUDGET_OK;
}

/* ---- reading ------------------------------------------------------------------------------------ */

/* Text of a run record (commit, branch, ...): valid UTF-8 however it was stored, cut at a
 * whole character, so that every record can be written to JSON. */
static void copy_text(char *out, size_t size, const unsigned char *text) {
    /* ASCII that fits (a commit hash, a branch) is copied as it is: a trend copies one per run. */
    size_t length = 0;
    while (text != NULL && length < size && text[length] != '\0' && text[length] < 0x80) length++;
    if (text != NULL && length < size && text[length] == '\0') {
        memcpy(out, text, length + 1);
        return;
    }
    perfbudget__copy_utf8(out, size, (const char *)text);
}

static const char RUN_COLUMNS[] =
    "SELECT r.id, r.created_ns, r.source, r.git_commit, r.branch, r.dirty, r.environment, "
    "(SELECT count(*) FROM results WHERE run_id = r.id) FROM runs r ";

static void read_run(sqlite3_stmt *stmt, perfbudget_run_record *out) {
    out->id = sqlite3_column_int64(stmt, 0);
    out->created_ns = sqlite3_column_int64(stmt, 1);
    copy_text(out->source, sizeof out->source, sqlite3_column_text(stmt, 2));
    copy_text(out->commit, sizeof out->commit, sqlite3_column_text(stmt, 3));
    copy_text(out->branch, sizeof out->branch, sqlite3_column_text(stmt, 4));
    out->dirty = sqlite3_column_int(stmt, 5);
    copy_text(out->environment, sizeof out->environment, sqlite3_column_text(stmt, 6));
    out->result_count = (size_t)sqlite3_column_int64(stmt, 7);
}

int perfbudget_history_runs(perfbudget_history *h, perfbudget_run_record *records,
                            size_t capacity, size_t *count) {
    char sql[512];
    snprintf(sql, sizeof sql, "%s ORDER BY r.id DESC LIMIT ?1", RUN_COLUMNS);
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(h->db, sql, -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(h, "listing runs");
    sqlite3_bind_int64(stmt, 1, (sqlite3_int64)capacity);
    *count = 0;
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) read_run(stmt, &records[(*count)++]);
    sqlite3_finalize(stmt);
    return step == SQLITE_DONE ? PERFBUDGET_OK : db_fail(h, "listing runs");
}

int perfbudget_history_run(perfbudget_history *h, int64_t run_id, perfbudget_run_record *out) {
    char sql[512];
    snprintf(sql, sizeof sql, "%s WHERE r.id = ?1", RUN_COLUMNS);
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(h->db, sql, -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(h, "reading a run");
    sqlite3_bind_int64(stmt, 1, run_id);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) read_run(stmt, out);
    sqlite3_finalize(stmt);
    if (step == SQLITE_ROW) return PERFBUDGET_OK;
    if (step == SQLITE_DONE)
        return perfbudget__fail(h->ctx, PERFBUDGET_ENOTFOUND, "history %s has no run %lld",
                                h->path, (long long)run_id);
    return db_fail(h, "reading a run");
}

/* What load_result reads, by position, from a row of results r joined with benchmarks b. */
#define RESULT_COLUMNS \
    "b.name, b.identity, r.status, r.message, r.samples, r.metrics, r.custom_metrics, r.stages, " \
    "r.cpu_samples, r.sample_encoding"

static int load_result(perfbudget_history *h, sqlite3_stmt *stmt, perfbudget_result **out) {
    const char *name = (const char *)sqlite3_column_text(stmt, 0);
    const char *identity = (const char *)sqlite3_column_text(stmt, 1);
    const char *status = (const char *)sqlite3_column_text(stmt, 2);
    const char *message = (const char *)sqlite3_column_text(stmt, 3);
    int encoding = sqlite3_column_int(stmt, 9);
    const unsigned char *blob = sqlite3_column_blob(stmt, 4);
    size_t n = 0;
    double *samples;
    int unpacked = unpack_samples(blob, (size_t)sqlite3_column_bytes(stmt, 4), encoding, &samples,
                                  &n);
    if (unpacked == -2) return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
    if (unpacked != 0)
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO, "history %s: damaged samples of %s",
                                h->path, name ? name : "(no name)");
    json_t *metrics_json = json_loads((const char *)sqlite3_column_text(stmt, 5), 0, NULL);
    json_t *custom_json = json_loads((const char *)sqlite3_column_text(stmt, 6), 0, NULL);
    perfbudget_metrics metrics;
    perfbudget__metrics_from_json(metrics_json, &metrics);
    perfbudget_run_status run_status = status && strcmp(status, "failed") == 0 ? PERFBUDGET_RUN_FAILED
                                       : status && strcmp(status, "skipped") == 0
                                           ? PERFBUDGET_RUN_SKIPPED
                                           : PERFBUDGET_RUN_OK;
    /* A name stored before names had to be UTF-8 is read back with its other bytes as \xff:
     * the run stays readable and its reports can be written. */
    char *repaired = name != NULL && !perfbudget__utf8_valid(name, NULL)
                         ? perfbudget__utf8_repaired(name)
                         : NULL;
    int code = perfbudget_result_new(h->ctx, repaired ? repaired : name ? name : "", samples, n,
                                     &metrics, run_status, message, out);
    free(repaired);
    if (code == PERFBUDGET_OK) code = perfbudget_result_set_identity(*out, identity);
    if (code == PERFBUDGET_OK && perfbudget__custom_metrics_from_json(h->ctx, *out, custom_json) != 0)
        code = perfbudget__fail(h->ctx, PERFBUDGET_EIO, "history %s: damaged custom metrics of %s",
                                h->path, name);
    const char *stages_text = (const char *)sqlite3_column_text(stmt, 7);
    json_t *stages_json = stages_text ? json_loads(stages_text, 0, NULL) : NULL;
    char why[PERFBUDGET__MESSAGE_SIZE];
    if (code == PERFBUDGET_OK &&
        ((stages_text != NULL && stages_json == NULL) ||
         perfbudget__stages_from_json(stages_json, NULL, perfbudget__result_stages(*out), why,
                                      sizeof why) != 0))
        code = perfbudget__fail(h->ctx, PERFBUDGET_EIO, "history %s: damaged stages of %s",
                                h->path, name);
    /* CPU samples: NULL when not measured; another count than the samples' is damage. */
    const unsigned char *cpu_blob = sqlite3_column_blob(stmt, 8);
    size_t cpu_bytes = (size_t)sqlite3_column_bytes(stmt, 8);
    if (code == PERFBUDGET_OK && sqlite3_column_type(stmt, 8) != SQLITE_NULL) {
        double *cpu = NULL;
        size_t cpu_n = 0;
        int cpu_unpacked = unpack_samples(cpu_blob, cpu_bytes, encoding, &cpu, &cpu_n);
        if (cpu_unpacked == -2)
            code = perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
        else if (cpu_unpacked != 0 || cpu_n != n)
            code = perfbudget__fail(h->ctx, PERFBUDGET_EIO,
                                    "history %s: damaged CPU samples of %s (%zu bytes for %zu "
                                    "samples)", h->path, name, cpu_bytes, n);
        else
            code = perfbudget_result_set_cpu_samples(h->ctx, *out, cpu, n);
        free(cpu);
    }
    json_decref(stages_json);
    json_decref(metrics_json);
    json_decref(custom_json);
    free(samples);
    return code;
}

int perfbudget_history_load_run(perfbudget_history *h, int64_t run_id, perfbudget_result ***out,
                                size_t *count) {
    perfbudget_run_record record;
    int code = perfbudget_history_run(h, run_id, &record);
    if (code != PERFBUDGET_OK) return code;
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(h->db,
                           "SELECT " RESULT_COLUMNS " FROM results r JOIN benchmarks b ON b.id = "
                           "r.benchmark_id WHERE r.run_id = ?1 ORDER BY b.name",
                           -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(h, "reading results");
    sqlite3_bind_int64(stmt, 1, run_id);
    perfbudget_result **results = calloc(record.result_count + 1, sizeof *results);
    size_t loaded = 0;
    int step = SQLITE_DONE;
    if (results == NULL) code = perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
    while (code == PERFBUDGET_OK && loaded < record.result_count &&
           (step = sqlite3_step(stmt)) == SQLITE_ROW)
        code = load_result(h, stmt, &results[loaded++]);
    if (code == PERFBUDGET_OK && step != SQLITE_ROW && step != SQLITE_DONE)
        code = db_fail(h, "reading results");
    sqlite3_finalize(stmt);
    if (code != PERFBUDGET_OK) {
        perfbudget_results_free(results, loaded);
        return code;
    }
    *out = results;
    *count = loaded;
    return PERFBUDGET_OK;
}

/* Every row of a prepared query over RESULT_COLUMNS, as results; finalizes stmt. */
static int load_rows(perfbudget_history *h, sqlite3_stmt *stmt, const char *doing,
                     perfbudget_result ***out, size_t *count) {
    size_t n = 0, capacity = 16;
    perfbudget_result **results = malloc(capacity * sizeof *results);
    int code = results ? PERFBUDGET_OK : perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
    int step = SQLITE_DONE;
    while (code == PERFBUDGET_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        perfbudget_result **grown = perfbudget__grow(results, &capacity, n, sizeof *grown, 8);
        if (grown == NULL) {
            code = perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
            break;
        }
        results = grown;
        code = load_result(h, stmt, &results[n]);
        if (code == PERFBUDGET_OK) n++;
    }
    if (code == PERFBUDGET_OK && step != SQLITE_DONE) code = db_fail(h, doing);
    sqlite3_finalize(stmt);
    if (code != PERFBUDGET_OK) {
        perfbudget_results_free(results, n);
        return code;
    }
    *out = results;
    *count = n;
    return PERFBUDGET_OK;
}

int perfbudget_history_load_latest(perfbudget_history *h, const char *environment,
                                   const char *branch, perfbudget_result ***out, size_t *count) {
    char fingerprint[512];
    if (environment == NULL)
        environment = perfbudget_environment_fingerprint(NULL, fingerprint, sizeof fingerprint);
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(h->db,
                           /* Per benchmark, its results newest first (results_series)
                            * up to the first of this environment and branch: the cost follows
                            * the benchmarks, not the runs (a pass over the runs of this
                            * environment took 700 ms at 100,000 runs). */
                           "SELECT " RESULT_COLUMNS " FROM benchmarks b JOIN results r ON "
                           "r.benchmark_id = b.id AND r.run_id = (SELECT x.run_id FROM results x "
                           "JOIN runs u ON u.id = x.run_id WHERE x.benchmark_id = b.id AND "
                           "u.environment = ?1 AND u.branch IS ?2 ORDER BY x.run_id DESC LIMIT 1) "
                           "ORDER BY b.name",
                           -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(h, "reading the latest results");
    sqlite3_bind_text(stmt, 1, environment, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, branch, -1, SQLITE_STATIC);
    return load_rows(h, stmt, "reading the latest results", out, count);
}

/* What a baseline spec names (perfbudget_history_find()); *value: the part after "run:" or
 * "commit:", or the name. */
typedef enum { SPEC_LATEST, SPEC_RUN, SPEC_COMMIT, SPEC_NAME } spec_kind;

static spec_kind spec_kind_of(const char *spec, const char **value) {
    const char *unused;
    if (value == NULL) value = &unused;
    *value = spec;
    if (spec == NULL || strcmp(spec, "latest") == 0) return SPEC_LATEST;
    if (strncmp(spec, "run:", 4) == 0) return *value = spec + 4, SPEC_RUN;
    if (strncmp(spec, "commit:", 7) == 0) return *value = spec + 7, SPEC_COMMIT;
    return SPEC_NAME;
}

int perfbudget_history_load_baseline(perfbudget_history *h, const char *spec, int64_t run_id,
                                     perfbudget_result ***out, size_t *count) {
    if (spec_kind_of(spec, NULL) != SPEC_NAME)
        return perfbudget_history_load_run(h, run_id, out, count);
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(h->db,
                           "SELECT " RESULT_COLUMNS " FROM baseline_modes m JOIN results r ON "
                           "r.run_id = m.run_id JOIN benchmarks b ON b.id = r.benchmark_id "
                           "WHERE m.name = ?1 AND " MODE_OF_IDENTITY " = m.mode ORDER BY b.name",
                           -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(h, "reading a baseline");
    sqlite3_bind_text(stmt, 1, spec, -1, SQLITE_STATIC);
    int code = load_rows(h, stmt, "reading a baseline", out, count);
    /* A name whose run has no results (a run that measured nothing) holds no mode. */
    if (code == PERFBUDGET_OK && *count == 0) {
        free(*out);
        return perfbudget_history_load_run(h, run_id, out, count);
    }
    return code;
}

static double metric_of(const json_t *metrics, const char *field) {
    const json_t *value = json_object_get(metrics, field);
    return json_is_number(value) ? json_number_value(value) : NAN;
}

/* A benchmark's runs up to up_to, oldest first: the median (metric NULL) or a field of the
 * metrics JSON, with each run's machine state beside it. */
static int run_levels(perfbudget_history *h, const char *name, const char *identity,
                      const char *environment, const char *branch, int64_t up_to, size_t last,
                      const char *metric, perfbudget__run_level **out, size_t *count) {
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(h->db,
                           "SELECT median, metrics FROM (SELECT r.run_id, r.median, r.metrics FROM "
                           "results r JOIN benchmarks b ON b.id = r.benchmark_id JOIN runs u ON "
                           "u.id = r.run_id WHERE b.name = ?1 AND b.identity = ?2 AND "
                           SAME_RUNNER_TYPE("u.environment", "?3")
                           " AND u.branch IS ?4 AND r.status = 'ok' AND "
                           "(?6 = 0 OR r.run_id <= ?6) ORDER BY r.run_id DESC LIMIT ?5) "
                           "ORDER BY run_id",
                           -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(h, "reading earlier runs");
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, identity ? identity : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, perfbudget_environment_runner_type(environment), -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, branch, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 5, last ? (sqlite3_int64)last : -1);
    sqlite3_bind_int64(stmt, 6, up_to);
    size_t n = 0, capacity = 16;
    perfbudget__run_level *levels = malloc(capacity * sizeof *levels);
    int step = SQLITE_DONE;
    while (levels != NULL && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        json_t *metrics = json_loads((const char *)sqlite3_column_text(stmt, 1), 0, NULL);
        perfbudget__run_level level = {NAN, metric_of(metrics, "cpu_utilization"),
                                       metric_of(metrics, "runqueue_wait_ns") /
                                           metric_of(metrics, "wall_ns")};
        if (metric != NULL) level.value = metric_of(metrics, metric);
        else if (sqlite3_column_type(stmt, 0) != SQLITE_NULL) level.value = sqlite3_column_double(stmt, 0);
        json_decref(metrics);
        if (isnan(level.value)) continue;
        perfbudget__run_level *grown = perfbudget__grow(levels, &capacity, n, sizeof *grown, 8);
        if (grown == NULL) {
            free(levels);
            levels = NULL;
            break;
        }
        levels = grown;
        levels[n++] = level;
    }
    sqlite3_finalize(stmt);
    if (levels == NULL) return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
    if (step != SQLITE_DONE) {
        free(levels);
        return db_fail(h, "reading earlier runs");
    }
    *out = levels;
    *count = n;
    return PERFBUDGET_OK;
}

/* The values alone, as the public functions give them. */
static int run_values(perfbudget_history *h, const char *name, const char *identity,
                      const char *environment, const char *branch, int64_t up_to, size_t last,
                      const char *metric, double **out, size_t *count) {
    perfbudget__run_level *levels;
    int code = run_levels(h, name, identity, environment, branch, up_to, last, metric, &levels,
                          count);
    if (code != PERFBUDGET_OK) return code;
    double *values = malloc((*count ? *count : 1) * sizeof *values);
    for (size_t i = 0; values != NULL && i < *count; i++) values[i] = levels[i].value;
    free(levels);
    if (values == NULL) return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
    *out = values;
    return PERFBUDGET_OK;
}

int perfbudget__history_run_levels(perfbudget_history *h, const char *name, const char *identity,
                                   const char *environment, const char *branch, int64_t up_to,
                                   size_t last, perfbudget__run_level **out, size_t *count) {
    return run_levels(h, name, identity, environment, branch, up_to, last, NULL, out, count);
}

int perfbudget_history_run_medians(perfbudget_history *h, const char *name, const char *identity,
                                   const char *environment, const char *branch, int64_t up_to,
                                   size_t last, double **out, size_t *count) {
    return run_values(h, name, identity, environment, branch, up_to, last, NULL, out, count);
}

int perfbudget_history_run_metric(perfbudget_history *h, const char *name, const char *identity,
                                  const char *environment, const char *branch, int64_t up_to,
                                  size_t last, const char *metric, double **out, size_t *count) {
    if (metric == NULL)
        return perfbudget__fail(h->ctx, PERFBUDGET_EINVAL, "run_metric: no metric named");
    return run_values(h, name, identity, environment, branch, up_to, last, metric, out, count);
}

/* One integer from a query with up to two text parameters; 0 rows -> ENOTFOUND. */
static int single_id(perfbudget_history *h, const char *sql, const char *a, const char *b,
                     int64_t *out) {
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(h->db, sql, -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(h, "looking up a run");
    sqlite3_bind_text(stmt, 1, a, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, b, -1, SQLITE_STATIC);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) *out = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    if (step == SQLITE_ROW) return PERFBUDGET_OK;
    return step == SQLITE_DONE ? PERFBUDGET_ENOTFOUND : db_fail(h, "looking up a run");
}

int perfbudget_history_find(perfbudget_history *h, const char *spec, const char *environment,
                            const char *branch, int64_t *run_id, char *explanation, size_t size) {
    char fingerprint[512];
    if (environment == NULL)
        environment = perfbudget_environment_fingerprint(NULL, fingerprint, sizeof fingerprint);
    int code = PERFBUDGET_EIO;
    const char *value;
    switch (spec_kind_of(spec, &value)) {
    case SPEC_LATEST:
        code = single_id(h,
                         "SELECT id FROM runs WHERE environment = ?1 AND branch IS ?2 "
                         "ORDER BY id DESC LIMIT 1",
                         environment, branch, run_id);
        if (code == PERFBUDGET_OK)
            snprintf(explanation, size, "baseline: the latest run (%lld) on this environment and "
                                        "branch %s",
                     (long long)*run_id, branch ? branch : "(none)");
        else if (code == PERFBUDGET_ENOTFOUND)
            snprintf(explanation, size, "no earlier run on this environment and branch %s",
                     branch ? branch : "(none)");
        break;
    case SPEC_RUN: {
        char *end;
        errno = 0;
        long long id = strtoll(value, &end, 10);
        if (end == value || *end != '\0' || errno != 0 || id <= 0) {
            snprintf(explanation, size, "%s: run:ID needs a run number, such as run:12", spec);
            return perfbudget__fail(h->ctx, PERFBUDGET_EINVAL, "%s", explanation);
        }
        *run_id = id;
        perfbudget_run_record record;
        code = perfbudget_history_run(h, *run_id, &record);
        snprintf(explanation, size, code == PERFBUDGET_OK ? "baseline: run %s" : "no run %s",
                 value);
        break;
    }
    case SPEC_COMMIT:
        code = single_id(h,
                         /* Any runner of this type: in a fleet, main's run of the merge
                          * base was recorded wherever its job ran. */
                         "SELECT id FROM runs WHERE git_commit = ?1 AND "
                         SAME_RUNNER_TYPE("environment", "?2") " ORDER BY id DESC LIMIT 1",
                         value, perfbudget_environment_runner_type(environment), run_id);
        perfbudget_run_record found;
        if (code == PERFBUDGET_OK && perfbudget_history_run(h, *run_id, &found) == PERFBUDGET_OK &&
            strcmp(found.environment, environment) != 0) {
            const char *host = found.environment, *end = strstr(host, "; ");
            snprintf(explanation, size,
                     "baseline: the latest run (%lld) of commit %.12s, recorded on another runner "
                     "of this type (%.*s)",
                     (long long)*run_id, value, end ? (int)(end - host) : (int)strlen(host), host);
        } else if (code == PERFBUDGET_OK)
            snprintf(explanation, size, "baseline: the latest run (%lld) of commit %.12s",
                     (long long)*run_id, value);
        else if (code == PERFBUDGET_ENOTFOUND)
            snprintf(explanation, size, "no run of commit %.12s on this runner type", value);
        break;
    case SPEC_NAME:
        code = single_id(h, "SELECT run_id FROM baselines WHERE name = ?1", spec, NULL, run_id);
        if (code == PERFBUDGET_OK)
            snprintf(explanation, size, "baseline '%s' (run %lld)", spec, (long long)*run_id);
        else if (code == PERFBUDGET_ENOTFOUND)
            snprintf(explanation, size, "no baseline named '%s' (see perfbudget baseline list)",
                     spec);
        break;
    }
    /* It names a branch, a commit or a baseline as given, and is printed: shown as text. */
    char *raw = perfbudget__strdup(explanation);
    if (raw != NULL) perfbudget__shown(raw, explanation, size);
    free(raw);
    if (code == PERFBUDGET_ENOTFOUND)
        return perfbudget__fail(h->ctx, PERFBUDGET_ENOTFOUND, "%s", explanation);
    return code;
}

static int name_run(perfbudget_history *h, const char *name, int64_t run_id);

int perfbudget_history_save_baseline(perfbudget_history *h, const char *name, int64_t run_id) {
    if (name == NULL || name[0] == '\0')
        return perfbudget__fail(h->ctx, PERFBUDGET_EINVAL, "a baseline needs a name");
    if (perfbudget__check_name(h->ctx, "baseline name", name) != PERFBUDGET_OK)
        return PERFBUDGET_EINVAL;
    if (run_id == 0) {
        int code = single_id(h, "SELECT max(id) FROM runs HAVING max(id) IS NOT NULL", NULL, NULL,
                             &run_id);
        if (code == PERFBUDGET_ENOTFOUND)
            return perfbudget__fail(h->ctx, PERFBUDGET_ENOTFOUND,
                                    "history %s has no run to save as baseline '%s'", h->path,
                                    name);
        if (code != PERFBUDGET_OK) return code;
    }
    perfbudget_run_record record;
    int code = perfbudget_history_run(h, run_id, &record);
    if (code != PERFBUDGET_OK) return code;
    /* The name and its modes move together, or not at all. */
    if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(h, "saving a baseline");
    code = name_run(h, name, run_id);
    if (code == PERFBUDGET_OK && sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        code = db_fail(h, "saving a baseline");
    if (code != PERFBUDGET_OK) sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    return code;
}

/* perfbudget_history_save_baseline() inside its transaction. */
static int name_run(perfbudget_history *h, const char *name, int64_t run_id) {
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(h->db,
                           "INSERT INTO baselines(name, run_id, created_ns) VALUES(?1, ?2, ?3) "
                           "ON CONFLICT(name) DO UPDATE SET run_id = excluded.run_id, "
                           "created_ns = excluded.created_ns",
                           -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(h, "saving a baseline");
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, run_id);
    sqlite3_bind_int64(stmt, 3, wall_ns());
    int step = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (step != SQLITE_DONE) return db_fail(h, "saving a baseline");
    /* The modes this run measured now point at it; another mode keeps the run it had. */
    if (sqlite3_prepare_v2(h->db,
                           "INSERT INTO baseline_modes(name, mode, run_id) SELECT DISTINCT ?1, "
                           MODE_OF_IDENTITY ", ?2 FROM results r JOIN benchmarks b ON b.id = "
                           "r.benchmark_id WHERE r.run_id = ?2 ON CONFLICT(name, mode) DO UPDATE "
                           "SET run_id = excluded.run_id",
                           -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(h, "saving a baseline");
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, run_id);
    step = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return step == SQLITE_DONE ? PERFBUDGET_OK : db_fail(h, "saving a baseline");
}

int perfbudget_history_baselines(perfbudget_history *h, perfbudget_baseline_record *records,
                                 size_t capacity, size_t *count) {
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(h->db, "SELECT name, run_id, created_ns FROM baselines ORDER BY name",
                           -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(h, "listing baselines");
    *count = 0;
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW && *count < capacity) {
        perfbudget_baseline_record *r = &records[(*count)++];
        copy_text(r->name, sizeof r->name, sqlite3_column_text(stmt, 0));
        r->run_id = sqlite3_column_int64(stmt, 1);
        r->created_ns = sqlite3_column_int64(stmt, 2);
    }
    sqlite3_finalize(stmt);
    return step == SQLITE_DONE || step == SQLITE_ROW ? PERFBUDGET_OK
                                                     : db_fail(h, "listing baselines");
}

/* One code version's newest results, newest first, as perfbudget_history_trend() reads them. */
typedef struct trend_row {
    perfbudget_series_point point;
    size_t key; /* index into the trend's keys: its code version and environment */
} trend_row;

/* The distinct (code version, environment) pairs a trend has met. */
typedef struct trend_keys {
    size_t *versions;
    char **environments;
    size_t count, capacity;
} trend_keys;

static void trend_keys_free(trend_keys *keys) {
    for (size_t i = 0; i < keys->count; i++) free(keys->environments[i]);
    free(keys->versions);
    free(keys->environments);
}

/* The index of (version, environment) among keys, added if new; (size_t)-1 when out of memory.
 * last: the key of the row before, which is usually the answer. */
static size_t trend_key(trend_keys *keys, size_t version, const char *environment, size_t last) {
    if (last < keys->count && keys->versions[last] == version &&
        strcmp(keys->environments[last], environment) == 0)
        return last;
    for (size_t k = 0; k < keys->count; k++)
        if (keys->versions[k] == version && strcmp(keys->environments[k], environment) == 0)
            return k;
    if (keys->count == keys->capacity) {
        size_t more = keys->capacity ? 2 * keys->capacity : 8;
        size_t *versions = realloc(keys->versions, more * sizeof *versions);
        if (versions == NULL) return (size_t)-1;
        keys->versions = versions;
        char **environments = realloc(keys->environments, more * sizeof *environments);
        if (environments == NULL) return (size_t)-1;
        keys->environments = environments;
        keys->capacity = more;
    }
    if ((keys->environments[keys->count] = perfbudget__strdup(environment)) == NULL)
        return (size_t)-1;
    keys->versions[keys->count] = version;
    return keys->count++;
}

enum { SEEK_GAP = 32 }; /* runs the run cursor walks before a seek is cheaper */

/* Appends the newest `last` (0: all) ok results of benchmark row bench_id created at or after
 * since_ns to rows, newest first. The results come from the covering index results_series and
 * their runs from a second cursor walking runs backwards beside them: a merge instead of a
 * lookup in runs for every result, which was most of the cost of reading a long series. Where
 * the benchmark skipped many runs, the run cursor seeks rather than walks. */
static int read_version(perfbudget_history *h, sqlite3_stmt *results, sqlite3_stmt *runs,
                        int64_t bench_id, int64_t since_ns, size_t last, size_t version,
                        trend_keys *keys, trend_row **rows, size_t *n, size_t *capacity) {
    sqlite3_reset(results);
    sqlite3_bind_int64(results, 1, bench_id);
    int step, run_step = SQLITE_DONE, started = 0;
    int64_t run_at = 0; /* the run cursor's id while run_step is SQLITE_ROW */
    size_t key = (size_t)-1, taken = 0;
    while ((last == 0 || taken < last) && (step = sqlite3_step(results)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(results, 0);
        if (!started || (run_step == SQLITE_ROW && run_at - id > SEEK_GAP)) {
            sqlite3_reset(runs);
            sqlite3_bind_int64(runs, 1, id);
            run_step = sqlite3_step(runs);
            started = 1;
            if (run_step == SQLITE_ROW) run_at = sqlite3_column_int64(runs, 0);
        }
        while (run_step == SQLITE_ROW && run_at > id) {
            run_step = sqlite3_step(runs);
            if (run_step == SQLITE_ROW) run_at = sqlite3_column_int64(runs, 0);
        }
        if (run_step != SQLITE_ROW && run_step != SQLITE_DONE)
            return db_fail(h, "reading a series");
        if (run_step != SQLITE_ROW || run_at != id) continue; /* no run: as the join had it */
        int64_t created_ns = sqlite3_column_int64(runs, 1);
        if (created_ns < since_ns) continue;
        trend_row *grown = perfbudget__grow(*rows, capacity, *n, sizeof *grown, 128);
        if (grown == NULL) return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
        *rows = grown;
        trend_row *row = &(*rows)[*n];
        perfbudget_series_point *p = &row->point;
        p->run_id = id;
        p->created_ns = created_ns;
        copy_text(p->commit, sizeof p->commit, sqlite3_column_text(runs, 2));
        p->median = sqlite3_column_type(results, 1) == SQLITE_NULL
                        ? NAN
                        : sqlite3_column_double(results, 1);
        p->p95 = sqlite3_column_type(results, 2) == SQLITE_NULL
                     ? NAN
                     : sqlite3_column_double(results, 2);
        p->n = (size_t)sqlite3_column_int64(results, 3);
        const char *environment = (const char *)sqlite3_column_text(runs, 3);
        key = trend_key(keys, version, environment ? environment : "", key);
        if (key == (size_t)-1) return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
        row->key = key;
        (*n)++;
        taken++;
    }
    if (last != 0 && taken == last) return PERFBUDGET_OK;
    return step == SQLITE_DONE ? PERFBUDGET_OK : db_fail(h, "reading a series");
}

static int newer_first(const void *a, const void *b) {
    int64_t x = ((const trend_row *)a)->point.run_id, y = ((const trend_row *)b)->point.run_id;
    return x > y ? -1 : x < y;
}

int perfbudget_history_trend(perfbudget_history *h, const char *name, size_t last,
                             int64_t since_ns, perfbudget_series_point **points,
                             size_t **series_of, size_t *count) {
    if (h == NULL || name == NULL || points == NULL || series_of == NULL || count == NULL)
        return perfbudget__fail(h ? h->ctx : NULL, PERFBUDGET_EINVAL, "history_trend: NULL "
                                "argument");
    sqlite3_stmt *versions = NULL, *results = NULL, *runs = NULL;
    /* results walks the index results_series backwards, which holds every column read from
     * results; runs walks the runs table backwards beside it (read_version). */
    if (sqlite3_prepare_v2(h->db, "SELECT id FROM benchmarks WHERE name = ?1", -1, &versions,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h->db,
                           "SELECT run_id, median, p95, n FROM results WHERE benchmark_id = ?1 "
                           "AND status = 'ok' ORDER BY benchmark_id DESC, run_id DESC",
                           -1, &results, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h->db,
                           "SELECT id, created_ns, git_commit, environment FROM runs "
                           "WHERE id <= ?1 ORDER BY id DESC",
                           -1, &runs, NULL) != SQLITE_OK) {
        sqlite3_finalize(versions);
        sqlite3_finalize(results);
        return db_fail(h, "reading a series");
    }
    sqlite3_bind_text(versions, 1, name, -1, SQLITE_STATIC);
    trend_row *rows = NULL;
    trend_keys keys = {0};
    size_t n = 0, capacity = 0, version = 0;
    int code = PERFBUDGET_OK, step;
    while (code == PERFBUDGET_OK && (step = sqlite3_step(versions)) == SQLITE_ROW)
        code = read_version(h, results, runs, sqlite3_column_int64(versions, 0), since_ns, last,
                            version++, &keys, &rows, &n, &capacity);
    if (code == PERFBUDGET_OK && step != SQLITE_DONE) code = db_fail(h, "reading a series");
    sqlite3_finalize(versions);
    sqlite3_finalize(results);
    sqlite3_finalize(runs);
    /* Each version's rows come newest first already; several are merged by run. */
    if (code == PERFBUDGET_OK && version > 1 && n > 1) qsort(rows, n, sizeof *rows, newer_first);
    if (last != 0 && n > last) n = last;
    perfbudget_series_point *out = code == PERFBUDGET_OK ? malloc((n ? n : 1) * sizeof *out) : NULL;
    size_t *which = out != NULL ? malloc((n ? n : 1) * sizeof *which) : NULL;
    /* Series numbers in the order each key is first met, newest first. */
    size_t *number = which != NULL ? malloc((keys.count ? keys.count : 1) * sizeof *number) : NULL;
    if (code == PERFBUDGET_OK && number == NULL)
        code = perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
    for (size_t k = 0; code == PERFBUDGET_OK && k < keys.count; k++) number[k] = (size_t)-1;
    size_t numbered = 0;
    for (size_t i = 0; code == PERFBUDGET_OK && i < n; i++) {
        size_t *series = &number[rows[i].key];
        if (*series == (size_t)-1) *series = numbered++;
        out[n - 1 - i] = rows[i].point;
        which[n - 1 - i] = *series;
    }
    free(number);
    free(rows);
    trend_keys_free(&keys);
    if (code != PERFBUDGET_OK) {
        free(out);
        free(which);
        return code;
    }
    *points = out;
    *series_of = which;
    *count = n;
    return PERFBUDGET_OK;
}

int perfbudget_history_series(perfbudget_history *h, const char *benchmark, size_t last,
                              int64_t since_ns, perfbudget_series_point **out, size_t *count) {
    size_t *series_of, all;
    int code = perfbudget_history_trend(h, benchmark, last, since_ns, out, &series_of, &all);
    if (code != PERFBUDGET_OK) return code;
    /* The newest series only: steps and trends never mix code versions or environments. */
    *count = 0;
    for (size_t i = 0; i < all; i++)
        if (series_of[i] == 0) (*out)[(*count)++] = (*out)[i];
    free(series_of);
    return PERFBUDGET_OK;
}

void perfbudget_strings_free(char **strings, size_t count) {
    if (strings == NULL) return;
    for (size_t i = 0; i < count; i++) free(strings[i]);
    free(strings);
}

int perfbudget_history_benchmarks(perfbudget_history *h, const char *pattern, char ***out,
                                  size_t *count) {
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(h->db, "SELECT DISTINCT name FROM benchmarks ORDER BY name", -1, &stmt,
                           NULL) != SQLITE_OK)
        return db_fail(h, "listing benchmarks");
    size_t n = 0, capacity = 16;
    char **names = malloc(capacity * sizeof *names);
    int step = SQLITE_DONE, code = PERFBUDGET_OK;
    while (names != NULL && code == PERFBUDGET_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        if (name == NULL || (pattern != NULL && fnmatch(pattern, name, 0) != 0 &&
                             strcmp(pattern, name) != 0))
            continue;
        char **grown = perfbudget__grow(names, &capacity, n, sizeof *grown, 8);
        if (grown == NULL) {
            code = PERFBUDGET_ENOMEM;
            break;
        }
        names = grown;
        if ((names[n] = perfbudget__strdup(name)) == NULL) {
            code = PERFBUDGET_ENOMEM;
            break;
        }
        n++;
    }
    sqlite3_finalize(stmt);
    if (names == NULL || code != PERFBUDGET_OK) {
        perfbudget_strings_free(names, n);
        return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
    }
    if (step != SQLITE_DONE) {
        perfbudget_strings_free(names, n);
        return db_fail(h, "listing benchmarks");
    }
    *out = names;
    *count = n;
    return PERFBUDGET_OK;
}

int perfbudget_history_runner_types(perfbudget_history *h, const char *commit,
                                    perfbudget_runner_type_record **out, size_t *count) {
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(h->db,
                           "SELECT " RUNNER_TYPE_OF("environment") " AS type, count(*), "
                           "count(DISTINCT CASE WHEN substr(environment, 1, 5) = 'host=' THEN "
                           "substr(environment, 1, instr(environment || '; ', '; ')) ELSE '' "
                           "END), max(id) FROM runs WHERE ?1 IS NULL OR git_commit = ?1 "
                           "GROUP BY type ORDER BY max(id) DESC",
                           -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(h, "listing the runner types");
    sqlite3_bind_text(stmt, 1, commit, -1, SQLITE_STATIC);
    size_t n = 0, capacity = 4;
    perfbudget_runner_type_record *records = malloc(capacity * sizeof *records);
    int step = SQLITE_DONE;
    while (records != NULL && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        perfbudget_runner_type_record *grown =
            perfbudget__grow(records, &capacity, n, sizeof *grown, 4);
        if (grown == NULL) {
            free(records);
            records = NULL;
            break;
        }
        records = grown;
        perfbudget_runner_type_record *r = &records[n++];
        copy_text(r->runner_type, sizeof r->runner_type, sqlite3_column_text(stmt, 0));
        r->runs = sqlite3_column_int64(stmt, 1);
        r->hosts = sqlite3_column_int64(stmt, 2);
        r->latest_run = sqlite3_column_int64(stmt, 3);
    }
    sqlite3_finalize(stmt);
    if (records == NULL) return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
    if (step != SQLITE_DONE) {
        free(records);
        return db_fail(h, "listing the runner types");
    }
    *out = records;
    *count = n;
    return PERFBUDGET_OK;
}

int perfbudget_history_measure(perfbudget_history *h, perfbudget_history_size *out) {
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(h->db,
                           "SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM results), "
                           "(SELECT count(*) FROM baselines), (SELECT count(*) FROM benchmarks), "
                           "(SELECT coalesce(sum(length(samples)) + sum(coalesce(length(cpu_samples), 0)), 0) "
                           "FROM results)",
                           -1, &stmt, NULL) != SQLITE_OK)
        return db_fail(h, "measuring");
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        out->runs = sqlite3_column_int64(stmt, 0);
        out->results = sqlite3_column_int64(stmt, 1);
        out->baselines = sqlite3_column_int64(stmt, 2);
        out->benchmarks = sqlite3_column_int64(stmt, 3);
        out->sample_bytes = sqlite3_column_int64(stmt, 4);
    }
    sqlite3_finalize(stmt);
    if (step != SQLITE_ROW) return db_fail(h, "measuring");
    struct stat info;
    out->file_bytes = stat(h->path, &info) == 0 ? (int64_t)info.st_size : -1;
    return PERFBUDGET_OK;
}

int perfbudget_history_prune(perfbudget_history *h, size_t keep, size_t *deleted) {
    sqlite3_stmt *stmt;
    if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(h, "pruning");
    int ok = sqlite3_prepare_v2(h->db,
                                "DELETE FROM runs WHERE id NOT IN (SELECT id FROM runs ORDER BY id "
                                "DESC LIMIT ?1) AND id NOT IN (SELECT run_id FROM baselines) AND id NOT "
                                "IN (SELECT run_id FROM baseline_modes)",
                                -1, &stmt, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_int64(stmt, 1, (sqlite3_int64)keep);
        ok = sqlite3_step(stmt) == SQLITE_DONE;
        sqlite3_finalize(stmt);
    }
    size_t changes = ok ? (size_t)sqlite3_changes(h->db) : 0;
    ok = ok && sqlite3_exec(h->db,
                            "DELETE FROM benchmarks WHERE id NOT IN (SELECT benchmark_id FROM "
                            "results); COMMIT",
                            NULL, NULL, NULL) == SQLITE_OK;
    if (!ok) {
        int code = db_fail(h, "pruning");
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
        return code;
    }
    if (deleted != NULL) *deleted = changes;
    return PERFBUDGET_OK;
}
