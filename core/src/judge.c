/* SPDX-License-Identifier: MIT */
/* The judging stage: budget limits, the baseline of the same benchmark and mode, the latency
 * against the noise of the samples and of the runs, the machine's state, and the record of it
 * all kept with the result. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const note_kind_names[] = {
    "baseline", "new_series",   "other_mode", "code_changed",  "machine_busier",
    "cpu_time", "not_compared", "run_spread", "machine_speed", "median_rose", "same_state"};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

const char *perfbudget_note_kind_name(perfbudget_note_kind kind) {
    return (size_t)kind < COUNT(note_kind_names) ? note_kind_names[kind] : NULL;
}

int perfbudget_note_kind_parse(const char *name, perfbudget_note_kind *out) {
    for (size_t i = 0; name != NULL && out != NULL && i < COUNT(note_kind_names); i++)
        if (strcmp(name, note_kind_names[i]) == 0) {
            *out = (perfbudget_note_kind)i;
            return PERFBUDGET_OK;
        }
    return PERFBUDGET_EINVAL;
}

void perfbudget__notes_clear(perfbudget__notes *notes) {
    for (size_t i = 0; i < notes->count; i++) free(notes->items[i].text);
    free(notes->items);
    notes->items = NULL;
    notes->count = 0;
}

int perfbudget__notes_add(perfbudget_context *ctx, perfbudget__notes *notes,
                          perfbudget_note_kind kind, const char *text) {
    struct perfbudget__note *grown = realloc(notes->items, (notes->count + 1) * sizeof *grown);
    char *copy = perfbudget__strdup(text);
    if (grown != NULL) notes->items = grown;
    if (grown == NULL || copy == NULL) {
        free(copy);
        return perfbudget__fail(ctx, PERFBUDGET_ENOMEM, "out of memory");
    }
    notes->items[notes->count++] = (struct perfbudget__note){kind, copy};
    return PERFBUDGET_OK;
}

size_t perfbudget_result_note_count(const perfbudget_result *result) {
    return result ? perfbudget__result_notes(result)->count : 0;
}

const char *perfbudget_result_note_at(const perfbudget_result *result, size_t index,
                                      perfbudget_note_kind *kind) {
    if (result == NULL || index >= perfbudget__result_notes(result)->count) return NULL;
    const struct perfbudget__note *note = &perfbudget__result_notes(result)->items[index];
    if (kind != NULL) *kind = note->kind;
    return note->text;
}

int perfbudget_result_add_note(perfbudget_context *ctx, perfbudget_result *result,
                               perfbudget_note_kind kind, const char *text) {
    if (result == NULL || text == NULL || perfbudget_note_kind_name(kind) == NULL)
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "add_note: NULL argument or unknown kind");
    return perfbudget__notes_add(ctx, perfbudget__result_notes(result), kind, text);
}

const perfbudget_comparison *perfbudget_result_latency_comparison(const perfbudget_result *result) {
    /* The latency is the one comparison in nanoseconds. */
    for (size_t i = 0; i < perfbudget_result_comparison_count(result); i++) {
        perfbudget_unit unit;
        const perfbudget_comparison *c;
        perfbudget_result_comparison_at(result, i, NULL, &unit, &c);
        if (unit == PERFBUDGET_UNIT_NS) return c;
    }
    return NULL;
}

void perfbudget_conclude_options_init(perfbudget_conclude_options *opts) {
    if (opts == NULL) return;
    memset(opts, 0, sizeof *opts);
    opts->threshold_pct = opts->critical_pct = NAN;
    opts->statistic = -1;
}

/* ---- the budget entry a result is judged by -------------------------------------------------- */

enum { MAX_CANDIDATES = 16, NAME_SIZE = 1024 };

/* Strip one trailing "[...]" group (a pytest parameter or a measurement's name); 0 when none. */
static int strip_brackets(char *name) {
    size_t length = strlen(name);
    if (length < 2 || name[length - 1] != ']') return 0;
    int depth = 0;
    for (size_t i = length; i-- > 0;) {
        if (name[i] == ']') depth++;
        else if (name[i] == '[' && --depth == 0) {
            if (i == 0) return 0;
            name[i] = '\0';
            return 1;
        }
    }
    return 0;
}

/* The names a result answers to, most specific first: its own, without each trailing bracket
 * group in turn (a named measurement's node id, then the test's), then the same for the part
 * after the last "::" (pytest's test name, then its function's name). */
static size_t candidate_names(const char *name, char names[][NAME_SIZE]) {
    size_t n = 0;
    const char *last = NULL;
    for (const char *p = strstr(name, "::"); p != NULL; p = strstr(p + 2, "::")) last = p + 2;
    const char *starts[2] = {name, last};
    for (size_t s = 0; s < 2 && starts[s] != NULL; s++) {
        if (strlen(starts[s]) >= NAME_SIZE) continue;
        snprintf(names[n], NAME_SIZE, "%s", starts[s]);
        n++;
        while (n < MAX_CANDIDATES) {
            memcpy(names[n], names[n - 1], NAME_SIZE); /* rows of one array: not snprintf */
            if (!strip_brackets(names[n])) break;
            n++;
        }
    }
    return n;
}

/* The chosen name goes to chosen (NAME_SIZE bytes); *effective is its budget. */
static int choose_budget(const perfbudget_budget *budget, const char *name, const char *explicit_name,
                         char *chosen, perfbudget_effective_budget *effective) {
    if (explicit_name != NULL) {
        snprintf(chosen, NAME_SIZE, "%s", explicit_name);
        return perfbudget__budget_resolve(budget, explicit_name, effective);
    }
    char (*candidates)[NAME_SIZE] = malloc(MAX_CANDIDATES * sizeof *candidates);
    if (candidates == NULL) return PERFBUDGET_ENOMEM;
    size_t n = candidate_names(name, candidates);
    int found = 0;
    for (int pass = 0; pass < 2 && !found; pass++)
        for (size_t i = 0; i < n && !found; i++) {
            perfbudget_effective_budget e;
            if (perfbudget__budget_resolve(budget, candidates[i], &e) != PERFBUDGET_OK) continue;
            if (pass == 0 ? e.exact : e.entry != NULL) {
                snprintf(chosen, NAME_SIZE, "%s", candidates[i]);
                *effective = e;
                found = 1;
            }
        }
    free(candidates);
    if (found) return PERFBUDGET_OK;
    snprintf(chosen, NAME_SIZE, "%s", name);
    return perfbudget__budget_resolve(budget, name, effective);
}

/* ---- the comparison with the baseline ------------------------------------------------------- */

/* How much of a CPU a run had below which, against its baseline's, the machine is taken to have
 * been busier: well outside the few percent that a quiet machine's CPU share varies by. */
#define BUSIER_SHARE_RATIO 0.85

/* How much more of its time a run may wait for a CPU than its baseline did before the machine
 * counts as busier: a quiet machine's runs wait well under 1 %, a loaded one's 20-70 %. */
#define BUSIER_WAIT_SHARE 0.10

