/* SPDX-License-Identifier: MIT */
/* Shared by the CLI and perfbudget_main(): the verdict for one result, printed. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/signalfd.h>
#endif

#include "frontend.h"

perfbudget_budget *perfbudget__load_budget(perfbudget_context *ctx, const char *program,
                                           const char *path) {
    enum { SHOWN = 50 };
    perfbudget_budget_error errors[SHOWN];
    size_t count = 0;
    perfbudget_budget *budget = NULL;
    int status = perfbudget_budget_load(ctx, path, &budget, errors, SHOWN, &count);
    if (status == PERFBUDGET_EPARSE) {
        char shown_path[4096], shown[4 * sizeof errors[0].message];
        perfbudget__shown(path, shown_path, sizeof shown_path);
        for (size_t i = 0; i < count && i < SHOWN; i++)
            fprintf(stderr, "%s:%d:%d: %s\n", shown_path, errors[i].line, errors[i].column,
                    perfbudget__shown(errors[i].message, shown, sizeof shown));
    } else if (status != PERFBUDGET_OK) {
        fprintf(stderr, "%s: %s\n", program, perfbudget_errmsg(ctx));
    }
    return budget;
}

void perfbudget__warn_unused_entries(const perfbudget_budget *budget,
                                     perfbudget_result *const *results, size_t count,
                                     const char *what) {
    size_t entries = perfbudget_budget_entry_count(budget), unused_count = 0;
    /* Each result's name, and for a sweep's point "x/<size>" the sweep's own name x too: its
     * entry holds the sweep's complexity: budget. */
    const char **names = malloc((count ? 2 * count : 1) * sizeof *names);
    char **sweeps = calloc(count ? count : 1, sizeof *sweeps);
    size_t *unused = malloc((entries ? entries : 1) * sizeof *unused);
    size_t name_count = 0;
    for (size_t i = 0; names != NULL && sweeps != NULL && i < count; i++) {
        const char *name = perfbudget_result_name(results[i]);
        names[name_count++] = name;
        const char *slash = strrchr(name, '/');
        if (slash != NULL && slash != name && slash[1] != '\0' &&
            strspn(slash + 1, "0123456789") == strlen(slash + 1) &&
            (sweeps[i] = malloc((size_t)(slash - name) + 1)) != NULL) {
            memcpy(sweeps[i], name, (size_t)(slash - name));
            sweeps[i][slash - name] = '\0';
            names[name_count++] = sweeps[i];
        }
    }
    if (names != NULL && sweeps != NULL && unused != NULL &&
        perfbudget_budget_unused_entries(budget, names, name_count, unused, &unused_count) ==
            PERFBUDGET_OK)
        for (size_t i = 0; i < unused_count; i++) {
            int line;
            const char *pattern = perfbudget_budget_entry_pattern(budget, unused[i], &line);
            char shown_pattern[1024], shown_path[4096];
            printf("warning: budget '%s' (%s:%d) matches no benchmark of this %s\n",
                   perfbudget__shown(pattern, shown_pattern, sizeof shown_pattern),
                   perfbudget__shown(perfbudget_budget_path(budget), shown_path,
                                     sizeof shown_path),
                   line, what);
        }
    for (size_t i = 0; sweeps != NULL && i < count; i++) free(sweeps[i]);
    free(sweeps);
    free(names);
    free(unused);
}

double perfbudget__parse_percent(const char *text) {
    perfbudget_quantity q;
    if (text == NULL || perfbudget_quantity_parse(NULL, text, &q) != PERFBUDGET_OK) return -1;
    if (q.kind != PERFBUDGET_QUANTITY_NUMBER && q.kind != PERFBUDGET_QUANTITY_PERCENT) return -1;
    return q.value >= 0 ? q.value : -1;
}

const char *perfbudget__history_path(const char *option, const perfbudget_budget *budget) {
    if (option != NULL) return option;
    const char *from_environment = getenv("PERFBUDGET_HISTORY");
    if (from_environment != NULL && from_environment[0] != '\0') return from_environment;
    return budget != NULL ? perfbudget_budget_history_path(budget) : NULL;
}

