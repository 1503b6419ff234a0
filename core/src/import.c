/* SPDX-License-Identifier: MIT */
/* Results of other benchmark tools (Google Benchmark, hyperfine, nanobench) as perfbudget
 * results, so existing suites get budgets, baselines and CTest integration unchanged. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* A growing list of (name, samples, metrics) being collected. */
typedef struct collected {
    char *name;
    uint64_t hash;      /* of name, for the index below */
    size_t first_entry; /* where the file first names it, for messages about a duplicate */
    double *samples;
    size_t count, capacity;
    perfbudget_metrics metrics;
    double cpu_sum, items_sum, bytes_sum; /* for means over samples */
    size_t cpu_n, items_n, bytes_n;
    char failure[256];
    /* Google Benchmark: filled from an aggregate entry ("median" or "mean") because the file has
     * no repetition of this benchmark (--benchmark_report_aggregates_only); "" otherwise */
    char aggregate[8];
} collected;

/* The benchmarks of a file in the order it first names them, with an open-addressing index by
 * name: a file of 50,000 entries is one lookup per entry, where a search through the list made
 * it quadratic (50,000 Google Benchmark entries took minutes). */
typedef struct collection {
    collected *items;
    size_t count, capacity;
    size_t *slots;      /* 0: empty, else the index + 1 of an item */
    size_t slot_count;  /* a power of two, at least twice count */
    size_t name_probes; /* slots examined finding names (perfbudget__import_stats) */
} collection;

/* FNV-1a: names come from the user's own tool, so a simple hash will do. */
static uint64_t name_hash(const char *name) { return perfbudget__fnv1a(name); }

/* The slot of hash: its item's, or the empty one where it belongs. */
static size_t slot_of(collection *c, uint64_t hash, const char *name) {
    size_t mask = c->slot_count - 1, slot = (size_t)hash & mask;
    for (;; slot = (slot + 1) & mask) {
        c->name_probes++;
        size_t held = c->slots[slot];
        if (held == 0) return slot;
        const collected *item = &c->items[held - 1];
        if (item->hash == hash && strcmp(item->name, name) == 0) return slot;
    }
}

/* Twice the slots (at least 64), every item indexed again; -1 when out of memory. */
static int grow_index(collection *c) {
    size_t slot_count = c->slot_count ? 2 * c->slot_count : 64;
    size_t *slots = calloc(slot_count, sizeof *slots);
    if (slots == NULL) return -1;
    free(c->slots);
    c->slots = slots;
    c->slot_count = slot_count;
    size_t mask = slot_count - 1;
    for (size_t i = 0; i < c->count; i++) {
        size_t slot = (size_t)c->items[i].hash & mask;
        while (slots[slot] != 0) slot = (slot + 1) & mask;
        slots[slot] = i + 1;
    }
    return 0;
}

/* The item named name, a new one (*added = 1) the first time; entry is where the file names it.
 * NULL when out of memory. */
static collected *find_or_add(collection *c, const char *name, size_t entry, int *added) {
    if (2 * (c->count + 1) > c->slot_count && grow_index(c) != 0) return NULL;
    uint64_t hash = name_hash(name);
    size_t slot = slot_of(c, hash, name);
    *added = c->slots[slot] == 0;
    if (!*added) return &c->items[c->slots[slot] - 1];
    if (c->count == c->capacity) {
        size_t capacity = c->capacity ? 2 * c->capacity : 8;
        collected *items = realloc(c->items, capacity * sizeof *items);
        if (items == NULL) return NULL;
        c->items = items;
        c->capacity = capacity;
    }
    collected *item = &c->items[c->count];
    memset(item, 0, sizeof *item);
    perfbudget_metrics_init(&item->metrics);
    if ((item->name = perfbudget__strdup(name)) == NULL) return NULL;
    item->hash = hash;
    item->first_entry = entry;
    c->slots[slot] = ++c->count;
    return item;
}

