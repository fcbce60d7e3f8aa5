/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exchange over HTTPS: the partner's server pushes signed packages here;
 * admins see partners and can make a package for a partner to pull.
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "ubur/exchange.h"
#include "ubur/banned.h"

static const struct ubur_json_field export_body[] = {
    {"to", UBUR_JSON_STRING, true, 3, "IRQ"},
    {"since", UBUR_JSON_STRING, false, 1024, NULL},
    {"resend", UBUR_JSON_INT, false, 0, NULL},
    {0},
};

static int
packages_import(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *summary;
    int rc = ubur_exchange_import(req->ctx, req->body, req->body_len, &summary, err);
    if (rc)
        return rc;
    return ubur_http_json(resp, 201, summary);
}

static int
packages_export(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    char *env;
    json_t *summary;
    int rc = ubur_exchange_export(req->ctx, ubur_json_str(req->json, "to"),
                                  ubur_json_str(req->json, "since"),
                                  ubur_json_int(req->json, "resend", 0), &env, &summary, err);
    if (rc)
        return rc;
    json_decref(summary);
    resp->status = 201;
    resp->raw = env;
    resp->raw_len = strlen(env);
    resp->content_type = "application/json; charset=utf-8";
    return 0;
}

static int
partners_list(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *arr;
    int rc = ubur_exchange_partners(req->ctx, &arr, err);
    if (rc)
        return rc;
    return ubur_http_json(resp, 200, json_pack("{s:o}", "partners", arr));
}

const struct ubur_http_route ubur_api_exchange_routes[] = {
    {"POST", "/api/v1/exchange/packages", packages_import, UBUR_ROLE_ADMIN | UBUR_ROLE_SUPERVISOR,
     "Apply a signed package from a partner state (body: the package envelope)", NULL,
     UBUR_ROUTE_UPLOAD | UBUR_ROUTE_RAWBODY},
    {"POST", "/api/v1/exchange/exports", packages_export, UBUR_ROLE_ADMIN,
     "Make the next signed package for a partner state", export_body, 0},
    {"GET", "/api/v1/exchange/partners", partners_list, UBUR_ROLE_ADMIN,
     "Partner states, their keys, agreements and package sequence numbers", NULL, 0},
    {0},
};