static int is_file(const char *path) {
    struct stat info;
    size_t length = strlen(path);
    return stat(path, &info) == 0 || (length > 5 && strcmp(path + length - 5, ".json") == 0);
}

/* The parts of two fingerprints that differ, for a message. */
static void describe_difference(const char *a, const char *b, char *out, size_t size) {
    snprintf(out, size, "baseline: %s; here: %s", a, b);
}

int perfbudget__load_baseline(perfbudget_context *ctx, const char *program, const char *spec,
                              const char *history_path, perfbudget__verdict_options *o) {
    const char *regression = getenv("PERFBUDGET_REGRESSION");
    const char *from_environment = getenv("PERFBUDGET_BASELINE");
    int have_environment = from_environment != NULL && from_environment[0] != '\0';
    const char *force = getenv("PERFBUDGET_FORCE");
    if (force != NULL && strcmp(force, "1") == 0) o->force = 1;
    if (o->ctest && spec != NULL && have_environment)
        spec = from_environment; /* ctest's environment beats the CMake argument BASELINE */
    if (spec == NULL && regression != NULL && strcmp(regression, "1") == 0)
        spec = have_environment ? from_environment : "latest";
    if (spec == NULL) return 0;
    char shown_spec[4096];
    perfbudget__shown(spec, shown_spec, sizeof shown_spec);
    if (is_file(spec)) {
        if (perfbudget_results_load_json(ctx, spec, &o->baseline, &o->baseline_count) !=
            PERFBUDGET_OK) {
            fprintf(stderr, "%s: baseline: %s\n", program, perfbudget_errmsg(ctx));
            return 2;
        }
        printf("baseline: file %s\n", shown_spec);
        return 0;
    }
    if (history_path == NULL) {
        fprintf(stderr, "%s: baseline '%s' is not a file, and there is no history to look it up "
                        "in (give --history, PERFBUDGET_HISTORY or a budget file)\n",
                program, shown_spec);
        return 2;
    }
    perfbudget_history *history;
    int status = perfbudget_history_open_read_only(ctx, history_path, &history);
    if (status == PERFBUDGET_ENOTFOUND && strcmp(spec, "latest") == 0) {
        printf("baseline: none yet (no history at %s); this run will be the first\n",
               history_path);
        return 0;
    }
    if (status != PERFBUDGET_OK) {
        fprintf(stderr, "%s: %s\n", program, perfbudget_errmsg(ctx));
        return 2;
    }
    o->history_path = history_path; /* earlier runs give the run-to-run noise band */
    perfbudget_git_info git;
    perfbudget_git_describe(NULL, ".", &git);
    char resolved[96], fingerprint[512], why[512];
    perfbudget_environment_fingerprint(NULL, fingerprint, sizeof fingerprint);
    if (strcmp(spec, "merge-base") == 0) {
        if (git.merge_base[0] == '\0') {
            fprintf(stderr, "%s: baseline merge-base: no git work tree, or no main or master "
                            "branch to find where this branch left it\n", program);
            perfbudget_history_close(history);
            return 2;
        }
        snprintf(resolved, sizeof resolved, "commit:%s", git.merge_base);
        spec = resolved;
    }
    const char *branch = git.branch[0] ? git.branch : NULL;
    char shown_branch[4 * sizeof git.branch];
    perfbudget__shown(branch ? branch : "(none)", shown_branch, sizeof shown_branch);
    if (strcmp(spec, "latest") == 0) {
        /* Each benchmark's most recent result here, so a run of a subset leaves none out. */
        int exit_code = 0;
        if (perfbudget_history_load_latest(history, fingerprint, branch, &o->baseline,
                                           &o->baseline_count) != PERFBUDGET_OK) {
            fprintf(stderr, "%s: %s\n", program, perfbudget_errmsg(ctx));
            exit_code = 2;
        } else if (o->baseline_count == 0) {
            printf("baseline: none yet (no earlier run on this environment and branch %s); this "
                   "run will be the first\n", shown_branch);
        } else {
            printf("baseline: the latest result of each benchmark on this environment and branch "
                   "%s\n", shown_branch);
        }
        perfbudget_history_close(history);
        return exit_code;
    }
    int64_t run_id;
    int code = perfbudget_history_find(history, spec, fingerprint, branch, &run_id, why, sizeof why);
    int exit_code = 0;
    perfbudget_run_record record;
    if (code != PERFBUDGET_OK) {
        fprintf(stderr, "%s: baseline: %s\n", program, why);
        exit_code = 2;
    } else if (perfbudget_history_run(history, run_id, &record) != PERFBUDGET_OK) {
        fprintf(stderr, "%s: %s\n", program, perfbudget_errmsg(ctx));
        exit_code = 2;
    } else if (strcmp(perfbudget_environment_runner_type(record.environment),
                      perfbudget_environment_runner_type(fingerprint)) != 0 && !o->force) {
        char difference[1100];
        describe_difference(record.environment, fingerprint, difference, sizeof difference);
        fprintf(stderr, "%s: %s was measured on a different environment, so a comparison would "
                        "measure the machines, not the code (%s); set PERFBUDGET_FORCE=1 to "
                        "compare anyway\n", program, why, difference);
        exit_code = 2;
    } else if (perfbudget_history_load_baseline(history, spec, run_id, &o->baseline,
                                                &o->baseline_count) != PERFBUDGET_OK) {
        fprintf(stderr, "%s: %s\n", program, perfbudget_errmsg(ctx));
        exit_code = 2;
    } else {
        printf("%s\n", why);
        o->baseline_run = run_id; /* the spread comes from runs up to the baseline's */
    }
    perfbudget_history_close(history);
    return exit_code;
}

