/* SPDX-License-Identifier: MIT */
/* perfbudget history [runs | prune | size | --environments]: trends, steps and upkeep of the
 * history store. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"

/* `perfbudget history` looks at each benchmark's newest 100 runs unless told otherwise: the
 * report stays as fast on a history of 100,000 runs as on one of 100. */
enum { DEFAULT_WINDOW = 100 };

typedef struct history_options {
    cli_location location;
    const char *action; /* trends (none given), runs, prune, size, copy or push */
    const char *pattern, *commit;
    size_t last; /* runs per benchmark; 0: all */
    int runs_given, environments;
    int64_t since_ns;
    double min_change_pct;
    size_t keep;
    const char *from, *to; /* history copy */
} history_options;

/* "30d", "12h", "90min", "2w": how far back; 0 on failure. */
static int64_t parse_age(const char *text) {
    char *end;
    double value = strtod(text, &end);
    double unit = strcmp(end, "d") == 0 ? 86400.0 : strcmp(end, "h") == 0 ? 3600.0
                  : strcmp(end, "w") == 0 ? 604800.0 : strcmp(end, "min") == 0 ? 60.0 : 0.0;
    if (end == text || unit == 0.0 || !(value > 0)) return 0;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - (int64_t)(value * unit * 1e9);
}

static void date_of(int64_t ns, char *out, size_t size) {
    time_t seconds = (time_t)(ns / 1000000000);
    struct tm utc;
    strftime(out, size, "%Y-%m-%d %H:%M", gmtime_r(&seconds, &utc));
}

/* As wide as the longest name as shown, up to PERFBUDGET_NAME_COLUMNS: a longer one overflows
 * its own row only. */
static int name_width(char *const *names, size_t count) {
    int width = 9;
    for (size_t i = 0; i < count; i++) {
        char *shown = perfbudget_text_printable(names[i], 0);
        int columns = shown ? perfbudget_text_columns(shown) : 0;
        if (columns > width) width = columns > PERFBUDGET_NAME_COLUMNS ? PERFBUDGET_NAME_COLUMNS
                                                                         : columns;
        free(shown);
    }
    return width;
}

/* A benchmark's newest series: the medians of its runs (one code version on one environment),
 * each with the index of its point. Runs of others are counted, never compared with it. */
typedef struct series {
    double *medians;
    size_t *point_of;
    size_t count, others;
} series;

static int newest_series(const perfbudget_series_point *points, const size_t *series_of, size_t n,
                         series *out) {
    out->medians = malloc((n ? n : 1) * sizeof *out->medians);
    out->point_of = malloc((n ? n : 1) * sizeof *out->point_of);
    out->count = out->others = 0;
    if (out->medians == NULL || out->point_of == NULL) return -1;
    for (size_t k = 0; k < n; k++) {
        if (series_of[k] != 0) out->others++;
        else if (!isnan(points[k].median))
            out->point_of[out->count] = k, out->medians[out->count++] = points[k].median;
    }
    return 0;
}

/* The row of figures: latest, mean, stddev, min, max and trend of the medians. */
static void print_row(const char *name, int width, const series *m, const perfbudget_summary *s) {
    char latest[32], mean[32], stddev[32], low[32], high[32];
    const double *medians = m->medians;
    perfbudget_format_value(medians[m->count - 1], PERFBUDGET_UNIT_NS, latest, sizeof latest);
    perfbudget_format_value(s->mean, PERFBUDGET_UNIT_NS, mean, sizeof mean);
    perfbudget_format_value(s->stddev, PERFBUDGET_UNIT_NS, stddev, sizeof stddev);
    perfbudget_format_value(s->min, PERFBUDGET_UNIT_NS, low, sizeof low);
    perfbudget_format_value(s->max, PERFBUDGET_UNIT_NS, high, sizeof high);
    double trend = m->count > 1 && medians[0] != 0.0
                       ? 100.0 * (medians[m->count - 1] - medians[0]) / fabs(medians[0])
                       : 0.0;
    char *shown = perfbudget_text_printable(name, 0); /* no terminal control */
    int pad = shown ? width - perfbudget_text_columns(shown) : 0;
    printf("%s%*s %5zu %10s %10s %9s %10s %10s %+7.1f%%\n", shown ? shown : "(out of memory)",
           pad > 0 ? pad : 0, "", m->count, latest, mean, stddev, low, high, trend);
    free(shown);
    if (m->others > 0)
        printf("%-*s   (%zu more run%s of another code version or environment, not compared)\n",
               width, "", m->others, m->others == 1 ? "" : "s");
}

