/* SPDX-License-Identifier: MIT */
/* perfbudget_main(): the command line of every suite executable. The only part of perfbudget
 * that prints, kept in its own library (perfbudget_main) so the core never does. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <stddef.h>
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
    uint64_t timeout_ns; /* --timeout; 0: none */
    uint64_t processes;  /* --processes: fresh processes per benchmark; 0: not given (1) */
    int cpu;             /* --cpu; -1: not given */
    perfbudget_run_options run;
    perfbudget_measure_settings from_command_line; /* -1: not given; beats the budget file */
} main_options;

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

/* The options' own rules (perfbudget_frontend_parse_fn): 0 taken, -1 invalid, 2 said. */
static int parse_mode(perfbudget_context *ctx, void *options, const char *value,
                      const char *from, const char *program) {
    (void)ctx;
    main_options *o = options;
    if (perfbudget_mode_parse(value, &o->run.mode) == PERFBUDGET_OK) return 0;
    if (from[0] == '-') return -1;
    fprintf(stderr, "%s: %s must be time or instructions, not '%s'\n", program, from, value);
    return 2;
}

static int parse_history(perfbudget_context *ctx, void *options, const char *value,
                         const char *from, const char *program) {
    (void)ctx;
    /* SQLite would take an empty path for its temporary database: every run lost. */
    if (value[0] == '\0') {
        fprintf(stderr, "%s: %s needs a file name, not an empty one\n", program, from);
        return 2;
    }
    ((main_options *)options)->history_path = value;
    return 0;
}

static int parse_threshold(perfbudget_context *ctx, void *options, const char *value,
                           const char *from, const char *program) {
    (void)ctx, (void)from, (void)program;
    main_options *o = options;
    o->threshold_pct = perfbudget_frontend_parse_percent(value);
    return o->threshold_pct < 0 ? -1 : 0;
}

static int parse_fail_on(perfbudget_context *ctx, void *options, const char *value,
                         const char *from, const char *program) {
    (void)ctx, (void)from, (void)program;
    ((main_options *)options)->fail_on = value;
    return perfbudget_fail_on_parse(value, &(perfbudget_fail_on){0}) == PERFBUDGET_OK ? 0 : -1;
}

static int parse_timeout(perfbudget_context *ctx, void *options, const char *value,
                         const char *from, const char *program) {
    main_options *o = options;
    if (parse_time(ctx, value, &o->timeout_ns) != 0) return -1;
    if (o->timeout_ns > 0) return 0;
    fprintf(stderr, "%s: %s must be more than 0\n", program, from);
    return 2;
}

static int parse_rounds(perfbudget_context *ctx, void *options, const char *value,
                        const char *from, const char *program) {
    (void)ctx, (void)from, (void)program;
    uint64_t number = 0;
    int bad = parse_count(value, &number) != 0 || number == 0 || number > UINT32_MAX;
    ((main_options *)options)->from_command_line.rounds = (int64_t)number;
    return bad ? -1 : 0;
}

static int parse_min_time(perfbudget_context *ctx, void *options, const char *value,
                          const char *from, const char *program) {
    (void)from, (void)program;
    uint64_t number = 0;
    int bad = parse_time(ctx, value, &number) != 0;
    ((main_options *)options)->from_command_line.min_time_ns = (int64_t)number;
    return bad ? -1 : 0;
}

static int parse_max_time(perfbudget_context *ctx, void *options, const char *value,
                          const char *from, const char *program) {
    (void)from, (void)program;
    uint64_t number = 0;
    int bad = parse_time(ctx, value, &number) != 0;
    ((main_options *)options)->from_command_line.max_time_ns = (int64_t)number;
    return bad ? -1 : 0;
}

/* A count of iterations, or else a duration. */
static int parse_warmup(perfbudget_context *ctx, void *options, const char *value,
                        const char *from, const char *program) {
    (void)from, (void)program;
    perfbudget_measure_settings *given = &((main_options *)options)->from_command_line;
    uint64_t number = 0;
    if (parse_count(value, &number) == 0) {
        given->warmup_iterations = (int64_t)number;
        given->warmup_ns = 0;
        return 0;
    }
    given->warmup_iterations = 0;
    int bad = parse_time(ctx, value, &number) != 0;
    given->warmup_ns = (int64_t)number;
    return bad ? -1 : 0;
}

