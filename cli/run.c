/* SPDX-License-Identifier: MIT */
/* perfbudget run [options] -- CMD [ARGS...]: time a whole command, or import what an existing
 * benchmark tool wrote, and judge it. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static int parse_count(const char *text, uint32_t *out) {
    uint64_t value;
    if (cli_parse_count(text, 1000000, &value) != 0) return -1;
    *out = (uint32_t)value;
    return 0;
}

/* What the command line says. */
typedef struct run_args {
    cli_common common;
    perfbudget_command_options command;
    const char *name, *format, *output, *identity, *judged_time;
    int runs_given, warmup_given;
    uint32_t processes; /* --processes; 0: not given (1) */
    int cpu;            /* --cpu; -1: not given */
    perfbudget_frontend_rest rest; /* after --: the command, NULL-terminated */
    char **cmd;
    char default_name[256];
} run_args;

static int parse_warmup(perfbudget_context *ctx, void *record, const char *value,
                        const char *from, const char *program) {
    (void)ctx, (void)from, (void)program;
    run_args *a = record;
    a->warmup_given = 1;
    return parse_count(value, &a->command.warmup_runs);
}

static int parse_runs(perfbudget_context *ctx, void *record, const char *value,
                      const char *from, const char *program) {
    (void)ctx, (void)from, (void)program;
    run_args *a = record;
    a->runs_given = 1;
    return parse_count(value, &a->command.runs) != 0 || a->command.runs == 0 ? -1 : 0;
}

static int parse_timeout(perfbudget_context *ctx, void *record, const char *value,
                         const char *from, const char *program) {
    (void)ctx, (void)from;
    run_args *a = record;
    if (cli_parse_time(value, &a->command.timeout_ns) != 0) return -1;
    if (a->command.timeout_ns > 0) return 0;
    fprintf(stderr, "%s: --timeout must be more than 0 (a run without a limit is not offered: a "
                    "hang would block forever)\n", program);
    return 2;
}

static int parse_processes(perfbudget_context *ctx, void *record, const char *value,
                           const char *from, const char *program) {
    (void)ctx, (void)from, (void)program;
    run_args *a = record;
    return parse_count(value, &a->processes) || a->processes == 0 || a->processes > 1000 ? -1 : 0;
}

static int parse_cpu(perfbudget_context *ctx, void *record, const char *value, const char *from,
                     const char *program) {
    (void)ctx, (void)from, (void)program;
    uint32_t cpu = 0;
    if (parse_count(value, &cpu) != 0 || cpu > 65535) return -1;
    ((run_args *)record)->cpu = (int)cpu;
    return 0;
}

static int parse_time_kind(perfbudget_context *ctx, void *record, const char *value,
                           const char *from, const char *program) {
    (void)ctx, (void)from, (void)program;
    ((run_args *)record)->judged_time = value;
    return strcmp(value, "real") != 0 && strcmp(value, "cpu") != 0 ? -1 : 0;
}

/* Before --: the command always comes after it. */
static int refuse_positional(perfbudget_context *ctx, void *record, const char *value,
                             const char *from, const char *program) {
    (void)ctx, (void)record, (void)from;
    fprintf(stderr, "%s: unexpected argument '%s': the command goes after -- (perfbudget run "
                    "[options] -- CMD...)\n", program, value);
    return 2;
}

#define RUN_TEXT(name, value, field, help)                                                        \
    PERFBUDGET_FRONTEND_TEXT_ROW(name, value, run_args, field, help)
#define RUN_PARSED(name, value, parse, help)                                                      \
    PERFBUDGET_FRONTEND_PARSED_ROW(name, value, parse, NULL, help)

static const perfbudget_frontend_option run_options[] = {
    RUN_TEXT("--name", "NAME", name, "benchmark name (default: the command's base name)"),
    RUN_PARSED("--warmup", "N", parse_warmup, "warm-up runs, not measured (default 1)"),
    RUN_PARSED("--runs", "N", parse_runs, "measured runs (default 10)"),
    RUN_PARSED("--timeout", "TIME", parse_timeout,
               "per run, e.g. 30s (default 60s; must be more than 0); the run is killed with "
               "what it started and the test fails"),
    PERFBUDGET_FRONTEND_FLAG_ROW("--shell", run_args, command.use_shell, 1,
                                 "run CMD as a command line through /bin/sh -c"),
    RUN_PARSED("--processes", "N", parse_processes,
               "measure N times over (warm-up and runs each time) and pool them; the judge sees "
               "the spread between the N (default 1)"),
    RUN_PARSED("--cpu", "N", parse_cpu, "pin CMD to CPU N (Linux)"),
    RUN_TEXT("--cwd", "DIR", command.working_directory,
             "run CMD in DIR (an error if DIR is not a directory)"),
    RUN_TEXT("--bench-version", "V", identity,
             "version of the benchmarked code: results of another version start a new series "
             "and are never compared"),
    RUN_TEXT("--format", "FORMAT", format,
             "google-benchmark, nanobench or hyperfine: CMD writes that tool's JSON; import its "
             "results instead of timing CMD"),
    RUN_TEXT("--output", "FILE", output,
             "where CMD writes that JSON (default: its standard output)"),
    RUN_PARSED("--time", "real|cpu", parse_time_kind,
               "with --format google-benchmark: judge real_time (default) or cpu_time"),
};

