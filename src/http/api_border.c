/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Border crossing operations over HTTP (include/ubur/border.h has the
 * services): crossing points and their schedules, traveller checks (one
 * traveller, or a group in one request), confirmations, a traveller's
 * movements, overstayers and traffic figures. Handlers only translate JSON
 * and query strings to the service inputs; the services decide, write and
 * commit, so a 201 is sent only for a durable check or record.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "ubur/border.h"
#include "ubur/banned.h"

#define OFFICERS (UBUR_ROLE_BORDER_OFFICER | UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN)

/* A time from the body or query, default now. */
static int
time_param(const char *s, const char *field, int64_t *out, struct ubur_error *err)
{
    if (!s || !*s) {
        *out = ubur_now();
        return 0;
    }
    if (ubur_time_parse(s, out, NULL))
        return ubur_error_field(err, UBUR_EINVAL, field,
                                "'%.40s' is not a time (YYYY-MM-DDTHH:MM:SSZ)", s);
    return 0;
}

static int
date_param(struct ubur_http_req *req, const char *key, int64_t def, int64_t *out,
           struct ubur_error *err)
{
    const char *v = req->query ? req->query(req, key) : NULL;
    if (!v || !*v) {
        *out = def;
        return 0;
    }
    if (ubur_date_parse(v, out, NULL))
        return ubur_error_field(err, UBUR_EINVAL, key, "'%.40s' is not a date YYYY-MM-DD", v);
    return 0;
}

/* ---- crossings ---- */

static const struct ubur_json_field crossing_body[] = {
    {"id", UBUR_JSON_STRING, true, UBUR_CROSSING_ID_MAX, "qaim"},
    {"name", UBUR_JSON_STRING, true, 120, "Al-Qaim"},
    {"name_ar", UBUR_JSON_STRING, false, 240, NULL},
    {"state", UBUR_JSON_STRING, true, 3, "IRQ"},
    {"governorate", UBUR_JSON_STRING, true, 120, "Anbar"},
    {"latitude", UBUR_JSON_NUMBER, false, 0, NULL},
    {"longitude", UBUR_JSON_NUMBER, false, 0, NULL},
    {"partner_id", UBUR_JSON_STRING, false, UBUR_CROSSING_ID_MAX, "albukamal"},
    {"utc_offset_minutes", UBUR_JSON_INT, false, 0, "180"},
    {0},
};

static const struct ubur_json_field schedule_body[] = {
    {"mode", UBUR_JSON_STRING, true, 32, "humanitarian"},
    {"from", UBUR_JSON_STRING, true, 32, "2027-01-15T00:00:00Z"},
    {"hours", UBUR_JSON_STRING, false, 16, "08:00-16:00"},
    {"categories", UBUR_JSON_STRING, false, UBUR_BORDER_CATEGORIES_MAX - 1,
     "purpose:medical,returnee"},
    {"note", UBUR_JSON_STRING, false, 500, NULL},
    {0},
};

static int
crossings_list(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    int64_t at;
    json_t *arr;
    int rc = time_param(req->query ? req->query(req, "at") : NULL, "at", &at, err);
    if (rc || (rc = ubur_crossing_list(req->ctx, at, &arr, err)))
        return rc;
    return ubur_http_json(resp, 200, json_pack("{s:o}", "crossings", arr));
}

static int
crossings_show(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    int64_t at;
    json_t *o;
    int rc = time_param(req->query ? req->query(req, "at") : NULL, "at", &at, err);
    if (rc || (rc = ubur_crossing_show(req->ctx, req->params[0], at, &o, err)))
        return rc;
    return ubur_http_json(resp, 200, o);
}