int perfbudget__record_run(perfbudget_context *ctx, const char *program, const char *history_path,
                           const char *source, perfbudget_result *const *results, size_t count) {
    if (history_path == NULL || count == 0) return 0;
    perfbudget_history *history;
    if (perfbudget_history_open(ctx, history_path, &history) != PERFBUDGET_OK) {
        fprintf(stderr, "%s: %s\n", program, perfbudget_errmsg(ctx));
        return 2;
    }
    perfbudget_git_info git;
    int in_git = perfbudget_git_describe(NULL, ".", &git) == PERFBUDGET_OK;
    perfbudget_run_info info = {.source = source,
                                .commit = in_git ? git.commit : NULL,
                                .branch = in_git && git.branch[0] ? git.branch : NULL,
                                .dirty = git.dirty};
    int64_t run_id;
    int exit_code = 0;
    if (perfbudget_history_add_run(history, &info, results, count, &run_id) != PERFBUDGET_OK) {
        fprintf(stderr, "%s: %s\n", program, perfbudget_errmsg(ctx));
        exit_code = 2;
    } else {
        char shown_path[4096];
        printf("history: run %lld recorded in %s\n", (long long)run_id,
               perfbudget__shown(history_path, shown_path, sizeof shown_path));
    }
    perfbudget_history_close(history);
    return exit_code;
}

/* The threshold given on the command line or, under CTest, by $PERFBUDGET_THRESHOLD: under CTest
 * the command line comes from CMake arguments (THRESHOLD), which the environment of ctest
 * overrides; for a person typing the command, the flag wins. NaN: the budget's. */
static double threshold_override(const perfbudget__verdict_options *o) {
    double from_environment = perfbudget__parse_percent(getenv("PERFBUDGET_THRESHOLD"));
    if (from_environment >= 0 && (o->ctest || isnan(o->threshold_pct))) return from_environment;
    return o->threshold_pct;
}

/* The policy from --fail-on or $PERFBUDGET_FAIL_ON, which beat the budget file's. As for the
 * threshold, under CTest the environment beats the command line (CMake's FAIL_ON argument); for
 * a person the flag wins. NULL: the budget's. */
static const char *fail_on_override(const perfbudget__verdict_options *o) {
    const char *from_environment = getenv("PERFBUDGET_FAIL_ON");
    if (from_environment != NULL && from_environment[0] != '\0' &&
        (o->ctest || o->fail_on == NULL))
        return from_environment;
    return o->fail_on;
}

int perfbudget__is_session_file(const char *file_name) {
    size_t length = strlen(file_name), suffix = strlen(PERFBUDGET__SESSION_SUFFIX);
    return file_name[0] != '.' && length > suffix &&
           strcmp(file_name + length - suffix, PERFBUDGET__SESSION_SUFFIX) == 0;
}

