/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request dispatch: authenticate, find the route, check the role, parse and
 * validate the JSON body, call the handler, and turn errors into the API's
 * error object. Deny by default: every route needs credentials unless its
 * row says UBUR_ROLE_NONE, and an unknown /api path answers 401 to a caller
 * without credentials, so the route table is not probeable anonymously.
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "ubur/banned.h"

int
ubur_http_json(struct ubur_http_resp *resp, int status, json_t *obj)
{
    if (resp->json)
        json_decref(resp->json);
    resp->status = status;
    resp->json = obj;
    return 0;
}

int
ubur_http_json_text(struct ubur_http_resp *resp, int status, char *text)
{
    if (resp->json)
        json_decref(resp->json);
    resp->json = NULL;
    free(resp->raw);
    resp->status = status;
    resp->raw = text;
    resp->raw_len = strlen(text);
    resp->content_type = "application/json; charset=utf-8";
    return 0;
}

void
ubur_http_header(struct ubur_http_resp *resp, const char *name, const char *value)
{
    if (resp->nheaders < (int)(sizeof(resp->headers) / sizeof(resp->headers[0]))) {
        resp->headers[resp->nheaders][0] = name;
        resp->headers[resp->nheaders][1] = value;
        resp->nheaders++;
    }
}

bool
ubur_http_is_api(const char *path)
{
    return !strncmp(path, "/api/", 5) || !strcmp(path, "/api");
}

/* Matches "/api/v1/users/{id}" against a path, capturing {..} segments into req. */
static bool
route_match(const char *pattern, const char *path, struct ubur_http_req *req)
{
    const char *p = pattern, *s = path;
    int n = 0;
    const char *caps[UBUR_HTTP_MAX_PARAMS];
    size_t lens[UBUR_HTTP_MAX_PARAMS];

    while (*p && *s) {
        if (*p == '{') {
            const char *end = strchr(s, '/');
            size_t len = end ? (size_t)(end - s) : strlen(s);
            if (len == 0 || n == UBUR_HTTP_MAX_PARAMS)
                return false;
            caps[n] = s;
            lens[n++] = len;
            s += len;
            p = strchr(p, '}');
            if (!p)
                return false;
            p++;
            continue;
        }
        if (*p != *s)
            return false;
        p++;
        s++;
    }
    if (*p || *s)
        return false;
    req->nparams = n;
    for (int i = 0; i < n; i++)
        req->params[i] = ubur_arena_strndup(&req->ctx->arena, caps[i], lens[i]);
    return true;
}

static void
set_error(struct ubur_http_resp *resp, const struct ubur_error *err)
{
    int code = err->code ? err->code : UBUR_EINTERNAL;
    const char *msg = err->message[0] ? err->message : ubur_strerror(code);
    /* Messages quote input; input that is not UTF-8 must not make the answer unencodable. */
    if (!ubur_utf8_valid(msg, strlen(msg)))
        msg = ubur_strerror(code);
    json_t *e = json_pack("{s:s, s:s}", "code", ubur_error_name(code), "message", msg);
    if (err->field[0] && ubur_utf8_valid(err->field, strlen(err->field)))
        json_object_set_new(e, "field", json_string(err->field));
    ubur_http_json(resp, ubur_error_http_status(code), json_pack("{s:o}", "error", e));
    if (resp->raw) {
        free(resp->raw);
        resp->raw = NULL;
    }
}

/* Bearer header first, then the session cookie (which then needs the CSRF header for writes). */
static int
authenticate(struct ubur_http_req *req, struct ubur_error *err)
{
    const char *token = NULL;
    bool cookie = false;

    if (req->authorization) {
        if (strncasecmp(req->authorization, "Bearer ", 7) != 0)
            return ubur_error_set(err, UBUR_EAUTH, "authorization must be 'Bearer TOKEN'");
        token = req->authorization + 7;
        while (*token == ' ')
            token++;
    } else if (req->cookie_token) {
        token = req->cookie_token;
        cookie = true;
    }
    if (!token || !*token)
        return ubur_error_set(err, UBUR_EAUTH, "authentication required");
    int rc = ubur_session_check(req->ctx->store, token, &req->session, err);
    if (rc)
        return rc;
    if (cookie && strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        if (!req->csrf_header || strcmp(req->csrf_header, req->session.csrf) != 0)
            return ubur_error_set(err, UBUR_EPERM,
                                  "missing or wrong X-CSRF-Token header for a cookie session");
    }
    req->token = ubur_arena_strdup(&req->ctx->arena, token);
    req->ctx->user_id = req->session.user_id;
    req->ctx->username = req->session.username;
    req->ctx->role = req->session.role;
    if (req->session.state[0])
        req->ctx->state = req->session.state;
    return 0;
}