/* The statistic compared of the benchmark's earlier runs for the spread between runs (into
 * *out; their medians into *medians), without the runs the machine disturbed: a noisy week must
 * not widen the band until a real regression hides in it. A run is disturbed when it waited for
 * a CPU 10 % or more of its time (a quiet machine's runs wait well under 1 %) or, where that was
 * not recorded, had less than 85 % of the CPU share of the least disturbed run. */
static int earlier_runs(const perfbudget_conclude_options *o, const perfbudget_result *result,
                        perfbudget_statistic statistic, double **out, double **medians,
                        size_t *count, size_t *left_out) {
    *out = *medians = NULL;
    *count = *left_out = 0;
    if (o->history == NULL || o->environment == NULL) return PERFBUDGET_OK;
    perfbudget__run_level *levels = NULL;
    size_t n = 0;
    int code = perfbudget__history_run_levels(o->history, perfbudget_result_name(result),
                                              perfbudget_result_identity(result), o->environment,
                                              o->branch, o->baseline_run, 10, statistic, &levels,
                                              &n);
    if (code != PERFBUDGET_OK) return code;
    double best_share = NAN;
    for (size_t i = 0; i < n; i++)
        if (isfinite(levels[i].cpu_share) && !(levels[i].cpu_share <= best_share))
            best_share = levels[i].cpu_share;
    double *values = malloc((n ? 2 * n : 1) * sizeof *values);
    if (values == NULL) {
        free(levels);
        return PERFBUDGET_ENOMEM;
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        int disturbed = isfinite(levels[i].wait_share)
                            ? levels[i].wait_share >= BUSIER_WAIT_SHARE
                            : isfinite(levels[i].cpu_share) &&
                                  levels[i].cpu_share < BUSIER_SHARE_RATIO * best_share;
        if (disturbed) {
            (*left_out)++;
        } else {
            values[kept] = levels[i].level;
            values[n + kept++] = levels[i].value;
        }
    }
    free(levels);
    *out = values;
    *medians = values + n; /* in the same block: freed with *out */
    *count = kept;
    return PERFBUDGET_OK;
}

/* Threshold, critical threshold and statistic: the option, else the budget's latency entry of
 * regression.per_metric, else its threshold, else 5 %; the statistic: the option, else the
 * budget's, else the one the result's front end chose for its samples, else the median. */
static void latency_options(const perfbudget_conclude_options *o,
                            const perfbudget_regression_settings *r,
                            const perfbudget_result *result, perfbudget_compare_options *opts) {
    perfbudget_compare_options_init(opts);
    int own = perfbudget_result_metrics(result)->compared_statistic;
    if (own >= 0 && perfbudget_statistic_name((perfbudget_statistic)own) != NULL)
        opts->statistic = (perfbudget_statistic)own;
    if (r != NULL) {
        if (!isnan(r->per_metric.latency_pct)) opts->threshold_pct = r->per_metric.latency_pct;
        else if (!isnan(r->threshold_pct))
            opts->threshold_pct = r->threshold_pct;
        if (!isnan(r->critical_pct)) opts->critical_pct = r->critical_pct;
        if (r->statistic >= 0) opts->statistic = (perfbudget_statistic)r->statistic;
    }
    if (!isnan(o->threshold_pct)) opts->threshold_pct = o->threshold_pct;
    if (!isnan(o->critical_pct)) opts->critical_pct = o->critical_pct;
    if (perfbudget_statistic_name((perfbudget_statistic)o->statistic) != NULL)
        opts->statistic = (perfbudget_statistic)o->statistic;
    if (opts->critical_pct > 0.0 && opts->critical_pct < opts->threshold_pct)
        opts->critical_pct = 0.0; /* a threshold raised past it: twice the threshold */
}

/* Whether the machine took more of the CPU from this run than from the baseline's. Where both
 * know how long they waited for a CPU (schedstat), that decides: code that sleeps or blocks
 * more lowers its CPU share without waiting for a CPU. Otherwise a CPU share well below the
 * baseline's, with more involuntary context switches per CPU second where both counted them. */
/* The share of a run's wall time it was ready to run but waited for a CPU; NaN: unknown. */
static double wait_share(const perfbudget_metrics *m) { return m->runqueue_wait_ns / m->wall_ns; }

static int machine_busier(const perfbudget_metrics *base, const perfbudget_metrics *now) {
    double wait_base = wait_share(base), wait_now = wait_share(now);
    if (isfinite(wait_base) && isfinite(wait_now)) return wait_now - wait_base > BUSIER_WAIT_SHARE;
    double share_base = base->cpu_utilization, share_now = now->cpu_utilization;
    if (!(isfinite(share_base) && isfinite(share_now) && share_base > 0.0 &&
          share_now < BUSIER_SHARE_RATIO * share_base))
        return 0;
    double preempted_base = base->involuntary_switches / (share_base * base->wall_ns);
    double preempted_now = now->involuntary_switches / (share_now * now->wall_ns);
    if (isfinite(preempted_base) && isfinite(preempted_now))
        return preempted_now > 1.5 * preempted_base;
    return 1;
}

/* How much a busy machine changes CPU time itself: the two virtual CPUs of the machine this was
 * measured on share cores underneath, so a shell loop's CPU time per run rose by 4 % to 57 %
 * with four spinners running, and a baseline measured beside a build on the other CPU read 8-14 %
 * more CPU time than runs beside the spinners (docs/statistics.md). On CPU time, a change must
 * be larger than that either way. */
#define BUSY_CPU_ALLOWANCE_PCT 60.0

/* How far apart the probe's times of two runs (metric probe_ns; probe_fast_ns when p10 is
 * compared) must be before the machine's speed counts as changed: on a steady machine, runs'
 * probe medians stay within a few percent. And how large a change that speed can explain, as a
 * power of the probe's ratio: in the VM's slow spells the probe read 1.18-1.35x slower while
 * Python code read 1.55x, qsort 1.4x and a C table walk 1.8x (docs/statistics.md, "A machine at
 * another speed"; adler32 over 64 KiB went beyond: 1.92x with the probe at 1.16x). */
#define MACHINE_SPEED_PCT 10.0
#define MACHINE_SPEED_REACH 3.0
/* A command's spawn probe (metric spawn_probe_ns: a fork, an exit, a reap) moves with the
 * machine's slow state nearly as far as a short command does: timed in turns with a 0.5 ms
 * command, the command followed it to the power 0.95, and across 80 perfbudget runs of that
 * command the run's median followed its spawn probe to the power 0.77 (docs/statistics.md, "A
 * machine at another speed"). Hence a reach near 1. */
#define SPAWN_SPEED_REACH 1.5
/* Python code moves with perfbudget's interpreter probe (metric interpreter_probe_ns), but by
 * how much depends on the code and on the machine's state: across 30 processes two small
 * functions followed it to the power 1.17 and 1.39 (r = 0.99), and timed warm, as now, it
 * moved 1.3-1.6x where two loops moved 1.45-1.8x, quiet or beside four spinners: to the power
 * 1.2 to 1.56 (timed cold, in 20 pytest processes a loop of 1 ms ran 1.6x slower where it ran
 * 2.3x, and divided out it made unchanged code fail by +44 % to +70 %; docs/statistics.md, "A
 * machine at another speed"). So a change in its direction within its ratio to the power 2 is
 * inconclusive. */