static const perfbudget_frontend_option_group run_groups[] = {
    {cli_judging_options, CLI_JUDGING_OPTIONS, offsetof(run_args, common)},
};

static const perfbudget_frontend_command run_command = {
    .program = "perfbudget run",
    .usage = "usage: %s [options] -- CMD [ARGS...]",
    .summary = "Time a command over repeated runs (like hyperfine) and judge it.",
    .options = run_options,
    .count = PERFBUDGET_FRONTEND_COUNT(run_options),
    .groups = run_groups,
    .group_count = PERFBUDGET_FRONTEND_COUNT(run_groups),
    .positional = refuse_positional,
    .takes_rest = 1,
    .rest = offsetof(run_args, rest),
    .bare_names = 1,
    .epilogue = "SIGINT, SIGTERM or SIGHUP kills CMD with everything it started, records nothing\n"
                "and ends perfbudget by the same signal (exit status 128 + the signal).\n"
                "Exit status: 0 pass (or skipped), 1 failed, 2 usage or input error.\n",
};

/* The command after the options, checked against them; its name. */
static int take_command(run_args *a) {
    if (a->rest.argc == 0) {
        fprintf(stderr, "perfbudget run: no command; usage: perfbudget run [options] -- CMD...\n");
        return 2;
    }
    a->cmd = a->rest.argv;
    if (a->judged_time != NULL && strcmp(a->judged_time, "cpu") == 0) {
        if (a->format == NULL || strcmp(a->format, "google-benchmark") != 0) {
            fprintf(stderr, "perfbudget run: --time cpu needs --format google-benchmark\n");
            return 2;
        }
        a->format = "google-benchmark-cpu"; /* the importer's name for cpu_time */
    }
    if (a->command.use_shell && a->rest.argc != 1) {
        fprintf(stderr, "perfbudget run: with --shell, give the command line as one argument\n");
        return 2;
    }
    if (a->name == NULL) {
        const char *slash = strrchr(a->cmd[0], '/');
        snprintf(a->default_name, sizeof a->default_name, "%s", slash ? slash + 1 : a->cmd[0]);
        a->name = a->default_name;
    }
    return 0;
}

/* 0 to go on, -1 after --help (exit status 0), 2 after printing a usage error. */
static int parse_run_args(int argc, char **argv, run_args *a) {
    cli_common_init(&a->common);
    perfbudget_command_options_init(&a->command);
    a->cpu = -1;
    int parsed = cli_parse(&run_command, argc, argv, a);
    if (parsed != 0) return parsed == 1 ? -1 : 2;
    return take_command(a);
}

/* The budget file's rounds and warm-up count apply unless given here. */
static void apply_budget_counts(run_args *a) {
    const cli_common *common = &a->common;
    perfbudget_effective_budget effective = {.struct_size = sizeof effective};
    if (common->budget == NULL ||
        perfbudget_budget_resolve(common->budget,
                                  common->budget_name ? common->budget_name : a->name,
                                  &effective) != PERFBUDGET_OK)
        return;
    if (!a->runs_given && effective.measure.rounds > 0)
        a->command.runs = (uint32_t)effective.measure.rounds;
    if (!a->warmup_given && effective.measure.warmup_iterations >= 0)
        a->command.warmup_runs = (uint32_t)effective.measure.warmup_iterations;
}

/* Times the command, or imports what it wrote with --format; 0, or 2 after printing why not
 * (nothing printed when it was interrupted). */
static int measure_once(perfbudget_context *ctx, run_args *a, perfbudget_result ***results,
                           size_t *count) {
    if (a->format != NULL)
        return cli_import(ctx, a->name, a->cmd, &a->command, a->format, a->output, results,
                          count);
    *results = calloc(1, sizeof **results);
    int code = *results == NULL ? PERFBUDGET_ENOMEM
                                : perfbudget_command_measure(ctx, a->name, a->cmd, &a->command,
                                                             &(*results)[0]);
    if (code != PERFBUDGET_OK) {
        if (code != PERFBUDGET_EINTERRUPTED)
            fprintf(stderr, "perfbudget run: %s\n", perfbudget_errmsg(ctx));
        return 2;
    }
    *count = 1;
    return 0;
}