static int add_sample(collected *item, double value) {
    if (item->count == item->capacity) {
        size_t capacity = item->capacity ? 2 * item->capacity : 16;
        double *samples = realloc(item->samples, capacity * sizeof *samples);
        if (samples == NULL) return -1;
        item->samples = samples;
        item->capacity = capacity;
    }
    item->samples[item->count++] = value;
    return 0;
}

static void collection_free(collection *c) {
    for (size_t i = 0; i < c->count; i++) {
        free(c->items[i].name);
        free(c->items[i].samples);
    }
    free(c->items);
    free(c->slots);
}

static double unit_factor(const char *unit) {
    if (unit == NULL || strcmp(unit, "ns") == 0) return 1;
    if (strcmp(unit, "us") == 0) return 1e3;
    if (strcmp(unit, "ms") == 0) return 1e6;
    if (strcmp(unit, "s") == 0) return 1e9;
    return NAN;
}

/* The file's array of results under key, or NULL after failing: the file is not tool's JSON. */
static const json_t *results_array(perfbudget_context *ctx, const char *path, const json_t *root,
                                   const char *key, const char *tool) {
    const json_t *array = json_object_get(root, key);
    if (!json_is_array(array))
        perfbudget__fail(ctx, PERFBUDGET_EPARSE, "%s: not %s JSON (no \"%s\" array)", path, tool,
                         key);
    return json_is_array(array) ? array : NULL;
}

/* Where a value sits, for messages: the file, the benchmark, and its entry in the file's array
 * (counted from 0), so that a duplicate name or one bad repetition is found in the file. */
typedef struct origin {
    const char *path, *name;
    size_t entry;
} origin;

