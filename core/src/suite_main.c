/* SPDX-License-Identifier: MIT */
/* perfbudget_main(): the command line of every suite executable. The only part of perfbudget
 * that prints, kept in its own library (perfbudget_main) so the core never does. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#include "frontend.h"

typedef struct main_options {
    int list;
    const char *filter;
    const char *json_path;
    const char *budget_path;
    const char *baseline_path;
    const char *history_path;
    const char *session_dir;
    double threshold_pct; /* NaN: not given */
    const char *fail_on;  /* NULL: not given */
    int ctest;
    int mode_given;
    uint64_t timeout_ns; /* --timeout; 0: none */
    uint64_t processes;  /* --processes: fresh processes per benchmark; 0: not given (1) */
    int cpu;             /* --cpu; -1: not given */
    perfbudget_run_options run;
    perfbudget_measure_settings from_command_line; /* -1: not given; beats the budget file */
} main_options;

static void usage(FILE *out, const char *program) {
    fprintf(out,
            "usage: %s [options]\n"
            "Run this suite's benchmarks and print a summary.\n\n"
            "  --list              print the benchmark names, one per line, and exit\n"
            "  --list-categories   print each benchmark's category (- for none), one per\n"
            "                      line in --list's order, and exit\n"
            "  --filter PATTERN    run only benchmarks whose name matches the glob PATTERN\n"
            "  --json FILE         write the results (samples, summary, metrics) as JSON\n"
            "  --budget FILE       judge the results against a perfbudget.yml budget file\n"
            "  --baseline SPEC     compare with a result file (--json), or from the history a\n"
            "                      baseline name, latest, merge-base or run:ID; a regression fails\n"
            "  --history FILE      record the run in, and find baselines in, this history\n"
            "                      (default: $PERFBUDGET_HISTORY, else the budget file's)\n"
            "  --threshold PCT     regression threshold (default: budget file, else 5%%)\n"
            "  --fail-on POLICY    regression (default), critical or never: what fails; the\n"
            "                      rest is reported as warn (default: $PERFBUDGET_FAIL_ON,\n"
            "                      else the budget file's policy)\n"
            "  --ctest             CTest output: verdict first, <CTestMeasurement> tags\n"
            "  --session DIR       also write each result into DIR (perfbudget session)\n"
            "  --timeout TIME      with --ctest: stop the benchmarks after TIME (more than 0),\n"
            "                      a failure\n"
            "  --rounds N          minimum number of samples (default 30)\n"
            "  --min-time TIME     keep sampling at least this long (default 100ms)\n"
            "  --max-time TIME     cap per benchmark, calibration included (default 2s)\n"
            "  --warmup N|TIME     warm-up iterations, or a duration such as 50ms (default 10ms)\n"
            "  --no-counters       do not open hardware counters\n"
            "  --speed-correction  time a reference loop after each sample, so that comparisons\n"
            "                      divide out a change of the machine's speed\n"
            "  --processes N       measure each benchmark in N fresh processes of this suite\n"
            "                      and pool them; the judge sees the spread between the N\n"
            "  --cpu N             pin measuring to CPU N (Linux)\n"
            "  --mode time|instructions   judge wall time (default), or instructions per\n"
            "                      iteration only: counted by the PMU, else under valgrind's\n"
            "                      callgrind, which the suite starts itself ($PERFBUDGET_MODE)\n"
            "  --version           print perfbudget's version\n"
            "  --help              print this help\n\n"
            "Exit status: 0 all benchmarks ran (and met their budgets), 1 a benchmark failed,\n"
            "2 usage error.\n",
            program);
}

/* A TIME option: a duration with a unit ("250ms"); bare numbers are seconds. */
static int parse_time(perfbudget_context *ctx, const char *text, uint64_t *out) {
    perfbudget_quantity quantity;
    if (perfbudget_quantity_parse(ctx, text, &quantity) != PERFBUDGET_OK) return -1;
    if (quantity.kind == PERFBUDGET_QUANTITY_NUMBER) quantity.value *= 1e9;
    else if (quantity.kind != PERFBUDGET_QUANTITY_DURATION) return -1;
    if (quantity.value < 0) return -1;
    *out = (uint64_t)quantity.value;
    return 0;
}

/* Digits only, at most INT64_MAX: strtoull takes " -1" as 2^64 - 1, which became a warm-up of
 * -1 iterations. */
static int parse_count(const char *text, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0 || value > INT64_MAX)
        return -1;
    *out = value;
    return 0;
}

