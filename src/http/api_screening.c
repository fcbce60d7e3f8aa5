/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Screening and watchlists over HTTP: POST /api/v1/screenings (the service
 * border checks, visa applications and registrations call), the national
 * alert list kept by supervisors, imports, and case adjudication. Handlers
 * only translate JSON to the services in src/app/screening.c and
 * watchlist.c, which validate, write and audit.
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "ubur/watchlist.h"
#include "ubur/banned.h"

#define OFFICERS                                                                                   \
    (UBUR_ROLE_ADMIN | UBUR_ROLE_SUPERVISOR | UBUR_ROLE_BORDER_OFFICER |                           \
     UBUR_ROLE_CONSULAR_OFFICER | UBUR_ROLE_REGISTRATION_OFFICER)
#define SUPERVISORS (UBUR_ROLE_ADMIN | UBUR_ROLE_SUPERVISOR)

static const struct ubur_json_field screening_body[] = {
    {"name", UBUR_JSON_STRING, true, 512, "محمد طاهر أنوري"},
    {"dob", UBUR_JSON_STRING, false, 32, "1961"},
    {"nationality", UBUR_JSON_STRING, false, 3, "AFG"},
    {"sex", UBUR_JSON_STRING, false, 1, "M"},
    {"threshold", UBUR_JSON_NUMBER, false, 0, "0.8"},
    {"limit", UBUR_JSON_INT, false, 0, "10"},
    {"context", UBUR_JSON_STRING, false, 32, "border"},
    {"subject_ref", UBUR_JSON_STRING, false, 128, "traveller id"},
    {NULL, 0, false, 0, NULL},
};

static int
screening_create(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *b = req->json;
    json_t *thr = json_object_get(b, "threshold");
    struct ubur_screen_query q = {
        .name = ubur_json_str(b, "name"),
        .dob = ubur_json_str(b, "dob"),
        .nationality = ubur_json_str(b, "nationality"),
        .sex = ubur_json_str(b, "sex"),
        .threshold = json_is_number(thr) ? json_number_value(thr) : 0,
        .limit = (int)ubur_json_int(b, "limit", 0),
        .context = ubur_json_str(b, "context") ? ubur_json_str(b, "context") : "api",
        .subject_ref = ubur_json_str(b, "subject_ref"),
    };
    if (json_is_number(thr) && (q.threshold <= 0 || q.threshold > 1))
        return ubur_error_field(err, UBUR_EINVAL, "threshold", "threshold must be in (0,1]");
    struct ubur_screen_result r;
    int rc = ubur_screen(req->ctx, &q, &r, err);
    if (rc)
        return rc;
    char *s = ubur_screen_result_json(&q, &r);
    json_t *o = json_loads(s, 0, NULL);
    free(s);
    json_object_set_new(o, "screening_id", json_string(r.screening_id));
    json_object_set_new(o, "alerts", json_integer(r.alerts));
    return ubur_http_json(resp, 201, o);
}

static int
json_reply(struct ubur_http_resp *resp, int rc, char *s, struct ubur_error *err)
{
    (void)err;
    if (rc)
        return rc;
    json_t *o = json_loads(s, 0, NULL);
    free(s);
    return ubur_http_json(resp, 200, o);
}

static int
lists_get(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    char *s = NULL;
    int rc = ubur_watchlist_lists_json(req->ctx, &s, err);
    if (rc)
        return rc;
    json_t *arr = json_loads(s, 0, NULL);
    free(s);
    return ubur_http_json(resp, 200, json_pack("{s:o}", "lists", arr));
}

static int
entry_get(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    char *s = NULL;
    int rc = ubur_watchlist_entry_json(req->ctx, req->params[0], &s, err);
    return json_reply(resp, rc, s, err);
}

