/* SPDX-License-Identifier: MIT */
/* What run and check share: judging options, loading, concluding. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

void cli_common_init(cli_common *c) {
    memset(c, 0, sizeof *c);
    c->threshold_pct = NAN;
}

static int parse_threshold(perfbudget_context *ctx, void *record, const char *value,
                           const char *from, const char *program) {
    (void)ctx, (void)from;
    cli_common *c = record;
    c->threshold_pct = perfbudget_frontend_parse_percent(value);
    if (c->threshold_pct >= 0) return 0;
    fprintf(stderr, "%s: invalid threshold '%s' (a percentage such as 5)\n", program, value);
    return 2;
}

static int parse_fail_on(perfbudget_context *ctx, void *record, const char *value,
                         const char *from, const char *program) {
    (void)ctx, (void)from;
    if (perfbudget_fail_on_parse(value, &(perfbudget_fail_on){0}) != PERFBUDGET_OK) {
        fprintf(stderr, "%s: --fail-on must be regression, critical or never, not '%s'\n",
                program, value);
        return 2;
    }
    ((cli_common *)record)->verdict.fail_on = value;
    return 0;
}

static int parse_history(perfbudget_context *ctx, void *record, const char *value,
                         const char *from, const char *program) {
    (void)ctx, (void)from;
    if (value[0] == '\0') {
        /* SQLite would take it for its temporary database: every run lost. */
        fprintf(stderr, "%s: --history needs a file name, not an empty one\n", program);
        return 2;
    }
    ((cli_common *)record)->history_option = value;
    return 0;
}

#define COMMON_TEXT(name, value, field, help)                                                     \
    PERFBUDGET_FRONTEND_TEXT_ROW(name, value, cli_common, field, help)

const perfbudget_frontend_option cli_judging_options[] = {
    COMMON_TEXT("--budget", "FILE", budget_path,
                "budget file; the entry is found by --budget-name or the benchmark's name (run: "
                "default perfbudget.yml here or in the nearest parent)"),
    COMMON_TEXT("--budget-name", "NAME", budget_name,
                "budget entry name to use instead of the benchmark's"),
    COMMON_TEXT("--baseline", "SPEC", baseline_path,
                "compare with a result file, or from the history a baseline name, latest, "
                "merge-base, run:ID or commit:SHA; a regression fails"),
    PERFBUDGET_FRONTEND_PARSED_ROW("--history", "FILE", parse_history, NULL,
                                   "the history to record the run in and find baselines in "
                                   "(default: $PERFBUDGET_HISTORY, else the budget file's)"),
    PERFBUDGET_FRONTEND_FLAG_ROW("--force", cli_common, force, 1,
                                 "compare with a baseline from another environment"),
    PERFBUDGET_FRONTEND_PARSED_ROW("--threshold", "PCT", parse_threshold, NULL,
                                   "regression threshold (default: budget file, else 5%)"),
    PERFBUDGET_FRONTEND_PARSED_ROW("--fail-on", "POLICY", parse_fail_on, NULL,
                                   "regression (default), critical or never: what fails; the "
                                   "rest is reported as warn (default: $PERFBUDGET_FAIL_ON, else "
                                   "the budget file's policy)"),
    COMMON_TEXT("--json", "FILE", json_path, "write the result file"),
    PERFBUDGET_FRONTEND_FLAG_ROW("--ctest", cli_common, ctest, 1,
                                 "CTest output: verdict first, <CTestMeasurement> tags"),
    COMMON_TEXT("--session", "DIR", session_dir,
                "also write the result into DIR (perfbudget session)"),
};

const perfbudget_frontend_option cli_location_options[] = {
    PERFBUDGET_FRONTEND_TEXT_ROW("--history", "FILE", cli_location, history_option,
                                 "the history (default: $PERFBUDGET_HISTORY, else the budget "
                                 "file's settings.history)"),
    PERFBUDGET_FRONTEND_TEXT_ROW("--budget", "FILE", cli_location, budget_path,
                                 "the budget file whose settings.history to use (default: "
                                 "perfbudget.yml here or in the nearest parent directory)"),
};

int cli_parse(const perfbudget_frontend_command *command, int argc, char **argv,
              void *options) {
    /* No parse() of the CLI's tables needs the context: none exists yet. */
    return perfbudget_frontend_parse_options(NULL, command, argc, argv, options);
}