static int parse_args(perfbudget_context *ctx, int argc, char **argv, main_options *o) {
    memset(o, 0, sizeof *o);
    perfbudget_run_options_init(&o->run);
    const char *mode = getenv("PERFBUDGET_MODE");
    if (mode != NULL && mode[0] != '\0' && perfbudget_mode_parse(mode, &o->run.mode) != PERFBUDGET_OK) {
        fprintf(stderr, "%s: PERFBUDGET_MODE must be time or instructions, not '%s'\n", argv[0], mode);
        return 2;
    }
    o->threshold_pct = NAN;
    o->cpu = -1;
    perfbudget_measure_settings *given = &o->from_command_line;
    given->warmup_iterations = given->warmup_ns = given->rounds = given->min_time_ns =
        given->max_time_ns = given->speed_correction = -1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        int takes_value = 1, bad = 0;
        uint64_t number = 0;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout, argv[0]);
            return 1;
        } else if (strcmp(arg, "--version") == 0) {
            printf("perfbudget %s\n", perfbudget_version());
            return 1;
        } else if (strcmp(arg, "--list") == 0 || strcmp(arg, "--list-categories") == 0) {
            o->list = arg[6] == '\0' ? 1 : 2;
            takes_value = 0;
        } else if (strcmp(arg, "--no-counters") == 0) {
            o->run.hardware_counters = 0;
            takes_value = 0;
        } else if (strcmp(arg, "--speed-correction") == 0) {
            given->speed_correction = 1;
            takes_value = 0;
        } else if (strcmp(arg, "--ctest") == 0) {
            o->ctest = 1;
            takes_value = 0;
        } else if (value == NULL && (strcmp(arg, "--filter") == 0 || strcmp(arg, "--json") == 0 ||
                                     strcmp(arg, "--mode") == 0 ||
                                     strcmp(arg, "--budget") == 0 || strcmp(arg, "--rounds") == 0 ||
                                     strcmp(arg, "--baseline") == 0 ||
                                     strcmp(arg, "--history") == 0 ||
                                     strcmp(arg, "--threshold") == 0 ||
                                     strcmp(arg, "--fail-on") == 0 ||
                                     strcmp(arg, "--session") == 0 ||
                                     strcmp(arg, "--min-time") == 0 ||
                                     strcmp(arg, "--max-time") == 0 ||
                                     strcmp(arg, "--timeout") == 0 ||
                                     strcmp(arg, "--processes") == 0 ||
                                     strcmp(arg, "--cpu") == 0 ||
                                     strcmp(arg, "--warmup") == 0)) {
            fprintf(stderr, "%s: %s needs a value\n", argv[0], arg);
            return 2;
        } else if (strcmp(arg, "--filter") == 0) {
            o->filter = value;
        } else if (strcmp(arg, "--mode") == 0) {
            bad = perfbudget_mode_parse(value, &o->run.mode) != PERFBUDGET_OK;
            o->mode_given = 1;
        } else if (strcmp(arg, "--json") == 0) {
            o->json_path = value;
        } else if (strcmp(arg, "--budget") == 0) {
            o->budget_path = value;
        } else if (strcmp(arg, "--baseline") == 0) {
            o->baseline_path = value;
        } else if (strcmp(arg, "--history") == 0) {
            /* SQLite would take an empty path for its temporary database: every run lost. */
            if (value[0] == '\0') {
                fprintf(stderr, "%s: --history needs a file name, not an empty one\n", argv[0]);
                return 2;
            }
            o->history_path = value;
        } else if (strcmp(arg, "--session") == 0) {
            o->session_dir = value;
        } else if (strcmp(arg, "--threshold") == 0) {
            o->threshold_pct = perfbudget__parse_percent(value);
            bad = o->threshold_pct < 0;
        } else if (strcmp(arg, "--fail-on") == 0) {
            o->fail_on = value;
            bad = perfbudget_fail_on_parse(value, &(perfbudget_fail_on){0}) != PERFBUDGET_OK;
        } else if (strcmp(arg, "--rounds") == 0) {
            bad = parse_count(value, &number) != 0 || number == 0 || number > UINT32_MAX;
            given->rounds = (int64_t)number;
        } else if (strcmp(arg, "--min-time") == 0) {
            bad = parse_time(ctx, value, &number) != 0;
            given->min_time_ns = (int64_t)number;
        } else if (strcmp(arg, "--timeout") == 0) {
            bad = parse_time(ctx, value, &o->timeout_ns) != 0;
            if (!bad && o->timeout_ns == 0) {
                fprintf(stderr, "%s: --timeout must be more than 0\n", argv[0]);
                return 2;
            }
        } else if (strcmp(arg, "--processes") == 0) {
            bad = parse_count(value, &o->processes) != 0 || o->processes == 0 ||
                  o->processes > 1000;
        } else if (strcmp(arg, "--cpu") == 0) {
            bad = parse_count(value, &number) != 0 || number > 65535;
            o->cpu = (int)number;
        } else if (strcmp(arg, "--max-time") == 0) {
            bad = parse_time(ctx, value, &number) != 0;
            given->max_time_ns = (int64_t)number;
        } else if (strcmp(arg, "--warmup") == 0) {
            if (parse_count(value, &number) == 0) {
                given->warmup_iterations = (int64_t)number;
                given->warmup_ns = 0;
            } else {
                given->warmup_iterations = 0;
                bad = parse_time(ctx, value, &number) != 0;
                given->warmup_ns = (int64_t)number;
            }
        } else {
            fprintf(stderr, "%s: unknown option '%s' (see --help)\n", argv[0], arg);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "%s: invalid value '%s' for %s\n", argv[0], value, arg);
            return 2;
        }

        i += takes_value;
    }
    /* Instruction counts do not vary between processes; the measuring processes would not run
     * under callgrind either. */
    if (o->processes > 1 && o->run.mode == PERFBUDGET_MODE_INSTRUCTIONS) {
        fprintf(stderr, "%s: --processes measures time; instructions mode counts the same in "
                        "every process\n", argv[0]);
        return 2;
    }
    return 0;
}

/* An exact name first, so names with glob characters can still be picked one by one. */
static int selected(const main_options *o, const char *name) {
    return o->filter == NULL || strcmp(o->filter, name) == 0 || fnmatch(o->filter, name, 0) == 0;
}

static void print_table(perfbudget_context *ctx, perfbudget_result **results, size_t count,
                        int width, int header) {
    char *text = NULL;
    if (perfbudget_render_table(ctx, results, count, width, header, &text) == PERFBUDGET_OK)
        fputs(text, stdout);
    perfbudget_free(text);
}

/* Fit each sweep that ran at two sizes or more, print the fit and judge it: against the
 * budget's complexity:, and its coefficient against the baseline's points fitted to the same
 * class. 1 when a sweep failed or regressed, 2 when out of memory, else 0. */