static int write_session(perfbudget_context *ctx, const char *program, const char *dir,
                         perfbudget_result *result) {
    char file[128], path[4096], keyed[1200];
    /* A time-mode and an instructions-mode test of one benchmark each keep their own file. */
    perfbudget_mode mode = perfbudget_result_mode(result);
    snprintf(keyed, sizeof keyed, "%s%s%s", perfbudget_result_name(result),
             mode == PERFBUDGET_MODE_TIME ? "" : " mode ",
             mode == PERFBUDGET_MODE_TIME ? "" : perfbudget_mode_name(mode));
    perfbudget_result_file_name(keyed, file, sizeof file);
    int stem = (int)(strlen(file) - strlen(".json")); /* name-0123abcd.json: the stem is kept */
    snprintf(path, sizeof path, "%s/%.*s%s", dir, stem, file, PERFBUDGET__SESSION_SUFFIX);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: cannot create %s: %s\n", program, dir, strerror(errno));
        return -1;
    }
    if (perfbudget_results_write_json(ctx, path, "session", &result, 1) != PERFBUDGET_OK) {
        fprintf(stderr, "%s: %s\n", program, perfbudget_errmsg(ctx));
        return -1;
    }
    return 0;
}

void perfbudget__add_step_summary(const char *markdown) {
    perfbudget_step_summary_append(NULL, markdown); /* best effort, as before */
}

int perfbudget__use_colour(FILE *out) {
    const char *no_colour = getenv("NO_COLOR");
    return (no_colour == NULL || no_colour[0] == '\0') && isatty(fileno(out));
}

void perfbudget__write_report(FILE *out, const char *report, int colour) {
    static const struct {
        const char *word, *escape;
    } verdicts[] = {{"FAIL", "\033[1;31m"}, {"fail", "\033[31m"},   {"PASS", "\033[1;32m"},
                    {"pass", "\033[32m"},   {"WARN", "\033[1;33m"}, {"warn", "\033[33m"},
                    {"SKIP", "\033[33m"},   {"inconclusive", "\033[33m"}, {"note:", "\033[33m"}};
    if (!colour) {
        fputs(report, out);
        return;
    }
    for (const char *line = report; *line;) {
        const char *end = strchr(line, '\n');
        size_t length = end ? (size_t)(end - line) + 1 : strlen(line);
        size_t indent = strspn(line, " ");
        const char *escape = NULL;
        size_t word = 0;
        for (size_t k = 0; k < sizeof verdicts / sizeof *verdicts && escape == NULL; k++) {
            word = strlen(verdicts[k].word);
            if (strncmp(line + indent, verdicts[k].word, word) == 0 &&
                (line[indent + word] == ' ' || line[indent + word] == ':' ||
                 line[indent + word] == '\n' || line[indent + word] == '\0'))
                escape = verdicts[k].escape;
        }
        if (escape != NULL)
            fprintf(out, "%.*s%s%.*s\033[0m%.*s", (int)indent, line, escape, (int)word,
                    line + indent, (int)(length - indent - word), line + indent + word);
        else
            fwrite(line, 1, length, out);
        line += length;
    }
}

