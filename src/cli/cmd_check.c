/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur check`: a traveller check at a crossing point from the command
 * line, the same service and the same answer as POST /api/v1/border/checks.
 * Several MRZs are one group (a pilgrim group, a convoy). With --record the
 * outcome is recorded at once as the CLI user (an admin), confirming the
 * proposed decision or overriding it with --decision and --reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ubur/border.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_check;

#define STDIN_MAX (1u << 20)

static const char *
str(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "-";
}

/* Splits stdin into MRZs at blank lines; strings point into `text`. */
static int
split_stdin(char *text, char ***out, int *n, struct ubur_arena *a)
{
    int cap = 16;
    char **v = ubur_arena_alloc(a, sizeof(*v) * (size_t)cap);
    *n = 0;
    char *p = text;
    while (*p) {
        while (*p == '\n' || *p == '\r')
            p++;
        if (!*p)
            break;
        char *start = p, *end = strstr(p, "\n\n");
        char *end_crlf = strstr(p, "\r\n\r\n");
        if (end_crlf && (!end || end_crlf < end))
            end = end_crlf;
        if (end) {
            *end = '\0';
            p = end + 1;
        } else {
            p += strlen(p);
        }
        if (*n == cap) {
            char **nv = ubur_arena_alloc(a, sizeof(*nv) * (size_t)cap * 2);
            memcpy(nv, v, sizeof(*v) * (size_t)cap);
            v = nv;
            cap *= 2;
        }
        v[(*n)++] = start;
    }
    *out = v;
    return 0;
}

static void
print_check(json_t *c)
{
    const char *dec = str(c, "decision");
    char up[8];
    snprintf(up, sizeof(up), "%s", dec);
    for (char *p = up; *p; p++)
        *p = (char)(*p - 32 * (*p >= 'a' && *p <= 'z'));
    json_t *doc = json_object_get(c, "document");
    printf("%-6s %s %s, %s, born %s, document %s (check %s)\n", up, str(doc, "surname"),
           str(doc, "given_names"), str(doc, "nationality"), str(doc, "birth_date"),
           str(doc, "document_number"), str(c, "id"));
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(c, "reasons"), i, r)
        printf("  - %s (%s): %s\n", str(r, "code"), str(r, "decision"), str(r, "message"));
    json_t *ent = json_object_get(c, "entitlement");
    if (json_is_string(json_object_get(ent, "basis")))
        printf("  entitlement: %s%s%s%s%s\n", str(ent, "basis"),
               json_is_string(json_object_get(ent, "visa_number")) ? " " : "",
               json_is_string(json_object_get(ent, "visa_number")) ? str(ent, "visa_number") : "",
               json_is_true(json_object_get(ent, "unlimited"))            ? ", no time limit"
               : json_is_string(json_object_get(ent, "authorised_until")) ? ", authorised until "
                                                                          : "",
               json_is_string(json_object_get(ent, "authorised_until"))
                   ? str(ent, "authorised_until")
                   : "");
    printf("  traveller: %s (%s)\n", str(c, "traveller_id"), str(c, "traveller_match"));
    json_array_foreach(json_object_get(c, "notes"), i, r)
        printf("  note: %s\n", json_string_value(r));
    if (json_is_string(json_object_get(c, "record_id")))
        printf("  recorded: %s\n", str(c, "record_id"));
}

/* --confirm CHECK_ID: records a check made earlier (a referred group member, a check made
 * through the API), as POST /api/v1/border/checks/{id}/confirm does. */
static int
confirm_check(struct ubur_cli *cli, const char *check_id, const char *decision, const char *reason,
              bool json, int npos, bool placed)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    json_t *rec;
    if (npos || placed)
        return ubur_cli_usage(&ubur_cmd_check, "--confirm CHECK_ID takes no MRZ, --crossing or "
                                               "--direction (the check has them)");
    if (!ubur_cli_store(cli))
        return 1;
    struct ubur_confirm_input in = {check_id, decision, reason};
    if (ubur_border_confirm(&cli->ctx, &in, &rec, &err))
        return ubur_cli_fail(&err);
    if (json) {
        json_dumpf(rec, stdout, JSON_INDENT(2));
        putchar('\n');
    } else {
        printf("%s %s: %s (record %s%s)\n", str(rec, "kind"), str(rec, "document_number"),
               str(rec, "decision"), str(rec, "id"),
               json_is_true(json_object_get(rec, "replayed")) ? ", already recorded" : "");
    }
    json_decref(rec);
    return 0;
}

static int
run_check(struct ubur_cli *cli, int argc, char **argv)
{
    const char *crossing = NULL, *direction = NULL, *at_s = NULL, *visa = NULL, *seal = NULL,
               *decision = NULL, *reason = NULL, *group_kind = NULL, *group_name = NULL,
               *confirm = NULL;
    struct ubur_document_input doc = {0};
    bool record = false, json = false, cargo = false, returnee = false;
    char **pos;
    int npos;
    const struct ubur_opt opts[] = {
        {"crossing", &crossing, NULL},
        {"direction", &direction, NULL},
        {"at", &at_s, NULL},
        {"visa", &visa, NULL},
        {"seal", &seal, NULL},
        {"confirm", &confirm, NULL},
        {"decision", &decision, NULL},
        {"reason", &reason, NULL},
        {"group", &group_kind, NULL},
        {"group-name", &group_name, NULL},
        {"document", &doc.document_number, NULL},
        {"nationality", &doc.nationality, NULL},
        {"birth-date", &doc.birth_date, NULL},
        {"expiry", &doc.expiry_date, NULL},
        {"surname", &doc.surname, NULL},
        {"given-names", &doc.given_names, NULL},
        {"sex", &doc.sex, NULL},
        {"document-code", &doc.document_code, NULL},
        {"issuing-state", &doc.issuing_state, NULL},
        {"record", NULL, &record},
        {"json", NULL, &json},
        {"cargo", NULL, &cargo},
        {"returnee", NULL, &returnee},
        {0},
    };
    struct ubur_error err = UBUR_ERROR_INIT;
    json_t *out = NULL;
    char *input = NULL;
    int rc = ubur_cli_parse(cli, &ubur_cmd_check, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (confirm)
        return confirm_check(cli, confirm, decision, reason, json, npos, crossing || direction);
    if (!crossing || !direction)
        return ubur_cli_usage(&ubur_cmd_check, "check needs --crossing ID and --direction "
                                               "entry|exit");
    if ((decision || reason) && !record)
        return ubur_cli_usage(&ubur_cmd_check, "--decision and --reason go with --record");
    /* Before the check is stored: a decision that can never be recorded is a usage error. */
    if (decision && strcmp(decision, "admit") != 0 && strcmp(decision, "refuse") != 0)
        return ubur_cli_usage(&ubur_cmd_check, "--decision '%s' is not admit or refuse", decision);
    struct ubur_check_place place = {crossing, direction, ubur_now()};
    if (at_s && ubur_time_parse(at_s, &place.at, NULL))
        return ubur_cli_usage(&ubur_cmd_check, "--at '%s' is not a time (YYYY-MM-DDTHH:MM)", at_s);
    char **mrz = pos;
    int n = npos;
    if (npos == 1 && !strcmp(pos[0], "-")) {
        size_t len;
        if (!(input = ubur_cli_read_all(stdin, STDIN_MAX, &len)))
            return ubur_cli_failf(1, "standard input is larger than %u bytes", STDIN_MAX);
        split_stdin(input, &mrz, &n, &cli->ctx.arena);
    }
    if (n == 0 && !doc.document_number) {
        free(input);
        return ubur_cli_usage(&ubur_cmd_check, "give the MRZ (or '-' to read MRZs from stdin), "
                                               "or the document with --document etc.");
    }
    if (n > 0 && doc.document_number) {
        free(input);
        return ubur_cli_usage(&ubur_cmd_check, "give MRZs or --document, not both");
    }
    if (n > UBUR_GROUP_MAX) {
        free(input);
        return ubur_cli_usage(&ubur_cmd_check, "at most %d travellers in one group",
                              UBUR_GROUP_MAX);
    }
    bool group = n > 1 || group_kind;
    if (!ubur_cli_store(cli)) {
        free(input);
        return 1;
    }
    cli->ctx.state = ubur_setting(&cli->ctx, "state", NULL);

    int count = n ? n : 1;
    struct ubur_check_input *people =
        ubur_arena_alloc(&cli->ctx.arena, sizeof(*people) * (size_t)count);
    memset(people, 0, sizeof(*people) * (size_t)count);
    for (int i = 0; i < count; i++) {
        people[i].mrz = n ? mrz[i] : NULL;
        if (!n)
            people[i].document = doc;
        people[i].visa_number = visa;
        people[i].seal = seal;
        people[i].cargo = cargo;
        people[i].returnee = returnee;
    }
    int status = 0;
    if (!group) {
        if (ubur_border_check(&cli->ctx, &place, &people[0], &out, &err)) {
            free(input);
            return ubur_cli_fail(&err);
        }
        if (record) {
            json_t *rec;
            struct ubur_confirm_input in = {json_string_value(json_object_get(out, "id")), decision,
                                            reason};
            if (ubur_border_confirm(&cli->ctx, &in, &rec, &err)) {
                status = ubur_cli_fail(&err);
            } else {
                json_object_set(out, "record_id", json_object_get(rec, "id"));
                json_object_set_new(out, "status", json_string("recorded"));
                json_object_set_new(out, "record", rec);
            }
        }
        if (json) {
            json_dumpf(out, stdout, JSON_INDENT(2));
            putchar('\n');
        } else {
            print_check(out);
        }
    } else {
        struct ubur_group_input g = {group_kind ? group_kind : "other", group_name};
        if (decision) {
            free(input);
            return ubur_cli_usage(&ubur_cmd_check, "--decision is for one traveller; a group "
                                                   "records each proposed decision");
        }
        if (ubur_border_check_group(&cli->ctx, &place, &g, people, count, &out, &err)) {
            free(input);
            return ubur_cli_fail(&err);
        }
        if (record) {
            json_t *rec;
            if (ubur_border_confirm_group(&cli->ctx, str(out, "group_id"), &rec, &err)) {
                status = ubur_cli_fail(&err);
            } else {
                /* Each member's record_id, as for one traveller. */
                size_t i, k;
                json_t *c, *r;
                json_array_foreach(json_object_get(out, "results"), i, c)
                    json_array_foreach(json_object_get(rec, "records"), k,
                                       r) if (!strcmp(str(r, "check_id"), str(c, "id")))
                {
                    json_object_set(c, "record_id", json_object_get(r, "id"));
                    json_object_set_new(c, "status", json_string("recorded"));
                }
                json_object_set_new(out, "recorded", rec);
            }
        }
        if (json) {
            json_dumpf(out, stdout, JSON_INDENT(2));
            putchar('\n');
        } else {
            json_t *s = json_object_get(out, "summary");
            printf("group %s (%s%s%s): %lld travellers: %lld admit, %lld refer, %lld refuse\n",
                   str(out, "group_id"), str(out, "kind"), group_name ? " " : "",
                   group_name ? group_name : "",
                   (long long)json_integer_value(json_object_get(s, "total")),
                   (long long)json_integer_value(json_object_get(s, "admit")),
                   (long long)json_integer_value(json_object_get(s, "refer")),
                   (long long)json_integer_value(json_object_get(s, "refuse")));
            size_t i;
            json_t *c;
            json_array_foreach(json_object_get(out, "results"), i, c) print_check(c);
            json_t *rec = json_object_get(out, "recorded");
            if (json_is_object(rec) && json_array_size(json_object_get(rec, "pending"))) {
                printf("referred, not recorded (%zu): after the secondary inspection, "
                       "ubur check --confirm CHECK_ID --decision admit|refuse --reason TEXT\n",
                       json_array_size(json_object_get(rec, "pending")));
                json_array_foreach(json_object_get(rec, "pending"), i, c)
                    printf("  pending: %s\n", json_string_value(c));
            }
        }
    }
    json_decref(out);
    free(input);
    return status;
}

const struct ubur_cmd ubur_cmd_check = {
    .name = "check",
    .summary = "check travellers at a crossing point (and record the outcome)",
    .usage = "usage: ubur check --crossing ID --direction entry|exit [--at TIME] [--record]\n"
             "                  [--decision admit|refuse --reason TEXT] [--visa NUMBER]\n"
             "                  [--seal HEX]\n"
             "                  [--cargo] [--returnee] [--group KIND [--group-name NAME]]\n"
             "                  [--json] MRZ... | -\n"
             "       ubur check --confirm CHECK_ID [--decision admit|refuse --reason TEXT]\n"
             "                  [--json]\n"
             "       ubur check --crossing ID --direction entry|exit --document NUMBER\n"
             "                  --nationality AAA --birth-date YYYY-MM-DD --surname NAME\n"
             "                  [--given-names NAMES] [--expiry YYYY-MM-DD] [--sex M|F|X] ...\n"
             "  Each MRZ is one document as the scanner gives it (lines separated by a newline,\n"
             "  or run together); '-' reads MRZs from stdin, separated by blank lines. Several\n"
             "  MRZs are one group (KIND: pilgrims, convoy, delegation, family, other).\n"
             "  Prints the decision (admit, refer, refuse) with its coded reasons; --json prints\n"
             "  {\"decision\", \"reasons\": [{\"code\", \"message\"}], \"traveller_id\", "
             "\"record_id\"...}.\n"
             "  --seal is the visa's visible digital seal as scanned (hex), verified as the API\n"
             "  does (entitlement.seal in --json).\n"
             "  --record records the outcome as an entry, exit or refusal; a different --decision\n"
             "  overrides the proposed one and needs --reason. A referred traveller is recorded\n"
             "  only with --decision. --confirm records a check made earlier (a referred group\n"
             "  member, a check made through the API).\n",
    .run = run_check,
};
