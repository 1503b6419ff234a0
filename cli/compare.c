/* SPDX-License-Identifier: MIT */
/* perfbudget compare --interleave: a baseline and a candidate measured alternately, either the
 * benchmarks of two suite modules in this process (batch by batch) or two commands (run by
 * run), judged by the paired test. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <errno.h>
#include <fnmatch.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

typedef struct options {
    const char *module[2];
    size_t modules;
    const char *command[2];
    const char *filter, *json_path, *name;
    double threshold_pct;
    int interleave;
    perfbudget_interleave_options interleave_options;
} options;

static int take_module(perfbudget_context *ctx, void *record, const char *value,
                       const char *from, const char *program) {
    (void)ctx, (void)from, (void)program;
    options *o = record;
    if (o->modules == 2) return -1;
    o->module[o->modules++] = value;
    return 0;
}

static int parse_seconds(perfbudget_context *ctx, void *record, const char *value,
                         const char *from, const char *program) {
    (void)ctx, (void)from, (void)program;
    uint64_t *budget = &((options *)record)->interleave_options.time_budget_ns;
    return cli_parse_time(value, budget) != 0 || *budget == 0 ? -1 : 0;
}

static int parse_pairs(perfbudget_context *ctx, void *record, const char *value,
                       const char *from, const char *program) {
    (void)ctx, (void)from, (void)program;
    uint64_t pairs = 0;
    if (cli_parse_count(value, UINT64_MAX, &pairs) != 0 || pairs == 0) return -1;
    ((options *)record)->interleave_options.max_pairs = pairs;
    return 0;
}

/* From --threshold, or else from $PERFBUDGET_THRESHOLD, as every other command takes it. */
static int parse_threshold(perfbudget_context *ctx, void *record, const char *value,
                           const char *from, const char *program) {
    (void)ctx;
    options *o = record;
    o->threshold_pct = perfbudget_frontend_parse_percent(value);
    if (o->threshold_pct >= 0) return 0;
    if (from[0] == '-') return -1;
    fprintf(stderr, "%s: invalid %s '%s' (a percentage such as 5)\n", program, from, value);
    return 2;
}

#define COMPARE_TEXT(name, value, field, help)                                                    \
    PERFBUDGET_FRONTEND_TEXT_ROW(name, value, options, field, help)

static const perfbudget_frontend_option compare_options[] = {
    PERFBUDGET_FRONTEND_FLAG_ROW("--interleave", options, interleave, 1,
                                 "measure the two sides alternately (the only comparison "
                                 "offered; for result files: perfbudget check RESULT --baseline "
                                 "FILE)"),
    COMPARE_TEXT("--baseline-command", "CMD", command[0], "the baseline command line"),
    COMPARE_TEXT("--candidate-command", "CMD", command[1], "the candidate command line"),
    COMPARE_TEXT("--name", "NAME", name, "with commands: the benchmark's name (default command)"),
    COMPARE_TEXT("--filter", "PATTERN", filter,
                 "only benchmarks whose name matches the glob PATTERN"),
    PERFBUDGET_FRONTEND_PARSED_ROW("--seconds", "S", parse_seconds, NULL,
                                   "measuring time per benchmark, both sides together (default "
                                   "2)"),
    PERFBUDGET_FRONTEND_PARSED_ROW("--pairs", "N", parse_pairs, NULL,
                                   "stop after N pairs (default: when the time is spent)"),
    PERFBUDGET_FRONTEND_PARSED_ROW("--threshold", "PCT", parse_threshold, "PERFBUDGET_THRESHOLD",
                                   "a regression must exceed it (default 5; never below the 0.5 "
                                   "floor)"),
    COMPARE_TEXT("--json", "FILE", json_path, "write the pairs and the verdicts as JSON"),
};

