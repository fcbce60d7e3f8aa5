/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Visa purposes: their rules live in visa_purpose rows that an admin edits
 * (ubur visa purpose set, PUT /api/v1/visa-purposes/{code}); this file turns
 * rows into struct ubur_visa_rules and JSON and back. Every save is checked
 * with ubur_visa_rules_validate and audited with the rules before and after.
 * Lists in JSON (nationalities, required_documents) are arrays; in the row
 * they are comma-separated. Fees are decimal strings ("50.00") in JSON and
 * minor units in the row, so no amount passes through a float.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ubur/visa.h"
#include "ubur/visa_rules.h"
#include "visa_internal.h"
#include "ubur/banned.h"

#define PURPOSE_COLUMNS                                                                            \
    "code, name_en, name_ar, active, nationalities, validity_days, max_entries,"                   \
    " max_stay_days, fee_minor, currency, required_documents, needs_hospital,"                     \
    " needs_patient, max_escorts, extendable, max_extension_days, auto_approve,"                   \
    " auto_max_risk, priority, mrz_format, passport_margin_days, max_advance_days,"                \
    " updated_at"

static void
copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

static void
rules_from_row(struct ubur_stmt *st, struct ubur_visa_rules *r)
{
    memset(r, 0, sizeof(*r));
    copy(r->code, sizeof(r->code), ubur_stmt_text(st, 0));
    r->active = ubur_stmt_int(st, 3) != 0;
    copy(r->nationalities, sizeof(r->nationalities), ubur_stmt_text(st, 4));
    r->validity_days = (int)ubur_stmt_int(st, 5);
    r->max_entries = (int)ubur_stmt_int(st, 6);
    r->max_stay_days = (int)ubur_stmt_int(st, 7);
    r->fee_minor = ubur_stmt_int(st, 8);
    copy(r->currency, sizeof(r->currency), ubur_stmt_text(st, 9));
    copy(r->required_documents, sizeof(r->required_documents), ubur_stmt_text(st, 10));
    r->needs_hospital = ubur_stmt_int(st, 11) != 0;
    r->needs_patient = ubur_stmt_int(st, 12) != 0;
    r->max_escorts = (int)ubur_stmt_int(st, 13);
    r->extendable = ubur_stmt_int(st, 14) != 0;
    r->max_extension_days = (int)ubur_stmt_int(st, 15);
    r->auto_approve = ubur_stmt_int(st, 16) != 0;
    r->auto_max_risk = (int)ubur_stmt_int(st, 17);
    r->priority = (int)ubur_stmt_int(st, 18);
    const char *f = ubur_stmt_text(st, 19);
    r->mrz_format = f && *f ? f[0] : 'A';
    r->passport_margin_days = (int)ubur_stmt_int(st, 20);
    r->max_advance_days = (int)ubur_stmt_int(st, 21);
}

int
ubur_visa_rules_load(struct ubur_store *store, const char *code, struct ubur_visa_rules *r,
                     struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(
        store, "SELECT " PURPOSE_COLUMNS " FROM visa_purpose WHERE code = ?", &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, code);
    rc = ubur_stmt_step(st, err);
    if (rc == 1)
        rules_from_row(st, r);
    ubur_stmt_done(st);
    if (rc == 0)
        return ubur_error_field(err, UBUR_ENOTFOUND, "purpose", "no visa purpose '%s'",
                                code ? code : "");
    return rc < 0 ? rc : 0;
}

json_t *
ubur_visa_list_json(const char *list)
{
    json_t *a = json_array();
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n)
            json_array_append_new(a, json_stringn(p, n));
        if (!e)
            break;
        p = e + 1;
    }
    return a;
}

void
ubur_visa_fee_format(int64_t minor, char out[32])
{
    snprintf(out, 32, "%lld.%02lld", (long long)(minor / 100), (long long)(minor % 100));
}

static json_t *
purpose_json(struct ubur_stmt *st)
{
    struct ubur_visa_rules r;
    char fee[32];
    rules_from_row(st, &r);
    ubur_visa_fee_format(r.fee_minor, fee);
    const char *f = r.mrz_format == 'B' ? "B" : "A";
    return json_pack(
        "{s:s, s:s, s:s?, s:b, s:o, s:i, s:i, s:i, s:s, s:s, s:o, s:b, s:b, s:i, s:b, s:i,"
        " s:b, s:i, s:i, s:s, s:i, s:i, s:s}",
        "code", r.code, "name_en", ubur_stmt_text(st, 1), "name_ar", ubur_stmt_text(st, 2),
        "active", r.active, "nationalities", ubur_visa_list_json(r.nationalities), "validity_days",
        r.validity_days, "max_entries", r.max_entries, "max_stay_days", r.max_stay_days, "fee", fee,
        "currency", r.currency, "required_documents", ubur_visa_list_json(r.required_documents),
        "needs_hospital", r.needs_hospital, "needs_patient", r.needs_patient, "max_escorts",
        r.max_escorts, "extendable", r.extendable, "max_extension_days", r.max_extension_days,
        "auto_approve", r.auto_approve, "auto_max_risk", r.auto_max_risk, "priority", r.priority,
        "mrz_format", f, "passport_margin_days", r.passport_margin_days, "max_advance_days",
        r.max_advance_days, "updated_at", ubur_stmt_text(st, 22));
}

