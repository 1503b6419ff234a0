/* SPDX-License-Identifier: MIT */
/* The CLI's subcommands, one file each; argv[0] is the subcommand's name. */
#ifndef PERFBUDGET_CLI_COMMANDS_H
#define PERFBUDGET_CLI_COMMANDS_H

#include <perfbudget/perfbudget.h>

int perfbudget_cli_validate(int argc, char **argv);

#endif
