/* SPDX-License-Identifier: MIT */
/* Concurrency: a benchmark's body run by N threads at once. Each thread owns its state (a
 * perfbudget__batch, so its own setup, userdata and stage recorder) and its sample buffer, and
 * reads only the clock; the calling thread creates and frees everything, and alone touches the
 * context and its error message. Threads wait at a gate so that they start together; the wall
 * time runs from the first thread's first batch to the last thread's last. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- arithmetic on samples ------------------------------------------------------------------ */

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quantile q of sorted values by linear interpolation (numpy's default, as stats.c). */
static double sorted_quantile(const double *sorted, size_t n, double q) {
    double position = q * (double)(n - 1);
    size_t low = (size_t)position;
    if (low + 1 >= n) return sorted[n - 1];
    double fraction = position - (double)low;
    return sorted[low] + fraction * (sorted[low + 1] - sorted[low]);
}

static int check_samples(perfbudget_context *ctx, uint32_t threads, const double *const *samples,
                         const size_t *counts, size_t *total) {
    *total = 0;
    for (uint32_t t = 0; t < threads; t++) {
        if (counts[t] == 0 || samples[t] == NULL)
            return perfbudget__fail(ctx, PERFBUDGET_ENODATA,
                                    "scaling: thread %u of %u has no samples", (unsigned)t,
                                    (unsigned)threads);
        for (size_t i = 0; i < counts[t]; i++)
            if (!isfinite(samples[t][i]) || samples[t][i] < 0.0)
                return perfbudget__fail(ctx, PERFBUDGET_EDOMAIN,
                                        "scaling: thread %u's sample %zu is %g; samples are "
                                        "finite and not negative", (unsigned)t, i,
                                        samples[t][i]);
        *total += counts[t];
    }
    return PERFBUDGET_OK;
}

int perfbudget_scaling_point_from_samples(perfbudget_context *ctx, uint32_t threads,
                                          const double *const *samples, const size_t *counts,
                                          uint64_t calls_per_sample, double wall_ns,
                                          perfbudget_scaling_point *out) {
    if (samples == NULL || counts == NULL || out == NULL || threads == 0 ||
        threads > PERFBUDGET_THREADS_MAX || calls_per_sample == 0)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "scaling: invalid argument (threads from 1 to %d, at least one "
                                "call per sample)", PERFBUDGET_THREADS_MAX);
    size_t total;
    int status = check_samples(ctx, threads, samples, counts, &total);
    if (status != PERFBUDGET_OK) return status;
    double *all = malloc(total * sizeof *all);
    if (all == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "scaling: out of memory");
    memset(out, 0, sizeof *out);
    out->threads = threads;
    out->efficiency = NAN;
    double longest_busy_ns = 0.0, slowest = 0.0, fastest = INFINITY;
    size_t used = 0;
    for (uint32_t t = 0; t < threads; t++) {
        double *mine = all + used, busy_ns = 0.0;
        memcpy(mine, samples[t], counts[t] * sizeof *mine);
        for (size_t i = 0; i < counts[t]; i++) busy_ns += mine[i] * (double)calls_per_sample;
        qsort(mine, counts[t], sizeof *mine, compare_doubles);
        perfbudget_thread_latency *latency = &out->thread[t];
        latency->samples = counts[t];
        latency->p50_ns = sorted_quantile(mine, counts[t], 0.5);
        latency->p90_ns = sorted_quantile(mine, counts[t], 0.9);
        latency->p99_ns = sorted_quantile(mine, counts[t], 0.99);
        slowest = fmax(slowest, latency->p50_ns);
        fastest = fmin(fastest, latency->p50_ns);
        longest_busy_ns = fmax(longest_busy_ns, busy_ns);
        used += counts[t];
    }
    qsort(all, total, sizeof *all, compare_doubles);
    out->p50_ns = sorted_quantile(all, total, 0.5);
    out->p99_ns = sorted_quantile(all, total, 0.99);
    free(all);
    out->calls = (double)total * (double)calls_per_sample;
    out->wall_ns = wall_ns > 0.0 ? wall_ns : longest_busy_ns;
    out->throughput = out->wall_ns > 0.0 ? out->calls * 1e9 / out->wall_ns : NAN;
    out->spread = fastest > 0.0 ? slowest / fastest : (slowest > 0.0 ? INFINITY : 1.0);
    return PERFBUDGET_OK;
}