static int judge_sweeps(perfbudget_context *ctx, const perfbudget_benchmark_def *defs,
                        size_t count, perfbudget_result **results, size_t ran,
                        const perfbudget_budget *budget, const perfbudget__verdict_options *o) {
    int worst = 0;
    for (size_t i = 0; i < count; i++) {
        if (defs[i].size_count == 0) continue;
        perfbudget_complexity_fit fit, base;
        int status = perfbudget_results_fit_complexity(ctx, results, ran, defs[i].name,
                                                       PERFBUDGET_COMPLEXITY_NONE, &fit);
        if (status == PERFBUDGET_ENOMEM) return 2;
        char shown[256];
        perfbudget__shown(defs[i].name, shown, sizeof shown);
        if (status != PERFBUDGET_OK) {
            /* Fewer than two sizes ran (a filter, CTest's one test per size): nothing to fit. */
            if (status != PERFBUDGET_ENODATA)
                printf("%s: not fitted: %s\n", shown, perfbudget_errmsg(ctx));
            continue;
        }
        int has_base = o->baseline != NULL &&
                       perfbudget_results_fit_complexity(ctx, o->baseline, o->baseline_count,
                                                         defs[i].name, fit.complexity,
                                                         &base) == PERFBUDGET_OK;
        perfbudget_complexity_verdict verdict;
        if (perfbudget_complexity_judge(ctx, budget, defs[i].name, &fit,
                                        has_base ? &base : NULL, &verdict) != PERFBUDGET_OK)
            continue;
        /* The fit goes with the sweep's largest size into --json and the history. */
        perfbudget_result *largest = NULL;
        for (size_t r = 0; r < ran; r++) {
            const char *name = perfbudget_result_name(results[r]);
            size_t length = strlen(defs[i].name);
            if (strncmp(name, defs[i].name, length) == 0 && name[length] == '/' &&
                (largest == NULL || strtoull(name + length + 1, NULL, 10) >
                                        strtoull(perfbudget_result_name(largest) + length + 1,
                                                 NULL, 10)))
                largest = results[r];
        }
        if (largest != NULL) perfbudget_result_set_complexity(largest, &fit, &verdict);
        int failed = verdict.status == PERFBUDGET_LIMIT_FAIL || verdict.regressed;
        printf("%s %s: %s\n", failed ? "FAIL" : "pass", shown, verdict.text);
        if (failed) worst = 1;
    }
    return worst;
}

/* Measure settings: built-in defaults, then the budget file, then the command line. */
/* The progress line on a terminal: benchmark k of n, which one, the suite's elapsed time and,
 * while a long benchmark runs (the core calls back every second), the samples it has so far. */
struct progress_line {
    perfbudget_context *ctx;
    size_t index, total;
    uint64_t start_ns;
};

static void show_progress(void *userdata, const char *name, uint64_t elapsed_ns, uint64_t rounds) {
    const struct progress_line *line = userdata;
    (void)elapsed_ns;
    char shown[256];
    fprintf(stderr, "\r\033[K[%zu/%zu] %s (%.0f s elapsed", line->index, line->total,
            perfbudget__shown(name, shown, sizeof shown),
            (double)(perfbudget_context_now_ns(line->ctx) - line->start_ns) / 1e9);
    if (rounds > 0) fprintf(stderr, ", %llu samples", (unsigned long long)rounds);
    fputs(")", stderr);
}

static perfbudget_run_options options_for(const main_options *o, const perfbudget_budget *budget,
                                          const char *name) {
    perfbudget_run_options run = o->run;
    perfbudget_effective_budget effective;
    if (budget != NULL && perfbudget_budget_resolve(budget, name, &effective) == PERFBUDGET_OK)
        perfbudget_run_options_apply(&run, &effective.measure);
    perfbudget_run_options_apply(&run, &o->from_command_line);
    return run;
}

/* Instructions mode where the kernel exposes no counters: the measuring process runs under
 * valgrind's callgrind, collection off until the core toggles it on around measured batches,
 * its dumps in a directory of their own that is removed afterwards. */
typedef struct callgrind_launch {
    char directory[256];
    char program[4096];
    char out_file[300];
    char **argv; /* valgrind's, then the suite's own */
    char **env;
    char variable[300]; /* PERFBUDGET_CALLGRIND_DIR=... */
} callgrind_launch;

static int needs_callgrind(const main_options *o) {
    /* Started under callgrind already (a build without valgrind's headers cannot tell): the
     * counters say why they fail rather than starting valgrind again and again. */
    if (o->run.mode != PERFBUDGET_MODE_INSTRUCTIONS || perfbudget_running_on_valgrind() ||
        getenv("PERFBUDGET_CALLGRIND_DIR") != NULL)
        return 0;
    perfbudget_counters *counters = NULL;
    if (perfbudget_counters_open(NULL, &counters) != PERFBUDGET_OK) return 1;
    perfbudget_counters_free(counters);
    return 0;
}

