/* SPDX-License-Identifier: MIT */
/* What the CLI and every suite's main() do alike once a result exists: judge it against the
 * budget and a baseline, print the verdict, file it in the CTest session. Part of the
 * perfbudget_main library, which may print; the core library never does. */
#ifndef PERFBUDGET_FRONTEND_H
#define PERFBUDGET_FRONTEND_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include <perfbudget/perfbudget.h>

/* How a perf test's result file in a session directory ends: `perfbudget session open` removes,
 * and `close` reads, only files named so, since the directory may hold the user's own files
 * (PERFBUDGET_SESSION_DIR=. once deleted a build tree's compile_commands.json). */
#define PERFBUDGET_FRONTEND_SESSION_SUFFIX ".perfbudget-session.json"

/* Whether a file name in a session directory is a perf test's result (named with
 * PERFBUDGET_FRONTEND_SESSION_SUFFIX). */
int perfbudget_frontend_is_session_file(const char *file_name);

typedef struct perfbudget_frontend_verdict_options {
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
} perfbudget_frontend_verdict_options;

/* The judging options every front end takes (--budget, --budget-name, --threshold, --fail-on,
 * --ctest, --force, --session, --history), as given; NULL, NaN or 0 when not given. */
typedef struct perfbudget_frontend_judging {
    const char *budget_path, *budget_name, *fail_on, *session_dir, *history_option;
    double threshold_pct;
    int ctest, force;
} perfbudget_frontend_judging;

/* What the CLI and perfbudget_main do alike before judging: load given->budget_path (NULL: no
 * budget) into *budget (the caller frees it with perfbudget_budget_free()), fill *o from given
 * and the budget (its baseline fields are left as they are), and resolve the history
 * (perfbudget_frontend_history_path) into *history. 0, or 2 after printing the budget's
 * problems. */
int perfbudget_frontend_prepare_verdict(perfbudget_context *ctx, const char *program,
                                        const perfbudget_frontend_judging *given,
                                        perfbudget_budget **budget,
                                        perfbudget_frontend_verdict_options *o,
                                        const char **history);

/* ---- Command-line options: one table per command (the C twin of settings.py's Spec) ---- */

typedef enum perfbudget_frontend_option_kind {
    PERFBUDGET_FRONTEND_FLAG,       /* no value: stores the option's number in an int */
    PERFBUDGET_FRONTEND_TEXT,       /* a value kept as given: a const char * */
    PERFBUDGET_FRONTEND_PARSED,     /* a value given to the option's parse() */
    PERFBUDGET_FRONTEND_PARSED_FLAG /* no value: parse() is called with NULL */
} perfbudget_frontend_option_kind;

/* The option's own rule for its value (NULL for a flag), given on the command line (from: the
 * option's name) or by its variable (from: the variable's name): 0 taken, -1 invalid (the parser
 * says so, naming the value and from), 2 after printing a message of its own. */
typedef int (*perfbudget_frontend_parse_fn)(perfbudget_context *ctx, void *options,
                                            const char *value, const char *from,
                                            const char *program);

typedef struct perfbudget_frontend_option {
    const char *name;         /* "--budget" */
    const char *value_name;   /* "FILE", as the help shows the value; NULL for a flag */
    perfbudget_frontend_option_kind kind;
    size_t destination;       /* FLAG and TEXT: offsetof() the field in the options record */
    int number;               /* FLAG: the value stored */
    perfbudget_frontend_parse_fn parse; /* PARSED, PARSED_FLAG */
    const char *environment;  /* a variable that sets it when not given (read before argv) */
    const char *help;         /* for --help, wrapped to the terminal's 80 columns */
} perfbudget_frontend_option;

/* Rows of a table whose options record is of type `type`. */
#define PERFBUDGET_FRONTEND_FLAG_ROW(name, type, field, number, help)                            \
    {name, NULL, PERFBUDGET_FRONTEND_FLAG, offsetof(type, field), number, NULL, NULL, help}
