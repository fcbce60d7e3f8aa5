/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the border module answers besides checks: a traveller's movements
 * and stays, the overstayers on a day, the traffic figures, and the
 * visa-free stay rules. Reads only, except for the rules and the audit
 * entry each read of a traveller's movements leaves (who looked at whose
 * crossings is itself personal data: the read fails if it cannot be logged).
 *
 * Overstayers come from the stays table (authorised_until before the day,
 * no exit by then); a stay on a visa is checked again against the visa
 * register, so a visa extended after the entry (a patient's treatment
 * prolonged) does not list its holder. Traffic figures come from the
 * summary table kept in the records' own transactions, so they cost one
 * indexed range read whatever the number of records.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "border_impl.h"
#include "ubur/visa.h"
#include "ubur/writer.h"
#include "ubur/banned.h"

static bool
scoped(const struct ubur_ctx *ctx)
{
    return ctx->role != UBUR_ROLE_ADMIN && ctx->state && *ctx->state;
}

/* ---- movements ---- */

struct movements_read {
    const char *traveller_id;
    int64_t limit, movements;
};

static int
audit_movements_read(struct ubur_ctx *ctx, void *arg, struct ubur_error *err)
{
    struct movements_read *r = arg;
    char detail[96];
    snprintf(detail, sizeof(detail), "{\"limit\":%lld,\"movements\":%lld}", (long long)r->limit,
             (long long)r->movements);
    return ubur_audit(ctx, "border.traveller.read", "traveller", r->traveller_id, detail, err);
}

static json_t *
document_json(struct ubur_stmt *st)
{
    return json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s}", "document_number", ubur_stmt_text(st, 0),
                     "nationality", ubur_stmt_text(st, 1), "document_code", ubur_stmt_text(st, 2),
                     "issuing_state", ubur_stmt_text(st, 3), "expiry_date", ubur_stmt_text(st, 4),
                     "first_seen", ubur_stmt_text(st, 5));
}

static json_t *
int_or_null(struct ubur_stmt *st, int col)
{
    return ubur_stmt_is_null(st, col) ? json_null() : json_integer(ubur_stmt_int(st, col));
}

static json_t *
stay_json(struct ubur_stmt *st)
{
    return json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s, s:s?, s:s?, s:s?, s:s?, s:o, s:o}", "id",
                     ubur_stmt_text(st, 0), "state", ubur_stmt_text(st, 1), "basis",
                     ubur_stmt_text(st, 2), "visa_number", ubur_stmt_text(st, 3), "purpose",
                     ubur_stmt_text(st, 4), "entry_date", ubur_stmt_text(st, 5),
                     "entry_crossing_id", ubur_stmt_text(st, 6), "authorised_until",
                     ubur_stmt_text(st, 7), "exit_date", ubur_stmt_text(st, 8), "exit_crossing_id",
                     ubur_stmt_text(st, 9), "days_used", int_or_null(st, 10), "overstay_days",
                     int_or_null(st, 11));
}

