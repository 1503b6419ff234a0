/* SPDX-License-Identifier: MIT */
/* The history: runs appended in one transaction each, and what reads them (baselines, steps,
 * trends), over the storage interface of history_store.h. Which database holds it (an SQLite
 * file, or PostgreSQL) is the backend's business: no SQL here. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fnmatch.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "history_store.h"

static int64_t wall_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int perfbudget_history_is_database(const char *location) {
    return location != NULL &&
           (strncmp(location, "postgresql://", 13) == 0 ||
            strncmp(location, "postgres://", 11) == 0);
}

char *perfbudget_history_shown_location(const char *location) {
    if (!perfbudget_history_is_database(location)) return perfbudget__strdup(location);
    /* Each password becomes "***": room for a shorter one growing to that, however many. */
    size_t length = strlen(location);
    char *shown = malloc(2 * length + 8);
    if (shown == NULL) return NULL;
    memcpy(shown, location, length + 1);
    /* postgresql://user:password@host/...: the password runs from the first ':' after the
     * scheme to the last '@' of the authority. A password given as ?password=... goes too. */
    char *authority = strstr(shown, "://") + 3;
    char *end = authority + strcspn(authority, "/?");
    char *at = NULL;
    for (char *p = authority; p < end; p++)
        if (*p == '@') at = p;
    char *colon = at != NULL ? memchr(authority, ':', (size_t)(at - authority)) : NULL;
    if (colon != NULL) {
        memmove(colon + 4, at, strlen(at) + 1);
        memcpy(colon, ":***", 4);
    }
    for (char *p = strchr(shown, '?'); p != NULL; p = strchr(p + 1, '&')) {
        char *key = p + 1;
        if (strncmp(key, "password=", 9) != 0) continue;
        char *value = key + 9, *after = value + strcspn(value, "&");
        memmove(value + 3, after, strlen(after) + 1);
        memcpy(value, "***", 3);
    }
    return shown;
}

static int open_history(perfbudget_context *ctx, const char *location, int reader,
                        perfbudget_history **out) {
    if (location == NULL || out == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "history_open: NULL argument");
    *out = NULL;
    perfbudget_history *h = calloc(1, sizeof *h);
    if (h == NULL || (h->path = perfbudget_history_shown_location(location)) == NULL) {
        free(h);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "history_open: out of memory");
    }
    h->ctx = ctx;
    h->reader = reader;
    int code = perfbudget_history_is_database(location)
                   ? perfbudget__history_postgresql_open(h, location)
                   : perfbudget__history_sqlite_open(h);
    if (code != PERFBUDGET_OK) {
        perfbudget_history_free(h);
        return code;
    }
    *out = h;
    return PERFBUDGET_OK;
}

int perfbudget_history_new(perfbudget_context *ctx, const char *path, perfbudget_history **out) {
    return open_history(ctx, path, 0, out);
}

int perfbudget_history_new_read_only(perfbudget_context *ctx, const char *path,
                                     perfbudget_history **out) {
    return open_history(ctx, path, 1, out);
}

void perfbudget_history_free(perfbudget_history *history) {
    if (history == NULL) return;
    if (history->backend != NULL) history->backend->close(history);
    free(history->path);
    free(history);
}

/* The backend's operations, named as history.c uses them. */
static int db_fail(perfbudget_history *h, const char *what) { return h->backend->fail(h, what); }

static int prepare(perfbudget_history *h, history_sql which, history_statement **out) {
    return h->backend->prepare(h, which, out);
}

static int next_row(perfbudget_history *h, history_statement *s) { return h->backend->step(s); }
static void reset(perfbudget_history *h, history_statement *s) { h->backend->reset(s); }

static void finalize(perfbudget_history *h, history_statement *s) {
    if (s != NULL) h->backend->finalize(s);
}

static void bind_int64(perfbudget_history *h, history_statement *s, int index, int64_t value) {
    h->backend->bind_int64(s, index, value);
}

static void bind_double(perfbudget_history *h, history_statement *s, int index, double value) {
    h->backend->bind_double(s, index, value);
}

static void bind_text(perfbudget_history *h, history_statement *s, int index, const char *value) {
    h->backend->bind_text(s, index, value);
}

static void bind_blob(perfbudget_history *h, history_statement *s, int index, const void *value,
                      size_t size) {
    h->backend->bind_blob(s, index, value, size);
}

static int is_null(perfbudget_history *h, history_statement *s, int column) {
    return h->backend->is_null(s, column);
}

static int64_t column_int64(perfbudget_history *h, history_statement *s, int column) {
    return h->backend->column_int64(s, column);
}

static double column_double(perfbudget_history *h, history_statement *s, int column) {
    return h->backend->column_double(s, column);
}

static const char *column_text(perfbudget_history *h, history_statement *s, int column) {
    return h->backend->column_text(s, column);
}

static const unsigned char *column_blob(perfbudget_history *h, history_statement *s, int column,
                                        size_t *size) {
    return h->backend->column_blob(s, column, size);
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
    history_statement *stmt;
    int64_t id = -1;
    if (prepare(h, HISTORY_INSERT_BENCHMARK, &stmt) != PERFBUDGET_OK)
        return -1;
    bind_text(h, stmt, 1, name);
    bind_text(h, stmt, 2, identity);
    if (next_row(h, stmt) == HISTORY_ROW) id = column_int64(h, stmt, 0);
    finalize(h, stmt);
    return id;
}