int perfbudget_scaling_set_efficiency(perfbudget_scaling_point *points, size_t count) {
    if (points == NULL && count > 0) return PERFBUDGET_EINVAL;
    double one = NAN;
    for (size_t i = 0; i < count; i++)
        if (points[i].threads == 1) one = points[i].throughput;
    for (size_t i = 0; i < count; i++)
        points[i].efficiency = one > 0.0 && points[i].threads > 0
                                   ? points[i].throughput / ((double)points[i].threads * one)
                                   : NAN;
    return PERFBUDGET_OK;
}

int perfbudget_scaling_plan(const perfbudget_result *result, const perfbudget_run_options *opts,
                            uint64_t *iterations, uint32_t *samples_per_thread) {
    if (result == NULL || iterations == NULL || samples_per_thread == NULL)
        return PERFBUDGET_EINVAL;
    perfbudget_run_options known;
    if (perfbudget__run_options_read(NULL, opts, &known) != PERFBUDGET_OK) return PERFBUDGET_EINVAL;
    opts = &known;
    uint64_t per_sample = perfbudget_result_metrics(result)->iterations_per_sample;
    *iterations = per_sample > 0 ? per_sample : 1;
    double batch_ns = perfbudget_result_summary(result)->median * (double)*iterations;
    double wanted = batch_ns > 0.0 ? ceil((double)opts->min_time_ns / batch_ns) : 0.0;
    uint32_t samples = opts->min_rounds < 10 ? 10 : opts->min_rounds;
    if (samples > 100000) samples = 100000;
    if (wanted > samples) samples = wanted < 100000.0 ? (uint32_t)wanted : 100000;
    *samples_per_thread = samples;
    return PERFBUDGET_OK;
}

/* ---- running threads ------------------------------------------------------------------------ */

/* Where the threads wait until every one of them exists, so that they start together; when one
 * could not be started, the others are let go with abandon set and take no samples. */
typedef struct gate {
    pthread_mutex_t lock;
    pthread_cond_t opened;
    int open, abandon;
} gate;

/* One thread's part: what it reads is set before it starts, what it writes is its own. */
typedef struct worker {
    pthread_t thread;
    perfbudget__batch *batch;
    gate *start;
    perfbudget_context *ctx; /* read only: its clock */
    uint64_t iterations;
    uint32_t sample_count;
    double *samples; /* ns per call, sample_count of them */
    uint32_t taken;
    uint64_t first_ns, last_ns;
    int failed;
} worker;

static void *work(void *arg) {
    worker *w = arg;
    pthread_mutex_lock(&w->start->lock);
    while (!w->start->open) pthread_cond_wait(&w->start->opened, &w->start->lock);
    uint32_t sample_count = w->start->abandon ? 0 : w->sample_count;
    pthread_mutex_unlock(&w->start->lock);
    w->first_ns = perfbudget_context_now_ns(w->ctx);
    w->last_ns = w->first_ns;
    for (w->taken = 0; w->taken < sample_count; w->taken++) {
        uint64_t elapsed_ns;
        if (perfbudget__batch_run(w->batch, w->iterations, &elapsed_ns) != 0) {
            w->failed = 1;
            break;
        }
        w->samples[w->taken] = (double)elapsed_ns / (double)w->iterations;
    }
    w->last_ns = perfbudget_context_now_ns(w->ctx);
    return NULL;
}

typedef struct crew {
    worker workers[PERFBUDGET_THREADS_MAX];
    double *buffer; /* every worker's samples, side by side */
    gate start;
    uint32_t made, started;
} crew;

