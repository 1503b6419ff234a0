/* SPDX-License-Identifier: MIT */
/* Complexity fits of input sweeps: for each class f, the least-squares coefficient of
 * t = c * f(n) through the origin, and the class whose fit has the least RMS, as Google
 * Benchmark's Complexity() does, with one change: residuals are relative to each time
 * (weights 1/t^2). Timing noise is proportional to the time, so Google Benchmark's absolute
 * residuals let the largest size decide alone; with 5 % noise that picked n log n for n in up
 * to 16 % of seeded trials, the relative fit in none (tests/c/test_complexity.c). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const class_names[PERFBUDGET_COMPLEXITY_COUNT] = {
    "none", "O(1)", "O(log n)", "O(n)", "O(n log n)", "O(n^2)", "O(n^3)"};

const char *perfbudget_complexity_name(perfbudget_complexity complexity) {
    if ((int)complexity < 0 || complexity >= PERFBUDGET_COMPLEXITY_COUNT) return NULL;
    return class_names[complexity];
}

static double growth(perfbudget_complexity complexity, double n) {
    switch (complexity) {
    case PERFBUDGET_COMPLEXITY_O1: return 1.0;
    case PERFBUDGET_COMPLEXITY_LOG_N: return log2(n);
    case PERFBUDGET_COMPLEXITY_N: return n;
    case PERFBUDGET_COMPLEXITY_N_LOG_N: return n * log2(n);
    case PERFBUDGET_COMPLEXITY_N2: return n * n;
    case PERFBUDGET_COMPLEXITY_N3: return n * n * n;
    default: return NAN;
    }
}

/* The written forms, spaces removed and lower-cased, each with its class. */
static const struct {
    const char *text;
    perfbudget_complexity complexity;
} spellings[] = {
    {"1", PERFBUDGET_COMPLEXITY_O1},         {"constant", PERFBUDGET_COMPLEXITY_O1},
    {"logn", PERFBUDGET_COMPLEXITY_LOG_N},   {"log(n)", PERFBUDGET_COMPLEXITY_LOG_N},
    {"lgn", PERFBUDGET_COMPLEXITY_LOG_N},    {"logarithmic", PERFBUDGET_COMPLEXITY_LOG_N},
    {"n", PERFBUDGET_COMPLEXITY_N},          {"linear", PERFBUDGET_COMPLEXITY_N},
    {"nlogn", PERFBUDGET_COMPLEXITY_N_LOG_N}, {"nlog(n)", PERFBUDGET_COMPLEXITY_N_LOG_N},
    {"n*logn", PERFBUDGET_COMPLEXITY_N_LOG_N}, {"n*log(n)", PERFBUDGET_COMPLEXITY_N_LOG_N},
    {"nlgn", PERFBUDGET_COMPLEXITY_N_LOG_N}, {"linearithmic", PERFBUDGET_COMPLEXITY_N_LOG_N},
    {"n^2", PERFBUDGET_COMPLEXITY_N2},       {"n\xc2\xb2", PERFBUDGET_COMPLEXITY_N2},
    {"n**2", PERFBUDGET_COMPLEXITY_N2},      {"n*n", PERFBUDGET_COMPLEXITY_N2},
    {"quadratic", PERFBUDGET_COMPLEXITY_N2}, {"n^3", PERFBUDGET_COMPLEXITY_N3},
    {"n\xc2\xb3", PERFBUDGET_COMPLEXITY_N3}, {"n**3", PERFBUDGET_COMPLEXITY_N3},
    {"n*n*n", PERFBUDGET_COMPLEXITY_N3},     {"cubic", PERFBUDGET_COMPLEXITY_N3},
};

int perfbudget_complexity_parse(perfbudget_context *ctx, const char *text,
                                perfbudget_complexity *out) {
    if (text == NULL || out == NULL) return PERFBUDGET_EINVAL;
    char squeezed[64];
    size_t length = 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == ' ' || *p == '\t') continue;
        if (length + 1 >= sizeof squeezed) break; /* too long for any form: refused below */
        squeezed[length++] = (char)tolower((unsigned char)*p);
    }
    squeezed[length] = '\0';
    char *inner = squeezed;
    /* "O(n log n)" and "o(n)": the class inside the parentheses. */
    if (length >= 3 && inner[0] == 'o' && inner[1] == '(' && inner[length - 1] == ')') {
        inner[length - 1] = '\0';
        inner += 2;
    }
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++)
        if (strcmp(inner, spellings[i].text) == 0) {
            *out = spellings[i].complexity;
            return PERFBUDGET_OK;
        }
    return perfbudget__fail(ctx, PERFBUDGET_EPARSE,
                            "'%.80s' is not a complexity class; write one of 1, log n, n, "
                            "n log n, n^2, n^3 (optionally as O(...))",
                            text);
}

