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
    const char *history_option, *budget_path, *pattern, *commit;
    size_t last; /* runs per benchmark; 0: all */
    int64_t since_ns;
    double min_change_pct;
    size_t keep;
    const char *from, *to; /* history copy */
} history_options;

static void usage(FILE *out) {
    fprintf(out,
            "usage: perfbudget history [--benchmark GLOB] [--runs N | --all] [--since 30d] "
            "[options]\n"
            "       perfbudget history runs [--last N]\n"
            "       perfbudget history prune --keep N\n"
            "       perfbudget history size\n"
            "       perfbudget history copy --from HISTORY --to HISTORY\n"
            "       perfbudget history push [--history postgresql://...]\n"
            "       perfbudget history --environments [--commit SHA]\n"
            "Per benchmark over its newest runs of the latest code version and environment: the\n"
            "latest median, the mean, stddev, min and max of the runs' medians, the trend, the\n"
            "steps found (runs and commits where the level changed) and the lone outliers\n"
            "(docs/history.md).\n\n"
            "  --runs N, --last N the newest N runs of each benchmark (default 100)\n"
            "  --all              every run\n"
            "  --history FILE     the history (default: $PERFBUDGET_HISTORY, else the budget\n"
            "                     file's settings.history)\n"
            "  --budget FILE      the budget file whose history to read (default: perfbudget.yml\n"
            "                     here or in the nearest parent directory)\n"
            "  --min-change PCT   smallest step reported (default 5)\n"
            "  --environments     the runner types (fingerprints without the host) with their\n"
            "                     run counts; merge-base and the run-to-run spread take the\n"
            "                     runs of this machine's type, recorded on any host\n"
            "  --commit SHA       with --environments: only the runs of that commit (the types\n"
            "                     a commit:SHA or merge-base baseline can be found for)\n"
            "  --from, --to       history copy: every run (samples bit for bit) and baseline\n"
            "                     of one history into another, each an SQLite file or a\n"
            "                     postgresql:// URI; runs already there are not copied again\n"
            "push                 sends the runs a PostgreSQL history could not take, kept in\n"
            "                     the spool ($PERFBUDGET_SPOOL_DIR, else .perfbudget/spool)\n");
}

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
    /* As wide as the longest name as shown, up to PERFBUDGET_NAME_COLUMNS: a longer one
     * overflows its own row only. */
    int width = 9;
    for (size_t i = 0; i < count; i++) {
        char *shown = perfbudget_text_printable(names[i], 0);
        int columns = shown ? perfbudget_text_columns(shown) : 0;
        if (columns > width) width = columns > PERFBUDGET_NAME_COLUMNS ? PERFBUDGET_NAME_COLUMNS
                                                                         : columns;
        free(shown);
    }
    if (count > 0)
        printf("%-*s %5s %10s %10s %9s %10s %10s %8s\n", width, "benchmark", "runs", "latest",
               "mean", "stddev", "min", "max", "trend");
    int exit_code = 0;
    for (size_t i = 0; i < count && exit_code == 0; i++) {
        perfbudget_series_point *points;
        size_t *series_of, n;
        if (perfbudget_history_trend(history, names[i], o->last, o->since_ns, &points, &series_of,
                                     &n) != PERFBUDGET_OK) {
            fprintf(stderr, "perfbudget history: %s\n", perfbudget_errmsg(ctx));
            exit_code = 2;
            break;
        }
        /* The row is the newest series: one code version on one environment. Runs of others
         * are counted, never compared with it. */
        double *medians = malloc((n ? n : 1) * sizeof *medians);
        size_t *point_of = malloc((n ? n : 1) * sizeof *point_of);
        size_t m = 0, others = 0;
        for (size_t k = 0; medians != NULL && point_of != NULL && k < n; k++) {
            if (series_of[k] != 0) others++;
            else if (!isnan(points[k].median)) point_of[m] = k, medians[m++] = points[k].median;
        }
        perfbudget_summary s;
        if (medians != NULL && point_of != NULL && m > 0 &&
            perfbudget_summarize(ctx, medians, m, &s) == PERFBUDGET_OK) {
            char latest[32], mean[32], stddev[32], low[32], high[32];
            perfbudget_format_value(medians[m - 1], PERFBUDGET_UNIT_NS, latest, sizeof latest);
            perfbudget_format_value(s.mean, PERFBUDGET_UNIT_NS, mean, sizeof mean);
            perfbudget_format_value(s.stddev, PERFBUDGET_UNIT_NS, stddev, sizeof stddev);
            perfbudget_format_value(s.min, PERFBUDGET_UNIT_NS, low, sizeof low);
            perfbudget_format_value(s.max, PERFBUDGET_UNIT_NS, high, sizeof high);
            double trend = m > 1 && medians[0] != 0.0
                               ? 100.0 * (medians[m - 1] - medians[0]) / fabs(medians[0])
                               : 0.0;
            char *shown = perfbudget_text_printable(names[i], 0); /* no terminal control */
            int pad = shown ? width - perfbudget_text_columns(shown) : 0;
            printf("%s%*s %5zu %10s %10s %9s %10s %10s %+7.1f%%\n",
                   shown ? shown : "(out of memory)", pad > 0 ? pad : 0, "", m, latest, mean,
                   stddev, low, high, trend);
            free(shown);
            if (others > 0)
                printf("%-*s   (%zu more run%s of another code version or environment, not "
                       "compared)\n",
                       width, "", others, others == 1 ? "" : "s");
            perfbudget_step steps[16];
            perfbudget_outlier outliers[16];
            size_t found = 0, lone = 0;
            perfbudget_detect_steps(ctx, medians, m, o->min_change_pct, 5, steps, 16, &found);
            perfbudget_detect_outliers(ctx, medians, m, o->min_change_pct, outliers, 16, &lone);
            /* Steps and outliers in the order of their runs. */
            for (size_t a = 0, b = 0; a < found || b < lone;) {
                int step = b == lone || (a < found && steps[a].index < outliers[b].index);
                const perfbudget_series_point *p =
                    &points[point_of[step ? steps[a].index : outliers[b].index]];
                char when[32], commit[13], shown_commit[64];
                date_of(p->created_ns, when, sizeof when);
                snprintf(commit, sizeof commit, "%.12s", p->commit[0] ? p->commit : "unknown");
                perfbudget_text_shown(commit, shown_commit, sizeof shown_commit);
                if (step) {
                    printf("%-*s   step %+.1f%% at run %lld (commit %s, %s), p = %.2g\n", width,
                           "", steps[a].change_pct, (long long)p->run_id, shown_commit, when,
                           steps[a].p_value);
                    a++;
                } else {
                    printf("%-*s   outlier %+.1f%% at run %lld (commit %s, %s), not a step\n",
                           width, "", outliers[b].change_pct, (long long)p->run_id,
                           shown_commit, when);
                    b++;
                }
            }
        }
        free(medians);
        free(point_of);
        perfbudget_free(points);
        perfbudget_free(series_of);
    }
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

