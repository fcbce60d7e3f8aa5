/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Visas over HTTP: purposes and their rules, applications (submit, queue,
 * decide, issue) under /api/v1/visa-applications, and issued visas (show,
 * change, verify, revocation export, printable page) under /api/v1/visas.
 * Handlers only translate: every rule lives in the services of
 * include/ubur/visa.h, so the CLI answers the same.
 */
#include <string.h>

#include "http.h"
#include "ubur/visa.h"
#include "ubur/banned.h"

#define OFFICE (UBUR_ROLE_CONSULAR_OFFICER | UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN)
#define VISA_READERS (OFFICE | UBUR_ROLE_BORDER_OFFICER)

static const struct ubur_json_field purpose_body[] = {
    {"code", UBUR_JSON_STRING, false, 32, "tourism"},
    {"name_en", UBUR_JSON_STRING, false, 100, "Tourism"},
    {"name_ar", UBUR_JSON_ANY, false, 0, "سياحة"},
    {"active", UBUR_JSON_BOOL, false, 0, "true"},
    {"nationalities", UBUR_JSON_ANY, false, 0, "[\"IRQ\"]"},
    {"validity_days", UBUR_JSON_INT, false, 0, "90"},
    {"max_entries", UBUR_JSON_INT, false, 0, "1"},
    {"max_stay_days", UBUR_JSON_INT, false, 0, "30"},
    {"fee", UBUR_JSON_ANY, false, 0, "\"50.00\""},
    {"currency", UBUR_JSON_STRING, false, 3, "USD"},
    {"required_documents", UBUR_JSON_ANY, false, 0, "[\"medical_letter\"]"},
    {"needs_hospital", UBUR_JSON_BOOL, false, 0, "false"},
    {"needs_patient", UBUR_JSON_BOOL, false, 0, "false"},
    {"max_escorts", UBUR_JSON_INT, false, 0, "2"},
    {"extendable", UBUR_JSON_BOOL, false, 0, "false"},
    {"max_extension_days", UBUR_JSON_INT, false, 0, "0"},
    {"auto_approve", UBUR_JSON_BOOL, false, 0, "true"},
    {"auto_max_risk", UBUR_JSON_INT, false, 0, "20"},
    {"priority", UBUR_JSON_INT, false, 0, "0"},
    {"mrz_format", UBUR_JSON_STRING, false, 1, "A"},
    {"passport_margin_days", UBUR_JSON_INT, false, 0, "0"},
    {"max_advance_days", UBUR_JSON_INT, false, 0, "180"},
    {"updated_at", UBUR_JSON_ANY, false, 0, NULL},
    {0},
};

static const struct ubur_json_field apply_body[] = {
    {"passport_mrz", UBUR_JSON_STRING, true, 1024, "P<IRQ..."},
    {"purpose", UBUR_JSON_STRING, true, 32, "medical"},
    {"entry_date", UBUR_JSON_STRING, true, 32, "2024-05-10"},
    {"days", UBUR_JSON_INT, true, 0, "30"},
    {"entries", UBUR_JSON_INT, false, 0, "1"},
    {"name_ar", UBUR_JSON_STRING, false, 200, NULL},
    {"urgent", UBUR_JSON_BOOL, false, 0, "false"},
    {"hospital", UBUR_JSON_STRING, false, 200, "Al-Mouwasat University Hospital"},
    {"patient_application_id", UBUR_JSON_STRING, false, 64, NULL},
    {"documents", UBUR_JSON_ARRAY, false, 20,
     "[{\"kind\":\"medical_letter\",\"reference\":\"M-1\"}]"},
    {"family", UBUR_JSON_ARRAY, false, 20, NULL},
    {"group_ref", UBUR_JSON_STRING, false, 64, NULL},
    {"previous_application_ids", UBUR_JSON_ARRAY, false, 20, NULL},
    {"person_id", UBUR_JSON_STRING, false, 64, NULL},
    {0},
};

static const struct ubur_json_field group_body[] = {
    {"group_ref", UBUR_JSON_STRING, true, 64, "PILGRIMS-ZAYNAB-01"},
    {"applications", UBUR_JSON_ARRAY, true, UBUR_VISA_GROUP_MAX, "[{...}, {...}]"},
    {0},
};

static const struct ubur_json_field decision_body[] = {
    {"action", UBUR_JSON_STRING, true, 32, "approve"},
    {"reason", UBUR_JSON_STRING, false, 200, "insufficient_means"},
    {"note", UBUR_JSON_STRING, false, 2000, NULL},
    {0},
};