/* Each worker's state, made in this thread: setup runs here, and a failure is reported here. */
static int crew_prepare(perfbudget_context *ctx, crew *c, const perfbudget_benchmark_def *def,
                        uint64_t size, uint32_t threads, uint64_t iterations, uint32_t samples) {
    c->buffer = malloc((size_t)threads * samples * sizeof *c->buffer);
    if (c->buffer == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "threads: out of memory");
    for (uint32_t t = 0; t < threads; t++) {
        worker *w = &c->workers[t];
        w->start = &c->start;
        w->ctx = ctx;
        w->iterations = iterations;
        w->sample_count = samples;
        w->samples = c->buffer + (size_t)t * samples;
        if (perfbudget__batch_new_thread(ctx, def, size, t, threads, &w->batch) != PERFBUDGET_OK)
            return PERFBUDGET_ENOMEM;
        c->made++; /* freed by crew_release, its teardown run when its setup succeeded */
        const char *why;
        if (perfbudget__batch_status(w->batch, &why) != PERFBUDGET_RUN_OK)
            return perfbudget__fail(ctx, PERFBUDGET_ESTATE, "%s with %u threads: thread %u: %s",
                                    def->name, (unsigned)threads, (unsigned)t, why);
    }
    return PERFBUDGET_OK;
}

static void crew_release(crew *c) {
    for (uint32_t t = 0; t < c->made; t++) perfbudget__batch_free(c->workers[t].batch);
    free(c->buffer);
}

/* The first worker that failed, as the run's error; PERFBUDGET_OK when none did. */
static int crew_failure(perfbudget_context *ctx, const crew *c, const char *name,
                        uint32_t threads) {
    for (uint32_t t = 0; t < threads; t++) {
        if (!c->workers[t].failed) continue;
        const char *why;
        perfbudget__batch_status(c->workers[t].batch, &why);
        return perfbudget__fail(ctx, PERFBUDGET_ESTATE, "%s with %u threads: thread %u: %s",
                                name, (unsigned)threads, (unsigned)t, why);
    }
    return PERFBUDGET_OK;
}

static int crew_run(perfbudget_context *ctx, crew *c, uint32_t threads) {
    gate *g = &c->start;
    if (pthread_mutex_init(&g->lock, NULL) != 0)
        return perfbudget__fail(ctx, PERFBUDGET_EUNAVAILABLE, "threads: no mutex");
    if (pthread_cond_init(&g->opened, NULL) != 0) {
        pthread_mutex_destroy(&g->lock);
        return perfbudget__fail(ctx, PERFBUDGET_EUNAVAILABLE, "threads: no condition variable");
    }
    for (; c->started < threads; c->started++)
        if (pthread_create(&c->workers[c->started].thread, NULL, work,
                           &c->workers[c->started]) != 0)
            break;
    pthread_mutex_lock(&g->lock);
    g->open = 1;
    g->abandon = c->started < threads;
    pthread_cond_broadcast(&g->opened);
    pthread_mutex_unlock(&g->lock);
    for (uint32_t t = 0; t < c->started; t++) pthread_join(c->workers[t].thread, NULL);
    pthread_cond_destroy(&g->opened);
    pthread_mutex_destroy(&g->lock);
    if (c->started < threads)
        return perfbudget__fail(ctx, PERFBUDGET_EUNAVAILABLE,
                                "threads: could start only %u of %u threads",
                                (unsigned)c->started, (unsigned)threads);
    return PERFBUDGET_OK;
}

int perfbudget_suite_run_threads(perfbudget_suite *suite, size_t index, uint32_t threads,
                                 uint64_t iterations, uint32_t samples_per_thread,
                                 perfbudget_scaling_point *out) {
    perfbudget_context *ctx = perfbudget__suite_context(suite);
    uint64_t size = 0;
    const perfbudget_benchmark_def *def = perfbudget__suite_def(suite, index, &size);
    if (def == NULL || out == NULL || threads == 0 || threads > PERFBUDGET_THREADS_MAX ||
        samples_per_thread == 0)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "run_threads: invalid argument (threads from 1 to %d, at least "
                                "one sample)", PERFBUDGET_THREADS_MAX);
    if (iterations == 0) iterations = 1;
    crew *c = calloc(1, sizeof *c);
    if (c == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "threads: out of memory");
    int status = crew_prepare(ctx, c, def, size, threads, iterations, samples_per_thread);
    if (status == PERFBUDGET_OK) status = crew_run(ctx, c, threads);
    if (status == PERFBUDGET_OK) status = crew_failure(ctx, c, def->name, threads);
    if (status == PERFBUDGET_OK) {
        const double *samples[PERFBUDGET_THREADS_MAX];
        size_t counts[PERFBUDGET_THREADS_MAX];
        uint64_t first = UINT64_MAX, last = 0;
        for (uint32_t t = 0; t < threads; t++) {
            samples[t] = c->workers[t].samples;
            counts[t] = c->workers[t].taken;
            if (c->workers[t].first_ns < first) first = c->workers[t].first_ns;
            if (c->workers[t].last_ns > last) last = c->workers[t].last_ns;
        }
        status = perfbudget_scaling_point_from_samples(ctx, threads, samples, counts, iterations,
                                                       last > first ? (double)(last - first) : 0.0,
                                                       out);
    }
    crew_release(c);
    free(c);
    return status;
}