/* The steps and lone outliers of the medians, in the order of their runs. */
static void print_events(perfbudget_context *ctx, int width, const series *m,
                         const perfbudget_series_point *points, double min_change_pct) {
    perfbudget_step steps[16];
    perfbudget_outlier outliers[16];
    size_t found = 0, lone = 0;
    perfbudget_detect_steps(ctx, m->medians, m->count, min_change_pct, 5, steps, 16, &found);
    perfbudget_detect_outliers(ctx, m->medians, m->count, min_change_pct, outliers, 16, &lone);
    for (size_t a = 0, b = 0; a < found || b < lone;) {
        int step = b == lone || (a < found && steps[a].index < outliers[b].index);
        const perfbudget_series_point *p =
            &points[m->point_of[step ? steps[a].index : outliers[b].index]];
        char when[32], commit[13], shown_commit[64];
        date_of(p->created_ns, when, sizeof when);
        snprintf(commit, sizeof commit, "%.12s", p->commit[0] ? p->commit : "unknown");
        perfbudget_text_shown(commit, shown_commit, sizeof shown_commit);
        if (step) {
            printf("%-*s   step %+.1f%% at run %lld (commit %s, %s), p = %.2g\n", width, "",
                   steps[a].change_pct, (long long)p->run_id, shown_commit, when,
                   steps[a].p_value);
            a++;
        } else {
            printf("%-*s   outlier %+.1f%% at run %lld (commit %s, %s), not a step\n", width, "",
                   outliers[b].change_pct, (long long)p->run_id, shown_commit, when);
            b++;
        }
    }
}

/* One benchmark's row and its steps; 0, or 2 after printing why not. */
static int trend_of(perfbudget_context *ctx, perfbudget_history *history,
                    const history_options *o, const char *name, int width) {
    perfbudget_series_point *points;
    size_t *series_of, n;
    if (perfbudget_history_trend(history, name, o->last, o->since_ns, &points, &series_of, &n) !=
        PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget history: %s\n", perfbudget_errmsg(ctx));
        return 2;
    }
    series m;
    perfbudget_summary s;
    if (newest_series(points, series_of, n, &m) == 0 && m.count > 0 &&
        perfbudget_summarize(ctx, m.medians, m.count, &s) == PERFBUDGET_OK) {
        print_row(name, width, &m, &s);
        print_events(ctx, width, &m, points, o->min_change_pct);
    }
    free(m.medians);
    free(m.point_of);
    perfbudget_free(points);
    perfbudget_free(series_of);
    return 0;
}

static int trends(perfbudget_context *ctx, perfbudget_history *history, const history_options *o) {
    char **names;
    size_t count;
    if (perfbudget_history_benchmarks(history, o->pattern, &names, &count) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget history: %s\n", perfbudget_errmsg(ctx));
        return 2;
    }
    char shown_pattern[1024];
    if (count == 0) printf("no benchmarks%s%s in the history\n", o->pattern ? " matching " : "",
                           perfbudget_text_shown(o->pattern ? o->pattern : "", shown_pattern,
                                                 sizeof shown_pattern));
    int width = name_width(names, count);
    if (count > 0)
        printf("%-*s %5s %10s %10s %9s %10s %10s %8s\n", width, "benchmark", "runs", "latest",
               "mean", "stddev", "min", "max", "trend");
    int exit_code = 0;
    for (size_t i = 0; i < count && exit_code == 0; i++)
        exit_code = trend_of(ctx, history, o, names[i], width);
    perfbudget_strings_free(names, count);
    return exit_code;
}