static const struct ubur_json_field empty_body[] = {
    {0},
};

static const struct ubur_json_field change_body[] = {
    {"until", UBUR_JSON_STRING, false, 32, "2024-07-01"},
    {"days", UBUR_JSON_INT, false, 0, "14"},
    {"reason", UBUR_JSON_STRING, false, 200, NULL},
    {"hospital_request", UBUR_JSON_STRING, false, 200, "MOH-EXT-2024-17"},
    {0},
};

static const struct ubur_json_field verify_body[] = {
    {"seal", UBUR_JSON_STRING, false, 16384, "dc03..."},
    {"visa_number", UBUR_JSON_STRING, false, 16, "V24000001"},
    {0},
};

static int
reply(struct ubur_http_resp *resp, int status, int rc, json_t *out)
{
    if (rc)
        return rc;
    return ubur_http_json(resp, status, out);
}

static int
purposes_list(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *arr = NULL;
    int rc = ubur_visa_purpose_list(req->ctx, &arr, err);
    return reply(resp, 200, rc, rc ? NULL : json_pack("{s:o}", "purposes", arr));
}

static int
purposes_get(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *o = NULL;
    int rc = ubur_visa_purpose_get(req->ctx, req->params[0], &o, err);
    return reply(resp, 200, rc, o);
}

static int
purposes_put(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *o = NULL;
    json_object_del(req->json, "updated_at");
    int rc = ubur_visa_purpose_put(req->ctx, req->params[0], req->json, &o, err);
    return reply(resp, 200, rc, o);
}

static int
filter_from_query(struct ubur_http_req *req, struct ubur_visa_filter *f, struct ubur_error *err)
{
    int rc;
    f->state = req->query(req, "state");
    f->purpose = req->query(req, "purpose");
    f->person_id = req->query(req, "person_id");
    const char *q = req->query(req, "queue");
    f->queue = q && (!strcmp(q, "1") || !strcmp(q, "true"));
    if ((rc = ubur_http_query_int(req, "limit", 1, 1000, 100, &f->limit, err)) ||
        (rc = ubur_http_query_int(req, "offset", 0, 1000000000, 0, &f->offset, err)))
        return rc;
    return 0;
}

static int
apps_create(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *o = NULL;
    int rc = ubur_visa_apply(req->ctx, req->json, &o, err);
    return reply(resp, 201, rc, o);
}

static int
groups_create(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *o = NULL;
    int rc = ubur_visa_apply_group(req->ctx, req->json, &o, err);
    return reply(resp, 201, rc, o);
}

static int
groups_issue(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *o = NULL;
    int rc = ubur_visa_issue_group(req->ctx, req->params[0], &o, err);
    return reply(resp, 201, rc, o);
}

static int
apps_list(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    struct ubur_visa_filter f = UBUR_VISA_FILTER_INIT;
    json_t *arr = NULL;
    int rc = filter_from_query(req, &f, err);
    if (!rc)
        rc = ubur_visa_application_list(req->ctx, &f, &arr, err);
    return reply(resp, 200, rc, rc ? NULL : json_pack("{s:o}", "applications", arr));
}

static int
apps_queue(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    struct ubur_visa_filter f = UBUR_VISA_FILTER_INIT;
    json_t *arr = NULL;
    int rc = filter_from_query(req, &f, err);
    f.queue = true;
    if (!rc)
        rc = ubur_visa_application_list(req->ctx, &f, &arr, err);
    return reply(resp, 200, rc, rc ? NULL : json_pack("{s:o}", "applications", arr));
}

static int
apps_get(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *o = NULL;
    int rc = ubur_visa_application_get(req->ctx, req->params[0], &o, err);
    return reply(resp, 200, rc, o);
}

static int
apps_decide(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *o = NULL;
    int rc = ubur_visa_decide(req->ctx, req->params[0], ubur_json_str(req->json, "action"),
                              ubur_json_str(req->json, "reason"), ubur_json_str(req->json, "note"),
                              &o, err);
    return reply(resp, 200, rc, o);
}

static int
apps_issue(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *o = NULL;
    int rc = ubur_visa_issue(req->ctx, req->params[0], &o, err);
    return reply(resp, 201, rc, o);
}

static int
visas_list(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    struct ubur_visa_filter f = UBUR_VISA_FILTER_INIT;
    json_t *arr = NULL;
    int rc = filter_from_query(req, &f, err);
    if (!rc)
        rc = ubur_visa_list(req->ctx, &f, &arr, err);
    return reply(resp, 200, rc, rc ? NULL : json_pack("{s:o}", "visas", arr));
}

