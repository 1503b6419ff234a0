/* SPDX-License-Identifier: MIT */
/* Interleaved A/B comparison: baseline and candidate measured alternately, batch by batch in
 * this process or run by run as commands, and the paired test that judges them. Measuring the
 * two sides within milliseconds of each other cancels the machine's drift, which separate runs
 * minutes apart cannot (docs/statistics.md, "Interleaved comparison"). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void perfbudget_interleave_options_init(perfbudget_interleave_options *opts) {
    if (opts == NULL) return;
    opts->time_budget_ns = UINT64_C(2000000000);
    opts->max_pairs = 0;
    opts->min_pairs = 10;
    opts->batch_ns = UINT64_C(1000000);
    opts->warmup_pairs = 1;
}

void perfbudget_paired_options_init(perfbudget_paired_options *opts) {
    if (opts == NULL) return;
    opts->threshold_pct = 5.0;
    opts->critical_pct = 0.0;
    opts->floor_pct = 0.5;
    opts->alpha = 0.05;
    opts->higher_is_better = 0;
}

/* ---- the pairs, as they are measured ----------------------------------------------------------- */

typedef struct pairs {
    double *baseline, *candidate; /* ns per iteration (or per run) */
    size_t count, capacity;
    double baseline_ns, candidate_ns; /* measured time of each side */
    uint64_t iterations;              /* per batch */
} pairs;

static int pairs_add(pairs *p, double baseline, double candidate) {
    if (p->count == p->capacity) {
        size_t capacity = p->capacity ? 2 * p->capacity : 256;
        double *a = realloc(p->baseline, capacity * sizeof *a);
        if (a != NULL) p->baseline = a;
        double *b = realloc(p->candidate, capacity * sizeof *b);
        if (b != NULL) p->candidate = b;
        if (a == NULL || b == NULL) return -1;
        p->capacity = capacity;
    }
    p->baseline[p->count] = baseline;
    p->candidate[p->count] = candidate;
    p->count++;
    return 0;
}

/* Which side runs first in the next pair (0 the baseline, 1 the candidate): at random, from a
 * fixed seed so a run's order repeats. A fixed ABBA order can phase-lock with periodic
 * interference: 1 ms batches make one ABBA cycle last 4 ms, the period of a 250 Hz scheduler
 * tick. Measured here with the other CPU busy, something periodic then slowed the same side by
 * about 2 % in pair after pair, and two identical builds differed by more than the floor. */
#define ORDER_SEED UINT64_C(0x243F6A8885A308D3)

static int first_of_pair(uint64_t *state) { return (int)(perfbudget__splitmix64(state) >> 63); }

/* Alternating needs an end: a time budget or a number of pairs. */
static int check_interleave_options(perfbudget_context *ctx, const char *fn,
                                    const perfbudget_interleave_options *o) {
    if (o->time_budget_ns == 0 && o->max_pairs == 0)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "%s: a time budget or a number of pairs is needed", fn);
    return PERFBUDGET_OK;
}

static int pairs_done(const pairs *p, const perfbudget_interleave_options *o, uint64_t spent_ns) {
    if (o->max_pairs != 0 && p->count >= o->max_pairs) return 1;
    if (p->count < o->min_pairs) return 0;
    return o->time_budget_ns != 0 && spent_ns >= o->time_budget_ns;
}

