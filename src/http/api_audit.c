/* SPDX-License-Identifier: Apache-2.0 */
/* The audit log, for admins: read it page by page, and verify its hash chain. */
#include "http.h"
#include "ubur/banned.h"

static int
audit_list(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    int64_t before, limit;
    json_t *arr;
    int rc;
    if ((rc = ubur_http_query_int(req, "before", 0, INT64_MAX, 0, &before, err)) ||
        (rc = ubur_http_query_int(req, "limit", 1, 1000, 100, &limit, err)))
        return rc;
    const char *object = req->query(req, "object_id");
    if ((rc = ubur_audit_list(req->ctx->store, before, limit, object, &arr, err)))
        return rc;
    return ubur_http_json(resp, 200, json_pack("{s:o}", "entries", arr));
}

static int
audit_verify(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    int64_t checked, bad;
    struct ubur_error why = UBUR_ERROR_INIT;
    int rc = ubur_audit_verify(req->ctx->store, &checked, &bad, &why);
    if (rc && rc != UBUR_ECONFLICT)
        return ubur_error_set(err, rc, "%s", why.message);
    json_t *out = json_pack("{s:b, s:I}", "intact", rc == 0, "checked", (json_int_t)checked);
    if (rc) {
        json_object_set_new(out, "first_bad_seq", json_integer(bad));
        json_object_set_new(out, "reason", json_string(why.message));
    }
    return ubur_http_json(resp, 200, out);
}

const struct ubur_http_route ubur_api_audit_routes[] = {
    {"GET", "/api/v1/audit", audit_list, UBUR_ROLE_ADMIN,
     "Audit log entries, newest first (?before=SEQ&limit=N&object_id=ID)", NULL, 0},
    {"GET", "/api/v1/audit/verify", audit_verify, UBUR_ROLE_ADMIN,
     "Verify the audit log's hash chain", NULL, 0},
    {0},
};
