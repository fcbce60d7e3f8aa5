/* SPDX-License-Identifier: Apache-2.0 */
/* `ubur retention run [--dry-run] [--json]`: apply the retention rules. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "ubur/retention.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_retention;

static int
run_retention(struct ubur_cli *cli, int argc, char **argv)
{
    bool dry = false, json = false;
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {{"dry-run", NULL, &dry}, {"json", NULL, &json}, {0}};
    struct ubur_error err = UBUR_ERROR_INIT;
    int rc = ubur_cli_parse(cli, &ubur_cmd_retention, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos != 1 || strcmp(pos[0], "run"))
        return ubur_cli_usage(&ubur_cmd_retention, "expected: retention run");
    if (!ubur_cli_store(cli))
        return 1;
    json_t *report, *r;
    size_t i;
    if (ubur_retention_run(&cli->ctx, dry, &report, &err))
        return ubur_cli_fail(&err);
    if (json) {
        json_dumpf(report, stdout, JSON_INDENT(2));
        putchar('\n');
    } else {
        json_array_foreach(report, i, r)
        {
            printf("%-22s %3lld years, before %s: %lld %s%s\n",
                   json_string_value(json_object_get(r, "rule")),
                   (long long)json_integer_value(json_object_get(r, "years")),
                   json_string_value(json_object_get(r, "cutoff")),
                   (long long)json_integer_value(json_object_get(r, "records")),
                   json_string_value(json_object_get(r, "what")),
                   dry ? " (dry run: nothing erased)" : "");
        }
    }
    json_decref(report);
    return 0;
}

const struct ubur_cmd ubur_cmd_retention = {
    .name = "retention",
    .summary = "erase personal data past its retention period",
    .usage = "usage: ubur retention run [--dry-run] [--json]\n"
             "  Rules and their periods (settings retention.<rule>.years):\n"
             "    movements_closed      3   entry/exit records of completed stays, refusals\n"
             "    movements_open        5   entries never matched by an exit\n"
             "    registrations_closed  10  closed registrations\n"
             "  Erased data leaves an audit entry with the counts, not the data.\n",
    .run = run_retention,
};