int
ubur_traveller_movements(struct ubur_ctx *ctx, const char *traveller_id, int64_t limit,
                         json_t **out, struct ubur_error *err)
{
    struct ubur_stmt *st;
    json_t *o = NULL;
    int rc;

    if (!traveller_id || !ubur_uuid_valid(traveller_id))
        return ubur_error_set(err, UBUR_ENOTFOUND, "no traveller '%.40s'",
                              traveller_id ? traveller_id : "");
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT id, surname, given_names, nationality, birth_date, sex,"
                                 " created_at FROM travellers WHERE id = ?",
                                 &st, err)))
        return rc;
    ubur_stmt_bind_text(st, 1, traveller_id);
    rc = ubur_stmt_step(st, err);
    if (rc == 1)
        o = json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:s?, s:s}}", "traveller", "id",
                      ubur_stmt_text(st, 0), "surname", ubur_stmt_text(st, 1), "given_names",
                      ubur_stmt_text(st, 2), "nationality", ubur_stmt_text(st, 3), "birth_date",
                      ubur_stmt_text(st, 4), "sex", ubur_stmt_text(st, 5), "first_seen",
                      ubur_stmt_text(st, 6));
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return ubur_error_set(err, UBUR_ENOTFOUND, "no traveller '%.40s'", traveller_id);

    json_t *docs, *moves, *stays;
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT document_number, nationality, document_code,"
                                 " issuing_state, expiry_date, created_at FROM traveller_documents"
                                 " WHERE traveller_id = ? ORDER BY created_at, document_number",
                                 &st, err)))
        goto fail;
    ubur_stmt_bind_text(st, 1, traveller_id);
    if ((rc = ubur_border_rows_json(st, document_json, &docs, err)))
        goto fail;
    json_object_set_new(o, "documents", docs);

    if ((rc = ubur_border_records_of(ctx->store, traveller_id, limit, &moves, err)))
        goto fail;
    json_object_set_new(o, "movements", moves);
    if ((rc = ubur_store_prepare(ctx->store,
                                 "SELECT id, state, basis, visa_number, purpose, entry_date,"
                                 " entry_crossing_id, authorised_until, exit_date,"
                                 " exit_crossing_id, days_used, overstay_days FROM stays"
                                 " WHERE traveller_id = ? ORDER BY entry_date DESC, id DESC"
                                 " LIMIT ?",
                                 &st, err)))
        goto fail;
    ubur_stmt_bind_text(st, 1, traveller_id);
    ubur_stmt_bind_int(st, 2, limit);
    if ((rc = ubur_border_rows_json(st, stay_json, &stays, err)))
        goto fail;
    json_object_set_new(o, "stays", stays);
    /* Answered only once the read is in the audit log (through the group-commit writer). */
    struct movements_read r = {traveller_id, limit, (int64_t)json_array_size(moves)};
    if ((rc = ubur_write(ctx, audit_movements_read, &r, err)))
        goto fail;
    *out = o;
    return 0;
fail:
    json_decref(o);
    return rc;
}

/* ---- recent movements at a crossing ---- */

int
ubur_border_movements(struct ubur_ctx *ctx, const char *crossing_id, const char *kind,
                      int64_t limit, json_t **out, struct ubur_error *err)
{
    if (kind && *kind && strcmp(kind, "entry") && strcmp(kind, "exit") && strcmp(kind, "refusal"))
        return ubur_error_field(err, UBUR_EINVAL, "kind", "'%.16s' is not entry, exit or refusal",
                                kind);
    if (crossing_id && *crossing_id) {
        struct border_crossing c;
        int rc =
            ubur_border_crossing_load(ctx->store, crossing_id, ubur_now(), "crossing_id", &c, err);
        if (rc)
            return rc;
    }
    return ubur_border_records_list(ctx->store, crossing_id && *crossing_id ? crossing_id : NULL,
                                    kind && *kind ? kind : NULL, scoped(ctx) ? ctx->state : NULL,
                                    limit, out, err);
}

/* ---- overstays ---- */

int
ubur_border_overstays(struct ubur_ctx *ctx, int64_t as_of, int64_t limit, json_t **out,
                      struct ubur_error *err)
{
    struct ubur_stmt *st;
    char day[UBUR_DATE_LEN + 1];
    const char *state = scoped(ctx) ? ctx->state : NULL;
    int rc;