/* The runner types with their counts, this machine's marked: what merge-base can find. */
static int list_runner_types(perfbudget_context *ctx, perfbudget_history *history,
                             const char *commit) {
    perfbudget_runner_type_record *types;
    size_t count;
    if (perfbudget_history_runner_types(history, commit, &types, &count) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget history: %s\n", perfbudget_errmsg(ctx));
        return 2;
    }
    char fingerprint[512];
    const char *here = perfbudget_environment_runner_type(
        perfbudget_environment_fingerprint(NULL, fingerprint, sizeof fingerprint));
    char shown_commit[512];
    if (count == 0 && commit != NULL)
        printf("no runs of commit %s in the history\n",
               perfbudget_text_shown(commit, shown_commit, sizeof shown_commit));
    else if (count == 0) printf("no runs in the history\n");
    else printf("%6s  %5s  %10s  %s\n", "runs", "hosts", "latest run", "runner type");
    for (size_t i = 0; i < count; i++) {
        char shown[4 * sizeof types[i].runner_type];
        perfbudget_text_shown(types[i].runner_type, shown, sizeof shown);
        printf("%6lld  %5lld  %10lld  %s%s\n", (long long)types[i].runs, (long long)types[i].hosts,
               (long long)types[i].latest_run, shown,
               strcmp(types[i].runner_type, here) == 0 ? "  (this machine's type)" : "");
    }
    perfbudget_free(types);
    return 0;
}

static int list_runs(perfbudget_context *ctx, perfbudget_history *history, size_t last) {
    size_t capacity = last ? last : 20, count;
    perfbudget_run_record *runs = malloc(capacity * sizeof *runs);
    if (runs == NULL || perfbudget_history_runs(history, runs, capacity, &count) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget history: %s\n", runs ? perfbudget_errmsg(ctx) : "out of memory");
        free(runs);
        return 2;
    }
    printf("%6s  %-16s  %-7s  %-12s  %-20s  %s\n", "run", "date (UTC)", "source", "commit",
           "branch", "benchmarks");
    for (size_t i = 0; i < count; i++) {
        char when[32], commit[13], shown_commit[64], branch[4 * sizeof runs[i].branch];
        date_of(runs[i].created_ns, when, sizeof when);
        snprintf(commit, sizeof commit, "%.12s", runs[i].commit[0] ? runs[i].commit : "-");
        perfbudget_text_shown(commit, shown_commit, sizeof shown_commit);
        perfbudget_text_shown(runs[i].branch[0] ? runs[i].branch : "-", branch, sizeof branch);
        int pad = 20 - perfbudget_text_columns(branch);
        printf("%6lld  %-16s  %-7s  %-12s  %s%*s  %zu%s\n", (long long)runs[i].id, when,
               runs[i].source, shown_commit, branch, pad > 0 ? pad : 0, "",
               runs[i].result_count, runs[i].dirty ? " (uncommitted changes)" : "");
    }
    free(runs);
    return 0;
}

