/* SPDX-License-Identifier: MIT */
/* Shared by the CLI and perfbudget_main(): the verdict for one result, printed. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/signalfd.h>
#endif

#include "frontend.h"

perfbudget_budget *perfbudget_frontend_load_budget(perfbudget_context *ctx, const char *program,
                                                   const char *path) {
    enum { SHOWN = 50 };
    perfbudget_budget_error errors[SHOWN];
    size_t count = 0;
    perfbudget_budget *budget = NULL;
    int status = perfbudget_budget_new_from_file(ctx, path, &budget, errors, SHOWN, &count);
    if (status == PERFBUDGET_EPARSE) {
        char shown_path[4096], shown[4 * sizeof errors[0].message];
        perfbudget_text_shown(path, shown_path, sizeof shown_path);
        for (size_t i = 0; i < count && i < SHOWN; i++)
            fprintf(stderr, "%s:%d:%d: %s\n", shown_path, errors[i].line, errors[i].column,
                    perfbudget_text_shown(errors[i].message, shown, sizeof shown));
    } else if (status != PERFBUDGET_OK) {
        fprintf(stderr, "%s: %s\n", program, perfbudget_errmsg(ctx));
    }
    return budget;
}

void perfbudget_frontend_warn_unused_entries(const perfbudget_budget *budget,
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
                   perfbudget_text_shown(pattern, shown_pattern, sizeof shown_pattern),
                   perfbudget_text_shown(perfbudget_budget_path(budget), shown_path,
                                         sizeof shown_path),
                   line, what);
        }
    for (size_t i = 0; sweeps != NULL && i < count; i++) free(sweeps[i]);
    free(sweeps);
    free(names);
    free(unused);
}

int perfbudget_frontend_prepare_verdict(perfbudget_context *ctx, const char *program,
                                        const perfbudget_frontend_judging *given,
                                        perfbudget_budget **budget,
                                        perfbudget_frontend_verdict_options *o,
                                        const char **history) {
    *budget = NULL;
    if (given->budget_path != NULL &&
        (*budget = perfbudget_frontend_load_budget(ctx, program, given->budget_path)) == NULL)
        return 2;
    o->budget = *budget;
    o->budget_name = given->budget_name;
    o->threshold_pct = given->threshold_pct;
    o->fail_on = given->fail_on;
    o->ctest = given->ctest;
    o->force = given->force;
    o->session_dir = given->session_dir;
    *history = perfbudget_frontend_history_path(given->history_option, *budget);
    return 0;
}

double perfbudget_frontend_parse_percent(const char *text) {
    perfbudget_quantity q;
    if (text == NULL || perfbudget_quantity_parse(NULL, text, &q) != PERFBUDGET_OK) return -1;
    if (q.kind != PERFBUDGET_QUANTITY_NUMBER && q.kind != PERFBUDGET_QUANTITY_PERCENT) return -1;
    return q.value >= 0 ? q.value : -1;
}

const char *perfbudget_frontend_history_path(const char *option, const perfbudget_budget *budget) {
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

/* The spec to load: with $PERFBUDGET_REGRESSION=1 and none given, $PERFBUDGET_BASELINE or else
 * "latest"; under CTest $PERFBUDGET_BASELINE beats the CMake argument. NULL: none. Also takes
 * $PERFBUDGET_FORCE=1 into o. */
static const char *baseline_spec(const char *spec, perfbudget_frontend_verdict_options *o) {
    const char *regression = getenv("PERFBUDGET_REGRESSION");
    const char *from_environment = getenv("PERFBUDGET_BASELINE");
    int have_environment = from_environment != NULL && from_environment[0] != '\0';
    const char *force = getenv("PERFBUDGET_FORCE");
    if (force != NULL && strcmp(force, "1") == 0) o->force = 1;
    if (o->ctest && spec != NULL && have_environment)
        spec = from_environment; /* ctest's environment beats the CMake argument BASELINE */
    if (spec == NULL && regression != NULL && strcmp(regression, "1") == 0)
        spec = have_environment ? from_environment : "latest";
    return spec;
}