static int insert_result(perfbudget_history *h, history_statement *stmt, int64_t run_id,
                         const perfbudget_result *r) {
    int64_t bench = benchmark_id(h, perfbudget_result_name(r), perfbudget_result_identity(r));
    if (bench < 0) return db_fail(h, "recording a benchmark");
    size_t n, cpu_n, probe_n;
    const double *samples = perfbudget_result_samples(r, &n);
    const double *cpu_samples = perfbudget_result_cpu_samples(r, &cpu_n);
    const double *probe_samples = perfbudget_result_probe_samples(r, &probe_n);
    size_t blob_size = 0, cpu_blob_size = 0, probe_blob_size = 0;
    uint64_t per_sample = perfbudget_result_metrics(r)->iterations_per_sample;
    unsigned char *blob = pack_samples(samples, n, per_sample, &blob_size);
    unsigned char *cpu_blob =
        cpu_samples != NULL ? pack_samples(cpu_samples, cpu_n, per_sample, &cpu_blob_size) : NULL;
    /* A probe sample is one timing of the probe, not a batch's time over its iterations. */
    unsigned char *probe_blob =
        probe_samples != NULL ? pack_samples(probe_samples, probe_n, 1, &probe_blob_size) : NULL;
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
        (timed->stage_count > 0 && stages_text == NULL) ||
        (cpu_samples != NULL && cpu_blob == NULL) ||
        (probe_samples != NULL && probe_blob == NULL)) {
        code = perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "history: out of memory");
    } else {
        const perfbudget_summary *s = perfbudget_result_summary(r);
        static const char *const statuses[] = {"ok", "failed", "skipped"};
        const char *verdict = verdict_of(r);
        reset(h, stmt);
        bind_int64(h, stmt, 1, run_id);
        bind_int64(h, stmt, 2, bench);
        bind_text(h, stmt, 3, statuses[perfbudget_result_status(r)]);
        bind_text(h, stmt, 4, perfbudget_result_message(r));
        bind_int64(h, stmt, 5, (int64_t)n);
        bind_double(h, stmt, 6, s->median);
        bind_double(h, stmt, 7, s->p95);
        bind_blob(h, stmt, 8, blob, blob_size);
        bind_text(h, stmt, 9, metrics_text);
        bind_text(h, stmt, 10, custom_text);
        bind_text(h, stmt, 11, verdict);
        bind_text(h, stmt, 12, stages_text);
        bind_blob(h, stmt, 13, cpu_blob, cpu_blob_size);
        bind_int64(h, stmt, 14, 1); /* packed (pack_samples()) */
        bind_blob(h, stmt, 15, probe_blob, probe_blob_size);
        int step = next_row(h, stmt);
        if (step == HISTORY_DUPLICATE)
            code = perfbudget__fail(h->ctx, PERFBUDGET_EINVAL,
                                    "history: benchmark '%s' appears twice in one run",
                                    perfbudget_result_name(r));
        else if (step != HISTORY_DONE)
            code = db_fail(h, "recording a result");
    }
    free(blob);
    free(cpu_blob);
    free(probe_blob);
    free(metrics_text);
    free(custom_text);
    free(stages_text);
    return code;
}

/* A run's own columns, as HISTORY_INSERT_RUN takes them (HISTORY_RUN_BY_KEY: all but dirty,
 * in the same order). */
typedef struct run_columns {
    int64_t created_ns, dirty;
    const char *source, *commit, *branch, *environment;
} run_columns;

/* Binds r to HISTORY_INSERT_RUN (with_dirty) or HISTORY_RUN_BY_KEY. */
static void bind_run(perfbudget_history *h, history_statement *stmt, const run_columns *r,
                     int with_dirty) {
    int at = 1;
    bind_int64(h, stmt, at++, r->created_ns);
    bind_text(h, stmt, at++, r->source);
    bind_text(h, stmt, at++, r->commit);
    bind_text(h, stmt, at++, r->branch);
    if (with_dirty) bind_int64(h, stmt, at++, r->dirty);
    bind_text(h, stmt, at, r->environment);
}

/* Inside a write transaction: the run of r's key, if there is one, in *id (*found 1 or 0),
 * with the key held against other writers until the transaction ends. */
static int find_run(perfbudget_history *h, const run_columns *r, int64_t *id, int *found) {
    history_statement *stmt;
    *found = 0;
    if (prepare(h, HISTORY_LOCK_RUN_KEY, &stmt) != PERFBUDGET_OK)
        return db_fail(h, "looking up a run");
    bind_int64(h, stmt, 1, r->created_ns);
    int step = next_row(h, stmt);
    finalize(h, stmt);
    if (step != HISTORY_ROW && step != HISTORY_DONE) return db_fail(h, "looking up a run");
    if (prepare(h, HISTORY_RUN_BY_KEY, &stmt) != PERFBUDGET_OK)
        return db_fail(h, "looking up a run");
    bind_run(h, stmt, r, 0);
    step = next_row(h, stmt);
    if (step == HISTORY_ROW) *id = column_int64(h, stmt, 0), *found = 1;
    finalize(h, stmt);
    return step == HISTORY_ROW || step == HISTORY_DONE ? PERFBUDGET_OK
                                                       : db_fail(h, "looking up a run");
}

/* Inside a write transaction: r as a new run, its id in *id. */
static int insert_run(perfbudget_history *h, const run_columns *r, int64_t *id) {
    history_statement *stmt;
    if (prepare(h, HISTORY_INSERT_RUN, &stmt) != PERFBUDGET_OK)
        return db_fail(h, "preparing a run");
    bind_run(h, stmt, r, 1);
    int step = next_row(h, stmt);
    if (step == HISTORY_ROW) *id = column_int64(h, stmt, 0);
    finalize(h, stmt);
    return step == HISTORY_ROW ? PERFBUDGET_OK : db_fail(h, "recording a run");
}

/* A run and its results in one transaction; once: not when its key is there already. */
static int add_run(perfbudget_history *h, const perfbudget_run_info *info, int64_t created_ns,
                   perfbudget_result *const *results, size_t count, int once, int64_t *run_id,
                   int *was_there) {
    if (h == NULL || info == NULL || (results == NULL && count > 0))
        return perfbudget__fail(h ? h->ctx : NULL, PERFBUDGET_EINVAL, "add_run: NULL argument");
    char fingerprint[512];
    run_columns run = {
        .created_ns = created_ns != 0 ? created_ns : wall_ns(),
        .dirty = info->dirty != 0,
        .source = info->source ? info->source : "unknown",
        .commit = info->commit,
        .branch = info->branch,
        .environment = info->environment ? info->environment
                                         : perfbudget_environment_fingerprint(NULL, fingerprint,
                                                                              sizeof fingerprint)};
    /* The lock is taken up front, so concurrent writers queue instead of failing halfway. */
    if (h->backend->begin(h) != PERFBUDGET_OK) return db_fail(h, "starting a run");
    int64_t id = 0;
    int found = 0, code = once ? find_run(h, &run, &id, &found) : PERFBUDGET_OK;
    if (code == PERFBUDGET_OK && !found) code = insert_run(h, &run, &id);
    history_statement *result = NULL;
    if (code == PERFBUDGET_OK && !found && count > 0 &&
        prepare(h, HISTORY_INSERT_RESULT, &result) != PERFBUDGET_OK)
        code = db_fail(h, "preparing a run");
    for (size_t i = 0; code == PERFBUDGET_OK && !found && i < count; i++)
        code = insert_result(h, result, id, results[i]);
    finalize(h, result);
    if (code == PERFBUDGET_OK && h->backend->commit(h) != PERFBUDGET_OK)
        code = db_fail(h, "committing a run");
    if (code != PERFBUDGET_OK) {
        h->backend->rollback(h);
        return code;
    }
    if (run_id != NULL) *run_id = id;
    if (was_there != NULL) *was_there = found;
    return PERFBUDGET_OK;
}