/* Both results from the pairs; each side's status and reason (a failed side) travel along. */
static int make_results(perfbudget_context *ctx, const char *name, const pairs *p,
                        perfbudget_run_status status_a, const char *message_a,
                        perfbudget_run_status status_b, const char *message_b,
                        perfbudget_result **baseline_out, perfbudget_result **candidate_out) {
    perfbudget_metrics metrics;
    perfbudget_metrics_init(&metrics);
    perfbudget_clock_info clock = perfbudget_context_clock_info(ctx);
    metrics.iterations_per_sample = p->iterations;
    metrics.rounds = p->count;
    metrics.total_iterations = p->iterations * p->count;
    metrics.clock_overhead_ns = clock.overhead_ns;
    metrics.clock_resolution_ns = clock.resolution_ns;
    perfbudget_result *a = NULL, *b = NULL;
    metrics.wall_ns = p->baseline_ns;
    int code = perfbudget_result_new(ctx, name, p->baseline, p->count, &metrics, status_a,
                                     message_a, &a);
    metrics.wall_ns = p->candidate_ns;
    if (code == PERFBUDGET_OK)
        code = perfbudget_result_new(ctx, name, p->candidate, p->count, &metrics, status_b,
                                     message_b, &b);
    if (code != PERFBUDGET_OK) {
        perfbudget_result_free(a);
        return code;
    }
    *baseline_out = a;
    *candidate_out = b;
    return PERFBUDGET_OK;
}

/* ---- in-process, batch by batch ---------------------------------------------------------------- */

/* The batch size: grow the baseline's batch until one lasts the target (like the benchmark
 * loop: by the ratio still missing with headroom, 2x to 10x a step). These batches warm the
 * baseline up. Returns 0, or -1 when the body failed. */
static int calibrate(perfbudget_context *ctx, perfbudget__batch *a, uint64_t target_ns,
                     uint64_t limit_ns, uint64_t *iterations) {
    uint64_t n = 1, start = perfbudget_context_now_ns(ctx);
    for (;;) {
        uint64_t elapsed;
        if (perfbudget__batch_run(a, n, &elapsed) != 0) return -1;
        if (elapsed >= target_ns) {
            /* The last step may overshoot up to 10x: scale back to the target. */
            double fitted = floor((double)n * (double)target_ns / (double)elapsed);
            if (fitted >= 1.0 && fitted < (double)n) n = (uint64_t)fitted;
            break;
        }
        if (perfbudget_context_now_ns(ctx) - start >= limit_ns) break;
        double factor = elapsed == 0 ? 10.0 : 1.4 * (double)target_ns / (double)elapsed;
        factor = fmin(10.0, fmax(2.0, factor));
        double next = ceil((double)n * factor);
        if (next > 1e15) break;
        n = (uint64_t)next;
    }
    *iterations = n;
    return 0;
}

/* How long one batch of a pair should take: --batch, else long against the clock's overhead
 * and resolution, and at least 100 µs. */
static uint64_t batch_target_ns(perfbudget_context *ctx,
                                const perfbudget_interleave_options *opts) {
    if (opts->batch_ns != 0) return opts->batch_ns;
    perfbudget_clock_info clock = perfbudget_context_clock_info(ctx);
    double automatic = fmax(1000.0 * clock.overhead_ns, 100.0 * clock.resolution_ns);
    return automatic > 100000.0 ? (uint64_t)automatic : UINT64_C(100000);
}

