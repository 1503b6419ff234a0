/* SPDX-License-Identifier: MIT */
/* Baseline vs current: change of a statistic, its confidence interval, significance, verdict. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void perfbudget_compare_options_init(perfbudget_compare_options *opts) {
    if (opts == NULL) return;
    memset(opts, 0, sizeof *opts);
    opts->struct_size = sizeof *opts;
    opts->statistic = PERFBUDGET_STAT_MEDIAN;
    opts->threshold_pct = 5.0;
    opts->critical_pct = 0.0;
    opts->alpha = 0.05;
    opts->higher_is_better = 0;
    opts->speed_ratio = 1.0;
    opts->assumed_run_spread = 0.0;
}

void perfbudget_comparison_init(perfbudget_comparison *c) {
    if (c == NULL) return;
    memset(c, 0, sizeof *c);
    c->struct_size = sizeof *c;
    c->baseline_value = c->current_value = c->change_pct = c->ci_low_pct = c->ci_high_pct = NAN;
    c->resolvable_pct = c->p_value = c->u_statistic = c->threshold_pct = c->critical_pct = NAN;
    c->run_spread_pct = c->speed_correction_pct = NAN;
}

int perfbudget__compare_options_read(perfbudget_context *ctx,
                                     const perfbudget_compare_options *in,
                                     perfbudget_compare_options *out) {
    perfbudget_compare_options_init(out);
    if (in == NULL) return PERFBUDGET_OK;
    return perfbudget__sized_read(ctx, "perfbudget_compare_options", in,
                                  PERFBUDGET__COMPARE_OPTIONS_SIZE_1, sizeof *out, out);
}

int perfbudget__comparison_read(perfbudget_context *ctx, const perfbudget_comparison *in,
                                perfbudget_comparison *out) {
    perfbudget_comparison_init(out);
    return perfbudget__sized_read(ctx, "perfbudget_comparison", in,
                                  PERFBUDGET__COMPARISON_SIZE_1, sizeof *out, out);
}

/* The arguments every public comparison checks: the caller's options (NULL: the defaults) into
 * *o, and its output record's struct_size. */
static int sized_arguments(perfbudget_context *ctx, const char *what,
                           const perfbudget_compare_options *opts,
                           const perfbudget_comparison *out, perfbudget_compare_options *o) {
    if (out == NULL) return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "%s: NULL argument", what);
    int code = perfbudget__compare_options_read(ctx, opts, o);
    if (code != PERFBUDGET_OK) return code;
    return perfbudget__sized_check(ctx, "perfbudget_comparison", out,
                                   PERFBUDGET__COMPARISON_SIZE_1, sizeof *out);
}

static const char *const statistic_names[] = {"median", "mean", "p90", "p95", "p99", "p10"};
static const double statistic_quantiles[] = {0.5, NAN, 0.90, 0.95, 0.99, 0.10};
static const char *const outcome_names[] = {"pass", "improvement", "regression", "inconclusive"};
static const char *const severity_names[] = {"none", "info", "warning", "critical"};

#define PERFBUDGET__COUNT(array) (sizeof(array) / sizeof((array)[0]))

const char *perfbudget_statistic_name(perfbudget_statistic statistic) {
    return (size_t)statistic < PERFBUDGET__COUNT(statistic_names) ? statistic_names[statistic]
                                                                  : NULL;
}

const char *perfbudget_outcome_name(perfbudget_outcome outcome) {
    return (size_t)outcome < PERFBUDGET__COUNT(outcome_names) ? outcome_names[outcome] : NULL;
}

const char *perfbudget_severity_name(perfbudget_severity severity) {
    return (size_t)severity < PERFBUDGET__COUNT(severity_names) ? severity_names[severity] : NULL;
}

int perfbudget_statistic_parse(const char *name, perfbudget_statistic *out) {
    for (size_t i = 0; name != NULL && out != NULL && i < PERFBUDGET__COUNT(statistic_names); i++)
        if (strcmp(name, statistic_names[i]) == 0) {
            *out = (perfbudget_statistic)i;
            return PERFBUDGET_OK;
        }
    return PERFBUDGET_EINVAL;
}

