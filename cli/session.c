/* SPDX-License-Identifier: MIT */
/* perfbudget session open|close DIR: the CTest fixtures around one ctest invocation. open
 * removes the perf tests' result files of an earlier run from the session directory (only
 * those: perfbudget_frontend_is_session_file); every perf test drops its result there; close
 * combines them into one result file and prints a summary table. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"

/* mkdir -p */
static int session_open(const char *dir) {
    if (perfbudget_output_make_directory(NULL, dir) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget session: cannot create %s: %s\n", dir, strerror(errno));
        return 2;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "perfbudget session: cannot open %s: %s\n", dir, strerror(errno));
        return 2;
    }
    size_t removed = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (!perfbudget_frontend_is_session_file(e->d_name)) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        removed += unlink(path) == 0;
    }
    closedir(d);
    printf("perfbudget session opened in %s%s\n", dir, removed ? " (old results removed)" : "");
    return 0;
}

static int by_name(const void *a, const void *b) {
    return strcmp(perfbudget_result_name(*(perfbudget_result *const *)a),
                  perfbudget_result_name(*(perfbudget_result *const *)b));
}

/* A report of the whole ctest run, its format by the file's suffix (.md, .csv, .json, .html,
 * .trace.json);
 * the Markdown one goes to the GitHub Actions job summary too. The HTML one draws the trends
 * from the history the run was just recorded in. */
static int write_report(perfbudget_context *ctx, const char *path, perfbudget_result **all,
                        size_t count, const char *history_path) {
    perfbudget_report_format format;
    if (perfbudget_report_format_for_path(path, &format) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget session: %s: the report format follows the file's suffix: "
                        ".md, .csv, .json, .html or .trace.json\n", path);
        return 2;
    }
    /* When and on which commit: a report read later (a CI artifact, the README's second run)
     * says which run it shows. */
    perfbudget_git_info git;
    struct timespec now;
    perfbudget_report_info info = {.struct_size = sizeof(perfbudget_report_info),
                                   .title = "perfbudget (ctest)"};
    if (perfbudget_git_describe(ctx, ".", &git) == PERFBUDGET_OK && git.commit[0] != '\0')
        info.commit = git.commit;
    if (clock_gettime(CLOCK_REALTIME, &now) == 0)
        info.created_ns = (int64_t)now.tv_sec * INT64_C(1000000000) + (int64_t)now.tv_nsec;
    if (format == PERFBUDGET_REPORT_HTML && history_path != NULL &&
        perfbudget_history_new_read_only(ctx, history_path, &info.history) != PERFBUDGET_OK)
        info.history = NULL; /* the report, without trends */
    char *text = NULL;
    int rc = perfbudget_render_report(ctx, all, count, format, &info, &text);
    perfbudget_history_free(info.history);
    if (rc != PERFBUDGET_OK ||
        perfbudget_output_write(ctx, path, text, strlen(text)) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget session: %s\n", perfbudget_errmsg(ctx));
        perfbudget_free(text);
        return 2;
    }
    printf("report: %s\n", path);
    if (format == PERFBUDGET_REPORT_MARKDOWN) perfbudget_frontend_add_step_summary(text);
    perfbudget_free(text);
    return 0;
}

enum { MAX_REPORTS = 8, MAX_BUDGETS = 64 };

/* The budget files of a session: --budget, then each line of --budgets-from (written by
 * PerfBudget.cmake: every file a perf test names), each once. Paths are copied into storage,
 * one NUL-terminated string after another. Returns how many, or -1 after printing why. */
static int session_budget_paths(const char *budget_path, const char *list_path,
                                const char **paths, char *storage, size_t storage_size) {
    int count = 0;
    size_t used = 0;
    if (budget_path != NULL) paths[count++] = budget_path;
    FILE *list = list_path != NULL ? fopen(list_path, "r") : NULL;
    /* Gone (a cleaned build tree): configuring writes it again; the run is recorded where the
     * other budget files say, if any. */
    if (list_path != NULL && list == NULL && errno == ENOENT)
        fprintf(stderr, "perfbudget session: warning: %s is missing (configure again): the run "
                        "is recorded only in the histories of the budget files given\n",
                list_path);
    else if (list_path != NULL && list == NULL) {
        fprintf(stderr, "perfbudget session: cannot read %s: %s\n", list_path, strerror(errno));
        return -1;
    }
    char line[4096];
    while (list != NULL && fgets(line, sizeof line, list) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        int known = line[0] == '\0';
        for (int i = 0; i < count && !known; i++) known = strcmp(paths[i], line) == 0;
        size_t length = strlen(line) + 1;
        if (known || count == MAX_BUDGETS || used + length > storage_size) continue;
        memcpy(storage + used, line, length);
        paths[count++] = storage + used;
        used += length;
    }
    if (list != NULL) fclose(list);
    return count;
}