static double
number_or_nan(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int
crossings_add(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *b = req->json, *o;
    struct ubur_crossing_input in = {
        ubur_json_str(b, "id"),
        ubur_json_str(b, "name"),
        ubur_json_str(b, "name_ar"),
        ubur_json_str(b, "state"),
        ubur_json_str(b, "governorate"),
        number_or_nan(b, "latitude"),
        number_or_nan(b, "longitude"),
        ubur_json_str(b, "partner_id"),
        (int)ubur_json_int(b, "utc_offset_minutes", 180),
    };
    int rc = ubur_crossing_add(req->ctx, &in, err);
    if (rc || (rc = ubur_crossing_show(req->ctx, in.id, ubur_now(), &o, err)))
        return rc;
    return ubur_http_json(resp, 201, o);
}

static int
crossings_schedule(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *b = req->json, *o;
    struct ubur_schedule_input in = {req->params[0],
                                     ubur_json_str(b, "mode"),
                                     0,
                                     ubur_json_str(b, "hours"),
                                     ubur_json_str(b, "categories"),
                                     ubur_json_str(b, "note")};
    if (ubur_time_parse(ubur_json_str(b, "from"), &in.from, NULL))
        return ubur_error_field(err, UBUR_EINVAL, "from",
                                "'%.40s' is not a time (YYYY-MM-DDTHH:MM:SSZ)",
                                ubur_json_str(b, "from"));
    int rc = ubur_crossing_schedule(req->ctx, &in, &o, err);
    if (rc)
        return rc;
    return ubur_http_json(resp, 201, o);
}

/* ---- checks ---- */

static const struct ubur_json_field document_fields[] = {
    {"document_number", UBUR_JSON_STRING, true, 32, "L898902C3"},
    {"nationality", UBUR_JSON_STRING, true, 3, "IRQ"},
    {"birth_date", UBUR_JSON_STRING, true, 10, "1974-08-12"},
    {"expiry_date", UBUR_JSON_STRING, false, 10, "2030-04-15"},
    {"surname", UBUR_JSON_STRING, true, 128, "AL-HASHIMI"},
    {"given_names", UBUR_JSON_STRING, false, 128, "MUHAMMAD"},
    {"sex", UBUR_JSON_STRING, false, 1, "M"},
    {"document_code", UBUR_JSON_STRING, false, 2, "P"},
    {"issuing_state", UBUR_JSON_STRING, false, 3, "IRQ"},
    {0},
};

static const struct ubur_json_field traveller_fields[] = {
    {"mrz", UBUR_JSON_STRING, false, 1024, NULL},
    {"document", UBUR_JSON_OBJECT, false, 0, NULL},
    {"visa_number", UBUR_JSON_STRING, false, 16, NULL},
    {"seal", UBUR_JSON_STRING, false, 4096, NULL},
    {"cargo", UBUR_JSON_BOOL, false, 0, NULL},
    {"returnee", UBUR_JSON_BOOL, false, 0, NULL},
    {0},
};

static const struct ubur_json_field check_body[] = {
    {"crossing_id", UBUR_JSON_STRING, true, UBUR_CROSSING_ID_MAX, "albukamal"},
    {"direction", UBUR_JSON_STRING, true, 8, "entry"},
    {"at", UBUR_JSON_STRING, false, 32, "2026-11-29T08:00:00Z"},
    {"mrz", UBUR_JSON_STRING, false, 1024, "P<IRQ..."},
    {"document", UBUR_JSON_OBJECT, false, 0, NULL},
    {"visa_number", UBUR_JSON_STRING, false, 16, NULL},
    {"seal", UBUR_JSON_STRING, false, 4096, NULL},
    {"cargo", UBUR_JSON_BOOL, false, 0, NULL},
    {"returnee", UBUR_JSON_BOOL, false, 0, NULL},
    {"group", UBUR_JSON_OBJECT, false, 0, NULL},
    {"travellers", UBUR_JSON_ARRAY, false, UBUR_GROUP_MAX, NULL},
    {0},
};

static const struct ubur_json_field group_fields[] = {
    {"kind", UBUR_JSON_STRING, true, 32, "convoy"},
    {"name", UBUR_JSON_STRING, false, 120, "Al-Hol convoy 12"},
    {0},
};

/* Renames err's field to prefix + field (for nested objects). */
static int
nest(struct ubur_error *err, const char *prefix, int rc)
{
    if (err && err->field[0]) {
        char f[sizeof(err->field)];
        snprintf(f, sizeof(f), "%s%s", prefix, err->field);
        memcpy(err->field, f, sizeof(f));
    }
    return rc;
}

/* Reads one traveller (the body itself, or an element of "travellers"). */
static int
read_traveller(json_t *o, const char *prefix, struct ubur_check_input *in, struct ubur_error *err)
{
    memset(in, 0, sizeof(*in));
    in->mrz = ubur_json_str(o, "mrz");
    in->visa_number = ubur_json_str(o, "visa_number");
    in->seal = ubur_json_str(o, "seal");
    in->cargo = json_is_true(json_object_get(o, "cargo"));
    in->returnee = json_is_true(json_object_get(o, "returnee"));
    json_t *doc = json_object_get(o, "document");
    if (in->mrz && json_is_object(doc))
        return ubur_error_field(err, UBUR_EINVAL, "document",
                                "give either mrz or document, not both");
    if (!in->mrz && !json_is_object(doc)) {
        char f[64];
        snprintf(f, sizeof(f), "%smrz", prefix);
        return ubur_error_field(err, UBUR_EINVAL, f, "give mrz (as scanned) or document");
    }
    if (json_is_object(doc)) {
        int rc = ubur_json_check(doc, document_fields, err);
        if (rc) {
            char p[48];
            snprintf(p, sizeof(p), "%sdocument.", prefix);
            return nest(err, p, rc);
        }
        struct ubur_document_input *d = &in->document;
        d->document_number = ubur_json_str(doc, "document_number");
        d->nationality = ubur_json_str(doc, "nationality");
        d->birth_date = ubur_json_str(doc, "birth_date");
        d->expiry_date = ubur_json_str(doc, "expiry_date");
        d->surname = ubur_json_str(doc, "surname");
        d->given_names = ubur_json_str(doc, "given_names");
        d->sex = ubur_json_str(doc, "sex");
        d->document_code = ubur_json_str(doc, "document_code");
        d->issuing_state = ubur_json_str(doc, "issuing_state");
    }
    return 0;
}

static int
checks_create(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *b = req->json, *out = NULL;
    struct ubur_check_place place = {ubur_json_str(b, "crossing_id"), ubur_json_str(b, "direction"),
                                     0};
    int rc = time_param(ubur_json_str(b, "at"), "at", &place.at, err);
    if (rc)
        return rc;
    json_t *travellers = json_object_get(b, "travellers");
    json_t *group = json_object_get(b, "group");
    if (!travellers && !group) {
        struct ubur_check_input in;
        char *text;
        if ((rc = read_traveller(b, "", &in, err)) ||
            (rc = ubur_border_check_text(req->ctx, &place, &in, &text, err)))
            return rc;
        return ubur_http_json_text(resp, 201, text);
    }
    /* A group: everything about the traveller goes in "travellers". */
    static const char *const single[] = {"mrz",  "document", "visa_number",
                                         "seal", "cargo",    "returnee"};
    for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++)
        if (json_object_get(b, single[i]))
            return ubur_error_field(err, UBUR_EINVAL, single[i],
                                    "a group request gives each traveller in 'travellers'");
    if (!json_is_array(travellers) || json_array_size(travellers) == 0)
        return ubur_error_field(err, UBUR_EINVAL, "travellers",
                                "a group needs at least one traveller");
    if (!json_is_object(group))
        return ubur_error_field(err, UBUR_EINVAL, "group",
                                "a group request needs group: {kind, name}");
    if ((rc = ubur_json_check(group, group_fields, err)))
        return nest(err, "group.", rc);
    size_t n = json_array_size(travellers);
    struct ubur_check_input *people = ubur_arena_alloc(&req->ctx->arena, sizeof(*people) * n);
    for (size_t i = 0; i < n; i++) {
        char prefix[32];
        json_t *t = json_array_get(travellers, i);
        snprintf(prefix, sizeof(prefix), "travellers[%zu].", i);
        if (!json_is_object(t)) {
            prefix[strlen(prefix) - 1] = '\0'; /* "travellers[3]" */
            return ubur_error_field(err, UBUR_EINVAL, prefix,
                                    "must be an object with mrz or document");
        }
        if ((rc = ubur_json_check(t, traveller_fields, err)))
            return nest(err, prefix, rc);
        if ((rc = read_traveller(t, prefix, &people[i], err)))
            return rc;
    }
    struct ubur_group_input g = {ubur_json_str(group, "kind"), ubur_json_str(group, "name")};
    if ((rc = ubur_border_check_group(req->ctx, &place, &g, people, (int)n, &out, err)))
        return rc;
    return ubur_http_json(resp, 201, out);
}