static int
parse_body(struct ubur_http_req *req, const struct ubur_http_route *route, struct ubur_error *err)
{
    if (route->flags & UBUR_ROUTE_RAWBODY)
        return 0;
    bool writes = !strcmp(req->method, "POST") || !strcmp(req->method, "PUT") ||
                  !strcmp(req->method, "PATCH");
    if (req->body_len == 0) {
        if (route->body && writes) {
            req->json = json_object();
            return ubur_json_check(req->json, route->body, err);
        }
        return 0;
    }
    if (!route->body)
        return ubur_error_set(err, UBUR_EINVAL, "this request takes no body");
    if (!ubur_utf8_valid(req->body, req->body_len))
        return ubur_error_set(err, UBUR_EINVAL, "body is not valid UTF-8 text");
    json_error_t jerr;
    req->json = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!req->json)
        return ubur_error_set(err, UBUR_EINVAL, "malformed JSON at line %d column %d: %s",
                              jerr.line, jerr.column, jerr.text);
    if (!json_is_object(req->json))
        return ubur_error_set(err, UBUR_EINVAL, "body must be a JSON object");
    return ubur_json_check(req->json, route->body, err);
}

void
ubur_http_dispatch(struct ubur_http_req *req, struct ubur_http_resp *resp)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    const struct ubur_http_route *route = NULL;
    bool path_known = false;
    int rc;

    if (!ubur_utf8_valid(req->path, strlen(req->path))) {
        ubur_error_set(&err, UBUR_EINVAL, "the path is not valid UTF-8");
        set_error(resp, &err);
        return;
    }

    for (int t = 0; ubur_http_routes[t] && !route; t++) {
        for (const struct ubur_http_route *r = ubur_http_routes[t]; r->method; r++) {
            if (!route_match(r->pattern, req->path, req))
                continue;
            path_known = true;
            if (!strcmp(r->method, req->method) ||
                (!strcmp(req->method, "HEAD") && !strcmp(r->method, "GET"))) {
                route = r;
                break;
            }
        }
    }

    if (!route || route->roles != UBUR_ROLE_NONE) {
        if ((rc = authenticate(req, &err)))
            goto fail;
    }
    if (!route) {
        if (path_known)
            ubur_error_set(&err, UBUR_EINVAL, "method %s not allowed on %s", req->method,
                           req->path);
        else
            ubur_error_set(&err, UBUR_ENOTFOUND, "no such endpoint %s %s", req->method, req->path);
        if (path_known) {
            set_error(resp, &err);
            resp->status = 405;
            return;
        }
        goto fail;
    }
    if (route->roles != UBUR_ROLE_NONE && !(route->roles & req->ctx->role)) {
        ubur_error_set(&err, UBUR_EPERM, "role %s may not %s %s", ubur_role_name(req->ctx->role),
                       req->method, route->pattern);
        goto fail;
    }
    if ((rc = parse_body(req, route, &err)))
        goto fail;
    struct ubur_store *primary = req->ctx->store;
    struct ubur_store *replica =
        (route->flags & UBUR_ROUTE_READ_REPLICA) && req->read_store ? req->read_store() : NULL;
    if (replica)
        req->ctx->store = replica;
    rc = route->handler(req, resp, &err);
    if (req->ctx->store != primary) {
        if (ubur_store_in_tx(req->ctx->store))
            ubur_store_rollback(req->ctx->store);
        req->ctx->store = primary;
    }
    if (rc) {
        if (!err.code)
            err.code = rc;
        goto fail;
    }
    if (!resp->status)
        resp->status = 200;
    return;