static int
visas_get(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *o = NULL;
    int rc = ubur_visa_get(req->ctx, req->params[0], &o, err);
    return reply(resp, 200, rc, o);
}

static int
visas_change(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *o = NULL;
    int rc = ubur_visa_change(req->ctx, req->params[0], req->params[1], req->json, &o, err);
    return reply(resp, 200, rc, o);
}

static int
visas_verify(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *o = NULL;
    int rc = ubur_visa_verify(req->ctx, ubur_json_str(req->json, "seal"),
                              ubur_json_str(req->json, "visa_number"), &o, err);
    return reply(resp, 200, rc, o);
}

static int
visas_revocations(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *o = NULL;
    int rc = ubur_visa_revocations(req->ctx, req->query(req, "since"), &o, err);
    return reply(resp, 200, rc, o);
}

static int
visas_page(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    struct ubur_buf b = UBUR_BUF_INIT;
    const char *format = req->query(req, "format");
    int rc = ubur_visa_page(req->ctx, req->params[0], format ? format : "svg", &b, err);
    if (rc) {
        ubur_buf_release(&b);
        return rc;
    }
    resp->status = 200;
    resp->raw = ubur_buf_detach(&b, &resp->raw_len);
    resp->content_type =
        format && !strcmp(format, "html") ? "text/html; charset=utf-8" : "image/svg+xml";
    return 0;
}

const struct ubur_http_route ubur_api_visa_routes[] = {
    {"GET", "/api/v1/visa-purposes", purposes_list, UBUR_ROLE_ANY, "Visa purposes with their rules",
     NULL, 0},
    {"GET", "/api/v1/visa-purposes/{code}", purposes_get, UBUR_ROLE_ANY,
     "One visa purpose with its rules", NULL, 0},
    {"PUT", "/api/v1/visa-purposes/{code}", purposes_put, UBUR_ROLE_ADMIN,
     "Create or change a visa purpose's rules (absent fields keep their value)", purpose_body, 0},
    {"POST", "/api/v1/visa-applications", apps_create, OFFICE,
     "Submit a visa application: validated, screened, maybe approved automatically", apply_body, 0},
    {"POST", "/api/v1/visa-applications/groups", groups_create, OFFICE,
     "Submit a group's applications at once (all or nothing, one transaction)", group_body,
     UBUR_ROUTE_UPLOAD},
    {"POST", "/api/v1/visa-applications/groups/{group_ref}/issue", groups_issue, OFFICE,
     "Issue every approved application of a group at once", empty_body, 0},
    {"GET", "/api/v1/visa-applications", apps_list, OFFICE,
     "List applications (?state, purpose, person_id, queue=1, limit, offset)", NULL, 0},
    {"GET", "/api/v1/visa-applications/queue", apps_queue, OFFICE,
     "The review queue: submitted and under review, by priority then age", NULL, 0},
    {"GET", "/api/v1/visa-applications/{id}", apps_get, OFFICE,
     "An application (id or number) with applicant, documents, links, risk and history", NULL, 0},
    {"POST", "/api/v1/visa-applications/{id}/decision", apps_decide, OFFICE,
     "Review, approve, refuse (reason code), withdraw or discontinue an application", decision_body,
     0},
    {"POST", "/api/v1/visa-applications/{id}/issue", apps_issue, OFFICE,
     "Issue the visa of an approved application (number, MRZ, signed seal)", empty_body, 0},
    {"GET", "/api/v1/visas", visas_list, VISA_READERS,
     "List issued visas (?state, purpose, person_id, limit, offset)", NULL, 0},
    {"GET", "/api/v1/visas/revocations", visas_revocations,
     UBUR_ROLE_BORDER_OFFICER | UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN,
     "Revoked and annulled visas for the other state's posts (?since)", NULL, 0},
    {"POST", "/api/v1/visas/verify", visas_verify, UBUR_ROLE_ANY,
     "Verify a visa seal (signature offline, revocation online) or a visa number", verify_body, 0},
    {"GET", "/api/v1/visas/{id}", visas_get, VISA_READERS, "A visa (id or number)", NULL, 0},
    {"GET", "/api/v1/visas/{id}/page", visas_page, OFFICE,
     "The printable visa page with its DataMatrix seal (?format=svg|html)", NULL, 0},
    {"POST", "/api/v1/visas/{id}/{action}", visas_change, OFFICE | UBUR_ROLE_BORDER_OFFICER,
     "Extend, shorten, annul or revoke a visa (the action is the last path segment)", change_body,
     0},
    {0},
};