static const struct ubur_json_field entry_body[] = {
    {"list", UBUR_JSON_STRING, false, 128, "National alert list"},
    {"reference", UBUR_JSON_STRING, true, 64, "IRQ-2024-0007"},
    {"name", UBUR_JSON_STRING, true, 512, "Qasim Jabbar al-Dulaymi"},
    {"aliases", UBUR_JSON_ARRAY, false, 60, "[\"قاسم جبار الدليمي\"]"},
    {"dob", UBUR_JSON_STRING, false, 32, "1975-03-02"},
    {"nationality", UBUR_JSON_STRING, false, 3, "IRQ"},
    {"sex", UBUR_JSON_STRING, false, 1, "M"},
    {"action", UBUR_JSON_STRING, true, 32, "arrest"},
    {"reason", UBUR_JSON_STRING, false, 2000, "wanted for questioning"},
    {"alert_category", UBUR_JSON_STRING, false, 64, "security"},
    {"valid_until", UBUR_JSON_STRING, false, 10, "2026-12-31"},
    {NULL, 0, false, 0, NULL},
};

static int
entry_put(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *b = req->json;
    struct ubur_arena *a = &req->ctx->arena;
    struct ubur_wl_entry e;
    memset(&e, 0, sizeof(e));
    e.reference = ubur_json_str(b, "reference");
    e.kind = "person";
    e.primary_name = ubur_json_str(b, "name");
    json_t *al = json_object_get(b, "aliases");
    size_t n = json_is_array(al) ? json_array_size(al) : 0;
    e.names = ubur_arena_alloc(a, sizeof(*e.names) * (n + 1));
    e.names[e.nnames++] = (struct ubur_wl_name){e.primary_name, "primary"};
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(al, i);
        if (!json_is_string(v) || json_string_length(v) > 512)
            return ubur_error_field(err, UBUR_EINVAL, "aliases", "aliases must be names");
        e.names[e.nnames++] =
            (struct ubur_wl_name){ubur_arena_strdup(a, json_string_value(v)), "good"};
    }
    const char *dob = ubur_json_str(b, "dob"), *nat = ubur_json_str(b, "nationality"),
               *sex = ubur_json_str(b, "sex");
    struct ubur_dob d;
    int rc;
    if ((rc = ubur_dob_parse(dob, &d, err)))
        return rc;
    char canon[32] = "";
    if (d.kind)
        ubur_dob_format(&d, canon);
    e.dobs_json = d.kind ? ubur_arena_printf(a, "[\"%s\"]", canon) : "[]";
    char a3[4];
    if (nat && !ubur_country_alpha3(nat, a3))
        return ubur_error_field(err, UBUR_EINVAL, "nationality", "'%.10s' is not an ISO 3166 code",
                                nat);
    e.nats_json = nat ? ubur_arena_printf(a, "[\"%s\"]", a3) : "[]";
    if (sex && ((sex[0] != 'M' && sex[0] != 'F') || sex[1]))
        return ubur_error_field(err, UBUR_EINVAL, "sex", "sex must be M or F");
    e.sex = sex ? sex[0] : 0;
    e.pobs_json = "[]";
    e.docs_json = "[]";
    e.details_json = "{}";
    e.action = ubur_wl_action(ubur_json_str(b, "action"));
    e.reason = ubur_json_str(b, "reason");
    e.alert_category = ubur_json_str(b, "alert_category");
    e.valid_until = ubur_json_str(b, "valid_until");
    e.contributing_state = req->ctx->state;
    const char *list = ubur_json_str(b, "list");
    char id[UBUR_UUID_LEN + 1];
    if ((rc = ubur_watchlist_entry_put(req->ctx, list ? list : "National alert list", &e, id, err)))
        return rc;
    char *s = NULL;
    rc = ubur_watchlist_entry_json(req->ctx, id, &s, err);
    return json_reply(resp, rc, s, err);
}

static const struct ubur_json_field reason_body[] = {
    {"reason", UBUR_JSON_STRING, true, 2000, "delisted by the court"},
    {NULL, 0, false, 0, NULL},
};

static int
entry_end(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    int rc =
        ubur_watchlist_entry_end(req->ctx, req->params[0], ubur_json_str(req->json, "reason"), err);
    if (rc)
        return rc;
    char *s = NULL;
    rc = ubur_watchlist_entry_json(req->ctx, req->params[0], &s, err);
    return json_reply(resp, rc, s, err);
}

