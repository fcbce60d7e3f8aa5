/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registry over HTTP (services in include/ubur/registry.h). Individual
 * records are for registration officers, supervisors and administrators
 * (every read audited by the service); population statistics are open to
 * every signed-in role, analysts included, as JSON, CSV or SVG.
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "ubur/registry.h"
#include "ubur/banned.h"

#define INDIVIDUALS (UBUR_ROLE_ADMIN | UBUR_ROLE_SUPERVISOR | UBUR_ROLE_REGISTRATION_OFFICER)

static json_t *
str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *
person_json(const struct ubur_reg_individual *p)
{
    json_t *o = json_object();
    const char *k[] = {"id",
                       "individual_number",
                       "group_id",
                       "group_number",
                       "relationship",
                       "given_name",
                       "father_name",
                       "grandfather_name",
                       "family_name",
                       "given_name_ar",
                       "father_name_ar",
                       "grandfather_name_ar",
                       "family_name_ar",
                       "sex",
                       "birth_date",
                       "origin",
                       "citizenship",
                       "population_type",
                       "location",
                       "status",
                       "registered_on",
                       "returnee_on",
                       "merged_into"};
    const char *v[] = {p->id,
                       p->individual_number,
                       p->group_id,
                       p->group_number,
                       p->relationship,
                       p->given_name,
                       p->father_name,
                       p->grandfather_name,
                       p->family_name,
                       p->given_name_ar,
                       p->father_name_ar,
                       p->grandfather_name_ar,
                       p->family_name_ar,
                       p->sex,
                       p->birth_date,
                       p->origin,
                       p->citizenship,
                       p->population_type,
                       p->location,
                       p->status,
                       p->registered_on,
                       p->returnee_on,
                       p->merged_into};
    for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
        json_object_set_new(o, k[i], str_or_null(v[i]));
    json_object_set_new(o, "birth_date_estimated", json_boolean(p->birth_date_estimated));
    if (p->ndocuments || p->nneeds || p->nhistory) {
        json_t *d = json_array(), *n = json_array(), *h = json_array();
        for (size_t i = 0; i < p->ndocuments; i++)
            json_array_append_new(
                d, json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?}", "type", p->documents[i].doc_type,
                             "number", p->documents[i].number, "issuing_country",
                             p->documents[i].issuing_country, "issued_on",
                             p->documents[i].issued_on, "expires_on", p->documents[i].expires_on));
        for (size_t i = 0; i < p->nneeds; i++)
            json_array_append_new(n, json_pack("{s:s?, s:s?}", "code", p->needs[i].code, "detail",
                                               p->needs[i].detail));
        for (size_t i = 0; i < p->nhistory; i++)
            json_array_append_new(
                h, json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "effective_on",
                             p->history[i].effective_on, "status", p->history[i].status,
                             "population_type", p->history[i].population_type, "location",
                             p->history[i].location, "reason", p->history[i].reason, "recorded_at",
                             p->history[i].recorded_at, "recorded_by", p->history[i].recorded_by));
        json_object_set_new(o, "documents", d);
        json_object_set_new(o, "specific_needs", n);
        json_object_set_new(o, "history", h);
    }
    return o;
}