/* ---- judging and describing ----------------------------------------------------------------- */

int perfbudget_scaling_judge(perfbudget_context *ctx, const perfbudget_budget *budget,
                             const char *name, const perfbudget_scaling_point *points,
                             size_t count, perfbudget_scaling_verdict *out) {
    if (name == NULL || out == NULL || (points == NULL && count > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "scaling judge: invalid argument");
    memset(out, 0, sizeof *out);
    out->status = PERFBUDGET_LIMIT_PASS;
    out->allowed_pct = out->measured_pct = NAN;
    perfbudget_effective_budget effective;
    if (budget == NULL || perfbudget__budget_resolve(budget, name, &effective) != PERFBUDGET_OK ||
        effective.scaling_threads == 0)
        return PERFBUDGET_OK;
    out->threads = effective.scaling_threads;
    out->allowed_pct = effective.scaling_efficiency_pct;
    for (size_t i = 0; i < count; i++)
        if (points[i].threads == out->threads) out->measured_pct = points[i].efficiency * 100.0;
    if (isnan(out->measured_pct)) {
        out->status = PERFBUDGET_LIMIT_UNAVAILABLE;
        snprintf(out->text, sizeof out->text,
                 "%u threads: efficiency n/a (not run with %u threads) >= %.4g %% allowed "
                 "(scaling:)", (unsigned)out->threads, (unsigned)out->threads, out->allowed_pct);
        return PERFBUDGET_OK;
    }
    int below = out->measured_pct < out->allowed_pct;
    out->status = below ? PERFBUDGET_LIMIT_FAIL : PERFBUDGET_LIMIT_PASS;
    snprintf(out->text, sizeof out->text,
             "%u threads: efficiency %.1f %% %s %.4g %% allowed (scaling:)",
             (unsigned)out->threads, out->measured_pct, below ? "<" : ">=", out->allowed_pct);
    return PERFBUDGET_OK;
}

char *perfbudget_scaling_describe(const perfbudget_scaling_point *points, size_t count,
                                  char *buf, size_t size) {
    if (buf == NULL || size == 0) return buf;
    buf[0] = '\0';
    if (points == NULL || count == 0) return buf;
    static const char *const prefixes[] = {"threads ", ": ", " calls/s, efficiency ",
                                           " %, spread "};
    size_t used = 0;
    for (int part = 0; part < 4; part++) {
        int n = snprintf(buf + used, used < size ? size - used : 0, "%s", prefixes[part]);
        if (n > 0) used += (size_t)n;
        for (size_t i = 0; i < count && used < size; i++) {
            const perfbudget_scaling_point *p = &points[i];
            const char *sep = i + 1 < count ? "/" : "";
            if (part == 0)
                n = snprintf(buf + used, size - used, "%u%s", (unsigned)p->threads, sep);
            else if (part == 1)
                n = snprintf(buf + used, size - used, "%.3g%s", p->throughput, sep);
            else if (part == 2 && isnan(p->efficiency))
                n = snprintf(buf + used, size - used, "n/a%s", sep);
            else if (part == 2)
                n = snprintf(buf + used, size - used, "%.0f%s", p->efficiency * 100.0, sep);
            else
                n = snprintf(buf + used, size - used, "%.2f%s", p->spread, sep);
            if (n > 0) used += (size_t)n;
        }
    }
    if (used >= size) buf[size - 1] = '\0';
    return buf;
}