/* Each benchmark's most recent result on this environment and branch, so a run of a subset
 * leaves none out. 0, or 2 after printing an error. */
static int load_latest(perfbudget_context *ctx, const char *program, perfbudget_history *history,
                       const char *fingerprint, const perfbudget_git_info *git,
                       perfbudget_frontend_verdict_options *o) {
    const char *branch = git->branch[0] ? git->branch : NULL;
    char shown_branch[4 * sizeof git->branch];
    perfbudget_text_shown(branch ? branch : "(none)", shown_branch, sizeof shown_branch);
    if (perfbudget_history_load_latest(history, fingerprint, branch, &o->baseline,
                                       &o->baseline_count) != PERFBUDGET_OK) {
        fprintf(stderr, "%s: %s\n", program, perfbudget_errmsg(ctx));
        return 2;
    }
    if (o->baseline_count == 0)
        printf("baseline: none yet (no earlier run on this environment and branch %s); this run "
               "will be the first\n", shown_branch);
    else
        printf("baseline: the latest result of each benchmark on this environment and branch "
               "%s\n", shown_branch);
    return 0;
}

/* A baseline name, "run:ID" or "commit:SHA" looked up in the history, refused when measured on
 * another runner type unless forced. 0, or 2 after printing an error. */
static int load_found(perfbudget_context *ctx, const char *program, perfbudget_history *history,
                      const char *spec, const char *fingerprint, const char *branch,
                      perfbudget_frontend_verdict_options *o) {
    int64_t run_id;
    char why[512];
    perfbudget_run_record record;
    if (perfbudget_history_find(history, spec, fingerprint, branch, &run_id, why, sizeof why) !=
        PERFBUDGET_OK) {
        fprintf(stderr, "%s: baseline: %s\n", program, why);
        return 2;
    }
    if (perfbudget_history_run(history, run_id, &record) != PERFBUDGET_OK) {
        fprintf(stderr, "%s: %s\n", program, perfbudget_errmsg(ctx));
        return 2;
    }
    if (strcmp(perfbudget_environment_runner_type(record.environment),
               perfbudget_environment_runner_type(fingerprint)) != 0 && !o->force) {
        char difference[1100];
        describe_difference(record.environment, fingerprint, difference, sizeof difference);
        fprintf(stderr, "%s: %s was measured on a different environment, so a comparison would "
                        "measure the machines, not the code (%s); set PERFBUDGET_FORCE=1 to "
                        "compare anyway\n", program, why, difference);
        return 2;
    }
    if (perfbudget_history_load_baseline(history, spec, run_id, &o->baseline,
                                         &o->baseline_count) != PERFBUDGET_OK) {
        fprintf(stderr, "%s: %s\n", program, perfbudget_errmsg(ctx));
        return 2;
    }
    printf("%s\n", why);
    o->baseline_run = run_id; /* the spread comes from runs up to the baseline's */
    return 0;
}

/* The spec looked up in an open history: "latest", "merge-base" (as commit:SHA) or what
 * load_found takes. 0, or 2 after printing an error. */
static int load_from_history(perfbudget_context *ctx, const char *program,
                             perfbudget_history *history, const char *spec,
                             perfbudget_frontend_verdict_options *o) {
    perfbudget_git_info git;
    perfbudget_git_describe(NULL, ".", &git);
    char resolved[96], fingerprint[512];
    perfbudget_environment_fingerprint(NULL, fingerprint, sizeof fingerprint);
    if (strcmp(spec, "merge-base") == 0) {
        if (git.merge_base[0] == '\0') {
            fprintf(stderr, "%s: baseline merge-base: no git work tree, or no main or master "
                            "branch to find where this branch left it\n", program);
            return 2;
        }
        snprintf(resolved, sizeof resolved, "commit:%s", git.merge_base);
        spec = resolved;
    }
    if (strcmp(spec, "latest") == 0)
        return load_latest(ctx, program, history, fingerprint, &git, o);
    return load_found(ctx, program, history, spec, fingerprint,
                      git.branch[0] ? git.branch : NULL, o);
}