static int
checks_get(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *o;
    int rc = ubur_border_check_get(req->ctx, req->params[0], &o, err);
    if (rc)
        return rc;
    return ubur_http_json(resp, 200, o);
}

static const struct ubur_json_field confirm_body[] = {
    {"decision", UBUR_JSON_STRING, false, 8, "admit"},
    {"reason", UBUR_JSON_STRING, false, 500, NULL},
    {0},
};

static int
checks_confirm(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *o;
    char *text;
    struct ubur_confirm_input in = {req->params[0], ubur_json_str(req->json, "decision"),
                                    ubur_json_str(req->json, "reason")};
    int rc = ubur_border_confirm_text(req->ctx, &in, &o, &text, err);
    if (rc)
        return rc;
    if (text) /* a new record: its answer as text, not built as an object */
        return ubur_http_json_text(resp, 201, text);
    int status = json_is_true(json_object_get(o, "pending_approval")) ? 202
                 : json_is_true(json_object_get(o, "replayed"))       ? 200
                                                                      : 201;
    return ubur_http_json(resp, status, o);
}

static const struct ubur_json_field no_fields[] = {{0}};

static int
groups_confirm(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *o;
    int rc = ubur_border_confirm_group(req->ctx, req->params[0], &o, err);
    if (rc)
        return rc;
    return ubur_http_json(resp, json_is_true(json_object_get(o, "replayed")) ? 200 : 201, o);
}