#define INTERPRETER_SPEED_REACH 2.0
/* Python code follows the interpreter probe also where it moved less than MACHINE_SPEED_PCT:
 * across 24 pytest processes in the fast state, the medians of a loop of 5 us ranged 4.4 to 5.2
 * us as the probe's ranged 29 to 33 us (r = 0.99), and a change of -8.6 % came with the probe
 * at -4.7 %. So from a probe 1 % apart, a change in its direction within its reach is
 * inconclusive: judged offline on those runs' pairs and 20 more of six other tests (threshold
 * 5 %), unchanged code failed in 20 of 540 pairs instead of 32, and +5 % was caught in 168
 * instead of 179 (docs/statistics.md, "A machine at another speed"). A pass is inconclusive on
 * a faster machine only from MACHINE_SPEED_PCT, as for the other probes. */
#define INTERPRETER_EXPLAINS_PCT 1.0
/* Beyond this ratio of probe times the probe measured something else than the machine's speed
 * (the slowest spell seen here was 1.94x): the probes are not compared. */
#define MACHINE_SPEED_CREDIBLE 2.5
/* The most the machine's state changed code here (adler32 over 64 KiB 1.92x, the code probe's
 * slowest spell 1.94x, Python 1.8x): a change of 2x or more is never the machine's, whatever a
 * probe's reach, so that a 2x slowdown fails in any state. */
#define MACHINE_SPEED_MOST 2.0

/* The spread between runs assumed until the history has 3 earlier runs of a benchmark, in
 * standard errors of a run: one run against one run otherwise claims an interval that only the
 * two runs' samples make, and separate processes of unchanged code differ by more. Measured here
 * over 8 processes each: 1.2-3.2 times a run's own standard error for C (checksum_benchmarks),
 * 0.7-5.2 (median 2.7) for Python (docs/statistics.md, "Test verdicts"). */
#ifndef ASSUMED_RUN_SPREAD /* -DASSUMED_RUN_SPREAD=0: no assumed spread (bench/process_pairs.py) */
#define ASSUMED_RUN_SPREAD 3.0
#endif

/* CPU-time samples of a result, when it has them for every sample. */
static const double *cpu_samples_of(const perfbudget_result *result, size_t n_samples) {
    size_t n = 0;
    const double *cpu = perfbudget_result_cpu_samples(result, &n);
    return cpu != NULL && n == n_samples && n > 0 ? cpu : NULL;
}

static int add_note(perfbudget_context *ctx, perfbudget_result *result, perfbudget_note_kind kind,
                    const char *fmt, ...) PERFBUDGET__PRINTF(4, 5);

static int add_note(perfbudget_context *ctx, perfbudget_result *result, perfbudget_note_kind kind,
                    const char *fmt, ...) {
    char text[1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(text, sizeof text, fmt, args);
    va_end(args);
    return perfbudget__notes_add(ctx, perfbudget__result_notes(result), kind, text);
}

/* The medians of the separate processes a result was measured in (custom metrics
 * process_median_<i>, from --perf-processes), into a new array; none (NULL, 0) for one. */
static int process_medians(const perfbudget_result *result, double **out, size_t *count) {
    static const char prefix[] = "process_median_";
    *out = NULL;
    *count = 0;
    size_t n = perfbudget_result_metric_count(result), k = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const char *name = NULL;
            double value = NAN;
            perfbudget_result_metric_at(result, i, &name, &value, NULL, NULL);
            if (name == NULL || strncmp(name, prefix, sizeof prefix - 1) != 0) continue;
            if (pass == 1) (*out)[(*count)++] = value;
            else k++;
        }
        if (pass == 0 && k < 2) return PERFBUDGET_OK;
        if (pass == 0 && (*out = malloc(k * sizeof **out)) == NULL) return PERFBUDGET_ENOMEM;
    }
    return PERFBUDGET_OK;
}

/* What judging a latency compares: both sides' samples (and CPU samples, NULL where a side has
 * none for every sample), the earlier runs' values of the statistic compared and their medians
 * (left_out of them for a busy machine) and the medians of each side's processes; where both
 * runs took samples in the same state of the machine, those alone (same_state). */
typedef struct {
    const double *base_samples, *samples, *cpu_base, *cpu_now;
    size_t n_base, n_current;
    double *runs, *run_medians; /* run_medians: in runs' allocation */
    size_t n_runs, left_out;
    double *base_processes, *processes_now;
    size_t k_base, k_now;
    double *same_state; /* owns the matched samples above; NULL: all samples compared */
    size_t all_base, all_now;     /* how many samples each side had before matching */
    double fast_probe_ns;         /* a probe time up to this: the fast state; NaN: no match */
    double probe_base, probe_now; /* the median probe of each side's matched samples */
} latency_inputs;

static void latency_inputs_free(latency_inputs *in) {
    perfbudget_free(in->runs);
    free(in->base_processes);
    free(in->processes_now);
    free(in->same_state);
}

/* The VM this project runs on switches between a fast and a slow state, between processes and
 * within runs of 0.5 s (perfbudget's interpreter probe read about 30 us in one, 46 us in the
 * other), so a Python run's median is the mixture of states it met: over 10 runs of unchanged
 * code the medians spread 84.6 % (100 ns a call) and 65.1 % (10 us), the medians of the samples
 * taken in the fast state 7.8 % and 6.1 % (docs/statistics.md, "A machine at another speed").
 * A sample is in the fast state where the probe timed last before it read within
 * SAME_STATE_FACTOR of the faster run's tenth percentile of probe times; where each run has at
 * least SAME_STATE_MIN_SAMPLES such samples and SAME_STATE_MIN_SHARE of its own, only those are
 * compared. */
#define SAME_STATE_FACTOR 1.2
#define SAME_STATE_MIN_SAMPLES 20
#define SAME_STATE_MIN_SHARE 0.1
#define SAME_STATE_MIN_LEFT_OUT 0.1

/* The tenth percentile and the median of n probe times, into scratch. */
static void probe_quantiles(const double *probes, size_t n, double *scratch, double *p10,
                            double *median) {
    memcpy(scratch, probes, n * sizeof *scratch);
    perfbudget__sort(scratch, n, scratch + n);
    *p10 = perfbudget__quantile_sorted(scratch, n, 0.1);
    *median = perfbudget__quantile_sorted(scratch, n, 0.5);
}

/* Of a side's samples (probes beside them, cpu NULL or beside them), those in the fast state,
 * into kept and kept_cpu, their probes into kept_probes; returns how many. */
static size_t keep_fast(const double *samples, const double *cpu, const double *probes, size_t n,
                        double fast_probe_ns, double *kept, double *kept_cpu,
                        double *kept_probes) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(probes[i] <= fast_probe_ns)) continue;
        kept[k] = samples[i];
        if (cpu != NULL) kept_cpu[k] = cpu[i];
        kept_probes[k++] = probes[i];
    }
    return k;
}