/* perfbudget history copy: from is read, never changed. */
static int copy_history(const char *from_location, const char *to_location) {
    if (from_location == NULL || to_location == NULL) {
        fprintf(stderr, "perfbudget history copy: give --from HISTORY and --to HISTORY\n");
        return 2;
    }
    perfbudget_context *ctx;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) return 2;
    perfbudget_history *from = NULL, *to = NULL;
    size_t copied = 0, present = 0;
    int code = perfbudget_history_new_read_only(ctx, from_location, &from);
    if (code == PERFBUDGET_OK) code = perfbudget_history_new(ctx, to_location, &to);
    if (code == PERFBUDGET_OK) code = perfbudget_history_copy(from, to, &copied, &present);
    if (code != PERFBUDGET_OK)
        fprintf(stderr, "perfbudget history copy: %s%s\n", perfbudget_errmsg(ctx),
                copied > 0 ? " (the runs copied before stay; copying again goes on from there)"
                           : "");
    else
        printf("copied %zu run%s; %zu %s there already\n", copied, copied == 1 ? "" : "s", present,
               present == 1 ? "was" : "were");
    perfbudget_history_free(from);
    perfbudget_history_free(to);
    perfbudget_context_free(ctx);
    return code == PERFBUDGET_OK ? 0 : 2;
}

/* perfbudget history push: the spooled runs of the history named by --history or
 * $PERFBUDGET_HISTORY. */
static int push_spool(const char *option) {
    const char *location = option != NULL ? option : getenv("PERFBUDGET_HISTORY");
    if (location == NULL || !perfbudget_history_is_database(location)) {
        fprintf(stderr, "perfbudget history push: give the PostgreSQL history to send the spool "
                        "to (--history postgresql://... or $PERFBUDGET_HISTORY); the spool %s "
                        "holds runs only such histories could not take\n",
                perfbudget_history_spool_directory());
        return 2;
    }
    perfbudget_context *ctx;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) return 2;
    perfbudget_history *history = NULL;
    size_t sent = 0;
    int code = perfbudget_history_new(ctx, location, &history);
    if (code == PERFBUDGET_OK) code = perfbudget_history_push_spool(ctx, history, location, &sent);
    if (code != PERFBUDGET_OK)
        fprintf(stderr, "perfbudget history push: %s (%zu sent; the others stay in %s)\n",
                perfbudget_errmsg(ctx), sent, perfbudget_history_spool_directory());
    else
        printf("sent %zu run%s from the spool %s\n", sent, sent == 1 ? "" : "s",
               perfbudget_history_spool_directory());
    perfbudget_history_free(history);
    perfbudget_context_free(ctx);
    return code == PERFBUDGET_OK ? 0 : 2;
}

static int take_action(perfbudget_context *ctx, void *record, const char *value,
                       const char *from, const char *program) {
    (void)ctx, (void)from, (void)program;
    history_options *o = record;
    static const char *const actions[] = {"runs", "prune", "size", "copy", "push"};
    for (size_t i = 0; o->action == NULL && i < sizeof actions / sizeof *actions; i++)
        if (strcmp(value, actions[i]) == 0) {
            o->action = actions[i];
            return 0;
        }
    return -1;
}

/* --runs, --last and --keep: a count SQLite takes as a signed 64-bit LIMIT. */
static int parse_window(perfbudget_context *ctx, void *record, const char *value,
                        const char *from, const char *program) {
    (void)ctx;
    history_options *o = record;
    uint64_t n, max = SIZE_MAX < INT64_MAX ? SIZE_MAX : INT64_MAX;
    if (cli_parse_count(value, max, &n) != 0) {
        fprintf(stderr, "%s: %s takes a whole number such as 10, not '%s'\n", program, from,
                value);
        return 2;
    }
    if (strcmp(from, "--keep") == 0) {
        o->keep = (size_t)n;
        return 0;
    }
    if (n == 0) {
        fprintf(stderr, "%s: %s 0 shows nothing; --all shows every run\n", program, from);
        return 2;
    }
    o->last = (size_t)n;
    o->runs_given = 1;
    return 0;
}

static int set_all(perfbudget_context *ctx, void *record, const char *value, const char *from,
                   const char *program) {
    (void)ctx, (void)value, (void)from, (void)program;
    history_options *o = record;
    o->last = 0;
    o->runs_given = 1;
    return 0;
}

