/* SPDX-License-Identifier: MIT */
/* perfbudget report: a run of the history (or a result file) as Markdown, CSV or JSON, judged
 * against the budget and compared with a baseline. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

/* The baseline's results: a result file, or a run of the history (*base_run), looked up for
 * environment (the reported run's: a pytest run's fingerprint names Python, not the compiler
 * of this program; NULL: this machine's). */
static int load_baseline(perfbudget_context *ctx, perfbudget_history *history, const char *spec,
                         const char *environment, char *label, size_t label_size,
                         perfbudget_result ***base_out,
                         size_t *n_base_out, int64_t *base_run) {
    FILE *probe = fopen(spec, "r");
    if (probe != NULL) {
        fclose(probe);
        if (perfbudget_results_new_from_file(ctx, spec, base_out, n_base_out) != PERFBUDGET_OK) {
            fprintf(stderr, "perfbudget report: %s\n", perfbudget_errmsg(ctx));
            return 2;
        }
        snprintf(label, label_size, "%s", spec);
        return 0;
    }
    char why[512] = "";
    if (history == NULL ||
        perfbudget_history_find(history, spec, environment, NULL, base_run, why, sizeof why) !=
            PERFBUDGET_OK ||
        perfbudget_history_load_baseline(history, spec, *base_run, base_out, n_base_out) !=
            PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget report: %s\n", why[0] ? why : perfbudget_errmsg(ctx));
        return 2;
    }
    snprintf(label, label_size, "%s", why);
    return 0;
}

/* What the command line says. */
typedef struct report_args {
    cli_location location;
    const char *format_name, *output, *input, *baseline, *title;
    long long run; /* 0: the latest */
    perfbudget_report_format format;
    int site; /* a directory over the whole history, not one run's text */
} report_args;

static int parse_run(perfbudget_context *ctx, void *record, const char *value, const char *from,
                     const char *program) {
    (void)ctx, (void)from;
    uint64_t number;
    if (cli_parse_count(value, INT64_MAX, &number) != 0 || number == 0) {
        fprintf(stderr, "%s: --run takes a run number, not '%s'\n", program, value);
        return 2;
    }
    ((report_args *)record)->run = (long long)number;
    return 0;
}

#define REPORT_TEXT(name, value, field, help)                                                     \
    PERFBUDGET_FRONTEND_TEXT_ROW(name, value, report_args, field, help)

static const perfbudget_frontend_option report_options[] = {
    REPORT_TEXT("--format", "FORMAT", format_name, "the report's format (default md; below)"),
    REPORT_TEXT("--output", "FILE", output, "write the report here (default: standard output)"),
    PERFBUDGET_FRONTEND_PARSED_ROW("--run", "ID", parse_run, NULL,
                                   "the run of the history to report (default: the latest)"),
    REPORT_TEXT("--input", "FILE", input, "report a result file instead of a run"),
    REPORT_TEXT("--baseline", "SPEC", baseline,
                "compare with a baseline: a baseline name, run:ID, commit:SHA or a file"),
    REPORT_TEXT("--title", "TEXT", title, "the report's title (default: perfbudget)"),
};

static const perfbudget_frontend_option_group report_groups[] = {
    {cli_location_options, CLI_LOCATION_OPTIONS, offsetof(report_args, location)},
};

static const perfbudget_frontend_command report_command = {
    .program = "perfbudget report",
    .usage = "usage: perfbudget report [--format FORMAT] [--output FILE] [--run ID | --input FILE]\n"
             "                         [--baseline SPEC] [--budget FILE] [--history FILE]\n"
             "                         [--title TEXT]",
    .summary = "A run of the history (default: the latest) or a result file, judged against the\n"
               "budget file and, with --baseline, compared with a baseline. Markdown fits a\n"
               "pull-request comment; with $GITHUB_STEP_SUMMARY set, Markdown is appended there\n"
               "too.",
    .options = report_options,
    .count = PERFBUDGET_FRONTEND_COUNT(report_options),
    .groups = report_groups,
    .group_count = PERFBUDGET_FRONTEND_COUNT(report_groups),
    .bare_names = 1,
};