int perfbudget_interleave_run(perfbudget_context *ctx, const char *name,
                              const perfbudget_benchmark_def *baseline,
                              const perfbudget_benchmark_def *candidate,
                              const perfbudget_interleave_options *opts,
                              perfbudget_result **baseline_out, perfbudget_result **candidate_out) {
    perfbudget_interleave_options defaults;
    if (opts == NULL) {
        perfbudget_interleave_options_init(&defaults);
        opts = &defaults;
    }
    if (baseline == NULL || candidate == NULL || baseline->run == NULL || candidate->run == NULL ||
        baseline_out == NULL || candidate_out == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "interleave_run: two benchmarks with a body are needed");
    if (check_interleave_options(ctx, "interleave_run", opts) != PERFBUDGET_OK)
        return PERFBUDGET_EINVAL;
    if (name == NULL) name = baseline->name ? baseline->name : "";
    perfbudget__batch *side[2] = {NULL, NULL};
    int code = perfbudget__batch_new(ctx, baseline, &side[0]);
    if (code == PERFBUDGET_OK) code = perfbudget__batch_new(ctx, candidate, &side[1]);
    if (code != PERFBUDGET_OK) {
        perfbudget__batch_free(side[0]);
        return code;
    }
    pairs p = {0};
    int out_of_memory = 0;
    uint64_t start = perfbudget_context_now_ns(ctx);
    uint64_t target = batch_target_ns(ctx, opts);
    int ok = perfbudget__batch_status(side[0], NULL) == PERFBUDGET_RUN_OK &&
             perfbudget__batch_status(side[1], NULL) == PERFBUDGET_RUN_OK &&
             calibrate(ctx, side[0], target,
                       opts->time_budget_ns ? opts->time_budget_ns / 4 + 1 : UINT64_MAX,
                       &p.iterations) == 0;
    uint64_t order = ORDER_SEED;
    for (uint64_t pair = 0; ok; pair++) {
        int warmup = pair < opts->warmup_pairs;
        if (!warmup && pairs_done(&p, opts, perfbudget_context_now_ns(ctx) - start)) break;
        int first = first_of_pair(&order);
        uint64_t elapsed[2];
        if (perfbudget__batch_run(side[first], p.iterations, &elapsed[first]) != 0 ||
            perfbudget__batch_run(side[1 - first], p.iterations, &elapsed[1 - first]) != 0)
            break;
        if (warmup) continue;
        double n = (double)p.iterations;
        if (pairs_add(&p, (double)elapsed[0] / n, (double)elapsed[1] / n) != 0) {
            out_of_memory = 1;
            break;
        }
        p.baseline_ns += (double)elapsed[0];
        p.candidate_ns += (double)elapsed[1];
    }
    const char *message_a, *message_b;
    perfbudget_run_status status_a = perfbudget__batch_status(side[0], &message_a);
    perfbudget_run_status status_b = perfbudget__batch_status(side[1], &message_b);
    if (out_of_memory)
        code = perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "interleave_run: out of memory");
    else
        code = make_results(ctx, name, &p, status_a, message_a, status_b, message_b,
                            baseline_out, candidate_out);
    perfbudget__batch_free(side[0]);
    perfbudget__batch_free(side[1]);
    free(p.baseline);
    free(p.candidate);
    return code;
}

/* ---- whole processes, run by run --------------------------------------------------------------- */

/* One measured run of argv (with warmup runs first when asked): its wall time in *ns, or the
 * reason it failed in *failed (a result the caller frees). */
static int run_command(perfbudget_context *ctx, const char *name, char *const argv[],
                       const perfbudget_command_options *command, uint32_t warmup, double *ns,
                       perfbudget_result **failed) {
    perfbudget_command_options o = *command;
    o.runs = 1;
    o.warmup_runs = warmup;
    perfbudget_result *r = NULL;
    /* Unprobed: the pairs keep only each run's time, and the spawn probe costs a fork. */
    int code = perfbudget__command_measure(ctx, name, argv, &o, 0, &r);
    if (code != PERFBUDGET_OK) return code;
    size_t count = 0;
    const double *samples = perfbudget_result_samples(r, &count);
    if (perfbudget_result_status(r) != PERFBUDGET_RUN_OK || count != 1) {
        *failed = r;
        return PERFBUDGET_OK;
    }
    *ns = samples[0];
    perfbudget_result_free(r);
    return PERFBUDGET_OK;
}

/* The two results of the pairs; a side whose command failed (failed[side], else NULL) is a
 * failed result with that run's status, message and output. */
static int command_results(perfbudget_context *ctx, const char *name, const pairs *p,
                           perfbudget_result *const failed[2], perfbudget_result **baseline_out,
                           perfbudget_result **candidate_out) {
    perfbudget_run_status status[2];
    const char *message[2];
    for (int i = 0; i < 2; i++) {
        status[i] = failed[i] ? perfbudget_result_status(failed[i]) : PERFBUDGET_RUN_OK;
        message[i] = failed[i] ? perfbudget_result_message(failed[i]) : "";
    }
    int code = make_results(ctx, name, p, status[0], message[0], status[1], message[1],
                            baseline_out, candidate_out);
    for (int i = 0; i < 2 && code == PERFBUDGET_OK; i++)
        if (failed[i] != NULL)
            perfbudget__result_take_output(i ? *candidate_out : *baseline_out,
                                           perfbudget__strdup(perfbudget_result_output(failed[i])));
    return code;
}