/* Fails with PERFBUDGET_EPARSE: "PATH: benchmark 'NAME' (entry N): <what fmt says>". */
static int refuse(perfbudget_context *ctx, const origin *at, const char *fmt, ...) {
    char detail[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(detail, sizeof detail, fmt, args);
    va_end(args);
    return perfbudget__fail(ctx, PERFBUDGET_EPARSE, "%s: benchmark '%s' (entry %zu): %s", at->path,
                            at->name, at->entry, detail);
}

/* A JSON value as the file has it, shortened, for a message. */
static const char *shown(const json_t *value, char *buf, size_t size) {
    char *text = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
    snprintf(buf, size, "%s", text ? text : "?");
    if (text != NULL && strlen(text) >= size && size > 4) strcpy(buf + size - 4, "...");
    free(text);
    return buf;
}

#define NO_INDEX ((size_t)-1)

/* A duration from the file in ns: a number >= 0 that stays finite in ns (1e308 s does not).
 * field[index] names it in messages (index NO_INDEX: field alone); unit is the file's. */
static int duration_ns(perfbudget_context *ctx, const origin *at, const json_t *value,
                       double factor, const char *unit, const char *field, size_t index,
                       double *out) {
    double given = json_is_number(value) ? json_number_value(value) : NAN, ns = given * factor;
    if (given >= 0 && isfinite(ns)) {
        *out = ns;
        return PERFBUDGET_OK;
    }
    char where[96], text[48]; /* only now: this runs once per sample */
    if (index == NO_INDEX) snprintf(where, sizeof where, "%s", field);
    else snprintf(where, sizeof where, "%s[%zu]", field, index);
    if (!json_is_number(value))
        return refuse(ctx, at, "%s is %s, not a number", where,
                      value ? shown(value, text, sizeof text) : "missing");
    if (!(given >= 0))
        return refuse(ctx, at, "%s is %g %s; a time must not be negative", where, given, unit);
    return refuse(ctx, at, "%s is %g %s, too large to count in nanoseconds", where, given, unit);
}

/* The "iterations" of an entry (or of pytest-benchmark's stats), when given: a whole number
 * >= 1; *out 0 when absent or null. field names it in messages. */
static int iterations_of(perfbudget_context *ctx, const origin *at, const json_t *entry,
                         const char *field, uint64_t *out) {
    const json_t *value = json_object_get(entry, "iterations");
    char text[48];
    *out = 0;
    if (value == NULL || json_is_null(value)) return PERFBUDGET_OK;
    if (!json_is_integer(value) || json_integer_value(value) < 1)
        return refuse(ctx, at, "%s is %s; it must be a whole number >= 1", field,
                      shown(value, text, sizeof text));
    *out = (uint64_t)json_integer_value(value);
    return PERFBUDGET_OK;
}

/* The entry of this name (a new one the first time), or NULL after failing. */
static collected *entry(perfbudget_context *ctx, collection *c, const char *name, size_t index,
                        int *added) {
    collected *item = find_or_add(c, name, index, added);
    if (item == NULL) perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    return item;
}

/* Times in seconds, each a sample in ns; field names the array in messages ("times"). */
static int add_seconds(perfbudget_context *ctx, const origin *at, collected *item,
                       const json_t *times, const char *field) {
    size_t k;
    const json_t *t;
    json_array_foreach(times, k, t) {
        double ns = 0.0;
        int rc = duration_ns(ctx, at, t, 1e9, "s", field, k, &ns);
        if (rc != PERFBUDGET_OK) return rc;
        if (add_sample(item, ns) != 0)
            return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    }
    return PERFBUDGET_OK;
}

/* One entry's time in ns: its cpu_time when judged by CPU time, else its real_time. */
static int google_time(perfbudget_context *ctx, const origin *at, const json_t *b, int cpu_time,
                       double factor, const char *unit, double *real_ns, double *cpu_ns) {
    const json_t *cpu = json_object_get(b, "cpu_time");
    *cpu_ns = NAN;
    int rc = duration_ns(ctx, at, json_object_get(b, "real_time"), factor, unit, "real_time",
                         NO_INDEX, real_ns);
    if (rc == PERFBUDGET_OK && (cpu_time || (cpu != NULL && !json_is_null(cpu))))
        rc = duration_ns(ctx, at, cpu, factor, unit, "cpu_time", NO_INDEX, cpu_ns);
    return rc;
}

/* An aggregate entry ("BM_x_median") of a benchmark the file reports only as aggregates: its
 * median, else its mean, is the benchmark's one sample (one figure cannot show a significant
 * change: a comparison with it is inconclusive, which is the honest answer). */
static int google_aggregate(perfbudget_context *ctx, const char *path, const json_t *b, size_t i,
                            int cpu_time, collection *c) {
    const char *kind = json_string_value(json_object_get(b, "aggregate_name"));
    const char *name = json_string_value(json_object_get(b, "run_name"));
    if (kind == NULL || name == NULL || (strcmp(kind, "median") != 0 && strcmp(kind, "mean") != 0))
        return PERFBUDGET_OK; /* stddev, cv, complexity fits: no time of one call */
    if (json_is_true(json_object_get(b, "error_occurred"))) return PERFBUDGET_OK;
    int added;
    collected *item = entry(ctx, c, name, i, &added);
    if (item == NULL) return PERFBUDGET_ENOMEM;
    if (!added && item->aggregate[0] == '\0') return PERFBUDGET_OK; /* it has repetitions */
    if (!added && strcmp(item->aggregate, "median") == 0) return PERFBUDGET_OK;
    const origin at = {path, name, i};
    const char *unit = json_string_value(json_object_get(b, "time_unit"));
    double factor = unit_factor(unit), real_ns, cpu_ns;
    if (isnan(factor)) return refuse(ctx, &at, "unknown time_unit '%s'", unit);
    int rc = google_time(ctx, &at, b, cpu_time, factor, unit ? unit : "ns", &real_ns, &cpu_ns);
    uint64_t iterations;
    if (rc == PERFBUDGET_OK) rc = iterations_of(ctx, &at, b, "iterations", &iterations);
    if (rc != PERFBUDGET_OK) return rc;
    item->count = 0; /* a median replaces a mean */
    item->cpu_sum = 0, item->cpu_n = 0;
    if (add_sample(item, cpu_time ? cpu_ns : real_ns) != 0)
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    if (!isnan(cpu_ns) && real_ns > 0) item->cpu_sum = cpu_ns / real_ns, item->cpu_n = 1;
    snprintf(item->aggregate, sizeof item->aggregate, "%s", kind);
    if (iterations > 0) {
        item->metrics.iterations_per_sample = iterations;
        item->metrics.total_iterations = iterations;
    }
    return PERFBUDGET_OK;
}

/* Google Benchmark's JSON: each repetition of a benchmark is a sample (real_time, or cpu_time
 * with cpu_time set); a benchmark reported only as aggregates has its median as its sample. */
static int google_benchmark_times(perfbudget_context *ctx, const char *path, const json_t *root,
                                  collection *c, int cpu_time) {
    const json_t *benchmarks = results_array(ctx, path, root, "benchmarks", "Google Benchmark");
    if (benchmarks == NULL) return PERFBUDGET_EPARSE;
    size_t i;
    const json_t *b;
    json_array_foreach(benchmarks, i, b) {
        const char *run_type = json_string_value(json_object_get(b, "run_type"));
        if (run_type != NULL && strcmp(run_type, "iteration") != 0) continue; /* aggregates */
        const char *name = json_string_value(json_object_get(b, "run_name"));
        if (name == NULL) name = json_string_value(json_object_get(b, "name"));
        if (name == NULL)
            return perfbudget__fail(ctx, PERFBUDGET_EPARSE, "%s: benchmark %zu has no name", path, i);
        int added; /* repetitions of a benchmark are entries of one name: its samples */
        collected *item = entry(ctx, c, name, i, &added);
        if (item == NULL) return PERFBUDGET_ENOMEM;
        if (json_is_true(json_object_get(b, "error_occurred"))) {
            const char *message = json_string_value(json_object_get(b, "error_message"));
            snprintf(item->failure, sizeof item->failure, "the benchmark reported an error: %s",
                     message ? message : "(no message)");
            continue;
        }
        const origin at = {path, name, i};
        const char *unit = json_string_value(json_object_get(b, "time_unit"));
        double factor = unit_factor(unit);
        if (isnan(factor)) return refuse(ctx, &at, "unknown time_unit '%s'", unit);
        double real_ns, cpu_ns;
        uint64_t iterations;
        int rc = google_time(ctx, &at, b, cpu_time, factor, unit ? unit : "ns", &real_ns, &cpu_ns);
        if (rc == PERFBUDGET_OK) rc = iterations_of(ctx, &at, b, "iterations", &iterations);
        if (rc != PERFBUDGET_OK) return rc;
        if (add_sample(item, cpu_time ? cpu_ns : real_ns) != 0)
            return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
        if (!isnan(cpu_ns) && real_ns > 0) item->cpu_sum += cpu_ns / real_ns, item->cpu_n++;
        const json_t *items = json_object_get(b, "items_per_second");
        const json_t *bytes = json_object_get(b, "bytes_per_second");
        if (json_is_number(items)) item->items_sum += json_number_value(items), item->items_n++;
        if (json_is_number(bytes)) item->bytes_sum += json_number_value(bytes), item->bytes_n++;
        if (iterations > 0) {
            item->metrics.iterations_per_sample = iterations;
            item->metrics.total_iterations += iterations;
        }
    }
    json_array_foreach(benchmarks, i, b) {
        const char *run_type = json_string_value(json_object_get(b, "run_type"));
        if (run_type == NULL || strcmp(run_type, "aggregate") != 0) continue;
        int rc = google_aggregate(ctx, path, b, i, cpu_time, c);
        if (rc != PERFBUDGET_OK) return rc;
    }
    return PERFBUDGET_OK;
}

static int google_benchmark(perfbudget_context *ctx, const char *path, const json_t *root,
                            collection *c) {
    return google_benchmark_times(ctx, path, root, c, 0);
}

static int google_benchmark_cpu(perfbudget_context *ctx, const char *path, const json_t *root,
                                collection *c) {
    return google_benchmark_times(ctx, path, root, c, 1);
}

static int hyperfine(perfbudget_context *ctx, const char *path, const json_t *root,
                     collection *c) {
    const json_t *results = results_array(ctx, path, root, "results", "hyperfine");
    if (results == NULL) return PERFBUDGET_EPARSE;
    size_t i;
    const json_t *r;
    json_array_foreach(results, i, r) {
        const char *name = json_string_value(json_object_get(r, "command"));
        const json_t *times = json_object_get(r, "times");
        if (name == NULL || !json_is_array(times))
            return perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                    "%s: result %zu needs \"command\" and \"times\"", path, i);
        int added;
        collected *item = entry(ctx, c, name, i, &added);
        if (item == NULL) return PERFBUDGET_ENOMEM;
        const origin at = {path, name, i};
        int rc = add_seconds(ctx, &at, item, times, "times");
        if (rc != PERFBUDGET_OK) return rc;
        size_t k;
        const json_t *codes = json_object_get(r, "exit_codes"), *code;
        json_array_foreach(codes, k, code) {
            if (json_integer_value(code) != 0 && item->failure[0] == '\0')
                snprintf(item->failure, sizeof item->failure, "run %zu exited with code %lld",
                         k + 1, (long long)json_integer_value(code));
        }
        double mean = json_number_value(json_object_get(r, "mean"));
        double cpu = json_number_value(json_object_get(r, "user")) +
                     json_number_value(json_object_get(r, "system"));
        if (mean > 0) item->cpu_sum = cpu / mean, item->cpu_n = 1;
        const json_t *memory = json_object_get(r, "memory_usage_byte"), *m;
        json_array_foreach(memory, k, m) {
            double bytes = json_number_value(m);
            if (isnan(item->metrics.peak_rss_bytes) || bytes > item->metrics.peak_rss_bytes)
                item->metrics.peak_rss_bytes = bytes;
        }
        item->metrics.iterations_per_sample = 1;
        item->metrics.total_iterations = item->count;
    }
    return PERFBUDGET_OK;
}