/* Minimise sum((1 - c f(n) / t)^2): c = sum(f/t) / sum((f/t)^2); the RMS is that of the
 * relative residuals. */
static int fit_one(perfbudget_complexity complexity, const double *sizes, const double *times,
                   size_t count, perfbudget_complexity_fit *out) {
    double sum_r = 0.0, sum_rr = 0.0;
    for (size_t i = 0; i < count; i++) {
        double ratio = growth(complexity, sizes[i]) / times[i];
        sum_r += ratio;
        sum_rr += ratio * ratio;
    }
    if (!(sum_rr > 0.0) || !isfinite(sum_rr)) return -1; /* log n = 0 everywhere, or overflow */
    double coefficient = sum_r / sum_rr;
    double squares = 0.0;
    for (size_t i = 0; i < count; i++) {
        double residual = 1.0 - coefficient * growth(complexity, sizes[i]) / times[i];
        squares += residual * residual;
    }
    out->complexity = complexity;
    out->coefficient = coefficient;
    out->rms = sqrt(squares / (double)count);
    out->n = count;
    return 0;
}

int perfbudget_complexity_fit_points(perfbudget_context *ctx, perfbudget_complexity complexity,
                                     const double *sizes, const double *times, size_t count,
                                     perfbudget_complexity_fit *out) {
    if (sizes == NULL || times == NULL || out == NULL || (int)complexity < 0 ||
        complexity >= PERFBUDGET_COMPLEXITY_COUNT)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "complexity fit: invalid argument");
    if (count < 2)
        return perfbudget__fail(ctx, PERFBUDGET_ENODATA,
                                "complexity fit: %zu point%s; a fit needs at least 2 sizes", count,
                                count == 1 ? "" : "s");
    int sizes_differ = 0;
    for (size_t i = 0; i < count; i++) {
        if (!isfinite(sizes[i]) || !(sizes[i] > 0.0))
            return perfbudget__fail(ctx, PERFBUDGET_EDOMAIN,
                                    "complexity fit: size %zu is %g; sizes must be above 0", i,
                                    sizes[i]);
        if (!isfinite(times[i]) || !(times[i] > 0.0))
            return perfbudget__fail(ctx, PERFBUDGET_EDOMAIN,
                                    "complexity fit: time %zu is %g; times must be finite and "
                                    "above 0", i, times[i]);
        sizes_differ |= sizes[i] != sizes[0];
    }
    if (!sizes_differ)
        return perfbudget__fail(ctx, PERFBUDGET_EDOMAIN,
                                "complexity fit: every point has size %g; a fit needs different "
                                "sizes", sizes[0]);
    if (complexity != PERFBUDGET_COMPLEXITY_NONE) {
        if (fit_one(complexity, sizes, times, count, out) != 0)
            return perfbudget__fail(ctx, PERFBUDGET_EDOMAIN,
                                    "complexity fit: %s cannot be fitted at these sizes",
                                    class_names[complexity]);
        return PERFBUDGET_OK;
    }
    int found = 0;
    for (int c = PERFBUDGET_COMPLEXITY_O1; c < PERFBUDGET_COMPLEXITY_COUNT; c++) {
        perfbudget_complexity_fit candidate;
        if (fit_one((perfbudget_complexity)c, sizes, times, count, &candidate) != 0)
            continue;
        if (!found || candidate.rms < out->rms) *out = candidate; /* a tie keeps the slower */
        found = 1;
    }
    return PERFBUDGET_OK; /* O(1) always fits: sum f^2 = count */
}

/* The size in a sweep point's name "prefix/<size>", or 0 when name is not one. */
static double point_size(const char *name, const char *prefix) {
    size_t length = strlen(prefix);
    if (strncmp(name, prefix, length) != 0 || name[length] != '/') return 0.0;
    const char *digits = name + length + 1;
    if (!isdigit((unsigned char)digits[0])) return 0.0;
    char *end = NULL;
    errno = 0;
    unsigned long long size = strtoull(digits, &end, 10);
    if (*end != '\0' || errno != 0) return 0.0;
    return (double)size;
}