static const perfbudget_frontend_command compare_command = {
    .program = "perfbudget compare",
    .usage = "usage: perfbudget compare --interleave BASELINE.so CANDIDATE.so [--filter PATTERN]\n"
             "                          [--seconds S] [--pairs N] [--threshold PCT] [--json FILE]\n"
             "       perfbudget compare --interleave --baseline-command CMD --candidate-command "
             "CMD\n"
             "                          [--name NAME] [--seconds S] [--pairs N] [--threshold PCT]\n"
             "                          [--json FILE]",
    .summary = "Measure a baseline and a candidate alternately and judge the pairs (Wilcoxon\n"
               "signed-rank test on the ratios). With two suite modules (add_perf_suite_module),\n"
               "each benchmark both define runs in this process, one batch of each in turn; with\n"
               "two commands (run by /bin/sh -c), one whole run of each in turn.",
    .options = compare_options,
    .count = PERFBUDGET_FRONTEND_COUNT(compare_options),
    .positional = take_module,
    .bare_names = 1,
    .epilogue = "With commands, SIGINT, SIGTERM or SIGHUP kills the running one with everything it\n"
                "started, writes nothing and ends perfbudget by the same signal (status 128 + it).\n"
                "Exit status: 0 pass, 1 a regression (or a failing benchmark), 2 usage or input "
                "error.\n",
};

/* What was given makes a comparison: 0, or 2 after printing why not. */
static int check_sides(const options *o) {
    if (!o->interleave) {
        fprintf(stderr, "perfbudget compare: only --interleave comparisons are supported; "
                        "see --help (for result files: perfbudget check RESULT --baseline FILE)\n");
        return 2;
    }
    int commands = o->command[0] != NULL || o->command[1] != NULL;
    if (commands && (o->modules > 0 || o->command[0] == NULL || o->command[1] == NULL)) {
        fprintf(stderr, "perfbudget compare: give both --baseline-command and "
                        "--candidate-command, and no modules\n");
        return 2;
    }
    if (!commands && o->modules != 2) {
        fprintf(stderr, "perfbudget compare: give two suite modules, BASELINE.so and "
                        "CANDIDATE.so (see --help)\n");
        return 2;
    }
    return 0;
}

/* -1 to go on, else the exit status (0 after --help). */
static int parse(int argc, char **argv, options *o) {
    memset(o, 0, sizeof *o);
    o->threshold_pct = 5.0;
    perfbudget_interleave_options_init(&o->interleave_options);
    int parsed = cli_parse(&compare_command, argc, argv, o);
    if (parsed != 0) return parsed == 1 ? 0 : 2;
    if (check_sides(o) != 0) return 2;
    perfbudget_interleave_options *interleave = &o->interleave_options;
    if (interleave->max_pairs != 0 && interleave->max_pairs < interleave->min_pairs)
        interleave->min_pairs = (uint32_t)interleave->max_pairs;
    return -1;
}

/* ---- loading a suite module -------------------------------------------------------------------- */

/* dlopen() a module: 0, or 2 after printing why, naming the file. */
static int load_module(const char *role, const char *path, void **handle,
                       const perfbudget_suite_module_info **info) {
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "perfbudget compare: cannot read the %s module %s: %s\n", role, path,
                strerror(errno));
        return 2;
    }
    /* Without a slash dlopen() would search the library path instead of opening this file. */
    char local[4096];
    if (strchr(path, '/') == NULL) {
        snprintf(local, sizeof local, "./%s", path);
        path = local;
    }
    *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (*handle == NULL) {
        const char *why = dlerror();
        fprintf(stderr, "perfbudget compare: cannot load the %s module %s: %s\n", role, path,
                why ? why : "unknown error");
        return 2;
    }
    perfbudget_suite_entry_fn entry;
    void *symbol = dlsym(*handle, PERFBUDGET_SUITE_ENTRY_SYMBOL);
    memcpy(&entry, &symbol, sizeof entry); /* ISO C has no cast from void * to a function */
    if (symbol == NULL) {
        fprintf(stderr,
                "perfbudget compare: %s is not a perfbudget suite module (it has no %s(); build "
                "it with add_perf_suite_module() from a source using PERFBUDGET_SUITE_MAIN)\n",
                path, PERFBUDGET_SUITE_ENTRY_SYMBOL);
        return 2;
    }
    *info = entry();
    if (*info == NULL || (*info)->abi_version != PERFBUDGET_SUITE_ABI_VERSION ||
        (*info)->def_size != sizeof(perfbudget_benchmark_def)) {
        fprintf(stderr,
                "perfbudget compare: %s was built with another perfbudget (suite ABI %u, "
                "definitions of %u bytes; this perfbudget reads ABI %d, %zu bytes)\n",
                path, *info ? (*info)->abi_version : 0, *info ? (*info)->def_size : 0,
                PERFBUDGET_SUITE_ABI_VERSION, sizeof(perfbudget_benchmark_def));
        return 2;
    }
    return 0;
}