static int nanobench(perfbudget_context *ctx, const char *path, const json_t *root,
                     collection *c) {
    const json_t *results = results_array(ctx, path, root, "results", "nanobench");
    if (results == NULL) return PERFBUDGET_EPARSE;
    size_t i;
    const json_t *r;
    json_array_foreach(results, i, r) {
        const char *name = json_string_value(json_object_get(r, "name"));
        const json_t *measurements = json_object_get(r, "measurements");
        if (name == NULL || !json_is_array(measurements))
            return perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                    "%s: result %zu needs \"name\" and \"measurements\"", path, i);
        int added;
        collected *item = entry(ctx, c, name, i, &added);
        if (item == NULL) return PERFBUDGET_ENOMEM;
        const origin at = {path, name, i};
        size_t k;
        const json_t *m;
        json_array_foreach(measurements, k, m) {
            const json_t *elapsed = json_object_get(m, "elapsed");
            if (!json_is_number(elapsed))
                return perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                        "%s: '%s': measurement %zu has no elapsed time", path,
                                        name, k);
            char where[64];
            snprintf(where, sizeof where, "measurements[%zu].elapsed", k);
            double ns = 0.0;
            int rc = duration_ns(ctx, &at, elapsed, 1e9, "s", where, NO_INDEX, &ns);
            if (rc != PERFBUDGET_OK) return rc;
            if (add_sample(item, ns) != 0)
                return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
            json_int_t iterations = json_integer_value(json_object_get(m, "iterations"));
            if (iterations > 0) {
                item->metrics.iterations_per_sample = (uint64_t)iterations;
                item->metrics.total_iterations += (uint64_t)iterations;
            }
        }
        const json_t *instructions = json_object_get(r, "median(instructions)");
        if (json_is_number(instructions) && json_number_value(instructions) > 0)
            item->metrics.instructions_per_iteration = json_number_value(instructions);
    }
    return PERFBUDGET_OK;
}