int perfbudget_history_add_run(perfbudget_history *h, const perfbudget_run_info *info,
                               perfbudget_result *const *results, size_t count, int64_t *run_id) {
    return add_run(h, info, 0, results, count, 0, run_id, NULL);
}

int perfbudget_history_add_run_at(perfbudget_history *h, const perfbudget_run_info *info,
                                   int64_t created_ns, perfbudget_result *const *results,
                                   size_t count, int64_t *run_id) {
    return add_run(h, info, created_ns, results, count, 0, run_id, NULL);
}

int perfbudget__history_add_run_once(perfbudget_history *h, const perfbudget_run_info *info,
                                     int64_t created_ns, perfbudget_result *const *results,
                                     size_t count, int64_t *run_id, int *was_there) {
    return add_run(h, info, created_ns, results, count, 1, run_id, was_there);
}

/* ---- reading ------------------------------------------------------------------------------------ */

/* Text of a run record (commit, branch, ...): valid UTF-8 however it was stored, cut at a
 * whole character, so that every record can be written to JSON. */
static void copy_text(char *out, size_t size, const char *given) {
    const unsigned char *text = (const unsigned char *)given;
    /* ASCII that fits (a commit hash, a branch) is copied as it is: a trend copies one per run. */
    size_t length = 0;
    while (text != NULL && length < size && text[length] != '\0' && text[length] < 0x80) length++;
    if (text != NULL && length < size && text[length] == '\0') {
        memcpy(out, text, length + 1);
        return;
    }
    perfbudget__copy_utf8(out, size, (const char *)text);
}

/* A row of HISTORY_RUN or HISTORY_RUNS_NEWEST. */
static void read_run(perfbudget_history *h, history_statement *stmt, perfbudget_run_record *out) {
    out->id = column_int64(h, stmt, 0);
    out->created_ns = column_int64(h, stmt, 1);
    copy_text(out->source, sizeof out->source, column_text(h, stmt, 2));
    copy_text(out->commit, sizeof out->commit, column_text(h, stmt, 3));
    copy_text(out->branch, sizeof out->branch, column_text(h, stmt, 4));
    out->dirty = column_int64(h, stmt, 5);
    copy_text(out->environment, sizeof out->environment, column_text(h, stmt, 6));
    out->result_count = (size_t)column_int64(h, stmt, 7);
}

int perfbudget_history_runs(perfbudget_history *h, perfbudget_run_record *records,
                            size_t capacity, size_t *count) {
    history_statement *stmt;
    if (prepare(h, HISTORY_RUNS_NEWEST, &stmt) != PERFBUDGET_OK)
        return db_fail(h, "listing runs");
    bind_int64(h, stmt, 1, (int64_t)capacity);
    *count = 0;
    int step;
    while ((step = next_row(h, stmt)) == HISTORY_ROW) read_run(h, stmt, &records[(*count)++]);
    finalize(h, stmt);
    return step == HISTORY_DONE ? PERFBUDGET_OK : db_fail(h, "listing runs");
}

int perfbudget_history_run(perfbudget_history *h, int64_t run_id, perfbudget_run_record *out) {
    history_statement *stmt;
    if (prepare(h, HISTORY_RUN, &stmt) != PERFBUDGET_OK)
        return db_fail(h, "reading a run");
    bind_int64(h, stmt, 1, run_id);
    int step = next_row(h, stmt);
    if (step == HISTORY_ROW) read_run(h, stmt, out);
    finalize(h, stmt);
    if (step == HISTORY_ROW) return PERFBUDGET_OK;
    if (step == HISTORY_DONE)
        return perfbudget__fail(h->ctx, PERFBUDGET_ENOTFOUND, "history %s has no run %lld",
                                h->path, (long long)run_id);
    return db_fail(h, "reading a run");
}

/* The values of column, one per sample beside n samples (CPU samples, probe samples; what
 * names them), into *out: NULL where the column is NULL; another count than the samples' is
 * damage. */
static int load_per_sample(perfbudget_history *h, history_statement *stmt, int column,
                           int encoding, size_t n, const char *name, const char *what,
                           double **out) {
    *out = NULL;
    if (is_null(h, stmt, column)) return PERFBUDGET_OK;
    size_t bytes, count = 0;
    const unsigned char *blob = column_blob(h, stmt, column, &bytes);
    int unpacked = unpack_samples(blob, bytes, encoding, out, &count);
    if (unpacked == -2) return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
    if (unpacked == 0 && count == n) return PERFBUDGET_OK;
    free(*out);
    *out = NULL;
    return perfbudget__fail(h->ctx, PERFBUDGET_EIO,
                            "history %s: damaged %s of %s (%zu bytes for %zu samples)", h->path,
                            what, name ? name : "(no name)", bytes, n);
}

/* r's CPU samples (column 8; NULL when not measured) and probe samples (column 10; NULL when
 * no probe was timed: a C front end, a result recorded before schema 6), from a row of its n
 * samples. */
static int load_per_sample_columns(perfbudget_history *h, history_statement *stmt, int encoding,
                                   size_t n, const char *name, perfbudget_result *r) {
    double *cpu = NULL, *probe = NULL;
    int code = load_per_sample(h, stmt, 8, encoding, n, name, "CPU samples", &cpu);
    if (code == PERFBUDGET_OK && cpu != NULL)
        code = perfbudget_result_set_cpu_samples(h->ctx, r, cpu, n);
    if (code == PERFBUDGET_OK)
        code = load_per_sample(h, stmt, 10, encoding, n, name, "probe samples", &probe);
    if (code == PERFBUDGET_OK && probe != NULL)
        code = perfbudget_result_set_probe_samples(h->ctx, r, probe, n);
    free(cpu);
    free(probe);
    return code;
}

/* A row of HISTORY_RESULTS_OF_RUN, _LATEST_RESULTS or _BASELINE_RESULTS: name, identity,
 * status, message, samples, metrics, custom metrics, stages, CPU samples, sample encoding,
 * probe samples. */
