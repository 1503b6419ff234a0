/* SPDX-License-Identifier: MIT */
/* perfbudget run [options] -- CMD [ARGS...]: time a whole command, or import what an existing
 * benchmark tool wrote, and judge it. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: perfbudget run [options] -- CMD [ARGS...]\n"
            "Time a command over repeated runs (like hyperfine) and judge it.\n\n"
            "  --name NAME          benchmark name (default: the command's base name)\n"
            "  --budget FILE        budget file; the entry is found by --budget-name or NAME\n"
            "                       (default: perfbudget.yml here or in the nearest parent)\n"
            "  --budget-name NAME   budget entry name to use instead of NAME\n"
            "  --warmup N           warm-up runs, not measured (default 1)\n"
            "  --runs N             measured runs (default 10)\n"
            "  --timeout TIME       per run, e.g. 30s (default 60s; must be more than 0);\n"
            "                       the run is killed with what it started and the test fails\n"
            "  --shell              run CMD as a command line through /bin/sh -c\n"
            "  --processes N        measure N times over (warm-up and runs each time) and pool\n"
            "                       them; the judge sees the spread between the N (default 1)\n"
            "  --cpu N              pin CMD to CPU N (Linux)\n"
            "  --cwd DIR            run CMD in DIR (an error if DIR is not a directory)\n"
            "  --bench-version V    version of the benchmarked code: results of another\n"
            "                       version start a new series and are never compared\n"
            "  --baseline SPEC      compare with a result file, or from the history a baseline\n"
            "                       name, latest, merge-base, run:ID; a regression fails\n"
            "  --history FILE       the history to record the run in and find baselines in\n"
            "                       (default: $PERFBUDGET_HISTORY, else the budget file's)\n"
            "  --force              compare with a baseline from another environment\n"
            "  --threshold PCT      regression threshold (default: budget file, else 5%%)\n"
            "  --fail-on POLICY     regression (default), critical or never: what fails; the\n"
            "                       rest is reported as warn (default: $PERFBUDGET_FAIL_ON,\n"
            "                       else the budget file's policy)\n"
            "  --format FORMAT      google-benchmark, nanobench or hyperfine: CMD writes that\n"
            "                       tool's JSON; import its results instead of timing CMD\n"
            "  --output FILE        where CMD writes that JSON (default: its standard output)\n"
            "  --time real|cpu      with --format google-benchmark: judge real_time (default)\n"
            "                       or cpu_time\n"
            "  --json FILE          write the result file\n"
            "  --ctest              CTest output: verdict first, <CTestMeasurement> tags\n"
            "  --session DIR        also write the result into DIR (perfbudget session)\n\n"
            "SIGINT, SIGTERM or SIGHUP kills CMD with everything it started, records nothing\n"
            "and ends perfbudget by the same signal (exit status 128 + the signal).\n"
            "Exit status: 0 pass (or skipped), 1 failed, 2 usage or input error.\n");
}

static int parse_count(const char *text, uint32_t *out) {
    uint64_t value;
    if (cli_parse_count(text, 1000000, &value) != 0) return -1;
    *out = (uint32_t)value;
    return 0;
}

/* What the command line says, apart from the options every command shares. */
typedef struct run_args {
    perfbudget_command_options command;
    const char *name, *format, *output, *identity, *judged_time;
    int runs_given, warmup_given;
    uint32_t processes; /* --processes; 0: not given (1) */
    int cpu;            /* --cpu; -1: not given */
    char **cmd; /* the command after --, NULL-terminated */
    char default_name[256];
} run_args;

/* One of run's own options that takes a value; 0, or 2 after printing why not. */
static int run_option(run_args *a, const char *arg, const char *value) {
    int bad = 0;
    if (strcmp(arg, "--name") == 0) a->name = value;
    else if (strcmp(arg, "--warmup") == 0)
        bad = parse_count(value, &a->command.warmup_runs), a->warmup_given = 1;
    else if (strcmp(arg, "--runs") == 0)
        bad = parse_count(value, &a->command.runs) || a->command.runs == 0, a->runs_given = 1;
    else if (strcmp(arg, "--bench-version") == 0) a->identity = value;
    else if (strcmp(arg, "--timeout") == 0) {
        bad = cli_parse_time(value, &a->command.timeout_ns);
        if (!bad && a->command.timeout_ns == 0) {
            fprintf(stderr, "perfbudget run: --timeout must be more than 0 (a run without a "
                            "limit is not offered: a hang would block forever)\n");
            return 2;
        }
    }
    else if (strcmp(arg, "--cwd") == 0) a->command.working_directory = value;
    else if (strcmp(arg, "--processes") == 0)
        bad = parse_count(value, &a->processes) || a->processes == 0 || a->processes > 1000;
    else if (strcmp(arg, "--cpu") == 0) {
        uint32_t cpu = 0;
        bad = parse_count(value, &cpu) || cpu > 65535;
        a->cpu = (int)cpu;
    }
    else if (strcmp(arg, "--format") == 0) a->format = value;
    else if (strcmp(arg, "--output") == 0) a->output = value;
    else if (strcmp(arg, "--time") == 0)
        bad = strcmp(value, "real") != 0 && strcmp(value, "cpu") != 0, a->judged_time = value;
    else {
        fprintf(stderr, "perfbudget run: unknown option %s (see --help)\n", arg);
        return 2;
    }
    if (bad) {
        fprintf(stderr, "perfbudget run: invalid value '%s' for %s\n", value, arg);
        return 2;
    }
    return 0;
}