static void callgrind_release(callgrind_launch *l) {
    free(l->argv);
    free(l->env);
    DIR *dir = l->directory[0] ? opendir(l->directory) : NULL;
    for (struct dirent *entry; dir != NULL && (entry = readdir(dir)) != NULL;) {
        char path[600];
        if (entry->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", l->directory, entry->d_name);
        unlink(path);
    }
    if (dir != NULL) closedir(dir);
    if (l->directory[0]) rmdir(l->directory);
}

/* extra: up to two more environment entries, NULL-terminated, or NULL. Returns 0, or -1 with a
 * message printed. */
static int callgrind_prepare(callgrind_launch *l, char **argv, char *const *extra) {
    memset(l, 0, sizeof *l);
    ssize_t length = readlink("/proc/self/exe", l->program, sizeof l->program - 1);
    const char *tmp = getenv("TMPDIR");
    snprintf(l->directory, sizeof l->directory, "%s/perfbudget-callgrind-XXXXXX",
             tmp && tmp[0] ? tmp : "/tmp");
    if (length <= 0 || mkdtemp(l->directory) == NULL) {
        fprintf(stderr, "%s: instructions mode: cannot prepare callgrind: %s\n", argv[0],
                strerror(errno));
        l->directory[0] = '\0';
        return -1;
    }
    snprintf(l->out_file, sizeof l->out_file, "--callgrind-out-file=%s/callgrind.out.%%p",
             l->directory);
    static const char *const valgrind[] = {"valgrind", "--tool=callgrind", "--collect-atstart=no",
                                           "--instr-atstart=no", "-q"};
    size_t nv = sizeof valgrind / sizeof *valgrind, argc = 0, envc = 0;
    while (argv[argc] != NULL) argc++;
    while (environ[envc] != NULL) envc++;
    l->argv = calloc(nv + argc + 3, sizeof *l->argv);
    l->env = calloc(envc + 4, sizeof *l->env);
    if (l->argv == NULL || l->env == NULL) {
        fprintf(stderr, "%s: out of memory\n", argv[0]);
        return -1;
    }
    for (size_t i = 0; i < nv; i++) l->argv[i] = (char *)valgrind[i];
    l->argv[nv] = l->out_file;
    l->argv[nv + 1] = l->program;
    for (size_t i = 1; i < argc; i++) l->argv[nv + 1 + i] = argv[i];
    memcpy(l->env, environ, envc * sizeof *l->env);
    snprintf(l->variable, sizeof l->variable, "PERFBUDGET_CALLGRIND_DIR=%s", l->directory);
    l->env[envc] = l->variable;
    for (size_t i = 0; extra != NULL && i < 2 && extra[i] != NULL; i++) l->env[envc + 1 + i] = extra[i];
    return 0;
}

static int callgrind_spawn(callgrind_launch *l, const char *program,
                           const posix_spawnattr_t *attributes, pid_t *pid) {
    int error = posix_spawnp(pid, "valgrind", NULL, attributes, l->argv, l->env);
    if (error == ENOENT)
        fprintf(stderr, "%s: instructions mode: the kernel exposes no hardware counters here and "
                        "valgrind, which counts them instead, is not installed (on Debian: "
                        "apt-get install valgrind)\n", program);
    else if (error != 0)
        fprintf(stderr, "%s: instructions mode: cannot start valgrind: %s\n", program,
                strerror(error));
    return error;
}

/* Runs the whole suite again under callgrind; its exit code, or 2 (1 when it crashed or left
 * processes running). As under --ctest, an interrupt kills it with what it started (it would
 * otherwise go on and record its run) and ends this process by that signal. */
static int run_under_callgrind(char **argv, const char *marker) {
    callgrind_launch launch;
    int code = 2;
    pid_t pid;
    fflush(stdout);
    fflush(stderr);
    perfbudget__adopt_orphans();
    perfbudget__interrupt interrupt;
    perfbudget__interrupt_watch(&interrupt);
    posix_spawnattr_t attributes; /* the child starts with our mask, not the interrupts blocked */
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setsigmask(&attributes, &interrupt.previous);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
    char *extra[] = {(char *)marker, NULL};
    if (callgrind_prepare(&launch, argv, extra) == 0 &&
        callgrind_spawn(&launch, argv[0], &attributes, &pid) == 0) {
        char reason[256];
        code = perfbudget__supervise(pid, 0, interrupt.fd, marker, reason, sizeof reason);
        if (code == -2) {
            int caught = perfbudget__interrupt_caught(&interrupt);
            callgrind_release(&launch);
            perfbudget__interrupt_die(&interrupt, argv[0], caught ? caught : SIGTERM);
        }
        if (code < 0) {
            fprintf(stderr, "%s: the suite under valgrind: %s\n", argv[0], reason);
            code = 1;
        }
    }
    posix_spawnattr_destroy(&attributes);
    perfbudget__interrupt_stop(&interrupt);
    callgrind_release(&launch);
    return code;
}

/* Under CTest the benchmarks run in a child process, this same executable started again with
 * the marker and CHILD_VARIABLE in its environment, watched by this one: a benchmark that
 * crashes, exits, hangs past --timeout or leaves processes behind fails its test with the
 * reason, in the verdict format and in the session, and nothing it started keeps running.
 * SIGINT, SIGTERM or SIGHUP to this one kills the child with all it started, and this one ends
 * by that signal with no verdict and nothing in the session.
 * (Started with exec, not just forked, so the marker is in the environment /proc shows of
 * every process the benchmarks start.) Returns 1 when it ran the child (the exit code in
 * *exit_code), 0 when it could not (Linux only: /proc/self/exe); the caller then measures. */
#define CHILD_VARIABLE "PERFBUDGET_MEASURING_CHILD"
/* --processes: one of the fresh processes measuring for its parent has this in its environment,
 * the file to write its results to; it measures, writes them and ends, judging nothing. */
#define PROCESS_RESULTS_VARIABLE "PERFBUDGET_PROCESS_RESULTS"
static int supervised(perfbudget_context *ctx, char **argv, const main_options *o,
                      const char *suite_name, const char *marker, int *exit_code) {
#ifdef __linux__
    /* The child writes one byte to this pipe when it has given its verdict: an exit without it
     * (a benchmark calling exit(1), a sanitizer's report) is a failure, whatever its code. */
    int done[2];
    if (pipe(done) != 0) return 0;
    fcntl(done[0], F_SETFD, FD_CLOEXEC);
    char variable[64];
    snprintf(variable, sizeof variable, CHILD_VARIABLE "=%d", done[1]);
    size_t n = 0;
    while (environ[n] != NULL) n++;
    char **env = malloc((n + 3) * sizeof *env);
    if (env == NULL) {
        close(done[0]), close(done[1]);
        return 0;
    }
    memcpy(env, environ, n * sizeof *env);
    env[n] = (char *)marker;
    env[n + 1] = variable;
    env[n + 2] = NULL;
    fflush(stdout);
    fflush(stderr);
    perfbudget__adopt_orphans();
    perfbudget__interrupt interrupt;
    perfbudget__interrupt_watch(&interrupt);
    /* The child starts with the signal mask we had, not with the interrupts blocked. */
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setsigmask(&attributes, &interrupt.previous);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
    pid_t pid;
    callgrind_launch launch;
    memset(&launch, 0, sizeof launch);
    int under_callgrind = needs_callgrind(o), error;
    if (under_callgrind) {
        char *extra[] = {(char *)marker, variable, NULL};
        error = callgrind_prepare(&launch, argv, extra) == 0
                    ? callgrind_spawn(&launch, argv[0], &attributes, &pid) : -1;
    } else {
        error = posix_spawn(&pid, "/proc/self/exe", NULL, &attributes, argv, env);
    }
    posix_spawnattr_destroy(&attributes);
    free(env);
    close(done[1]);
    if (error != 0) perfbudget__interrupt_stop(&interrupt);
    if (error != 0 && under_callgrind) {
        close(done[0]);
        callgrind_release(&launch);
        *exit_code = 2; /* said why; measuring unwatched would measure time, not counts */
        return 1;
    }
    if (error != 0) {
        close(done[0]);
        return 0; /* measure unwatched rather than not at all */
    }
    char reason[256];
    /* --processes: each of the benchmark's processes within --timeout */
    uint64_t timeout_ns = o->timeout_ns * (o->processes > 1 ? o->processes : 1);
    int code = perfbudget__supervise(pid, timeout_ns, interrupt.fd, marker, reason,
                                     sizeof reason);
    char byte;
    int concluded = read(done[0], &byte, 1) == 1; /* the child is gone: EOF at worst */
    close(done[0]);
    if (under_callgrind) callgrind_release(&launch);
    int interrupted_by = perfbudget__interrupt_caught(&interrupt);
    if (code == -2 || interrupted_by != 0)
        perfbudget__interrupt_die(&interrupt, argv[0], interrupted_by ? interrupted_by : SIGTERM);
    perfbudget__interrupt_stop(&interrupt);
    if (code >= 0 && concluded) {
        *exit_code = code;
        return 1;
    }
    if (code >= 0)
        snprintf(reason, sizeof reason, "exited with code %d", code);
    char message[300];
    snprintf(message, sizeof message, "%s while measuring", reason);
    perfbudget_result *failed = NULL;
    perfbudget__verdict_options verdict = {.threshold_pct = NAN, .ctest = 1,
                                           .session_dir = o->session_dir};
    if (perfbudget_result_new(ctx, o->filter ? o->filter : suite_name, NULL, 0, NULL,
                              PERFBUDGET_RUN_FAILED, message, &failed) != PERFBUDGET_OK ||
        perfbudget__conclude(ctx, argv[0], failed, &verdict, stdout) < 0)
        fprintf(stderr, "%s: %s\n", argv[0], message);
    perfbudget_result_free(failed);
    *exit_code = 1;
    return 1;
#else
    (void)ctx, (void)argv, (void)o, (void)suite_name, (void)marker, (void)exit_code;
    return 0;
#endif
}

/* The build type the suite records (PERFBUDGET_BUILD_TYPE, read by the environment fingerprint
 * and written into each result's environment): the CMake configuration it was compiled in,
 * else "unoptimized" for a build without -O; else whatever ctest's environment says. Set here so
 * a suite run by hand has the fingerprint it has under ctest. Returns whether to warn. */
static int adopt_build_type(const char *build_type, int optimized, char *warning, size_t size) {
    const char *recorded = build_type != NULL && build_type[0] != '\0' ? build_type
                           : optimized == 0                             ? "unoptimized"
                                                                        : NULL;
    if (recorded != NULL) setenv("PERFBUDGET_BUILD_TYPE", recorded, 1);
    int debug = build_type != NULL && strcmp(build_type, "Debug") == 0;
    if (!debug && optimized != 0) return 0;
    snprintf(warning, size,
             "***WARNING*** the suite was built %s: its timings are not those of the code as "
             "shipped (configure with -DCMAKE_BUILD_TYPE=Release)\n",
             debug ? "as Debug" : "without optimisation (no -O; CMAKE_BUILD_TYPE empty?)");
    return 1;
}

/* One run of the suite executable, phase by phase. Every phase returns the exit code so far:
 * 0 go on, -1 done without error (after --help or --list), 1 a benchmark failed, 2 an error. */
typedef struct suite_run {
    char **argv;
    const char *suite_name;
    const perfbudget_benchmark_def *defs;
    size_t count;
    const char **names; /* the suite's benchmarks, each point of a sweep on its own */
    size_t total;       /* of names */
    char build_warning[256];
    int warn_build;
    perfbudget_context *ctx;
    perfbudget_suite *suite;
    main_options o;
    char marker[96];
    int in_child;
    int verdict_fd; /* the child tells its parent it concluded by writing here */
    const char *for_parent; /* --processes: a measuring process writes its results here */
    perfbudget_budget *budget;
    perfbudget__verdict_options verdict;
    perfbudget_history *resident;
    perfbudget_result **results;
    size_t ran;
    int baseline_loaded;
} suite_run;

static void release_suite(suite_run *run) {
    free(run->names);
    perfbudget_suite_free(run->suite);
    perfbudget_context_free(run->ctx);
}

/* The suite's benchmarks, each point of a sweep on its own ("name/<size>"); 0, or -1 when
 * out of memory. */
static int name_benchmarks(suite_run *run) {
    run->total = perfbudget_suite_count(run->suite);
    run->names = malloc((run->total ? run->total : 1) * sizeof *run->names);
    if (run->names == NULL) return -1;
    for (size_t i = 0; i < run->total; i++)
        run->names[i] = perfbudget_suite_benchmark_name(run->suite, i);
    return 0;
}

/* The suite's benchmarks; 2 after printing why not. */
static int add_benchmarks(suite_run *run) {
    for (size_t i = 0; i < run->count; i++)
        if (perfbudget_suite_add(run->suite, &run->defs[i]) != PERFBUDGET_OK) {
            fprintf(stderr, "%s: %s\n", run->argv[0], perfbudget_errmsg(run->ctx));
            return 2;
        }
    return 0;
}

/* The child knows its marker from the environment; the parent makes one up. */
static void take_marker(suite_run *run) {
    const char *inherited = getenv(CHILD_VARIABLE) ? getenv("PERFBUDGET_RUN_MARKER") : NULL;
    run->in_child = inherited != NULL;
    run->verdict_fd = -1;
    run->for_parent = getenv(PROCESS_RESULTS_VARIABLE);
    if (run->in_child) {
        snprintf(run->marker, sizeof run->marker, "PERFBUDGET_RUN_MARKER=%s", inherited);
        run->verdict_fd = atoi(getenv(CHILD_VARIABLE));
        fcntl(run->verdict_fd, F_SETFD, FD_CLOEXEC); /* not inherited by what benchmarks start */
        unsetenv(CHILD_VARIABLE); /* a suite the benchmarks start is watched on its own */
    } else {
        snprintf(run->marker, sizeof run->marker, "PERFBUDGET_RUN_MARKER=main-%ld-%llu",
                 (long)getpid(), (unsigned long long)perfbudget_context_now_ns(run->ctx));
    }
}

/* Before measuring (not with --list): the budget, the verdict's options and the history. */
static int prepare_judging(suite_run *run) {
    main_options *o = &run->o;
    if (o->budget_path != NULL &&
        (run->budget = perfbudget__load_budget(run->ctx, run->argv[0], o->budget_path)) == NULL)
        return 2;
    run->verdict.budget = run->budget;
    run->verdict.threshold_pct = o->threshold_pct;
    run->verdict.fail_on = o->fail_on;
    run->verdict.ctest = o->ctest;
    run->verdict.session_dir = o->session_dir;
    o->history_path = perfbudget__history_path(o->history_path, run->budget);
    /* perfbudget's own footprint must not differ between runs, or peak memory would compare
     * perfbudget with itself: whenever a history is in play, SQLite is loaded before measuring,
     * whether this run compares with a baseline or not. A history that can never be one (a
     * device, a directory, "") is refused before measuring. */
    if (o->history_path != NULL &&
        perfbudget_history_open(run->ctx, o->history_path, &run->resident) == PERFBUDGET_EINVAL) {
        fprintf(stderr, "%s: %s\n", run->argv[0], perfbudget_errmsg(run->ctx));
        return 2;
    }
    return 0;
}

static int list_benchmarks(const suite_run *run) {
    for (size_t i = 0; i < run->total; i++)
        if (selected(&run->o, run->names[i]) && run->o.list == 2) {
            /* for perf_discover_tests: a word each (checked when the suite was built) */
            const char *category = perfbudget_suite_benchmark_category(run->suite, i);
            printf("%s\n", category ? category : "-");
        } else if (selected(&run->o, run->names[i])) {
            char *shown = perfbudget__printable(run->names[i]);
            printf("%s\n", shown ? shown : "(out of memory)");
            free(shown);
        }
    return -1;
}

/* The widest selected name as shown; the table caps it (PERFBUDGET__NAME_COLUMNS). */
static int name_column_width(const suite_run *run) {
    int width = 9;
    for (size_t i = 0; i < run->total; i++) {
        char *shown = selected(&run->o, run->names[i]) ? perfbudget__printable(run->names[i])
                                                        : NULL;
        if (shown != NULL && perfbudget__columns(shown) > width)
            width = perfbudget__columns(shown);
        free(shown);
    }
    return width;
}

/* A benchmark that started processes and left them: a failure, said before its verdict would
 * claim a pass, and the processes killed. */
static void fail_if_processes_left(suite_run *run, const char *name) {
    if (!run->in_child || perfbudget__kill_marked(run->marker) <= 0) return;
    perfbudget_result *left = NULL;
    if (perfbudget_result_new(run->ctx, name, NULL, 0, NULL, PERFBUDGET_RUN_FAILED,
                              "left processes running after it finished (they were killed)",
                              &left) == PERFBUDGET_OK) {
        perfbudget_result_free(run->results[run->ran]);
        run->results[run->ran] = left;
    }
}

/* Starts this suite again to measure benchmark name alone, its results written to path;
 * returns its exit status, or a message in why (a crash, a failed start). */
static int run_measuring_process(suite_run *run, const char *name, const char *path, char *why,
                                 size_t size) {
#ifdef __linux__
    int argc = 0;
    while (run->argv[argc] != NULL) argc++;
    char **argv = malloc((size_t)(argc + 3) * sizeof *argv);
    size_t n = 0;
    while (environ[n] != NULL) n++;
    char **env = malloc((n + 2) * sizeof *env);
    char variable[4200];
    snprintf(variable, sizeof variable, PROCESS_RESULTS_VARIABLE "=%s", path);
    int status = -1;
    pid_t pid;
    if (argv == NULL || env == NULL) {
        snprintf(why, size, "out of memory");
    } else {
        memcpy(argv, run->argv, (size_t)argc * sizeof *argv);
        argv[argc] = "--filter"; /* the last --filter wins: this benchmark (names are exact) */
        argv[argc + 1] = (char *)name;
        argv[argc + 2] = NULL;
        memcpy(env, environ, n * sizeof *env);
        env[n] = variable;
        env[n + 1] = NULL;
        fflush(stdout);
        fflush(stderr);
        int error = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, env);
        if (error != 0)
            snprintf(why, size, "cannot start a measuring process: %s", strerror(error));
        else if (waitpid(pid, &status, 0) != pid)
            snprintf(why, size, "lost its measuring process"), status = -1;
    }
    free(argv), free(env);
    if (status != -1 && WIFSIGNALED(status))
        snprintf(why, size, "its measuring process was killed by signal %d", WTERMSIG(status));
    else if (status != -1 && WEXITSTATUS(status) != 0)
        snprintf(why, size, "its measuring process exited with code %d", WEXITSTATUS(status));
    return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
#else
    (void)run, (void)name, (void)path;
    snprintf(why, size, "--processes needs Linux (/proc/self/exe)");
    return -1;
#endif
}