static const perfbudget_benchmark_def *find_def(const perfbudget_suite_module_info *info,
                                                const char *name) {
    for (size_t i = 0; i < info->count; i++)
        if (info->defs[i].name != NULL && strcmp(info->defs[i].name, name) == 0)
            return &info->defs[i];
    return NULL;
}

/* ---- reporting --------------------------------------------------------------------------------- */

static void print_line(const char *name, const char *metric, const char *granularity,
                       const perfbudget_paired_comparison *c) {
    char base[32], cand[32];
    perfbudget_format_value(c->baseline_value, PERFBUDGET_UNIT_NS, base, sizeof base);
    perfbudget_format_value(c->current_value, PERFBUDGET_UNIT_NS, cand, sizeof cand);
    const char *word = c->outcome == PERFBUDGET_OUTCOME_REGRESSION     ? "FAIL"
                       : c->outcome == PERFBUDGET_OUTCOME_INCONCLUSIVE ? "INCONCLUSIVE"
                                                                       : "PASS";
    printf("%s %s: %s median %s vs %s baseline: %+.3f%% (%.0f%% CI %+.3f%% to %+.3f%%), "
           "p = %.2g, %zu pairs, %s: %s",
           word, name, metric, cand, base, c->change_pct, 100.0 * c->ci_level, c->ci_low_pct,
           c->ci_high_pct, c->p_value, c->pairs, granularity, perfbudget_outcome_name(c->outcome));
    if (c->severity != PERFBUDGET_SEVERITY_NONE)
        printf(" (%s)", perfbudget_severity_name(c->severity));
    printf(", threshold %.3g%%\n", c->threshold_pct);
}

static json_t *samples_json(const perfbudget_result *r) {
    size_t n;
    const double *s = perfbudget_result_samples(r, &n);
    json_t *array = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(array, json_real(s[i]));
    return array;
}

static json_t *finite_or_null(double value) {
    return isfinite(value) ? json_real(value) : json_null();
}

static json_t *entry_json(const char *name, const char *metric, const perfbudget_result *a,
                          const perfbudget_result *b, const perfbudget_paired_comparison *c) {
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "metric", json_string(metric));
    json_object_set_new(o, "iterations_per_sample",
                        json_integer((json_int_t)perfbudget_result_metrics(a)->iterations_per_sample));
    if (perfbudget_result_status(a) != PERFBUDGET_RUN_OK)
        json_object_set_new(o, "baseline_failed", json_string(perfbudget_result_message(a)));
    if (perfbudget_result_status(b) != PERFBUDGET_RUN_OK)
        json_object_set_new(o, "candidate_failed", json_string(perfbudget_result_message(b)));
    if (c != NULL) {
        json_object_set_new(o, "pairs", json_integer((json_int_t)c->pairs));
        json_object_set_new(o, "baseline_median_ns", finite_or_null(c->baseline_value));
        json_object_set_new(o, "candidate_median_ns", finite_or_null(c->current_value));
        json_object_set_new(o, "change_pct", finite_or_null(c->change_pct));
        json_object_set_new(o, "ci_low_pct", finite_or_null(c->ci_low_pct));
        json_object_set_new(o, "ci_high_pct", finite_or_null(c->ci_high_pct));
        json_object_set_new(o, "ci_level", finite_or_null(c->ci_level));
        json_object_set_new(o, "p_value", finite_or_null(c->p_value));
        json_object_set_new(o, "test", json_string("wilcoxon-signed-rank"));
        json_object_set_new(o, "exact", json_boolean(c->exact));
        json_object_set_new(o, "threshold_pct", json_real(c->threshold_pct));
        json_object_set_new(o, "floor_pct", json_real(c->floor_pct));
        json_object_set_new(o, "outcome", json_string(perfbudget_outcome_name(c->outcome)));
        json_object_set_new(o, "severity", json_string(perfbudget_severity_name(c->severity)));
    }
    json_object_set_new(o, "baseline_samples", samples_json(a));
    json_object_set_new(o, "candidate_samples", samples_json(b));
    return o;
}