static int load_result(perfbudget_history *h, history_statement *stmt, perfbudget_result **out) {
    const char *name = column_text(h, stmt, 0);
    const char *identity = column_text(h, stmt, 1);
    const char *status = column_text(h, stmt, 2);
    const char *message = column_text(h, stmt, 3);
    int encoding = column_int64(h, stmt, 9);
    size_t blob_size, n = 0;
    const unsigned char *blob = column_blob(h, stmt, 4, &blob_size);
    double *samples;
    int unpacked = unpack_samples(blob, blob_size, encoding, &samples, &n);
    if (unpacked == -2) return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
    if (unpacked != 0)
        return perfbudget__fail(h->ctx, PERFBUDGET_EIO, "history %s: damaged samples of %s",
                                h->path, name ? name : "(no name)");
    json_t *metrics_json = json_loads(column_text(h, stmt, 5), 0, NULL);
    json_t *custom_json = json_loads(column_text(h, stmt, 6), 0, NULL);
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
    const char *stages_text = column_text(h, stmt, 7);
    json_t *stages_json = stages_text ? json_loads(stages_text, 0, NULL) : NULL;
    char why[PERFBUDGET__MESSAGE_SIZE];
    if (code == PERFBUDGET_OK &&
        ((stages_text != NULL && stages_json == NULL) ||
         perfbudget__stages_from_json(stages_json, NULL, perfbudget__result_stages(*out), why,
                                      sizeof why) != 0))
        code = perfbudget__fail(h->ctx, PERFBUDGET_EIO, "history %s: damaged stages of %s",
                                h->path, name);
    if (code == PERFBUDGET_OK) code = load_per_sample_columns(h, stmt, encoding, n, name, *out);
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
    history_statement *stmt;
    if (prepare(h, HISTORY_RESULTS_OF_RUN, &stmt) != PERFBUDGET_OK)
        return db_fail(h, "reading results");
    bind_int64(h, stmt, 1, run_id);
    perfbudget_result **results = calloc(record.result_count + 1, sizeof *results);
    size_t loaded = 0;
    int step = HISTORY_DONE;
    if (results == NULL) code = perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
    while (code == PERFBUDGET_OK && loaded < record.result_count &&
           (step = next_row(h, stmt)) == HISTORY_ROW)
        code = load_result(h, stmt, &results[loaded++]);
    if (code == PERFBUDGET_OK && step != HISTORY_ROW && step != HISTORY_DONE)
        code = db_fail(h, "reading results");
    finalize(h, stmt);
    if (code != PERFBUDGET_OK) {
        perfbudget_results_free(results, loaded);
        return code;
    }
    *out = results;
    *count = loaded;
    return PERFBUDGET_OK;
}