static int
import_post(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    const char *list = req->query(req, "list"), *format = req->query(req, "format");
    enum ubur_wl_format f = UBUR_WL_AUTO;
    if (format && !strcmp(format, "un-xml"))
        f = UBUR_WL_UN_XML;
    else if (format && !strcmp(format, "csv"))
        f = UBUR_WL_CSV;
    else if (format)
        return ubur_error_field(err, UBUR_EINVAL, "format", "format must be un-xml or csv");
    struct ubur_wl_summary s;
    int rc = ubur_watchlist_import(req->ctx, list, "upload", req->body, req->body_len, f, NULL,
                                   NULL, &s, err);
    if (rc)
        return rc;
    return ubur_http_json(
        resp, 200,
        json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "list_id", s.list_id, "import_id",
                  s.import_id, "total", (json_int_t)s.total, "added", (json_int_t)s.added,
                  "updated", (json_int_t)s.updated, "ended", (json_int_t)s.ended, "unchanged",
                  (json_int_t)s.unchanged, "reinstated", (json_int_t)s.reinstated));
}

static int
cases_get(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    int64_t limit;
    int rc = ubur_http_query_int(req, "limit", 1, 1000, 100, &limit, err);
    if (rc)
        return rc;
    char *s = NULL;
    rc = ubur_cases_json(req->ctx, req->query(req, "status"), (int)limit, &s, err);
    if (rc)
        return rc;
    json_t *arr = json_loads(s, 0, NULL);
    free(s);
    return ubur_http_json(resp, 200, json_pack("{s:o}", "cases", arr));
}

static const struct ubur_json_field decision_body[] = {
    {"decision", UBUR_JSON_STRING, true, 16, "dismiss"},
    {"reason", UBUR_JSON_STRING, true, 2000, "different father's name and birth date"},
    {NULL, 0, false, 0, NULL},
};

static int
case_decide(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    int rc = ubur_case_decide(req->ctx, req->params[0], ubur_json_str(req->json, "decision"),
                              ubur_json_str(req->json, "reason"), err);
    if (rc)
        return rc;
    return ubur_http_json(resp, 200,
                          json_pack("{s:s, s:s}", "id", req->params[0], "decision",
                                    ubur_json_str(req->json, "decision")));
}

const struct ubur_http_route ubur_api_screening_routes[] = {
    {"POST", "/api/v1/screenings", screening_create, OFFICERS,
     "Screen a person against the watchlists (any script); stores it, opens cases", screening_body,
     0},
    {"GET", "/api/v1/watchlists", lists_get, UBUR_ROLE_ANY, "Watchlists with entry counts", NULL,
     0},
    {"POST", "/api/v1/watchlists/import", import_post, SUPERVISORS,
     "Import a UN XML or CSV list (?list=NAME&format=un-xml|csv); all or nothing", NULL,
     UBUR_ROUTE_UPLOAD | UBUR_ROUTE_RAWBODY},
    {"POST", "/api/v1/watchlist-entries", entry_put, SUPERVISORS,
     "Add or update (by reference) an entry of the national alert list", entry_body, 0},
    {"GET", "/api/v1/watchlist-entries/{id}", entry_get, UBUR_ROLE_ANY,
     "A watchlist entry with its names and history", NULL, 0},
    {"POST", "/api/v1/watchlist-entries/{id}/end", entry_end, SUPERVISORS,
     "End (delist) an entry, keeping its history", reason_body, 0},
    {"GET", "/api/v1/screening-cases", cases_get, SUPERVISORS | UBUR_ROLE_ANALYST,
     "Screening cases (?status=open|confirmed|dismissed&limit=N)", NULL, 0},
    {"POST", "/api/v1/screening-cases/{id}/decision", case_decide, SUPERVISORS,
     "Confirm or dismiss a case with a reason", decision_body, 0},
    {0},
};