/* Benchmark i measured in --processes fresh processes of this suite, merged into one result
 * (perfbudget_results_merge, as pytest's --perf-processes); a process that fails makes a
 * failed result. PERFBUDGET_OK, or an error in the context. */
static int measure_in_processes(suite_run *run, size_t i, perfbudget_result **out) {
    const char *name = run->names[i];
    size_t count = (size_t)run->o.processes;
    perfbudget_result **runs = calloc(count, sizeof *runs);
    if (runs == NULL) return perfbudget__fail(run->ctx, PERFBUDGET_ENOMEM, "out of memory");
    const char *tmp = getenv("TMPDIR") != NULL && getenv("TMPDIR")[0] != '\0' ? getenv("TMPDIR")
                                                                               : "/tmp";
    char why[300] = "", path[4096];
    int code = PERFBUDGET_OK;
    for (size_t p = 0; code == PERFBUDGET_OK && why[0] == '\0' && p < count; p++) {
        snprintf(path, sizeof path, "%s/perfbudget-process-XXXXXX", tmp);
        int fd = mkstemp(path);
        if (fd < 0)
            snprintf(why, sizeof why, "cannot create a file in %s: %s", tmp, strerror(errno));
        else
            close(fd);
        perfbudget_result **loaded = NULL;
        size_t loaded_count = 0;
        if (fd >= 0 && run_measuring_process(run, name, path, why, sizeof why) == 0 &&
            perfbudget_results_load_json(run->ctx, path, &loaded, &loaded_count) != PERFBUDGET_OK)
            snprintf(why, sizeof why, "%s", perfbudget_errmsg(run->ctx));
        if (fd >= 0) unlink(path);
        for (size_t k = 0; k < loaded_count && runs[p] == NULL; k++)
            if (strcmp(perfbudget_result_name(loaded[k]), name) == 0)
                runs[p] = loaded[k], loaded[k] = NULL;
        perfbudget_results_free(loaded, loaded_count);
        if (why[0] == '\0' && runs[p] == NULL)
            snprintf(why, sizeof why, "its measuring process measured nothing");
        if (why[0] != '\0') {
            char message[400];
            snprintf(message, sizeof message, "process %zu of %zu: %s", p + 1, count, why);
            code = perfbudget_result_new(run->ctx, name, NULL, 0, NULL, PERFBUDGET_RUN_FAILED,
                                         message, out);
        }
    }
    if (code == PERFBUDGET_OK && why[0] == '\0')
        code = perfbudget_results_merge(run->ctx, name, (const perfbudget_result *const *)runs,
                                        count, out);
    perfbudget_results_free(runs, count);
    return code;
}

