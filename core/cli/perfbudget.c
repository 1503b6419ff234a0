/* SPDX-License-Identifier: MIT */
/* The perfbudget command line. Exit codes: 0 pass, 1 a budget or regression failed, 2 usage or
 * input error. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: perfbudget COMMAND [ARGS...]\n\n"
            "commands:\n"
            "  run -- CMD...      time a command over repeated runs and judge it\n"
            "  check RESULT       judge a result file against a budget and a baseline\n"
            "  session open|close DIR   the CTest fixtures around one ctest run\n"
            "  history [runs|prune]     trends, steps and upkeep of the history\n"
            "  baseline save|list|export|import   named runs to compare with\n"
            "  report [--format md|csv|json]      a run as a report\n"
            "  validate FILE...   check budget files; errors as file:line:column: message\n"
            "  version            print the version\n\n"
            "Run 'perfbudget COMMAND --help' for a command's options.\n"
            "Exit status: 0 pass, 1 a budget or regression failed, 2 usage or input error.\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("perfbudget %s\n", perfbudget_version());
        return 0;
    }
    if (strcmp(argv[1], "validate") == 0) return perfbudget_cli_validate(argc - 1, argv + 1);
    if (strcmp(argv[1], "run") == 0) return perfbudget_cli_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0) return perfbudget_cli_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "session") == 0) return perfbudget_cli_session(argc - 1, argv + 1);
    if (strcmp(argv[1], "history") == 0) return perfbudget_cli_history(argc - 1, argv + 1);
    if (strcmp(argv[1], "baseline") == 0) return perfbudget_cli_baseline(argc - 1, argv + 1);
    if (strcmp(argv[1], "report") == 0) return perfbudget_cli_report(argc - 1, argv + 1);
    fprintf(stderr, "perfbudget: unknown command '%s' (see perfbudget --help)\n", argv[1]);
    return 2;
}
