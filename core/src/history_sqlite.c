/* SPDX-License-Identifier: MIT */
/* The history in one SQLite file (WAL, busy timeout): its schema and migrations, and every
 * statement of history_store.h in SQLite's SQL. Every value is bound, never spliced into SQL. */
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

#include "history_store.h"


/* h->db of an SQLite history. */
typedef struct sqlite_store {
    sqlite3 *db;
    int busy_timeout_ms;
    int read_only_errno; /* why the history could only be opened for reading; 0: writable */
} sqlite_store;

static sqlite_store *store(perfbudget_history *h) { return h->db; }

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
    /* 5 -> 6: the time of the interpreter probe timed last before each sample, packed like the
     * samples (NULL: no probe timed, and every result recorded before). */
    "ALTER TABLE results ADD COLUMN probe_samples BLOB;",
};
enum { SCHEMA_VERSION = sizeof migrations / sizeof *migrations };
_Static_assert((int)SCHEMA_VERSION == (int)HISTORY_SCHEMA_VERSION,
               "one schema version for every backend");

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
    const char *detail = sqlite3_errmsg(store(h)->db);
    int code = sqlite3_errcode(store(h)->db);
    /* "disk I/O error" hides the cause; the system's errno names it (a full disk fails the
     * -shm file's growth this way, not as SQLITE_FULL). */
    int error = code == SQLITE_IOERR || code == SQLITE_CANTOPEN ? sqlite3_system_errno(store(h)->db) : 0;
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
                                h->path, what, store(h)->busy_timeout_ms);
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
        int cause = store(h)->read_only_errno ? store(h)->read_only_errno : unwritable(h->path);
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO, "history %s: %s: it is read-only (%s)",
                                h->path, what, cause ? strerror(cause) : detail);
    }
    default:
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO, "history %s: %s: %s", h->path, what,
                                detail);
    }
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
    if (sqlite3_prepare_v2(store(h)->db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
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
    /* A read-only history of schema 4 (before packed samples) or 5 (before probe samples) is
     * read as it is: a view over its results gives every query the columns added since, as
     * their rows would hold them (schema 4's samples are all doubles; no probe samples). A
     * temporary view is the connection's own; the file is not touched. */
    static const char *const read_as_is[SCHEMA_VERSION] = {
        [4] = "CREATE TEMP VIEW results AS SELECT *, 0 AS sample_encoding, NULL AS "
              "probe_samples FROM main.results",
        [5] = "CREATE TEMP VIEW results AS SELECT *, NULL AS probe_samples FROM main.results",
    };
    if (store(h)->read_only_errno != 0 && read_as_is[version] != NULL &&
        sqlite3_exec(store(h)->db, read_as_is[version], NULL, NULL, NULL) == SQLITE_OK)
        return PERFBUDGET_OK;
    if (store(h)->read_only_errno != 0)
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO,
                                "history %s: %s, and read-only (%s)", h->path,
                                version == 0 ? "not a perfbudget history yet"
                                             : "needs its schema upgraded",
                                strerror(store(h)->read_only_errno));
    /* One writer migrates; the others wait on the lock, then find the work done. */
    if (sqlite3_exec(store(h)->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_fail(h, "locking for migration");
    if (sqlite3_prepare_v2(store(h)->db,
                           "SELECT (SELECT user_version FROM pragma_user_version), "
                           "(SELECT count(*) FROM sqlite_master)",
                           -1, &stmt, NULL) != SQLITE_OK) {
        int code = db_fail(h, "reading the schema version");
        sqlite3_exec(store(h)->db, "ROLLBACK", NULL, NULL, NULL);
        return code;
    }
    int objects = 0;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        version = sqlite3_column_int(stmt, 0);
        objects = sqlite3_column_int(stmt, 1);
    }
    sqlite3_finalize(stmt);
    if (version == 0 && objects > 0) {
        sqlite3_exec(store(h)->db, "ROLLBACK", NULL, NULL, NULL);
        return foreign_database(h, objects);
    }
    for (int step = version; step < SCHEMA_VERSION; step++)
        if (sqlite3_exec(store(h)->db, migrations[step], NULL, NULL, NULL) != SQLITE_OK) {
            int code = db_fail(h, "migrating the schema");
            sqlite3_exec(store(h)->db, "ROLLBACK", NULL, NULL, NULL);
            return code;
        }
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", (int)SCHEMA_VERSION);
    if (sqlite3_exec(store(h)->db, pragma, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(store(h)->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        int code = db_fail(h, "migrating the schema");
        sqlite3_exec(store(h)->db, "ROLLBACK", NULL, NULL, NULL);
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
    if (sqlite3_prepare_v2(store(h)->db,
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

/* query: NULL to open the path itself, else the URI query to open it with. Sets *busy when
 * it failed because another connection held a lock. */
static int connect_once(perfbudget_history *h, int flags, const char *query, int *busy) {
    *busy = 0;
    char *uri = NULL;
    if (query != NULL) {
        if ((uri = file_uri(h->path, query)) == NULL)
            return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "history %s: out of memory",
                                    h->path);
        flags |= SQLITE_OPEN_URI;
    }
    int status = sqlite3_open_v2(uri ? uri : h->path, &store(h)->db, flags, NULL);
    free(uri);
    if (status == SQLITE_OK) sqlite3_busy_timeout(store(h)->db, store(h)->busy_timeout_ms);
    /* A new history's pages are 1 KiB, not SQLite's 4 KiB: a result's row (packed samples and
     * metrics, 1 to 2 KiB) left a quarter of each 4 KiB page empty, and a table or index with
     * one row still takes a page. SQLite keeps the size of an existing file (no effect there). */
    if (status == SQLITE_OK && (flags & SQLITE_OPEN_CREATE))
        status = sqlite3_exec(store(h)->db, "PRAGMA page_size=1024", NULL, NULL, NULL);
    int code = status == SQLITE_OK ? check_ours(h) : PERFBUDGET_OK;
    /* WAL: readers never block the writer and never see half a transaction. A reader needs
     * not switch modes: the file says WAL already. */
    if (status == SQLITE_OK && code == PERFBUDGET_OK && (flags & SQLITE_OPEN_READWRITE) &&
        !h->reader)
        status = sqlite3_exec(store(h)->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
    if (status == SQLITE_OK && code == PERFBUDGET_OK)
        status = sqlite3_exec(store(h)->db, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
    if (status != SQLITE_OK)
        code = store(h)->db != NULL ? db_fail(h, "opening")
                             : perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM,
                                                "history %s: out of memory", h->path);
    if (code == PERFBUDGET_OK) code = migrate(h);
    /* A reader that may write (so that SQLite removes its -wal and -shm on closing) still
     * writes nothing. */
    if (code == PERFBUDGET_OK && h->reader && (flags & SQLITE_OPEN_READWRITE) &&
        sqlite3_exec(store(h)->db, "PRAGMA query_only=1", NULL, NULL, NULL) != SQLITE_OK)
        code = db_fail(h, "opening");
    if (code != PERFBUDGET_OK) {
        int error = store(h)->db != NULL ? sqlite3_errcode(store(h)->db) & 0xff : SQLITE_OK;
        *busy = error == SQLITE_BUSY || error == SQLITE_LOCKED;
        sqlite3_close(store(h)->db);
        store(h)->db = NULL;
    }
    return code;
}

/* Opening takes locks the busy timeout does not always wait for: several processes opening
 * a new history at once race to create it and switch it to WAL, and SQLite answers some of
 * them SQLITE_BUSY at once rather than risk a deadlock (8 CLI writers on one new file saw
 * it). Such an opening is tried again, 5-25 ms later, until the busy timeout has passed. */
static int connect_database(perfbudget_history *h, int flags, const char *query) {
    uint64_t give_up = perfbudget__monotonic_ns() +
                       UINT64_C(1000000) * (uint64_t)store(h)->busy_timeout_ms;
    for (unsigned attempt = 1;; attempt++) {
        int busy;
        int code = connect_once(h, flags, query, &busy);
        if (code == PERFBUDGET_OK || !busy || perfbudget__monotonic_ns() >= give_up) return code;
        /* Staggered by process, so that the racers do not meet again. */
        long pause_ms = 5 + (long)((unsigned)getpid() * 7919u + attempt * 104729u) % 21;
        struct timespec pause = {0, pause_ms * 1000000L};
        nanosleep(&pause, NULL);
    }
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
    store(h)->read_only_errno = cause;
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

static const history_backend sqlite_backend;

int perfbudget__history_sqlite_open(perfbudget_history *h) {
    int exists, code = check_path(h->ctx, h->path, &exists);
    if (code != PERFBUDGET_OK) return code;
    if (h->reader && !exists)
        return perfbudget__fail(h->ctx, PERFBUDGET_ENOTFOUND,
                                "history %s does not exist (no run has been recorded there)",
                                h->path);
    sqlite_store *s = calloc(1, sizeof *s);
    if (s == NULL)
        return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "history_open: out of memory");
    h->db = s;
    h->backend = &sqlite_backend;
    if (busy_timeout(h->ctx, &s->busy_timeout_ms) != PERFBUDGET_OK) return PERFBUDGET_EINVAL;
    if (h->reader) return connect_reader(h);
    if (make_parent_directories(h->path) != 0)
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO,
                                "history %s: cannot create its directory: %s", h->path,
                                strerror(errno));
    code = connect_database(h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    int error = code == PERFBUDGET_OK ? 0 : unwritable(h->path);
    if (error != 0 && access(h->path, F_OK) != 0) {
        code = perfbudget__fail(h->ctx, PERFBUDGET_EIO, "history %s: cannot create it: %s",
                                h->path, strerror(error));
    } else if (error != 0) {
        /* A read-only file or file system (a mounted checkout, an archived CI workspace) still
         * serves reports and trends; writing fails later, saying why. */
        code = connect_reader(h);
    }
    return code;
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


#define RESULT_COLUMNS \
    "b.name, b.identity, r.status, r.message, r.samples, r.metrics, r.custom_metrics, r.stages, " \
    "r.cpu_samples, r.sample_encoding, r.probe_samples"

static const char *const statements[HISTORY_SQL_COUNT] = {
    [HISTORY_INSERT_RUN] = "INSERT INTO runs(created_ns, source, git_commit, branch, dirty, "
                           "environment) VALUES(?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
    [HISTORY_INSERT_BENCHMARK] = "INSERT INTO benchmarks(name, identity) VALUES(?1, ?2) "
                                 "ON CONFLICT(name, identity) DO UPDATE SET name = excluded.name "
                                 "RETURNING id",
    [HISTORY_INSERT_RESULT] =
        "INSERT INTO results(run_id, benchmark_id, status, message, n, median, p95, samples, "
        "metrics, custom_metrics, verdict, stages, cpu_samples, sample_encoding, probe_samples) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    [HISTORY_RUNS_NEWEST] =
        "SELECT r.id, r.created_ns, r.source, r.git_commit, r.branch, r.dirty, r.environment, "
        "(SELECT count(*) FROM results WHERE run_id = r.id) FROM runs r "
        "ORDER BY r.id DESC LIMIT ?1",
    [HISTORY_RUN] =
        "SELECT r.id, r.created_ns, r.source, r.git_commit, r.branch, r.dirty, r.environment, "
        "(SELECT count(*) FROM results WHERE run_id = r.id) FROM runs r WHERE r.id = ?1",
    [HISTORY_RESULTS_OF_RUN] = "SELECT " RESULT_COLUMNS " FROM results r JOIN benchmarks b ON "
                               "b.id = r.benchmark_id WHERE r.run_id = ?1 ORDER BY b.name",
    /* Per benchmark, its results newest first (results_series) up to the first of this
     * environment and branch: the cost follows the benchmarks, not the runs (a pass over the
     * runs of this environment took 700 ms at 100,000 runs). */
    [HISTORY_LATEST_RESULTS] =
        "SELECT " RESULT_COLUMNS " FROM benchmarks b JOIN results r ON "
        "r.benchmark_id = b.id AND r.run_id = (SELECT x.run_id FROM results x "
        "JOIN runs u ON u.id = x.run_id WHERE x.benchmark_id = b.id AND "
        "u.environment = ?1 AND u.branch IS ?2 ORDER BY x.run_id DESC LIMIT 1) "
        "ORDER BY b.name",
    [HISTORY_BASELINE_RESULTS] =
        "SELECT " RESULT_COLUMNS " FROM baseline_modes m JOIN results r ON "
        "r.run_id = m.run_id JOIN benchmarks b ON b.id = r.benchmark_id "
        "WHERE m.name = ?1 AND " MODE_OF_IDENTITY " = m.mode ORDER BY b.name",
    [HISTORY_RUN_LEVELS] =
        "SELECT median, metrics, samples, sample_encoding FROM (SELECT r.run_id, r.median, "
        "r.metrics, CASE WHEN ?7 = 1 THEN r.samples END AS samples, r.sample_encoding FROM "
        "results r JOIN benchmarks b ON b.id = r.benchmark_id JOIN runs u ON "
        "u.id = r.run_id WHERE b.name = ?1 AND b.identity = ?2 AND "
        SAME_RUNNER_TYPE("u.environment", "?3")
        " AND u.branch IS ?4 AND r.status = 'ok' AND "
        "(?6 = 0 OR r.run_id <= ?6) ORDER BY r.run_id DESC LIMIT ?5) "
        "ORDER BY run_id",
    [HISTORY_LATEST_RUN] = "SELECT id FROM runs WHERE environment = ?1 AND branch IS ?2 "
                           "ORDER BY id DESC LIMIT 1",
    [HISTORY_RUN_OF_COMMIT] = "SELECT id FROM runs WHERE git_commit = ?1 AND "
                              SAME_RUNNER_TYPE("environment", "?2") " ORDER BY id DESC LIMIT 1",
    [HISTORY_BASELINE_RUN] = "SELECT run_id FROM baselines WHERE name = ?1",
    [HISTORY_NEWEST_RUN] = "SELECT max(id) FROM runs HAVING max(id) IS NOT NULL",
    [HISTORY_SAVE_BASELINE] = "INSERT INTO baselines(name, run_id, created_ns) VALUES(?1, ?2, ?3) "
                              "ON CONFLICT(name) DO UPDATE SET run_id = excluded.run_id, "
                              "created_ns = excluded.created_ns",
    [HISTORY_SAVE_BASELINE_MODES] =
        "INSERT INTO baseline_modes(name, mode, run_id) SELECT DISTINCT ?1, "
        MODE_OF_IDENTITY ", ?2 FROM results r JOIN benchmarks b ON b.id = "
        "r.benchmark_id WHERE r.run_id = ?2 ON CONFLICT(name, mode) DO UPDATE "
        "SET run_id = excluded.run_id",
    [HISTORY_BASELINES] = "SELECT name, run_id, created_ns FROM baselines ORDER BY name",
    [HISTORY_BENCHMARK_VERSIONS] = "SELECT id FROM benchmarks WHERE name = ?1 ORDER BY identity",
    /* Walks the index results_series backwards, which holds every column it reads; the limit
     * and since_ns (?2, ?3) are applied by the caller, which stops stepping at its window. */
    [HISTORY_SERIES_RESULTS] = "SELECT run_id, median, p95, n FROM results WHERE benchmark_id = "
                               "?1 AND status = 'ok' ORDER BY benchmark_id DESC, run_id DESC",
    /* Every run: a walk of the table beside the results (?2, the benchmark, is not used). */
    [HISTORY_SERIES_RUNS] = "SELECT id, created_ns, git_commit, environment FROM runs "
                            "WHERE id <= ?1 ORDER BY id DESC",
    [HISTORY_BENCHMARK_NAMES] = "SELECT DISTINCT name FROM benchmarks ORDER BY name",
    [HISTORY_RUNNER_TYPES] =
        "SELECT " RUNNER_TYPE_OF("environment") " AS type, count(*), "
        "count(DISTINCT CASE WHEN substr(environment, 1, 5) = 'host=' THEN "
        "substr(environment, 1, instr(environment || '; ', '; ')) ELSE '' "
        "END), max(id) FROM runs WHERE ?1 IS NULL OR git_commit = ?1 "
        "GROUP BY type ORDER BY max(id) DESC",
    [HISTORY_MEASURE] =
        "SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM results), "
        "(SELECT count(*) FROM baselines), (SELECT count(*) FROM benchmarks), "
        "(SELECT coalesce(sum(length(samples)) + sum(coalesce(length(cpu_samples), 0)) + "
        "sum(coalesce(length(probe_samples), 0)), 0) FROM results)",
    [HISTORY_PRUNE_RUNS] =
        "DELETE FROM runs WHERE id NOT IN (SELECT id FROM runs ORDER BY id "
        "DESC LIMIT ?1) AND id NOT IN (SELECT run_id FROM baselines) AND id NOT "
        "IN (SELECT run_id FROM baseline_modes)",
    [HISTORY_PRUNE_BENCHMARKS] =
        "DELETE FROM benchmarks WHERE id NOT IN (SELECT benchmark_id FROM results)",
    [HISTORY_RUNS_AFTER] = "SELECT id, created_ns, source, git_commit, branch, dirty, environment "
                           "FROM runs WHERE id > ?1 ORDER BY id LIMIT 256",
    [HISTORY_RAW_RESULTS] =
        "SELECT b.name, b.identity, r.status, r.message, r.n, r.median, r.p95, r.samples, "
        "r.metrics, r.custom_metrics, r.verdict, r.stages, r.cpu_samples, r.sample_encoding, "
        "r.probe_samples FROM results r JOIN benchmarks b ON b.id = r.benchmark_id "
        "WHERE r.run_id = ?1 ORDER BY b.name, b.identity",
    [HISTORY_RUN_BY_KEY] = "SELECT id FROM runs WHERE created_ns = ?1 AND source = ?2 AND "
                           "git_commit IS ?3 AND branch IS ?4 AND environment = ?5",
    [HISTORY_BASELINE_MODES] = "SELECT name, mode, run_id FROM baseline_modes ORDER BY name, mode",
    [HISTORY_COPY_BASELINE_MODE] = "INSERT INTO baseline_modes(name, mode, run_id) "
                                   "VALUES(?1, ?2, ?3) ON CONFLICT(name, mode) DO UPDATE "
                                   "SET run_id = excluded.run_id",
    /* BEGIN IMMEDIATE took the write lock already: nothing to hold. */
    [HISTORY_LOCK_RUN_KEY] = "SELECT ?1",
};

/* A statement is SQLite's own, so that a trend's thousands of steps cost no more than before. */
static sqlite3_stmt *raw(history_statement *s) { return (sqlite3_stmt *)s; }

/* IMMEDIATE takes the write lock up front, so concurrent writers queue on the busy timeout
 * instead of failing halfway. */
static int sqlite_begin(perfbudget_history *h) {
    return sqlite3_exec(store(h)->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK
               ? PERFBUDGET_OK
               : PERFBUDGET_EIO;
}

static int sqlite_commit(perfbudget_history *h) {
    return sqlite3_exec(store(h)->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? PERFBUDGET_OK
                                                                               : PERFBUDGET_EIO;
}

static void sqlite_rollback(perfbudget_history *h) {
    sqlite3_exec(store(h)->db, "ROLLBACK", NULL, NULL, NULL);
}

static int sqlite_prepare(perfbudget_history *h, history_sql which, history_statement **out) {
    sqlite3_stmt *stmt = NULL;
    int status = sqlite3_prepare_v2(store(h)->db, statements[which], -1, &stmt, NULL);
    *out = (history_statement *)stmt;
    return status == SQLITE_OK ? PERFBUDGET_OK : PERFBUDGET_EIO;
}

static void sqlite_reset(history_statement *s) { sqlite3_reset(raw(s)); }
static void sqlite_finalize(history_statement *s) { sqlite3_finalize(raw(s)); }

/* A parameter the statement does not name is left out, as the statements of history_store.h
 * allow (checked first: SQLite would format an error message for it, on every seek of a trend). */
static void sqlite_bind_int64(history_statement *s, int index, int64_t value) {
    if (index <= sqlite3_bind_parameter_count(raw(s))) sqlite3_bind_int64(raw(s), index, value);
}

static void sqlite_bind_double(history_statement *s, int index, double value) {
    if (isnan(value)) sqlite3_bind_null(raw(s), index);
    else sqlite3_bind_double(raw(s), index, value);
}

static void sqlite_bind_text(history_statement *s, int index, const char *value) {
    sqlite3_bind_text(raw(s), index, value, -1, SQLITE_STATIC);
}

static void sqlite_bind_blob(history_statement *s, int index, const void *value, size_t size) {
    if (value == NULL) sqlite3_bind_null(raw(s), index);
    else sqlite3_bind_blob(raw(s), index, value, (int)size, SQLITE_STATIC);
}

static int sqlite_step(history_statement *s) {
    int step = sqlite3_step(raw(s));
    return step == SQLITE_ROW          ? HISTORY_ROW
           : step == SQLITE_DONE       ? HISTORY_DONE
           : step == SQLITE_CONSTRAINT ? HISTORY_DUPLICATE
                                       : HISTORY_ERROR;
}

static int sqlite_is_null(history_statement *s, int column) {
    return sqlite3_column_type(raw(s), column) == SQLITE_NULL;
}

static int64_t sqlite_column_int64(history_statement *s, int column) {
    return sqlite3_column_int64(raw(s), column);
}

static double sqlite_column_double(history_statement *s, int column) {
    if (sqlite3_column_type(raw(s), column) == SQLITE_NULL) return NAN;
    return sqlite3_column_double(raw(s), column);
}

static const char *sqlite_column_text(history_statement *s, int column) {
    return (const char *)sqlite3_column_text(raw(s), column);
}

static const unsigned char *sqlite_column_blob(history_statement *s, int column, size_t *size) {
    const unsigned char *blob = sqlite3_column_blob(raw(s), column);
    *size = (size_t)sqlite3_column_bytes(raw(s), column);
    return blob;
}

static int64_t sqlite_changes(perfbudget_history *h) { return sqlite3_changes(store(h)->db); }

static int64_t sqlite_stored_bytes(perfbudget_history *h) {
    struct stat info;
    return stat(h->path, &info) == 0 ? (int64_t)info.st_size : -1;
}

static void sqlite_close(perfbudget_history *h) {
    if (store(h) == NULL) return;
    sqlite3_close(store(h)->db);
    free(store(h));
}

static const history_backend sqlite_backend = {
    .name = "sqlite",
    .series_seek_gap = 32, /* runs the run cursor walks before a seek is cheaper */
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .prepare = sqlite_prepare,
    .reset = sqlite_reset,
    .finalize = sqlite_finalize,
    .bind_int64 = sqlite_bind_int64,
    .bind_double = sqlite_bind_double,
    .bind_text = sqlite_bind_text,
    .bind_blob = sqlite_bind_blob,
    .step = sqlite_step,
    .is_null = sqlite_is_null,
    .column_int64 = sqlite_column_int64,
    .column_double = sqlite_column_double,
    .column_text = sqlite_column_text,
    .column_blob = sqlite_column_blob,
    .changes = sqlite_changes,
    .stored_bytes = sqlite_stored_bytes,
    .fail = db_fail,
    .close = sqlite_close,
};