    ubur_date_format(as_of, day);
    if ((rc = ubur_store_prepare(
             ctx->store,
             "SELECT s.id, s.traveller_id, t.surname, t.given_names, t.nationality, s.state,"
             " s.basis, s.visa_number, s.purpose, s.entry_date, s.entry_crossing_id,"
             " s.authorised_until, (SELECT d.document_number FROM traveller_documents d"
             " WHERE d.traveller_id = s.traveller_id ORDER BY d.created_at DESC LIMIT 1)"
             " FROM stays s JOIN travellers t ON t.id = s.traveller_id"
             " WHERE s.authorised_until < ? AND s.entry_date <= ?"
             " AND (s.exit_date IS NULL OR s.exit_date > ?) AND (CAST(? AS TEXT) IS NULL OR "
             "s.state = ?)"
             " ORDER BY s.authorised_until, s.id LIMIT ?",
             &st, err)))
        return rc;
    ubur_stmt_bind_text(st, 1, day);
    ubur_stmt_bind_text(st, 2, day);
    ubur_stmt_bind_text(st, 3, day);
    ubur_stmt_bind_text(st, 4, state);
    ubur_stmt_bind_text(st, 5, state);
    ubur_stmt_bind_int(st, 6, limit);
    json_t *arr = json_array();
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        int64_t until;
        if (ubur_date_parse(ubur_stmt_text(st, 11), &until, NULL))
            continue;
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:s?, s:s?, s:s, s:s?,"
                           " s:s, s:I}",
                           "stay_id", ubur_stmt_text(st, 0), "traveller_id", ubur_stmt_text(st, 1),
                           "surname", ubur_stmt_text(st, 2), "given_names", ubur_stmt_text(st, 3),
                           "nationality", ubur_stmt_text(st, 4), "document_number",
                           ubur_stmt_text(st, 12), "state", ubur_stmt_text(st, 5), "basis",
                           ubur_stmt_text(st, 6), "visa_number", ubur_stmt_text(st, 7), "purpose",
                           ubur_stmt_text(st, 8), "entry_date", ubur_stmt_text(st, 9),
                           "entry_crossing_id", ubur_stmt_text(st, 10), "authorised_until",
                           ubur_stmt_text(st, 11), "overstay_days",
                           (json_int_t)ubur_stay_overstay_days(until, as_of)));
    }
    ubur_stmt_done(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    /* A visa extended since the entry may cover the day after all. */
    size_t i = 0;
    while (i < json_array_size(arr)) {
        json_t *o = json_array_get(arr, i);
        const char *visa = json_string_value(json_object_get(o, "visa_number"));
        const char *doc = json_string_value(json_object_get(o, "document_number"));
        struct ubur_visa_valid v;
        int64_t until;
        if (visa && doc &&
            ubur_visa_find_valid(ctx->store, doc,
                                 json_string_value(json_object_get(o, "nationality")), visa,
                                 as_of * 86400 + 43200, &v, NULL) == 0 &&
            v.stay_until[0] && !ubur_date_parse(v.stay_until, &until, NULL) && until >= as_of) {
            json_array_remove(arr, i);
            continue;
        }
        i++;
    }
    *out = arr;
    return 0;
}

/* ---- traffic ---- */

static const struct {
    const char *name;
    const char *expr;
} traffic_dims[] = {
    {"crossing", "t.crossing_id"},    {"state", "c.state"},
    {"day", "substr(t.hour, 1, 10)"}, {"hour", "t.hour"},
    {"direction", "t.direction"},     {"nationality", "t.nationality"},
    {"decision", "t.decision"},
};
#define NDIMS (sizeof(traffic_dims) / sizeof(traffic_dims[0]))

int
ubur_border_traffic(struct ubur_ctx *ctx, int64_t from, int64_t to, const char *by, json_t **out,
                    struct ubur_error *err)
{
    int dims[NDIMS], ndims = 0;
    char f[UBUR_DATE_LEN + 1], t[UBUR_DATE_LEN + 1], lo[16], hi[16];
    struct ubur_buf cols = UBUR_BUF_INIT, sql = UBUR_BUF_INIT;
    struct ubur_stmt *st = NULL;
    int rc;

