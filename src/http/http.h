/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP layer's internal interface. server.c (the only file that
 * includes microhttpd.h) turns a connection's request into a struct
 * ubur_http_req, router.c authenticates it, finds the route and calls the
 * handler, and server.c sends the struct ubur_http_resp back. Handlers in
 * api_<resource>.c never see libmicrohttpd.
 *
 * A handler returns 0 after filling resp (status and json or raw body), or a
 * negative UBUR_E* code with err filled; the router turns that into
 * {"error":{"code","message","field"}} with the matching status. Everything
 * a handler allocates for the request comes from req->ctx->arena; resp->json
 * is owned by the response (decref'd after sending).
 */
#ifndef UBUR_HTTP_H
#define UBUR_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ubur/app.h"
#include "ubur/users.h"

#define UBUR_HTTP_MAX_PARAMS 4
#define UBUR_HTTP_BODY_MAX (1u << 20)    /* default body cap: 1 MiB */
#define UBUR_HTTP_UPLOAD_MAX (64u << 20) /* routes flagged UBUR_ROUTE_UPLOAD: 64 MiB */

struct ubur_http_req {
    struct ubur_ctx *ctx;
    const char *method;
    const char *path;
    const char *params[UBUR_HTTP_MAX_PARAMS]; /* {name} path captures, in order */
    int nparams;
    const char *body;
    size_t body_len;
    json_t *json;              /* parsed body for JSON routes; owned by the request */
    const char *authorization; /* raw header values, may be NULL */
    const char *cookie_token;
    const char *csrf_header;
    const char *content_type;
    bool tls;
    struct ubur_session session; /* valid when ctx->user_id is set */
    const char *token;           /* the token that authenticated this request */
    /* query string lookup, provided by the server glue */
    const char *(*query)(struct ubur_http_req *req, const char *key);
    void *conn;
    /* The worker's connection to the read replica, opened on first use, or NULL (none
     * configured, or unreachable: UBUR_ROUTE_READ_REPLICA routes then read the primary).
     * Provided by the server glue; NULL when no replica is configured. */
    struct ubur_store *(*read_store)(void);
};

struct ubur_http_resp {
    int status;
    json_t *json; /* JSON body, or NULL */
    char *raw;    /* raw body (malloc'd, owned), used when json is NULL */
    size_t raw_len;
    const char *content_type;  /* for raw bodies */
    const char *headers[8][2]; /* extra headers (static or arena strings) */
    int nheaders;
};

typedef int (*ubur_http_handler)(struct ubur_http_req *req, struct ubur_http_resp *resp,
                                 struct ubur_error *err);

/* A field of a JSON request body, for validation and the OpenAPI document. */
enum ubur_json_type {
    UBUR_JSON_STRING = 1,
    UBUR_JSON_INT,
    UBUR_JSON_NUMBER,
    UBUR_JSON_BOOL,
    UBUR_JSON_OBJECT,
    UBUR_JSON_ARRAY,
    UBUR_JSON_ANY,
};
struct ubur_json_field {
    const char *name;
    enum ubur_json_type type;
    bool required;
    size_t max;          /* strings: max bytes (0 = 256); arrays: max items (0 = 1000) */
    const char *example; /* documentation */
};

enum {
    UBUR_ROUTE_UPLOAD = 1,  /* larger body cap (imports) */
    UBUR_ROUTE_RAWBODY = 2, /* body is not JSON (CSV, XML) */
    /* Only reads, and tolerates a replica's lag: served from the read replica when the server
     * has one (ubur serve --pg-read), on a connection of its own; authentication stays on the
     * primary. */
    UBUR_ROUTE_READ_REPLICA = 4,
};

struct ubur_http_route {
    const char *method;
    const char *pattern; /* "/api/v1/users/{id}" */
    ubur_http_handler handler;
    unsigned roles;      /* UBUR_ROLE_* bits allowed; UBUR_ROLE_NONE = no credentials needed */
    const char *summary; /* one line, for the OpenAPI document */
    const struct ubur_json_field *body; /* expected JSON body fields, NULL-name terminated */
    unsigned flags;
};

/* Every route table, NULL terminated; each table ends with a NULL-method row. */
extern const struct ubur_http_route *const ubur_http_routes[];

/*
 * Handles one complete request: authentication, CSRF, route lookup, role
 * check, JSON parsing and validation, the handler, errors. Never fails:
 * resp always holds an answer.
 */
void ubur_http_dispatch(struct ubur_http_req *req, struct ubur_http_resp *resp);
/* Checks a path against the routes without running anything: whether it is public. */
bool ubur_http_is_api(const char *path);

/* Static files from the web directory (GET only); 0 or UBUR_ENOTFOUND. */
int ubur_http_static(const char *path, struct ubur_http_resp *resp);
void ubur_http_set_web_dir(const char *dir);

/* ---- helpers for handlers ---- */

/* Sets a JSON answer (steals obj). Returns 0. */
int ubur_http_json(struct ubur_http_resp *resp, int status, json_t *obj);
/* Sets an answer already serialised as JSON text (steals text, malloc'd). Returns 0. */
int ubur_http_json_text(struct ubur_http_resp *resp, int status, char *text);
void ubur_http_header(struct ubur_http_resp *resp, const char *name, const char *value);
/*
 * Validates obj against fields: unknown fields, missing required ones,
 * wrong types, too long strings (bytes) or arrays are UBUR_EINVAL naming the field.
 */
int ubur_json_check(json_t *obj, const struct ubur_json_field *fields, struct ubur_error *err);
/* Typed getters on a validated body: NULL / def when absent or JSON null. */
const char *ubur_json_str(json_t *obj, const char *name);
int64_t ubur_json_int(json_t *obj, const char *name, int64_t def);
/* Query parameter as an integer within [min,max]; def when absent; UBUR_EINVAL otherwise. */
int ubur_http_query_int(struct ubur_http_req *req, const char *key, int64_t min, int64_t max,
                        int64_t def, int64_t *out, struct ubur_error *err);
/* Builds the OpenAPI 3.1 document from the route table; caller decrefs. */
json_t *ubur_http_openapi(void);

/* ---- the server ---- */
struct ubur_http_config {
    const char *db_uri; /* SQLite path or PostgreSQL conninfo; one connection per worker */
    const char
        *read_uri;       /* a read replica's conninfo for UBUR_ROUTE_READ_REPLICA routes, or NULL */
    const char *listen;  /* "ADDR:PORT" */
    const char *web_dir; /* static UI files */
    const char *tls_cert; /* PEM file paths; both or neither */
    const char *tls_key;
    const char *state;        /* this instance's state (ISO 3166 alpha-3) */
    unsigned threads;         /* worker threads; 0 = 32 per CPU, 16 to 64 */
    unsigned max_connections; /* connections open at once; 0 = 4096 (server.c) */
    bool quiet;               /* no access log */
};
/*
 * Serves until SIGINT or SIGTERM. Prints "ubur: listening on URL" to stderr
 * once the socket accepts connections. Returns 0 after a clean shutdown.
 */
int ubur_http_serve(const struct ubur_http_config *cfg, struct ubur_error *err);
#endif
