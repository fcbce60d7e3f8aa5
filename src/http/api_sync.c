/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Border post synchronisation over HTTPS (docs/internals/sync.md). On
 * central: posts push their events and pull changes (a post's account has
 * role sync_post and speaks only for itself; supervisors and admins may act
 * for any post), supervisors list and resolve conflicts, admins register
 * posts. On a post: the status (how old its data is) for the UI, and a
 * round on demand.
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "ubur/sync.h"
#include "ubur/banned.h"

#define POSTS (UBUR_ROLE_SYNC_POST | UBUR_ROLE_ADMIN | UBUR_ROLE_SUPERVISOR)

static const struct ubur_json_field push_body[] = {
    {"post", UBUR_JSON_STRING, true, UBUR_SYNC_POST_ID_MAX, "qaim-1"},
    {"events", UBUR_JSON_ARRAY, true, UBUR_SYNC_PUSH_MAX_EVENTS, NULL},
    {0},
};

static const struct ubur_json_field resolve_body[] = {
    {"action", UBUR_JSON_STRING, true, 16, "apply"},
    {"note", UBUR_JSON_STRING, true, 500, "the post's correction is the right one"},
    {0},
};

/* "Sync now" takes no fields; an empty object (what the UI sends) is fine. */
static const struct ubur_json_field run_body[] = {
    {0},
};

static const struct ubur_json_field post_body[] = {
    {"id", UBUR_JSON_STRING, true, UBUR_SYNC_POST_ID_MAX, "qaim-1"},
    {"name", UBUR_JSON_STRING, false, 200, "Al-Qaim crossing, desk 1"},
    {0},
};

static int
sync_push(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *answer;
    int rc = ubur_sync_push(req->ctx, ubur_json_str(req->json, "post"),
                            json_object_get(req->json, "events"), &answer, err);
    if (rc)
        return rc;
    return ubur_http_json(resp, 200, answer);
}

static int
sync_changes(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    int64_t limit;
    json_t *page;
    int rc =
        ubur_http_query_int(req, "limit", 1, UBUR_SYNC_PULL_MAX, UBUR_SYNC_PULL_MAX, &limit, err);
    if (rc)
        return rc;
    const char *post = req->query(req, "post");
    if (!post && req->ctx->role == UBUR_ROLE_SYNC_POST)
        post = req->ctx->username;
    if ((rc = ubur_sync_changes(req->ctx, post, req->query(req, "cursor"), (int)limit, &page, err)))
        return rc;
    return ubur_http_json(resp, 200, page);
}

static int
sync_status(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *st;
    int rc = ubur_sync_status(req->ctx, &st, err);
    if (rc)
        return rc;
    return ubur_http_json(resp, 200, st);
}

static int
conflicts_list(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    int64_t limit;
    json_t *arr;
    int rc = ubur_http_query_int(req, "limit", 1, 1000, 100, &limit, err);
    if (rc)
        return rc;
    if ((rc = ubur_sync_conflicts(req->ctx, req->query(req, "status"), limit, &arr, err)))
        return rc;
    return ubur_http_json(resp, 200, json_pack("{s:o}", "conflicts", arr));
}

static int
conflict_resolve(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    int rc =
        ubur_sync_conflict_resolve(req->ctx, req->params[0], ubur_json_str(req->json, "action"),
                                   ubur_json_str(req->json, "note"), err);
    if (rc)
        return rc;
    json_t *arr = NULL;
    if ((rc = ubur_sync_conflicts(req->ctx, NULL, 1000, &arr, err)))
        return rc;
    json_t *found = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(arr, i, c)
    {
        if (!found && !strcmp(json_string_value(json_object_get(c, "id")), req->params[0]))
            found = json_incref(c);
    }
    json_decref(arr);
    return ubur_http_json(resp, 200, found ? found : json_pack("{s:s}", "id", req->params[0]));
}

static int
posts_add(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    char password[UBUR_PASSWORD_MAX + 1] = "";
    const char *id = ubur_json_str(req->json, "id");
    int rc = ubur_sync_post_add(req->ctx, id, ubur_json_str(req->json, "name"), password, err);
    if (rc)
        return rc;
    /* The token file's one line, to hand to the post (shown once, like any new password). */
    json_t *out =
        json_pack("{s:s, s:s, s:s, s:s}", "id", id, "username", id, "password", password,
                  "token_file", ubur_arena_printf(&req->ctx->arena, "%s %s\n", id, password));
    memset(password, 0, sizeof(password));
    return ubur_http_json(resp, 201, out);
}

static int
sync_run(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    struct ubur_sync_round_result r;
    int rc = ubur_sync_round(req->ctx, &r, err);
    if (rc && rc != UBUR_EIO && rc != UBUR_EAUTH && rc != UBUR_EBUSY)
        return rc;
    /* A link that is down is news, not a failure of this request: the status says it. */
    json_t *st = NULL;
    struct ubur_error e2 = UBUR_ERROR_INIT;
    ubur_sync_status(req->ctx, &st, &e2);
    return ubur_http_json(
        resp, 200,
        json_pack("{s:b, s:b, s:i, s:i, s:i, s:s?, s:o}", "push_ok", r.push_ok, "pull_ok",
                  r.pull_ok, "pushed", r.pushed, "pulled", r.pulled, "conflicts", r.conflicts,
                  "error", rc && err ? err->message : NULL, "status", st ? st : json_null()));
}

const struct ubur_http_route ubur_api_sync_routes[] = {
    {"POST", "/api/v1/sync/push", sync_push, POSTS,
     "Apply a border post's events, in order and exactly once (central)", push_body,
     UBUR_ROUTE_UPLOAD},
    {"GET", "/api/v1/sync/changes", sync_changes, POSTS,
     "Changes for a post after its cursor: ?post=&cursor=&limit= (central)", NULL, 0},
    {"GET", "/api/v1/sync/status", sync_status, UBUR_ROLE_ANY,
     "Sync status: on a post, how old its data is and what waits to go; on central, the posts",
     NULL, 0},
    {"GET", "/api/v1/sync/conflicts", conflicts_list, UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN,
     "Sync conflicts waiting for a supervisor: ?status=open|applied|discarded&limit=", NULL, 0},
    {"POST", "/api/v1/sync/conflicts/{id}/resolve", conflict_resolve,
     UBUR_ROLE_SUPERVISOR | UBUR_ROLE_ADMIN,
     "Resolve a sync conflict: apply the post's event or discard it, with a note", resolve_body, 0},
    {"POST", "/api/v1/sync/posts", posts_add, UBUR_ROLE_ADMIN,
     "Register a border post and create its account (the password is shown once)", post_body, 0},
    {"POST", "/api/v1/sync/run", sync_run,
     UBUR_ROLE_ADMIN | UBUR_ROLE_SUPERVISOR | UBUR_ROLE_BORDER_OFFICER |
         UBUR_ROLE_REGISTRATION_OFFICER,
     "On a post: sync with central now (push, then pull)", run_body, 0},
    {0},
};