int cli_usage_error(const perfbudget_frontend_command *command) {
    perfbudget_frontend_print_help(stderr, command, command->program);
    return 2;
}

int cli_common_load_budget(perfbudget_context *ctx, cli_common *c) {
    const perfbudget_frontend_judging given = {
        .budget_path = c->budget_path, .budget_name = c->budget_name,
        .fail_on = c->verdict.fail_on, .session_dir = c->session_dir,
        .history_option = c->history_option, .threshold_pct = c->threshold_pct,
        .ctest = c->ctest, .force = c->force};
    return perfbudget_frontend_prepare_verdict(ctx, "perfbudget", &given, &c->budget, &c->verdict,
                                               &c->history);
}

int cli_common_load_baseline(perfbudget_context *ctx, cli_common *c) {
    return perfbudget_frontend_load_baseline(ctx, "perfbudget", c->baseline_path, c->history,
                                             &c->verdict);
}

int cli_common_load(perfbudget_context *ctx, cli_common *c) {
    int code = cli_common_load_budget(ctx, c);
    return code != 0 ? code : cli_common_load_baseline(ctx, c);
}

void cli_common_release(cli_common *c) {
    perfbudget_results_free(c->verdict.baseline, c->verdict.baseline_count);
    perfbudget_budget_free(c->budget);
}

/* A line of report, with each <CTestMeasurement name="figure"> named "benchmark.figure": one
 * command's several benchmarks then give Test.xml each name once. */
static void print_line(const char *line, size_t length, const char *benchmark, int prefix) {
    static const char tag[] = "<CTestMeasurement type=\"numeric/double\" name=\"";
    size_t tag_length = sizeof tag - 1;
    if (!prefix || length < tag_length || strncmp(line, tag, tag_length) != 0) {
        fwrite(line, 1, length, stdout);
        return;
    }
    fwrite(line, 1, tag_length, stdout);
    for (const char *p = benchmark; *p != '\0'; p++) {
        switch (*p) {
        case '&': fputs("&amp;", stdout); break;
        case '<': fputs("&lt;", stdout); break;
        case '>': fputs("&gt;", stdout); break;
        case '"': fputs("&quot;", stdout); break;
        default: putchar((unsigned char)*p >= 0x20 ? *p : '?');
        }
    }
    putchar('.');
    fwrite(line + tag_length, 1, length - tag_length, stdout);
}

/* Several results of one command (a Google Benchmark executable's benchmarks): each concluded
 * into a text of its own, then printed failures first, so that the first line is the test's
 * verdict (CTest shows it, and FAIL_REGULAR_EXPRESSION-like readers look at it). */
static int conclude_several(perfbudget_context *ctx, cli_common *c, perfbudget_result **results,
                            size_t count) {
    char **texts = calloc(count, sizeof *texts);
    int *statuses = calloc(count, sizeof *statuses);
    int out_of_memory = texts == NULL || statuses == NULL, exit_code = out_of_memory ? 2 : 0;
    for (size_t i = 0; exit_code != 2 && i < count; i++) {
        size_t size = 0;
        FILE *out = open_memstream(&texts[i], &size);
        if (out == NULL) {
            out_of_memory = 1, exit_code = 2;
            break;
        }
        statuses[i] =
            perfbudget_frontend_conclude(ctx, "perfbudget", results[i], &c->verdict, out);
        fclose(out);
        if (statuses[i] < 0) exit_code = 2;
        else if (statuses[i] == PERFBUDGET_TEST_FAIL && exit_code == 0) exit_code = 1;
    }
    for (int failures_first = 1; exit_code != 2 && failures_first >= 0; failures_first--) {
        for (size_t i = 0; i < count; i++) {
            if ((statuses[i] == PERFBUDGET_TEST_FAIL) != failures_first || texts[i] == NULL)
                continue;
            for (const char *line = texts[i]; *line != '\0';) {
                const char *end = strchr(line, '\n');
                size_t length = end ? (size_t)(end - line) + 1 : strlen(line);
                print_line(line, length, perfbudget_result_name(results[i]), c->ctest);
                line += length;
            }
        }
    }
    fflush(stdout);
    for (size_t i = 0; texts != NULL && i < count; i++) free(texts[i]);
    free(texts);
    free(statuses);
    if (out_of_memory) fprintf(stderr, "perfbudget: out of memory\n");
    return exit_code;
}