static int enough_in_state(size_t kept, size_t n) {
    return kept >= SAME_STATE_MIN_SAMPLES && (double)kept >= SAME_STATE_MIN_SHARE * (double)n;
}

/* Narrows in to the samples both runs took in the fast state, where it can and where either
 * run leaves out SAME_STATE_MIN_LEFT_OUT of its samples or more (with fewer the two medians
 * hardly move, and the note would be noise); else leaves it as it is. */
static int match_states(const perfbudget_result *result, const perfbudget_result *base,
                        latency_inputs *in) {
    size_t nb = 0, nn = 0;
    const double *pb = perfbudget_result_probe_samples(base, &nb);
    const double *pn = perfbudget_result_probe_samples(result, &nn);
    if (pb == NULL || pn == NULL || nb != in->n_base || nn != in->n_current || nb == 0 ||
        nn == 0)
        return PERFBUDGET_OK;
    size_t most = nb > nn ? nb : nn;
    /* samples, CPU samples and probes of both sides, then scratch for sorting */
    double *block = malloc((3 * (nb + nn) + 2 * most) * sizeof *block);
    if (block == NULL) return PERFBUDGET_ENOMEM;
    double *scratch = block + 3 * (nb + nn), p10_base, p10_now, median;
    probe_quantiles(pb, nb, scratch, &p10_base, &median);
    probe_quantiles(pn, nn, scratch, &p10_now, &median);
    double fast = SAME_STATE_FACTOR * fmin(p10_base, p10_now);
    double *samples_base = block, *samples_now = block + nb;
    double *cpu_base = block + nb + nn, *cpu_now = cpu_base + nb;
    double *probes_base = cpu_now + nn, *probes_now = probes_base + nb;
    size_t kb = keep_fast(in->base_samples, in->cpu_base, pb, nb, fast, samples_base, cpu_base,
                          probes_base);
    size_t kn = keep_fast(in->samples, in->cpu_now, pn, nn, fast, samples_now, cpu_now,
                          probes_now);
    if (!enough_in_state(kb, nb) || !enough_in_state(kn, nn) ||
        !((double)(nb - kb) >= SAME_STATE_MIN_LEFT_OUT * (double)nb ||
          (double)(nn - kn) >= SAME_STATE_MIN_LEFT_OUT * (double)nn)) {
        free(block);
        return PERFBUDGET_OK;
    }
    probe_quantiles(probes_base, kb, scratch, &p10_base, &in->probe_base);
    probe_quantiles(probes_now, kn, scratch, &p10_now, &in->probe_now);
    in->same_state = block;
    in->all_base = nb;
    in->all_now = nn;
    in->fast_probe_ns = fast;
    in->base_samples = samples_base;
    in->samples = samples_now;
    in->cpu_base = in->cpu_base != NULL ? cpu_base : NULL;
    in->cpu_now = in->cpu_now != NULL ? cpu_now : NULL;
    in->n_base = kb;
    in->n_current = kn;
    return PERFBUDGET_OK;
}

static int gather_latency_inputs(perfbudget_context *ctx, const perfbudget_conclude_options *o,
                                 const perfbudget_result *result, const perfbudget_result *base,
                                 perfbudget_statistic statistic, latency_inputs *in) {
    *in = (latency_inputs){0};
    in->fast_probe_ns = in->probe_base = in->probe_now = NAN; /* none matched */
    in->base_samples = perfbudget_result_samples(base, &in->n_base);
    in->samples = perfbudget_result_samples(result, &in->n_current);
    in->cpu_base = cpu_samples_of(base, in->n_base);
    in->cpu_now = cpu_samples_of(result, in->n_current);
    int code = earlier_runs(o, result, statistic, &in->runs, &in->run_medians, &in->n_runs,
                            &in->left_out);
    if (code == PERFBUDGET_OK) code = process_medians(base, &in->base_processes, &in->k_base);
    if (code == PERFBUDGET_OK) code = process_medians(result, &in->processes_now, &in->k_now);
    if (code != PERFBUDGET_OK) {
        latency_inputs_free(in);
        return code == PERFBUDGET_ENOMEM ? perfbudget__fail(ctx, code, "out of memory") : code;
    }
    return PERFBUDGET_OK;
}

/* The machine's state: the share of a CPU each run had while measuring, and the share of
 * its wall time it was ready to run but waited for a CPU. */
typedef struct {
    const perfbudget_metrics *mb, *mn;
    double share_base, share_now, wait_base, wait_now;
    int busier, quieter, both_busy;
    int waited; /* any of the three: judged on CPU time where both runs have it */
    const double *cpu_base, *cpu_now;
    /* The interpreter probe's time now over the baseline's (Python runs); NaN where either
     * lacks one or the ratio is beyond MACHINE_SPEED_CREDIBLE either way. */
    double interpreter_ratio;
    double busy_allowance_pct; /* what a busy machine does even to CPU time, in % */
    double cpu_allowance_pct;  /* the same for a slowdown on CPU time */
} machine_state;

static double interpreter_ratio(double base_ns, double now_ns) {
    double ratio = now_ns / base_ns;
    return fabs(log(ratio)) <= log(MACHINE_SPEED_CREDIBLE) ? ratio : NAN; /* NaN too */
}

/* BUSY_CPU_ALLOWANCE_PCT, or more where the interpreter probes of Python runs say the machine
 * ran interpreted code slower still (a loaded sibling CPU: beside four spinners an unchanged
 * test's CPU time rose +61 %): their ratio to the power INTERPRETER_SPEED_REACH, below 2x
 * (MACHINE_SPEED_MOST), so that a 2x slowdown still fails. */
static double busy_allowance_pct(double ratio) {
    if (!(ratio > 1.0)) return BUSY_CPU_ALLOWANCE_PCT; /* NaN too */
    double probe = 100.0 * expm1(INTERPRETER_SPEED_REACH * log(ratio));
    return fmax(BUSY_CPU_ALLOWANCE_PCT, fmin(probe, 100.0 * (MACHINE_SPEED_MOST - 1.0) - 1.0));
}

/* Where the interpreter probe, timed warm, says the machine ran Python faster for this run than
 * for the baseline (the baseline saved in the VM's slow state), a slowdown on CPU time is
 * understated, not inflated, and is judged beyond this instead of BUSY_CPU_ALLOWANCE_PCT: 2x
 * slowdowns measured so read +41 % to +58 % on CPU time and were inconclusive within the 60 %.
 * Beside four spinners Python's CPU time stayed within 5 % of the quiet machine's in the same
 * state (docs/statistics.md, "A machine at another speed"); the 30 % leaves room for a run whose
 * median met a state its probe's median did not. */
#define BUSY_FASTER_PYTHON_ALLOWANCE_PCT 30.0

static double cpu_allowance_pct(double ratio, double busy_allowance) {
    return 1.0 / ratio >= 1.0 + MACHINE_SPEED_PCT / 100.0 ? BUSY_FASTER_PYTHON_ALLOWANCE_PCT
                                                        : busy_allowance;
}

