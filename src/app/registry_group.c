/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registering a household or case as one unit, shared by the API (POST
 * /api/v1/registry/groups and .../groups/check) and the CLI (`ubur registry
 * add-group FILE.json`): the group's JSON form, read into the service's
 * structs, and the duplicate check an officer sees before the group is
 * committed (every member's likely existing records, with scores). The
 * registration itself is ubur_registry_register: one transaction for the
 * group, all its members, the audit entry and the statistics.
 */
#include <stdlib.h>
#include <string.h>

#include "ubur/registry.h"
#include "ubur/banned.h"

static const char *const member_fields[] = {
    "relationship",   "given_name",    "father_name",      "grandfather_name",
    "family_name",    "given_name_ar", "father_name_ar",   "grandfather_name_ar",
    "family_name_ar", "sex",           "birth_date",       "birth_date_estimated",
    "origin",         "citizenship",   "population_type",  "location",
    "registered_on",  "passport",      "document_country", NULL};

static const char *const group_fields[] = {"kind",        "location", "registered_on",
                                           "confirm_new", "members",  NULL};

static bool
known(const char *const *list, const char *key)
{
    for (int i = 0; list[i]; i++)
        if (!strcmp(list[i], key))
            return true;
    return false;
}

static int
group_string(json_t *body, const char *key, const char **out, struct ubur_error *err)
{
    json_t *v = json_object_get(body, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return ubur_error_field(err, UBUR_EINVAL, key, "must be a string");
    *out = json_string_value(v);
    return 0;
}

int
ubur_registry_group_from_json(struct ubur_ctx *ctx, json_t *body, struct ubur_reg_group *g,
                              struct ubur_reg_individual **members, size_t *n, bool *confirm_new,
                              struct ubur_error *err)
{
    const char *key;
    json_t *v;
    int rc;

    memset(g, 0, sizeof(*g));
    *members = NULL;
    *n = 0;
    if (confirm_new)
        *confirm_new = false;
    if (!json_is_object(body))
        return ubur_error_field(err, UBUR_EINVAL, "group", "must be a JSON object");
    json_object_foreach(body, key, v)
    {
        if (!known(group_fields, key))
            return ubur_error_field(err, UBUR_EINVAL, key, "unknown field of a group");
    }
    if ((rc = group_string(body, "kind", &g->kind, err)) ||
        (rc = group_string(body, "location", &g->location, err)) ||
        (rc = group_string(body, "registered_on", &g->registered_on, err)))
        return rc;
    json_t *confirm = json_object_get(body, "confirm_new");
    if (confirm && !json_is_boolean(confirm))
        return ubur_error_field(err, UBUR_EINVAL, "confirm_new", "must be true or false");
    if (confirm_new)
        *confirm_new = json_is_true(confirm);
    json_t *list = json_object_get(body, "members");
    if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > 50)
        return ubur_error_field(err, UBUR_EINVAL, "members", "must be an array of 1 to 50 members");
    size_t count = json_array_size(list);
    struct ubur_reg_individual *m = ubur_arena_alloc(&ctx->arena, count * sizeof(*m));
    memset(m, 0, count * sizeof(*m));
    for (size_t i = 0; i < count; i++) {
        json_t *o = json_array_get(list, i);
        if (!json_is_object(o))
            return ubur_error_field(err, UBUR_EINVAL, "members", "member %zu is not an object",
                                    i + 1);
        json_object_foreach(o, key, v)
        {
            if (!known(member_fields, key))
                return ubur_error_field(err, UBUR_EINVAL, key, "unknown field of member %zu",
                                        i + 1);
            if (!strcmp(key, "birth_date_estimated") ? !json_is_boolean(v)
                                                     : !json_is_string(v) && !json_is_null(v))
                return ubur_error_field(err, UBUR_EINVAL, key, "member %zu: must be a %s", i + 1,
                                        strcmp(key, "birth_date_estimated") ? "string" : "boolean");
        }
#define S(f) m[i].f = json_string_value(json_object_get(o, #f))
        S(relationship);
        S(given_name);
        S(father_name);
        S(grandfather_name);
        S(family_name);
        S(given_name_ar);
        S(father_name_ar);
        S(grandfather_name_ar);
        S(family_name_ar);
        S(sex);
        S(birth_date);
        S(origin);
        S(citizenship);
        S(population_type);
        S(location);
        S(registered_on);
#undef S
        m[i].birth_date_estimated = json_is_true(json_object_get(o, "birth_date_estimated"));
        if (!m[i].citizenship)
            m[i].citizenship = m[i].origin;
        const char *passport = json_string_value(json_object_get(o, "passport"));
        if (passport && *passport) {
            struct ubur_reg_document *d = ubur_arena_alloc(&ctx->arena, sizeof(*d));
            memset(d, 0, sizeof(*d));
            d->doc_type = "passport";
            d->number = passport;
            d->issuing_country = json_string_value(json_object_get(o, "document_country"));
            if (!d->issuing_country)
                d->issuing_country = m[i].citizenship;
            m[i].documents = d;
            m[i].ndocuments = 1;
        }
    }
    *members = m;
    *n = count;
    return 0;
}

int
ubur_registry_group_check(struct ubur_ctx *ctx, const struct ubur_reg_individual *members, size_t n,
                          size_t max,
                          int (*fn)(void *arg, size_t member, const struct ubur_reg_candidate *c,
                                    size_t nc),
                          void *arg, size_t *flagged, struct ubur_error *err)
{
    double threshold = strtod(ubur_setting(ctx, "registry.duplicate_threshold", "0.8"), NULL);
    if (max == 0 || max > 20)
        max = 20;
    struct ubur_reg_candidate c[20];
    if (flagged)
        *flagged = 0;
    for (size_t i = 0; i < n; i++) {
        size_t found = 0;
        int rc = ubur_registry_candidates(ctx, &members[i], threshold, c, max, &found, err);
        if (rc)
            return rc;
        if (found && flagged)
            (*flagged)++;
        if (fn && (rc = fn(arg, i, c, found)))
            return rc;
    }
    return 0;
}
