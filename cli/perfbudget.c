/* SPDX-License-Identifier: MIT */
/* The perfbudget command line. Exit codes: 0 pass, 1 a budget or regression failed, 2 usage or
 * input error. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

static void usage(FILE *out) {
    char formats[256];
    perfbudget_report_format_list(formats, sizeof formats);
    fprintf(out,
            "usage: perfbudget COMMAND [ARGS...]\n\n"
            "commands:\n"
            "  run -- CMD...      time a command over repeated runs and judge it\n"
            "  check RESULT       judge a result file against a budget and a baseline\n"
            "  compare --interleave A.so B.so   baseline and candidate measured alternately\n"
            "  session open|close DIR   the CTest fixtures around one ctest run\n"
            "  history [runs|prune]     trends, steps and upkeep of the history\n"
            "  baseline save|list|export|import   named runs to compare with\n"
            "  report [--format FORMAT]           a run as a report; FORMAT is one of\n"
            "    %s\n"
            "  validate FILE...   check budget files; errors as file:line:column: message\n"
            "  version            print the version\n\n"
            "Run 'perfbudget COMMAND --help' for a command's options.\n"
            "Exit status: 0 pass, 1 a budget or regression failed, 2 usage or input error.\n",
            formats);
}

static int dispatch(int argc, char **argv);

/* Started with stdin, stdout or stderr closed: /dev/null takes the place, so no file opened
 * later (a history, a result) becomes fd 1 or 2 and receives the report. Returns whether
 * stdout was one of them. */
static int fill_standard_fds(void) {
    int stdout_closed = 0;
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
        stdout_closed |= fd == 1;
        int null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (null >= 0 && null != fd) { /* lower fds are open, so this is only a safeguard */
            dup2(null, fd);
            close(null);
        }
    }
    return stdout_closed;
}

/* A report nobody received is a failure, not a pass: a full disk, a closed pipe, a closed
 * stdout turn the exit status into 2 and say so (coreutils' close_stdout does the same). */
int main(int argc, char **argv) {
    int stdout_closed = fill_standard_fds();
    int code = dispatch(argc, argv);
    errno = 0;
    int flush_failed = fflush(stdout) != 0;
    int error = errno;
    if (stdout_closed || flush_failed || ferror(stdout)) {
        fprintf(stderr, "perfbudget: cannot write to standard output: %s\n",
                stdout_closed  ? "it is closed"
                : flush_failed ? strerror(error)
                               : "an earlier write failed");
        return 2;
    }
    return code;
}

static int dispatch(int argc, char **argv) {
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
    if (strcmp(argv[1], "compare") == 0) return perfbudget_cli_compare(argc - 1, argv + 1);
    if (strcmp(argv[1], "session") == 0) return perfbudget_cli_session(argc - 1, argv + 1);
    if (strcmp(argv[1], "history") == 0) return perfbudget_cli_history(argc - 1, argv + 1);
    if (strcmp(argv[1], "baseline") == 0) return perfbudget_cli_baseline(argc - 1, argv + 1);
    if (strcmp(argv[1], "report") == 0) return perfbudget_cli_report(argc - 1, argv + 1);
    fprintf(stderr, "perfbudget: unknown command '%s' (see perfbudget --help)\n", argv[1]);
    return 2;
}