int
ubur_visa_purpose_list(struct ubur_ctx *ctx, json_t **out, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(
        ctx->store, "SELECT " PURPOSE_COLUMNS " FROM visa_purpose ORDER BY code", &st, err);
    if (rc)
        return rc;
    json_t *arr = json_array();
    while ((rc = ubur_stmt_step(st, err)) == 1)
        json_array_append_new(arr, purpose_json(st));
    ubur_stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

int
ubur_visa_purpose_get(struct ubur_ctx *ctx, const char *code, json_t **out, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(
        ctx->store, "SELECT " PURPOSE_COLUMNS " FROM visa_purpose WHERE code = ?", &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, code);
    rc = ubur_stmt_step(st, err);
    if (rc == 1)
        *out = purpose_json(st);
    ubur_stmt_done(st);
    if (rc == 0)
        return ubur_error_field(err, UBUR_ENOTFOUND, "purpose", "no visa purpose '%s'",
                                code ? code : "");
    return rc < 0 ? rc : 0;
}

/* Parses "50", "50.5", "50.00" (or a JSON number) into minor units. */
static int
parse_fee(json_t *v, int64_t *minor, struct ubur_error *err)
{
    char buf[40];
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0 || json_integer_value(v) > 1000000)
            return ubur_error_field(err, UBUR_EINVAL, "fee", "%lld is not a plausible fee",
                                    (long long)json_integer_value(v));
        *minor = json_integer_value(v) * 100;
        return 0;
    }
    if (json_is_real(v)) {
        snprintf(buf, sizeof(buf), "%.2f", json_real_value(v));
    } else if (json_is_string(v) && json_string_length(v) < sizeof(buf)) {
        snprintf(buf, sizeof(buf), "%s", json_string_value(v));
    } else {
        return ubur_error_field(err, UBUR_EINVAL, "fee", "must be an amount such as \"50.00\"");
    }
    const char *p = buf;
    int64_t whole = 0, frac = 0;
    int nd = 0, nf = 0;
    while (*p >= '0' && *p <= '9' && nd < 9)
        whole = whole * 10 + (*p++ - '0'), nd++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9' && nf < 2)
            frac = frac * 10 + (*p++ - '0'), nf++;
        if (nf == 1)
            frac *= 10;
    }
    if (!nd || *p)
        return ubur_error_field(err, UBUR_EINVAL, "fee",
                                "'%s' is not an amount with at most 2 decimals", buf);
    *minor = whole * 100 + frac;
    return 0;
}

/* Joins a JSON array of strings (or "*") into a comma list; errors name `field`. */
static int
join_list(json_t *v, const char *field, char *out, size_t cap, struct ubur_error *err)
{
    size_t i, len = 0;
    json_t *item;
    out[0] = '\0';
    if (json_is_string(v)) {
        if (json_string_length(v) >= cap)
            return ubur_error_field(err, UBUR_EINVAL, field, "is too long");
        snprintf(out, cap, "%s", json_string_value(v));
        return 0;
    }
    if (!json_is_array(v))
        return ubur_error_field(err, UBUR_EINVAL, field, "must be an array of strings");
    json_array_foreach(v, i, item)
    {
        const char *s = json_string_value(item);
        if (!s || !*s || strchr(s, ','))
            return ubur_error_field(err, UBUR_EINVAL, field,
                                    "item %zu must be a non-empty string without ','", i);
        size_t n = strlen(s);
        if (len + n + 2 > cap)
            return ubur_error_field(err, UBUR_EINVAL, field, "is too long");
        if (len)
            out[len++] = ',';
        memcpy(out + len, s, n + 1);
        len += n;
    }
    return 0;
}

static int
get_int(json_t *fields, const char *key, int *dst, struct ubur_error *err)
{
    json_t *v = json_object_get(fields, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < -1000000 || json_integer_value(v) > 1000000)
        return ubur_error_field(err, UBUR_EINVAL, key, "must be an integer");
    *dst = (int)json_integer_value(v);
    return 0;
}

