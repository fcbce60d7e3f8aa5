/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the JSON API: the router, JSON validation and every
 * handler in the route table, without sockets. Input: one byte chooses the
 * method and whether to send the admin's token, then the path up to '\n',
 * then the body. The database is an in-memory SQLite store shared across
 * runs, so handlers see state left by earlier inputs. Invariants: no crash,
 * no sanitizer report, never a 5xx other than 503, always a JSON answer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "ubur/users.h"

static struct ubur_store *store;
static char token[UBUR_TOKEN_LEN + 1];

static const char *
no_query(struct ubur_http_req *req, const char *key)
{
    (void)req;
    (void)key;
    return NULL;
}

static void
init_once(void)
{
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_ctx ctx = {0};
    struct ubur_session sess;
    if (ubur_store_open(&store, ":memory:", &err) || ubur_store_migrate(store, &err)) {
        fprintf(stderr, "fuzz_http: %s\n", err.message);
        abort();
    }
    ctx.store = store;
    ctx.username = "fuzz";
    ctx.role = UBUR_ROLE_ADMIN;
    if (ubur_user_add(&ctx, "fuzzadmin", "admin", "fuzz-password-123", NULL, NULL, &err) ||
        ubur_session_login(&ctx, "fuzzadmin", "fuzz-password-123", token, &sess, &err))
        abort();
    ubur_arena_release(&ctx.arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
    if (!store)
        init_once();
    if (size < 2)
        return 0;
    const char *method = methods[data[0] % 6];
    bool auth = data[0] & 0x80;
    const uint8_t *nl = memchr(data + 1, '\n', size - 1);
    size_t plen = nl ? (size_t)(nl - data - 1) : size - 1;
    if (plen > 512)
        return 0;
    char path[520];
    memcpy(path, data + 1, plen);
    path[plen] = '\0';
    if (strlen(path) != plen) /* the server never sees a NUL in a path */
        return 0;
    const char *body = nl ? (const char *)nl + 1 : "";
    size_t blen = nl ? size - plen - 2 : 0;
    char *copy = malloc(blen + 1);
    memcpy(copy, body, blen);
    copy[blen] = '\0';

    struct ubur_ctx ctx = {0};
    struct ubur_http_req req = {0};
    struct ubur_http_resp resp = {0};
    char authz[80];
    ctx.store = store;
    snprintf(ctx.request_id, sizeof(ctx.request_id), "fuzz");
    req.ctx = &ctx;
    req.method = method;
    req.path = path;
    req.body = copy;
    req.body_len = blen;
    req.query = no_query;
    if (auth) {
        snprintf(authz, sizeof(authz), "Bearer %s", token);
        req.authorization = authz;
    }
    ubur_http_dispatch(&req, &resp);
    if (resp.status >= 500 && resp.status != 503)
        abort();
    if (!resp.json && !resp.raw)
        abort();
    if (req.json)
        json_decref(req.json);
    json_decref(resp.json);
    free(resp.raw);
    free(copy);
    ubur_arena_release(&ctx.arena);
    return 0;
}