int perfbudget_frontend_load_baseline(perfbudget_context *ctx, const char *program,
                                      const char *spec, const char *history_path,
                                      perfbudget_frontend_verdict_options *o) {
    spec = baseline_spec(spec, o);
    if (spec == NULL) return 0;
    char shown_spec[4096];
    perfbudget_text_shown(spec, shown_spec, sizeof shown_spec);
    if (is_file(spec)) {
        if (perfbudget_results_new_from_file(ctx, spec, &o->baseline, &o->baseline_count) !=
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
    int status = perfbudget_history_new_read_only(ctx, history_path, &history);
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
    int exit_code = load_from_history(ctx, program, history, spec, o);
    perfbudget_history_free(history);
    return exit_code;
}

int perfbudget_frontend_record_run(perfbudget_context *ctx, const char *program,
                                   const char *history_path, const char *source,
                                   perfbudget_result *const *results, size_t count) {
    if (history_path == NULL || count == 0) return 0;
    int database = perfbudget_history_is_database(history_path);
    perfbudget_git_info git;
    int in_git = perfbudget_git_describe(NULL, ".", &git) == PERFBUDGET_OK;
    char fingerprint[512];
    perfbudget_run_info info = {.source = source,
                                .commit = in_git ? git.commit : NULL,
                                .branch = in_git && git.branch[0] ? git.branch : NULL,
                                .dirty = git.dirty,
                                .environment = perfbudget_environment_fingerprint(
                                    NULL, fingerprint, sizeof fingerprint)};
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t created_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    perfbudget_history *history = NULL;
    int64_t run_id;
    size_t sent = 0;
    int code = perfbudget_history_new(ctx, history_path, &history);
    if (code == PERFBUDGET_OK && database) {
        code = perfbudget_history_push_spool(ctx, history, history_path, &sent);
        if (sent > 0)
            printf("history: %zu run%s kept in the spool %s sent\n", sent, sent == 1 ? "" : "s",
                   perfbudget_history_spool_directory());
    }
    if (code == PERFBUDGET_OK)
        code = perfbudget_history_add_run_at(history, &info, created_ns, results, count, &run_id);
    char shown_path[4096];
    char *shown = database ? perfbudget_history_shown_location(history_path) : NULL;
    perfbudget_text_shown(shown ? shown : history_path, shown_path, sizeof shown_path);
    perfbudget_free(shown);
    perfbudget_history_free(history);
    if (code == PERFBUDGET_OK) {
        printf("history: run %lld recorded in %s\n", (long long)run_id, shown_path);
        return 0;
    }
    fprintf(stderr, "%s: %s\n", program, perfbudget_errmsg(ctx));
    if (!database) return 2;
    /* Nothing is lost when the database cannot be reached: the run waits in the spool. */
    char kept[4400];
    if (perfbudget_history_spool_run(ctx, history_path, &info, created_ns, results, count, kept,
                  sizeof kept) != PERFBUDGET_OK) {
        fprintf(stderr, "%s: the run could not be kept either: %s\n", program,
                perfbudget_errmsg(ctx));
        return 2;
    }
    fprintf(stderr,
            "%s: history: the run is kept in %s and is sent to %s the next time a run is recorded "
            "there, or by `perfbudget history push`\n",
            program, kept, shown_path);
    return 0;
}

/* The threshold given on the command line or, under CTest, by $PERFBUDGET_THRESHOLD: under CTest
 * the command line comes from CMake arguments (THRESHOLD), which the environment of ctest
 * overrides; for a person typing the command, the flag wins. NaN: the budget's. */
static double threshold_override(const perfbudget_frontend_verdict_options *o) {
    double from_environment = perfbudget_frontend_parse_percent(getenv("PERFBUDGET_THRESHOLD"));
    if (from_environment >= 0 && (o->ctest || isnan(o->threshold_pct))) return from_environment;
    return o->threshold_pct;
}

/* The policy from --fail-on or $PERFBUDGET_FAIL_ON, which beat the budget file's. As for the
 * threshold, under CTest the environment beats the command line (CMake's FAIL_ON argument); for
 * a person the flag wins. NULL: the budget's. */
static const char *fail_on_override(const perfbudget_frontend_verdict_options *o) {
    const char *from_environment = getenv("PERFBUDGET_FAIL_ON");
    if (from_environment != NULL && from_environment[0] != '\0' &&
        (o->ctest || o->fail_on == NULL))
        return from_environment;
    return o->fail_on;
}

int perfbudget_frontend_is_session_file(const char *file_name) {
    size_t length = strlen(file_name), suffix = strlen(PERFBUDGET_FRONTEND_SESSION_SUFFIX);
    return file_name[0] != '.' && length > suffix &&
           strcmp(file_name + length - suffix, PERFBUDGET_FRONTEND_SESSION_SUFFIX) == 0;
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
    snprintf(path, sizeof path, "%s/%.*s%s", dir, stem, file, PERFBUDGET_FRONTEND_SESSION_SUFFIX);
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

void perfbudget_frontend_send_alerts(perfbudget_context *ctx, const char *program,
                             const perfbudget_budget *budget, perfbudget_result *const *results,
                             size_t count) {
    if (perfbudget_budget_alert_count(budget) == 0 || count == 0) return;
    char *log = NULL;
    int code = perfbudget_alerts_send(ctx, budget, results, count, NULL, &log);
    if (code != PERFBUDGET_OK && code != PERFBUDGET_EIO)
        fprintf(stderr, "%s: warning: alerts not sent: %s\n", program, perfbudget_errmsg(ctx));
    fflush(stdout);
    for (const char *line = log ? log : ""; *line != '\0';) {
        size_t length = strcspn(line, "\n");
        int warning = strncmp(line, "warning:", 8) == 0;
        fprintf(warning ? stderr : stdout, "%s: %.*s\n", program, (int)length, line);
        fflush(stdout); /* the lines in their order, also where both streams go to one file */
        line += length + (line[length] == '\n');
    }
    fflush(stdout);
    perfbudget_free(log);
}

void perfbudget_frontend_add_step_summary(const char *markdown) {
    perfbudget_step_summary_append(NULL, markdown); /* best effort, as before */
}

int perfbudget_frontend_use_colour(FILE *out) {
    const char *no_colour = getenv("NO_COLOR");
    return (no_colour == NULL || no_colour[0] == '\0') && isatty(fileno(out));
}

void perfbudget_frontend_write_report(FILE *out, const char *report, int colour) {
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

int perfbudget_frontend_conclude(perfbudget_context *ctx, const char *program,
                                 perfbudget_result *result,
                                 const perfbudget_frontend_verdict_options *o, FILE *out) {
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
        perfbudget_history_new_read_only(NULL, o->history_path, &history) == PERFBUDGET_OK) {
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
    perfbudget_history_free(history);
    if (code != PERFBUDGET_OK) {
        fprintf(stderr, "%s: %s\n", program, perfbudget_errmsg(ctx));
        return -1;
    }
    const char *policy_text = fail_on_override(o);
    if (policy_text != NULL) {
        perfbudget_fail_on policy;
        if (perfbudget_fail_on_parse(policy_text, &policy) != PERFBUDGET_OK) {
            char shown[128];
            perfbudget_text_shown(policy_text, shown, sizeof shown);
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
    perfbudget_frontend_write_report(out, report, perfbudget_frontend_use_colour(out));
    perfbudget_free(report);
    fflush(out);
    if (o->session_dir != NULL && write_session(ctx, program, o->session_dir, result) != 0)
        return -1;
    return (int)perfbudget_result_test_status(result, NULL);
}

void perfbudget_frontend_interrupt_watch(perfbudget_frontend_interrupt *w) {
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

int perfbudget_frontend_interrupt_caught(perfbudget_frontend_interrupt *w) {
#ifdef __linux__
    struct signalfd_siginfo info;
    if (w->fd >= 0 && read(w->fd, &info, sizeof info) == (ssize_t)sizeof info)
        return (int)info.ssi_signo;
#else
    (void)w;
#endif
    return 0;
}

void perfbudget_frontend_interrupt_stop(perfbudget_frontend_interrupt *w) {
    if (w->fd < 0) return;
    close(w->fd);
    w->fd = -1;
    sigprocmask(SIG_SETMASK, &w->previous, NULL);
}

void perfbudget_frontend_interrupt_die(perfbudget_frontend_interrupt *w, const char *program,
                                       int number) {
    fflush(stdout);
    fprintf(stderr, "%s: interrupted by %s; what it measured was killed and nothing recorded\n",
            program, perfbudget_signal_name(number));
    if (w->fd >= 0) close(w->fd);
    signal(number, SIG_DFL);
    raise(number); /* still blocked: pending until the mask is restored, then fatal */
    sigprocmask(SIG_SETMASK, &w->previous, NULL);
    _exit(128 + number); /* not reached */
}

/* ---- Command-line options ---- */

static int takes_value(const perfbudget_frontend_option *option) {
    return option->kind == PERFBUDGET_FRONTEND_TEXT || option->kind == PERFBUDGET_FRONTEND_PARSED;
}

/* The option's row and the record it writes in (options, or a group's record inside it). */
typedef struct option_row {
    const perfbudget_frontend_option *option;
    void *record;
} option_row;

/* One option with its value (NULL for a flag), from the command line or its variable (from:
 * the variable's name, for messages; NULL for the command line). 0, or 2 after printing. */
static int apply_option(perfbudget_context *ctx, option_row row, const char *value,
                        const char *program, const char *from) {
    const perfbudget_frontend_option *option = row.option;
    char *field = (char *)row.record + option->destination;
    int code = 0;
    switch (option->kind) {
    case PERFBUDGET_FRONTEND_FLAG:
        memcpy(field, &option->number, sizeof option->number);
        return 0;
    case PERFBUDGET_FRONTEND_TEXT:
        memcpy(field, &value, sizeof value);
        return 0;
    case PERFBUDGET_FRONTEND_PARSED:
    case PERFBUDGET_FRONTEND_PARSED_FLAG:
        code = option->parse(ctx, row.record, value, from ? from : option->name, program);
        break;
    }
    if (code == -1)
        fprintf(stderr, "%s: invalid value '%s' for %s\n", program, value,
                from ? from : option->name);
    return code == 0 ? 0 : 2;
}

/* The row numbered index over the command's own rows and then each group's; option NULL past
 * the last. options NULL: only the rows are wanted. */
static option_row row_at(const perfbudget_frontend_command *command, void *options,
                         size_t index) {
    if (index < command->count) return (option_row){&command->options[index], options};
    index -= command->count;
    for (size_t g = 0; g < command->group_count; g++) {
        const perfbudget_frontend_option_group *group = &command->groups[g];
        if (index < group->count)
            return (option_row){&group->options[index],
                                options ? (char *)options + group->base : NULL};
        index -= group->count;
    }
    return (option_row){NULL, NULL};
}

static option_row find_option(const perfbudget_frontend_command *command, void *options,
                              const char *name) {
    option_row row;
    for (size_t i = 0; (row = row_at(command, options, i)).option != NULL; i++)
        if (strcmp(row.option->name, name) == 0) return row;
    return row;
}

static int is_option(const char *arg) { return arg[0] == '-' && arg[1] != '\0'; }

/* Whether option is on the command line (read as the parser reads it: values skipped). */
static int given(const perfbudget_frontend_command *command, int argc, char **argv,
                 const perfbudget_frontend_option *option) {
    for (int i = 1; i < argc; i++) {
        if (command->takes_rest && strcmp(argv[i], "--") == 0) return 0;
        const perfbudget_frontend_option *found = find_option(command, NULL, argv[i]).option;
        if (found == option) return 1;
        if (found != NULL && takes_value(found)) i++;
    }
    return 0;
}

/* The environment variables of the options not given on the command line; 0, or 2. */
static int apply_environment(perfbudget_context *ctx, const perfbudget_frontend_command *command,
                             int argc, char **argv, void *options, const char *program) {
    option_row row;
    for (size_t i = 0; (row = row_at(command, options, i)).option != NULL; i++) {
        const char *variable = row.option->environment;
        const char *value = variable ? getenv(variable) : NULL;
        if (value == NULL || value[0] == '\0' || given(command, argc, argv, row.option))
            continue;
        if (apply_option(ctx, row, value, program, variable) != 0) return 2;
    }
    return 0;
}

/* An argument that is no option of the table: a positional one, or a usage error. */
static int take_positional(perfbudget_context *ctx, const perfbudget_frontend_command *command,
                           const char *arg, void *options, const char *program) {
    if (is_option(arg)) {
        fprintf(stderr, command->bare_names ? "%s: unknown option %s (see --help)\n"
                                            : "%s: unknown option '%s' (see --help)\n",
                program, arg);
        return 2;
    }
    int code = command->positional ? command->positional(ctx, options, arg, NULL, program) : -1;
    if (code == -1) fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", program, arg);
    return code == 0 ? 0 : 2;
}

int perfbudget_frontend_parse_options(perfbudget_context *ctx,
                                      const perfbudget_frontend_command *command, int argc,
                                      char **argv, void *options) {
    const char *program = command->program ? command->program : argv[0];
    if (command->takes_rest)
        memset((char *)options + command->rest, 0, sizeof(perfbudget_frontend_rest));
    if (apply_environment(ctx, command, argc, argv, options, program) != 0) return 2;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            perfbudget_frontend_print_help(stdout, command, program);
            return 1;
        }
        if (strcmp(arg, "--version") == 0) {
            printf("perfbudget %s\n", perfbudget_version());
            return 1;
        }
        if (command->takes_rest && strcmp(arg, "--") == 0) {
            perfbudget_frontend_rest rest = {argv + i + 1, argc - i - 1};
            memcpy((char *)options + command->rest, &rest, sizeof rest);
            return 0;
        }
        option_row row = find_option(command, options, arg);
        if (row.option == NULL) {
            if (take_positional(ctx, command, arg, options, program) != 0) return 2;
            continue;
        }
        if (takes_value(row.option) && i + 1 >= argc) {
            fprintf(stderr, "%s: %s needs a value\n", program, arg);
            return 2;
        }
        const char *value = takes_value(row.option) ? argv[i + 1] : NULL;
        if (apply_option(ctx, row, value, program, NULL) != 0) return 2;
        i += takes_value(row.option);
    }
    return 0;
}

/* text from column `indent` on (a space first when apart), wrapped before column 80 and
 * continued at column 22. */
static void print_wrapped(FILE *out, const char *text, int indent, int apart) {
    int column = indent, first = 1;
    while (*text != '\0') {
        size_t word = strcspn(text, " "), space = strspn(text + word, " ");
        if (!first && column + 1 + (int)word >= 80) {
            fprintf(out, "\n%22s", "");
            column = 22;
        } else if (!first || apart) {
            fputc(' ', out);
            column++;
        }
        fprintf(out, "%.*s", (int)word, text);
        column += (int)word;
        text += word + space;
        first = 0;
    }
    fputc('\n', out);
}

static void print_option(FILE *out, const perfbudget_frontend_option *option) {
    char head[64];
    int width = snprintf(head, sizeof head, "  %s%s%s", option->name,
                         option->value_name ? " " : "",
                         option->value_name ? option->value_name : "");
    /* The help at column 22; after a head that reaches it, on the next line. */
    if (width < 22) fprintf(out, "%-22s", head);
    else fprintf(out, "%s\n%22s", head, "");
    char help[1024];
    if (option->environment != NULL)
        snprintf(help, sizeof help, "%s ($%s)", option->help, option->environment);
    else snprintf(help, sizeof help, "%s", option->help);
    print_wrapped(out, help, 22, 0);
}

void perfbudget_frontend_print_help(FILE *out, const perfbudget_frontend_command *command,
                                    const char *program) {
    fprintf(out, command->usage, program);
    fprintf(out, "\n%s\n\n", command->summary);
    option_row row;
    for (size_t i = 0; (row = row_at(command, NULL, i)).option != NULL; i++)
        print_option(out, row.option);
    fprintf(out, "  %-20sprint perfbudget's version\n  %-20sprint this help\n", "--version",
            "--help");
    if (command->epilogue != NULL) fprintf(out, "\n%s", command->epilogue);
}