/* 0 to go on, -1 after --help (exit status 0), 2 after printing a usage error. */
static int parse_report_args(int argc, char **argv, report_args *a) {
    a->format_name = "md";
    /* The formats come from the core's one list. */
    char formats[256], epilogue[768];
    snprintf(epilogue, sizeof epilogue,
             "FORMAT is one of %s\n(chrome-trace: the stages benchmarks timed, as a Chrome trace "
             "for Perfetto),\nor site: a static site over the whole history in the directory "
             "--output DIR\n(index.html and a page per benchmark; docs/reports.md).\n",
             perfbudget_report_format_list(formats, sizeof formats));
    perfbudget_frontend_command command = report_command;
    command.epilogue = epilogue;
    int parsed = cli_parse(&command, argc, argv, a);
    if (parsed != 0) return parsed == 1 ? -1 : 2;
    a->format = PERFBUDGET_REPORT_HTML;
    /* The site is a directory over the whole history, not one run's text: written below. */
    a->site = strcmp(a->format_name, "site") == 0;
    if (a->site && (a->output == NULL || a->input != NULL)) {
        fprintf(stderr, "perfbudget report: --format site needs --output DIR and a history (not "
                        "--input)\n");
        return 2;
    }
    if (!a->site && perfbudget_report_format_parse(a->format_name, &a->format) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget report: unknown format '%s' (%s)\n", a->format_name, formats);
        return 2;
    }
    return 0;
}

/* The results reported: the --input file, else the run (--run, else the latest) of the
 * history, with its record. 0, or 2 after printing why not. */
static int load_reported_results(perfbudget_context *ctx, perfbudget_history *history,
                                 const report_args *a, perfbudget_run_record *record,
                                 perfbudget_result ***results, size_t *count) {
    if (a->input != NULL) {
        if (perfbudget_results_new_from_file(ctx, a->input, results,
                                             count) == PERFBUDGET_OK) return 0;
        fprintf(stderr, "perfbudget report: %s\n", perfbudget_errmsg(ctx));
        return 2;
    }
    if (history == NULL) return 2;
    long long run = a->run;
    if (run == 0) {
        size_t n;
        if (perfbudget_history_runs(history, record, 1, &n) != PERFBUDGET_OK || n == 0) {
            fprintf(stderr, "perfbudget report: the history has no run yet\n");
            return 2;
        }
        run = record->id;
    }
    if (perfbudget_history_run(history, run, record) != PERFBUDGET_OK ||
        perfbudget_history_load_run(history, run, results, count) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget report: %s\n", perfbudget_errmsg(ctx));
        return 2;
    }
    return 0;
}

/* The site, or the report's text to --output or standard output (a Markdown report also to
 * GitHub's step summary). 0, or 2 after printing why not. */
static int write_report(perfbudget_context *ctx, const report_args *a,
                        const perfbudget_report_info *info,
                        const perfbudget_conclude_options *judging, perfbudget_result **results,
                        size_t count) {
    if (a->site) {
        size_t pages = 0;
        if (perfbudget_report_write_site(ctx, a->output, info, judging, &pages) != PERFBUDGET_OK) {
            fprintf(stderr, "perfbudget report: %s\n", perfbudget_errmsg(ctx));
            return 2;
        }
        printf("wrote %s/index.html and %zu benchmark page%s\n", a->output, pages,
               pages == 1 ? "" : "s");
        return 0;
    }
    char *text = NULL;
    int exit_code = 0;
    if (perfbudget_render_report(ctx, results, count, a->format, info, &text) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget report: %s\n", perfbudget_errmsg(ctx));
        exit_code = 2;
    } else if (a->output == NULL) {
        fputs(text, stdout);
    } else if (perfbudget_output_write(ctx, a->output, text, strlen(text)) != PERFBUDGET_OK) {
        /* Atomically, as every perfbudget write: a failed or concurrent write never leaves
         * half a report. */
        fprintf(stderr, "perfbudget report: %s\n", perfbudget_errmsg(ctx));
        exit_code = 2;
    }
    if (exit_code == 0 && a->format == PERFBUDGET_REPORT_MARKDOWN)
        perfbudget_frontend_add_step_summary(text);
    perfbudget_free(text);
    return exit_code;
}

/* --budget, else without --history the project's perfbudget.yml (found_budget holds its path);
 * 0, or 2 after printing why it cannot be loaded. */
