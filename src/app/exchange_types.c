/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The record types that may cross between the states, each with the fields
 * it may share, how to find what changed since a cursor, and how to apply a
 * partner's record idempotently with its provenance (contributed_by).
 * Cursors are "<time>|<id>" of the last record sent, so records changed in
 * the same second are neither lost nor repeated.
 */
#include <stdlib.h>
#include <string.h>

#include "ubur/exchange.h"
#include "ubur/sync.h"
#include "ubur/watchlist.h"
#include "ubur/banned.h"

/* ---- revocations: visas this state revoked or annulled ---- */

static const char *const revocation_fields[] = {
    "visa_number", "issuing_state", "passport_number", "nationality",
    "status",      "reason",        "ended_at",        NULL,
};

static int
revocations_export(struct ubur_ctx *ctx, const char *partner, const char *since, json_t *arr,
                   const char **next, struct ubur_error *err)
{
    (void)partner;
    struct ubur_stmt *st;
    const char *bar = since ? strchr(since, '|') : NULL;
    const char *t0 = bar ? ubur_arena_strndup(&ctx->arena, since, (size_t)(bar - since)) : "";
    const char *id0 = bar ? bar + 1 : "";
    int rc = ubur_store_prepare(ctx->store,
                                "SELECT id, visa_number, issuing_state, passport_number,"
                                " nationality, state, end_reason, ended_at FROM visa"
                                " WHERE state IN ('revoked', 'annulled') AND issuing_state = ?"
                                " AND ended_at IS NOT NULL AND (ended_at > ? OR (ended_at = ?"
                                " AND id > ?)) ORDER BY ended_at, id LIMIT 100000",
                                &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, ctx->state);
    ubur_stmt_bind_text(st, 2, t0);
    ubur_stmt_bind_text(st, 3, t0);
    ubur_stmt_bind_text(st, 4, id0);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s}", "id", ubur_stmt_text(st, 0),
                           "visa_number", ubur_stmt_text(st, 1), "issuing_state",
                           ubur_stmt_text(st, 2), "passport_number", ubur_stmt_text(st, 3),
                           "nationality", ubur_stmt_text(st, 4), "status", ubur_stmt_text(st, 5),
                           "reason", ubur_stmt_text(st, 6), "ended_at", ubur_stmt_text(st, 7)));
        *next =
            ubur_arena_printf(&ctx->arena, "%s|%s", ubur_stmt_text(st, 7), ubur_stmt_text(st, 0));
    }
    ubur_stmt_done(st);
    return rc < 0 ? rc : 0;
}

static int
revocations_apply(struct ubur_ctx *ctx, const char *from, json_t *rec, struct ubur_error *err)
{
    const char *number = json_string_value(json_object_get(rec, "visa_number"));
    const char *status = json_string_value(json_object_get(rec, "status"));
    const char *ended = json_string_value(json_object_get(rec, "ended_at"));
    const char *issuer = json_string_value(json_object_get(rec, "issuing_state"));
    char now[UBUR_TIME_LEN + 1];
    if (!number || !status || !ended)
        return ubur_error_set(err, UBUR_EINVAL,
                              "a revocation needs visa_number, status and ended_at");
    if (issuer && strcmp(issuer, from) != 0)
        return ubur_error_set(err, UBUR_EUNPROC, "%s may not revoke a visa issued by %s", from,
                              issuer);
    ubur_time_format(ubur_now(), now);
    int64_t n = ubur_store_run(
        ctx->store, err,
        "INSERT INTO partner_revocation (id, contributed_by, visa_number, issuing_state,"
        " passport_number, nationality, status, reason, ended_at, received_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
        " status = excluded.status, reason = excluded.reason, ended_at = excluded.ended_at",
        "tttttttttt", json_string_value(json_object_get(rec, "id")), from, number, from,
        json_string_value(json_object_get(rec, "passport_number")),
        json_string_value(json_object_get(rec, "nationality")), status,
        json_string_value(json_object_get(rec, "reason")), ended, now);
    if (n < 0)
        return (int)n;
    /* This state's border posts pull it (docs/internals/sync.md). */
    return ubur_sync_changed(ctx, "revocation", json_string_value(json_object_get(rec, "id")), err);
}

