/* SPDX-License-Identifier: Apache-2.0 */
/* Health and the OpenAPI document: the only routes open without credentials. */
#include <string.h>

#include "http.h"
#include "ubur/banned.h"

#ifndef UBUR_VERSION
#define UBUR_VERSION "0.1.0"
#endif

static int
health(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    int version = 0;
    int rc = ubur_store_schema_version(req->ctx->store, &version, err);
    if (rc)
        return rc;
    char now[UBUR_TIME_LEN + 1];
    ubur_time_format(ubur_now(), now);
    return ubur_http_json(
        resp, 200,
        json_pack("{s:s, s:s, s:s, s:i, s:s, s:s?}", "status", "ok", "version", UBUR_VERSION,
                  "store",
                  ubur_store_kind(req->ctx->store) == UBUR_STORE_PG ? "postgresql" : "sqlite",
                  "schema_version", version, "time", now, "state", req->ctx->state));
}

static int
openapi(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    (void)req;
    (void)err;
    return ubur_http_json(resp, 200, ubur_http_openapi());
}

const struct ubur_http_route ubur_api_system_routes[] = {
    {"GET", "/api/v1/health", health, UBUR_ROLE_NONE, "Liveness and store status", NULL, 0},
    {"GET", "/api/v1/openapi.json", openapi, UBUR_ROLE_NONE, "This API's OpenAPI 3.1 document",
     NULL, 0},
    {0},
};