/* Judge one pair of results, print its line and add it to the JSON; the exit code so far. */
static int conclude(perfbudget_context *ctx, const options *o, const char *name,
                    const char *metric, const char *granularity, perfbudget_result *a,
                    perfbudget_result *b, json_t *list) {
    int exit_code = 0;
    perfbudget_paired_comparison c;
    int judged = 0;
    char shown[1024]; /* the name as the terminal shows it; the JSON holds it as it is */
    perfbudget_text_shown(name, shown, sizeof shown);
    const perfbudget_result *failed = perfbudget_result_status(a) != PERFBUDGET_RUN_OK ? a
                                      : perfbudget_result_status(b) != PERFBUDGET_RUN_OK ? b
                                                                                         : NULL;
    if (failed != NULL) {
        int skipped = perfbudget_result_status(failed) == PERFBUDGET_RUN_SKIPPED;
        char *message = perfbudget_text_printable(perfbudget_result_message(failed), 0);
        printf("%s %s: the %s %s: %s\n", skipped ? "SKIP" : "FAIL", shown,
               failed == a ? "baseline" : "candidate", skipped ? "was skipped" : "failed",
               message ? message : "(out of memory)");
        free(message);
        /* Its output as the verdict of a test shows it: lines kept, control characters not. */
        char *output = perfbudget_text_printable(perfbudget_result_output(failed), 1);
        size_t length = output ? strlen(output) : 0;
        if (length > 0) printf("%s%s", output, output[length - 1] == '\n' ? "" : "\n");
        perfbudget_free(output);
        if (!skipped) exit_code = 1;
    } else {
        perfbudget_paired_options po;
        perfbudget_paired_options_init(&po);
        po.threshold_pct = o->threshold_pct;
        size_t n;
        const double *sa = perfbudget_result_samples(a, &n);
        const double *sb = perfbudget_result_samples(b, NULL);
        if (perfbudget_paired_compare(ctx, sa, sb, n, &po, &c) != PERFBUDGET_OK) {
            fprintf(stderr, "perfbudget compare: %s: %s\n", shown, perfbudget_errmsg(ctx));
            exit_code = 2;
        } else {
            judged = 1;
            print_line(shown, metric, granularity, &c);
            if (c.regressed) exit_code = 1;
        }
    }
    json_array_append_new(list, entry_json(name, metric, a, b, judged ? &c : NULL));
    return exit_code;
}

static int worse(int code, int other) { return code == 2 || other == 2 ? 2 : code > other ? code : other; }

static int write_json(perfbudget_context *ctx, const options *o, const char *granularity,
                      json_t *list) {
    json_t *root = json_object();
    json_object_set_new(root, "kind", json_string("perfbudget-interleaved-comparison"));
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "granularity", json_string(granularity));
    json_object_set_new(root, "baseline", json_string(o->module[0] ? o->module[0] : o->command[0]));
    json_object_set_new(root, "candidate", json_string(o->module[1] ? o->module[1] : o->command[1]));
    json_object_set_new(root, "benchmarks", json_incref(list));
    const size_t flags = JSON_INDENT(1) | JSON_REAL_PRECISION(17);
    char *text = perfbudget_text_json_printable(json_dumps(root, flags));
    json_decref(root);
    int code = text ? perfbudget_output_write(ctx, o->json_path, text, strlen(text))
                    : PERFBUDGET_ENOMEM;
    free(text);
    if (code != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget compare: cannot write %s: %s\n", o->json_path,
                perfbudget_errmsg(ctx));
        return 2;
    }
    return 0;
}