static int load_report_budget(perfbudget_context *ctx, report_args *a, char *found_budget,
                              size_t size, perfbudget_budget **budget) {
    char found_history[4200];
    if (a->location.budget_path == NULL && a->location.history_option == NULL &&
        cli_discover(found_budget, size, found_history, sizeof found_history) == 1)
        a->location.budget_path = found_budget;
    if (a->location.budget_path == NULL) return 0;
    *budget =
        perfbudget_frontend_load_budget(ctx, "perfbudget report", a->location.budget_path);
    return *budget == NULL ? 2 : 0;
}

/* The spread of the runs up to the baseline's (judging->baseline_run), on the runner type of
 * the run reported, centred on the baseline: the runs of its branch (main's, for a merge base).
 * base_record holds the baseline's run, which the branch points into. */
static void spread_from_history(perfbudget_conclude_options *judging,
                                perfbudget_history *history, const perfbudget_run_record *record,
                                perfbudget_run_record *base_record) {
    judging->history = history;
    judging->environment = record->environment;
    judging->branch = record->branch[0] ? record->branch : NULL;
    if (perfbudget_history_run(history, judging->baseline_run, base_record) == PERFBUDGET_OK)
        judging->branch = base_record->branch[0] ? base_record->branch : NULL;
}

int perfbudget_cli_report(int argc, char **argv) {
    report_args a = {0};
    int parsed = parse_report_args(argc, argv, &a);
    if (parsed != 0) return parsed < 0 ? 0 : parsed;
    perfbudget_context *ctx;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) return 2;
    /* The title is the JSON report's suite name: it must be UTF-8 as names must. */
    if (a.title != NULL && perfbudget_text_check_name(ctx, "title", a.title) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget report: %s\n", perfbudget_errmsg(ctx));
        perfbudget_context_free(ctx);
        return 2;
    }
    perfbudget_budget *budget = NULL;
    char found_budget[4200];
    if (load_report_budget(ctx, &a, found_budget, sizeof found_budget, &budget) != 0) {
        perfbudget_context_free(ctx);
        return 2;
    }
    perfbudget_history *history = NULL;
    perfbudget_result **results = NULL;
    size_t count = 0;
    perfbudget_run_record record = {0}, base_record = {0};
    if (a.input == NULL || a.baseline != NULL)
        history = cli_open_history(ctx, "perfbudget report", a.location.history_option,
                                   a.location.budget_path, 1);
    int exit_code = load_reported_results(ctx, history, &a, &record, &results, &count);
    char label[512] = "";
    perfbudget_result **base = NULL;
    size_t n_base = 0;
    int64_t base_run = 0;
    if (exit_code == 0 && a.baseline != NULL)
        exit_code = load_baseline(ctx, history, a.baseline,
                                  a.input == NULL && record.environment[0] ? record.environment
                                                                           : NULL,
                                  label, sizeof label, &base, &n_base, &base_run);
    /* Judged as the front ends judge (one stage in the core): against the budget and the
     * baseline, with the spread of the runs up to the baseline's on the runner type of the run
     * reported and the baseline's branch. */
    perfbudget_conclude_options judging;
    perfbudget_conclude_options_init(&judging);
    judging.budget = budget;
    judging.regression = a.baseline != NULL;
    judging.baseline = base;
    judging.baseline_count = n_base;
    judging.baseline_run = base_run;
    if (history != NULL && base_run > 0 && a.input == NULL && record.environment[0])
        spread_from_history(&judging, history, &record, &base_record);
    for (size_t i = 0; exit_code == 0 && i < count; i++)
        if (perfbudget_result_conclude(ctx, results[i], &judging) != PERFBUDGET_OK) {
            fprintf(stderr, "perfbudget report: %s\n", perfbudget_errmsg(ctx));
            exit_code = 2;
        }
    perfbudget_report_info info = {.struct_size = sizeof(perfbudget_report_info),
                                   .title = a.title ? a.title : "perfbudget",
                                   .commit = record.commit[0] ? record.commit : NULL,
                                   .baseline = label[0] ? label : NULL,
                                   .created_ns = record.created_ns,
                                   .baseline_results = base,
                                   .baseline_count = n_base,
                                   .history = history};
    if (exit_code == 0) exit_code = write_report(ctx, &a, &info, &judging, results, count);
    perfbudget_results_free(base, n_base);
    perfbudget_results_free(results, count);
    perfbudget_history_free(history);
    perfbudget_budget_free(budget);
    perfbudget_context_free(ctx);
    return exit_code;
}
