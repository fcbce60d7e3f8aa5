/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur stats SUBJECT`: statistics straight from the records. Each subject
 * is one row of the table below (a name, a summary and a function), so a
 * module adds its statistics with one line here and one function in its
 * own file.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_stats;

/* `ubur stats crossings` (src/cli/stats_crossings.c). */
int ubur_stats_crossings(struct ubur_cli *cli, const struct ubur_cmd *cmd, int argc, char **argv);

static const struct stats_subject {
    const char *name;
    const char *summary;
    int (*run)(struct ubur_cli *cli, const struct ubur_cmd *cmd, int argc, char **argv);
} subjects[] = {
    {"crossings", "traffic per crossing point, day, hour, direction, nationality, decision",
     ubur_stats_crossings},
    {NULL, NULL, NULL},
};

static int
run_stats(struct ubur_cli *cli, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(ubur_cmd_stats.usage, argc < 2 ? stderr : stdout);
        for (const struct stats_subject *s = subjects; s->name; s++)
            fprintf(argc < 2 ? stderr : stdout, "  %-12s %s\n", s->name, s->summary);
        return argc < 2 ? 2 : 0;
    }
    for (const struct stats_subject *s = subjects; s->name; s++)
        if (!strcmp(argv[1], s->name))
            return s->run(cli, &ubur_cmd_stats, argc - 1, argv + 1);
    return ubur_cli_usage(&ubur_cmd_stats, "unknown statistics '%s'", argv[1]);
}

const struct ubur_cmd ubur_cmd_stats = {
    .name = "stats",
    .summary = "statistics computed from the records",
    .usage = "usage: ubur stats SUBJECT [OPTIONS]   (ubur stats SUBJECT --help)\n"
             "subjects:\n",
    .run = run_stats,
};
