/* SPDX-License-Identifier: MIT */
/* The CLI's subcommands, one file each; argv[0] is the subcommand's name. */
#ifndef PERFBUDGET_CLI_COMMANDS_H
#define PERFBUDGET_CLI_COMMANDS_H

#include <perfbudget/perfbudget.h>

#include "../runner/frontend.h" /* the front ends' shared part (perfbudget_main) */

int perfbudget_cli_validate(int argc, char **argv);
int perfbudget_cli_run(int argc, char **argv);
int perfbudget_cli_check(int argc, char **argv);
int perfbudget_cli_session(int argc, char **argv);
int perfbudget_cli_history(int argc, char **argv);
int perfbudget_cli_baseline(int argc, char **argv);
int perfbudget_cli_report(int argc, char **argv);
int perfbudget_cli_compare(int argc, char **argv);

/* Options shared by run and check: how a result is judged and where it goes. */
typedef struct cli_common {
    const char *budget_path, *budget_name, *baseline_path, *json_path, *session_dir;
    const char *history_option; /* --history */
    const char *history;        /* resolved: option, $PERFBUDGET_HISTORY, budget file; or NULL */
    double threshold_pct;
    int ctest, force;
    perfbudget_budget *budget;
    perfbudget_frontend_verdict_options verdict;
} cli_common;

void cli_common_init(cli_common *c);
/* The rows of cli_common's options (--budget, --baseline, --threshold, ...), a group of the
 * tables of run and check. */
enum { CLI_JUDGING_OPTIONS = 10 };
extern const perfbudget_frontend_option cli_judging_options[CLI_JUDGING_OPTIONS];

/* Where history, baseline and report find the history: --history and --budget. */
typedef struct cli_location {
    const char *history_option, *budget_path;
} cli_location;
enum { CLI_LOCATION_OPTIONS = 2 };
extern const perfbudget_frontend_option cli_location_options[CLI_LOCATION_OPTIONS];

/* Parse a subcommand's arguments by its table (perfbudget_frontend_parse_options): 0 to go
 * on; 1 after --help or --version, 2 after a usage error, both printed. */
int cli_parse(const perfbudget_frontend_command *command, int argc, char **argv, void *options);
/* The command's help on stderr, after a usage error of its own; returns 2. */
int cli_usage_error(const perfbudget_frontend_command *command);

/* Load the budget and the baseline; 0, or 2 after printing an error. _budget and _baseline do
 * the two halves, for a caller that measures in between. */
int cli_common_load(perfbudget_context *ctx, cli_common *c);
int cli_common_load_budget(perfbudget_context *ctx, cli_common *c);
int cli_common_load_baseline(perfbudget_context *ctx, cli_common *c);
void cli_common_release(cli_common *c);
/* Judge and print every result, write --json; the exit code. */
int cli_conclude(perfbudget_context *ctx, cli_common *c, perfbudget_result **results,
                 size_t count, const char *suite);
/* Where a command finds the project's files when none are given, as git finds .git: the
 * current directory and then each parent, up to the root, is looked at for perfbudget.yml (1:
 * its path in budget) or else .perfbudget/history.sqlite (2: its path in history); 0: neither. */
int cli_discover(char *budget, size_t budget_size, char *history, size_t history_size);
/* The history a command uses: --history, else $PERFBUDGET_HISTORY, else the settings.history
 * of --budget or the discovered perfbudget.yml (cli_discover), else the discovered
 * .perfbudget/history.sqlite, else ./.perfbudget/history.sqlite; NULL after printing why.
 * read_only: the command only reads it (perfbudget_history_new_read_only()). */
perfbudget_history *cli_open_history(perfbudget_context *ctx, const char *program,
                                     const char *history_option, const char *budget_path,
                                     int read_only);

/* A duration option ("30s", "500ms"; a bare number is seconds); 0 on success. */
int cli_parse_time(const char *text, uint64_t *out);
/* A count option ("10"): decimal digits only, at most max; 0 on success, -1 for a sign, a
 * space, anything else or a value over max. */
int cli_parse_count(const char *text, uint64_t max, uint64_t *out);
/* Run cmd once and import the JSON it writes in an existing tool's format. */
int cli_import(perfbudget_context *ctx, const char *name, char **cmd,
               const perfbudget_command_options *command, const char *format,
               const char *output, perfbudget_result ***results, size_t *count);

#endif