static int
get_bool(json_t *fields, const char *key, bool *dst, struct ubur_error *err)
{
    json_t *v = json_object_get(fields, key);
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return ubur_error_field(err, UBUR_EINVAL, key, "must be true or false");
    *dst = json_is_true(v);
    return 0;
}

static const char *const purpose_keys[] = {
    "name_en",          "name_ar",       "active",      "nationalities", "validity_days",
    "max_entries",      "max_stay_days", "fee",         "currency",      "required_documents",
    "needs_hospital",   "needs_patient", "max_escorts", "extendable",    "max_extension_days",
    "auto_approve",     "auto_max_risk", "priority",    "mrz_format",    "passport_margin_days",
    "max_advance_days", "code",          "updated_at",
};

int
ubur_visa_purpose_put(struct ubur_ctx *ctx, const char *code, json_t *fields, json_t **out,
                      struct ubur_error *err)
{
    struct ubur_visa_rules r;
    json_t *before = NULL;
    const char *name_en = NULL, *name_ar = NULL;
    char now[UBUR_TIME_LEN + 1];
    int rc;

    if (!(ctx->role & UBUR_ROLE_ADMIN))
        return ubur_error_field(err, UBUR_EPERM, "role", "only an admin edits visa purposes");
    if (!json_is_object(fields))
        return ubur_error_set(err, UBUR_EINVAL, "the purpose must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(fields, key, v)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof(purpose_keys) / sizeof(purpose_keys[0]); i++)
            known |= !strcmp(key, purpose_keys[i]);
        if (!known)
            return ubur_error_field(err, UBUR_EINVAL, key, "unknown field");
    }
    if ((v = json_object_get(fields, "code")) &&
        (!json_is_string(v) || strcmp(json_string_value(v), code)))
        return ubur_error_field(err, UBUR_EINVAL, "code", "does not match the purpose's code");

    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    rc = ubur_visa_purpose_get(ctx, code, &before, err);
    if (rc == UBUR_ENOTFOUND) {
        if (!json_object_get(fields, "name_en") || !json_object_get(fields, "validity_days") ||
            !json_object_get(fields, "max_stay_days")) {
            rc = ubur_error_field(err, UBUR_EINVAL,
                                  !json_object_get(fields, "name_en")         ? "name_en"
                                  : !json_object_get(fields, "validity_days") ? "validity_days"
                                                                              : "max_stay_days",
                                  "a new purpose needs name_en, validity_days and max_stay_days");
            goto out;
        }
        memset(&r, 0, sizeof(r));
        snprintf(r.code, sizeof(r.code), "%s", code);
        r.active = true;
        snprintf(r.nationalities, sizeof(r.nationalities), "*");
        r.max_entries = 1;
        snprintf(r.currency, sizeof(r.currency), "USD");
        r.mrz_format = 'A';
        r.max_advance_days = 180;
        rc = 0;
    } else if (rc) {
        goto out;
    } else if ((rc = ubur_visa_rules_load(ctx->store, code, &r, err))) {
        goto out;
    }
    if ((v = json_object_get(fields, "name_en"))) {
        if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > 100) {
            rc = ubur_error_field(err, UBUR_EINVAL, "name_en", "must be 1 to 100 characters");
            goto out;
        }
        name_en = json_string_value(v);
    }
    if ((v = json_object_get(fields, "name_ar"))) {
        if (!json_is_null(v) && (!json_is_string(v) || json_string_length(v) > 200)) {
            rc = ubur_error_field(err, UBUR_EINVAL, "name_ar", "must be at most 200 bytes");
            goto out;
        }
        name_ar = json_string_value(v);
    }
    if ((v = json_object_get(fields, "nationalities")) &&
        (rc = join_list(v, "nationalities", r.nationalities, sizeof(r.nationalities), err)))
        goto out;
    if ((v = json_object_get(fields, "required_documents")) &&
        (rc = join_list(v, "required_documents", r.required_documents, sizeof(r.required_documents),
                        err)))
        goto out;
    if ((v = json_object_get(fields, "fee")) && (rc = parse_fee(v, &r.fee_minor, err)))
        goto out;
    if ((v = json_object_get(fields, "currency"))) {
        if (!json_is_string(v) || json_string_length(v) != 3) {
            rc = ubur_error_field(err, UBUR_EINVAL, "currency", "must be an ISO 4217 code");
            goto out;
        }
        snprintf(r.currency, sizeof(r.currency), "%s", json_string_value(v));
    }
    if ((v = json_object_get(fields, "mrz_format"))) {
        const char *f = json_string_value(v);
        if (!f || (strcmp(f, "A") && strcmp(f, "B"))) {
            rc = ubur_error_field(err, UBUR_EINVAL, "mrz_format", "must be \"A\" or \"B\"");
            goto out;
        }
        r.mrz_format = f[0];
    }
    if ((rc = get_bool(fields, "active", &r.active, err)) ||
        (rc = get_int(fields, "validity_days", &r.validity_days, err)) ||
        (rc = get_int(fields, "max_entries", &r.max_entries, err)) ||
        (rc = get_int(fields, "max_stay_days", &r.max_stay_days, err)) ||
        (rc = get_bool(fields, "needs_hospital", &r.needs_hospital, err)) ||
        (rc = get_bool(fields, "needs_patient", &r.needs_patient, err)) ||
        (rc = get_int(fields, "max_escorts", &r.max_escorts, err)) ||
        (rc = get_bool(fields, "extendable", &r.extendable, err)) ||
        (rc = get_int(fields, "max_extension_days", &r.max_extension_days, err)) ||
        (rc = get_bool(fields, "auto_approve", &r.auto_approve, err)) ||
        (rc = get_int(fields, "auto_max_risk", &r.auto_max_risk, err)) ||
        (rc = get_int(fields, "priority", &r.priority, err)) ||
        (rc = get_int(fields, "passport_margin_days", &r.passport_margin_days, err)) ||
        (rc = get_int(fields, "max_advance_days", &r.max_advance_days, err)))
        goto out;
    if ((rc = ubur_visa_rules_validate(&r, err)))
        goto out;

    ubur_time_format(ubur_now(), now);
    char mf[2] = {r.mrz_format, '\0'};
    int64_t n = ubur_store_run(
        ctx->store, err,
        "INSERT INTO visa_purpose (code, name_en, name_ar, active, nationalities,"
        " validity_days, max_entries, max_stay_days, fee_minor, currency, required_documents,"
        " needs_hospital, needs_patient, max_escorts, extendable, max_extension_days,"
        " auto_approve, auto_max_risk, priority, mrz_format, passport_margin_days,"
        " max_advance_days, updated_at)"
        " VALUES (?, COALESCE(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?)"
        " ON CONFLICT (code) DO UPDATE SET name_en = COALESCE(?, visa_purpose.name_en),"
        " name_ar = CASE WHEN ? = 1 THEN excluded.name_ar ELSE visa_purpose.name_ar END,"
        " active = excluded.active, nationalities = excluded.nationalities,"
        " validity_days = excluded.validity_days, max_entries = excluded.max_entries,"
        " max_stay_days = excluded.max_stay_days, fee_minor = excluded.fee_minor,"
        " currency = excluded.currency, required_documents = excluded.required_documents,"
        " needs_hospital = excluded.needs_hospital, needs_patient = excluded.needs_patient,"
        " max_escorts = excluded.max_escorts, extendable = excluded.extendable,"
        " max_extension_days = excluded.max_extension_days,"
        " auto_approve = excluded.auto_approve, auto_max_risk = excluded.auto_max_risk,"
        " priority = excluded.priority, mrz_format = excluded.mrz_format,"
        " passport_margin_days = excluded.passport_margin_days,"
        " max_advance_days = excluded.max_advance_days, updated_at = excluded.updated_at",
        "tttitiiiittiiiiiiiitiit"
        "ti",
        r.code, name_en, name_ar, (int64_t)r.active, r.nationalities, (int64_t)r.validity_days,
        (int64_t)r.max_entries, (int64_t)r.max_stay_days, r.fee_minor, r.currency,
        r.required_documents, (int64_t)r.needs_hospital, (int64_t)r.needs_patient,
        (int64_t)r.max_escorts, (int64_t)r.extendable, (int64_t)r.max_extension_days,
        (int64_t)r.auto_approve, (int64_t)r.auto_max_risk, (int64_t)r.priority, mf,
        (int64_t)r.passport_margin_days, (int64_t)r.max_advance_days, now, name_en,
        (int64_t)(json_object_get(fields, "name_ar") != NULL));
    if (n < 0) {
        rc = (int)n;
        goto out;
    }
    if ((rc = ubur_visa_purpose_get(ctx, code, out, err)))
        goto out;
    json_t *detail = json_pack("{s:O?, s:O}", "before", before, "after", *out);
    char *d = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    rc = ubur_audit(ctx, before ? "visa.purpose.update" : "visa.purpose.create", "visa_purpose",
                    code, d, err);
    free(d);
    if (!rc)
        rc = ubur_store_commit(ctx->store, err);
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
out:
    if (rc)
        ubur_store_rollback(ctx->store);
    json_decref(before);
    return rc;
}