double perfbudget__statistic_sorted(const double *sorted, size_t n,
                                    perfbudget_statistic statistic) {
    if (n == 0 || perfbudget_statistic_name(statistic) == NULL) return NAN;
    double q = statistic_quantiles[statistic];
    return isnan(q) ? perfbudget__mean(sorted, n) : perfbudget__quantile_sorted(sorted, n, q);
}

/* The statistic of a sorted set and its standard error (NaN when it cannot be estimated). */
static void estimate(const double *sorted, size_t n, perfbudget_statistic statistic,
                     double *value, double *stderr_out) {
    double q = statistic_quantiles[statistic];
    *value = perfbudget__statistic_sorted(sorted, n, statistic);
    if (isnan(q)) {
        *stderr_out = perfbudget__stddev(sorted, n, *value) / sqrt((double)n);
        return;
    }
    size_t l, u;
    double level;
    perfbudget__quantile_ci_ranks(n, q, 0.05, &l, &u, &level);
    /* A CI of achieved level L spans about 2 z((1 + L) / 2) standard errors. */
    *stderr_out = level > 0.0
                      ? (sorted[u - 1] - sorted[l - 1]) / (2.0 * perfbudget__normal_ppf((1.0 + level) / 2.0))
                      : NAN;
}

static int check_options(perfbudget_context *ctx, const perfbudget_compare_options *opts) {
    if (perfbudget_statistic_name(opts->statistic) == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "compare: unknown statistic %d",
                                (int)opts->statistic);
    if (!(opts->threshold_pct >= 0.0) || isinf(opts->threshold_pct))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "compare: threshold %g%% must be a finite value >= 0",
                                opts->threshold_pct);
    if (!(opts->alpha > 0.0 && opts->alpha < 1.0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "compare: alpha %g is outside (0, 1)",
                                opts->alpha);
    if (isnan(opts->critical_pct) || isinf(opts->critical_pct))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "compare: critical threshold is %g",
                                opts->critical_pct);
    if (!isnan(opts->speed_ratio) && !(opts->speed_ratio > 0.0 && isfinite(opts->speed_ratio)))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "compare: speed ratio %g must be a finite value > 0 (or NaN)",
                                opts->speed_ratio);
    return PERFBUDGET_OK;
}

void perfbudget__decide(const perfbudget__verdict_input *in, perfbudget__verdict *out) {
    /* A change is significant only when its interval excludes no change too: a verdict never
     * contradicts the interval printed beside it. */
    int significant = in->significant && !(in->ci_low_pct <= 0.0 && in->ci_high_pct >= 0.0);
    double worse = in->higher_is_better ? -in->change_pct : in->change_pct;
    double worse_bound = in->higher_is_better ? -in->ci_low_pct : in->ci_high_pct;
    out->resolvable_pct = isnan(worse_bound) ? NAN : fmax(0.0, worse_bound);
    out->severity = PERFBUDGET_SEVERITY_NONE;
    out->regressed = 0;
    out->significant = significant;
    if (!in->enough_data) {
        out->outcome = PERFBUDGET_OUTCOME_INCONCLUSIVE;
    } else if (significant && worse > in->threshold_pct) {
        out->outcome = PERFBUDGET_OUTCOME_REGRESSION;
        out->severity = worse >= in->critical_pct ? PERFBUDGET_SEVERITY_CRITICAL
                                                  : PERFBUDGET_SEVERITY_WARNING;
        out->regressed = 1;
    } else if (significant && worse < -in->threshold_pct) {
        out->outcome = PERFBUDGET_OUTCOME_IMPROVEMENT;
        out->severity = PERFBUDGET_SEVERITY_INFO;
    } else if (worse_bound > in->threshold_pct) {
        /* Not beyond the threshold, but the noise cannot rule it out either. */
        out->outcome = PERFBUDGET_OUTCOME_INCONCLUSIVE;
    } else {
        out->outcome = PERFBUDGET_OUTCOME_PASS;
        if (significant) out->severity = PERFBUDGET_SEVERITY_INFO;
    }
}

static void decide(perfbudget_comparison *out, size_t n_baseline, size_t n_current,
                   double stderr_change, int higher_is_better) {
    perfbudget__verdict_input in = {out->change_pct, out->ci_low_pct, out->ci_high_pct,
                                    out->significant, out->threshold_pct, out->critical_pct,
                                    higher_is_better,
                                    n_baseline >= 2 && n_current >= 2 && !isnan(stderr_change)};
    perfbudget__verdict v;
    perfbudget__decide(&in, &v);
    out->outcome = v.outcome;
    out->severity = v.severity;
    out->resolvable_pct = v.resolvable_pct;
    out->regressed = v.regressed;
    out->significant = v.significant;
}