static void read_machine_state(const perfbudget_result *result, const perfbudget_result *base,
                               const latency_inputs *in, machine_state *m) {
    m->mb = perfbudget_result_metrics(base);
    m->mn = perfbudget_result_metrics(result);
    m->share_base = m->mb->cpu_utilization;
    m->share_now = m->mn->cpu_utilization;
    m->wait_base = wait_share(m->mb);
    m->wait_now = wait_share(m->mn);
    m->busier = machine_busier(m->mb, m->mn);
    /* Both runs waited for a CPU (a noisy week, a CI runner always shared): whether a sample
     * as long as the scheduler's slice was preempted is a coin toss, so that the wall-time
     * medians of unchanged code beside four spinners read 2.1 ms in one run and 6.2 ms in the
     * next (+200 %, failed); CPU time measures the code. And a baseline that waited more is not
     * the only inflated one (+65 % failed on wall time with waits of 67 % and 56 %). */
    m->both_busy = !m->busier && m->wait_base >= BUSIER_WAIT_SHARE &&
                   m->wait_now >= BUSIER_WAIT_SHARE;
    m->quieter = !m->busier && !m->both_busy && machine_busier(m->mn, m->mb);
    m->waited = m->busier || m->quieter || m->both_busy;
    m->cpu_base = in->cpu_base;
    m->cpu_now = in->cpu_now;
    /* Where only samples of the same state are compared, so are the probes timed beside them. */
    m->interpreter_ratio = isnan(in->fast_probe_ns)
                               ? interpreter_ratio(m->mb->interpreter_probe_ns,
                                                   m->mn->interpreter_probe_ns)
                               : interpreter_ratio(in->probe_base, in->probe_now);
    m->busy_allowance_pct = busy_allowance_pct(m->interpreter_ratio);
    m->cpu_allowance_pct = cpu_allowance_pct(m->interpreter_ratio, m->busy_allowance_pct);
}

/* The comparisons' outcome: the comparison that stands, whether it is on CPU time, whether the
 * baseline's wall time was inflated by a busier machine, and the wall-time change without the
 * waits for a CPU when that decided (else NaN). */
typedef struct {
    perfbudget_comparison c;
    int by_cpu, baseline_inflated;
    double unwaited_pct;
} latency_judgment;

static perfbudget__processes processes_of(const latency_inputs *in) {
    return (perfbudget__processes){in->base_processes, in->k_base, in->processes_now, in->k_now};
}

/* CPU time cannot see code that sleeps or waits for I/O. When the CPU-time judgment would
 * not fail, the wall time is judged again with the time each run waited for a CPU left out
 * (the samples scaled by the share of its time a run did not wait): a slowdown beyond what
 * a busy machine does even to CPU time is the code's, and stands on wall time. */
static int judge_unwaited(perfbudget_context *ctx, const latency_inputs *in,
                          const machine_state *m, const perfbudget_compare_options *effective,
                          const perfbudget_comparison *wall, latency_judgment *j) {
    if (!(isfinite(m->wait_base) && isfinite(m->wait_now) && m->wait_base < 1.0 &&
          m->wait_now < 1.0))
        return PERFBUDGET_OK;
    const perfbudget__processes processes = processes_of(in);
    perfbudget_compare_options unwaited = *effective;
    unwaited.speed_ratio = (isnan(effective->speed_ratio) ? 1.0 : effective->speed_ratio) *
                           (1.0 - m->wait_base) / (1.0 - m->wait_now);
    perfbudget_comparison w;
    int code = perfbudget__compare_runs(ctx, in->base_samples, in->n_base, in->samples,
                                        in->n_current, in->runs, in->n_runs, &processes,
                                        &unwaited, &w);
    if (code == PERFBUDGET_OK && w.regressed && w.change_pct > m->busy_allowance_pct) {
        j->unwaited_pct = w.change_pct;
        j->c = *wall;
        j->by_cpu = 0;
    }
    return code;
}

/* Where both runs waited for a CPU, whether either spent half its time or more neither running
 * nor waiting for one (asleep, or waiting for I/O): CPU time does not show such code slowing,
 * and a command that slept 4x longer passed on it beside four spinners. Code that computes
 * runs or waits nearly all its time, and its wall time is judged by CPU time alone there. */
#define SLEEPING_SHARE 0.5

static int sleeps(const machine_state *m) {
    return 1.0 - m->share_base - m->wait_base >= SLEEPING_SHARE ||
           1.0 - m->share_now - m->wait_now >= SLEEPING_SHARE;
}

/* The comparisons: on wall time, then on CPU time when the machine's load differed. */
static int judge_latency_runs(perfbudget_context *ctx, const latency_inputs *in,
                              const machine_state *m, const perfbudget_compare_options *effective,
                              latency_judgment *j) {
    const perfbudget__processes processes = processes_of(in);
    j->by_cpu = m->waited && m->cpu_base != NULL && m->cpu_now != NULL;
    j->unwaited_pct = NAN;
    int code = perfbudget__compare_runs(ctx, in->base_samples, in->n_base, in->samples,
                                        in->n_current, in->runs, in->n_runs, &processes,
                                        effective, &j->c);
    /* When the baseline ran on the busier machine, its wall time can only have been inflated:
     * a slowdown on wall time is at least that large and stands (code that sleeps shows it
     * there, not on CPU time). Otherwise on CPU time, where the spread between runs still
     * applies: it is the code's, relative. */
    j->baseline_inflated =
        code == PERFBUDGET_OK && m->quieter && j->c.outcome == PERFBUDGET_OUTCOME_REGRESSION;
    if (j->baseline_inflated) j->by_cpu = 0;
    perfbudget_comparison wall = j->c;
    if (code == PERFBUDGET_OK && j->by_cpu)
        /* The processes' medians are wall times, which a busy machine spreads: not for CPU time. */
        code = perfbudget__compare_runs(ctx, m->cpu_base, in->n_base, m->cpu_now, in->n_current,
                                        in->runs, in->n_runs, NULL, effective, &j->c);
    if (code == PERFBUDGET_OK && j->by_cpu && (m->busier || (m->both_busy && sleeps(m))) &&
        wall.regressed && !(j->c.regressed && j->c.change_pct > m->cpu_allowance_pct))
        code = judge_unwaited(ctx, in, m, effective, &wall, j);
    return code;
}

/* The note on a machine busier for one side than the other; *within: the change is within what
 * the machine explains. */