static int
stats_population(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    struct ubur_popstat_query q = {.as_of = req->query(req, "as_of")};
    const char *by = req->query(req, "by"), *format = req->query(req, "format");
    const char *pub = req->query(req, "public");
    enum ubur_popformat f;
    int rc;
    if ((rc = ubur_popdims_parse(by ? by : "type", "by", q.dims, &q.ndims, err)) ||
        (rc = ubur_popformat_parse(format ? format : "json", &f, err)))
        return rc;
    if (f == UBUR_POPFORMAT_TABLE)
        return ubur_error_field(err, UBUR_EINVAL, "format", "json, csv or svg over HTTP");
    struct ubur_poptable t;
    if ((rc = ubur_registry_stats(req->ctx, &q, &t, err))) {
        ubur_poptable_release(&t);
        return rc;
    }
    struct ubur_popformat_opts o = {0};
    /* analysts get the public view; others ask for it with public=true */
    if ((pub && !strcmp(pub, "true")) || req->ctx->role == UBUR_ROLE_ANALYST)
        o.withhold_max = (int)strtol(ubur_setting(req->ctx, "stats.withhold_max", "4"), NULL, 10);
    struct ubur_buf out = UBUR_BUF_INIT;
    ubur_poptable_write(&t, f, &o, &out);
    ubur_poptable_release(&t);
    if (f == UBUR_POPFORMAT_JSON) {
        json_error_t je;
        json_t *j = json_loads(out.s, 0, &je);
        ubur_buf_release(&out);
        if (!j)
            return ubur_error_set(err, UBUR_EINTERNAL, "statistics rendering failed");
        return ubur_http_json(resp, 200, j);
    }
    resp->status = 200;
    resp->raw = ubur_buf_detach(&out, &resp->raw_len);
    resp->content_type = f == UBUR_POPFORMAT_CSV ? "text/csv; charset=utf-8" : "image/svg+xml";
    return 0;
}

static int
individual_get(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    struct ubur_reg_individual p;
    int rc = ubur_registry_get(req->ctx, req->params[0], &p, err);
    if (rc)
        return rc;
    return ubur_http_json(resp, 200, person_json(&p));
}

static int
list_one(void *arg, const struct ubur_reg_individual *p)
{
    json_array_append_new(arg, person_json(p));
    return 0;
}

static int
individual_list(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    int64_t limit, offset;
    int rc;
    if ((rc = ubur_http_query_int(req, "limit", 1, 1000, 100, &limit, err)) ||
        (rc = ubur_http_query_int(req, "offset", 0, INT32_MAX, 0, &offset, err)))
        return rc;
    struct ubur_reg_filter f = {
        .group = req->query(req, "group"),
        .location = req->query(req, "location"),
        .population_type = req->query(req, "population_type"),
        .status = req->query(req, "status"),
        .origin = req->query(req, "origin"),
        .limit = (long)limit,
        .offset = (long)offset,
    };
    json_t *arr = json_array();
    if ((rc = ubur_registry_list(req->ctx, &f, list_one, arr, err))) {
        json_decref(arr);
        return rc;
    }
    return ubur_http_json(resp, 200, json_pack("{s:o}", "individuals", arr));
}

static const struct ubur_json_field event_fields[] = {
    {"effective_on", UBUR_JSON_STRING, false, 10, "2021-12-24"},
    {"status", UBUR_JSON_STRING, false, 10, "inactive"},
    {"population_type", UBUR_JSON_STRING, false, 3, "REF"},
    {"location", UBUR_JSON_STRING, false, 64, "SY-DI-DAM"},
    {"reason", UBUR_JSON_STRING, false, 500, "recognised as a refugee"},
    {0},
};

static int
individual_event(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    struct ubur_reg_event ev = {
        .effective_on = ubur_json_str(req->json, "effective_on"),
        .status = ubur_json_str(req->json, "status"),
        .population_type = ubur_json_str(req->json, "population_type"),
        .location = ubur_json_str(req->json, "location"),
        .reason = ubur_json_str(req->json, "reason"),
    };
    int rc = ubur_registry_event(req->ctx, req->params[0], &ev, err);
    if (rc)
        return rc;
    struct ubur_reg_individual p;
    if ((rc = ubur_registry_get(req->ctx, req->params[0], &p, err)))
        return rc;
    return ubur_http_json(resp, 200, person_json(&p));
}

static const struct ubur_json_field group_fields[] = {
    {"kind", UBUR_JSON_STRING, false, 10, "household"},
    {"location", UBUR_JSON_STRING, true, 64, "SY-HA-QAM"},
    {"registered_on", UBUR_JSON_STRING, false, 10, "2021-12-24"},
    {"confirm_new", UBUR_JSON_BOOL, false, 0, "false"},
    {"members", UBUR_JSON_ARRAY, true, 50, "[{...}]"},
    {0},
};

