/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur stats crossings`: traffic figures per crossing point, day, hour,
 * direction, nationality and decision, read from the summary table that
 * every record updates in its own transaction (see cmd_stats.c for the
 * table of subjects).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ubur/border.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_stats;
int ubur_cli_stats_crossings(struct ubur_cli *cli, int argc, char **argv);

static const char usage[] =
    "usage: ubur stats crossings [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--by LIST]\n"
    "                            [--format table|csv|json]\n"
    "  Counts of recorded crossings (entries, exits and refusals) between two days\n"
    "  (default: the 30 days up to today, UTC), grouped by LIST, a comma-separated\n"
    "  list of crossing, state, day, hour, direction, nationality, decision\n"
    "  (default crossing,direction,decision).\n";

int
ubur_cli_stats_crossings(struct ubur_cli *cli, int argc, char **argv)
{
    const char *from_s = NULL, *to_s = NULL, *by = NULL, *format = "table";
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {
        {"from", &from_s, NULL},
        {"to", &to_s, NULL},
        {"by", &by, NULL},
        {"format", &format, NULL},
        {0},
    };
    struct ubur_cmd sub = ubur_cmd_stats;
    sub.usage = usage;
    struct ubur_error err = UBUR_ERROR_INIT;
    int rc = ubur_cli_parse(cli, &sub, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos)
        return ubur_cli_usage(&sub, "unexpected argument '%s'", pos[0]);
    if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json"))
        return ubur_cli_usage(&sub, "--format must be table, csv or json");
    int64_t to = ubur_border_day_now(), from;
    if (to_s && ubur_date_parse(to_s, &to, NULL))
        return ubur_cli_usage(&sub, "--to '%s' is not a date YYYY-MM-DD", to_s);
    from = to - 29;
    if (from_s && ubur_date_parse(from_s, &from, NULL))
        return ubur_cli_usage(&sub, "--from '%s' is not a date YYYY-MM-DD", from_s);
    if (!ubur_cli_store(cli))
        return 1;
    json_t *o;
    if (ubur_border_traffic(&cli->ctx, from, to, by, &o, &err))
        return ubur_cli_fail(&err);
    if (!strcmp(format, "json")) {
        json_dumpf(o, stdout, JSON_INDENT(2));
        putchar('\n');
    } else {
        struct ubur_buf b = UBUR_BUF_INIT;
        if (!strcmp(format, "csv"))
            ubur_border_traffic_csv(o, &b);
        else
            ubur_border_traffic_table(o, &b);
        fwrite(b.s, 1, b.len, stdout);
        ubur_buf_release(&b);
    }
    json_decref(o);
    return 0;
}
