/* SPDX-License-Identifier: Apache-2.0 */
/* `ubur help [COMMAND]` and `ubur version`. */
#include <stdio.h>

#include "cli.h"
#include "ubur/banned.h"

#ifndef UBUR_VERSION
#define UBUR_VERSION "0.1.0"
#endif

extern const struct ubur_cmd ubur_cmd_version;

static int
run_help(struct ubur_cli *cli, int argc, char **argv)
{
    (void)cli;
    if (argc < 2) {
        printf("usage: ubur [--db PATH] [--pg CONNINFO] COMMAND [ARGS]\n\ncommands:\n");
        for (int i = 0; ubur_commands[i]; i++)
            printf("  %-12s %s\n", ubur_commands[i]->name, ubur_commands[i]->summary);
        return 0;
    }
    const struct ubur_cmd *cmd = ubur_cli_find(argv[1]);
    if (!cmd)
        return ubur_cli_failf(2, "unknown command '%s'", argv[1]);
    fputs(cmd->usage, stdout);
    return 0;
}

static int
run_version(struct ubur_cli *cli, int argc, char **argv)
{
    char **pos;
    int npos;
    int rc = ubur_cli_parse(cli, &ubur_cmd_version, argc, argv, NULL, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    printf("ubur %s\n", UBUR_VERSION);
    return 0;
}

const struct ubur_cmd ubur_cmd_help = {
    .name = "help",
    .summary = "show the commands, or one command's usage",
    .usage = "usage: ubur help [COMMAND]\n",
    .run = run_help,
    .flags = UBUR_CMD_NODB,
};

const struct ubur_cmd ubur_cmd_version = {
    .name = "version",
    .summary = "print ubur's version",
    .usage = "usage: ubur version\n",
    .run = run_version,
    .flags = UBUR_CMD_NODB,
};