static int compare_sets(perfbudget_context *ctx, const double *baseline, size_t n_baseline,
                        const double *current, size_t n_current,
                        const perfbudget_compare_options *opts, perfbudget_comparison *out) {
    perfbudget_compare_options defaults;
    if (opts == NULL) {
        perfbudget_compare_options_init(&defaults);
        opts = &defaults;
    }
    if (out == NULL || (baseline == NULL && n_baseline > 0) || (current == NULL && n_current > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "compare: NULL argument");
    out->struct_size = sizeof *out;
    int status = check_options(ctx, opts);
    if (status != PERFBUDGET_OK) return status;
    if (n_baseline == 0 || n_current == 0)
        return perfbudget__fail(ctx, PERFBUDGET_ENODATA, "compare: the %s set is empty",
                                n_baseline == 0 ? "baseline" : "current");
    double *base_sorted = NULL, *current_sorted = NULL;
    status = perfbudget__sorted_copy(ctx, baseline, n_baseline, "compare: baseline", &base_sorted);
    if (status == PERFBUDGET_OK)
        status = perfbudget__sorted_copy(ctx, current, n_current, "compare: current",
                                         &current_sorted);
    /* The machine's speed divided out: what the current set would have measured at the
     * baseline's speed (a positive factor keeps the order). */
    int corrected = status == PERFBUDGET_OK && !isnan(opts->speed_ratio) && opts->speed_ratio != 1.0;
    for (size_t i = 0; corrected && i < n_current; i++) current_sorted[i] /= opts->speed_ratio;
    perfbudget__mwu mwu;
    if (status == PERFBUDGET_OK)
        status = perfbudget__mann_whitney(ctx, base_sorted, n_baseline, current_sorted, n_current,
                                          &mwu);
    if (status != PERFBUDGET_OK) {
        free(base_sorted);
        free(current_sorted);
        return status;
    }
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    out->threshold_pct = opts->threshold_pct;
    out->statistic = opts->statistic;
    out->critical_pct = opts->critical_pct > 0.0 ? opts->critical_pct : 2.0 * opts->threshold_pct;
    out->p_value = mwu.p_value;
    out->u_statistic = mwu.u_second;
    out->exact = mwu.exact;
    out->significant = mwu.p_value < opts->alpha;
    out->speed_correction_pct = corrected ? 100.0 * (opts->speed_ratio - 1.0) : NAN;

    double se_base, se_current;
    estimate(base_sorted, n_baseline, opts->statistic, &out->baseline_value, &se_base);
    estimate(current_sorted, n_current, opts->statistic, &out->current_value, &se_current);
    free(base_sorted);
    free(current_sorted);

    double b = out->baseline_value, c = out->current_value;
    if (b != 0.0)
        out->change_pct = 100.0 * (c - b) / fabs(b);
    else
        out->change_pct = c == 0.0 ? 0.0 : copysign(INFINITY, c);
    /* Delta method for the ratio c / b, as a fraction. */
    double se_change = b == 0.0 ? NAN : hypot(se_current / fabs(b), c * se_base / (b * b));
    double half_width = 100.0 * 1.959963984540054 * se_change;
    out->ci_low_pct = out->change_pct - half_width;
    out->ci_high_pct = out->change_pct + half_width;
    out->run_spread_pct = NAN;
    decide(out, n_baseline, n_current, se_change, opts->higher_is_better);
    return PERFBUDGET_OK;
}

/* The 97.5 % quantile of Student's t with df degrees of freedom (Cornish-Fisher
 * expansion around the normal quantile; within 0.2 % of the exact value for df >= 2). */
static double t975(double df) {
    double z = 1.959963984540054, z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
    return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df) +
           (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df * df * df);
}

/* The statistic of each of 8 consecutive blocks of samples (in the order taken), on a log
 * scale: their spread shows drift within the run (a slow spell of the machine, a warming cache)
 * that the samples' own order statistics, which assume independent samples, do not. Returns
 * the standard error of the run's log level it implies, or 0 with fewer than 16 samples. */