static int
group_register(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    struct ubur_reg_group g;
    struct ubur_reg_individual *m;
    size_t n;
    bool confirm;
    int rc = ubur_registry_group_from_json(req->ctx, req->json, &g, &m, &n, &confirm, err);
    if (rc)
        return rc;
    if ((rc = ubur_registry_register(req->ctx, &g, m, n, !confirm, err)))
        return rc;
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s}", "id", m[i].id, "individual_number",
                                             m[i].individual_number));
    return ubur_http_json(
        resp, 201,
        json_pack("{s:s, s:s, s:o}", "id", g.id, "group_number", g.group_number, "members", arr));
}

static int
check_member(void *arg, size_t member, const struct ubur_reg_candidate *c, size_t nc)
{
    json_t *cands = json_array();
    for (size_t i = 0; i < nc; i++) {
        json_t *p = person_json(&c[i].person);
        json_object_set_new(p, "score", json_real((double)(long)(c[i].score * 1000) / 1000));
        json_array_append_new(cands, p);
    }
    json_array_append_new(
        arg, json_pack("{s:I, s:o}", "member", (json_int_t)member + 1, "candidates", cands));
    return 0;
}

/* The duplicate check of a group before it is committed: nothing is written. */
static int
group_check(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    struct ubur_reg_group g;
    struct ubur_reg_individual *m;
    size_t n, flagged = 0;
    int rc = ubur_registry_group_from_json(req->ctx, req->json, &g, &m, &n, NULL, err);
    if (rc)
        return rc;
    json_t *arr = json_array();
    if ((rc = ubur_registry_group_check(req->ctx, m, n, 5, check_member, arr, &flagged, err))) {
        json_decref(arr);
        return rc;
    }
    return ubur_http_json(
        resp, 200, json_pack("{s:b, s:o}", "likely_duplicates", flagged > 0, "members", arr));
}

static int
loc_one(void *arg, const struct ubur_reg_location *l)
{
    json_array_append_new(arg,
                          json_pack("{s:s, s:s?, s:s, s:s, s:s, s:s?, s:s, s:s}", "pcode", l->pcode,
                                    "parent", l->parent, "level", l->level, "country", l->country,
                                    "name_en", l->name_en, "name_ar", l->name_ar, "location_type",
                                    l->location_type, "accommodation_type", l->accommodation_type));
    return 0;
}

static int
locations(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *arr = json_array();
    int rc = ubur_registry_locations(req->ctx, loc_one, arr, err);
    if (rc) {
        json_decref(arr);
        return rc;
    }
    return ubur_http_json(resp, 200, json_pack("{s:o}", "locations", arr));
}

const struct ubur_http_route ubur_api_registry_routes[] = {
    {"GET", "/api/v1/stats/population", stats_population, UBUR_ROLE_ANY,
     "Population statistics (?as_of=DATE&by=type,governorate,...&format=json|csv|svg"
     "&public=true); analysts always get figures of 1-4 withheld",
     NULL, UBUR_ROUTE_READ_REPLICA},
    {"GET", "/api/v1/registry/locations", locations, UBUR_ROLE_ANY,
     "Registry locations: country, governorate, district or city, site", NULL, 0},
    {"GET", "/api/v1/registry/individuals", individual_list, INDIVIDUALS,
     "Individuals (?group=&location=&population_type=&status=&origin=&limit=&offset=); audited",
     NULL, 0},
    {"GET", "/api/v1/registry/individuals/{id}", individual_get, INDIVIDUALS,
     "One individual with documents, specific needs and history; audited", NULL, 0},
    {"POST", "/api/v1/registry/individuals/{id}/events", individual_event, INDIVIDUALS,
     "Change status, population type or location from a date", event_fields, 0},
    {"POST", "/api/v1/registry/groups", group_register, INDIVIDUALS,
     "Register a household or case with its members in one transaction (409 with likely"
     " duplicates unless confirm_new)",
     group_fields, 0},
    {"POST", "/api/v1/registry/groups/check", group_check, INDIVIDUALS,
     "The duplicate check of a household or case before it is registered: each member's"
     " likely existing records with scores; writes nothing",
     group_fields, 0},
    {0},
};