static int busy_machine_note(perfbudget_context *ctx, perfbudget_result *result,
                             const machine_state *m, const latency_judgment *j, const char *state,
                             int *within) {
    const perfbudget_comparison *c = &j->c;
    /* Within what a busy machine does to CPU time itself, a change on CPU time is not the
     * code's. A speed-up either way: a loaded sibling CPU slows CPU time without any wait for
     * a CPU, so the quieter run may be the inflated one. A slowdown when this run was the
     * busier one, or both were busy; when the baseline alone was, its CPU time can only have
     * been inflated, so a slowdown stands (a regression measured after a noisy week still
     * fails). */
    double speedup = 100.0 * (1.0 / (1.0 + m->busy_allowance_pct / 100.0) - 1.0);
    *within = j->by_cpu &&
              ((!m->quieter && c->regressed && c->change_pct <= m->cpu_allowance_pct) ||
               (c->outcome == PERFBUDGET_OUTCOME_IMPROVEMENT && c->change_pct >= speedup));
    const char *whose = m->busier    ? "the machine was busier"
                        : m->quieter ? "the machine was busier for the baseline"
                                     : "the machine was busy for both runs";
    if (*within)
        return add_note(ctx, result, PERFBUDGET_NOTE_CPU_TIME,
                        "judged on CPU time: %s; %s, and a busy machine changes even CPU time by "
                        "up to %.0f %% (cores shared underneath), so the change of %+.1f %% is "
                        "inconclusive", state, whose,
                        c->regressed ? m->cpu_allowance_pct : m->busy_allowance_pct,
                        c->change_pct);
    if (j->by_cpu)
        return add_note(ctx, result, PERFBUDGET_NOTE_CPU_TIME,
                        "judged on CPU time: %s; %s, so wall time would measure it, not the code",
                        state, whose);
    if (!isnan(j->unwaited_pct))
        return add_note(ctx, result, PERFBUDGET_NOTE_MACHINE_BUSIER,
                        "%s: %s, but leaving out the time each run waited for a CPU, the wall "
                        "time still rose by %+.1f %%, more than a busy machine explains "
                        "(%.0f %%): the code's (CPU time does not show code that sleeps or "
                        "waits)",
                        state, whose, j->unwaited_pct, m->busy_allowance_pct);
    if (j->baseline_inflated)
        return add_note(ctx, result, PERFBUDGET_NOTE_MACHINE_BUSIER,
                        "%s: the machine was busier for the baseline, whose wall time can only "
                        "have been inflated, so as far as the load goes the slowdown is at least "
                        "this",
                        state);
    if (((m->busier || m->both_busy) && (c->outcome == PERFBUDGET_OUTCOME_REGRESSION ||
                       c->outcome == PERFBUDGET_OUTCOME_IMPROVEMENT)) ||
        (m->quieter && c->outcome == PERFBUDGET_OUTCOME_IMPROVEMENT)) {
        *within = 1;
        return add_note(ctx, result, PERFBUDGET_NOTE_MACHINE_BUSIER,
                        "%s: %s, so the change of %+.1f %% may be the machine's; inconclusive",
                        state, whose, c->change_pct);
    }
    return PERFBUDGET_OK;
}

typedef struct {
    double machine; /* log of the probe's time, this run over the baseline; NaN: not compared */
    double reach;   /* the largest change it explains, as a power of its ratio */
    double apart;   /* log of the least ratio at which it explains a change */
    const char *probe, *what;
} machine_probe;

/* The machine's probes of two runs as the judge reads them: the code probe (its fastest tenth
 * when p10 is compared, which meets the fast state of both runs), for commands the spawn probe,
 * for Python the interpreter probe. A probe ratio beyond MACHINE_SPEED_CREDIBLE measured
 * something else: not compared. Where a run waited for a CPU, only the interpreter probe,
 * timed warm, is compared: it was measured to read the same beside four spinners as on the
 * quiet machine in the same state, while a fork, timed in wall time, waits for a CPU too. */
enum { CODE_PROBE, SPAWN_PROBE, INTERPRETER_PROBE, MACHINE_PROBES };
static void read_machine_probes(const machine_state *m, const perfbudget_comparison *c,
                                machine_probe probes[MACHINE_PROBES]) {
    int fast = c->statistic == PERFBUDGET_STAT_P10 && isfinite(m->mn->probe_fast_ns) &&
               isfinite(m->mb->probe_fast_ns);
    probes[CODE_PROBE] = (machine_probe){
        fast ? log(m->mn->probe_fast_ns / m->mb->probe_fast_ns)
             : log(m->mn->probe_ns / m->mb->probe_ns),
        MACHINE_SPEED_REACH, log1p(MACHINE_SPEED_PCT / 100.0),
        fast ? "the fastest tenth of perfbudget's probe" : "perfbudget's probe",
        "code bound by caches and branches"};
    probes[SPAWN_PROBE] = (machine_probe){
        log(m->mn->spawn_probe_ns / m->mb->spawn_probe_ns), SPAWN_SPEED_REACH,
        log1p(MACHINE_SPEED_PCT / 100.0), "perfbudget's spawn probe",
        "a fork, an exit and a reap: most of a short command's time"};
    probes[INTERPRETER_PROBE] = (machine_probe){
        log(m->interpreter_ratio), INTERPRETER_SPEED_REACH,
        log1p(INTERPRETER_EXPLAINS_PCT / 100.0),
        "perfbudget's interpreter probe", "Python code: list indexing and branches"};
    for (int i = 0; i < MACHINE_PROBES; i++)
        if (!(fabs(probes[i].machine) <= log(MACHINE_SPEED_CREDIBLE)) || /* NaN too */
            (m->waited && i != INTERPRETER_PROBE))
            probes[i].machine = NAN;
}

/* A machine at another speed for code bound by caches and branches, for creating processes or
 * for Python (a busy neighbour on the host, the VM's slow state): a change in the same direction
 * and within a probe's reach may be the machine's. The other direction stands: a regression
 * measured on a faster machine is at least as large. A busier machine is judged above, on CPU
 * time and its own allowance, and here by the interpreter probe alone; never a change of 2x or
 * more, so that a 2x slowdown still fails.
 * Sets *within when it makes the change inconclusive; on a faster machine it also says so where
 * the change was inconclusive already. */