fail:
    if (req->ctx->store && ubur_store_in_tx(req->ctx->store))
        ubur_store_rollback(req->ctx->store);
    set_error(resp, &err);
}

/* ---- OpenAPI ---- */

static const char *
json_type_name(enum ubur_json_type t)
{
    switch (t) {
    case UBUR_JSON_STRING:
        return "string";
    case UBUR_JSON_INT:
        return "integer";
    case UBUR_JSON_NUMBER:
        return "number";
    case UBUR_JSON_BOOL:
        return "boolean";
    case UBUR_JSON_OBJECT:
        return "object";
    case UBUR_JSON_ARRAY:
        return "array";
    case UBUR_JSON_ANY:
        break;
    }
    return NULL;
}

json_t *
ubur_http_openapi(void)
{
    json_t *paths = json_object();
    for (int t = 0; ubur_http_routes[t]; t++) {
        for (const struct ubur_http_route *r = ubur_http_routes[t]; r->method; r++) {
            json_t *item = json_object_get(paths, r->pattern);
            if (!item) {
                item = json_object();
                json_object_set_new(paths, r->pattern, item);
            }
            char lower[16];
            size_t i = 0;
            for (; r->method[i] && i < sizeof(lower) - 1; i++)
                lower[i] = (char)(r->method[i] | 0x20);
            lower[i] = '\0';
            json_t *roles = json_array();
#define UBUR_X_ROLE(e, v, n)                                                                       \
    if (r->roles & (v))                                                                            \
        json_array_append_new(roles, json_string(n));
            UBUR_ROLE_MAP(UBUR_X_ROLE)
#undef UBUR_X_ROLE
            json_t *op = json_pack("{s:s, s:o, s:{s:{s:s}, s:{s:s}}}", "summary", r->summary,
                                   "x-roles", roles, "responses", "200", "description", "ok",
                                   "default", "description", "error object");
            if (r->roles == UBUR_ROLE_NONE)
                json_object_set_new(op, "security", json_array());
            json_t *params = json_array();
            for (const char *p = strchr(r->pattern, '{'); p; p = strchr(p + 1, '{')) {
                const char *end = strchr(p, '}');
                json_array_append_new(params, json_pack("{s:s%, s:s, s:b, s:{s:s}}", "name", p + 1,
                                                        (size_t)(end - p - 1), "in", "path",
                                                        "required", 1, "schema", "type", "string"));
            }
            if (json_array_size(params))
                json_object_set_new(op, "parameters", params);
            else
                json_decref(params);
            if (r->body) {
                json_t *props = json_object(), *req = json_array();
                for (const struct ubur_json_field *f = r->body; f->name; f++) {
                    json_t *sch = json_object();
                    const char *tn = json_type_name(f->type);
                    if (tn)
                        json_object_set_new(sch, "type", json_string(tn));
                    if (f->type == UBUR_JSON_STRING)
                        json_object_set_new(sch, "maxLength",
                                            json_integer((json_int_t)(f->max ? f->max : 256)));
                    else if (f->type == UBUR_JSON_ARRAY)
                        json_object_set_new(sch, "maxItems",
                                            json_integer((json_int_t)(f->max ? f->max : 1000)));
                    if (f->example)
                        json_object_set_new(sch, "examples", json_pack("[s]", f->example));
                    json_object_set_new(props, f->name, sch);
                    if (f->required)
                        json_array_append_new(req, json_string(f->name));
                }
                json_object_set_new(op, "requestBody",
                                    json_pack("{s:b, s:{s:{s:{s:s, s:o, s:o, s:b}}}}", "required",
                                              1, "content", "application/json", "schema", "type",
                                              "object", "properties", props, "required", req,
                                              "additionalProperties", 0));
            }
            json_object_set_new(item, lower, op);
        }
    }
    return json_pack("{s:s, s:{s:s, s:s, s:s}, s:o, s:{s:{s:{s:s, s:s}}}, s:[{s:[]}]}", "openapi",
                     "3.1.0", "info", "title", "ubur API", "version", "1", "description",
                     "Border crossings, visas, watchlist screening and refugee registry.", "paths",
                     paths, "components", "securitySchemes", "bearer", "type", "http", "scheme",
                     "bearer", "security", "bearer");
}
