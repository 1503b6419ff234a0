/* SPDX-License-Identifier: MIT */
/* perfbudget validate FILE...: every problem of every file, in the file:line:column form that
 * editors and CI annotators parse. */
#define _POSIX_C_SOURCE 200809L /* sigset_t, through commands.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

enum { MAX_REPORTED = 200 };

typedef struct validate_args {
    const char **files;
    size_t count;
} validate_args;

static int take_file(perfbudget_context *ctx, void *record, const char *value, const char *from,
                     const char *program) {
    (void)ctx, (void)from, (void)program;
    validate_args *a = record;
    a->files[a->count++] = value; /* room for every argument */
    return 0;
}

static const perfbudget_frontend_command validate_command = {
    .program = "perfbudget validate",
    .usage = "usage: %s FILE...",
    .summary = "Check budget files. Prints every problem as file:line:column: message on\n"
               "stderr. Exit status: 0 all files are valid, 2 otherwise.",
    .positional = take_file,
    .bare_names = 1,
};

int perfbudget_cli_validate(int argc, char **argv) {
    validate_args a = {calloc((size_t)argc, sizeof *a.files), 0};
    if (a.files == NULL) {
        fprintf(stderr, "perfbudget: out of memory\n");
        return 2;
    }
    int parsed = cli_parse(&validate_command, argc, argv, &a);
    if (parsed != 0 || a.count == 0) {
        free(a.files);
        return parsed == 1 ? 0 : parsed == 2 ? 2 : cli_usage_error(&validate_command);
    }
    perfbudget_context *ctx;
    if (perfbudget_context_new(&ctx) != PERFBUDGET_OK) {
        free(a.files);
        fprintf(stderr, "perfbudget: out of memory\n");
        return 2;
    }
    static perfbudget_budget_error errors[MAX_REPORTED];
    int exit_code = 0;
    for (size_t i = 0; i < a.count; i++) {
        const char *file = a.files[i];
        perfbudget_budget *budget = NULL;
        size_t count = 0;
        int status = perfbudget_budget_new_from_file(ctx, file, &budget, errors, MAX_REPORTED, &count);
        if (status == PERFBUDGET_OK) {
            printf("%s: ok (%zu budget%s)\n", file, perfbudget_budget_entry_count(budget),
                   perfbudget_budget_entry_count(budget) == 1 ? "" : "s");
        } else if (status == PERFBUDGET_EPARSE) {
            for (size_t e = 0; e < count && e < MAX_REPORTED; e++)
                fprintf(stderr, "%s:%d:%d: %s\n", file, errors[e].line, errors[e].column,
                        errors[e].message);
            if (count > MAX_REPORTED)
                fprintf(stderr, "%s: %zu more problems not shown\n", file,
                        count - MAX_REPORTED);
            exit_code = 2;
        } else {
            fprintf(stderr, "%s\n", perfbudget_errmsg(ctx));
            exit_code = 2;
        }
        perfbudget_budget_free(budget);
    }
    perfbudget_context_free(ctx);
    free(a.files);
    return exit_code;
}