int perfbudget__conclude(perfbudget_context *ctx, const char *program, perfbudget_result *result,
                         const perfbudget__verdict_options *o, FILE *out) {
    perfbudget_conclude_options judging;
    perfbudget_conclude_options_init(&judging);
    judging.budget = o->budget;
    judging.budget_name = o->budget_name;
    judging.regression = o->baseline != NULL;
    judging.baseline = o->baseline;
    judging.baseline_count = o->baseline_count;
    judging.baseline_run = o->baseline_run;
    judging.threshold_pct = threshold_override(o);
    /* Earlier runs here give the spread between runs. */
    char fingerprint[512];
    perfbudget_git_info git;
    perfbudget_history *history = NULL;
    if (judging.regression && o->history_path != NULL &&
        perfbudget_history_open_read_only(NULL, o->history_path, &history) == PERFBUDGET_OK) {
        perfbudget_git_describe(NULL, ".", &git);
        judging.history = history;
        judging.environment = perfbudget_environment_fingerprint(NULL, fingerprint, sizeof fingerprint);
        judging.branch = git.branch[0] ? git.branch : NULL;
        /* The spread is centred on the baseline: the runs of its branch (main's, for a pull
         * request compared with its merge base), not of the branch under test. */
        perfbudget_run_record base;
        if (o->baseline_run > 0 &&
            perfbudget_history_run(history, o->baseline_run, &base) == PERFBUDGET_OK) {
            snprintf(git.branch, sizeof git.branch, "%s", base.branch);
            judging.branch = git.branch[0] ? git.branch : NULL;
        }
    }
    int code = perfbudget_result_conclude(ctx, result, &judging);
    perfbudget_history_close(history);
    if (code != PERFBUDGET_OK) {
        fprintf(stderr, "%s: %s\n", program, perfbudget_errmsg(ctx));
        return -1;
    }
    const char *policy_text = fail_on_override(o);
    if (policy_text != NULL) {
        perfbudget_fail_on policy;
        if (perfbudget_fail_on_parse(policy_text, &policy) != PERFBUDGET_OK) {
            char shown[128];
            perfbudget__shown(policy_text, shown, sizeof shown);
            fprintf(stderr, "%s: fail_on '%s' (--fail-on or $PERFBUDGET_FAIL_ON) must be "
                            "regression, critical or never\n", program, shown);
            return -1;
        }
        perfbudget_result_set_fail_on(result, policy);
    }
    char *report = NULL;
    if (perfbudget_render_test_report(ctx, result, NULL, o->ctest, &report) != PERFBUDGET_OK) {
        fprintf(stderr, "%s: %s\n", program, perfbudget_errmsg(ctx));
        return -1;
    }
    perfbudget__write_report(out, report, perfbudget__use_colour(out));
    perfbudget_free(report);
    fflush(out);
    if (o->session_dir != NULL && write_session(ctx, program, o->session_dir, result) != 0)
        return -1;
    return (int)perfbudget_result_test_status(result, NULL);
}

void perfbudget__interrupt_watch(perfbudget__interrupt *w) {
    w->fd = -1;
    sigemptyset(&w->watched);
    sigprocmask(SIG_SETMASK, NULL, &w->previous);
#ifdef __linux__
    const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    int count = 0;
    for (size_t i = 0; i < sizeof signals / sizeof *signals; i++) {
        struct sigaction current;
        if (sigaction(signals[i], NULL, &current) != 0 || sigismember(&w->previous, signals[i]) ||
            (!(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_IGN))
            continue; /* ignored or blocked by whoever started us: theirs to decide */
        sigaddset(&w->watched, signals[i]);
        count++;
    }
    if (count == 0) return;
    sigprocmask(SIG_BLOCK, &w->watched, NULL);
    w->fd = signalfd(-1, &w->watched, SFD_CLOEXEC | SFD_NONBLOCK);
    if (w->fd < 0) sigprocmask(SIG_SETMASK, &w->previous, NULL);
#endif
}

int perfbudget__interrupt_caught(perfbudget__interrupt *w) {
#ifdef __linux__
    struct signalfd_siginfo info;
    if (w->fd >= 0 && read(w->fd, &info, sizeof info) == (ssize_t)sizeof info)
        return (int)info.ssi_signo;
#else
    (void)w;
#endif
    return 0;
}

void perfbudget__interrupt_stop(perfbudget__interrupt *w) {
    if (w->fd < 0) return;
    close(w->fd);
    w->fd = -1;
    sigprocmask(SIG_SETMASK, &w->previous, NULL);
}

void perfbudget__interrupt_die(perfbudget__interrupt *w, const char *program, int number) {
    fflush(stdout);
    fprintf(stderr, "%s: interrupted by %s; what it measured was killed and nothing recorded\n",
            program, perfbudget__signal_name(number));
    if (w->fd >= 0) close(w->fd);
    signal(number, SIG_DFL);
    raise(number); /* still blocked: pending until the mask is restored, then fatal */
    sigprocmask(SIG_SETMASK, &w->previous, NULL);
    _exit(128 + number); /* not reached */
}
