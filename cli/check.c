/* SPDX-License-Identifier: MIT */
/* perfbudget check RESULT: judge an existing result file against a budget and a baseline. */
#define _POSIX_C_SOURCE 200809L /* sigset_t, through commands.h */
#include <stdio.h>
#include <string.h>

#include "commands.h"

typedef struct check_args {
    cli_common common;
    const char *path; /* the result file */
} check_args;

static int take_result_path(perfbudget_context *ctx, void *record, const char *value,
                            const char *from, const char *program) {
    (void)ctx, (void)from, (void)program;
    check_args *a = record;
    if (a->path != NULL) return -1; /* one result file */
    a->path = value;
    return 0;
}

static const perfbudget_frontend_option_group check_groups[] = {
    {cli_judging_options, CLI_JUDGING_OPTIONS, offsetof(check_args, common)},
};

static const perfbudget_frontend_command check_command = {
    .program = "perfbudget check",
    .usage = "usage: %s RESULT [options]",
    .summary = "Judge the benchmarks of a result file against a budget and a baseline.",
    .groups = check_groups,
    .group_count = PERFBUDGET_FRONTEND_COUNT(check_groups),
    .positional = take_result_path,
    .bare_names = 1,
    .epilogue = "Exit status: 0 pass, 1 a budget or regression failed, 2 usage or input error.\n",
};

int perfbudget_cli_check(int argc, char **argv) {
    check_args a = {.path = NULL};
    cli_common_init(&a.common);
    int parsed = cli_parse(&check_command, argc, argv, &a);
    if (parsed != 0) return parsed == 1 ? 0 : 2;
    cli_common common = a.common;
    const char *path = a.path;
    if (path == NULL) {
        fprintf(stderr, "perfbudget check: no result file; usage: perfbudget check RESULT ...\n");
        return 2;
    }
    perfbudget_context *ctx;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) return 2;
    perfbudget_result **results = NULL;
    size_t count = 0;
    int exit_code = cli_common_load(ctx, &common);
    if (exit_code == 0 && perfbudget_results_new_from_file(ctx, path, &results,
                                                           &count) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget check: %s\n", perfbudget_errmsg(ctx));
        exit_code = 2;
    }
    if (exit_code == 0) exit_code = cli_conclude(ctx, &common, results, count, "check");
    /* Under CTest the session's cleanup sends the alerts of the whole ctest run. */
    if ((exit_code == 0 || exit_code == 1) && common.session_dir == NULL)
        perfbudget_frontend_send_alerts(ctx, "perfbudget", common.budget, results, count);
    perfbudget_results_free(results, count);
    cli_common_release(&common);
    perfbudget_context_free(ctx);
    return exit_code;
}