int perfbudget_interleave_commands(perfbudget_context *ctx, const char *name,
                                   char *const baseline_argv[], char *const candidate_argv[],
                                   const perfbudget_command_options *command,
                                   const perfbudget_interleave_options *opts,
                                   perfbudget_result **baseline_out,
                                   perfbudget_result **candidate_out) {
    perfbudget_interleave_options defaults;
    if (opts == NULL) {
        perfbudget_interleave_options_init(&defaults);
        opts = &defaults;
    }
    perfbudget_command_options known;
    if (perfbudget__command_options_read(ctx, command, &known) != PERFBUDGET_OK)
        return PERFBUDGET_EINVAL;
    command = &known;
    if (baseline_argv == NULL || baseline_argv[0] == NULL || candidate_argv == NULL ||
        candidate_argv[0] == NULL || baseline_out == NULL || candidate_out == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "interleave_commands: two commands are needed");
    if (check_interleave_options(ctx, "interleave_commands", opts) != PERFBUDGET_OK)
        return PERFBUDGET_EINVAL;
    if (name == NULL) name = "command";
    char *const *argv[2] = {baseline_argv, candidate_argv};
    perfbudget_result *failed[2] = {NULL, NULL};
    pairs p = {.iterations = 1};
    int code = PERFBUDGET_OK;
    double spent = 0.0;
    uint64_t order = ORDER_SEED;
    for (uint64_t pair = 0; code == PERFBUDGET_OK; pair++) {
        if (pairs_done(&p, opts, (uint64_t)spent)) break;
        int first = first_of_pair(&order);
        uint32_t warmup = pair == 0 ? command->warmup_runs : 0;
        double ns[2];
        code = run_command(ctx, name, argv[first], command, warmup, &ns[first], &failed[first]);
        if (code != PERFBUDGET_OK || failed[first] != NULL) break;
        code = run_command(ctx, name, argv[1 - first], command, warmup, &ns[1 - first],
                           &failed[1 - first]);
        if (code != PERFBUDGET_OK || failed[1 - first] != NULL) break;
        if (pairs_add(&p, ns[0], ns[1]) != 0) {
            code = perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "interleave_commands: out of memory");
            break;
        }
        p.baseline_ns += ns[0];
        p.candidate_ns += ns[1];
        spent += ns[0] + ns[1];
    }
    if (code == PERFBUDGET_OK)
        code = command_results(ctx, name, &p, failed, baseline_out, candidate_out);
    perfbudget_result_free(failed[0]);
    perfbudget_result_free(failed[1]);
    free(p.baseline);
    free(p.candidate);
    return code;
}

/* ---- the paired test ------------------------------------------------------------------------- */

static int check_paired_options(perfbudget_context *ctx, const perfbudget_paired_options *o) {
    if (!(o->threshold_pct >= 0.0) || isinf(o->threshold_pct))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "paired_compare: threshold %g%% must be a finite value >= 0",
                                o->threshold_pct);
    if (!(o->floor_pct >= 0.0) || isinf(o->floor_pct))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "paired_compare: floor %g%% must be a finite value >= 0",
                                o->floor_pct);
    if (!(o->alpha > 0.0 && o->alpha < 1.0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "paired_compare: alpha %g is outside (0, 1)", o->alpha);
    if (isnan(o->critical_pct) || isinf(o->critical_pct))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "paired_compare: critical threshold is %g", o->critical_pct);
    return PERFBUDGET_OK;
}

static double pct(double log_ratio) { return 100.0 * expm1(log_ratio); }