/* Every result file in the session directory, appended to *all (*count of them, names in any
 * order); a file that cannot be read is skipped, saying so. 0, or 2 (what was read is kept). */
static int collect_session_results(perfbudget_context *ctx, const char *dir,
                                   perfbudget_result ***all, size_t *count) {
    size_t capacity = 0;
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "perfbudget session: cannot open %s: %s\n", dir, strerror(errno));
        return 2;
    }
    int exit_code = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (!perfbudget_frontend_is_session_file(e->d_name)) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        perfbudget_result **results;
        size_t n;
        if (perfbudget_results_new_from_file(ctx, path, &results, &n) != PERFBUDGET_OK) {
            fprintf(stderr, "perfbudget session: skipping %s\n", perfbudget_errmsg(ctx));
            continue;
        }
        if (*count + n > capacity) {
            capacity = (*count + n) * 2;
            perfbudget_result **grown = realloc(*all, capacity * sizeof *grown);
            if (grown == NULL) {
                perfbudget_results_free(results, n);
                exit_code = 2;
                break;
            }
            *all = grown;
        }
        memcpy(*all + *count, results, n * sizeof *results);
        *count += n;
        free(results); /* the array only: the results moved into `all` */
    }
    closedir(d);
    return exit_code;
}

/* Each test's verdict record came with its result file (its own budget, entry and baseline):
 * the report shows what the tests decided. Results judged against no budget are judged against
 * the session's, for the report. */
static void judge_unjudged(perfbudget_context *ctx, const perfbudget_budget *budget,
                           perfbudget_result **all, size_t count) {
    for (size_t i = 0; budget != NULL && i < count; i++) {
        const perfbudget_limit_verdict *verdicts;
        if (perfbudget_result_status(all[i]) == PERFBUDGET_RUN_OK &&
            perfbudget_result_verdicts(all[i], &verdicts) == 0 &&
            perfbudget_result_budget_entry(all[i]) == NULL)
            perfbudget_result_judge(ctx, all[i], budget, NULL, NULL);
    }
}

/* One run in each history the budget files name (--history or $PERFBUDGET_HISTORY: that one
 * only), so that each test finds its baseline where its own budget file points. 0, or 2. */
static int record_in_histories(perfbudget_context *ctx, const char *history_path,
                               perfbudget_budget *const *budgets, int n_budgets,
                               perfbudget_result **all, size_t count) {
    for (int b = 0; b < (n_budgets > 0 ? n_budgets : 1); b++) {
        const char *path = perfbudget_frontend_history_path(history_path, budgets[b]);
        int recorded = 0;
        for (int earlier = 0; earlier < b && path != NULL; earlier++)
            recorded |= strcmp(path, perfbudget_frontend_history_path(history_path,
                                                                      budgets[earlier])) == 0;
        if (!recorded && perfbudget_frontend_record_run(ctx, "perfbudget session", path, "ctest",
                                                        all, count) != 0)
            return 2;
    }
    return 0;
}

static int session_close(const char *dir, const char *json_path, const char *budget_path,
                         const char *budgets_from, const char *history_path,
                         const char *const *report_paths, size_t n_reports) {
    perfbudget_context *ctx;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) return 2;
    perfbudget_result **all = NULL;
    size_t count = 0;
    int exit_code = collect_session_results(ctx, dir, &all, &count);
    if (count > 1) qsort(all, count, sizeof *all, by_name);
    /* The first budget file judges results that came without a verdict; every one warns about
     * its unused entries and names a history the run is recorded in. */
    const char *budget_paths[MAX_BUDGETS];
    char budget_storage[MAX_BUDGETS * 512];
    perfbudget_budget *budgets[MAX_BUDGETS] = {NULL};
    int n_budgets = exit_code == 0 ? session_budget_paths(budget_path, budgets_from, budget_paths,
                                                          budget_storage, sizeof budget_storage)
                                   : 0;
    if (n_budgets < 0) exit_code = 2;
    for (int b = 0; exit_code == 0 && b < n_budgets; b++)
        if ((budgets[b] = perfbudget_frontend_load_budget(ctx, "perfbudget session",
                                                          budget_paths[b])) ==
            NULL)
            exit_code = 2;
    perfbudget_budget *budget = n_budgets > 0 ? budgets[0] : NULL;
    if (exit_code == 0) {
        char *table = NULL;
        printf("perfbudget: %zu benchmark result%s in this run\n", count, count == 1 ? "" : "s");
        if (count > 0 && perfbudget_render_table(ctx, all, count, 0, 1, &table) == PERFBUDGET_OK)
            fputs(table, stdout);
        perfbudget_free(table);
    }
    for (int b = 0; exit_code == 0 && b < n_budgets; b++)
        perfbudget_frontend_warn_unused_entries(budgets[b], all, count, "run");
    if (exit_code == 0) judge_unjudged(ctx, budget, all, count);
    const char *history = perfbudget_frontend_history_path(history_path, budget);
    if (exit_code == 0)
        exit_code = record_in_histories(ctx, history_path, budgets, n_budgets, all, count);
    for (size_t k = 0; exit_code == 0 && k < n_reports; k++)
        exit_code = write_report(ctx, report_paths[k], all, count, history);
    /* The alerts of the whole ctest run, once, by each budget file that has any. */
    for (int b = 0; exit_code == 0 && b < n_budgets; b++)
        perfbudget_frontend_send_alerts(ctx, "perfbudget session", budgets[b], all, count);
    if (exit_code == 0 && json_path != NULL) {
        if (perfbudget_results_write_json(ctx, json_path, "ctest", all, count) != PERFBUDGET_OK) {
            fprintf(stderr, "perfbudget session: %s\n", perfbudget_errmsg(ctx));
            exit_code = 2;
        } else {
            printf("results: %s\n", json_path);
        }
    }
    perfbudget_results_free(all, count);
    for (int b = 0; b < n_budgets; b++) perfbudget_budget_free(budgets[b]);
    perfbudget_context_free(ctx);
    return exit_code;
}

