/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the HTTP layer without sockets: the router's
 * authentication, role checks, JSON validation and error objects, and the
 * OpenAPI document kept in step with the route table.
 */
#include "unit.h"

#include <unistd.h>

#include "http/http.h"
#include "ubur/users.h"

static struct ubur_store *store;
static char dbpath[64];
static char admin_token[UBUR_TOKEN_LEN + 1];

static const char *
no_query(struct ubur_http_req *req, const char *key)
{
    (void)req;
    (void)key;
    return NULL;
}

static int
call(const char *method, const char *path, const char *body, const char *token,
     struct ubur_http_resp *resp)
{
    struct ubur_ctx ctx = {0};
    struct ubur_http_req req = {0};
    char auth[100];
    ctx.store = store;
    ubur_uuid7(ctx.request_id);
    req.ctx = &ctx;
    req.method = method;
    req.path = path;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    req.query = no_query;
    if (token) {
        snprintf(auth, sizeof(auth), "Bearer %s", token);
        req.authorization = auth;
    }
    memset(resp, 0, sizeof(*resp));
    ubur_http_dispatch(&req, resp);
    if (req.json)
        json_decref(req.json);
    ubur_arena_release(&ctx.arena);
    return resp->status;
}

static const char *
error_field(struct ubur_http_resp *resp)
{
    json_t *e = json_object_get(resp->json, "error");
    return json_string_value(json_object_get(e, "field"));
}

static int
setup(void **state)
{
    (void)state;
    struct ubur_error err = UBUR_ERROR_INIT;
    struct ubur_ctx ctx = {0};
    struct ubur_session sess;
    snprintf(dbpath, sizeof(dbpath), "/tmp/ubur-test-http-%d.db", (int)getpid());
    unlink(dbpath);
    if (ubur_store_open(&store, dbpath, &err) || ubur_store_migrate(store, &err))
        return -1;
    ctx.store = store;
    ctx.username = "test";
    ctx.role = UBUR_ROLE_ADMIN;
    if (ubur_user_add(&ctx, "root1", "admin", "correct-horse-battery", NULL, NULL, &err) ||
        ubur_user_add(&ctx, "analyst1", "analyst", "correct-horse-battery", NULL, NULL, &err) ||
        ubur_session_login(&ctx, "root1", "correct-horse-battery", admin_token, &sess, &err))
        return -1;
    ubur_arena_release(&ctx.arena);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    ubur_store_close(store);
    unlink(dbpath);
    char wal[80];
    snprintf(wal, sizeof(wal), "%s-wal", dbpath);
    unlink(wal);
    snprintf(wal, sizeof(wal), "%s-shm", dbpath);
    unlink(wal);
    return 0;
}

static void
test_public_and_denied(void **state)
{
    (void)state;
    struct ubur_http_resp r;
    assert_int_equal(call("GET", "/api/v1/health", NULL, NULL, &r), 200);
    json_decref(r.json);
    assert_int_equal(call("GET", "/api/v1/users", NULL, NULL, &r), 401);
    json_decref(r.json);
    assert_int_equal(call("GET", "/api/v1/no/such/thing", NULL, NULL, &r), 401);
    json_decref(r.json);
    assert_int_equal(call("GET", "/api/v1/no/such/thing", NULL, admin_token, &r), 404);
    json_decref(r.json);
    assert_int_equal(call("PATCH", "/api/v1/health", NULL, admin_token, &r), 405);
    json_decref(r.json);
}

static void
test_roles(void **state)
{
    (void)state;
    struct ubur_http_resp r;
    struct ubur_ctx ctx = {0};
    struct ubur_session sess;
    char tok[UBUR_TOKEN_LEN + 1];
    ctx.store = store;
    assert_int_equal(
        ubur_session_login(&ctx, "analyst1", "correct-horse-battery", tok, &sess, NULL), 0);
    ubur_arena_release(&ctx.arena);
    assert_int_equal(call("GET", "/api/v1/users", NULL, tok, &r), 403);
    json_decref(r.json);
    assert_int_equal(call("GET", "/api/v1/users", NULL, admin_token, &r), 200);
    json_decref(r.json);
}

static int
login(const char *user, char tok[UBUR_TOKEN_LEN + 1])
{
    struct ubur_ctx ctx = {0};
    struct ubur_session sess;
    ctx.store = store;
    int rc = ubur_session_login(&ctx, user, "correct-horse-battery", tok, &sess, NULL);
    ubur_arena_release(&ctx.arena);
    return rc;
}

/*
 * Validated sessions are served from memory for a few seconds; logout and a
 * password change in this process end them at once; a session deleted
 * behind the server's back stays valid only until the cache drops it.
 */