int perfbudget_cli_history(int argc, char **argv) {
    history_options o = {.min_change_pct = 5.0, .last = DEFAULT_WINDOW};
    const char *action = "trends";
    int first = 1;
    if (argc > 1 && (strcmp(argv[1], "runs") == 0 || strcmp(argv[1], "prune") == 0 ||
                     strcmp(argv[1], "size") == 0 || strcmp(argv[1], "copy") == 0 ||
                     strcmp(argv[1], "push") == 0))
        action = argv[1], first = 2;
    int runs_given = 0;
    for (int i = first; i < argc; i += 2) { /* every option but --all takes a value */
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(arg, "--environments") == 0) {
            action = "environments";
            i--;
            continue;
        }
        if (strcmp(arg, "--all") == 0) {
            o.last = 0;
            runs_given = 1;
            i--;
            continue;
        }
        if (value == NULL) {
            fprintf(stderr, "perfbudget history: %s needs a value (see --help)\n", arg);
            return 2;
        }
        char *end = NULL;
        if (strcmp(arg, "--history") == 0) o.history_option = value;
        else if (strcmp(arg, "--budget") == 0) o.budget_path = value;
        else if (strcmp(arg, "--benchmark") == 0) o.pattern = value;
        else if (strcmp(arg, "--commit") == 0) o.commit = value;
        else if (strcmp(arg, "--from") == 0 && strcmp(action, "copy") == 0) o.from = value;
        else if (strcmp(arg, "--to") == 0 && strcmp(action, "copy") == 0) o.to = value;
        else if (strcmp(arg, "--last") == 0 || strcmp(arg, "--runs") == 0 ||
                 strcmp(arg, "--keep") == 0) {
            /* SQLite takes the count as a signed 64-bit LIMIT */
            uint64_t n, max = SIZE_MAX < INT64_MAX ? SIZE_MAX : INT64_MAX;
            if (cli_parse_count(value, max, &n) != 0) {
                fprintf(stderr,
                        "perfbudget history: %s takes a whole number such as 10, not '%s'\n",
                        arg, value);
                return 2;
            }
            if (strcmp(arg, "--keep") == 0) o.keep = (size_t)n;
            else if (n == 0) {
                fprintf(stderr, "perfbudget history: %s 0 shows nothing; --all shows every run\n",
                        arg);
                return 2;
            } else {
                o.last = (size_t)n;
                runs_given = 1;
            }
        }
        else if (strcmp(arg, "--since") == 0) {
            if ((o.since_ns = parse_age(value)) == 0) {
                fprintf(stderr, "perfbudget history: --since takes an age such as 30d, 12h, 2w\n");
                return 2;
            }
        } else if (strcmp(arg, "--min-change") == 0) {
            o.min_change_pct = perfbudget_frontend_parse_percent(value);
            if (o.min_change_pct < 0) end = (char *)value;
        } else {
            fprintf(stderr, "perfbudget history: unknown option %s (see --help)\n", arg);
            return 2;
        }
        if (end != NULL && *end != '\0') {
            fprintf(stderr, "perfbudget history: invalid value '%s' for %s\n", value, arg);
            return 2;
        }
    }
    if (o.commit != NULL && strcmp(action, "environments") != 0) {
        fprintf(stderr, "perfbudget history: --commit goes with --environments\n");
        return 2;
    }
    if (strcmp(action, "prune") == 0 && o.keep == 0) {
        fprintf(stderr, "perfbudget history prune: give --keep N (N >= 1)\n");
        return 2;
    }
    if (strcmp(action, "copy") == 0) return copy_history(o.from, o.to);
    if (strcmp(action, "push") == 0) return push_spool(o.history_option);
    perfbudget_context *ctx;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) return 2;
    perfbudget_history *history =
        cli_open_history(ctx, "perfbudget history", o.history_option, o.budget_path,
                         strcmp(action, "prune") != 0);
    int exit_code = history == NULL ? 2 : 0;
    if (history != NULL && strcmp(action, "environments") == 0) {
        exit_code = list_runner_types(ctx, history, o.commit);
    } else if (history != NULL && strcmp(action, "runs") == 0) {
        exit_code = list_runs(ctx, history, runs_given ? o.last : 0);
    } else if (history != NULL && strcmp(action, "size") == 0) {
        perfbudget_history_size size;
        if (perfbudget_history_measure(history, &size) != PERFBUDGET_OK) {
            fprintf(stderr, "perfbudget history: %s\n", perfbudget_errmsg(ctx));
            exit_code = 2;
        } else {
            char file[32], samples[32], per_run[32];
            perfbudget_format_value((double)size.file_bytes, PERFBUDGET_UNIT_BYTES, file, sizeof file);
            perfbudget_format_value((double)size.sample_bytes, PERFBUDGET_UNIT_BYTES, samples,
                                    sizeof samples);
            perfbudget_format_value(size.runs > 0 ? (double)size.file_bytes / (double)size.runs
                                                  : 0.0,
                                    PERFBUDGET_UNIT_BYTES, per_run, sizeof per_run);
            printf("%lld runs, %lld results of %lld benchmarks, %lld baselines; %s on disk, %s of "
                   "it samples (packed); %s per run\n",
                   (long long)size.runs, (long long)size.results, (long long)size.benchmarks,
                   (long long)size.baselines, file, samples, per_run);
        }
    } else if (history != NULL && strcmp(action, "prune") == 0) {
        size_t deleted;
        if (perfbudget_history_prune(history, o.keep, &deleted) != PERFBUDGET_OK) {
            fprintf(stderr, "perfbudget history: %s\n", perfbudget_errmsg(ctx));
            exit_code = 2;
        } else {
            printf("deleted %zu run%s; kept the newest %zu and every baseline\n", deleted,
                   deleted == 1 ? "" : "s", o.keep);
        }
    } else if (history != NULL) {
        exit_code = trends(ctx, history, &o);
    }
    perfbudget_history_free(history);
    perfbudget_context_free(ctx);
    return exit_code;
}