static int machine_speed_note(perfbudget_context *ctx, perfbudget_result *result,
                              const machine_state *m, const perfbudget_comparison *c,
                              const char *state, int *within) {
    double change = log1p(c->change_pct / 100.0);
    double apart = log1p(MACHINE_SPEED_PCT / 100.0);
    if (!isfinite(change)) return PERFBUDGET_OK;
    int explainable = !*within && fabs(change) < log(MACHINE_SPEED_MOST);
    machine_probe probes[MACHINE_PROBES];
    read_machine_probes(m, c, probes);
    for (int i = 0; i < MACHINE_PROBES; i++) {
        const machine_probe *p = &probes[i];
        if (explainable &&
            ((p->machine >= p->apart && c->outcome == PERFBUDGET_OUTCOME_REGRESSION &&
              change <= p->reach * p->machine) ||
             (p->machine <= -p->apart && c->outcome == PERFBUDGET_OUTCOME_IMPROVEMENT &&
              change >= p->reach * p->machine))) {
            *within = 1;
            return add_note(ctx, result, PERFBUDGET_NOTE_MACHINE_SPEED,
                            "the machine ran %s (%s) %.0f %% %s than for the baseline (%s), so "
                            "the change of %+.1f %% may be the machine's; inconclusive",
                            p->probe, p->what, 100.0 * fabs(expm1(p->machine)),
                            p->machine > 0 ? "slower" : "faster", state, c->change_pct);
        }
    }
    /* No pass on a faster machine: it may have hidden a slowdown of code like the probe. The
     * probe that can hide the most is named, also where the verdict is inconclusive for
     * another reason: a baseline measured in the VM's slow state understates a slowdown (a 2x
     * slowdown of Python code read +21 % to +32 % beside four spinners), which only a baseline
     * measured at the machine's present speed shows. */
    const machine_probe *faster = NULL;
    for (int i = 0; i < MACHINE_PROBES; i++)
        if (probes[i].machine <= -apart &&
            (faster == NULL || probes[i].reach * probes[i].machine <
                                   faster->reach * faster->machine))
            faster = &probes[i];
    int inconclusive = *within || c->outcome == PERFBUDGET_OUTCOME_INCONCLUSIVE;
    if (faster != NULL && (c->outcome == PERFBUDGET_OUTCOME_PASS || inconclusive)) {
        if (c->outcome == PERFBUDGET_OUTCOME_PASS) *within = 1; /* else the other reason stands */
        return add_note(ctx, result, PERFBUDGET_NOTE_MACHINE_SPEED,
                        "the machine ran %s (%s) %.0f %% faster than for the baseline (%s), "
                        "which can hide a slowdown of such code of up to %+.0f %%; inconclusive "
                        "(a baseline measured at the machine's present speed would tell)",
                        faster->probe, faster->what, 100.0 * fabs(expm1(faster->machine)), state,
                        100.0 * expm1(-faster->reach * faster->machine));
    }
    return PERFBUDGET_OK;
}

/* p10 does not see a slowdown of fewer than 90 % of the samples, so when it is compared on wall
 * time and neither regressed nor was made inconclusive, the median is compared too, with the
 * same inputs: a median beyond the threshold and significant is either such a slowdown or the
 * machine's slow state holding more of this run than of the baseline's (the median follows it,
 * p10 does not), and one run a side cannot tell which. *rose: it was; *median: its comparison. */
static int look_at_median(perfbudget_context *ctx, const latency_inputs *in,
                          const perfbudget_compare_options *effective, const latency_judgment *j,
                          perfbudget_comparison *median, int *rose) {
    *rose = 0;
    int passed = j->c.outcome == PERFBUDGET_OUTCOME_PASS ||
                 j->c.outcome == PERFBUDGET_OUTCOME_IMPROVEMENT;
    if (effective->statistic != PERFBUDGET_STAT_P10 || j->by_cpu || !passed) return PERFBUDGET_OK;
    const perfbudget__processes processes = processes_of(in);
    perfbudget_compare_options by_median = *effective;
    by_median.statistic = PERFBUDGET_STAT_MEDIAN;
    int code = perfbudget__compare_runs(ctx, in->base_samples, in->n_base, in->samples,
                                        in->n_current, in->run_medians, in->n_runs, &processes,
                                        &by_median, median);
    *rose = code == PERFBUDGET_OK && median->outcome == PERFBUDGET_OUTCOME_REGRESSION;
    return code;
}

/* The notes on the spread between runs: what it was taken from when it made the change
 * inconclusive, and the earlier runs left out of it. */
static int run_spread_notes(perfbudget_context *ctx, perfbudget_result *result,
                            const latency_inputs *in, const latency_judgment *j, int within) {
    const perfbudget_comparison *c = &j->c;
    size_t k_base = in->k_base, k_now = in->k_now, n_runs = in->n_runs;
    int code = PERFBUDGET_OK;
    const perfbudget__processes processes = processes_of(in);
    int by_processes = !j->by_cpu && perfbudget__processes_measure_spread(&processes);
    int spread_said = n_runs < 3 && c->outcome == PERFBUDGET_OUTCOME_INCONCLUSIVE && !within &&
                      isfinite(c->run_spread_pct);
    if (spread_said && by_processes)
        code = add_note(ctx, result, PERFBUDGET_NOTE_RUN_SPREAD,
                        "the spread between the processes measured (%zu for the baseline, %zu "
                        "now) makes +-%.1f %% of the change the machine's",
                        k_base >= 2 ? k_base : 1, k_now >= 2 ? k_now : 1, c->run_spread_pct);
    else if (spread_said)
        code = add_note(ctx, result, PERFBUDGET_NOTE_RUN_SPREAD,
                        "the history has %s earlier run%s of this benchmark (up to the "
                        "baseline's) to measure the spread between runs, so +-%.1f %% is assumed "
                        "until it has 3: three times the larger of the two runs' own standard "
                        "errors, since separate processes of unchanged code differ by more than "
                        "one run's samples show",
                        n_runs == 0 ? "no" : n_runs == 1 ? "only 1" : "only 2",
                        n_runs == 1 ? "" : "s", c->run_spread_pct);
    if (code == PERFBUDGET_OK && in->left_out > 0)
        code = add_note(ctx, result, PERFBUDGET_NOTE_RUN_SPREAD,
                        "%zu of the earlier runs %s left out of the spread between runs: the "
                        "machine was busy while they ran", in->left_out,
                        in->left_out == 1 ? "was" : "were");
    return code;
}