static void
test_session_cache(void **state)
{
    (void)state;
    struct ubur_session sess;
    struct ubur_error err = UBUR_ERROR_INIT;
    char tok[UBUR_TOKEN_LEN + 1], tok2[UBUR_TOKEN_LEN + 1];
    struct ubur_ctx ctx = {0};
    ctx.store = store;
    ctx.username = "test";
    ctx.role = UBUR_ROLE_ADMIN;

    /* cached: another process deleting the row is seen only after the cache drops it */
    assert_int_equal(login("analyst1", tok), 0);
    assert_int_equal(ubur_session_check(store, tok, &sess, NULL), 0);
    assert_string_equal(sess.username, "analyst1");
    assert_int_equal(ubur_store_exec(store,
                                     "DELETE FROM sessions WHERE user_id IN"
                                     " (SELECT id FROM users WHERE username = 'analyst1')",
                                     &err),
                     0);
    assert_int_equal(ubur_session_check(store, tok, &sess, NULL), 0);
    ubur_session_cache_clear();
    assert_int_equal(ubur_session_check(store, tok, &sess, NULL), UBUR_EAUTH);

    /* logout ends the cached session at once */
    assert_int_equal(login("analyst1", tok), 0);
    assert_int_equal(ubur_session_check(store, tok, &sess, NULL), 0);
    ctx.user_id = sess.user_id;
    assert_int_equal(ubur_session_logout(&ctx, tok, &err), 0);
    assert_int_equal(ubur_session_check(store, tok, &sess, NULL), UBUR_EAUTH);

    /* a password change ends every session of the user, cached or not */
    assert_int_equal(login("analyst1", tok), 0);
    assert_int_equal(login("analyst1", tok2), 0);
    assert_int_equal(ubur_session_check(store, tok, &sess, NULL), 0);
    assert_int_equal(ubur_session_check(store, tok2, &sess, NULL), 0);
    assert_int_equal(ubur_user_set_password(&ctx, "analyst1", "correct-horse-battery", NULL, &err),
                     0);
    assert_int_equal(ubur_session_check(store, tok, &sess, NULL), UBUR_EAUTH);
    assert_int_equal(ubur_session_check(store, tok2, &sess, NULL), UBUR_EAUTH);
    /* the admin's own session, in another slot, was looked up again and is still fine */
    assert_int_equal(ubur_session_check(store, admin_token, &sess, NULL), 0);
    ubur_arena_release(&ctx.arena);
}

static void
test_body_validation(void **state)
{
    (void)state;
    struct ubur_http_resp r;
    assert_int_equal(call("POST", "/api/v1/users", "{\"username\":\"x1\"}", admin_token, &r), 400);
    assert_string_equal(error_field(&r), "role");
    json_decref(r.json);
    assert_int_equal(
        call("POST", "/api/v1/users", "{\"username\":\"x1\",\"role\":1}", admin_token, &r), 400);
    assert_string_equal(error_field(&r), "role");
    json_decref(r.json);
    assert_int_equal(call("POST", "/api/v1/users", "{\"bogus\":true}", admin_token, &r), 400);
    assert_string_equal(error_field(&r), "bogus");
    json_decref(r.json);
    assert_int_equal(call("POST", "/api/v1/users", "{\"username\":\"\\u0000\"}", admin_token, &r),
                     400);
    json_decref(r.json);
    assert_int_equal(call("POST", "/api/v1/users", "{", admin_token, &r), 400);
    json_decref(r.json);
    assert_int_equal(call("GET", "/api/v1/users", "{}", admin_token, &r), 400);
    json_decref(r.json);
}

static void
test_openapi_in_step(void **state)
{
    (void)state;
    json_t *doc = ubur_http_openapi();
    json_t *paths = json_object_get(doc, "paths");
    int n = 0;
    for (int t = 0; ubur_http_routes[t]; t++) {
        for (const struct ubur_http_route *rt = ubur_http_routes[t]; rt->method; rt++) {
            char lower[16];
            size_t i;
            for (i = 0; rt->method[i] && i < 15; i++)
                lower[i] = (char)(rt->method[i] | 0x20);
            lower[i] = '\0';
            json_t *op = json_object_get(json_object_get(paths, rt->pattern), lower);
            assert_non_null(op);
            assert_non_null(rt->summary);
            assert_true(rt->pattern[0] == '/');
            n++;
        }
    }
    size_t total = 0;
    const char *k;
    json_t *v;
    json_object_foreach(paths, k, v) total += json_object_size(v);
    assert_int_equal(total, (size_t)n); /* nothing in the document that is not in the table */
    json_decref(doc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_public_and_denied), cmocka_unit_test(test_roles),
        cmocka_unit_test(test_session_cache),     cmocka_unit_test(test_body_validation),
        cmocka_unit_test(test_openapi_in_step),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