/* The verdict rule of perfbudget_compare() with the effective threshold (at least the floor). */
static void decide_paired(perfbudget_paired_comparison *out, int higher_is_better) {
    /* Six non-zero pairs is the fewest whose exact two-sided p can fall below 0.05. */
    perfbudget__verdict_input in = {out->change_pct, out->ci_low_pct, out->ci_high_pct,
                                    out->significant, out->threshold_pct, out->critical_pct,
                                    higher_is_better, out->pairs - out->zero_pairs >= 6};
    perfbudget__verdict v;
    perfbudget__decide(&in, &v);
    out->outcome = v.outcome;
    out->severity = v.severity;
    out->resolvable_pct = v.resolvable_pct;
    out->regressed = v.regressed;
    out->significant = v.significant;
    /* Below the floor a significant change is the alternation's own bias: not news. */
    if (out->outcome == PERFBUDGET_OUTCOME_PASS && fabs(out->change_pct) < out->floor_pct)
        out->severity = PERFBUDGET_SEVERITY_NONE;
}

int perfbudget_paired_compare(perfbudget_context *ctx, const double *baseline,
                              const double *current, size_t n,
                              const perfbudget_paired_options *opts,
                              perfbudget_paired_comparison *out) {
    perfbudget_paired_options defaults;
    if (opts == NULL) {
        perfbudget_paired_options_init(&defaults);
        opts = &defaults;
    }
    if (out == NULL || (n > 0 && (baseline == NULL || current == NULL)))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "paired_compare: NULL argument");
    int code = check_paired_options(ctx, opts);
    if (code != PERFBUDGET_OK) return code;
    if (n == 0) return perfbudget__fail(ctx, PERFBUDGET_ENODATA, "paired_compare: no pairs");
    for (size_t i = 0; i < n; i++)
        if (!(isfinite(baseline[i]) && isfinite(current[i]) && baseline[i] > 0.0 &&
              current[i] > 0.0))
            return perfbudget__fail(ctx, PERFBUDGET_EDOMAIN,
                                    "paired_compare: pair %zu (%g, %g) is not two finite values "
                                    "> 0",
                                    i, baseline[i], current[i]);
    double *logs = malloc(n * sizeof *logs);
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    double *scratch = malloc(n * sizeof *scratch);
    if (logs == NULL || a == NULL || b == NULL || scratch == NULL) {
        free(scratch);
        free(logs);
        free(a);
        free(b);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "paired_compare: out of memory");
    }
    for (size_t i = 0; i < n; i++) logs[i] = log(current[i] / baseline[i]);
    perfbudget__wilcoxon_result w;
    code = perfbudget__wilcoxon(ctx, logs, n, &w);
    if (code == PERFBUDGET_OK) {
        memset(out, 0, sizeof *out);
        memcpy(a, baseline, n * sizeof *a);
        memcpy(b, current, n * sizeof *b);
        perfbudget__sort(a, n, scratch);
        perfbudget__sort(b, n, scratch);
        perfbudget__sort(logs, n, scratch);
        out->pairs = n;
        out->zero_pairs = w.zeros;
        out->baseline_value = perfbudget__quantile_sorted(a, n, 0.5);
        out->current_value = perfbudget__quantile_sorted(b, n, 0.5);
        out->change_pct = pct(perfbudget__quantile_sorted(logs, n, 0.5));
        /* The sign test's CI of the median: order statistics l and u of the log ratios. */
        size_t l, u;
        perfbudget__quantile_ci_ranks(n, 0.5, 0.05, &l, &u, &out->ci_level);
        out->ci_low_pct = pct(logs[l - 1]);
        out->ci_high_pct = pct(logs[u - 1]);
        out->p_value = w.p_value;
        out->w_statistic = w.statistic;
        out->exact = w.exact;
        out->significant = w.nonzero > 0 && w.p_value < opts->alpha;
        out->floor_pct = opts->floor_pct;
        out->threshold_pct = fmax(opts->threshold_pct, opts->floor_pct);
        out->critical_pct = opts->critical_pct > 0.0 ? fmax(opts->critical_pct, out->threshold_pct)
                                                     : 2.0 * out->threshold_pct;
        decide_paired(out, opts->higher_is_better);
    }
    free(scratch);
    free(logs);
    free(a);
    free(b);
    return code;
}