static double block_stderr(const double *samples, size_t n, perfbudget_statistic statistic,
                           double *scratch) {
    enum { BLOCKS = 8 };
    if (n < 2 * BLOCKS) return 0.0;
    double levels[BLOCKS];
    for (size_t k = 0; k < BLOCKS; k++) {
        size_t from = k * n / BLOCKS, to = (k + 1) * n / BLOCKS;
        memcpy(scratch, samples + from, (to - from) * sizeof *scratch);
        perfbudget__sort(scratch, to - from, NULL);
        double se;
        estimate(scratch, to - from, statistic, &levels[k], &se);
        if (!(levels[k] > 0.0)) return NAN;
        levels[k] = log(levels[k]);
    }
    double mean = perfbudget__mean(levels, BLOCKS);
    return perfbudget__stddev(levels, BLOCKS, mean) / sqrt((double)BLOCKS);
}

/* One side's level: ln of its statistic and the standard error of that, the larger of the
 * order-statistic (or mean) error and the blocks' (block_stderr). NaN when a value is <= 0.
 * A quantile's interval is taken on the log scale from the same ranks (the logs of its ends):
 * in linear units one run held up for seconds among 8 made a 1 ms median's interval thousands
 * of times its value, and a 200x slowdown inconclusive. */
static int log_level(perfbudget_context *ctx, const double *samples, size_t n, double scale,
                     perfbudget_statistic statistic, double *level, double *se) {
    double *sorted = malloc(2 * n * sizeof *sorted);
    if (sorted == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) sorted[i] = samples[i] / scale;
    double *scratch = sorted + n;
    double blocks = block_stderr(sorted, n, statistic, scratch);
    perfbudget__sort(sorted, n, scratch);
    double value, se_value, se_log = NAN;
    estimate(sorted, n, statistic, &value, &se_value);
    double q = statistic_quantiles[statistic];
    if (isnan(q)) {
        se_log = value > 0.0 ? se_value / value : NAN;
    } else if (value > 0.0) {
        size_t l, u;
        double achieved;
        perfbudget__quantile_ci_ranks(n, q, 0.05, &l, &u, &achieved);
        if (achieved > 0.0 && sorted[l - 1] > 0.0)
            se_log = (log(sorted[u - 1]) - log(sorted[l - 1])) /
                     (2.0 * perfbudget__normal_ppf((1.0 + achieved) / 2.0));
    }
    free(sorted);
    *level = value > 0.0 ? log(value) : NAN;
    *se = value > 0.0 && !isnan(se_log) && !isnan(blocks) ? fmax(se_log, blocks) : NAN;
    return PERFBUDGET_OK;
}

/* The largest spread between runs perfbudget_compare_runs() assumes (log scale). */
#define ASSUMED_SPREAD_MAX 0.10

int perfbudget_compare(perfbudget_context *ctx, const double *baseline, size_t n_baseline,
                       const double *current, size_t n_current,
                       const perfbudget_compare_options *opts, perfbudget_comparison *out) {
    perfbudget_compare_options o;
    perfbudget_comparison r;
    int code = sized_arguments(ctx, "compare", opts, out, &o);
    if (code == PERFBUDGET_OK)
        code = compare_sets(ctx, baseline, n_baseline, current, n_current, &o, &r);
    if (code == PERFBUDGET_OK) perfbudget__sized_write(out, &r);
    return code;
}

int perfbudget_compare_runs(perfbudget_context *ctx, const double *baseline, size_t n_baseline,
                            const double *current, size_t n_current, const double *run_values,
                            size_t n_runs, const perfbudget_compare_options *opts,
                            perfbudget_comparison *out) {
    perfbudget_compare_options o;
    perfbudget_comparison r;
    int code = sized_arguments(ctx, "compare_runs", opts, out, &o);
    if (code == PERFBUDGET_OK)
        code = perfbudget__compare_runs(ctx, baseline, n_baseline, current, n_current,
                                        run_values, n_runs, NULL, &o, &r);
    if (code == PERFBUDGET_OK) perfbudget__sized_write(out, &r);
    return code;
}

/* Sum of squared deviations of the logs of one side's process medians from their mean, into
 * *sum_squares, and their degrees of freedom into *df (a side of fewer than 2 processes, or
 * with a median <= 0, adds none). */