/* The command after the options (at argv[first], the "--"), checked against them; its name. */
static int take_command(int argc, char **argv, int first, run_args *a) {
    if (first + 1 >= argc) {
        fprintf(stderr, "perfbudget run: no command; usage: perfbudget run [options] -- CMD...\n");
        return 2;
    }
    a->cmd = argv + first + 1;
    if (a->judged_time != NULL && strcmp(a->judged_time, "cpu") == 0) {
        if (a->format == NULL || strcmp(a->format, "google-benchmark") != 0) {
            fprintf(stderr, "perfbudget run: --time cpu needs --format google-benchmark\n");
            return 2;
        }
        a->format = "google-benchmark-cpu"; /* the importer's name for cpu_time */
    }
    if (a->command.use_shell && argc - first - 1 != 1) {
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
static int parse_run_args(int argc, char **argv, cli_common *common, run_args *a) {
    perfbudget_command_options_init(&a->command);
    a->cpu = -1;
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *arg = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        int used = cli_common_option(common, arg, value);
        if (used < 0) return 2;
        if (used > 0) {
            i += used - 1;
            continue;
        }
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return -1;
        }
        if (strcmp(arg, "--shell") == 0) {
            a->command.use_shell = 1;
            continue;
        }
        if (value == NULL) {
            fprintf(stderr, "perfbudget run: unknown option or missing value: %s\n", arg);
            return 2;
        }
        if (run_option(a, arg, value) != 0) return 2;
        i++;
    }
    return take_command(argc, argv, i, a);
}

/* The budget file's rounds and warm-up count apply unless given here. */
static void apply_budget_counts(const cli_common *common, run_args *a) {
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
    cli_common common;
    cli_common_init(&common);
    run_args a = {0};
    int parsed = parse_run_args(argc, argv, &common, &a);
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
    if (common.budget_path == NULL && !common.ctest &&
        cli_discover(found_budget, sizeof found_budget, found_history, sizeof found_history) == 1)
        common.budget_path = found_budget;
    /* What the command leaves behind is re-parented to us, not to init, and killed below. */
    perfbudget_process_adopt_orphans();
    /* The baseline is loaded after measuring: the kernel counts the resident set of the process
     * that starts a command into the command's peak memory (exec records the old address
     * space's high-water mark), so it would read higher with a baseline than without. */
    int exit_code = cli_common_load_budget(ctx, &common);
    perfbudget_result **results = NULL;
    size_t count = 0;
    /* The kernel counts the parent's resident set into a spawned command's peak memory (exec
     * records the old address space's high-water mark), so perfbudget's own footprint must be
     * the same in every run: SQLite is loaded before measuring whenever a history is known. */
    perfbudget_history *resident = NULL;
    /* A history that can never be one (a device, a directory) is refused before measuring. */
    if (exit_code == 0 && common.history != NULL &&
        perfbudget_history_new(ctx, common.history, &resident) == PERFBUDGET_EINVAL) {
        fprintf(stderr, "perfbudget run: %s\n", perfbudget_errmsg(ctx));
        exit_code = 2;
    }
    if (exit_code == 0) apply_budget_counts(&common, &a);
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
        cli_common_release(&common);
        perfbudget_context_free(ctx);
        perfbudget_frontend_interrupt_die(&interrupt, "perfbudget run", interrupted_by);
    }
    perfbudget_frontend_interrupt_stop(&interrupt);
    if (exit_code == 0) exit_code = judge_and_record(ctx, &common, &a, results, count);
    perfbudget_history_free(resident);
    perfbudget_results_free(results, count);
    cli_common_release(&common);
    perfbudget_context_free(ctx);
    return exit_code;
}