int cli_conclude(perfbudget_context *ctx, cli_common *c, perfbudget_result **results,
                 size_t count, const char *suite) {
    int exit_code = 0;
    if (count > 1) {
        exit_code = conclude_several(ctx, c, results, count);
    } else {
        for (size_t i = 0; i < count; i++) {
            int status = perfbudget_frontend_conclude(ctx, "perfbudget", results[i], &c->verdict,
                                                      stdout);
            if (status < 0) exit_code = 2;
            else if (status == PERFBUDGET_TEST_FAIL && exit_code == 0) exit_code = 1;
        }
    }
    if (c->json_path != NULL &&
        perfbudget_results_write_json(ctx, c->json_path, suite, results, count) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget: %s\n", perfbudget_errmsg(ctx));
        exit_code = 2;
    }
    return exit_code;
}

int cli_parse_time(const char *text, uint64_t *out) {
    perfbudget_quantity q;
    if (perfbudget_quantity_parse(NULL, text, &q) != PERFBUDGET_OK) return -1;
    if (q.kind == PERFBUDGET_QUANTITY_NUMBER) q.value *= 1e9;
    else if (q.kind != PERFBUDGET_QUANTITY_DURATION) return -1;
    if (!(q.value >= 0) || q.value > 1e18) return -1;
    *out = (uint64_t)q.value;
    return 0;
}

int cli_parse_count(const char *text, uint64_t max, uint64_t *out) {
    /* Digits only: strtoull would take " -1" and "-1" as 2^64 - 1, and skip leading spaces. */
    if (text == NULL || text[0] < '0' || text[0] > '9') return -1;
    uint64_t value = 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') return -1;
        unsigned digit = (unsigned)(*p - '0');
        if (digit > max || value > (max - digit) / 10) return -1;
        value = value * 10 + digit;
    }
    *out = value;
    return 0;
}

int cli_discover(char *budget, size_t budget_size, char *history, size_t history_size) {
    budget[0] = history[0] = '\0';
    char directory[4096];
    if (getcwd(directory, sizeof directory) == NULL) return 0;
    for (;;) {
        size_t length = strlen(directory);
        const char *separator = length > 0 && directory[length - 1] == '/' ? "" : "/";
        char candidate[4200];
        /* Not opened to probe: opening a FIFO would wait; the budget loader refuses one. */
        snprintf(candidate, sizeof candidate, "%s%sperfbudget.yml", directory, separator);
        if (access(candidate, F_OK) == 0) {
            snprintf(budget, budget_size, "%s", candidate);
            return 1;
        }
        snprintf(candidate, sizeof candidate, "%s%s.perfbudget/history.sqlite", directory,
                 separator);
        if (access(candidate, F_OK) == 0) {
            snprintf(history, history_size, "%s", candidate);
            return 2;
        }
        char *slash = strrchr(directory, '/');
        if (slash == NULL || length <= 1) return 0;
        if (slash == directory) slash[1] = '\0'; /* up to the root, which is looked at too */
        else *slash = '\0';
    }
}

perfbudget_history *cli_open_history(perfbudget_context *ctx, const char *program,
                                     const char *history_option, const char *budget_path,
                                     int read_only) {
    perfbudget_budget *budget = NULL;
    char found_budget[4200], found_history[4200];
    int found = budget_path == NULL ? cli_discover(found_budget, sizeof found_budget,
                                                   found_history, sizeof found_history)
                                    : 0;
    if (found == 1) budget_path = found_budget;
    const char *from_environment = getenv("PERFBUDGET_HISTORY");
    int history_given = history_option != NULL ||
                        (from_environment != NULL && from_environment[0] != '\0');
    if (!history_given && budget_path != NULL &&
        (budget = perfbudget_frontend_load_budget(ctx, program, budget_path)) == NULL)
        return NULL;
    const char *path = perfbudget_frontend_history_path(history_option, budget);
    if (path == NULL) path = found == 2 ? found_history : ".perfbudget/history.sqlite";
    perfbudget_history *history = NULL;
    int status = read_only ? perfbudget_history_new_read_only(ctx, path, &history)
                           : perfbudget_history_new(ctx, path, &history);
    if (status != PERFBUDGET_OK)
        fprintf(stderr, "%s: %s\n", program, perfbudget_errmsg(ctx));
    perfbudget_budget_free(budget);
    return history;
}