/* Each result of a later process merged into the first's (perfbudget_result_new_merged), matched
 * by name; 0, or 2 after printing why not. parts[p] holds count results of process p. */
static int merge_processes(perfbudget_context *ctx, perfbudget_result ***parts, uint32_t processes,
                           size_t count, perfbudget_result **merged) {
    const perfbudget_result **runs = calloc(processes, sizeof *runs);
    int code = runs == NULL ? 2 : 0;
    for (size_t r = 0; code == 0 && r < count; r++) {
        const char *name = perfbudget_result_name(parts[0][r]);
        runs[0] = parts[0][r];
        for (uint32_t p = 1; code == 0 && p < processes; p++) {
            runs[p] = NULL;
            for (size_t k = 0; k < count; k++)
                if (strcmp(perfbudget_result_name(parts[p][k]), name) == 0) runs[p] = parts[p][k];
            if (runs[p] == NULL) {
                fprintf(stderr, "perfbudget run: process %u of %u did not measure %s\n",
                        (unsigned)p + 1, (unsigned)processes, name);
                code = 2;
            }
        }
        if (code == 0 &&
            perfbudget_result_new_merged(ctx, name, runs, processes, &merged[r]) != PERFBUDGET_OK) {
            fprintf(stderr, "perfbudget run: %s\n", perfbudget_errmsg(ctx));
            code = 2;
        }
    }
    free(runs);
    return code;
}

/* Measures as often as --processes says (once by default), pinned to --cpu if given, and
 * pools the measurements; 0, or 2 after printing why not. */
static int measure_command(perfbudget_context *ctx, run_args *a, perfbudget_result ***results,
                           size_t *count) {
    perfbudget_cpu_affinity *previous = NULL;
    if (a->cpu >= 0 && perfbudget_cpu_pin(ctx, a->cpu, &previous) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget run: %s\n", perfbudget_errmsg(ctx));
        return 2;
    }
    uint32_t processes = a->processes > 1 ? a->processes : 1;
    perfbudget_result ***parts = calloc(processes, sizeof *parts);
    size_t *counts = calloc(processes, sizeof *counts);
    int code = parts == NULL || counts == NULL ? 2 : 0;
    for (uint32_t p = 0; code == 0 && p < processes; p++) {
        code = measure_once(ctx, a, &parts[p], &counts[p]);
        if (code == 0 && counts[p] != counts[0]) {
            fprintf(stderr, "perfbudget run: process %u of %u measured %zu benchmarks, the "
                            "first %zu\n", (unsigned)p + 1, (unsigned)processes, counts[p],
                    counts[0]);
            code = 2;
        }
    }
    perfbudget_cpu_restore(previous);
    if (code == 0 && processes == 1) {
        *results = parts[0], *count = counts[0];
        parts[0] = NULL, counts[0] = 0;
    } else if (code == 0) {
        *results = calloc(counts[0] ? counts[0] : 1, sizeof **results);
        code = *results == NULL ? 2 : merge_processes(ctx, parts, processes, counts[0], *results);
        *count = counts[0];
    }
    for (uint32_t p = 0; parts != NULL && p < processes; p++)
        perfbudget_results_free(parts[p], counts[p]);
    free(parts), free(counts);
    return code;
}

/* A command built in this project (add_perf_test sets PERFBUDGET_COMMAND_BUILT) in a Debug or
 * unnamed configuration, which has no -O unless the flags add one: said after the verdict,
 * whose first line IDEs show. */
static void warn_if_built_unoptimized(const char *command) {
    const char *built = getenv("PERFBUDGET_COMMAND_BUILT");
    const char *build_type = getenv("PERFBUDGET_BUILD_TYPE");
    if (built == NULL || strcmp(built, "1") != 0 || build_type == NULL ||
        (build_type[0] != '\0' && strcmp(build_type, "Debug") != 0))
        return;
    const char *program = strrchr(command, '/') ? strrchr(command, '/') + 1 : command;
    char shown[256];
    printf("***WARNING*** %s was built %s: its timings are not those of the code as shipped "
           "(configure with -DCMAKE_BUILD_TYPE=Release)\n",
           perfbudget_text_shown(program, shown, sizeof shown),
           build_type[0] == '\0' ? "without a build type (CMAKE_BUILD_TYPE empty: no -O "
                                   "unless the flags add one)"
                                 : "as Debug");
}