    if (to < from) {
        ubur_date_format(from, f);
        ubur_date_format(to, t);
        return ubur_error_field(err, UBUR_EINVAL, "to", "'%s' is before '%s'", t, f);
    }
    if (!by || !*by)
        by = "crossing,direction,decision";
    if (strlen(by) > 200)
        return ubur_error_field(err, UBUR_EINVAL, "by", "too long");
    for (const char *p = by; *p;) {
        size_t n = strcspn(p, ",");
        size_t k = 0;
        for (; k < NDIMS; k++)
            if (strlen(traffic_dims[k].name) == n && !strncmp(traffic_dims[k].name, p, n))
                break;
        if (k == NDIMS)
            return ubur_error_field(err, UBUR_EINVAL, "by",
                                    "'%.*s' is not a dimension (crossing, state, day, hour, "
                                    "direction, nationality, decision)",
                                    (int)(n > 32 ? 32 : n), p);
        for (int i = 0; i < ndims; i++)
            if (dims[i] == (int)k)
                return ubur_error_field(err, UBUR_EINVAL, "by", "'%s' is given twice",
                                        traffic_dims[k].name);
        dims[ndims++] = (int)k;
        p += n;
        if (*p == ',' && !*++p)
            return ubur_error_field(err, UBUR_EINVAL, "by", "'%s' ends with ','", by);
    }
    for (int i = 0; i < ndims; i++)
        ubur_buf_addf(&cols, "%s%s", i ? ", " : "", traffic_dims[dims[i]].expr);
    ubur_buf_addf(&sql,
                  "SELECT %s, SUM(t.crossings) FROM border_traffic t"
                  " JOIN crossing_points c ON c.id = t.crossing_id"
                  " WHERE t.hour >= ? AND t.hour <= ? GROUP BY %s ORDER BY %s",
                  cols.s, cols.s, cols.s);
    ubur_date_format(from, f);
    ubur_date_format(to, t);
    snprintf(lo, sizeof(lo), "%sT00", f);
    snprintf(hi, sizeof(hi), "%sT23", t);
    if ((rc = ubur_store_prepare_dynamic(ctx->store, sql.s, &st, err)))
        goto out;
    ubur_stmt_bind_text(st, 1, lo);
    ubur_stmt_bind_text(st, 2, hi);
    json_t *rows = json_array(), *byarr = json_array();
    int64_t total = 0;
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        json_t *r = json_object();
        for (int i = 0; i < ndims; i++)
            json_object_set_new(r, traffic_dims[dims[i]].name,
                                json_string(ubur_stmt_text(st, i) ? ubur_stmt_text(st, i) : ""));
        int64_t n = ubur_stmt_int(st, ndims);
        json_object_set_new(r, "crossings", json_integer(n));
        total += n;
        json_array_append_new(rows, r);
    }
    ubur_stmt_done(st);
    for (int i = 0; i < ndims; i++)
        json_array_append_new(byarr, json_string(traffic_dims[dims[i]].name));
    if (rc < 0) {
        json_decref(rows);
        json_decref(byarr);
        goto out;
    }
    rc = 0;
    *out = json_pack("{s:s, s:s, s:o, s:o, s:I}", "from", f, "to", t, "by", byarr, "rows", rows,
                     "total", (json_int_t)total);
out:
    ubur_buf_release(&cols);
    ubur_buf_release(&sql);
    return rc;
}

int64_t
ubur_border_day_now(void)
{
    return ubur_border_day(ubur_now());
}

/* A CSV field, quoted when it holds a separator, a quote or a line break. */
static void
csv_field(struct ubur_buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        ubur_buf_adds(b, s);
        return;
    }
    ubur_buf_addch(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            ubur_buf_addch(b, '"');
        ubur_buf_addch(b, *s);
    }
    ubur_buf_addch(b, '"');
}

void
ubur_border_traffic_csv(json_t *traffic, struct ubur_buf *b)
{
    json_t *by = json_object_get(traffic, "by"), *rows = json_object_get(traffic, "rows"), *r, *d;
    size_t i, k;
    json_array_foreach(by, k, d)
    {
        csv_field(b, json_string_value(d));
        ubur_buf_addch(b, ',');
    }
    ubur_buf_adds(b, "crossings\r\n");
    json_array_foreach(rows, i, r)
    {
        json_array_foreach(by, k, d)
        {
            csv_field(b, json_string_value(json_object_get(r, json_string_value(d))));
            ubur_buf_addch(b, ',');
        }
        ubur_buf_addf(b, "%lld\r\n",
                      (long long)json_integer_value(json_object_get(r, "crossings")));
    }
}

void
ubur_border_traffic_table(json_t *traffic, struct ubur_buf *b)
{
    json_t *by = json_object_get(traffic, "by"), *rows = json_object_get(traffic, "rows"), *r, *d;
    size_t i, k, nby = json_array_size(by);
    int width[16] = {0};
    if (nby > 15)
        nby = 15;
    for (k = 0; k < nby; k++)
        width[k] = (int)strlen(json_string_value(json_array_get(by, k)));
    json_array_foreach(rows, i, r)
    {
        for (k = 0; k < nby; k++) {
            const char *v =
                json_string_value(json_object_get(r, json_string_value(json_array_get(by, k))));
            if (v && (int)strlen(v) > width[k])
                width[k] = (int)strlen(v);
        }
    }
    for (k = 0; k < nby; k++) {
        char up[32];
        snprintf(up, sizeof(up), "%s", json_string_value(json_array_get(by, k)));
        for (char *p = up; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        ubur_buf_addf(b, "%-*s  ", width[k], up);
    }
    ubur_buf_adds(b, "CROSSINGS\n");
    json_array_foreach(rows, i, r)
    {
        for (k = 0; k < nby; k++) {
            d = json_object_get(r, json_string_value(json_array_get(by, k)));
            ubur_buf_addf(b, "%-*s  ", width[k], json_string_value(d) ? json_string_value(d) : "");
        }
        ubur_buf_addf(b, "%9lld\n", (long long)json_integer_value(json_object_get(r, "crossings")));
    }
    ubur_buf_addf(b, "total %lld crossings from %s to %s\n",
                  (long long)json_integer_value(json_object_get(traffic, "total")),
                  json_string_value(json_object_get(traffic, "from")),
                  json_string_value(json_object_get(traffic, "to")));
}

/* ---- visa-free rules ---- */

static bool
alpha3(const char *s)
{
    return s && strlen(s) == 3 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]) &&
           isupper((unsigned char)s[2]);
}

