/* SPDX-License-Identifier: MIT */
/* perfbudget run --format: run a benchmark tool once and import the JSON it writes. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

/* "the output of 'CMD ARGS'": how messages name a captured output, whose temporary file the
 * user never saw. Long command lines are shortened. */
static void name_output(char *const *cmd, char *out, size_t size) {
    char line[160] = "";
    size_t used = 0;
    for (size_t i = 0; cmd[i] != NULL && used < sizeof line; i++)
        used += (size_t)snprintf(line + used, sizeof line - used, "%s%s", i ? " " : "", cmd[i]);
    if (used >= sizeof line) strcpy(line + sizeof line - 4, "...");
    snprintf(out, size, "the output of '%s'", line);
}

int cli_import(perfbudget_context *ctx, const char *name, char **cmd,
               const perfbudget_command_options *command, const char *format,
               const char *output, perfbudget_result ***results, size_t *count) {
    char temporary[4096] = "", shown_as[200];
    perfbudget_command_options once = *command;
    once.warmup_runs = 0;
    once.runs = 1;
    if (output == NULL) {
        /* The tool writes its JSON to standard output: keep that in a file of our own. */
        const char *dir = getenv("TMPDIR");
        snprintf(temporary, sizeof temporary, "%s/perfbudget-import-XXXXXX",
                 dir && dir[0] ? dir : "/tmp");
        int fd = mkstemp(temporary);
        if (fd < 0) {
            perror("perfbudget run: temporary file");
            return 2;
        }
        close(fd);
        once.stdout_path = temporary;
        output = temporary;
        name_output(cmd, shown_as, sizeof shown_as);
    } else {
        snprintf(shown_as, sizeof shown_as, "%s", output);
    }
    perfbudget_result *run = NULL;
    int exit_code = 0;
    if (perfbudget_command_measure(ctx, name, cmd, &once, &run) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget run: %s\n", perfbudget_errmsg(ctx));
        exit_code = 2;
    } else if (perfbudget_result_status(run) != PERFBUDGET_RUN_OK) {
        /* The tool itself failed: that failure is the result. */
        *results = calloc(1, sizeof **results);
        if (*results == NULL) exit_code = 2;
        else (*results)[0] = run, *count = 1, run = NULL;
    } else if (perfbudget_results_new_imported_as(ctx, output, shown_as, format, name, results,
                                                  count) != PERFBUDGET_OK) {
        fprintf(stderr, "perfbudget run: %s\n", perfbudget_errmsg(ctx));
        exit_code = 2;
    }
    perfbudget_result_free(run);
    if (temporary[0] != '\0') unlink(temporary);
    return exit_code;
}
