/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The record types that may cross between the states, each with the fields
 * it may share, how to find what changed since a cursor, and how to apply a
 * partner's record idempotently with its provenance (contributed_by).
 * Cursors are "<time>|<id>" of the last record sent, so records changed in
 * the same second are neither lost nor repeated.
 */
#include <string.h>

#include "ubur/exchange.h"
#include "ubur/banned.h"

/* ---- revocations: visas this state revoked or annulled ---- */

static const char *const revocation_fields[] = {
    "visa_number", "issuing_state", "passport_number", "nationality", "status", "reason",
    "ended_at", NULL,
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
            arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s}", "id",
                           ubur_stmt_text(st, 0), "visa_number", ubur_stmt_text(st, 1),
                           "issuing_state", ubur_stmt_text(st, 2), "passport_number",
                           ubur_stmt_text(st, 3), "nationality", ubur_stmt_text(st, 4), "status",
                           ubur_stmt_text(st, 5), "reason", ubur_stmt_text(st, 6), "ended_at",
                           ubur_stmt_text(st, 7)));
        *next = ubur_arena_printf(&ctx->arena, "%s|%s", ubur_stmt_text(st, 7),
                                  ubur_stmt_text(st, 0));
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
    return n < 0 ? (int)n : 0;
}

const struct ubur_exchange_type ubur_exchange_types[] = {
    {"revocations", revocation_fields, revocations_export, revocations_apply},
    {0},
};