static int set_no_counters(perfbudget_context *ctx, void *options, const char *value,
                           const char *from, const char *program) {
    (void)ctx, (void)value, (void)from, (void)program;
    ((main_options *)options)->run.hardware_counters = 0;
    return 0;
}

static int set_speed_correction(perfbudget_context *ctx, void *options, const char *value,
                                const char *from, const char *program) {
    (void)ctx, (void)value, (void)from, (void)program;
    ((main_options *)options)->from_command_line.speed_correction = 1;
    return 0;
}

static int parse_processes(perfbudget_context *ctx, void *options, const char *value,
                           const char *from, const char *program) {
    (void)ctx, (void)from, (void)program;
    main_options *o = options;
    return parse_count(value, &o->processes) != 0 || o->processes == 0 || o->processes > 1000
               ? -1
               : 0;
}

static int parse_cpu(perfbudget_context *ctx, void *options, const char *value, const char *from,
                     const char *program) {
    (void)ctx, (void)from, (void)program;
    uint64_t number = 0;
    if (parse_count(value, &number) != 0 || number > 65535) return -1;
    ((main_options *)options)->cpu = (int)number;
    return 0;
}

#define FLAG_OPTION(name, field, number, help)                                                    \
    {name, NULL, PERFBUDGET_FRONTEND_FLAG, offsetof(main_options, field), number, NULL, NULL, help}
#define TEXT_OPTION(name, value, field, help)                                                     \
    {name, value, PERFBUDGET_FRONTEND_TEXT, offsetof(main_options, field), 0, NULL, NULL, help}
#define PARSED_OPTION(name, value, parse, environment, help)                                      \
    {name, value, PERFBUDGET_FRONTEND_PARSED, 0, 0, parse, environment, help}
#define PARSED_FLAG(name, parse, help)                                                            \
    {name, NULL, PERFBUDGET_FRONTEND_PARSED_FLAG, 0, 0, parse, NULL, help}

static const perfbudget_frontend_option main_option_table[] = {
    FLAG_OPTION("--list", list, 1, "print the benchmark names, one per line, and exit"),
    FLAG_OPTION("--list-categories", list, 2,
                "print each benchmark's category (- for none), one per line in --list's order, "
                "and exit"),
    TEXT_OPTION("--filter", "PATTERN", filter,
                "run only benchmarks whose name matches the glob PATTERN"),
    TEXT_OPTION("--json", "FILE", json_path,
                "write the results (samples, summary, metrics) as JSON"),
    TEXT_OPTION("--budget", "FILE", budget_path,
                "judge the results against a perfbudget.yml budget file"),
    TEXT_OPTION("--baseline", "SPEC", baseline_path,
                "compare with a result file (--json), or from the history a baseline name, "
                "latest, merge-base or run:ID; a regression fails"),
    PARSED_OPTION("--history", "FILE", parse_history, NULL,
                  "record the run in, and find baselines in, this history (default: "
                  "$PERFBUDGET_HISTORY, else the budget file's)"),
    PARSED_OPTION("--threshold", "PCT", parse_threshold, NULL,
                  "regression threshold (default: budget file, else 5%)"),
    PARSED_OPTION("--fail-on", "POLICY", parse_fail_on, NULL,
                  "regression (default), critical or never: what fails; the rest is reported as "
                  "warn (default: $PERFBUDGET_FAIL_ON, else the budget file's policy)"),
    FLAG_OPTION("--ctest", ctest, 1, "CTest output: verdict first, <CTestMeasurement> tags"),
    TEXT_OPTION("--session", "DIR", session_dir,
                "also write each result into DIR (perfbudget session)"),
    PARSED_OPTION("--timeout", "TIME", parse_timeout, NULL,
                  "with --ctest: stop the benchmarks after TIME (more than 0), a failure"),
    PARSED_OPTION("--rounds", "N", parse_rounds, NULL, "minimum number of samples (default 30)"),
    PARSED_OPTION("--min-time", "TIME", parse_min_time, NULL,
                  "keep sampling at least this long (default 100ms)"),
    PARSED_OPTION("--max-time", "TIME", parse_max_time, NULL,
                  "cap per benchmark, calibration included (default 2s)"),
    PARSED_OPTION("--warmup", "N|TIME", parse_warmup, NULL,
                  "warm-up iterations, or a duration such as 50ms (default 10ms)"),
    PARSED_FLAG("--no-counters", set_no_counters, "do not open hardware counters"),
    PARSED_FLAG("--speed-correction", set_speed_correction,
                "time a reference loop after each sample, so that comparisons divide out a "
                "change of the machine's speed"),
    PARSED_OPTION("--processes", "N", parse_processes, NULL,
                  "measure each benchmark in N fresh processes of this suite and pool them; the "
                  "judge sees the spread between the N"),
    PARSED_OPTION("--cpu", "N", parse_cpu, NULL, "pin measuring to CPU N (Linux)"),
    PARSED_OPTION("--mode", "time|instructions", parse_mode, "PERFBUDGET_MODE",
                  "judge wall time (default), or instructions per iteration only: counted by the "
                  "PMU, else under valgrind's callgrind, which the suite starts itself"),
};