static void process_deviations(const double *medians, size_t k, double *sum_squares, double *df) {
    if (medians == NULL || k < 2) return;
    double mean = 0.0;
    for (size_t i = 0; i < k; i++) {
        if (!(medians[i] > 0.0) || !isfinite(medians[i])) return;
        mean += log(medians[i]) / (double)k;
    }
    for (size_t i = 0; i < k; i++) *sum_squares += pow(log(medians[i]) - mean, 2.0);
    *df += (double)k - 1.0;
}

/* Between runs: the spread of the earlier runs' statistic (log scale), when there are 3 runs or
 * more and all are positive: adds twice its variance to *variance (the baseline is one run and
 * this is another, so their difference carries it twice), and sets *df and *between. */
static int runs_spread(perfbudget_context *ctx, const double *run_values, size_t n_runs,
                       double *variance, double *df, double *between) {
    if (run_values == NULL || n_runs < 3) return PERFBUDGET_OK;
    double *logs = malloc(n_runs * sizeof *logs);
    if (logs == NULL) return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    int positive = 1;
    for (size_t i = 0; i < n_runs; i++) {
        positive &= run_values[i] > 0.0;
        logs[i] = run_values[i] > 0.0 ? log(run_values[i]) : 0.0;
    }
    if (positive) {
        *between = perfbudget__stddev(logs, n_runs, perfbudget__mean(logs, n_runs));
        *variance += 2.0 * *between * *between;
        *df = (double)n_runs - 1.0;
    }
    free(logs);
    return PERFBUDGET_OK;
}

/* Two processes (1 df, t = 12.7) made an interval of -99.8 % .. +28,036 % on a real suite when
 * one of them met the VM's slow state: from 2 df on, the processes' spread is used. */
#define PROCESS_SPREAD_MIN_DF 2

int perfbudget__processes_measure_spread(const perfbudget__processes *processes) {
    size_t b = processes->n_baseline, c = processes->n_current;
    return (b >= 2 ? b - 1 : 0) + (c >= 2 ? c - 1 : 0) >= PROCESS_SPREAD_MIN_DF;
}

/* No runs to measure it, but processes: the spread between the processes of each side
 * (pooled, on the log scale), for the difference of a side's level averaged over k_b and
 * k_c processes (a side of one process is one draw). */
static void processes_spread(const perfbudget__processes *processes, double *variance,
                             double *df, double *between) {
    double sum_squares = 0.0, process_df = 0.0;
    process_deviations(processes->baseline, processes->n_baseline, &sum_squares, &process_df);
    process_deviations(processes->current, processes->n_current, &sum_squares, &process_df);
    if (process_df >= PROCESS_SPREAD_MIN_DF) { /* counted over the valid medians only */
        double k_b = processes->n_baseline >= 2 ? (double)processes->n_baseline : 1.0;
        double k_c = processes->n_current >= 2 ? (double)processes->n_current : 1.0;
        double spread = sum_squares / process_df * (1.0 / k_b + 1.0 / k_c);
        *variance += spread;
        *df = process_df;
        *between = sqrt(spread / 2.0); /* reported below as sqrt(2) between */
    }
}

/* The comparison of the levels' difference `change` (log scale) with its variance, on df degrees
 * of freedom; between is the spread between runs (NAN: none). */
static void write_runs_comparison(perfbudget_comparison *out, double change, double variance,
                                  double df, double between, const perfbudget_compare_options *opts,
                                  size_t n_baseline, size_t n_current) {
    double se = sqrt(variance);
    double quantile = perfbudget__student_ppf(1.0 - opts->alpha / 2.0, df);
    out->p_value = se > 0.0 ? 2.0 * perfbudget__student_sf(fabs(change) / se, df)
                            : change == 0.0 ? 1.0 : 0.0;
    out->exact = 0;
    out->significant = out->p_value < opts->alpha;
    out->change_pct = 100.0 * expm1(change);
    out->ci_low_pct = 100.0 * expm1(change - quantile * se);
    out->ci_high_pct = 100.0 * expm1(change + quantile * se);
    out->run_spread_pct = isnan(between) ? NAN : 100.0 * expm1(quantile * sqrt(2.0) * between);
    decide(out, n_baseline, n_current, se, opts->higher_is_better);
}