typedef struct session_args {
    const char *action, *dir; /* open or close, and the session directory */
    const char *json_path, *budget_path, *history_path, *budgets_from;
    const char *report_paths[MAX_REPORTS];
    size_t n_reports;
} session_args;

static int take_action_and_dir(perfbudget_context *ctx, void *record, const char *value,
                               const char *from, const char *program) {
    (void)ctx, (void)from, (void)program;
    session_args *a = record;
    if (a->action == NULL) a->action = value; /* open or close, checked after */
    else if (a->dir == NULL) a->dir = value;
    else return -1;
    return 0;
}

static int add_report(perfbudget_context *ctx, void *record, const char *value,
                      const char *from, const char *program) {
    (void)ctx, (void)from;
    session_args *a = record;
    if (a->n_reports == MAX_REPORTS) {
        fprintf(stderr, "%s: at most %d --report files\n", program, MAX_REPORTS);
        return 2;
    }
    a->report_paths[a->n_reports++] = value;
    return 0;
}

#define SESSION_TEXT(name, value, field, help)                                                    \
    PERFBUDGET_FRONTEND_TEXT_ROW(name, value, session_args, field, help)

static const perfbudget_frontend_option session_options[] = {
    SESSION_TEXT("--json", "FILE", json_path, "close: write the combined result file"),
    SESSION_TEXT("--budget", "FILE", budget_path,
                 "close: the default budget file, which judges results that came without a "
                 "verdict"),
    SESSION_TEXT("--history", "FILE", history_path,
                 "close: record the run in this history only (default: $PERFBUDGET_HISTORY, else "
                 "the history of each budget file)"),
    SESSION_TEXT("--budgets-from", "LIST", budgets_from,
                 "close: more budget files, one a line (PerfBudget.cmake writes every file a perf "
                 "test uses): the run is recorded in the history of each"),
    PERFBUDGET_FRONTEND_PARSED_ROW("--report", "FILE", add_report, NULL,
                                   "close: a report of the run, its format by the suffix: .md, "
                                   ".csv, .json, .html or .trace.json (a Chrome trace of the "
                                   "benchmarks' stages); given again, another (up to 8)"),
};

static const perfbudget_frontend_command session_command = {
    .program = "perfbudget session",
    .usage = "usage: perfbudget session open DIR\n"
             "       perfbudget session close DIR [--json FILE] [--budget FILE] [--history FILE]\n"
             "                                    [--budgets-from LIST] [--report FILE]...",
    .summary = "The CTest fixtures around one ctest run: open empties DIR; each perf test\n"
               "writes its result there (--session DIR); close combines them into one result\n"
               "file, records it as one run of the history, prints a summary and warns about\n"
               "budget entries that matched nothing.",
    .options = session_options,
    .count = PERFBUDGET_FRONTEND_COUNT(session_options),
    .positional = take_action_and_dir,
    .bare_names = 1,
};

int perfbudget_cli_session(int argc, char **argv) {
    session_args a = {.action = NULL};
    int parsed = cli_parse(&session_command, argc, argv, &a);
    if (parsed != 0) return parsed == 1 ? 0 : 2;
    if (a.dir == NULL || (strcmp(a.action, "open") != 0 && strcmp(a.action, "close") != 0)) {
        fprintf(stderr, "usage: perfbudget session open|close DIR [--json FILE] [--budget FILE]\n");
        return 2;
    }
    return strcmp(a.action, "open") == 0
               ? session_open(a.dir)
               : session_close(a.dir, a.json_path, a.budget_path, a.budgets_from, a.history_path,
                               a.report_paths, a.n_reports);
}