/* Benchmark i measured here, or in fresh processes with --processes, pinned with --cpu. */
static int measure_one(suite_run *run, size_t i, const perfbudget_run_options *options,
                       perfbudget_result **out) {
    perfbudget_cpu_affinity *previous = NULL;
    if (run->o.cpu >= 0) {
        int pinned = perfbudget_cpu_pin(run->ctx, run->o.cpu, &previous);
        if (pinned != PERFBUDGET_OK) return pinned;
    }
    int code = run->o.processes > 1 && run->for_parent == NULL
                   ? measure_in_processes(run, i, out)
                   : perfbudget_suite_run(run->suite, i, options, out);
    perfbudget_cpu_restore(previous);
    return code;
}

/* A measuring process of --processes: the selected benchmarks measured, written to the file
 * its parent named, nothing judged or printed. */
static int measure_for_parent(suite_run *run) {
    run->o.json_path = NULL; /* its results go to its parent only */
    run->results = calloc(run->total ? run->total : 1, sizeof *run->results);
    if (run->results == NULL) return 2;
    for (size_t i = 0; i < run->total; i++) {
        if (!selected(&run->o, run->names[i])) continue;
        perfbudget_run_options options = options_for(&run->o, run->budget, run->names[i]);
        if (measure_one(run, i, &options, &run->results[run->ran]) != PERFBUDGET_OK) {
            fprintf(stderr, "%s: %s\n", run->argv[0], perfbudget_errmsg(run->ctx));
            return 2;
        }
        run->ran++;
    }
    if (perfbudget_results_write_json(run->ctx, run->for_parent, run->suite_name, run->results,
                                      run->ran) !=
        PERFBUDGET_OK) {
        fprintf(stderr, "%s: %s\n", run->argv[0], perfbudget_errmsg(run->ctx));
        return 2;
    }
    return -1; /* done; nothing else to do */
}