static int parse_since(perfbudget_context *ctx, void *record, const char *value,
                       const char *from, const char *program) {
    (void)ctx, (void)from;
    if ((((history_options *)record)->since_ns = parse_age(value)) != 0) return 0;
    fprintf(stderr, "%s: --since takes an age such as 30d, 12h, 2w\n", program);
    return 2;
}

static int parse_min_change(perfbudget_context *ctx, void *record, const char *value,
                            const char *from, const char *program) {
    (void)ctx, (void)from, (void)program;
    double *pct = &((history_options *)record)->min_change_pct;
    *pct = perfbudget_frontend_parse_percent(value);
    return *pct < 0 ? -1 : 0;
}

#define HISTORY_TEXT(name, value, field, help)                                                    \
    PERFBUDGET_FRONTEND_TEXT_ROW(name, value, history_options, field, help)

static const perfbudget_frontend_option history_option_rows[] = {
    HISTORY_TEXT("--benchmark", "GLOB", pattern, "only the benchmarks whose name matches GLOB"),
    PERFBUDGET_FRONTEND_PARSED_ROW("--runs", "N", parse_window, NULL,
                                   "the newest N runs of each benchmark (default 100)"),
    PERFBUDGET_FRONTEND_PARSED_ROW("--last", "N", parse_window, NULL,
                                   "the same as --runs; history runs: the newest N runs (default "
                                   "20)"),
    PERFBUDGET_FRONTEND_PARSED_FLAG_ROW("--all", set_all, "every run"),
    PERFBUDGET_FRONTEND_PARSED_ROW("--since", "AGE", parse_since, NULL,
                                   "only runs of the last AGE, such as 30d, 12h, 90min or 2w"),
    PERFBUDGET_FRONTEND_PARSED_ROW("--min-change", "PCT", parse_min_change, NULL,
                                   "smallest step reported (default 5)"),
    PERFBUDGET_FRONTEND_FLAG_ROW("--environments", history_options, environments, 1,
                                 "the runner types (fingerprints without the host) with their "
                                 "run counts; merge-base and the run-to-run spread take the runs "
                                 "of this machine's type, recorded on any host"),
    HISTORY_TEXT("--commit", "SHA", commit,
                 "with --environments: only the runs of that commit (the types a commit:SHA or "
                 "merge-base baseline can be found for)"),
    PERFBUDGET_FRONTEND_PARSED_ROW("--keep", "N", parse_window, NULL,
                                   "history prune: keep the newest N runs (and every baseline)"),
    HISTORY_TEXT("--from", "HISTORY", from,
                 "history copy: every run (samples bit for bit) and baseline of one history into "
                 "another, each an SQLite file or a postgresql:// URI; runs already there are not "
                 "copied again"),
    HISTORY_TEXT("--to", "HISTORY", to, "history copy: the history copied into"),
};

static const perfbudget_frontend_option_group history_groups[] = {
    {cli_location_options, CLI_LOCATION_OPTIONS, offsetof(history_options, location)},
};

static const perfbudget_frontend_command history_command = {
    .program = "perfbudget history",
    .usage = "usage: perfbudget history [--benchmark GLOB] [--runs N | --all] [--since 30d] "
             "[options]\n"
             "       perfbudget history runs [--last N]\n"
             "       perfbudget history prune --keep N\n"
             "       perfbudget history size\n"
             "       perfbudget history copy --from HISTORY --to HISTORY\n"
             "       perfbudget history push [--history postgresql://...]\n"
             "       perfbudget history --environments [--commit SHA]",
    .summary = "Per benchmark over its newest runs of the latest code version and environment: the\n"
               "latest median, the mean, stddev, min and max of the runs' medians, the trend, the\n"
               "steps found (runs and commits where the level changed) and the lone outliers\n"
               "(docs/history.md). push sends the runs a PostgreSQL history could not take, kept\n"
               "in the spool ($PERFBUDGET_SPOOL_DIR, else .perfbudget/spool).",
    .options = history_option_rows,
    .count = PERFBUDGET_FRONTEND_COUNT(history_option_rows),
    .groups = history_groups,
    .group_count = PERFBUDGET_FRONTEND_COUNT(history_groups),
    .positional = take_action,
    .bare_names = 1,
};

