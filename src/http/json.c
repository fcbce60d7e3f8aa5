/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON request validation. Each route declares its body fields; anything
 * else is rejected by name, so a typo in a field name is an error rather
 * than a silently ignored value. Strings are bounded and must not be empty
 * when required; jansson has already rejected invalid UTF-8 and NUL.
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "ubur/banned.h"

int
ubur_json_check(json_t *obj, const struct ubur_json_field *fields, struct ubur_error *err)
{
    const char *key;
    json_t *val;

    if (!json_is_object(obj))
        return ubur_error_set(err, UBUR_EINVAL, "body must be a JSON object");
    json_object_foreach(obj, key, val)
    {
        const struct ubur_json_field *f = fields;
        for (; f && f->name; f++)
            if (!strcmp(f->name, key))
                break;
        if (!f || !f->name)
            return ubur_error_field(err, UBUR_EINVAL, key, "unknown field '%.64s'", key);
        if (json_is_null(val)) {
            if (f->required)
                return ubur_error_field(err, UBUR_EINVAL, f->name, "is required");
            continue;
        }
        bool ok = true;
        switch (f->type) {
        case UBUR_JSON_STRING:
            ok = json_is_string(val);
            if (ok) {
                size_t max = f->max ? f->max : 256;
                if (json_string_length(val) > max)
                    return ubur_error_field(err, UBUR_EINVAL, f->name, "longer than %zu bytes",
                                            max);
                if (f->required && json_string_length(val) == 0)
                    return ubur_error_field(err, UBUR_EINVAL, f->name, "must not be empty");
            }
            break;
        case UBUR_JSON_INT:
            ok = json_is_integer(val);
            break;
        case UBUR_JSON_NUMBER:
            ok = json_is_number(val);
            break;
        case UBUR_JSON_BOOL:
            ok = json_is_boolean(val);
            break;
        case UBUR_JSON_OBJECT:
            ok = json_is_object(val);
            break;
        case UBUR_JSON_ARRAY:
            ok = json_is_array(val);
            if (ok && json_array_size(val) > (f->max ? f->max : 1000))
                return ubur_error_field(err, UBUR_EINVAL, f->name, "more than %zu items",
                                        f->max ? f->max : 1000);
            break;
        case UBUR_JSON_ANY:
            break;
        }
        if (!ok) {
            static const char *names[] = {"",          "a string",  "an integer", "a number",
                                          "a boolean", "an object", "an array",   "any"};
            return ubur_error_field(err, UBUR_EINVAL, f->name, "must be %s", names[f->type]);
        }
    }
    for (const struct ubur_json_field *f = fields; f && f->name; f++) {
        json_t *v = json_object_get(obj, f->name);
        if (f->required && (!v || json_is_null(v)))
            return ubur_error_field(err, UBUR_EINVAL, f->name, "is required");
    }
    return 0;
}

const char *
ubur_json_str(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int64_t
ubur_json_int(json_t *obj, const char *name, int64_t def)
{
    json_t *v = json_object_get(obj, name);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

int
ubur_http_query_int(struct ubur_http_req *req, const char *key, int64_t min, int64_t max,
                    int64_t def, int64_t *out, struct ubur_error *err)
{
    const char *v = req->query ? req->query(req, key) : NULL;
    if (!v || !*v) {
        *out = def;
        return 0;
    }
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*end || n < min || n > max)
        return ubur_error_field(err, UBUR_EINVAL, key, "'%.32s' is not a number from %lld to %lld",
                                v, (long long)min, (long long)max);
    *out = n;
    return 0;
}
