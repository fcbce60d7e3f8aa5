/* SPDX-License-Identifier: Apache-2.0 */
/* `ubur audit verify|list`: check the audit log's hash chain, read recent entries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_audit;

static int
run_audit(struct ubur_cli *cli, int argc, char **argv)
{
    const char *limit_s = NULL;
    bool json = false;
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {{"limit", &limit_s, NULL}, {"json", NULL, &json}, {0}};
    struct ubur_error err = UBUR_ERROR_INIT;
    int rc = ubur_cli_parse(cli, &ubur_cmd_audit, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos != 1)
        return ubur_cli_usage(&ubur_cmd_audit, "expected one subcommand: verify or list");
    if (!ubur_cli_store(cli))
        return 1;
    if (!strcmp(pos[0], "verify")) {
        int64_t checked, bad;
        rc = ubur_audit_verify(cli->store, &checked, &bad, &err);
        if (rc == UBUR_ECONFLICT) {
            fprintf(stderr, "ubur: audit log broken at entry %lld: %s\n", (long long)bad,
                    err.message);
            return 1;
        }
        if (rc)
            return ubur_cli_fail(&err);
        printf("audit log intact: %lld entries verified\n", (long long)checked);
        return 0;
    }
    if (!strcmp(pos[0], "list")) {
        long limit = 50;
        if (limit_s) {
            char *end;
            limit = strtol(limit_s, &end, 10);
            if (*end || limit < 1 || limit > 100000)
                return ubur_cli_usage(&ubur_cmd_audit, "--limit must be 1 to 100000");
        }
        json_t *arr, *e;
        size_t i;
        if (ubur_audit_list(cli->store, 0, limit, NULL, &arr, &err))
            return ubur_cli_fail(&err);
        if (json) {
            json_dumpf(arr, stdout, JSON_INDENT(2));
            putchar('\n');
        } else {
            json_array_foreach(arr, i, e)
            {
                const char *oid = json_string_value(json_object_get(e, "object_id"));
                printf("%6lld %s %-20s %-28s %s\n",
                       (long long)json_integer_value(json_object_get(e, "seq")),
                       json_string_value(json_object_get(e, "at")),
                       json_string_value(json_object_get(e, "username")),
                       json_string_value(json_object_get(e, "action")), oid ? oid : "");
            }
        }
        json_decref(arr);
        return 0;
    }
    return ubur_cli_usage(&ubur_cmd_audit, "unknown subcommand '%s'", pos[0]);
}

const struct ubur_cmd ubur_cmd_audit = {
    .name = "audit",
    .summary = "verify the audit log's hash chain, or list recent entries",
    .usage = "usage: ubur audit verify\n"
             "       ubur audit list [--limit N] [--json]\n"
             "  verify exits 1 and names the first altered, deleted or reordered entry.\n",
    .run = run_audit,
};
