/* SPDX-License-Identifier: MIT */
/* perfbudget check RESULT: judge an existing result file against a budget and a baseline. */
#define _POSIX_C_SOURCE 200809L /* sigset_t, through commands.h */
#include <stdio.h>
#include <string.h>

#include "commands.h"

int perfbudget_cli_check(int argc, char **argv) {
    cli_common common;
    cli_common_init(&common);
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        int used = cli_common_option(&common, argv[i], i + 1 < argc ? argv[i + 1] : NULL);
        if (used < 0) return 2;
        if (used > 0) {
            i += used - 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: perfbudget check RESULT [--budget FILE] [--budget-name NAME]\n"
                   "                        [--baseline FILE] [--threshold PCT] [--ctest]\n"
                   "                        [--json FILE] [--fail-on regression|critical|never]\n"
                   "Judge the benchmarks of a result file against a budget and a baseline.\n"
                   "Exit status: 0 pass, 1 a budget or regression failed, 2 usage or input "
                   "error.\n");
            return 0;
        } else if (argv[i][0] == '-' || path != NULL) {
            fprintf(stderr, "perfbudget check: unexpected argument '%s' (see --help)\n", argv[i]);
            return 2;
        } else {
            path = argv[i];
        }
    }
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