/* Every row of a prepared query of load_result()'s columns, as results; finalizes stmt. */
static int load_rows(perfbudget_history *h, history_statement *stmt, const char *doing,
                     perfbudget_result ***out, size_t *count) {
    size_t n = 0, capacity = 16;
    perfbudget_result **results = malloc(capacity * sizeof *results);
    int code = results ? PERFBUDGET_OK : perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
    int step = HISTORY_DONE;
    while (code == PERFBUDGET_OK && (step = next_row(h, stmt)) == HISTORY_ROW) {
        perfbudget_result **grown = perfbudget__grow(results, &capacity, n, sizeof *grown, 8);
        if (grown == NULL) {
            code = perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
            break;
        }
        results = grown;
        code = load_result(h, stmt, &results[n]);
        if (code == PERFBUDGET_OK) n++;
    }
    if (code == PERFBUDGET_OK && step != HISTORY_DONE) code = db_fail(h, doing);
    finalize(h, stmt);
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
    history_statement *stmt;
    if (prepare(h, HISTORY_LATEST_RESULTS, &stmt) != PERFBUDGET_OK)
        return db_fail(h, "reading the latest results");
    bind_text(h, stmt, 1, environment);
    bind_text(h, stmt, 2, branch);
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
    history_statement *stmt;
    if (prepare(h, HISTORY_BASELINE_RESULTS, &stmt) != PERFBUDGET_OK)
        return db_fail(h, "reading a baseline");
    bind_text(h, stmt, 1, spec);
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

/* A run's value of a statistic other than the median, from its samples, into *level (NaN when
 * they are damaged or none); PERFBUDGET_ENOMEM when out of memory. */
static int level_of(history_statement *stmt, perfbudget_history *h,
                    perfbudget_statistic statistic, double *level) {
    size_t size, n = 0;
    const unsigned char *blob = column_blob(h, stmt, 2, &size);
    double *samples;
    int unpacked = unpack_samples(blob, size, (int)column_int64(h, stmt, 3), &samples, &n);
    *level = NAN;
    if (unpacked == -2) return PERFBUDGET_ENOMEM;
    if (unpacked != 0) return PERFBUDGET_OK;
    perfbudget__sort(samples, n, NULL);
    *level = perfbudget__statistic_sorted(samples, n, statistic);
    free(samples);
    return PERFBUDGET_OK;
}

/* A benchmark's runs up to up_to, oldest first: the median (metric NULL) or a field of the
 * metrics JSON, with each run's machine state beside it, and its value of `statistic`. */
static int run_levels(perfbudget_history *h, const char *name, const char *identity,
                      const char *environment, const char *branch, int64_t up_to, size_t last,
                      const char *metric, perfbudget_statistic statistic,
                      perfbudget__run_level **out, size_t *count) {
    history_statement *stmt;
    if (prepare(h, HISTORY_RUN_LEVELS, &stmt) != PERFBUDGET_OK)
        return db_fail(h, "reading earlier runs");
    bind_text(h, stmt, 1, name);
    bind_text(h, stmt, 2, identity ? identity : "");
    bind_text(h, stmt, 3, perfbudget_environment_runner_type(environment));
    bind_text(h, stmt, 4, branch);
    bind_int64(h, stmt, 5, last ? (int64_t)last : -1);
    bind_int64(h, stmt, 6, up_to);
    /* The samples only where a statistic other than the stored median is asked for. */
    int from_samples = metric == NULL && statistic != PERFBUDGET_STAT_MEDIAN;
    bind_int64(h, stmt, 7, from_samples);
    size_t n = 0, capacity = 16;
    perfbudget__run_level *levels = malloc(capacity * sizeof *levels);
    int step = HISTORY_DONE;
    while (levels != NULL && (step = next_row(h, stmt)) == HISTORY_ROW) {
        json_t *metrics = json_loads(column_text(h, stmt, 1), 0, NULL);
        perfbudget__run_level level = {NAN, NAN, metric_of(metrics, "cpu_utilization"),
                                       metric_of(metrics, "runqueue_wait_ns") /
                                           metric_of(metrics, "wall_ns")};
        if (metric != NULL) level.value = metric_of(metrics, metric);
        else level.value = column_double(h, stmt, 0);
        json_decref(metrics);
        level.level = level.value;
        if (from_samples && level_of(stmt, h, statistic, &level.level) != PERFBUDGET_OK) {
            free(levels);
            levels = NULL;
            break;
        }
        if (isnan(level.value) || isnan(level.level)) continue;
        perfbudget__run_level *grown = perfbudget__grow(levels, &capacity, n, sizeof *grown, 8);
        if (grown == NULL) {
            free(levels);
            levels = NULL;
            break;
        }
        levels = grown;
        levels[n++] = level;
    }
    finalize(h, stmt);
    if (levels == NULL) return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
    if (step != HISTORY_DONE) {
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
    int code = run_levels(h, name, identity, environment, branch, up_to, last, metric,
                          PERFBUDGET_STAT_MEDIAN, &levels, count);
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
                                   size_t last, perfbudget_statistic statistic,
                                   perfbudget__run_level **out, size_t *count) {
    return run_levels(h, name, identity, environment, branch, up_to, last, NULL, statistic, out,
                      count);
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
static int single_id(perfbudget_history *h, history_sql sql, const char *a, const char *b,
                     int64_t *out) {
    history_statement *stmt;
    if (prepare(h, sql, &stmt) != PERFBUDGET_OK)
        return db_fail(h, "looking up a run");
    bind_text(h, stmt, 1, a);
    bind_text(h, stmt, 2, b);
    int step = next_row(h, stmt);
    if (step == HISTORY_ROW) *out = column_int64(h, stmt, 0);
    finalize(h, stmt);
    if (step == HISTORY_ROW) return PERFBUDGET_OK;
    return step == HISTORY_DONE ? PERFBUDGET_ENOTFOUND : db_fail(h, "looking up a run");
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
        code = single_id(h, HISTORY_LATEST_RUN,
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
        /* Any runner of this type: in a fleet, main's run of the merge base was recorded
         * wherever its job ran. */
        code = single_id(h, HISTORY_RUN_OF_COMMIT,
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
        code = single_id(h, HISTORY_BASELINE_RUN, spec, NULL, run_id);
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
        int code = single_id(h, HISTORY_NEWEST_RUN, NULL, NULL,
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
    if (h->backend->begin(h) != PERFBUDGET_OK) return db_fail(h, "saving a baseline");
    code = name_run(h, name, run_id);
    if (code == PERFBUDGET_OK && h->backend->commit(h) != PERFBUDGET_OK)
        code = db_fail(h, "saving a baseline");
    if (code != PERFBUDGET_OK) h->backend->rollback(h);
    return code;
}

/* perfbudget_history_save_baseline() inside its transaction. */
static int name_run(perfbudget_history *h, const char *name, int64_t run_id) {
    history_statement *stmt;
    if (prepare(h, HISTORY_SAVE_BASELINE, &stmt) != PERFBUDGET_OK)
        return db_fail(h, "saving a baseline");
    bind_text(h, stmt, 1, name);
    bind_int64(h, stmt, 2, run_id);
    bind_int64(h, stmt, 3, wall_ns());
    int step = next_row(h, stmt);
    finalize(h, stmt);
    if (step != HISTORY_DONE) return db_fail(h, "saving a baseline");
    /* The modes this run measured now point at it; another mode keeps the run it had. */
    if (prepare(h, HISTORY_SAVE_BASELINE_MODES, &stmt) != PERFBUDGET_OK)
        return db_fail(h, "saving a baseline");
    bind_text(h, stmt, 1, name);
    bind_int64(h, stmt, 2, run_id);
    step = next_row(h, stmt);
    finalize(h, stmt);
    return step == HISTORY_DONE ? PERFBUDGET_OK : db_fail(h, "saving a baseline");
}

int perfbudget_history_baselines(perfbudget_history *h, perfbudget_baseline_record *records,
                                 size_t capacity, size_t *count) {
    history_statement *stmt;
    if (prepare(h, HISTORY_BASELINES, &stmt) != PERFBUDGET_OK)
        return db_fail(h, "listing baselines");
    *count = 0;
    int step;
    while ((step = next_row(h, stmt)) == HISTORY_ROW && *count < capacity) {
        perfbudget_baseline_record *r = &records[(*count)++];
        copy_text(r->name, sizeof r->name, column_text(h, stmt, 0));
        r->run_id = column_int64(h, stmt, 1);
        r->created_ns = column_int64(h, stmt, 2);
    }
    finalize(h, stmt);
    return step == HISTORY_DONE || step == HISTORY_ROW ? PERFBUDGET_OK
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

/* The runs of a trend beside its results: a second cursor walking runs backwards (NULL where
 * the backend's series query brings each result's run itself). */
typedef struct run_cursor {
    history_statement *runs;
    int step, started;
    int64_t at; /* the cursor's run id while step is HISTORY_ROW */
} run_cursor;

/* A result's run, as a trend shows it. */
typedef struct series_run {
    int64_t created_ns;
    const char *commit, *environment;
} series_run;

/* The run id of the result results stands on, into *out: 1, 0 when there is no such run (as a
 * join would have it), -1 on failure. The cursor merges rather than looking every run up, and
 * seeks only where the benchmark skipped more than the backend's series_seek_gap runs. */
static int run_of(perfbudget_history *h, history_statement *results, run_cursor *c,
                  int64_t id, int64_t bench_id, series_run *out) {
    if (c->runs == NULL) {
        out->created_ns = column_int64(h, results, 4);
        out->commit = column_text(h, results, 5);
        out->environment = column_text(h, results, 6);
        return 1;
    }
    if (!c->started || (c->step == HISTORY_ROW && c->at - id > h->backend->series_seek_gap)) {
        reset(h, c->runs);
        bind_int64(h, c->runs, 1, id);
        bind_int64(h, c->runs, 2, bench_id);
        c->step = next_row(h, c->runs);
        c->started = 1;
        if (c->step == HISTORY_ROW) c->at = column_int64(h, c->runs, 0);
    }
    while (c->step == HISTORY_ROW && c->at > id) {
        c->step = next_row(h, c->runs);
        if (c->step == HISTORY_ROW) c->at = column_int64(h, c->runs, 0);
    }
    if (c->step != HISTORY_ROW && c->step != HISTORY_DONE) return -1;
    if (c->step != HISTORY_ROW || c->at != id) return 0;
    out->created_ns = column_int64(h, c->runs, 1);
    out->commit = column_text(h, c->runs, 2);
    out->environment = column_text(h, c->runs, 3);
    return 1;
}

/* Appends the newest `last` (0: all) ok results of benchmark row bench_id created at or after
 * since_ns to rows, newest first. The results come from the covering index results_series,
 * each with its run (run_of()). A backend that applies the window in its query (series_joined)
 * sends no more rows than are kept; the checks here hold for it too. */
static int read_version(perfbudget_history *h, history_statement *results, history_statement *runs,
                        int64_t bench_id, int64_t since_ns, size_t last, size_t version,
                        trend_keys *keys, trend_row **rows, size_t *n, size_t *capacity) {
    reset(h, results);
    bind_int64(h, results, 1, bench_id);
    bind_int64(h, results, 2, (int64_t)last);
    bind_int64(h, results, 3, since_ns);
    run_cursor cursor = {.runs = runs};
    int step = HISTORY_DONE;
    size_t key = (size_t)-1, taken = 0;
    while ((last == 0 || taken < last) && (step = next_row(h, results)) == HISTORY_ROW) {
        int64_t id = column_int64(h, results, 0);
        series_run run;
        int found = run_of(h, results, &cursor, id, bench_id, &run);
        if (found < 0) return db_fail(h, "reading a series");
        if (found == 0 || run.created_ns < since_ns) continue;
        trend_row *grown = perfbudget__grow(*rows, capacity, *n, sizeof *grown, 128);
        if (grown == NULL) return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
        *rows = grown;
        trend_row *row = &(*rows)[*n];
        perfbudget_series_point *p = &row->point;
        p->run_id = id;
        p->created_ns = run.created_ns;
        copy_text(p->commit, sizeof p->commit, run.commit);
        p->median = column_double(h, results, 1);
        p->p95 = column_double(h, results, 2);
        p->n = (size_t)column_int64(h, results, 3);
        key = trend_key(keys, version, run.environment ? run.environment : "", key);
        if (key == (size_t)-1) return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
        row->key = key;
        (*n)++;
        taken++;
    }
    if (last != 0 && taken == last) return PERFBUDGET_OK;
    return step == HISTORY_DONE ? PERFBUDGET_OK : db_fail(h, "reading a series");
}

static int newer_first(const void *a, const void *b) {
    int64_t x = ((const trend_row *)a)->point.run_id, y = ((const trend_row *)b)->point.run_id;
    return x > y ? -1 : x < y;
}

/* Reads the ok results of every version of benchmark `name` (read_version()) into *rows, *n of
 * them, newest first, and their series keys into keys. */
static int read_trend_rows(perfbudget_history *h, const char *name, size_t last, int64_t since_ns,
                           trend_keys *keys, trend_row **rows, size_t *n) {
    history_statement *versions = NULL, *results = NULL, *runs = NULL;
    /* results walks one version's results newest first; runs walks the runs beside it
     * (read_version). */
    if (prepare(h, HISTORY_BENCHMARK_VERSIONS, &versions) != PERFBUDGET_OK ||
        prepare(h, HISTORY_SERIES_RESULTS, &results) != PERFBUDGET_OK ||
        (!h->backend->series_joined && prepare(h, HISTORY_SERIES_RUNS, &runs) != PERFBUDGET_OK)) {
        finalize(h, versions);
        finalize(h, results);
        return db_fail(h, "reading a series");
    }
    bind_text(h, versions, 1, name);
    size_t capacity = 0, version = 0;
    int code = PERFBUDGET_OK, step;
    while (code == PERFBUDGET_OK && (step = next_row(h, versions)) == HISTORY_ROW)
        code = read_version(h, results, runs, column_int64(h, versions, 0), since_ns, last,
                            version++, keys, rows, n, &capacity);
    if (code == PERFBUDGET_OK && step != HISTORY_DONE) code = db_fail(h, "reading a series");
    finalize(h, versions);
    finalize(h, results);
    finalize(h, runs);
    /* Each version's rows come newest first already; several are merged by run. */
    if (code == PERFBUDGET_OK && version > 1 && *n > 1)
        qsort(*rows, *n, sizeof **rows, newer_first);
    return code;
}

/* The points of rows (newest first) into *points oldest first, and each one's series number into
 * *series_of; both malloc'ed. */
static int number_trend_points(perfbudget_history *h, const trend_row *rows, size_t n,
                               size_t n_keys, perfbudget_series_point **points,
                               size_t **series_of) {
    perfbudget_series_point *out = malloc((n ? n : 1) * sizeof *out);
    size_t *which = out != NULL ? malloc((n ? n : 1) * sizeof *which) : NULL;
    /* Series numbers in the order each key is first met, newest first. */
    size_t *number = which != NULL ? malloc((n_keys ? n_keys : 1) * sizeof *number) : NULL;
    if (number == NULL) {
        free(out);
        free(which);
        return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < n_keys; k++) number[k] = (size_t)-1;
    size_t numbered = 0;
    for (size_t i = 0; i < n; i++) {
        size_t *series = &number[rows[i].key];
        if (*series == (size_t)-1) *series = numbered++;
        out[n - 1 - i] = rows[i].point;
        which[n - 1 - i] = *series;
    }
    free(number);
    *points = out;
    *series_of = which;
    return PERFBUDGET_OK;
}

int perfbudget_history_trend(perfbudget_history *h, const char *name, size_t last,
                             int64_t since_ns, perfbudget_series_point **points,
                             size_t **series_of, size_t *count) {
    if (h == NULL || name == NULL || points == NULL || series_of == NULL || count == NULL)
        return perfbudget__fail(h ? h->ctx : NULL, PERFBUDGET_EINVAL, "history_trend: NULL "
                                "argument");
    trend_row *rows = NULL;
    trend_keys keys = {0};
    size_t n = 0;
    int code = read_trend_rows(h, name, last, since_ns, &keys, &rows, &n);
    if (last != 0 && n > last) n = last;
    perfbudget_series_point *out = NULL;
    size_t *which = NULL;
    if (code == PERFBUDGET_OK) code = number_trend_points(h, rows, n, keys.count, &out, &which);
    free(rows);
    trend_keys_free(&keys);
    if (code != PERFBUDGET_OK) return code;
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
    history_statement *stmt;
    if (prepare(h, HISTORY_BENCHMARK_NAMES, &stmt) != PERFBUDGET_OK)
        return db_fail(h, "listing benchmarks");
    size_t n = 0, capacity = 16;
    char **names = malloc(capacity * sizeof *names);
    int step = HISTORY_DONE, code = PERFBUDGET_OK;
    while (names != NULL && code == PERFBUDGET_OK && (step = next_row(h, stmt)) == HISTORY_ROW) {
        const char *name = column_text(h, stmt, 0);
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
    finalize(h, stmt);
    if (names == NULL || code != PERFBUDGET_OK) {
        perfbudget_strings_free(names, n);
        return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
    }
    if (step != HISTORY_DONE) {
        perfbudget_strings_free(names, n);
        return db_fail(h, "listing benchmarks");
    }
    *out = names;
    *count = n;
    return PERFBUDGET_OK;
}

int perfbudget_history_runner_types(perfbudget_history *h, const char *commit,
                                    perfbudget_runner_type_record **out, size_t *count) {
    history_statement *stmt;
    if (prepare(h, HISTORY_RUNNER_TYPES, &stmt) != PERFBUDGET_OK)
        return db_fail(h, "listing the runner types");
    bind_text(h, stmt, 1, commit);
    size_t n = 0, capacity = 4;
    perfbudget_runner_type_record *records = malloc(capacity * sizeof *records);
    int step = HISTORY_DONE;
    while (records != NULL && (step = next_row(h, stmt)) == HISTORY_ROW) {
        perfbudget_runner_type_record *grown =
            perfbudget__grow(records, &capacity, n, sizeof *grown, 4);
        if (grown == NULL) {
            free(records);
            records = NULL;
            break;
        }
        records = grown;
        perfbudget_runner_type_record *r = &records[n++];
        copy_text(r->runner_type, sizeof r->runner_type, column_text(h, stmt, 0));
        r->runs = column_int64(h, stmt, 1);
        r->hosts = column_int64(h, stmt, 2);
        r->latest_run = column_int64(h, stmt, 3);
    }
    finalize(h, stmt);
    if (records == NULL) return perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
    if (step != HISTORY_DONE) {
        free(records);
        return db_fail(h, "listing the runner types");
    }
    *out = records;
    *count = n;
    return PERFBUDGET_OK;
}

int perfbudget_history_measure(perfbudget_history *h, perfbudget_history_size *out) {
    history_statement *stmt;
    if (prepare(h, HISTORY_MEASURE, &stmt) != PERFBUDGET_OK)
        return db_fail(h, "measuring");
    int step = next_row(h, stmt);
    if (step == HISTORY_ROW) {
        out->runs = column_int64(h, stmt, 0);
        out->results = column_int64(h, stmt, 1);
        out->baselines = column_int64(h, stmt, 2);
        out->benchmarks = column_int64(h, stmt, 3);
        out->sample_bytes = column_int64(h, stmt, 4);
    }
    finalize(h, stmt);
    if (step != HISTORY_ROW) return db_fail(h, "measuring");
    out->file_bytes = h->backend->stored_bytes(h);
    return PERFBUDGET_OK;
}

int perfbudget_history_prune(perfbudget_history *h, size_t keep, size_t *deleted) {
    history_statement *stmt;
    if (h->backend->begin(h) != PERFBUDGET_OK) return db_fail(h, "pruning");
    int ok = prepare(h, HISTORY_PRUNE_RUNS, &stmt) == PERFBUDGET_OK;
    if (ok) {
        bind_int64(h, stmt, 1, (int64_t)keep);
        ok = next_row(h, stmt) == HISTORY_DONE;
        finalize(h, stmt);
    }
    size_t changes = ok ? (size_t)h->backend->changes(h) : 0;
    ok = ok && prepare(h, HISTORY_PRUNE_BENCHMARKS, &stmt) == PERFBUDGET_OK;
    if (ok) {
        ok = next_row(h, stmt) == HISTORY_DONE;
        finalize(h, stmt);
    }
    ok = ok && h->backend->commit(h) == PERFBUDGET_OK;
    if (!ok) {
        int code = db_fail(h, "pruning");
        h->backend->rollback(h);
        return code;
    }
    if (deleted != NULL) *deleted = changes;
    return PERFBUDGET_OK;
}

/* ---- copying a history ---------------------------------------------------------------------- */

/* A run of the history copied from, as HISTORY_RUNS_AFTER reads it. */
typedef struct copied_run {
    int64_t id, created_ns, dirty;
    char *source, *commit, *branch, *environment;
} copied_run;

/* A run id of the history copied from, and its id in the history copied to. */
typedef struct run_pair {
    int64_t from, to;
} run_pair;

static void copied_runs_free(copied_run *runs, size_t count) {
    for (size_t i = 0; i < count; i++) {
        free(runs[i].source);
        free(runs[i].commit);
        free(runs[i].branch);
        free(runs[i].environment);
    }
}

static char *copy_or_null(const char *text) { return text ? perfbudget__strdup(text) : NULL; }

/* Up to 256 runs of h after run id after, oldest first, into runs (room for 256). */
static int read_runs_after(perfbudget_history *h, int64_t after, copied_run *runs, size_t *count) {
    history_statement *stmt;
    *count = 0;
    if (prepare(h, HISTORY_RUNS_AFTER, &stmt) != PERFBUDGET_OK) return db_fail(h, "listing runs");
    bind_int64(h, stmt, 1, after);
    int step = HISTORY_DONE, code = PERFBUDGET_OK;
    while (code == PERFBUDGET_OK && *count < 256 && (step = next_row(h, stmt)) == HISTORY_ROW) {
        copied_run *r = &runs[(*count)++];
        r->id = column_int64(h, stmt, 0);
        r->created_ns = column_int64(h, stmt, 1);
        r->dirty = column_int64(h, stmt, 5);
        r->source = copy_or_null(column_text(h, stmt, 2));
        r->commit = copy_or_null(column_text(h, stmt, 3));
        r->branch = copy_or_null(column_text(h, stmt, 4));
        r->environment = copy_or_null(column_text(h, stmt, 6));
        if (r->source == NULL || r->environment == NULL)
            code = perfbudget__fail(h->ctx, PERFBUDGET_ENOMEM, "out of memory");
    }
    if (code == PERFBUDGET_OK && step != HISTORY_DONE && step != HISTORY_ROW)
        code = db_fail(h, "listing runs");
    finalize(h, stmt);
    return code;
}

/* The results of run r of from, as stored, into run to_id of to (in to's transaction). */
static int copy_results(perfbudget_history *from, perfbudget_history *to, int64_t from_id,
                        int64_t to_id) {
    history_statement *rows = NULL, *insert = NULL;
    if (prepare(from, HISTORY_RAW_RESULTS, &rows) != PERFBUDGET_OK)
        return db_fail(from, "reading results");
    if (prepare(to, HISTORY_INSERT_RESULT, &insert) != PERFBUDGET_OK) {
        finalize(from, rows);
        return db_fail(to, "preparing a run");
    }
    bind_int64(from, rows, 1, from_id);
    int step = HISTORY_DONE, code = PERFBUDGET_OK;
    while (code == PERFBUDGET_OK && (step = next_row(from, rows)) == HISTORY_ROW) {
        const char *name = column_text(from, rows, 0), *identity = column_text(from, rows, 1);
        int64_t bench = benchmark_id(to, name ? name : "", identity ? identity : "");
        if (bench < 0) {
            code = db_fail(to, "recording a benchmark");
            break;
        }
        size_t samples_size, cpu_size, probe_size;
        const unsigned char *samples = column_blob(from, rows, 7, &samples_size);
        const unsigned char *cpu = column_blob(from, rows, 12, &cpu_size);
        const unsigned char *probe = column_blob(from, rows, 14, &probe_size);
        reset(to, insert);
        bind_int64(to, insert, 1, to_id);
        bind_int64(to, insert, 2, bench);
        bind_text(to, insert, 3, column_text(from, rows, 2));
        bind_text(to, insert, 4, column_text(from, rows, 3));
        bind_int64(to, insert, 5, column_int64(from, rows, 4));
        bind_double(to, insert, 6, column_double(from, rows, 5));
        bind_double(to, insert, 7, column_double(from, rows, 6));
        /* An empty blob is still a blob (samples is NOT NULL). */
        bind_blob(to, insert, 8, samples ? (const void *)samples : "", samples_size);
        bind_text(to, insert, 9, column_text(from, rows, 8));
        bind_text(to, insert, 10, column_text(from, rows, 9));
        bind_text(to, insert, 11, column_text(from, rows, 10));
        bind_text(to, insert, 12, column_text(from, rows, 11));
        bind_blob(to, insert, 13, is_null(from, rows, 12) ? NULL : cpu ? (const void *)cpu : "",
                  cpu_size);
        bind_int64(to, insert, 14, column_int64(from, rows, 13));
        bind_blob(to, insert, 15,
                  is_null(from, rows, 14) ? NULL : probe ? (const void *)probe : "", probe_size);
        if (next_row(to, insert) != HISTORY_DONE) code = db_fail(to, "recording a result");
    }
    if (code == PERFBUDGET_OK && step != HISTORY_DONE) code = db_fail(from, "reading results");
    finalize(from, rows);
    finalize(to, insert);
    return code;
}

/* Run r of from in to: found by its key, or copied in one transaction. */
static int copy_run(perfbudget_history *from, perfbudget_history *to, const copied_run *r,
                    int64_t *to_id, int *was_there) {
    if (to->backend->begin(to) != PERFBUDGET_OK) return db_fail(to, "starting a run");
    run_columns run = {r->created_ns, r->dirty, r->source, r->commit, r->branch, r->environment};
    int code = find_run(to, &run, to_id, was_there);
    if (code == PERFBUDGET_OK && !*was_there) code = insert_run(to, &run, to_id);
    if (code == PERFBUDGET_OK && !*was_there) code = copy_results(from, to, r->id, *to_id);
    if (code == PERFBUDGET_OK && to->backend->commit(to) != PERFBUDGET_OK)
        code = db_fail(to, "committing a run");
    if (code != PERFBUDGET_OK) to->backend->rollback(to);
    return code;
}

static int64_t mapped(const run_pair *pairs, size_t count, int64_t from) {
    for (size_t i = 0; i < count; i++)
        if (pairs[i].from == from) return pairs[i].to;
    return 0;
}

/* Every baseline name of from, and each of its modes, pointing at the copies of their runs. */
static int copy_baselines(perfbudget_history *from, perfbudget_history *to, const run_pair *pairs,
                          size_t pair_count) {
    if (to->backend->begin(to) != PERFBUDGET_OK) return db_fail(to, "saving a baseline");
    static const history_sql reads[] = {HISTORY_BASELINES, HISTORY_BASELINE_MODES};
    static const history_sql writes[] = {HISTORY_SAVE_BASELINE, HISTORY_COPY_BASELINE_MODE};
    int code = PERFBUDGET_OK;
    for (int k = 0; code == PERFBUDGET_OK && k < 2; k++) {
        history_statement *rows = NULL, *write = NULL;
        if (prepare(from, reads[k], &rows) != PERFBUDGET_OK) {
            code = db_fail(from, "listing baselines");
            break;
        }
        if (prepare(to, writes[k], &write) != PERFBUDGET_OK) {
            finalize(from, rows);
            code = db_fail(to, "saving a baseline");
            break;
        }
        int step = HISTORY_DONE;
        while (code == PERFBUDGET_OK && (step = next_row(from, rows)) == HISTORY_ROW) {
            /* baselines: name, run, created_ns; baseline_modes: name, mode, run */
            int64_t run = mapped(pairs, pair_count, column_int64(from, rows, k == 0 ? 1 : 2));
            if (run == 0) continue;
            reset(to, write);
            bind_text(to, write, 1, column_text(from, rows, 0));
            if (k == 0) {
                bind_int64(to, write, 2, run);
                bind_int64(to, write, 3, column_int64(from, rows, 2));
            } else {
                bind_text(to, write, 2, column_text(from, rows, 1));
                bind_int64(to, write, 3, run);
            }
            if (next_row(to, write) != HISTORY_DONE) code = db_fail(to, "saving a baseline");
        }
        if (code == PERFBUDGET_OK && step != HISTORY_DONE)
            code = db_fail(from, "listing baselines");
        finalize(from, rows);
        finalize(to, write);
    }
    if (code == PERFBUDGET_OK && to->backend->commit(to) != PERFBUDGET_OK)
        code = db_fail(to, "saving a baseline");
    if (code != PERFBUDGET_OK) to->backend->rollback(to);
    return code;
}

int perfbudget_history_copy(perfbudget_history *from, perfbudget_history *to, size_t *copied,
                             size_t *present) {
    *copied = *present = 0;
    copied_run batch[256];
    run_pair *pairs = NULL;
    size_t pair_count = 0, pair_capacity = 0, count;
    int64_t after = 0;
    int code;
    do {
        code = read_runs_after(from, after, batch, &count);
        for (size_t i = 0; code == PERFBUDGET_OK && i < count; i++) {
            int64_t to_id = 0;
            int was_there = 0;
            code = copy_run(from, to, &batch[i], &to_id, &was_there);
            run_pair *grown = code == PERFBUDGET_OK
                                  ? perfbudget__grow(pairs, &pair_capacity, pair_count,
                                                     sizeof *grown, 256)
                                  : pairs;
            if (grown == NULL) code = perfbudget__fail(to->ctx, PERFBUDGET_ENOMEM, "out of memory");
            if (code != PERFBUDGET_OK) break;
            pairs = grown;
            pairs[pair_count++] = (run_pair){batch[i].id, to_id};
            ++*(was_there ? present : copied);
            after = batch[i].id;
        }
        copied_runs_free(batch, count);
    } while (code == PERFBUDGET_OK && count == 256);
    if (code == PERFBUDGET_OK) code = copy_baselines(from, to, pairs, pair_count);
    free(pairs);
    return code;
}
