/* SPDX-License-Identifier: MIT */
/* perfbudget validate FILE...: every problem of every file, in the file:line:column form that
 * editors and CI annotators parse. */
#define _POSIX_C_SOURCE 200809L /* sigset_t, through commands.h */
#include <stdio.h>
#include <string.h>

#include "commands.h"

enum { MAX_REPORTED = 200 };

int perfbudget_cli_validate(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: perfbudget validate FILE...\n"
                "Check budget files. Prints every problem as file:line:column: message on\n"
                "stderr. Exit status: 0 all files are valid, 2 otherwise.\n");
        return argc < 2 ? 2 : 0;
    }
    perfbudget_context *ctx;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget: out of memory\n");
        return 2;
    }
    static perfbudget_budget_error errors[MAX_REPORTED];
    int exit_code = 0;
    for (int i = 1; i < argc; i++) {
        perfbudget_budget *budget = NULL;
        size_t count = 0;
        int status = perfbudget_budget_new_from_file(ctx, argv[i], &budget, errors, MAX_REPORTED,
                                                     &count);
        if (status == PERFBUDGET_OK) {
            printf("%s: ok (%zu budget%s)\n", argv[i], perfbudget_budget_entry_count(budget),
                   perfbudget_budget_entry_count(budget) == 1 ? "" : "s");
        } else if (status == PERFBUDGET_EPARSE) {
            for (size_t e = 0; e < count && e < MAX_REPORTED; e++)
                fprintf(stderr, "%s:%d:%d: %s\n", argv[i], errors[e].line, errors[e].column,
                        errors[e].message);
            if (count > MAX_REPORTED)
                fprintf(stderr, "%s: %zu more problems not shown\n", argv[i],
                        count - MAX_REPORTED);
            exit_code = 2;
        } else {
            fprintf(stderr, "%s\n", perfbudget_errmsg(ctx));
            exit_code = 2;
        }
        perfbudget_budget_free(budget);
    }
    perfbudget_context_free(ctx);
    return exit_code;
}