/* Measures and judges benchmark i: -1 to stop the suite (said why), else 0 it passed, 1 it
 * failed, 2 it could not be judged. */
static int measure_benchmark(suite_run *run, size_t i, struct progress_line *line, int progress,
                             int width) {
    const char *name = run->names[i];
    fflush(stdout);
    line->index = run->ran + 1;
    if (progress) show_progress(line, name, 0, 0);
    perfbudget_run_options options = options_for(&run->o, run->budget, name);
    int run_rc = measure_one(run, i, &options, &run->results[run->ran]);
    if (progress) fputs("\r\033[K", stderr);
    if (run_rc != PERFBUDGET_OK) {
        char shown[1024];
        fprintf(stderr, "%s: %s: %s\n", run->argv[0], perfbudget__shown(name, shown, sizeof shown),
                perfbudget_errmsg(run->ctx));
        return -1;
    }
    fail_if_processes_left(run, name);
    perfbudget_result *r = run->results[run->ran++];
    /* The baseline is loaded once the first benchmark is measured, so that it is not in the
     * peak memory of that one: under CTest, the only one of its process. */
    if (!run->baseline_loaded) {
        run->baseline_loaded = 1;
        if (perfbudget__load_baseline(run->ctx, run->argv[0], run->o.baseline_path,
                                      run->o.history_path, &run->verdict) != 0)
            return -1;
    }
    if (!run->o.ctest) print_table(run->ctx, &r, 1, width, 0);
    int judged = run->o.ctest || run->budget != NULL || run->verdict.baseline != NULL ||
                         run->o.session_dir
                     ? perfbudget__conclude(run->ctx, run->argv[0], r, &run->verdict, stdout)
                     : (int)perfbudget_result_test_status(r, NULL);
    if (judged < 0) return 2;
    return judged == PERFBUDGET_TEST_FAIL ? 1 : 0;
}