/* pytest-benchmark's saved JSON: each benchmark's raw timings when it was saved with
 * --benchmark-save-data, else only its median, one sample (a comparison with a single sample is
 * inconclusive, which is the honest answer). pytest-benchmark writes each test once: a name
 * twice is two tests' figures that must not be mixed into one, so it is refused. */
static int pytest_benchmark(perfbudget_context *ctx, const char *path, const json_t *root,
                            collection *c) {
    const json_t *benchmarks = results_array(ctx, path, root, "benchmarks", "pytest-benchmark");
    if (benchmarks == NULL) return PERFBUDGET_EPARSE;
    size_t i;
    const json_t *b;
    json_array_foreach(benchmarks, i, b) {
        const char *name = json_string_value(json_object_get(b, "fullname"));
        if (name == NULL) name = json_string_value(json_object_get(b, "name"));
        const json_t *stats = json_object_get(b, "stats");
        if (name == NULL || !json_is_object(stats))
            return perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                    "%s: benchmark %zu needs \"fullname\" and \"stats\"", path, i);
        int added;
        collected *item = entry(ctx, c, name, i, &added);
        if (item == NULL) return PERFBUDGET_ENOMEM;
        const origin at = {path, name, i};
        if (!added)
            return refuse(ctx, &at, "the same name as entry %zu (pytest-benchmark writes each "
                                    "test once; a merged file needs its names made unique)",
                          item->first_entry);
        const json_t *data = json_object_get(stats, "data"), *median = json_object_get(stats, "median");
        char text[48];
        if (data != NULL && !json_is_null(data) && !json_is_array(data))
            return refuse(ctx, &at, "stats.data is %s, not an array of times in seconds",
                          shown(data, text, sizeof text));
        int rc = PERFBUDGET_OK;
        if (json_array_size(data) > 0) {
            rc = add_seconds(ctx, &at, item, data, "stats.data");
        } else if (median != NULL) {
            double ns = 0.0;
            rc = duration_ns(ctx, &at, median, 1e9, "s", "stats.median", NO_INDEX, &ns);
            if (rc == PERFBUDGET_OK && add_sample(item, ns) != 0)
                rc = perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
        } else {
            rc = refuse(ctx, &at, "neither stats.data nor stats.median");
        }
        uint64_t iterations;
        if (rc == PERFBUDGET_OK)
            rc = iterations_of(ctx, &at, stats, "stats.iterations", &iterations);
        if (rc != PERFBUDGET_OK) return rc;
        const json_t *ops = json_object_get(stats, "ops");
        if (json_is_number(ops)) item->items_sum += json_number_value(ops), item->items_n++;
        item->metrics.iterations_per_sample = iterations > 0 ? iterations : 1;
    }
    return PERFBUDGET_OK;
}

