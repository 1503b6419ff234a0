/* SPDX-License-Identifier: MIT */
/* What the CLI and every suite's main() do alike once a result exists: judge it against the
 * budget and a baseline, print the verdict, file it in the CTest session. Part of the
 * perfbudget_main library, which may print; the core library never does. */
#ifndef PERFBUDGET_FRONTEND_H
#define PERFBUDGET_FRONTEND_H

#include <signal.h>
#include <stdio.h>

#include "internal.h"

/* How a perf test's result file in a session directory ends: `perfbudget session open` removes,
 * and `close` reads, only files named so, since the directory may hold the user's own files
 * (PERFBUDGET_SESSION_DIR=. once deleted a build tree's compile_commands.json). */
#define PERFBUDGET__SESSION_SUFFIX ".perfbudget-session.json"

/* Whether a file name in a session directory is a perf test's result (PERFBUDGET__SESSION_SUFFIX). */
int perfbudget__is_session_file(const char *file_name);

typedef struct perfbudget__verdict_options {
    const perfbudget_budget *budget;   /* NULL: no budget */
    const char *budget_name;           /* resolve this name instead of the result's */
    perfbudget_result **baseline;      /* results of a baseline file, or NULL */
    size_t baseline_count;
    double threshold_pct;              /* NaN: from the environment, the budget, or 5 */
    int ctest;                         /* CTest output: tags and PERFBUDGET_SKIP */
    int force;                         /* compare across environments anyway */
    const char *session_dir;           /* also write the result here */
    const char *history_path;          /* where run medians for the noise band come from */
    int64_t baseline_run;              /* the baseline's run (0: each benchmark's latest) */
    const char *fail_on;               /* --fail-on, already checked, or NULL: the budget's */
} perfbudget__verdict_options;

/* Load a budget file, printing every problem as file:line:column: message; NULL on failure. */
perfbudget_budget *perfbudget__load_budget(perfbudget_context *ctx, const char *program,
                                           const char *path);

/* The history to use: the --history option, else $PERFBUDGET_HISTORY, else the budget file's
 * settings.history; NULL for none. */
const char *perfbudget__history_path(const char *option, const perfbudget_budget *budget);

/* Load the baseline spec names: a result file, or in the history a baseline name, "latest",
 * "merge-base", "run:ID" or "commit:SHA". With no spec and $PERFBUDGET_REGRESSION=1,
 * $PERFBUDGET_BASELINE or else "latest". Prints which run was chosen and why.
 * 0 on success or when there is nothing to compare with yet, 2 after printing an error. */
int perfbudget__load_baseline(perfbudget_context *ctx, const char *program, const char *spec,
                              const char *history_path, perfbudget__verdict_options *o);

/* Append a run to the history with git's view of the current directory; 0, or 2 after
 * printing an error. A PostgreSQL history first takes the runs its spool holds; when it cannot
 * take the run, the run is kept in the spool (perfbudget__spool_directory()), which is said,
 * and that is no error: the verdicts stand. */
int perfbudget__record_run(perfbudget_context *ctx, const char *program, const char *history_path,
                           const char *source, perfbudget_result *const *results, size_t count);

/* Where runs wait that a PostgreSQL history could not take: $PERFBUDGET_SPOOL_DIR, else
 * .perfbudget/spool. Borrowed. */
const char *perfbudget__spool_directory(void);

/* Sends the spooled runs of the history at location (already open) to it, oldest first, each
 * removed from the spool once recorded; *sent: how many. PERFBUDGET_OK or the failure's code
 * (the runs not sent stay). */
int perfbudget__push_spool(perfbudget_context *ctx, perfbudget_history *history,
                           const char *location, size_t *sent);

/* Judge, compare, print the report to out and write the session file.
 * Returns the test status, or -1 after printing an I/O error. */
int perfbudget__conclude(perfbudget_context *ctx, const char *program, perfbudget_result *result,
                         const perfbudget__verdict_options *o, FILE *out);

/* Print a warning for each budget entry that matches none of the results: a typo must not
 * silently disable a budget. what names the scope ("suite", "run"). */
void perfbudget__warn_unused_entries(const perfbudget_budget *budget,
                                     perfbudget_result *const *results, size_t count,
                                     const char *what);

/* 1 when out is a terminal and NO_COLOR (https://no-color.org) is unset or empty. */
int perfbudget__use_colour(FILE *out);

/* Write a test report; with colour, each line's verdict word (FAIL, PASS, pass, warn, ...) is
 * coloured with ANSI escapes, the rest of the text unchanged. */
void perfbudget__write_report(FILE *out, const char *report, int colour);

/* On GitHub Actions ($GITHUB_STEP_SUMMARY set), append a Markdown report to the job summary. */
void perfbudget__add_step_summary(const char *markdown);

/* SIGINT, SIGTERM and SIGHUP while measured processes run. They are blocked and read from a
 * signalfd, which the core polls beside the process it waits for (cancel_fd), so an interrupt
 * kills the measured process group instead of leaving it to init; with no handler there is no
 * process-wide state to keep. A signal this process inherited as ignored (nohup, a background
 * job of a shell without job control) stays ignored. Linux; elsewhere fd is -1 and the signals
 * keep their default action. Children must be started with the mask in previous. */
typedef struct perfbudget__interrupt {
    int fd;           /* the signalfd, or -1 */
    sigset_t watched; /* the signals it reads */
    sigset_t previous; /* the signal mask before watching */
} perfbudget__interrupt;

void perfbudget__interrupt_watch(perfbudget__interrupt *w);
/* The watched signal that arrived (taken from the signalfd), or 0. */
int perfbudget__interrupt_caught(perfbudget__interrupt *w);
/* Stop watching: the mask as before, so a signal from now on (or one still pending) takes its
 * default action. */
void perfbudget__interrupt_stop(perfbudget__interrupt *w);
/* After the caller killed what it measured and before it recorded anything: say so on stderr
 * and end this process by the signal's default action, so that its parent sees it killed by
 * that signal (a shell's status 128 + the signal), as if perfbudget had caught nothing. */
_Noreturn void perfbudget__interrupt_die(perfbudget__interrupt *w, const char *program,
                                         int number);

/* "--threshold 5", "5%": a percentage >= 0, or -1. */
double perfbudget__parse_percent(const char *text);

#endif