static int
overrides_list(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    int64_t limit;
    json_t *arr;
    const char *status = req->query ? req->query(req, "status") : NULL;
    int rc = ubur_http_query_int(req, "limit", 1, 1000, 200, &limit, err);
    if (rc ||
        (rc = ubur_border_overrides(req->ctx, status && *status ? status : NULL, limit, &arr, err)))
        return rc;
    return ubur_http_json(resp, 200, json_pack("{s:o}", "overrides", arr));
}

static const struct ubur_json_field override_decision_body[] = {
    {"decision", UBUR_JSON_STRING, true, 8, "approve"},
    {"reason", UBUR_JSON_STRING, false, 500, NULL},
    {0},
};

static int
overrides_decide(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *o;
    int rc =
        ubur_border_override_decide(req->ctx, req->params[0], ubur_json_str(req->json, "decision"),
                                    ubur_json_str(req->json, "reason"), &o, err);
    if (rc)
        return rc;
    return ubur_http_json(resp, 201, o);
}

static int
movements_list(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    int64_t limit;
    json_t *arr;
    int rc = ubur_http_query_int(req, "limit", 1, 1000, 100, &limit, err);
    if (rc ||
        (rc = ubur_border_movements(req->ctx, req->query ? req->query(req, "crossing_id") : NULL,
                                    req->query ? req->query(req, "kind") : NULL, limit, &arr, err)))
        return rc;
    return ubur_http_json(resp, 200, json_pack("{s:o}", "movements", arr));
}

/* ---- travellers, overstays, traffic ---- */

static int
traveller_movements(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    int64_t limit;
    json_t *o;
    int rc = ubur_http_query_int(req, "limit", 1, 1000, 100, &limit, err);
    if (rc || (rc = ubur_traveller_movements(req->ctx, req->params[0], limit, &o, err)))
        return rc;
    return ubur_http_json(resp, 200, o);
}

static int
overstays(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    int64_t limit, as_of;
    json_t *arr;
    int rc = ubur_http_query_int(req, "limit", 1, 10000, 1000, &limit, err);
    if (rc || (rc = date_param(req, "as_of", ubur_border_day_now(), &as_of, err)) ||
        (rc = ubur_border_overstays(req->ctx, as_of, limit, &arr, err)))
        return rc;
    char d[UBUR_DATE_LEN + 1];
    ubur_date_format(as_of, d);
    return ubur_http_json(resp, 200, json_pack("{s:s, s:o}", "as_of", d, "overstays", arr));
}

