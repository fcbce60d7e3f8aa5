/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sessions: log in (token in the body and an HttpOnly SameSite=Strict
 * cookie), who am I, log out. A cookie session must send the CSRF token it
 * got at login in X-CSRF-Token with every write.
 */
#include <string.h>

#include "http.h"
#include "ubur/banned.h"

static const struct ubur_json_field login_body[] = {
    {"username", UBUR_JSON_STRING, true, UBUR_USERNAME_MAX, "officer1"},
    {"password", UBUR_JSON_STRING, true, UBUR_PASSWORD_MAX, NULL},
    {0},
};

static json_t *
session_json(const struct ubur_session *s)
{
    return json_pack("{s:{s:s, s:s, s:s, s:s?}, s:s, s:s}", "user", "id", s->user_id, "username",
                     s->username, "role", ubur_role_name(s->role), "state",
                     s->state[0] ? s->state : NULL, "csrf", s->csrf, "expires_at", s->expires_at);
}

static int
login(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    char token[UBUR_TOKEN_LEN + 1];
    struct ubur_session sess;
    int rc = ubur_session_login(req->ctx, ubur_json_str(req->json, "username"),
                                ubur_json_str(req->json, "password"), token, &sess, err);
    if (rc)
        return rc;
    json_t *body = session_json(&sess);
    json_object_set_new(body, "token", json_string(token));
    ubur_http_header(resp, "Set-Cookie",
                     ubur_arena_printf(&req->ctx->arena,
                                       "ubur_session=%s; Path=/; HttpOnly; SameSite=Strict%s",
                                       token, req->tls ? "; Secure" : ""));
    return ubur_http_json(resp, 201, body);
}

static int
whoami(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    (void)err;
    return ubur_http_json(resp, 200, session_json(&req->session));
}

static int
logout(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    int rc = ubur_session_logout(req->ctx, req->token, err);
    if (rc)
        return rc;
    ubur_http_header(resp, "Set-Cookie",
                     "ubur_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    return ubur_http_json(resp, 200, json_pack("{s:b}", "logged_out", 1));
}

const struct ubur_http_route ubur_api_session_routes[] = {
    {"POST", "/api/v1/session", login, UBUR_ROLE_NONE, "Log in; returns a bearer token", login_body,
     0},
    {"GET", "/api/v1/session", whoami, UBUR_ROLE_ANY, "The current session and its CSRF token",
     NULL, 0},
    {"DELETE", "/api/v1/session", logout, UBUR_ROLE_ANY | UBUR_ROLE_SYNC_POST, "Log out", NULL, 0},
    {0},
};