typedef int (*reader_fn)(perfbudget_context *, const char *, const json_t *, collection *);

/* The reader of a format, or NULL after failing. */
static reader_fn reader_of(perfbudget_context *ctx, const char *format) {
    reader_fn reader = strcmp(format, "google-benchmark") == 0       ? google_benchmark
                       : strcmp(format, "google-benchmark-cpu") == 0 ? google_benchmark_cpu
                       : strcmp(format, "hyperfine") == 0            ? hyperfine
                       : strcmp(format, "nanobench") == 0            ? nanobench
                       : strcmp(format, "pytest-benchmark") == 0     ? pytest_benchmark
                                                                     : NULL;
    if (reader == NULL)
        perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                         "unknown format '%s' (google-benchmark, google-benchmark-cpu, "
                         "nanobench, hyperfine or pytest-benchmark)",
                         format);
    return reader;
}

/* The results of a parsed file; path names it in messages. */
static int import_root(perfbudget_context *ctx, const char *path, const json_t *root,
                       reader_fn reader, const char *single_name, perfbudget_result ***out,
                       size_t *count, perfbudget__import_stats *stats) {
    collection c = {0};
    int code = reader(ctx, path, root, &c);
    if (stats != NULL) stats->name_probes = c.name_probes;
    if (code == PERFBUDGET_OK && c.count == 0)
        code = perfbudget__fail(ctx, PERFBUDGET_EPARSE, "%s: no benchmark results in the file", path);
    perfbudget_result **results = code == PERFBUDGET_OK ? calloc(c.count, sizeof *results) : NULL;
    if (code == PERFBUDGET_OK && results == NULL)
        code = perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    size_t made = 0;
    for (; code == PERFBUDGET_OK && made < c.count; made++) {
        collected *item = &c.items[made];
        perfbudget_metrics *m = &item->metrics;
        m->rounds = item->count;
        if (item->cpu_n) m->cpu_utilization = item->cpu_sum / (double)item->cpu_n;
        if (item->items_n) m->items_per_second = item->items_sum / (double)item->items_n;
        if (item->bytes_n) m->bytes_per_second = item->bytes_sum / (double)item->bytes_n;
        const char *name = c.count == 1 && single_name != NULL ? single_name : item->name;
        char problem[128];
        if (perfbudget__metrics_problem(m, problem, sizeof problem) != NULL) {
            code = perfbudget__fail(ctx, PERFBUDGET_EPARSE, "%s: benchmark '%s': %s", path,
                                    item->name, problem);
            break;
        }
        code = perfbudget_result_new(ctx, name, item->samples, item->count, m,
                                     item->failure[0] ? PERFBUDGET_RUN_FAILED : PERFBUDGET_RUN_OK,
                                     item->failure, &results[made]);
        if (code != PERFBUDGET_OK) break;
    }
    collection_free(&c);
    if (code != PERFBUDGET_OK) {
        perfbudget_results_free(results, made);
        return code;
    }
    *out = results;
    *count = made;
    return PERFBUDGET_OK;
}