/*
 * ---- watchlist: entries of this state's own alert lists (not the UN list, which both
 * states import themselves, and never what a partner contributed) ----
 */

static const char *const watchlist_fields[] = {
    "reference",       "kind",        "primary_name", "original_script_name",
    "aliases",         "sex",         "dobs",         "nationalities",
    "places_of_birth", "documents",   "reason",       "alert_category",
    "action",          "valid_until", "status",       NULL,
};

static json_t *
json_text(const char *s)
{
    json_t *j = s ? json_loads(s, 0, NULL) : NULL;
    return j ? j : json_array();
}

static int
watchlist_export(struct ubur_ctx *ctx, const char *partner, const char *since, json_t *arr,
                 const char **next, struct ubur_error *err)
{
    (void)partner;
    struct ubur_stmt *st;
    int64_t from = since ? strtoll(since, NULL, 10) : 0;
    int rc = ubur_store_prepare(
        ctx->store,
        "SELECT e.id, e.reference, e.kind, e.primary_name, e.original_script_name, e.sex,"
        " e.dobs, e.nationalities, e.places_of_birth, e.documents, e.reason, e.alert_category,"
        " e.action, e.valid_until, e.status, e.change_seq FROM watchlist_entries e"
        " JOIN watchlists l ON l.id = e.list_id WHERE l.source NOT IN ('un-xml', 'partner')"
        " AND (l.owner_state IS NULL OR l.owner_state = ?) AND e.change_seq > ?"
        " ORDER BY e.change_seq LIMIT 100000",
        &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, ctx->state);
    ubur_stmt_bind_int(st, 2, from);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        json_t *r = json_pack(
            "{s:s, s:s, s:s, s:s, s:s?, s:s?, s:o, s:o, s:o, s:o, s:s?, s:s?,"
            " s:s, s:s?, s:s, s:[]}",
            "id", ubur_stmt_text(st, 0), "reference", ubur_stmt_text(st, 1), "kind",
            ubur_stmt_text(st, 2), "primary_name", ubur_stmt_text(st, 3), "original_script_name",
            ubur_stmt_text(st, 4), "sex", ubur_stmt_text(st, 5), "dobs",
            json_text(ubur_stmt_text(st, 6)), "nationalities", json_text(ubur_stmt_text(st, 7)),
            "places_of_birth", json_text(ubur_stmt_text(st, 8)), "documents",
            json_text(ubur_stmt_text(st, 9)), "reason", ubur_stmt_text(st, 10), "alert_category",
            ubur_stmt_text(st, 11), "action", ubur_stmt_text(st, 12), "valid_until",
            ubur_stmt_text(st, 13), "status", ubur_stmt_text(st, 14), "aliases");
        json_array_append_new(arr, r);
        *next = ubur_arena_printf(&ctx->arena, "%lld", (long long)ubur_stmt_int(st, 15));
    }
    ubur_stmt_done(st);
    if (rc < 0)
        return rc;
    size_t i;
    json_t *r;
    json_array_foreach(arr, i, r)
    {
        rc = ubur_store_prepare(ctx->store,
                                "SELECT name, quality FROM watchlist_names WHERE entry_id = ?"
                                " AND quality IN ('good', 'low') ORDER BY position",
                                &st, err);
        if (rc)
            return rc;
        ubur_stmt_bind_text(st, 1, json_string_value(json_object_get(r, "id")));
        json_t *aliases = json_object_get(r, "aliases");
        while ((rc = ubur_stmt_step(st, err)) == 1)
            json_array_append_new(aliases, json_pack("{s:s, s:s}", "name", ubur_stmt_text(st, 0),
                                                     "quality", ubur_stmt_text(st, 1)));
        ubur_stmt_done(st);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static const char *
dump_or(struct ubur_ctx *ctx, json_t *v, const char *def)
{
    if (!v)
        return def;
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    const char *copy = ubur_arena_strdup(&ctx->arena, s ? s : def);
    free(s);
    return copy;
}

static int
watchlist_apply(struct ubur_ctx *ctx, const char *from, json_t *rec, struct ubur_error *err)
{
    struct ubur_wl_entry e = {0};
    json_t *aliases = json_object_get(rec, "aliases");
    const char *sex = json_string_value(json_object_get(rec, "sex"));
    size_t n = json_is_array(aliases) ? json_array_size(aliases) : 0;
    if (n + 2 > UBUR_WL_MAX_NAMES)
        return ubur_error_set(err, UBUR_EINVAL, "a watchlist record has too many aliases");
    e.reference = json_string_value(json_object_get(rec, "reference"));
    e.kind = json_string_value(json_object_get(rec, "kind"));
    if (!e.kind || (strcmp(e.kind, "person") && strcmp(e.kind, "entity")))
        e.kind = "person";
    e.primary_name = json_string_value(json_object_get(rec, "primary_name"));
    e.original_script_name = json_string_value(json_object_get(rec, "original_script_name"));
    e.sex = sex && (!strcmp(sex, "M") || !strcmp(sex, "F")) ? sex[0] : 0;
    e.dobs_json = dump_or(ctx, json_object_get(rec, "dobs"), "[]");
    e.nats_json = dump_or(ctx, json_object_get(rec, "nationalities"), "[]");
    e.pobs_json = dump_or(ctx, json_object_get(rec, "places_of_birth"), "[]");
    e.docs_json = dump_or(ctx, json_object_get(rec, "documents"), "[]");
    e.reason = json_string_value(json_object_get(rec, "reason"));
    e.alert_category = json_string_value(json_object_get(rec, "alert_category"));
    e.action = json_string_value(json_object_get(rec, "action"));
    e.contributing_state = from;
    e.valid_until = json_string_value(json_object_get(rec, "valid_until"));
    e.details_json = "{}";
    e.names = ubur_arena_alloc(&ctx->arena, sizeof(*e.names) * (n + 2));
    if (e.primary_name)
        e.names[e.nnames++] = (struct ubur_wl_name){e.primary_name, "primary"};
    if (e.original_script_name)
        e.names[e.nnames++] = (struct ubur_wl_name){e.original_script_name, "original"};
    size_t i;
    json_t *a;
    json_array_foreach(aliases, i, a)
    {
        const char *nm = json_string_value(json_object_get(a, "name"));
        const char *q = json_string_value(json_object_get(a, "quality"));
        if (nm && *nm && strlen(nm) < 256)
            e.names[e.nnames++] =
                (struct ubur_wl_name){nm, q && !strcmp(q, "low") ? "low" : "good"};
    }
    const char *status = json_string_value(json_object_get(rec, "status"));
    return ubur_watchlist_apply_partner(ctx, from, &e, status && !strcmp(status, "ended"), err);
}

/* ---- movements: entries, exits and refusals of the partner's nationals ---- */

static const char *const movement_fields[] = {
    "kind",        "direction", "at",          "crossing",   "document_number",
    "nationality", "surname",   "given_names", "birth_date", "decision",
    NULL,
};

static int
movements_export(struct ubur_ctx *ctx, const char *partner, const char *since, json_t *arr,
                 const char **next, struct ubur_error *err)
{
    struct ubur_stmt *st;
    const char *bar = since ? strchr(since, '|') : NULL;
    const char *t0 = bar ? ubur_arena_strndup(&ctx->arena, since, (size_t)(bar - since)) : "";
    const char *id0 = bar ? bar + 1 : "";
    int rc = ubur_store_prepare(
        ctx->store,
        "SELECT r.id, r.kind, r.direction, r.at, c.name, r.document_number, r.nationality,"
        " t.surname, t.given_names, t.birth_date, r.decision, r.recorded_at"
        " FROM border_records r JOIN crossing_points c ON c.id = r.crossing_id"
        " LEFT JOIN travellers t ON t.id = r.traveller_id"
        " WHERE r.nationality = ? AND (r.recorded_at > ? OR (r.recorded_at = ? AND r.id > ?))"
        " ORDER BY r.recorded_at, r.id LIMIT 100000",
        &st, err);
    if (rc)
        return rc;
    ubur_stmt_bind_text(st, 1, partner);
    ubur_stmt_bind_text(st, 2, t0);
    ubur_stmt_bind_text(st, 3, t0);
    ubur_stmt_bind_text(st, 4, id0);
    while ((rc = ubur_stmt_step(st, err)) == 1) {
        json_array_append_new(
            arr, json_pack("{s:s, s:s?, s:s, s:s, s:s?, s:s?, s:s, s:s?, s:s?, s:s?, s:s?}", "id",
                           ubur_stmt_text(st, 0), "kind", ubur_stmt_text(st, 1), "direction",
                           ubur_stmt_text(st, 2), "at", ubur_stmt_text(st, 3), "crossing",
                           ubur_stmt_text(st, 4), "document_number", ubur_stmt_text(st, 5),
                           "nationality", ubur_stmt_text(st, 6), "surname", ubur_stmt_text(st, 7),
                           "given_names", ubur_stmt_text(st, 8), "birth_date",
                           ubur_stmt_text(st, 9), "decision", ubur_stmt_text(st, 10)));
        *next =
            ubur_arena_printf(&ctx->arena, "%s|%s", ubur_stmt_text(st, 11), ubur_stmt_text(st, 0));
    }
    ubur_stmt_done(st);
    return rc < 0 ? rc : 0;
}

static int
movements_apply(struct ubur_ctx *ctx, const char *from, json_t *rec, struct ubur_error *err)
{
    const char *direction = json_string_value(json_object_get(rec, "direction"));
    const char *at = json_string_value(json_object_get(rec, "at"));
    const char *nat = json_string_value(json_object_get(rec, "nationality"));
    char now[UBUR_TIME_LEN + 1];
    int64_t t;
    if (!direction || !at || !nat || ubur_time_parse(at, &t, NULL))
        return ubur_error_set(err, UBUR_EINVAL,
                              "a movement needs direction, a UTC time 'at' and nationality");
    if (ctx->state && strcmp(nat, ctx->state) != 0)
        return ubur_error_set(err, UBUR_EUNPROC,
                              "%s sent a movement of a %s national; only %s nationals' are shared",
                              from, nat, ctx->state);
    ubur_time_format(ubur_now(), now);
    int64_t n = ubur_store_run(
        ctx->store, err,
        "INSERT INTO partner_movement (id, contributed_by, kind, direction, at, crossing,"
        " document_number, nationality, surname, given_names, birth_date, decision, received_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
        "ttttttttttttt", json_string_value(json_object_get(rec, "id")), from,
        json_string_value(json_object_get(rec, "kind")), direction, at,
        json_string_value(json_object_get(rec, "crossing")),
        json_string_value(json_object_get(rec, "document_number")), nat,
        json_string_value(json_object_get(rec, "surname")),
        json_string_value(json_object_get(rec, "given_names")),
        json_string_value(json_object_get(rec, "birth_date")),
        json_string_value(json_object_get(rec, "decision")), now);
    return n < 0 ? (int)n : 0;
}

const struct ubur_exchange_type ubur_exchange_types[] = {
    {"watchlist", watchlist_fields, watchlist_export, watchlist_apply},
    {"revocations", revocation_fields, revocations_export, revocations_apply},
    {"movements", movement_fields, movements_export, movements_apply},
    {0},
};