int perfbudget_results_fit_complexity(perfbudget_context *ctx, perfbudget_result *const *results,
                                      size_t count, const char *name,
                                      perfbudget_complexity complexity,
                                      perfbudget_complexity_fit *out) {
    if ((results == NULL && count > 0) || name == NULL || out == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "complexity fit: invalid argument");
    double *sizes = malloc((count ? count : 1) * sizeof *sizes);
    double *times = malloc((count ? count : 1) * sizeof *times);
    if (sizes == NULL || times == NULL) {
        free(sizes);
        free(times);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "complexity fit: out of memory");
    }
    size_t points = 0;
    for (size_t i = 0; i < count; i++) {
        double size = point_size(perfbudget_result_name(results[i]), name);
        const perfbudget_summary *summary = perfbudget_result_summary(results[i]);
        if (size > 0.0 && perfbudget_result_status(results[i]) == PERFBUDGET_RUN_OK &&
            summary->n > 0) {
            sizes[points] = size;
            times[points++] = summary->median;
        }
    }
    int status = points < 2 ? perfbudget__fail(ctx, PERFBUDGET_ENODATA,
                                                "complexity fit of %.200s: %zu size%s ran; a fit "
                                                "needs at least 2", name, points,
                                                points == 1 ? "" : "s")
                            : perfbudget_complexity_fit_points(ctx, complexity, sizes, times,
                                                               points, out);
    free(sizes);
    free(times);
    return status;
}

int perfbudget_complexity_judge(perfbudget_context *ctx, const perfbudget_budget *budget,
                                const char *name, const perfbudget_complexity_fit *fit,
                                const perfbudget_complexity_fit *baseline,
                                perfbudget_complexity_verdict *out) {
    if (name == NULL || fit == NULL || out == NULL || fit->complexity <= 0 ||
        fit->complexity >= PERFBUDGET_COMPLEXITY_COUNT)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "complexity judge: invalid argument");
    if (baseline != NULL && baseline->complexity != fit->complexity)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL,
                                "complexity judge: the baseline is fitted as %s, not as %s; fit "
                                "it to the same class",
                                perfbudget_complexity_name(baseline->complexity),
                                class_names[fit->complexity]);
    memset(out, 0, sizeof *out);
    out->status = PERFBUDGET_LIMIT_PASS;
    out->change_pct = NAN;
    out->threshold_pct = 5.0;
    perfbudget_effective_budget effective;
    if (budget != NULL && perfbudget__budget_resolve(budget, name, &effective) == PERFBUDGET_OK) {
        out->allowed = (perfbudget_complexity)effective.complexity;
        double group = effective.regression.per_metric.latency_pct;
        if (!isnan(group)) out->threshold_pct = group;
        else if (!isnan(effective.regression.threshold_pct))
            out->threshold_pct = effective.regression.threshold_pct;
    }
    if (out->allowed != PERFBUDGET_COMPLEXITY_NONE && fit->complexity > out->allowed)
        out->status = PERFBUDGET_LIMIT_FAIL;
    if (baseline != NULL && baseline->coefficient > 0.0) {
        out->change_pct = (fit->coefficient / baseline->coefficient - 1.0) * 100.0;
        out->regressed = out->change_pct > out->threshold_pct;
    }
    char budget_part[64] = "";
    if (out->allowed != PERFBUDGET_COMPLEXITY_NONE)
        snprintf(budget_part, sizeof budget_part, " %s the budget %s",
                 out->status == PERFBUDGET_LIMIT_FAIL ? "worse than" : "within",
                 class_names[out->allowed]);
    int used = snprintf(out->text, sizeof out->text,
                        "complexity %s%s: coefficient %.4g ns, RMS %.1f %% over %zu sizes",
                        class_names[fit->complexity], budget_part, fit->coefficient,
                        fit->rms * 100.0, fit->n);
    if (used > 0 && (size_t)used < sizeof out->text && !isnan(out->change_pct))
        snprintf(out->text + used, sizeof out->text - (size_t)used,
                 "; %+.1f %% against the baseline's %.4g ns (threshold %.4g %%)%s",
                 out->change_pct, baseline->coefficient, out->threshold_pct,
                 out->regressed ? ": regression" : "");
    return PERFBUDGET_OK;
}
