/* SPDX-License-Identifier: Apache-2.0 */
/* Users: admins list, create, change and disable users and reset passwords. */
#include <string.h>

#include "http.h"
#include "ubur/banned.h"

static const struct ubur_json_field user_body[] = {
    {"username", UBUR_JSON_STRING, true, UBUR_USERNAME_MAX, "officer1"},
    {"role", UBUR_JSON_STRING, true, 32, "border_officer"},
    {"password", UBUR_JSON_STRING, false, UBUR_PASSWORD_MAX, NULL},
    {0},
};

static const struct ubur_json_field password_body[] = {
    {"password", UBUR_JSON_STRING, false, UBUR_PASSWORD_MAX, NULL},
    {0},
};

static const struct ubur_json_field update_body[] = {
    {"role", UBUR_JSON_STRING, false, 32, "supervisor"},
    {"disabled", UBUR_JSON_BOOL, false, 0, NULL},
    {0},
};

static int
users_list(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *arr;
    int rc = ubur_user_list(req->ctx, &arr, err);
    if (rc)
        return rc;
    return ubur_http_json(resp, 200, json_pack("{s:o}", "users", arr));
}

static int
users_create(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    char generated[UBUR_PASSWORD_MAX + 1] = "", id[UBUR_UUID_LEN + 1];
    const char *pw = ubur_json_str(req->json, "password");
    int rc = ubur_user_add(req->ctx, ubur_json_str(req->json, "username"),
                           ubur_json_str(req->json, "role"), pw, generated, id, err);
    if (rc)
        return rc;
    json_t *out =
        json_pack("{s:s, s:s, s:s}", "id", id, "username", ubur_json_str(req->json, "username"),
                  "role", ubur_json_str(req->json, "role"));
    if (!pw)
        json_object_set_new(out, "password", json_string(generated));
    return ubur_http_json(resp, 201, out);
}

static int
users_password(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    char generated[UBUR_PASSWORD_MAX + 1] = "";
    const char *pw = ubur_json_str(req->json, "password");
    int rc = ubur_user_set_password(req->ctx, req->params[0], pw, generated, err);
    if (rc)
        return rc;
    json_t *out = json_pack("{s:s}", "username", req->params[0]);
    if (!pw)
        json_object_set_new(out, "password", json_string(generated));
    return ubur_http_json(resp, 200, out);
}

static int
users_update(struct ubur_http_req *req, struct ubur_http_resp *resp, struct ubur_error *err)
{
    json_t *d = json_object_get(req->json, "disabled");
    int rc = ubur_user_update(req->ctx, req->params[0], ubur_json_str(req->json, "role"),
                              d ? json_is_true(d) : -1, err);
    if (rc)
        return rc;
    json_t *arr = NULL, *u, *out = NULL;
    size_t i;
    if ((rc = ubur_user_list(req->ctx, &arr, err)))
        return rc;
    json_array_foreach(arr, i, u)
    {
        if (!strcmp(json_string_value(json_object_get(u, "username")), req->params[0]))
            out = json_incref(u);
    }
    json_decref(arr);
    return ubur_http_json(resp, 200, out ? out : json_object());
}

const struct ubur_http_route ubur_api_users_routes[] = {
    {"GET", "/api/v1/users", users_list, UBUR_ROLE_ADMIN, "List users", NULL, 0},
    {"POST", "/api/v1/users", users_create, UBUR_ROLE_ADMIN,
     "Create a user (a password is generated when none is given)", user_body, 0},
    {"PATCH", "/api/v1/users/{username}", users_update, UBUR_ROLE_ADMIN,
     "Change a user's role or disable/enable the account; ends their sessions", update_body, 0},
    {"PUT", "/api/v1/users/{username}/password", users_password, UBUR_ROLE_ADMIN,
     "Set or reset a user's password; ends their sessions", password_body, 0},
    {0},
};