int
ubur_border_visa_free_set(struct ubur_ctx *ctx, const char *state, const char *nationality,
                          int max_days, int window_days, struct ubur_error *err)
{
    char now[UBUR_TIME_LEN + 1], detail[160];
    int rc;
    int64_t n;

    if (ctx->role != UBUR_ROLE_ADMIN)
        return ubur_error_set(err, UBUR_EPERM, "only an admin sets stay rules");
    if (!alpha3(state))
        return ubur_error_field(err, UBUR_EINVAL, "state", "'%.16s' is not a state code",
                                state ? state : "");
    if (!alpha3(nationality))
        return ubur_error_field(err, UBUR_EINVAL, "nationality", "'%.16s' is not a state code",
                                nationality ? nationality : "");
    if (!strcmp(state, nationality))
        return ubur_error_field(err, UBUR_EINVAL, "nationality",
                                "nationals of %s need no rule to enter %s", state, state);
    if (max_days < 0 || max_days > UBUR_STAY_MAX_WINDOW)
        return ubur_error_field(err, UBUR_EINVAL, "days", "%d is not from 0 to %d", max_days,
                                UBUR_STAY_MAX_WINDOW);
    if (max_days && (window_days < max_days || window_days > UBUR_STAY_MAX_WINDOW))
        return ubur_error_field(err, UBUR_EINVAL, "window", "%d is not from %d to %d", window_days,
                                max_days, UBUR_STAY_MAX_WINDOW);
    ubur_time_format(ubur_now(), now);
    if ((rc = ubur_store_begin(ctx->store, err)))
        return rc;
    if (max_days)
        n = ubur_store_run(ctx->store, err,
                           "INSERT INTO border_visa_free (state, nationality, max_days,"
                           " window_days, created_at) VALUES (?, ?, ?, ?, ?)"
                           " ON CONFLICT (state, nationality) DO UPDATE SET"
                           " max_days = excluded.max_days, window_days = excluded.window_days,"
                           " created_at = excluded.created_at",
                           "ttiit", state, nationality, (int64_t)max_days, (int64_t)window_days,
                           now);
    else
        n = ubur_store_run(ctx->store, err,
                           "DELETE FROM border_visa_free WHERE state = ? AND nationality = ?", "tt",
                           state, nationality);
    if (n < 0) {
        ubur_store_rollback(ctx->store);
        return (int)n;
    }
    snprintf(detail, sizeof(detail),
             "{\"state\":\"%s\",\"nationality\":\"%s\",\"max_days\":%d,\"window_days\":%d}", state,
             nationality, max_days, window_days);
    if ((rc = ubur_audit(ctx, max_days ? "border.visa_free.set" : "border.visa_free.remove",
                         "border_visa_free", nationality, detail, err))) {
        ubur_store_rollback(ctx->store);
        return rc;
    }
    return ubur_store_commit(ctx->store, err);
}

static json_t *
visa_free_json(struct ubur_stmt *st)
{
    return json_pack("{s:s, s:s, s:I, s:I}", "state", ubur_stmt_text(st, 0), "nationality",
                     ubur_stmt_text(st, 1), "max_days", (json_int_t)ubur_stmt_int(st, 2),
                     "window_days", (json_int_t)ubur_stmt_int(st, 3));
}

int
ubur_border_visa_free_list(struct ubur_ctx *ctx, json_t **out, struct ubur_error *err)
{
    struct ubur_stmt *st;
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT state, nationality, max_days, window_days"
                                " FROM border_visa_free ORDER BY state, nationality",
                                &st, err);
    if (rc)
        return rc;
    return ubur_border_rows_json(st, visa_free_json, out, err);
}
