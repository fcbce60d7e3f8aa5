/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ubur visa`: applications, decisions, issuance and verification of visas
 * from the command line, through the same services as the API
 * (include/ubur/visa.h), acting as the local administrator. `verify --cert`
 * needs no database: a border post checks a seal with the signer
 * certificate alone. With --json every subcommand prints the API's object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ubur/vds.h"
#include "ubur/visa.h"
#include "ubur/banned.h"

extern const struct ubur_cmd ubur_cmd_visa;

static void
print_json(json_t *o)
{
    json_dumpf(o, stdout, JSON_INDENT(2));
    putchar('\n');
}

static const char *
js(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

/* "a,b" or "kind:ref,kind:ref" into JSON arrays. */
static json_t *
split_list(const char *s)
{
    json_t *a = json_array();
    for (const char *p = s; p && *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n)
            json_array_append_new(a, json_stringn(p, n));
        if (!e)
            break;
        p = e + 1;
    }
    return a;
}

static int
documents_json(const char *s, json_t **out)
{
    json_t *items = split_list(s), *docs = json_array(), *it;
    size_t i;
    json_array_foreach(items, i, it)
    {
        const char *d = json_string_value(it), *colon = strchr(d, ':');
        if (!colon || colon == d || !colon[1]) {
            json_decref(items);
            json_decref(docs);
            return ubur_cli_failf(2,
                                  "--documents takes KIND:REFERENCE[,KIND:REFERENCE...], "
                                  "not '%s'",
                                  d);
        }
        json_array_append_new(
            docs, json_pack("{s:s%, s:s}", "kind", d, (size_t)(colon - d), "reference", colon + 1));
    }
    json_decref(items);
    *out = docs;
    return 0;
}

static void
print_application(json_t *a)
{
    json_t *risk = json_object_get(a, "risk"), *visa = json_object_get(a, "visa");
    printf("application  %s (%s)\n", js(a, "number"), js(a, "id"));
    printf("state        %s%s\n", js(a, "state"),
           json_is_true(json_object_get(a, "auto_decided")) ? " (automatic)" : "");
    printf("applicant    %s, %s (%s)\n", js(a, "surname"), js(a, "given_names"),
           js(a, "nationality"));
    printf("purpose      %s%s, entry %s for %lld days\n", js(a, "purpose"),
           json_is_true(json_object_get(a, "urgent")) ? " (urgent)" : "", js(a, "entry_date"),
           (long long)json_integer_value(json_object_get(a, "days")));
    if (json_is_object(risk))
        printf("risk         %lld (%s)\n",
               (long long)json_integer_value(json_object_get(risk, "score")), js(risk, "level"));
    if (json_is_string(json_object_get(a, "refusal_reason")))
        printf("reason       %s: %s\n", js(a, "refusal_reason"), js(a, "refusal_text"));
    if (json_is_object(visa))
        printf("visa         %s (%s, until %s)\n", js(visa, "visa_number"), js(visa, "state"),
               js(visa, "valid_until"));
}

static void
print_visa(json_t *v)
{
    printf("visa         %s (%s)\n", js(v, "visa_number"), js(v, "state"));
    printf("holder       %s, %s (%s), passport %s\n", js(v, "surname"), js(v, "given_names"),
           js(v, "nationality"), js(v, "passport_number"));
    printf("purpose      %s\n", js(v, "purpose"));
    printf("valid        %s to %s, %lld days, entries %lld\n", js(v, "valid_from"),
           js(v, "valid_until"), (long long)json_integer_value(json_object_get(v, "days")),
           (long long)json_integer_value(json_object_get(v, "entries")));
    json_t *mrz = json_object_get(v, "mrz");
    for (size_t i = 0; i < json_array_size(mrz); i++)
        printf("%s %s\n", i ? "            " : "mrz         ",
               json_string_value(json_array_get(mrz, i)));
    if (json_is_string(json_object_get(v, "seal")))
        printf("seal         %s\n", js(v, "seal"));
}

/* A seal given as hex, "@FILE" (hex or binary) or "-" (stdin). Caller frees. */
static char *
read_seal_arg(const char *arg)
{
    if (strcmp(arg, "-") && arg[0] != '@')
        return ubur_strdup(arg);
    FILE *f = strcmp(arg, "-") ? fopen(arg + 1, "rb") : stdin;
    if (!f)
        return NULL;
    size_t len;
    char *s = ubur_cli_read_all(f, UBUR_VDS_MAX_TEXT, &len);
    if (f != stdin)
        fclose(f);
    return s;
}

static int
cmd_fail(const struct ubur_error *err)
{
    return ubur_cli_fail(err);
}

static int
run_visa(struct ubur_cli *cli, int argc, char **argv)
{
    const char *mrz = NULL, *purpose = NULL, *entry = NULL, *days_s = NULL, *entries_s = NULL,
               *hospital = NULL, *patient = NULL, *documents = NULL, *family = NULL, *group = NULL,
               *previous = NULL, *name_ar = NULL, *refuse = NULL, *discontinue = NULL,
               *reason = NULL, *note = NULL, *state = NULL, *limit_s = NULL, *cert = NULL,
               *ca = NULL, *until = NULL, *hospital_request = NULL, *since = NULL, *format = NULL,
               *key = NULL, *person = NULL;
    bool json = false, urgent = false, approve = false, review = false, withdraw = false,
         queue = false, visas = false;
    const struct ubur_opt opts[] = {
        {"mrz", &mrz, NULL},
        {"purpose", &purpose, NULL},
        {"entry-date", &entry, NULL},
        {"days", &days_s, NULL},
        {"entries", &entries_s, NULL},
        {"hospital", &hospital, NULL},
        {"patient", &patient, NULL},
        {"documents", &documents, NULL},
        {"family", &family, NULL},
        {"group", &group, NULL},
        {"previous", &previous, NULL},
        {"name-ar", &name_ar, NULL},
        {"person", &person, NULL},
        {"urgent", NULL, &urgent},
        {"approve", NULL, &approve},
        {"review", NULL, &review},
        {"withdraw", NULL, &withdraw},
        {"refuse", &refuse, NULL},
        {"discontinue", &discontinue, NULL},
        {"reason", &reason, NULL},
        {"note", &note, NULL},
        {"state", &state, NULL},
        {"queue", NULL, &queue},
        {"visas", NULL, &visas},
        {"limit", &limit_s, NULL},
        {"cert", &cert, NULL},
        {"ca", &ca, NULL},
        {"key", &key, NULL},
        {"until", &until, NULL},
        {"hospital-request", &hospital_request, NULL},
        {"since", &since, NULL},
        {"format", &format, NULL},
        {"json", NULL, &json},
        {0},
    };
    struct ubur_error err = UBUR_ERROR_INIT;
    char **pos;
    int npos;
    json_t *out = NULL;
    int rc = ubur_cli_parse(cli, &ubur_cmd_visa, argc, argv, opts, &pos, &npos);
    if (rc)
        return rc == 3 ? 0 : rc;
    if (npos < 1)
        return ubur_cli_usage(&ubur_cmd_visa, "missing subcommand");
    const char *sub = pos[0];

    /* Offline verification: no database at all. */
    if (!strcmp(sub, "verify") && cert) {
        if (npos != 2)
            return ubur_cli_usage(&ubur_cmd_visa, "visa verify needs exactly one SEAL");
        char *seal = read_seal_arg(pos[1]);
        if (!seal)
            return ubur_cli_failf(1, "cannot read the seal from '%s'", pos[1]);
        rc = ubur_visa_verify_offline(cert, ca, seal, &out, &err);
        free(seal);
        if (!out)
            return cmd_fail(&err);
        if (json) {
            print_json(out);
        } else {
            json_t *sig = json_object_get(out, "signature"), *v = json_object_get(out, "visa");
            printf("signature    %s (signer %s, certificate reference %s)%s%s\n",
                   json_is_true(json_object_get(sig, "valid")) ? "valid" : "INVALID",
                   js(sig, "signer"), js(sig, "cert_ref"), rc ? ": " : "",
                   rc ? js(sig, "error") : "");
            if (json_is_object(v)) {
                json_t *m = json_object_get(v, "mrz");
                for (size_t i = 0; i < json_array_size(m); i++)
                    printf("%s %s\n", i ? "            " : "mrz         ",
                           json_string_value(json_array_get(m, i)));
            }
        }
        json_decref(out);
        return rc ? 1 : 0;
    }

    if (!ubur_cli_store(cli))
        return 1;
    cli->ctx.state = ubur_setting(&cli->ctx, "state", NULL);

    if (!strcmp(sub, "apply")) {
        if (npos != 1)
            return ubur_cli_usage(&ubur_cmd_visa, "visa apply takes options only");
        if (!mrz || !purpose || !entry || !days_s)
            return ubur_cli_usage(&ubur_cmd_visa,
                                  "visa apply needs --mrz, --purpose, --entry-date and --days");
        char *end;
        long days = strtol(days_s, &end, 10);
        if (*end || !*days_s)
            return ubur_cli_failf(2, "--days must be a number of days, not '%s'", days_s);
        json_t *req = json_pack("{s:s, s:s, s:s, s:I}", "passport_mrz", mrz, "purpose", purpose,
                                "entry_date", entry, "days", (json_int_t)days);
        if (entries_s) {
            long e = strtol(entries_s, &end, 10);
            if (!strcmp(entries_s, "multiple") || !strcmp(entries_s, "m"))
                e = 0;
            else if (*end || !*entries_s) {
                json_decref(req);
                return ubur_cli_failf(2, "--entries must be a number or 'multiple'");
            }
            json_object_set_new(req, "entries", json_integer(e));
        }
        if (urgent)
            json_object_set_new(req, "urgent", json_true());
        if (hospital)
            json_object_set_new(req, "hospital", json_string(hospital));
        if (patient)
            json_object_set_new(req, "patient_application_id", json_string(patient));
        if (group)
            json_object_set_new(req, "group_ref", json_string(group));
        if (name_ar)
            json_object_set_new(req, "name_ar", json_string(name_ar));
        if (person)
            json_object_set_new(req, "person_id", json_string(person));
        if (family)
            json_object_set_new(req, "family", split_list(family));
        if (previous)
            json_object_set_new(req, "previous_application_ids", split_list(previous));
        if (documents) {
            json_t *docs = NULL;
            if ((rc = documents_json(documents, &docs))) {
                json_decref(req);
                return rc;
            }
            json_object_set_new(req, "documents", docs);
        }
        rc = ubur_visa_apply(&cli->ctx, req, &out, &err);
        json_decref(req);
        if (rc)
            return cmd_fail(&err);
        if (json)
            print_json(out);
        else
            print_application(out);
        json_decref(out);
        return 0;
    }

    if (!strcmp(sub, "decide")) {
        if (npos != 2)
            return ubur_cli_usage(&ubur_cmd_visa, "visa decide needs exactly one application ID");
        int n = approve + review + withdraw + (refuse != NULL) + (discontinue != NULL);
        if (n != 1)
            return ubur_cli_usage(&ubur_cmd_visa,
                                  "visa decide needs one of --approve, --refuse REASON, --review, "
                                  "--withdraw, --discontinue REASON");
        const char *action = approve    ? "approve"
                             : review   ? "review"
                             : withdraw ? "withdraw"
                             : refuse   ? "refuse"
                                        : "discontinue";
        const char *why = refuse ? refuse : discontinue ? discontinue : reason;
        if (ubur_visa_decide(&cli->ctx, pos[1], action, why, note, &out, &err))
            return cmd_fail(&err);
        if (json)
            print_json(out);
        else
            print_application(out);
        json_decref(out);
        return 0;
    }

    if (!strcmp(sub, "issue")) {
        if (group) {
            if (npos != 1)
                return ubur_cli_usage(&ubur_cmd_visa, "visa issue --group REF takes no ID");
            if (ubur_visa_issue_group(&cli->ctx, group, &out, &err))
                return cmd_fail(&err);
            if (json) {
                print_json(out);
            } else {
                json_t *vs = json_object_get(out, "visas");
                for (size_t i = 0; i < json_array_size(vs); i++)
                    print_visa(json_array_get(vs, i));
            }
            json_decref(out);
            return 0;
        }
        if (npos != 2)
            return ubur_cli_usage(&ubur_cmd_visa, "visa issue needs exactly one application ID");
        if (ubur_visa_issue(&cli->ctx, pos[1], &out, &err))
            return cmd_fail(&err);
        if (json)
            print_json(out);
        else
            print_visa(out);
        json_decref(out);
        return 0;
    }

    if (!strcmp(sub, "apply-group")) {
        if (npos != 2)
            return ubur_cli_usage(&ubur_cmd_visa, "visa apply-group needs FILE.json (or -)");
        FILE *f = strcmp(pos[1], "-") ? fopen(pos[1], "rb") : stdin;
        if (!f)
            return ubur_cli_failf(1, "cannot open '%s'", pos[1]);
        size_t len;
        char *text = ubur_cli_read_all(f, 16u << 20, &len);
        if (f != stdin)
            fclose(f);
        json_error_t jerr;
        json_t *req = text ? json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
        bool too_large = !text;
        free(text);
        if (!req)
            return ubur_cli_failf(1, "'%s' is not a JSON group: %s", pos[1],
                                  too_large ? "too large" : jerr.text);
        rc = ubur_visa_apply_group(&cli->ctx, req, &out, &err);
        json_decref(req);
        if (rc)
            return cmd_fail(&err);
        if (json) {
            print_json(out);
        } else {
            printf("group %s: %lld submitted, %lld approved automatically\n", js(out, "group_ref"),
                   (long long)json_integer_value(json_object_get(out, "submitted")),
                   (long long)json_integer_value(json_object_get(out, "approved_automatically")));
        }
        json_decref(out);
        return 0;
    }

    if (!strcmp(sub, "show")) {
        if (npos != 2)
            return ubur_cli_usage(&ubur_cmd_visa, "visa show needs exactly one ID or number");
        bool is_visa = true;
        rc = ubur_visa_get(&cli->ctx, pos[1], &out, &err);
        if (rc == UBUR_ENOTFOUND) {
            is_visa = false;
            rc = ubur_visa_application_get(&cli->ctx, pos[1], &out, &err);
        }
        if (rc == UBUR_ENOTFOUND)
            return ubur_cli_failf(1, "no visa or visa application '%s'", pos[1]);
        if (rc)
            return cmd_fail(&err);
        if (json)
            print_json(out);
        else if (is_visa)
            print_visa(out);
        else
            print_application(out);
        json_decref(out);
        return 0;
    }

    if (!strcmp(sub, "list")) {
        if (npos != 1)
            return ubur_cli_usage(&ubur_cmd_visa, "visa list takes options only");
        struct ubur_visa_filter f = UBUR_VISA_FILTER_INIT;
        f.state = state;
        f.purpose = purpose;
        f.queue = queue;
        f.person_id = person;
        if (limit_s) {
            char *end;
            f.limit = strtol(limit_s, &end, 10);
            if (*end || f.limit < 1 || f.limit > 100000)
                return ubur_cli_failf(2, "--limit must be 1 to 100000");
        }
        rc = visas ? ubur_visa_list(&cli->ctx, &f, &out, &err)
                   : ubur_visa_application_list(&cli->ctx, &f, &out, &err);
        if (rc)
            return cmd_fail(&err);
        if (json) {
            print_json(out);
        } else {
            size_t i;
            json_t *o;
            if (visas)
                printf("%-10s %-10s %-18s %-10s %-10s %s\n", "VISA", "STATE", "PURPOSE", "FROM",
                       "UNTIL", "HOLDER");
            else
                printf("%-20s %-12s %-18s %-4s %-6s %-10s %s\n", "APPLICATION", "STATE", "PURPOSE",
                       "PRIO", "RISK", "ENTRY", "APPLICANT");
            json_array_foreach(out, i, o)
            {
                if (visas)
                    printf("%-10s %-10s %-18s %-10s %-10s %s, %s\n", js(o, "visa_number"),
                           js(o, "state"), js(o, "purpose"), js(o, "valid_from"),
                           js(o, "valid_until"), js(o, "surname"), js(o, "given_names"));
                else
                    printf("%-20s %-12s %-18s %-4lld %-6s %-10s %s, %s\n", js(o, "number"),
                           js(o, "state"), js(o, "purpose"),
                           (long long)json_integer_value(json_object_get(o, "priority")),
                           js(o, "risk_level"), js(o, "entry_date"), js(o, "surname"),
                           js(o, "given_names"));
            }
        }
        json_decref(out);
        return 0;
    }

    if (!strcmp(sub, "verify")) {
        if (npos != 2)
            return ubur_cli_usage(&ubur_cmd_visa, "visa verify needs exactly one SEAL or NUMBER");
        char *seal = read_seal_arg(pos[1]);
        if (!seal)
            return ubur_cli_failf(1, "cannot read the seal from '%s'", pos[1]);
        bool number = strlen(seal) <= UBUR_VISA_NUMBER_MAX;
        rc = ubur_visa_verify(&cli->ctx, number ? NULL : seal, number ? seal : NULL, &out, &err);
        free(seal);
        if (rc)
            return cmd_fail(&err);
        if (json) {
            print_json(out);
        } else {
            printf("status       %s\n", js(out, "status"));
            json_t *sig = json_object_get(out, "signature");
            if (json_is_object(sig))
                printf("signature    %s (signer %s, certificate reference %s)\n",
                       json_is_true(json_object_get(sig, "valid")) ? "valid" : "INVALID",
                       js(sig, "signer"), js(sig, "cert_ref"));
        }
        rc = json_is_true(json_object_get(out, "valid")) ? 0 : 1;
        json_decref(out);
        return rc;
    }

    if (!strcmp(sub, "extend") || !strcmp(sub, "shorten") || !strcmp(sub, "annul") ||
        !strcmp(sub, "revoke")) {
        if (npos != 2)
            return ubur_cli_usage(&ubur_cmd_visa, "visa %s needs exactly one visa ID or number",
                                  sub);
        json_t *req = json_object();
        if (days_s) {
            char *end;
            long d = strtol(days_s, &end, 10);
            if (*end || !*days_s) {
                json_decref(req);
                return ubur_cli_failf(2, "--days must be a number");
            }
            json_object_set_new(req, "days", json_integer(d));
        }
        if (until)
            json_object_set_new(req, "until", json_string(until));
        if (reason)
            json_object_set_new(req, "reason", json_string(reason));
        if (hospital_request)
            json_object_set_new(req, "hospital_request", json_string(hospital_request));
        rc = ubur_visa_change(&cli->ctx, pos[1], sub, req, &out, &err);
        json_decref(req);
        if (rc)
            return cmd_fail(&err);
        if (json)
            print_json(out);
        else
            print_visa(out);
        json_decref(out);
        return 0;
    }

    if (!strcmp(sub, "page")) {
        if (npos != 2)
            return ubur_cli_usage(&ubur_cmd_visa, "visa page needs exactly one visa ID or number");
        struct ubur_buf b = UBUR_BUF_INIT;
        if (ubur_visa_page(&cli->ctx, pos[1], format ? format : "svg", &b, &err)) {
            ubur_buf_release(&b);
            return cmd_fail(&err);
        }
        fwrite(b.s, 1, b.len, stdout);
        ubur_buf_release(&b);
        return 0;
    }

    if (!strcmp(sub, "revocations")) {
        if (ubur_visa_revocations(&cli->ctx, since, &out, &err))
            return cmd_fail(&err);
        print_json(out);
        json_decref(out);
        return 0;
    }

    if (!strcmp(sub, "purpose")) {
        if (npos < 2)
            return ubur_cli_usage(&ubur_cmd_visa, "visa purpose needs list, show or set");
        if (!strcmp(pos[1], "list")) {
            if (ubur_visa_purpose_list(&cli->ctx, &out, &err))
                return cmd_fail(&err);
            if (json) {
                print_json(out);
            } else {
                size_t i;
                json_t *p;
                printf("%-18s %-6s %-9s %-5s %-9s %-7s %-5s %s\n", "PURPOSE", "ACTIVE", "VALIDITY",
                       "STAY", "FEE", "ENTRIES", "AUTO", "NATIONALITIES");
                json_array_foreach(out, i, p)
                {
                    char *nats = json_dumps(json_object_get(p, "nationalities"), JSON_COMPACT);
                    printf("%-18s %-6s %-9lld %-5lld %-5s %-3s %-7lld %-5s %s\n", js(p, "code"),
                           json_is_true(json_object_get(p, "active")) ? "yes" : "no",
                           (long long)json_integer_value(json_object_get(p, "validity_days")),
                           (long long)json_integer_value(json_object_get(p, "max_stay_days")),
                           js(p, "fee"), js(p, "currency"),
                           (long long)json_integer_value(json_object_get(p, "max_entries")),
                           json_is_true(json_object_get(p, "auto_approve")) ? "yes" : "no", nats);
                    free(nats);
                }
            }
            json_decref(out);
            return 0;
        }
        if (!strcmp(pos[1], "show") && npos == 3) {
            if (ubur_visa_purpose_get(&cli->ctx, pos[2], &out, &err))
                return cmd_fail(&err);
            print_json(out);
            json_decref(out);
            return 0;
        }
        if (!strcmp(pos[1], "set") && npos >= 4) {
            /* FIELD=VALUE: JSON values as such, lists of rules split on ',', else text. */
            json_t *fields = json_object();
            for (int i = 3; i < npos; i++) {
                const char *eq = strchr(pos[i], '=');
                if (!eq || eq == pos[i]) {
                    json_decref(fields);
                    return ubur_cli_usage(&ubur_cmd_visa, "'%s' is not FIELD=VALUE", pos[i]);
                }
                char *k = ubur_arena_strndup(&cli->ctx.arena, pos[i], (size_t)(eq - pos[i]));
                const char *val = eq + 1;
                json_t *jv;
                if (!strcmp(k, "nationalities") || !strcmp(k, "required_documents"))
                    jv = strcmp(val, "*") ? split_list(val) : json_string("*");
                else if (!strcmp(k, "fee") || !strcmp(k, "currency") || !strcmp(k, "name_en") ||
                         !strcmp(k, "name_ar") || !strcmp(k, "mrz_format"))
                    jv = json_string(val);
                else if (!(jv = json_loads(val, JSON_DECODE_ANY, NULL)))
                    jv = json_string(val);
                json_object_set_new(fields, k, jv);
            }
            rc = ubur_visa_purpose_put(&cli->ctx, pos[2], fields, &out, &err);
            json_decref(fields);
            if (rc)
                return cmd_fail(&err);
            print_json(out);
            json_decref(out);
            return 0;
        }
        return ubur_cli_usage(&ubur_cmd_visa, "visa purpose list | show CODE | set CODE F=V...");
    }

    if (!strcmp(sub, "signer")) {
        if (!key || !cert)
            return ubur_cli_usage(&ubur_cmd_visa, "visa signer needs --key KEY and --cert CERT");
        char *rk = realpath(key, NULL), *rcert = realpath(cert, NULL);
        if (!rk || !rcert) {
            free(rk);
            free(rcert);
            return ubur_cli_failf(1, "cannot find '%s'", !rk ? key : cert);
        }
        struct ubur_vds_signer *s;
        if (ubur_vds_signer_open(&s, rk, rcert, &err)) {
            free(rk);
            free(rcert);
            return cmd_fail(&err);
        }
        printf("signer %s, certificate reference %s\n", ubur_vds_signer_id(s),
               ubur_vds_signer_cert_ref(s));
        ubur_vds_signer_close(s);
        if (ubur_store_begin(cli->store, &err) ||
            ubur_store_run(cli->store, &err,
                           "INSERT INTO settings (key, value) VALUES ('visa.signer_key', ?),"
                           " ('visa.signer_cert', ?) ON CONFLICT (key) DO UPDATE SET"
                           " value = excluded.value",
                           "tt", rk, rcert) < 0 ||
            ubur_audit(&cli->ctx, "visa.signer.set", "setting", "visa.signer_cert", NULL, &err) ||
            ubur_store_commit(cli->store, &err)) {
            ubur_store_rollback(cli->store);
            free(rk);
            free(rcert);
            return cmd_fail(&err);
        }
        free(rk);
        free(rcert);
        return 0;
    }
    return ubur_cli_usage(&ubur_cmd_visa, "unknown subcommand '%s'", sub);
}

const struct ubur_cmd ubur_cmd_visa = {
    .name = "visa",
    .summary = "visa applications, decisions, issuance and seal verification",
    .usage =
        "usage: ubur visa apply --mrz MRZ --purpose P --entry-date D --days N [--entries N]\n"
        "                 [--urgent] [--hospital H] [--patient APP] [--documents K:REF,...]\n"
        "                 [--family APP,...] [--group REF] [--previous APP,...] [--name-ar N]\n"
        "                 [--person ID] [--json]\n"
        "       ubur visa decide APP (--approve | --refuse REASON | --review | --withdraw |\n"
        "                 --discontinue REASON) [--reason R] [--note TEXT] [--json]\n"
        "       ubur visa issue APP [--json]\n"
        "       ubur visa apply-group FILE.json [--json]  ({group_ref, applications: [...]})\n"
        "       ubur visa issue --group REF [--json]      (every approved member at once)\n"
        "       ubur visa show ID [--json]            (a visa or an application)\n"
        "       ubur visa list [--queue] [--visas] [--state S] [--purpose P] [--limit N] [--json]\n"
        "       ubur visa verify --cert CERT.pem [--ca CSCA.pem] SEAL [--json]   (offline)\n"
        "       ubur visa verify SEAL|NUMBER [--json]   (keys directory and database)\n"
        "       ubur visa extend VISA (--days N | --until D) [--hospital-request REF]\n"
        "       ubur visa shorten VISA --until D --reason R\n"
        "       ubur visa annul|revoke VISA --reason R\n"
        "       ubur visa page VISA [--format svg|html]\n"
        "       ubur visa revocations [--since TIME]\n"
        "       ubur visa purpose list | show CODE | set CODE FIELD=VALUE...\n"
        "       ubur visa signer --key KEY --cert CERT\n"
        "  APP is an application id or number, VISA a visa id or number. SEAL is hex, @FILE or\n"
        "  - (stdin). Purposes: tourism, religious_tourism, medical, medical_escort, official,\n"
        "  business, family_visit, transit (rules: `ubur visa purpose list`). Refusal reasons:\n"
        "  false_document, purpose_not_justified, insufficient_means, stay_exceeded,\n"
        "  watchlist_alert, security_threat, no_insurance, unreliable_information,\n"
        "  return_doubtful, medical_not_justified, patient_not_approved. --entries 0 means\n"
        "  multiple. verify exits 0 when the seal is valid, 1 when not.\n",
    .run = run_visa,
};