int perfbudget_results_new_imported(perfbudget_context *ctx, const char *path, const char *format,
                                    const char *single_name, perfbudget_result ***out,
                                    size_t *count) {
    if (path == NULL || format == NULL || out == NULL || count == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "import: NULL argument");
    reader_fn reader = reader_of(ctx, format);
    if (reader == NULL) return PERFBUDGET_EINVAL;
    *out = NULL;
    *count = 0;
    json_error_t error;
    json_t *root = json_load_file(path, 0, &error);
    if (root == NULL)
        return perfbudget__fail(ctx, error.line < 0 ? PERFBUDGET_EIO : PERFBUDGET_EPARSE,
                                "%s:%d:%d: %s", path, error.line, error.column, error.text);
    int code = import_root(ctx, path, root, reader, single_name, out, count, NULL);
    json_decref(root);
    return code;
}

int perfbudget__results_import_counted(perfbudget_context *ctx, const char *text, size_t size,
                                       const char *name, const char *format,
                                       const char *single_name, perfbudget_result ***out,
                                       size_t *count, perfbudget__import_stats *stats) {
    if (text == NULL || name == NULL || format == NULL || out == NULL || count == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "import: NULL argument");
    reader_fn reader = reader_of(ctx, format);
    if (reader == NULL) return PERFBUDGET_EINVAL;
    *out = NULL;
    *count = 0;
    json_error_t error;
    json_t *root = json_loadb(text, size, 0, &error);
    if (root == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EPARSE, "%s:%d:%d: %s", name, error.line,
                                error.column, error.text);
    int code = import_root(ctx, name, root, reader, single_name, out, count, stats);
    json_decref(root);
    return code;
}