static int measure_selected(suite_run *run) {
    if (run->for_parent != NULL) return measure_for_parent(run);
    const main_options *o = &run->o;
    run->results = calloc(run->total ? run->total : 1, sizeof *run->results);
    if (run->results == NULL) return 2;
    int width = name_column_width(run);
    /* Like Google Benchmark's "Library was built as DEBUG": before the table, or under CTest
     * after the verdict, whose first line IDEs show. */
    if (run->warn_build && !o->ctest) fputs(run->build_warning, stdout);
    if (!o->ctest) print_table(run->ctx, NULL, 0, width, 1);
    /* A progress line while a benchmark runs, on a terminal only (erased before its row). */
    int progress = !o->ctest && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
    struct progress_line line = {.ctx = run->ctx, .start_ns = perfbudget_context_now_ns(run->ctx)};
    for (size_t i = 0; i < run->total; i++) line.total += selected(o, run->names[i]) != 0;
    if (progress)
        perfbudget_suite_set_progress(run->suite, show_progress, &line, UINT64_C(1000000000));
    int exit_code = 0;
    for (size_t i = 0; i < run->total; i++) {
        if (!selected(o, run->names[i])) continue;
        int measured = measure_benchmark(run, i, &line, progress, width);
        if (measured < 0) return 2;
        if (measured > exit_code) exit_code = measured; /* an error (2) beats a failure (1) */
    }
    if (exit_code == 2) return exit_code;
    int fitted = judge_sweeps(run->ctx, run->defs, run->count, run->results, run->ran,
                              run->budget, &run->verdict);
    return fitted > exit_code ? fitted : exit_code;
}

/* After measuring: what the run says about itself. */
static int report_run(suite_run *run, int exit_code) {
    const main_options *o = &run->o;
    if (run->warn_build && o->ctest && run->ran > 0) fputs(run->build_warning, stdout);
    if (exit_code != 2 && exit_code != -1 && run->ran == 0 && o->filter != NULL) {
        fprintf(stderr, "%s: no benchmark matches '%s' (see --list)\n", run->argv[0], o->filter);
        exit_code = 2;
    }
    if (!o->ctest && run->ran > 0 && perfbudget_result_counters_note(run->results[0])[0] != '\0')
        printf("instr/iter: %s\n", perfbudget_result_counters_note(run->results[0]));
    if (run->budget != NULL && run->ran > 0 && o->filter == NULL)
        perfbudget__warn_unused_entries(run->budget, run->results, run->ran, "suite");
    return exit_code;
}

/* The results into the history and the --json file. */
static int save_run(suite_run *run, int exit_code) {
    const main_options *o = &run->o;
    if (run->ran == 0) return exit_code;
    /* A suite run on its own is a run of the history; under CTest the session records it. */
    if (exit_code != 2 && exit_code != -1 && o->session_dir == NULL && !o->ctest &&
        perfbudget__record_run(run->ctx, run->argv[0], o->history_path, "suite", run->results,
                               run->ran) != 0)
        exit_code = 2;
    if (o->json_path != NULL && exit_code != 2 &&
        perfbudget_results_write_json(run->ctx, o->json_path, run->suite_name, run->results,
                                      run->ran) != PERFBUDGET_OK) {
        fprintf(stderr, "%s: %s\n", run->argv[0], perfbudget_errmsg(run->ctx));
        exit_code = 2;
    }
    return exit_code;
}

static void release_run(suite_run *run) {
    for (size_t i = 0; i < run->ran; i++) perfbudget_result_free(run->results[i]);
    free(run->results);
    perfbudget_history_close(run->resident);
    perfbudget_results_free(run->verdict.baseline, run->verdict.baseline_count);
    perfbudget_budget_free(run->budget);
    release_suite(run);
}

/* The process's exit status. A verdict nobody received is no pass (a benchmark closed stdout,
 * a full disk); the child tells its parent it concluded. */
static int exit_status(const suite_run *run, int exit_code) {
    if ((fflush(stdout) != 0 || ferror(stdout)) && exit_code >= 0) {
        fprintf(stderr, "%s: cannot write the verdict to standard output (closed or full)\n",
                run->argv[0]);
        exit_code = 2;
    }
    if (run->verdict_fd > 2 && write(run->verdict_fd, "", 1) == 1) close(run->verdict_fd);
    return exit_code < 0 ? 0 : exit_code;
}

int(perfbudget_main)(int argc, char **argv, const char *suite_name,
                     const perfbudget_benchmark_def *defs, size_t count) {
    return perfbudget_main_built(argc, argv, suite_name, defs, count, NULL, -1);
}

int perfbudget_main_built(int argc, char **argv, const char *suite_name,
                          const perfbudget_benchmark_def *defs, size_t count,
                          const char *build_type, int optimized) {
    suite_run run = {.argv = argv, .suite_name = suite_name, .defs = defs, .count = count,
                     .verdict = {.threshold_pct = NAN}};
    run.warn_build = adopt_build_type(build_type, optimized, run.build_warning,
                                      sizeof run.build_warning);
    if (perfbudget_context_new(&run.ctx) != PERFBUDGET_OK ||
        perfbudget_suite_new(run.ctx, suite_name, &run.suite) != PERFBUDGET_OK) {
        fprintf(stderr, "%s: out of memory\n", argv[0]);
        perfbudget_context_free(run.ctx);
        return 2;
    }
    int exit_code = add_benchmarks(&run);
    if (name_benchmarks(&run) != 0 && exit_code == 0) {
        fprintf(stderr, "%s: out of memory\n", argv[0]);
        exit_code = 2;
    }
    if (exit_code == 0) {
        int parsed = parse_args(run.ctx, argc, argv, &run.o);
        if (parsed != 0) exit_code = parsed == 1 ? -1 : 2; /* -1: done, e.g. after --help */
    }
    take_marker(&run);
    const main_options *o = &run.o;
    int delegate = exit_code == 0 && !o->list && !run.in_child && run.for_parent == NULL;
    if (delegate && !o->ctest && needs_callgrind(o)) {
        release_suite(&run);
        return run_under_callgrind(argv, run.marker);
    }
    if (delegate && o->ctest && supervised(run.ctx, argv, o, suite_name, run.marker, &exit_code)) {
        release_suite(&run);
        return exit_code;
    }
    if (exit_code == 0 && !o->list) exit_code = prepare_judging(&run);
    if (exit_code == 0 && o->list) exit_code = list_benchmarks(&run);
    if (exit_code == 0) exit_code = measure_selected(&run);
    exit_code = save_run(&run, report_run(&run, exit_code));
    release_run(&run);
    return exit_status(&run, exit_code);
}