/* After measuring: the baseline, the verdicts, the history and the alerts. Returns the exit
 * status. */
static int judge_and_record(perfbudget_context *ctx, cli_common *common, const run_args *a,
                            perfbudget_result **results, size_t count) {
    int exit_code = cli_common_load_baseline(ctx, common);
    for (size_t r = 0; exit_code == 0 && a->identity != NULL && r < count; r++)
        if (perfbudget_result_set_identity(results[r], a->identity) != PERFBUDGET_OK) exit_code = 2;
    if (exit_code == 0) exit_code = cli_conclude(ctx, common, results, count, "command");
    if (exit_code != 2) warn_if_built_unoptimized(a->cmd[0]);
    /* Under CTest the session's cleanup records the whole ctest run as one run. */
    if (exit_code != 2 && common->session_dir == NULL &&
        perfbudget_frontend_record_run(ctx, "perfbudget", common->history, "cli", results,
                                       count) != 0)
        exit_code = 2;
    if ((exit_code == 0 || exit_code == 1) && common->session_dir == NULL)
        perfbudget_frontend_send_alerts(ctx, "perfbudget", common->budget, results, count);
    return exit_code;
}

int perfbudget_cli_run(int argc, char **argv) {
    run_args a;
    memset(&a, 0, sizeof a);
    int parsed = parse_run_args(argc, argv, &a);
    cli_common *common = &a.common;
    if (parsed != 0) return parsed < 0 ? 0 : parsed;
    perfbudget_context *ctx;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) return 2;
    /* Refused before the command runs, not after (the result's constructor refuses it too). */
    if (perfbudget_text_check_name(ctx, "benchmark name", a.name) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget run: %s\n", perfbudget_errmsg(ctx));
        perfbudget_context_free(ctx);
        return 2;
    }
    /* Without --budget, the project's perfbudget.yml, found as report and history find it;
     * under CTest the CMake arguments say which budget applies, if any. */
    char found_budget[4200], found_history[4200];
    if (common->budget_path == NULL && !common->ctest &&
        cli_discover(found_budget, sizeof found_budget, found_history, sizeof found_history) == 1)
        common->budget_path = found_budget;
    /* What the command leaves behind is re-parented to us, not to init, and killed below. */
    perfbudget_process_adopt_orphans();
    /* The baseline is loaded after measuring: the kernel counts the resident set of the process
     * that starts a command into the command's peak memory (exec records the old address
     * space's high-water mark), so it would read higher with a baseline than without. */
    int exit_code = cli_common_load_budget(ctx, common);
    perfbudget_result **results = NULL;
    size_t count = 0;
    /* The kernel counts the parent's resident set into a spawned command's peak memory (exec
     * records the old address space's high-water mark), so perfbudget's own footprint must be
     * the same in every run: SQLite is loaded before measuring whenever a history is known. */
    perfbudget_history *resident = NULL;
    /* A history that can never be one (a device, a directory) is refused before measuring. */
    if (exit_code == 0 && common->history != NULL &&
        perfbudget_history_new(ctx, common->history, &resident) == PERFBUDGET_EINVAL) {
        fprintf(stderr, "perfbudget run: %s\n", perfbudget_errmsg(ctx));
        exit_code = 2;
    }
    if (exit_code == 0) apply_budget_counts(&a);
    /* An interrupt while the command runs kills it (the core polls interrupt.fd); then nothing
     * is judged or recorded and perfbudget ends by that signal. */
    perfbudget_frontend_interrupt interrupt;
    perfbudget_frontend_interrupt_watch(&interrupt);
    a.command.cancel_fd = interrupt.fd;
    if (exit_code == 0) exit_code = measure_command(ctx, &a, &results, &count);
    perfbudget_process_kill_adopted();
    int interrupted_by = perfbudget_frontend_interrupt_caught(&interrupt);
    if (interrupted_by != 0) {
        perfbudget_history_free(resident);
        perfbudget_results_free(results, count);
        cli_common_release(common);
        perfbudget_context_free(ctx);
        perfbudget_frontend_interrupt_die(&interrupt, "perfbudget run", interrupted_by);
    }
    perfbudget_frontend_interrupt_stop(&interrupt);
    if (exit_code == 0) exit_code = judge_and_record(ctx, common, &a, results, count);
    perfbudget_history_free(resident);
    perfbudget_results_free(results, count);
    cli_common_release(common);
    perfbudget_context_free(ctx);
    return exit_code;
}