int perfbudget__compare_runs(perfbudget_context *ctx, const double *baseline, size_t n_baseline,
                             const double *current, size_t n_current, const double *run_values,
                             size_t n_runs, const perfbudget__processes *processes,
                             const perfbudget_compare_options *opts, perfbudget_comparison *out) {
    int status = compare_sets(ctx, baseline, n_baseline, current, n_current, opts, out);
    if (status != PERFBUDGET_OK) return status;
    for (size_t i = 0; run_values != NULL && i < n_runs; i++)
        if (!isfinite(run_values[i]))
            return perfbudget__fail(ctx, PERFBUDGET_EDOMAIN, "compare_runs: run %zu is not finite", i);
    perfbudget_compare_options defaults;
    if (opts == NULL) {
        perfbudget_compare_options_init(&defaults);
        opts = &defaults;
    }
    double scale = !isnan(opts->speed_ratio) ? opts->speed_ratio : 1.0;
    double level_b, level_c, se_b, se_c;
    status = log_level(ctx, baseline, n_baseline, 1.0, opts->statistic, &level_b, &se_b);
    if (status == PERFBUDGET_OK)
        status = log_level(ctx, current, n_current, scale, opts->statistic, &level_c, &se_c);
    if (status != PERFBUDGET_OK) return status;
    /* Times are positive; a set that is not keeps the plain comparison. */
    if (isnan(se_b) || isnan(se_c) || n_baseline < 2 || n_current < 2) return PERFBUDGET_OK;
    double variance = se_b * se_b + se_c * se_c;
    double df = INFINITY, between = NAN;
    status = runs_spread(ctx, run_values, n_runs, &variance, &df, &between);
    if (status != PERFBUDGET_OK) return status;
    if (isnan(between) && processes != NULL) processes_spread(processes, &variance, &df, &between);
    /* Too few runs to measure the spread: the one assumed, scaled to the runs' own noise
     * (separate processes of the same code differ by more than one run's samples say, and by
     * more for noisier code). The larger of the two: a baseline that the machine switched
     * speed in, half its samples at each speed, must not be trusted to a percent. */
    if (isnan(between) && opts->assumed_run_spread > 0.0) {
        /* At most 10 %: the most measured between processes here was 5 %; a run whose own error
         * is larger than that already carries it. */
        between = fmin(opts->assumed_run_spread * fmax(se_b, se_c), ASSUMED_SPREAD_MAX);
        variance += 2.0 * between * between;
    }
    write_runs_comparison(out, level_c - level_b, variance, df, between, opts, n_baseline,
                          n_current);
    return PERFBUDGET_OK;
}

int perfbudget_compare_metric(perfbudget_context *ctx, const double *runs, size_t n_runs,
                              double current, const perfbudget_compare_options *opts,
                              perfbudget_comparison *out) {
    perfbudget_compare_options o;
    perfbudget_comparison r;
    int code = sized_arguments(ctx, "compare_metric", opts, out, &o);
    if (code == PERFBUDGET_OK)
        code = perfbudget__compare_metric(ctx, runs, n_runs, current, &o, 0, &r);
    if (code == PERFBUDGET_OK) perfbudget__sized_write(out, &r);
    return code;
}

/* The checks of perfbudget__compare_metric() after its NULL ones, in their order. */
static int check_metric_values(perfbudget_context *ctx, const double *runs, size_t n_runs,
                               double current, const perfbudget_compare_options *opts) {
    int status = check_options(ctx, opts);
    if (status != PERFBUDGET_OK) return status;
    if (n_runs == 0)
        return perfbudget__fail(ctx, PERFBUDGET_ENODATA, "compare_metric: no baseline value");
    if (!isfinite(current))
        return perfbudget__fail(ctx, PERFBUDGET_EDOMAIN, "compare_metric: the value is not finite");
    for (size_t i = 0; i < n_runs; i++)
        if (!isfinite(runs[i]))
            return perfbudget__fail(ctx, PERFBUDGET_EDOMAIN,
                                    "compare_metric: baseline run %zu is not finite", i);
    return PERFBUDGET_OK;
}