#define PERFBUDGET_FRONTEND_TEXT_ROW(name, value, type, field, help)                             \
    {name, value, PERFBUDGET_FRONTEND_TEXT, offsetof(type, field), 0, NULL, NULL, help}
#define PERFBUDGET_FRONTEND_PARSED_ROW(name, value, parse, environment, help)                    \
    {name, value, PERFBUDGET_FRONTEND_PARSED, 0, 0, parse, environment, help}
#define PERFBUDGET_FRONTEND_PARSED_FLAG_ROW(name, parse, help)                                   \
    {name, NULL, PERFBUDGET_FRONTEND_PARSED_FLAG, 0, 0, parse, NULL, help}
#define PERFBUDGET_FRONTEND_COUNT(table) (sizeof(table) / sizeof *(table))

/* Rows several commands share (the judging options of run and check, say), writing into a
 * record of their own inside the command's options record. */
typedef struct perfbudget_frontend_option_group {
    const perfbudget_frontend_option *options;
    size_t count;
    size_t base; /* offsetof() the group's record in the command's options record: destinations
                    are offsets in it, and parse() is given its address */
} perfbudget_frontend_option_group;

/* The arguments after "--" (a command to run), NULL-terminated as main()'s argv is; argc 0
 * when there was no "--". */
typedef struct perfbudget_frontend_rest {
    char **argv;
    int argc;
} perfbudget_frontend_rest;

typedef struct perfbudget_frontend_command {
    const char *usage;        /* "usage: %s [options]" (%s: the program) */
    const char *summary;      /* what the command does, a line or a paragraph */
    const perfbudget_frontend_option *options;
    size_t count;
    const char *epilogue;     /* after the options ("Exit status: ..."), or NULL */
    const char *program;      /* the name messages and the help give ("perfbudget run");
                                 NULL: argv[0] */
    const perfbudget_frontend_option_group *groups; /* shared rows, after the command's own */
    size_t group_count;
    /* Each argument that is not an option ("-" alone is one), in order, given as value with
     * from NULL; it returns as parse() does. NULL: such an argument is a usage error. */
    perfbudget_frontend_parse_fn positional;
    int takes_rest;           /* 1: "--" ends the options, and what follows goes to the
                                 perfbudget_frontend_rest at offset rest */
    size_t rest;
    int bare_names;           /* name an unknown option without quotes, as the CLI always has */
} perfbudget_frontend_command;

/* Parse argv[1..argc) into options by the command's table: for each option not given on the
 * command line its environment variable (when set and not empty) first, then the arguments.
 * --help and -h print the help (perfbudget_frontend_print_help) and --version perfbudget's
 * version. 0; 1 after --help or --version; 2 after printing a usage error (unknown option,
 * missing or invalid value, unexpected argument). */
int perfbudget_frontend_parse_options(perfbudget_context *ctx,
                                      const perfbudget_frontend_command *command, int argc,
                                      char **argv, void *options);

/* The help: the usage line, the summary, each option with its value and help (and its
 * environment variable), the shared ones after the command's own, then the epilogue. */
void perfbudget_frontend_print_help(FILE *out, const perfbudget_frontend_command *command,
                                    const char *program);

/* Load a budget file, printing every problem as file:line:column: message; NULL on failure. */
perfbudget_budget *perfbudget_frontend_load_budget(perfbudget_context *ctx, const char *program,
                                                   const char *path);

/* The history to use: the --history option, else $PERFBUDGET_HISTORY, else the budget file's
 * settings.history; NULL for none. */
const char *perfbudget_frontend_history_path(const char *option, const perfbudget_budget *budget);

/* Load the baseline spec names: a result file, or in the history a baseline name, "latest",
 * "merge-base", "run:ID" or "commit:SHA". With no spec and $PERFBUDGET_REGRESSION=1,
 * $PERFBUDGET_BASELINE or else "latest". Prints which run was chosen and why.
 * 0 on success or when there is nothing to compare with yet, 2 after printing an error. */