static int compare_latency(perfbudget_context *ctx, const perfbudget_conclude_options *o,
                           perfbudget_result *result, const perfbudget_result *base,
                           const perfbudget_compare_options *opts) {
    latency_inputs in;
    int code = gather_latency_inputs(ctx, o, result, base, opts->statistic, &in);
    if (code != PERFBUDGET_OK) return code;
    machine_state m;
    read_machine_state(result, base, &in, &m);
    /* Not where a run waited for a CPU: the busy rules' allowances were measured on whole runs,
     * and a baseline's samples with a fast probe still ran its code slow (a 2x slowdown beside
     * four spinners read +56 % on CPU time against them, within the 60 % a busy machine does,
     * where the whole runs' probes gave the 30 % of a faster machine). */
    if (!m.waited) {
        if ((code = match_states(result, base, &in)) != PERFBUDGET_OK) {
            latency_inputs_free(&in);
            return perfbudget__fail(ctx, code, "out of memory");
        }
        read_machine_state(result, base, &in, &m);
    }
    perfbudget_compare_options effective = *opts;
    effective.speed_ratio = perfbudget_result_speed_ratio(result, base);
    effective.assumed_run_spread = ASSUMED_RUN_SPREAD;
    latency_judgment j;
    perfbudget_comparison median;
    int median_rose = 0;
    code = judge_latency_runs(ctx, &in, &m, &effective, &j);
    if (code == PERFBUDGET_OK)
        code = look_at_median(ctx, &in, &effective, &j, &median, &median_rose);
    latency_inputs_free(&in);
    if (code != PERFBUDGET_OK) return code;
    const char *statistic = perfbudget_statistic_name(opts->statistic);
    char metric[64];
    snprintf(metric, sizeof metric, "%s%s", statistic, j.by_cpu ? " cpu time" : "");
    char state[256];
    if (isfinite(m.wait_base) && isfinite(m.wait_now))
        snprintf(state, sizeof state, "this run had %.1f %% of a CPU and waited for one %.1f %% "
                 "of its time, the baseline %.1f %% and %.1f %%", 100.0 * m.share_now,
                 100.0 * m.wait_now, 100.0 * m.share_base, 100.0 * m.wait_base);
    else
        snprintf(state, sizeof state, "this run had %.1f %% of a CPU, the baseline %.1f %%",
                 100.0 * m.share_now, 100.0 * m.share_base);
    int within = 0;
    if (!isnan(in.fast_probe_ns))
        code = add_note(ctx, result, PERFBUDGET_NOTE_SAME_STATE,
                        "compared the samples taken in the machine's fast state, where "
                        "perfbudget's interpreter probe timed beside them read %.1f us or less: "
                        "%zu of this run's %zu and %zu of the baseline's %zu (the machine ran "
                        "slower for the others)",
                        in.fast_probe_ns / 1e3, in.n_current, in.all_now, in.n_base,
                        in.all_base);
    if (code == PERFBUDGET_OK) code = busy_machine_note(ctx, result, &m, &j, state, &within);
    if (code == PERFBUDGET_OK) code = machine_speed_note(ctx, result, &m, &j.c, state, &within);
    if (code == PERFBUDGET_OK && median_rose && !within) {
        within = 1;
        code = add_note(ctx, result, PERFBUDGET_NOTE_MEDIAN_ROSE,
                        "the median rose %+.1f %% (95 %% CI %+.1f %% .. %+.1f %%), beyond the "
                        "threshold, while the fastest tenth did not: some of the calls may have "
                        "slowed, or the machine ran in its slow state for more of this run than "
                        "of the baseline's (the median follows its slow spells, the fastest "
                        "tenth does not); inconclusive",
                        median.change_pct, median.ci_low_pct, median.ci_high_pct);
    }
    if (within) {
        j.c.outcome = PERFBUDGET_OUTCOME_INCONCLUSIVE;
        j.c.severity = PERFBUDGET_SEVERITY_NONE;
        j.c.regressed = 0;
    }
    if (code == PERFBUDGET_OK) code = run_spread_notes(ctx, result, &in, &j, within);
    if (code == PERFBUDGET_OK)
        code = perfbudget_result_add_comparison(ctx, result, metric, PERFBUDGET_UNIT_NS, &j.c);
    return code;
}

/* The baseline's result of the same benchmark and mode; notes say why there is none. */
static int find_baseline(perfbudget_context *ctx, const perfbudget_conclude_options *o,
                         perfbudget_result *result, const perfbudget_result **out) {
    *out = NULL;
    const char *name = perfbudget_result_name(result);
    perfbudget_mode mode = perfbudget_result_mode(result);
    const perfbudget_result *other_mode = NULL;
    for (size_t i = 0; i < o->baseline_count && *out == NULL; i++) {
        const perfbudget_result *b = o->baseline[i];
        if (strcmp(perfbudget_result_name(b), name) != 0) continue;
        if (perfbudget_result_mode(b) == mode) *out = b;
        else other_mode = b;
    }
    size_t n = 0;
    const perfbudget_result *found = *out;
    if (found != NULL) perfbudget_result_samples(found, &n);
    if (found != NULL && perfbudget_result_status(found) == PERFBUDGET_RUN_OK && n > 0) {
        /* A baseline that does not say which code it measured (a file of another tool,
         * imported) is compared: nothing shows that the code changed. */
        const char *then = perfbudget_result_identity(found);
        if (then[0] == '\0' || strcmp(then, perfbudget_result_identity(result)) == 0)
            return PERFBUDGET_OK;
        *out = NULL;
        return add_note(ctx, result, PERFBUDGET_NOTE_CODE_CHANGED,
                        "new series: the benchmarked code changed since the baseline (version "
                        "'%s', now '%s'), so it is not compared with measurements of other code",
                        perfbudget_result_identity(found), perfbudget_result_identity(result));
    }
    *out = NULL;
    if (other_mode != NULL)
        return add_note(ctx, result, PERFBUDGET_NOTE_OTHER_MODE,
                        "the baseline measured this benchmark only in %s mode, this run is in %s "
                        "mode: nothing to compare (save a baseline in %s mode)",
                        perfbudget_mode_name(perfbudget_result_mode(other_mode)),
                        perfbudget_mode_name(mode), perfbudget_mode_name(mode));
    return add_note(ctx, result, PERFBUDGET_NOTE_NEW_SERIES,
                    "new: the baseline has no result of this benchmark");
}

int perfbudget_result_conclude(perfbudget_context *ctx, perfbudget_result *result,
                               const perfbudget_conclude_options *o) {
    if (result == NULL || o == NULL || (o->baseline == NULL && o->baseline_count > 0))
        return perfbudget__fail(ctx, PERFBUDGET_EINVAL, "conclude: NULL argument");
    /* Without a regression check, the comparisons a result file brought along stay. */
    if (o->regression) perfbudget__result_clear_record(result);
    if (perfbudget_result_status(result) != PERFBUDGET_RUN_OK) return PERFBUDGET_OK;
    char chosen[NAME_SIZE];
    perfbudget_effective_budget effective;
    const perfbudget_regression_settings *settings = NULL;
    int code = PERFBUDGET_OK;
    if (o->budget != NULL) {
        code = choose_budget(o->budget, perfbudget_result_name(result), o->budget_name, chosen,
                             &effective);
        if (code == PERFBUDGET_ENOMEM) return perfbudget__fail(ctx, code, "out of memory");
        if (code == PERFBUDGET_OK) {
            settings = &effective.regression;
            code = perfbudget_result_judge(ctx, result, o->budget, chosen, NULL);
        }
        if (code != PERFBUDGET_OK) return code;
    }
    if (!o->regression) return PERFBUDGET_OK;
    if (o->baseline_note != NULL && o->baseline_note[0] != '\0') {
        code = add_note(ctx, result, PERFBUDGET_NOTE_BASELINE, "%s", o->baseline_note);
        if (code != PERFBUDGET_OK || o->baseline_count == 0) return code;
    }
    const perfbudget_result *base;
    code = find_baseline(ctx, o, result, &base);
    if (code != PERFBUDGET_OK || base == NULL) return code;
    perfbudget_compare_options opts;
    latency_options(o, settings, result, &opts);
    /* In instructions mode the times are the counting tool's: only the counts compare. */
    if (perfbudget_result_mode(result) == PERFBUDGET_MODE_TIME)
        code = compare_latency(ctx, o, result, base, &opts);
    if (code == PERFBUDGET_OK)
        code = perfbudget_result_compare_metrics(ctx, result, base, o->history, o->environment,
                                                 o->branch, o->baseline_run, settings,
                                                 opts.threshold_pct);
    if (code == PERFBUDGET_EIO || code == PERFBUDGET_EDOMAIN || code == PERFBUDGET_ENODATA) {
        /* The limits stand; the record says why there is no comparison. */
        return add_note(ctx, result, PERFBUDGET_NOTE_NOT_COMPARED,
                        "cannot compare with the baseline: %s", perfbudget_errmsg(ctx));
    }
    return code;
}