/* A regression by `worse` percent (positive is worse): critical from critical_pct on. */
static void mark_regression(perfbudget_comparison *out, double worse) {
    out->outcome = PERFBUDGET_OUTCOME_REGRESSION;
    out->severity = worse >= out->critical_pct ? PERFBUDGET_SEVERITY_CRITICAL
                                               : PERFBUDGET_SEVERITY_WARNING;
    out->regressed = 1;
}

/* An exact figure: any change beyond the threshold is the code's. */
static void judge_exact_metric(perfbudget_comparison *out, double worse) {
    out->significant = 1;
    if (worse > out->threshold_pct) {
        mark_regression(out, worse);
    } else if (worse < -out->threshold_pct) {
        out->outcome = PERFBUDGET_OUTCOME_IMPROVEMENT;
        out->severity = PERFBUDGET_SEVERITY_INFO;
    }
}

/* A varying figure from 3 runs on: a change counts when it also leaves the runs' spread. */
static void judge_metric_against_runs(perfbudget_comparison *out, const double *runs,
                                      size_t n_runs, double current, int higher_is_better,
                                      double worse) {
    double mean = perfbudget__mean(runs, n_runs);
    double sd = perfbudget__stddev(runs, n_runs, mean);
    double n = (double)n_runs;
    if (mean == 0.0) return;
    out->run_spread_pct = 100.0 * t975(n - 1.0) * sd * sqrt(1.0 + 1.0 / n) / fabs(mean);
    out->resolvable_pct = out->run_spread_pct;
    double deviation = 100.0 * (current - mean) / fabs(mean);
    double worse_deviation = higher_is_better ? -deviation : deviation;
    out->significant = fabs(deviation) > out->run_spread_pct;
    if (out->significant && worse > out->threshold_pct && worse_deviation > 0) {
        mark_regression(out, worse);
    } else if (out->significant && worse < -out->threshold_pct && worse_deviation < 0) {
        out->outcome = PERFBUDGET_OUTCOME_IMPROVEMENT;
        out->severity = PERFBUDGET_SEVERITY_INFO;
    } else if (fabs(worse) > out->threshold_pct) {
        out->outcome = PERFBUDGET_OUTCOME_INCONCLUSIVE;
    }
}

/* exact: the figure does not vary between runs of the same code (instruction counts in
 * instructions mode), so any change beyond the threshold is the code's, and one run tells. */
int perfbudget__compare_metric(perfbudget_context *ctx, const double *runs, size_t n_runs,
                               double current, const perfbudget_compare_options *opts, int exact,
                               perfbudget_comparison *out) {
    perfbudget_compare_options defaults;
    if (opts == NULL) {
        perfbudget_compare_options_init(&defaults);
        opts = &defaults;
    }
    if (out == NULL || (runs == NULL && n_runs > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "compare_metric: NULL argument");
    out->struct_size = sizeof *out;
    int status = check_metric_values(ctx, runs, n_runs, current, opts);
    if (status != PERFBUDGET_OK) return status;
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    out->threshold_pct = opts->threshold_pct;
    out->critical_pct = opts->critical_pct > 0.0 ? opts->critical_pct : 2.0 * opts->threshold_pct;
    out->statistic = opts->statistic;
    out->p_value = out->u_statistic = NAN;
    out->baseline_value = runs[n_runs - 1];
    out->current_value = current;
    double b = out->baseline_value;
    out->change_pct = b != 0.0 ? 100.0 * (current - b) / fabs(b)
                               : current == 0.0 ? 0.0 : copysign(INFINITY, current);
    double worse = opts->higher_is_better ? -out->change_pct : out->change_pct;
    out->run_spread_pct = out->ci_low_pct = out->ci_high_pct = out->resolvable_pct = NAN;
    out->speed_correction_pct = NAN;
    out->outcome = PERFBUDGET_OUTCOME_PASS;
    out->severity = PERFBUDGET_SEVERITY_NONE;
    if (exact) {
        judge_exact_metric(out, worse);
    } else if (n_runs < 3) {
        /* One run cannot tell a change from noise: only a change within the threshold passes. */
        if (fabs(worse) > out->threshold_pct) out->outcome = PERFBUDGET_OUTCOME_INCONCLUSIVE;
    } else {
        judge_metric_against_runs(out, runs, n_runs, current, opts->higher_is_better, worse);
    }
    return PERFBUDGET_OK;
}