int perfbudget_frontend_load_baseline(perfbudget_context *ctx, const char *program,
                                      const char *spec, const char *history_path,
                                      perfbudget_frontend_verdict_options *o);

/* Append a run to the history with git's view of the current directory; 0, or 2 after
 * printing an error. */
int perfbudget_frontend_record_run(perfbudget_context *ctx, const char *program,
                                   const char *history_path, const char *source,
                                   perfbudget_result *const *results, size_t count);

/* Judge, compare, print the report to out and write the session file.
 * Returns the test status, or -1 after printing an I/O error. */
int perfbudget_frontend_conclude(perfbudget_context *ctx, const char *program,
                                 perfbudget_result *result,
                                 const perfbudget_frontend_verdict_options *o, FILE *out);

/* Print a warning for each budget entry that matches none of the results: a typo must not
 * silently disable a budget. what names the scope ("suite", "run"). */
void perfbudget_frontend_warn_unused_entries(const perfbudget_budget *budget,
                                             perfbudget_result *const *results, size_t count,
                                             const char *what);

/* After a run is judged, once: the budget's alerts (perfbudget_alerts_send), each delivery said
 * on stdout and each failure as a warning on stderr. A failure never changes a test's result,
 * so nothing is returned. */
void perfbudget_frontend_send_alerts(perfbudget_context *ctx, const char *program,
                                     const perfbudget_budget *budget,
                                     perfbudget_result *const *results, size_t count);

/* 1 when out is a terminal and NO_COLOR (https://no-color.org) is unset or empty. */
int perfbudget_frontend_use_colour(FILE *out);

/* Write a test report; with colour, each line's verdict word (FAIL, PASS, pass, warn, ...) is
 * coloured with ANSI escapes, the rest of the text unchanged. */
void perfbudget_frontend_write_report(FILE *out, const char *report, int colour);

/* On GitHub Actions ($GITHUB_STEP_SUMMARY set), append a Markdown report to the job summary. */
void perfbudget_frontend_add_step_summary(const char *markdown);

/* SIGINT, SIGTERM and SIGHUP while measured processes run. They are blocked and read from a
 * signalfd, which the core polls beside the process it waits for (cancel_fd), so an interrupt
 * kills the measured process group instead of leaving it to init; with no handler there is no
 * process-wide state to keep. A signal this process inherited as ignored (nohup, a background
 * job of a shell without job control) stays ignored. Linux; elsewhere fd is -1 and the signals
 * keep their default action. Children must be started with the mask in previous. */
typedef struct perfbudget_frontend_interrupt {
    int fd;           /* the signalfd, or -1 */
    sigset_t watched; /* the signals it reads */
    sigset_t previous; /* the signal mask before watching */
} perfbudget_frontend_interrupt;

void perfbudget_frontend_interrupt_watch(perfbudget_frontend_interrupt *w);
/* The watched signal that arrived (taken from the signalfd), or 0. */
int perfbudget_frontend_interrupt_caught(perfbudget_frontend_interrupt *w);
/* Stop watching: the mask as before, so a signal from now on (or one still pending) takes its
 * default action. */
void perfbudget_frontend_interrupt_stop(perfbudget_frontend_interrupt *w);
/* After the caller killed what it measured and before it recorded anything: say so on stderr
 * and end this process by the signal's default action, so that its parent sees it killed by
 * that signal (a shell's status 128 + the signal), as if perfbudget had caught nothing. */
_Noreturn void perfbudget_frontend_interrupt_die(perfbudget_frontend_interrupt *w,
                                                 const char *program,
                                                 int number);

/* "--threshold 5", "5%": a percentage >= 0, or -1. */
double perfbudget_frontend_parse_percent(const char *text);

#endif