static int
traffic(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    int64_t from, to, today = ubur_border_day_now();
    json_t *o;
    const char *format = req->query ? req->query(req, "format") : NULL;
    if (format && strcmp(format, "json") && strcmp(format, "csv"))
        return ubur_error_field(err, UBUR_EINVAL, "format", "'%.16s' is not json or csv", format);
    int rc = date_param(req, "to", today, &to, err);
    if (rc || (rc = date_param(req, "from", to - 29, &from, err)) ||
        (rc = ubur_border_traffic(req->ctx, from, to, req->query ? req->query(req, "by") : NULL, &o,
                                  err)))
        return rc;
    if (format && !strcmp(format, "csv")) {
        struct ubur_buf b = UBUR_BUF_INIT;
        ubur_border_traffic_csv(o, &b);
        json_decref(o);
        resp->status = 200;
        resp->raw = ubur_buf_detach(&b, &resp->raw_len);
        resp->content_type = "text/csv; charset=utf-8";
        return 0;
    }
    return ubur_http_json(resp, 200, o);
}

static int
visa_free_list(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *arr;
    int rc = ubur_border_visa_free_list(req->ctx, &arr, err);
    if (rc)
        return rc;
    return ubur_http_json(resp, 200, json_pack("{s:o}", "rules", arr));
}

const struct ubur_http_route ubur_api_border_routes[] = {
    {"GET", "/api/v1/crossings", crossings_list, UBUR_ROLE_ANY,
     "Crossing points with the mode in force (?at=TIME)", NULL, 0},
    {"POST", "/api/v1/crossings", crossings_add, UBUR_ROLE_ADMIN,
     "Add a crossing point (paired with its partner)", crossing_body, 0},
    {"GET", "/api/v1/crossings/{id}", crossings_show, UBUR_ROLE_ANY,
     "A crossing point with its schedule history (?at=TIME)", NULL, 0},
    {"POST", "/api/v1/crossings/{id}/schedule", crossings_schedule,
     UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN,
     "Schedule an operating mode from a time (the history is kept)", schedule_body, 0},
    {"POST", "/api/v1/border/checks", checks_create, OFFICERS,
     "Check a traveller (or a group in 'travellers'): decision admit, refer or refuse with "
     "coded reasons",
     check_body, 0},
    {"GET", "/api/v1/border/checks/{id}", checks_get, OFFICERS, "A check as it was answered", NULL,
     0},
    {"POST", "/api/v1/border/checks/{id}/confirm", checks_confirm, OFFICERS,
     "Confirm or override a check; records the entry, exit or refusal (202: an officer's "
     "request to admit over a refusal awaits a supervisor)",
     confirm_body, 0},
    {"POST", "/api/v1/border/groups/{id}/confirm", groups_confirm, OFFICERS,
     "Record every admitted and refused member of a group; referrals stay pending", no_fields, 0},
    {"GET", "/api/v1/border/overrides", overrides_list, OFFICERS,
     "Requests to admit over a refusal (?status=pending|approved|rejected)", NULL, 0},
    {"POST", "/api/v1/border/overrides/{id}/decision", overrides_decide,
     UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN,
     "Approve (records the admission) or reject (records the refusal) an override request",
     override_decision_body, 0},
    {"GET", "/api/v1/border/movements", movements_list, OFFICERS,
     "Recent entries, exits and refusals (?crossing_id&kind&limit)", NULL, 0},
    {"GET", "/api/v1/travellers/{id}/movements", traveller_movements, OFFICERS,
     "A traveller's documents, entries, exits, refusals and stays", NULL, 0},
    {"GET", "/api/v1/border/overstays", overstays, OFFICERS | UBUR_ROLE_ANALYST,
     "Overstayers on a day (?as_of=DATE)", NULL, 0},
    {"GET", "/api/v1/border/visa-free", visa_free_list, UBUR_ROLE_ANY,
     "Visa-free stay rules (N days in any M-day window)", NULL, 0},
    {"GET", "/api/v1/stats/crossings", traffic, UBUR_ROLE_ANY,
     "Traffic per crossing, day, hour, direction, nationality, decision (?from&to&by&format)", NULL,
     UBUR_ROUTE_READ_REPLICA},
    {0},
};