static const perfbudget_frontend_command main_command = {
    .usage = "usage: %s [options]",
    .summary = "Run this suite's benchmarks and print a summary.",
    .options = main_option_table,
    .count = sizeof main_option_table / sizeof *main_option_table,
    .epilogue = "Exit status: 0 all benchmarks ran (and met their budgets), 1 a benchmark "
                "failed,\n2 usage error.\n"};

/* 0, 1 after --help or --version, 2 after a usage error. */
static int parse_args(perfbudget_context *ctx, int argc, char **argv, main_options *o) {
    memset(o, 0, sizeof *o);
    perfbudget_run_options_init(&o->run);
    o->threshold_pct = NAN;
    o->cpu = -1;
    perfbudget_measure_settings *given = &o->from_command_line;
    given->warmup_iterations = given->warmup_ns = given->rounds = given->min_time_ns =
        given->max_time_ns = given->speed_correction = -1;
    int code = perfbudget_frontend_parse_options(ctx, &main_command, argc, argv, o);
    if (code != 0) return code;
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
                        const perfbudget_budget *budget,
                        const perfbudget_frontend_verdict_options *o) {
    int worst = 0;
    for (size_t i = 0; i < count; i++) {
        if (defs[i].size_count == 0) continue;
        perfbudget_complexity_fit fit, base;
        int status = perfbudget_results_fit_complexity(ctx, results, ran, defs[i].name,
                                                       PERFBUDGET_COMPLEXITY_NONE, &fit);
        if (status == PERFBUDGET_ENOMEM) return 2;
        char shown[256];
        perfbudget_text_shown(defs[i].name, shown, sizeof shown);
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

/* A benchmark run with threads (perfbudget_benchmark_def.threads): its scaling judged against
 * the budget's scaling: and the verdict kept with the result, where the test report, the test
 * status and --json take it. Without a verdict to report, the scaling line goes under the
 * table's row. */
static void judge_scaling(perfbudget_context *ctx, perfbudget_result *r,
                          const perfbudget_budget *budget, int reported) {
    size_t count;
    const perfbudget_scaling_point *points = perfbudget_result_scaling(r, &count, NULL);
    if (count == 0) return;
    perfbudget_scaling_point copy[PERFBUDGET_THREAD_COUNTS_MAX + 1];
    memcpy(copy, points, count * sizeof *copy);
    perfbudget_scaling_verdict verdict;
    if (perfbudget_scaling_judge(ctx, budget, perfbudget_result_name(r), copy, count,
                                 &verdict) == PERFBUDGET_OK)
        perfbudget_result_set_scaling(r, copy, count, verdict.threads > 0 ? &verdict : NULL);
    char line[512];
    if (!reported) printf("  scaling: %s\n", perfbudget_scaling_describe(copy, count, line,
                                                                          sizeof line));
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
            perfbudget_text_shown(name, shown, sizeof shown),
            (double)(perfbudget_context_now_ns(line->ctx) - line->start_ns) / 1e9);
    if (rounds > 0) fprintf(stderr, ", %llu samples", (unsigned long long)rounds);
    fputs(")", stderr);
}

static perfbudget_run_options options_for(const main_options *o, const perfbudget_budget *budget,
                                          const char *name) {
    perfbudget_run_options run = o->run;
    perfbudget_effective_budget effective = {.struct_size = sizeof effective};
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
    if (perfbudget_counters_new(NULL, &counters) != PERFBUDGET_OK) return 1;
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
    perfbudget_process_adopt_orphans();
    perfbudget_frontend_interrupt interrupt;
    perfbudget_frontend_interrupt_watch(&interrupt);
    posix_spawnattr_t attributes; /* the child starts with our mask, not the interrupts blocked */
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setsigmask(&attributes, &interrupt.previous);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);
    char *extra[] = {(char *)marker, NULL};
    if (callgrind_prepare(&launch, argv, extra) == 0 &&
        callgrind_spawn(&launch, argv[0], &attributes, &pid) == 0) {
        char reason[256];
        code = perfbudget_process_supervise(pid, 0, interrupt.fd, marker, reason, sizeof reason);
        if (code == -2) {
            int caught = perfbudget_frontend_interrupt_caught(&interrupt);
            callgrind_release(&launch);
            perfbudget_frontend_interrupt_die(&interrupt, argv[0], caught ? caught : SIGTERM);
        }
        if (code < 0) {
            fprintf(stderr, "%s: the suite under valgrind: %s\n", argv[0], reason);
            code = 1;
        }
    }
    posix_spawnattr_destroy(&attributes);
    perfbudget_frontend_interrupt_stop(&interrupt);
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
    perfbudget_process_adopt_orphans();
    perfbudget_frontend_interrupt interrupt;
    perfbudget_frontend_interrupt_watch(&interrupt);
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
    if (error != 0) perfbudget_frontend_interrupt_stop(&interrupt);
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
    int code = perfbudget_process_supervise(pid, timeout_ns, interrupt.fd, marker, reason,
                                            sizeof reason);
    char byte;
    int concluded = read(done[0], &byte, 1) == 1; /* the child is gone: EOF at worst */
    close(done[0]);
    if (under_callgrind) callgrind_release(&launch);
    int interrupted_by = perfbudget_frontend_interrupt_caught(&interrupt);
    if (code == -2 || interrupted_by != 0)
        perfbudget_frontend_interrupt_die(&interrupt, argv[0],
                                          interrupted_by ? interrupted_by : SIGTERM);
    perfbudget_frontend_interrupt_stop(&interrupt);
    if (code >= 0 && concluded) {
        *exit_code = code;
        return 1;
    }
    if (code >= 0)
        snprintf(reason, sizeof reason, "exited with code %d", code);
    char message[300];
    snprintf(message, sizeof message, "%s while measuring", reason);
    perfbudget_result *failed = NULL;
    perfbudget_frontend_verdict_options verdict = {.threshold_pct = NAN, .ctest = 1,
                                           .session_dir = o->session_dir};
    if (perfbudget_result_new(ctx, o->filter ? o->filter : suite_name, NULL, 0, NULL,
                              PERFBUDGET_RUN_FAILED, message, &failed) != PERFBUDGET_OK ||
        perfbudget_frontend_conclude(ctx, argv[0], failed, &verdict, stdout) < 0)
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
    perfbudget_frontend_verdict_options verdict;
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
    const perfbudget_frontend_judging given = {
        .budget_path = o->budget_path, .fail_on = o->fail_on, .session_dir = o->session_dir,
        .history_option = o->history_path, .threshold_pct = o->threshold_pct, .ctest = o->ctest};
    if (perfbudget_frontend_prepare_verdict(run->ctx, run->argv[0], &given, &run->budget,
                                            &run->verdict, &o->history_path) != 0)
        return 2;
    /* perfbudget's own footprint must not differ between runs, or peak memory would compare
     * perfbudget with itself: whenever a history is in play, SQLite is loaded before measuring,
     * whether this run compares with a baseline or not. A history that can never be one (a
     * device, a directory, "") is refused before measuring. */
    if (o->history_path != NULL &&
        perfbudget_history_new(run->ctx, o->history_path, &run->resident) == PERFBUDGET_EINVAL) {
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
            char *shown = perfbudget_text_printable(run->names[i], 0);
            printf("%s\n", shown ? shown : "(out of memory)");
            free(shown);
        }
    return -1;
}