/* The combinations the options allow; 0, or 2 after printing why not. */
static int check_combination(history_options *o) {
    if (o->environments) o->action = "environments";
    if (o->action == NULL) o->action = "trends";
    if (o->commit != NULL && !o->environments) {
        fprintf(stderr, "perfbudget history: --commit goes with --environments\n");
        return 2;
    }
    if ((o->from != NULL || o->to != NULL) && strcmp(o->action, "copy") != 0) {
        fprintf(stderr, "perfbudget history: --from and --to go with history copy\n");
        return 2;
    }
    if (strcmp(o->action, "prune") == 0 && o->keep == 0) {
        fprintf(stderr, "perfbudget history prune: give --keep N (N >= 1)\n");
        return 2;
    }
    return 0;
}

static int show_size(perfbudget_context *ctx, perfbudget_history *history) {
    perfbudget_history_size size;
    if (perfbudget_history_measure(history, &size) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget history: %s\n", perfbudget_errmsg(ctx));
        return 2;
    }
    char file[32], samples[32], per_run[32];
    perfbudget_format_value((double)size.file_bytes, PERFBUDGET_UNIT_BYTES, file, sizeof file);
    perfbudget_format_value((double)size.sample_bytes, PERFBUDGET_UNIT_BYTES, samples,
                            sizeof samples);
    perfbudget_format_value(size.runs > 0 ? (double)size.file_bytes / (double)size.runs : 0.0,
                            PERFBUDGET_UNIT_BYTES, per_run, sizeof per_run);
    printf("%lld runs, %lld results of %lld benchmarks, %lld baselines; %s on disk, %s of it "
           "samples (packed); %s per run\n",
           (long long)size.runs, (long long)size.results, (long long)size.benchmarks,
           (long long)size.baselines, file, samples, per_run);
    return 0;
}

static int prune(perfbudget_context *ctx, perfbudget_history *history, size_t keep) {
    size_t deleted;
    if (perfbudget_history_prune(history, keep, &deleted) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget history: %s\n", perfbudget_errmsg(ctx));
        return 2;
    }
    printf("deleted %zu run%s; kept the newest %zu and every baseline\n", deleted,
           deleted == 1 ? "" : "s", keep);
    return 0;
}

static int run_action(perfbudget_context *ctx, perfbudget_history *history,
                      const history_options *o) {
    if (strcmp(o->action, "environments") == 0) return list_runner_types(ctx, history, o->commit);
    if (strcmp(o->action, "runs") == 0) return list_runs(ctx, history, o->runs_given ? o->last : 0);
    if (strcmp(o->action, "size") == 0) return show_size(ctx, history);
    if (strcmp(o->action, "prune") == 0) return prune(ctx, history, o->keep);
    return trends(ctx, history, o);
}

int perfbudget_cli_history(int argc, char **argv) {
    history_options o = {.min_change_pct = 5.0, .last = DEFAULT_WINDOW};
    int parsed = cli_parse(&history_command, argc, argv, &o);
    if (parsed != 0) return parsed == 1 ? 0 : 2;
    if (check_combination(&o) != 0) return 2;
    if (strcmp(o.action, "copy") == 0) return copy_history(o.from, o.to);
    if (strcmp(o.action, "push") == 0) return push_spool(o.location.history_option);
    perfbudget_context *ctx;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) return 2;
    perfbudget_history *history =
        cli_open_history(ctx, "perfbudget history", o.location.history_option,
                         o.location.budget_path, strcmp(o.action, "prune") != 0);
    int exit_code = history == NULL ? 2 : run_action(ctx, history, &o);
    perfbudget_history_free(history);
    perfbudget_context_free(ctx);
    return exit_code;
}
