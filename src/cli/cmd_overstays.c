/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur overstays`: travellers whose authorised stay ended before a day and
 * who had not left by then, longest overstay first (the same list as
 * GET /api/v1/border/overstays).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ubur/border.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_overstays;

static const char *
str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "-";
}

static int
run_overstays(struct ubur_cli *cli, int argc, char **argv)
{
    const char *as_of_s = NULL, *limit_s = NULL;
    bool json = false;
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {
        {"as-of", &as_of_s, NULL},
        {"limit", &limit_s, NULL},
        {"json", NULL, &json},
        {0},
    };
    struct ubur_error err = UBUR_ERROR_INIT;
    int rc = ubur_cli_parse(cli, &ubur_cmd_overstays, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos)
        return ubur_cli_usage(&ubur_cmd_overstays, "unexpected argument '%s'", pos[0]);
    int64_t as_of = ubur_border_day_now(), limit = 1000;
    if (as_of_s && ubur_date_parse(as_of_s, &as_of, NULL))
        return ubur_cli_usage(&ubur_cmd_overstays, "--as-of '%s' is not a date YYYY-MM-DD",
                              as_of_s);
    if (limit_s) {
        char *end;
        limit = strtoll(limit_s, &end, 10);
        if (*end || limit < 1 || limit > 1000000)
            return ubur_cli_usage(&ubur_cmd_overstays, "--limit must be 1 to 1000000");
    }
    if (!ubur_cli_store(cli))
        return 1;
    json_t *arr;
    if (ubur_border_overstays(&cli->ctx, as_of, limit, &arr, &err))
        return ubur_cli_fail(&err);
    char day[UBUR_DATE_LEN + 1];
    ubur_date_format(as_of, day);
    if (json) {
        json_t *o = json_pack("{s:s, s:o}", "as_of", day, "overstays", arr);
        json_dumpf(o, stdout, JSON_INDENT(2));
        putchar('\n');
        json_decref(o);
        return 0;
    }
    size_t i;
    json_t *r;
    printf("%-36s %-28s %-4s %-5s %-10s %-10s %-10s %s\n", "TRAVELLER", "NAME", "NAT", "STATE",
           "BASIS", "ENTERED", "UNTIL", "DAYS OVER");
    json_array_foreach(arr, i, r)
    {
        char name[64];
        snprintf(name, sizeof(name), "%s %s", str(r, "surname"), str(r, "given_names"));
        printf("%-36s %-28.28s %-4s %-5s %-10s %-10s %-10s %lld\n", str(r, "traveller_id"), name,
               str(r, "nationality"), str(r, "state"), str(r, "basis"), str(r, "entry_date"),
               str(r, "authorised_until"),
               (long long)json_integer_value(json_object_get(r, "overstay_days")));
    }
    printf("%zu overstayer%s on %s\n", json_array_size(arr), json_array_size(arr) == 1 ? "" : "s",
           day);
    json_decref(arr);
    return 0;
}

const struct ubur_cmd ubur_cmd_overstays = {
    .name = "overstays",
    .summary = "list travellers who overstayed their authorised stay",
    .usage = "usage: ubur overstays [--as-of YYYY-MM-DD] [--limit N] [--json]\n"
             "  Travellers whose authorised stay (per visa, or N days in any M-day window for\n"
             "  visa-free entry) ended before the day (default today, UTC) and who had not\n"
             "  left by then, longest overstay first.\n",
    .run = run_overstays,
};