/* The widest selected name as shown; the table caps it (PERFBUDGET_NAME_COLUMNS). */
static int name_column_width(const suite_run *run) {
    int width = 9;
    for (size_t i = 0; i < run->total; i++) {
        const char *name = run->names[i];
        char *shown = selected(&run->o, name) ? perfbudget_text_printable(name, 0) : NULL;
        if (shown != NULL && perfbudget_text_columns(shown) > width)
            width = perfbudget_text_columns(shown);
        free(shown);
    }
    return width;
}

/* A benchmark that started processes and left them: a failure, said before its verdict would
 * claim a pass, and the processes killed. */
static void fail_if_processes_left(suite_run *run, const char *name) {
    if (!run->in_child || perfbudget_process_kill_marked(run->marker) <= 0) return;
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
 * (perfbudget_result_new_merged, as pytest's --perf-processes); a process that fails makes a
 * failed result. PERFBUDGET_OK, or an error in the context. */
static int measure_in_processes(suite_run *run, size_t i, perfbudget_result **out) {
    const char *name = run->names[i];
    size_t count = (size_t)run->o.processes;
    perfbudget_result **runs = calloc(count, sizeof *runs);
    if (runs == NULL) /* a failed result says so; the context has no message to carry */
        return perfbudget_result_new(run->ctx, name, NULL, 0, NULL, PERFBUDGET_RUN_FAILED,
                                     "out of memory", out);
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
            perfbudget_results_new_from_file(run->ctx, path, &loaded,
                                             &loaded_count) != PERFBUDGET_OK)
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
        code = perfbudget_result_new_merged(run->ctx, name, (const perfbudget_result *const *)runs,
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
        fprintf(stderr, "%s: %s: %s\n", run->argv[0], perfbudget_text_shown(name, shown,
                                                                            sizeof shown),
                perfbudget_errmsg(run->ctx));
        return -1;
    }
    fail_if_processes_left(run, name);
    perfbudget_result *r = run->results[run->ran++];
    /* The baseline is loaded once the first benchmark is measured, so that it is not in the
     * peak memory of that one: under CTest, the only one of its process. */
    if (!run->baseline_loaded) {
        run->baseline_loaded = 1;
        if (perfbudget_frontend_load_baseline(run->ctx, run->argv[0], run->o.baseline_path,
                                      run->o.history_path, &run->verdict) != 0)
            return -1;
    }
    if (!run->o.ctest) print_table(run->ctx, &r, 1, width, 0);
    int reported = run->o.ctest || run->budget != NULL || run->verdict.baseline != NULL ||
                   run->o.session_dir;
    judge_scaling(run->ctx, r, run->budget, reported);
    int judged = reported
                     ? perfbudget_frontend_conclude(run->ctx, run->argv[0], r, &run->verdict,
                                                    stdout)
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
        perfbudget_frontend_warn_unused_entries(run->budget, run->results, run->ran, "suite");
    return exit_code;
}

/* The results into the history and the --json file. */
static int save_run(suite_run *run, int exit_code) {
    const main_options *o = &run->o;
    if (run->ran == 0) return exit_code;
    /* A suite run on its own is a run of the history; under CTest the session records it. */
    if (exit_code != 2 && exit_code != -1 && o->session_dir == NULL && !o->ctest &&
        perfbudget_frontend_record_run(run->ctx, run->argv[0], o->history_path, "suite",
                                       run->results,
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
    perfbudget_history_free(run->resident);
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

/* perfbudget::alloc_hook defines it when the executable links it; else the weak reference is
 * NULL and allocations per call are n/a. */
#if defined(__GNUC__) || defined(__clang__)
extern int perfbudget_alloc_hook_read(void *userdata, uint64_t *count) __attribute__((weak));
#define LINKED_ALLOC_HOOK perfbudget_alloc_hook_read
#else
#define LINKED_ALLOC_HOOK NULL
#endif

/* The suite's benchmarks, their names, the allocation hook and the options. Returns 0, -1 when
 * done (after --help or --version) or 2. */
static int set_up_run(suite_run *run, int argc, char **argv) {
    int exit_code = add_benchmarks(run);
    perfbudget_alloc_counter_fn hook = LINKED_ALLOC_HOOK;
    if (hook != NULL) perfbudget_suite_set_alloc_counter(run->suite, hook, NULL);
    if (name_benchmarks(run) != 0 && exit_code == 0) {
        fprintf(stderr, "%s: out of memory\n", argv[0]);
        exit_code = 2;
    }
    if (exit_code == 0) {
        int parsed = parse_args(run->ctx, argc, argv, &run->o);
        if (parsed != 0) exit_code = parsed == 1 ? -1 : 2;
    }
    return exit_code;
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
    int exit_code = set_up_run(&run, argc, argv);
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
    /* Under CTest the session's cleanup sends the alerts of the whole ctest run. */
    if ((exit_code == 0 || exit_code == 1) && o->session_dir == NULL && !o->ctest)
        perfbudget_frontend_send_alerts(run.ctx, argv[0], run.budget, run.results, run.ran);
    release_run(&run);
    return exit_status(&run, exit_code);
}