static int compare_modules(perfbudget_context *ctx, const options *o, json_t *list) {
    static const char granularity[] = "in-process, batch by batch";
    void *handle[2] = {NULL, NULL};
    const perfbudget_suite_module_info *info[2];
    static const char *const roles[2] = {"baseline", "candidate"};
    int exit_code = 0;
    for (int i = 0; i < 2 && exit_code == 0; i++)
        exit_code = load_module(roles[i], o->module[i], &handle[i], &info[i]);
    size_t compared = 0;
    for (size_t i = 0; exit_code != 2 && i < info[0]->count; i++) {
        const perfbudget_benchmark_def *a = &info[0]->defs[i];
        if (a->name == NULL || (o->filter != NULL && fnmatch(o->filter, a->name, 0) != 0))
            continue;
        const perfbudget_benchmark_def *b = find_def(info[1], a->name);
        char shown[1024];
        perfbudget_text_shown(a->name, shown, sizeof shown);
        if (b == NULL) {
            fprintf(stderr, "perfbudget compare: %s is only in the baseline %s; skipped\n",
                    shown, o->module[0]);
            continue;
        }
        perfbudget_result *ra = NULL, *rb = NULL;
        if (perfbudget_interleave_run(ctx, a->name, a, b, &o->interleave_options, &ra, &rb) !=
            PERFBUDGET_OK) {
            fprintf(stderr, "perfbudget compare: %s: %s\n", shown, perfbudget_errmsg(ctx));
            exit_code = 2;
            break;
        }
        compared++;
        exit_code = worse(exit_code, conclude(ctx, o, a->name, "time/iteration", granularity,
                                              ra, rb, list));
        fflush(stdout);
        perfbudget_result_free(ra);
        perfbudget_result_free(rb);
    }
    if (exit_code != 2) {
        for (size_t i = 0; i < info[1]->count; i++) {
            const char *name = info[1]->defs[i].name;
            char shown[1024];
            if (name != NULL && (o->filter == NULL || fnmatch(o->filter, name, 0) == 0) &&
                find_def(info[0], name) == NULL)
                fprintf(stderr, "perfbudget compare: %s is only in the candidate %s; skipped\n",
                        perfbudget_text_shown(name, shown, sizeof shown), o->module[1]);
        }
        if (compared == 0) {
            if (o->filter != NULL)
                fprintf(stderr, "perfbudget compare: no benchmark matching '%s' is in both %s "
                                "and %s\n", o->filter, o->module[0], o->module[1]);
            else
                fprintf(stderr, "perfbudget compare: no benchmark is in both %s (suite %s) and "
                                "%s (suite %s)\n", o->module[0], info[0]->suite_name,
                        o->module[1], info[1]->suite_name);
            exit_code = 2;
        }
    }
    if (exit_code != 2 && o->json_path != NULL)
        exit_code = worse(exit_code, write_json(ctx, o, granularity, list));
    /* The modules stay loaded: a benchmark may have left destructors or threads behind, and
     * the process ends here anyway. */
    return exit_code;
}

static int compare_commands(perfbudget_context *ctx, const options *o, json_t *list) {
    static const char granularity[] = "process, run by run";
    char *argv[2][2] = {{(char *)o->command[0], NULL}, {(char *)o->command[1], NULL}};
    perfbudget_command_options command;
    perfbudget_command_options_init(&command);
    command.use_shell = 1;
    const char *name = o->name ? o->name : "command";
    perfbudget_result *ra = NULL, *rb = NULL;
    /* As for run: what the commands leave comes back to us, and an interrupt kills the
     * running command, writes nothing and ends perfbudget by that signal. */
    perfbudget_process_adopt_orphans();
    perfbudget_frontend_interrupt interrupt;
    perfbudget_frontend_interrupt_watch(&interrupt);
    command.cancel_fd = interrupt.fd;
    int code = perfbudget_interleave_commands(ctx, name, argv[0], argv[1], &command,
                                              &o->interleave_options, &ra, &rb);
    perfbudget_process_kill_adopted();
    int interrupted_by = perfbudget_frontend_interrupt_caught(&interrupt);
    if (interrupted_by != 0) {
        perfbudget_result_free(ra);
        perfbudget_result_free(rb);
        perfbudget_frontend_interrupt_die(&interrupt, "perfbudget compare", interrupted_by);
    }
    perfbudget_frontend_interrupt_stop(&interrupt);
    if (code != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget compare: %s\n", perfbudget_errmsg(ctx));
        return 2;
    }
    int exit_code = conclude(ctx, o, name, "time/run", granularity, ra, rb, list);
    perfbudget_result_free(ra);
    perfbudget_result_free(rb);
    if (exit_code != 2 && o->json_path != NULL)
        exit_code = worse(exit_code, write_json(ctx, o, granularity, list));
    return exit_code;
}

int perfbudget_cli_compare(int argc, char **argv) {
    options o;
    int parsed = parse(argc, argv, &o);
    if (parsed >= 0) return parsed;
    perfbudget_context *ctx;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget compare: out of memory\n");
        return 2;
    }
    json_t *list = json_array();
    int exit_code = o.command[0] != NULL ? compare_commands(ctx, &o, list)
                                         : compare_modules(ctx, &o, list);
    json_decref(list);
    perfbudget_context_free(ctx);
    return exit_code;
}