int perfbudget__results_import_text(perfbudget_context *ctx, const char *text, size_t size,
                                    const char *name, const char *format,
                                    const char *single_name, perfbudget_result ***out,
                                    size_t *count) {
    return perfbudget__results_import_counted(ctx, text, size, name, format, single_name, out,
                                              count, NULL);
}

/* The whole of path in *text (malloc'd), or a failure naming it as shown_as. More than limit
 * bytes is refused: a regular file before it is read, anything else (a FIFO) once one byte past
 * the limit has arrived. */
static int read_capped(perfbudget_context *ctx, const char *path, const char *shown_as,
                       size_t limit, char **text, size_t *size) {
    char limit_text[32];
    perfbudget_format_value((double)limit, PERFBUDGET_UNIT_BYTES, limit_text, sizeof limit_text);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0) {
        int error = errno;
        if (fd >= 0) close(fd);
        return perfbudget__fail(ctx, PERFBUDGET_EIO, "%s: cannot read it: %s", shown_as,
                                strerror(error));
    }
    int regular = S_ISREG(info.st_mode);
    if (regular && (uint64_t)info.st_size > (uint64_t)limit) {
        close(fd);
        return perfbudget__fail(ctx, PERFBUDGET_EIO,
                                "%s is larger than %s, the most perfbudget reads of a tool's "
                                "JSON (%llu bytes)",
                                shown_as, limit_text, (unsigned long long)info.st_size);
    }
    /* + 1: the end of a regular file is seen without growing the buffer */
    size_t capacity = regular ? (size_t)info.st_size + 1 : 65536;
    if (capacity > limit + 1) capacity = limit + 1;
    size_t used = 0;
    char *buffer = malloc(capacity);
    int code = buffer == NULL ? perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory")
                              : PERFBUDGET_OK;
    while (code == PERFBUDGET_OK && used <= limit) {
        if (used == capacity) { /* capacity < limit + 1 here: used would exceed the limit */
            size_t grown = capacity > limit / 2 ? limit + 1 : 2 * capacity;
            char *bigger = realloc(buffer, grown);
            if (bigger == NULL) {
                code = perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
                break;
            }
            buffer = bigger;
            capacity = grown;
        }
        ssize_t got = read(fd, buffer + used, capacity - used);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0)
            code = perfbudget__fail(ctx, PERFBUDGET_EIO, "%s: cannot read it: %s", shown_as,
                                    strerror(errno));
        if (got <= 0) break;
        used += (size_t)got;
    }
    close(fd);
    if (code == PERFBUDGET_OK && used > limit)
        code = perfbudget__fail(ctx, PERFBUDGET_EIO,
                                "%s is larger than %s, the most perfbudget reads of a tool's JSON",
                                shown_as, limit_text);
    if (code != PERFBUDGET_OK) {
        free(buffer);
        return code;
    }
    *text = buffer;
    *size = used;
    return PERFBUDGET_OK;
}

int perfbudget__results_import_capped(perfbudget_context *ctx, const char *path,
                                      const char *shown_as, size_t limit, const char *format,
                                      const char *single_name, perfbudget_result ***out,
                                      size_t *count) {
    if (path == NULL || shown_as == NULL || format == NULL || out == NULL || count == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "import: NULL argument");
    *out = NULL;
    *count = 0;
    if (reader_of(ctx, format) == NULL) return PERFBUDGET_EINVAL;
    char *text = NULL;
    size_t size = 0;
    int code = read_capped(ctx, path, shown_as, limit, &text, &size);
    if (code != PERFBUDGET_OK) return code;
    code = perfbudget__results_import_text(ctx, text, size, shown_as, format, single_name, out,
                                           count);
    free(text);
    return code;
}

int perfbudget_results_new_imported_as(perfbudget_context *ctx, const char *path,
                                       const char *shown_as, const char *format,
                                       const char *single_name, perfbudget_result ***out,
                                       size_t *count) {
    return perfbudget__results_import_capped(ctx, path, shown_as, PERFBUDGET__IMPORT_LIMIT, format,
                                             single_name, out, count);
}
