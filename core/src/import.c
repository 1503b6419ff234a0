/* SPDX-License-Identifier: MIT */
/* Results of other benchmark tools (Google Benchmark, hyperfine, nanobench) as perfbudget
 * results, so existing suites get budgets, baselines and CTest integration unchanged. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A growing list of (name, samples, metrics) being collected. */
typedef struct collected {
    char *name;
    double *samples;
    size_t count, capacity;
    perfbudget_metrics metrics;
    double cpu_sum, items_sum, bytes_sum; /* for means over samples */
    size_t cpu_n, items_n, bytes_n;
    char failure[256];
} collected;

typedef struct collection {
    collected *items;
    size_t count, capacity;
} collection;

static collected *find_or_add(collection *c, const char *name) {
    for (size_t i = 0; i < c->count; i++)
        if (strcmp(c->items[i].name, name) == 0) return &c->items[i];
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
    c->count++;
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

/* The entry of this name (a new one the first time), or NULL after failing. */
static collected *entry(perfbudget_context *ctx, collection *c, const char *name) {
    collected *item = find_or_add(c, name);
    if (item == NULL) perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    return item;
}

/* Times in seconds, each a sample in ns; what names an element in the error ("time 3"). */
static int add_seconds(perfbudget_context *ctx, const char *path, collected *item,
                       const json_t *times, const char *what) {
    size_t k;
    const json_t *t;
    json_array_foreach(times, k, t) {
        if (!json_is_number(t))
            return perfbudget__fail(ctx, PERFBUDGET_EPARSE, "%s: '%s': %s %zu is not a number",
                                    path, item->name, what, k);
        if (add_sample(item, json_number_value(t) * 1e9) != 0)
            return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    }
    return PERFBUDGET_OK;
}

static int google_benchmark(perfbudget_context *ctx, const char *path, const json_t *root,
                            collection *c) {
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
        collected *item = entry(ctx, c, name);
        if (item == NULL) return PERFBUDGET_ENOMEM;
        if (json_is_true(json_object_get(b, "error_occurred"))) {
            const char *message = json_string_value(json_object_get(b, "error_message"));
            snprintf(item->failure, sizeof item->failure, "the benchmark reported an error: %s",
                     message ? message : "(no message)");
            continue;
        }
        double factor = unit_factor(json_string_value(json_object_get(b, "time_unit")));
        const json_t *real = json_object_get(b, "real_time"), *cpu = json_object_get(b, "cpu_time");
        if (!json_is_number(real) || isnan(factor))
            return perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                    "%s: benchmark '%s' lacks real_time or has an unknown time_unit",
                                    path, name);
        double real_ns = json_number_value(real) * factor;
        if (add_sample(item, real_ns) != 0)
            return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
        if (json_is_number(cpu) && real_ns > 0)
            item->cpu_sum += json_number_value(cpu) * factor / real_ns, item->cpu_n++;
        const json_t *items = json_object_get(b, "items_per_second");
        const json_t *bytes = json_object_get(b, "bytes_per_second");
        if (json_is_number(items)) item->items_sum += json_number_value(items), item->items_n++;
        if (json_is_number(bytes)) item->bytes_sum += json_number_value(bytes), item->bytes_n++;
        json_int_t iterations = json_integer_value(json_object_get(b, "iterations"));
        if (iterations > 0) {
            item->metrics.iterations_per_sample = (uint64_t)iterations;
            item->metrics.total_iterations += (uint64_t)iterations;
        }
    }
    return PERFBUDGET_OK;
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
        collected *item = entry(ctx, c, name);
        if (item == NULL) return PERFBUDGET_ENOMEM;
        int rc = add_seconds(ctx, path, item, times, "time");
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
        collected *item = entry(ctx, c, name);
        if (item == NULL) return PERFBUDGET_ENOMEM;
        size_t k;
        const json_t *m;
        json_array_foreach(measurements, k, m) {
            const json_t *elapsed = json_object_get(m, "elapsed");
            if (!json_is_number(elapsed))
                return perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                                        "%s: '%s': measurement %zu has no elapsed time", path,
                                        name, k);
            if (add_sample(item, json_number_value(elapsed) * 1e9) != 0)
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
 * inconclusive, which is the honest answer). */
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
        collected *item = entry(ctx, c, name);
        if (item == NULL) return PERFBUDGET_ENOMEM;
        const json_t *data = json_object_get(stats, "data"), *median = json_object_get(stats, "median");
        if (json_is_array(data) && json_array_size(data) > 0) {
            int rc = add_seconds(ctx, path, item, data, "data");
            if (rc != PERFBUDGET_OK) return rc;
        } else if (json_is_number(median)) {
            if (add_sample(item, json_number_value(median) * 1e9) != 0)
                return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
        } else {
            return perfbudget__fail(ctx, PERFBUDGET_EPARSE, "%s: '%s' has neither data nor a median",
                                    path, name);
        }
        const json_t *ops = json_object_get(stats, "ops");
        if (json_is_number(ops)) item->items_sum += json_number_value(ops), item->items_n++;
        json_int_t iterations = json_integer_value(json_object_get(stats, "iterations"));
        item->metrics.iterations_per_sample = iterations > 0 ? (uint64_t)iterations : 1;
    }
    return PERFBUDGET_OK;
}

typedef int (*reader_fn)(perfbudget_context *, const char *, const json_t *, collection *);

/* The reader of a format, or NULL after failing. */
static reader_fn reader_of(perfbudget_context *ctx, const char *format) {
    reader_fn reader = strcmp(format, "google-benchmark") == 0   ? google_benchmark
                       : strcmp(format, "hyperfine") == 0        ? hyperfine
                       : strcmp(format, "nanobench") == 0        ? nanobench
                       : strcmp(format, "pytest-benchmark") == 0 ? pytest_benchmark
                                                                 : NULL;
    if (reader == NULL)
        perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                         "unknown format '%s' (google-benchmark, nanobench, hyperfine or "
                         "pytest-benchmark)",
                         format);
    return reader;
}

/* The results of a parsed file; path names it in messages. */
static int import_root(perfbudget_context *ctx, const char *path, const json_t *root,
                       reader_fn reader, const char *single_name, perfbudget_result ***out,
                       size_t *count) {
    collection c = {0};
    int code = reader(ctx, path, root, &c);
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

int perfbudget_results_import(perfbudget_context *ctx, const char *path, const char *format,
                              const char *single_name, perfbudget_result ***out, size_t *count) {
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
    int code = import_root(ctx, path, root, reader, single_name, out, count);
    json_decref(root);
    return code;
}

int perfbudget__results_import_text(perfbudget_context *ctx, const char *text, size_t size,
                                    const char *name, const char *format,
                                    const char *single_name, perfbudget_result ***out,
                                    size_t *count) {
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
    int code = import_root(ctx, name, root, reader, single_name, out, count);
    json_decref(root);
    return code;
}
