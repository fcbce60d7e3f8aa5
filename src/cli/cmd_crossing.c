/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur crossing list|show|schedule|add|visa-free`: the crossing point
 * registry, its operating schedules and the visa-free stay rules, through
 * the same services as /api/v1/crossings.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ubur/border.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_crossing;

static void
print_json(json_t *o)
{
    json_dumpf(o, stdout, JSON_INDENT(2));
    putchar('\n');
}

static const char *
str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "-";
}

static int
parse_time_opt(const char *s, const char *name, int64_t *out)
{
    if (!s) {
        *out = ubur_now();
        return 0;
    }
    if (ubur_time_parse(s, out, NULL))
        return ubur_cli_usage(&ubur_cmd_crossing, "--%s '%s' is not a time (YYYY-MM-DDTHH:MM)",
                              name, s);
    return 0;
}

static void
print_list(json_t *arr)
{
    size_t i;
    json_t *c;
    printf("%-14s %-5s %-24s %-16s %-11s %-14s %s\n", "ID", "STATE", "NAME", "MODE", "HOURS",
           "PARTNER", "SINCE");
    json_array_foreach(arr, i, c)
    {
        const char *since = str(c, "mode_since");
        printf("%-14s %-5s %-24s %-16s %-11s %-14s %.10s\n", str(c, "id"), str(c, "state"),
               str(c, "name"), str(c, "mode"), str(c, "hours"), str(c, "partner_id"), since);
        json_t *next = json_object_get(c, "next_change");
        if (json_is_object(next))
            printf("%-14s   then %s from %s\n", "", str(next, "mode"), str(next, "effective_from"));
    }
}

static void
print_show(json_t *c)
{
    printf("%s: %s (%s, %s)\n", str(c, "id"), str(c, "name"), str(c, "governorate"),
           str(c, "state"));
    if (json_is_string(json_object_get(c, "name_ar")))
        printf("  name (ar): %s\n", str(c, "name_ar"));
    json_t *lat = json_object_get(c, "latitude"), *lon = json_object_get(c, "longitude");
    if (json_is_number(lat) && json_is_number(lon))
        printf("  location:  %.4f, %.4f\n", json_number_value(lat), json_number_value(lon));
    json_t *p = json_object_get(c, "partner");
    if (json_is_object(p))
        printf("  partner:   %s: %s (%s)\n", str(p, "id"), str(p, "name"), str(p, "state"));
    printf("  mode:      %s (%s)%s%s\n", str(c, "mode"), str(c, "mode_description"),
           json_is_string(json_object_get(c, "hours")) ? ", hours " : "",
           json_is_string(json_object_get(c, "hours")) ? str(c, "hours") : "");
    if (json_is_string(json_object_get(c, "categories")))
        printf("  allowed:   %s\n", str(c, "categories"));
    printf("  schedule:\n");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(c, "schedule"), i, r)
    {
        const char *flag = json_is_true(json_object_get(r, "in_force"))     ? "in force"
                           : json_is_true(json_object_get(r, "upcoming"))   ? "upcoming"
                           : json_is_true(json_object_get(r, "superseded")) ? "superseded"
                                                                            : "past";
        printf("    %s  %-16s %-11s %-10s %s%s%s\n", str(r, "effective_from"), str(r, "mode"),
               json_is_string(json_object_get(r, "hours")) ? str(r, "hours") : "", flag,
               json_is_string(json_object_get(r, "categories")) ? str(r, "categories") : "",
               json_is_string(json_object_get(r, "note")) ? "  # " : "",
               json_is_string(json_object_get(r, "note")) ? str(r, "note") : "");
    }
}

static int
parse_double(const char *s, const char *name, double *out)
{
    if (!s) {
        *out = NAN;
        return 0;
    }
    char *end;
    *out = strtod(s, &end);
    if (!*s || *end)
        return ubur_cli_usage(&ubur_cmd_crossing, "--%s '%s' is not a number", name, s);
    return 0;
}

static int
run_crossing(struct ubur_cli *cli, int argc, char **argv)
{
    const char *at_s = NULL, *mode = NULL, *from_s = NULL, *hours = NULL, *cats = NULL,
               *note = NULL, *name = NULL, *name_ar = NULL, *state = NULL, *gov = NULL,
               *lat_s = NULL, *lon_s = NULL, *partner = NULL, *offset_s = NULL, *days_s = NULL,
               *window_s = NULL;
    bool json = false, remove = false;
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {
        {"at", &at_s, NULL},
        {"mode", &mode, NULL},
        {"from", &from_s, NULL},
        {"hours", &hours, NULL},
        {"categories", &cats, NULL},
        {"note", &note, NULL},
        {"name", &name, NULL},
        {"name-ar", &name_ar, NULL},
        {"state", &state, NULL},
        {"governorate", &gov, NULL},
        {"lat", &lat_s, NULL},
        {"lon", &lon_s, NULL},
        {"partner", &partner, NULL},
        {"utc-offset", &offset_s, NULL},
        {"days", &days_s, NULL},
        {"window", &window_s, NULL},
        {"remove", NULL, &remove},
        {"json", NULL, &json},
        {0},
    };
    struct ubur_error err = UBUR_ERROR_INIT;
    json_t *o = NULL;
    int64_t at;
    int rc = ubur_cli_parse(cli, &ubur_cmd_crossing, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos < 1)
        return ubur_cli_usage(&ubur_cmd_crossing, "missing subcommand");
    const char *sub = pos[0];
    if ((rc = parse_time_opt(at_s, "at", &at)))
        return rc;

    if (!strcmp(sub, "list")) {
        if (npos != 1)
            return ubur_cli_usage(&ubur_cmd_crossing, "crossing list takes no arguments");
        if (!ubur_cli_store(cli))
            return 1;
        if (ubur_crossing_list(&cli->ctx, at, &o, &err))
            return ubur_cli_fail(&err);
        if (json)
            print_json(o);
        else
            print_list(o);
    } else if (!strcmp(sub, "show")) {
        if (npos != 2)
            return ubur_cli_usage(&ubur_cmd_crossing, "crossing show needs one ID");
        if (!ubur_cli_store(cli))
            return 1;
        if (ubur_crossing_show(&cli->ctx, pos[1], at, &o, &err))
            return ubur_cli_fail(&err);
        if (json)
            print_json(o);
        else
            print_show(o);
    } else if (!strcmp(sub, "schedule")) {
        if (npos != 2)
            return ubur_cli_usage(&ubur_cmd_crossing, "crossing schedule needs one ID");
        if (!mode || !from_s)
            return ubur_cli_usage(&ubur_cmd_crossing, "crossing schedule needs --mode and --from");
        struct ubur_schedule_input in = {pos[1], mode, 0, hours, cats, note};
        if ((rc = parse_time_opt(from_s, "from", &in.from)))
            return rc;
        if (!ubur_cli_store(cli))
            return 1;
        cli->ctx.state = ubur_setting(&cli->ctx, "state", NULL);
        if (ubur_crossing_schedule(&cli->ctx, &in, &o, &err))
            return ubur_cli_fail(&err);
        if (json)
            print_json(o);
        else
            printf("%s: %s from %s (schedule %s)\n", pos[1], str(o, "mode"),
                   str(o, "effective_from"), str(o, "id"));
    } else if (!strcmp(sub, "add")) {
        if (npos != 2)
            return ubur_cli_usage(&ubur_cmd_crossing, "crossing add needs one ID");
        long offset;
        struct ubur_crossing_input in = {pos[1], name, name_ar, state, gov, NAN, NAN, partner, 180};
        if ((rc = parse_double(lat_s, "lat", &in.latitude)) ||
            (rc = parse_double(lon_s, "lon", &in.longitude)) ||
            (rc = ubur_cli_number(&ubur_cmd_crossing, "utc-offset", offset_s, -720, 840, 180,
                                  &offset)))
            return rc;
        in.utc_offset_minutes = (int)offset;
        if (!ubur_cli_store(cli))
            return 1;
        if (ubur_crossing_add(&cli->ctx, &in, &err))
            return ubur_cli_fail(&err);
        fprintf(stderr, "ubur: added crossing point '%s'; schedule a mode for it to operate\n",
                pos[1]);
    } else if (!strcmp(sub, "visa-free")) {
        if (!ubur_cli_store(cli))
            return 1;
        if (npos == 1) {
            if (ubur_border_visa_free_list(&cli->ctx, &o, &err))
                return ubur_cli_fail(&err);
            if (json) {
                print_json(o);
            } else {
                size_t i;
                json_t *r;
                printf("%-6s %-12s %s\n", "STATE", "NATIONALITY", "RULE");
                json_array_foreach(o, i, r) printf(
                    "%-6s %-12s %lld days in any %lld\n", str(r, "state"), str(r, "nationality"),
                    (long long)json_integer_value(json_object_get(r, "max_days")),
                    (long long)json_integer_value(json_object_get(r, "window_days")));
            }
        } else if (npos == 3) {
            long days, window;
            if ((rc = ubur_cli_number(&ubur_cmd_crossing, "days", days_s, 1, UBUR_STAY_MAX_WINDOW,
                                      0, &days)) ||
                (rc = ubur_cli_number(&ubur_cmd_crossing, "window", window_s, 1,
                                      UBUR_STAY_MAX_WINDOW, days, &window)))
                return rc;
            if (!remove && !days)
                return ubur_cli_usage(&ubur_cmd_crossing,
                                      "crossing visa-free STATE NATIONALITY needs --days N "
                                      "[--window M] or --remove");
            if (ubur_border_visa_free_set(&cli->ctx, pos[1], pos[2], remove ? 0 : (int)days,
                                          (int)window, &err))
                return ubur_cli_fail(&err);
        } else {
            return ubur_cli_usage(&ubur_cmd_crossing,
                                  "crossing visa-free takes no argument or STATE NATIONALITY");
        }
    } else {
        return ubur_cli_usage(&ubur_cmd_crossing, "unknown subcommand '%s'", sub);
    }
    json_decref(o);
    return 0;
}

const struct ubur_cmd ubur_cmd_crossing = {
    .name = "crossing",
    .summary = "crossing points, their operating modes and schedules",
    .usage =
        "usage: ubur crossing list [--at TIME] [--json]\n"
        "       ubur crossing show ID [--at TIME] [--json]\n"
        "       ubur crossing schedule ID --mode MODE --from TIME [--hours HH:MM-HH:MM]\n"
        "                              [--categories LIST] [--note TEXT] [--json]\n"
        "       ubur crossing add ID --name NAME --state AAA --governorate NAME [--name-ar NAME]\n"
        "                         [--lat X --lon Y] [--partner ID] [--utc-offset MINUTES]\n"
        "       ubur crossing visa-free [STATE NATIONALITY (--days N [--window M] | --remove)]\n"
        "  Modes: open, closed, humanitarian, cargo, groups, restricted_hours (needs --hours,\n"
        "  local time). A check is judged by the mode in force at its time; scheduling a mode\n"
        "  for a later --from rearranges the crossing then, and the history is kept.\n"
        "  --categories replaces the mode's default list of who may pass: clauses separated\n"
        "  by ',', atoms joined by '+': national, returnee, group, cargo, nationality:AAA,\n"
        "  purpose:NAME (e.g. \"national,returnee,nationality:IRQ+purpose:medical\").\n"
        "  visa-free: nationals of NATIONALITY may stay in STATE N days in any M-day window\n"
        "  (entry and exit days count).\n",
    .run = run_crossing,
};
